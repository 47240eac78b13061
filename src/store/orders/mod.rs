//! Work orders: opening (number, token, the vehicle's mileage in the same transaction), lines,
//! approvals, diagnosis, transitions, QR token rotation, and the indexes behind the board, the
//! order list and the histories of vehicles and customers.
//!
//! Every change goes through [`save_tx`], which rewrites the order's index entries from the old
//! and new record, so an index cannot drift from its record.

use chrono::{DateTime, Utc};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::audit::{Actor, append_tx};
use super::tables::{
    OPEN_PART_REQUESTS, ORDERS, ORDERS_BY_CUSTOMER, ORDERS_BY_NUMBER, ORDERS_BY_STATE, ORDERS_BY_TECHNICIAN,
    ORDERS_BY_TOKEN, ORDERS_BY_VEHICLE, PHOTO_THUMBS, PHOTOS, RETIRED_TOKENS, RUNNING, SEQUENCES,
};
use super::{StoreError, StoreResult, Touched, next_id_tx, vehicles};
use crate::domain::clock::{ClockAction, PartRequest, PauseReason, Progress, RequestStatus};
use crate::domain::vehicle::check_mileage;
use crate::domain::work_order::{
    ApprovalDetails, Assignment, Decision, LineDetails, Note, Reception, Transition, check_transition,
    order_number,
};
use crate::domain::{
    CustomerId, FieldErrors, Line, OrderId, OrderState, Problem, Roles, Settings, UserId, VehicleId,
    WorkOrder,
};
use crate::i18n::Msg;
use rust_decimal::Decimal;

mod query;

pub use query::{OrderFilter, OrderPage, OrderRow, PAGE_SIZE, SCAN_LIMIT, list};

pub fn get(tx: &ReadTransaction, id: OrderId) -> StoreResult<Option<WorkOrder>> {
    Ok(tx.open_table(ORDERS)?.get(id.0)?.map(|v| v.value()))
}

pub fn get_tx(tx: &WriteTransaction, id: OrderId) -> StoreResult<WorkOrder> {
    tx.open_table(ORDERS)?.get(id.0)?.map(|v| v.value()).ok_or(StoreError::NotFound)
}

/// What a scanned token leads to.
#[derive(Debug)]
pub enum TokenLookup {
    Current(Box<WorkOrder>),
    /// The sheet with this QR was reprinted with a new one.
    Retired(Box<WorkOrder>),
    Unknown,
}

pub fn by_token(tx: &ReadTransaction, token: u128) -> StoreResult<TokenLookup> {
    if let Some(id) = tx.open_table(ORDERS_BY_TOKEN)?.get(token)?.map(|v| v.value()) {
        return Ok(get(tx, OrderId(id))?
            .map(|o| TokenLookup::Current(Box::new(o)))
            .unwrap_or(TokenLookup::Unknown));
    }
    if let Some(id) = tx.open_table(RETIRED_TOKENS)?.get(token)?.map(|v| v.value()) {
        return Ok(get(tx, OrderId(id))?
            .map(|o| TokenLookup::Retired(Box::new(o)))
            .unwrap_or(TokenLookup::Unknown));
    }
    Ok(TokenLookup::Unknown)
}

pub fn by_number(tx: &ReadTransaction, number: &str) -> StoreResult<Option<OrderId>> {
    Ok(tx.open_table(ORDERS_BY_NUMBER)?.get(number)?.map(|v| OrderId(v.value())))
}

/// Orders whose number starts with `prefix`, newest number first.
pub fn with_number_prefix(tx: &ReadTransaction, prefix: &str, limit: usize) -> StoreResult<Vec<OrderId>> {
    let table = tx.open_table(ORDERS_BY_NUMBER)?;
    let mut out = Vec::new();
    for row in table.range(prefix..)? {
        let (number, id) = row?;
        if !number.value().starts_with(prefix) {
            break;
        }
        out.push(OrderId(id.value()));
    }
    out.reverse();
    out.truncate(limit);
    Ok(out)
}

fn ids_in(
    tx: &ReadTransaction,
    table: redb::TableDefinition<(u64, u64), ()>,
    key: u64,
) -> StoreResult<Vec<OrderId>> {
    let mut out = Vec::new();
    for row in tx.open_table(table)?.range((key, 0)..=(key, u64::MAX))? {
        out.push(OrderId(row?.0.value().1));
    }
    Ok(out)
}

/// A vehicle's orders, newest first.
pub fn for_vehicle(tx: &ReadTransaction, id: VehicleId) -> StoreResult<Vec<WorkOrder>> {
    load_newest_first(tx, ids_in(tx, ORDERS_BY_VEHICLE, id.0)?)
}

