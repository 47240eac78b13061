//! GET /reports/volume: cars received, orders completed, delivered and cancelled, the average
//! ticket and time in the shop, late deliveries against the promised time, and cars back
//! within `within` days (7, 14, 30 or 90) of their last delivery (返修).

use maud::html;
use rust_decimal::Decimal;
use warp::reply::Response;

use super::{Asked, Cell, Compared, Query, Table, Tile, asked, export_base, head, respond, tiles};
use crate::domain::Area;
use crate::domain::report::{DayTotals, Period, PeriodKind, REVISIT_DAYS};
use crate::i18n::{Lang, Msg};
use crate::web::AppState;
use crate::web::chart::{BarChart, Series};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::show::Money;

const KINDS: [PeriodKind; 4] = [PeriodKind::Month, PeriodKind::Day, PeriodKind::Week, PeriodKind::Year];

pub(super) async fn page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Reports)?;
    let lang = ctx.lang;
    let Asked::Period(period) = asked(ctx, q, &KINDS, false)? else { unreachable!("no 'all' here") };
    let within = match q.get("within").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => 30,
        Some(s) => s.parse::<i64>().ok().filter(|d| REVISIT_DAYS.contains(d)).ok_or(AppError::BadRequest)?,
    };
    let c = Compared::read(state, period).await?;
    let (now, prev, ly) = (c.total(), &c.previous, c.last_year_total());
    let buckets = c.buckets();
    let repeat = lang.fmt(Msg::RepeatVisits, &[&within]);

    let table = volume_table(lang, &buckets, &now, within, &repeat);

    let chart = BarChart {
        lang,
        title: lang.t(Msg::ReportVolume).to_string(),
        labels: buckets.iter().map(|(b, _)| b.short_label()).collect(),
        series: vec![
            Series {
                name: lang.t(Msg::CarsIn).into(),
                values: buckets.iter().map(|(_, d)| d.opened.into()).collect(),
            },
            Series {
                name: lang.t(Msg::Delivered).into(),
                values: buckets.iter().map(|(_, d)| d.delivered.into()).collect(),
            },
        ],
        stacked: false,
        height: 260,
        small: false,
    };
    let count = |key, msg: &str, f: &dyn Fn(&DayTotals) -> Decimal| Tile {
        key,
        label: msg.to_string(),
        value: html! { (f(&now)) },
        now: f(&now),
        previous: Some(f(prev)),
        last_year: Some(f(&ly)),
    };
    let headline = [
        count("opened", lang.t(Msg::CarsIn), &|d| d.opened.into()),
        count("delivered", lang.t(Msg::Delivered), &|d| d.delivered.into()),
        count("cancelled", lang.t(Msg::Cancelled), &|d| d.cancelled.into()),
        Tile {
            key: "average_ticket",
            label: lang.t(Msg::AverageTicket).into(),
            value: html! { (Money(now.average_ticket())) },
            now: now.average_ticket(),
            previous: Some(prev.average_ticket()),
            last_year: Some(ly.average_ticket()),
        },
        count("average_hours", lang.t(Msg::AverageShopHours), &|d| d.average_shop_hours()),
        count("late", lang.t(Msg::LateDeliveries), &|d| d.late.into()),
        count("revisits", &repeat, &|d| d.revisits_within(within).into()),
    ];
    let windows = html! {
        div.period-seg.no-print {
            @for w in REVISIT_DAYS {
                a.button.secondary.current[w == within]
                    href={ "/reports/volume?period=" (period.kind.code()) "&date=" (period.start) "&within=" (w) } {
                    (lang.fmt(Msg::RepeatVisits, &[&w]))
                }
            }
        }
    };
    let export = export_base(ctx);
    let tables = [table];
    let body = html! {
        (head(ctx, "volume", Msg::ReportVolume, Asked::Period(period), &KINDS, false, &format!("&within={within}")))
        (tiles(lang, &headline))
        (windows)
        div.charts { section.panel data-chart="volume" { h2 { (lang.t(Msg::CarsIn)) " · " (lang.t(Msg::Delivered)) } (chart) } }
        @for t in &tables { (t.render(ctx, &export)) }
    };
    respond(ctx, q, "volume", Msg::ReportVolume, &tables, body)
}

/// Cars and orders per day (or month) of the period, with the period's total.
fn volume_table(
    lang: Lang,
    buckets: &[(Period, DayTotals)],
    total: &DayTotals,
    within: i64,
    repeat: &str,
) -> Table {
    let mut table = Table::new(
        "volume",
        lang.t(Msg::ReportVolume),
        &[
            ("period", lang.t(Msg::PeriodCol)),
            ("opened", lang.t(Msg::CarsIn)),
            ("completed", lang.t(Msg::Completed)),
            ("delivered", lang.t(Msg::Delivered)),
            ("cancelled", lang.t(Msg::Cancelled)),
            ("settled", lang.t(Msg::SettledOrders)),
            ("average_ticket", lang.t(Msg::AverageTicket)),
            ("average_hours", lang.t(Msg::AverageShopHours)),
            ("late", lang.t(Msg::LateDeliveries)),
            ("revisits", repeat),
        ],
    );
    let row = |label: String, d: &DayTotals| {
        vec![
            Cell::Text(label),
            Cell::Count(d.opened),
            Cell::Count(d.completed),
            Cell::Count(d.delivered),
            Cell::Count(d.cancelled),
            Cell::Count(d.settled),
            Cell::Money(d.average_ticket()),
            Cell::Num(d.average_shop_hours()),
            Cell::Count(d.late),
            Cell::Count(d.revisits_within(within)),
        ]
    };
    table.rows = buckets.iter().map(|(b, d)| row(b.label(), d)).collect();
    table.total = Some(row(lang.t(Msg::Total).to_string(), total));
    table
}
