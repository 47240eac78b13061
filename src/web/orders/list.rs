//! The order list (GET /orders): a search box, filters by state, advisor, technician, opening
//! date and lateness, and pages of thirty. Which orders match is the store's
//! ([`orders::list`]); this file reads the query string and shows the page.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::{Query, choices_of, ctx, may_view, query};
use crate::domain::{FieldErrors, OrderState, Role, User, UserId};
use crate::i18n::Msg;
use crate::store::orders::{self, OrderFilter, OrderPage, SCAN_LIMIT, Work};
use crate::store::{CustomerFilter, users};
use crate::web::ctx::Ctx;
use crate::web::error::{AppResult, encode};
use crate::web::layout::{self, Field, notice, select};
use crate::web::show::{LocalTime, Money, StateBadge};
use crate::web::{AppState, html_response};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    warp::path!("orders")
        .and(warp::get())
        .and(ctx(state))
        .and(query())
        .then(handler!(state, ctx, |ctx: Ctx, q: Query| list_page(&state, &ctx, &q)))
        .boxed()
}

/// What the list page shows.
struct OrderList {
    /// The query string as sent (the filters show it again; the pager keeps it).
    query: Query,
    page_no: usize,
    page: OrderPage,
    /// Every user (advisors and technicians are chosen from them).
    users: Vec<User>,
    now: DateTime<Utc>,
}

/// The filters of a query string, in the shop's time zone; unreadable values mean "any".
pub(crate) fn filter_of(q: &Query, tz: chrono_tz::Tz, now: DateTime<Utc>) -> OrderFilter {
    let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let day = |k: &str| crate::domain::customer::optional_date(&get(k)).ok().flatten();
    OrderFilter {
        text: get("q").chars().take(60).collect(),
        state: OrderState::parse(&get("state")),
        advisor: get("advisor").parse().ok().map(UserId),
        technician: get("technician").parse().ok().map(UserId),
        late: get("late") == "1",
        created_from: day("from")
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|d| d.and_local_timezone(tz).earliest())
            .map(|d| d.with_timezone(&Utc)),
        created_until: day("to")
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|d| d.and_local_timezone(tz).earliest())
            .map(|d| d.with_timezone(&Utc)),
        work: Work::parse(&get("work")),
        today: today_in(tz, now),
    }
}

/// The shop's today in `tz`, as the instants it starts and ends.
pub fn today_in(tz: chrono_tz::Tz, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let day = now.with_timezone(&tz).date_naive();
    let start = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|d| d.and_local_timezone(tz).earliest())
            .map(|d| d.with_timezone(&Utc))
    };
    Some((start(day)?, start(day.succ_opt()?)?))
}

/// GET /orders?q=&state=&advisor=&technician=&from=&to=&late=&work=&page=
async fn list_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    may_view(ctx)?;
    let now = Utc::now();
    let filter = filter_of(q, ctx.settings.tz(), now);
    let page_no: usize =
        q.get("page").and_then(|p| p.parse().ok()).filter(|p| (1..=10_000).contains(p)).unwrap_or(1);
    let customers = if filter.text.is_empty() {
        Vec::new()
    } else {
        state.store.search(|index| {
            index.search(&filter.text, &CustomerFilter::default(), 0, 50).rows.iter().map(|r| r.id).collect()
        })
    };
    let page = state.store.scan(move |tx| orders::list(tx, &filter, &customers, page_no, now)).await?;
    let users = state.store.read(users::list).await?;
    let list = OrderList { query: q.clone(), page_no, page, users, now };
    Ok(html_response(layout::page(ctx, ctx.lang.t(Msg::NavOrders), list_view(ctx, &list))))
}

/// The name of one of today's lists (the home page's numbers say the same).
pub(crate) fn work_label(w: Work) -> Msg {
    match w {
        Work::InShop => Msg::WorkInShop,
        Work::AwaitingAnswer => Msg::WorkAwaitingAnswer,
        Work::PromisedToday => Msg::WorkPromisedToday,
        Work::Ready => Msg::WorkReady,
    }
}

