//! The due lists (提醒), kept indexed by the day each entry falls due.
//!
//! Every write that moves a due day (a vehicle saved or its mileage read, a customer saved, a
//! work order opened, a record deleted) calls [`vehicle_changed_tx`] or [`customer_changed_tx`]
//! in its own transaction, so a list is one range of [`CARE_DUE`] and never a scan of every
//! vehicle. [`rebuild_tx`] builds the index from the records (the migration step, generated
//! data) and [`verify`] checks the two agree (`wrenchdesk check`).
//!
//! What each list indexes, as (list, day, subject):
//! - service by date, insurance, inspection: the vehicle's date;
//! - service by km: the day the car is expected to reach its next service km, estimated from
//!   its odometer readings (each work order's mileage at reception, and the vehicle's own);
//! - birthdays: month × 100 + day of the customer's birthday;
//! - dormant: the shop-local day of the customer's last visit (their newest work order, or the
//!   day they were registered without one);
//! - deferred work: the earliest follow-up day of the car's findings whose recommended work
//!   the customer declined and no later order took up (see `domain::care::deferred_due_day`);
//!   kept by the order saves that change which lines are declined, and by taking work up.
//!
//! Working an entry (an outcome) logs a contact and snoozes the entry until a day: the snooze
//! is stored with the entry and ends when its due day moves (a new due date is a new reminder).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata, WriteTransaction};

use super::audit::{Actor, append_tx};
use super::codec::Msgpack;
use super::tables::{
    CARE_DUE, CARE_DUE_BY_SUBJECT, CUSTOMERS, INSPECTIONS, INSPECTIONS_BY_VEHICLE, ORDERS,
    ORDERS_BY_CUSTOMER, ORDERS_BY_VEHICLE, VEHICLES,
};
use super::{StoreError, StoreResult, customers, vehicles};
use crate::domain::care::{
    DueKind, Outcome, Reading, birthday_key, birthday_keys, deferred_due_day, km_due_day,
};
use crate::domain::inspection::Inspection;
use crate::domain::report::local_day;
use crate::domain::{ContactKind, CustomerId, CustomerStatus, Vehicle, VehicleId, WorkOrder};

/// Days as the index keeps them: days from the common era.
pub fn day_key(day: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&day)
}

pub fn key_day(key: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(key)
}

/// One entry of a list as the index holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueEntry {
    pub kind: DueKind,
    /// A day key, or month × 100 + day for birthdays.
    pub day: i32,
    /// The vehicle or customer id.
    pub subject: u64,
    /// Hidden through this day, if snoozed.
    pub snoozed_until: Option<NaiveDate>,
}

/// The vehicle's odometer readings: the mileage at reception of each of its work orders, on
/// the shop-local day it was opened, and its recorded mileage on the day it was last saved
/// when no order shows it (typed in on the vehicle's page: a correction, a new cluster).
pub fn readings_tx(tx: &WriteTransaction, vehicle: &Vehicle, tz: chrono_tz::Tz) -> StoreResult<Vec<Reading>> {
    readings_in(&tx.open_table(ORDERS_BY_VEHICLE)?, &tx.open_table(ORDERS)?, vehicle, tz)
}

/// [`readings_tx`] in a read transaction (the list shows the km expected today).
pub fn readings(tx: &ReadTransaction, vehicle: &Vehicle, tz: chrono_tz::Tz) -> StoreResult<Vec<Reading>> {
    readings_in(&tx.open_table(ORDERS_BY_VEHICLE)?, &tx.open_table(ORDERS)?, vehicle, tz)
}

fn readings_in(
    by_vehicle: &impl ReadableTable<(u64, u64), ()>,
    orders: &impl ReadableTable<u64, Msgpack<WorkOrder>>,
    vehicle: &Vehicle,
    tz: chrono_tz::Tz,
) -> StoreResult<Vec<Reading>> {
    let mut out = Vec::new();
    for row in by_vehicle.range((vehicle.id.0, 0)..=(vehicle.id.0, u64::MAX))? {
        let (key, _) = row?;
        if let Some(order) = orders.get(key.value().1)? {
            let order = order.value();
            if let Some(km) = order.reception.mileage {
                out.push(Reading { day: local_day(order.created_at, tz), km });
            }
        }
    }
    if let Some(km) = vehicle.details.mileage
        && out.iter().all(|r| r.km != km)
    {
        let at = if out.is_empty() { vehicle.created_at } else { vehicle.updated_at };
        out.push(Reading { day: local_day(at, tz), km });
    }
    Ok(out)
}

