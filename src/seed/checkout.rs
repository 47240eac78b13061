//! The generated till: every order that left the shop was paid the way Chinese shops are paid
//! (mostly WeChat and Alipay, some cash and card, a few transfers), now and then split over two
//! methods, and fleet-like customers put it on account and pay the receivable weeks later.
//!
//! A few payments are put right by the manager (about 3 in 1,000 orders on the ten-years data,
//! 1 in 50 in the demo, each with a reason): a payment taken with the wrong method is voided
//! and taken again; a customer hands a part back before leaving (the payments are voided, the
//! part line refunded into stock and the smaller bill paid again); a transfer against a
//! receivable bounces (voided, and paid again days later). Which orders is decided from their
//! ids, so the rest of the generated data does not change with the rate.

use chrono::{DateTime, Duration, Utc};
use redb::WriteTransaction;
use rust_decimal::Decimal;

use super::Rng;
use crate::domain::checkout::{CheckoutRules, PayMethod, Payment, PaymentInput, Settlement};
use crate::domain::work_order::Decision;
use crate::domain::{OrderState, Role, Roles, Settings, WorkOrder};
use crate::store::checkout::day::pay_receivable_at_tx;
use crate::store::checkout::refund::refund_line_at_tx;
use crate::store::checkout::{record_payment_at_tx, settle_paid_at_tx, void_tx};
use crate::store::{Actor, StoreResult, Touched, orders};

/// Who works the till, and how often the manager puts a payment right (per 1,000 orders).
pub struct Till<'a> {
    pub cashier: &'a Actor,
    pub advisor: &'a Actor,
    pub manager: &'a Actor,
    pub put_right_per_mille: usize,
}

impl Till<'_> {
    /// Whether `order` is one the manager puts right (the same answer for the same order).
    fn puts_right(&self, order: &WorkOrder) -> Option<Rng> {
        let mut dice = Rng::new(order.id.0.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x0B0B_CAFE);
        (dice.below(1000) < self.put_right_per_mille).then_some(dice)
    }
}

