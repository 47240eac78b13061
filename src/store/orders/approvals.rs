//! The customer's answer to the estimate.

use chrono::Utc;
use redb::WriteTransaction;

use super::floor::stop_clocks_tx;
use super::{editable_tx, save_tx};
use crate::domain::work_order::ApprovalDetails;
use crate::domain::{FieldErrors, OrderId, WorkOrder};
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
    let mut order = before.clone();
    let approval = order
        .apply_approval(details, Utc::now(), actor.user_id, &actor.name)
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
