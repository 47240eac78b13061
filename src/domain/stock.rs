//! Stock arithmetic (库存): what a part's stock and its moving-average cost become after each
//! kind of movement, and the movement record the ledger keeps.
//!
//! Invariants the store relies on (and `check` proves on the data):
//! - a part's stock on hand is the sum of its ledger's quantities;
//! - stock goes below zero only where the shop allows it, and then only by an issue;
//! - the average cost changes only when stock comes in at a cost (a receipt, a return from an
//!   order or a customer); every other movement leaves at the average cost.
//!
//! Quantities have at most 3 decimals (oil comes in litres); costs are kept to 4 decimals so an
//! average over many receipts does not drift by whole cents; money shown is rounded to cents.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::field::{Problem, decimal_in};
use super::part::{PartId, SupplierId};
use super::user::UserId;
use super::work_order::OrderId;
use crate::i18n::Msg;

/// Decimals kept in an average cost.
pub const COST_PLACES: u32 = 4;
/// Decimals a quantity may have.
pub const QTY_PLACES: u32 = 3;

super::code::code_enum!(
    /// Why stock moved. Receipts and returns from orders or customers come in at a cost; the
    /// rest goes out (or is corrected) at the average cost.
    MovementKind {
        Receipt = "receipt" => MoveReceipt,
        Issue = "issue" => MoveIssue,
        Unissue = "unissue" => MoveUnissue,
        SupplierReturn = "supplier_return" => MoveSupplierReturn,
        CustomerReturn = "customer_return" => MoveCustomerReturn,
        ShopUse = "shop_use" => MoveShopUse,
        Scrap = "scrap" => MoveScrap,
        Stocktake = "stocktake" => MoveStocktake,
    }
);

impl MovementKind {
    /// Stock-outs other than issues to an order, which need a reason.
    pub const OTHER_OUT: [MovementKind; 3] =
        [MovementKind::ShopUse, MovementKind::Scrap, MovementKind::SupplierReturn];
}

/// A part's stock on hand and its moving-average cost per unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stock {
    pub on_hand: Decimal,
    pub avg_cost: Decimal,
}

impl Stock {
    /// Stock at cost, to the cent.
    pub fn value(&self) -> Decimal {
        cents(self.on_hand * self.avg_cost)
    }

    /// `qty` (> 0) comes in at `unit_cost`: the average becomes the weighted mean of what was
    /// on hand and what came in. When nothing (or less than nothing) was on hand, the new
    /// units' cost is the average.
    pub fn receive(self, qty: Decimal, unit_cost: Decimal) -> Stock {
        debug_assert!(qty > Decimal::ZERO);
        let on_hand = self.on_hand + qty;
        let avg_cost = if self.on_hand <= Decimal::ZERO || on_hand <= Decimal::ZERO {
            unit_cost
        } else {
            cost((self.on_hand * self.avg_cost + qty * unit_cost) / on_hand)
        };
        Stock { on_hand, avg_cost }
    }

    /// `qty` (> 0) goes out at the average cost. Refused when it would take stock below zero,
    /// unless `allow_negative`; the message says how many are in stock.
    pub fn take(self, qty: Decimal, allow_negative: bool) -> Result<Stock, Problem> {
        debug_assert!(qty > Decimal::ZERO);
        if qty > self.on_hand && !allow_negative {
            return Err(Problem::with(Msg::StockShort, &[&self.on_hand.normalize()]));
        }
        Ok(Stock { on_hand: self.on_hand - qty, avg_cost: self.avg_cost })
    }

    /// The stock set to a counted quantity (a stocktake): the difference is booked at the
    /// average cost, which does not change.
    pub fn count(self, counted: Decimal) -> (Stock, Decimal) {
        (Stock { on_hand: counted, avg_cost: self.avg_cost }, counted - self.on_hand)
    }
}

/// A cost per unit rounded to [`COST_PLACES`].
pub fn cost(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(COST_PLACES, RoundingStrategy::MidpointAwayFromZero)
}

/// An amount rounded to the cent.
pub fn cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// One line of a part's stock ledger (库存台账). Never changed once written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Movement {
    pub id: u64,
    pub part: PartId,
    pub kind: MovementKind,
    /// Signed: positive comes in, negative goes out.
    pub qty: Decimal,
    /// The cost per unit it moved at.
    pub unit_cost: Decimal,
    /// The part's stock and average cost after this movement.
    pub after: Stock,
    /// The order line it was issued to or returned from.
    #[serde(default)]
    pub order: Option<(OrderId, u32)>,
    /// The order's number, for the ledger page.
    #[serde(default)]
    pub order_number: String,
    /// The stock receipt or stocktake it belongs to.
    #[serde(default)]
    pub document: Option<u64>,
    #[serde(default)]
    pub supplier: Option<SupplierId>,
    #[serde(default)]
    pub reason: String,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
    pub by_name: String,
}

impl Movement {
    /// The movement's value at its cost, signed like its quantity, to the cent.
    pub fn value(&self) -> Decimal {
        cents(self.qty * self.unit_cost)
    }
}

/// A posted stock receipt (入库单): what came in from whom, on which invoice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StockReceipt {
    pub id: u64,
    #[serde(default)]
    pub supplier: Option<SupplierId>,
    #[serde(default)]
    pub invoice_no: String,
    /// The day on the supplier's delivery note (shop-local).
    pub date: NaiveDate,
    pub lines: Vec<ReceiptLine>,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
    pub by_name: String,
}

