//! Report totals (统计报表) in the database: one row per shop-local day, and per month the
//! spending of each customer and the use of each catalog part, each written in the same
//! transaction as the record that moves it, so a report reads at most one row per day.
//!
//! ```text
//! mod.rs      the hooks the other store modules call: an order saved, a settlement
//!             recognised or reversed, a payment, a stock movement
//! query.rs    what the report pages read: days, customer ranking, parts usage, dormant
//!             customers
//! rebuild.rs  every total recomputed from the records: `check` compares, a repair rewrites
//! ```
//!
//! What each record adds is a pure function of the domain ([`crate::domain::report`]); the
//! hooks and the rebuild call the same functions, so they cannot disagree on a rule.
//!
//! Invariant (proved by `check`): the three tables equal their rebuild from orders, checkout
//! records, payments and the stock ledger, and every settled or delivered order's recognised
//! revenue is its bill.

mod query;
mod rebuild;

use chrono::{DateTime, NaiveDate, Utc};
use redb::{ReadableTable, WriteTransaction};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::tables::{
    CHECKOUTS, CUSTOMER_MONTHS, DAILY_TOTALS, ORDERS, ORDERS_BY_VEHICLE, PART_MONTHS, SETTINGS, SETTINGS_KEY,
};
use super::{StoreError, StoreResult};
use crate::domain::checkout::{Checkout, CheckoutRules, Payment, Settlement};
use crate::domain::report::{
    DayTotals, PartUse, Recognition, Revisit, local_day, month_key, movement_totals, opened_at, order_volume,
    payment_totals,
};
use crate::domain::stock::Movement;
use crate::domain::{CustomerId, Settings, WorkOrder};

pub use query::{
    CustomerSpend, PartUsage, customer_ranking, customer_spending, days, dormant, last_order_at, part_usage,
    receivables_total, slow_movers,
};
pub(crate) use rebuild::backfill_tx;
pub use rebuild::{Reader, Rebuilt, rebuild, repair_tx, verify};

/// The key of a shop-local day in [`DAILY_TOTALS`].
pub fn day_key(day: NaiveDate) -> i32 {
    super::checkout::day_key(day)
}

/// Money in whole cents, as the per-month customer table keeps it (amounts are in cents).
pub(crate) fn cents(amount: Decimal) -> StoreResult<i64> {
    (amount * Decimal::ONE_HUNDRED)
        .to_i64()
        .ok_or_else(|| StoreError::Internal(format!("amount {amount} out of range").into()))
}

fn tz_tx(tx: &WriteTransaction) -> StoreResult<chrono_tz::Tz> {
    let settings: crate::domain::Settings =
        tx.open_table(SETTINGS)?.get(SETTINGS_KEY)?.map(|v| v.value()).unwrap_or_default();
    Ok(settings.tz())
}

/// Adds `delta` to a day's row (`sign` -1 takes it off); a day left with nothing is removed.
pub(crate) fn add_day_tx(
    tx: &WriteTransaction,
    day: NaiveDate,
    delta: &DayTotals,
    sign: i64,
) -> StoreResult<()> {
    if delta.is_zero() {
        return Ok(());
    }
    let mut table = tx.open_table(DAILY_TOTALS)?;
    let key = day_key(day);
    let mut row = table.get(key)?.map(|v| v.value()).unwrap_or_default();
    row.merge(delta, sign);
    if row.is_zero() {
        table.remove(key)?;
    } else {
        table.insert(key, &row)?;
    }
    Ok(())
}

/// An order was stored (`before` is `None` for a new one): what its history adds to the days
/// changes by the difference. Most saves leave the history alone and cost one comparison.
pub(crate) fn order_saved_tx(
    tx: &WriteTransaction,
    before: Option<&WorkOrder>,
    after: &WorkOrder,
) -> StoreResult<()> {
    if let Some(b) = before
        && b.history.len() == after.history.len()
        && b.created_at == after.created_at
        && b.reception.promised_at == after.reception.promised_at
    {
        return Ok(());
    }
    let tz = tz_tx(tx)?;
    // The car's previous visit is looked up once, when the order becomes opened; a save that
    // keeps it opened adds and takes off the same opening.
    let was_opened = before.and_then(opened_at).is_some();
    let revisit = match opened_at(after) {
        Some(at) if !was_opened => revisit_tx(tx, after, at)?,
        _ => None,
    };
    if let Some(b) = before {
        for (day, d) in order_volume(b, revisit.as_ref(), tz) {
            add_day_tx(tx, day, &d, -1)?;
        }
    }
    for (day, d) in order_volume(after, revisit.as_ref(), tz) {
        add_day_tx(tx, day, &d, 1)?;
    }
    Ok(())
}

