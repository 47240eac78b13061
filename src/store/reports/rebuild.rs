//! Every report total recomputed from the records: the orders' histories, the recognitions on
//! the checkout records, the payments and the stock ledger. `check` compares the result with
//! the stored tables; a repair (and the migration that introduced them) writes it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use redb::{ReadableTable, WriteTransaction};

use super::{cents, day_key};
use crate::domain::checkout::{Checkout, CheckoutRules, Settlement};
use crate::domain::report::{
    DayTotals, PartUse, Recognition, Revisit, delivered_at, local_day, month_key, movement_totals, opened_at,
    order_volume, payment_totals,
};
use crate::domain::{OrderState, Settings, UserId, WorkOrder};
use crate::store::StoreResult;
use crate::store::tables::{
    CHECKOUTS, CUSTOMER_MONTHS, DAILY_TOTALS, ORDERS, PART_MONTHS, PAYMENTS, SETTINGS, SETTINGS_KEY,
    STOCK_MOVES,
};

/// The report tables as the records say they should be.
#[derive(Debug, Default, PartialEq)]
pub struct Rebuilt {
    pub days: BTreeMap<i32, DayTotals>,
    /// (month key, customer id) → (spend in cents, visits).
    pub customers: BTreeMap<(i32, u64), (i64, i64)>,
    /// (month key, part id) → use.
    pub parts: BTreeMap<(i32, u64), PartUse>,
}

impl Rebuilt {
    fn add(&mut self, day: chrono::NaiveDate, d: &DayTotals) {
        self.days.entry(day_key(day)).or_default().merge(d, 1);
    }

    fn add_recognition(&mut self, customer: u64, r: &Recognition, tz: chrono_tz::Tz) -> StoreResult<()> {
        let day = local_day(r.at, tz);
        self.add(day, &r.day_totals());
        let month = month_key(day);
        let c = self.customers.entry((month, customer)).or_default();
        c.0 += r.sign * cents(r.totals.total)?;
        c.1 += r.sign;
        for (part, use_) in &r.parts {
            self.parts.entry((month, *part)).or_default().merge(use_, r.sign);
        }
        Ok(())
    }

    /// Drops what adds up to nothing: such rows are not stored.
    fn prune(&mut self) {
        self.days.retain(|_, d| !d.is_zero());
        self.customers.retain(|_, c| *c != (0, 0));
        self.parts.retain(|_, p| !p.is_zero());
    }
}

/// One order as the revisit rule needs it.
struct Visit {
    id: u64,
    opened: Option<DateTime<Utc>>,
    delivered: Option<DateTime<Utc>>,
    technicians: Vec<UserId>,
}

/// Recomputes every report total from the records.
pub fn rebuild(tx: &impl Reader) -> StoreResult<Rebuilt> {
    let tz = tx.settings()?.tz();
    let mut out = Rebuilt::default();
    let mut customer_of: HashMap<u64, u64> = HashMap::new();
    let mut by_vehicle: HashMap<u64, Vec<Visit>> = HashMap::new();
    tx.each_order(&mut |o: WorkOrder| {
        for (day, d) in order_volume(&o, None, tz) {
            out.add(day, &d);
        }
        customer_of.insert(o.id.0, o.customer_id.0);
        by_vehicle.entry(o.vehicle_id.0).or_default().push(Visit {
            id: o.id.0,
            opened: opened_at(&o),
            delivered: delivered_at(&o),
            technicians: o.technicians(),
        });
        Ok(())
    })?;
    // A car's previous visit: the newest earlier order delivered by the time it was opened.
    for visits in by_vehicle.values_mut() {
        visits.sort_by_key(|v| v.id);
        for (i, v) in visits.iter().enumerate() {
            let Some(opened) = v.opened else { continue };
            let previous = visits[..i].iter().rev().find(|p| p.delivered.is_some_and(|d| d <= opened));
            let revisit = previous
                .and_then(|p| Revisit::after(opened, p.delivered.unwrap_or(opened), p.technicians.clone()));
            if let Some(r) = revisit {
                out.add(local_day(opened, tz), &r.totals());
            }
        }
    }
    tx.each_checkout(&mut |order, checkout: Checkout| {
        let customer = customer_of.get(&order).copied().unwrap_or_default();
        for r in &checkout.recognised {
            out.add_recognition(customer, r, tz)?;
        }
        Ok(())
    })?;
    tx.each_payment(&mut |p| {
        out.add(p.day, &payment_totals(&p));
        Ok(())
    })?;
    tx.each_movement(&mut |m| {
        out.add(local_day(m.at, tz), &movement_totals(&m));
        Ok(())
    })?;
    out.prune();
    Ok(out)
}

