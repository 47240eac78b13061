//! Checkout (结算收银) in the database: discounts, payments, voids, receivables, receipt prints.
//!
//! Every payment is one write transaction that reads the order's payments, checks the new one
//! against the balance and writes it with its indexes, so two cashiers paying the same order
//! at once are serialised by redb's single writer and cannot overpay it. When the payments
//! cover the bill the order is settled in the same transaction.
//!
//! - this file: an order's bill, discounts, payments, voids, prints;
//! - [`day`]: receivables (挂账) and the day-end (日结);
//! - [`refund`]: refunding a part line on an order a void reopened (退货退款);
//! - [`statement`]: a customer's statement (对账单) for a period;
//! - [`verify`]: what `check` proves.
//!
//! Invariants (proved by `check`): the three payment indexes hold exactly the payments, each
//! customer's receivable is the sum of their payments' effects, and every settled or delivered
//! order is covered by its payments (or was settled elsewhere).

pub mod day;
pub mod refund;
pub mod statement;
pub mod verify;

use chrono::{DateTime, Datelike, Utc};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};
use rust_decimal::Decimal;

use super::audit::{Actor, append_tx};
use super::codec::Msgpack;
use super::tables::{
    CHECKOUTS, ORDERS, PAYMENTS, PAYMENTS_BY_CUSTOMER, PAYMENTS_BY_DAY, PAYMENTS_BY_ORDER, RECEIVABLES,
    SETTLED_ELSEWHERE,
};
use super::{StoreError, StoreResult, Touched, next_id_tx, orders, reports};
use crate::domain::checkout::{
    Bill, Checkout, CheckoutRules, Discount, DiscountInput, NewPayment, Payment, PaymentBrief, PaymentInput,
    PaymentKind, effective, is_voided,
};
use crate::domain::{FieldErrors, OrderId, OrderState, Role, Roles, Settings, WorkOrder};
use crate::i18n::Msg;

/// An order with its checkout record, payments and bill.
#[derive(Clone, Debug)]
pub struct OrderCheckout {
    pub order: WorkOrder,
    pub checkout: Checkout,
    /// Oldest first, voids included.
    pub payments: Vec<Payment>,
    pub bill: Bill,
    pub settled_elsewhere: bool,
}

/// The days-from-the-common-era key of a shop-local day.
pub fn day_key(day: chrono::NaiveDate) -> i32 {
    day.num_days_from_ce()
}

fn load(table: &impl ReadableTable<u64, Msgpack<Payment>>, ids: Vec<u64>) -> StoreResult<Vec<Payment>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(table.get(id)?.map(|v| v.value()));
    }
    Ok(out)
}

/// The briefs of an order's payments, oldest first: one range of the index.
fn briefs_of(
    table: &impl ReadableTable<(u64, u64), Msgpack<PaymentBrief>>,
    order: OrderId,
) -> StoreResult<Vec<PaymentBrief>> {
    let mut out = Vec::new();
    for row in table.range((order.0, 0)..=(order.0, u64::MAX))? {
        out.push(row?.1.value());
    }
    Ok(out)
}

/// An order's payments, oldest first.
pub fn order_payments(tx: &ReadTransaction, id: OrderId) -> StoreResult<Vec<Payment>> {
    let ids = briefs_of(&tx.open_table(PAYMENTS_BY_ORDER)?, id)?.iter().map(|b| b.id).collect();
    load(&tx.open_table(PAYMENTS)?, ids)
}

fn order_payments_tx(tx: &WriteTransaction, id: OrderId) -> StoreResult<Vec<Payment>> {
    let ids = briefs_of(&tx.open_table(PAYMENTS_BY_ORDER)?, id)?.iter().map(|b| b.id).collect();
    load(&tx.open_table(PAYMENTS)?, ids)
}

/// The ids of a customer's payments taken on or after the shop-local day `from` (all of them
/// for `None`), by day.
fn customer_ids_of(
    table: &impl ReadableTable<(u64, i32, u64), ()>,
    customer: u64,
    from: Option<chrono::NaiveDate>,
) -> StoreResult<Vec<u64>> {
    let start = from.map(day_key).unwrap_or(i32::MIN);
    let mut out = Vec::new();
    for row in table.range((customer, start, 0)..=(customer, i32::MAX, u64::MAX))? {
        out.push(row?.0.value().2);
    }
    Ok(out)
}

/// A customer's payments (order payments, repayments of their receivable, voids), by day.
pub fn customer_payments(tx: &ReadTransaction, id: crate::domain::CustomerId) -> StoreResult<Vec<Payment>> {
    customer_payments_since(tx, id, None)
}

