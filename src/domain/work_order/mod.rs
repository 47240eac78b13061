//! Work orders (工单): what the customer brought the car for, the lines of work and parts, the
//! estimate and the customer's approvals of it (二次确认), and the state machine.
//!
//! Totals are computed here and only here; views show them. Every state change goes through
//! [`check_transition`], the one place that says which role may move an order where.
//!
//! ```text
//! mod.rs          the order, its states, reception, totals, numbers
//! transitions.rs  the state machine: who may move an order where, and what a move stops
//! lines.rs        the lines, their checks, technicians' assignment history, repricing
//! approval.rs     the customer's answer to the estimate, with a signature
//! customer_link.rs the customer's own link: its secrets, expiry, the state in their words,
//!                 their answer from the phone
//! requests.rs     parts asked for from the floor
//! ```

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::customer::CustomerId;
use super::field::{FieldErrors, Problem, number_in, optional_text, required_text};
use super::user::UserId;
use super::vehicle::VehicleId;
use crate::i18n::Msg;

mod approval;
mod customer_link;
mod lines;
mod requests;
mod transitions;

pub use approval::{Approval, ApprovalDetails, ApprovalInput, ApprovalMethod, Signature};
pub use customer_link::{CustomerLink, CustomerStage, PhoneAnswerInput, parse_token};
pub use lines::{Assignment, Line, LineChange, LineDetails, LineInput, money};
pub use requests::{PartRequest, RequestStatus};
pub use transitions::{
    Transition, check_manual_transition, check_settle, check_transition, needs_reason, transitions_for,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderId(pub u64);

impl std::fmt::Display for OrderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

super::code::code_enum!(
    /// Where an order is in its life; see DESIGN.md "Work order states".
    OrderState {
        Draft = "draft" => StateDraft,
        Open = "open" => StateOpen,
        InProgress = "in_progress" => StateInProgress,
        WaitingParts = "waiting_parts" => StateWaitingParts,
        QualityCheck = "quality_check" => StateQualityCheck,
        Completed = "completed" => StateCompleted,
        Settled = "settled" => StateSettled,
        Delivered = "delivered" => StateDelivered,
        Cancelled = "cancelled" => StateCancelled,
    }
);

impl OrderState {
    /// Lines, reception data and approvals may change (a settled order is locked).
    pub fn is_editable(self) -> bool {
        !matches!(self, OrderState::Settled | OrderState::Delivered | OrderState::Cancelled)
    }

    /// Work may still be added (lines, diagnosis): not once the work is finished. A completed
    /// order takes more work only after a manager reopens it.
    pub fn takes_work(self) -> bool {
        self.is_editable() && self != OrderState::Completed
    }

    /// The order is finished with: its QR is read-only.
    pub fn is_closed(self) -> bool {
        matches!(self, OrderState::Delivered | OrderState::Cancelled)
    }

    /// The car is in the shop: shown on the board.
    pub fn on_board(self) -> bool {
        !matches!(self, OrderState::Draft | OrderState::Delivered | OrderState::Cancelled)
    }

    /// The states on the board, in the order the columns show them.
    pub const BOARD: [OrderState; 6] = [
        OrderState::Open,
        OrderState::InProgress,
        OrderState::WaitingParts,
        OrderState::QualityCheck,
        OrderState::Completed,
        OrderState::Settled,
    ];
}

crate::domain::code::code_enum!(
    /// Labour (工时), a part (配件) or another fee.
    LineKind { Labor = "labor" => LineLabor, Part = "part" => LinePart, Fee = "fee" => LineFee }
);

crate::domain::code::code_enum!(
    /// The customer's answer to a line of the estimate.
    Decision { Pending = "pending" => DecisionPending, Approved = "approved" => DecisionApproved, Declined = "declined" => DecisionDeclined }
);

/// A diagnosis or a note on the order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
    pub by_name: String,
    pub text: String,
    /// Ids of photos stored with the note.
    #[serde(default)]
    pub photos: Vec<u64>,
    /// Shown to the customer on their phone page (off unless a technician or the desk turns
    /// it on).
    #[serde(default)]
    pub shared: bool,
}

