//! The customer's answer to the estimate (二次确认): line by line, in person with a signature
//! or by phone, always for the estimate version they saw.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Decision, WorkOrder};
use crate::domain::field::{FieldErrors, Problem, optional_text, required_text};
use crate::domain::user::UserId;
use crate::i18n::Msg;

crate::domain::code::code_enum!(
    /// How the customer gave their answer.
    ApprovalMethod {
        InPerson = "in_person" => ApprovalInPerson,
        Phone = "phone" => ApprovalPhone,
        CustomerPhone = "customer_phone" => ApprovalCustomerPhone,
    }
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
        // The desk records answers given in person or by a call; only the customer's own link
        // records an answer "by the customer on their phone".
        let method = e.check(
            "method",
            ApprovalMethod::parse(&input.method)
                .filter(|m| *m != ApprovalMethod::CustomerPhone)
                .ok_or(Problem::new(Msg::ChoiceInvalid)),
        );
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

impl WorkOrder {
    /// Applies a checked approval: every pending line it names gets its decision. At the desk
    /// every pending line is answered at once; on their phone the customer may answer some of
    /// them (each answer with its own signature), but only lines that are still pending.
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
        let mut answered: Vec<u32> = details.decisions.iter().map(|(no, _)| *no).collect();
        answered.sort_unstable();
        answered.dedup();
        if details.method == ApprovalMethod::CustomerPhone {
            // Some of the pending lines, each once.
            if answered.is_empty()
                || answered.len() != details.decisions.len()
                || answered.iter().any(|no| !pending.contains(no))
            {
                return Err(Problem::new(Msg::PickLines));
            }
        } else {
            // Every pending line of this version must be answered, and only those.
            let mut expected = pending.clone();
            expected.sort_unstable();
            if answered != expected || answered.len() != details.decisions.len() {
                return Err(Problem::new(Msg::DecideEveryLine));
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::OrderState;
    use crate::domain::work_order::LineKind;
    use crate::domain::work_order::tests::{d, line, order};

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
    fn on_their_phone_the_customer_answers_some_pending_lines_and_only_those() {
        let mut o = order(OrderState::InProgress);
        o.lines.push(line(1, LineKind::Labor, "1", "100"));
        o.lines.push(line(2, LineKind::Part, "1", "50"));
        o.lines.push(line(3, LineKind::Part, "1", "30"));
        o.lines[0].decision = Decision::Approved;
        o.estimate_version = 5;
        let phone = |decisions: &[(u32, Decision)]| ApprovalDetails {
            method: ApprovalMethod::CustomerPhone,
            signature: Some(Signature::parse("1,1 2,2 3,3 4,4 5,5").unwrap()),
            ..approval(5, decisions)
        };
        let already = phone(&[(1, Decision::Declined)]);
        assert_eq!(o.apply_approval(already, Utc::now(), None, "").unwrap_err().msg, Msg::PickLines);
        let twice = phone(&[(2, Decision::Approved), (2, Decision::Declined)]);
        assert_eq!(o.apply_approval(twice, Utc::now(), None, "").unwrap_err().msg, Msg::PickLines);
        let a = o.apply_approval(phone(&[(2, Decision::Approved)]), Utc::now(), None, "").unwrap();
        assert_eq!(
            (a.method, a.approved.clone(), a.approved_total),
            (ApprovalMethod::CustomerPhone, vec![2], d("50"))
        );
        assert_eq!(o.line(3).unwrap().decision, Decision::Pending, "the other line still waits");
        let a = o.apply_approval(phone(&[(3, Decision::Declined)]), Utc::now(), None, "").unwrap();
        assert_eq!(a.declined, vec![3]);
    }

    #[test]
    fn the_desk_cannot_record_an_answer_as_given_on_the_customers_phone() {
        let input = ApprovalInput {
            estimate_version: "1".into(),
            method: "customer_phone".into(),
            approver: "王伟".into(),
            decisions: vec![("1".into(), "approved".into())],
            ..Default::default()
        };
        let e = ApprovalDetails::check(&input).unwrap_err();
        assert_eq!(e.get("method").unwrap().msg, Msg::ChoiceInvalid);
    }
}
