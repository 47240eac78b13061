//! Work orders (工单): what the customer brought the car for, the lines of work and parts, the
//! estimate and the customer's approvals of it (二次确认), and the state machine of DESIGN.md.
//!
//! Totals are computed here and only here; views show them. Every state change goes through
//! [`check_transition`], the one place that says which role may move an order where.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::customer::CustomerId;
use super::field::{FieldErrors, Problem, decimal_in, number_in, optional_text, required_text};
use super::role::{Role, Roles};
use super::user::UserId;
use super::vehicle::VehicleId;
use crate::i18n::Msg;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderId(pub u64);

impl std::fmt::Display for OrderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

super::customer::code_enum!(
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

/// Who may make a transition and whether it needs a reason.
struct Rule {
    roles: &'static [Role],
    reason: bool,
}

/// The state machine: `None` for a transition that does not exist.
fn rule(from: OrderState, to: OrderState) -> Option<Rule> {
    use OrderState::*;
    use Role::*;
    const DESK: &[Role] = &[Admin, Manager, Advisor];
    const FLOOR: &[Role] = &[Admin, Manager, Advisor, Technician];
    let (roles, reason): (&'static [Role], bool) = match (from, to) {
        (Draft, Open) => (DESK, false),
        (Open, InProgress) => (FLOOR, false),
        (InProgress, WaitingParts) | (WaitingParts, InProgress) => (FLOOR, false),
        // The last part came and the work is done: straight to quality check.
        (InProgress | WaitingParts, QualityCheck) => (FLOOR, false),
        (QualityCheck, Completed) => (DESK, false),
        // Back from quality check: the work needs redoing.
        (QualityCheck, InProgress) => (DESK, true),
        // Reopening a finished order is a manager's call.
        (Completed, InProgress) => (&[Admin, Manager], true),
        (Completed, Settled) => (&[Admin, Manager, Cashier], false),
        (Settled, Delivered) => (&[Admin, Manager, Advisor, Cashier], false),
        (Draft | Open | InProgress | WaitingParts | QualityCheck | Completed, Cancelled) => (DESK, true),
        _ => return None,
    };
    Some(Rule { roles, reason })
}

/// Whether a transition needs a reason (cancel, back from quality check, reopen).
pub fn needs_reason(from: OrderState, to: OrderState) -> bool {
    rule(from, to).is_some_and(|r| r.reason)
}

/// The transitions `roles` may make from the order's state now (the buttons an order shows).
pub fn transitions_for(roles: Roles, order: &WorkOrder) -> Vec<OrderState> {
    OrderState::ALL.iter().copied().filter(|to| check_transition(roles, order, *to, "x").is_ok()).collect()
}

/// Checks a transition of `order` to `to` by someone with `roles`; `reason` as typed.
pub fn check_transition(
    roles: Roles,
    order: &WorkOrder,
    to: OrderState,
    reason: &str,
) -> Result<(), Problem> {
    let from = order.state;
    let Some(rule) = rule(from, to) else {
        return Err(Problem::new(Msg::TransitionIllegal));
    };
    if !rule.roles.iter().any(|r| roles.has(*r)) {
        return Err(Problem::new(Msg::TransitionRole));
    }
    if rule.reason && reason.trim().is_empty() {
        return Err(Problem::new(Msg::ReasonRequired));
    }
    if from == OrderState::Open && to == OrderState::InProgress && !order.has_dispatched_labour() {
        return Err(Problem::new(Msg::DispatchFirst));
    }
    // From the floor, quality check comes when the work is done; the desk may send it anyway.
    let desk = [Role::Admin, Role::Manager, Role::Advisor].iter().any(|r| roles.has(*r));
    if to == OrderState::QualityCheck && !desk && !order.labour_finished() {
        return Err(Problem::new(Msg::FinishLinesFirst));
    }
    Ok(())
}

/// A state change as stored: who, when, why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub from: OrderState,
    pub to: OrderState,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
    pub by_name: String,
    #[serde(default)]
    pub reason: String,
}

