//! Booking: the form (for a known car, one of a customer's cars, or a caller new to the shop
//! with name, phone and plate), booking it, one appointment's page, and editing or moving it.
//!
//! A clash with another booking of the same bay or technician comes back beside that field
//! with the other booking, and a box to confirm the overbooking; a time outside the opening
//! hours is refused beside the time. What was typed is kept.

use chrono::Utc;
use maud::{Markup, html};
use warp::http::StatusCode;
use warp::reply::Response;

use super::{Query, Shown, span, technicians, template_choices};
use crate::domain::appointment::{Appointment, AppointmentId, Booking, BookingInput, BookingRules};
use crate::domain::care::DueKind;
use crate::domain::customer::CustomerInput;
use crate::domain::template::ServiceTemplate;
use crate::domain::vehicle::VehicleInput;
use crate::domain::{
    Area, Customer, CustomerDetails, CustomerId, FieldErrors, User, Vehicle, VehicleDetails, VehicleId,
};
use crate::i18n::Msg;
use crate::store::appointments::{self, CareEntry, Who};
use crate::store::{StoreError, customers, templates, users, vehicles};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::form::Form;
use crate::web::html_response;
use crate::web::layout::{self, Field, csrf_field, notice, select, textarea};

/// Who the form books for, and what it offers.
pub(super) struct Desk {
    vehicle: Option<Vehicle>,
    owner: Option<Customer>,
    /// Booking from a customer's page: their cars to choose from.
    cars: Vec<Vehicle>,
    users: Vec<User>,
    templates: Vec<ServiceTemplate>,
}

async fn load(state: &AppState, vehicle: Option<VehicleId>, customer: Option<CustomerId>) -> AppResult<Desk> {
    state
        .store
        .read(move |tx| {
            let vehicle = match vehicle {
                Some(id) => Some(vehicles::get(tx, id)?.ok_or(StoreError::NotFound)?),
                None => None,
            };
            let owner_id = vehicle.as_ref().map(|v| v.customer_id).or(customer);
            let owner = match owner_id {
                Some(id) => Some(customers::get(tx, id)?.ok_or(StoreError::NotFound)?),
                None => None,
            };
            let mut cars = Vec::new();
            if vehicle.is_none()
                && let Some(c) = &owner
            {
                for id in customers::vehicle_ids(tx, c.id)? {
                    if let Some(v) = vehicles::get(tx, id)? {
                        cars.push(v);
                    }
                }
            }
            Ok(Desk { vehicle, owner, cars, users: users::list(tx)?, templates: templates::list(tx)? })
        })
        .await
        .map_err(AppError::from)
}

pub(super) fn booking_input(form: &Form) -> BookingInput {
    BookingInput {
        start: form.owned("start"),
        minutes: form.owned("minutes"),
        work: form.owned("work"),
        template_id: form.owned("template_id"),
        bay: form.owned("bay"),
        technician_id: form.owned("technician_id"),
        notes: form.owned("notes"),
    }
}

fn id_of(raw: &str) -> AppResult<Option<u64>> {
    match raw.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(|_| AppError::BadRequest),
    }
}

/// The due-list entry a booking answers (`care` = the list, `subject` = its vehicle or customer).
fn care_of(get: impl Fn(&str) -> String) -> Option<(DueKind, u64)> {
    let kind = DueKind::parse(&get("care"))?;
    Some((kind, get("subject").trim().parse().ok()?))
}

/// The new caller's fields as typed.
#[derive(Clone, Default)]
struct Caller {
    name: String,
    phone: String,
    plate: String,
}

/// `GET /appointments/new?vehicle_id=…|customer_id=…[&care=…&subject=…][&start=…&bay=…]`.
pub(super) async fn new_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Reception)?;
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let vehicle = id_of(&get("vehicle_id"))?.map(VehicleId);
    let customer = id_of(&get("customer_id"))?.map(CustomerId);
    let desk = load(state, vehicle, customer).await?;
    let input = BookingInput {
        start: get("start"),
        minutes: "60".into(),
        bay: get("bay"),
        technician_id: get("technician_id"),
        ..Default::default()
    };
    let care = care_of(get);
    Ok(form_page(ctx, &desk, &input, &Caller::default(), care, &FieldErrors::new(), false))
}

fn rules<'a>(
    ctx: &'a Ctx,
    techs: &'a [crate::domain::UserId],
    templates: &'a [(u64, String, u32)],
) -> BookingRules<'a> {
    let (opening, closing) = ctx.settings.opening_hours();
    BookingRules {
        tz: ctx.settings.tz(),
        opening,
        closing,
        bays: &ctx.settings.bays,
        technicians: techs,
        templates,
    }
}

