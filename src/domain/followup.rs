//! Follow-up calls (回访): a few days after a car is delivered the shop calls its customer and
//! asks how it went. Pure: the store keeps each open call indexed by the day it falls due (see
//! `store::followups`).
//!
//! - [`due_day`]: when the call falls due, from the shop-local day of the delivery (the
//!   `followup_days` parameter; 0 turns the calls off).
//! - [`Answer`]: what came of a call, checked from the form ([`Answer::check`]): reached, with
//!   a satisfaction score (1–5) and a comment; not reached (tried again the next day, closed as
//!   unreached after [`MAX_TRIES`]); a wrong number.
//! - [`FollowUp::apply`]: an answer applied to the call: its state, tries, due day.
//! - [`FollowUp::unhappy`]: a reached customer who scored 2 or less, or whose comment the advisor
//!   flagged; it waits on the manager's home page until [`FollowUp::handled`] is set.
//! - [`MonthTotals`]: what the monthly report reads per month of the call's closing.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::field::{FieldErrors, Problem, optional_text, required_text};
use super::{CustomerId, OrderId, UserId, VehicleId};
use crate::i18n::Msg;

/// Tries without reaching anyone before the call is closed as unreached.
pub const MAX_TRIES: u8 = 3;
/// The lowest score that is not an unhappy answer is one above this.
pub const UNHAPPY_AT_MOST: u8 = 2;
/// The longest comment or note kept.
const MAX_TEXT: usize = 500;

/// The day a car delivered on `delivered_on` (shop-local) is followed up, `None` when the shop
/// has turned the calls off (`days` = 0).
pub fn due_day(delivered_on: NaiveDate, days: u32) -> Option<NaiveDate> {
    (days > 0).then(|| delivered_on + Duration::days(i64::from(days)))
}

super::code::code_enum!(
    /// Where a follow-up call stands.
    FollowUpState {
        Open = "open" => FollowUpOpen,
        Reached = "reached" => FollowUpReached,
        Unreached = "unreached" => FollowUpUnreached,
        WrongNumber = "wrong_number" => FollowUpWrongNumber,
    }
);

super::code::code_enum!(
    /// What the advisor taps after a call.
    Outcome {
        Reached = "reached" => FollowUpOutcomeReached,
        NotReached = "not_reached" => FollowUpOutcomeNotReached,
        WrongNumber = "wrong_number" => FollowUpOutcomeWrongNumber,
    }
);

/// A checked answer to a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Reached { score: u8, comment: String, flagged: bool },
    NotReached,
    WrongNumber,
}

impl Answer {
    /// Checks the outcome form: `outcome`, and for a reached customer `score` (1–5, needed),
    /// `comment` (optional) and `flagged` (the comment needs the manager). Problems are keyed
    /// by field.
    pub fn check(outcome: &str, score: &str, comment: &str, flagged: bool) -> Result<Answer, FieldErrors> {
        let mut e = FieldErrors::new();
        let Some(outcome) = Outcome::parse(outcome) else {
            e.add("outcome", Problem::new(Msg::FollowUpOutcomeMissing));
            return Err(e);
        };
        match outcome {
            Outcome::NotReached => Ok(Answer::NotReached),
            Outcome::WrongNumber => Ok(Answer::WrongNumber),
            Outcome::Reached => {
                let score = match score.trim() {
                    "" => {
                        e.add("score", Problem::new(Msg::FollowUpScoreMissing));
                        None
                    }
                    s => match s.parse::<u8>() {
                        Ok(n) if (1..=5).contains(&n) => Some(n),
                        _ => {
                            e.add("score", Problem::with(Msg::NumberRange, &[&1, &5]));
                            None
                        }
                    },
                };
                let comment = e.check("comment", optional_text(comment, MAX_TEXT));
                if flagged && comment.as_deref().is_some_and(|c| c.is_empty()) {
                    e.add("comment", Problem::new(Msg::FollowUpFlagNeedsComment));
                }
                e.into_result(|| Answer::Reached {
                    score: score.unwrap_or_default(),
                    comment: comment.unwrap_or_default(),
                    flagged,
                })
            }
        }
    }

    pub fn outcome(&self) -> Outcome {
        match self {
            Answer::Reached { .. } => Outcome::Reached,
            Answer::NotReached => Outcome::NotReached,
            Answer::WrongNumber => Outcome::WrongNumber,
        }
    }
}

