//! Reception and work orders (业务接待与开单): opening an order from a vehicle, the order page with
//! its lines, templates, the customer's approval with a signature, diagnosis and status changes,
//! the printed order with its QR, and the order list.
//!
//! Each URL has one route and one handler, in the file of its job:
//!
//! ```text
//! list.rs       GET  /orders                                 the order list with its filters
//! reception.rs  GET  /orders/new, POST /orders               opening an order at the desk
//!               GET  /orders/{id}/reception, POST …/reception  editing the reception details
//! page.rs       GET  /orders/{id}, GET /orders/{id}/live     the order page and its live part
//! lines.rs      POST /orders/{id}/lines, /orders/{id}/templates,
//!               GET  /orders/{id}/lines/{no}/edit, POST /orders/{id}/lines/{no}[/remove]
//! approvals.rs  POST /orders/{id}/approvals                  the customer's answer, signature
//! status.rs     POST /orders/{id}/status, /orders/{id}/diagnosis
//! requests.rs   POST /orders/{id}/requests/{no}              parts asked for from the floor
//! print.rs      GET  /orders/{id}/print, /orders/{id}/qr.svg, POST /orders/{id}/reprint
//! stock.rs      POST /orders/{id}/lines/{no}/issue, …/return, …/unused  parts from stock
//! ```
//!
//! This file holds what they share: who may see an order, the preamble of every change
//! ([`begin`]), and small helpers over users.

mod approvals;
mod lines;
mod list;
mod page;
pub mod print;
mod reception;
mod requests;
mod status;
mod stock;

use std::collections::HashMap;
use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::ctx::{Ctx, CurrentUser};
use super::error::{AppError, AppResult, redirect_to};
use super::form::Form;
use super::{AppState, BODY_LIMIT};
use crate::domain::{Area, OrderId, Role, Roles, User, UserId};
use crate::i18n::Msg;

pub use approvals::signature_svg;
pub use list::today_in;
pub use requests::request_form;
pub use stock::line_stock;

type Query = HashMap<String, String>;

/// Every route of the area, one per URL and method.
pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    list::routes(&state)
        .or(reception::routes(&state))
        .unify()
        .or(page::routes(&state))
        .unify()
        .or(lines::routes(&state))
        .unify()
        .or(approvals::routes(&state))
        .unify()
        .or(status::routes(&state))
        .unify()
        .or(requests::routes(&state))
        .unify()
        .or(print::routes(&state))
        .unify()
        .or(stock::routes(&state))
        .unify()
        .or(no_such_change(&state))
        .unify()
        .boxed()
}

/// Any other POST /orders/{id}/…: 404 after the same checks as a change (signed in, CSRF, the
/// desk's role, an order that exists), so such a URL answers like the changes beside it and
/// never falls through to the other areas' routes.
fn no_such_change(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    warp::path("orders")
        .and(warp::path::param::<u64>())
        .and(warp::path::tail())
        .and(warp::post())
        .and(ctx(state))
        .and(body())
        .then(handler!(state, ctx, |id: u64, _tail: warp::path::Tail, ctx: Ctx, body: Bytes| unknown_change(
            &state,
            &ctx,
            OrderId(id),
            &body
        )))
        .boxed()
}

async fn unknown_change(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    begin(state, ctx, id, body, desk).await?;
    Err(AppError::NotFound)
}

/// The request context of every route.
fn ctx(state: &Arc<AppState>) -> BoxedFilter<(Ctx,)> {
    super::ctx::ctx(state.clone()).boxed()
}

/// A submitted form's body, at most [`BODY_LIMIT`] bytes.
fn body() -> BoxedFilter<(Bytes,)> {
    warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes()).boxed()
}

/// The query string as pairs (empty when there is none).
fn query() -> BoxedFilter<(Query,)> {
    warp::query::<Query>().or(warp::any().map(Query::new)).unify().boxed()
}

/// Who may see an order's page: the desk, and the cashier who settles it.
pub fn may_view(ctx: &Ctx) -> AppResult<&CurrentUser> {
    let user = ctx.user()?;
    let roles = user.user.roles;
    if roles.may(Area::Orders) || roles.may(Area::Checkout) { Ok(user) } else { Err(AppError::Forbidden) }
}

/// Who may make a change: most changes are the desk's ([`desk`]).
type Allowed = fn(Roles) -> bool;

/// The desk: reception and the order's lines, approvals, diagnosis.
fn desk(roles: Roles) -> bool {
    roles.may(Area::Orders)
}

/// What every change to an order starts from.
struct Change<'a> {
    user: &'a CurrentUser,
    form: Form,
    view: page::OrderView,
}

/// The preamble of every change, in this order: a signed-in user, a form that passes the CSRF
/// check, a role `allowed` to make the change (else 403), then the order as it is now (else 404).
async fn begin<'a>(
    state: &AppState,
    ctx: &'a Ctx,
    id: OrderId,
    body: &[u8],
    allowed: Allowed,
) -> AppResult<Change<'a>> {
    let user = ctx.user()?;
    let form = ctx.form(body)?;
    if !allowed(user.user.roles) {
        return Err(AppError::Forbidden);
    }
    let view = page::load(state, id).await?;
    Ok(Change { user, form, view })
}

/// Back to the order page with a notice (`?notice=code`, see `page::notice_of`). A change sent
/// by htmx from the order page gets the page as it is now, swapped in where it stands, so the
/// desk keeps its place instead of starting again at the top.
async fn done(state: &AppState, ctx: &Ctx, id: OrderId, code: &str) -> AppResult<Response> {
    if ctx.htmx {
        let view = page::load(state, id).await?;
        return Ok(page::order_page(ctx, &view, page::notice_of(code), &page::Forms::default()));
    }
    Ok(redirect_to(&format!("/orders/{id}?notice={code}"), ctx.htmx))
}

fn fuel_label(fuel: u8) -> Msg {
    [Msg::FuelEmpty, Msg::FuelQuarter, Msg::FuelHalf, Msg::FuelThreeQuarters, Msg::FuelFull]
        [fuel.min(4) as usize]
}

/// Active users holding a role, by display name.
fn with_role(all: &[User], role: Role) -> Vec<&User> {
    let mut out: Vec<&User> = all.iter().filter(|u| u.active && u.roles.has(role)).collect();
    out.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    out
}

/// Choices for a select of the active users holding `role`: `first` (the empty choice), then
/// each by display name.
fn choices_of(all: &[User], role: Role, first: &str) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), first.to_string())];
    out.extend(with_role(all, role).into_iter().map(|u| (u.id.to_string(), u.display_name.clone())));
    out
}

/// The ids of the active users holding `role`.
fn ids_with_role(all: &[User], role: Role) -> Vec<UserId> {
    with_role(all, role).iter().map(|u| u.id).collect()
}

fn name_of(all: &[User], id: Option<UserId>) -> String {
    id.and_then(|id| all.iter().find(|u| u.id == id)).map(|u| u.display_name.clone()).unwrap_or_default()
}
