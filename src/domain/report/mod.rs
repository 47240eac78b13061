//! Reports (统计报表): the figures a manager decides from, as sums kept per shop-local day.
//!
//! Every figure of a report is a sum of [`DayTotals`], so a year's report adds at most 366 rows
//! however many orders the shop had. Each kind of record that moves a figure has one pure
//! function here saying what it adds; the store applies it in the same transaction as the
//! record, and `check` recomputes every day from the records with the same functions:
//!
//! - [`order_volume`]: an order's state history: opened (cars received), completed, delivered
//!   (time in the shop, late against the promised time), cancelled, and whether the car came
//!   back soon after its last visit (返修);
//! - [`recognition`]: revenue, recognised when an order is settled (结算) from its bill. A void
//!   that un-settles an order takes the same figures off on the day of the void (a reversal),
//!   so a closed day never changes;
//! - [`payment_totals`]: takings by payment method on the day they were taken, voids off;
//! - [`movement_totals`]: the stock ledger at cost.
//!
//! Customer spending and parts usage are kept per month (see [`month_key`]), the same way.
//! [`Period`] (in `period`) is the day, week, month or year a report shows, with the one before
//! it and the same one a year earlier. The rules' tests are in `tests`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::checkout::{Payment, Settlement};
use super::stock::{Movement, MovementKind};
use super::user::UserId;
use super::work_order::{Decision, LineKind, OrderState, WorkOrder};

mod period;
pub use period::{Period, PeriodKind, change_percent, local_day, month_key, month_start};

/// The windows a return visit is counted in: back within 7, 14, 30 or 90 days of the car's
/// last delivery. `DayTotals::revisits[i]` counts visits within `REVISIT_DAYS[i]` days and over
/// the window before it.
pub const REVISIT_DAYS: [i64; 4] = [7, 14, 30, 90];

/// A car back within this many days counts as a comeback against the technicians who worked
/// on its previous order.
pub const COMEBACK_DAYS: i64 = 30;

/// One technician's figures for a day.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TechTotals {
    /// Settled orders with a labour line of theirs (reversals take one off).
    #[serde(default)]
    pub orders: i64,
    /// Hours billed on their labour lines.
    #[serde(default)]
    pub hours: Decimal,
    /// Minutes they clocked on those lines.
    #[serde(default)]
    pub clocked_minutes: i64,
    /// Labour billed for their lines, after line discounts.
    #[serde(default)]
    pub labour: Decimal,
    /// Cars back within [`COMEBACK_DAYS`] of an order they worked on.
    #[serde(default)]
    pub comebacks: i64,
}

impl TechTotals {
    fn merge(&mut self, o: &TechTotals, sign: i64) {
        let d = Decimal::from(sign);
        self.orders += sign * o.orders;
        self.hours += d * o.hours;
        self.clocked_minutes += sign * o.clocked_minutes;
        self.labour += d * o.labour;
        self.comebacks += sign * o.comebacks;
    }

    fn is_zero(&self) -> bool {
        *self == TechTotals::default()
    }
}

/// Everything a shop-local day adds to the reports. Counts are signed so that a reversal or a
/// corrected record can take off what was added.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DayTotals {
    // Business volume (业务量).
    #[serde(default)]
    pub opened: i64,
    #[serde(default)]
    pub completed: i64,
    #[serde(default)]
    pub delivered: i64,
    #[serde(default)]
    pub cancelled: i64,
    /// Deliveries after the promised time.
    #[serde(default)]
    pub late: i64,
    /// Minutes in the shop, opened to delivered, over the day's deliveries.
    #[serde(default)]
    pub shop_minutes: i64,
    /// Orders opened for a car delivered shortly before, per window of [`REVISIT_DAYS`].
    #[serde(default)]
    pub revisits: [i64; 4],

    // Revenue (营收), recognised at settlement; reversals are already taken off.
    #[serde(default)]
    pub settled: i64,
    #[serde(default)]
    pub labour: Decimal,
    #[serde(default)]
    pub parts: Decimal,
    #[serde(default)]
    pub fees: Decimal,
    /// Line and order discounts.
    #[serde(default)]
    pub discounts: Decimal,
    #[serde(default)]
    pub tax: Decimal,
    #[serde(default)]
    pub rounding: Decimal,
    /// What the customers owe for the day's settlements (net of discounts, with tax).
    #[serde(default)]
    pub total: Decimal,
    /// What the settled catalog parts cost (their issue cost), for the margin.
    #[serde(default)]
    pub parts_cost: Decimal,
    /// Settlements reversed by a void on this day, and their total.
    #[serde(default)]
    pub reversed: i64,
    #[serde(default)]
    pub reversed_total: Decimal,

    // Takings (收款), by method code; `on_account` is what was put on account.
    #[serde(default)]
    pub takings: BTreeMap<String, Decimal>,
    #[serde(default)]
    pub payments: i64,
    /// Payments voided on this day (退款/作废), and how much they were.
    #[serde(default)]
    pub voids: i64,
    #[serde(default)]
    pub voided: Decimal,
    /// Receivables paid off (included in the takings).
    #[serde(default)]
    pub repaid: Decimal,

    // The stock ledger at cost.
    #[serde(default)]
    pub stock_in: Decimal,
    /// Issued to orders, less what came back.
    #[serde(default)]
    pub issued_cost: Decimal,
    /// Shop use, scrap and returns to suppliers.
    #[serde(default)]
    pub stock_out: Decimal,
    /// Stocktake differences, signed.
    #[serde(default)]
    pub stock_adjust: Decimal,

    /// Per technician (user id).
    #[serde(default)]
    pub techs: BTreeMap<u64, TechTotals>,
}

