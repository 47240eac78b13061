//! The request context: who is asking, in which language, and whether htmx is asking.
//!
//! Every route starts from [`Ctx`]; it loads the session from the store, applies the idle and
//! absolute timeouts (the rules are [`crate::domain::session::session_rules`]), and offers the permission checks (`user`, `require`, `admin`) and the CSRF
//! check for submitted forms ([`Ctx::form`]).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use chrono::Utc;
use warp::Filter;
use warp::http::HeaderMap;

use super::AppState;
use super::error::{AppError, AppResult};
use super::form::Form;
use crate::domain::session::session_rules;
use crate::domain::{AdminCap, Area, Session, Settings, User};
use crate::i18n::Lang;
use crate::store::{Actor, sessions};

pub const SESSION_COOKIE: &str = "wd_session";
pub const LANG_COOKIE: &str = "wd_lang";
/// Double-submit token that protects the login form, which has no session yet.
pub const PRE_COOKIE: &str = "wd_pre";
/// Marks the reception kiosk's browser: its value must be the shop's `kiosk_key` (see
/// `web::kiosk`).
pub const KIOSK_COOKIE: &str = "wd_kiosk";

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: User,
    pub session_id: u128,
    pub session: Session,
}

impl CurrentUser {
    pub fn actor(&self) -> Actor {
        Actor::person(&self.user)
    }
}

#[derive(Clone, Debug)]
pub struct Ctx {
    pub lang: Lang,
    pub htmx: bool,
    /// Path and query of this request, to come back to after signing in.
    pub path_and_query: String,
    pub user: Option<CurrentUser>,
    pub settings: Arc<Settings>,
    pub client: IpAddr,
    /// Whether the page was reached over HTTPS (through a reverse proxy), for `Secure` cookies.
    pub https: bool,
    /// Whether this browser is the reception kiosk (its `wd_kiosk` cookie matches the key).
    pub kiosk: bool,
    headers: HeaderMap,
}

impl Ctx {
    /// The signed-in user, who has chosen their own password.
    pub fn user(&self) -> AppResult<&CurrentUser> {
        let user = self.user.as_ref().ok_or(AppError::Unauthenticated)?;
        if user.user.must_change_password {
            return Err(AppError::MustChangePassword);
        }
        Ok(user)
    }

    /// The signed-in user, if their roles may use `area`.
    pub fn require(&self, area: Area) -> AppResult<&CurrentUser> {
        let user = self.user()?;
        if user.user.roles.may(area) { Ok(user) } else { Err(AppError::Forbidden) }
    }

    /// The signed-in administrator and the capability admin-only store calls need.
    pub fn admin(&self) -> AppResult<(&CurrentUser, AdminCap)> {
        let user = self.user()?;
        let cap = user.user.roles.admin_cap().ok_or(AppError::Forbidden)?;
        Ok((user, cap))
    }

    pub fn csrf_token(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.session.csrf.as_str())
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        cookie(&self.headers, name)
    }

    /// The element an htmx request will swap its answer into (`HX-Target`).
    pub fn hx_target(&self) -> Option<&str> {
        if self.htmx { self.header("hx-target") } else { None }
    }

    /// Today in the shop's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        Utc::now().with_timezone(&self.settings.tz()).date_naive()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Reads a submitted form after checking where it came from: the `Origin` (when the browser
    /// sends one) must be this server, and the CSRF token (header `X-CSRF-Token` or field
    /// `csrf`) must be the session's, or for a signed-out form the `wd_pre` cookie's. A body
    /// that is not UTF-8 is malformed (400): its text would be stored as `�`.
    pub fn form(&self, body: &[u8]) -> AppResult<Form> {
        let form = Form::parse(body);
        self.check_csrf(form.get("csrf"))?;
        if !Form::is_utf8(body) {
            return Err(AppError::BadRequest);
        }
        Ok(form)
    }

    /// The CSRF and origin check of [`Ctx::form`], for bodies that are not urlencoded
    /// (multipart uploads send the token as a part named `csrf`).
    pub fn check_csrf(&self, field: &str) -> AppResult<()> {
        let expected = match &self.user {
            Some(user) => Some(user.session.csrf.as_str()),
            None => self.cookie(PRE_COOKIE),
        };
        self.check_csrf_against(expected, field)
    }

    /// The same check against a token the caller holds: a customer's link carries its own, as
    /// a session does (the customer's phone pages never look at a session).
    pub fn check_csrf_against(&self, expected: Option<&str>, field: &str) -> AppResult<()> {
        if !self.same_origin() {
            return Err(AppError::Csrf);
        }
        let sent = self.header("x-csrf-token").unwrap_or(field);
        match expected {
            Some(expected) if !sent.is_empty() && ct_eq(sent.as_bytes(), expected.as_bytes()) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    }

    /// The language for someone who is not signed in (a customer on their phone): their
    /// choice (the language cookie), else their browser's, else the shop's.
    pub fn guest_lang(&self) -> Lang {
        self.cookie(LANG_COOKIE)
            .and_then(Lang::parse)
            .or_else(|| self.header("accept-language").and_then(Lang::from_accept_language))
            .unwrap_or(self.settings.default_lang)
    }

    fn same_origin(&self) -> bool {
        let Some(origin) = self.header("origin") else { return true };
        let host = self.header("host").unwrap_or("");
        let origin_host =
            origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).unwrap_or("");
        !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
    }
}

