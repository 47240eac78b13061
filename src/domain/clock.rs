//! The shop floor's side of a work order: the time clock of each labour line (start, pause with
//! a reason, finish), and how the order's state follows the lines. (Parts asked for from the
//! phone are the order's: [`crate::domain::work_order::PartRequest`].)

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::field::Problem;
use super::role::{Role, Roles};
use super::user::UserId;
use super::work_order::{Decision, Line, OrderState, Transition, WorkOrder, check_transition};
use crate::i18n::Msg;

super::code::code_enum!(
    /// Why work on a line stopped; `Switched` when the technician started another line.
    PauseReason {
        WaitingParts = "waiting_parts" => PauseWaitingParts,
        WaitingApproval = "waiting_approval" => PauseWaitingApproval,
        Break = "break" => PauseBreak,
        Other = "other" => PauseOther,
        Switched = "switched" => PauseSwitched,
    }
);

/// One stretch of work on a line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub start: DateTime<Utc>,
    /// `None` while the clock runs.
    pub end: Option<DateTime<Utc>>,
    pub by: Option<UserId>,
    /// Why it ended, when it ended with a pause.
    #[serde(default)]
    pub pause: Option<PauseReason>,
}

/// Where a labour line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    NotStarted,
    Running,
    Paused(Option<PauseReason>),
    Finished,
}

impl Progress {
    pub fn label(self) -> Msg {
        match self {
            Progress::NotStarted => Msg::ProgressNotStarted,
            Progress::Running => Msg::ProgressRunning,
            Progress::Paused(_) => Msg::ProgressPaused,
            Progress::Finished => Msg::ProgressFinished,
        }
    }
}

impl Line {
    pub fn progress(&self) -> Progress {
        if self.finished_at.is_some() {
            return Progress::Finished;
        }
        match self.clock.last() {
            None => Progress::NotStarted,
            Some(i) if i.end.is_none() => Progress::Running,
            Some(i) => Progress::Paused(i.pause),
        }
    }

    /// Clocked time in seconds, the running interval counted up to `now`.
    pub fn worked_seconds(&self, now: DateTime<Utc>) -> i64 {
        self.clock.iter().map(|i| (i.end.unwrap_or(now) - i.start).num_seconds().max(0)).sum()
    }

    /// Clocked hours to two places, for showing beside the estimate.
    pub fn worked_hours(&self, now: DateTime<Utc>) -> Decimal {
        (Decimal::from(self.worked_seconds(now)) / Decimal::from(3600)).round_dp(2)
    }
}

/// What a technician (or the desk for them) does to a labour line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockAction {
    Start,
    Pause(PauseReason),
    Finish,
}

impl ClockAction {
    /// The form's `action` (`start`, `pause`, `finish`) and `reason`.
    pub fn parse(action: &str, reason: &str) -> Result<ClockAction, Problem> {
        match action.trim() {
            "start" => Ok(ClockAction::Start),
            "finish" => Ok(ClockAction::Finish),
            "pause" => match PauseReason::parse(reason) {
                Some(r) if r != PauseReason::Switched => Ok(ClockAction::Pause(r)),
                _ => Err(Problem::new(Msg::PauseReasonRequired)),
            },
            _ => Err(Problem::new(Msg::ChoiceInvalid)),
        }
    }
}

impl WorkOrder {
    /// Every live labour line is finished (there is at least one).
    pub fn labour_finished(&self) -> bool {
        let mut live =
            self.lines.iter().filter(|l| l.is_labour() && l.decision != Decision::Declined).peekable();
        live.peek().is_some() && live.all(|l| l.finished_at.is_some())
    }

    /// The running lines of the order, with whose clock they are.
    pub fn running(&self) -> Vec<(u32, Option<UserId>)> {
        self.lines
            .iter()
            .filter(|l| l.progress() == Progress::Running)
            .map(|l| (l.no, l.details.technician))
            .collect()
    }

