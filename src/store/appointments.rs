//! Appointments (预约): booking (for a known car, or a new customer and car in the same write),
//! editing and moving, arrived / no-show / cancelled, and turning one into a work order.
//!
//! Indexes, written with the record: by start (UTC seconds, id), so a day or a week of the
//! calendar is one range and a clash check reads the few hours around the booking; by vehicle
//! and by customer (id pairs), for their pages. `check` compares them with the records
//! ([`verify`]).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::audit::{Actor, append_tx};
use super::tables::{
    APPOINTMENTS, APPOINTMENTS_BY_CUSTOMER, APPOINTMENTS_BY_START, APPOINTMENTS_BY_VEHICLE,
    CARE_DUE_BY_SUBJECT,
};
use super::{StoreError, StoreResult, Touched, customers, next_id_tx, orders, templates, vehicles};
use crate::domain::appointment::{Appointment, AppointmentId, AppointmentStatus, Booking, MAX_MINUTES};
use crate::domain::care::{DueKind, Outcome};
use crate::domain::work_order::Reception;
use crate::domain::{
    CustomerDetails, CustomerId, FieldErrors, OrderId, Problem, Settings, UserId, VehicleDetails, VehicleId,
};
use crate::i18n::Msg;

/// Whose car is booked.
#[derive(Clone, Debug)]
pub enum Who {
    Vehicle(VehicleId),
    /// A caller new to the shop: the customer and the car are created in the same write.
    New {
        customer: Box<CustomerDetails>,
        vehicle: Box<VehicleDetails>,
    },
}

/// A due-list entry the booking answers: its outcome (booked) is recorded with the booking.
#[derive(Clone, Debug)]
pub struct CareEntry {
    pub kind: DueKind,
    pub subject: u64,
    /// The contact history's line, in the advisor's language.
    pub summary: String,
    pub today: NaiveDate,
}

fn key(a: &Appointment) -> (i64, u64) {
    (a.booking.start.timestamp(), a.id.0)
}

pub fn get(tx: &ReadTransaction, id: AppointmentId) -> StoreResult<Option<Appointment>> {
    Ok(tx.open_table(APPOINTMENTS)?.get(id.0)?.map(|v| v.value()))
}

pub fn get_tx(tx: &WriteTransaction, id: AppointmentId) -> StoreResult<Appointment> {
    tx.open_table(APPOINTMENTS)?.get(id.0)?.map(|v| v.value()).ok_or(StoreError::NotFound)
}