/// A stored work order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkOrder {
    pub id: OrderId,
    /// Readable and unique, e.g. `20261128-007`.
    pub number: String,
    /// The secret in the printed QR code (128 random bits).
    pub token: u128,
    /// The customer's own link (`/c/{token}`); orders closed before it existed have none
    /// until the desk issues one.
    #[serde(default)]
    pub customer_link: Option<CustomerLink>,
    pub vehicle_id: VehicleId,
    pub customer_id: CustomerId,
    pub state: OrderState,
    #[serde(flatten)]
    pub reception: Reception,
    #[serde(default)]
    pub lines: Vec<Line>,
    #[serde(default)]
    pub next_line: u32,
    /// Goes up with every change to the lines; approvals name the version they saw.
    #[serde(default)]
    pub estimate_version: u32,
    #[serde(default)]
    pub approvals: Vec<Approval>,
    #[serde(default)]
    pub diagnosis: Vec<Note>,
    /// Notes and photos from the shop floor.
    #[serde(default)]
    pub notes: Vec<Note>,
    /// Parts asked for from the phone, waiting for the desk or the parts clerk.
    #[serde(default)]
    pub part_requests: Vec<PartRequest>,
    #[serde(default)]
    pub history: Vec<Transition>,
    /// How many times the sheet was printed again with a new QR.
    #[serde(default)]
    pub reprints: u32,
    /// The walk-around at reception: damage already on the car, lights, items left, the
    /// customer's signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walkaround: Option<crate::domain::walkaround::Walkaround>,
    /// The appointment this order was opened from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment: Option<crate::domain::appointment::AppointmentId>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// What the advisor takes in at the desk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reception {
    #[serde(default)]
    pub mileage: Option<u32>,
    /// Fuel in quarters: 0 (empty) to 4 (full).
    #[serde(default)]
    pub fuel: Option<u8>,
    pub complaint: String,
    #[serde(default)]
    pub items_left: String,
    #[serde(default)]
    pub promised_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub advisor: Option<UserId>,
}

/// The reception form as typed.
#[derive(Clone, Debug, Default)]
pub struct ReceptionInput {
    pub mileage: String,
    pub fuel: String,
    pub complaint: String,
    pub items_left: String,
    /// `YYYY-MM-DDTHH:MM` in the shop's time (an `<input type="datetime-local">`).
    pub promised_at: String,
    pub advisor_id: String,
}

impl Reception {
    /// Checks the reception form. `now` and `tz` place the promised time; `advisors` are the
    /// users who may be named as the advisor.
    pub fn check(
        input: &ReceptionInput,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
        advisors: &[UserId],
    ) -> Result<Reception, FieldErrors> {
        let mut e = FieldErrors::new();
        let mileage = match input.mileage.trim() {
            "" => None,
            m => e.check("mileage", number_in(m, 0, 2_000_000)),
        };
        let fuel = match input.fuel.trim() {
            "" => None,
            f => e.check("fuel", number_in(f, 0, 4).map(|f| f as u8)),
        };
        let complaint = e.check("complaint", required_text(&input.complaint, 2000));
        let items_left = e.check("items_left", optional_text(&input.items_left, 500));
        let promised_at = match input.promised_at.trim() {
            "" => None,
            p => e.check(
                "promised_at",
                parse_local_time(p, tz).and_then(|at| {
                    // A few minutes of slack for the time it takes to fill in the form.
                    if at < now - chrono::Duration::minutes(10) {
                        Err(Problem::new(Msg::PromisedInPast))
                    } else {
                        Ok(at)
                    }
                }),
            ),
        };
        let advisor = match input.advisor_id.trim() {
            "" => None,
            a => e.check(
                "advisor_id",
                a.parse::<u64>()
                    .ok()
                    .map(UserId)
                    .filter(|id| advisors.contains(id))
                    .ok_or(Problem::new(Msg::ChoiceInvalid)),
            ),
        };
        e.into_result(|| Reception {
            mileage,
            fuel,
            complaint: complaint.unwrap_or_default(),
            items_left: items_left.unwrap_or_default(),
            promised_at,
            advisor,
        })
    }
}

/// A `datetime-local` value (`2026-11-28T17:00`, seconds optional) in the shop's zone, as UTC.
pub fn parse_local_time(text: &str, tz: chrono_tz::Tz) -> Result<DateTime<Utc>, Problem> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .map_err(|_| Problem::new(Msg::DateTimeInvalid))?;
    // In a daylight-saving gap the time does not exist; take the earliest reading otherwise.
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or(Problem::new(Msg::DateTimeInvalid))
}

/// What an order adds up to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub labour: Decimal,
    pub parts: Decimal,
    pub fees: Decimal,
    /// Every line the customer has not declined.
    pub estimate: Decimal,
    pub approved: Decimal,
    pub pending: Decimal,
    pub declined: Decimal,
    pub labour_hours: Decimal,
}

