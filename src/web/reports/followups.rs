//! GET /reports/followups: the follow-up calls (回访) per month: how many closed, how many
//! reached the customer (and the share), the average satisfaction score, the unhappy answers.
//! Reads the month totals the store keeps with the calls (a row a month), never the calls.

use maud::html;
use rust_decimal::Decimal;
use warp::reply::Response;

use super::{Asked, Cell, Query, Table, asked, export_base, head, respond};
use crate::domain::Area;
use crate::domain::followup::MonthTotals;
use crate::domain::report::{PeriodKind, month_start};
use crate::i18n::{Lang, Msg};
use crate::store::followups;
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;

const KINDS: [PeriodKind; 2] = [PeriodKind::Year, PeriodKind::Month];

pub(super) async fn page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Reports)?;
    let lang = ctx.lang;
    let Asked::Period(period) = asked(ctx, q, &KINDS, false)? else { unreachable!("no 'all' here") };
    let (from, to) = period.months();
    let stored = state.store.read(move |tx| followups::months(tx, from, to)).await?;
    let months: Vec<(i32, MonthTotals)> = (from..=to)
        .map(|m| (m, stored.iter().find(|(k, _)| *k == m).map(|(_, t)| *t).unwrap_or_default()))
        .collect();
    let table = months_table(lang, &months);
    let export = export_base(ctx);
    let tables = [table];
    let body = html! {
        (head(ctx, "followups", Msg::FollowUpReport, Asked::Period(period), &KINDS, false, ""))
        p.lead { (lang.t(Msg::FollowUpReportLead)) }
        @for t in &tables { (t.render(ctx, &export)) }
    };
    respond(ctx, q, "followups", Msg::FollowUpReport, &tables, body)
}

/// One row a month (`YYYY-MM`), and the period's total.
fn months_table(lang: Lang, months: &[(i32, MonthTotals)]) -> Table {
    let mut table = Table::new(
        "followups",
        lang.t(Msg::FollowUpReport),
        &[
            ("period", lang.t(Msg::PeriodCol)),
            ("closed", lang.t(Msg::FollowUpClosedCol)),
            ("reached", lang.t(Msg::FollowUpReached)),
            ("reached_share", lang.t(Msg::FollowUpReachedShare)),
            ("average_score", lang.t(Msg::FollowUpAverage)),
            ("unhappy", lang.t(Msg::FollowUpUnhappyCol)),
        ],
    );
    let row = |label: String, t: &MonthTotals| {
        vec![
            Cell::Text(label),
            Cell::Count(t.closed),
            Cell::Count(t.reached),
            share(t.reached_percent()),
            t.average_score().map(Cell::Num).unwrap_or(Cell::Text(String::new())),
            Cell::Count(t.unhappy),
        ]
    };
    let mut total = MonthTotals::default();
    for (key, t) in months {
        total.merge(t);
        table.rows.push(row(month_start(*key).format("%Y-%m").to_string(), t));
    }
    table.total = Some(row(lang.t(Msg::Total).to_string(), &total));
    table
}

/// A share in percent as a plain figure (no up/down colour: it is not a change).
fn share(p: Option<Decimal>) -> Cell {
    match p {
        Some(p) => Cell::Text(format!("{p}%")),
        None => Cell::Text(String::new()),
    }
}
