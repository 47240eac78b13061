//! The shop-floor board (车间看板), the printed order with its QR code, and where a scanned QR
//! lands (`/t/{token}`).
//!
//! Live pages poll a small URL every second or two with the version they show; the answer is
//! `204 No Content` (htmx keeps the page as it is) until a work order changes.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use maud::{DOCTYPE, Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::{Reply, Response};

use super::assets;
use super::ctx::Ctx;
use super::error::{AppError, AppResult};
use super::layout::{self, csrf_field};
use super::orders::{layout_code, local, may_view, money, signature_svg, state_badge, trusted_svg};
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
    let s = state.clone();
    let print = warp::path!("orders" / u64 / "print").and(warp::get()).and(ctx.clone()).and(query).then(
        move |id: u64, ctx: Ctx, q: Query| {
            let s = s.clone();
            async move { run(&ctx, print_page(&s, &ctx, crate::domain::OrderId(id), &q).await) }
        },
    );
    let s = state.clone();
    let qr =
        warp::path!("orders" / u64 / "qr.svg").and(warp::get()).and(ctx).then(move |id: u64, ctx: Ctx| {
            let s = s.clone();
            async move { run(&ctx, qr_svg(&s, &ctx, crate::domain::OrderId(id)).await) }
        });
    board.or(print).unify().or(qr).unify().boxed()
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
    fn get(&self, version: &str, key: &str) -> Option<String> {
        let cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if cache.0 == version { cache.1.get(key).cloned() } else { None }
    }

    fn put(&self, version: &str, key: String, html: String) {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if cache.0 != version {
            *cache = (version.to_string(), HashMap::new());
        }
        cache.1.insert(key, html);
    }
}

/// One card of the board.
struct BoardRow {
    order: WorkOrder,
    vehicle: Option<Vehicle>,
    customer: Option<Customer>,
}

async fn board_rows(state: &AppState) -> AppResult<(Vec<BoardRow>, Vec<User>)> {
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
fn board_version(state: &AppState) -> String {
    format!("{}-{}", state.store.orders_changed(), Utc::now().timestamp() / 60)
}

async fn board_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Board)?;
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
    let body = html! {
        div.page-head {
            h1 { (lang.t(Msg::NavBoard)) }
            div.actions.segmented.links {
                a.button.secondary[list] href="/board" { (lang.t(Msg::BoardCards)) }
                a.button.secondary[!list] href="/board?view=list" { (lang.t(Msg::BoardList)) }
            }
        }
        (board)
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::NavBoard), body)))
}

fn board_markup(ctx: &Ctx, rows: &[BoardRow], all: &[User], list: bool, version: &str) -> Markup {
    let lang = ctx.lang;
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
                                    td { (state_badge(lang, r.order.state)) }
                                    td { (names(&r.order)) }
                                    td.nowrap { (r.order.reception.promised_at.map(|p| local(ctx, p)).unwrap_or_default()) @if late { " " span.badge.bad { (lang.t(Msg::Late)) } } }
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
                                        @if let Some(p) = r.order.reception.promised_at { (local(ctx, p).get(5..).unwrap_or_default()) }
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

// ---------------------------------------------------------------------------------------------
// The printed order and its QR.

/// The URL a phone opens from the order's QR.
fn scan_url(state: &AppState, order: &WorkOrder) -> String {
    format!("{}/t/{:032x}", state.public_base_url(), order.token)
}

/// The QR code of `url` as SVG markup (no XML prolog), black modules on white, scalable.
pub fn qr_markup(url: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(format!("qr: {e}")))?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(256, 256).quiet_zone(true).build();
    Ok(svg.get(svg.find("<svg").unwrap_or(0)..).unwrap_or_default().to_string())
}

