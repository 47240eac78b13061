//! The stock ledger (库存台账): every movement is written with the part's new stock in one
//! transaction, by [`book_tx`] only, so stock on hand is always the sum of the ledger.

use chrono::{DateTime, NaiveDate, Utc};
use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata, WriteTransaction};
use rust_decimal::Decimal;

use super::{get_tx, save_tx};
use crate::domain::field::Problem;
use crate::domain::part::{Part, PartId, SupplierId};
use crate::domain::stock::{Movement, MovementKind, ReceiptLine, Stock, StockReceipt};
use crate::domain::{FieldErrors, OrderId};
use crate::i18n::Msg;
use crate::store::audit::{Actor, append_tx};
use crate::store::tables::{
    RECEIPTS_BY_SUPPLIER, STOCK_MOVES, STOCK_MOVES_BY_PART, STOCK_RECEIPTS, SUPPLIERS,
};
use crate::store::{StoreError, StoreResult, Touched, next_id_tx};

/// What a movement is about, besides its part, kind and quantity.
#[derive(Clone, Debug, Default)]
pub struct MoveRefs {
    pub order: Option<(OrderId, u32)>,
    pub order_number: String,
    pub document: Option<u64>,
    pub supplier: Option<SupplierId>,
    pub reason: String,
}

/// One movement to book: its kind, signed quantity and cost, the stock it leaves, what it is
/// about and when.
pub(crate) struct Booking {
    pub kind: MovementKind,
    pub qty: Decimal,
    pub unit_cost: Decimal,
    pub after: Stock,
    pub refs: MoveRefs,
    pub at: DateTime<Utc>,
}

/// The order line an issue or a return is for, and when and why it happens.
#[derive(Clone, Debug)]
pub struct LineRef {
    pub order: (OrderId, u32),
    pub number: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Books one movement: the part's stock becomes `after`, the ledger gets the line. The only
/// function that changes a part's stock.
pub(crate) fn book_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    part: &mut Part,
    booking: Booking,
) -> StoreResult<Movement> {
    let Booking { kind, qty, unit_cost, after, refs, at } = booking;
    debug_assert_eq!(part.stock.on_hand + qty, after.on_hand);
    let old = part.clone();
    let id = next_id_tx(tx, "stock_move")?;
    let movement = Movement {
        id,
        part: part.id,
        kind,
        qty,
        unit_cost,
        after,
        order: refs.order,
        order_number: refs.order_number,
        document: refs.document,
        supplier: refs.supplier,
        reason: refs.reason,
        at,
        by: actor.user_id,
        by_name: actor.display.clone(),
    };
    tx.open_table(STOCK_MOVES)?.insert(id, &movement)?;
    tx.open_table(STOCK_MOVES_BY_PART)?.insert((part.id.0, id), ())?;
    crate::store::reports::movement_tx(tx, &movement)?;
    part.stock = after;
    part.version += 1;
    part.last_moved_at = Some(at);
    save_tx(tx, touched, part, Some(&old))?;
    Ok(movement)
}

/// A stock receipt as the clerk typed it, checked.
#[derive(Clone, Debug)]
pub struct ReceiptDraft {
    pub supplier: Option<SupplierId>,
    pub invoice_no: String,
    pub date: NaiveDate,
    pub lines: Vec<ReceiptLine>,
}

/// Posts a stock receipt (入库): every line raises its part's stock and averages its cost, in
/// one transaction with the receipt.
pub fn receive_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    draft: ReceiptDraft,
) -> StoreResult<StockReceipt> {
    receive_at_tx(tx, touched, actor, draft, Utc::now())
}

pub fn receive_at_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    draft: ReceiptDraft,
    at: DateTime<Utc>,
) -> StoreResult<StockReceipt> {
    if draft.lines.is_empty() {
        return Err(StoreError::Invalid(FieldErrors::one("lines", Msg::ReceiptEmpty)));
    }
    if let Some(s) = draft.supplier
        && tx.open_table(SUPPLIERS)?.get(s.0)?.is_none()
    {
        return Err(StoreError::Invalid(FieldErrors::one("supplier_id", Msg::SupplierUnknown)));
    }
    let id = next_id_tx(tx, "stock_receipt")?;
    for line in &draft.lines {
        let mut part = get_tx(tx, line.part).map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid(FieldErrors::one("part_id", Msg::PartUnknown)),
            e => e,
        })?;
        let after = part.stock.receive(line.qty, line.unit_cost);
        let refs = MoveRefs { document: Some(id), supplier: draft.supplier, ..Default::default() };
        let booking = Booking {
            kind: MovementKind::Receipt,
            qty: line.qty,
            unit_cost: line.unit_cost,
            after,
            refs,
            at,
        };
        book_tx(tx, touched, actor, &mut part, booking)?;
    }
    let receipt = StockReceipt {
        id,
        supplier: draft.supplier,
        invoice_no: draft.invoice_no,
        date: draft.date,
        lines: draft.lines,
        at,
        by: actor.user_id,
        by_name: actor.display.clone(),
    };
    tx.open_table(STOCK_RECEIPTS)?.insert(id, &receipt)?;
    if let Some(s) = receipt.supplier {
        tx.open_table(RECEIPTS_BY_SUPPLIER)?.insert((s.0, id), ())?;
    }
    append_tx(
        tx,
        actor,
        "stock.receive",
        &format!("receipt:{id}"),
        format!("{} lines, {} {}", receipt.lines.len(), receipt.total(), receipt.invoice_no),
    )?;
    Ok(receipt)
}

