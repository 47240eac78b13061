//! Parts for an order's lines: issuing a catalog part line from stock (出库/领料), returning
//! what was issued, marking a line as not needed from stock, and the checks a line's catalog
//! part gets when it is saved. Each writes the order and the stock ledger in one transaction.

use chrono::{DateTime, Utc};
use redb::WriteTransaction;
use rust_decimal::Decimal;

use super::{get_tx, save_tx};
use crate::domain::part::PartId;
use crate::domain::stock::cents;
use crate::domain::work_order::LineDetails;
use crate::domain::{FieldErrors, OrderId, OrderState, WorkOrder};
use crate::i18n::Msg;
use crate::store::audit::{Actor, append_tx};
use crate::store::parts::stock::{LineRef, issue_tx, unissue_tx};
use crate::store::{StoreError, StoreResult, Touched, parts};

/// Refuses a line whose catalog part does not exist or is no longer in use.
pub(super) fn check_catalog_tx(tx: &WriteTransaction, details: &LineDetails) -> StoreResult<()> {
    let Some(id) = details.part_id else { return Ok(()) };
    match parts::get_tx(tx, PartId(id)) {
        Ok(part) if part.details.active => Ok(()),
        Ok(_) | Err(StoreError::NotFound) => {
            Err(StoreError::Invalid(FieldErrors::one("part_id", Msg::PartUnknown)))
        }
        Err(e) => Err(e),
    }
}

/// Whether parts may still move for an order in this state.
fn stock_open(state: OrderState) -> bool {
    !matches!(state, OrderState::Settled | OrderState::Delivered | OrderState::Cancelled)
}

/// Issues `qty` (all that is still needed when `None`) of line `no`'s catalog part to the
/// order. Refused when the line does not wait for stock, for more than it needs, or beyond the
/// stock on hand unless `allow_negative`.
#[allow(clippy::too_many_arguments)]
pub fn issue_line_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    no: u32,
    qty: Option<Decimal>,
    allow_negative: bool,
    at: DateTime<Utc>,
) -> StoreResult<WorkOrder> {
    let before = get_tx(tx, id)?;
    if !stock_open(before.state) {
        return Err(StoreError::Refused(Msg::OrderLocked));
    }
    let mut order = before.clone();
    let number = order.number.clone();
    let line = order.lines.iter_mut().find(|l| l.no == no).ok_or(StoreError::NotFound)?;
    let (Some(part), need) = (line.catalog_part(), line.to_issue()) else {
        return Err(StoreError::Invalid(FieldErrors::one("qty", Msg::NotIssuable)));
    };
    let qty = qty.unwrap_or(need);
    if need.is_zero() || qty > need || qty <= Decimal::ZERO {
        return Err(StoreError::Invalid(FieldErrors::one("qty", Msg::NotIssuable)));
    }
    let line_ref = LineRef { order: (id, no), number: number.clone(), reason: String::new(), at };
    let movement = issue_tx(tx, touched, actor, PartId(part), qty, &line_ref, allow_negative)
        .map_err(|p| StoreError::Invalid(FieldErrors::one("qty", p)))??;
    line.issued += qty;
    line.issued_cost += qty * movement.unit_cost;
    let summary = format!("{} #{no} {} × {qty}", number, line.details.description);
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "order.part.issue", &format!("order:{id}"), summary)?;
    Ok(order)
}

/// Returns `qty` of what line `no` had issued back to stock, at what it went out at.
pub fn return_line_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    no: u32,
    qty: Decimal,
    reason: &str,
) -> StoreResult<WorkOrder> {
    let before = get_tx(tx, id)?;
    if !stock_open(before.state) {
        return Err(StoreError::Refused(Msg::OrderLocked));
    }
    let mut order = before.clone();
    let issued = order.line(no).ok_or(StoreError::NotFound)?.issued;
    if qty <= Decimal::ZERO || qty > issued {
        let problem = crate::domain::Problem::with(Msg::ReturnTooMuch, &[&issued.normalize()]);
        return Err(StoreError::Invalid(FieldErrors::one("qty", problem)));
    }
    return_issued_tx(tx, touched, actor, &mut order, no, qty, (reason, Utc::now()))?;
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(
        tx,
        actor,
        "order.part.return",
        &format!("order:{id}"),
        format!("{} #{no} × {qty} {reason}", order.number),
    )?;
    Ok(order)
}

