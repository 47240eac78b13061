//! Inspections (多项检测): the checklists managers keep, the technician's check on the phone,
//! the advisor's findings on the order, the printed report and what the customer's page and
//! the vehicle's page show of it.
//!
//! ```text
//! mod.rs        routes, who may do what, the photo route, the shared multipart reader
//! templates.rs  GET,POST /inspections/templates[/new|/{id}]   the checklists (managers)
//! phone.rs      GET  /t/{token}/inspection, POST /t/{token}/inspections,
//!               POST /t/{token}/inspections/{id}/items/{n}  the check, item by item
//! desk.rs       GET  /orders/{id}/inspection[?part=section], POST /orders/{id}/inspections,
//!               POST /orders/{id}/inspections/{i}/items/{n}/recommend, …/{i}/share,
//!               POST /orders/{id}/deferred/{i}/{n}          findings to work, deferred work
//! report.rs     GET  /inspections/{id}/print; the sections of the printed order, the
//!               customer's page and the vehicle's page (history and trends)
//! ```
//!
//! What must stay true: an inspection is filled only by its technician (or the desk), item by
//! item, each item one durable write; its photos pass the same checks as note photos
//! ([`super::photo`]) and are shown only to who may see the order, or to the customer once the
//! advisor shared the inspection.

mod desk;
mod phone;
mod report;
mod templates;

use std::collections::HashMap;
use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::HeaderValue;
use warp::reply::{Reply, Response};

use super::AppState;
use super::ctx::Ctx;
use super::error::{AppError, AppResult};
use crate::domain::Area;
use crate::store::{inspections, orders};

pub use desk::order_section;
pub use report::{customer_photo, customer_section, print_section, shared_with_customer, vehicle_section};

type Query = HashMap<String, String>;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let query = warp::query::<Query>().or(warp::any().map(Query::new)).unify();
    let photo = warp::path!("inspections" / u64 / "photos" / u64).and(warp::get()).and(ctx).and(query).then(
        handler!(state, ctx, |id: u64, photo_id: u64, ctx: Ctx, q: Query| photo(
            &state,
            &ctx,
            id,
            photo_id,
            q.contains_key("thumb")
        )),
    );
    any_of!(
        templates::routes(&state),
        phone::routes(&state),
        desk::routes(&state),
        report::routes(&state),
        photo.boxed()
    )
}

/// Who may see inspections: the desk, the cashier, technicians.
fn may_see(ctx: &Ctx) -> AppResult<&super::ctx::CurrentUser> {
    let user = ctx.user()?;
    let r = user.user.roles;
    if r.may(Area::Orders) || r.may(Area::Checkout) || r.may(Area::MyJobs) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// GET /inspections/{id}/photos/{photo}: a photo of one of the inspection's items.
async fn photo(state: &AppState, ctx: &Ctx, id: u64, photo_id: u64, thumb: bool) -> AppResult<Response> {
    may_see(ctx)?;
    let bytes = state
        .store
        .read(move |tx| {
            let Some(i) = inspections::get(tx, id)? else { return Ok(None) };
            if !inspections::has_photo(&i, photo_id) {
                return Ok(None);
            }
            orders::photo(tx, photo_id, thumb)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(jpeg(bytes))
}

pub(crate) fn jpeg(bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("image/jpeg"));
    headers.insert("cache-control", HeaderValue::from_static("private, max-age=86400"));
    response
}
