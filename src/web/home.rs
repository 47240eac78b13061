//! The home page, to act from: first the panels of [`PANELS`] (today's work at the desk as
//! numbers linking to the lists behind them, the till's and the stockroom's, the parts asked for
//! from the floor, the manager's shop at a glance, customer care's due lists), then one card per area the user's roles
//! allow. A technician who works only on the floor lands on their jobs (`/t`) when signing in.
//!
//! A module adds a panel with one line in [`PANELS`]: a [`Panel`] gathers what it shows for
//! the signed-in user and returns `None` when it has nothing for them.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::Utc;
use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::ctx::Ctx;
use super::error::AppResult;
use super::layout::{self, notice};
use super::show::Money;
use super::{AppState, html_response, run};
use crate::domain::{Area, OrderState, Roles, WorkOrder};
use crate::i18n::Msg;
use crate::store::orders::{self, OrderFilter, Work, count_among};

/// What a panel's gathering returns: its markup, or `None` to show nothing.
pub type PanelFuture<'a> = Pin<Box<dyn Future<Output = AppResult<Option<Markup>>> + Send + 'a>>;

/// One panel of the home page: gathers (store reads) and draws for the signed-in user.
pub type Panel = for<'a> fn(&'a AppState, &'a Ctx) -> PanelFuture<'a>;

/// The home page's panels, in the order they show. Another module adds its own here.
pub const PANELS: &[Panel] = &[
    |s, c| Box::pin(my_jobs(s, c)),
    |s, c| Box::pin(todays_work(s, c)),
    |s, c| Box::pin(till(s, c)),
    |s, c| Box::pin(stockroom(s, c)),
    |s, c| Box::pin(requests_panel(s, c)),
    |s, c| Box::pin(glance_panel(s, c)),
    |s, c| Box::pin(super::care::home_panel(s, c)),
    |s, c| Box::pin(super::care::unhappy_panel(s, c)),
];

/// The orders on the board for one version of the orders, shared by the home page's panels
/// (the desk's numbers, the till's, the stockroom's): a home page is opened far more often than
/// an order changes, and with many cars in the shop decoding them all three times per page cost
/// more than the rest of it (the ten-years benchmark's manager's home: 11 requests/s).
#[derive(Default)]
pub struct OnBoardCache(std::sync::Mutex<Option<(u64, Arc<Vec<WorkOrder>>)>>);

/// The orders on the board, from [`OnBoardCache`] while no order changed.
async fn on_board(state: &AppState) -> AppResult<Arc<Vec<WorkOrder>>> {
    // Read before the orders: a change in between leaves a newer list under an older number,
    // which the next request reads again.
    let version = state.store.orders_changed();
    let cached = state.on_board_cache.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some((v, board)) = cached
        && v == version
    {
        return Ok(board);
    }
    let board = Arc::new(state.store.scan(orders::on_board).await?);
    *state.on_board_cache.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((version, board.clone()));
    Ok(board)
}

/// One number and the list it counts.
fn figure(key: &str, label: &str, value: Markup, href: &str, warn: bool) -> Markup {
    html! {
        a.tile.work-tile.warn[warn] href=(href) data-count=(key) {
            div.tile-label { (label) }
            div.tile-value { (value) }
        }
    }
}

fn desk_filters(ctx: &Ctx) -> Vec<(&'static str, Msg, OrderFilter, String, bool)> {
    let now = Utc::now();
    let today = super::orders::today_in(ctx.settings.tz(), now);
    let work = |w: Work| OrderFilter { work: Some(w), today, ..Default::default() };
    vec![
        ("in_shop", Msg::WorkInShop, work(Work::InShop), "/orders?work=in_shop".into(), false),
        (
            "approval",
            Msg::WorkAwaitingAnswer,
            work(Work::AwaitingAnswer),
            "/orders?work=approval".into(),
            false,
        ),
        ("today", Msg::WorkPromisedToday, work(Work::PromisedToday), "/orders?work=today".into(), false),
        (
            "late",
            Msg::WorkLate,
            OrderFilter { late: true, ..Default::default() },
            "/orders?late=1".into(),
            true,
        ),
        ("ready", Msg::WorkReady, work(Work::Ready), "/orders?work=ready".into(), false),
    ]
}