/// The previous visit of the order's car as of `opened`: the newest of its earlier orders
/// delivered by then (the rule [`rebuild`] applies to every order).
fn revisit_tx(
    tx: &WriteTransaction,
    order: &WorkOrder,
    opened: DateTime<Utc>,
) -> StoreResult<Option<Revisit>> {
    let ids: Vec<u64> = {
        let index = tx.open_table(ORDERS_BY_VEHICLE)?;
        let range = index.range((order.vehicle_id.0, 0)..(order.vehicle_id.0, order.id.0))?;
        let mut ids = Vec::new();
        for row in range {
            ids.push(row?.0.value().1);
        }
        ids
    };
    let orders = tx.open_table(ORDERS)?;
    for id in ids.into_iter().rev() {
        let Some(previous) = orders.get(id)?.map(|v| v.value()) else { continue };
        if crate::domain::report::delivered_at(&previous).is_some_and(|d| d <= opened) {
            return Ok(Revisit::of(opened, &previous));
        }
    }
    Ok(None)
}

/// Recognises the bill `settlement` of a settled order (`sign` 1) or reverses it after a void
/// (`sign` -1) at `at`: the day's revenue, the customer's month and the parts' months. The
/// returned record goes on the order's checkout record.
pub(crate) fn recognise_tx(
    tx: &WriteTransaction,
    order: &WorkOrder,
    settlement: &Settlement,
    at: DateTime<Utc>,
    sign: i64,
) -> StoreResult<Recognition> {
    let recognition = Recognition::of(order, settlement, at, sign);
    apply_recognition_tx(tx, order.customer_id, &recognition, tz_tx(tx)?)?;
    Ok(recognition)
}

/// Reverses the order's last recognised settlement at `at` (a void un-settled it): exactly
/// what it added is taken off, on the void's day, and the reversal is kept on its checkout
/// record.
pub(crate) fn reverse_tx(tx: &WriteTransaction, order: &WorkOrder, at: DateTime<Utc>) -> StoreResult<()> {
    let mut table = tx.open_table(CHECKOUTS)?;
    let mut checkout: Checkout = table.get(order.id.0)?.map(|v| v.value()).unwrap_or_default();
    let net: i64 = checkout.recognised.iter().map(|r| r.sign).sum();
    let Some(last) = checkout.recognised.iter().rev().find(|r| r.sign > 0).filter(|_| net > 0) else {
        return Ok(());
    };
    let reversal = Recognition { at, sign: -1, ..last.clone() };
    checkout.recognised.push(reversal.clone());
    table.insert(order.id.0, &checkout)?;
    drop(table);
    apply_recognition_tx(tx, order.customer_id, &reversal, tz_tx(tx)?)
}

/// Recognises the bill of an order recorded as already settled (from another system), at the
/// time its history says it was settled, with the shop's rules and no discounts.
pub(crate) fn recognise_recorded_tx(
    tx: &WriteTransaction,
    order: &WorkOrder,
    settings: &Settings,
) -> StoreResult<()> {
    let mut table = tx.open_table(CHECKOUTS)?;
    let mut checkout: Checkout = table.get(order.id.0)?.map(|v| v.value()).unwrap_or_default();
    let rules = checkout.rules.unwrap_or(CheckoutRules::of(settings));
    let settlement = Settlement::compute(order, &checkout.discounts, &rules);
    let recognition = Recognition::of(order, &settlement, settled_at(order), 1);
    checkout.recognised.push(recognition.clone());
    table.insert(order.id.0, &checkout)?;
    drop(table);
    apply_recognition_tx(tx, order.customer_id, &recognition, settings.tz())
}

/// When a settled or delivered order was (last) settled, as its history tells.
pub(crate) fn settled_at(order: &WorkOrder) -> DateTime<Utc> {
    order
        .history
        .iter()
        .rev()
        .find(|t| t.to == crate::domain::OrderState::Settled)
        .map(|t| t.at)
        .or_else(|| crate::domain::report::delivered_at(order))
        .unwrap_or(order.updated_at)
}

fn apply_recognition_tx(
    tx: &WriteTransaction,
    customer: CustomerId,
    r: &Recognition,
    tz: chrono_tz::Tz,
) -> StoreResult<()> {
    let day = local_day(r.at, tz);
    add_day_tx(tx, day, &r.day_totals(), 1)?;
    let month = month_key(day);
    {
        let mut table = tx.open_table(CUSTOMER_MONTHS)?;
        let (spend, visits) = table.get((month, customer.0))?.map(|v| v.value()).unwrap_or((0, 0));
        let row = (spend + r.sign * cents(r.totals.total)?, visits + r.sign);
        if row == (0, 0) {
            table.remove((month, customer.0))?;
        } else {
            table.insert((month, customer.0), row)?;
        }
    }
    let mut table = tx.open_table(PART_MONTHS)?;
    for (part, use_) in &r.parts {
        let mut row: PartUse = table.get((month, *part))?.map(|v| v.value()).unwrap_or_default();
        row.merge(use_, r.sign);
        if row.is_zero() {
            table.remove((month, *part))?;
        } else {
            table.insert((month, *part), &row)?;
        }
    }
    Ok(())
}

/// A payment or a void was written.
pub(crate) fn payment_tx(tx: &WriteTransaction, p: &Payment) -> StoreResult<()> {
    add_day_tx(tx, p.day, &payment_totals(p), 1)
}

/// A stock movement was booked.
pub(crate) fn movement_tx(tx: &WriteTransaction, m: &Movement) -> StoreResult<()> {
    add_day_tx(tx, local_day(m.at, tz_tx(tx)?), &movement_totals(m), 1)
}
