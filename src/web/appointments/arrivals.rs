//! Appointments shown elsewhere: today's arrivals on the kiosk's reception home (one tap turns
//! one into a work order), and the short list on a vehicle's or a customer's page with a
//! button to book.

use chrono::{Duration, Utc};
use maud::{Markup, html};

use super::{Shown, shown, span};
use crate::domain::appointment::{Appointment, AppointmentStatus};
use crate::domain::settings::day_start;
use crate::domain::{Area, CustomerId, VehicleId};
use crate::i18n::Msg;
use crate::store::appointments;
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;
use crate::web::layout::csrf_field;

/// How many appointments a vehicle's or customer's page lists.
const OWNER_LIST: usize = 5;

/// Today's appointments that are coming or came (not cancelled), by time.
pub async fn todays(state: &AppState, ctx: &Ctx) -> AppResult<Vec<Shown>> {
    let tz = ctx.settings.tz();
    let today = ctx.today();
    let (from, to) = (day_start(today, tz), day_start(today + Duration::days(1), tz));
    let list = state
        .store
        .read(move |tx| {
            let list = appointments::starting_between(tx, from, to)?;
            shown(tx, list.into_iter().filter(|a| a.status != AppointmentStatus::Cancelled).collect())
        })
        .await?;
    Ok(list)
}

/// How many arrivals the kiosk lists above the plate lookup (the rest are in the calendar).
const KIOSK_LIST: usize = 3;

/// The kiosk's list of today's arrivals, those still to come first: each with a big button
/// that opens its work order (or the order it already became).
pub fn arrivals_panel(ctx: &Ctx, list: &[Shown]) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let now = Utc::now();
    let mut order: Vec<&Shown> = list.iter().collect();
    // Still to come (booked, arrived) by time, then the ones done with (an order, a no-show).
    order.sort_by_key(|s| (!s.appt.status.is_open(), s.appt.booking.start));
    let more = order.len().saturating_sub(KIOSK_LIST);
    html! {
        section.panel.arrivals data-arrivals {
            div.arrivals-head {
                h2 { (lang.t(Msg::ApptArrivals)) " " span.badge { (list.len()) } }
                a.button.secondary href="/appointments" {
                    (lang.t(Msg::ApptCalendar))
                    @if more > 0 { " (" (lang.fmt(Msg::ApptMore, &[&more])) ")" }
                }
            }
            @if list.is_empty() { p.muted { (lang.t(Msg::ApptNoArrivals)) } }
            ul.arrival-list {
                @for s in order.iter().take(KIOSK_LIST) {
                    @let a = &s.appt;
                    @let late = a.status == AppointmentStatus::Booked && a.booking.start < now;
                    li.arrival data-appointment=(a.id) data-status=(a.status.code()) {
                        div.arrival-time { strong { (span(a, tz)) } }
                        div.arrival-who {
                            span.plate { (s.plate()) } " " (s.customer_name()) " "
                            span class={ "badge appt-badge-" (a.status.code()) } { (lang.t(a.status.label())) }
                            @if late { " " span.badge.warn { (lang.t(Msg::ApptLate)) } }
                            div.muted { (a.booking.work) }
                        }
                        div.arrival-act {
                            @if let Some(o) = a.order_id {
                                a.button.secondary href={ "/orders/" (o) } data-order=(o) { (lang.t(Msg::ViewOrder)) }
                            } @else {
                                form method="post" action={ "/appointments/" (a.id) "/order" } {
                                    (csrf_field(ctx))
                                    button type="submit" data-action="order" { (lang.t(Msg::ApptToOrder)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A vehicle's or customer's appointments, newest first, with a button to book.
pub async fn owner_panel(
    state: &AppState,
    ctx: &Ctx,
    vehicle: Option<VehicleId>,
    customer: Option<CustomerId>,
) -> AppResult<Markup> {
    let list: Vec<Appointment> = state
        .store
        .read(move |tx| match (vehicle, customer) {
            (Some(v), _) => appointments::for_vehicle(tx, v, OWNER_LIST),
            (None, Some(c)) => appointments::for_customer(tx, c, OWNER_LIST),
            (None, None) => Ok(vec![]),
        })
        .await?;
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let may_book = ctx.user.as_ref().is_some_and(|u| u.user.roles.may(Area::Reception));
    let href = match (vehicle, customer) {
        (Some(v), _) => format!("/appointments/new?vehicle_id={v}"),
        (None, Some(c)) => format!("/appointments/new?customer_id={c}"),
        _ => "/appointments/new".into(),
    };
    Ok(html! {
        section.panel.appt-panel data-appointments {
            div.page-head {
                h2 { (lang.t(Msg::ApptTitle)) }
                @if may_book { a.button.secondary href=(href) data-book { "+ " (lang.t(Msg::ApptNew)) } }
            }
            @if list.is_empty() { p.muted { (lang.t(Msg::ApptNone)) } }
            ul.appt-owner-list {
                @for a in &list {
                    li data-appointment=(a.id) {
                        a href={ "/appointments/" (a.id) } { (a.booking.start.with_timezone(&tz).format("%Y-%m-%d")) " " (span(a, tz)) }
                        " " (a.booking.work) " "
                        span class={ "badge appt-badge-" (a.status.code()) } { (lang.t(a.status.label())) }
                    }
                }
            }
        }
    })
}