/// A customer's payments taken on or after the shop-local day `from`, by day: what a
/// statement reads.
pub fn customer_payments_since(
    tx: &ReadTransaction,
    id: crate::domain::CustomerId,
    from: Option<chrono::NaiveDate>,
) -> StoreResult<Vec<Payment>> {
    load(&tx.open_table(PAYMENTS)?, customer_ids_of(&tx.open_table(PAYMENTS_BY_CUSTOMER)?, id.0, from)?)
}

pub fn payment(tx: &ReadTransaction, id: u64) -> StoreResult<Option<Payment>> {
    Ok(tx.open_table(PAYMENTS)?.get(id)?.map(|v| v.value()))
}

/// Whether an order has payments that were not voided (its lines are then locked).
pub fn has_payments_tx(tx: &WriteTransaction, id: OrderId) -> StoreResult<bool> {
    let briefs = briefs_of(&tx.open_table(PAYMENTS_BY_ORDER)?, id)?;
    Ok(effective(&briefs).next().is_some())
}

/// Marks an order as settled without payments recorded here (see [`SETTLED_ELSEWHERE`]).
pub fn mark_settled_elsewhere_tx(tx: &WriteTransaction, id: OrderId) -> StoreResult<()> {
    tx.open_table(SETTLED_ELSEWHERE)?.insert(id.0, ())?;
    Ok(())
}

/// The order with its bill, or `None` when there is no such order.
pub fn order_checkout(
    tx: &ReadTransaction,
    id: OrderId,
    settings: &Settings,
) -> StoreResult<Option<OrderCheckout>> {
    let Some(order) = orders::get(tx, id)? else { return Ok(None) };
    let checkout = tx.open_table(CHECKOUTS)?.get(id.0)?.map(|v| v.value()).unwrap_or_default();
    let payments = order_payments(tx, id)?;
    let settled_elsewhere = tx.open_table(SETTLED_ELSEWHERE)?.get(id.0)?.is_some();
    let bill = Bill::of(&order, &checkout, &payments, CheckoutRules::of(settings));
    Ok(Some(OrderCheckout { order, checkout, payments, bill, settled_elsewhere }))
}

/// An order with its checkout record and bill as a write needs them: the payments as their
/// briefs from the index, not the records.
pub(super) struct OrderBill {
    pub order: WorkOrder,
    pub checkout: Checkout,
    /// Oldest first, voids included.
    pub briefs: Vec<PaymentBrief>,
    pub bill: Bill,
}

/// [`order_checkout`] inside a write transaction, for an order that must exist.
pub(super) fn order_bill_tx(
    tx: &WriteTransaction,
    id: OrderId,
    settings: &Settings,
) -> StoreResult<OrderBill> {
    let order = orders::get_tx(tx, id)?;
    let checkout = tx.open_table(CHECKOUTS)?.get(id.0)?.map(|v| v.value()).unwrap_or_default();
    let briefs = briefs_of(&tx.open_table(PAYMENTS_BY_ORDER)?, id)?;
    let bill = Bill::of_briefs(&order, &checkout, &briefs, CheckoutRules::of(settings));
    Ok(OrderBill { order, checkout, briefs, bill })
}

/// What is left to pay on an order that must exist.
pub fn balance_tx(tx: &WriteTransaction, id: OrderId, settings: &Settings) -> StoreResult<Decimal> {
    Ok(order_bill_tx(tx, id, settings)?.bill.balance)
}

/// Saves the checkout record with the rules its bill is computed with from now on.
fn save_checkout_tx(
    tx: &WriteTransaction,
    id: OrderId,
    mut checkout: Checkout,
    rules: CheckoutRules,
) -> StoreResult<()> {
    checkout.rules.get_or_insert(rules);
    tx.open_table(CHECKOUTS)?.insert(id.0, &checkout)?;
    Ok(())
}

pub(super) fn require_completed(order: &WorkOrder) -> StoreResult<()> {
    if order.state == OrderState::Completed {
        Ok(())
    } else {
        Err(StoreError::Refused(Msg::CheckoutOnlyCompleted))
    }
}

pub(super) fn senior(roles: Roles) -> bool {
    roles.has(Role::Admin) || roles.has(Role::Manager)
}

/// Adds a discount to a completed order's bill (before any payment: a bill being paid does not
/// change).
pub fn discount_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    roles: Roles,
    id: OrderId,
    input: &DiscountInput,
    settings: &Settings,
) -> StoreResult<Discount> {
    let oc = order_bill_tx(tx, id, settings)?;
    require_completed(&oc.order)?;
    if !oc.briefs.is_empty() {
        return Err(StoreError::Refused(Msg::OrderHasPayments));
    }
    let discount = Discount::check(
        input,
        &oc.order,
        &oc.checkout.discounts,
        &oc.bill.rules,
        senior(roles),
        Utc::now(),
        actor.user_id,
        &actor.display,
    )
    .map_err(StoreError::Invalid)?;
    let mut checkout = oc.checkout;
    checkout.discounts.push(discount.clone());
    save_checkout_tx(tx, id, checkout, oc.bill.rules)?;
    touched.order(id);
    let on = discount.line.map(|l| format!("#{l}")).unwrap_or_default();
    append_tx(
        tx,
        actor,
        "checkout.discount",
        &format!("order:{id}"),
        format!("{} {on} {} {} {}", oc.order.number, discount.kind.code(), discount.value, discount.reason),
    )?;
    Ok(discount)
}