super::customer::code_enum!(
    /// Labour (工时), a part (配件) or another fee.
    LineKind { Labor = "labor" => LineLabor, Part = "part" => LinePart, Fee = "fee" => LineFee }
);

super::customer::code_enum!(
    /// The customer's answer to a line of the estimate.
    Decision { Pending = "pending" => DecisionPending, Approved = "approved" => DecisionApproved, Declined = "declined" => DecisionDeclined }
);

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
    pub clock: Vec<super::clock::Interval>,
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
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
        }
    }

    pub fn total(&self) -> Decimal {
        self.details.total()
    }

    pub fn is_labour(&self) -> bool {
        self.details.kind == LineKind::Labor
    }
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
        // The parts catalog is a later module: until it exists, no part id is known.
        if !input.part_id.trim().is_empty() {
            e.add("part_id", Msg::PartUnknown);
        }
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
            part_id: None,
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

super::customer::code_enum!(
    /// How the customer gave their answer.
    ApprovalMethod { InPerson = "in_person" => ApprovalInPerson, Phone = "phone" => ApprovalPhone }
);

/// A signature drawn on the kiosk's touchscreen: strokes of points in a 1000 × 400 box.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    pub strokes: Vec<Vec<(u16, u16)>>,
}

impl Signature {
    pub const WIDTH: u16 = 1000;
    pub const HEIGHT: u16 = 400;
    const MAX_POINTS: usize = 4000;

    /// Parses what the signature pad sends: strokes separated by `;`, points `x,y` separated
    /// by spaces. Anything else is refused, so only numbers ever reach the stored record.
    pub fn parse(text: &str) -> Result<Signature, Problem> {
        let mut strokes = Vec::new();
        let mut points = 0;
        for stroke in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let mut line = Vec::new();
            for point in stroke.split_whitespace() {
                let (x, y) = point.split_once(',').ok_or(Problem::new(Msg::SignatureInvalid))?;
                let x: u16 = x.parse().map_err(|_| Problem::new(Msg::SignatureInvalid))?;
                let y: u16 = y.parse().map_err(|_| Problem::new(Msg::SignatureInvalid))?;
                if x > Self::WIDTH || y > Self::HEIGHT {
                    return Err(Problem::new(Msg::SignatureInvalid));
                }
                line.push((x, y));
                points += 1;
            }
            if points > Self::MAX_POINTS {
                return Err(Problem::new(Msg::SignatureInvalid));
            }
            strokes.push(line);
        }
        // A tap is not a signature: ask for some ink.
        if points < 5 {
            return Err(Problem::new(Msg::SignatureMissing));
        }
        Ok(Signature { strokes })
    }

    /// The strokes as an SVG path (`M x y L x y …`).
    pub fn svg_path(&self) -> String {
        let mut d = String::new();
        for stroke in &self.strokes {
            for (i, (x, y)) in stroke.iter().enumerate() {
                d.push_str(if i == 0 { "M" } else { "L" });
                d.push_str(&format!("{x} {y}"));
            }
            if stroke.len() == 1 {
                d.push_str("l1 0");
            }
        }
        d
    }
}

/// One answer of the customer: which pending lines they approved and declined, for which
/// version of the estimate, how and to whom.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Approval {
    pub no: u32,
    pub estimate_version: u32,
    pub method: ApprovalMethod,
    /// The customer (or whoever answered for them) by name.
    pub approver: String,
    pub approved: Vec<u32>,
    pub declined: Vec<u32>,
    /// The sum of the approved lines at the time.
    pub approved_total: Decimal,
    #[serde(default)]
    pub signature: Option<Signature>,
    #[serde(default)]
    pub note: String,
    pub at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
    pub recorded_by_name: String,
}

