//! The printed order (GET /orders/{id}/print) with its QR (GET /orders/{id}/qr.svg), and a
//! reprint with a new QR that retires the old sheet (POST /orders/{id}/reprint). The
//! customer's copy (`?copy=customer`) carries the customer's own QR instead of the floor's; a
//! new customer link retires the old one (POST /orders/{id}/customer-link).

use std::sync::Arc;

use maud::{Markup, PreEscaped, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::HeaderValue;
use warp::hyper::body::Bytes;
use warp::reply::{Reply, Response};

use super::approvals::signature_svg;
use super::{Change, Query, begin, body, ctx, desk, may_view, query};
use crate::domain::work_order::{Decision, LineKind};
use crate::domain::{Area, Customer, OrderId, User, Vehicle, WorkOrder};
use crate::i18n::Msg;
use crate::store::{customers, orders, users, vehicles};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::layout::csrf_field;
use crate::web::show::{LocalTime, Money};
use crate::web::{AppState, html_response};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let print = warp::path!("orders" / u64 / "print")
        .and(warp::get())
        .and(ctx(state))
        .and(query())
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, q: Query| print_page(&state, &ctx, OrderId(id), &q)));
    let qr = warp::path!("orders" / u64 / "qr.svg").and(warp::get()).and(ctx(state)).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx| qr_svg(&state, &ctx, OrderId(id))
    ));
    let reprint = warp::path!("orders" / u64 / "reprint").and(warp::post()).and(ctx(state)).and(body()).then(
        handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| reprint(&state, &ctx, OrderId(id), &body)),
    );
    let relink =
        warp::path!("orders" / u64 / "customer-link").and(warp::post()).and(ctx(state)).and(body()).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| new_customer_link(
                &state,
                &ctx,
                OrderId(id),
                &body
            )),
        );
    print.or(qr).unify().or(reprint).unify().or(relink).unify().boxed()
}

/// POST /orders/{id}/customer-link: a new customer link (the old QR and link then say to ask
/// the shop), back to the order page.
async fn new_customer_link(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let Change { user, .. } = begin(state, ctx, id, body, desk).await?;
    let actor = user.actor();
    state.store.write_touching(move |tx, t| orders::rotate_customer_link_tx(tx, t, &actor, id)).await?;
    Ok(redirect_to(&format!("/orders/{id}?notice=customer_link#customer-link"), ctx.htmx))
}

/// The URL the customer's phone opens from their QR, if the order has a link.
pub fn customer_url(base_url: &str, order: &WorkOrder) -> Option<String> {
    order.customer_link.map(|l| format!("{base_url}/c/{}", l.token_hex()))
}

/// `a4` or `receipt`.
fn layout_code(typed: &str) -> &'static str {
    if typed == "receipt" { "receipt" } else { "a4" }
}

/// Inline SVG markup that was produced by our own renderers (QR codes).
fn trusted_svg(svg: &str) -> Markup {
    PreEscaped(svg.to_string())
}

/// POST /orders/{id}/reprint: a new QR token (the old sheet's QR now says it was reprinted),
/// then the print page again.
async fn reprint(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let Change { user, form, .. } = begin(state, ctx, id, body, desk).await?;
    let actor = user.actor();
    state.store.write_touching(move |tx, t| orders::rotate_token_tx(tx, t, &actor, id)).await?;
    let to = format!("/orders/{id}/print?layout={}", layout_code(form.get("layout")));
    Ok(redirect_to(&to, ctx.htmx))
}

/// The URL a phone opens from the order's QR.
fn scan_url(state: &AppState, order: &WorkOrder) -> String {
    format!("{}/t/{:032x}", state.public_base_url(), order.token)
}

/// The QR code of `url` as SVG markup (no XML prolog), black modules on white, scalable.
///
/// Encoding a QR code costs more than the rest of an order page, and the order page shows the
/// customer's at every view: the markup of the last few addresses is kept (see [`QrCache`]).
pub fn qr_markup(url: &str) -> Result<String, AppError> {
    if let Some(svg) = QR_CACHE.get(url) {
        return Ok(svg);
    }
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(format!("qr: {e}")))?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(256, 256).quiet_zone(true).build();
    let svg = svg.get(svg.find("<svg").unwrap_or(0)..).unwrap_or_default().to_string();
    QR_CACHE.put(url, &svg);
    Ok(svg)
}

/// QR markup by address: the same address always gives the same code, so nothing here can be
/// stale; a rotated token is a new address. Bounded: it starts over beyond [`QrCache::MAX`].
struct QrCache(std::sync::Mutex<std::collections::HashMap<String, String>>);