/// The list's link to page `n`, with the same filters.
fn page_link(q: &Query, n: usize) -> String {
    let mut pairs: Vec<(String, String)> = q
        .iter()
        .filter(|(k, v)| *k != "page" && !v.is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    pairs.sort();
    pairs.push(("page".into(), n.to_string()));
    let qs: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    format!("/orders?{}", qs.join("&"))
}

fn list_view(ctx: &Ctx, list: &OrderList) -> Markup {
    let lang = ctx.lang;
    let q = &list.query;
    let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let text: String = get("q").chars().take(60).collect();
    let late = get("late") == "1";
    let states: Vec<(&str, &str)> = std::iter::once(("", lang.t(Msg::AllStates)))
        .chain(OrderState::ALL.iter().map(|s| (s.code(), lang.t(s.label()))))
        .collect();
    let advisors = choices_of(&list.users, Role::Advisor, lang.t(Msg::AnyAdvisor));
    let techs = choices_of(&list.users, Role::Technician, lang.t(Msg::AnyTechnician));
    let adv: Vec<(&str, &str)> = advisors.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let tec: Vec<(&str, &str)> = techs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let none = FieldErrors::new();
    let (page_no, page) = (list.page_no, &list.page);
    let work = Work::parse(&get("work"));
    html! {
        div.page-head {
            h1 {
                (lang.t(Msg::NavOrders))
                @if let Some(w) = work { " · " span data-work=(w.code()) { (lang.t(work_label(w))) } }
            }
            div.actions { a.button href="/lookup" { "+ " (lang.t(Msg::OpenOrder)) } a.button.secondary href="/board" { (lang.t(Msg::NavBoard)) } }
        }
        form.search-form method="get" action="/orders" {
            @if let Some(w) = work { input type="hidden" name="work" value=(w.code()); }
            div.searchbox {
                input type="search" name="q" value=(text) placeholder=(lang.t(Msg::OrderSearchHint)) aria-label=(lang.t(Msg::OrderSearchHint));
                button type="submit" { (lang.t(Msg::Search)) }
            }
            div.form-grid.filters {
                (select("state", lang.t(Msg::Status), &get("state"), &states, &none, lang))
                (select("advisor", lang.t(Msg::Advisor), &get("advisor"), &adv, &none, lang))
                (select("technician", lang.t(Msg::Technician), &get("technician"), &tec, &none, lang))
                (Field::text("from", lang.t(Msg::OpenedFrom), &get("from")).kind("date").render(lang, &none))
                (Field::text("to", lang.t(Msg::OpenedTo), &get("to")).kind("date").render(lang, &none))
                label.check { input type="checkbox" name="late" value="1" checked[late]; (lang.t(Msg::OnlyLate)) }
            }
            div.actions { button.secondary type="submit" { (lang.t(Msg::Filter)) } a href="/orders" { (lang.t(Msg::ClearFilters)) } }
        }
        @if page.truncated { (notice("warn", &lang.fmt(Msg::ListTruncated, &[&SCAN_LIMIT]))) }
        @if page.rows.is_empty() {
            div.empty { p { (lang.t(Msg::NoOrdersFound)) } }
        } @else {
            (rows_table(ctx, list))
            nav.pager {
                @if page_no > 1 { a.button.secondary href=(page_link(q, page_no - 1)) { "← " (lang.t(Msg::Previous)) } }
                span.muted { (page_no) }
                @if page.more { a.button.secondary href=(page_link(q, page_no + 1)) { (lang.t(Msg::Next)) " →" } }
            }
        }
    }
}

fn rows_table(ctx: &Ctx, list: &OrderList) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let now = list.now;
    html! {
        div.table-wrap {
            table.rows {
                thead { tr {
                    th { (lang.t(Msg::Number)) } th { (lang.t(Msg::Plate)) } th { (lang.t(Msg::Owner)) } th { (lang.t(Msg::Status)) }
                    th { (lang.t(Msg::PromisedAt)) } th.num { (lang.t(Msg::Estimate)) } th { (lang.t(Msg::Created)) }
                } }
                tbody {
                    @for row in &list.page.rows {
                        @let o = &row.order;
                        tr data-order=(o.id) {
                            td.nowrap { a href={ "/orders/" (o.id) } { (o.number) } }
                            td { @if let Some(v) = &row.vehicle { span.plate { (v.details.plate) } div.muted.small { (v.details.title()) } } }
                            td { @if let Some(c) = &row.customer { (c.details.name) } }
                            td.chips { (StateBadge(lang, o.state)) @if o.is_late(now) { " " span.badge.bad { (lang.t(Msg::Late)) } } }
                            td.nowrap { @if let Some(p) = o.reception.promised_at { (LocalTime::new(p, tz)) } }
                            td.num.nowrap { (Money(o.totals().estimate)) }
                            td.nowrap { (LocalTime::new(o.created_at, tz).to_string().get(..10).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::work_order::Reception;
    use crate::domain::{CustomerId, OrderId, VehicleId, WorkOrder};
    use crate::i18n::Lang;
    use crate::store::orders::OrderRow;

    fn list(rows: usize, more: bool, page_no: usize) -> OrderList {
        let now: DateTime<Utc> = "2026-11-28T09:00:00Z".parse().unwrap();
        let reception = Reception {
            mileage: None,
            fuel: None,
            complaint: "保养".into(),
            items_left: String::new(),
            promised_at: None,
            advisor: None,
        };
        let rows = (0..rows)
            .map(|i| {
                let mut order = WorkOrder::new(
                    VehicleId(1),
                    CustomerId(1),
                    OrderState::Open,
                    reception.clone(),
                    now,
                    None,
                );
                order.id = OrderId(100 + i as u64);
                order.number = format!("WO-{i}");
                OrderRow { order, vehicle: None, customer: None }
            })
            .collect();
        let query = Query::from([("state".to_string(), "open".to_string())]);
        OrderList { query, page_no, page: OrderPage { rows, more, truncated: false }, users: vec![], now }
    }

    #[test]
    fn each_row_links_its_order_and_shows_its_state() {
        let html = list_view(&Ctx::for_test(Lang::En, None), &list(2, false, 1)).into_string();
        assert!(html.contains(r#"href="/orders/100""#) && html.contains(r#"href="/orders/101""#), "{html}");
        assert_eq!(html.matches(r#"data-state="open""#).count(), 2, "{html}");
        assert!(!html.contains("page=2"), "no next page: {html}");
    }

    #[test]
    fn the_pager_keeps_the_filters() {
        let html = list_view(&Ctx::for_test(Lang::En, None), &list(1, true, 2)).into_string();
        assert!(html.contains(r#"href="/orders?state=open&amp;page=1""#), "{html}");
        assert!(html.contains(r#"href="/orders?state=open&amp;page=3""#), "{html}");
    }

    #[test]
    fn an_empty_page_says_so() {
        let html = list_view(&Ctx::for_test(Lang::En, None), &list(0, false, 1)).into_string();
        assert!(html.contains(r#"class="empty""#) && !html.contains("<table"), "{html}");
    }
}