/// The day the car's deferred work falls due: the earliest follow-up day of its findings whose
/// recommended work the customer declined (on the day of that answer) and no later order took
/// up; `None` when there is none.
fn deferred_day_in(
    by_vehicle: &impl ReadableTable<(u64, u64), ()>,
    inspections: &impl ReadableTable<u64, Msgpack<Inspection>>,
    orders: &impl ReadableTable<u64, Msgpack<WorkOrder>>,
    vehicle: VehicleId,
    tz: chrono_tz::Tz,
) -> StoreResult<Option<NaiveDate>> {
    let mut earliest: Option<NaiveDate> = None;
    for row in by_vehicle.range((vehicle.0, 0)..=(vehicle.0, u64::MAX))? {
        let Some(inspection) = inspections.get(row?.0.value().1)? else { continue };
        let inspection = inspection.value();
        if inspection.items.iter().all(|i| i.line_no.is_none()) {
            continue;
        }
        let Some(order) = orders.get(inspection.order_id.0)? else { continue };
        let order = order.value();
        for (_, item) in inspection.deferred(&order) {
            let declined_at = item
                .line_no
                .and_then(|no| order.line(no))
                .and_then(|line| line.decided_in)
                .and_then(|no| order.approvals.iter().find(|a| a.no == no))
                .map_or(order.updated_at, |a| a.at);
            let day = deferred_due_day(local_day(declined_at, tz), item.rating);
            earliest = Some(earliest.map_or(day, |e| e.min(day)));
        }
    }
    Ok(earliest)
}

/// The day each vehicle list holds the vehicle under (none where it has no such date).
pub fn vehicle_days_tx(
    tx: &WriteTransaction,
    vehicle: &Vehicle,
    tz: chrono_tz::Tz,
) -> StoreResult<Vec<(DueKind, i32)>> {
    let d = &vehicle.details;
    let mut out = Vec::new();
    if customers::get_tx(tx, vehicle.customer_id)
        .map(Some)
        .or_else(not_found_none)?
        .is_none_or(|c| invalid(&c))
    {
        return Ok(out);
    }
    let mut put = |kind, day: Option<NaiveDate>| {
        if let Some(day) = day {
            out.push((kind, day_key(day)));
        }
    };
    put(DueKind::ServiceDate, d.next_service_date);
    put(DueKind::Insurance, d.insurance_expiry);
    put(DueKind::Inspection, d.inspection_due);
    if let Some(target) = d.next_service_km {
        put(DueKind::ServiceKm, km_due_day(&readings_tx(tx, vehicle, tz)?, target));
    }
    put(
        DueKind::Deferred,
        deferred_day_in(
            &tx.open_table(INSPECTIONS_BY_VEHICLE)?,
            &tx.open_table(INSPECTIONS)?,
            &tx.open_table(ORDERS)?,
            vehicle.id,
            tz,
        )?,
    );
    Ok(out)
}

/// The day each customer list holds the customer under.
fn customer_days_tx(
    tx: &WriteTransaction,
    id: CustomerId,
    tz: chrono_tz::Tz,
) -> StoreResult<Vec<(DueKind, i32)>> {
    let Some(customer) = customers::get_tx(tx, id).map(Some).or_else(not_found_none)? else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    if invalid(&customer) {
        return Ok(out);
    }
    if let Some(birthday) = customer.details.birthday {
        out.push((DueKind::Birthday, birthday_key(birthday)));
    }
    out.push((DueKind::Dormant, day_key(last_visit_tx(tx, id, customer.created_at, tz)?)));
    Ok(out)
}

