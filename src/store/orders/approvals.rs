//! The customer's answer to the estimate: recorded by the desk, or given by the customer on
//! their own phone.

use chrono::Utc;
use redb::WriteTransaction;

use super::floor::stop_clocks_tx;
use super::{editable_tx, save_tx};
use crate::domain::work_order::{ApprovalDetails, ApprovalMethod};
use crate::domain::{FieldErrors, OrderId, WorkOrder};
use crate::i18n::Msg;
use crate::store::audit::{Actor, append_tx};
use crate::store::{StoreError, StoreResult, Touched};

/// Records the customer's answer to the pending lines of the estimate they saw.
pub fn approve_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    details: ApprovalDetails,
) -> StoreResult<WorkOrder> {
    let before = editable_tx(tx, id)?;
    record_tx(tx, touched, actor, before, details)
}

/// Records an answer the customer gave on their phone through the link with `token`: refused
/// if the desk replaced that link meanwhile. The audit log names the customer's link.
pub fn customer_approve_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    id: OrderId,
    token: u128,
    details: ApprovalDetails,
) -> StoreResult<WorkOrder> {
    let order = super::get_tx(tx, id)?;
    if order.customer_link.is_none_or(|l| l.token != token) || details.method != ApprovalMethod::CustomerPhone
    {
        return Err(StoreError::NotFound);
    }
    let before = editable_tx(tx, id)?;
    record_tx(tx, touched, &Actor::customer(), before, details)
}

fn record_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    before: WorkOrder,
    details: ApprovalDetails,
) -> StoreResult<WorkOrder> {
    let id = before.id;
    if details.estimate_version != before.estimate_version {
        return Err(StoreError::Invalid(FieldErrors::one("estimate_version", Msg::EstimateChanged)));
    }
    let mut order = before.clone();
    let approval = order
        .apply_approval(details, Utc::now(), actor.user_id, &actor.display)
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
