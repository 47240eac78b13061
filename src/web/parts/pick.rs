//! The "to pick" list (待领料): approved catalog part lines of the orders in the shop that still
//! wait for stock, with an issue button each, for the parts clerk (GET /parts/pick).

use std::sync::Arc;

use maud::html;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::{Query, qty};
use crate::domain::part::{PartId, unit_label};
use crate::domain::{Area, FieldErrors, OrderId};
use crate::i18n::Msg;
use crate::store::{orders, parts};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::layout::{self, notice};
use crate::web::{AppState, html_response};

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    warp::path!("parts" / "pick")
        .and(warp::get())
        .and(crate::web::ctx::ctx(state.clone()))
        .and(warp::query::<Query>().or(warp::any().map(Query::new)).unify())
        .then(handler!(state, ctx, |ctx: Ctx, q: Query| page(
            &state,
            &ctx,
            q.get("notice").and_then(|n| notice_of(n)),
            None
        )))
        .boxed()
}

fn notice_of(code: &str) -> Option<Msg> {
    match code {
        "issued" => Some(Msg::PartIssued),
        "returned" => Some(Msg::PartReturned),
        "line" => Some(Msg::Saved),
        _ => None,
    }
}

/// The list; `refused` is a refused issue (order, line, typed quantity, problems) shown beside
/// its line.
pub async fn page(
    state: &AppState,
    ctx: &Ctx,
    note: Option<Msg>,
    refused: Option<(OrderId, u32, String, FieldErrors)>,
) -> AppResult<Response> {
    let user = ctx.user()?;
    let roles = user.user.roles;
    if !(roles.may(Area::Parts) || roles.may(Area::Orders)) {
        return Err(AppError::Forbidden);
    }
    let lang = ctx.lang;
    let rows = state
        .store
        .read(|tx| {
            let mut rows = Vec::new();
            for order in orders::on_board(tx)? {
                for line in order.lines.iter().filter(|l| !l.to_issue().is_zero()) {
                    let part = match line.catalog_part() {
                        Some(p) => parts::get(tx, PartId(p))?,
                        None => None,
                    };
                    rows.push((order.id, order.number.clone(), order.state, line.clone(), part));
                }
            }
            Ok(rows)
        })
        .await?;
    let body = html! {
        p { a href="/parts" { "← " (lang.t(Msg::PartsTitle)) } }
        h1 { (lang.t(Msg::ToPick)) " " span.badge.warn[!rows.is_empty()] data-to-pick=(rows.len()) { (rows.len()) } }
        @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
        @if rows.is_empty() {
            div.empty { p { (lang.t(Msg::NothingToPick)) } }
        } @else {
            div.table-wrap { table.rows.stack {
                thead { tr {
                    th { (lang.t(Msg::Number)) } th { (lang.t(Msg::PartNumber)) } th { (lang.t(Msg::PartName)) }
                    th { (lang.t(Msg::PartLocation)) } th.num { (lang.t(Msg::OnHand)) } th { (lang.t(Msg::ToPick)) }
                } }
                tbody {
                    @for (id, number, state, line, part) in &rows {
                        tr data-order=(id) data-line=(line.no) {
                            td.nowrap {
                                @if roles.may(Area::Orders) { a href={ "/orders/" (id) } { (number) } } @else { (number) }
                                " " (crate::web::show::StateBadge(lang, *state))
                            }
                            td.nowrap { @if let Some(p) = part { a href={ "/parts/" (p.id) } { (p.details.number) } } }
                            td { (line.details.description) }
                            td { @if let Some(p) = part { strong { (p.details.location) } } }
                            td.num { @if let Some(p) = part { (qty(p.stock.on_hand)) " " (unit_label(&p.details.unit, lang)) } }
                            td {
                                @let mine = refused.as_ref().filter(|(o, no, ..)| o == id && *no == line.no).map(|(_, _, t, e)| (t.as_str(), e));
                                (crate::web::orders::line_stock(ctx, *id, line, true, "pick", mine))
                            }
                        }
                    }
                }
            } }
        }
    };
    let mut response = html_response(layout::page(ctx, lang.t(Msg::ToPick), body));
    if refused.is_some() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}