/// The approval form, checked: the decision for each pending line.
#[derive(Clone, Debug, PartialEq)]
pub struct ApprovalDetails {
    pub estimate_version: u32,
    pub method: ApprovalMethod,
    pub approver: String,
    pub decisions: Vec<(u32, Decision)>,
    pub signature: Option<Signature>,
    pub note: String,
}

/// The approval form as typed.
#[derive(Clone, Debug, Default)]
pub struct ApprovalInput {
    pub estimate_version: String,
    pub method: String,
    pub approver: String,
    /// `(line no, "approved" | "declined")` for each pending line of the form.
    pub decisions: Vec<(String, String)>,
    pub signature: String,
    pub note: String,
}

impl ApprovalDetails {
    pub fn check(input: &ApprovalInput) -> Result<ApprovalDetails, FieldErrors> {
        let mut e = FieldErrors::new();
        let version = e.check(
            "estimate_version",
            input.estimate_version.trim().parse::<u32>().map_err(|_| Problem::new(Msg::StaleEdit)),
        );
        let method =
            e.check("method", ApprovalMethod::parse(&input.method).ok_or(Problem::new(Msg::ChoiceInvalid)));
        let approver = e.check("approver", required_text(&input.approver, 60));
        let mut decisions = Vec::new();
        for (no, decision) in &input.decisions {
            match (no.parse::<u32>(), Decision::parse(decision)) {
                (Ok(no), Some(d)) if d != Decision::Pending => decisions.push((no, d)),
                _ => e.add("decisions", Msg::DecideEveryLine),
            }
        }
        if decisions.is_empty() {
            e.add("decisions", Msg::DecideEveryLine);
        }
        let signature = match method {
            Some(ApprovalMethod::InPerson) => e.check("signature", Signature::parse(&input.signature)),
            _ => None,
        };
        let note = e.check("note", optional_text(&input.note, 500));
        e.into_result(|| ApprovalDetails {
            estimate_version: version.unwrap_or_default(),
            method: method.unwrap_or(ApprovalMethod::Phone),
            approver: approver.unwrap_or_default(),
            decisions,
            signature,
            note: note.unwrap_or_default(),
        })
    }
}

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
}