/// A customer's orders, newest first.
pub fn for_customer(tx: &ReadTransaction, id: CustomerId) -> StoreResult<Vec<WorkOrder>> {
    load_newest_first(tx, ids_in(tx, ORDERS_BY_CUSTOMER, id.0)?)
}

/// Orders with a technician on one of their live labour lines, newest first.
pub fn for_technician(tx: &ReadTransaction, id: UserId) -> StoreResult<Vec<OrderId>> {
    let mut ids = ids_in(tx, ORDERS_BY_TECHNICIAN, id.0)?;
    ids.reverse();
    Ok(ids)
}

/// The ids of orders in a state, newest first.
pub fn in_state(tx: &ReadTransaction, state: OrderState) -> StoreResult<Vec<OrderId>> {
    let mut out = Vec::new();
    for row in tx.open_table(ORDERS_BY_STATE)?.range((state.code(), 0)..=(state.code(), u64::MAX))? {
        out.push(OrderId(row?.0.value().1));
    }
    out.reverse();
    Ok(out)
}

/// Every order in the shop (on the board), in board column order then oldest first.
pub fn on_board(tx: &ReadTransaction) -> StoreResult<Vec<WorkOrder>> {
    let mut out = Vec::new();
    for state in OrderState::BOARD {
        let mut ids = in_state(tx, state)?;
        ids.reverse();
        for id in ids {
            out.extend(get(tx, id)?);
        }
    }
    Ok(out)
}

fn load_newest_first(tx: &ReadTransaction, mut ids: Vec<OrderId>) -> StoreResult<Vec<WorkOrder>> {
    ids.sort_unstable_by(|a, b| b.cmp(a));
    let table = tx.open_table(ORDERS)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(o) = table.get(id.0)? {
            out.push(o.value());
        }
    }
    Ok(out)
}

/// The newest orders first, `offset` skipped, while `keep` says yes, scanning at most `scan`
/// records: the plain order list and its filters.
pub fn newest(
    tx: &ReadTransaction,
    offset: usize,
    limit: usize,
    scan: usize,
    keep: impl Fn(&WorkOrder) -> bool,
) -> StoreResult<(Vec<WorkOrder>, bool)> {
    let table = tx.open_table(ORDERS)?;
    let mut out = Vec::new();
    let mut skipped = 0;
    for (scanned, row) in table.iter()?.rev().enumerate() {
        if scanned >= scan {
            return Ok((out, true));
        }
        let order = row?.1.value();
        if !keep(&order) {
            continue;
        }
        if skipped < offset {
            skipped += 1;
            continue;
        }
        if out.len() == limit {
            return Ok((out, true));
        }
        out.push(order);
    }
    Ok((out, false))
}

/// Whether a vehicle has any order (its history must be kept).
pub fn vehicle_has_orders_tx(tx: &WriteTransaction, id: VehicleId) -> StoreResult<bool> {
    Ok(tx.open_table(ORDERS_BY_VEHICLE)?.range((id.0, 0)..=(id.0, u64::MAX))?.next().is_some())
}

/// Whether a customer has any order.
pub fn customer_has_orders_tx(tx: &WriteTransaction, id: CustomerId) -> StoreResult<bool> {
    Ok(tx.open_table(ORDERS_BY_CUSTOMER)?.range((id.0, 0)..=(id.0, u64::MAX))?.next().is_some())
}

/// The vehicle's orders that are still being worked on (not delivered or cancelled, not drafts).
pub fn open_for_vehicle_tx(tx: &WriteTransaction, id: VehicleId) -> StoreResult<Vec<(OrderId, String)>> {
    let ids: Vec<u64> = {
        let table = tx.open_table(ORDERS_BY_VEHICLE)?;
        let mut ids = Vec::new();
        for row in table.range((id.0, 0)..=(id.0, u64::MAX))? {
            ids.push(row?.0.value().1);
        }
        ids
    };
    let table = tx.open_table(ORDERS)?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(o) = table.get(id)?.map(|v| v.value()).filter(|o| o.state.on_board()) {
            out.push((o.id, o.number));
        }
    }
    Ok(out)
}

/// The index keys an order contributes, besides its number and token (which change only on
/// purpose).
fn index_tx(tx: &WriteTransaction, order: &WorkOrder, present: bool) -> StoreResult<()> {
    let mut by_state = tx.open_table(ORDERS_BY_STATE)?;
    let mut by_tech = tx.open_table(ORDERS_BY_TECHNICIAN)?;
    if present {
        by_state.insert((order.state.code(), order.id.0), ())?;
        for t in order.technicians() {
            by_tech.insert((t.0, order.id.0), ())?;
        }
    } else {
        by_state.remove((order.state.code(), order.id.0))?;
        for t in order.technicians() {
            by_tech.remove((t.0, order.id.0))?;
        }
    }
    Ok(())
}