impl DayTotals {
    /// Adds `o` (`sign` 1) or takes it off (`sign` -1).
    pub fn merge(&mut self, o: &DayTotals, sign: i64) {
        let d = Decimal::from(sign);
        self.opened += sign * o.opened;
        self.completed += sign * o.completed;
        self.delivered += sign * o.delivered;
        self.cancelled += sign * o.cancelled;
        self.late += sign * o.late;
        self.shop_minutes += sign * o.shop_minutes;
        for (a, b) in self.revisits.iter_mut().zip(o.revisits) {
            *a += sign * b;
        }
        self.settled += sign * o.settled;
        self.labour += d * o.labour;
        self.parts += d * o.parts;
        self.fees += d * o.fees;
        self.discounts += d * o.discounts;
        self.tax += d * o.tax;
        self.rounding += d * o.rounding;
        self.total += d * o.total;
        self.parts_cost += d * o.parts_cost;
        self.reversed += sign * o.reversed;
        self.reversed_total += d * o.reversed_total;
        for (method, amount) in &o.takings {
            *self.takings.entry(method.clone()).or_default() += d * amount;
        }
        self.takings.retain(|_, v| !v.is_zero());
        self.payments += sign * o.payments;
        self.voids += sign * o.voids;
        self.voided += d * o.voided;
        self.repaid += d * o.repaid;
        self.stock_in += d * o.stock_in;
        self.issued_cost += d * o.issued_cost;
        self.stock_out += d * o.stock_out;
        self.stock_adjust += d * o.stock_adjust;
        for (tech, t) in &o.techs {
            self.techs.entry(*tech).or_default().merge(t, sign);
        }
        self.techs.retain(|_, t| !t.is_zero());
    }

    /// Nothing happened (such a day is not stored).
    pub fn is_zero(&self) -> bool {
        *self == DayTotals::default()
    }

    /// The sum of several days.
    pub fn sum<'a>(days: impl IntoIterator<Item = &'a DayTotals>) -> DayTotals {
        let mut out = DayTotals::default();
        for d in days {
            out.merge(d, 1);
        }
        out
    }

    /// Money taken in (every method but on account), voids taken off.
    pub fn takings_total(&self) -> Decimal {
        self.takings.iter().filter(|(m, _)| m.as_str() != "on_account").map(|(_, v)| *v).sum()
    }

    pub fn taken_by(&self, method: &str) -> Decimal {
        self.takings.get(method).copied().unwrap_or_default()
    }

    /// The settled revenue before tax when prices include it: what the shop earned.
    pub fn net_revenue(&self) -> Decimal {
        self.labour + self.parts + self.fees - self.discounts
    }

    /// The average bill of a settled order (zero when none).
    pub fn average_ticket(&self) -> Decimal {
        if self.settled <= 0 { Decimal::ZERO } else { (self.total / Decimal::from(self.settled)).round_dp(2) }
    }

    /// Average hours in the shop of the delivered cars (zero when none).
    pub fn average_shop_hours(&self) -> Decimal {
        if self.delivered <= 0 {
            Decimal::ZERO
        } else {
            (Decimal::from(self.shop_minutes) / Decimal::from(60 * self.delivered)).round_dp(1)
        }
    }

    /// Return visits within `days` (one of [`REVISIT_DAYS`]).
    pub fn revisits_within(&self, days: i64) -> i64 {
        REVISIT_DAYS.iter().zip(self.revisits).filter(|(w, _)| **w <= days).map(|(_, n)| n).sum()
    }

    /// The parts margin: what settled parts were sold for, less their cost.
    pub fn parts_margin(&self) -> Decimal {
        self.parts - self.parts_cost
    }
}

