//! GET /reports/customers: customers ranked by what they spent on settled orders in a month,
//! a year or all time, the same by source and level, and the dormant customers (no settled
//! visit for `months` months) as a call list, biggest spenders first.

use std::collections::BTreeMap;

use maud::html;
use rust_decimal::Decimal;
use warp::reply::Response;

use super::{Asked, Cell, Query, Table, asked, export_base, head, respond};
use crate::domain::report::{PeriodKind, month_key, month_start};
use crate::domain::settings::choice_label;
use crate::domain::{Area, CustomerId};
use crate::i18n::{Lang, Msg};
use crate::store::CustomerRow;
use crate::store::reports::{self, CustomerSpend};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::show::LocalTime;

const KINDS: [PeriodKind; 2] = [PeriodKind::Year, PeriodKind::Month];
/// How many customers the ranking lists (the by-source and by-level sums cover everyone).
const RANKED: usize = 100;
const DORMANT_LISTED: usize = 200;

pub(super) async fn page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Reports)?;
    let lang = ctx.lang;
    let asked = asked(ctx, q, &KINDS, true)?;
    let months = match q.get("months").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => 12,
        Some(s) => s.parse::<i32>().ok().filter(|m| (1..=120).contains(m)).ok_or(AppError::BadRequest)?,
    };
    let range = match asked {
        Asked::Period(p) => p.months(),
        Asked::All => (i32::MIN, i32::MAX),
    };
    let cutoff = month_key(ctx.today()) - months;
    let (ranking, dormant, last_visits) = state
        .store
        .scan(move |tx| {
            let all = reports::customer_spending(tx, (i32::MIN, i32::MAX))?;
            let dormant = reports::dormant(&all, cutoff, DORMANT_LISTED);
            let mut ranking =
                if range == (i32::MIN, i32::MAX) { all } else { reports::customer_spending(tx, range)? };
            ranking.sort_by(|a, b| b.spend.cmp(&a.spend).then(a.customer.cmp(&b.customer)));
            let mut last = BTreeMap::new();
            for c in ranking.iter().take(RANKED) {
                last.insert(c.customer, reports::last_order_at(tx, c.customer)?);
            }
            Ok((ranking, dormant, last))
        })
        .await?;
    // Names for the listed customers only; the by-source and by-level sums read the index in
    // place (a ten-year ranking holds every customer).
    let (rows, groups) = state.store.search(|index| {
        let listed = ranking.iter().take(RANKED).chain(dormant.iter());
        let rows: BTreeMap<CustomerId, CustomerRow> =
            listed.filter_map(|c| index.get(c.customer).map(|r| (c.customer, r.clone()))).collect();
        let mut by_source: BTreeMap<String, (i64, Decimal, i64)> = BTreeMap::new();
        let mut by_level: BTreeMap<String, (i64, Decimal, i64)> = BTreeMap::new();
        for c in &ranking {
            let (source, level) =
                index.get(c.customer).map(|r| (r.source.as_str(), r.level.as_str())).unwrap_or_default();
            for (map, key) in [(&mut by_source, source), (&mut by_level, level)] {
                let e = map.entry(key.to_string()).or_default();
                e.0 += 1;
                e.1 += c.spend;
                e.2 += c.visits;
            }
        }
        (rows, [by_source, by_level])
    });
    let tz = ctx.settings.tz();
    let name = |id: CustomerId| rows.get(&id).map(|r| r.name.clone()).unwrap_or_else(|| format!("#{id}"));
    let phone = |id: CustomerId| rows.get(&id).map(|r| r.phone.clone()).unwrap_or_default();

    let ranked = ranking_table(lang, tz, &ranking, &last_visits, &name, &phone);
    let by_source = group_table(lang, "by_source", Msg::BySource, &groups[0]);
    let by_level = group_table(lang, "by_level", Msg::ByLevel, &groups[1]);

    let mut calls = Table::new(
        "dormant",
        &lang.fmt(Msg::DormantList, &[&months]),
        &[
            ("customer", lang.t(Msg::CustomerCol)),
            ("phone", lang.t(Msg::Phone)),
            ("spend", lang.t(Msg::Spend)),
            ("visits", lang.t(Msg::Visits)),
            ("last_visit", lang.t(Msg::LastVisit)),
        ],
    );
    for c in &dormant {
        calls.rows.push(dormant_row(c, name(c.customer), phone(c.customer)));
    }
    let extra = format!("&months={months}");
    let export = export_base(ctx);
    let tables = [ranked, by_source, by_level, calls];
    let body = html! {
        (head(ctx, "customers", Msg::ReportCustomers, asked, &KINDS, true, &extra))
        @for t in &tables[..3] { (t.render(ctx, &export)) }
        form.inline-form.no-print method="get" action="/reports/customers" {
            @match asked {
                Asked::Period(p) => {
                    input type="hidden" name="period" value=(p.kind.code());
                    input type="hidden" name="date" value=(p.start);
                }
                Asked::All => { input type="hidden" name="period" value="all"; }
            }
            label { (lang.t(Msg::DormantMonths)) " "
                input type="number" name="months" min="1" max="120" value=(months) inputmode="numeric";
            }
            button.secondary type="submit" { (lang.t(Msg::Search)) }
        }
        p.muted { (lang.t(Msg::DormantLead)) }
        (tables[3].render(ctx, &export))
    };
    respond(ctx, q, "customers", Msg::ReportCustomers, &tables, body)
}

