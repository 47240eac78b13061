//! Reports (统计报表), for managers and administrators. Every page reads the day and month
//! totals the store keeps with the records (`store::reports`), never the records themselves,
//! so a year or ten years answer as fast as a day.
//!
//! ```text
//! mod.rs          GET /reports (the list), the period picker, report tables and their export
//! revenue.rs      GET /reports/revenue        labour, parts, fees, discounts, tax, methods
//! volume.rs       GET /reports/volume         cars in, completed, delivered, late, repeat visits
//! customers.rs    GET /reports/customers      ranking by spend, source and level, dormant
//! technicians.rs  GET /reports/technicians    billed against clocked hours, comebacks
//! parts.rs        GET /reports/parts          usage and margin by part and category, slow movers
//! receivables.rs  GET /reports/receivables    what customers owe, by age
//! followups.rs    GET /reports/followups      follow-up calls: reached, average score, per month
//! glance.rs       the manager's panel on the home page: today and this month
//! ```
//!
//! Each report page takes `period` (day, week, month, year) and `date` (any day inside it,
//! today by default); `format=xlsx` downloads every table of the page as a workbook and
//! `format=csv&table=NAME` one table.

mod customers;
mod followups;
pub mod glance;
mod parts;
mod receivables;
mod revenue;
mod technicians;
mod volume;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use maud::{Markup, html};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::AppState;
use super::ctx::Ctx;
use super::error::{AppError, AppResult};
use super::layout;
use super::show::Money;
use crate::domain::Area;
use crate::domain::report::{Period, PeriodKind, change_percent};
use crate::i18n::{Lang, Msg};

type Query = HashMap<String, String>;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let state = &state;
    let ctx = || super::ctx::ctx(state.clone()).boxed();
    let query = || warp::query::<Query>().or(warp::any().map(Query::new)).unify().boxed();
    let index = warp::path!("reports")
        .and(warp::get())
        .and(ctx())
        .then(handler!(state, ctx, |ctx: Ctx| index(&state, &ctx)));
    let revenue = warp::path!("reports" / "revenue").and(warp::get()).and(ctx()).and(query()).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: Query| revenue::page(&state, &ctx, &q)
    ));
    let volume = warp::path!("reports" / "volume").and(warp::get()).and(ctx()).and(query()).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: Query| volume::page(&state, &ctx, &q)
    ));
    let customers = warp::path!("reports" / "customers")
        .and(warp::get())
        .and(ctx())
        .and(query())
        .then(handler!(state, ctx, |ctx: Ctx, q: Query| customers::page(&state, &ctx, &q)));
    let technicians = warp::path!("reports" / "technicians")
        .and(warp::get())
        .and(ctx())
        .and(query())
        .then(handler!(state, ctx, |ctx: Ctx, q: Query| technicians::page(&state, &ctx, &q)));
    let parts = warp::path!("reports" / "parts").and(warp::get()).and(ctx()).and(query()).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: Query| parts::page(&state, &ctx, &q)
    ));
    let receivables = warp::path!("reports" / "receivables")
        .and(warp::get())
        .and(ctx())
        .and(query())
        .then(handler!(state, ctx, |ctx: Ctx, q: Query| receivables::page(&state, &ctx, &q)));
    let followups = warp::path!("reports" / "followups")
        .and(warp::get())
        .and(ctx())
        .and(query())
        .then(handler!(state, ctx, |ctx: Ctx, q: Query| followups::page(&state, &ctx, &q)));
    index
        .or(followups)
        .unify()
        .or(revenue)
        .unify()
        .or(volume)
        .unify()
        .or(customers)
        .unify()
        .or(technicians)
        .unify()
        .or(parts)
        .unify()
        .or(receivables)
        .unify()
        .boxed()
}

/// The reports, each with a line on what it answers.
const REPORTS: [(&str, Msg, Msg); 7] = [
    ("revenue", Msg::ReportRevenue, Msg::ReportRevenueLead),
    ("volume", Msg::ReportVolume, Msg::ReportVolumeLead),
    ("customers", Msg::ReportCustomers, Msg::ReportCustomersLead),
    ("technicians", Msg::ReportTechnicians, Msg::ReportTechniciansLead),
    ("parts", Msg::ReportParts, Msg::ReportPartsLead),
    ("receivables", Msg::ReportReceivables, Msg::ReportReceivablesLead),
    ("followups", Msg::FollowUpReport, Msg::FollowUpReportLead),
];

/// GET /reports: the list of reports.
async fn index(_state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    ctx.require(Area::Reports)?;
    let lang = ctx.lang;
    let body = html! {
        div.page-head { h1 { (lang.t(Msg::ReportsTitle)) } }
        p.lead { (lang.t(Msg::ReportsLead)) }
        div.cards {
            @for (slug, title, lead) in REPORTS {
                a.card href={ "/reports/" (slug) } data-report=(slug) { h3 { (lang.t(title)) } p { (lang.t(lead)) } }
            }
        }
    };
    Ok(super::html_response(layout::page(ctx, lang.t(Msg::ReportsTitle), body)))
}