/// When an order was opened (a car received): its creation, or for an estimate (draft) the
/// moment it was opened as an order. `None` for an estimate that never was.
pub fn opened_at(order: &WorkOrder) -> Option<DateTime<Utc>> {
    let first = order.history.first().map(|t| t.from).unwrap_or(order.state);
    if first != OrderState::Draft {
        return Some(order.created_at);
    }
    order.history.iter().find(|t| t.from == OrderState::Draft && t.to != OrderState::Cancelled).map(|t| t.at)
}

/// When the order was last delivered, if it was.
pub fn delivered_at(order: &WorkOrder) -> Option<DateTime<Utc>> {
    order.history.iter().rev().find(|t| t.to == OrderState::Delivered).map(|t| t.at)
}

/// The car's previous visit, as seen when an order was opened: how many days since that
/// visit's delivery, and who worked on it.
#[derive(Clone, Debug, PartialEq)]
pub struct Revisit {
    pub days: i64,
    pub technicians: Vec<UserId>,
}

impl Revisit {
    /// The revisit of an order opened at `opened` after `previous` (the same car's latest
    /// earlier order delivered before `opened`), when it is within the longest window.
    pub fn of(opened: DateTime<Utc>, previous: &WorkOrder) -> Option<Revisit> {
        Revisit::after(opened, delivered_at(previous)?, previous.technicians())
    }

    /// The same from the previous visit's delivery and technicians.
    pub fn after(
        opened: DateTime<Utc>,
        delivered: DateTime<Utc>,
        technicians: Vec<UserId>,
    ) -> Option<Revisit> {
        let days = (opened - delivered).num_days();
        (delivered <= opened && days <= REVISIT_DAYS[REVISIT_DAYS.len() - 1])
            .then_some(Revisit { days, technicians })
    }

    /// What it adds to the day the order was opened: its window, and a comeback for each
    /// technician of the previous visit when it is within [`COMEBACK_DAYS`].
    pub fn totals(&self) -> DayTotals {
        let mut d = DayTotals::default();
        if let Some(i) = REVISIT_DAYS.iter().position(|w| self.days <= *w) {
            d.revisits[i] = 1;
        }
        if self.days <= COMEBACK_DAYS {
            for t in &self.technicians {
                d.techs.insert(t.0, TechTotals { comebacks: 1, ..Default::default() });
            }
        }
        d
    }
}

/// What an order's state history adds to the days it happened on. `revisit` is the car's
/// previous visit, looked up when the order was opened.
pub fn order_volume(
    order: &WorkOrder,
    revisit: Option<&Revisit>,
    tz: chrono_tz::Tz,
) -> Vec<(NaiveDate, DayTotals)> {
    let mut out = Vec::new();
    let opened = opened_at(order);
    if let Some(at) = opened {
        let mut d = DayTotals { opened: 1, ..Default::default() };
        if let Some(r) = revisit {
            d.merge(&r.totals(), 1);
        }
        out.push((local_day(at, tz), d));
    }
    for t in &order.history {
        let d = match t.to {
            // Back to completed after a void is not a second completion.
            OrderState::Completed if t.from != OrderState::Settled => {
                DayTotals { completed: 1, ..Default::default() }
            }
            OrderState::Delivered => {
                let since = opened.unwrap_or(order.created_at);
                let late = order.reception.promised_at.is_some_and(|p| t.at > p);
                DayTotals {
                    delivered: 1,
                    late: late as i64,
                    shop_minutes: (t.at - since).num_minutes().max(0),
                    ..Default::default()
                }
            }
            OrderState::Cancelled => DayTotals { cancelled: 1, ..Default::default() },
            _ => continue,
        };
        out.push((local_day(t.at, tz), d));
    }
    out
}

/// What one settled catalog part line adds to a part's month.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PartUse {
    #[serde(default)]
    pub qty: Decimal,
    /// What it was sold for, after its line discount.
    #[serde(default)]
    pub sales: Decimal,
    /// What it cost when issued.
    #[serde(default)]
    pub cost: Decimal,
}

