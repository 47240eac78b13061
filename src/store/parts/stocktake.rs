//! Stocktakes (盘点): start a count over a scope, enter counts one part at a time (each a
//! durable write, so a dropped phone connection loses at most the part being typed), post the
//! variances as ledger movements in one transaction, or cancel.

use chrono::{DateTime, Utc};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};
use rust_decimal::Decimal;

use super::get_tx;
use super::stock::{Booking, MoveRefs, book_tx};
use crate::domain::part::PartId;
use crate::domain::stock::{CountLine, MovementKind, Stocktake, StocktakeState};
use crate::i18n::Msg;
use crate::store::audit::{Actor, append_tx};
use crate::store::tables::{PARTS, STOCKTAKE_LINES, STOCKTAKES};
use crate::store::{StoreError, StoreResult, Touched, next_id_tx};

/// Starts a count of the active parts in a category and/or location (empty: all of them).
pub fn start_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    category: &str,
    location: &str,
) -> StoreResult<Stocktake> {
    start_at_tx(tx, actor, category, location, Utc::now())
}

/// [`start_tx`] at a given time (generated data).
pub fn start_at_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    category: &str,
    location: &str,
    at: DateTime<Utc>,
) -> StoreResult<Stocktake> {
    let id = next_id_tx(tx, "stocktake")?;
    let mut lines = tx.open_table(STOCKTAKE_LINES)?;
    let mut n = 0u32;
    for row in tx.open_table(PARTS)?.iter()? {
        let part = row?.1.value();
        let d = &part.details;
        if !d.active
            || (!category.is_empty() && d.category != category)
            || (!location.is_empty() && d.location != location)
        {
            continue;
        }
        let line = CountLine {
            part: part.id,
            number: d.number.to_string(),
            name: d.name.clone(),
            unit: d.unit.clone(),
            location: d.location.clone(),
            book_at_start: part.stock.on_hand,
            counted: None,
            book_at_count: Decimal::ZERO,
            cost_at_count: Decimal::ZERO,
            counted_by_name: String::new(),
            counted_at: None,
        };
        lines.insert((id, part.id.0), &line)?;
        n += 1;
    }
    if n == 0 {
        return Err(StoreError::Refused(Msg::StocktakeNothing));
    }
    let take = Stocktake {
        id,
        category: category.to_string(),
        location: location.to_string(),
        state: StocktakeState::Open,
        lines: n,
        started_at: at,
        started_by_name: actor.display.clone(),
        closed_at: None,
        closed_by_name: String::new(),
    };
    tx.open_table(STOCKTAKES)?.insert(id, &take)?;
    append_tx(tx, actor, "stocktake.start", &format!("stocktake:{id}"), format!("{n} parts"))?;
    Ok(take)
}

pub fn get(tx: &ReadTransaction, id: u64) -> StoreResult<Option<Stocktake>> {
    Ok(tx.open_table(STOCKTAKES)?.get(id)?.map(|v| v.value()))
}

fn get_open_tx(tx: &WriteTransaction, id: u64) -> StoreResult<Stocktake> {
    let take = tx.open_table(STOCKTAKES)?.get(id)?.map(|v| v.value()).ok_or(StoreError::NotFound)?;
    if take.state != StocktakeState::Open {
        return Err(StoreError::Refused(Msg::StocktakeClosed));
    }
    Ok(take)
}

/// The lines of a stocktake, by location then number.
pub fn lines(tx: &ReadTransaction, id: u64) -> StoreResult<Vec<CountLine>> {
    let mut out = Vec::new();
    for row in tx.open_table(STOCKTAKE_LINES)?.range((id, 0)..=(id, u64::MAX))? {
        out.push(row?.1.value());
    }
    out.sort_by(|a, b| (&a.location, &a.number).cmp(&(&b.location, &b.number)));
    Ok(out)
}

/// The lines of a stocktake in part order, inside a write (generated counts).
pub fn lines_tx(tx: &WriteTransaction, id: u64) -> StoreResult<Vec<CountLine>> {
    let mut out = Vec::new();
    for row in tx.open_table(STOCKTAKE_LINES)?.range((id, 0)..=(id, u64::MAX))? {
        out.push(row?.1.value());
    }
    Ok(out)
}

