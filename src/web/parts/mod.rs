//! Parts inventory (配件管理) pages, for the parts clerk and managers (advisors may look parts up
//! to put them on an order).
//!
//! - [`catalog`]: `GET /parts` (search, filters), `GET /parts/new`, `POST /parts`,
//!   `GET /parts/{id}` (the part, its stock and ledger; a label's QR opens it),
//!   `GET /parts/{id}/edit`, `POST /parts/{id}`, `GET /parts/{id}/label`;
//! - [`import`]: `GET /parts/export.csv`, `GET /parts/export.xlsx`, `GET|POST /parts/import`,
//!   `POST /parts/import/confirm` (the catalog as a spreadsheet, imported with a preview);
//! - [`stock`]: `POST /parts/{id}/receive`, `POST /parts/{id}/out`,
//!   `POST /parts/{id}/customer_return` (the forms on a part's page);
//! - [`receipts`]: `GET|POST /parts/receipts`, `GET /parts/receipts/new`, `GET /parts/receipts/{id}`;
//! - [`low`]: `GET /parts/low`, `GET /parts/purchase-list.csv`, `GET /parts/valuation`;
//! - [`stocktake`]: `GET|POST /parts/stocktakes`, `GET /parts/stocktakes/{id}`,
//!   `POST /parts/stocktakes/{id}/count`, `…/post`, `…/cancel`;
//! - [`suppliers`]: `GET|POST /suppliers`, `GET|POST /suppliers/{id}`;
//! - [`pick`]: `GET /parts/pick`, the order lines waiting for stock (issuing is the orders'
//!   `POST /orders/{id}/lines/{no}/issue`).

pub mod catalog;
pub mod import;
pub mod low;
pub mod pick;
pub mod receipts;
pub mod stock;
pub mod stocktake;
pub mod suppliers;

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::AppState;
use super::ctx::{Ctx, CurrentUser};
use super::error::{AppError, AppResult};
use crate::domain::Area;
use crate::domain::part::unit_label;
use crate::i18n::Lang;

type Query = HashMap<String, String>;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    catalog::routes(state.clone())
        .or(import::routes(state.clone()))
        .unify()
        .or(stock::routes(state.clone()))
        .unify()
        .or(receipts::routes(state.clone()))
        .unify()
        .or(low::routes(state.clone()))
        .unify()
        .or(stocktake::routes(state.clone()))
        .unify()
        .or(suppliers::routes(state.clone()))
        .unify()
        .or(pick::routes(state))
        .unify()
        .boxed()
}

/// The parts clerk, a manager or an admin.
fn clerk(ctx: &Ctx) -> AppResult<&CurrentUser> {
    ctx.require(Area::Parts)
}

/// Who may look parts up: the stockroom, and the desk that puts parts on orders.
fn may_look_up(ctx: &Ctx) -> AppResult<&CurrentUser> {
    let user = ctx.user()?;
    let roles = user.user.roles;
    if roles.may(Area::Parts) || roles.may(Area::Orders) { Ok(user) } else { Err(AppError::Forbidden) }
}

/// A quantity as people write it: no trailing zeros (`2`, `1.5`).
fn qty(d: Decimal) -> String {
    d.normalize().to_string()
}

/// `2 升`, `1.5 litre`.
fn qty_unit(d: Decimal, unit: &str, lang: Lang) -> String {
    format!("{} {}", qty(d), unit_label(unit, lang))
}
