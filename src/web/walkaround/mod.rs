//! The walk-around at reception (接车环检), on the kiosk with the customer: damage tapped on the
//! car's outline (its kind, a note, a photo), the warning lights on, the items left and the
//! fuel, then the customer's signature, which locks it. It prints with the order and shows on
//! the order page and the customer's own page.
//!
//! ```text
//! mod.rs      routes, who may do what, the handlers
//!             GET  /orders/{id}/walkaround                 the kiosk page
//!             POST /orders/{id}/walkaround/marks           a mark (multipart: its photo)
//!             POST /orders/{id}/walkaround/marks/{no}/remove
//!             POST /orders/{id}/walkaround/checks          lights, items, fuel
//!             GET,POST /orders/{id}/walkaround/sign        the customer reviews and signs
//!             POST /orders/{id}/walkaround/reopen          a manager reopens it, with a reason
//!             GET  /orders/{id}/walkaround/photos/{p}      a mark's photo
//! kiosk.rs    the kiosk page and the signing page
//! outline.rs  the car's outline with its marks, the legend, lights, items, signature
//! sections.rs the walk-around on the order page, the printed order and the customer's page
//! ```
//!
//! What must stay true: each tap that saves is one durable write of the order
//! ([`crate::store::orders::walkaround`]); a signed walk-around changes only by a manager's
//! reopening; photos pass the note photos' checks ([`super::photo`]) and are shown only to who
//! may see the order (or the customer, on their own page).

mod kiosk;
mod outline;
mod sections;

use std::collections::HashMap;
use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::ctx::{Ctx, CurrentUser};
use super::error::{AppError, AppResult, redirect_to};
use super::{AppState, BODY_LIMIT, html_response};
use crate::domain::walkaround::{ChecksDetails, ChecksInput, MarkDetails, MarkInput, SignInput};
use crate::domain::{Area, Customer, FieldErrors, OrderId, Problem, Role, Vehicle, WorkOrder};
use crate::i18n::Msg;
use crate::store::orders::walkaround as store;
use crate::store::{StoreError, customers, orders, vehicles};

pub use sections::{customer_section, order_section, print_section};

type Query = HashMap<String, String>;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = || super::ctx::ctx(state.clone());
    let query = || warp::query::<Query>().or(warp::any().map(Query::new)).unify();
    let body = || warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let page = warp::path!("orders" / u64 / "walkaround")
        .and(warp::get())
        .and(ctx())
        .and(query())
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, q: Query| page(&state, &ctx, OrderId(id), &q)));
    let limit = super::floor::PHOTO_LIMIT + BODY_LIMIT;
    let mark = warp::path!("orders" / u64 / "walkaround" / "marks")
        .and(warp::post())
        .and(ctx())
        .and(warp::multipart::form().max_length(limit))
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, form: warp::multipart::FormData| add_mark(
            &state,
            &ctx,
            OrderId(id),
            form
        )));
    let remove = warp::path!("orders" / u64 / "walkaround" / "marks" / u32 / "remove")
        .and(warp::post())
        .and(ctx())
        .and(body())
        .then(handler!(state, ctx, |id: u64, no: u32, ctx: Ctx, body: Bytes| remove_mark(
            &state,
            &ctx,
            OrderId(id),
            no,
            &body
        )));
    let checks =
        warp::path!("orders" / u64 / "walkaround" / "checks").and(warp::post()).and(ctx()).and(body()).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| checks(&state, &ctx, OrderId(id), &body)),
        );
    let sign_page = warp::path!("orders" / u64 / "walkaround" / "sign")
        .and(warp::get())
        .and(ctx())
        .then(handler!(state, ctx, |id: u64, ctx: Ctx| sign_page(&state, &ctx, OrderId(id))));
    let sign =
        warp::path!("orders" / u64 / "walkaround" / "sign").and(warp::post()).and(ctx()).and(body()).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| sign(&state, &ctx, OrderId(id), &body)),
        );
    let reopen =
        warp::path!("orders" / u64 / "walkaround" / "reopen").and(warp::post()).and(ctx()).and(body()).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| reopen(&state, &ctx, OrderId(id), &body)),
        );
    let photo = warp::path!("orders" / u64 / "walkaround" / "photos" / u64)
        .and(warp::get())
        .and(ctx())
        .and(query())
        .then(handler!(state, ctx, |id: u64, p: u64, ctx: Ctx, q: Query| photo(
            &state,
            &ctx,
            OrderId(id),
            p,
            q.contains_key("thumb")
        )));
    any_of!(page, mark, remove, checks, sign_page, sign, reopen, photo)
}

