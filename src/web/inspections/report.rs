//! The inspection report (A4, from the browser), and the inspection's sections elsewhere: the
//! printed order, the customer's own page (shared inspections only, with their photos), and
//! the vehicle's page (its inspections and each measurement's trend over visits).

use std::sync::Arc;

use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::domain::inspection::{Inspection, InspectionItem, Rating, Trend, trends};
use crate::domain::{Customer, OrderId, Vehicle, VehicleId, WorkOrder};
use crate::i18n::{Lang, Msg};
use crate::store::{customers, inspections, orders, vehicles};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::show::{LocalTime, Money};
use crate::web::{AppState, html_response};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = crate::web::ctx::ctx(state.clone());
    let print = warp::path!("inspections" / u64 / "print").and(warp::get()).and(ctx).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx| print_page(&state, &ctx, id)
    ));
    print.boxed()
}

/// What the report shows.
struct Report {
    inspection: Inspection,
    order: WorkOrder,
    vehicle: Option<Vehicle>,
    customer: Option<Customer>,
}

/// GET /inspections/{id}/print: the report on A4.
async fn print_page(state: &AppState, ctx: &Ctx, id: u64) -> AppResult<Response> {
    super::may_see(ctx)?;
    let report = state
        .store
        .read(move |tx| {
            let Some(inspection) = inspections::get(tx, id)? else { return Ok(None) };
            let Some(order) = orders::get(tx, inspection.order_id)? else { return Ok(None) };
            let vehicle = vehicles::get(tx, order.vehicle_id)?;
            let customer = customers::get(tx, order.customer_id)?;
            Ok(Some(Report { inspection, order, vehicle, customer }))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(html_response(print_view(ctx, &report)))
}

fn print_view(ctx: &Ctx, r: &Report) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let s = &ctx.settings;
    let i = &r.inspection;
    let o = &r.order;
    let title = format!("{} · {}", i.name, o.number);
    crate::web::layout::print_document(
        lang,
        &title,
        "a4",
        html! {
            nav.print-toolbar {
                a.button.secondary href={ "/orders/" (o.id) "/inspection" } { "← " (lang.t(Msg::Back)) }
                button type="button" data-print { (lang.t(Msg::Print)) }
            }
            article.sheet.inspection-report {
                header.sheet-head {
                    div.shop {
                        div.shop-name { (s.shop_name) }
                        @if !s.shop_address.is_empty() { div { (s.shop_address) } }
                        @if !s.shop_phone.is_empty() { div { (s.shop_phone) } }
                    }
                }
                h1 { (lang.t(Msg::InspReport)) " · " (i.name) }
                div.sheet-meta {
                    span { (lang.fmt(Msg::OrderTitle, &[&o.number])) }
                    span { (LocalTime::new(i.created_at, tz)) }
                    @if let Some(m) = i.mileage { span { (lang.fmt(Msg::Km, &[&crate::web::show::Grouped(m)])) } }
                }
                table.facts {
                    tr {
                        th { (lang.t(Msg::Owner)) }
                        td { @if let Some(c) = &r.customer { (c.details.name) } }
                        th { (lang.t(Msg::Plate)) }
                        td { @if let Some(v) = &r.vehicle { strong { (v.details.plate) } } }
                    }
                    tr {
                        th { (lang.t(Msg::Vehicle)) }
                        td { @if let Some(v) = &r.vehicle { (v.details.title()) } }
                        th { (lang.t(Msg::Vin)) }
                        td { @if let Some(vin) = r.vehicle.as_ref().and_then(|v| v.details.vin.as_ref()) { (vin) } }
                    }
                }
                (findings_by_colour(lang, i, o, |p| format!("/inspections/{}/photos/{p}", i.id)))
            }
        },
    )
}

/// The findings grouped red, yellow, green; each with its photos (addresses from `photo_url`)
/// and, where one was made, the recommended line and the customer's answer.
fn findings_by_colour(
    lang: Lang,
    i: &Inspection,
    o: &WorkOrder,
    photo_url: impl Fn(u64) -> String,
) -> Markup {
    html! {
        @for r in Rating::WORST_FIRST {
            @let found: Vec<&InspectionItem> = i.items.iter().filter(|it| it.rating == Some(r)).collect();
            @if !found.is_empty() {
                h2 class={ "rating-head " (r.code()) } data-group=(r.code()) { (lang.t(r.label())) " · " (found.len()) }
                ul.findings {
                    @for it in found {
                        li class={ "finding " (r.code()) } {
                            div.finding-head {
                                span class={ "dot " (r.code()) } {}
                                span.muted { (it.item.area) " · " } strong { (it.item.label) }
                                @let reading = it.reading(lang);
                                @if !reading.is_empty() { " " span.reading { (reading) } }
                            }
                            @if !it.note.is_empty() { p.notes { (it.note) } }
                            @if !it.photos.is_empty() {
                                div.thumbs {
                                    @for p in &it.photos {
                                        img src={ (photo_url(*p)) "?thumb=1" } alt=(lang.t(Msg::Photo)) width="160" height="120";
                                    }
                                }
                            }
                            @if let Some(l) = it.line_no.and_then(|no| o.line(no)) {
                                p.recommended { (lang.t(Msg::InspRecommendedLine)) ": " (l.details.description) " " (Money(l.total())) " · " (lang.t(l.decision.label())) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The printed order's inspection section: each inspection's colours and its red and yellow
/// findings (the report has the rest). Empty when the order has none.
pub async fn print_section(state: &AppState, ctx: &Ctx, order: &WorkOrder) -> AppResult<Markup> {
    let id = order.id;
    let all = state.store.read(move |tx| inspections::for_order(tx, id)).await?;
    let lang = ctx.lang;
    Ok(html! {
        @for i in &all {
            @let (red, yellow, green) = i.counts();
            section.sheet-inspection {
                h2 { (lang.t(Msg::InspTitle)) " · " (i.name) }
                p {
                    span.dot.red {} " " (lang.t(Msg::RatingRed)) " " (red) " · "
                    span.dot.yellow {} " " (lang.t(Msg::RatingYellow)) " " (yellow) " · "
                    span.dot.green {} " " (lang.t(Msg::RatingGreen)) " " (green)
                }
                ul.findings.compact {
                    @for it in i.items.iter().filter(|it| matches!(it.rating, Some(Rating::Red | Rating::Yellow))) {
                        li {
                            @if let Some(r) = it.rating { span class={ "dot " (r.code()) } {} " " }
                            (it.item.area) " · " strong { (it.item.label) }
                            @let reading = it.reading(lang);
                            @if !reading.is_empty() { " " (reading) }
                            @if !it.note.is_empty() { " — " (it.note) }
                        }
                    }
                }
            }
        }
    })
}

/// The customer's page's report: the inspections the advisor shared, findings by colour with
/// their photos (served under the customer's own link).
pub fn customer_section(lang: Lang, shared: &[Inspection], order: &WorkOrder, token: &str) -> Markup {
    html! {
        @for i in shared {
            section.panel.customer-inspection id="customer-inspection" data-inspection=(i.id) {
                h2 { (lang.t(Msg::InspReport)) " · " (i.name) }
                (findings_by_colour(lang, i, order, |p| format!("/c/{token}/photos/{p}")))
            }
        }
    }
}

/// The inspections of an order the advisor shared with the customer.
pub async fn shared_with_customer(state: &AppState, order: OrderId) -> AppResult<Vec<Inspection>> {
    let all = state.store.read(move |tx| inspections::for_order(tx, order)).await?;
    Ok(all.into_iter().filter(|i| i.shared).collect())
}

/// Whether a photo belongs to an inspection of the order the advisor shared with the customer.
pub async fn customer_photo(state: &AppState, order: OrderId, photo: u64) -> AppResult<bool> {
    let shared = shared_with_customer(state, order).await?;
    Ok(shared.iter().any(|i| inspections::has_photo(i, photo)))
}

/// The vehicle page's section: its inspections (newest first) with their colours, its
/// deferred work, and each measurement's trend over visits.
pub async fn vehicle_section(state: &AppState, ctx: &Ctx, vehicle: VehicleId) -> AppResult<Markup> {
    let (all, deferred) = state
        .store
        .read(move |tx| {
            Ok((inspections::for_vehicle(tx, vehicle)?, inspections::deferred_for_vehicle(tx, vehicle)?))
        })
        .await?;
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let trends = trends(&all);
    Ok(html! {
        section.panel id="vehicle-inspections" {
            h2 { (lang.t(Msg::InspHistory)) }
            @if all.is_empty() {
                p.muted { (lang.t(Msg::InspNone)) }
            } @else {
                ul.timeline {
                    @for i in &all {
                        @let (red, yellow, green) = i.counts();
                        li data-inspection=(i.id) {
                            a href={ "/inspections/" (i.id) "/print" } { (i.name) }
                            " " span.dot.red { (red) } span.dot.yellow { (yellow) } span.dot.green { (green) }
                            div.muted {
                                (i.created_at.with_timezone(&tz).format("%Y-%m-%d"))
                                @if let Some(m) = i.mileage { " · " (lang.fmt(Msg::Km, &[&crate::web::show::Grouped(m)])) }
                            }
                        }
                    }
                }
            }
            @if !deferred.is_empty() {
                h3 { (lang.t(Msg::InspDeferredTitle)) }
                ul.findings {
                    @for d in &deferred {
                        li class={ "finding " (d.item.rating.map(|r| r.code()).unwrap_or("")) } data-deferred={ (d.inspection_id) "-" (d.index) } {
                            (finding_label(lang, &d.item))
                            div.muted {
                                a href={ "/orders/" (d.order_id) } { (d.order_number) } " · " (d.at.with_timezone(&tz).format("%Y-%m-%d"))
                                @if let Some((desc, total)) = &d.line { " · " (desc) " " (Money(*total)) }
                            }
                        }
                    }
                }
            }
            @if trends.iter().any(|(_, t)| t.len() > 1) {
                h3 { (lang.t(Msg::InspTrends)) }
                div.trends {
                    @for (item, trend) in trends.iter().filter(|(_, t)| t.len() > 1) {
                        div.trend data-trend=(item.label) {
                            div { span.muted { (item.area) " · " } strong { (item.label) } }
                            (sparkline(trend))
                            div.small.muted {
                                @for (n, (at, _, v)) in trend.iter().enumerate() {
                                    @if n > 0 { " → " }
                                    span title=(at.with_timezone(&tz).format("%Y-%m-%d")) { (v.normalize()) }
                                }
                                " " (item.unit)
                            }
                        }
                    }
                }
            }
        }
    })
}

fn finding_label(lang: Lang, it: &InspectionItem) -> Markup {
    html! {
        div.finding-head {
            @if let Some(r) = it.rating { span class={ "dot " (r.code()) } {} }
            strong { (it.item.label) }
            @let reading = it.reading(lang);
            @if !reading.is_empty() { " " span.reading { (reading) } }
        }
    }
}

/// A measurement's readings as a small line chart (SVG drawn here; numbers only).
fn sparkline(trend: &Trend) -> Markup {
    use rust_decimal::prelude::ToPrimitive;
    let (w, h, pad) = (240.0_f64, 56.0_f64, 6.0_f64);
    let values: Vec<f64> = trend.iter().map(|(_, _, v)| v.to_f64().unwrap_or(0.0)).collect();
    let max = values.iter().cloned().fold(f64::MIN, f64::max);
    let min = values.iter().cloned().fold(f64::MAX, f64::min).min(0.0);
    let span = if max > min { max - min } else { 1.0 };
    let step = if values.len() > 1 { (w - 2.0 * pad) / (values.len() - 1) as f64 } else { 0.0 };
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (pad + step * i as f64, h - pad - (v - min) / span * (h - 2.0 * pad)))
        .collect();
    let path: String = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
    html! {
        svg.sparkline viewBox={ "0 0 " (w) " " (h) } width=(w) height=(h) role="img" {
            polyline points=(path) fill="none" stroke="currentColor" stroke-width="2" {}
            @for (x, y) in &points { circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="3" fill="currentColor" {} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use rust_decimal::Decimal;

    #[test]
    fn a_sparkline_has_a_point_per_reading() {
        let now = Utc::now();
        let trend: Trend = vec![
            (now, None, Decimal::from(9)),
            (now, None, Decimal::from(6)),
            (now, None, Decimal::new(35, 1)),
        ];
        let svg = sparkline(&trend).into_string();
        assert_eq!(svg.matches("<circle").count(), 3, "{svg}");
        assert!(svg.contains("polyline"), "{svg}");
    }
}
