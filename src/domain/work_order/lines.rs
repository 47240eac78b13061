//! The lines of an order: labour, parts and fees, as typed and as checked; who works on a
//! labour line, with the history of it; and what a change to a line means for the estimate.

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::{Decision, LineKind};
use crate::domain::field::{FieldErrors, Problem, decimal_in, required_text};
use crate::domain::user::UserId;
use crate::i18n::Msg;

/// A technician put on (or taken off) a labour line, kept as history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub technician: Option<UserId>,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
}

/// One line of an order. For labour, `qty` is hours and `unit_price` the hourly rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Numbered within the order, never reused.
    pub no: u32,
    #[serde(flatten)]
    pub details: LineDetails,
    #[serde(default)]
    pub assignments: Vec<Assignment>,
    pub decision: Decision,
    /// The approval that decided this line.
    #[serde(default)]
    pub decided_in: Option<u32>,
    pub added_at: DateTime<Utc>,
    pub added_by: Option<UserId>,
    /// The time clock of a labour line: one interval per stretch of work.
    #[serde(default)]
    pub clock: Vec<crate::domain::clock::Interval>,
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// How much of a catalog part line has been issued from stock (出库/领料).
    #[serde(default)]
    pub issued: Decimal,
    /// What the issued quantity cost, at the average cost when each unit went out; a return
    /// comes back at the mean of it.
    #[serde(default)]
    pub issued_cost: Decimal,
    /// The stockroom marked an approved part line as not needed from stock (the customer brought
    /// it, it was fitted from another order…): it no longer waits to be issued.
    #[serde(default)]
    pub unused: bool,
}

impl Line {
    /// A line just added: waiting for the customer's answer, not assigned, never clocked.
    pub fn new(no: u32, details: LineDetails, at: DateTime<Utc>, by: Option<UserId>) -> Line {
        Line {
            no,
            details,
            assignments: vec![],
            decision: Decision::Pending,
            decided_in: None,
            added_at: at,
            added_by: by,
            clock: vec![],
            finished_at: None,
            issued: Decimal::ZERO,
            issued_cost: Decimal::ZERO,
            unused: false,
        }
    }

    /// The catalog part of a part line.
    pub fn catalog_part(&self) -> Option<u64> {
        if self.details.kind == LineKind::Part { self.details.part_id } else { None }
    }

    /// What an approved catalog part line still needs from stock.
    pub fn to_issue(&self) -> Decimal {
        match self.catalog_part() {
            Some(_) if self.decision == Decision::Approved && !self.unused => {
                (self.details.qty - self.issued).max(Decimal::ZERO)
            }
            _ => Decimal::ZERO,
        }
    }

    /// How much of the issued quantity goes back to stock if the line becomes `details` (all
    /// of it when the line stops being this catalog part).
    pub fn to_return_for(&self, details: Option<&LineDetails>) -> Decimal {
        let keeps_part =
            details.is_some_and(|d| d.kind == LineKind::Part && d.part_id == self.catalog_part());
        match details {
            Some(d) if keeps_part => (self.issued - d.qty).max(Decimal::ZERO),
            _ => self.issued,
        }
    }

    /// The cost per unit a return comes back at: the mean of what was issued.
    pub fn issue_unit_cost(&self) -> Decimal {
        if self.issued.is_zero() {
            Decimal::ZERO
        } else {
            crate::domain::stock::cost(self.issued_cost / self.issued)
        }
    }

    pub fn total(&self) -> Decimal {
        self.details.total()
    }

    pub fn is_labour(&self) -> bool {
        self.details.kind == LineKind::Labor
    }

    /// Puts `technician` on the line, or takes the technician off (`None`). A change is kept in
    /// the line's assignment history, and so is the first technician.
    pub fn assign(&mut self, technician: Option<UserId>, by: Option<UserId>, at: DateTime<Utc>) {
        if self.details.technician != technician || self.assignments.is_empty() && technician.is_some() {
            self.assignments.push(Assignment { technician, at, by });
        }
        self.details.technician = technician;
    }

