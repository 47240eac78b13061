//! GET /reports/revenue: what the settled orders brought in, by labour, parts and fees, with
//! discounts, tax and reversals; what was taken by each payment method; each against the
//! previous period and the same period last year.

use maud::html;
use rust_decimal::Decimal;
use warp::reply::Response;

use super::{Asked, Cell, Compared, Query, Table, Tile, asked, export_base, head, respond, tiles};
use crate::domain::Area;
use crate::domain::checkout::PayMethod;
use crate::domain::report::{DayTotals, Period, PeriodKind, change_percent};
use crate::i18n::{Lang, Msg};
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
    let figures = Figures { now: c.total(), previous: c.previous.clone(), last_year: c.last_year_total() };
    let buckets = c.buckets();
    let (split, against) = charts(lang, &c);
    let export = export_base(ctx);
    let tables = [by_bucket(lang, &buckets, &figures.now), figures.by_method(lang), figures.summary(lang)];
    let body = html! {
        (head(ctx, "revenue", Msg::ReportRevenue, Asked::Period(period), &KINDS, false, ""))
        (tiles(lang, &figures.headline(lang)))
        div.charts {
            section.panel data-chart="split" { h2 { (lang.t(Msg::Labour)) " · " (lang.t(Msg::PartsRevenue)) " · " (lang.t(Msg::Fees)) } (split) }
            section.panel data-chart="last_year" { h2 { (lang.t(Msg::RevenueTotal)) " · " (lang.t(Msg::VsLastYear)) } (against) }
        }
        @for t in &tables { (t.render(ctx, &export)) }
    };
    respond(ctx, q, "revenue", Msg::ReportRevenue, &tables, body)
}

/// Revenue per day (or month) of the period, with the period's total.
fn by_bucket(lang: Lang, buckets: &[(Period, DayTotals)], total: &DayTotals) -> Table {
    let mut table = Table::new(
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
    table.rows = buckets.iter().map(|(b, d)| row(b.label(), d)).collect();
    table.total = Some(row(lang.t(Msg::RevenueTotal).to_string(), total));
    table
}

/// The period's totals, the one before it and the same one a year earlier.
struct Figures {
    now: DayTotals,
    previous: DayTotals,
    last_year: DayTotals,
}

impl Figures {
    /// A row comparing one figure across the three periods.
    fn compare(&self, label: String, f: &dyn Fn(&DayTotals) -> Decimal) -> Vec<Cell> {
        let (n, p, l) = (f(&self.now), f(&self.previous), f(&self.last_year));
        vec![
            Cell::Text(label),
            Cell::Money(n),
            Cell::Money(p),
            Cell::Money(l),
            Cell::Percent(change_percent(n, p)),
            Cell::Percent(change_percent(n, l)),
        ]
    }

    fn comparison_table(lang: Lang, key: &'static str, title: &str, first: Msg) -> Table {
        Table::new(
            key,
            title,
            &[
                (if key == "methods" { "method" } else { "measure" }, lang.t(first)),
                ("now", lang.t(Msg::ThisPeriod)),
                ("previous", lang.t(Msg::PreviousPeriod)),
                ("last_year", lang.t(Msg::LastYear)),
                ("vs_previous", lang.t(Msg::VsPrevious)),
                ("vs_last_year", lang.t(Msg::VsLastYear)),
            ],
        )
    }

    /// What was taken by each payment method, refunds and repayments of receivables.
    fn by_method(&self, lang: Lang) -> Table {
        let mut methods = Figures::comparison_table(lang, "methods", lang.t(Msg::ByMethod), Msg::ByMethod);
        for m in PayMethod::ALL {
            methods
                .rows
                .push(self.compare(lang.t(m.label()).to_string(), &|d: &DayTotals| d.taken_by(m.code())));
        }
        methods.rows.push(self.compare(lang.t(Msg::Refunds).to_string(), &|d: &DayTotals| d.voided));
        methods.rows.push(self.compare(lang.t(Msg::Repaid).to_string(), &|d: &DayTotals| d.repaid));
        methods.total =
            Some(self.compare(lang.t(Msg::TakingsTotal).to_string(), &|d: &DayTotals| d.takings_total()));
        methods
    }

    /// Revenue and its parts against the previous period and last year.
    fn summary(&self, lang: Lang) -> Table {
        let title = format!("{} · {}", lang.t(Msg::VsPrevious), lang.t(Msg::VsLastYear));
        let mut summary = Figures::comparison_table(lang, "compare", &title, Msg::Revenue);
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
            summary.rows.push(self.compare(lang.t(msg).to_string(), &f));
        }
        summary
    }

    /// The tiles at the top: the period's figures with their changes.
    fn headline(&self, lang: Lang) -> [Tile; 6] {
        let tile = |key, msg: Msg, f: Figure, money: bool| Tile {
            key,
            label: lang.t(msg).to_string(),
            value: if money {
                html! { (Money(f(&self.now))) }
            } else {
                html! { (f(&self.now)) }
            },
            now: f(&self.now),
            previous: Some(f(&self.previous)),
            last_year: Some(f(&self.last_year)),
        };
        [
            tile("total", Msg::RevenueTotal, |d| d.total, true),
            tile("takings", Msg::TakingsTotal, |d| d.takings_total(), true),
            tile("settled", Msg::SettledOrders, |d| Decimal::from(d.settled), false),
            tile("average_ticket", Msg::AverageTicket, |d| d.average_ticket(), true),
            tile("discounts", Msg::Discounts, |d| d.discounts, true),
            tile("voided", Msg::Refunds, |d| d.voided, true),
        ]
    }
}

/// Labour, parts and fees stacked per bucket; and the total against the same period last year.
fn charts(lang: Lang, c: &Compared) -> (BarChart, BarChart) {
    let buckets = c.buckets();
    let ly_buckets = c.last_year_buckets();
    let labels: Vec<String> = buckets.iter().map(|(b, _)| b.short_label()).collect();
    let series = |msg: Msg, f: Figure| Series {
        name: lang.t(msg).into(),
        values: buckets.iter().map(|(_, d)| f(d)).collect(),
    };
    let split = BarChart {
        lang,
        title: lang.t(Msg::ReportRevenue).to_string(),
        labels: labels.clone(),
        series: vec![
            series(Msg::Labour, |d| d.labour),
            series(Msg::PartsRevenue, |d| d.parts),
            series(Msg::Fees, |d| d.fees),
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
    (split, against)
}
