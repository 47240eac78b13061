//! The lines of an order: adding them (one, or a template's), changing one, removing one.

use chrono::Utc;
use redb::WriteTransaction;

use super::floor::stop_clocks_tx;
use super::parts::{check_catalog_tx, return_issued_tx};
use super::{save_tx, workable_tx};
use crate::domain::work_order::LineDetails;
use crate::domain::{OrderId, WorkOrder};
use crate::store::audit::{Actor, append_tx};
use crate::store::{StoreError, StoreResult, Touched};

/// Adds lines (one, or a whole template) to an open order; they wait for the customer's answer.
pub fn add_lines_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    lines: Vec<LineDetails>,
    what: &str,
) -> StoreResult<WorkOrder> {
    let before = workable_tx(tx, id)?;
    let mut order = before.clone();
    let now = Utc::now();
    let mut numbers = Vec::new();
    for details in lines {
        check_catalog_tx(tx, &details)?;
        let technician = details.technician;
        let line = order.add_line(LineDetails { technician: None, ..details }, now, actor.user_id);
        line.assign(technician, actor.user_id, now);
        numbers.push(format!("#{} {} {}", line.no, line.details.description, line.total()));
    }
    order.estimate_version += 1;
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(
        tx,
        actor,
        "order.line.add",
        &format!("order:{id}"),
        format!("{}{what}: {}", order.number, numbers.join(", ")),
    )?;
    Ok(order)
}

/// Changes a line. A change to what the customer pays for asks for their answer again; a new
/// technician is kept in the line's assignment history.
pub fn update_line_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    no: u32,
    details: LineDetails,
) -> StoreResult<WorkOrder> {
    let before = workable_tx(tx, id)?;
    let mut order = before.clone();
    check_catalog_tx(tx, &details)?;
    // Fewer parts, or another part: what was issued beyond the new line goes back to stock.
    let back = order.line(no).ok_or(StoreError::NotFound)?.to_return_for(Some(&details));
    return_issued_tx(tx, touched, actor, &mut order, no, back, ("line changed", Utc::now()))?;
    let reassigned = order.line(no).ok_or(StoreError::NotFound)?.details.technician != details.technician;
    if reassigned {
        stop_clocks_tx(tx, &mut order, Some(no))?;
    }
    let line = order.lines.iter_mut().find(|l| l.no == no).ok_or(StoreError::NotFound)?;
    let change = line.change(details, actor.user_id, Utc::now());
    let old = change.before;
    let mut summary = format!("{} #{no}", order.number);
    if change.repriced {
        summary.push_str(&format!(
            ": {} {}×{} → {}×{}",
            line.details.description, old.qty, old.unit_price, line.details.qty, line.details.unit_price
        ));
        order.estimate_version += 1;
    }
    if old.technician != order.line(no).and_then(|l| l.details.technician) {
        let to = order.line(no).and_then(|l| l.details.technician);
        summary.push_str(&format!(
            "; technician {} → {}",
            old.technician.map(|t| format!("user:{t}")).unwrap_or("-".into()),
            to.map(|t| format!("user:{t}")).unwrap_or("-".into())
        ));
    }
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "order.line.update", &format!("order:{id}"), summary)?;
    Ok(order)
}

/// Removes a line from an order that is still open to changes.
pub fn remove_line_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    no: u32,
) -> StoreResult<WorkOrder> {
    let before = workable_tx(tx, id)?;
    let mut order = before.clone();
    let at = order.lines.iter().position(|l| l.no == no).ok_or(StoreError::NotFound)?;
    stop_clocks_tx(tx, &mut order, Some(no))?;
    let issued = order.lines[at].issued;
    return_issued_tx(tx, touched, actor, &mut order, no, issued, ("line removed", Utc::now()))?;
    let line = order.lines.remove(at);
    order.estimate_version += 1;
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(
        tx,
        actor,
        "order.line.remove",
        &format!("order:{id}"),
        format!("{} #{no} {} {}", order.number, line.details.description, line.total()),
    )?;
    Ok(order)
}