/// A stored work order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkOrder {
    pub id: OrderId,
    /// Readable and unique, e.g. `20261128-007`.
    pub number: String,
    /// The secret in the printed QR code (128 random bits).
    pub token: u128,
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
    pub part_requests: Vec<super::clock::PartRequest>,
    #[serde(default)]
    pub history: Vec<Transition>,
    /// How many times the sheet was printed again with a new QR.
    #[serde(default)]
    pub reprints: u32,
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

    /// Applies a checked approval: every pending line it names gets its decision.
    pub fn apply_approval(
        &mut self,
        details: ApprovalDetails,
        at: DateTime<Utc>,
        by: Option<UserId>,
        by_name: &str,
    ) -> Result<&Approval, Problem> {
        if details.estimate_version != self.estimate_version {
            return Err(Problem::new(Msg::EstimateChanged));
        }
        let pending: Vec<u32> = self.pending_lines().map(|l| l.no).collect();
        if pending.is_empty() {
            return Err(Problem::new(Msg::NothingToApprove));
        }
        // Every pending line of this version must be answered, and only those.
        let mut answered: Vec<u32> = details.decisions.iter().map(|(no, _)| *no).collect();
        answered.sort_unstable();
        answered.dedup();
        let mut expected = pending.clone();
        expected.sort_unstable();
        if answered != expected || answered.len() != details.decisions.len() {
            return Err(Problem::new(Msg::DecideEveryLine));
        }
        let no = self.approvals.len() as u32 + 1;
        let mut approved = Vec::new();
        let mut declined = Vec::new();
        let mut approved_total = Decimal::ZERO;
        for (line_no, decision) in &details.decisions {
            let line = self.lines.iter_mut().find(|l| l.no == *line_no).expect("checked above");
            line.decision = *decision;
            line.decided_in = Some(no);
            if *decision == Decision::Approved {
                approved.push(*line_no);
                approved_total += line.total();
            } else {
                declined.push(*line_no);
            }
        }
        self.approvals.push(Approval {
            no,
            estimate_version: details.estimate_version,
            method: details.method,
            approver: details.approver,
            approved,
            declined,
            approved_total,
            signature: details.signature,
            note: details.note,
            at,
            recorded_by: by,
            recorded_by_name: by_name.to_string(),
        });
        Ok(self.approvals.last().expect("just pushed"))
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
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn order(state: OrderState) -> WorkOrder {
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

    fn line(no: u32, kind: LineKind, qty: &str, price: &str) -> Line {
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

    fn roles(r: &[Role]) -> Roles {
        Roles::of(r)
    }

    #[test]
    fn every_transition_of_the_machine_is_allowed_only_to_its_roles() {
        use OrderState::*;
        let dispatched = |state| {
            let mut o = order(state);
            let mut l = line(1, LineKind::Labor, "1", "100");
            l.details.technician = Some(UserId(5));
            l.finished_at = Some(Utc::now());
            o.lines.push(l);
            o
        };
        // (from, to, roles that may, needs a reason)
        let table: &[(OrderState, OrderState, &[Role], bool)] = &[
            (Draft, Open, &[Role::Admin, Role::Manager, Role::Advisor], false),
            (Open, InProgress, &[Role::Admin, Role::Manager, Role::Advisor, Role::Technician], false),
            (InProgress, WaitingParts, &[Role::Admin, Role::Manager, Role::Advisor, Role::Technician], false),
            (WaitingParts, InProgress, &[Role::Admin, Role::Manager, Role::Advisor, Role::Technician], false),
            (InProgress, QualityCheck, &[Role::Admin, Role::Manager, Role::Advisor, Role::Technician], false),
            (
                WaitingParts,
                QualityCheck,
                &[Role::Admin, Role::Manager, Role::Advisor, Role::Technician],
                false,
            ),
            (QualityCheck, Completed, &[Role::Admin, Role::Manager, Role::Advisor], false),
            (QualityCheck, InProgress, &[Role::Admin, Role::Manager, Role::Advisor], true),
            (Completed, InProgress, &[Role::Admin, Role::Manager], true),
            (Completed, Settled, &[Role::Admin, Role::Manager, Role::Cashier], false),
            (Settled, Delivered, &[Role::Admin, Role::Manager, Role::Advisor, Role::Cashier], false),
        ];
        for from in OrderState::ALL {
            for to in OrderState::ALL {
                let listed = table.iter().find(|(f, t, _, _)| f == from && t == to);
                let cancel = *to == Cancelled && !matches!(from, Settled | Delivered | Cancelled);
                for role in Role::ALL {
                    let o = dispatched(*from);
                    let result = check_transition(roles(&[role]), &o, *to, "because");
                    let may = match listed {
                        Some((_, _, allowed, _)) => allowed.contains(&role),
                        None => cancel && [Role::Admin, Role::Manager, Role::Advisor].contains(&role),
                    };
                    assert_eq!(result.is_ok(), may, "{from:?} → {to:?} by {role:?}: {result:?}");
                    if listed.is_none() && !cancel {
                        assert_eq!(result.unwrap_err().msg, Msg::TransitionIllegal);
                    }
                }
                if let Some((_, _, _, reason)) = listed {
                    assert_eq!(needs_reason(*from, *to), *reason, "{from:?} → {to:?}");
                }
            }
        }
    }

    #[test]
    fn cancelling_and_sending_back_need_a_reason() {
        let o = order(OrderState::Open);
        let admin = roles(&[Role::Admin]);
        assert_eq!(
            check_transition(admin, &o, OrderState::Cancelled, "  ").unwrap_err().msg,
            Msg::ReasonRequired
        );
        assert!(check_transition(admin, &o, OrderState::Cancelled, "customer changed their mind").is_ok());
        let settled = order(OrderState::Settled);
        assert_eq!(
            check_transition(admin, &settled, OrderState::Cancelled, "x").unwrap_err().msg,
            Msg::TransitionIllegal
        );
    }

    #[test]
    fn work_starts_only_once_a_labour_line_has_a_technician() {
        let mut o = order(OrderState::Open);
        let advisor = roles(&[Role::Advisor]);
        assert_eq!(
            check_transition(advisor, &o, OrderState::InProgress, "").unwrap_err().msg,
            Msg::DispatchFirst
        );
        o.lines.push(line(1, LineKind::Labor, "1", "100"));
        assert!(check_transition(advisor, &o, OrderState::InProgress, "").is_err());
        o.lines[0].details.technician = Some(UserId(3));
        assert!(check_transition(advisor, &o, OrderState::InProgress, "").is_ok());
        o.lines[0].decision = Decision::Declined;
        assert!(check_transition(advisor, &o, OrderState::InProgress, "").is_err());
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

    #[test]
    fn signatures_are_numbers_in_the_box_or_refused() {
        let s = Signature::parse("10,10 20,20 30,25; 40,40 50,50").unwrap();
        assert_eq!(s.strokes.len(), 2);
        assert_eq!(s.svg_path(), "M10 10L20 20L30 25M40 40L50 50");
        assert_eq!(Signature::parse("").unwrap_err().msg, Msg::SignatureMissing);
        assert_eq!(Signature::parse("1,1 2,2").unwrap_err().msg, Msg::SignatureMissing);
        assert_eq!(Signature::parse("1,1 2,2 3,3 4,4 5,\"><script>").unwrap_err().msg, Msg::SignatureInvalid);
        assert_eq!(Signature::parse("1,1 2,2 3,3 4,4 5000,5").unwrap_err().msg, Msg::SignatureInvalid);
    }

    fn approval(version: u32, decisions: &[(u32, Decision)]) -> ApprovalDetails {
        ApprovalDetails {
            estimate_version: version,
            method: ApprovalMethod::Phone,
            approver: "王伟".into(),
            decisions: decisions.to_vec(),
            signature: None,
            note: String::new(),
        }
    }

    #[test]
    fn an_approval_answers_every_pending_line_of_the_version_it_saw() {
        let mut o = order(OrderState::Open);
        o.lines.push(line(1, LineKind::Labor, "1", "100"));
        o.lines.push(line(2, LineKind::Part, "1", "50"));
        o.estimate_version = 3;
        let stale = approval(2, &[(1, Decision::Approved), (2, Decision::Approved)]);
        assert_eq!(o.apply_approval(stale, Utc::now(), None, "a").unwrap_err().msg, Msg::EstimateChanged);
        let partial = approval(3, &[(1, Decision::Approved)]);
        assert_eq!(o.apply_approval(partial, Utc::now(), None, "a").unwrap_err().msg, Msg::DecideEveryLine);
        let ok = approval(3, &[(1, Decision::Approved), (2, Decision::Declined)]);
        let a = o.apply_approval(ok, Utc::now(), None, "a").unwrap().clone();
        assert_eq!(
            (a.no, a.approved.clone(), a.declined.clone(), a.approved_total),
            (1, vec![1], vec![2], d("100"))
        );
        assert_eq!(o.line(2).unwrap().decision, Decision::Declined);
        assert_eq!(o.line(2).unwrap().decided_in, Some(1));
        // A later addition gets its own approval; the declined line stays declined.
        o.lines.push(line(3, LineKind::Part, "2", "10"));
        o.estimate_version = 4;
        let later = approval(4, &[(3, Decision::Approved)]);
        assert_eq!(o.apply_approval(later, Utc::now(), None, "a").unwrap().no, 2);
        assert_eq!(o.totals().approved, d("120"));
        assert_eq!(
            o.apply_approval(approval(4, &[]), Utc::now(), None, "a").unwrap_err().msg,
            Msg::NothingToApprove
        );
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
