//! GET /reports/technicians: per technician, the settled orders they worked on, the hours
//! billed against the hours they clocked on those lines, the labour billed, and the cars back
//! within 30 days of an order they worked on (comebacks).

use maud::html;
use rust_decimal::Decimal;
use warp::reply::Response;

use super::{Asked, Cell, Compared, Query, Table, asked, export_base, head, respond};
use crate::domain::report::{COMEBACK_DAYS, PeriodKind, TechTotals};
use crate::domain::{Area, UserId};
use crate::i18n::Msg;
use crate::web::AppState;
use crate::web::chart::{BarChart, Series};
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;

const KINDS: [PeriodKind; 4] = [PeriodKind::Month, PeriodKind::Week, PeriodKind::Year, PeriodKind::Day];

fn hours(minutes: i64) -> Decimal {
    (Decimal::from(minutes) / Decimal::from(60)).round_dp(1)
}

/// Billed hours as a share of clocked hours (over 100 %: faster than the book).
fn efficiency(t: &TechTotals) -> Option<Decimal> {
    (t.clocked_minutes > 0)
        .then(|| (t.hours * Decimal::from(6000) / Decimal::from(t.clocked_minutes)).round_dp(0))
}

pub(super) async fn page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Reports)?;
    let lang = ctx.lang;
    let Asked::Period(period) = asked(ctx, q, &KINDS, false)? else { unreachable!("no 'all' here") };
    let c = Compared::read(state, period).await?;
    let users = state.store.read(crate::store::users::list).await?;
    let total = c.total();
    let name = |id: u64| {
        users
            .iter()
            .find(|u| u.id == UserId(id))
            .map(|u| u.display_name.clone())
            .unwrap_or_else(|| format!("#{id}"))
    };
    let mut techs: Vec<(u64, &TechTotals)> = total.techs.iter().map(|(id, t)| (*id, t)).collect();
    techs.sort_by(|a, b| b.1.labour.cmp(&a.1.labour).then(a.0.cmp(&b.0)));

    let mut table = Table::new(
        "technicians",
        lang.t(Msg::ReportTechnicians),
        &[
            ("technician", lang.t(Msg::Technician)),
            ("orders", lang.t(Msg::OrdersCol)),
            ("billed_hours", lang.t(Msg::BilledHours)),
            ("clocked_hours", lang.t(Msg::ClockedHours)),
            ("efficiency", lang.t(Msg::Efficiency)),
            ("labour", lang.t(Msg::LabourBilled)),
            ("comebacks", &lang.fmt(Msg::Comebacks, &[&COMEBACK_DAYS])),
        ],
    );
    let row = |label: String, t: &TechTotals| {
        vec![
            Cell::Text(label),
            Cell::Count(t.orders),
            Cell::Num(t.hours),
            Cell::Num(hours(t.clocked_minutes)),
            Cell::Percent(efficiency(t)),
            Cell::Money(t.labour),
            Cell::Count(t.comebacks),
        ]
    };
    let mut all = TechTotals::default();
    for (id, t) in &techs {
        table.rows.push(row(name(*id), t));
        all.orders += t.orders;
        all.hours += t.hours;
        all.clocked_minutes += t.clocked_minutes;
        all.labour += t.labour;
        all.comebacks += t.comebacks;
    }
    table.total = Some(row(lang.t(Msg::Total).into(), &all));
    let chart = BarChart {
        lang,
        title: lang.t(Msg::ReportTechnicians).to_string(),
        labels: techs.iter().map(|(id, _)| name(*id)).collect(),
        series: vec![
            Series {
                name: lang.t(Msg::BilledHours).into(),
                values: techs.iter().map(|(_, t)| t.hours).collect(),
            },
            Series {
                name: lang.t(Msg::ClockedHours).into(),
                values: techs.iter().map(|(_, t)| hours(t.clocked_minutes)).collect(),
            },
        ],
        stacked: false,
        height: 260,
        small: false,
    };
    let export = export_base(ctx);
    let tables = [table];
    let body = html! {
        (head(ctx, "technicians", Msg::ReportTechnicians, Asked::Period(period), &KINDS, false, ""))
        @if !techs.is_empty() {
            div.charts { section.panel data-chart="hours" { h2 { (lang.t(Msg::BilledHours)) " · " (lang.t(Msg::ClockedHours)) } (chart) } }
        }
        @for t in &tables { (t.render(ctx, &export)) }
    };
    respond(ctx, q, "technicians", Msg::ReportTechnicians, &tables, body)
}
