//! The wall display's key (POST /admin/display-key): the shop's TV opens the board at
//! `/wall/{key}` instead of with a person's sign-in, so no staff session sits on a screen in
//! the workshop. The key is 256 random bits; a new one retires the old address at once, and
//! revoking leaves no address at all. What the address shows is the board and the waiting
//! room's view, nothing else (see `web::wall`).

use std::sync::Arc;

use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use crate::i18n::Msg;
use crate::store::settings as settings_store;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::layout::csrf_field;
use crate::web::{AppState, BODY_LIMIT};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    warp::path!("admin" / "display-key")
        .and(warp::post())
        .and(crate::web::ctx::ctx(state.clone()))
        .and(warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes()))
        .then(handler!(state, ctx, |ctx: Ctx, body: Bytes| set_key(&state, &ctx, &body)))
        .boxed()
}

/// POST /admin/display-key: `action` is `new` (a new key, the old address stops working) or
/// `revoke` (no wall display address).
async fn set_key(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let (admin, cap) = ctx.admin()?;
    let form = ctx.form(body)?;
    let key = match form.get("action") {
        "new" => format!("{:032x}{:032x}", rand::random::<u128>(), rand::random::<u128>()),
        "revoke" => String::new(),
        _ => return Err(AppError::BadRequest),
    };
    let actor = admin.actor();
    let saved = state
        .store
        .write(move |tx| settings_store::set_display_key_tx(tx, &cap, &actor, key.clone()))
        .await?;
    state.set_settings(saved);
    Ok(redirect_to("/admin/settings?saved=1#display-key", ctx.htmx))
}

/// The panel on the settings page: the address to open on the TV, a new key, revoking.
pub(super) fn panel(ctx: &Ctx, base_url: &str) -> Markup {
    let lang = ctx.lang;
    let key = &ctx.settings.display_key;
    html! {
        section.panel id="display-key" {
            h2 { (lang.t(Msg::WallDisplay)) }
            p.lead { (lang.t(Msg::WallDisplayLead)) }
            @if key.is_empty() {
                p.muted data-display-key="none" { (lang.t(Msg::WallDisplayNone)) }
            } @else {
                @let url = format!("{}/wall/{key}", base_url.trim_end_matches('/'));
                p { a.qr-url href=(url) target="_blank" rel="noopener" data-display-url { (url) } }
                p.muted { (lang.t(Msg::WallDisplayWaiting)) " " code { "?view=waiting" } }
            }
            form method="post" action="/admin/display-key" {
                (csrf_field(ctx))
                div.actions {
                    button.secondary type="submit" name="action" value="new" { (lang.t(if key.is_empty() { Msg::WallDisplayMake } else { Msg::WallDisplayRenew })) }
                    @if !key.is_empty() { button.danger type="submit" name="action" value="revoke" { (lang.t(Msg::WallDisplayRevoke)) } }
                }
            }
        }
    }
}