/// The shop-local day of the customer's newest work order, else the day they were registered.
fn last_visit_tx(
    tx: &WriteTransaction,
    id: CustomerId,
    registered: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> StoreResult<NaiveDate> {
    let by_customer = tx.open_table(ORDERS_BY_CUSTOMER)?;
    let orders = tx.open_table(ORDERS)?;
    let mut last = registered;
    // Order ids grow with time, but an order recorded from another system may be older than
    // the newest: the few newest ids decide.
    for row in by_customer.range((id.0, 0)..=(id.0, u64::MAX))?.rev().take(8) {
        if let Some(order) = orders.get(row?.0.value().1)? {
            last = last.max(order.value().created_at);
        }
    }
    Ok(local_day(last, tz))
}

/// Customers marked invalid (无效) are on no list, nor are their vehicles.
fn invalid(customer: &crate::domain::Customer) -> bool {
    customer.status == CustomerStatus::Invalid
}

fn not_found_none<T>(e: StoreError) -> StoreResult<Option<T>> {
    match e {
        StoreError::NotFound => Ok(None),
        e => Err(e),
    }
}

/// Puts `subject`'s entries of `kinds` at `days` (removing those it no longer has). An entry
/// whose day did not move keeps its snooze.
fn place_tx(
    tx: &WriteTransaction,
    kinds: &[DueKind],
    subject: u64,
    days: &[(DueKind, i32)],
) -> StoreResult<()> {
    let mut due = tx.open_table(CARE_DUE)?;
    let mut by_subject = tx.open_table(CARE_DUE_BY_SUBJECT)?;
    for kind in kinds {
        let k = kind.key();
        let old = by_subject.get((k, subject))?.map(|v| v.value());
        let new = days.iter().find(|(d, _)| d == kind).map(|(_, day)| *day);
        match (old, new) {
            (Some((old_day, _)), Some(day)) if old_day == day => {}
            (old, new) => {
                if let Some((old_day, _)) = old {
                    due.remove((k, old_day, subject))?;
                    by_subject.remove((k, subject))?;
                }
                if let Some(day) = new {
                    due.insert((k, day, subject), 0)?;
                    by_subject.insert((k, subject), (day, 0))?;
                }
            }
        }
    }
    Ok(())
}

/// Re-indexes a vehicle's lists after it was created, saved, read at reception or deleted, or
/// its deferred work changed (a recommendation declined or taken up).
pub fn vehicle_changed_tx(tx: &WriteTransaction, id: VehicleId) -> StoreResult<()> {
    let tz = super::settings::get_tx(tx)?.tz();
    let days = match vehicles::get_tx(tx, id).map(Some).or_else(not_found_none)? {
        Some(vehicle) => vehicle_days_tx(tx, &vehicle, tz)?,
        None => vec![],
    };
    place_tx(tx, &DueKind::VEHICLE, id.0, &days)
}

/// Re-indexes a customer's lists after they were created, saved, visited or deleted.
pub fn customer_changed_tx(tx: &WriteTransaction, id: CustomerId) -> StoreResult<()> {
    let tz = super::settings::get_tx(tx)?.tz();
    let days = customer_days_tx(tx, id, tz)?;
    place_tx(tx, &[DueKind::Birthday, DueKind::Dormant], id.0, &days)
}

/// Builds the whole index from the records: the migration step and generated data.
pub fn rebuild_tx(tx: &WriteTransaction) -> StoreResult<(usize, usize)> {
    tx.open_table(CARE_DUE)?.retain(|_, _| false)?;
    tx.open_table(CARE_DUE_BY_SUBJECT)?.retain(|_, _| false)?;
    reindex_tx(tx)
}

/// Places every vehicle and customer again from the records, keeping the snoozes of entries
/// whose day did not move: after the shop's time zone changed (`check --repair-reports`), the
/// days read in the shop's time (km, last visits, deferred work) follow it.
pub fn reindex_tx(tx: &WriteTransaction) -> StoreResult<(usize, usize)> {
    let tz = super::settings::get_tx(tx)?.tz();
    let vehicle_ids: Vec<u64> =
        tx.open_table(VEHICLES)?.iter()?.map(|r| r.map(|(k, _)| k.value())).collect::<Result<_, _>>()?;
    let customer_ids: Vec<u64> =
        tx.open_table(CUSTOMERS)?.iter()?.map(|r| r.map(|(k, _)| k.value())).collect::<Result<_, _>>()?;
    for id in &vehicle_ids {
        let vehicle = vehicles::get_tx(tx, VehicleId(*id))?;
        let days = vehicle_days_tx(tx, &vehicle, tz)?;
        place_tx(tx, &DueKind::VEHICLE, *id, &days)?;
    }
    for id in &customer_ids {
        let days = customer_days_tx(tx, CustomerId(*id), tz)?;
        place_tx(tx, &[DueKind::Birthday, DueKind::Dormant], *id, &days)?;
    }
    Ok((vehicle_ids.len(), customer_ids.len()))
}

/// Indexes every car's deferred work, leaving the other lists (and their snoozes) as they are:
/// the step that brought the list to a database indexed before it existed. Returns how many
/// cars are on it.
pub fn index_deferred_tx(tx: &WriteTransaction) -> StoreResult<usize> {
    let mut vehicles_with_inspections: Vec<u64> = Vec::new();
    for row in tx.open_table(INSPECTIONS_BY_VEHICLE)?.iter()? {
        let (vehicle, _) = row?.0.value();
        if vehicles_with_inspections.last() != Some(&vehicle) {
            vehicles_with_inspections.push(vehicle);
        }
    }
    let tz = super::settings::get_tx(tx)?.tz();
    let mut listed = 0;
    for id in vehicles_with_inspections {
        let Some(vehicle) = vehicles::get_tx(tx, VehicleId(id)).map(Some).or_else(not_found_none)? else {
            continue;
        };
        let days: Vec<(DueKind, i32)> =
            vehicle_days_tx(tx, &vehicle, tz)?.into_iter().filter(|(k, _)| *k == DueKind::Deferred).collect();
        listed += days.len();
        place_tx(tx, &[DueKind::Deferred], id, &days)?;
    }
    Ok(listed)
}

/// Which entries of a list to read: due from `from` to `to` (both included; for birthdays
/// the days the birthdays fall on, for dormant customers the days of their last visit).
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Snoozes in force on this day hide their entries.
    pub today: NaiveDate,
    pub with_snoozed: bool,
    pub skip: usize,
    pub limit: usize,
}

