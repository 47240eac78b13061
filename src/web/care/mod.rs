//! Customer care (客户关怀): the due lists (提醒) an advisor works through.
//!
//! - `lists`: `GET /care` (every list with how many entries wait), `GET /care/{list}` (one list,
//!   filtered by dates, months away or snoozed entries), `GET /care/{list}/export.csv`, and
//!   `POST /care/{list}/{id}/outcome` (one tap: the contact logged, the entry snoozed).
//! - `followups`: the follow-up calls (回访): `GET /care/followups` (the calls due, oldest
//!   first, then the coming days'), `POST /care/followups/{id}/outcome` (reached with a score,
//!   no answer, wrong number), `POST /care/followups/{id}/handled` (a manager's note on an
//!   unhappy answer), and [`unhappy_panel`] for the manager's home page.
//! - `home`: the advisor's panel on the home page (what waits on each list), and the panel on
//!   a vehicle's page (the lists it is on).
//!
//! The lists read the due-day index the store keeps with the records (`store::care`); a page
//! reads one range of it and the records of the entries it shows, never every vehicle.

mod followups;
mod home;
mod lists;

use std::collections::HashMap;
use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::ctx::Ctx;
use super::{AppState, BODY_LIMIT};

pub use followups::unhappy_panel;
pub use home::{home_panel, vehicle_panel};

type Query = HashMap<String, String>;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let query = warp::query::<Query>().or(warp::any().map(Query::new)).unify();

    let overview =
        warp::path!("care")
            .and(warp::get())
            .and(ctx.clone())
            .then(handler!(state, ctx, |ctx: Ctx| lists::overview(&state, &ctx)));
    let list = warp::path!("care" / String).and(warp::get()).and(ctx.clone()).and(query).then(handler!(
        state,
        ctx,
        |kind: String, ctx: Ctx, q: Query| lists::list_page(&state, &ctx, &kind, &q)
    ));
    let export =
        warp::path!("care" / String / "export.csv").and(warp::get()).and(ctx.clone()).and(query).then(
            handler!(state, ctx, |kind: String, ctx: Ctx, q: Query| lists::export_csv(
                &state, &ctx, &kind, &q
            )),
        );
    let outcome =
        warp::path!("care" / String / u64 / "outcome").and(warp::post()).and(ctx.clone()).and(body).then(
            handler!(state, ctx, |kind: String, id: u64, ctx: Ctx, body: Bytes| lists::outcome(
                &state, &ctx, &kind, id, &body
            )),
        );
    let followups = warp::path!("care" / "followups")
        .and(warp::get())
        .and(ctx.clone())
        .and(query)
        .then(handler!(state, ctx, |ctx: Ctx, q: Query| followups::list_page(&state, &ctx, &q)));
    let answer = warp::path!("care" / "followups" / u64 / "outcome")
        .and(warp::post())
        .and(ctx.clone())
        .and(body)
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| followups::outcome(
            &state, &ctx, id, &body
        )));
    let handled = warp::path!("care" / "followups" / u64 / "handled")
        .and(warp::post())
        .and(ctx.clone())
        .and(body)
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| followups::handled(
            &state, &ctx, id, &body
        )));
    // The follow-up routes come first: `/care/{list}` would take `followups` for a list.
    any_of!(followups, answer, handled, overview, export, list, outcome)
}
