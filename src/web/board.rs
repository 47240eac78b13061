//! The shop-floor board (车间看板, GET /board): the open orders by state, as cards or a list;
//! and the waiting room's view (`?view=waiting`): each car by its masked plate (粤B·•••45) and its
//! state in the customer's words, nothing else. Both are for signed-in staff here; a TV opens
//! them with the shop's display key instead (`web::wall`), so no staff session sits on a screen.
//!
//! Live pages poll a small URL every second or two with the version they show; the answer is
//! `204 No Content` (htmx keeps the page as it is) until a work order changes.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::{Reply, Response};

use super::ctx::Ctx;
use super::error::AppResult;
use super::layout;
use super::show::{LocalTime, StateBadge};
use super::{AppState, html_response, run};
use crate::domain::work_order::Decision;
use crate::domain::{Area, Customer, OrderState, User, Vehicle, WorkOrder};
use crate::i18n::Msg;
use crate::store::orders;
use crate::store::{customers, users, vehicles};

type Query = HashMap<String, String>;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let query = warp::query::<Query>().or(warp::any().map(Query::new)).unify();

    let s = state.clone();
    let board =
        warp::path!("board").and(warp::get()).and(ctx.clone()).and(query).then(move |ctx: Ctx, q: Query| {
            let s = s.clone();
            async move { run(&ctx, board_page(&s, &ctx, &q).await) }
        });
    board.boxed()
}

/// "Nothing changed": htmx leaves the page alone.
pub fn no_change() -> Response {
    let mut response = warp::reply::with_status("", StatusCode::NO_CONTENT).into_response();
    response.headers_mut().insert("vary", HeaderValue::from_static("HX-Request"));
    response
}

/// Rendered boards for one version of the orders, by the way they are shown.
#[derive(Default)]
pub struct BoardCache(std::sync::Mutex<(String, HashMap<String, String>)>);

impl BoardCache {
    pub(super) fn get(&self, version: &str, key: &str) -> Option<String> {
        let cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if cache.0 == version { cache.1.get(key).cloned() } else { None }
    }

    pub(super) fn put(&self, version: &str, key: String, html: String) {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if cache.0 != version {
            *cache = (version.to_string(), HashMap::new());
        }
        cache.1.insert(key, html);
    }
}

/// One card of the board.
pub(super) struct BoardRow {
    pub order: WorkOrder,
    pub vehicle: Option<Vehicle>,
    pub customer: Option<Customer>,
}

pub(super) async fn board_rows(state: &AppState) -> AppResult<(Vec<BoardRow>, Vec<User>)> {
    Ok(state
        .store
        .read(|tx| {
            let mut rows = Vec::new();
            for order in orders::on_board(tx)? {
                let vehicle = vehicles::get(tx, order.vehicle_id)?;
                let customer = customers::get(tx, order.customer_id)?;
                rows.push(BoardRow { order, vehicle, customer });
            }
            Ok((rows, users::list(tx)?))
        })
        .await?)
}

/// What the board shows depends on the orders and, for "late", on the minute.
pub(super) fn board_version(state: &AppState) -> String {
    format!("{}-{}", state.store.orders_changed(), Utc::now().timestamp() / 60)
}

