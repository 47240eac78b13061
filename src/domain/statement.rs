//! A customer's statement (对账单) for a period of shop-local days: what they owed at its start,
//! the orders settled in it, every payment, on-account charge, repayment and void in it (oldest
//! first, with the balance owed after each), and what they owe at its end.
//!
//! Only on-account amounts move the balance (see [`Payment::receivable_effect`]); an order paid
//! at the till appears with what was paid, and leaves the balance alone.
//!
//! The opening balance is worked out backwards from what is owed now: the receivable today
//! less the effect of every payment from the period's first day on. So a statement reads the
//! customer's payments from the start of the period only, never their whole history.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::checkout::{Payment, PaymentKind};
use super::field::{FieldErrors, Problem};
use super::work_order::OrderId;
use crate::i18n::Msg;

/// Shop-local days from `from` to `to`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The longest period a statement covers (a typo guard: twenty years).
pub const MAX_DAYS: i64 = 7305;

impl Period {
    /// The calendar month `today` falls in.
    pub fn month_of(today: NaiveDate) -> Period {
        let from = today.with_day(1).unwrap_or(today);
        let next = if from.month() == 12 {
            NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(from.year(), from.month() + 1, 1)
        };
        let to = next.and_then(|n| n.pred_opt()).unwrap_or(from);
        Period { from, to }
    }

    /// The period as typed (`YYYY-MM-DD` each); an empty end falls back to this month's.
    pub fn parse(from: &str, to: &str, today: NaiveDate) -> Result<Period, FieldErrors> {
        let month = Period::month_of(today);
        let day = |typed: &str, default: NaiveDate| match typed.trim() {
            "" => Ok(default),
            s => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Problem::new(Msg::DateInvalid)),
        };
        let mut e = FieldErrors::new();
        let from = e.check("from", day(from, month.from));
        let to = e.check("to", day(to, month.to));
        let (Some(from), Some(to)) = (from, to) else { return Err(e) };
        if to < from {
            e.add("to", Msg::PeriodEndsBeforeStart);
        } else if (to - from).num_days() > MAX_DAYS {
            e.add("to", Problem::with(Msg::PeriodTooLong, &[&(MAX_DAYS / 365)]));
        }
        e.into_result(|| Period { from, to })
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// An order settled in the period, as it was billed.
#[derive(Clone, Debug, PartialEq)]
pub struct StatementOrder {
    pub order: OrderId,
    pub number: String,
    pub plate: String,
    /// The shop-local day it was settled.
    pub day: NaiveDate,
    /// The bill.
    pub total: Decimal,
    /// Taken at the till for it (voids taken off).
    pub paid: Decimal,
    /// Put on account for it (voids taken off).
    pub on_account: Decimal,
    /// Its settlement was voided since (the order was reopened).
    pub reopened: bool,
}

impl StatementOrder {
    /// What the order's payments add up to: at the till, and on account.
    pub fn split(payments: &[Payment]) -> (Decimal, Decimal) {
        let of_order = payments.iter().filter(|p| p.kind == PaymentKind::Order);
        let on_account: Decimal = of_order.clone().map(Payment::receivable_effect).sum();
        let all: Decimal = of_order.map(|p| p.amount).sum();
        (all - on_account, on_account)
    }
}

/// One payment of the period with the balance owed after it.
#[derive(Clone, Debug, PartialEq)]
pub struct StatementEntry {
    pub payment: Payment,
    pub balance: Decimal,
    /// Voided later (in the period or after it).
    pub voided: bool,
}

/// A customer's statement for a period.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub period: Period,
    /// Owed on account at the start of the first day.
    pub opening: Decimal,
    pub orders: Vec<StatementOrder>,
    pub entries: Vec<StatementEntry>,
    /// Put on account in the period, voids of such amounts taken off.
    pub charged: Decimal,
    /// Paid against the account in the period, voids of repayments taken off.
    pub repaid: Decimal,
    /// Voids in the period, and what they took off (signed as recorded).
    pub voids: usize,
    pub voided_total: Decimal,
    /// Owed on account at the end of the last day.
    pub closing: Decimal,
}