/// Constant-time comparison of secrets.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

pub fn parse_session_id(hex: &str) -> Option<u128> {
    (hex.len() == 32).then(|| u128::from_str_radix(hex, 16).ok()).flatten()
}

/// The filter that builds a [`Ctx`] for every request.
pub fn ctx(state: Arc<AppState>) -> impl Filter<Extract = (Ctx,), Error = std::convert::Infallible> + Clone {
    let query = warp::query::raw().or(warp::any().map(String::new)).unify();
    let remote =
        warp::ext::optional::<super::ClientAddr>().map(|a: Option<super::ClientAddr>| a.map(|a| a.0));
    warp::header::headers_cloned().and(warp::path::full()).and(query).and(remote).then(
        move |headers: HeaderMap, path: warp::path::FullPath, query: String, remote: Option<SocketAddr>| {
            let state = state.clone();
            async move { build(&state, headers, path.as_str(), &query, remote).await }
        },
    )
}

async fn build(
    state: &AppState,
    headers: HeaderMap,
    path: &str,
    query: &str,
    remote: Option<SocketAddr>,
) -> Ctx {
    let settings = state.settings();
    let user = match cookie(&headers, SESSION_COOKIE).and_then(parse_session_id) {
        Some(id) => load_user(state, &settings, id).await,
        None => None,
    };
    let lang = user
        .as_ref()
        .and_then(|u| u.user.lang)
        .or_else(|| cookie(&headers, LANG_COOKIE).and_then(Lang::parse))
        .or_else(|| {
            headers.get("accept-language").and_then(|v| v.to_str().ok()).and_then(Lang::from_accept_language)
        })
        .unwrap_or(settings.default_lang);
    let htmx = headers.get("hx-request").is_some_and(|v| v == "true");
    let https = settings.public_base_url.starts_with("https://")
        || headers.get("x-forwarded-proto").is_some_and(|v| v == "https");
    let path_and_query = if query.is_empty() { path.to_string() } else { format!("{path}?{query}") };
    let kiosk = is_kiosk(&headers, &settings);
    Ctx {
        lang,
        htmx,
        path_and_query,
        user,
        settings,
        client: remote.map(|a| a.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        https,
        kiosk,
        headers,
    }
}

/// Whether the request comes from the reception kiosk: a `wd_kiosk` cookie equal to the
/// shop's kiosk key, which must exist.
pub fn is_kiosk(headers: &HeaderMap, settings: &Settings) -> bool {
    let key = settings.kiosk_key.as_bytes();
    !key.is_empty() && cookie(headers, KIOSK_COOKIE).is_some_and(|v| ct_eq(v.as_bytes(), key))
}

/// The live session's user, ending a session that has timed out or whose user was
/// deactivated. A storage failure here reads as "not signed in", and the login page then says
/// what is wrong.
async fn load_user(state: &AppState, settings: &Settings, id: u128) -> Option<CurrentUser> {
    let found = state.store.session(id).await;
    let (session, user) = match found {
        Ok(Some(pair)) => pair,
        Ok(None) => return None,
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            return None;
        }
    };
    let now = Utc::now();
    if !user.active || !session.is_live(now, session_rules(settings, &user)) {
        let _ = state.store.write_lazy(move |tx| sessions::remove_tx(tx, id).map(|_| ())).await;
        return None;
    }
    if session.needs_touch(now) {
        let _ = state.store.write_lazy(move |tx| sessions::touch_tx(tx, id, now)).await;
    }
    Some(CurrentUser { user, session_id: id, session })
}

#[cfg(test)]
impl Ctx {
    /// A request context for views' unit tests: the default settings, not htmx, signed in as
    /// `user` if given.
    pub fn for_test(lang: Lang, user: Option<CurrentUser>) -> Ctx {
        Ctx {
            lang,
            htmx: false,
            path_and_query: "/".into(),
            user,
            settings: Arc::new(Settings::default()),
            client: IpAddr::V4(Ipv4Addr::LOCALHOST),
            https: false,
            kiosk: false,
            headers: HeaderMap::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_32_hex_digits() {
        assert_eq!(parse_session_id(&format!("{:032x}", 42u128)), Some(42));
        assert_eq!(parse_session_id("42"), None);
        assert_eq!(parse_session_id(&"g".repeat(32)), None);
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert("cookie", "a=1; wd_lang=en; wd_session=abc".parse().unwrap());
        assert_eq!(cookie(&headers, "wd_lang"), Some("en"));
        assert_eq!(cookie(&headers, "wd_session"), Some("abc"));
        assert_eq!(cookie(&headers, "b"), None);
    }

    #[test]
    fn constant_time_equality() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