async fn board_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Board)?;
    if q.get("view").is_some_and(|v| v == "waiting") {
        return waiting_page(state, ctx, q, "/board?view=waiting&v=").await;
    }
    let list = q.get("view").is_some_and(|v| v == "list");
    let version = board_version(state);
    if q.get("v").is_some_and(|v| *v == version) {
        return Ok(no_change());
    }
    // Every screen showing the board asks every second: render it once per change and per
    // way of showing it (language, list or columns, links or not, time zone).
    let roles = ctx.user.as_ref().map(|u| u.user.roles).unwrap_or_default();
    let may_open = roles.may(Area::Orders) || roles.may(Area::Checkout);
    let key = format!("{}|{may_open}|{list}|{}", ctx.lang.code(), ctx.settings.time_zone);
    let board = match state.board_cache.get(&version, &key) {
        Some(html) => maud::PreEscaped(html),
        None => {
            let (rows, all) = board_rows(state).await?;
            let board = board_markup(ctx, &rows, &all, list, &version);
            state.board_cache.put(&version, key, board.0.clone());
            board
        }
    };
    if q.contains_key("v") {
        return Ok(html_response(board));
    }
    let lang = ctx.lang;
    // `.board-page` lets the board use the whole window (see `static/app.css`).
    let body = html! {
        div.board-page {
            div.page-head {
                h1 { (lang.t(Msg::NavBoard)) }
                div.actions.segmented.links {
                    a.button.secondary[list] href="/board" { (lang.t(Msg::BoardCards)) }
                    a.button.secondary[!list] href="/board?view=list" { (lang.t(Msg::BoardList)) }
                }
            }
            (board)
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::NavBoard), body)))
}

/// GET /board?view=waiting (staff) or /wall/{key}?view=waiting (the TV): the waiting room's
/// view; it asks `poll` followed by the version it shows.
pub(super) async fn waiting_page(state: &AppState, ctx: &Ctx, q: &Query, poll: &str) -> AppResult<Response> {
    let lang = ctx.guest_lang();
    let version = board_version(state);
    if q.get("v").is_some_and(|v| *v == version) {
        return Ok(no_change());
    }
    let key = format!("{}|waiting|{poll}", lang.code());
    let board = match state.board_cache.get(&version, &key) {
        Some(html) => maud::PreEscaped(html),
        None => {
            let (rows, _) = board_rows(state).await?;
            let cars: Vec<WaitingCar> = rows
                .iter()
                .map(|r| WaitingCar {
                    plate: r.vehicle.as_ref().map(|v| v.details.plate.masked()).unwrap_or_default(),
                    stage: r.order.customer_stage(),
                    state: r.order.state,
                })
                .collect();
            let board = waiting_markup(lang, &cars, &version, poll);
            state.board_cache.put(&version, key, board.0.clone());
            board
        }
    };
    if q.contains_key("v") {
        return Ok(html_response(board));
    }
    let s = &ctx.settings;
    let page = html! {
        (maud::DOCTYPE)
        html lang=(lang.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="htmx-config" content=r#"{"historyCacheSize":0,"includeIndicatorStyles":false,"defaultSettleDelay":0}"#;
                title { (lang.t(Msg::WaitingBoardTitle)) " · " (s.shop_name) }
                link rel="stylesheet" href=(super::assets::css_path());
                script src=(super::assets::htmx_path()) defer {}
            }
            body.waiting-room {
                header.waiting-head {
                    h1 { (s.shop_name) " · " (lang.t(Msg::WaitingBoardTitle)) }
                    p { (lang.t(Msg::WaitingBoardLead)) }
                }
                main { (board) }
            }
        }
    };
    Ok(html_response(page))
}

/// One car on the waiting room's TV.
struct WaitingCar {
    plate: String,
    stage: crate::domain::work_order::CustomerStage,
    state: OrderState,
}

fn waiting_markup(lang: crate::i18n::Lang, cars: &[WaitingCar], version: &str, poll: &str) -> Markup {
    html! {
        div id="board" hx-get={ (poll) (version) } hx-trigger="every 5s" hx-swap="outerHTML" data-version=(version) {
            @if cars.is_empty() {
                p.empty { (lang.t(Msg::BoardEmpty)) }
            } @else {
                ul.waiting-cars {
                    @for c in cars {
                        li data-state=(c.state.code()) data-step=(c.stage.step) {
                            span.plate-big { (c.plate) }
                            span.stage { (lang.t(c.stage.label)) }
                            span.bar {}
                        }
                    }
                }
            }
        }
    }
}