    /// Applies a clock action to line `no`. `who` acts with `roles`: a technician only on a line
    /// assigned to them, the desk on any. The order's state follows: the first start moves it
    /// into work, a pause for parts to "waiting for parts" (when nothing else runs), a start
    /// back into work. Returns the state the order moved to, if it moved.
    pub fn clock(
        &mut self,
        no: u32,
        action: ClockAction,
        who: UserId,
        who_name: &str,
        roles: Roles,
        at: DateTime<Utc>,
    ) -> Result<Option<OrderState>, Problem> {
        let desk = [Role::Admin, Role::Manager, Role::Advisor].iter().any(|r| roles.has(*r));
        if !self.clock_line(no, action, who, desk, at)? {
            return Ok(None);
        }
        let next = match (self.state, action) {
            (OrderState::Open | OrderState::WaitingParts, ClockAction::Start) => Some(OrderState::InProgress),
            (OrderState::InProgress, ClockAction::Pause(PauseReason::WaitingParts))
                if self.running().is_empty() =>
            {
                Some(OrderState::WaitingParts)
            }
            _ => None,
        };
        let Some(to) = next.filter(|to| check_transition(roles, self, *to, "").is_ok()) else {
            return Ok(None);
        };
        self.history.push(Transition {
            from: self.state,
            to,
            at,
            by: Some(who),
            by_name: who_name.to_string(),
            reason: String::new(),
        });
        self.state = to;
        Ok(Some(to))
    }

    /// Pauses line `no` because its technician started another line (marked "switched"). Any
    /// line of theirs may be paused so, whoever started the other: it is what they asked for.
    /// A pause for this reason never moves the order.
    pub fn switch_away(&mut self, no: u32, who: UserId, at: DateTime<Utc>) -> Result<(), Problem> {
        self.clock_line(no, ClockAction::Pause(PauseReason::Switched), who, true, at).map(|_| ())
    }

    /// Stops the running clocks of the order, or of line `only` (when the order leaves work, a
    /// line changes hands, is declined or removed): each open stretch ends at `at`, paused for
    /// "other". Returns whose clock stopped on which line.
    pub fn stop_clocks(&mut self, only: Option<u32>, at: DateTime<Utc>) -> Vec<(UserId, u32)> {
        let mut stopped = Vec::new();
        for line in self.lines.iter_mut().filter(|l| only.is_none_or(|n| n == l.no)) {
            if let Some(open) = line.clock.last_mut().filter(|i| i.end.is_none()) {
                open.end = Some(at);
                open.pause = Some(PauseReason::Other);
                if let Some(tech) = open.by {
                    stopped.push((tech, line.no));
                }
            }
        }
        stopped
    }