    /// Whether `details` change what the customer pays for: the kind, the description, the
    /// quantity or the price (not who does the work).
    pub fn reprices(&self, details: &LineDetails) -> bool {
        let old = &self.details;
        old.kind != details.kind
            || old.description != details.description
            || old.qty != details.qty
            || old.unit_price != details.unit_price
    }

    /// Replaces what the line says. A change to what the customer pays for asks for their
    /// answer again (the line is pending, decided by no approval); a new technician is kept in
    /// the assignment history.
    pub fn change(&mut self, details: LineDetails, by: Option<UserId>, at: DateTime<Utc>) -> LineChange {
        let before = self.details.clone();
        let repriced = self.reprices(&details);
        self.assign(details.technician, by, at);
        self.details = LineDetails { technician: self.details.technician, ..details };
        if repriced {
            self.decision = Decision::Pending;
            self.decided_in = None;
        }
        LineChange { before, repriced }
    }
}

/// What [`Line::change`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChange {
    /// What the line said before.
    pub before: LineDetails,
    /// What the customer pays for changed: the line waits for their answer again.
    pub repriced: bool,
}

/// What a line says, checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineDetails {
    pub kind: LineKind,
    pub description: String,
    pub qty: Decimal,
    pub unit_price: Decimal,
    #[serde(default)]
    pub part_id: Option<u64>,
    #[serde(default)]
    pub technician: Option<UserId>,
}

impl LineDetails {
    /// Quantity × price, rounded to the cent (half away from zero, as a till does).
    pub fn total(&self) -> Decimal {
        money(self.qty * self.unit_price)
    }

    pub fn to_input(&self) -> LineInput {
        let is_labour = self.kind == LineKind::Labor;
        LineInput {
            kind: self.kind.code().into(),
            description: self.description.clone(),
            part_id: self.part_id.map(|p| p.to_string()).unwrap_or_default(),
            qty: if is_labour { String::new() } else { self.qty.to_string() },
            hours: if is_labour { self.qty.to_string() } else { String::new() },
            unit_price: self.unit_price.to_string(),
            technician_id: self.technician.map(|t| t.to_string()).unwrap_or_default(),
        }
    }

    /// Checks a line form. A labour line without a price takes the shop's labour rate; a
    /// technician is only kept on labour lines, and only one of `technicians`.
    pub fn check(
        input: &LineInput,
        labour_rate: Decimal,
        technicians: &[UserId],
    ) -> Result<LineDetails, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = e.check("kind", LineKind::parse(&input.kind).ok_or(Problem::new(Msg::ChoiceInvalid)));
        let description = e.check("description", required_text(&input.description, 200));
        let is_labour = kind == Some(LineKind::Labor);
        let qty = if is_labour {
            e.check("hours", decimal_in(&input.hours, 2, Decimal::new(1, 2), Decimal::from(500)))
        } else {
            let typed = if input.qty.trim().is_empty() { "1" } else { input.qty.as_str() };
            e.check("qty", decimal_in(typed, 3, Decimal::new(1, 3), Decimal::from(100_000)))
        };
        let unit_price = if is_labour && input.unit_price.trim().is_empty() {
            Some(labour_rate)
        } else {
            e.check("unit_price", decimal_in(&input.unit_price, 2, Decimal::ZERO, Decimal::from(1_000_000)))
        };
        // A part id names a catalog part (the store checks it exists when the line is saved);
        // it only belongs on a part line. Without one, a part line is a one-off.
        // (A part id left over from a line switched to labour is dropped, but never a malformed
        // one.)
        let part_id = match input.part_id.trim() {
            "" => None,
            typed => e.check("part_id", typed.parse::<u64>().map_err(|_| Problem::new(Msg::PartUnknown))),
        }
        .filter(|_| kind == Some(LineKind::Part));
        let technician = match input.technician_id.trim() {
            "" => None,
            _ if !is_labour => None,
            t => e.check(
                "technician_id",
                t.parse::<u64>()
                    .ok()
                    .map(UserId)
                    .filter(|id| technicians.contains(id))
                    .ok_or(Problem::new(Msg::TechnicianUnknown)),
            ),
        };
        e.into_result(|| LineDetails {
            kind: kind.unwrap_or(LineKind::Fee),
            description: description.unwrap_or_default(),
            qty: qty.unwrap_or_default(),
            unit_price: unit_price.unwrap_or_default(),
            part_id,
            technician,
        })
    }
}

