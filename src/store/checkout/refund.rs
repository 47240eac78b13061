//! Refunding a part line (退货退款). A settled order is locked and its bill frozen, so a refund
//! is made the way a void already reopens an order: a manager voids the payments (the order
//! goes back to completed, its revenue is reversed on the day of the void), refunds the part
//! lines the customer hands back (each line charges less, and what had been issued goes back to
//! stock through the ledger), and the cashier takes the smaller bill again, which settles the
//! order and recognises the new revenue. Each step is one transaction through the same hooks as
//! every payment, void and stock movement, so the reports and `check` see nothing special.
//!
//! After delivery payments are no longer voided; a part brought back then is a customer return
//! in the stockroom (`stock.rs`), and the money goes back outside this order.

use chrono::{DateTime, Utc};
use redb::WriteTransaction;

use super::{order_bill_tx, require_completed, senior};
use crate::domain::checkout::{LineRefund, effective};
use crate::domain::{OrderId, Roles, Settings};
use crate::i18n::Msg;
use crate::store::audit::{Actor, append_tx};
use crate::store::tables::CHECKOUTS;
use crate::store::{StoreError, StoreResult, Touched, orders};

/// Refunds `qty` (as typed) of part line `no` on an order a void reopened, for `reason`, now:
/// a manager's or an administrator's call.
#[allow(clippy::too_many_arguments)]
pub fn refund_line_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    roles: Roles,
    id: OrderId,
    no: u32,
    (qty, reason): (&str, &str),
    settings: &Settings,
) -> StoreResult<LineRefund> {
    refund_line_at_tx(tx, touched, actor, roles, (id, no), (qty, reason), settings, Utc::now())
}

/// [`refund_line_tx`] at `at` (generated data passes the time it happened).
#[allow(clippy::too_many_arguments)]
pub fn refund_line_at_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    roles: Roles,
    (id, no): (OrderId, u32),
    (qty, reason): (&str, &str),
    settings: &Settings,
    at: DateTime<Utc>,
) -> StoreResult<LineRefund> {
    if !senior(roles) {
        return Err(StoreError::Refused(Msg::TransitionRole));
    }
    let oc = order_bill_tx(tx, id, settings)?;
    require_completed(&oc.order)?;
    if oc.checkout.recognised.is_empty() {
        return Err(StoreError::Refused(Msg::RefundOnlyReopened));
    }
    if effective(&oc.briefs).next().is_some() {
        return Err(StoreError::Refused(Msg::OrderHasPayments));
    }
    let line = oc.order.line(no).ok_or(StoreError::NotFound)?;
    let (qty, reason) = LineRefund::check(line, qty, reason).map_err(StoreError::Invalid)?;
    let (description, unit_price) = (line.details.description.clone(), line.details.unit_price);
    let (order, returned) = orders::refund_part_tx(tx, touched, actor, id, no, qty, &reason, at)?;
    let refund = LineRefund {
        line: no,
        description,
        qty,
        unit_price,
        returned,
        reason,
        at,
        by: actor.user_id,
        by_name: actor.display.clone(),
    };
    let mut checkout = oc.checkout;
    checkout.refunds.push(refund.clone());
    tx.open_table(CHECKOUTS)?.insert(id.0, &checkout)?;
    touched.order(id);
    append_tx(
        tx,
        actor,
        "checkout.refund",
        &format!("order:{id}"),
        format!(
            "{} #{no} {} × {qty} (stock back {returned}) {}",
            order.number, refund.description, refund.reason
        ),
    )?;
    Ok(refund)
}