impl Statement {
    /// The statement of `period` from what is owed now (`owed_now`) and every payment of the
    /// customer on or after the period's first day (`since`, in any order; later ones only
    /// count for the opening balance). `orders` are those settled in the period.
    pub fn build(
        period: Period,
        owed_now: Decimal,
        since: &[Payment],
        mut orders: Vec<StatementOrder>,
    ) -> Statement {
        let since: Vec<&Payment> = since.iter().filter(|p| p.day >= period.from).collect();
        let voided: std::collections::HashSet<u64> = since.iter().filter_map(|p| p.voids).collect();
        let opening = owed_now - since.iter().map(|p| p.receivable_effect()).sum::<Decimal>();
        let mut within: Vec<&Payment> = since.iter().copied().filter(|p| p.day <= period.to).collect();
        within.sort_by_key(|p| (p.day, p.at, p.id));
        let mut s = Statement {
            period,
            opening,
            orders: Vec::new(),
            entries: Vec::with_capacity(within.len()),
            charged: Decimal::ZERO,
            repaid: Decimal::ZERO,
            voids: 0,
            voided_total: Decimal::ZERO,
            closing: opening,
        };
        for p in within {
            let effect = p.receivable_effect();
            match p.kind {
                PaymentKind::Order => s.charged += effect,
                PaymentKind::Receivable => s.repaid -= effect,
            }
            if p.voids.is_some() {
                s.voids += 1;
                s.voided_total += p.amount;
            }
            s.closing += effect;
            let voided = voided.contains(&p.id);
            s.entries.push(StatementEntry { payment: p.clone(), balance: s.closing, voided });
        }
        orders.sort_by(|a, b| (a.day, &a.number).cmp(&(b.day, &b.number)));
        s.orders = orders;
        s
    }

    /// The settled orders' bills together.
    pub fn billed(&self) -> Decimal {
        self.orders.iter().filter(|o| !o.reopened).map(|o| o.total).sum()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::domain::CustomerId;
    use crate::domain::checkout::PayMethod;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn payment(id: u64, on: &str, kind: PaymentKind, method: PayMethod, amount: i64) -> Payment {
        let d = day(on);
        Payment {
            id,
            kind,
            order: (kind != PaymentKind::Receivable).then_some(OrderId(id)),
            order_number: format!("WO{id}"),
            customer: CustomerId(1),
            method,
            amount: Decimal::from(amount),
            change: Decimal::ZERO,
            reference: String::new(),
            voids: None,
            reason: String::new(),
            day: d,
            at: Utc.from_utc_datetime(&d.and_hms_opt(4, 0, 0).unwrap()),
            by: None,
            by_name: String::new(),
        }
    }

    #[test]
    fn a_month_runs_from_its_first_to_its_last_day() {
        assert_eq!(
            Period::month_of(day("2026-02-14")),
            Period { from: day("2026-02-01"), to: day("2026-02-28") }
        );
        assert_eq!(
            Period::month_of(day("2026-12-31")),
            Period { from: day("2026-12-01"), to: day("2026-12-31") }
        );
    }

    #[test]
    fn a_period_is_checked_field_by_field() {
        let today = day("2026-03-10");
        assert_eq!(Period::parse("", "", today).unwrap(), Period::month_of(today));
        let e = Period::parse("2026-13-01", "", today).unwrap_err();
        assert!(e.get("from").is_some() && e.get("to").is_none());
        let e = Period::parse("2026-03-10", "2026-03-01", today).unwrap_err();
        assert!(e.get("to").is_some());
        assert!(Period::parse("1990-01-01", "2026-01-01", today).unwrap_err().get("to").is_some());
    }

    #[test]
    fn the_balance_runs_from_the_opening_to_the_closing() {
        use PayMethod::*;
        use PaymentKind::*;
        let period = Period { from: day("2026-03-01"), to: day("2026-03-31") };
        let mut void = payment(5, "2026-03-20", Receivable, Transfer, -100);
        void.voids = Some(4);
        let since = vec![
            payment(2, "2026-03-02", Order, OnAccount, 300),
            payment(3, "2026-03-02", Order, Wechat, 50),
            payment(4, "2026-03-15", Receivable, Transfer, 100),
            void,
            // After the period: counts for the opening balance only.
            payment(6, "2026-04-02", Receivable, Cash, 200),
        ];
        // Owed 500 before March; +300 on account; repaid 100 then voided; 200 repaid in April.
        let s = Statement::build(period, Decimal::from(600), &since, Vec::new());
        assert_eq!(s.opening, Decimal::from(500));
        assert_eq!(s.charged, Decimal::from(300));
        assert_eq!(s.repaid, Decimal::ZERO);
        assert_eq!((s.voids, s.voided_total), (1, Decimal::from(-100)));
        assert_eq!(s.closing, Decimal::from(800));
        let balances: Vec<i64> = s.entries.iter().map(|e| e.balance.try_into().unwrap()).collect();
        assert_eq!(balances, [800, 800, 700, 800]);
        assert!(s.entries[2].voided && !s.entries[0].voided);
    }
}
