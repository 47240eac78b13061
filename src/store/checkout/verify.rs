//! What `check` proves about checkout: the payment indexes hold exactly the payments, each
//! receivable is the sum of its customer's payments, voids point at payments of the same
//! order, and every settled or delivered order is covered by its payments.

use std::collections::{BTreeMap, BTreeSet};

use redb::{ReadTransaction, ReadableTable};
use rust_decimal::Decimal;

use super::day_key;
use crate::domain::checkout::{Bill, Checkout, CheckoutRules, Payment};
use crate::domain::{OrderState, Settings};
use crate::store::StoreResult;
use crate::store::tables::{
    CHECKOUTS, ORDERS, PAYMENTS, PAYMENTS_BY_CUSTOMER, PAYMENTS_BY_DAY, PAYMENTS_BY_ORDER, RECEIVABLES,
    SETTINGS, SETTINGS_KEY, SETTLED_ELSEWHERE,
};

pub fn check_payments(tx: &ReadTransaction) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    let (mut by_order, mut by_customer, mut by_day) = (BTreeMap::new(), BTreeSet::new(), BTreeSet::new());
    let mut owed: BTreeMap<u64, Decimal> = BTreeMap::new();
    let mut of_order: BTreeMap<u64, Vec<Payment>> = BTreeMap::new();
    let mut all = BTreeMap::new();
    for row in tx.open_table(PAYMENTS)?.iter()? {
        let (id, p) = row?;
        let (id, p) = (id.value(), p.value());
        if p.id != id {
            problems.push(format!("payment {id} carries id {}", p.id));
        }
        if p.amount.scale() > 2 || p.change < Decimal::ZERO {
            problems.push(format!("payment {id} is not in cents or gives negative change"));
        }
        if let Some(order) = p.order {
            by_order.insert((order.0, id), p.brief());
            of_order.entry(order.0).or_default().push(p.clone());
        }
        by_customer.insert((p.customer.0, day_key(p.day), id));
        by_day.insert((day_key(p.day), id));
        *owed.entry(p.customer.0).or_default() += p.receivable_effect();
        all.insert(id, p);
    }
    for p in all.values() {
        if let Some(of) = p.voids {
            match all.get(&of) {
                Some(o) if o.order == p.order && o.amount == -p.amount && o.voids.is_none() => {}
                _ => problems.push(format!("void {} does not match the payment {of} it voids", p.id)),
            }
        }
    }
    let mut indexed = BTreeMap::new();
    for row in tx.open_table(PAYMENTS_BY_ORDER)?.iter()? {
        let (k, v) = row?;
        indexed.insert(k.value(), v.value());
    }
    if by_order != indexed {
        problems.push("the payments-by-order index does not match the payments".into());
    }
    let mut customers = BTreeSet::new();
    for row in tx.open_table(PAYMENTS_BY_CUSTOMER)?.iter()? {
        customers.insert(row?.0.value());
    }
    if customers != by_customer {
        problems.push("the payments-by-customer index does not match the payments".into());
    }
    let mut days = BTreeSet::new();
    for row in tx.open_table(PAYMENTS_BY_DAY)?.iter()? {
        days.insert(row?.0.value());
    }
    if days != by_day {
        problems.push("the payments-by-day index does not match the payments".into());
    }
    owed.retain(|_, v| !v.is_zero());
    let mut stored = BTreeMap::new();
    for row in tx.open_table(RECEIVABLES)?.iter()? {
        let (k, v) = row?;
        stored.insert(k.value(), v.value());
    }
    if stored != owed {
        problems.push("the receivables do not equal the sum of the customers' payments".into());
    }
    problems.extend(check_settled(tx, &of_order)?);
    Ok(problems)
}

/// Every settled or delivered order is covered by its payments, unless it was settled
/// elsewhere; no order owes a negative balance.
fn check_settled(tx: &ReadTransaction, of_order: &BTreeMap<u64, Vec<Payment>>) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    let settings: Settings =
        tx.open_table(SETTINGS)?.get(SETTINGS_KEY)?.map(|v| v.value()).unwrap_or_default();
    let rules = CheckoutRules::of(&settings);
    let checkouts = tx.open_table(CHECKOUTS)?;
    let elsewhere = tx.open_table(SETTLED_ELSEWHERE)?;
    let none = Vec::new();
    for row in tx.open_table(ORDERS)?.iter()? {
        let (id, order) = row?;
        let (id, order) = (id.value(), order.value());
        let payments = of_order.get(&id).unwrap_or(&none);
        let checkout: Option<Checkout> = checkouts.get(id)?.map(|v| v.value());
        if payments.is_empty() && checkout.is_none() {
            if matches!(order.state, OrderState::Settled | OrderState::Delivered)
                && elsewhere.get(id)?.is_none()
            {
                problems.push(format!("order {} is settled with no payment", order.number));
            }
            continue;
        }
        let bill = Bill::of(&order, &checkout.unwrap_or_default(), payments, rules);
        let settled = matches!(order.state, OrderState::Settled | OrderState::Delivered);
        if settled && bill.balance > Decimal::ZERO && elsewhere.get(id)?.is_none() {
            problems.push(format!("order {} is settled with {} still due", order.number, bill.balance));
        }
        if bill.balance < Decimal::ZERO {
            problems.push(format!("order {} is overpaid by {}", order.number, -bill.balance));
        }
    }
    Ok(problems)
}
