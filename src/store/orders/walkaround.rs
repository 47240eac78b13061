//! The walk-around at reception, kept on its order: each tap that saves (a mark with its photo,
//! a mark removed, the lights and items, the signature, a manager's reopening) is one write of
//! the order through [`save_tx`], with its audit entry. Mark photos live in the same photo
//! tables as the floor's notes.

use chrono::Utc;
use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::{get_tx, save_tx};
use crate::domain::walkaround::{ChecksDetails, MarkDetails, Reopening, WalkSignature, Walkaround, spot};
use crate::domain::work_order::Signature;
use crate::domain::{FieldErrors, OrderId, Problem, WorkOrder};
use crate::i18n::{Lang, Msg};
use crate::store::audit::{Actor, append_tx};
use crate::store::tables::{ORDERS, PHOTO_THUMBS, PHOTOS};
use crate::store::{StoreError, StoreResult, Touched, next_id_tx};

use super::NewPhoto;

/// Loads an order whose walk-around may change: not settled or closed, not signed.
fn open_tx(tx: &WriteTransaction, id: OrderId) -> StoreResult<WorkOrder> {
    let order = get_tx(tx, id)?;
    if !order.state.is_editable() {
        return Err(StoreError::Refused(Msg::OrderLocked));
    }
    if order.walkaround.as_ref().is_some_and(Walkaround::is_signed) {
        return Err(StoreError::Refused(Msg::WalkLocked));
    }
    Ok(order)
}

fn where_of(x: u16, y: u16) -> String {
    let (along, across) = spot(x, y);
    format!("{} {}", Lang::En.t(along), Lang::En.t(across))
}

/// Marks a damage on the outline, with its photo if one was taken.
pub fn add_mark_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    mark: MarkDetails,
    photo: Option<&NewPhoto>,
) -> StoreResult<WorkOrder> {
    let before = open_tx(tx, id)?;
    let mut order = before.clone();
    let walk = order.walkaround.get_or_insert_with(Walkaround::default);
    if walk.marks.len() >= crate::domain::walkaround::MAX_MARKS {
        let p = Problem::with(Msg::WalkTooManyMarks, &[&crate::domain::walkaround::MAX_MARKS]);
        return Err(StoreError::Invalid(FieldErrors::one("spot", p)));
    }
    let photo_id = match photo {
        Some(photo) => {
            let photo_id = next_id_tx(tx, "photo")?;
            tx.open_table(PHOTOS)?.insert(photo_id, photo.picture.as_slice())?;
            tx.open_table(PHOTO_THUMBS)?.insert(photo_id, photo.thumb.as_slice())?;
            Some(photo_id)
        }
        None => None,
    };
    let summary = format!("{}: {} at {}", order.number, mark.kind.code(), where_of(mark.x, mark.y));
    let added = walk
        .add_mark(mark, photo_id, Utc::now(), &actor.display)
        .map_err(|p| StoreError::Invalid(FieldErrors::one("spot", p)))?;
    let summary = format!("{summary} (mark {}{})", added.no, if photo_id.is_some() { ", photo" } else { "" });
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "walkaround.mark", &format!("order:{id}"), summary)?;
    Ok(order)
}

/// Removes a mark (before the customer signs). Its photo stays in the photo tables, as a
/// removed note photo would: the audit log names it.
pub fn remove_mark_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    no: u32,
) -> StoreResult<WorkOrder> {
    let before = open_tx(tx, id)?;
    let mut order = before.clone();
    let walk = order.walkaround.as_mut().ok_or(StoreError::NotFound)?;
    let gone = walk.remove_mark(no).map_err(|_| StoreError::NotFound)?;
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(
        tx,
        actor,
        "walkaround.unmark",
        &format!("order:{id}"),
        format!("{}: mark {no} removed ({} at {})", order.number, gone.kind.code(), where_of(gone.x, gone.y)),
    )?;
    Ok(order)
}

