//! How values are shown on a page: money, times in the shop's zone, a work order's state. Each
//! is a small type implementing [`maud::Render`], so views write `(Money(total))` and never
//! format by hand.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use maud::{Markup, Render, html};
use rust_decimal::Decimal;

use crate::domain::OrderState;
use crate::i18n::Lang;

/// `¥1,234.50`: two decimals, thousands grouped, the sign before the currency. The amount
/// itself stays exact; only its text is rounded.
#[derive(Clone, Copy, Debug)]
pub struct Money(pub Decimal);

/// A whole number with thousands separators, as people read mileage: 53,000.
pub struct Grouped<T>(pub T);

/// Who a record names, as people read it: the user's display name today, found by their id;
/// the name the record kept when the user is gone (or for records made before names were
/// kept as display names, whose kept name is the login).
pub fn person(all: &[crate::domain::User], id: Option<crate::domain::UserId>, kept: &str) -> String {
    id.and_then(|id| all.iter().find(|u| u.id == id))
        .map_or_else(|| kept.to_string(), |u| u.display_name.clone())
}

impl<T: std::fmt::Display> std::fmt::Display for Grouped<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digits = self.0.to_string();
        let (sign, digits) = digits.strip_prefix('-').map_or(("", digits.as_str()), |d| ("-", d));
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        write!(f, "{sign}{out}")
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let amount = self.0.round_dp(2);
        let fixed = format!("{:.2}", amount.abs());
        let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, "00"));
        let sign = if amount.is_sign_negative() && !amount.is_zero() { "-" } else { "" };
        write!(f, "{sign}¥")?;
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                f.write_str(",")?;
            }
            write!(f, "{c}")?;
        }
        write!(f, ".{frac}")
    }
}

impl Render for Money {
    fn render_to(&self, buffer: &mut String) {
        use std::fmt::Write;
        let _ = write!(buffer, "{self}");
    }
}

/// A moment shown in the shop's time zone, to the minute (`2026-11-28 17:00`) or, with
/// [`LocalTime::seconds`], to the second.
#[derive(Clone, Copy, Debug)]
pub struct LocalTime {
    pub at: DateTime<Utc>,
    pub tz: Tz,
    pub seconds: bool,
}

impl LocalTime {
    pub fn new(at: DateTime<Utc>, tz: Tz) -> LocalTime {
        LocalTime { at, tz, seconds: false }
    }

    pub fn seconds(at: DateTime<Utc>, tz: Tz) -> LocalTime {
        LocalTime { at, tz, seconds: true }
    }
}

impl std::fmt::Display for LocalTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let format = if self.seconds { "%Y-%m-%d %H:%M:%S" } else { "%Y-%m-%d %H:%M" };
        write!(f, "{}", self.at.with_timezone(&self.tz).format(format))
    }
}

impl Render for LocalTime {
    fn render_to(&self, buffer: &mut String) {
        use std::fmt::Write;
        let _ = write!(buffer, "{self}");
    }
}

/// A work order's state as a coloured chip.
#[derive(Clone, Copy, Debug)]
pub struct StateBadge(pub Lang, pub OrderState);

impl Render for StateBadge {
    fn render(&self) -> Markup {
        let StateBadge(lang, state) = *self;
        html! { span class={ "badge state-" (state.code()) } data-state=(state.code()) { (lang.t(state.label())) } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands_and_keeps_the_sign() {
        let m = |s: &str| Money(s.parse().unwrap()).to_string();
        assert_eq!(m("0"), "¥0.00");
        assert_eq!(m("1234.5"), "¥1,234.50");
        assert_eq!(m("-1234567.891"), "-¥1,234,567.89");
        assert_eq!(m("999"), "¥999.00");
        assert_eq!(m("-0.001"), "¥0.00");
    }

    #[test]
    fn local_time_is_in_the_shops_zone() {
        let at: DateTime<Utc> = "2026-11-28T16:30:05Z".parse().unwrap();
        assert_eq!(LocalTime::new(at, chrono_tz::Asia::Shanghai).to_string(), "2026-11-29 00:30");
        assert_eq!(LocalTime::seconds(at, chrono_tz::UTC).to_string(), "2026-11-28 16:30:05");
    }

    #[test]
    fn state_badge_names_the_state_for_tests_and_css() {
        let html = StateBadge(Lang::En, OrderState::InProgress).render().into_string();
        assert!(html.contains(r#"data-state="in_progress""#), "{html}");
        assert!(html.contains("state-in_progress"), "{html}");
    }
}

#[cfg(test)]
mod grouped_tests {
    use super::Grouped;

    #[test]
    fn mileage_reads_with_thousands_separators() {
        assert_eq!(Grouped(53_000u32).to_string(), "53,000");
        assert_eq!(Grouped(1_234_567u64).to_string(), "1,234,567");
        assert_eq!(Grouped(999u32).to_string(), "999");
        assert_eq!(Grouped(0u32).to_string(), "0");
        assert_eq!(Grouped(-4500i64).to_string(), "-4,500");
    }
}
