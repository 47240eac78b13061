//! The generated till: every order that left the shop was paid the way Chinese shops are paid
//! (mostly WeChat and Alipay, some cash and card, a few transfers), now and then split over two
//! methods, and fleet-like customers put it on account and pay the receivable weeks later.

use chrono::{DateTime, Duration, Utc};
use redb::WriteTransaction;
use rust_decimal::Decimal;

use super::Rng;
use crate::domain::checkout::{CheckoutRules, PaymentInput, Settlement};
use crate::domain::{OrderState, Role, Roles, Settings, WorkOrder};
use crate::store::checkout::day::pay_receivable_at_tx;
use crate::store::checkout::record_payment_at_tx;
use crate::store::{Actor, StoreResult, Touched, orders};

/// Pays `order` (recorded as completed) at about the time it was completed, settles it, and
/// hands the car over if `target` is delivered. Returns how many payments were made.
pub fn pay_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    rng: &mut Rng,
    (cashier, advisor): (&Actor, &Actor),
    settings: &Settings,
    (order, target): (&WorkOrder, OrderState),
    end: DateTime<Utc>,
) -> StoreResult<usize> {
    let total = Settlement::compute(order, &[], &CheckoutRules::of(settings)).total;
    let paid_at = order.updated_at + Duration::minutes(5 + rng.below(55) as i64);
    let roles = Roles::of(&[Role::Cashier]);
    let pay =
        |tx: &WriteTransaction, touched: &mut Touched, method: &str, amount: Decimal, reference: String| {
            let input = PaymentInput { method: method.into(), amount: amount.to_string(), reference };
            record_payment_at_tx(tx, touched, cashier, roles, order.id, &input, settings, paid_at)
        };
    let mut made = 1;
    let roll = rng.below(100);
    if total.is_zero() {
        crate::store::checkout::settle_paid_at_tx(tx, touched, cashier, roles, order.id, settings, paid_at)?;
        made = 0;
    } else if roll < 6 {
        // On account (挂账): the customer pays the receivable some weeks later, if that has come.
        pay(tx, touched, "on_account", total, String::new())?;
        let later = paid_at + Duration::days(7 + rng.below(50) as i64);
        if later < end {
            let input = PaymentInput {
                method: "transfer".into(),
                amount: total.to_string(),
                reference: String::new(),
            };
            pay_receivable_at_tx(tx, cashier, order.customer_id, &input, settings, later)?;
            made += 1;
        }
    } else if roll < 16 && total > Decimal::from(100) {
        // Split: part in cash, the rest by WeChat.
        let cash =
            (total * Decimal::new(3 + rng.below(5) as i64, 1) / Decimal::TEN).round_dp(0).max(Decimal::ONE);
        pay(tx, touched, "cash", cash, String::new())?;
        pay(tx, touched, "wechat", total - cash, format!("{:010}", rng.below(1_000_000_000)))?;
        made = 2;
    } else {
        let (method, reference) = match rng.below(100) {
            0..48 => ("wechat", format!("{:010}", rng.below(1_000_000_000))),
            48..70 => ("alipay", format!("{:010}", rng.below(1_000_000_000))),
            70..85 => ("cash", String::new()),
            85..96 => ("card", format!("{:04}", rng.below(10_000))),
            _ => ("transfer", String::new()),
        };
        // Cash is often handed over rounded up: the change is recorded.
        let amount = if method == "cash" && rng.chance(50) { total.ceil() } else { total };
        pay(tx, touched, method, amount, reference)?;
    }
    if target == OrderState::Delivered {
        let handed = paid_at + Duration::minutes(10 + rng.below(120) as i64);
        let desk = Roles::of(&[Role::Advisor]);
        orders::transition_at_tx(tx, touched, advisor, desk, (order.id, OrderState::Delivered), "", handed)?;
    }
    Ok(made)
}
