//! The shop floor: time clocks on labour lines (one running line per technician, kept in the
//! running-line index), notes and photos from the phone.

use chrono::Utc;
use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::{get, get_tx, save_tx};
use crate::domain::clock::{ClockAction, PauseReason, Progress};
use crate::domain::work_order::Note;
use crate::domain::{FieldErrors, OrderId, OrderState, Problem, Roles, UserId, WorkOrder};
use crate::i18n::Msg;
use crate::store::audit::{Actor, append_tx};
use crate::store::tables::{PHOTO_THUMBS, PHOTOS, RUNNING};
use crate::store::{StoreError, StoreResult, Touched, next_id_tx};

/// Stops the running clocks of an order (or of one line), e.g. when the order leaves work or a
/// line changes hands; the running-line index follows.
pub(super) fn stop_clocks_tx(
    tx: &WriteTransaction,
    order: &mut WorkOrder,
    only: Option<u32>,
) -> StoreResult<()> {
    let mut running = tx.open_table(RUNNING)?;
    for (technician, no) in order.stop_clocks(only, Utc::now()) {
        if running.get(technician.0)?.map(|v| v.value()) == Some((order.id.0, no)) {
            running.remove(technician.0)?;
        }
    }
    Ok(())
}

/// The line whose clock runs for a technician, if any.
pub fn running_for(tx: &ReadTransaction, technician: UserId) -> StoreResult<Option<(OrderId, u32)>> {
    Ok(tx.open_table(RUNNING)?.get(technician.0)?.map(|v| {
        let (order, line) = v.value();
        (OrderId(order), line)
    }))
}

/// What a clock action did besides its own line.
#[derive(Debug, Default)]
pub struct ClockOutcome {
    /// The number of the order whose line was paused because this one started.
    pub switched_from: Option<String>,
    pub moved_to: Option<OrderState>,
}

/// Start, pause or finish a labour line. A technician has one running line: starting another
/// pauses the first (marked "switched"), in the same transaction.
#[allow(clippy::too_many_arguments)]
pub fn clock_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    roles: Roles,
    id: OrderId,
    no: u32,
    action: ClockAction,
) -> StoreResult<(WorkOrder, ClockOutcome)> {
    let now = Utc::now();
    let who = actor.user_id.ok_or(StoreError::Refused(Msg::NotYourLine))?;
    let before = get_tx(tx, id)?;
    let mut order = before.clone();
    let invalid = |p: Problem| StoreError::Invalid(FieldErrors::one("action", p));
    let line = order.line(no).ok_or_else(|| invalid(Problem::new(Msg::LineUnknown)))?;
    let clock_of = line.details.technician.unwrap_or(who);
    let mut outcome = ClockOutcome::default();
    if action == ClockAction::Start && line.progress() != Progress::Running && line.finished_at.is_none() {
        let running = tx.open_table(RUNNING)?.get(clock_of.0)?.map(|v| v.value());
        match running {
            Some((other, other_line)) if other == id.0 && other_line != no => {
                if order.line(other_line).is_some_and(|l| l.progress() == Progress::Running) {
                    let pause = ClockAction::Pause(PauseReason::Switched);
                    order.clock(other_line, pause, who, &actor.display, roles, now).map_err(invalid)?;
                    outcome.switched_from = Some(order.number.clone());
                } else {
                    tx.open_table(RUNNING)?.remove(clock_of.0)?;
                }
            }
            Some((other, other_line)) if other != id.0 => {
                let other_before = get_tx(tx, OrderId(other))?;
                let mut other_order = other_before.clone();
                let still_running =
                    other_order.line(other_line).is_some_and(|l| l.progress() == Progress::Running);
                if still_running {
                    // Whatever the actor may do, pausing the technician's own running line is
                    // always allowed: it is what they asked for by starting another.
                    other_order.switch_away(other_line, who, now).map_err(invalid)?;
                    save_tx(tx, touched, &other_before, &mut other_order)?;
                    append_tx(
                        tx,
                        actor,
                        "order.clock",
                        &format!("order:{other}"),
                        format!("{} #{other_line} pause (switched)", other_order.number),
                    )?;
                    outcome.switched_from = Some(other_order.number.clone());
                } else {
                    // An entry whose line no longer runs (removed, declined) is dropped.
                    tx.open_table(RUNNING)?.remove(clock_of.0)?;
                }
            }
            _ => {}
        }
    }
    outcome.moved_to = order.clock(no, action, who, &actor.display, roles, now).map_err(invalid)?;
    let line = order.line(no).expect("clocked above");
    {
        let mut running = tx.open_table(RUNNING)?;
        if line.progress() == Progress::Running {
            running.insert(clock_of.0, (id.0, no))?;
        } else if running.get(clock_of.0)?.map(|v| v.value()) == Some((id.0, no)) {
            running.remove(clock_of.0)?;
        }
    }
    let what = match action {
        ClockAction::Start => "start".to_string(),
        ClockAction::Pause(r) => format!("pause ({})", r.code()),
        ClockAction::Finish => "finish".to_string(),
    };
    let mut summary = format!("{} #{no} {what}", order.number);
    if let Some(to) = outcome.moved_to {
        summary.push_str(&format!("; order → {}", to.code()));
    }
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "order.clock", &format!("order:{id}"), summary)?;
    Ok((order, outcome))
}

