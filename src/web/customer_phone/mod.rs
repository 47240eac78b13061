//! The customer's own phone page for one order (`/c/{token}`), opened from the QR on their copy
//! of the order, on the receipt or on the kiosk's screen; no app and no sign-in.
//!
//! ```text
//! mod.rs        routes, the token's check, the page shell, the link's CSRF token, the throttle
//! page.rs       GET /c/{token}, GET /c/{token}/live (the part that follows the repair),
//!               GET /c/{token}/photos/{id} (the photos the floor shared)
//! approvals.rs  POST /c/{token}/approvals: pending lines approved or declined, signed
//! ```
//!
//! What must stay true:
//! - A link shows one order and its car: no other order, no phone number or address of the
//!   customer, nothing of the staff's pages (its shell has no navigation, and it never reads the
//!   session: a signed-in advisor opening a customer's link sees what the customer sees).
//! - Tokens are looked up only among customer links: a technician's QR token on `/c/` is
//!   unknown, as a customer's token is on `/t/`. Unknown and malformed tokens get the same 404
//!   page; a replaced or expired link gets a page saying to ask the shop.
//! - The only action is answering pending lines, with the link's own CSRF token (the per-link
//!   equivalent of the session's), a same-origin check, and a throttle per link and address.

mod approvals;
mod page;

use std::collections::HashMap;
use std::sync::Arc;

use maud::{DOCTYPE, Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;

use super::auth::Throttle;
use super::ctx::{Ctx, ct_eq};
use super::error::AppResult;
use super::{AppState, assets, html_response};
use crate::domain::work_order::parse_token;
use crate::domain::{Settings, WorkOrder};
use crate::i18n::{Lang, Msg};
use crate::store::orders::{self, TokenLookup};

type Query = HashMap<String, String>;

/// Answers from one address, on any links, before it is slowed down.
const ADDR_FREE: u32 = 30;
/// Answers on one link, from any address, before it is slowed down. A customer answers each
/// pending line once, so a successful answer takes its count back; what piles up are refused
/// ones.
const LINK_FREE: u32 = 10;

/// The throttle of the customers' answers.
pub fn throttle() -> Throttle {
    Throttle::with_limits(ADDR_FREE, LINK_FREE)
}

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    page::routes(&state).or(approvals::routes(&state)).unify().boxed()
}

fn ctx(state: &Arc<AppState>) -> BoxedFilter<(Ctx,)> {
    super::ctx::ctx(state.clone()).boxed()
}

fn query() -> BoxedFilter<(Query,)> {
    warp::query::<Query>().or(warp::any().map(Query::new)).unify().boxed()
}

/// A request on a link that works: the order, and the language to answer in.
struct Link {
    order: WorkOrder,
    lang: Lang,
}

/// The order behind a customer's token, or the page that says why there is none: 404 for a
/// token that is malformed or unknown (the same page for both), 410 for a link the desk
/// replaced or one past its days. The token is found through the index, then compared with the
/// order's in constant time.
async fn resolve(state: &AppState, ctx: &Ctx, token: &str) -> AppResult<Result<Link, Response>> {
    let lang = ctx.guest_lang();
    let settings = state.settings();
    let sent = parse_token(token).unwrap_or(0);
    let lookup = state.store.read(move |tx| orders::by_customer_token(tx, sent)).await?;
    Ok(match lookup {
        TokenLookup::Current(order) => match order.customer_link {
            Some(link) if sent != 0 && ct_eq(&link.token.to_be_bytes(), &sent.to_be_bytes()) => {
                if order.customer_link_expired(chrono::Utc::now(), settings.customer_link_days) {
                    Err(gone_page(lang, &settings))
                } else {
                    Ok(Link { order: *order, lang })
                }
            }
            _ => Err(unknown_page(lang, &settings)),
        },
        TokenLookup::Retired(_) => Err(gone_page(lang, &settings)),
        TokenLookup::Unknown => Err(unknown_page(lang, &settings)),
    })
}

/// The page for a token that leads nowhere (malformed or unknown alike).
fn unknown_page(lang: Lang, settings: &Settings) -> Response {
    message_page(
        lang,
        settings,
        "unknown",
        Msg::CustomerLinkUnknownTitle,
        Msg::CustomerLinkUnknownLead,
        StatusCode::NOT_FOUND,
    )
}

/// The page for a link that worked once: replaced by a new one, or past its days.
fn gone_page(lang: Lang, settings: &Settings) -> Response {
    message_page(
        lang,
        settings,
        "gone",
        Msg::CustomerLinkGoneTitle,
        Msg::CustomerLinkGoneLead,
        StatusCode::GONE,
    )
}

/// A page that only says something; `code` (`data-link`) names which, for scripts and tests.
fn message_page(
    lang: Lang,
    settings: &Settings,
    code: &str,
    title: Msg,
    lead: Msg,
    status: StatusCode,
) -> Response {
    let body = html! {
        section.panel.customer-message data-link=(code) {
            h1 { (lang.t(title)) }
            p.lead { (lang.t(lead)) }
            (shop_contact(lang, settings))
        }
    };
    let mut response = html_response(document(lang, settings, lang.t(title), None, None, body));
    *response.status_mut() = status;
    response
}

/// How to reach the shop: its name and phone (a tap calls it).
fn shop_contact(lang: Lang, settings: &Settings) -> Markup {
    html! {
        p.shop-contact {
            strong { (settings.shop_name) }
            @if !settings.shop_phone.is_empty() {
                " · " a href={ "tel:" (settings.shop_phone.replace(' ', "")) } { (lang.t(Msg::CallTheShop)) " " (settings.shop_phone) }
            }
        }
    }
}

/// The customer's page shell: the shop's name and phone, the language switch, and no
/// navigation. `csrf` is the link's token for its forms (`<meta name="csrf-token">`, which
/// the page script sends with htmx requests); `path` is where the language switch comes back
/// to.
fn document(
    lang: Lang,
    settings: &Settings,
    title: &str,
    csrf: Option<&str>,
    path: Option<&str>,
    body: Markup,
) -> Markup {
    let other = match lang {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    };
    html! {
        (DOCTYPE)
        html lang=(lang.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(token) = csrf { meta name="csrf-token" content=(token); }
                meta name="htmx-config" content=r#"{"historyCacheSize":0,"historyRestoreAsHxRequest":false,"includeIndicatorStyles":false,"defaultSettleDelay":0}"#;
                title { (title) " · " (settings.shop_name) }
                link rel="stylesheet" href=(assets::css_path());
                script src=(assets::htmx_path()) defer {}
                script src=(assets::js_path()) defer {}
            }
            body.customer data-network-error=(lang.t(Msg::NetworkError)) {
                header.customer-top {
                    div.shop {
                        span.shop-name { (settings.shop_name) }
                        @if !settings.shop_phone.is_empty() {
                            a.shop-phone href={ "tel:" (settings.shop_phone.replace(' ', "")) } { (settings.shop_phone) }
                        }
                    }
                    @if let Some(path) = path {
                        a.linklike lang=(other.html_lang()) href={ "/lang/" (other.code()) "?next=" (super::error::encode(path)) } { (lang.t(Msg::SwitchLang)) }
                    }
                }
                main id="main" { (body) }
                div id="toasts" aria-live="polite" {}
            }
        }
    }
}