/// Stores a changed order: its index entries are rewritten from the record before and after.
fn save_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    before: &WorkOrder,
    after: &mut WorkOrder,
) -> StoreResult<()> {
    // Only the entries that differ are touched: most changes keep the state and technicians,
    // and an untouched index costs no page writes.
    if before.state != after.state {
        let mut by_state = tx.open_table(ORDERS_BY_STATE)?;
        by_state.remove((before.state.code(), before.id.0))?;
        by_state.insert((after.state.code(), after.id.0), ())?;
    }
    let (was, is) = (before.technicians(), after.technicians());
    if was != is {
        let mut by_tech = tx.open_table(ORDERS_BY_TECHNICIAN)?;
        for t in was.iter().filter(|t| !is.contains(t)) {
            by_tech.remove((t.0, before.id.0))?;
        }
        for t in is.iter().filter(|t| !was.contains(t)) {
            by_tech.insert((t.0, after.id.0), ())?;
        }
    }
    after.version = before.version + 1;
    after.updated_at = Utc::now();
    tx.open_table(ORDERS)?.insert(after.id.0, &*after)?;
    touched.order(after.id);
    Ok(())
}

/// Loads an order that may still be changed.
fn editable_tx(tx: &WriteTransaction, id: OrderId) -> StoreResult<WorkOrder> {
    let order = get_tx(tx, id)?;
    if !order.state.is_editable() {
        return Err(StoreError::Refused(Msg::OrderLocked));
    }
    Ok(order)
}

/// What the reception desk decides besides the form itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenOptions {
    /// An estimate only (draft), not yet a job.
    pub draft: bool,
    /// Open another order although the vehicle has one in the shop.
    pub confirm_second: bool,
    /// The odometer reads lower than the last recorded mileage, and that is right.
    pub confirm_mileage: bool,
}

/// Opens a work order for a vehicle. Its number follows the shop's format with the day's
/// sequence in the shop's time zone; the vehicle's mileage is updated in the same transaction.
#[allow(clippy::too_many_arguments)]
pub fn open_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    settings: &Settings,
    vehicle_id: VehicleId,
    reception: Reception,
    options: OpenOptions,
    at: DateTime<Utc>,
) -> StoreResult<WorkOrder> {
    let vehicle = vehicles::get_tx(tx, vehicle_id).map_err(|e| match e {
        StoreError::NotFound => StoreError::Invalid(FieldErrors::one("vehicle_id", Msg::VehicleUnknown)),
        e => e,
    })?;
    if !options.confirm_second
        && let Some((id, number)) = open_for_vehicle_tx(tx, vehicle_id)?.into_iter().next()
    {
        let problem = Problem::with(Msg::VehicleHasOpenOrder, &[&number]).linked(format!("/orders/{id}"));
        return Err(StoreError::Invalid(FieldErrors::one("vehicle_id", problem)));
    }
    if reception.mileage.is_some() {
        check_mileage(vehicle.details.mileage, reception.mileage, options.confirm_mileage)
            .map_err(|p| StoreError::Invalid(FieldErrors::one("mileage", p)))?;
        vehicles::set_mileage_tx(tx, touched, actor, vehicle_id, reception.mileage)?;
    }
    let state = if options.draft { OrderState::Draft } else { OrderState::Open };
    let order = WorkOrder::new(vehicle_id, vehicle.customer_id, state, reception, at, actor.user_id);
    let order = insert_new_tx(tx, settings, order)?;
    let id = order.id;
    append_tx(
        tx,
        actor,
        "order.open",
        &format!("order:{id}"),
        format!("{} {}", order.number, vehicle.details.plate),
    )?;
    touched.order(id);
    Ok(order)
}

/// Stores a whole order as it already happened (generated data, imports from another system):
/// it gets its id, its number for the day it was opened, and a token, with every index, in
/// the caller's transaction. The vehicle's record is left as it is.
pub fn record_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    settings: &Settings,
    order: WorkOrder,
) -> StoreResult<WorkOrder> {
    vehicles::get_tx(tx, order.vehicle_id)?;
    let order = insert_new_tx(tx, settings, order)?;
    let id = order.id;
    append_tx(
        tx,
        actor,
        "order.record",
        &format!("order:{id}"),
        format!("{} {}", order.number, order.state.code()),
    )?;
    touched.order(id);
    Ok(order)
}