static QR_CACHE: std::sync::LazyLock<QrCache> = std::sync::LazyLock::new(|| QrCache(Default::default()));

impl QrCache {
    /// About the cars in the shop on a busy day, a few kilobytes each.
    const MAX: usize = 256;

    fn get(&self, url: &str) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(url).cloned()
    }

    fn put(&self, url: &str, svg: &str) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(url.to_string(), svg.to_string());
    }
}

/// GET /orders/{id}/qr.svg: the order's QR alone.
async fn qr_svg(state: &AppState, ctx: &Ctx, id: OrderId) -> AppResult<Response> {
    may_view(ctx)?;
    let order = state.store.read(move |tx| orders::get(tx, id)).await?.ok_or(AppError::NotFound)?;
    let svg = qr_markup(&scan_url(state, &order))?;
    let mut response = svg.into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("image/svg+xml"));
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    Ok(response)
}

/// GET /orders/{id}/print?layout=a4|receipt: the sheet to print, with the QR a technician
/// scans.
async fn print_page(state: &AppState, ctx: &Ctx, id: OrderId, q: &Query) -> AppResult<Response> {
    may_view(ctx)?;
    let layout_kind = layout_code(q.get("layout").map(String::as_str).unwrap_or(""));
    let (order, vehicle, customer, users) = state
        .store
        .read(move |tx| {
            let Some(o) = orders::get(tx, id)? else { return Ok(None) };
            let v = vehicles::get(tx, o.vehicle_id)?;
            let c = customers::get(tx, o.customer_id)?;
            Ok(Some((o, v, c, users::list(tx)?)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    // The customer's copy carries their own QR; the floor's copy the technicians'.
    let customer_copy = q.get("copy").is_some_and(|c| c == "customer");
    let url = if customer_copy {
        customer_url(&state.public_base_url(), &order).unwrap_or_default()
    } else {
        scan_url(state, &order)
    };
    let qr = if url.is_empty() { String::new() } else { qr_markup(&url)? };
    let inspection = crate::web::inspections::print_section(state, ctx, &order).await?;
    let sheet = Sheet { order, vehicle, customer, users, url, qr, layout_kind, customer_copy, inspection };
    Ok(html_response(print_view(ctx, &sheet)))
}

/// What the printed order shows.
struct Sheet {
    order: WorkOrder,
    vehicle: Option<Vehicle>,
    customer: Option<Customer>,
    users: Vec<User>,
    /// Where the QR leads, printed under it too.
    url: String,
    /// The QR as SVG markup.
    qr: String,
    /// `a4` or `receipt`.
    layout_kind: &'static str,
    /// The customer's copy: their QR, and no floor wording.
    customer_copy: bool,
    /// The order's inspections (see [`crate::web::inspections::print_section`]).
    inspection: Markup,
}

/// The printed order as a page of its own (no navigation; a toolbar hidden when printing): a
/// repair order (委托书) with the shop's header from the parameters, the customer and the car
/// as taken in (mileage, fuel), the complaint, the labour, the parts and the fees apart, the
/// totals, the shop's terms and the signatures. No internal state is printed.
fn print_view(ctx: &Ctx, sheet: &Sheet) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let Sheet { order, vehicle, customer, users: all, url, qr, layout_kind, customer_copy, inspection } =
        sheet;
    let layout_kind = *layout_kind;
    let copy = if *customer_copy { "&copy=customer" } else { "" };
    let s = &ctx.settings;
    let advisor = super::name_of(all, order.reception.advisor);
    let technicians = technicians_of(order, all);
    let signature = order.approvals.iter().rev().find_map(|a| a.signature.as_ref());
    let title = lang.fmt(Msg::OrderTitle, &[&order.number]);
    let terms = s.print_terms_or_default(lang);
    let fact = |label: Msg, value: Markup| html! { div.fact { span.fact-label { (lang.t(label)) } span.fact-value { (value) } } };
    crate::web::layout::print_document(
        lang,
        &title,
        layout_kind,
        html! {
            nav.print-toolbar {
                a.button.secondary href={ "/orders/" (order.id) } { "← " (lang.t(Msg::Back)) }
                a.button.secondary[layout_kind != "a4"] href={ "/orders/" (order.id) "/print?layout=a4" (copy) } { (lang.t(Msg::PrintA4)) }
                a.button.secondary[layout_kind != "receipt"] href={ "/orders/" (order.id) "/print?layout=receipt" (copy) } { (lang.t(Msg::PrintReceipt)) }
                @if *customer_copy {
                    a.button.secondary href={ "/orders/" (order.id) "/print?layout=" (layout_kind) } { (lang.t(Msg::FloorCopy)) }
                } @else {
                    a.button.secondary id="customer-copy" href={ "/orders/" (order.id) "/print?layout=" (layout_kind) "&copy=customer" } { (lang.t(Msg::CustomerCopy)) }
                }
                button type="button" data-print { (lang.t(Msg::Print)) }
                @if !order.state.is_closed() && !*customer_copy && ctx.user.as_ref().is_some_and(|u| u.user.roles.may(Area::Orders)) {
                    form method="post" action={ "/orders/" (order.id) "/reprint" } {
                        (csrf_field(ctx))
                        input type="hidden" name="layout" value=(layout_kind);
                        button.secondary type="submit" title=(lang.t(Msg::ReprintHelp)) { (lang.t(Msg::Reprint)) }
                    }
                }
            }
            article.sheet {
                header.sheet-head {
                    div.shop data-shop {
                        div.shop-name { (s.shop_name) }
                        @if !s.shop_address.is_empty() { div.shop-address { (s.shop_address) } }
                        @if !s.shop_phone.is_empty() { div.shop-phone { (lang.t(Msg::Phone)) " " (s.shop_phone) } }
                    }
                    @if !qr.is_empty() {
                        div.qr data-qr=(if *customer_copy { "customer" } else { "floor" }) {
                            (trusted_svg(qr))
                            div.qr-caption { (lang.t(if *customer_copy { Msg::ScanToFollow } else { Msg::ScanToUpdate })) }
                            div.qr-url { (url) }
                        }
                    }
                }
                h1.sheet-title { (lang.t(Msg::PrintRepairOrder)) @if *customer_copy { " · " (lang.t(Msg::CustomerCopy)) } }
                div.sheet-meta {
                    (fact(Msg::PrintOrderNo, html! { strong data-number=(order.number) { (order.number) } }))
                    (fact(Msg::PrintTakenIn, html! { (LocalTime::new(order.created_at, tz)) }))
                    (fact(Msg::PromisedAt, html! { (order.reception.promised_at.map(|p| LocalTime::new(p, tz).to_string()).unwrap_or("—".into())) }))
                }
                section.sheet-block.facts-block {
                    h2 { (lang.t(Msg::PrintCustomerAndCar)) }
                    div.facts-grid {
                        (fact(Msg::Owner, html! { @if let Some(c) = &customer { (c.details.name) } }))
                        (fact(Msg::Phone, html! { @if let Some(c) = &customer { (c.details.phone) } }))
                        (fact(Msg::Plate, html! { @if let Some(v) = &vehicle { strong { (v.details.plate) } } }))
                        (fact(Msg::Vehicle, html! { @if let Some(v) = &vehicle { (v.details.title()) } }))
                        (fact(Msg::Vin, html! { @if let Some(vin) = vehicle.as_ref().and_then(|v| v.details.vin.as_ref()) { (vin) } @else { "—" } }))
                        (fact(Msg::PrintMileageIn, html! { (order.reception.mileage.map(|m| lang.fmt(Msg::Km, &[&crate::web::show::Grouped(m)])).unwrap_or("—".into())) }))
                        (fact(Msg::PrintFuelIn, html! { (order.reception.fuel.map(|f| lang.t(super::fuel_label(f))).unwrap_or("—")) }))
                        (fact(Msg::Advisor, html! { @if advisor.is_empty() { "—" } @else { (advisor) } }))
                        (fact(Msg::Technician, html! { @if technicians.is_empty() { "—" } @else { (technicians.join(if lang == crate::i18n::Lang::En { ", " } else { "、" })) } }))
                    }
                }
                section.sheet-block {
                    h2 { (lang.t(Msg::Complaint)) }
                    p.notes { (order.reception.complaint) }
                    @if !order.reception.items_left.is_empty() { p { (lang.t(Msg::ItemsLeft)) ": " (order.reception.items_left) } }
                    @if !order.diagnosis.is_empty() {
                        h2 { (lang.t(Msg::Diagnosis)) }
                        @for n in &order.diagnosis { p.notes { (n.text) } }
                    }
                }
                (sheet_lines(ctx, order, all))
                (inspection)
                (crate::web::walkaround::print_section(ctx, order))
                section.sheet-terms data-terms {
                    h2 { (lang.t(Msg::PrintTerms)) }
                    @for para in terms.lines().filter(|l| !l.trim().is_empty()) { p { (para) } }
                }
                div.signatures {
                    div.sig {
                        div.sig-space { @if let Some(sig) = signature { (signature_svg(sig)) } }
                        div.sig-line { (lang.t(Msg::CustomerSignature)) }
                        div.sig-date { (lang.t(Msg::PrintDate)) }
                    }
                    div.sig {
                        div.sig-space {}
                        div.sig-line { (lang.t(Msg::AdvisorSignature)) }
                        div.sig-date { (lang.t(Msg::PrintDate)) }
                    }
                    div.sig {
                        div.sig-space {}
                        div.sig-line { (lang.t(Msg::PrintPickupSignature)) }
                        div.sig-date { (lang.t(Msg::PrintDate)) }
                    }
                }
            }
        },
    )
}

/// The technicians of the order's labour lines, by display name, each once.
fn technicians_of(order: &WorkOrder, all: &[User]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in order.lines.iter().filter(|l| l.is_labour() && l.decision != Decision::Declined) {
        let name = super::name_of(all, l.details.technician);
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The sheet's lines as a repair order reads them: labour (hours, rate, technician), parts
/// (quantity, price) and other fees, each its own table, each line with the customer's answer
/// unless approved; then the totals.
fn sheet_lines(ctx: &Ctx, order: &WorkOrder, all: &[User]) -> Markup {
    let lang = ctx.lang;
    let t = order.totals();
    let hours = |q: &rust_decimal::Decimal| lang.fmt(Msg::HoursQty, &[&q.normalize()]);
    let answer = |l: &crate::domain::work_order::Line| {
        html! { @if l.decision != Decision::Approved { " (" (lang.t(l.decision.label())) ")" } }
    };
    let of = |kind: LineKind| order.lines.iter().filter(move |l| l.details.kind == kind);
    html! {
        @if order.lines.is_empty() { p.muted { (lang.t(Msg::NoLines)) } }
        @if of(LineKind::Labor).next().is_some() {
            section.sheet-block data-group="labor" {
                h2 { (lang.t(Msg::PrintLabour)) }
                table.sheet-lines {
                    thead { tr { th.no { "#" } th { (lang.t(Msg::Description)) } th.num { (lang.t(Msg::PrintHours)) } th.num { (lang.t(Msg::PrintRate)) } th.num { (lang.t(Msg::Amount)) } th.tech { (lang.t(Msg::Technician)) } } }
                    tbody {
                        @for l in of(LineKind::Labor) {
                            tr.declined[l.decision == Decision::Declined] data-line=(l.no) {
                                td.no { (l.no) }
                                td { (l.details.description) (answer(l)) }
                                td.num { (hours(&l.details.qty)) }
                                td.num { (Money(l.details.unit_price)) }
                                td.num { (Money(l.total())) }
                                td.tech { (super::name_of(all, l.details.technician)) }
                            }
                        }
                    }
                }
            }
        }
        @for (kind, heading) in [(LineKind::Part, Msg::PrintParts), (LineKind::Fee, Msg::PrintFees)] {
            @if of(kind).next().is_some() {
                section.sheet-block data-group=(kind.code()) {
                    h2 { (lang.t(heading)) }
                    table.sheet-lines {
                        thead { tr { th.no { "#" } th { (lang.t(Msg::Description)) } th.num { (lang.t(Msg::Qty)) } th.num { (lang.t(Msg::UnitPrice)) } th.num { (lang.t(Msg::Amount)) } } }
                        tbody {
                            @for l in of(kind) {
                                tr.declined[l.decision == Decision::Declined] data-line=(l.no) {
                                    td.no { (l.no) }
                                    td { (l.details.description) (answer(l)) }
                                    td.num { (l.details.qty.normalize()) }
                                    td.num { (Money(l.details.unit_price)) }
                                    td.num { (Money(l.total())) }
                                }
                            }
                        }
                    }
                }
            }
        }
        dl.totals {
            dt { (lang.t(Msg::LabourTotal)) } dd data-total="labour" { (Money(t.labour)) }
            dt { (lang.t(Msg::PartsTotal)) } dd data-total="parts" { (Money(t.parts)) }
            dt { (lang.t(Msg::FeesTotal)) } dd data-total="fees" { (Money(t.fees)) }
            dt.grand { (lang.t(Msg::Estimate)) } dd.grand data-total="estimate" { (Money(t.estimate)) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_qr_is_the_one_encoding_gives() {
        let url = "http://192.168.1.20:8080/c/0123456789abcdef0123456789abcdef";
        let first = qr_markup(url).unwrap();
        assert!(first.starts_with("<svg"));
        assert_eq!(qr_markup(url).unwrap(), first, "the cached markup");
        let other = qr_markup("http://192.168.1.20:8080/c/fedcba9876543210fedcba9876543210").unwrap();
        assert_ne!(other, first, "another address, another code");
    }
}
