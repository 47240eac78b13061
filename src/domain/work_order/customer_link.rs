//! The customer's own link to an order (`/c/{token}`): its secrets, when it stops working, the
//! order's state in the customer's words, and the answer the customer gives on their phone.
//!
//! The link is separate from the technicians' QR token: a different secret in a different
//! index, so neither ever opens the other's pages. It shows one order and acts only on its
//! pending lines. Once the order is delivered (or cancelled) it works for the shop's
//! [`crate::domain::Settings::customer_link_days`], counted from the later of closing and the
//! link's issue, so a link the desk issues again for a customer who asks works again.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::approval::{ApprovalDetails, ApprovalMethod, Signature};
use super::{Decision, OrderState, WorkOrder};
use crate::domain::field::{FieldErrors, Problem};
use crate::i18n::Msg;

/// The secrets of the customer's link: the token in its URL and the CSRF token its forms carry.
/// Both 128 random bits, replaced together when the desk issues a new link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerLink {
    pub token: u128,
    pub csrf: u128,
    pub issued_at: DateTime<Utc>,
}

impl CustomerLink {
    /// The token as it appears in the URL: 32 lower-case hex digits.
    pub fn token_hex(&self) -> String {
        format!("{:032x}", self.token)
    }

    pub fn csrf_hex(&self) -> String {
        format!("{:032x}", self.csrf)
    }
}

/// A link token as typed in a URL: exactly 32 hex digits, else nothing (a malformed token is
/// answered like an unknown one).
pub fn parse_token(text: &str) -> Option<u128> {
    (text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u128::from_str_radix(text, 16).ok())
        .flatten()
}

impl WorkOrder {
    /// When the order was delivered or cancelled (its last move into a closed state).
    pub fn closed_at(&self) -> Option<DateTime<Utc>> {
        if !self.state.is_closed() {
            return None;
        }
        self.history.iter().rev().find(|t| t.to == self.state).map(|t| t.at).or(Some(self.updated_at))
    }

    /// Whether the customer's link has stopped working at `now`, `days` after closing.
    pub fn customer_link_expired(&self, now: DateTime<Utc>, days: u32) -> bool {
        let (Some(closed), Some(link)) = (self.closed_at(), self.customer_link.as_ref()) else {
            return false;
        };
        closed.max(link.issued_at) + Duration::days(i64::from(days)) < now
    }

    /// Where the order is, in the words the customer reads on their phone.
    pub fn customer_stage(&self) -> CustomerStage {
        CustomerStage::of(self.state)
    }
}

/// The steps of a repair as the customer follows them, with the state each one covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CustomerStage {
    /// The step reached, 1 to [`CustomerStage::STEPS`]; 0 when cancelled.
    pub step: u8,
    /// What the customer reads, e.g. "Being repaired".
    pub label: Msg,
    /// One sentence more, e.g. "We are waiting for a part to arrive."
    pub lead: Msg,
}

impl CustomerStage {
    pub const STEPS: u8 = 5;

    /// The steps' short names, in order, for the progress bar.
    pub const NAMES: [Msg; 5] = [
        Msg::CustomerStepReceived,
        Msg::CustomerStepRepair,
        Msg::CustomerStepCheck,
        Msg::CustomerStepReady,
        Msg::CustomerStepCollected,
    ];

    pub fn of(state: OrderState) -> CustomerStage {
        use OrderState::*;
        let (step, label, lead) = match state {
            Draft => (1, Msg::CustomerStageEstimate, Msg::CustomerLeadEstimate),
            Open => (1, Msg::CustomerStageReceived, Msg::CustomerLeadReceived),
            InProgress => (2, Msg::CustomerStageRepair, Msg::CustomerLeadRepair),
            WaitingParts => (2, Msg::CustomerStageParts, Msg::CustomerLeadParts),
            QualityCheck => (3, Msg::CustomerStageCheck, Msg::CustomerLeadCheck),
            Completed => (4, Msg::CustomerStageReady, Msg::CustomerLeadReady),
            Settled => (4, Msg::CustomerStagePaid, Msg::CustomerLeadPaid),
            Delivered => (5, Msg::CustomerStageCollected, Msg::CustomerLeadCollected),
            Cancelled => (0, Msg::CustomerStageCancelled, Msg::CustomerLeadCancelled),
        };
        CustomerStage { step, label, lead }
    }

    /// How far along, in percent, for the bar.
    pub fn percent(self) -> u8 {
        (u16::from(self.step) * 100 / u16::from(Self::STEPS)) as u8
    }
}

/// What the phone's approval form sent, as typed.
#[derive(Clone, Debug, Default)]
pub struct PhoneAnswerInput {
    pub estimate_version: String,
    /// The ticked lines' numbers.
    pub lines: Vec<String>,
    /// `approve` or `decline`: the button pressed.
    pub decision: String,
    pub signature: String,
}

