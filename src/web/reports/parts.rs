//! GET /reports/parts: what the settled orders used of each catalog part and category, what it
//! sold for and cost (the margin), what came in and went out of the stockroom at cost, the
//! stock value by category, and the slow movers (no movement for `idle` days).

use std::collections::BTreeMap;

use chrono::Duration;
use maud::html;
use rust_decimal::Decimal;
use warp::reply::Response;

use super::{Asked, Cell, Query, Table, Tile, asked, export_base, head, respond, tiles};
use crate::domain::Area;
use crate::domain::part::{Part, PartId};
use crate::domain::report::{DayTotals, PartUse, PeriodKind};
use crate::i18n::{Lang, Msg};
use crate::store::parts::index::CategoryValue;
use crate::store::reports::{self, PartUsage};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::show::{LocalTime, Money};

const KINDS: [PeriodKind; 2] = [PeriodKind::Month, PeriodKind::Year];
const LISTED: usize = 100;

fn margin_percent(u: &PartUse) -> Option<Decimal> {
    (!u.sales.is_zero()).then(|| (u.margin() * Decimal::ONE_HUNDRED / u.sales).round_dp(1))
}

pub(super) async fn page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Reports)?;
    let lang = ctx.lang;
    let asked = asked(ctx, q, &KINDS, true)?;
    let idle = match q.get("idle").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => 180,
        Some(s) => s.parse::<i64>().ok().filter(|d| (1..=3650).contains(d)).ok_or(AppError::BadRequest)?,
    };
    let (months, days) = match asked {
        Asked::Period(p) => (p.months(), (p.start, p.end())),
        Asked::All => ((i32::MIN, i32::MAX), (chrono::NaiveDate::MIN, chrono::NaiveDate::MAX)),
    };
    let stale = chrono::Utc::now() - Duration::days(idle);
    let (usage, period_days, slow) = state
        .store
        .scan(move |tx| {
            Ok((
                reports::part_usage(tx, months)?,
                reports::days(tx, days.0, days.1)?,
                reports::slow_movers(tx, stale, LISTED)?,
            ))
        })
        .await?;
    let totals = DayTotals::sum(period_days.iter().map(|(_, d)| d));
    let (rows, valuation) = state.store.parts(|index| {
        let rows: BTreeMap<u64, (String, String, String)> = usage
            .iter()
            .filter_map(|u| {
                index
                    .get(PartId(u.part))
                    .map(|r| (u.part, (r.number.clone(), r.name.clone(), r.category.clone())))
            })
            .collect();
        (rows, index.valuation())
    });
    let describe =
        |id: u64| rows.get(&id).cloned().unwrap_or_else(|| (format!("#{id}"), String::new(), String::new()));
    let (by_part, categories, all) = usage_tables(lang, &usage, &describe);
    let (value, stock_value) = value_table(lang, &valuation);
    let slow_table = slow_table(lang, ctx.settings.tz(), idle, &slow);
    let tile = |key, msg: Msg, v: Decimal| Tile {
        key,
        label: lang.t(msg).to_string(),
        value: html! { (Money(v)) },
        now: v,
        previous: None,
        last_year: None,
    };
    let headline = [
        tile("sales", Msg::Sales, all.sales),
        tile("cost", Msg::Cost, all.cost),
        tile("margin", Msg::Margin, all.margin()),
        tile("stock_in", Msg::StockIn, totals.stock_in),
        tile("issued_cost", Msg::IssuedCost, totals.issued_cost),
        tile("stock_value", Msg::StockValue, stock_value),
    ];
    let extra = format!("&idle={idle}");
    let export = export_base(ctx);
    let tables = [by_part, categories, value, slow_table];
    let body = html! {
        (head(ctx, "parts", Msg::ReportParts, asked, &KINDS, true, &extra))
        (tiles(lang, &headline))
        @for t in &tables { (t.render(ctx, &export)) }
    };
    respond(ctx, q, "parts", Msg::ReportParts, &tables, body)
}

