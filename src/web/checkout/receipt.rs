//! The receipt (GET /orders/{id}/receipt, `?layout=receipt` for an 80 mm till printer): the
//! shop's header, the customer and the car, the charged lines, discounts, tax, payments (with
//! their references), change and balance, refunds, the next service due, and the QR of the
//! customer's own page (which keeps the receipt on their phone). Every showing counts as a
//! print; from the second on it says it is a reprint.

use std::sync::Arc;

use maud::html;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::order::{settlement_table, totals};
use super::{Query, ctx, query};
use crate::domain::checkout::is_voided;
use crate::domain::{Area, OrderId};
use crate::i18n::Msg;
use crate::store::checkout as store;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::show::{LocalTime, Money};
use crate::web::{AppState, html_response};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    warp::path!("orders" / u64 / "receipt")
        .and(warp::get())
        .and(ctx(state))
        .and(query())
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, q: Query| receipt(&state, &ctx, OrderId(id), &q)))
        .boxed()
}

async fn receipt(state: &AppState, ctx: &Ctx, id: OrderId, q: &Query) -> AppResult<Response> {
    let user = ctx.user()?;
    if !(user.user.roles.may(Area::Checkout) || user.user.roles.may(Area::Orders)) {
        return Err(AppError::Forbidden);
    }
    let settings = state.settings();
    let (oc, vehicle, customer, cashier) = state
        .store
        .read(move |tx| {
            let Some(oc) = store::order_checkout(tx, id, &settings)? else { return Ok(None) };
            let vehicle = crate::store::vehicles::get(tx, oc.order.vehicle_id)?;
            let customer = crate::store::customers::get(tx, oc.order.customer_id)?;
            // The cashier by the name staff know them by, not their sign-in name.
            let cashier = match oc.payments.last().and_then(|p| p.by) {
                Some(by) => crate::store::users::get(tx, by)?.map(|u| u.display_name),
                None => None,
            };
            Ok(Some((oc, vehicle, customer, cashier)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let prints = state.store.write(move |tx| store::print_tx(tx, id)).await?;
    let customer_url = crate::web::orders::print::customer_url(&state.public_base_url(), &oc.order);
    let qr = match &customer_url {
        Some(url) => Some(crate::web::orders::print::qr_markup(url)?),
        None => None,
    };
    let kind = if q.get("layout").is_some_and(|l| l == "receipt") { "receipt" } else { "a4" };
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let s = &ctx.settings;
    let o = &oc.order;
    let page = crate::web::layout::print_document(
        lang,
        &format!("{} {}", lang.t(Msg::SalesReceipt), o.number),
        kind,
        html! {
            nav.print-toolbar {
                a.button.secondary href={ "/orders/" (o.id) "/checkout" } { "← " (lang.t(Msg::Back)) }
                button type="button" data-print { (lang.t(Msg::Print)) }
            }
            article.sheet data-prints=(prints) data-reprint[prints > 1] {
                header.sheet-head {
                    div.shop {
                        div.shop-name { (s.shop_name) }
                        @if !s.shop_address.is_empty() { div { (s.shop_address) } }
                        @if !s.shop_phone.is_empty() { div { (s.shop_phone) } }
                    }
                    @if let (Some(qr), Some(url)) = (&qr, &customer_url) {
                        div.qr data-qr="customer" {
                            (maud::PreEscaped(qr))
                            div.qr-caption { (lang.t(Msg::ScanToFollow)) }
                            div.qr-url { (url) }
                        }
                    }
                }
                h1 { (lang.t(Msg::SalesReceipt)) " " (o.number) }
                @if prints > 1 { p.reprint { strong { (lang.fmt(Msg::ReprintMark, &[&prints])) } } }
                p.sheet-meta {
                    @if let Some(c) = &customer { span data-receipt-customer { (lang.t(Msg::Customer)) " " (c.details.name) } }
                    @if let Some(v) = &vehicle { span { (lang.t(Msg::Plate)) " " strong { (v.details.plate) } } }
                    @if let Some(km) = o.reception.mileage { span { (lang.t(Msg::Mileage)) " " (lang.fmt(Msg::Km, &[&crate::web::show::Grouped(km)])) } }
                    @if let Some(last) = oc.payments.last() { span { (LocalTime::new(last.at, tz)) " · " (cashier.as_deref().unwrap_or(&last.by_name)) } }
                }
                (settlement_table(lang, &oc.bill.settlement))
                (totals(lang, &oc))
                @for r in &oc.checkout.refunds {
                    p.muted data-refund=(r.line) {
                        "#" (r.line) " " (r.description) " · " (lang.fmt(Msg::RefundedMark, &[&r.qty.normalize(), &Money(r.unit_price)]))
                    }
                }
                h2 { (lang.t(Msg::Payments)) }
                table.rows {
                    tbody {
                        @for p in oc.payments.iter().filter(|p| p.voids.is_none() && !is_voided(p, &oc.payments)) {
                            tr data-receipt-payment=(p.method.code()) {
                                td { (lang.t(p.method.label())) @if !p.reference.is_empty() { " " span.muted { (p.reference) } } }
                                td.num { (Money(p.amount)) }
                                td { (LocalTime::new(p.at, tz)) }
                            }
                        }
                    }
                }
                @if let Some(v) = vehicle.as_ref().filter(|v| v.details.next_service_date.is_some() || v.details.next_service_km.is_some()) {
                    p.sheet-meta data-next-service {
                        strong { (lang.t(Msg::NextService)) }
                        @if let Some(d) = v.details.next_service_date { span { (d) } }
                        @if let Some(km) = v.details.next_service_km { span { (lang.fmt(Msg::Km, &[&crate::web::show::Grouped(km)])) } }
                    }
                }
            }
        },
    );
    Ok(html_response(page))
}