    /// The clock action on the line itself; `desk` may act on any line, others only on their
    /// own. Returns whether anything changed (a second start or finish changes nothing).
    fn clock_line(
        &mut self,
        no: u32,
        action: ClockAction,
        who: UserId,
        desk: bool,
        at: DateTime<Utc>,
    ) -> Result<bool, Problem> {
        if !matches!(self.state, OrderState::Open | OrderState::InProgress | OrderState::WaitingParts) {
            return Err(Problem::new(Msg::OrderNotInWork));
        }
        let line = self.lines.iter_mut().find(|l| l.no == no).ok_or(Problem::new(Msg::LineUnknown))?;
        if !line.is_labour() || line.decision == Decision::Declined {
            return Err(Problem::new(Msg::LineUnknown));
        }
        if !desk && line.details.technician != Some(who) {
            return Err(Problem::new(Msg::NotYourLine));
        }
        let progress = line.progress();
        let clock_of = line.details.technician.or(Some(who));
        match action {
            ClockAction::Start => match progress {
                Progress::Finished => return Err(Problem::new(Msg::LineAlreadyFinished)),
                // A second tap on "start" changes nothing.
                Progress::Running => return Ok(false),
                _ => line.clock.push(Interval { start: at, end: None, by: clock_of, pause: None }),
            },
            ClockAction::Pause(reason) => match (progress, line.clock.last_mut()) {
                (Progress::Running, Some(open)) => {
                    open.end = Some(at);
                    open.pause = Some(reason);
                }
                _ => return Err(Problem::new(Msg::LineNotRunning)),
            },
            ClockAction::Finish => {
                if progress == Progress::Finished {
                    return Ok(false);
                }
                if let Some(open) = line.clock.last_mut().filter(|i| i.end.is_none()) {
                    open.end = Some(at);
                }
                line.finished_at = Some(at);
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::customer::CustomerId;
    use crate::domain::vehicle::VehicleId;
    use crate::domain::work_order::{LineDetails, LineKind, Reception};

    const TECH: UserId = UserId(5);
    const OTHER: UserId = UserId(6);

    fn tech() -> Roles {
        Roles::of(&[Role::Technician])
    }

    fn order() -> WorkOrder {
        let now = Utc::now();
        let line = |no, technician| {
            let details = LineDetails {
                kind: LineKind::Labor,
                description: format!("job {no}"),
                qty: Decimal::ONE,
                unit_price: Decimal::from(100),
                part_id: None,
                technician,
            };
            Line { decision: Decision::Approved, decided_in: Some(1), ..Line::new(no, details, now, None) }
        };
        let reception = Reception {
            mileage: None,
            fuel: None,
            complaint: "noise".into(),
            items_left: String::new(),
            promised_at: None,
            advisor: None,
        };
        let mut o = WorkOrder::new(VehicleId(1), CustomerId(1), OrderState::Open, reception, now, None);
        o.lines = vec![line(1, Some(TECH)), line(2, Some(OTHER))];
        o.next_line = 3;
        o.estimate_version = 2;
        o
    }

    fn at(minutes: i64) -> DateTime<Utc> {
        "2026-11-28T01:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::Duration::minutes(minutes)
    }

    #[test]
    fn the_first_start_puts_the_order_in_work_and_time_is_clocked_per_interval() {
        let mut o = order();
        assert_eq!(
            o.clock(1, ClockAction::Start, TECH, "张", tech(), at(0)).unwrap(),
            Some(OrderState::InProgress)
        );
        assert_eq!(o.history.last().unwrap().by, Some(TECH));
        assert_eq!(
            o.clock(1, ClockAction::Start, TECH, "张", tech(), at(1)).unwrap(),
            None,
            "a double tap is harmless"
        );
        o.clock(1, ClockAction::Pause(PauseReason::Break), TECH, "张", tech(), at(30)).unwrap();
        assert_eq!(o.line(1).unwrap().progress(), Progress::Paused(Some(PauseReason::Break)));
        o.clock(1, ClockAction::Start, TECH, "张", tech(), at(45)).unwrap();
        o.clock(1, ClockAction::Finish, TECH, "张", tech(), at(75)).unwrap();
        let l = o.line(1).unwrap();
        assert_eq!(l.progress(), Progress::Finished);
        assert_eq!(l.worked_seconds(at(999)), 60 * 60);
        assert_eq!(l.worked_hours(at(999)), Decimal::ONE);
        assert_eq!(l.clock.len(), 2);
        assert_eq!(
            o.clock(1, ClockAction::Start, TECH, "张", tech(), at(80)).unwrap_err().msg,
            Msg::LineAlreadyFinished
        );
    }

    #[test]
    fn a_technician_acts_only_on_their_own_lines_and_the_desk_on_any() {
        let mut o = order();
        assert_eq!(
            o.clock(2, ClockAction::Start, TECH, "张", tech(), at(0)).unwrap_err().msg,
            Msg::NotYourLine
        );
        assert_eq!(o.state, OrderState::Open, "nothing changed");
        let advisor = Roles::of(&[Role::Advisor]);
        o.clock(2, ClockAction::Start, UserId(9), "王", advisor, at(0)).unwrap();
        assert_eq!(o.line(2).unwrap().clock[0].by, Some(OTHER), "the clock is the assigned technician's");
        assert_eq!(
            o.clock(9, ClockAction::Start, TECH, "张", tech(), at(0)).unwrap_err().msg,
            Msg::LineUnknown
        );
    }

    #[test]
    fn a_pause_for_parts_waits_for_parts_only_when_nothing_else_runs() {
        let mut o = order();
        o.clock(1, ClockAction::Start, TECH, "张", tech(), at(0)).unwrap();
        o.clock(2, ClockAction::Start, OTHER, "李", tech(), at(1)).unwrap();
        assert_eq!(
            o.clock(1, ClockAction::Pause(PauseReason::WaitingParts), TECH, "张", tech(), at(10)).unwrap(),
            None
        );
        let moved =
            o.clock(2, ClockAction::Pause(PauseReason::WaitingParts), OTHER, "李", tech(), at(11)).unwrap();
        assert_eq!(moved, Some(OrderState::WaitingParts));
        assert_eq!(
            o.clock(1, ClockAction::Start, TECH, "张", tech(), at(60)).unwrap(),
            Some(OrderState::InProgress)
        );
        assert_eq!(
            o.clock(2, ClockAction::Pause(PauseReason::Break), OTHER, "李", tech(), at(61)).unwrap_err().msg,
            Msg::LineNotRunning
        );
    }

    #[test]
    fn quality_check_from_the_floor_needs_every_line_finished() {
        let mut o = order();
        o.clock(1, ClockAction::Start, TECH, "张", tech(), at(0)).unwrap();
        o.clock(1, ClockAction::Finish, TECH, "张", tech(), at(10)).unwrap();
        assert_eq!(
            check_transition(tech(), &o, OrderState::QualityCheck, "").unwrap_err().msg,
            Msg::FinishLinesFirst
        );
        o.clock(2, ClockAction::Finish, OTHER, "李", tech(), at(20)).unwrap();
        assert!(o.labour_finished());
        assert!(check_transition(tech(), &o, OrderState::QualityCheck, "").is_ok());
        o.state = OrderState::QualityCheck;
        assert_eq!(
            o.clock(1, ClockAction::Start, TECH, "张", tech(), at(30)).unwrap_err().msg,
            Msg::OrderNotInWork
        );
    }

    #[test]
    fn actions_and_requests_are_parsed_from_the_form() {
        assert_eq!(
            ClockAction::parse("pause", "waiting_parts").unwrap(),
            ClockAction::Pause(PauseReason::WaitingParts)
        );
        assert_eq!(ClockAction::parse("pause", "").unwrap_err().msg, Msg::PauseReasonRequired);
        assert_eq!(ClockAction::parse("pause", "switched").unwrap_err().msg, Msg::PauseReasonRequired);
        assert_eq!(ClockAction::parse("explode", "").unwrap_err().msg, Msg::ChoiceInvalid);
    }

    #[test]
    fn switching_away_pauses_the_line_whoever_started_the_other_and_keeps_the_state() {
        let mut o = order();
        o.clock(2, ClockAction::Start, OTHER, "李", tech(), at(0)).unwrap();
        o.switch_away(2, TECH, at(10)).unwrap();
        assert_eq!(o.line(2).unwrap().progress(), Progress::Paused(Some(PauseReason::Switched)));
        assert_eq!(o.state, OrderState::InProgress);
        assert_eq!(o.switch_away(2, TECH, at(11)).unwrap_err().msg, Msg::LineNotRunning);
    }

    #[test]
    fn stopping_the_clocks_ends_each_running_stretch_and_says_whose() {
        let mut o = order();
        o.clock(1, ClockAction::Start, TECH, "张", tech(), at(0)).unwrap();
        o.clock(2, ClockAction::Start, OTHER, "李", tech(), at(0)).unwrap();
        assert_eq!(o.stop_clocks(Some(2), at(5)), vec![(OTHER, 2)]);
        assert_eq!(o.line(2).unwrap().progress(), Progress::Paused(Some(PauseReason::Other)));
        assert_eq!(o.line(1).unwrap().progress(), Progress::Running);
        assert_eq!(o.stop_clocks(None, at(6)), vec![(TECH, 1)]);
        assert!(o.running().is_empty());
        assert_eq!(o.stop_clocks(None, at(7)), vec![], "nothing runs any more");
    }
}