/// Checks the manager's note on an unhappy answer (what was done about it).
pub fn check_note(note: &str) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::new();
    let note = e.check("note", required_text(note, MAX_TEXT));
    e.into_result(|| note.unwrap_or_default())
}

/// A manager's word that an unhappy answer was taken care of.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Handled {
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
    pub by_name: String,
    pub note: String,
}

/// One follow-up call: scheduled with the delivery, worked from the list, closed by an answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    pub id: u64,
    pub order_id: OrderId,
    pub order_number: String,
    pub vehicle_id: VehicleId,
    pub customer_id: CustomerId,
    pub delivered_at: DateTime<Utc>,
    /// The shop-local day it is (next) due; the list's index key while open.
    pub due: NaiveDate,
    pub state: FollowUpState,
    /// Calls that reached nobody.
    pub tries: u8,
    pub score: Option<u8>,
    pub comment: String,
    /// The advisor marked the comment for the manager, whatever the score.
    pub flagged: bool,
    pub closed_at: Option<DateTime<Utc>>,
    /// The shop-local month (`report::month_key`) it closed in: the monthly report's key, kept
    /// with the record so a changed time zone does not move it.
    pub closed_month: Option<i32>,
    pub by_name: String,
    pub handled: Option<Handled>,
    pub version: u64,
    pub created_at: DateTime<Utc>,
}

impl FollowUp {
    /// A new, open call about order `order_id` (number `order_number`), delivered at `at`.
    pub fn scheduled(
        id: u64,
        order: (OrderId, &str),
        vehicle_id: VehicleId,
        customer_id: CustomerId,
        at: DateTime<Utc>,
        due: NaiveDate,
    ) -> FollowUp {
        FollowUp {
            id,
            order_id: order.0,
            order_number: order.1.to_string(),
            vehicle_id,
            customer_id,
            delivered_at: at,
            due,
            state: FollowUpState::Open,
            tries: 0,
            score: None,
            comment: String::new(),
            flagged: false,
            closed_at: None,
            closed_month: None,
            by_name: String::new(),
            handled: None,
            version: 1,
            created_at: at,
        }
    }

    pub fn is_open(&self) -> bool {
        self.state == FollowUpState::Open
    }

    /// An answer the manager should see: a low score or a flagged comment.
    pub fn unhappy(&self) -> bool {
        self.state == FollowUpState::Reached
            && (self.flagged || self.score.is_some_and(|s| s <= UNHAPPY_AT_MOST))
    }

    /// Unhappy and no manager has handled it yet: on the manager's home page.
    pub fn waiting_for_manager(&self) -> bool {
        self.unhappy() && self.handled.is_none()
    }

    /// Applies an answer given on `today` (shop-local) at `at` in month `month`: reached and
    /// wrong number close the call; not reached tries again tomorrow, and closes it as
    /// unreached on the last try. Refused when the call is closed already.
    pub fn apply(
        &mut self,
        answer: &Answer,
        today: NaiveDate,
        at: DateTime<Utc>,
        month: i32,
        by_name: &str,
    ) -> Result<(), Msg> {
        if !self.is_open() {
            return Err(Msg::FollowUpClosed);
        }
        let close = |f: &mut FollowUp, state| {
            f.state = state;
            f.closed_at = Some(at);
            f.closed_month = Some(month);
        };
        match answer {
            Answer::Reached { score, comment, flagged } => {
                self.score = Some(*score);
                self.comment = comment.clone();
                self.flagged = *flagged;
                close(self, FollowUpState::Reached);
            }
            Answer::WrongNumber => close(self, FollowUpState::WrongNumber),
            Answer::NotReached => {
                self.tries += 1;
                if self.tries >= MAX_TRIES {
                    close(self, FollowUpState::Unreached);
                } else {
                    self.due = today + Duration::days(1);
                }
            }
        }
        self.by_name = by_name.to_string();
        self.version += 1;
        Ok(())
    }

    /// What the call adds to its month's totals once closed (nothing while open).
    pub fn totals(&self) -> MonthTotals {
        let mut t = MonthTotals::default();
        if self.is_open() {
            return t;
        }
        t.closed = 1;
        if self.state == FollowUpState::Reached {
            t.reached = 1;
            if let Some(s) = self.score {
                t.scored = 1;
                t.score_sum = i64::from(s);
            }
            t.unhappy = i64::from(self.unhappy());
        }
        t
    }
}

/// The follow-up calls closed in one month.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonthTotals {
    /// Calls closed (reached, unreached after the last try, or a wrong number).
    pub closed: i64,
    pub reached: i64,
    /// Reached calls with a score, and the scores' sum.
    pub scored: i64,
    pub score_sum: i64,
    pub unhappy: i64,
}

