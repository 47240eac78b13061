//! Which browser is the reception kiosk (POST /admin/kiosk-device): an administrator, signed in
//! on the kiosk itself, marks that browser with the `wd_kiosk` cookie (HttpOnly, SameSite=Strict,
//! Secure over HTTPS) carrying the shop's `kiosk_key`, or forgets it; a new key un-kiosks every
//! device at once. Only a marked browser locks when idle (see `web::kiosk`): an address or a
//! query parameter would let anyone at the screen unmark it by editing the URL.

use std::sync::Arc;

use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use crate::i18n::Msg;
use crate::store::settings as settings_store;
use crate::web::ctx::{Ctx, KIOSK_COOKIE};
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::layout::csrf_field;
use crate::web::{AppState, BODY_LIMIT, set_cookie};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    warp::path!("admin" / "kiosk-device")
        .and(warp::post())
        .and(crate::web::ctx::ctx(state.clone()))
        .and(warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes()))
        .then(handler!(state, ctx, |ctx: Ctx, body: Bytes| set_device(&state, &ctx, &body)))
        .boxed()
}

/// POST /admin/kiosk-device: `action` is `this` (this browser becomes the kiosk; the key is
/// made if there is none), `forget` (this browser stops being one) or `renew` (a new key: no
/// browser is a kiosk any more until marked again). Each is audited with the address.
async fn set_device(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let (admin, cap) = ctx.admin()?;
    let form = ctx.form(body)?;
    let current = ctx.settings.kiosk_key.clone();
    let fresh = || format!("{:032x}{:032x}", rand::random::<u128>(), rand::random::<u128>());
    let client = ctx.client;
    let (key, why, cookie_key) = match form.get("action") {
        "this" => {
            let key = if current.is_empty() { fresh() } else { current };
            (key.clone(), format!("device at {client} marked as the kiosk"), Some(key))
        }
        "forget" => (current, format!("device at {client} no longer the kiosk"), None),
        "renew" => (fresh(), "new key: every kiosk device forgotten".to_string(), None),
        _ => return Err(AppError::BadRequest),
    };
    let actor = admin.actor();
    let saved = state
        .store
        .write(move |tx| settings_store::set_kiosk_key_tx(tx, &cap, &actor, key.clone(), &why))
        .await?;
    state.set_settings(saved);
    let mut response = redirect_to("/admin/settings?saved=1#kiosk-device", ctx.htmx);
    let secure = if ctx.https { "; Secure" } else { "" };
    let cookie = match cookie_key {
        Some(key) => {
            format!("{KIOSK_COOKIE}={key}; Path=/; HttpOnly; SameSite=Strict; Max-Age=315360000{secure}")
        }
        None => format!("{KIOSK_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    set_cookie(&mut response, &cookie);
    Ok(response)
}

/// The panel on the settings page: whether this browser is the kiosk, and the buttons.
pub(super) fn panel(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    let has_key = !ctx.settings.kiosk_key.is_empty();
    html! {
        section.panel id="kiosk-device" {
            h2 { (lang.t(Msg::KioskDevice)) }
            p.lead { (lang.t(Msg::KioskDeviceLead)) }
            @if ctx.kiosk {
                p data-kiosk-device="this" { strong { (lang.t(Msg::KioskDeviceThis)) } }
            } @else {
                p.muted data-kiosk-device="other" { (lang.t(Msg::KioskDeviceOther)) }
            }
            form method="post" action="/admin/kiosk-device" {
                (csrf_field(ctx))
                div.actions {
                    @if ctx.kiosk {
                        button.secondary type="submit" name="action" value="forget" { (lang.t(Msg::KioskDeviceForget)) }
                    } @else {
                        button.secondary type="submit" name="action" value="this" { (lang.t(Msg::KioskDeviceMark)) }
                    }
                    @if has_key {
                        button.danger type="submit" name="action" value="renew" { (lang.t(Msg::KioskDeviceRenew)) }
                    }
                }
            }
        }
    }
}
