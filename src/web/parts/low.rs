//! What the stockroom watches: the low-stock list (`GET /parts/low`) with its purchase list
//! (`GET /parts/purchase-list.csv`), and valuation at cost (`GET /parts/valuation`).

use std::sync::Arc;

use chrono::NaiveDate;
use maud::html;
use rust_decimal::Decimal;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::{Query, clerk, qty, qty_unit};
use crate::domain::Area;
use crate::domain::part::SupplierId;
use crate::domain::stock::MovementKind;
use crate::i18n::{Lang, Msg};
use crate::store::parts::stock::{self as ledger};
use crate::store::parts::{self};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::layout::{self, notice};
use crate::web::show::Money;
use crate::web::{AppState, html_response};

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = crate::web::ctx::ctx(state.clone());
    let low = warp::path!("parts" / "low").and(warp::get()).and(ctx.clone()).then(handler!(
        state,
        ctx,
        |ctx: Ctx| low_page(&state, &ctx)
    ));
    let purchase = warp::path!("parts" / "purchase-list.csv")
        .and(warp::get())
        .and(ctx.clone())
        .then(handler!(state, ctx, |ctx: Ctx| purchase_csv(&state, &ctx)));
    let valuation = warp::path!("parts" / "valuation")
        .and(warp::get())
        .and(ctx)
        .and(warp::query::<Query>().or(warp::any().map(Query::new)).unify())
        .then(handler!(state, ctx, |ctx: Ctx, q: Query| valuation_page(&state, &ctx, &q)));
    low.or(purchase).unify().or(valuation).unify().boxed()
}

async fn low_page(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    clerk(ctx)?;
    let lang = ctx.lang;
    let (mut low, suppliers) = state.store.scan(|tx| Ok((parts::low(tx)?, parts::suppliers(tx)?))).await?;
    low.sort_by_key(|p| p.details.number.key());
    let name = |id: Option<SupplierId>| {
        id.and_then(|id| suppliers.iter().find(|s| s.id == id))
            .map(|s| s.details.name.clone())
            .unwrap_or_default()
    };
    let body = html! {
        p { a href="/parts" { "← " (lang.t(Msg::PartsTitle)) } }
        div.page-head {
            h1 { (lang.t(Msg::LowStock)) " " span.badge.warn { (low.len()) } }
            div.actions { a.button.secondary href="/parts/purchase-list.csv" download { (lang.t(Msg::PurchaseListCsv)) } }
        }
        p.lead { (lang.t(Msg::LowStockLead)) }
        @if low.is_empty() {
            div.empty { p { (lang.t(Msg::NoLowStock)) } }
        } @else {
            div.table-wrap { table.rows {
                thead { tr { th { (lang.t(Msg::PartNumber)) } th { (lang.t(Msg::PartName)) } th { (lang.t(Msg::PartLocation)) } th.num { (lang.t(Msg::OnHand)) } th.num { (lang.t(Msg::MinStock)) } th.num { (lang.t(Msg::ToOrder)) } th { (lang.t(Msg::UsualSupplier)) } } }
                tbody {
                    @for p in &low {
                        tr data-part=(p.id) {
                            td.nowrap { a href={ "/parts/" (p.id) } { (p.details.number) } }
                            td { (p.details.name) }
                            td { (p.details.location) }
                            td.num { (qty_unit(p.stock.on_hand, &p.details.unit, lang)) }
                            td.num { (qty(p.details.min_stock)) }
                            td.num data-to-order=(qty(p.to_order())) { strong { (qty(p.to_order())) } }
                            td { (name(p.details.supplier)) }
                        }
                    }
                }
            } }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::LowStock), body)))
}

/// The purchase list: the low-stock parts with the quantity to order, as CSV (UTF-8 with BOM so
/// Excel on a Chinese Windows opens it correctly).
async fn purchase_csv(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    clerk(ctx)?;
    let lang = ctx.lang;
    let (mut low, suppliers) = state.store.scan(|tx| Ok((parts::low(tx)?, parts::suppliers(tx)?))).await?;
    low.sort_by_key(|p| p.details.number.key());
    let mut rows = vec![
        [
            Msg::PartNumber,
            Msg::PartName,
            Msg::PartSpec,
            Msg::PartBrand,
            Msg::PartUnit,
            Msg::OnHand,
            Msg::MinStock,
            Msg::ToOrder,
            Msg::AvgCost,
            Msg::UsualSupplier,
        ]
        .map(|m| lang.t(m).to_string())
        .to_vec(),
    ];
    for p in &low {
        let d = &p.details;
        let supplier = d
            .supplier
            .and_then(|id| suppliers.iter().find(|s| s.id == id))
            .map(|s| s.details.name.clone())
            .unwrap_or_default();
        rows.push(vec![
            d.number.to_string(),
            d.name.clone(),
            d.spec.clone(),
            d.brand.clone(),
            unit_label_owned(&d.unit, lang),
            qty(p.stock.on_hand),
            qty(d.min_stock),
            qty(p.to_order()),
            p.stock.avg_cost.normalize().to_string(),
            supplier,
        ]);
    }
    Ok(crate::web::csv::attachment(&format!("purchase-list-{}.csv", ctx.today()), &rows))
}