async fn qr_svg(state: &AppState, ctx: &Ctx, id: crate::domain::OrderId) -> AppResult<Response> {
    may_view(ctx)?;
    let order = state.store.read(move |tx| orders::get(tx, id)).await?.ok_or(AppError::NotFound)?;
    let svg = qr_markup(&scan_url(state, &order))?;
    let mut response = svg.into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("image/svg+xml"));
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn print_page(
    state: &AppState,
    ctx: &Ctx,
    id: crate::domain::OrderId,
    q: &Query,
) -> AppResult<Response> {
    may_view(ctx)?;
    let lang = ctx.lang;
    let layout_kind = layout_code(q.get("layout").map(String::as_str).unwrap_or(""));
    let (order, vehicle, customer, all) = state
        .store
        .read(move |tx| {
            let Some(o) = orders::get(tx, id)? else { return Ok(None) };
            let v = vehicles::get(tx, o.vehicle_id)?;
            let c = customers::get(tx, o.customer_id)?;
            Ok(Some((o, v, c, users::list(tx)?)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let url = scan_url(state, &order);
    let qr = qr_markup(&url)?;
    let s = &ctx.settings;
    let t = order.totals();
    let advisor = order
        .reception
        .advisor
        .and_then(|a| all.iter().find(|u| u.id == a))
        .map(|u| u.display_name.clone())
        .unwrap_or_default();
    let signature = order.approvals.iter().rev().find_map(|a| a.signature.as_ref());
    let title = lang.fmt(Msg::OrderTitle, &[&order.number]);
    let page = html! {
        (DOCTYPE)
        html lang=(lang.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href=(assets::css_path());
            }
            body class={ "print-page " (layout_kind) } {
                nav.print-toolbar {
                    a.button.secondary href={ "/orders/" (order.id) } { "← " (lang.t(Msg::Back)) }
                    a.button.secondary[layout_kind != "a4"] href={ "/orders/" (order.id) "/print?layout=a4" } { (lang.t(Msg::PrintA4)) }
                    a.button.secondary[layout_kind != "receipt"] href={ "/orders/" (order.id) "/print?layout=receipt" } { (lang.t(Msg::PrintReceipt)) }
                    button type="button" data-print { (lang.t(Msg::Print)) }
                    @if !order.state.is_closed() && ctx.user.as_ref().is_some_and(|u| u.user.roles.may(Area::Orders)) {
                        form method="post" action={ "/orders/" (order.id) "/reprint" } {
                            (csrf_field(ctx))
                            input type="hidden" name="layout" value=(layout_kind);
                            button.secondary type="submit" title=(lang.t(Msg::ReprintHelp)) { (lang.t(Msg::Reprint)) }
                        }
                    }
                    script src=(assets::js_path()) defer {}
                }
                article.sheet {
                    header.sheet-head {
                        div.shop {
                            div.shop-name { (s.shop_name) }
                            @if !s.shop_address.is_empty() { div { (s.shop_address) } }
                            @if !s.shop_phone.is_empty() { div { (s.shop_phone) } }
                        }
                        div.qr {
                            (trusted_svg(&qr))
                            div.qr-caption { (lang.t(Msg::ScanToUpdate)) }
                            div.qr-url { (url) }
                        }
                    }
                    h1 { (lang.fmt(Msg::OrderTitle, &[&order.number])) }
                    div.sheet-meta {
                        span { (lang.t(Msg::Created)) ": " (local(ctx, order.created_at)) }
                        span { (lang.t(Msg::PromisedAt)) ": " (order.reception.promised_at.map(|p| local(ctx, p)).unwrap_or("—".into())) }
                        span { (lang.t(Msg::Status)) ": " (lang.t(order.state.label())) }
                    }
                    table.facts {
                        tr {
                            th { (lang.t(Msg::Owner)) }
                            td { @if let Some(c) = &customer { (c.details.name) " · " (c.details.phone) } }
                            th { (lang.t(Msg::Plate)) }
                            td { @if let Some(v) = &vehicle { strong { (v.details.plate) } } }
                        }
                        tr {
                            th { (lang.t(Msg::Vehicle)) }
                            td { @if let Some(v) = &vehicle { (v.details.title()) } }
                            th { (lang.t(Msg::Vin)) }
                            td { @if let Some(vin) = vehicle.as_ref().and_then(|v| v.details.vin.as_ref()) { (vin) } }
                        }
                        tr {
                            th { (lang.t(Msg::Mileage)) }
                            td { (order.reception.mileage.map(|m| lang.fmt(Msg::Km, &[&m])).unwrap_or("—".into())) }
                            th { (lang.t(Msg::Advisor)) }
                            td { (advisor) }
                        }
                    }
                    h2 { (lang.t(Msg::Complaint)) }
                    p.notes { (order.reception.complaint) }
                    @if !order.reception.items_left.is_empty() { p { (lang.t(Msg::ItemsLeft)) ": " (order.reception.items_left) } }
                    @for n in &order.diagnosis { p.notes { (lang.t(Msg::Diagnosis)) ": " (n.text) } }
                    h2 { (lang.t(Msg::Lines)) }
                    table.sheet-lines {
                        thead { tr { th { "#" } th { (lang.t(Msg::Description)) } th.num { (lang.t(Msg::Qty)) } th.num { (lang.t(Msg::UnitPrice)) } th.num { (lang.t(Msg::Amount)) } } }
                        tbody {
                            @for l in &order.lines {
                                tr.declined[l.decision == Decision::Declined] {
                                    td { (l.no) }
                                    td { (l.details.description) @if l.decision != Decision::Approved { " (" (lang.t(l.decision.label())) ")" } }
                                    td.num { (l.details.qty) @if l.is_labour() { " h" } }
                                    td.num { (money(l.details.unit_price)) }
                                    td.num { (money(l.total())) }
                                }
                            }
                        }
                    }
                    dl.totals {
                        dt { (lang.t(Msg::LabourTotal)) } dd { (money(t.labour)) }
                        dt { (lang.t(Msg::PartsTotal)) } dd { (money(t.parts)) }
                        dt { (lang.t(Msg::FeesTotal)) } dd { (money(t.fees)) }
                        dt.grand { (lang.t(Msg::Estimate)) } dd.grand { (money(t.estimate)) }
                    }
                    div.signatures {
                        div.sig {
                            @if let Some(sig) = signature { (signature_svg(sig)) }
                            div.sig-line { (lang.t(Msg::CustomerSignature)) }
                        }
                        div.sig { div.sig-line { (lang.t(Msg::AdvisorSignature)) } }
                    }
                }
            }
        }
    };
    Ok(html_response(page))
}