/// The customers ranked by spend (the first [`RANKED`]), with the sum of all of them.
fn ranking_table(
    lang: Lang,
    tz: chrono_tz::Tz,
    ranking: &[CustomerSpend],
    last_visits: &BTreeMap<CustomerId, Option<chrono::DateTime<chrono::Utc>>>,
    name: &dyn Fn(CustomerId) -> String,
    phone: &dyn Fn(CustomerId) -> String,
) -> Table {
    let mut ranked = Table::new(
        "ranking",
        lang.t(Msg::ReportCustomers),
        &[
            ("rank", lang.t(Msg::Rank)),
            ("customer", lang.t(Msg::CustomerCol)),
            ("phone", lang.t(Msg::Phone)),
            ("spend", lang.t(Msg::Spend)),
            ("visits", lang.t(Msg::Visits)),
            ("average_ticket", lang.t(Msg::AverageTicket)),
            ("last_visit", lang.t(Msg::LastVisit)),
        ],
    );
    for (i, c) in ranking.iter().take(RANKED).enumerate() {
        let last = last_visits.get(&c.customer).copied().flatten();
        ranked.rows.push(vec![
            Cell::Count(i as i64 + 1),
            Cell::Link(name(c.customer), format!("/customers/{}", c.customer)),
            Cell::Text(phone(c.customer)),
            Cell::Money(c.spend),
            Cell::Count(c.visits),
            Cell::Money(c.average_ticket()),
            Cell::Text(last.map(|at| LocalTime::new(at, tz).to_string()).unwrap_or_default()),
        ]);
    }
    let all_spend: Decimal = ranking.iter().map(|c| c.spend).sum();
    let all_visits: i64 = ranking.iter().map(|c| c.visits).sum();
    ranked.total = Some(vec![
        Cell::Text(lang.t(Msg::Total).into()),
        Cell::Count(ranking.len() as i64),
        Cell::Text(String::new()),
        Cell::Money(all_spend),
        Cell::Count(all_visits),
        Cell::Money(if all_visits > 0 {
            (all_spend / Decimal::from(all_visits)).round_dp(2)
        } else {
            Decimal::ZERO
        }),
        Cell::Text(String::new()),
    ]);
    ranked
}

/// Customers, spend and visits per source or level.
fn group_table(
    lang: Lang,
    name: &'static str,
    title: Msg,
    by: &BTreeMap<String, (i64, Decimal, i64)>,
) -> Table {
    let mut t = Table::new(
        name,
        lang.t(title),
        &[
            ("group", lang.t(title)),
            ("customers", lang.t(Msg::Customers)),
            ("spend", lang.t(Msg::Spend)),
            ("visits", lang.t(Msg::Visits)),
        ],
    );
    let mut groups: Vec<_> = by.iter().collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.1.1));
    for (k, (n, spend, visits)) in groups {
        let label = if k.is_empty() { "—".to_string() } else { choice_label(k, lang).to_string() };
        t.rows.push(vec![Cell::Text(label), Cell::Count(*n), Cell::Money(*spend), Cell::Count(*visits)]);
    }
    t
}

fn dormant_row(c: &CustomerSpend, name: String, phone: String) -> Vec<Cell> {
    vec![
        Cell::Link(name, format!("/customers/{}", c.customer)),
        Cell::Text(phone),
        Cell::Money(c.spend),
        Cell::Count(c.visits),
        Cell::Text(month_start(c.last_month).format("%Y-%m").to_string()),
    ]
}