/// The appointments starting in `[from, to)`, by start: one range of the start index.
pub fn starting_between(
    tx: &ReadTransaction,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<Appointment>> {
    let index = tx.open_table(APPOINTMENTS_BY_START)?;
    let records = tx.open_table(APPOINTMENTS)?;
    let mut out = Vec::new();
    for row in index.range((from.timestamp(), 0)..(to.timestamp(), 0))? {
        let id = row?.0.value().1;
        if let Some(a) = records.get(id)? {
            out.push(a.value());
        }
    }
    Ok(out)
}

/// A vehicle's appointments, newest first (at most `limit`).
pub fn for_vehicle(tx: &ReadTransaction, id: VehicleId, limit: usize) -> StoreResult<Vec<Appointment>> {
    by_owner(tx, APPOINTMENTS_BY_VEHICLE, id.0, limit)
}

/// A customer's appointments, newest first (at most `limit`).
pub fn for_customer(tx: &ReadTransaction, id: CustomerId, limit: usize) -> StoreResult<Vec<Appointment>> {
    by_owner(tx, APPOINTMENTS_BY_CUSTOMER, id.0, limit)
}

fn by_owner(
    tx: &ReadTransaction,
    table: redb::TableDefinition<(u64, u64), ()>,
    owner: u64,
    limit: usize,
) -> StoreResult<Vec<Appointment>> {
    let index = tx.open_table(table)?;
    let records = tx.open_table(APPOINTMENTS)?;
    let mut out = Vec::new();
    for row in index.range((owner, 0)..=(owner, u64::MAX))?.rev().take(limit) {
        if let Some(a) = records.get(row?.0.value().1)? {
            out.push(a.value());
        }
    }
    out.sort_by_key(|a| std::cmp::Reverse(a.booking.start));
    Ok(out)
}

/// The live appointments that clash with `booking` (other than `except`).
fn clashes_tx(
    tx: &WriteTransaction,
    booking: &Booking,
    except: Option<AppointmentId>,
) -> StoreResult<Vec<Appointment>> {
    let from = booking.start - Duration::minutes(i64::from(MAX_MINUTES));
    let index = tx.open_table(APPOINTMENTS_BY_START)?;
    let records = tx.open_table(APPOINTMENTS)?;
    let mut out = Vec::new();
    for row in index.range((from.timestamp(), 0)..(booking.end().timestamp(), 0))? {
        let id = row?.0.value().1;
        if Some(AppointmentId(id)) == except {
            continue;
        }
        let Some(other) = records.get(id)?.map(|v| v.value()) else { continue };
        if other.status.holds_slot() && booking.clashes_with(&other.booking) {
            out.push(other);
        }
    }
    Ok(out)
}

/// Refuses a booking that clashes, unless the advisor confirmed the overbooking: the problem
/// sits beside the field that clashes (the bay, else the technician) and names the other
/// booking's plate and time, with a link to it.
fn refuse_clashes_tx(
    tx: &WriteTransaction,
    settings: &Settings,
    booking: &Booking,
    except: Option<AppointmentId>,
    overbook: bool,
) -> StoreResult<bool> {
    let clashes = clashes_tx(tx, booking, except)?;
    if clashes.is_empty() {
        return Ok(false);
    }
    if overbook {
        return Ok(true);
    }
    let tz = settings.tz();
    let mut errors = FieldErrors::new();
    for other in clashes.iter().take(1) {
        let plate =
            vehicles::get_tx(tx, other.vehicle_id).map(|v| v.details.plate.to_string()).unwrap_or_default();
        let when = format!(
            "{}–{}",
            other.booking.start.with_timezone(&tz).format("%H:%M"),
            other.booking.end().with_timezone(&tz).format("%H:%M")
        );
        let problem =
            Problem::with(Msg::ApptClash, &[&plate, &when]).linked(format!("/appointments/{}", other.id));
        let field =
            if booking.bay.is_some() && booking.bay == other.booking.bay { "bay" } else { "technician_id" };
        errors.add(field, problem);
    }
    errors.add("overbook", Msg::ApptConfirmOverbook);
    Err(StoreError::Invalid(errors))
}

fn index_tx(tx: &WriteTransaction, a: &Appointment) -> StoreResult<()> {
    tx.open_table(APPOINTMENTS)?.insert(a.id.0, a)?;
    tx.open_table(APPOINTMENTS_BY_START)?.insert(key(a), ())?;
    tx.open_table(APPOINTMENTS_BY_VEHICLE)?.insert((a.vehicle_id.0, a.id.0), ())?;
    tx.open_table(APPOINTMENTS_BY_CUSTOMER)?.insert((a.customer_id.0, a.id.0), ())?;
    Ok(())
}

/// Books an appointment: the car (or a new customer and car), the clash check, the record and
/// its indexes, the audit entry, and the due-list entry's outcome when it came from one.
#[allow(clippy::too_many_arguments)]
pub fn book_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    settings: &Settings,
    who: Who,
    booking: Booking,
    overbook: bool,
    care: Option<CareEntry>,
    now: DateTime<Utc>,
) -> StoreResult<Appointment> {
    let vehicle = match who {
        Who::Vehicle(id) => vehicles::get_tx(tx, id).map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid(FieldErrors::one("vehicle_id", Msg::VehicleUnknown)),
            e => e,
        })?,
        Who::New { customer, vehicle } => {
            let owner = customers::create_tx(tx, touched, actor, *customer)?;
            vehicles::create_tx(tx, touched, actor, owner.id, *vehicle)?
        }
    };
    let overbooked = refuse_clashes_tx(tx, settings, &booking, None, overbook)?;
    let id = AppointmentId(next_id_tx(tx, "appointment")?);
    let a = Appointment {
        id,
        customer_id: vehicle.customer_id,
        vehicle_id: vehicle.id,
        booking,
        status: AppointmentStatus::Booked,
        reason: String::new(),
        order_id: None,
        overbooked,
        created_at: now,
        created_by: actor.user_id,
        updated_at: now,
        version: 1,
    };
    index_tx(tx, &a)?;
    let over = if overbooked { " (overbooked)" } else { "" };
    append_tx(
        tx,
        actor,
        "appointment.book",
        &format!("appointment:{id}"),
        format!("{}{over}", summary(&a, settings, &vehicle.details.plate.to_string())),
    )?;
    if let Some(c) = care {
        let listed = tx.open_table(CARE_DUE_BY_SUBJECT)?.get((c.kind.key(), c.subject))?.is_some();
        if listed {
            super::care::record_outcome_tx(
                tx,
                actor,
                c.kind,
                c.subject,
                Outcome::Booked,
                c.summary,
                c.today,
            )?;
        }
    }
    Ok(a)
}

fn summary(a: &Appointment, settings: &Settings, plate: &str) -> String {
    let tz = settings.tz();
    let place = a.booking.bay.as_deref().map(|b| format!(" bay {b}")).unwrap_or_default();
    let tech = a.booking.technician.map(|t| format!(" technician {t}")).unwrap_or_default();
    format!(
        "{plate} {} {} min{place}{tech}: {}",
        a.booking.start.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        a.booking.minutes,
        a.booking.work
    )
}