/// The desk's day: the cars in the shop, waiting for the customer's answer, promised for
/// today, late, and ready for pickup; each number links to its list.
async fn todays_work(state: &AppState, ctx: &Ctx) -> AppResult<Option<Markup>> {
    let roles = ctx.user()?.user.roles;
    if !roles.may(Area::Orders) {
        return Ok(None);
    }
    let lang = ctx.lang;
    let figures = desk_filters(ctx);
    let filters: Vec<OrderFilter> = figures.iter().map(|f| f.2.clone()).collect();
    let now = Utc::now();
    let counts = count_among(&on_board(state).await?, &filters, now);
    Ok(Some(html! {
        section.panel.home-work id="todays-work" {
            div.panel-head {
                h2 { (lang.t(Msg::TodaysWork)) }
                a.button.small href="/lookup" { "+ " (lang.t(Msg::OpenOrder)) }
            }
            div.tiles {
                @for ((key, label, _, href, bad), n) in figures.iter().zip(&counts) {
                    (figure(key, lang.t(*label), html! { (n) }, href, *bad && *n > 0))
                }
            }
        }
    }))
}

/// The cashier's: orders to settle, today's takings, and what customers owe.
async fn till(state: &AppState, ctx: &Ctx) -> AppResult<Option<Markup>> {
    let roles = ctx.user()?.user.roles;
    if !roles.may(Area::Checkout) {
        return Ok(None);
    }
    let lang = ctx.lang;
    let to_settle = OrderFilter { state: Some(OrderState::Completed), ..Default::default() };
    let now = Utc::now();
    let counts = count_among(&on_board(state).await?, &[to_settle], now);
    let (owing, owed) = state.store.read(crate::store::reports::receivables_total).await?;
    // Today's takings: the day's payments (one range of the by-day index), as the day-end sums them.
    let today = ctx.today();
    let payments = state.store.read(move |tx| crate::store::checkout::day::day_payments(tx, today)).await?;
    let takings: rust_decimal::Decimal = payments.iter().filter(|p| p.is_takings()).map(|p| p.amount).sum();
    Ok(Some(html! {
        section.panel.home-work id="till" {
            div.panel-head { h2 { (lang.t(Msg::TillHome)) } a href="/checkout" { (lang.t(Msg::NavCheckout)) " ›" } }
            div.tiles {
                (figure("to_settle", lang.t(Msg::ToSettle), html! { (counts[0]) }, "/orders?state=completed", false))
                (figure("takings", lang.t(Msg::TakingsToday), html! { span data-amount=(takings) { (Money(takings)) } }, &format!("/checkout/day-end?date={today}"), false))
                (figure("receivables", &format!("{} ({owing})", lang.t(Msg::ReceivablesDue)), html! { (Money(owed)) }, "/receivables", false))
            }
        }
    }))
}

/// The parts clerk's: lines to pick for the cars in the shop, parts low on stock, the stock
/// receipts posted today.
async fn stockroom(state: &AppState, ctx: &Ctx) -> AppResult<Option<Markup>> {
    let roles = ctx.user()?.user.roles;
    if !roles.may(Area::Parts) {
        return Ok(None);
    }
    let lang = ctx.lang;
    let to_pick = on_board(state)
        .await?
        .iter()
        .map(|o| o.lines.iter().filter(|l| !l.to_issue().is_zero()).count())
        .sum::<usize>();
    let low = state.store.parts(|index| index.low_count());
    let today = ctx.today();
    let received = super::parts::receipts::posted_on(state, today, ctx.settings.tz()).await?;
    Ok(Some(html! {
        section.panel.home-work id="stockroom" {
            div.panel-head { h2 { (lang.t(Msg::StockroomHome)) } a href="/parts" { (lang.t(Msg::NavParts)) " ›" } }
            div.tiles {
                (figure("to_pick", lang.t(Msg::ToPick), html! { (to_pick) }, "/parts/pick", false))
                (figure("low_stock", lang.t(Msg::LowStockCount), html! { (low) }, "/parts/low", low > 0))
                (figure("receipts_today", lang.t(Msg::ReceiptsToday), html! { (received) }, &format!("/parts/receipts?date={today}"), false))
            }
        }
    }))
}

/// The manager's shop at a glance.
async fn glance_panel(state: &AppState, ctx: &Ctx) -> AppResult<Option<Markup>> {
    if !ctx.user()?.user.roles.may(Area::Reports) {
        return Ok(None);
    }
    let g = super::reports::glance::gather(state, ctx).await?;
    Ok(Some(super::reports::glance::panel(ctx, &g)))
}

