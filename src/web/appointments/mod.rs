//! Appointments (预约): the calendar, booking, changes, and the kiosk's arrivals.
//!
//! - `calendar`: `GET /appointments` (a day, by bay or technician as the shop set up; `?view=week`
//!   a week), read by everyone who may see the calendar (technicians too).
//! - `booking`: `GET /appointments/new` (from a vehicle, a customer, a due-list entry, or a
//!   caller new to the shop) and `POST /appointments`; `GET /appointments/{id}` (one booking,
//!   its form and actions) and `POST /appointments/{id}` (edit, move).
//! - `actions`: `POST /appointments/{id}/arrived`, `/no_show`, `/cancel` (with a reason), and
//!   `/order` (turned into a work order, once).
//! - `arrivals`: today's arrivals on the kiosk's reception home (`/lookup`), and the short lists
//!   on a vehicle's and a customer's page.
//!
//! Booking and every change are the desk's ([`Area::Reception`]: advisors, managers, admins);
//! the calendar is [`Area::Calendar`]'s. Each change is one store write with a version check.

mod actions;
mod arrivals;
mod booking;
mod calendar;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::ctx::Ctx;
use super::{AppState, BODY_LIMIT};
use crate::domain::appointment::{Appointment, AppointmentId, CalendarBy, labour_minutes};
use crate::domain::template::ServiceTemplate;
use crate::domain::{Customer, Role, Settings, User, UserId, Vehicle};
use crate::store::StoreResult;

pub use arrivals::{arrivals_panel, owner_panel, todays};

type Query = HashMap<String, String>;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let query = warp::query::<Query>().or(warp::any().map(Query::new)).unify();

    let calendar = warp::path!("appointments").and(warp::get()).and(ctx.clone()).and(query).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: Query| calendar::calendar_page(&state, &ctx, &q)
    ));
    let new = warp::path!("appointments" / "new")
        .and(warp::get())
        .and(ctx.clone())
        .and(query)
        .then(handler!(state, ctx, |ctx: Ctx, q: Query| booking::new_page(&state, &ctx, &q)));
    let book = warp::path!("appointments").and(warp::post()).and(ctx.clone()).and(body).then(handler!(
        state,
        ctx,
        |ctx: Ctx, body: Bytes| booking::book(&state, &ctx, &body)
    ));
    let view = warp::path!("appointments" / u64).and(warp::get()).and(ctx.clone()).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx| booking::view_page(&state, &ctx, AppointmentId(id))
    ));
    let update =
        warp::path!("appointments" / u64).and(warp::post()).and(ctx.clone()).and(body).then(handler!(
            state,
            ctx,
            |id: u64, ctx: Ctx, body: Bytes| booking::update(&state, &ctx, AppointmentId(id), &body)
        ));
    let arrived =
        warp::path!("appointments" / u64 / "arrived").and(warp::post()).and(ctx.clone()).and(body).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| actions::arrived(
                &state,
                &ctx,
                AppointmentId(id),
                &body
            )),
        );
    let no_show =
        warp::path!("appointments" / u64 / "no_show").and(warp::post()).and(ctx.clone()).and(body).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| actions::no_show(
                &state,
                &ctx,
                AppointmentId(id),
                &body
            )),
        );
    let cancel =
        warp::path!("appointments" / u64 / "cancel").and(warp::post()).and(ctx.clone()).and(body).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| actions::cancel(
                &state,
                &ctx,
                AppointmentId(id),
                &body
            )),
        );
    let order =
        warp::path!("appointments" / u64 / "order").and(warp::post()).and(ctx).and(body).then(handler!(
            state,
            ctx,
            |id: u64, ctx: Ctx, body: Bytes| actions::to_order(&state, &ctx, AppointmentId(id), &body)
        ));
    any_of!(calendar, new, book, view, update, arrived, no_show, cancel, order)
}

/// A calendar column: a bay by name, a technician, or the bookings with neither.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Column {
    Bay(String),
    Technician(UserId, String),
    Unassigned,
}

impl Column {
    /// Whether the appointment sits in this column (the shop's choice decides which field).
    fn holds(&self, a: &Appointment, columns: &[Column]) -> bool {
        match self {
            Column::Bay(b) => a.booking.bay.as_deref() == Some(b.as_str()),
            Column::Technician(t, _) => a.booking.technician == Some(*t),
            Column::Unassigned => !columns.iter().any(|c| *c != Column::Unassigned && c.holds(a, columns)),
        }
    }

    fn name(&self) -> &str {
        match self {
            Column::Bay(b) => b,
            Column::Technician(_, n) => n,
            Column::Unassigned => "—",
        }
    }

    /// The booking form's query for a slot in this column.
    fn query(&self) -> String {
        match self {
            Column::Bay(b) => format!("&bay={}", super::error::encode(b)),
            Column::Technician(t, _) => format!("&technician_id={t}"),
            Column::Unassigned => String::new(),
        }
    }
}

/// The active technicians.
fn technicians(users: &[User]) -> Vec<&User> {
    users.iter().filter(|u| u.active && u.roles.has(Role::Technician)).collect()
}

/// The calendar's columns as the shop set it up, and an unassigned one if any booking needs it.
fn columns(settings: &Settings, users: &[User], shown: &[Appointment]) -> Vec<Column> {
    let mut out: Vec<Column> = match settings.calendar_by {
        CalendarBy::Bay => settings.bays.iter().cloned().map(Column::Bay).collect(),
        CalendarBy::Technician => {
            technicians(users).iter().map(|u| Column::Technician(u.id, u.display_name.clone())).collect()
        }
    };
    if out.is_empty() || shown.iter().any(|a| Column::Unassigned.holds(a, &out)) {
        out.push(Column::Unassigned);
    }
    out
}

/// What a booking shows of its car and customer.
#[derive(Clone)]
pub struct Shown {
    pub appt: Appointment,
    pub vehicle: Option<Vehicle>,
    pub customer: Option<Customer>,
}

impl Shown {
    fn plate(&self) -> String {
        self.vehicle.as_ref().map(|v| v.details.plate.to_string()).unwrap_or_default()
    }

    fn customer_name(&self) -> String {
        self.customer.as_ref().map(|c| c.details.name.clone()).unwrap_or_default()
    }
}

/// The records a list of appointments shows.
fn shown(tx: &redb::ReadTransaction, list: Vec<Appointment>) -> StoreResult<Vec<Shown>> {
    let mut out = Vec::with_capacity(list.len());
    for appt in list {
        let vehicle = crate::store::vehicles::get(tx, appt.vehicle_id)?;
        let customer = crate::store::customers::get(tx, appt.customer_id)?;
        out.push(Shown { appt, vehicle, customer });
    }
    Ok(out)
}

/// The active templates as the booking form offers them: id, name, labour minutes.
fn template_choices(templates: &[ServiceTemplate]) -> Vec<(u64, String, u32)> {
    templates
        .iter()
        .filter(|t| t.active)
        .map(|t| (t.id, t.details.name.clone(), labour_minutes(&t.details.lines)))
        .collect()
}

/// `HH:MM–HH:MM` of a booking in the shop's zone.
fn span(a: &Appointment, tz: chrono_tz::Tz) -> String {
    let t = |at: DateTime<Utc>| at.with_timezone(&tz).format("%H:%M").to_string();
    format!("{}–{}", t(a.booking.start), t(a.booking.end()))
}