/// `POST /appointments`: books it, or shows the form again with its problems.
pub(super) async fn book(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Reception)?;
    let form = ctx.form(body)?;
    let vehicle = id_of(form.get("vehicle_id"))?.map(VehicleId);
    let customer = id_of(form.get("customer_id"))?.map(CustomerId);
    let desk = load(state, vehicle, if vehicle.is_some() { None } else { customer }).await?;
    let input = booking_input(&form);
    let caller = Caller { name: form.owned("name"), phone: form.owned("phone"), plate: form.owned("plate") };
    let care = care_of(|k| form.owned(k));
    let overbook = form.get("overbook") == "1";
    let techs: Vec<_> = technicians(&desk.users).iter().map(|u| u.id).collect();
    let choices = template_choices(&desk.templates);
    let checked = Booking::check(&input, &rules(ctx, &techs, &choices)).and_then(|b| not_past(b, None));
    let today = ctx.today();
    let who = match &desk.vehicle {
        Some(v) => Ok(Who::Vehicle(v.id)),
        None if desk.owner.is_some() => Err(FieldErrors::one("vehicle_id", Msg::Required)),
        None => {
            let s = &ctx.settings;
            let c = CustomerInput {
                kind: "person".into(),
                name: caller.name.clone(),
                phone: caller.phone.clone(),
                ..Default::default()
            };
            let v = VehicleInput { plate: caller.plate.clone(), ..Default::default() };
            match (
                CustomerDetails::check(&c, today, &s.customer_sources, &s.customer_levels),
                VehicleDetails::check(&v, today),
            ) {
                (Ok(customer), Ok(vehicle)) => {
                    Ok(Who::New { customer: Box::new(customer), vehicle: Box::new(vehicle) })
                }
                (c, v) => {
                    let mut e = c.err().unwrap_or_default();
                    for (field, p) in v.err().unwrap_or_default().iter() {
                        e.add(field, p.clone());
                    }
                    Err(e)
                }
            }
        }
    };
    let (booking, who) = match (checked, who) {
        (Ok(b), Ok(w)) => (b, w),
        (b, w) => {
            let mut e = b.err().unwrap_or_default();
            for (field, p) in w.err().unwrap_or_default().iter() {
                e.add(field, p.clone());
            }
            return Ok(form_page(ctx, &desk, &input, &caller, care, &e, overbook));
        }
    };
    let lang = ctx.lang;
    let care_entry = care.map(|(kind, subject)| CareEntry {
        kind,
        subject,
        summary: lang.fmt(
            Msg::CareSummary,
            &[
                &lang.t(kind.label()),
                &lang.t(Msg::OutcomeBooked),
                &booking.start.with_timezone(&ctx.settings.tz()).format("%Y-%m-%d %H:%M"),
            ],
        ),
        today,
    });
    let actor = user.actor();
    let settings = ctx.settings.clone();
    let result = state
        .store
        .write_touching(move |tx, t| {
            appointments::book_tx(
                tx,
                t,
                &actor,
                &settings,
                who.clone(),
                booking.clone(),
                overbook,
                care_entry.clone(),
                Utc::now(),
            )
        })
        .await;
    match result {
        Ok(a) => {
            let day = a.booking.start.with_timezone(&ctx.settings.tz()).date_naive();
            Ok(redirect_to(&format!("/appointments?day={day}&booked={}", a.id), ctx.htmx))
        }
        Err(StoreError::Invalid(errors)) => {
            Ok(form_page(ctx, &desk, &input, &caller, care, &errors, overbook))
        }
        Err(e) => Err(e.into()),
    }
}

/// A new booking, or one moved, may not start in the past (a few minutes' slack for typing).
fn not_past(b: Booking, was: Option<chrono::DateTime<Utc>>) -> Result<Booking, FieldErrors> {
    let moved = was.is_none_or(|w| w != b.start);
    if moved && b.start < Utc::now() - chrono::Duration::minutes(10) {
        Err(FieldErrors::one("start", Msg::ApptInPast))
    } else {
        Ok(b)
    }
}