/// The period asked for: `period` among `kinds` (the first by default) and `date` (today by
/// default). `all` stands for every month there is, where a report allows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Asked {
    Period(Period),
    All,
}

pub(super) fn asked(ctx: &Ctx, q: &Query, kinds: &[PeriodKind], all: bool) -> AppResult<Asked> {
    let day = match q.get("date").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => ctx.today(),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| AppError::BadRequest)?,
    };
    match q.get("period").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        Some("all") if all => Ok(Asked::All),
        None => Ok(Asked::Period(Period::containing(kinds[0], day))),
        Some(code) => match PeriodKind::parse(code).filter(|k| kinds.contains(k)) {
            Some(kind) => Ok(Asked::Period(Period::containing(kind, day))),
            None => Err(AppError::BadRequest),
        },
    }
}

fn href(slug: &str, period: &str, date: NaiveDate, extra: &str) -> String {
    format!("/reports/{slug}?period={period}&date={date}{extra}")
}

/// The page head of a report: its title, the period kinds, previous and next, print and the
/// exports. `extra` is kept on every link (`&within=30`).
pub(super) fn head(
    ctx: &Ctx,
    slug: &str,
    title: Msg,
    asked: Asked,
    kinds: &[PeriodKind],
    all: bool,
    extra: &str,
) -> Markup {
    let lang = ctx.lang;
    let (code, start, label) = match asked {
        Asked::Period(p) => (p.kind.code(), p.start, p.label()),
        Asked::All => ("all", ctx.today(), lang.t(Msg::PeriodAll).to_string()),
    };
    let base = href(slug, code, start, extra);
    html! {
        div.page-head.report-head {
            h1 { (lang.t(title)) " · " span data-period=(label) { (label) } }
            div.actions.no-print {
                a.button.secondary href="/reports" { (lang.t(Msg::ReportsTitle)) }
                a.button.secondary href={ (base) "&format=xlsx" } data-export="xlsx" { (lang.t(Msg::ExportXlsx)) }
                button.secondary type="button" data-print { (lang.t(Msg::PrintReport)) }
            }
        }
        nav.period-bar.no-print aria-label=(lang.t(Msg::PeriodCol)) {
            div.period-seg {
                @for k in kinds {
                    a.button.secondary.current[code == k.code()] href=(href(slug, k.code(), start, extra)) data-kind=(k.code()) {
                        (lang.t(k.label()))
                    }
                }
                @if all {
                    a.button.secondary.current[code == "all"] href=(href(slug, "all", start, extra)) data-kind="all" {
                        (lang.t(Msg::PeriodAll))
                    }
                }
            }
            @if let Asked::Period(p) = asked {
                div.period-seg {
                    a.button.secondary href=(href(slug, code, p.previous().start, extra)) data-go="previous" rel="prev" { "‹ " (lang.t(Msg::PreviousPeriod)) }
                    a.button.secondary href=(href(slug, code, ctx.today(), extra)) data-go="current" { (lang.t(Msg::ThisPeriod)) }
                    a.button.secondary href=(href(slug, code, p.next().start, extra)) data-go="next" rel="next" { (lang.t(Msg::NextPeriod)) " ›" }
                }
            }
        }
    }
}

/// One cell of a report table.
#[derive(Clone, Debug)]
pub(super) enum Cell {
    Text(String),
    /// Text that links to a page.
    Link(String, String),
    Money(Decimal),
    Count(i64),
    /// A quantity or hours, as is.
    Num(Decimal),
    /// A percentage, `None` when there is nothing to compare.
    Percent(Option<Decimal>),
}

impl Cell {
    /// The cell as plain text (CSV, and the value tests read).
    fn plain(&self) -> String {
        match self {
            Cell::Text(t) | Cell::Link(t, _) => t.clone(),
            Cell::Money(v) => format!("{:.2}", v.round_dp(2)),
            Cell::Count(n) => n.to_string(),
            Cell::Num(v) => v.normalize().to_string(),
            Cell::Percent(Some(p)) => format!("{p}%"),
            Cell::Percent(None) => String::new(),
        }
    }

    fn numeric(&self) -> bool {
        !matches!(self, Cell::Text(_) | Cell::Link(..))
    }

    fn html(&self) -> Markup {
        match self {
            Cell::Text(t) => html! { (t) },
            Cell::Link(t, href) => html! { a href=(href) { (t) } },
            Cell::Money(v) => html! { (Money(*v)) },
            Cell::Count(n) => html! { (n) },
            Cell::Num(v) => html! { (v.normalize()) },
            Cell::Percent(Some(p)) => {
                html! { span class=(if p.is_sign_negative() { "down" } else { "up" }) { (p) "%" } }
            }
            Cell::Percent(None) => html! { span.muted { "—" } },
        }
    }
}