impl WorkOrder {
    /// A new order as opened at reception: no lines yet; its id, number and QR token are given
    /// by the store when it is saved.
    pub fn new(
        vehicle_id: VehicleId,
        customer_id: CustomerId,
        state: OrderState,
        reception: Reception,
        at: DateTime<Utc>,
        by: Option<UserId>,
    ) -> WorkOrder {
        WorkOrder {
            id: OrderId(0),
            number: String::new(),
            token: 0,
            customer_link: None,
            vehicle_id,
            customer_id,
            state,
            reception,
            lines: vec![],
            next_line: 1,
            estimate_version: 1,
            approvals: vec![],
            diagnosis: vec![],
            notes: vec![],
            part_requests: vec![],
            history: vec![],
            reprints: 0,
            walkaround: None,
            appointment: None,
            created_at: at,
            created_by: by,
            updated_at: at,
            version: 1,
        }
    }

    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for line in &self.lines {
            let amount = line.total();
            match line.decision {
                Decision::Declined => {
                    t.declined += amount;
                    continue;
                }
                Decision::Approved => t.approved += amount,
                Decision::Pending => t.pending += amount,
            }
            t.estimate += amount;
            match line.details.kind {
                LineKind::Labor => {
                    t.labour += amount;
                    t.labour_hours += line.details.qty;
                }
                LineKind::Part => t.parts += amount,
                LineKind::Fee => t.fees += amount,
            }
        }
        t
    }

    pub fn line(&self, no: u32) -> Option<&Line> {
        self.lines.iter().find(|l| l.no == no)
    }

    /// Adds a line under the next number (numbers are never reused) and returns it.
    pub fn add_line(&mut self, details: LineDetails, at: DateTime<Utc>, by: Option<UserId>) -> &mut Line {
        let no = self.next_line.max(1);
        self.next_line = no + 1;
        self.lines.push(Line::new(no, details, at, by));
        self.lines.last_mut().expect("just pushed")
    }

    /// Lines waiting for the customer's answer.
    pub fn pending_lines(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| l.decision == Decision::Pending)
    }

    /// A labour line the customer has not declined has a technician.
    pub fn has_dispatched_labour(&self) -> bool {
        self.lines
            .iter()
            .any(|l| l.is_labour() && l.decision != Decision::Declined && l.details.technician.is_some())
    }

    /// The technicians on the order's live labour lines, without repeats, in line order.
    pub fn technicians(&self) -> Vec<UserId> {
        let mut out = Vec::new();
        for line in self.lines.iter().filter(|l| l.is_labour() && l.decision != Decision::Declined) {
            if let Some(t) = line.details.technician.filter(|t| !out.contains(t)) {
                out.push(t);
            }
        }
        out
    }

    /// Promised earlier than `now` and the car is not ready yet.
    pub fn is_late(&self, now: DateTime<Utc>) -> bool {
        let ready = matches!(
            self.state,
            OrderState::Completed | OrderState::Settled | OrderState::Delivered | OrderState::Cancelled
        );
        !ready && self.reception.promised_at.is_some_and(|p| p < now)
    }
}

/// The order number for the `seq`-th order of the shop-local `date`. `format` holds `{date}`
/// (20261128) or `{yymmdd}` (261128), and `{seq}` (at least three digits).
pub fn order_number(format: &str, date: NaiveDate, seq: u32) -> String {
    format
        .replace("{date}", &date.format("%Y%m%d").to_string())
        .replace("{yymmdd}", &date.format("%y%m%d").to_string())
        .replace("{seq}", &format!("{seq:03}"))
}