/// Gives a new order its id, its number for the day it was opened and a QR token, and stores
/// it with every index.
fn insert_new_tx(tx: &WriteTransaction, settings: &Settings, mut order: WorkOrder) -> StoreResult<WorkOrder> {
    order.id = OrderId(next_id_tx(tx, "order")?);
    order.number = next_number_tx(tx, settings, order.created_at)?;
    order.token = new_token_tx(tx)?;
    let id = order.id.0;
    tx.open_table(ORDERS)?.insert(id, &order)?;
    tx.open_table(ORDERS_BY_NUMBER)?.insert(order.number.as_str(), id)?;
    tx.open_table(ORDERS_BY_TOKEN)?.insert(order.token, id)?;
    tx.open_table(ORDERS_BY_VEHICLE)?.insert((order.vehicle_id.0, id), ())?;
    tx.open_table(ORDERS_BY_CUSTOMER)?.insert((order.customer_id.0, id), ())?;
    index_tx(tx, &order, true)?;
    Ok(order)
}

/// The next free number for the shop-local day of `at`.
fn next_number_tx(tx: &WriteTransaction, settings: &Settings, at: DateTime<Utc>) -> StoreResult<String> {
    let day = at.with_timezone(&settings.tz()).date_naive();
    let key = format!("order:{}", day.format("%Y%m%d"));
    let numbers = tx.open_table(ORDERS_BY_NUMBER)?;
    let mut sequences = tx.open_table(SEQUENCES)?;
    let mut seq = sequences.get(key.as_str())?.map(|v| v.value()).unwrap_or(0);
    // A changed format may meet numbers already given today: skip those.
    loop {
        seq += 1;
        let number = order_number(&settings.order_number_format, day, seq as u32);
        if numbers.get(number.as_str())?.is_none() {
            sequences.insert(key.as_str(), seq)?;
            return Ok(number);
        }
    }
}

fn new_token_tx(tx: &WriteTransaction) -> StoreResult<u128> {
    use rand::RngExt;
    let current = tx.open_table(ORDERS_BY_TOKEN)?;
    let retired = tx.open_table(RETIRED_TOKENS)?;
    loop {
        let token: u128 = rand::rng().random();
        if current.get(token)?.is_none() && retired.get(token)?.is_none() {
            return Ok(token);
        }
    }
}

/// Replaces the order's QR token (a reprint): the old sheet's QR stops working.
pub fn rotate_token_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
) -> StoreResult<WorkOrder> {
    let before = get_tx(tx, id)?;
    if before.state.is_closed() {
        return Err(StoreError::Refused(Msg::OrderLocked));
    }
    let mut order = before.clone();
    order.token = new_token_tx(tx)?;
    order.reprints += 1;
    tx.open_table(ORDERS_BY_TOKEN)?.remove(before.token)?;
    tx.open_table(ORDERS_BY_TOKEN)?.insert(order.token, id.0)?;
    tx.open_table(RETIRED_TOKENS)?.insert(before.token, id.0)?;
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(
        tx,
        actor,
        "order.reprint",
        &format!("order:{id}"),
        format!("{} new QR #{}", order.number, order.reprints),
    )?;
    Ok(order)
}

/// Edits what was taken in at the desk (a typo in the complaint, a new promised time).
pub fn update_reception_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    version: u64,
    reception: Reception,
) -> StoreResult<WorkOrder> {
    let before = editable_tx(tx, id)?;
    if before.version != version {
        return Err(StoreError::Stale);
    }
    let mut order = before.clone();
    // The odometer reading is the vehicle's record; it is taken in once, at opening.
    order.reception = Reception { mileage: before.reception.mileage, ..reception };
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "order.reception", &format!("order:{id}"), order.number.clone())?;
    Ok(order)
}

fn assign(line: &mut Line, technician: Option<UserId>, actor: &Actor, at: DateTime<Utc>) {
    if line.details.technician != technician || line.assignments.is_empty() && technician.is_some() {
        line.assignments.push(Assignment { technician, at, by: actor.user_id });
    }
    line.details.technician = technician;
}

/// Adds lines (one, or a whole template) to an open order; they wait for the customer's answer.
pub fn add_lines_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    lines: Vec<LineDetails>,
    what: &str,
) -> StoreResult<WorkOrder> {
    let before = editable_tx(tx, id)?;
    let mut order = before.clone();
    let now = Utc::now();
    let mut numbers = Vec::new();
    for details in lines {
        let technician = details.technician;
        let line = order.add_line(LineDetails { technician: None, ..details }, now, actor.user_id);
        assign(line, technician, actor, now);
        numbers.push(format!("#{} {} {}", line.no, line.details.description, line.total()));
    }
    order.estimate_version += 1;
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(
        tx,
        actor,
        "order.line.add",
        &format!("order:{id}"),
        format!("{}{what}: {}", order.number, numbers.join(", ")),
    )?;
    Ok(order)
}