/// Usage by part (the first [`LISTED`]) and by category, and the sum of all.
fn usage_tables(
    lang: Lang,
    usage: &[PartUsage],
    describe: &dyn Fn(u64) -> (String, String, String),
) -> (Table, Table, PartUse) {
    let mut by_part = Table::new(
        "parts",
        lang.t(Msg::ReportParts),
        &[
            ("number", lang.t(Msg::PartCol)),
            ("name", lang.t(Msg::Name)),
            ("category", lang.t(Msg::Category)),
            ("qty", lang.t(Msg::QtyUsed)),
            ("sales", lang.t(Msg::Sales)),
            ("cost", lang.t(Msg::Cost)),
            ("margin", lang.t(Msg::Margin)),
            ("margin_percent", lang.t(Msg::MarginPercent)),
        ],
    );
    let mut all = PartUse::default();
    let mut by_category: BTreeMap<String, PartUse> = BTreeMap::new();
    for u in usage {
        let (number, name, category) = describe(u.part);
        all.merge(&u.use_, 1);
        by_category.entry(category.clone()).or_default().merge(&u.use_, 1);
        if by_part.rows.len() < LISTED {
            by_part.rows.push(vec![
                Cell::Link(number, format!("/parts/{}", u.part)),
                Cell::Text(name),
                Cell::Text(category),
                Cell::Num(u.use_.qty),
                Cell::Money(u.use_.sales),
                Cell::Money(u.use_.cost),
                Cell::Money(u.use_.margin()),
                Cell::Percent(margin_percent(&u.use_)),
            ]);
        }
    }
    let mut categories = Table::new(
        "categories",
        lang.t(Msg::Category),
        &[
            ("category", lang.t(Msg::Category)),
            ("sales", lang.t(Msg::Sales)),
            ("cost", lang.t(Msg::Cost)),
            ("margin", lang.t(Msg::Margin)),
            ("margin_percent", lang.t(Msg::MarginPercent)),
        ],
    );
    let use_row = |label: String, u: &PartUse| {
        vec![
            Cell::Text(label),
            Cell::Money(u.sales),
            Cell::Money(u.cost),
            Cell::Money(u.margin()),
            Cell::Percent(margin_percent(u)),
        ]
    };
    let mut sorted: Vec<_> = by_category.iter().collect();
    sorted.sort_by_key(|c| std::cmp::Reverse(c.1.sales));
    for (category, u) in sorted {
        categories.rows.push(use_row(if category.is_empty() { "—".into() } else { category.clone() }, u));
    }
    categories.total = Some(use_row(lang.t(Msg::Total).into(), &all));
    (by_part, categories, all)
}

/// The stock value at cost by category (the index's last row is the total), and that total.
fn value_table(lang: Lang, valuation: &[CategoryValue]) -> (Table, Decimal) {
    let mut value = Table::new(
        "stock_value",
        lang.t(Msg::StockValue),
        &[
            ("category", lang.t(Msg::Category)),
            ("parts", lang.t(Msg::PartCol)),
            ("value", lang.t(Msg::StockValue)),
        ],
    );
    let (last, rest) = valuation.split_last().map(|(l, r)| (Some(l), r)).unwrap_or((None, &[]));
    for c in rest {
        value.rows.push(vec![
            Cell::Text(c.category.clone()),
            Cell::Count(c.parts as i64),
            Cell::Money(c.value),
        ]);
    }
    if let Some(t) = last {
        value.total = Some(vec![
            Cell::Text(lang.t(Msg::Total).into()),
            Cell::Count(t.parts as i64),
            Cell::Money(t.value),
        ]);
    }
    (value, last.map(|t| t.value).unwrap_or_default())
}

/// Parts in stock that have not moved for `idle` days.
fn slow_table(lang: Lang, tz: chrono_tz::Tz, idle: i64, slow: &[Part]) -> Table {
    let mut table = Table::new(
        "slow_movers",
        &lang.fmt(Msg::SlowMovers, &[&idle]),
        &[
            ("number", lang.t(Msg::PartCol)),
            ("name", lang.t(Msg::Name)),
            ("on_hand", lang.t(Msg::OnHand)),
            ("value", lang.t(Msg::StockValue)),
            ("last_moved", lang.t(Msg::LastMoved)),
        ],
    );
    for p in slow {
        table.rows.push(vec![
            Cell::Link(p.details.number.to_string(), format!("/parts/{}", p.id.0)),
            Cell::Text(p.details.name.clone()),
            Cell::Num(p.stock.on_hand),
            Cell::Money(p.stock.value()),
            Cell::Text(p.last_moved_at.map(|at| LocalTime::new(at, tz).to_string()).unwrap_or_default()),
        ]);
    }
    table
}
