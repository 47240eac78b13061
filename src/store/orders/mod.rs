//! Work orders: loading them, the indexes behind the board, the order list and the histories
//! of vehicles and customers, and [`save_tx`], through which every change goes.
//!
//! Every change goes through [`save_tx`], which rewrites the order's index entries from the old
//! and new record, so an index cannot drift from its record.
//!
//! ```text
//! mod.rs        loading, indexes, save_tx, editable_tx, workable_tx
//! opening.rs    opening (number, token, customer link, the vehicle's mileage in the same
//!               transaction), recording a past order, QR token and customer link rotation,
//!               editing the reception
//! lines.rs      adding, changing and removing lines
//! approvals.rs  the customer's answer
//! status.rs     diagnosis notes and state transitions
//! floor.rs      time clocks, notes and photos from the phone, sharing a note with the customer
//! requests.rs   parts requests from the floor
//! parts.rs      issuing catalog part lines from stock, returns, "not needed"
//! query.rs      the order list's filters and pages
//! walkaround.rs the walk-around at reception: marks and their photos, lights and items, the
//!               customer's signature, a manager's reopening
//! ```

use chrono::Utc;
use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::tables::{
    ORDERS, ORDERS_BY_CUSTOMER, ORDERS_BY_CUSTOMER_TOKEN, ORDERS_BY_NUMBER, ORDERS_BY_STATE,
    ORDERS_BY_TECHNICIAN, ORDERS_BY_TOKEN, ORDERS_BY_VEHICLE, RETIRED_CUSTOMER_TOKENS, RETIRED_TOKENS,
};
use super::{StoreError, StoreResult, Touched};
use crate::domain::work_order::Decision;
use crate::domain::{CustomerId, OrderId, OrderState, UserId, VehicleId, WorkOrder};
use crate::i18n::Msg;

mod approvals;
mod floor;
mod lines;
mod opening;
mod parts;
mod query;
mod requests;
mod status;
pub mod walkaround;

pub use approvals::{approve_tx, customer_approve_tx};
pub use floor::{
    ClockOutcome, NewPhoto, add_note_tx, clock_tx, photo, photo_order, running_for, share_note_tx,
    shared_photo,
};
pub use lines::{add_lines_tx, remove_line_tx, update_line_tx};
pub(crate) use opening::new_customer_link_tx;
pub use opening::{
    OpenOptions, open_tx, record_tx, rotate_customer_link_tx, rotate_token_tx, update_reception_tx,
};
pub(crate) use parts::refund_part_tx;
pub use parts::{issue_line_tx, record_issued_tx, return_line_tx, set_unused_tx};
pub use query::{OrderFilter, OrderPage, OrderRow, PAGE_SIZE, SCAN_LIMIT, Work, count_among, list};
pub use requests::{open_requests, request_part_tx, resolve_request_tx};
pub use status::{add_diagnosis_tx, settle_tx, transition_at_tx, transition_tx, unsettle_tx};

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