/// A stock-out that is not an issue to an order (shop use, scrap, a return to the supplier):
/// at the average cost, with a reason; never below zero.
pub fn stock_out_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: PartId,
    kind: MovementKind,
    qty: Decimal,
    reason: String,
) -> StoreResult<Movement> {
    if !MovementKind::OTHER_OUT.contains(&kind) {
        return Err(StoreError::Invalid(FieldErrors::one("kind", Msg::ChoiceInvalid)));
    }
    if reason.trim().is_empty() {
        return Err(StoreError::Invalid(FieldErrors::one("reason", Msg::ReasonRequired)));
    }
    let mut part = get_tx(tx, id)?;
    let after = part.stock.take(qty, false).map_err(|p| StoreError::Invalid(FieldErrors::one("qty", p)))?;
    let cost = part.stock.avg_cost;
    let refs = MoveRefs { reason: reason.clone(), ..Default::default() };
    let booking = Booking { kind, qty: -qty, unit_cost: cost, after, refs, at: Utc::now() };
    let m = book_tx(tx, touched, actor, &mut part, booking)?;
    append_tx(
        tx,
        actor,
        &format!("stock.{}", kind.code()),
        &format!("part:{id}"),
        format!("-{qty} {reason}"),
    )?;
    Ok(m)
}

/// Parts a customer brings back (not from an order line still open): into stock at the
/// average cost, with a reason.
pub fn customer_return_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: PartId,
    qty: Decimal,
    reason: String,
) -> StoreResult<Movement> {
    if reason.trim().is_empty() {
        return Err(StoreError::Invalid(FieldErrors::one("reason", Msg::ReasonRequired)));
    }
    let mut part = get_tx(tx, id)?;
    let cost = part.stock.avg_cost;
    let after = part.stock.receive(qty, cost);
    let refs = MoveRefs { reason: reason.clone(), ..Default::default() };
    let booking =
        Booking { kind: MovementKind::CustomerReturn, qty, unit_cost: cost, after, refs, at: Utc::now() };
    let m = book_tx(tx, touched, actor, &mut part, booking)?;
    append_tx(tx, actor, "stock.customer_return", &format!("part:{id}"), format!("+{qty} {reason}"))?;
    Ok(m)
}

/// Issues `qty` of a part to an order line (出库/领料) at the average cost. Refused below zero
/// unless `allow_negative`; the problem names how many are in stock.
pub(crate) fn issue_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: PartId,
    qty: Decimal,
    line: &LineRef,
    allow_negative: bool,
) -> Result<StoreResult<Movement>, Problem> {
    let mut part = match get_tx(tx, id) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let after = part.stock.take(qty, allow_negative)?;
    let cost = part.stock.avg_cost;
    let refs = MoveRefs { order: Some(line.order), order_number: line.number.clone(), ..Default::default() };
    let booking = Booking { kind: MovementKind::Issue, qty: -qty, unit_cost: cost, after, refs, at: line.at };
    Ok(book_tx(tx, touched, actor, &mut part, booking))
}

/// Returns `qty` issued to an order line back to stock, at `unit_cost` (what it went out at).
pub(crate) fn unissue_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: PartId,
    qty: Decimal,
    unit_cost: Decimal,
    line: &LineRef,
) -> StoreResult<Movement> {
    let mut part = get_tx(tx, id)?;
    let after = part.stock.receive(qty, unit_cost);
    let refs = MoveRefs {
        order: Some(line.order),
        order_number: line.number.clone(),
        reason: line.reason.clone(),
        ..Default::default()
    };
    book_tx(
        tx,
        touched,
        actor,
        &mut part,
        Booking { kind: MovementKind::Unissue, qty, unit_cost, after, refs, at: line.at },
    )
}

