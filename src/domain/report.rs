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
//! [`Period`] is the day, week, month or year a report shows, with the one before it and the
//! same one a year earlier.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::checkout::{Payment, Settlement};
use super::stock::{Movement, MovementKind};
use super::user::UserId;
use super::work_order::{Decision, LineKind, OrderState, WorkOrder};
use crate::i18n::Msg;

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

/// The key of a calendar month in the per-month tables: months since year 0.
pub fn month_key(day: NaiveDate) -> i32 {
    day.year() * 12 + day.month0() as i32
}

/// The first day of the month of a [`month_key`].
pub fn month_start(key: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(key.div_euclid(12), key.rem_euclid(12) as u32 + 1, 1).unwrap_or_default()
}

/// The shop-local day of an instant.
pub fn local_day(at: DateTime<Utc>, tz: chrono_tz::Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
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

super::code::code_enum!(
    /// How long a report's period is.
    PeriodKind { Day = "day" => PeriodDay, Week = "week" => PeriodWeek, Month = "month" => PeriodMonth, Year = "year" => PeriodYear }
);

/// A report's period in the shop's calendar: a day, a week (Monday first), a month or a year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub kind: PeriodKind,
    /// Its first day.
    pub start: NaiveDate,
}

impl Period {
    /// The period of `kind` that holds `day`.
    pub fn containing(kind: PeriodKind, day: NaiveDate) -> Period {
        let start = match kind {
            PeriodKind::Day => day,
            PeriodKind::Week => day - Duration::days(day.weekday().num_days_from_monday() as i64),
            PeriodKind::Month => day.with_day(1).unwrap_or(day),
            PeriodKind::Year => NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day),
        };
        Period { kind, start }
    }

    /// The day after its last day.
    pub fn end(&self) -> NaiveDate {
        match self.kind {
            PeriodKind::Day => self.start + Duration::days(1),
            PeriodKind::Week => self.start + Duration::days(7),
            PeriodKind::Month => self.start + Months::new(1),
            PeriodKind::Year => self.start + Months::new(12),
        }
    }

    pub fn last_day(&self) -> NaiveDate {
        self.end() - Duration::days(1)
    }

    pub fn previous(&self) -> Period {
        Period::containing(self.kind, self.start - Duration::days(1))
    }

    pub fn next(&self) -> Period {
        Period { kind: self.kind, start: self.end() }
    }

    /// The same period a year earlier (for a week: 52 weeks earlier, so weekdays line up).
    pub fn year_before(&self) -> Period {
        match self.kind {
            PeriodKind::Week => Period { kind: self.kind, start: self.start - Duration::weeks(52) },
            _ => Period::containing(self.kind, self.start - Months::new(12)),
        }
    }

    /// The parts a chart shows: the hours' single day, a week's or a month's days, a year's
    /// months.
    pub fn buckets(&self) -> Vec<Period> {
        let kind = match self.kind {
            PeriodKind::Day => return vec![*self],
            PeriodKind::Week | PeriodKind::Month => PeriodKind::Day,
            PeriodKind::Year => PeriodKind::Month,
        };
        let mut out = Vec::new();
        let mut p = Period { kind, start: self.start };
        while p.start < self.end() {
            out.push(p);
            p = p.next();
        }
        out
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day < self.end()
    }

    /// The first and last month keys it touches (for the per-month tables).
    pub fn months(&self) -> (i32, i32) {
        (month_key(self.start), month_key(self.last_day()))
    }

    /// A short label: `2026-11-28`, `2026-W48`, `2026-11`, `2026`.
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Day => self.start.format("%Y-%m-%d").to_string(),
            PeriodKind::Week => {
                let w = self.start.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            PeriodKind::Month => self.start.format("%Y-%m").to_string(),
            PeriodKind::Year => self.start.format("%Y").to_string(),
        }
    }

    /// The label of a chart bucket: the day of the month, a weekday's date, or the month.
    pub fn short_label(&self) -> String {
        match self.kind {
            PeriodKind::Day => self.start.format("%-d").to_string(),
            PeriodKind::Month => self.start.format("%-m").to_string(),
            _ => self.label(),
        }
    }
}

