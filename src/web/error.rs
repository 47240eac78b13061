//! The one error type of the web layer and how each kind becomes a response: a full page for a
//! normal request, a small fragment (shown as a toast) for an htmx request. Details of 5xx
//! errors go to the log only.

use maud::{Markup, html};
use warp::http::StatusCode;
use warp::reply::{Reply, Response};

use super::ctx::Ctx;
use super::layout;
use crate::domain::FieldErrors;
use crate::i18n::{Lang, Msg};
use crate::store::{Detail, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Not signed in: go to the login page and come back.
    #[error("not signed in")]
    Unauthenticated,
    /// Signed in with a password that must be changed first.
    #[error("password change required")]
    MustChangePassword,
    #[error("forbidden")]
    Forbidden,
    #[error("csrf check failed")]
    Csrf,
    #[error("bad request")]
    BadRequest,
    #[error("too many attempts, retry in {0} s")]
    Throttled(u64),
    /// A rule refused the input; handlers normally re-render their form instead.
    #[error("invalid: {0:?}")]
    Invalid(FieldErrors),
    #[error("refused: {0:?}")]
    Refused(Msg),
    #[error("stale edit")]
    Stale,
    /// Storage failed; nothing was saved.
    #[error("storage unavailable: {0}")]
    Unavailable(#[source] Detail),
    /// The disk failed while making a committed change durable: it may or may not be kept.
    #[error("storage failed after commit: {0}")]
    Unconfirmed(#[source] Detail),
    /// A bug or a failed task, with a message for the log. (A plain message still: handlers
    /// build it from `format!` in many places.)
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(errors) => AppError::Invalid(errors),
            StoreError::Refused(msg) => AppError::Refused(msg),
            StoreError::Stale => AppError::Stale,
            StoreError::NotFound => AppError::NotFound,
            StoreError::Storage(detail) => AppError::Unavailable(detail),
            StoreError::NotABackup(why) => AppError::Unavailable(Detail::new(why)),
            StoreError::Unconfirmed(detail) => AppError::Unconfirmed(detail),
            e => AppError::Internal(e.to_string()),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthenticated | AppError::MustChangePassword => StatusCode::SEE_OTHER,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Refused(_) | AppError::Stale => StatusCode::CONFLICT,
            AppError::Unavailable(_) | AppError::Unconfirmed(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The page or fragment for this error, in the user's language.
    pub fn into_response(self, ctx: &Ctx) -> Response {
        let lang = ctx.lang;
        match &self {
            AppError::Unauthenticated => {
                let next = ctx.path_and_query.as_str();
                return redirect_to(&format!("/login?next={}", encode(next)), ctx.htmx);
            }
            AppError::MustChangePassword => return redirect_to("/account/password", ctx.htmx),
            AppError::Unavailable(detail) | AppError::Unconfirmed(detail) => {
                tracing::error!(%detail, "storage failed")
            }
            AppError::Internal(detail) => tracing::error!(%detail, "internal error"),
            _ => {}
        }
        let (title, lead) = self.texts(lang);
        let body =
            if ctx.htmx { toast(&lead) } else { layout::page(ctx, &title, error_body(lang, &title, &lead)) };
        let mut response = warp::reply::html(body.into_string()).into_response();
        *response.status_mut() = self.status();
        if ctx.htmx {
            // Let htmx swap nothing; app.js shows the fragment as a toast.
            response.headers_mut().insert("hx-reswap", "none".parse().unwrap());
        }
        response
    }

    fn texts(&self, lang: Lang) -> (String, String) {
        let t = |m| lang.t(m).to_string();
        match self {
            AppError::NotFound => (t(Msg::NotFoundTitle), t(Msg::NotFoundLead)),
            AppError::Forbidden => (t(Msg::ForbiddenTitle), t(Msg::ForbiddenLead)),
            AppError::Csrf => (t(Msg::ForbiddenTitle), t(Msg::CsrfFailed)),
            AppError::BadRequest => (t(Msg::BadRequestTitle), t(Msg::BadRequestLead)),
            AppError::Throttled(secs) => (t(Msg::BadRequestTitle), lang.fmt(Msg::LoginThrottled, &[secs])),
            AppError::Invalid(_) => (t(Msg::BadRequestTitle), t(Msg::FormHasErrors)),
            AppError::Refused(msg) => (t(Msg::ConflictTitle), t(*msg)),
            AppError::Stale => (t(Msg::ConflictTitle), t(Msg::StaleEdit)),
            AppError::Unavailable(_) => (t(Msg::ServerErrorTitle), t(Msg::UnavailableLead)),
            AppError::Unconfirmed(_) => (t(Msg::ServerErrorTitle), t(Msg::UnconfirmedLead)),
            AppError::Internal(_) | AppError::Unauthenticated | AppError::MustChangePassword => {
                (t(Msg::ServerErrorTitle), t(Msg::ServerErrorLead))
            }
        }
    }
}

/// `response`, answered `422 Unprocessable Entity` when `refused`: a form shown again with what
/// was refused, so a browser test or htmx tells it from a page that saved.
pub fn unprocessable_if(refused: bool, mut response: Response) -> Response {
    if refused {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

pub fn error_body(lang: Lang, title: &str, lead: &str) -> Markup {
    html! {
        section.error-page {
            h1 { (title) }
            p.lead { (lead) }
            p { a.button href="/" { (lang.t(Msg::GoHome)) } }
        }
    }
}

pub fn toast(text: &str) -> Markup {
    html! { div.toast role="alert" { (text) } }
}

/// A 303 redirect; for htmx requests an `HX-Redirect` so the whole page moves.
pub fn redirect_to(location: &str, htmx: bool) -> Response {
    let mut response = warp::reply().into_response();
    if htmx {
        response.headers_mut().insert("hx-redirect", header_value(location));
    } else {
        *response.status_mut() = StatusCode::SEE_OTHER;
        response.headers_mut().insert("location", header_value(location));
    }
    response
}

fn header_value(s: &str) -> warp::http::HeaderValue {
    warp::http::HeaderValue::from_str(s).unwrap_or_else(|_| warp::http::HeaderValue::from_static("/"))
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