/// A part's ledger, newest first: up to `limit` movements older than `before` (a movement id).
pub fn ledger(
    tx: &ReadTransaction,
    id: PartId,
    before: Option<u64>,
    limit: usize,
) -> StoreResult<Vec<Movement>> {
    let (index, moves) = (tx.open_table(STOCK_MOVES_BY_PART)?, tx.open_table(STOCK_MOVES)?);
    let end = before.unwrap_or(u64::MAX);
    let mut out = Vec::with_capacity(limit);
    for row in index.range((id.0, 0)..(id.0, end))?.rev().take(limit) {
        if let Some(m) = moves.get(row?.0.value().1)? {
            out.push(m.value());
        }
    }
    Ok(out)
}

/// The id of the first movement at or after `at` (movement ids grow with time), found by
/// bisection over the ledger's ids.
pub fn first_move_at(tx: &ReadTransaction, at: DateTime<Utc>) -> StoreResult<u64> {
    let moves = tx.open_table(STOCK_MOVES)?;
    let Some(last) = moves.last()?.map(|(k, _)| k.value()) else { return Ok(1) };
    let (mut lo, mut hi) = (1u64, last + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        // Ids are dense; a missing one (never) counts as "before".
        let before = match moves.range(mid..)?.next() {
            Some(row) => row?.1.value().at < at,
            None => false,
        };
        if before { lo = mid + 1 } else { hi = mid }
    }
    Ok(lo)
}

/// Movements in `[from, to)`, oldest first, at most `limit` (and whether there were more).
pub fn moves_between(
    tx: &ReadTransaction,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: usize,
) -> StoreResult<(Vec<Movement>, bool)> {
    let start = first_move_at(tx, from)?;
    let moves = tx.open_table(STOCK_MOVES)?;
    let mut out = Vec::new();
    for row in moves.range(start..)? {
        let m = row?.1.value();
        if m.at >= to {
            return Ok((out, false));
        }
        if out.len() == limit {
            return Ok((out, true));
        }
        out.push(m);
    }
    Ok((out, false))
}

/// How many movements the ledger holds in all.
pub fn count(tx: &ReadTransaction) -> StoreResult<u64> {
    Ok(tx.open_table(STOCK_MOVES)?.len()?)
}

pub fn receipt(tx: &ReadTransaction, id: u64) -> StoreResult<Option<StockReceipt>> {
    Ok(tx.open_table(STOCK_RECEIPTS)?.get(id)?.map(|v| v.value()))
}

/// The newest receipts, at most `limit`.
pub fn recent_receipts(tx: &ReadTransaction, limit: usize) -> StoreResult<Vec<StockReceipt>> {
    let mut out = Vec::new();
    for row in tx.open_table(STOCK_RECEIPTS)?.iter()?.rev().take(limit) {
        out.push(row?.1.value());
    }
    Ok(out)
}