/// Changes a line. A change to what the customer pays for asks for their answer again; a new
/// technician is kept in the line's assignment history.
pub fn update_line_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    no: u32,
    details: LineDetails,
) -> StoreResult<WorkOrder> {
    let before = editable_tx(tx, id)?;
    let mut order = before.clone();
    let reassigned = order.line(no).ok_or(StoreError::NotFound)?.details.technician != details.technician;
    if reassigned {
        stop_clocks_tx(tx, &mut order, Some(no))?;
    }
    let line = order.lines.iter_mut().find(|l| l.no == no).ok_or(StoreError::NotFound)?;
    let old = line.details.clone();
    let priced_changed = old.kind != details.kind
        || old.description != details.description
        || old.qty != details.qty
        || old.unit_price != details.unit_price;
    assign(line, details.technician, actor, Utc::now());
    line.details = LineDetails { technician: line.details.technician, ..details };
    let mut summary = format!("{} #{no}", order.number);
    if priced_changed {
        line.decision = Decision::Pending;
        line.decided_in = None;
        summary.push_str(&format!(
            ": {} {}×{} → {}×{}",
            line.details.description, old.qty, old.unit_price, line.details.qty, line.details.unit_price
        ));
        order.estimate_version += 1;
    }
    if old.technician != order.line(no).and_then(|l| l.details.technician) {
        let to = order.line(no).and_then(|l| l.details.technician);
        summary.push_str(&format!(
            "; technician {} → {}",
            old.technician.map(|t| format!("user:{t}")).unwrap_or("-".into()),
            to.map(|t| format!("user:{t}")).unwrap_or("-".into())
        ));
    }
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "order.line.update", &format!("order:{id}"), summary)?;
    Ok(order)
}

/// Removes a line from an order that is still open to changes.
pub fn remove_line_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    no: u32,
) -> StoreResult<WorkOrder> {
    let before = editable_tx(tx, id)?;
    let mut order = before.clone();
    let at = order.lines.iter().position(|l| l.no == no).ok_or(StoreError::NotFound)?;
    stop_clocks_tx(tx, &mut order, Some(no))?;
    let line = order.lines.remove(at);
    order.estimate_version += 1;
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(
        tx,
        actor,
        "order.line.remove",
        &format!("order:{id}"),
        format!("{} #{no} {} {}", order.number, line.details.description, line.total()),
    )?;
    Ok(order)
}

/// Records the customer's answer to the pending lines of the estimate they saw.
pub fn approve_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    details: ApprovalDetails,
) -> StoreResult<WorkOrder> {
    let before = editable_tx(tx, id)?;
    let mut order = before.clone();
    let approval = order
        .apply_approval(details, Utc::now(), actor.user_id, &actor.name)
        .map_err(|p| StoreError::Invalid(FieldErrors::one("decisions", p)))?
        .clone();
    // A declined line is not worked on: its clock stops.
    for no in &approval.declined {
        stop_clocks_tx(tx, &mut order, Some(*no))?;
    }
    let summary = format!(
        "{} approval #{} ({}, {}): approved {:?} declined {:?} = {}",
        before.number,
        approval.no,
        approval.method.code(),
        approval.approver,
        approval.approved,
        approval.declined,
        approval.approved_total
    );
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "order.approve", &format!("order:{id}"), summary)?;
    Ok(order)
}

/// Adds a diagnosis note.
pub fn add_diagnosis_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    text: String,
) -> StoreResult<WorkOrder> {
    let before = editable_tx(tx, id)?;
    let mut order = before.clone();
    order.diagnosis.push(crate::domain::work_order::Note {
        at: Utc::now(),
        by: actor.user_id,
        by_name: actor.name.clone(),
        text,
        photos: vec![],
    });
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "order.diagnosis", &format!("order:{id}"), order.number.clone())?;
    Ok(order)
}