/// What a customer link's token leads to: looked up only among customer links, never among
/// the technicians' QR tokens.
pub fn by_customer_token(tx: &ReadTransaction, token: u128) -> StoreResult<TokenLookup> {
    if let Some(id) = tx.open_table(ORDERS_BY_CUSTOMER_TOKEN)?.get(token)?.map(|v| v.value()) {
        return Ok(get(tx, OrderId(id))?
            .map(|o| TokenLookup::Current(Box::new(o)))
            .unwrap_or(TokenLookup::Unknown));
    }
    if let Some(id) = tx.open_table(RETIRED_CUSTOMER_TOKENS)?.get(token)?.map(|v| v.value()) {
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

/// A vehicle's orders still in the shop (on the board, and drafts if asked), newest first. The
/// state index tells which of the car's orders these are, so only they are decoded, not every
/// order the car ever had.
pub fn open_for_vehicle(
    tx: &ReadTransaction,
    id: VehicleId,
    with_drafts: bool,
) -> StoreResult<Vec<WorkOrder>> {
    let drafts = with_drafts.then_some(OrderState::Draft);
    let states: Vec<OrderState> = OrderState::BOARD.into_iter().chain(drafts).collect();
    let ids = in_states(&tx.open_table(ORDERS_BY_STATE)?, ids_in(tx, ORDERS_BY_VEHICLE, id.0)?, &states)?;
    load_newest_first(tx, ids)
}

/// Those of `ids` whose order is in one of `states`, by the state index.
fn in_states(
    by_state: &impl ReadableTable<(&'static str, u64), ()>,
    ids: Vec<OrderId>,
    states: &[OrderState],
) -> StoreResult<Vec<OrderId>> {
    let mut out = Vec::new();
    for id in ids {
        for state in states {
            if by_state.get((state.code(), id.0))?.is_some() {
                out.push(id);
                break;
            }
        }
    }
    Ok(out)
}

/// The ids of a vehicle's orders, oldest first.
pub fn ids_for_vehicle(tx: &ReadTransaction, id: VehicleId) -> StoreResult<Vec<OrderId>> {
    ids_in(tx, ORDERS_BY_VEHICLE, id.0)
}

/// The ids of a customer's orders, oldest first.
pub fn ids_for_customer(tx: &ReadTransaction, id: CustomerId) -> StoreResult<Vec<OrderId>> {
    ids_in(tx, ORDERS_BY_CUSTOMER, id.0)
}

/// A customer's newest `keep` orders, and how many of all their orders were not cancelled (their
/// visits): what the customer's page shows, read from the indexes without decoding every order
/// of ten years.
pub fn recent_for_customer(
    tx: &ReadTransaction,
    id: CustomerId,
    keep: usize,
) -> StoreResult<(Vec<WorkOrder>, usize)> {
    let mut ids = ids_in(tx, ORDERS_BY_CUSTOMER, id.0)?;
    let by_state = tx.open_table(ORDERS_BY_STATE)?;
    let cancelled = OrderState::Cancelled.code();
    let mut visits = 0;
    for id in &ids {
        if by_state.get((cancelled, id.0))?.is_none() {
            visits += 1;
        }
    }
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.truncate(keep);
    Ok((load_newest_first(tx, ids)?, visits))
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
    let ids: Vec<OrderId> = {
        let table = tx.open_table(ORDERS_BY_VEHICLE)?;
        let mut ids = Vec::new();
        for row in table.range((id.0, 0)..=(id.0, u64::MAX))? {
            ids.push(OrderId(row?.0.value().1));
        }
        ids
    };
    let ids = in_states(&tx.open_table(ORDERS_BY_STATE)?, ids, &OrderState::BOARD)?;
    let table = tx.open_table(ORDERS)?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(o) = table.get(id.0)?.map(|v| v.value()) {
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
    crate::store::reports::order_saved_tx(tx, Some(before), after)?;
    tx.open_table(ORDERS)?.insert(after.id.0, &*after)?;
    // A line declined, or no longer (asked again, removed): the car's deferred work may have
    // changed, and with it its entry on the due list.
    if declined(before).ne(declined(after)) {
        crate::store::care::vehicle_changed_tx(tx, after.vehicle_id)?;
    }
    touched.order(after.id);
    Ok(())
}

/// The numbers of the order's declined lines, in order.
fn declined(order: &WorkOrder) -> impl Iterator<Item = u32> + '_ {
    order.lines.iter().filter(|l| l.decision == Decision::Declined).map(|l| l.no)
}

/// Loads an order that may still take work (new or changed lines, diagnosis): not a completed
/// one, which must be reopened first.
fn workable_tx(tx: &WriteTransaction, id: OrderId) -> StoreResult<WorkOrder> {
    let order = editable_tx(tx, id)?;
    if !order.state.takes_work() {
        return Err(StoreError::Refused(Msg::WorkFinished));
    }
    Ok(order)
}

/// Loads an order that may still be changed.
fn editable_tx(tx: &WriteTransaction, id: OrderId) -> StoreResult<WorkOrder> {
    let order = get_tx(tx, id)?;
    if !order.state.is_editable() {
        return Err(StoreError::Refused(Msg::OrderLocked));
    }
    // A bill being paid does not change under the cashier.
    if super::checkout::has_payments_tx(tx, id)? {
        return Err(StoreError::Refused(Msg::OrderHasPayments));
    }
    Ok(order)
}