/// The receipts posted from `from` (inclusive) to `to` (exclusive), newest first: receipt ids
/// grow with the time they are posted, so this reads backwards from the newest and stops at
/// the first one posted before `from`.
pub fn receipts_posted(
    tx: &ReadTransaction,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> StoreResult<Vec<StockReceipt>> {
    let mut out = Vec::new();
    for row in tx.open_table(STOCK_RECEIPTS)?.iter()?.rev() {
        let receipt = row?.1.value();
        if receipt.at < from {
            break;
        }
        if receipt.at < to {
            out.push(receipt);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::*;
    use crate::domain::part::{NewPart, PartDetails, PartNumber};
    use crate::store::parts::{create_tx, stocktake};
    use crate::store::testing::temp_store;

    fn part(number: &str) -> NewPart {
        NewPart {
            details: PartDetails {
                number: PartNumber::parse(number).unwrap(),
                name: "机油".into(),
                spec: String::new(),
                brand: String::new(),
                unit: "litre".into(),
                category: "oil".into(),
                location: "A1".into(),
                price: Decimal::from(60),
                min_stock: Decimal::from(5),
                supplier: None,
                active: true,
                fits: String::new(),
            },
            cost: Decimal::from(30),
        }
    }

    fn line() -> LineRef {
        LineRef { order: (OrderId(1), 1), number: "1".into(), reason: "line removed".into(), at: Utc::now() }
    }

    #[derive(Clone, Debug)]
    enum Op {
        Receive(u32, u32),
        Issue(u32),
        Unissue(u32, u32),
        Out(u32),
        CustomerReturn(u32),
        Count(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Quantities in thousandths (litres to the millilitre), costs in ten-thousandths.
        prop_oneof![
            (1u32..50_000, 0u32..2_000_000).prop_map(|(q, c)| Op::Receive(q, c)),
            (1u32..20_000).prop_map(Op::Issue),
            (1u32..5_000, 0u32..2_000_000).prop_map(|(q, c)| Op::Unissue(q, c)),
            (1u32..10_000).prop_map(Op::Out),
            (1u32..5_000).prop_map(Op::CustomerReturn),
            (0u32..60_000).prop_map(Op::Count),
        ]
    }

    /// The moving average, computed the long way: total value over total quantity of what
    /// came in since stock was last at or below zero.
    fn expected_receive(on_hand: Decimal, avg: Decimal, qty: Decimal, cost: Decimal) -> Decimal {
        if on_hand <= Decimal::ZERO {
            return cost;
        }
        let exact = (on_hand * avg + qty * cost) / (on_hand + qty);
        exact.round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        #[test]
        fn stock_is_the_ledger_and_never_below_zero_unless_allowed(
            ops in proptest::collection::vec(op(), 1..40),
            allow_negative in any::<bool>(),
        ) {
            let (store, _dir) = temp_store();
            let actor = Actor::system();
            let p = store.write_touching_now(|tx, t| create_tx(tx, t, &actor, part("OIL-5W30"))).unwrap();
            let (mut on_hand, mut avg) = (Decimal::ZERO, Decimal::from(30));
            for op in ops {
                let thousandths = |n: u32| Decimal::new(n as i64, 3);
                let cost = |n: u32| Decimal::new(n as i64, 4);
                match op {
                    Op::Receive(q, c) => {
                        let (q, c) = (thousandths(q), cost(c));
                        let draft = ReceiptDraft {
                            supplier: None,
                            invoice_no: String::new(),
                            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
                            lines: vec![ReceiptLine { part: p.id, qty: q, unit_cost: c }],
                        };
                        store.write_touching_now(|tx, t| receive_tx(tx, t, &actor, draft)).unwrap();
                        avg = expected_receive(on_hand, avg, q, c);
                        on_hand += q;
                    }
                    Op::Issue(q) => {
                        let q = thousandths(q);
                        let r = store.write_touching_now(|tx, t| {
                            Ok(issue_tx(tx, t, &actor, p.id, q, &line(), allow_negative))
                        }).unwrap();
                        if q > on_hand && !allow_negative {
                            prop_assert!(r.is_err(), "issued {q} of {on_hand}");
                        } else {
                            r.unwrap().unwrap();
                            on_hand -= q;
                        }
                    }
                    Op::Unissue(q, c) => {
                        let (q, c) = (thousandths(q), cost(c));
                        store.write_touching_now(|tx, t| {
                            unissue_tx(tx, t, &actor, p.id, q, c, &line())
                        }).unwrap();
                        avg = expected_receive(on_hand, avg, q, c);
                        on_hand += q;
                    }
                    Op::Out(q) => {
                        let q = thousandths(q);
                        let r = store.write_touching_now(|tx, t| {
                            stock_out_tx(tx, t, &actor, p.id, MovementKind::Scrap, q, "damaged".into())
                        });
                        if q > on_hand {
                            prop_assert!(r.is_err());
                        } else {
                            r.unwrap();
                            on_hand -= q;
                        }
                    }
                    Op::CustomerReturn(q) => {
                        let q = thousandths(q);
                        store.write_touching_now(|tx, t| customer_return_tx(tx, t, &actor, p.id, q, "unused".into())).unwrap();
                        avg = expected_receive(on_hand, avg, q, avg);
                        on_hand += q;
                    }
                    Op::Count(n) => {
                        let counted = thousandths(n);
                        let take = store.write_now(|tx| stocktake::start_tx(tx, &actor, "", "")).unwrap();
                        store.write_now(|tx| stocktake::count_tx(tx, &actor, take.id, p.id, counted)).unwrap();
                        store.write_touching_now(|tx, t| stocktake::post_tx(tx, t, &actor, take.id)).unwrap();
                        on_hand = counted;
                    }
                }
                let now = store.read_now(|tx| super::super::get(tx, p.id)).unwrap().unwrap();
                prop_assert_eq!(now.stock.on_hand, on_hand);
                prop_assert_eq!(now.stock.avg_cost, avg);
                prop_assert!(allow_negative || now.stock.on_hand >= Decimal::ZERO);
                let indexed = store.parts(|i| i.get(p.id).map(|r| r.stock));
                prop_assert_eq!(indexed, Some(now.stock));
            }
            let mut report = crate::store::check::Report::default();
            store.read_now(|tx| crate::store::check::invariants(tx, &mut report)).unwrap();
            // The issues went to a made-up order line (no order exists here): check's
            // comparison of order lines with the ledger is the integration tests' to prove.
            let problems: Vec<&String> =
                report.problems.iter().filter(|p| !p.contains("to order 1 line 1, which does not exist")).collect();
            prop_assert!(problems.is_empty(), "{:?}", problems);
        }
    }
}