/// Moves an order to another state, if the state machine lets `roles` do it.
pub fn transition_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    roles: Roles,
    id: OrderId,
    to: OrderState,
    reason: &str,
) -> StoreResult<WorkOrder> {
    let before = get_tx(tx, id)?;
    check_transition(roles, &before, to, reason)
        .map_err(|p| StoreError::Invalid(FieldErrors::one("to", p)))?;
    let mut order = before.clone();
    if !matches!(to, OrderState::InProgress | OrderState::WaitingParts) {
        stop_clocks_tx(tx, &mut order, None)?;
    }
    order.state = to;
    order.history.push(Transition {
        from: before.state,
        to,
        at: Utc::now(),
        by: actor.user_id,
        by_name: actor.name.clone(),
        reason: reason.trim().to_string(),
    });
    save_tx(tx, touched, &before, &mut order)?;
    let mut summary = format!("{}: {} → {}", order.number, before.state.code(), to.code());
    if !reason.trim().is_empty() {
        summary.push_str(&format!(" ({})", reason.trim()));
    }
    append_tx(tx, actor, "order.status", &format!("order:{id}"), summary)?;
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::customer::CustomerInput;
    use crate::domain::vehicle::VehicleInput;
    use crate::domain::{CustomerDetails, VehicleDetails};
    use crate::store::customers;
    use crate::store::testing::temp_store;

    fn vehicle(store: &crate::store::Store, plate: &str) -> VehicleId {
        let today = Utc::now().date_naive();
        let customer = CustomerDetails::check(
            &CustomerInput {
                kind: "person".into(),
                name: "王伟".into(),
                phone: "13800138000".into(),
                ..Default::default()
            },
            today,
            &["walk_in".into()],
            &["ordinary".into()],
        )
        .unwrap();
        let v = VehicleDetails::check(
            &VehicleInput { plate: plate.into(), mileage: "50000".into(), ..Default::default() },
            today,
        )
        .unwrap();
        store
            .write_touching_now(|tx, t| {
                let c = customers::create_tx(tx, t, &Actor::system(), customer)?;
                Ok(vehicles::create_tx(tx, t, &Actor::system(), c.id, v)?.id)
            })
            .unwrap()
    }

    fn reception(mileage: Option<u32>) -> Reception {
        Reception {
            mileage,
            fuel: Some(2),
            complaint: "刹车异响".into(),
            items_left: String::new(),
            promised_at: None,
            advisor: None,
        }
    }

    #[test]
    fn numbers_follow_the_shop_day_across_midnight() {
        let (store, _dir) = temp_store();
        let v = vehicle(&store, "京A12345");
        let settings = Settings::default(); // Asia/Shanghai, UTC+8
        let open_at = |at: &str| {
            let at: DateTime<Utc> = at.parse().unwrap();
            let options = OpenOptions { confirm_second: true, ..Default::default() };
            store
                .write_touching_now(|tx, t| {
                    open_tx(tx, t, &Actor::system(), &settings, v, reception(None), options, at)
                })
                .unwrap()
                .number
        };
        // 23:58 and 23:59 in Beijing are still the 28th; 00:01 is the 29th and starts at 001.
        assert_eq!(open_at("2026-11-28T15:58:00Z"), "20261128-001");
        assert_eq!(open_at("2026-11-28T15:59:00Z"), "20261128-002");
        assert_eq!(open_at("2026-11-28T16:01:00Z"), "20261129-001");
        // Back on the 28th (an import of the night's orders), the sequence continues.
        assert_eq!(open_at("2026-11-28T10:00:00Z"), "20261128-003");
    }

    #[test]
    fn opening_updates_the_vehicle_mileage_in_the_same_transaction_and_checks_it() {
        let (store, _dir) = temp_store();
        let v = vehicle(&store, "沪B67890");
        let settings = Settings::default();
        let open = |mileage, options| {
            store.write_touching_now(|tx, t| {
                open_tx(tx, t, &Actor::system(), &settings, v, reception(mileage), options, Utc::now())
            })
        };
        let err = open(Some(40_000), OpenOptions::default()).unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(e) if e.get("mileage").is_some()), "{err:?}");
        let order = open(Some(51_000), OpenOptions::default()).unwrap();
        let mileage = store.read_now(|tx| Ok(vehicles::get(tx, v)?.unwrap().details.mileage)).unwrap();
        assert_eq!(mileage, Some(51_000));
        // A second order for the same car asks first, naming the open one.
        let err = open(None, OpenOptions::default()).unwrap_err();
        let StoreError::Invalid(e) = err else { panic!() };
        let problem = e.get("vehicle_id").unwrap();
        assert_eq!(problem.msg, Msg::VehicleHasOpenOrder);
        assert_eq!(problem.link.as_deref(), Some(format!("/orders/{}", order.id).as_str()));
        assert!(open(None, OpenOptions { confirm_second: true, ..Default::default() }).is_ok());
    }

    #[test]
    fn a_failed_step_leaves_nothing_behind() {
        let (store, _dir) = temp_store();
        let v = vehicle(&store, "粤C11111");
        let settings = Settings::default();
        let result = store.write_touching_now(|tx, t| {
            open_tx(
                tx,
                t,
                &Actor::system(),
                &settings,
                v,
                reception(Some(60_000)),
                OpenOptions::default(),
                Utc::now(),
            )?;
            Err::<(), _>(StoreError::Refused(Msg::OrderLocked))
        });
        assert!(result.is_err());
        store
            .read_now(|tx| {
                assert!(for_vehicle(tx, v)?.is_empty());
                assert_eq!(vehicles::get(tx, v)?.unwrap().details.mileage, Some(50_000));
                Ok(())
            })
            .unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// The shop floor: time clocks, notes and photos, parts requests.

/// Stops the running clocks of an order (or of one line), e.g. when the order leaves work or a
/// line changes hands; the running-line index follows.
fn stop_clocks_tx(tx: &WriteTransaction, order: &mut WorkOrder, only: Option<u32>) -> StoreResult<()> {
    let now = Utc::now();
    let mut running = tx.open_table(RUNNING)?;
    for line in order.lines.iter_mut().filter(|l| only.is_none_or(|n| n == l.no)) {
        if let Some(open) = line.clock.last_mut().filter(|i| i.end.is_none()) {
            open.end = Some(now);
            open.pause = Some(PauseReason::Other);
            if let Some(tech) = open.by {
                let here = running.get(tech.0)?.map(|v| v.value()) == Some((order.id.0, line.no));
                if here {
                    running.remove(tech.0)?;
                }
            }
        }
    }
    Ok(())
}

/// The line whose clock runs for a technician, if any.
pub fn running_for(tx: &ReadTransaction, technician: UserId) -> StoreResult<Option<(OrderId, u32)>> {
    Ok(tx.open_table(RUNNING)?.get(technician.0)?.map(|v| {
        let (order, line) = v.value();
        (OrderId(order), line)
    }))
}

/// What a clock action did besides its own line.
#[derive(Debug, Default)]
pub struct ClockOutcome {
    /// The number of the order whose line was paused because this one started.
    pub switched_from: Option<String>,
    pub moved_to: Option<OrderState>,
}

/// Start, pause or finish a labour line. A technician has one running line: starting another
/// pauses the first (marked "switched"), in the same transaction.
#[allow(clippy::too_many_arguments)]
pub fn clock_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    roles: Roles,
    id: OrderId,
    no: u32,
    action: ClockAction,
) -> StoreResult<(WorkOrder, ClockOutcome)> {
    let now = Utc::now();
    let who = actor.user_id.ok_or(StoreError::Refused(Msg::NotYourLine))?;
    let before = get_tx(tx, id)?;
    let mut order = before.clone();
    let invalid = |p: Problem| StoreError::Invalid(FieldErrors::one("action", p));
    let line = order.line(no).ok_or_else(|| invalid(Problem::new(Msg::LineUnknown)))?;
    let clock_of = line.details.technician.unwrap_or(who);
    let mut outcome = ClockOutcome::default();
    if action == ClockAction::Start && line.progress() != Progress::Running && line.finished_at.is_none() {
        let running = tx.open_table(RUNNING)?.get(clock_of.0)?.map(|v| v.value());
        match running {
            Some((other, other_line)) if other == id.0 && other_line != no => {
                if order.line(other_line).is_some_and(|l| l.progress() == Progress::Running) {
                    let pause = ClockAction::Pause(PauseReason::Switched);
                    order.clock(other_line, pause, who, &actor.name, roles, now).map_err(invalid)?;
                    outcome.switched_from = Some(order.number.clone());
                } else {
                    tx.open_table(RUNNING)?.remove(clock_of.0)?;
                }
            }
            Some((other, other_line)) if other != id.0 => {
                let other_before = get_tx(tx, OrderId(other))?;
                let mut other_order = other_before.clone();
                let still_running =
                    other_order.line(other_line).is_some_and(|l| l.progress() == Progress::Running);
                if still_running {
                    // Whatever the actor may do, pausing the technician's own running line is
                    // always allowed: it is what they asked for by starting another.
                    let desk = Roles::of(&[crate::domain::Role::Advisor]);
                    let pause = ClockAction::Pause(PauseReason::Switched);
                    other_order.clock(other_line, pause, who, &actor.name, desk, now).map_err(invalid)?;
                    save_tx(tx, touched, &other_before, &mut other_order)?;
                    append_tx(
                        tx,
                        actor,
                        "order.clock",
                        &format!("order:{other}"),
                        format!("{} #{other_line} pause (switched)", other_order.number),
                    )?;
                    outcome.switched_from = Some(other_order.number.clone());
                } else {
                    // An entry whose line no longer runs (removed, declined) is dropped.
                    tx.open_table(RUNNING)?.remove(clock_of.0)?;
                }
            }
            _ => {}
        }
    }
    outcome.moved_to = order.clock(no, action, who, &actor.name, roles, now).map_err(invalid)?;
    let line = order.line(no).expect("clocked above");
    {
        let mut running = tx.open_table(RUNNING)?;
        if line.progress() == Progress::Running {
            running.insert(clock_of.0, (id.0, no))?;
        } else if running.get(clock_of.0)?.map(|v| v.value()) == Some((id.0, no)) {
            running.remove(clock_of.0)?;
        }
    }
    let what = match action {
        ClockAction::Start => "start".to_string(),
        ClockAction::Pause(r) => format!("pause ({})", r.code()),
        ClockAction::Finish => "finish".to_string(),
    };
    let mut summary = format!("{} #{no} {what}", order.number);
    if let Some(to) = outcome.moved_to {
        summary.push_str(&format!("; order → {}", to.code()));
    }
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "order.clock", &format!("order:{id}"), summary)?;
    Ok((order, outcome))
}

