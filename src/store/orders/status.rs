//! Diagnosis notes and moving an order through its states.

use chrono::Utc;
use redb::WriteTransaction;

use super::floor::stop_clocks_tx;
use super::{get_tx, save_tx, workable_tx};
use crate::domain::work_order::{Note, Transition, check_manual_transition, check_settle};
use crate::domain::{FieldErrors, OrderId, OrderState, Roles, WorkOrder};
use crate::store::audit::{Actor, append_tx};
use crate::store::{StoreError, StoreResult, Touched};

/// Adds a diagnosis note.
pub fn add_diagnosis_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    text: String,
) -> StoreResult<WorkOrder> {
    let before = workable_tx(tx, id)?;
    let mut order = before.clone();
    order.diagnosis.push(Note {
        at: Utc::now(),
        by: actor.user_id,
        by_name: actor.display.clone(),
        text,
        photos: vec![],
        shared: false,
    });
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "order.diagnosis", &format!("order:{id}"), order.number.clone())?;
    Ok(order)
}

/// Moves an order to another state, if the state machine lets `roles` do it.
pub fn transition_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    roles: Roles,
    id: OrderId,
    to: OrderState,
    reason: &str,
) -> StoreResult<WorkOrder> {
    transition_at_tx(tx, touched, actor, roles, (id, to), reason, Utc::now())
}

/// [`transition_tx`] at a given time (generated data).
pub fn transition_at_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    roles: Roles,
    (id, to): (OrderId, OrderState),
    reason: &str,
    at: chrono::DateTime<Utc>,
) -> StoreResult<WorkOrder> {
    let before = get_tx(tx, id)?;
    check_manual_transition(roles, &before, to, reason)
        .map_err(|p| StoreError::Invalid(FieldErrors::one("to", p)))?;
    move_tx(tx, touched, actor, before, to, reason, at)
}

/// Settles an order whose payments cover its bill (the caller, the checkout, has made sure of
/// that in the same transaction), at `at`.
pub fn settle_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    roles: Roles,
    id: OrderId,
    at: chrono::DateTime<Utc>,
) -> StoreResult<WorkOrder> {
    let before = get_tx(tx, id)?;
    check_settle(roles, &before).map_err(|p| StoreError::Invalid(FieldErrors::one("to", p)))?;
    move_tx(tx, touched, actor, before, OrderState::Settled, "", at)
}

/// A settled order whose payment was voided owes again: back to completed, with the void's
/// reason in its history. Not a move anyone makes by hand, so not in the state machine.
pub fn unsettle_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    reason: &str,
    at: chrono::DateTime<Utc>,
) -> StoreResult<WorkOrder> {
    let before = get_tx(tx, id)?;
    if before.state != OrderState::Settled {
        return Ok(before);
    }
    move_tx(tx, touched, actor, before, OrderState::Completed, reason, at)
}

fn move_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    before: WorkOrder,
    to: OrderState,
    reason: &str,
    at: chrono::DateTime<Utc>,
) -> StoreResult<WorkOrder> {
    let id = before.id;
    let mut order = before.clone();
    if !to.keeps_clocks() {
        stop_clocks_tx(tx, &mut order, None)?;
    }
    // A cancelled order's parts go back on the shelf.
    if to == OrderState::Cancelled {
        let issued: Vec<(u32, rust_decimal::Decimal)> =
            order.lines.iter().filter(|l| !l.issued.is_zero()).map(|l| (l.no, l.issued)).collect();
        for (no, qty) in issued {
            super::parts::return_issued_tx(
                tx,
                touched,
                actor,
                &mut order,
                no,
                qty,
                ("order cancelled", chrono::Utc::now()),
            )?;
        }
    }
    order.state = to;
    order.history.push(Transition {
        from: before.state,
        to,
        at,
        by: actor.user_id,
        by_name: actor.display.clone(),
        reason: reason.trim().to_string(),
    });
    save_tx(tx, touched, &before, &mut order)?;
    if to == OrderState::Delivered {
        // The customer's follow-up call (回访), in the same write as the delivery.
        crate::store::followups::schedule_tx(tx, &order, at)?;
    }
    let mut summary = format!("{}: {} → {}", order.number, before.state.code(), to.code());
    if !reason.trim().is_empty() {
        summary.push_str(&format!(" ({})", reason.trim()));
    }
    append_tx(tx, actor, "order.status", &format!("order:{id}"), summary)?;
    Ok(order)
}
