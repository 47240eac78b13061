//! GET /reports/revenue: what the settled orders brought in, by labour, parts and fees, with
//! discounts, tax and reversals; what was taken by each payment method; each against the
//! previous period and the same period last year.

use maud::html;
use rust_decimal::Decimal;
use warp::reply::Response;

use super::{Asked, Cell, Compared, Query, Table, Tile, asked, export_base, head, respond, tiles};
use crate::domain::Area;
use crate::domain::checkout::PayMethod;
use crate::domain::report::{DayTotals, PeriodKind, change_percent};
use crate::i18n::Msg;
use crate::web::AppState;
use crate::web::chart::{BarChart, Series};
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;
use crate::web::show::Money;

/// One figure of a day's totals.
type Figure = fn(&DayTotals) -> Decimal;

const KINDS: [PeriodKind; 4] = [PeriodKind::Month, PeriodKind::Day, PeriodKind::Week, PeriodKind::Year];

pub(super) async fn page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Reports)?;
    let lang = ctx.lang;
    let Asked::Period(period) = asked(ctx, q, &KINDS, false)? else { unreachable!("no 'all' here") };
    let c = Compared::read(state, period).await?;
    let (now, prev, ly) = (c.total(), &c.previous, c.last_year_total());
    let buckets = c.buckets();
    let ly_buckets = c.last_year_buckets();

    let mut by_bucket = Table::new(
        "revenue",
        lang.t(Msg::ReportRevenue),
        &[
            ("period", lang.t(Msg::PeriodCol)),
            ("settled", lang.t(Msg::SettledOrders)),
            ("labour", lang.t(Msg::Labour)),
            ("parts", lang.t(Msg::PartsRevenue)),
            ("fees", lang.t(Msg::Fees)),
            ("discounts", lang.t(Msg::Discounts)),
            ("tax", lang.t(Msg::Tax)),
            ("rounding", lang.t(Msg::Rounding)),
            ("total", lang.t(Msg::RevenueTotal)),
            ("reversed", lang.t(Msg::Reversals)),
            ("takings", lang.t(Msg::TakingsTotal)),
        ],
    );
    let row = |label: String, d: &DayTotals| {
        vec![
            Cell::Text(label),
            Cell::Count(d.settled),
            Cell::Money(d.labour),
            Cell::Money(d.parts),
            Cell::Money(d.fees),
            Cell::Money(d.discounts),
            Cell::Money(d.tax),
            Cell::Money(d.rounding),
            Cell::Money(d.total),
            Cell::Money(d.reversed_total),
            Cell::Money(d.takings_total()),
        ]
    };
    by_bucket.rows = buckets.iter().map(|(b, d)| row(b.label(), d)).collect();
    by_bucket.total = Some(row(lang.t(Msg::RevenueTotal).to_string(), &now));

    let mut methods = Table::new(
        "methods",
        lang.t(Msg::ByMethod),
        &[
            ("method", lang.t(Msg::ByMethod)),
            ("now", lang.t(Msg::ThisPeriod)),
            ("previous", lang.t(Msg::PreviousPeriod)),
            ("last_year", lang.t(Msg::LastYear)),
            ("vs_previous", lang.t(Msg::VsPrevious)),
            ("vs_last_year", lang.t(Msg::VsLastYear)),
        ],
    );
    let compare = |label: String, f: &dyn Fn(&DayTotals) -> Decimal| {
        let (n, p, l) = (f(&now), f(prev), f(&ly));
        vec![
            Cell::Text(label),
            Cell::Money(n),
            Cell::Money(p),
            Cell::Money(l),
            Cell::Percent(change_percent(n, p)),
            Cell::Percent(change_percent(n, l)),
        ]
    };
    for m in PayMethod::ALL {
        methods.rows.push(compare(lang.t(m.label()).to_string(), &|d: &DayTotals| d.taken_by(m.code())));
    }
    methods.rows.push(compare(lang.t(Msg::Refunds).to_string(), &|d: &DayTotals| d.voided));
    methods.rows.push(compare(lang.t(Msg::Repaid).to_string(), &|d: &DayTotals| d.repaid));
    methods.total = Some(compare(lang.t(Msg::TakingsTotal).to_string(), &|d: &DayTotals| d.takings_total()));

    let mut summary = Table::new(
        "compare",
        &format!("{} · {}", lang.t(Msg::VsPrevious), lang.t(Msg::VsLastYear)),
        &[
            ("measure", lang.t(Msg::Revenue)),
            ("now", lang.t(Msg::ThisPeriod)),
            ("previous", lang.t(Msg::PreviousPeriod)),
            ("last_year", lang.t(Msg::LastYear)),
            ("vs_previous", lang.t(Msg::VsPrevious)),
            ("vs_last_year", lang.t(Msg::VsLastYear)),
        ],
    );
    let measures: [(Msg, Figure); 8] = [
        (Msg::RevenueTotal, |d| d.total),
        (Msg::Labour, |d| d.labour),
        (Msg::PartsRevenue, |d| d.parts),
        (Msg::Fees, |d| d.fees),
        (Msg::Discounts, |d| d.discounts),
        (Msg::Tax, |d| d.tax),
        (Msg::Margin, |d| d.parts_margin()),
        (Msg::AverageTicket, |d| d.average_ticket()),
    ];
    for (msg, f) in measures {
        summary.rows.push(compare(lang.t(msg).to_string(), &f));
    }

    let labels: Vec<String> = buckets.iter().map(|(b, _)| b.short_label()).collect();
    let split = BarChart {
        lang,
        title: lang.t(Msg::ReportRevenue).to_string(),
        labels: labels.clone(),
        series: vec![
            Series {
                name: lang.t(Msg::Labour).into(),
                values: buckets.iter().map(|(_, d)| d.labour).collect(),
            },
            Series {
                name: lang.t(Msg::PartsRevenue).into(),
                values: buckets.iter().map(|(_, d)| d.parts).collect(),
            },
            Series { name: lang.t(Msg::Fees).into(), values: buckets.iter().map(|(_, d)| d.fees).collect() },
        ],
        stacked: true,
        height: 260,
        small: false,
    };
    let against = BarChart {
        lang,
        title: lang.t(Msg::VsLastYear).to_string(),
        labels,
        series: vec![
            Series { name: c.period.label(), values: buckets.iter().map(|(_, d)| d.total).collect() },
            Series {
                name: c.period.year_before().label(),
                values: ly_buckets.iter().map(|(_, d)| d.total).collect(),
            },
        ],
        stacked: false,
        height: 260,
        small: false,
    };
    let tile = |key, msg: Msg, f: fn(&DayTotals) -> Decimal, money: bool| Tile {
        key,
        label: lang.t(msg).to_string(),
        value: if money {
            html! { (Money(f(&now))) }
        } else {
            html! { (f(&now)) }
        },
        now: f(&now),
        previous: Some(f(prev)),
        last_year: Some(f(&ly)),
    };
    let headline = [
        tile("total", Msg::RevenueTotal, |d| d.total, true),
        tile("takings", Msg::TakingsTotal, |d| d.takings_total(), true),
        tile("settled", Msg::SettledOrders, |d| Decimal::from(d.settled), false),
        tile("average_ticket", Msg::AverageTicket, |d| d.average_ticket(), true),
        tile("discounts", Msg::Discounts, |d| d.discounts, true),
        tile("voided", Msg::Refunds, |d| d.voided, true),
    ];
    let export = export_base(ctx);
    let tables = [by_bucket, methods, summary];
    let body = html! {
        (head(ctx, "revenue", Msg::ReportRevenue, Asked::Period(period), &KINDS, false, ""))
        (tiles(lang, &headline))
        div.charts {
            section.panel data-chart="split" { h2 { (lang.t(Msg::Labour)) " · " (lang.t(Msg::PartsRevenue)) " · " (lang.t(Msg::Fees)) } (split) }
            section.panel data-chart="last_year" { h2 { (lang.t(Msg::RevenueTotal)) " · " (lang.t(Msg::VsLastYear)) } (against) }
        }
        @for t in &tables { (t.render(ctx, &export)) }
    };
    respond(ctx, q, "revenue", Msg::ReportRevenue, &tables, body)
}