/// The desk: advisors, managers, admins.
fn desk(ctx: &Ctx) -> AppResult<&CurrentUser> {
    ctx.require(Area::Orders)
}

/// Reopening a signed walk-around: managers and admins.
fn manager(ctx: &Ctx) -> AppResult<&CurrentUser> {
    let user = desk(ctx)?;
    let r = user.user.roles;
    if r.has(Role::Manager) || r.has(Role::Admin) { Ok(user) } else { Err(AppError::Forbidden) }
}

/// What the kiosk and signing pages show.
pub(super) struct WalkView {
    pub order: WorkOrder,
    pub vehicle: Option<Vehicle>,
    pub customer: Option<Customer>,
}

async fn load(state: &AppState, id: OrderId) -> AppResult<WalkView> {
    let (order, vehicle, customer) = state
        .store
        .read(move |tx| {
            let Some(order) = orders::get(tx, id)? else { return Ok(None) };
            let vehicle = vehicles::get(tx, order.vehicle_id)?;
            let customer = customers::get(tx, order.customer_id)?;
            Ok(Some((order, vehicle, customer)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(WalkView { order, vehicle, customer })
}

/// A form of the kiosk page that came back refused, with what was typed.
#[derive(Default)]
pub(super) struct Refused {
    pub mark: Option<(MarkInput, FieldErrors)>,
    pub checks: Option<(ChecksInput, FieldErrors)>,
    pub reopen: Option<(String, FieldErrors)>,
}

/// GET /orders/{id}/walkaround: the kiosk page.
async fn page(state: &AppState, ctx: &Ctx, id: OrderId, q: &Query) -> AppResult<Response> {
    desk(ctx)?;
    let view = load(state, id).await?;
    let note = match q.get("notice").map(String::as_str) {
        Some("signed") => Some(Msg::WalkSignedNotice),
        Some("reopened") => Some(Msg::WalkReopenedNotice),
        _ => None,
    };
    Ok(kiosk::page(ctx, &view, note, &Refused::default()))
}

/// The answer to a kiosk form: the part it changed for htmx, the page otherwise (422 when
/// refused).
fn answer(ctx: &Ctx, view: &WalkView, part: &str, refused: Refused) -> Response {
    let failed = refused.mark.is_some() || refused.checks.is_some() || refused.reopen.is_some();
    let mut response = if ctx.htmx && part == "marks" {
        html_response(kiosk::marks_panel(ctx, view, refused.mark.as_ref()))
    } else if ctx.htmx && part == "checks" {
        html_response(kiosk::checks_panel(ctx, view, refused.checks.as_ref()))
    } else if failed {
        kiosk::page(ctx, view, None, &refused)
    } else {
        return redirect_to(&format!("/orders/{}/walkaround", view.order.id), ctx.htmx);
    };
    if failed {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// POST /orders/{id}/walkaround/marks: a mark where the advisor tapped (`x`, `y`), its `kind`,
/// `note` and `photo`.
async fn add_mark(
    state: &AppState,
    ctx: &Ctx,
    id: OrderId,
    form: warp::multipart::FormData,
) -> AppResult<Response> {
    let user = desk(ctx)?;
    let upload = super::floor::read_upload(form, 1, "note").await;
    ctx.check_csrf(upload.get("csrf"))?;
    let view = load(state, id).await?;
    let input = MarkInput {
        x: upload.get("x").into(),
        y: upload.get("y").into(),
        kind: upload.get("kind").into(),
        note: upload.get("note").into(),
    };
    let refuse = |input: MarkInput, errors: FieldErrors| {
        Ok(answer(ctx, &view, "marks", Refused { mark: Some((input, errors)), ..Default::default() }))
    };
    if let Some((field, msg)) = upload.problem {
        return refuse(input, FieldErrors::one(field, Problem::new(msg)));
    }
    let mark = match MarkDetails::check(&input) {
        Ok(m) => m,
        Err(errors) => return refuse(input, errors),
    };
    let photo = match upload.photos.into_iter().next() {
        Some(bytes) => match super::photo::scale_photo(state, bytes).await? {
            Ok(p) => Some(p),
            Err(msg) => return refuse(input, FieldErrors::one("photo", Problem::new(msg))),
        },
        None => None,
    };
    let actor = user.actor();
    let saved = state
        .store
        .write_touching(move |tx, t| store::add_mark_tx(tx, t, &actor, id, mark.clone(), photo.as_ref()))
        .await;
    match saved {
        Ok(order) => Ok(answer(ctx, &WalkView { order, ..view }, "marks", Refused::default())),
        Err(StoreError::Invalid(errors)) => refuse(input, errors),
        Err(e) => Err(e.into()),
    }
}

/// POST /orders/{id}/walkaround/marks/{no}/remove: before the customer signs.
async fn remove_mark(state: &AppState, ctx: &Ctx, id: OrderId, no: u32, body: &[u8]) -> AppResult<Response> {
    let user = desk(ctx)?;
    ctx.form(body)?;
    let view = load(state, id).await?;
    let actor = user.actor();
    let order = state.store.write_touching(move |tx, t| store::remove_mark_tx(tx, t, &actor, id, no)).await?;
    Ok(answer(ctx, &WalkView { order, ..view }, "marks", Refused::default()))
}

/// POST /orders/{id}/walkaround/checks: `lights` and `items` (repeatable), `items_left`,
/// `fuel` (0 to 4 quarters).
async fn checks(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let user = desk(ctx)?;
    let form = ctx.form(body)?;
    let view = load(state, id).await?;
    let input = ChecksInput {
        fuel: form.owned("fuel"),
        lights: form.all("lights").map(String::from).collect(),
        items: form.all("items").map(String::from).collect(),
        items_left: form.owned("items_left"),
    };
    let details = match ChecksDetails::check(&input) {
        Ok(d) => d,
        Err(errors) => {
            return Ok(answer(
                ctx,
                &view,
                "checks",
                Refused { checks: Some((input, errors)), ..Default::default() },
            ));
        }
    };
    let actor = user.actor();
    let order =
        state.store.write_touching(move |tx, t| store::set_checks_tx(tx, t, &actor, id, &details)).await?;
    Ok(answer(ctx, &WalkView { order, ..view }, "checks", Refused::default()))
}

/// GET /orders/{id}/walkaround/sign: the customer reviews the walk-around and signs.
async fn sign_page(state: &AppState, ctx: &Ctx, id: OrderId) -> AppResult<Response> {
    desk(ctx)?;
    let view = load(state, id).await?;
    if view.order.walkaround.as_ref().is_some_and(|w| w.is_signed()) {
        return Ok(redirect_to(&format!("/orders/{id}/walkaround"), false));
    }
    let signer = view.customer.as_ref().map(|c| c.details.name.clone()).unwrap_or_default();
    Ok(kiosk::sign_page(ctx, &view, &SignInput { signer, signature: String::new() }, &FieldErrors::new()))
}

/// POST /orders/{id}/walkaround/sign: `signer`, `signature` (the approval's signature pad).
async fn sign(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let user = desk(ctx)?;
    let form = ctx.form(body)?;
    let input = SignInput { signer: form.owned("signer"), signature: form.owned("signature") };
    let (signer, signature) = match input.check() {
        Ok(s) => s,
        Err(errors) => {
            let view = load(state, id).await?;
            let mut response = kiosk::sign_page(ctx, &view, &input, &errors);
            *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let actor = user.actor();
    state.store.write_touching(move |tx, t| store::sign_tx(tx, t, &actor, id, &signer, &signature)).await?;
    Ok(redirect_to(&format!("/orders/{id}/walkaround?notice=signed"), ctx.htmx))
}

/// POST /orders/{id}/walkaround/reopen: `reason` (managers).
async fn reopen(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let user = manager(ctx)?;
    let form = ctx.form(body)?;
    let typed = form.owned("reason");
    let reason = match crate::domain::field::required_text(&typed, 200) {
        Ok(r) => r,
        Err(p) => {
            let view = load(state, id).await?;
            let refused =
                Refused { reopen: Some((typed, FieldErrors::one("reason", p))), ..Default::default() };
            return Ok(answer(ctx, &view, "page", refused));
        }
    };
    let actor = user.actor();
    state.store.write_touching(move |tx, t| store::reopen_tx(tx, t, &actor, id, &reason)).await?;
    Ok(redirect_to(&format!("/orders/{id}/walkaround?notice=reopened"), ctx.htmx))
}

/// GET /orders/{id}/walkaround/photos/{p}: a mark's photo, for who may see the order.
async fn photo(state: &AppState, ctx: &Ctx, id: OrderId, photo_id: u64, thumb: bool) -> AppResult<Response> {
    let r = ctx.user()?.user.roles;
    if !(r.may(Area::Orders) || r.may(Area::Checkout) || r.may(Area::MyJobs)) {
        return Err(AppError::Forbidden);
    }
    let bytes = state
        .store
        .read(move |tx| {
            let Some(order) = orders::get(tx, id)? else { return Ok(None) };
            if !store::has_photo(&order, photo_id) {
                return Ok(None);
            }
            orders::photo(tx, photo_id, thumb)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(super::inspections::jpeg(bytes))
}