/// A report table: a name (for its export and for tests), column keys and headers, rows, and
/// an optional total row.
#[derive(Clone, Debug)]
pub(super) struct Table {
    pub name: &'static str,
    pub title: String,
    pub cols: Vec<(&'static str, String)>,
    pub rows: Vec<Vec<Cell>>,
    pub total: Option<Vec<Cell>>,
}

impl Table {
    pub fn new(name: &'static str, title: &str, cols: &[(&'static str, &str)]) -> Table {
        Table {
            name,
            title: title.to_string(),
            cols: cols.iter().map(|(k, h)| (*k, h.to_string())).collect(),
            rows: vec![],
            total: None,
        }
    }

    fn row_html(&self, row: &[Cell], class: &str) -> Markup {
        html! {
            tr class=(class) data-key=(row.first().map(Cell::plain).unwrap_or_default()) {
                @for (i, cell) in row.iter().enumerate() {
                    td.num[cell.numeric()] data-col=(self.cols.get(i).map(|c| c.0).unwrap_or("")) data-value=(cell.plain()) {
                        (cell.html())
                    }
                }
            }
        }
    }

    pub fn render(&self, ctx: &Ctx, export: &str) -> Markup {
        let lang = ctx.lang;
        html! {
            section.panel.report-table data-table=(self.name) {
                div.panel-head {
                    h2 { (self.title) }
                    a.no-print href={ (export) "&format=csv&table=" (self.name) } data-export="csv" { (lang.t(Msg::ExportCsv)) }
                }
                @if self.rows.is_empty() {
                    p.muted { (lang.t(Msg::NoDataPeriod)) }
                } @else {
                    div.table-scroll {
                        table.rows {
                            thead { tr { @for (key, h) in &self.cols { th data-col=(key) { (h) } } } }
                            tbody { @for row in &self.rows { (self.row_html(row, "")) } }
                            @if let Some(total) = &self.total { tfoot { (self.row_html(total, "grand")) } }
                        }
                    }
                }
            }
        }
    }

    fn plain_rows(&self) -> Vec<Vec<String>> {
        let mut out = vec![self.cols.iter().map(|c| c.1.clone()).collect()];
        out.extend(self.rows.iter().chain(self.total.iter()).map(|r| r.iter().map(Cell::plain).collect()));
        out
    }
}

/// A report page, or one of its exports when `format` asks for it.
pub(super) fn respond(
    ctx: &Ctx,
    q: &Query,
    slug: &str,
    title: Msg,
    tables: &[Table],
    body: Markup,
) -> AppResult<Response> {
    match q.get("format").map(String::as_str) {
        Some("csv") => {
            let name = q.get("table").map(String::as_str).unwrap_or_default();
            let table =
                tables.iter().find(|t| t.name == name).or(tables.first()).ok_or(AppError::NotFound)?;
            Ok(super::csv::attachment(
                &format!("{slug}-{}-{}.csv", table.name, ctx.today()),
                &table.plain_rows(),
            ))
        }
        Some("xlsx") => xlsx(&format!("{slug}-{}.xlsx", ctx.today()), tables),
        Some(_) => Err(AppError::BadRequest),
        None => Ok(super::html_response(layout::page(ctx, ctx.lang.t(title), body))),
    }
}

/// Every table as a sheet of one workbook: numbers as numbers (money with two decimals).
fn xlsx(name: &str, tables: &[Table]) -> AppResult<Response> {
    use rust_xlsxwriter::{Format, Workbook};
    let failed = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    for table in tables {
        let sheet = book.add_worksheet();
        // Sheet names are at most 31 characters and unique: the table's name is both.
        sheet.set_name(table.name).map_err(failed)?;
        for (c, (_, h)) in table.cols.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &bold).map_err(failed)?;
        }
        for (r, row) in table.rows.iter().chain(table.total.iter()).enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Money(v) => sheet.write_number_with_format(r, c, v.to_f64().unwrap_or(0.0), &money),
                    Cell::Count(n) => sheet.write_number(r, c, *n as f64),
                    Cell::Num(v) => sheet.write_number(r, c, v.to_f64().unwrap_or(0.0)),
                    other => sheet.write_string(r, c, other.plain()),
                }
                .map_err(failed)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(failed)?;
    }
    let bytes = book.save_to_buffer().map_err(failed)?;
    let mut response = Response::new(bytes.into());
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".parse().expect("valid header"),
    );
    if let Ok(value) = format!("attachment; filename=\"{name}\"").parse() {
        headers.insert("content-disposition", value);
    }
    Ok(response)
}