impl MonthTotals {
    pub fn merge(&mut self, o: &MonthTotals) {
        self.closed += o.closed;
        self.reached += o.reached;
        self.scored += o.scored;
        self.score_sum += o.score_sum;
        self.unhappy += o.unhappy;
    }

    /// The share of closed calls that reached the customer, in percent (one decimal).
    pub fn reached_percent(&self) -> Option<rust_decimal::Decimal> {
        (self.closed > 0).then(|| {
            (rust_decimal::Decimal::from(self.reached * 100) / rust_decimal::Decimal::from(self.closed))
                .round_dp(1)
        })
    }

    /// The average score of the month's reached calls (two decimals).
    pub fn average_score(&self) -> Option<rust_decimal::Decimal> {
        (self.scored > 0).then(|| {
            (rust_decimal::Decimal::from(self.score_sum) / rust_decimal::Decimal::from(self.scored))
                .round_dp(2)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn call() -> FollowUp {
        FollowUp::scheduled(
            1,
            (OrderId(7), "20261201-001"),
            VehicleId(3),
            CustomerId(2),
            Utc::now(),
            d("2026-12-04"),
        )
    }

    #[test]
    fn the_call_falls_due_days_after_the_delivery_and_zero_turns_it_off() {
        assert_eq!(due_day(d("2026-12-30"), 3), Some(d("2027-01-02")));
        assert_eq!(due_day(d("2026-12-30"), 0), None);
    }

    #[test]
    fn a_reached_answer_needs_a_score_from_one_to_five() {
        for bad in ["", "0", "6", "x", "-1"] {
            let e = Answer::check("reached", bad, "", false).unwrap_err();
            assert!(e.get("score").is_some(), "{bad:?}");
        }
        assert_eq!(
            Answer::check("reached", " 4 ", " 很好 ", false),
            Ok(Answer::Reached { score: 4, comment: "很好".into(), flagged: false })
        );
        assert_eq!(Answer::check("not_reached", "9", "", false), Ok(Answer::NotReached));
        assert!(Answer::check("maybe", "", "", false).unwrap_err().get("outcome").is_some());
        assert!(Answer::check("reached", "5", "", true).unwrap_err().get("comment").is_some());
    }

    #[test]
    fn three_tries_without_an_answer_close_the_call_as_unreached() {
        let mut f = call();
        let at = Utc::now();
        f.apply(&Answer::NotReached, d("2026-12-04"), at, 202612, "王").unwrap();
        assert_eq!((f.state, f.tries, f.due), (FollowUpState::Open, 1, d("2026-12-05")));
        f.apply(&Answer::NotReached, d("2026-12-05"), at, 202612, "王").unwrap();
        f.apply(&Answer::NotReached, d("2026-12-06"), at, 202612, "王").unwrap();
        assert_eq!((f.state, f.tries), (FollowUpState::Unreached, 3));
        assert_eq!(f.closed_month, Some(202612));
        assert_eq!(
            f.apply(&Answer::WrongNumber, d("2026-12-06"), at, 202612, "王"),
            Err(Msg::FollowUpClosed)
        );
        assert_eq!(f.totals(), MonthTotals { closed: 1, ..Default::default() });
    }

    #[test]
    fn a_low_score_or_a_flag_is_unhappy_until_handled() {
        let at = Utc::now();
        for (score, flagged, unhappy) in
            [(2, false, true), (3, false, false), (5, true, true), (1, false, true)]
        {
            let mut f = call();
            let comment = if flagged { "价格有疑问".to_string() } else { String::new() };
            f.apply(&Answer::Reached { score, comment, flagged }, d("2026-12-04"), at, 202612, "王").unwrap();
            assert_eq!(f.unhappy(), unhappy, "{score} {flagged}");
            assert_eq!(f.totals().unhappy, i64::from(unhappy));
            assert_eq!(f.totals().score_sum, i64::from(score));
        }
        let mut t = MonthTotals { closed: 3, reached: 2, scored: 2, score_sum: 9, unhappy: 0 };
        assert_eq!(t.reached_percent(), Some(rust_decimal::Decimal::new(667, 1)));
        assert_eq!(t.average_score(), Some(rust_decimal::Decimal::new(450, 2)));
        t.merge(&MonthTotals::default());
        assert_eq!(MonthTotals::default().average_score(), None);
    }
}