/// A list's entries in the window in due order, at most `limit` after skipping `skip`, with
/// how many there are in all. Each comes with the day it falls due.
pub fn list(
    tx: &ReadTransaction,
    kind: DueKind,
    w: &Window,
) -> StoreResult<(Vec<(DueEntry, NaiveDate)>, usize)> {
    let table = tx.open_table(CARE_DUE)?;
    let k = kind.key();
    let mut out = Vec::new();
    let mut total = 0;
    let ranges: Vec<(i32, i32, Option<NaiveDate>)> = if kind == DueKind::Birthday {
        let days = (w.to - w.from).num_days().clamp(-1, 366) + 1;
        birthday_keys(w.from, days as u32).into_iter().map(|(key, day)| (key, key, Some(day))).collect()
    } else if w.from <= w.to {
        vec![(day_key(w.from), day_key(w.to), None)]
    } else {
        vec![]
    };
    for (from, to, on) in ranges {
        for row in table.range((k, from, 0)..=(k, to, u64::MAX))? {
            let (key, value) = row?;
            let snoozed_until = snooze_day(value.value());
            if !w.with_snoozed && crate::domain::care::snoozed(snoozed_until, w.today) {
                continue;
            }
            if total >= w.skip && out.len() < w.limit {
                let (_, day, subject) = key.value();
                let Some(due) = on.or_else(|| key_day(day)) else { continue };
                out.push((DueEntry { kind, day, subject, snoozed_until }, due));
            }
            total += 1;
        }
    }
    Ok((out, total))
}

fn snooze_day(stored: i32) -> Option<NaiveDate> {
    if stored == 0 { None } else { key_day(stored) }
}

/// One subject's entry of a list.
pub fn entry(tx: &ReadTransaction, kind: DueKind, subject: u64) -> StoreResult<Option<DueEntry>> {
    let table = tx.open_table(CARE_DUE_BY_SUBJECT)?;
    Ok(table.get((kind.key(), subject))?.map(|v| {
        let (day, snooze) = v.value();
        DueEntry { kind, day, subject, snoozed_until: snooze_day(snooze) }
    }))
}