/// A photo ready to store: the picture and its thumbnail, both JPEG.
pub struct NewPhoto {
    pub picture: Vec<u8>,
    pub thumb: Vec<u8>,
}

/// Adds a note, with its photos, to an order that is not closed.
pub fn add_note_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    text: String,
    photos: Vec<NewPhoto>,
) -> StoreResult<WorkOrder> {
    let before = get_tx(tx, id)?;
    if before.state.is_closed() {
        return Err(StoreError::Refused(Msg::OrderLocked));
    }
    let mut order = before.clone();
    let mut ids = Vec::new();
    for photo in &photos {
        let photo_id = next_id_tx(tx, "photo")?;
        tx.open_table(PHOTOS)?.insert(photo_id, photo.picture.as_slice())?;
        tx.open_table(PHOTO_THUMBS)?.insert(photo_id, photo.thumb.as_slice())?;
        ids.push(photo_id);
    }
    let count = ids.len();
    order.notes.push(Note {
        at: Utc::now(),
        by: actor.user_id,
        by_name: actor.name.clone(),
        text,
        photos: ids,
    });
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "order.note", &format!("order:{id}"), format!("{} ({count} photos)", order.number))?;
    Ok(order)
}

/// A stored photo or its thumbnail.
pub fn photo(tx: &ReadTransaction, id: u64, thumb: bool) -> StoreResult<Option<Vec<u8>>> {
    let table = tx.open_table(if thumb { PHOTO_THUMBS } else { PHOTOS })?;
    Ok(table.get(id)?.map(|v| v.value().to_vec()))
}

