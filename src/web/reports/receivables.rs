//! GET /reports/receivables: what each customer owes on account (挂账), aged 0–30, 31–60,
//! 61–90 and over 90 days, largest first; the cashier takes the payments at `/receivables`.

use maud::html;
use rust_decimal::Decimal;
use warp::reply::Response;

use super::{Cell, Query, Table, Tile, export_base, respond, tiles};
use crate::domain::Area;
use crate::i18n::Msg;
use crate::store::checkout::day;
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;
use crate::web::show::Money;

pub(super) async fn page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Reports)?;
    let lang = ctx.lang;
    let today = ctx.today();
    let owed = state.store.scan(move |tx| day::receivables(tx, today)).await?;
    let ages = [Msg::Age0, Msg::Age1, Msg::Age2, Msg::Age3];
    let mut table = Table::new(
        "receivables",
        lang.t(Msg::ReportReceivables),
        &[
            ("customer", lang.t(Msg::CustomerCol)),
            ("phone", lang.t(Msg::Phone)),
            ("owed", lang.t(Msg::Owed)),
            ("age0", lang.t(ages[0])),
            ("age1", lang.t(ages[1])),
            ("age2", lang.t(ages[2])),
            ("age3", lang.t(ages[3])),
        ],
    );
    let mut sums = [Decimal::ZERO; 4];
    for r in &owed {
        let mut row = vec![
            Cell::Link(r.name.clone(), format!("/customers/{}", r.customer)),
            Cell::Text(r.phone.clone()),
            Cell::Money(r.owed),
        ];
        for (i, a) in r.ageing.iter().enumerate() {
            sums[i] += *a;
            row.push(Cell::Money(*a));
        }
        table.rows.push(row);
    }
    let total: Decimal = owed.iter().map(|r| r.owed).sum();
    let mut foot =
        vec![Cell::Text(lang.t(Msg::Total).into()), Cell::Count(owed.len() as i64), Cell::Money(total)];
    foot.extend(sums.iter().map(|s| Cell::Money(*s)));
    table.total = Some(foot);
    let mut headline = vec![Tile {
        key: "owed",
        label: lang.t(Msg::Owed).into(),
        value: html! { (Money(total)) },
        now: total,
        previous: None,
        last_year: None,
    }];
    for (i, msg) in ages.iter().enumerate() {
        headline.push(Tile {
            key: ["age0", "age1", "age2", "age3"][i],
            label: lang.t(*msg).into(),
            value: html! { (Money(sums[i])) },
            now: sums[i],
            previous: None,
            last_year: None,
        });
    }
    let export = export_base(ctx);
    let tables = [table];
    let body = html! {
        div.page-head.report-head {
            h1 { (lang.t(Msg::ReportReceivables)) }
            div.actions.no-print {
                a.button.secondary href="/reports" { (lang.t(Msg::ReportsTitle)) }
                a.button.secondary href="/reports/receivables?format=xlsx" data-export="xlsx" { (lang.t(Msg::ExportXlsx)) }
                button.secondary type="button" data-print { (lang.t(Msg::PrintReport)) }
            }
        }
        (tiles(lang, &headline))
        @for t in &tables { (t.render(ctx, &export)) }
    };
    respond(ctx, q, "receivables", Msg::ReportReceivables, &tables, body)
}