/// The warning lights on, the items left (ticked and typed) and the fuel level: the last two
/// are the order's reception fields, written here rather than copied.
pub fn set_checks_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    checks: &ChecksDetails,
) -> StoreResult<WorkOrder> {
    let before = open_tx(tx, id)?;
    let mut order = before.clone();
    let walk = order.walkaround.get_or_insert_with(Walkaround::default);
    walk.lights = checks.lights.clone();
    walk.items = checks.items.clone();
    order.reception.fuel = checks.fuel;
    order.reception.items_left = checks.items_left.clone();
    if order == before {
        return Ok(order);
    }
    let codes = |c: Vec<&str>| if c.is_empty() { "none".to_string() } else { c.join(",") };
    let summary = format!(
        "{}: lights {}; items {}; fuel {}",
        order.number,
        codes(checks.lights.iter().map(|l| l.code()).collect()),
        codes(checks.items.iter().map(|i| i.code()).collect()),
        checks.fuel.map(|f| format!("{f}/4")).unwrap_or("-".into()),
    );
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "walkaround.checks", &format!("order:{id}"), summary)?;
    Ok(order)
}

/// The customer signs the walk-around: it is locked from then on, and the signature keeps the
/// order's fuel, mileage and items left as they were.
pub fn sign_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    signer: &str,
    signature: &Signature,
) -> StoreResult<WorkOrder> {
    let before = open_tx(tx, id)?;
    let mut order = before.clone();
    let (fuel, mileage, items_left) =
        (order.reception.fuel, order.reception.mileage, order.reception.items_left.clone());
    let walk = order.walkaround.get_or_insert_with(Walkaround::default);
    walk.signed = Some(WalkSignature {
        signer: signer.to_string(),
        signature: signature.clone(),
        at: Utc::now(),
        by: actor.user_id,
        by_name: actor.display.clone(),
        fuel,
        mileage,
        items_left,
        marks: walk.marks.iter().map(|m| m.no).collect(),
    });
    let summary = format!("{}: signed by {signer} ({} marks)", order.number, walk.marks.len());
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "walkaround.sign", &format!("order:{id}"), summary)?;
    Ok(order)
}

/// A manager reopens a signed walk-around, with a reason; the signature goes to its history.
pub fn reopen_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    reason: &str,
) -> StoreResult<WorkOrder> {
    let before = get_tx(tx, id)?;
    if !before.state.is_editable() {
        return Err(StoreError::Refused(Msg::OrderLocked));
    }
    let mut order = before.clone();
    let walk = order.walkaround.as_mut().ok_or(StoreError::NotFound)?;
    let signed = walk.signed.take().ok_or(StoreError::Refused(Msg::WalkNotSigned))?;
    walk.reopened.push(Reopening {
        reason: reason.to_string(),
        at: Utc::now(),
        by_name: actor.display.clone(),
        signed,
    });
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "walkaround.reopen", &format!("order:{id}"), format!("{}: {reason}", order.number))?;
    Ok(order)
}

/// Records a walk-around made earlier (the generator): written onto its order as it stands,
/// without a new version (no index, total or search entry depends on it).
pub fn record_tx(tx: &WriteTransaction, id: OrderId, walkaround: Walkaround) -> StoreResult<()> {
    let mut order = get_tx(tx, id)?;
    order.walkaround = Some(walkaround);
    tx.open_table(ORDERS)?.insert(id.0, &order)?;
    Ok(())
}

/// Whether a photo belongs to one of the order's walk-around marks.
pub fn has_photo(order: &WorkOrder, photo: u64) -> bool {
    order.walkaround.as_ref().is_some_and(|w| w.photos().any(|p| p == photo))
}

/// `check`: every walk-around's marks sit on the car and are numbered in sequence, its photos
/// are stored, and its signatures are drawn ones.
pub fn verify(tx: &ReadTransaction) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    let photos = tx.open_table(PHOTOS)?;
    let thumbs = tx.open_table(PHOTO_THUMBS)?;
    for row in tx.open_table(ORDERS)?.iter()? {
        let order = row?.1.value();
        let Some(walk) = &order.walkaround else { continue };
        for p in walk.problems() {
            problems.push(format!("order {}: {p}", order.number));
        }
        for p in walk.photos() {
            if photos.get(p)?.is_none() || thumbs.get(p)?.is_none() {
                problems.push(format!("order {}: walk-around photo {p} is missing", order.number));
            }
        }
    }
    Ok(problems)
}
