//! What happens to a booking: the car arrived, did not come (no-show), the booking was
//! cancelled (with a reason), or it became a work order (once: a second tap opens the same
//! order). Each is one store write checked against the version the page showed.

use chrono::Utc;
use maud::html;
use warp::http::StatusCode;
use warp::reply::Response;

use super::booking::{appointment_page, load_one};
use crate::domain::appointment::{AppointmentId, AppointmentStatus, check_reason};
use crate::domain::{Area, FieldErrors, Role};
use crate::i18n::Msg;
use crate::store::StoreError;
use crate::store::appointments;
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::form::Form;
use crate::web::html_response;
use crate::web::layout;

/// Where to go after a change: the kiosk's reception home when it was sent from there.
fn back(form: &Form, id: AppointmentId) -> String {
    if form.get("back") == "lookup" { "/lookup".to_string() } else { format!("/appointments/{id}?saved=1") }
}

fn version(form: &Form) -> AppResult<u64> {
    form.get("version").trim().parse().map_err(|_| AppError::BadRequest)
}

async fn mark(
    state: &AppState,
    ctx: &Ctx,
    id: AppointmentId,
    body: &[u8],
    to: AppointmentStatus,
) -> AppResult<Response> {
    let user = ctx.require(Area::Reception)?;
    let form = ctx.form(body)?;
    let version = version(&form)?;
    let reason = if to == AppointmentStatus::Cancelled {
        match check_reason(form.get("reason")) {
            Ok(r) => r,
            Err(e) => {
                let (shown, desk) = load_one(state, id).await?;
                let input = shown.appt.booking.to_input(ctx.settings.tz());
                return Ok(appointment_page(ctx, &shown, &desk, &input, &e, false, None));
            }
        }
    } else {
        String::new()
    };
    let actor = user.actor();
    state
        .store
        .write(move |tx| appointments::mark_tx(tx, &actor, id, version, to, reason.clone(), Utc::now()))
        .await?;
    Ok(redirect_to(&back(&form, id), ctx.htmx))
}

/// `POST /appointments/{id}/arrived`.
pub(super) async fn arrived(
    state: &AppState,
    ctx: &Ctx,
    id: AppointmentId,
    body: &[u8],
) -> AppResult<Response> {
    mark(state, ctx, id, body, AppointmentStatus::Arrived).await
}

/// `POST /appointments/{id}/no_show`: only once its time has come.
pub(super) async fn no_show(
    state: &AppState,
    ctx: &Ctx,
    id: AppointmentId,
    body: &[u8],
) -> AppResult<Response> {
    mark(state, ctx, id, body, AppointmentStatus::NoShow).await
}

/// `POST /appointments/{id}/cancel` with its `reason`.
pub(super) async fn cancel(
    state: &AppState,
    ctx: &Ctx,
    id: AppointmentId,
    body: &[u8],
) -> AppResult<Response> {
    mark(state, ctx, id, body, AppointmentStatus::Cancelled).await
}

/// `POST /appointments/{id}/order`: the work order, with everything the booking knew; the
/// same order again if it already has one.
pub(super) async fn to_order(
    state: &AppState,
    ctx: &Ctx,
    id: AppointmentId,
    body: &[u8],
) -> AppResult<Response> {
    let user = ctx.require(Area::Reception)?;
    ctx.form(body)?;
    let actor = user.actor();
    let advisor = user.user.roles.has(Role::Advisor).then_some(user.user.id);
    let settings = ctx.settings.clone();
    let result = state
        .store
        .write_touching(move |tx, t| {
            appointments::convert_tx(tx, t, &actor, &settings, id, advisor, Utc::now())
        })
        .await;
    match result {
        Ok((order, true)) => Ok(redirect_to(&format!("/orders/{order}?notice=opened"), ctx.htmx)),
        Ok((order, false)) => Ok(redirect_to(&format!("/orders/{order}"), ctx.htmx)),
        Err(StoreError::Invalid(errors)) => Ok(refused_page(ctx, id, &errors)),
        Err(e) => Err(e.into()),
    }
}

/// The order could not be opened (the car has one in the shop): why, with a link to it.
fn refused_page(ctx: &Ctx, id: AppointmentId, errors: &FieldErrors) -> Response {
    let lang = ctx.lang;
    let body = html! {
        h1 { (lang.t(Msg::ApptToOrder)) }
        @for (_, p) in errors.iter() {
            div.notice.error role="alert" data-refused {
                (p.text(lang))
                @if let Some(href) = &p.link { " " a href=(href) { (lang.t(Msg::ViewOrder)) } }
            }
        }
        p { a.button.secondary href={ "/appointments/" (id) } { (lang.t(Msg::Back)) } " " a.button.secondary href="/lookup" { (lang.t(Msg::NavReception)) } }
    };
    let mut r = html_response(layout::page(ctx, lang.t(Msg::ApptToOrder), body));
    *r.status_mut() = StatusCode::CONFLICT;
    r
}