/// Loads an appointment for a change made from a page showing `version`.
fn changeable_tx(tx: &WriteTransaction, id: AppointmentId, version: u64) -> StoreResult<Appointment> {
    let a = get_tx(tx, id)?;
    if a.version != version {
        return Err(StoreError::Stale);
    }
    Ok(a)
}

fn save_tx(tx: &WriteTransaction, before: &Appointment, after: &Appointment) -> StoreResult<()> {
    if key(before) != key(after) {
        tx.open_table(APPOINTMENTS_BY_START)?.remove(key(before))?;
        tx.open_table(APPOINTMENTS_BY_START)?.insert(key(after), ())?;
    }
    tx.open_table(APPOINTMENTS)?.insert(after.id.0, after)?;
    Ok(())
}

/// Edits or moves an open appointment (the clash check again, itself left out).
#[allow(clippy::too_many_arguments)]
pub fn update_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    settings: &Settings,
    id: AppointmentId,
    version: u64,
    booking: Booking,
    overbook: bool,
    now: DateTime<Utc>,
) -> StoreResult<Appointment> {
    let before = changeable_tx(tx, id, version)?;
    if !before.status.is_open() {
        return Err(StoreError::Refused(Msg::ApptClosed));
    }
    let overbooked = refuse_clashes_tx(tx, settings, &booking, Some(id), overbook)?;
    let mut after = before.clone();
    after.booking = booking;
    after.overbooked = overbooked;
    after.version += 1;
    after.updated_at = now;
    save_tx(tx, &before, &after)?;
    let plate = vehicles::get_tx(tx, after.vehicle_id)?.details.plate.to_string();
    let verb = if before.booking.start != after.booking.start { "moved" } else { "edited" };
    append_tx(
        tx,
        actor,
        "appointment.update",
        &format!("appointment:{id}"),
        format!("{verb}: {}", summary(&after, settings, &plate)),
    )?;
    Ok(after)
}

/// Marks an open appointment arrived, no-show or cancelled (with its reason). A no-show only
/// once its time has come.
pub fn mark_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    id: AppointmentId,
    version: u64,
    to: AppointmentStatus,
    reason: String,
    now: DateTime<Utc>,
) -> StoreResult<Appointment> {
    let before = changeable_tx(tx, id, version)?;
    let allowed = match to {
        AppointmentStatus::Arrived | AppointmentStatus::NoShow => before.status == AppointmentStatus::Booked,
        AppointmentStatus::Cancelled => before.status.is_open(),
        _ => false,
    };
    if !allowed {
        return Err(StoreError::Refused(Msg::ApptClosed));
    }
    if to == AppointmentStatus::NoShow && now < before.booking.start {
        return Err(StoreError::Refused(Msg::ApptNoShowEarly));
    }
    let mut after = before.clone();
    after.status = to;
    after.reason = reason;
    after.version += 1;
    after.updated_at = now;
    save_tx(tx, &before, &after)?;
    let why = if after.reason.is_empty() { String::new() } else { format!(": {}", after.reason) };
    append_tx(
        tx,
        actor,
        &format!("appointment.{}", to.code()),
        &format!("appointment:{id}"),
        format!("{}{why}", to.code()),
    )?;
    Ok(after)
}

/// Turns an appointment into a work order: the car and customer, the expected work as the
/// complaint, the template's lines, both linked. The appointment's order again if it was
/// already turned into one (a second tap makes no second order). Returns the order and
/// whether it was opened now.
#[allow(clippy::too_many_arguments)]
pub fn convert_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    settings: &Settings,
    id: AppointmentId,
    advisor: Option<UserId>,
    now: DateTime<Utc>,
) -> StoreResult<(OrderId, bool)> {
    let before = get_tx(tx, id)?;
    if let (AppointmentStatus::Converted, Some(order)) = (before.status, before.order_id) {
        return Ok((order, false));
    }
    if before.status == AppointmentStatus::Cancelled {
        return Err(StoreError::Refused(Msg::ApptClosed));
    }
    let b = &before.booking;
    let complaint = if b.notes.is_empty() { b.work.clone() } else { format!("{}\n{}", b.work, b.notes) };
    let reception = Reception {
        mileage: None,
        fuel: None,
        complaint,
        items_left: String::new(),
        promised_at: None,
        advisor,
    };
    let options = orders::OpenOptions { appointment: Some(id), ..Default::default() };
    let order = orders::open_tx(tx, touched, actor, settings, before.vehicle_id, reception, options, now)?;
    if let Some(template) = b.template_id {
        let template = templates::get_tx(tx, template)?;
        let lines = template.details.line_details(settings.labour_rate);
        orders::add_lines_tx(tx, touched, actor, order.id, lines, &format!(" [{}]", template.details.name))?;
    }
    let mut after = before.clone();
    after.status = AppointmentStatus::Converted;
    after.order_id = Some(order.id);
    after.version += 1;
    after.updated_at = now;
    save_tx(tx, &before, &after)?;
    append_tx(
        tx,
        actor,
        "appointment.convert",
        &format!("appointment:{id}"),
        format!("order {}", order.number),
    )?;
    Ok((order.id, true))
}