fn unit_label_owned(code: &str, lang: Lang) -> String {
    crate::domain::part::unit_label(code, lang).to_string()
}

async fn valuation_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    let user = ctx.user()?;
    if !(user.user.roles.may(Area::Parts) || user.user.roles.may(Area::Reports)) {
        return Err(AppError::Forbidden);
    }
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let by_category = state.store.parts(|index| index.valuation());
    // Movements for a date range of shop-local days (default: this month so far).
    let today = ctx.today();
    let day = |key: &str, default: NaiveDate| {
        q.get(key).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).unwrap_or(default)
    };
    let from = day("from", chrono::Datelike::with_day0(&today, 0).unwrap_or(today));
    let to = day("to", today).max(from);
    let start = crate::domain::settings::day_start(from, tz);
    let end = crate::domain::settings::day_start(to.succ_opt().unwrap_or(to), tz);
    let (moves, more) = state.store.scan(move |tx| ledger::moves_between(tx, start, end, 2000)).await?;
    let mut sums: Vec<(MovementKind, Decimal, Decimal, usize)> = Vec::new();
    for m in &moves {
        match sums.iter_mut().find(|(k, ..)| *k == m.kind) {
            Some(entry) => {
                entry.1 += m.qty;
                entry.2 += m.value();
                entry.3 += 1;
            }
            None => sums.push((m.kind, m.qty, m.value(), 1)),
        }
    }
    sums.sort_by_key(|(k, ..)| MovementKind::ALL.iter().position(|x| x == k));
    let body = html! {
        p { a href="/parts" { "← " (lang.t(Msg::PartsTitle)) } }
        h1 { (lang.t(Msg::Valuation)) }
        section.panel {
            h2 { (lang.t(Msg::StockValueByCategory)) }
            div.table-wrap { table.rows {
                thead { tr { th { (lang.t(Msg::PartCategory)) } th.num { (lang.t(Msg::Parts)) } th.num { (lang.t(Msg::Qty)) } th.num { (lang.t(Msg::StockValue)) } } }
                tbody {
                    @for (i, c) in by_category.iter().enumerate() {
                        @let total = i + 1 == by_category.len();
                        tr.total[total] data-category=(c.category) {
                            td { @if total { strong { (lang.t(Msg::Total)) } } @else if c.category.is_empty() { span.muted { "—" } } @else { (c.category) } }
                            td.num { (c.parts) }
                            td.num { (qty(c.qty)) }
                            td.num data-value=(c.value) { @if total { strong { (Money(c.value)) } } @else { (Money(c.value)) } }
                        }
                    }
                }
            } }
        }
        section.panel {
            h2 { (lang.t(Msg::MovementsInRange)) }
            form.filters method="get" action="/parts/valuation" {
                label { (lang.t(Msg::From)) " " input type="date" name="from" value=(from); }
                label { (lang.t(Msg::To)) " " input type="date" name="to" value=(to); }
                button type="submit" { (lang.t(Msg::Show)) }
            }
            @if more { (notice("warn", &lang.fmt(Msg::MovementsTruncated, &[&moves.len()]))) }
            div.table-wrap { table.rows {
                thead { tr { th { (lang.t(Msg::MovementKind)) } th.num { (lang.t(Msg::Movements)) } th.num { (lang.t(Msg::Qty)) } th.num { (lang.t(Msg::ValueAtCost)) } } }
                tbody {
                    @for (kind, q, value, n) in &sums {
                        tr data-kind=(kind.code()) { td { (lang.t(kind.label())) } td.num { (n) } td.num { (qty(*q)) } td.num { (Money(*value)) } }
                    }
                }
            } }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::Valuation), body)))
}
