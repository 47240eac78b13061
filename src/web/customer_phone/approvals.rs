//! POST /c/{token}/approvals: the customer approves or declines the pending lines they ticked,
//! with a drawn signature, for the estimate version their page showed. A stale version is
//! refused and the page shows the estimate as it is now; the record says the answer was given
//! by the customer on their phone.

use std::sync::Arc;

use maud::html;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::page::{CustomerView, Outcome, customer_page};
use super::{Link, ctx, document, resolve};
use crate::domain::work_order::{Decision, PhoneAnswerInput, parse_token};
use crate::domain::{FieldErrors, Settings};
use crate::i18n::{Lang, Msg};
use crate::store::{StoreError, customers, orders};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::form::Form;
use crate::web::{AppState, BODY_LIMIT, html_response};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    warp::path!("c" / String / "approvals")
        .and(warp::post())
        .and(ctx(state))
        .and(warp::body::content_length_limit(BODY_LIMIT))
        .and(warp::body::bytes())
        .then(handler!(state, ctx, |token: String, ctx: Ctx, body: Bytes| answer(
            &state, &ctx, &token, &body
        )))
        .boxed()
}

/// The answer, in this order: the throttle (every try counts, known link or not), the link
/// (404 or "ask the shop"), the link's CSRF token and origin (403), the form, then one write.
async fn answer(state: &AppState, ctx: &Ctx, token: &str, body: &[u8]) -> AppResult<Response> {
    let settings = state.settings();
    let key = format!("link:{}", token.get(..32).unwrap_or(token));
    if let Err(wait) = state.customer_throttle.begin(&key, ctx.client) {
        let lang = ctx.guest_lang();
        let text = lang.fmt(Msg::CustomerTooManyTries, &[&wait.as_secs().max(1)]);
        let back = parse_token(token).map(|t| format!("/c/{t:032x}"));
        return Ok(refused(lang, &settings, StatusCode::TOO_MANY_REQUESTS, &text, back.as_deref()));
    }
    let Link { order, lang } = match resolve(state, ctx, token).await? {
        Ok(link) => link,
        Err(page) => return Ok(page),
    };
    let link = order.customer_link.expect("resolved");
    let form = Form::parse(body);
    if ctx.check_csrf_against(Some(&link.csrf_hex()), form.get("csrf")).is_err() {
        let back = format!("/c/{}", link.token_hex());
        return Ok(refused(
            lang,
            &settings,
            StatusCode::FORBIDDEN,
            lang.t(Msg::CustomerFormExpired),
            Some(&back),
        ));
    }
    if !Form::is_utf8(body) {
        return Err(AppError::BadRequest);
    }
    let input = PhoneAnswerInput {
        estimate_version: form.owned("estimate_version"),
        lines: form.all("line").map(str::to_string).collect(),
        decision: form.owned("decision"),
        signature: form.owned("signature"),
    };
    let again = |view: &CustomerView, input: PhoneAnswerInput, errors: FieldErrors| {
        Ok(customer_page(lang, view, &Outcome { notice: None, answer: Some((input, errors)) }))
    };
    // The record names the customer as the one who answered (it is not shown on the page).
    let customer_id = order.customer_id;
    let name = state
        .store
        .read(move |tx| Ok(customers::get(tx, customer_id)?.map(|c| c.details.name)))
        .await?
        .unwrap_or_default();
    let details = match input.check(&name) {
        Ok(d) => d,
        Err(errors) => return again(&CustomerView::gather(state, order).await?, input, errors),
    };
    let declined = details.decisions.iter().any(|(_, d)| *d == Decision::Declined);
    let (id, sent) = (order.id, link.token);
    match state
        .store
        .write_touching(move |tx, t| orders::customer_approve_tx(tx, t, id, sent, details.clone()))
        .await
    {
        Ok(_) => {
            state.customer_throttle.succeeded(&key, ctx.client);
            let to =
                format!("/c/{}?notice={}", link.token_hex(), if declined { "declined" } else { "approved" });
            Ok(redirect_to(&to, ctx.htmx))
        }
        Err(StoreError::Invalid(errors)) => {
            // The estimate moved on or a line was answered meanwhile: the page as it is now.
            let order = state.store.read(move |tx| orders::get(tx, id)).await?.ok_or(AppError::NotFound)?;
            again(&CustomerView::gather(state, order).await?, input, errors)
        }
        // Locked meanwhile (settled, or payments taken), or the link replaced while answering.
        Err(StoreError::Refused(msg)) => {
            let back = format!("/c/{}", link.token_hex());
            Ok(refused(lang, &settings, StatusCode::CONFLICT, lang.t(msg), Some(&back)))
        }
        Err(StoreError::NotFound) => Ok(super::gone_page(lang, &settings)),
        Err(e) => Err(e.into()),
    }
}

/// A refused answer, on the customer's own page shell.
fn refused(lang: Lang, settings: &Settings, status: StatusCode, text: &str, back: Option<&str>) -> Response {
    let body = html! {
        section.panel.customer-message {
            h1 { (lang.t(Msg::CustomerAnswerRefused)) }
            p.lead { (text) }
            @if let Some(back) = back { p { a.button href=(back) { (lang.t(Msg::Back)) } } }
            (super::shop_contact(lang, settings))
        }
    };
    let mut response =
        html_response(document(lang, settings, lang.t(Msg::CustomerAnswerRefused), None, None, body));
    *response.status_mut() = status;
    response
}