/// The line form as typed (field names of the route contract).
#[derive(Clone, Debug, Default)]
pub struct LineInput {
    pub kind: String,
    pub description: String,
    pub part_id: String,
    pub qty: String,
    pub hours: String,
    pub unit_price: String,
    pub technician_id: String,
}

/// Rounds an amount to the cent, half away from zero.
pub fn money(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::work_order::tests::{d, line};

    #[test]
    fn line_totals_round_half_away_from_zero_to_the_cent() {
        assert_eq!(line(1, LineKind::Part, "0.333", "10").total(), d("3.33"));
        assert_eq!(line(1, LineKind::Part, "0.5", "0.01").total(), d("0.01"));
        assert_eq!(line(1, LineKind::Part, "1.5", "0.03").total(), d("0.05"));
    }

    #[test]
    fn a_line_form_is_checked_and_labour_takes_the_shop_rate() {
        let rate = d("150");
        let input = LineInput {
            kind: "labor".into(),
            description: "更换刹车片".into(),
            hours: "1.5".into(),
            technician_id: "4".into(),
            ..Default::default()
        };
        let l = LineDetails::check(&input, rate, &[UserId(4)]).unwrap();
        assert_eq!((l.qty, l.unit_price, l.technician), (d("1.5"), rate, Some(UserId(4))));
        let err = LineDetails::check(&input, rate, &[UserId(9)]).unwrap_err();
        assert_eq!(err.get("technician_id").unwrap().msg, Msg::TechnicianUnknown);
        let part = LineInput {
            kind: "part".into(),
            description: "机油".into(),
            qty: "4".into(),
            unit_price: "x".into(),
            ..Default::default()
        };
        assert_eq!(
            LineDetails::check(&part, rate, &[]).unwrap_err().get("unit_price").unwrap().msg,
            Msg::DecimalInvalid
        );
        let bad = LineInput { kind: "gift".into(), ..Default::default() };
        let err = LineDetails::check(&bad, rate, &[]).unwrap_err();
        assert!(err.get("kind").is_some() && err.get("description").is_some());
    }

    fn labour(technician: Option<UserId>) -> Line {
        let details = LineDetails {
            kind: LineKind::Labor,
            description: "换刹车片".into(),
            qty: d("1.5"),
            unit_price: d("120"),
            part_id: None,
            technician,
        };
        Line::new(1, details, Utc::now(), None)
    }

    #[test]
    fn assignments_keep_every_change_of_technician() {
        let (desk, at) = (Some(UserId(9)), Utc::now());
        let mut l = labour(None);
        l.assign(Some(UserId(1)), desk, at);
        l.assign(Some(UserId(1)), desk, at);
        assert_eq!(l.assignments.len(), 1, "the same technician again is no change");
        l.assign(Some(UserId(2)), desk, at);
        l.assign(None, desk, at);
        let history: Vec<Option<UserId>> = l.assignments.iter().map(|a| a.technician).collect();
        assert_eq!(history, vec![Some(UserId(1)), Some(UserId(2)), None]);
        assert_eq!(l.details.technician, None);
        assert!(l.assignments.iter().all(|a| a.by == desk));
    }

    #[test]
    fn a_price_change_asks_the_customer_again_and_a_new_technician_does_not() {
        let at = Utc::now();
        let mut l = labour(Some(UserId(1)));
        l.decision = Decision::Approved;
        l.decided_in = Some(1);
        let change = l.change(LineDetails { technician: Some(UserId(2)), ..l.details.clone() }, None, at);
        assert!(!change.repriced);
        assert_eq!((l.decision, l.decided_in), (Decision::Approved, Some(1)));
        assert_eq!(l.details.technician, Some(UserId(2)));
        let change = l.change(LineDetails { unit_price: d("150"), ..l.details.clone() }, None, at);
        assert!(change.repriced);
        assert_eq!(change.before.unit_price, d("120"));
        assert_eq!((l.decision, l.decided_in), (Decision::Pending, None));
    }
}