/// Books `qty` of line `no`'s issued part back into stock and takes it off the line (the
/// caller saves the order) at `at`. Used by returns, by changed or removed lines, by
/// cancelling and by refunds.
pub(super) fn return_issued_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    order: &mut WorkOrder,
    no: u32,
    qty: Decimal,
    (reason, at): (&str, DateTime<Utc>),
) -> StoreResult<()> {
    if qty.is_zero() {
        return Ok(());
    }
    let number = order.number.clone();
    let id = order.id;
    let line = order.lines.iter_mut().find(|l| l.no == no).ok_or(StoreError::NotFound)?;
    let Some(part) = line.details.part_id else { return Ok(()) };
    let unit_cost = line.issue_unit_cost();
    let line_ref = LineRef { order: (id, no), number, reason: reason.to_string(), at };
    unissue_tx(tx, touched, actor, PartId(part), qty, unit_cost, &line_ref)?;
    line.issued -= qty;
    line.issued_cost = if line.issued.is_zero() {
        Decimal::ZERO
    } else {
        cents(line.issued_cost - qty * unit_cost).max(Decimal::ZERO)
    };
    Ok(())
}

/// Takes `qty` off part line `no`: a refund on an order a void reopened (the caller checks who,
/// why and the order's payments). The line keeps its approval and charges less; what was issued
/// beyond its new quantity goes back to stock through the ledger at its issue cost. Returns the
/// order and how much went back to stock.
#[allow(clippy::too_many_arguments)]
pub(crate) fn refund_part_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    no: u32,
    qty: Decimal,
    reason: &str,
    at: DateTime<Utc>,
) -> StoreResult<(WorkOrder, Decimal)> {
    let before = get_tx(tx, id)?;
    let mut order = before.clone();
    let line = order.line(no).ok_or(StoreError::NotFound)?;
    let mut details = line.details.clone();
    details.qty = (details.qty - qty).max(Decimal::ZERO);
    let back = line.to_return_for(Some(&details));
    return_issued_tx(tx, touched, actor, &mut order, no, back, (reason, at))?;
    let line = order.lines.iter_mut().find(|l| l.no == no).ok_or(StoreError::NotFound)?;
    line.details.qty = details.qty;
    save_tx(tx, touched, &before, &mut order)?;
    Ok((order, back))
}

/// Marks an approved part line as not needed from stock, or needed again.
pub fn set_unused_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    no: u32,
    unused: bool,
) -> StoreResult<WorkOrder> {
    let before = get_tx(tx, id)?;
    if !stock_open(before.state) {
        return Err(StoreError::Refused(Msg::OrderLocked));
    }
    let mut order = before.clone();
    let line = order.lines.iter_mut().find(|l| l.no == no).ok_or(StoreError::NotFound)?;
    if line.catalog_part().is_none() {
        return Err(StoreError::NotFound);
    }
    line.unused = unused;
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(
        tx,
        actor,
        "order.part.unused",
        &format!("order:{id}"),
        format!("{} #{no} unused={unused}", order.number),
    )?;
    Ok(order)
}

/// Stores an order as it already happened (generated data, imports) whose catalog part lines
/// say they were issued (`issued`): the order is recorded like [`super::record_tx`], and each
/// issue is booked in the stock ledger at `at`, with the cost it went out at kept on the line.
pub fn record_issued_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    settings: &crate::domain::Settings,
    order: WorkOrder,
    at: DateTime<Utc>,
) -> StoreResult<WorkOrder> {
    let mut order = super::record_tx(tx, touched, actor, settings, order)?;
    let (id, number) = (order.id, order.number.clone());
    let mut booked = false;
    for line in order.lines.iter_mut().filter(|l| !l.issued.is_zero()) {
        let Some(part) = line.catalog_part() else { continue };
        let line_ref = LineRef { order: (id, line.no), number: number.clone(), reason: String::new(), at };
        let movement = issue_tx(tx, touched, actor, PartId(part), line.issued, &line_ref, false)
            .map_err(|p| StoreError::Invalid(FieldErrors::one("qty", p)))??;
        line.issued_cost = line.issued * movement.unit_cost;
        booked = true;
    }
    if booked {
        // Only the lines' costs changed: nothing indexed.
        tx.open_table(crate::store::tables::ORDERS)?.insert(id.0, &order)?;
    }
    Ok(order)
}