/// A photo ready to store: the picture and its thumbnail, both JPEG.
pub struct NewPhoto {
    pub picture: Vec<u8>,
    pub thumb: Vec<u8>,
}

/// Adds a note, with its photos, to an order that is not closed.
pub fn add_note_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    text: String,
    photos: &[NewPhoto],
) -> StoreResult<WorkOrder> {
    let before = get_tx(tx, id)?;
    if before.state.is_closed() {
        return Err(StoreError::Refused(Msg::OrderLocked));
    }
    let mut order = before.clone();
    let mut ids = Vec::new();
    for photo in photos {
        let photo_id = next_id_tx(tx, "photo")?;
        tx.open_table(PHOTOS)?.insert(photo_id, photo.picture.as_slice())?;
        tx.open_table(PHOTO_THUMBS)?.insert(photo_id, photo.thumb.as_slice())?;
        ids.push(photo_id);
    }
    let count = ids.len();
    order.notes.push(Note {
        at: Utc::now(),
        by: actor.user_id,
        by_name: actor.display.clone(),
        text,
        photos: ids,
        shared: false,
    });
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "order.note", &format!("order:{id}"), format!("{} ({count} photos)", order.number))?;
    Ok(order)
}

/// A stored photo or its thumbnail.
pub fn photo(tx: &ReadTransaction, id: u64, thumb: bool) -> StoreResult<Option<Vec<u8>>> {
    let table = tx.open_table(if thumb { PHOTO_THUMBS } else { PHOTOS })?;
    Ok(table.get(id)?.map(|v| v.value().to_vec()))
}

/// Shows a note (and its photos) to the customer on their phone page, or stops showing it.
/// `no` counts the order's floor notes from 1, oldest first (notes are never removed).
pub fn share_note_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    no: usize,
    shared: bool,
) -> StoreResult<WorkOrder> {
    let before = get_tx(tx, id)?;
    if before.state.is_closed() {
        return Err(StoreError::Refused(Msg::OrderLocked));
    }
    let mut order = before.clone();
    let note = no.checked_sub(1).and_then(|i| order.notes.get_mut(i)).ok_or(StoreError::NotFound)?;
    if note.shared == shared {
        return Ok(order);
    }
    note.shared = shared;
    save_tx(tx, touched, &before, &mut order)?;
    let what = if shared { "shared with the customer" } else { "no longer shared" };
    append_tx(
        tx,
        actor,
        "order.note_share",
        &format!("order:{id}"),
        format!("{} note {no} {what}", order.number),
    )?;
    Ok(order)
}

/// Whether a photo belongs to one of the order's notes shared with the customer.
pub fn shared_photo(order: &WorkOrder, photo: u64) -> bool {
    order.notes.iter().any(|n| n.shared && n.photos.contains(&photo))
}

/// The order a photo belongs to (photos are shown only to who may see the order).
pub fn photo_order(tx: &ReadTransaction, order: OrderId, photo: u64) -> StoreResult<bool> {
    Ok(get(tx, order)?.is_some_and(|o| o.notes.iter().any(|n| n.photos.contains(&photo))))
}