impl PhoneAnswerInput {
    /// Checks the answer: a version, at least one line, one decision for them all, a drawn
    /// signature. `customer` is the name the approval record gives the one who answered.
    pub fn check(&self, customer: &str) -> Result<ApprovalDetails, FieldErrors> {
        let mut e = FieldErrors::new();
        let version = e.check(
            "estimate_version",
            self.estimate_version.trim().parse::<u32>().map_err(|_| Problem::new(Msg::EstimateChanged)),
        );
        let decision = e.check(
            "decision",
            match self.decision.trim() {
                "approve" => Ok(Decision::Approved),
                "decline" => Ok(Decision::Declined),
                _ => Err(Problem::new(Msg::ChoiceInvalid)),
            },
        );
        let mut lines = Vec::new();
        for no in &self.lines {
            match no.trim().parse::<u32>() {
                Ok(no) if !lines.contains(&no) => lines.push(no),
                _ => e.add("line", Msg::PickLines),
            }
        }
        if lines.is_empty() {
            e.add("line", Msg::PickLines);
        }
        let signature = e.check("signature", Signature::parse(&self.signature));
        e.into_result(|| {
            let decision = decision.unwrap_or(Decision::Declined);
            ApprovalDetails {
                estimate_version: version.unwrap_or_default(),
                method: ApprovalMethod::CustomerPhone,
                approver: customer.to_string(),
                decisions: lines.iter().map(|no| (*no, decision)).collect(),
                signature,
                note: String::new(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::work_order::Transition;
    use crate::domain::work_order::tests::order;

    const SIG: &str = "10,10 20,20 30,25;40,40 50,50";

    #[test]
    fn tokens_are_exactly_32_hex_digits() {
        assert_eq!(parse_token(&format!("{:032x}", 7u128)), Some(7));
        assert_eq!(parse_token(&"F".repeat(32)), Some(u128::MAX));
        assert_eq!(parse_token("7"), None);
        assert_eq!(parse_token(&"g".repeat(32)), None);
        // `from_str_radix` takes a sign; a URL token never has one.
        assert_eq!(parse_token(&format!("+{}", "0".repeat(31))), None);
    }

    #[test]
    fn a_link_expires_the_days_after_delivery_counted_from_a_later_issue_too() {
        let delivered: DateTime<Utc> = "2026-11-28T10:00:00Z".parse().unwrap();
        let mut o = order(OrderState::Settled);
        o.customer_link = Some(CustomerLink { token: 1, csrf: 2, issued_at: delivered - Duration::days(9) });
        let later = delivered + Duration::days(40);
        assert!(!o.customer_link_expired(later, 30), "an order not yet delivered keeps its link");
        o.state = OrderState::Delivered;
        o.history.push(Transition {
            from: OrderState::Settled,
            to: OrderState::Delivered,
            at: delivered,
            by: None,
            by_name: String::new(),
            reason: String::new(),
        });
        assert!(!o.customer_link_expired(delivered + Duration::days(29), 30));
        assert!(o.customer_link_expired(delivered + Duration::days(31), 30));
        // Issued again after delivery: the days count from then.
        o.customer_link.as_mut().unwrap().issued_at = delivered + Duration::days(35);
        assert!(!o.customer_link_expired(later, 30));
    }

    #[test]
    fn the_customer_reads_five_steps_and_cancelled_is_none_of_them() {
        assert_eq!(CustomerStage::of(OrderState::Open).step, 1);
        assert_eq!(CustomerStage::of(OrderState::WaitingParts).label, Msg::CustomerStageParts);
        assert_eq!(CustomerStage::of(OrderState::Delivered).percent(), 100);
        assert_eq!(CustomerStage::of(OrderState::QualityCheck).percent(), 60);
        assert_eq!(CustomerStage::of(OrderState::Cancelled).step, 0);
        let steps: Vec<u8> = OrderState::ALL.iter().map(|s| CustomerStage::of(*s).step).collect();
        assert!(steps.iter().all(|s| *s <= CustomerStage::STEPS));
    }

    #[test]
    fn a_phone_answer_needs_lines_a_decision_and_a_signature() {
        let input = PhoneAnswerInput {
            estimate_version: "3".into(),
            lines: vec!["2".into(), "4".into()],
            decision: "decline".into(),
            signature: SIG.into(),
        };
        let d = input.check("王伟").unwrap();
        assert_eq!(d.method, ApprovalMethod::CustomerPhone);
        assert_eq!(d.decisions, vec![(2, Decision::Declined), (4, Decision::Declined)]);
        assert_eq!((d.estimate_version, d.approver.as_str()), (3, "王伟"));
        assert!(d.signature.is_some());
        let bad = PhoneAnswerInput {
            estimate_version: "x".into(),
            lines: vec![],
            decision: "maybe".into(),
            signature: String::new(),
        };
        let e = bad.check("王伟").unwrap_err();
        for field in ["estimate_version", "line", "decision", "signature"] {
            assert!(e.get(field).is_some(), "{field} refused");
        }
        let twice = PhoneAnswerInput { lines: vec!["2".into(), "2".into()], ..input };
        assert_eq!(twice.check("王伟").unwrap_err().get("line").unwrap().msg, Msg::PickLines);
    }
}