impl StockReceipt {
    /// The receipt's value at cost, to the cent.
    pub fn total(&self) -> Decimal {
        self.lines.iter().map(|l| cents(l.qty * l.unit_cost)).sum()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReceiptLine {
    pub part: PartId,
    pub qty: Decimal,
    pub unit_cost: Decimal,
}

/// A receipt line as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReceiptLineInput {
    pub part_id: String,
    pub qty: String,
    pub unit_cost: String,
}

/// Checks a receipt line: a known part, a quantity above zero, a cost of zero or more. Empty
/// lines of a multi-line form are skipped by the caller.
pub fn check_receipt_line(
    input: &ReceiptLineInput,
    known: impl Fn(PartId) -> bool,
) -> Result<ReceiptLine, Vec<(&'static str, Problem)>> {
    let mut problems = Vec::new();
    let part = input.part_id.trim().parse::<u64>().ok().map(PartId).filter(|p| known(*p));
    if part.is_none() {
        problems.push(("part_id", Problem::new(Msg::PartUnknown)));
    }
    let qty = quantity(&input.qty).map_err(|p| problems.push(("qty", p))).ok();
    let unit_cost = decimal_in(&input.unit_cost, COST_PLACES, Decimal::ZERO, Decimal::from(1_000_000))
        .map_err(|p| problems.push(("unit_cost", p)))
        .ok();
    match (part, qty, unit_cost) {
        (Some(part), Some(qty), Some(unit_cost)) if problems.is_empty() => {
            Ok(ReceiptLine { part, qty, unit_cost })
        }
        _ => Err(problems),
    }
}

/// A quantity of stock: above zero, at most 3 decimals.
pub fn quantity(typed: &str) -> Result<Decimal, Problem> {
    decimal_in(typed, QTY_PLACES, Decimal::new(1, QTY_PLACES), Decimal::from(100_000))
}

/// A counted quantity: zero or more, at most 3 decimals.
pub fn counted(typed: &str) -> Result<Decimal, Problem> {
    decimal_in(typed, QTY_PLACES, Decimal::ZERO, Decimal::from(1_000_000))
}

super::code::code_enum!(
    /// Where a stocktake is in its life.
    StocktakeState { Open = "open" => StocktakeOpen, Posted = "posted" => StocktakePosted, Cancelled = "cancelled" => StocktakeCancelled }
);

/// A stock count (盘点) over all active parts, a category or a location. Its lines are kept
/// one record per part (see [`CountLine`]) so entering a count writes only that line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stocktake {
    pub id: u64,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub location: String,
    pub state: StocktakeState,
    pub lines: u32,
    pub started_at: DateTime<Utc>,
    pub started_by_name: String,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub closed_by_name: String,
}

/// One part of a stocktake.
///
/// Movements during the count are accounted for: a line keeps the book stock at the moment its
/// count was entered, and posting books `counted − book then` onto the stock as it is when
/// posted, so an issue between counting and posting is neither lost nor counted twice.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CountLine {
    pub part: PartId,
    pub number: String,
    pub name: String,
    pub unit: String,
    pub location: String,
    /// Book stock when the count started.
    pub book_at_start: Decimal,
    pub counted: Option<Decimal>,
    /// Book stock when `counted` was entered.
    #[serde(default)]
    pub book_at_count: Decimal,
    /// Average cost when `counted` was entered, to value the variance.
    #[serde(default)]
    pub cost_at_count: Decimal,
    #[serde(default)]
    pub counted_by_name: String,
    #[serde(default)]
    pub counted_at: Option<DateTime<Utc>>,
}

impl CountLine {
    /// Counted minus book, once counted.
    pub fn variance(&self) -> Option<Decimal> {
        self.counted.map(|c| c - self.book_at_count)
    }

    /// The variance at cost, to the cent.
    pub fn variance_value(&self) -> Decimal {
        self.variance().map(|v| cents(v * self.cost_at_count)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn receipts_average_the_cost_by_quantity() {
        let s = Stock::default().receive(d("10"), d("20"));
        assert_eq!(s, Stock { on_hand: d("10"), avg_cost: d("20") });
        let s = s.receive(d("30"), d("24"));
        assert_eq!(s.on_hand, d("40"));
        assert_eq!(s.avg_cost, d("23")); // (200 + 720) / 40
        assert_eq!(s.value(), d("920"));
    }

    #[test]
    fn an_average_is_kept_to_four_places() {
        let s = Stock::default().receive(d("3"), d("10")).receive(d("3.5"), d("11.11"));
        // (30 + 38.885) / 6.5 = 10.5976923…
        assert_eq!(s.avg_cost, d("10.5977"));
    }

    #[test]
    fn a_receipt_onto_negative_stock_takes_the_new_cost() {
        let s = Stock { on_hand: d("-2"), avg_cost: d("50") }.receive(d("5"), d("60"));
        assert_eq!(s, Stock { on_hand: d("3"), avg_cost: d("60") });
    }

    #[test]
    fn taking_more_than_is_on_hand_says_how_many_there_are() {
        let s = Stock { on_hand: d("2.5"), avg_cost: d("8") };
        let problem = s.take(d("3"), false).unwrap_err();
        assert_eq!(problem.msg, Msg::StockShort);
        assert_eq!(problem.args, vec!["2.5".to_string()]);
        assert_eq!(s.take(d("3"), true).unwrap().on_hand, d("-0.5"));
        assert_eq!(s.take(d("2.5"), false).unwrap().on_hand, Decimal::ZERO);
    }

    #[test]
    fn a_count_books_the_difference_at_the_average() {
        let (s, diff) = Stock { on_hand: d("7"), avg_cost: d("12.5") }.count(d("5"));
        assert_eq!(diff, d("-2"));
        assert_eq!(s, Stock { on_hand: d("5"), avg_cost: d("12.5") });
    }
}
