//! Customers (客户信息管理): quick and advanced search, create, view, edit, status, contact
//! history, delete, CSV export.
//!
//! - `list`: the searchable list, the compact picker other forms use, and the CSV export
//!   (the XLSX export in `web/import` reuses its rows).
//! - `page`: one customer's page: details, spending, vehicles, contact history, status.
//! - `form`: the new/edit form, its fields (also used by the kiosk's new-car form) and saving.
//! - `actions`: the buttons on a customer's page, one route each: status, contacts, delete.

mod actions;
mod form;
mod list;
mod page;

use std::collections::HashMap;
use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::ctx::Ctx;
use super::{AppState, BODY_LIMIT, run};
use crate::domain::CustomerId;

pub use form::{customer_fields, phone_warning, sharing_phone};
pub use list::{CSV_COLUMNS, PAGE_SIZE, export_rows};
pub use page::due_badges;

type Query = HashMap<String, String>;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let query = warp::query::<Query>().or(warp::any().map(Query::new)).unify();

    let list = warp::path!("customers").and(warp::get()).and(ctx.clone()).and(query).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: Query| async { list::list_page(&state, &ctx, &q) }
    ));
    let export = warp::path!("customers" / "export.csv")
        .and(warp::get())
        .and(ctx.clone())
        .and(query)
        .then(handler!(state, ctx, |ctx: Ctx, q: Query| list::export_csv(&state, &ctx, &q)));
    let pick = warp::path!("customers" / "pick").and(warp::get()).and(ctx.clone()).and(query).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: Query| async { list::pick(&state, &ctx, &q) }
    ));
    let new = warp::path!("customers" / "new")
        .and(warp::get())
        .and(ctx.clone())
        .then(|ctx: Ctx| async move { run(&ctx, form::new_page(&ctx)) });
    let create = warp::path!("customers").and(warp::post()).and(ctx.clone()).and(body).then(handler!(
        state,
        ctx,
        |ctx: Ctx, body: Bytes| form::save(&state, &ctx, None, &body)
    ));
    let view = warp::path!("customers" / u64).and(warp::get()).and(ctx.clone()).and(query).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx, q: Query| page::view_page(&state, &ctx, CustomerId(id), &q)
    ));
    let edit = warp::path!("customers" / u64 / "edit").and(warp::get()).and(ctx.clone()).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx| form::edit_page(&state, &ctx, CustomerId(id))
    ));
    let update = warp::path!("customers" / u64).and(warp::post()).and(ctx.clone()).and(body).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx, body: Bytes| form::save(&state, &ctx, Some(CustomerId(id)), &body)
    ));
    // POST /customers/{id}/status, /customers/{id}/contacts, /customers/{id}/delete.
    let status = warp::path!("customers" / u64 / "status").and(warp::post()).and(ctx.clone()).and(body).then(
        handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| actions::set_status(
            &state,
            &ctx,
            CustomerId(id),
            &body
        )),
    );
    let contacts =
        warp::path!("customers" / u64 / "contacts").and(warp::post()).and(ctx.clone()).and(body).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| actions::add_contact(
                &state,
                &ctx,
                CustomerId(id),
                &body
            )),
        );
    let delete = warp::path!("customers" / u64 / "delete").and(warp::post()).and(ctx.clone()).and(body).then(
        handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| actions::delete(
            &state,
            &ctx,
            CustomerId(id),
            &body
        )),
    );
    // Any other POST /customers/{id}/… answers as it always did: sign-in and form checks
    // first, then "not found".
    let unknown =
        warp::path!("customers" / u64 / String).and(warp::post()).and(ctx).and(body).then(
            |_id: u64, _action: String, ctx: Ctx, body: Bytes| async move {
                run(&ctx, actions::unknown(&ctx, &body))
            },
        );

    any_of!(export, new, pick, list, create, edit, view, update, status, contacts, delete, unknown)
}