/// Pays `order` (recorded as completed) at about the time it was completed, settles it, and
/// hands the car over if `target` is delivered. Returns how many payment records were made
/// (voids included).
pub fn pay_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    rng: &mut Rng,
    till: &Till,
    settings: &Settings,
    (order, target): (&WorkOrder, OrderState),
    end: DateTime<Utc>,
) -> StoreResult<usize> {
    let cashier = till.cashier;
    let total = Settlement::compute(order, &[], &CheckoutRules::of(settings)).total;
    let paid_at = order.updated_at + Duration::minutes(5 + rng.below(55) as i64);
    let roles = Roles::of(&[Role::Cashier]);
    let mut taken: Vec<Payment> = Vec::new();
    let mut pay =
        |tx: &WriteTransaction, touched: &mut Touched, method: &str, amount: Decimal, reference: String| {
            let input = PaymentInput { method: method.into(), amount: amount.to_string(), reference };
            let paid =
                record_payment_at_tx(tx, touched, cashier, roles, order.id, &input, settings, paid_at)?;
            taken.push(paid.payment);
            StoreResult::Ok(())
        };
    let mut made = 1;
    let roll = rng.below(100);
    if total.is_zero() {
        settle_paid_at_tx(tx, touched, cashier, roles, order.id, settings, paid_at)?;
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
            let repaid = pay_receivable_at_tx(tx, cashier, order.customer_id, &input, settings, later)?;
            made += 1;
            if let Some(mut dice) = till.puts_right(order) {
                made += bounced_tx(tx, touched, till, settings, (&repaid, &input), &mut dice, end)?;
            }
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
    let on_account = taken.iter().any(|p| p.method == PayMethod::OnAccount);
    if !taken.is_empty()
        && !on_account
        && let Some(mut dice) = till.puts_right(order)
    {
        made += put_right_tx(tx, touched, till, settings, (order, &taken), &mut dice, paid_at)?;
    }
    if target == OrderState::Delivered {
        let handed = paid_at + Duration::minutes(10 + rng.below(120) as i64);
        let desk = Roles::of(&[Role::Advisor]);
        orders::transition_at_tx(
            tx,
            touched,
            till.advisor,
            desk,
            (order.id, OrderState::Delivered),
            "",
            handed,
        )?;
    }
    Ok(made)
}

/// The manager puts a settled order's payments right a few minutes after they were taken (and
/// before the car leaves): a wrong method is voided and taken again, or a part the customer
/// hands back is refunded. Returns how many payment records it made.
fn put_right_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    till: &Till,
    settings: &Settings,
    (order, taken): (&WorkOrder, &[Payment]),
    dice: &mut Rng,
    paid_at: DateTime<Utc>,
) -> StoreResult<usize> {
    let manager = Roles::of(&[Role::Manager]);
    let cashier = Roles::of(&[Role::Cashier]);
    let at = paid_at + Duration::minutes(1 + dice.below(4) as i64);
    let returned = order
        .lines
        .iter()
        .find(|l| l.catalog_part().is_some() && l.decision == Decision::Approved && l.issued >= Decimal::ONE);
    let mut made = 0;
    let method = match returned {
        Some(line) if dice.chance(50) => {
            for p in taken {
                void_tx(tx, touched, till.manager, manager, p.id, "客户退回未使用的配件", settings, at)?;
                made += 1;
            }
            let qty = (Decimal::ONE, "未拆封，客户退回");
            refund_line_at_tx(
                tx,
                touched,
                till.manager,
                manager,
                (order.id, line.no),
                (&qty.0.to_string(), qty.1),
                settings,
                at,
            )?;
            taken[0].method
        }
        _ => {
            void_tx(tx, touched, till.manager, manager, taken[0].id, "收款方式录错，重新收款", settings, at)?;
            made += 1;
            if taken[0].method == PayMethod::Wechat { PayMethod::Alipay } else { PayMethod::Wechat }
        }
    };
    let again = at + Duration::minutes(1);
    let balance = crate::store::checkout::balance_tx(tx, order.id, settings)?;
    if balance > Decimal::ZERO {
        let input = PaymentInput {
            method: method.code().into(),
            amount: balance.to_string(),
            reference: String::new(),
        };
        record_payment_at_tx(tx, touched, till.cashier, cashier, order.id, &input, settings, again)?;
        made += 1;
    } else {
        settle_paid_at_tx(tx, touched, till.cashier, cashier, order.id, settings, again)?;
    }
    Ok(made)
}

/// A transfer against a receivable bounced: the manager voids it the next day and the customer
/// pays again some days later (if that has come). Returns how many payment records it made.
fn bounced_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    till: &Till,
    settings: &Settings,
    (repaid, input): (&Payment, &PaymentInput),
    dice: &mut Rng,
    end: DateTime<Utc>,
) -> StoreResult<usize> {
    let voided_at = repaid.at + Duration::days(1);
    if voided_at >= end {
        return Ok(0);
    }
    let manager = Roles::of(&[Role::Manager]);
    void_tx(tx, touched, till.manager, manager, repaid.id, "银行退回转账", settings, voided_at)?;
    let again = voided_at + Duration::days(2 + dice.below(5) as i64);
    if again >= end {
        return Ok(1);
    }
    pay_receivable_at_tx(tx, till.cashier, repaid.customer, input, settings, again)?;
    Ok(2)
}

/// How many voids and refunded part lines the generated till holds.
pub fn tally(tx: &redb::ReadTransaction) -> StoreResult<(usize, usize)> {
    use redb::ReadableTable;
    let mut voids = 0;
    for row in tx.open_table(crate::store::tables::PAYMENTS)?.iter()? {
        voids += usize::from(row?.1.value().voids.is_some());
    }
    let mut refunds = 0;
    for row in tx.open_table(crate::store::tables::CHECKOUTS)?.iter()? {
        refunds += row?.1.value().refunds.len();
    }
    Ok((voids, refunds))
}