/// The fields of a booking (shared by the new and the edit form).
fn booking_fields(
    ctx: &Ctx,
    desk: &Desk,
    input: &BookingInput,
    errors: &FieldErrors,
    overbook: bool,
) -> Markup {
    let lang = ctx.lang;
    let mut bays = vec![("", "—")];
    bays.extend(ctx.settings.bays.iter().map(|b| (b.as_str(), b.as_str())));
    let techs = technicians(&desk.users);
    let tech_ids: Vec<String> = techs.iter().map(|u| u.id.to_string()).collect();
    let mut tech_choices = vec![("", "—")];
    tech_choices.extend(techs.iter().zip(&tech_ids).map(|(u, id)| (id.as_str(), u.display_name.as_str())));
    let choices = template_choices(&desk.templates);
    let labels: Vec<(String, String)> = choices
        .iter()
        .map(|(id, name, m)| {
            let text = if *m > 0 {
                format!("{name} ({})", lang.fmt(Msg::ApptMinutesShort, &[m]))
            } else {
                name.clone()
            };
            (id.to_string(), text)
        })
        .collect();
    let mut template_choices = vec![("", "—")];
    template_choices.extend(labels.iter().map(|(a, b)| (a.as_str(), b.as_str())));
    let (open, close) = ctx.settings.opening_hours();
    let hours = format!("{}–{}", open.format("%H:%M"), close.format("%H:%M"));
    let clash = errors.get("overbook").is_some() || overbook;
    html! {
        div.form-grid {
            (Field::text("start", lang.t(Msg::ApptStart), &input.start).kind("datetime-local").required()
                .hint(lang.fmt(Msg::ApptHoursHint, &[&hours])).render(lang, errors))
            div.field.invalid[errors.get("minutes").is_some()] {
                label for="f-minutes" { (lang.t(Msg::ApptMinutes)) }
                input id="f-minutes" name="minutes" type="number" step="15" min="15" max="720" value=(input.minutes)
                    aria-invalid=[errors.get("minutes").is_some().then_some("true")];
                div.quick {
                    @for m in [30u32, 60, 90, 120, 240] {
                        button.secondary type="button" data-set="f-minutes" data-value=(m) { (lang.fmt(Msg::ApptMinutesShort, &[&m])) }
                    }
                }
                @if let Some(p) = errors.get("minutes") { p.field-msg id="f-minutes-msg" { (p.text(lang)) } }
            }
            (select("template_id", lang.t(Msg::ApptTemplate), &input.template_id, &template_choices, errors, lang))
            (select("bay", lang.t(Msg::ApptBay), &input.bay, &bays, errors, lang))
            (select("technician_id", lang.t(Msg::Technician), &input.technician_id, &tech_choices, errors, lang))
        }
        (textarea("work", lang.t(Msg::ApptWork), &input.work, Some(lang.t(Msg::ApptWorkHint)), errors, lang))
        (Field::text("notes", lang.t(Msg::Notes), &input.notes).render(lang, errors))
        @if clash {
            div.notice.warn role="status" data-clash {
                label.check { input type="checkbox" name="overbook" value="1" checked[overbook]; (lang.t(Msg::ApptConfirmOverbook)) }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    ctx: &Ctx,
    desk: &Desk,
    input: &BookingInput,
    caller: &Caller,
    care: Option<(DueKind, u64)>,
    errors: &FieldErrors,
    overbook: bool,
) -> Response {
    let lang = ctx.lang;
    let title = lang.t(Msg::ApptNew);
    let car_choices: Vec<(String, String)> = desk
        .cars
        .iter()
        .map(|v| (v.id.to_string(), format!("{} {}", v.details.plate, v.details.title())))
        .collect();
    let chosen_car = if desk.cars.len() == 1 { desk.cars[0].id.to_string() } else { String::new() };
    let mut cars = vec![("", "—")];
    cars.extend(car_choices.iter().map(|(a, b)| (a.as_str(), b.as_str())));
    let body = html! {
        h1 { (title) }
        @if let Some((kind, _)) = care { p.lead data-care=(kind.code()) { (lang.fmt(Msg::ApptFromCare, &[&lang.t(kind.label())])) } }
        @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
        form.panel.kiosk-form method="post" action="/appointments" novalidate data-booking-form {
            (csrf_field(ctx))
            @if let Some((kind, subject)) = care {
                input type="hidden" name="care" value=(kind.code());
                input type="hidden" name="subject" value=(subject);
            }
            fieldset {
                legend { (lang.t(Msg::Vehicle)) }
                @if let Some(v) = &desk.vehicle {
                    input type="hidden" name="vehicle_id" value=(v.id);
                    p.lead data-vehicle=(v.id) {
                        span.plate-big { (v.details.plate) } " " (v.details.title())
                        @if let Some(o) = &desk.owner { " · " (o.details.name) " · " (o.details.phone) }
                    }
                } @else if let Some(o) = &desk.owner {
                    input type="hidden" name="customer_id" value=(o.id);
                    p.lead { (o.details.name) " · " (o.details.phone) }
                    @if desk.cars.is_empty() {
                        p.notice.warn { (lang.t(Msg::ApptNoCars)) " " a href={ "/vehicles/new?customer_id=" (o.id) } { (lang.t(Msg::NewVehicle)) } }
                    }
                    (select("vehicle_id", lang.t(Msg::Vehicle), &chosen_car, &cars, errors, lang))
                } @else {
                    p.muted { (lang.t(Msg::ApptNewCaller)) }
                    div.form-grid {
                        (Field::text("name", lang.t(Msg::Name), &caller.name).required().render(lang, errors))
                        (Field::text("phone", lang.t(Msg::Phone), &caller.phone).kind("tel").required().render(lang, errors))
                        (Field::text("plate", lang.t(Msg::Plate), &caller.plate).required().autocomplete("off").render(lang, errors))
                    }
                }
            }
            fieldset {
                legend { (lang.t(Msg::ApptBooking)) }
                (booking_fields(ctx, desk, input, errors, overbook))
            }
            div.actions { button.big type="submit" { (lang.t(Msg::ApptBook)) } }
        }
    };
    let mut response = html_response(layout::page(ctx, title, body));
    if !errors.is_empty() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// `GET /appointments/{id}`: the booking, its form and actions for the desk.
pub(super) async fn view_page(state: &AppState, ctx: &Ctx, id: AppointmentId) -> AppResult<Response> {
    ctx.require(Area::Calendar)?;
    let (shown, desk) = load_one(state, id).await?;
    let input = shown.appt.booking.to_input(ctx.settings.tz());
    let q = ctx.path_and_query.clone();
    let saved = q.contains("saved=1");
    Ok(appointment_page(ctx, &shown, &desk, &input, &FieldErrors::new(), false, saved.then_some(Msg::Saved)))
}

pub(super) async fn load_one(state: &AppState, id: AppointmentId) -> AppResult<(Shown, Desk)> {
    let found = state
        .store
        .read(move |tx| {
            let Some(a) = appointments::get(tx, id)? else { return Ok(None) };
            let shown = super::shown(tx, vec![a])?.remove(0);
            Ok(Some((shown, users::list(tx)?, templates::list(tx)?)))
        })
        .await?;
    let (shown, users, templates) = found.ok_or(AppError::NotFound)?;
    let desk = Desk {
        vehicle: shown.vehicle.clone(),
        owner: shown.customer.clone(),
        cars: vec![],
        users,
        templates,
    };
    Ok((shown, desk))
}

pub(super) fn appointment_page(
    ctx: &Ctx,
    s: &Shown,
    desk: &Desk,
    input: &BookingInput,
    errors: &FieldErrors,
    overbook: bool,
    message: Option<Msg>,
) -> Response {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let a: &Appointment = &s.appt;
    let may_change = ctx.user.as_ref().is_some_and(|u| u.user.roles.may(Area::Reception));
    let day = a.booking.start.with_timezone(&tz).date_naive();
    let title = format!("{} {}", lang.t(Msg::Appointment), s.plate());
    let tech = a
        .booking
        .technician
        .and_then(|t| desk.users.iter().find(|u| u.id == t))
        .map(|u| u.display_name.clone());
    let action = |what: &str| format!("/appointments/{}/{what}", a.id);
    let body = html! {
        p { a href={ "/appointments?day=" (day) } { "← " (lang.t(Msg::ApptCalendar)) } }
        div.page-head {
            h1 { (lang.t(Msg::Appointment)) " " span.plate-big { (s.plate()) } }
            span class={ "badge appt-badge-" (a.status.code()) } data-status=(a.status.code()) { (lang.t(a.status.label())) }
        }
        @if let Some(m) = message { (notice(if m == Msg::Saved { "ok" } else { "error" }, lang.t(m))) }
        @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
        section.panel.appt-facts {
            dl.details {
                dt { (lang.t(Msg::ApptStart)) } dd data-start { (day) " " (span(a, tz)) }
                dt { (lang.t(Msg::Customer)) } dd {
                    @if let Some(c) = &s.customer { a href={ "/customers/" (c.id) } { (c.details.name) } " · " (c.details.phone) }
                }
                dt { (lang.t(Msg::Vehicle)) } dd {
                    @if let Some(v) = &s.vehicle { a href={ "/vehicles/" (v.id) } { (v.details.plate) } " " (v.details.title()) }
                }
                dt { (lang.t(Msg::ApptWork)) } dd { (a.booking.work) " · " (lang.fmt(Msg::ApptMinutesShort, &[&a.booking.minutes])) }
                @if let Some(b) = &a.booking.bay { dt { (lang.t(Msg::ApptBay)) } dd { (b) } }
                @if let Some(t) = tech { dt { (lang.t(Msg::Technician)) } dd { (t) } }
                @if !a.booking.notes.is_empty() { dt { (lang.t(Msg::Notes)) } dd { (a.booking.notes) } }
                @if !a.reason.is_empty() { dt { (lang.t(Msg::ApptReason)) } dd { (a.reason) } }
                @if let Some(o) = a.order_id { dt { (lang.t(Msg::ApptOrder)) } dd { a.order-link href={ "/orders/" (o) } data-order=(o) { (lang.t(Msg::ViewOrder)) } } }
            }
            @if may_change {
                div.actions.appt-actions {
                    @if a.status != crate::domain::appointment::AppointmentStatus::Cancelled && a.order_id.is_none() {
                        form method="post" action=(action("order")) {
                            (csrf_field(ctx))
                            button.big type="submit" data-action="order" { (lang.t(Msg::ApptToOrder)) }
                        }
                    }
                    @if a.status == crate::domain::appointment::AppointmentStatus::Booked {
                        form method="post" action=(action("arrived")) {
                            (csrf_field(ctx)) input type="hidden" name="version" value=(a.version);
                            button.secondary type="submit" data-action="arrived" { (lang.t(Msg::ApptMarkArrived)) }
                        }
                        form method="post" action=(action("no_show")) {
                            (csrf_field(ctx)) input type="hidden" name="version" value=(a.version);
                            button.secondary type="submit" data-action="no_show" { (lang.t(Msg::ApptMarkNoShow)) }
                        }
                    }
                }
            }
        }
        @if may_change && a.status.is_open() {
            form.panel.kiosk-form method="post" action={ "/appointments/" (a.id) } novalidate data-edit-form {
                h2 { (lang.t(Msg::ApptEdit)) }
                (csrf_field(ctx))
                input type="hidden" name="version" value=(a.version);
                (booking_fields(ctx, desk, input, errors, overbook))
                div.actions { button type="submit" { (lang.t(Msg::Save)) } }
            }
            form.panel method="post" action=(action("cancel")) novalidate data-cancel-form {
                h2 { (lang.t(Msg::ApptCancel)) }
                (csrf_field(ctx))
                input type="hidden" name="version" value=(a.version);
                (Field::text("reason", lang.t(Msg::ApptReason), "").required().render(lang, errors))
                div.actions { button.danger type="submit" { (lang.t(Msg::ApptCancel)) } }
            }
        }
        (crate::web::admin::history_link(ctx, &format!("appointment:{}", a.id)))
    };
    let mut response = html_response(layout::page(ctx, &title, body));
    if !errors.is_empty() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// `POST /appointments/{id}`: the booking as edited (or moved).
pub(super) async fn update(
    state: &AppState,
    ctx: &Ctx,
    id: AppointmentId,
    body: &[u8],
) -> AppResult<Response> {
    let user = ctx.require(Area::Reception)?;
    let form = ctx.form(body)?;
    let version: u64 = form.get("version").trim().parse().map_err(|_| AppError::BadRequest)?;
    let (shown, desk) = load_one(state, id).await?;
    let input = booking_input(&form);
    let overbook = form.get("overbook") == "1";
    let techs: Vec<_> = technicians(&desk.users).iter().map(|u| u.id).collect();
    let choices = template_choices(&desk.templates);
    let old_start = shown.appt.booking.start;
    let booking = match Booking::check(&input, &rules(ctx, &techs, &choices))
        .and_then(|b| not_past(b, Some(old_start)))
    {
        Ok(b) => b,
        Err(e) => return Ok(appointment_page(ctx, &shown, &desk, &input, &e, overbook, None)),
    };
    let actor = user.actor();
    let settings = ctx.settings.clone();
    let result = state
        .store
        .write(move |tx| {
            appointments::update_tx(tx, &actor, &settings, id, version, booking.clone(), overbook, Utc::now())
        })
        .await;
    match result {
        Ok(_) => Ok(redirect_to(&format!("/appointments/{id}?saved=1"), ctx.htmx)),
        Err(StoreError::Invalid(e)) => Ok(appointment_page(ctx, &shown, &desk, &input, &e, overbook, None)),
        Err(StoreError::Stale) => {
            let mut r = appointment_page(
                ctx,
                &shown,
                &desk,
                &input,
                &FieldErrors::new(),
                overbook,
                Some(Msg::StaleEdit),
            );
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}
