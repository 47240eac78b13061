//! A report's period in the shop's calendar ([`Period`]), the month keys of the per-month
//! tables, and the comparison with the period before.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::i18n::Msg;

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

crate::domain::code::code_enum!(
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

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
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
    fn changes_are_percentages_of_what_was_before() {
        assert_eq!(change_percent(d("150"), d("100")), Some(d("50.0")));
        assert_eq!(change_percent(d("50"), d("200")), Some(d("-75.0")));
        assert_eq!(change_percent(d("50"), Decimal::ZERO), None);
    }
}