/// What a payment did.
#[derive(Clone, Debug)]
pub struct Paid {
    pub payment: Payment,
    /// The payments now cover the bill: the order was settled.
    pub settled: bool,
}

/// Takes a payment for a completed order now.
pub fn pay_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    roles: Roles,
    id: OrderId,
    input: &PaymentInput,
    settings: &Settings,
) -> StoreResult<Paid> {
    record_payment_at_tx(tx, touched, actor, roles, id, input, settings, Utc::now())
}

/// Takes a payment for a completed order at `at` (generated data passes the time it
/// happened): checked against the balance read in this transaction; settles the order when
/// the payments cover its bill.
#[allow(clippy::too_many_arguments)]
pub fn record_payment_at_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    roles: Roles,
    id: OrderId,
    input: &PaymentInput,
    settings: &Settings,
    at: DateTime<Utc>,
) -> StoreResult<Paid> {
    let oc = order_bill_tx(tx, id, settings)?;
    require_completed(&oc.order)?;
    let new = NewPayment::check(input, oc.bill.balance, true).map_err(StoreError::Invalid)?;
    let paid_for = PaidFor {
        kind: PaymentKind::Order,
        order: Some(id),
        order_number: oc.order.number.clone(),
        customer: oc.order.customer_id,
    };
    let payment = take_tx(tx, new, paid_for, settings, actor, at)?;
    append_tx(
        tx,
        actor,
        "checkout.payment",
        &format!("order:{id}"),
        format!("{} {} {} (#{})", oc.order.number, payment.method.code(), payment.amount, payment.id),
    )?;
    let mut checkout = oc.checkout;
    let settled = oc.bill.balance - payment.amount <= Decimal::ZERO;
    if settled {
        let order = orders::settle_tx(tx, touched, actor, roles, id, at)?;
        checkout.recognised.push(reports::recognise_tx(tx, &order, &oc.bill.settlement, at, 1)?);
    }
    save_checkout_tx(tx, id, checkout, oc.bill.rules)?;
    touched.order(id);
    Ok(Paid { payment, settled })
}

/// Settles a completed order whose bill is already covered (nothing to pay: a warranty job,
/// a bill discounted to zero).
pub fn settle_paid_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    roles: Roles,
    id: OrderId,
    settings: &Settings,
) -> StoreResult<WorkOrder> {
    settle_paid_at_tx(tx, touched, actor, roles, id, settings, Utc::now())
}

/// [`settle_paid_tx`] at a given time (generated data).
pub fn settle_paid_at_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    roles: Roles,
    id: OrderId,
    settings: &Settings,
    at: DateTime<Utc>,
) -> StoreResult<WorkOrder> {
    let oc = order_bill_tx(tx, id, settings)?;
    require_completed(&oc.order)?;
    if oc.bill.balance > Decimal::ZERO {
        return Err(StoreError::Refused(Msg::SettleOnlyWhenPaid));
    }
    let order = orders::settle_tx(tx, touched, actor, roles, id, at)?;
    let mut checkout = oc.checkout;
    checkout.recognised.push(reports::recognise_tx(tx, &order, &oc.bill.settlement, at, 1)?);
    save_checkout_tx(tx, id, checkout, oc.bill.rules)?;
    Ok(order)
}

/// What a payment is for: an order, or a customer's receivable.
pub(crate) struct PaidFor {
    pub kind: PaymentKind,
    pub order: Option<OrderId>,
    pub order_number: String,
    pub customer: crate::domain::CustomerId,
}

/// Records a checked payment taken at `at` by `actor`, on the shop-local day of `at`.
pub(crate) fn take_tx(
    tx: &WriteTransaction,
    new: NewPayment,
    paid_for: PaidFor,
    settings: &Settings,
    actor: &Actor,
    at: DateTime<Utc>,
) -> StoreResult<Payment> {
    let payment = Payment {
        id: next_id_tx(tx, "payment")?,
        kind: paid_for.kind,
        order: paid_for.order,
        order_number: paid_for.order_number,
        customer: paid_for.customer,
        method: new.method,
        amount: new.amount,
        change: new.change,
        reference: new.reference,
        voids: None,
        reason: String::new(),
        day: at.with_timezone(&settings.tz()).date_naive(),
        at,
        by: actor.user_id,
        by_name: actor.display.clone(),
    };
    write_payment_tx(tx, &payment)?;
    Ok(payment)
}

