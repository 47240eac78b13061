//! The state machine of a work order: which transitions exist, who may make them, which need
//! a reason, and what a transition stops.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{OrderState, WorkOrder};
use crate::domain::field::Problem;
use crate::domain::role::{Role, Roles};
use crate::domain::user::UserId;
use crate::i18n::Msg;

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
        // Only by payment: see `check_manual_transition` and `check_settle`.
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

/// The transitions `roles` may make by hand from the order's state now (the buttons an order
/// shows). A reason, when one is needed, is asked for with the button, so it is not checked here.
pub fn transitions_for(roles: Roles, order: &WorkOrder) -> Vec<OrderState> {
    OrderState::ALL
        .iter()
        .copied()
        .filter(|to| *to != OrderState::Settled && check(roles, order, *to, None).is_ok())
        .collect()
}

/// A transition asked for by hand (the status buttons): as [`check_transition`], except that
/// an order is never settled by hand. It is settled when its payments cover its bill
/// ([`check_settle`]), so no order is marked settled with nothing paid.
pub fn check_manual_transition(
    roles: Roles,
    order: &WorkOrder,
    to: OrderState,
    reason: &str,
) -> Result<(), Problem> {
    if to == OrderState::Settled && rule(order.state, to).is_some() {
        return Err(Problem::new(Msg::SettleAtCheckout));
    }
    check_transition(roles, order, to, reason)
}

/// Settling an order whose payments cover its bill (the checkout decides that): the state
/// machine's rule for completed → settled, roles included.
pub fn check_settle(roles: Roles, order: &WorkOrder) -> Result<(), Problem> {
    check(roles, order, OrderState::Settled, None)
}

/// Checks a transition of `order` to `to` by someone with `roles`; `reason` as typed.
pub fn check_transition(
    roles: Roles,
    order: &WorkOrder,
    to: OrderState,
    reason: &str,
) -> Result<(), Problem> {
    check(roles, order, to, Some(reason))
}

/// [`check_transition`]; without a `reason`, whether one is needed is left out.
fn check(roles: Roles, order: &WorkOrder, to: OrderState, reason: Option<&str>) -> Result<(), Problem> {
    let from = order.state;
    let Some(rule) = rule(from, to) else {
        return Err(Problem::new(Msg::TransitionIllegal));
    };
    if !rule.roles.iter().any(|r| roles.has(*r)) {
        return Err(Problem::new(Msg::TransitionRole));
    }
    if rule.reason && reason.is_some_and(|r| r.trim().is_empty()) {
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
    // Parts the customer pays for must have left the stockroom (or be marked as not needed).
    if to == OrderState::Settled
        && let Some(line) = order.lines.iter().find(|l| !l.to_issue().is_zero())
    {
        return Err(Problem::with(Msg::PartsNotIssued, &[&line.no]));
    }
    Ok(())
}

impl OrderState {
    /// Whether the clocks of an order moved into this state keep running: only while in work or
    /// waiting for parts; any other state stops them.
    pub fn keeps_clocks(self) -> bool {
        matches!(self, OrderState::InProgress | OrderState::WaitingParts)
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::work_order::tests::{line, order, roles};
    use crate::domain::work_order::{Decision, LineKind};

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
    fn the_buttons_are_the_transitions_allowed_with_a_reason() {
        use Role::*;
        for from in OrderState::ALL.iter().copied() {
            let mut o = order(from);
            o.lines.push(line(1, LineKind::Labor, "1", "100"));
            o.lines[0].details.technician = Some(UserId(1));
            let everyone: [&[Role]; 4] = [&[Technician], &[Advisor], &[Cashier], &[Manager]];
            for who in everyone {
                let r = roles(who);
                let with_reason: Vec<OrderState> = OrderState::ALL
                    .iter()
                    .copied()
                    .filter(|to| check_transition(r, &o, *to, "a reason").is_ok())
                    .collect();
                let by_hand: Vec<OrderState> =
                    with_reason.into_iter().filter(|to| *to != OrderState::Settled).collect();
                assert_eq!(transitions_for(r, &o), by_hand, "{from:?} {who:?}");
            }
        }
    }

    #[test]
    fn an_order_is_settled_by_payment_never_by_hand() {
        let o = order(OrderState::Completed);
        let cashier = roles(&[Role::Cashier]);
        assert_eq!(
            check_manual_transition(cashier, &o, OrderState::Settled, "").unwrap_err().msg,
            Msg::SettleAtCheckout
        );
        assert!(!transitions_for(roles(&[Role::Admin]), &o).contains(&OrderState::Settled));
        assert!(check_settle(cashier, &o).is_ok());
        assert!(check_settle(roles(&[Role::Advisor]), &o).is_err());
        assert!(check_settle(cashier, &order(OrderState::QualityCheck)).is_err());
    }

    #[test]
    fn clocks_run_only_in_work_or_waiting_for_parts() {
        let running: Vec<OrderState> = OrderState::ALL.iter().copied().filter(|s| s.keeps_clocks()).collect();
        assert_eq!(running, vec![OrderState::InProgress, OrderState::WaitingParts]);
    }
}