fn board_markup(ctx: &Ctx, rows: &[BoardRow], all: &[User], list: bool, version: &str) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let now = Utc::now();
    let roles = ctx.user.as_ref().map(|u| u.user.roles).unwrap_or_default();
    let may_open = roles.may(Area::Orders) || roles.may(Area::Checkout);
    let poll = format!("/board?v={version}{}", if list { "&view=list" } else { "" });
    let names = |o: &WorkOrder| -> String {
        o.technicians()
            .iter()
            .filter_map(|t| all.iter().find(|u| u.id == *t).map(|u| u.display_name.clone()))
            .collect::<Vec<_>>()
            .join("、")
    };
    let href = |r: &BoardRow| -> Option<String> {
        if may_open { Some(format!("/orders/{}", r.order.id)) } else { None }
    };
    let progress = |o: &WorkOrder| {
        let labour: Vec<_> =
            o.lines.iter().filter(|l| l.is_labour() && l.decision != Decision::Declined).collect();
        (labour.len(), o.technicians().len())
    };
    html! {
        div id="board" hx-get=(poll) hx-trigger="every 1s" hx-swap="outerHTML" data-version=(version) {
            @if rows.is_empty() {
                p.empty { (lang.t(Msg::BoardEmpty)) }
            } @else if list {
                div.table-wrap {
                    table.rows.board-list {
                        thead { tr {
                            th { (lang.t(Msg::Plate)) } th { (lang.t(Msg::Vehicle)) } th { (lang.t(Msg::Status)) }
                            th { (lang.t(Msg::Technician)) } th { (lang.t(Msg::PromisedAt)) } th { (lang.t(Msg::Number)) }
                        } }
                        tbody {
                            @for r in rows {
                                @let late = r.order.is_late(now);
                                tr.late[late] {
                                    td { span.plate { (r.vehicle.as_ref().map(|v| v.details.plate.to_string()).unwrap_or_default()) } }
                                    td { (r.vehicle.as_ref().map(|v| v.details.title()).unwrap_or_default()) }
                                    td { (StateBadge(lang, r.order.state)) }
                                    td { (names(&r.order)) }
                                    td.nowrap { (r.order.reception.promised_at.map(|p| LocalTime::new(p, tz).to_string()).unwrap_or_default()) @if late { " " span.badge.bad { (lang.t(Msg::Late)) } } }
                                    td { @if let Some(h) = href(r) { a href=(h) { (r.order.number) } } @else { (r.order.number) } }
                                }
                            }
                        }
                    }
                }
            } @else {
                div.board-columns {
                    @for state in OrderState::BOARD {
                        @let in_state: Vec<&BoardRow> = rows.iter().filter(|r| r.order.state == state).collect();
                        section.board-col {
                            h2 { (lang.t(state.label())) span.count { (in_state.len()) } }
                            @for r in in_state {
                                @let late = r.order.is_late(now);
                                @let (labour, techs) = progress(&r.order);
                                @let card = html! {
                                    div.plate-big { (r.vehicle.as_ref().map(|v| v.details.plate.to_string()).unwrap_or_default()) }
                                    div.model { (r.vehicle.as_ref().map(|v| v.details.title()).unwrap_or_default()) }
                                    div.who { (names(&r.order)) }
                                    div.when {
                                        @if let Some(p) = r.order.reception.promised_at { (LocalTime::new(p, tz).to_string().get(5..).unwrap_or_default()) }
                                        @if late { " " span.badge.bad { (lang.t(Msg::Late)) } }
                                    }
                                    div.muted { (r.order.number) " · " (lang.fmt(Msg::LinesDone, &[&labour, &techs])) }
                                    @if let Some(c) = &r.customer { div.muted { (c.details.name) } }
                                };
                                @if let Some(h) = href(r) {
                                    a.board-card.late[late] href=(h) { (card) }
                                } @else {
                                    div.board-card.late[late] { (card) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