/// The order a photo belongs to (photos are shown only to who may see the order).
pub fn photo_order(tx: &ReadTransaction, order: OrderId, photo: u64) -> StoreResult<bool> {
    Ok(get(tx, order)?.is_some_and(|o| o.notes.iter().any(|n| n.photos.contains(&photo))))
}

/// Asks for a part from the floor.
pub fn request_part_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    text: String,
    qty: Decimal,
) -> StoreResult<WorkOrder> {
    let before = editable_tx(tx, id)?;
    let mut order = before.clone();
    let no = order.part_requests.len() as u32 + 1;
    order.part_requests.push(PartRequest {
        no,
        text: text.clone(),
        qty,
        by: actor.user_id,
        by_name: actor.name.clone(),
        at: Utc::now(),
        status: RequestStatus::Open,
        line: None,
    });
    tx.open_table(OPEN_PART_REQUESTS)?.insert((id.0, no), ())?;
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(
        tx,
        actor,
        "order.part_request",
        &format!("order:{id}"),
        format!("{} #{no} {text} × {qty}", order.number),
    )?;
    Ok(order)
}

/// Turns an open parts request into a part line at `unit_price` (waiting for the customer's
/// answer like any addition), or dismisses it when `unit_price` is `None`.
pub fn resolve_request_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    no: u32,
    unit_price: Option<Decimal>,
) -> StoreResult<WorkOrder> {
    let before = editable_tx(tx, id)?;
    let mut order = before.clone();
    let request = order.part_requests.iter().find(|r| r.no == no).ok_or(StoreError::NotFound)?.clone();
    if request.status != RequestStatus::Open {
        return Err(StoreError::Refused(Msg::RequestDone));
    }
    let (status, line) = match unit_price {
        Some(unit_price) => {
            let details = LineDetails {
                kind: crate::domain::LineKind::Part,
                description: request.text.clone(),
                qty: request.qty,
                unit_price,
                part_id: None,
                technician: None,
            };
            let line_no = order.add_line(details, Utc::now(), actor.user_id).no;
            order.estimate_version += 1;
            (RequestStatus::Added, Some(line_no))
        }
        None => (RequestStatus::Dismissed, None),
    };
    if let Some(r) = order.part_requests.iter_mut().find(|r| r.no == no) {
        r.status = status;
        r.line = line;
    }
    tx.open_table(OPEN_PART_REQUESTS)?.remove((id.0, no))?;
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(
        tx,
        actor,
        "order.part_request",
        &format!("order:{id}"),
        format!("{} request #{no} → {}", order.number, status.code()),
    )?;
    Ok(order)
}

/// Every open parts request with its order, oldest first.
pub fn open_requests(tx: &ReadTransaction) -> StoreResult<Vec<(WorkOrder, PartRequest)>> {
    let mut out = Vec::new();
    for row in tx.open_table(OPEN_PART_REQUESTS)?.iter()? {
        let (order, no) = row?.0.value();
        if let Some(o) = get(tx, OrderId(order))?
            && let Some(r) = o.part_requests.iter().find(|r| r.no == no).cloned()
        {
            out.push((o, r));
        }
    }
    Ok(out)
}