/// Every stocktake, newest first.
pub fn list(tx: &ReadTransaction, limit: usize) -> StoreResult<Vec<Stocktake>> {
    let mut out = Vec::new();
    for row in tx.open_table(STOCKTAKES)?.iter()?.rev().take(limit) {
        out.push(row?.1.value());
    }
    Ok(out)
}

/// Enters (or corrects) the counted quantity of one part; the book stock and cost at this
/// moment are kept with it.
pub fn count_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    id: u64,
    part: PartId,
    counted: Decimal,
) -> StoreResult<CountLine> {
    count_at_tx(tx, actor, id, part, counted, Utc::now())
}

/// [`count_tx`] at a given time (generated data).
pub fn count_at_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    id: u64,
    part: PartId,
    counted: Decimal,
    at: DateTime<Utc>,
) -> StoreResult<CountLine> {
    get_open_tx(tx, id)?;
    let mut lines = tx.open_table(STOCKTAKE_LINES)?;
    let mut line = lines.get((id, part.0))?.map(|v| v.value()).ok_or(StoreError::NotFound)?;
    let now = get_tx(tx, part)?;
    line.counted = Some(counted);
    line.book_at_count = now.stock.on_hand;
    line.cost_at_count = now.stock.avg_cost;
    line.counted_by_name = actor.display.clone();
    line.counted_at = Some(at);
    lines.insert((id, part.0), &line)?;
    Ok(line)
}

/// Posts the counted lines' variances as stocktake movements onto today's stock, and closes the
/// count. Lines not counted are left alone.
pub fn post_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: u64,
) -> StoreResult<Stocktake> {
    post_at_tx(tx, touched, actor, id, Utc::now())
}

/// [`post_tx`] at a given time (generated data).
pub fn post_at_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: u64,
    now: DateTime<Utc>,
) -> StoreResult<Stocktake> {
    let mut take = get_open_tx(tx, id)?;
    let counted: Vec<CountLine> = {
        let lines = tx.open_table(STOCKTAKE_LINES)?;
        let mut out = Vec::new();
        for row in lines.range((id, 0)..=(id, u64::MAX))? {
            let line = row?.1.value();
            if line.counted.is_some() {
                out.push(line);
            }
        }
        out
    };
    if counted.is_empty() {
        return Err(StoreError::Refused(Msg::StocktakeNothingCounted));
    }
    let mut value = Decimal::ZERO;
    for line in &counted {
        let Some(diff) = line.variance().filter(|d| !d.is_zero()) else { continue };
        let mut part = get_tx(tx, line.part)?;
        let (after, _) = part.stock.count(part.stock.on_hand + diff);
        let cost = part.stock.avg_cost;
        value += line.variance_value();
        let refs = MoveRefs { document: Some(id), reason: format!("stocktake {id}"), ..Default::default() };
        let booking =
            Booking { kind: MovementKind::Stocktake, qty: diff, unit_cost: cost, after, refs, at: now };
        book_tx(tx, touched, actor, &mut part, booking)?;
    }
    take.state = StocktakeState::Posted;
    take.closed_at = Some(now);
    take.closed_by_name = actor.display.clone();
    tx.open_table(STOCKTAKES)?.insert(id, &take)?;
    append_tx(
        tx,
        actor,
        "stocktake.post",
        &format!("stocktake:{id}"),
        format!("{} counted, variance {value}", counted.len()),
    )?;
    Ok(take)
}

pub fn cancel_tx(tx: &WriteTransaction, actor: &Actor, id: u64) -> StoreResult<Stocktake> {
    let mut take = get_open_tx(tx, id)?;
    take.state = StocktakeState::Cancelled;
    take.closed_at = Some(Utc::now());
    take.closed_by_name = actor.display.clone();
    tx.open_table(STOCKTAKES)?.insert(id, &take)?;
    append_tx(tx, actor, "stocktake.cancel", &format!("stocktake:{id}"), String::new())?;
    Ok(take)
}