/// Checks an order number format from the settings form.
pub fn check_number_format(format: &str) -> Result<String, Problem> {
    let format = required_text(format, 40)?;
    let has_date = format.contains("{date}") || format.contains("{yymmdd}");
    if !format.contains("{seq}") || !has_date {
        return Err(Problem::new(Msg::NumberFormatInvalid));
    }
    let rest = format.replace("{date}", "").replace("{yymmdd}", "").replace("{seq}", "");
    if rest.chars().any(|c| !(c.is_alphanumeric() || "-_/.#".contains(c))) {
        return Err(Problem::new(Msg::NumberFormatInvalid));
    }
    Ok(format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::{Role, Roles};
    use proptest::prelude::*;

    pub(super) fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    pub(super) fn order(state: OrderState) -> WorkOrder {
        let reception = Reception {
            mileage: None,
            fuel: None,
            complaint: "noise".into(),
            items_left: String::new(),
            promised_at: None,
            advisor: None,
        };
        WorkOrder::new(VehicleId(1), CustomerId(1), state, reception, Utc::now(), None)
    }

    pub(super) fn line(no: u32, kind: LineKind, qty: &str, price: &str) -> Line {
        let details = LineDetails {
            kind,
            description: format!("line {no}"),
            qty: d(qty),
            unit_price: d(price),
            part_id: None,
            technician: None,
        };
        Line::new(no, details, Utc::now(), None)
    }

    pub(super) fn roles(r: &[Role]) -> Roles {
        Roles::of(r)
    }

    #[test]
    fn totals_leave_out_declined_lines() {
        let mut o = order(OrderState::Open);
        o.lines.push(line(1, LineKind::Labor, "1.5", "120"));
        o.lines.push(line(2, LineKind::Part, "4", "45.80"));
        o.lines.push(line(3, LineKind::Fee, "1", "15"));
        o.lines.push(line(4, LineKind::Part, "1", "999"));
        o.lines[0].decision = Decision::Approved;
        o.lines[3].decision = Decision::Declined;
        let t = o.totals();
        assert_eq!(t.labour, d("180"));
        assert_eq!(t.parts, d("183.20"));
        assert_eq!(t.fees, d("15"));
        assert_eq!(t.estimate, d("378.20"));
        assert_eq!(t.approved, d("180"));
        assert_eq!(t.pending, d("198.20"));
        assert_eq!(t.declined, d("999"));
        assert_eq!(t.labour_hours, d("1.5"));
    }

    #[test]
    fn order_numbers_follow_the_format() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(order_number("{date}-{seq}", day, 7), "20261128-007");
        assert_eq!(order_number("WO{yymmdd}{seq}", day, 1234), "WO2611281234");
        assert!(check_number_format("{date}-{seq}").is_ok());
        assert_eq!(check_number_format("{seq}").unwrap_err().msg, Msg::NumberFormatInvalid);
        assert_eq!(check_number_format("{date}<{seq}>").unwrap_err().msg, Msg::NumberFormatInvalid);
    }

    #[test]
    fn promised_times_are_read_in_the_shop_zone() {
        let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
        let at = parse_local_time("2026-11-28T17:00", tz).unwrap();
        assert_eq!(at.to_rfc3339(), "2026-11-28T09:00:00+00:00");
        assert_eq!(parse_local_time("tomorrow", tz).unwrap_err().msg, Msg::DateTimeInvalid);
        let now = "2026-11-28T10:00:00Z".parse().unwrap();
        let input = ReceptionInput {
            complaint: "x".into(),
            promised_at: "2026-11-28T08:00".into(),
            ..Default::default()
        };
        let err = Reception::check(&input, now, tz, &[]).unwrap_err();
        assert_eq!(err.get("promised_at").unwrap().msg, Msg::PromisedInPast);
        let input = ReceptionInput {
            complaint: "x".into(),
            fuel: "5".into(),
            mileage: "-3".into(),
            ..Default::default()
        };
        let err = Reception::check(&input, now, tz, &[]).unwrap_err();
        assert!(err.get("fuel").is_some() && err.get("mileage").is_some());
    }

    proptest! {
        #[test]
        fn the_estimate_is_the_sum_of_the_lines_not_declined(
            lines in proptest::collection::vec((0u8..3, 1i64..100_000, 0i64..10_000_000, 0u8..3), 0..30)
        ) {
            let mut o = order(OrderState::Open);
            for (i, (kind, qty, price, decision)) in lines.iter().enumerate() {
                let kind = [LineKind::Labor, LineKind::Part, LineKind::Fee][*kind as usize];
                let mut l = line(i as u32 + 1, kind, "1", "0");
                l.details.qty = Decimal::new(*qty, 3);
                l.details.unit_price = Decimal::new(*price, 2);
                l.decision = [Decision::Pending, Decision::Approved, Decision::Declined][*decision as usize];
                o.lines.push(l);
            }
            let t = o.totals();
            prop_assert_eq!(t.estimate, t.labour + t.parts + t.fees);
            prop_assert_eq!(t.estimate, t.approved + t.pending);
            let all: Decimal = o.lines.iter().map(|l| l.total()).sum();
            prop_assert_eq!(all, t.estimate + t.declined);
            prop_assert!(t.estimate >= Decimal::ZERO);
            for l in &o.lines {
                prop_assert!(l.total().scale() <= 2);
                // Rounding moves a line by at most half a cent.
                prop_assert!((l.total() - l.details.qty * l.details.unit_price).abs() <= Decimal::new(5, 3));
            }
        }
    }
}
