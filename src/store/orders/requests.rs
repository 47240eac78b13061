//! Parts asked for from the floor, and the desk's answer: a part line, or dismissed.

use chrono::Utc;
use redb::{ReadTransaction, ReadableTable, WriteTransaction};
use rust_decimal::Decimal;

use super::{editable_tx, get, save_tx};
use crate::domain::work_order::LineDetails;
use crate::domain::work_order::{PartRequest, RequestStatus};
use crate::domain::{OrderId, WorkOrder};
use crate::i18n::Msg;
use crate::store::audit::{Actor, append_tx};
use crate::store::tables::OPEN_PART_REQUESTS;
use crate::store::{StoreError, StoreResult, Touched};

/// Asks for a part from the floor.
pub fn request_part_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    text: String,
    qty: Decimal,
) -> StoreResult<WorkOrder> {
    let before = editable_tx(tx, id)?;
    let mut order = before.clone();
    let no = order.part_requests.len() as u32 + 1;
    order.part_requests.push(PartRequest {
        no,
        text: text.clone(),
        qty,
        by: actor.user_id,
        by_name: actor.display.clone(),
        at: Utc::now(),
        status: RequestStatus::Open,
        line: None,
    });
    tx.open_table(OPEN_PART_REQUESTS)?.insert((id.0, no), ())?;
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(
        tx,
        actor,
        "order.part_request",
        &format!("order:{id}"),
        format!("{} #{no} {text} × {qty}", order.number),
    )?;
    Ok(order)
}

/// Turns an open parts request into a part line at `unit_price` (waiting for the customer's
/// answer like any addition), or dismisses it when `unit_price` is `None`.
pub fn resolve_request_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    no: u32,
    unit_price: Option<Decimal>,
) -> StoreResult<WorkOrder> {
    let before = editable_tx(tx, id)?;
    let mut order = before.clone();
    let request = order.part_requests.iter().find(|r| r.no == no).ok_or(StoreError::NotFound)?.clone();
    if request.status != RequestStatus::Open {
        return Err(StoreError::Refused(Msg::RequestDone));
    }
    let (status, line) = match unit_price {
        Some(unit_price) => {
            let details = LineDetails {
                kind: crate::domain::LineKind::Part,
                description: request.text.clone(),
                qty: request.qty,
                unit_price,
                part_id: None,
                technician: None,
            };
            let line_no = order.add_line(details, Utc::now(), actor.user_id).no;
            order.estimate_version += 1;
            (RequestStatus::Added, Some(line_no))
        }
        None => (RequestStatus::Dismissed, None),
    };
    if let Some(r) = order.part_requests.iter_mut().find(|r| r.no == no) {
        r.status = status;
        r.line = line;
    }
    tx.open_table(OPEN_PART_REQUESTS)?.remove((id.0, no))?;
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(
        tx,
        actor,
        "order.part_request",
        &format!("order:{id}"),
        format!("{} request #{no} → {}", order.number, status.code()),
    )?;
    Ok(order)
}

/// Every open parts request with its order, oldest first.
pub fn open_requests(tx: &ReadTransaction) -> StoreResult<Vec<(WorkOrder, PartRequest)>> {
    let mut out = Vec::new();
    for row in tx.open_table(OPEN_PART_REQUESTS)?.iter()? {
        let (order, no) = row?.0.value();
        if let Some(o) = get(tx, OrderId(order))?
            && let Some(r) = o.part_requests.iter().find(|r| r.no == no).cloned()
        {
            out.push((o, r));
        }
    }
    Ok(out)
}
