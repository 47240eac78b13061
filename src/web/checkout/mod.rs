//! Checkout (结算收银) pages, for the cashier, managers and administrators:
//!
//! ```text
//! order.rs    GET  /orders/{id}/checkout          the settlement, payments, discounts
//!             POST /orders/{id}/payments          a payment (fields method, amount, reference)
//!             POST /orders/{id}/discounts, /orders/{id}/settle,
//!                  /orders/{id}/payments/{pid}/void
//! refund.rs   POST /orders/{id}/lines/{no}/refund     a part line refunded on a reopened order
//! receipt.rs  GET  /orders/{id}/receipt[?layout=receipt]   A4 or 80 mm, prints counted
//! desk.rs     GET  /checkout                      the cashier's home
//!             GET|POST /checkout/day-end          the day-end cash-up (日结)
//!             GET  /receivables, POST /receivables/{customer}/payments   挂账
//! statement.rs GET /customers/{id}/statement?from=&to=   a customer's statement (对账单), A4
//!             POST /receivables/{customer}/payments/{pid}/void   voiding a repayment
//! ```
//!
//! These routes are joined before the work orders' so that their POSTs under /orders/{id}/
//! are not taken by the orders' catch-all for unknown changes.

mod desk;
mod order;
mod receipt;
mod refund;
mod statement;

/// The bill's lines and sums, as the receipt shows them (the customer's phone page shows its
/// receipt with them too).
pub(crate) use order::{settlement_table, totals};

use std::collections::HashMap;
use std::sync::Arc;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::AppState;
use super::ctx::{Ctx, CurrentUser};
use super::error::AppResult;
use crate::domain::Area;
use crate::domain::checkout::PayMethod;
use crate::i18n::Lang;

type Query = HashMap<String, String>;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    order::routes(&state)
        .or(receipt::routes(&state))
        .unify()
        .or(desk::routes(&state))
        .unify()
        .or(statement::routes(&state))
        .unify()
        .or(refund::routes(&state))
        .unify()
        .boxed()
}

fn ctx(state: &Arc<AppState>) -> BoxedFilter<(Ctx,)> {
    super::ctx::ctx(state.clone()).boxed()
}

fn body() -> BoxedFilter<(Bytes,)> {
    warp::body::content_length_limit(super::BODY_LIMIT).and(warp::body::bytes()).boxed()
}

fn query() -> BoxedFilter<(Query,)> {
    warp::query::<Query>().or(warp::any().map(Query::new)).unify().boxed()
}

/// The cashier, a manager or an administrator.
fn cashier(ctx: &Ctx) -> AppResult<&CurrentUser> {
    ctx.require(Area::Checkout)
}

/// The choices of a payment method select.
fn method_choices(lang: Lang, on_account: bool) -> Vec<(&'static str, &'static str)> {
    PayMethod::ALL
        .iter()
        .filter(|m| on_account || **m != PayMethod::OnAccount)
        .map(|m| (m.code(), lang.t(m.label())))
        .collect()
}