/// Records an appointment as it already happened (generated data), with its indexes.
pub fn record_tx(tx: &WriteTransaction, mut a: Appointment) -> StoreResult<Appointment> {
    a.id = AppointmentId(next_id_tx(tx, "appointment")?);
    index_tx(tx, &a)?;
    Ok(a)
}

/// `check`: every appointment is in each index under its own keys, every index entry is an
/// appointment's, and an appointment turned into an order names an order that names it back.
pub fn verify(tx: &ReadTransaction) -> StoreResult<Vec<String>> {
    use redb::ReadableTableMetadata;
    let mut problems = Vec::new();
    let by_start = tx.open_table(APPOINTMENTS_BY_START)?;
    let by_vehicle = tx.open_table(APPOINTMENTS_BY_VEHICLE)?;
    let by_customer = tx.open_table(APPOINTMENTS_BY_CUSTOMER)?;
    let records = tx.open_table(APPOINTMENTS)?;
    let mut count = 0u64;
    for row in records.iter()? {
        let (id, a) = row?;
        let (id, a) = (id.value(), a.value());
        count += 1;
        if a.id.0 != id {
            problems.push(format!("appointment {id} is stored as {}", a.id));
        }
        if by_start.get(key(&a))?.is_none() {
            problems.push(format!("appointment {id} is missing from the start index"));
        }
        if by_vehicle.get((a.vehicle_id.0, id))?.is_none() {
            problems.push(format!("appointment {id} is missing from its vehicle's index"));
        }
        if by_customer.get((a.customer_id.0, id))?.is_none() {
            problems.push(format!("appointment {id} is missing from its customer's index"));
        }
        if let Some(order) = a.order_id {
            match orders::get(tx, order)? {
                Some(o) if o.appointment == Some(a.id) => {}
                Some(o) => problems
                    .push(format!("appointment {id}'s order {} names appointment {:?}", o.id, o.appointment)),
                None => problems.push(format!("appointment {id} names order {order}, which does not exist")),
            }
        }
    }
    for (name, len) in
        [("start", by_start.len()?), ("vehicle", by_vehicle.len()?), ("customer", by_customer.len()?)]
    {
        if len != count {
            problems.push(format!("the {name} index has {len} entries for {count} appointments"));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::vehicle::VehicleInput;
    use crate::store::testing::temp_store;

    fn booking(start: DateTime<Utc>, bay: &str) -> Booking {
        Booking {
            start,
            minutes: 60,
            work: "保养".into(),
            template_id: None,
            bay: Some(bay.into()),
            technician: None,
            notes: String::new(),
        }
    }

    #[test]
    fn a_clash_is_refused_unless_confirmed_and_check_finds_a_broken_index() {
        let (store, _dir) = temp_store();
        let settings = Settings::default();
        let today = Utc::now().date_naive();
        let who = || Who::New {
            customer: Box::new(CustomerDetails::person("周敏", "13800001111")),
            vehicle: Box::new(
                VehicleDetails::check(
                    &VehicleInput { plate: "粤B12345".into(), ..Default::default() },
                    today,
                )
                .unwrap(),
            ),
        };
        let start = Utc::now() + Duration::days(1);
        let first = store
            .write_touching_now(|tx, t| {
                book_tx(
                    tx,
                    t,
                    &Actor::system(),
                    &settings,
                    who(),
                    booking(start, "1"),
                    false,
                    None,
                    Utc::now(),
                )
            })
            .unwrap();
        let again = |overbook| {
            store.write_touching_now(|tx, t| {
                let who = Who::Vehicle(first.vehicle_id);
                let b = booking(start + Duration::minutes(30), "1");
                book_tx(tx, t, &Actor::system(), &settings, who, b, overbook, None, Utc::now())
            })
        };
        let Err(StoreError::Invalid(errors)) = again(false) else { panic!("a clash is refused") };
        assert!(errors.get("bay").is_some() && errors.get("overbook").is_some());
        assert!(again(true).unwrap().overbooked);
        assert!(store.read_now(verify).unwrap().is_empty());
        store
            .write_now(|tx| {
                tx.open_table(APPOINTMENTS_BY_START)?.remove(key(&first))?;
                Ok(())
            })
            .unwrap();
        let problems = store.read_now(verify).unwrap();
        assert!(problems.iter().any(|p| p.contains("start index")), "{problems:?}");
    }
}