/// Writes a payment with its three indexes and its effect on the customer's receivable.
pub(crate) fn write_payment_tx(tx: &WriteTransaction, p: &Payment) -> StoreResult<()> {
    tx.open_table(PAYMENTS)?.insert(p.id, p)?;
    if let Some(order) = p.order {
        tx.open_table(PAYMENTS_BY_ORDER)?.insert((order.0, p.id), &p.brief())?;
    }
    tx.open_table(PAYMENTS_BY_CUSTOMER)?.insert((p.customer.0, day_key(p.day), p.id), ())?;
    tx.open_table(PAYMENTS_BY_DAY)?.insert((day_key(p.day), p.id), ())?;
    super::reports::payment_tx(tx, p)?;
    let effect = p.receivable_effect();
    if !effect.is_zero() {
        let mut table = tx.open_table(RECEIVABLES)?;
        let owed = table.get(p.customer.0)?.map(|v| v.value()).unwrap_or_default() + effect;
        if owed.is_zero() {
            table.remove(p.customer.0)?;
        } else {
            table.insert(p.customer.0, &owed)?;
        }
    }
    Ok(())
}

/// Voids a payment (a manager's or an administrator's call, with a reason): a new record with
/// the opposite amount. A settled order whose payments no longer cover it goes back to
/// completed; a delivered order's payments stay.
#[allow(clippy::too_many_arguments)]
pub fn void_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    roles: Roles,
    payment_id: u64,
    reason: &str,
    settings: &Settings,
    at: DateTime<Utc>,
) -> StoreResult<Payment> {
    if !senior(roles) {
        return Err(StoreError::Refused(Msg::TransitionRole));
    }
    let reason = crate::domain::field::required_text(reason, 200)
        .map_err(|p| StoreError::Invalid(FieldErrors::one("reason", p)))?;
    let original =
        tx.open_table(PAYMENTS)?.get(payment_id)?.map(|v| v.value()).ok_or(StoreError::NotFound)?;
    if original.voids.is_some() {
        return Err(StoreError::Refused(Msg::AlreadyVoided));
    }
    let siblings = match original.order {
        Some(order) => order_payments_tx(tx, order)?,
        None => load(
            &tx.open_table(PAYMENTS)?,
            customer_ids_of(&tx.open_table(PAYMENTS_BY_CUSTOMER)?, original.customer.0, None)?,
        )?,
    };
    if is_voided(&original, &siblings) {
        return Err(StoreError::Refused(Msg::AlreadyVoided));
    }
    let order = match original.order {
        Some(id) => Some(orders::get_tx(tx, id)?),
        None => None,
    };
    if order.as_ref().is_some_and(|o| o.state == OrderState::Delivered) {
        return Err(StoreError::Refused(Msg::VoidTooLate));
    }
    if original.receivable_effect() > Decimal::ZERO {
        let owed =
            tx.open_table(RECEIVABLES)?.get(original.customer.0)?.map(|v| v.value()).unwrap_or_default();
        if owed < original.amount {
            // The amount put on account was paid off since: void the repayment first.
            return Err(StoreError::Refused(Msg::AlreadyVoided));
        }
    }
    let void = Payment {
        id: next_id_tx(tx, "payment")?,
        amount: -original.amount,
        change: Decimal::ZERO,
        voids: Some(original.id),
        reason: reason.clone(),
        day: at.with_timezone(&settings.tz()).date_naive(),
        at,
        by: actor.user_id,
        by_name: actor.display.clone(),
        ..original.clone()
    };
    write_payment_tx(tx, &void)?;
    if let Some(o) = order.filter(|o| o.state == OrderState::Settled) {
        orders::unsettle_tx(tx, touched, actor, o.id, &reason, at)?;
        reports::reverse_tx(tx, &o, at)?;
    }
    append_tx(
        tx,
        actor,
        "checkout.void",
        &format!("payment:{}", original.id),
        format!("{} {} {} ({reason})", original.order_number, original.method.code(), original.amount),
    )?;
    Ok(void)
}

/// Counts one more print of an order's receipt and returns how many there were.
pub fn print_tx(tx: &WriteTransaction, id: OrderId) -> StoreResult<u32> {
    if tx.open_table(ORDERS)?.get(id.0)?.is_none() {
        return Err(StoreError::NotFound);
    }
    let mut table = tx.open_table(CHECKOUTS)?;
    let mut checkout: Checkout = table.get(id.0)?.map(|v| v.value()).unwrap_or_default();
    checkout.prints += 1;
    table.insert(id.0, &checkout)?;
    Ok(checkout.prints)
}
