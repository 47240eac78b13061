//! The check in front of every route: a locked session sees the lock screen and nothing else,
//! and a kiosk session idle past the shop's limit is locked here when its next request comes.

use std::sync::Arc;

use chrono::Utc;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderMap, Method};
use warp::reply::Response;

use crate::domain::session::session_rules;
use crate::store::{Actor, sessions};
use crate::web::AppState;
use crate::web::auth::safe_next;
use crate::web::ctx::{SESSION_COOKIE, cookie, is_kiosk, parse_session_id};
use crate::web::error::redirect_to;

/// What a locked session may still reach: the lock screen, unlocking, signing out, the static
/// files the lock screen needs and the health check.
fn open_while_locked(path: &str) -> bool {
    matches!(path, "/kiosk/locked" | "/kiosk/unlock" | "/logout" | "/healthz") || path.starts_with("/static/")
}

/// Matches (and answers with the lock screen) only the requests a lock holds back; every
/// other request is rejected as "not this route" so the areas' routes answer it.
pub fn gate(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let query = warp::query::raw().or(warp::any().map(String::new)).unify();
    warp::path::full()
        .and(warp::method())
        .and(warp::header::headers_cloned())
        .and(query)
        .and_then(move |path: warp::path::FullPath, method: Method, headers: HeaderMap, query: String| {
            let state = state.clone();
            async move {
                match held(&state, path.as_str(), &query, &method, &headers).await {
                    Some(response) => Ok(response),
                    None => Err(warp::reject::not_found()),
                }
            }
        })
        .boxed()
}

/// The lock screen's answer if this request's session is locked, or locks now.
async fn held(
    state: &AppState,
    path: &str,
    query: &str,
    method: &Method,
    headers: &HeaderMap,
) -> Option<Response> {
    if open_while_locked(path) {
        return None;
    }
    let id = cookie(headers, SESSION_COOKIE).and_then(parse_session_id)?;
    let (session, user) = state.store.session(id).await.ok()??;
    let settings = state.settings();
    let now = Utc::now();
    // An ended session is the request context's business (it signs the browser out).
    if !user.active || !session.is_live(now, session_rules(&settings, &user)) {
        return None;
    }
    let htmx = headers.get("hx-request").is_some_and(|v| v == "true");
    if !session.locked {
        if !(is_kiosk(headers, &settings) && session.idle_past_kiosk_lock(now, settings.kiosk_lock_minutes)) {
            return None;
        }
        let return_to = page_of(headers, path, query, method);
        let actor = Actor::person(&user);
        let locked = state
            .store
            .write(move |tx| sessions::lock_tx(tx, &actor, id, return_to.clone(), "idle (server)"))
            .await;
        // Locked or not in the store, this answer is the lock screen: the next request tries
        // again.
        if let Err(e) = locked {
            tracing::error!(error = %e, "locking an idle kiosk failed");
        }
    }
    Some(redirect_to("/kiosk/locked", htmx))
}

/// The page the browser was on: htmx (and the kiosk's heartbeat) say it in `HX-Current-URL`;
/// otherwise a page fetched with GET is itself the page. Only a local path is kept.
fn page_of(headers: &HeaderMap, path: &str, query: &str, method: &Method) -> Option<String> {
    let current = headers.get("hx-current-url").and_then(|v| v.to_str().ok()).and_then(|url| {
        let host = headers.get("host").and_then(|v| v.to_str().ok())?;
        let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"))?;
        rest.strip_prefix(host).map(|p| if p.is_empty() { "/".to_string() } else { p.to_string() })
    });
    let page = current.or_else(|| {
        (*method == Method::GET)
            .then(|| if query.is_empty() { path.to_string() } else { format!("{path}?{query}") })
    })?;
    return_path(&page)
}

/// A page worth coming back to after unlocking: a local path, not the kiosk's own pages nor
/// the login page.
pub(super) fn return_path(page: &str) -> Option<String> {
    let page = safe_next(page);
    let own = page.starts_with("/kiosk/") || page.starts_with("/login") || page == "/";
    (!own).then(|| page.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_lock_screen_and_what_it_needs_stay_open() {
        for open in ["/kiosk/locked", "/kiosk/unlock", "/logout", "/healthz", "/static/app-1.css"] {
            assert!(open_while_locked(open), "{open}");
        }
        for held in
            ["/", "/customers", "/kiosk/lock", "/kiosk/alive", "/account/pin", "/login", "/c/abc", "/wall/k"]
        {
            assert!(!open_while_locked(held), "{held}");
        }
    }

    #[test]
    fn the_page_to_return_to_is_a_local_page() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "192.168.1.20:8080".parse().unwrap());
        assert_eq!(page_of(&headers, "/customers/7", "", &Method::GET).as_deref(), Some("/customers/7"));
        assert_eq!(page_of(&headers, "/lookup", "plate=x", &Method::GET).as_deref(), Some("/lookup?plate=x"));
        assert_eq!(page_of(&headers, "/orders", "", &Method::POST), None);
        headers.insert("hx-current-url", "http://192.168.1.20:8080/orders/3?tab=lines".parse().unwrap());
        assert_eq!(
            page_of(&headers, "/kiosk/alive", "", &Method::GET).as_deref(),
            Some("/orders/3?tab=lines")
        );
        headers.insert("hx-current-url", "http://evil.example/orders/3".parse().unwrap());
        assert_eq!(page_of(&headers, "/kiosk/alive", "", &Method::GET), None);
        assert_eq!(return_path("//evil.example"), None);
        assert_eq!(return_path("/kiosk/locked"), None);
        assert_eq!(return_path("/login?next=/x"), None);
    }
}