/// Records what came of an entry: a contact in the customer's history (`summary`, written in
/// the advisor's words), the entry snoozed for the outcome's days, an audit entry. Refused
/// (not found) when the subject has no entry on that list.
#[allow(clippy::too_many_arguments)]
pub fn record_outcome_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    kind: DueKind,
    subject: u64,
    outcome: Outcome,
    summary: String,
    today: NaiveDate,
) -> StoreResult<(CustomerId, NaiveDate)> {
    let k = kind.key();
    let (day, _) =
        tx.open_table(CARE_DUE_BY_SUBJECT)?.get((k, subject))?.ok_or(StoreError::NotFound)?.value();
    let customer = if kind.per_vehicle() {
        vehicles::get_tx(tx, VehicleId(subject))?.customer_id
    } else {
        CustomerId(subject)
    };
    let until = today + Duration::days(outcome.snooze_days());
    tx.open_table(CARE_DUE)?.insert((k, day, subject), day_key(until))?;
    tx.open_table(CARE_DUE_BY_SUBJECT)?.insert((k, subject), (day, day_key(until)))?;
    let contact: ContactKind = outcome.contact_kind();
    customers::add_contact_tx(tx, actor, customer, contact, summary)?;
    let record =
        if kind.per_vehicle() { format!("vehicle:{subject}") } else { format!("customer:{subject}") };
    append_tx(tx, actor, "care.outcome", &record, format!("{} {}", kind.code(), outcome.code()))?;
    Ok((customer, until))
}

/// How many entries of each list are due and not snoozed on `today`: the vehicle lists from
/// `back` days ago to `ahead` days on, birthdays in the coming week (the advisor's home).
pub fn counts(
    tx: &ReadTransaction,
    today: NaiveDate,
    back: i64,
    ahead: i64,
) -> StoreResult<Vec<(DueKind, usize)>> {
    let mut w = Window {
        from: today - Duration::days(back),
        to: today + Duration::days(ahead),
        today,
        with_snoozed: false,
        skip: 0,
        limit: 0,
    };
    let mut out = Vec::new();
    for kind in DueKind::VEHICLE {
        out.push((kind, list(tx, kind, &w)?.1));
    }
    (w.from, w.to) = (today, today + Duration::days(6));
    out.push((DueKind::Birthday, list(tx, DueKind::Birthday, &w)?.1));
    Ok(out)
}