/// What [`rebuild`] reads, from a read or a write transaction.
pub trait Reader {
    fn settings(&self) -> StoreResult<Settings>;
    fn each_order(&self, f: &mut dyn FnMut(WorkOrder) -> StoreResult<()>) -> StoreResult<()>;
    fn each_checkout(&self, f: &mut dyn FnMut(u64, Checkout) -> StoreResult<()>) -> StoreResult<()>;
    fn each_payment(
        &self,
        f: &mut dyn FnMut(crate::domain::checkout::Payment) -> StoreResult<()>,
    ) -> StoreResult<()>;
    fn each_movement(
        &self,
        f: &mut dyn FnMut(crate::domain::stock::Movement) -> StoreResult<()>,
    ) -> StoreResult<()>;
}

macro_rules! reader_for {
    ($tx:ty) => {
        impl Reader for $tx {
            fn settings(&self) -> StoreResult<Settings> {
                Ok(self.open_table(SETTINGS)?.get(SETTINGS_KEY)?.map(|v| v.value()).unwrap_or_default())
            }
            fn each_order(&self, f: &mut dyn FnMut(WorkOrder) -> StoreResult<()>) -> StoreResult<()> {
                for row in self.open_table(ORDERS)?.iter()? {
                    f(row?.1.value())?;
                }
                Ok(())
            }
            fn each_checkout(&self, f: &mut dyn FnMut(u64, Checkout) -> StoreResult<()>) -> StoreResult<()> {
                for row in self.open_table(CHECKOUTS)?.iter()? {
                    let (id, c) = row?;
                    f(id.value(), c.value())?;
                }
                Ok(())
            }
            fn each_payment(
                &self,
                f: &mut dyn FnMut(crate::domain::checkout::Payment) -> StoreResult<()>,
            ) -> StoreResult<()> {
                for row in self.open_table(PAYMENTS)?.iter()? {
                    f(row?.1.value())?;
                }
                Ok(())
            }
            fn each_movement(
                &self,
                f: &mut dyn FnMut(crate::domain::stock::Movement) -> StoreResult<()>,
            ) -> StoreResult<()> {
                for row in self.open_table(STOCK_MOVES)?.iter()? {
                    f(row?.1.value())?;
                }
                Ok(())
            }
        }
    };
}
reader_for!(redb::ReadTransaction);
reader_for!(WriteTransaction);

/// The stored report tables.
fn stored(tx: &redb::ReadTransaction) -> StoreResult<Rebuilt> {
    let mut out = Rebuilt::default();
    for row in tx.open_table(DAILY_TOTALS)?.iter()? {
        let (k, v) = row?;
        out.days.insert(k.value(), v.value());
    }
    for row in tx.open_table(CUSTOMER_MONTHS)?.iter()? {
        let (k, v) = row?;
        out.customers.insert(k.value(), v.value());
    }
    for row in tx.open_table(PART_MONTHS)?.iter()? {
        let (k, v) = row?;
        out.parts.insert(k.value(), v.value());
    }
    Ok(out)
}