/// A headline figure with its change against the previous period and last year.
pub(super) struct Tile {
    pub key: &'static str,
    pub label: String,
    pub value: Markup,
    pub now: Decimal,
    pub previous: Option<Decimal>,
    pub last_year: Option<Decimal>,
}

pub(super) fn tiles(lang: Lang, tiles: &[Tile]) -> Markup {
    let change = |before: Option<Decimal>, now: Decimal, what: Msg| {
        html! {
            @if let Some(before) = before {
                @let pct = change_percent(now, before);
                div.change {
                    (lang.t(what)) " "
                    @match pct {
                        Some(p) => span class=(if p.is_sign_negative() { "down" } else { "up" }) { @if !p.is_sign_negative() { "+" } (p) "%" },
                        None => span.muted { "—" },
                    }
                }
            }
        }
    };
    html! {
        div.tiles {
            @for t in tiles {
                div.tile data-tile=(t.key) data-value=(t.now) {
                    div.tile-label { (t.label) }
                    div.tile-value { (t.value) }
                    (change(t.previous, t.now, Msg::VsPrevious))
                    (change(t.last_year, t.now, Msg::VsLastYear))
                }
            }
        }
    }
}

/// The link a table's CSV export adds its `format` to: the page's own address.
pub(super) fn export_base(ctx: &Ctx) -> String {
    let path = &ctx.path_and_query;
    let cleaned: Vec<&str> = path
        .split_once('?')
        .map(|(_, q)| {
            q.split('&').filter(|kv| !kv.starts_with("format=") && !kv.starts_with("table=")).collect()
        })
        .unwrap_or_default();
    let base = path.split('?').next().unwrap_or(path);
    if cleaned.is_empty() { format!("{base}?") } else { format!("{base}?{}", cleaned.join("&")) }
}

/// The stored days of a period, the one before it and the same one a year earlier.
pub(super) struct Compared {
    pub period: Period,
    pub now: Vec<(NaiveDate, crate::domain::report::DayTotals)>,
    pub previous: crate::domain::report::DayTotals,
    pub last_year: Vec<(NaiveDate, crate::domain::report::DayTotals)>,
}

impl Compared {
    pub async fn read(state: &AppState, period: Period) -> AppResult<Compared> {
        let (previous, last_year) = (period.previous(), period.year_before());
        let (now, previous, last_year) = state
            .store
            .scan(move |tx| {
                use crate::store::reports::days;
                Ok((
                    days(tx, period.start, period.end())?,
                    days(tx, previous.start, previous.end())?,
                    days(tx, last_year.start, last_year.end())?,
                ))
            })
            .await?;
        let previous = crate::domain::report::DayTotals::sum(previous.iter().map(|(_, d)| d));
        Ok(Compared { period, now, previous, last_year })
    }

    pub fn total(&self) -> crate::domain::report::DayTotals {
        crate::domain::report::DayTotals::sum(self.now.iter().map(|(_, d)| d))
    }

    pub fn last_year_total(&self) -> crate::domain::report::DayTotals {
        crate::domain::report::DayTotals::sum(self.last_year.iter().map(|(_, d)| d))
    }

    /// The period's buckets (days or months) with their totals.
    pub fn buckets(&self) -> Vec<(Period, crate::domain::report::DayTotals)> {
        bucketed(self.period, &self.now)
    }

    /// The same a year earlier, bucket by bucket in the same order.
    pub fn last_year_buckets(&self) -> Vec<(Period, crate::domain::report::DayTotals)> {
        bucketed(self.period.year_before(), &self.last_year)
    }
}

fn bucketed(
    period: Period,
    days: &[(NaiveDate, crate::domain::report::DayTotals)],
) -> Vec<(Period, crate::domain::report::DayTotals)> {
    period
        .buckets()
        .into_iter()
        .map(|b| {
            (
                b,
                crate::domain::report::DayTotals::sum(
                    days.iter().filter(|(d, _)| b.contains(*d)).map(|(_, t)| t),
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_plainly_for_export() {
        assert_eq!(Cell::Money(Decimal::new(123456, 2)).plain(), "1234.56");
        assert_eq!(Cell::Num("1.50".parse().unwrap()).plain(), "1.5");
        assert_eq!(Cell::Percent(None).plain(), "");
        let mut t = Table::new("revenue", "营收", &[("day", "日期"), ("total", "合计")]);
        t.rows.push(vec![Cell::Text("2026-11-01".into()), Cell::Money(Decimal::from(5))]);
        let html = t.render(&Ctx::for_test(Lang::Zh, None), "/reports/revenue?period=month").into_string();
        assert!(html.contains(r#"data-col="total" data-value="5.00""#));
        assert!(html.contains("format=csv&amp;table=revenue"));
        assert_eq!(t.plain_rows()[1], vec!["2026-11-01".to_string(), "5.00".into()]);
    }
}