/// Differences between the index and the records (`wrenchdesk check`): each is one line.
pub fn verify(tx: &ReadTransaction) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    let by_subject = tx.open_table(CARE_DUE_BY_SUBJECT)?;
    let due = tx.open_table(CARE_DUE)?;
    let mut n = 0u64;
    for row in due.iter()? {
        let (key, value) = row?;
        let (k, day, subject) = key.value();
        n += 1;
        match by_subject.get((k, subject))? {
            Some(v) if v.value() == (day, value.value()) => {}
            _ => problems
                .push(format!("care index: entry ({k}, {day}, {subject}) has no matching subject row")),
        }
        let exists = if DueKind::from_key(k).is_some_and(DueKind::per_vehicle) {
            tx.open_table(VEHICLES)?.get(subject)?.is_some()
        } else {
            tx.open_table(CUSTOMERS)?.get(subject)?.is_some()
        };
        if !exists {
            problems.push(format!("care index: entry ({k}, {day}, {subject}) for a missing record"));
        }
    }
    if by_subject.len()? != n {
        problems.push(format!("care index: {} subject rows for {n} entries", by_subject.len()?));
    }
    // The dates copied from the records must match them (the km and visit days are derived
    // from many records and checked by the tests of the write paths).
    let customers = tx.open_table(CUSTOMERS)?;
    let (inspections_by_vehicle, inspections, orders) =
        (tx.open_table(INSPECTIONS_BY_VEHICLE)?, tx.open_table(INSPECTIONS)?, tx.open_table(ORDERS)?);
    let tz = super::settings::get(tx)?.tz();
    for row in tx.open_table(VEHICLES)?.iter()? {
        let (_, v) = row?;
        let v = v.value();
        let d = &v.details;
        let listed = customers.get(v.customer_id.0)?.is_some_and(|c| !invalid(&c.value()));
        for (kind, day) in [
            (DueKind::ServiceDate, d.next_service_date),
            (DueKind::Insurance, d.insurance_expiry),
            (DueKind::Inspection, d.inspection_due),
        ] {
            let stored = by_subject.get((kind.key(), v.id.0))?.map(|x| x.value().0);
            if stored != day.filter(|_| listed).map(day_key) {
                problems.push(format!("care index: vehicle {} {} is out of step", v.id, kind.code()));
            }
        }
        // Deferred work's day is the shop-local day of a "no" plus a delay: a changed time zone
        // moves it by a day until `check --repair-reports`, so only whether the car is listed
        // is held against the records here, as for dormant customers.
        let deferred = deferred_day_in(&inspections_by_vehicle, &inspections, &orders, v.id, tz)?;
        let stored = by_subject.get((DueKind::Deferred.key(), v.id.0))?.is_some();
        if stored != (deferred.is_some() && listed) {
            problems.push(format!("care index: vehicle {} deferred work is out of step", v.id));
        }
    }
    for row in tx.open_table(CUSTOMERS)?.iter()? {
        let (_, c) = row?;
        let c = c.value();
        let listed = !invalid(&c);
        let stored = by_subject.get((DueKind::Birthday.key(), c.id.0))?.map(|x| x.value().0);
        if stored != c.details.birthday.filter(|_| listed).map(birthday_key) {
            problems.push(format!("care index: customer {} birthday is out of step", c.id));
        }
        if listed != by_subject.get((DueKind::Dormant.key(), c.id.0))?.is_some() {
            problems.push(format!(
                "care index: customer {} is listed as dormant or not against their status",
                c.id
            ));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use redb::ReadableTable;

    use super::*;
    use crate::domain::customer::CustomerInput;
    use crate::domain::vehicle::VehicleInput;
    use crate::domain::work_order::Reception;
    use crate::domain::{CustomerDetails, OrderState, VehicleDetails};
    use crate::store::testing::temp_store;

    fn snapshot(store: &crate::store::Store) -> Vec<((u8, i32, u64), i32)> {
        store
            .read_now(|tx| {
                let mut out = vec![];
                for row in tx.open_table(CARE_DUE)?.iter()? {
                    let (k, v) = row?;
                    out.push((k.value(), v.value()));
                }
                Ok(out)
            })
            .unwrap()
    }

    /// What the writes keep up entry by entry is what building from scratch gives (the
    /// migration step), and `check` finds nothing to say about either.
    #[test]
    fn the_index_kept_by_the_writes_equals_the_one_built_from_the_records() {
        let (store, _dir) = temp_store();
        let today = Utc::now().date_naive();
        let sys = Actor::system();
        store
            .write_touching_now(|tx, t| {
                for n in 0..5u32 {
                    let input = CustomerInput {
                        kind: "person".into(),
                        name: format!("客户{n}"),
                        phone: format!("1380013800{n}"),
                        birthday: format!("1990-0{}-1{n}", n + 1),
                        ..Default::default()
                    };
                    let details =
                        CustomerDetails::check(&input, today, &["walk_in".into()], &["ordinary".into()])
                            .unwrap();
                    let c = customers::create_tx(tx, t, &sys, details)?;
                    let v = VehicleInput {
                        plate: format!("粤B1000{n}"),
                        mileage: "20000".into(),
                        next_service_km: "25000".into(),
                        insurance_expiry: (today + Duration::days(i64::from(n) * 10)).to_string(),
                        next_service_date: (today + Duration::days(20)).to_string(),
                        ..Default::default()
                    };
                    let v =
                        vehicles::create_tx(tx, t, &sys, c.id, VehicleDetails::check(&v, today).unwrap())?;
                    let reception = Reception {
                        mileage: Some(12_000 + n * 1000),
                        fuel: None,
                        complaint: "保养".into(),
                        items_left: String::new(),
                        promised_at: None,
                        advisor: None,
                    };
                    let at = Utc::now() - Duration::days(200);
                    let order = WorkOrder::new(v.id, c.id, OrderState::Cancelled, reception, at, None);
                    let settings = super::super::settings::get_tx(tx)?;
                    crate::store::orders::record_tx(tx, t, &sys, &settings, order)?;
                }
                Ok(())
            })
            .unwrap();
        let kept = snapshot(&store);
        assert_eq!(kept.iter().filter(|((k, _, _), _)| *k == DueKind::ServiceKm.key()).count(), 5);
        assert_eq!(kept.iter().filter(|((k, _, _), _)| *k == DueKind::Birthday.key()).count(), 5);
        assert!(store.read_now(verify).unwrap().is_empty());
        store.write_now(|tx| rebuild_tx(tx).map(|_| ())).unwrap();
        assert_eq!(snapshot(&store), kept);
        assert!(store.read_now(verify).unwrap().is_empty());
    }
}