/// The change from `before` to `now` as a percentage, one decimal; `None` when there was
/// nothing before to compare with.
pub fn change_percent(now: Decimal, before: Decimal) -> Option<Decimal> {
    if before.is_zero() {
        return None;
    }
    Some(((now - before) * Decimal::ONE_HUNDRED / before.abs()).round_dp(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checkout::{Checkout, CheckoutRules, PayMethod, PaymentKind};
    use crate::domain::work_order::{Line, LineDetails, Reception, Transition};
    use crate::domain::{CustomerId, OrderId, VehicleId};
    use chrono::TimeZone;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn utc(y: i32, m: u32, dd: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, dd, h, 0, 0).unwrap()
    }

    fn order_with(history: &[(OrderState, OrderState, DateTime<Utc>)]) -> WorkOrder {
        let reception = Reception {
            mileage: None,
            fuel: None,
            complaint: "x".into(),
            items_left: String::new(),
            promised_at: Some(utc(2026, 11, 27, 10)),
            advisor: None,
        };
        let mut o = WorkOrder::new(
            VehicleId(1),
            CustomerId(1),
            OrderState::Open,
            reception,
            utc(2026, 11, 26, 15),
            None,
        );
        o.id = OrderId(1);
        for (from, to, at) in history {
            o.history.push(Transition {
                from: *from,
                to: *to,
                at: *at,
                by: None,
                by_name: String::new(),
                reason: String::new(),
            });
            o.state = *to;
        }
        o
    }

    #[test]
    fn periods_hold_their_days_and_know_their_neighbours() {
        let p = Period::containing(PeriodKind::Week, day("2026-12-03"));
        assert_eq!(p.start, day("2026-11-30"));
        assert_eq!(p.end(), day("2026-12-07"));
        assert_eq!(p.previous().start, day("2026-11-23"));
        assert_eq!(p.year_before().start.weekday(), p.start.weekday());
        let m = Period::containing(PeriodKind::Month, day("2024-02-29"));
        assert_eq!((m.start, m.end()), (day("2024-02-01"), day("2024-03-01")));
        assert_eq!(m.buckets().len(), 29);
        assert_eq!(m.year_before().start, day("2023-02-01"));
        assert_eq!(m.previous().start, day("2024-01-01"));
        let y = Period::containing(PeriodKind::Year, day("2026-07-04"));
        assert_eq!(y.buckets().len(), 12);
        assert_eq!(y.months(), (month_key(day("2026-01-01")), month_key(day("2026-12-31"))));
        assert_eq!(month_start(month_key(day("2026-12-31"))), day("2026-12-01"));
        assert_eq!(
            Period::containing(PeriodKind::Day, day("2024-02-29")).year_before().start,
            day("2023-02-28")
        );
        assert_eq!(p.label(), "2026-W49");
    }

    #[test]
    fn an_orders_history_falls_on_the_shop_local_days_it_happened() {
        use OrderState::*;
        let tz = chrono_tz::Asia::Shanghai;
        // Opened 23:00 Shanghai on the 26th, delivered 02:00 UTC on the 28th (10:00 local), late.
        let o = order_with(&[
            (Open, InProgress, utc(2026, 11, 27, 1)),
            (InProgress, Completed, utc(2026, 11, 27, 17)),
            (Completed, Settled, utc(2026, 11, 28, 1)),
            (Settled, Completed, utc(2026, 11, 28, 1)),
            (Completed, Settled, utc(2026, 11, 28, 1)),
            (Settled, Delivered, utc(2026, 11, 28, 2)),
        ]);
        let events = order_volume(&o, None, tz);
        let total = DayTotals::sum(events.iter().map(|(_, d)| d));
        assert_eq!((total.opened, total.completed, total.delivered, total.late), (1, 1, 1, 1));
        assert_eq!(total.shop_minutes, (utc(2026, 11, 28, 2) - utc(2026, 11, 26, 15)).num_minutes());
        assert_eq!(events[0].0, day("2026-11-26"));
        assert_eq!(events[1].0, day("2026-11-28"), "17:00 UTC is the next day in Shanghai");
        let draft = {
            let mut o = order_with(&[(Draft, Cancelled, utc(2026, 11, 27, 1))]);
            o.state = Cancelled;
            o
        };
        let events = order_volume(&draft, None, tz);
        assert_eq!(events.len(), 1, "an estimate never opened is no car received");
        assert_eq!(events[0].1.cancelled, 1);
    }

    #[test]
    fn a_car_back_soon_counts_against_its_last_technicians() {
        use OrderState::*;
        let mut previous = order_with(&[(Open, Delivered, utc(2026, 11, 1, 3))]);
        let mut labour = Line::new(
            1,
            LineDetails {
                kind: LineKind::Labor,
                description: "x".into(),
                part_id: None,
                qty: d("1"),
                unit_price: d("100"),
                technician: Some(UserId(7)),
            },
            utc(2026, 11, 1, 1),
            None,
        );
        labour.decision = Decision::Approved;
        previous.lines.push(labour);
        let r = Revisit::of(utc(2026, 11, 20, 3), &previous).unwrap();
        assert_eq!(r.days, 19);
        let o = order_with(&[]);
        let (_, opened) = &order_volume(&o, Some(&r), chrono_tz::UTC)[0];
        assert_eq!(opened.revisits, [0, 0, 1, 0]);
        assert_eq!(opened.revisits_within(30), 1);
        assert_eq!(opened.revisits_within(14), 0);
        assert_eq!(opened.techs[&7].comebacks, 1);
        assert!(Revisit::of(utc(2027, 3, 1, 0), &previous).is_none(), "over 90 days is a new visit");
        assert!(Revisit::of(utc(2026, 10, 1, 0), &previous).is_none(), "delivered after it was opened");
    }

    #[test]
    fn a_settlement_and_its_reversal_cancel_out() {
        let mut o = order_with(&[]);
        let mut labour = Line::new(
            1,
            LineDetails {
                kind: LineKind::Labor,
                description: "x".into(),
                part_id: None,
                qty: d("1.5"),
                unit_price: d("200"),
                technician: Some(UserId(3)),
            },
            utc(2026, 11, 1, 1),
            None,
        );
        labour.decision = Decision::Approved;
        labour.clock.push(crate::domain::clock::Interval {
            start: utc(2026, 11, 1, 2),
            end: Some(utc(2026, 11, 1, 4)),
            by: None,
            pause: None,
        });
        let mut part = Line::new(
            2,
            LineDetails {
                kind: LineKind::Part,
                description: "filter".into(),
                part_id: Some(9),
                qty: d("2"),
                unit_price: d("40"),
                technician: None,
            },
            utc(2026, 11, 1, 1),
            None,
        );
        part.decision = Decision::Approved;
        part.issued = d("2");
        part.issued_cost = d("50.00");
        o.lines = vec![labour, part];
        let rules = CheckoutRules {
            prices_include_tax: true,
            tax_rate: d("6"),
            cash_rounding: d("0.01"),
            discount_limit_percent: d("10"),
        };
        let s = Settlement::compute(&o, &Checkout::default().discounts, &rules);
        let r = Recognition::of(&o, &s, utc(2026, 11, 2, 1), 1);
        let totals = r.day_totals();
        assert_eq!(totals.total, d("380.00"));
        assert_eq!(totals.parts_margin(), d("30.00"));
        assert_eq!(totals.techs[&3].hours, d("1.5"));
        assert_eq!(totals.techs[&3].clocked_minutes, 120);
        assert_eq!(r.parts, vec![(9, PartUse { qty: d("2"), sales: d("80"), cost: d("50.00") })]);
        let back = Recognition { sign: -1, ..r.clone() }.day_totals();
        assert_eq!((back.reversed, back.reversed_total), (1, d("380.00")));
        let mut day = totals.clone();
        day.merge(&back, 1);
        assert_eq!(day.total, Decimal::ZERO);
        assert!(day.techs.is_empty(), "nothing left of the technician once reversed");
    }

    #[test]
    fn payments_and_voids_sum_by_method() {
        let p = Payment {
            id: 1,
            kind: PaymentKind::Order,
            order: Some(OrderId(1)),
            order_number: String::new(),
            customer: CustomerId(1),
            method: PayMethod::Wechat,
            amount: d("120.00"),
            change: Decimal::ZERO,
            reference: String::new(),
            voids: None,
            reason: String::new(),
            day: day("2026-11-28"),
            at: utc(2026, 11, 28, 1),
            by: None,
            by_name: String::new(),
        };
        let void = Payment { id: 2, amount: d("-120.00"), voids: Some(1), ..p.clone() };
        let cash = Payment { id: 3, method: PayMethod::Cash, amount: d("80"), ..p.clone() };
        let on_account = Payment { id: 4, method: PayMethod::OnAccount, amount: d("40"), ..p.clone() };
        let day = DayTotals::sum(&[
            payment_totals(&p),
            payment_totals(&void),
            payment_totals(&cash),
            payment_totals(&on_account),
        ]);
        assert_eq!(day.takings_total(), d("80"));
        assert_eq!(day.taken_by("wechat"), Decimal::ZERO);
        assert_eq!(day.taken_by("on_account"), d("40"));
        assert_eq!((day.payments, day.voids, day.voided), (3, 1, d("120.00")));
    }

    #[test]
    fn changes_are_percentages_of_what_was_before() {
        assert_eq!(change_percent(d("150"), d("100")), Some(d("50.0")));
        assert_eq!(change_percent(d("50"), d("200")), Some(d("-75.0")));
        assert_eq!(change_percent(d("50"), Decimal::ZERO), None);
    }
}