/// The parts asked for from the floor, for the desk and the parts clerk.
async fn requests_panel(state: &AppState, ctx: &Ctx) -> AppResult<Option<Markup>> {
    let roles = ctx.user()?.user.roles;
    if !(roles.may(Area::Orders) || roles.may(Area::Parts)) {
        return Ok(None);
    }
    let requests = state.store.read(crate::store::orders::open_requests).await?;
    if requests.is_empty() {
        return Ok(None);
    }
    let lang = ctx.lang;
    Ok(Some(html! {
        section.panel.requests-home {
            h2 { (lang.t(Msg::OpenRequests)) " " span.badge.warn { (requests.len()) } }
            ul.timeline {
                @for (o, r) in &requests {
                    li {
                        strong { (r.text) } " × " (r.qty)
                        " · "
                        @if roles.may(Area::Orders) || roles.may(Area::Checkout) {
                            a href={ "/orders/" (o.id) } { (o.number) }
                        } @else {
                            (o.number)
                        }
                        div.muted { (r.by_name) " · " (super::show::LocalTime::new(r.at, ctx.settings.tz())) }
                        (super::orders::request_form(ctx, o, r, "/"))
                    }
                }
            }
        }
    }))
}

/// A technician's home is their jobs: signing in leads straight there (see the sign-in), and
/// the home page itself opens with the way to them.
async fn my_jobs(_state: &AppState, ctx: &Ctx) -> AppResult<Option<Markup>> {
    if !ctx.user()?.user.roles.may(Area::MyJobs) {
        return Ok(None);
    }
    let lang = ctx.lang;
    Ok(Some(html! {
        section.panel.home-work id="my-jobs" {
            a.button.big href="/t" data-count="my_jobs" { (lang.t(Msg::NavMyJobs)) " ›" }
        }
    }))
}

/// Works only on the floor: their jobs are their home.
pub(crate) fn floor_only(roles: Roles) -> bool {
    roles.may(Area::MyJobs)
        && ![Area::Orders, Area::Checkout, Area::Parts, Area::Reports, Area::Admin]
            .iter()
            .any(|a| roles.may(*a))
}

/// Per area: title, description, and the page it opens once its module exists.
const CARDS: &[(Area, Msg, Msg, Option<&str>)] = &[
    (Area::Reception, Msg::NavReception, Msg::CardReception, Some("/lookup")),
    (Area::Orders, Msg::NavOrders, Msg::CardOrders, Some("/orders")),
    (Area::Customers, Msg::NavCustomers, Msg::CardCustomers, Some("/customers")),
    (Area::Vehicles, Msg::NavVehicles, Msg::CardVehicles, Some("/vehicles")),
    (Area::MyJobs, Msg::NavMyJobs, Msg::CardMyJobs, Some("/t")),
    (Area::Board, Msg::NavBoard, Msg::CardBoard, Some("/board")),
    (Area::Checkout, Msg::NavCheckout, Msg::CardCheckout, Some("/checkout")),
    (Area::Parts, Msg::NavParts, Msg::CardParts, Some("/parts")),
    (Area::Reports, Msg::NavReports, Msg::CardReports, Some("/reports")),
    (Area::Templates, Msg::NavTemplates, Msg::CardTemplates, Some("/templates")),
    (Area::Admin, Msg::NavUsers, Msg::CardUsers, Some("/admin/users")),
    (Area::Admin, Msg::NavSettings, Msg::CardSettings, Some("/admin/settings")),
    (Area::Admin, Msg::NavAudit, Msg::CardAudit, Some("/admin/audit")),
];

pub fn routes(state: std::sync::Arc<AppState>) -> BoxedFilter<(Response,)> {
    warp::path::end()
        .and(warp::get())
        .and(super::ctx::ctx(state.clone()))
        .and(warp::query::<HashMap<String, String>>().or(warp::any().map(HashMap::new)).unify())
        .then(move |ctx: Ctx, q: HashMap<String, String>| {
            let state = state.clone();
            async move {
                let note = q.get("notice").and_then(|n| super::auth::notice_msg(n));
                let result = home(&state, &ctx, note).await;
                run(&ctx, result)
            }
        })
        .boxed()
}

async fn home(state: &AppState, ctx: &Ctx, note: Option<Msg>) -> AppResult<Response> {
    let user = ctx.user()?;
    let lang = ctx.lang;
    let roles = user.user.roles;
    let mut panels = Vec::new();
    for panel in PANELS {
        if let Some(markup) = panel(state, ctx).await? {
            panels.push(markup);
        }
    }
    let body = html! {
        h1 { (lang.fmt(Msg::HomeGreeting, &[&user.user.display_name])) }
        @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
        @if panels.is_empty() { p.lead { (lang.t(Msg::HomeLead)) } }
        @for p in &panels { (p) }
        div.cards {
            @for (area, title, text, href) in CARDS.iter().filter(|c| roles.may(c.0)) {
                @let _ = area;
                @if let Some(href) = href {
                    a.card href=(href) { h3 { (lang.t(*title)) } p { (lang.t(*text)) } }
                } @else {
                    div.card.soon {
                        h3 { (lang.t(*title)) }
                        p { (lang.t(*text)) }
                        span.badge { (lang.t(Msg::ComingSoon)) }
                    }
                }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::Home), body)))
}