/// `check`: the stored totals equal their rebuild, and each order's recognised revenue is its
/// bill when it is settled or delivered, nothing otherwise. At most a few differences each.
pub fn verify(tx: &redb::ReadTransaction) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    let expected = rebuild(tx)?;
    let found = stored(tx)?;
    diff(&mut problems, "day", &expected.days, &found.days, |k| {
        chrono::NaiveDate::from_num_days_from_ce_opt(*k).map(|d| d.to_string()).unwrap_or_default()
    });
    diff(&mut problems, "customer month", &expected.customers, &found.customers, |k| format!("{k:?}"));
    diff(&mut problems, "part month", &expected.parts, &found.parts, |k| format!("{k:?}"));
    let settings = tx.settings()?;
    let checkouts = tx.open_table(CHECKOUTS)?;
    let mut wrong = 0;
    for row in tx.open_table(ORDERS)?.iter()? {
        let o = row?.1.value();
        let checkout = checkouts.get(o.id.0)?.map(|v| v.value()).unwrap_or_default();
        let recognised: rust_decimal::Decimal =
            checkout.recognised.iter().map(|r| rust_decimal::Decimal::from(r.sign) * r.totals.total).sum();
        let expected = if matches!(o.state, OrderState::Settled | OrderState::Delivered) {
            bill_total(&o, &checkout, &settings)
        } else {
            rust_decimal::Decimal::ZERO
        };
        if recognised != expected {
            wrong += 1;
            if wrong <= 5 {
                problems.push(format!("order {} recognised {recognised}, its bill is {expected}", o.number));
            }
        }
    }
    if wrong > 5 {
        problems.push(format!("{wrong} orders in all recognise the wrong revenue"));
    }
    Ok(problems)
}

fn bill_total(order: &WorkOrder, checkout: &Checkout, settings: &Settings) -> rust_decimal::Decimal {
    let rules = checkout.rules.unwrap_or(CheckoutRules::of(settings));
    Settlement::compute(order, &checkout.discounts, &rules).total
}

fn diff<K: Ord + Clone, V: PartialEq + std::fmt::Debug>(
    problems: &mut Vec<String>,
    what: &str,
    expected: &BTreeMap<K, V>,
    found: &BTreeMap<K, V>,
    name: impl Fn(&K) -> String,
) {
    let mut keys: Vec<&K> = expected.keys().chain(found.keys()).collect();
    keys.sort();
    keys.dedup();
    let wrong: Vec<&K> = keys.into_iter().filter(|k| expected.get(*k) != found.get(*k)).collect();
    for k in wrong.iter().take(5) {
        problems.push(format!(
            "{what} {}: stored {:?}, the records say {:?}",
            name(k),
            found.get(*k),
            expected.get(*k)
        ));
    }
    if wrong.len() > 5 {
        problems.push(format!("{} {what} rows in all differ from the records", wrong.len()));
    }
}

/// Gives every settled or delivered order without a recognised settlement one, at the time
/// it was settled (orders settled before the reports existed, or recorded from another
/// system), so the revenue reports cover them. The totals are rebuilt afterwards.
pub(crate) fn backfill_tx(tx: &WriteTransaction) -> StoreResult<u64> {
    let settings = tx.settings()?;
    let mut todo = Vec::new();
    {
        let checkouts = tx.open_table(CHECKOUTS)?;
        for row in tx.open_table(ORDERS)?.iter()? {
            let o = row?.1.value();
            if !matches!(o.state, OrderState::Settled | OrderState::Delivered) {
                continue;
            }
            let checkout = checkouts.get(o.id.0)?.map(|v| v.value()).unwrap_or_default();
            if checkout.recognised.is_empty() {
                todo.push((o, checkout));
            }
        }
    }
    let n = todo.len() as u64;
    let mut table = tx.open_table(CHECKOUTS)?;
    for (o, mut checkout) in todo {
        let rules = checkout.rules.unwrap_or(CheckoutRules::of(&settings));
        let settlement = Settlement::compute(&o, &checkout.discounts, &rules);
        checkout.recognised.push(Recognition::of(&o, &settlement, super::settled_at(&o), 1));
        table.insert(o.id.0, &checkout)?;
    }
    Ok(n)
}

/// Rewrites the three report tables from the records.
pub fn repair_tx(tx: &WriteTransaction) -> StoreResult<()> {
    let rebuilt = rebuild(tx)?;
    tx.delete_table(DAILY_TOTALS)?;
    tx.delete_table(CUSTOMER_MONTHS)?;
    tx.delete_table(PART_MONTHS)?;
    let mut days = tx.open_table(DAILY_TOTALS)?;
    for (k, v) in &rebuilt.days {
        days.insert(*k, v)?;
    }
    let mut customers = tx.open_table(CUSTOMER_MONTHS)?;
    for (k, v) in &rebuilt.customers {
        customers.insert(*k, *v)?;
    }
    let mut parts = tx.open_table(PART_MONTHS)?;
    for (k, v) in &rebuilt.parts {
        parts.insert(*k, v)?;
    }
    Ok(())
}