impl PartUse {
    pub fn merge(&mut self, o: &PartUse, sign: i64) {
        let d = Decimal::from(sign);
        self.qty += d * o.qty;
        self.sales += d * o.sales;
        self.cost += d * o.cost;
    }

    pub fn is_zero(&self) -> bool {
        self.qty.is_zero() && self.sales.is_zero() && self.cost.is_zero()
    }

    pub fn margin(&self) -> Decimal {
        self.sales - self.cost
    }
}

/// A settlement recognised as revenue (`sign` 1) or reversed by a void (`sign` -1), kept on
/// the order's checkout record with the figures it added, so the reports can be recomputed
/// from the records exactly even if the order's lines change after a reversal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recognition {
    pub at: DateTime<Utc>,
    pub sign: i64,
    /// What the settlement adds to its day (with `sign` 1; the reversal takes it off).
    pub totals: DayTotals,
    /// Per catalog part id.
    #[serde(default)]
    pub parts: Vec<(u64, PartUse)>,
}

impl Recognition {
    /// The revenue of settling `order` with the bill `s` at `at`.
    pub fn of(order: &WorkOrder, s: &Settlement, at: DateTime<Utc>, sign: i64) -> Recognition {
        let (totals, parts) = recognition(order, s);
        Recognition { at, sign, totals, parts }
    }

    /// What it adds to its day, signed: a reversal also counts as one.
    pub fn day_totals(&self) -> DayTotals {
        let mut out = DayTotals::default();
        out.merge(&self.totals, self.sign);
        if self.sign < 0 {
            out.reversed = 1;
            out.reversed_total = self.totals.total;
        }
        out
    }
}

/// What settling `order` with the bill `s` adds: revenue by kind, discounts, tax, rounding,
/// the parts' cost, each technician's billed and clocked time, and each catalog part's use.
pub fn recognition(order: &WorkOrder, s: &Settlement) -> (DayTotals, Vec<(u64, PartUse)>) {
    let mut d = DayTotals {
        settled: 1,
        labour: s.labour,
        parts: s.parts,
        fees: s.fees,
        discounts: s.line_discounts + s.order_discount,
        tax: s.tax,
        rounding: s.rounding,
        total: s.total,
        ..Default::default()
    };
    let mut parts: Vec<(u64, PartUse)> = Vec::new();
    for settled in &s.lines {
        let Some(line) = order.line(settled.no).filter(|l| l.decision == Decision::Approved) else {
            continue;
        };
        let billed = settled.amount - settled.discount;
        match line.details.kind {
            LineKind::Labor => {
                if let Some(tech) = line.details.technician {
                    let t = d.techs.entry(tech.0).or_default();
                    t.hours += line.details.qty;
                    t.labour += billed;
                    t.clocked_minutes += line.worked_seconds(order.updated_at) / 60;
                }
            }
            LineKind::Part => {
                d.parts_cost += line.issued_cost;
                if let Some(part) = line.catalog_part() {
                    let use_ = PartUse { qty: line.details.qty, sales: billed, cost: line.issued_cost };
                    match parts.iter_mut().find(|(p, _)| *p == part) {
                        Some((_, u)) => u.merge(&use_, 1),
                        None => parts.push((part, use_)),
                    }
                }
            }
            LineKind::Fee => {}
        }
    }
    for t in d.techs.values_mut() {
        t.orders = 1;
    }
    (d, parts)
}

/// What a payment (or a void) adds to its day.
pub fn payment_totals(p: &Payment) -> DayTotals {
    let mut d = DayTotals::default();
    d.takings.insert(p.method.code().to_string(), p.amount);
    if p.voids.is_some() {
        d.voids = 1;
        d.voided = -p.amount;
    } else {
        d.payments = 1;
    }
    if p.kind == super::checkout::PaymentKind::Receivable {
        d.repaid = p.amount;
    }
    d
}

/// What a stock movement adds to its day, at cost.
pub fn movement_totals(m: &Movement) -> DayTotals {
    let value = m.value();
    let mut d = DayTotals::default();
    match m.kind {
        MovementKind::Receipt => d.stock_in = value,
        MovementKind::Issue | MovementKind::Unissue | MovementKind::CustomerReturn => d.issued_cost = -value,
        MovementKind::SupplierReturn | MovementKind::ShopUse | MovementKind::Scrap => d.stock_out = -value,
        MovementKind::Stocktake => d.stock_adjust = value,
    }
    d
}

#[cfg(test)]
mod tests;
