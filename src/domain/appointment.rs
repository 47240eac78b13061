//! Appointments (预约): a car booked into the shop at a time, for an expected piece of work, in a
//! bay or with a technician.
//!
//! What must stay true: an appointment's times are UTC (shown and typed in the shop's zone); it
//! lies within one shop-local day's opening hours when it is booked or moved; two live
//! appointments (booked, arrived or turned into an order) of the same bay or the same technician
//! do not overlap unless the advisor confirmed the overbooking, which the record keeps. An
//! appointment turned into an order names it, and the order names the appointment.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::field::{FieldErrors, Problem, number_in, optional_text, required_text};
use super::work_order::{OrderId, parse_local_time};
use super::{CustomerId, UserId, VehicleId};
use crate::i18n::Msg;

/// An appointment's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AppointmentId(pub u64);

impl std::fmt::Display for AppointmentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

crate::domain::code::code_enum!(
    /// Where an appointment stands.
    AppointmentStatus {
        Booked = "booked" => ApptBooked,
        Arrived = "arrived" => ApptArrived,
        NoShow = "no_show" => ApptNoShow,
        Cancelled = "cancelled" => ApptCancelled,
        Converted = "converted" => ApptConverted,
    }
);

impl AppointmentStatus {
    /// Whether it still holds its bay and technician (a no-show or a cancellation frees them).
    pub fn holds_slot(self) -> bool {
        matches!(self, AppointmentStatus::Booked | AppointmentStatus::Arrived | AppointmentStatus::Converted)
    }

    /// Whether it may still be edited, moved, cancelled or marked.
    pub fn is_open(self) -> bool {
        matches!(self, AppointmentStatus::Booked | AppointmentStatus::Arrived)
    }
}

crate::domain::code::code_enum!(
    /// What the calendar's columns are: the shop's bays or its technicians.
    CalendarBy { Bay = "bay" => CalendarByBay, Technician = "technician" => CalendarByTechnician }
);

/// The shortest and longest booking, in minutes; times and durations go in steps of this.
pub const STEP_MINUTES: u32 = 15;
pub const MAX_MINUTES: u32 = 12 * 60;

/// What is booked: when, how long, for what, where and with whom.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Booking {
    pub start: DateTime<Utc>,
    pub minutes: u32,
    /// The expected work (the order's complaint when the car comes in).
    pub work: String,
    /// A service template whose lines the order gets.
    #[serde(default)]
    pub template_id: Option<u64>,
    /// One of the shop's bays, by name.
    #[serde(default)]
    pub bay: Option<String>,
    #[serde(default)]
    pub technician: Option<UserId>,
    #[serde(default)]
    pub notes: String,
}

impl Booking {
    pub fn end(&self) -> DateTime<Utc> {
        self.start + Duration::minutes(i64::from(self.minutes))
    }

    /// Whether the two share a bay or a technician at some moment (touching ends do not).
    pub fn clashes_with(&self, other: &Booking) -> bool {
        let overlap = self.start < other.end() && other.start < self.end();
        let same_bay = self.bay.is_some() && self.bay == other.bay;
        let same_tech = self.technician.is_some() && self.technician == other.technician;
        overlap && (same_bay || same_tech)
    }
}

/// A stored appointment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Appointment {
    pub id: AppointmentId,
    pub customer_id: CustomerId,
    pub vehicle_id: VehicleId,
    #[serde(flatten)]
    pub booking: Booking,
    pub status: AppointmentStatus,
    /// Why it was cancelled.
    #[serde(default)]
    pub reason: String,
    /// The order it was turned into.
    #[serde(default)]
    pub order_id: Option<OrderId>,
    /// The advisor booked it over another booking on purpose.
    #[serde(default)]
    pub overbooked: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// The booking form as typed.
#[derive(Clone, Debug, Default)]
pub struct BookingInput {
    /// `YYYY-MM-DDTHH:MM` in the shop's time.
    pub start: String,
    pub minutes: String,
    pub work: String,
    pub template_id: String,
    pub bay: String,
    pub technician_id: String,
    pub notes: String,
}

/// What the check needs to know about the shop.
pub struct BookingRules<'a> {
    pub tz: chrono_tz::Tz,
    pub opening: NaiveTime,
    pub closing: NaiveTime,
    pub bays: &'a [String],
    pub technicians: &'a [UserId],
    /// Templates that may be chosen, with their name and labour hours (the default duration).
    pub templates: &'a [(u64, String, u32)],
}

impl Booking {
    /// Checks the form: a time in the shop's zone within opening hours on one day, a duration
    /// in quarter hours (a template's labour hours when left empty), the work (the template's
    /// name when left empty), a bay the shop has, a technician who is one.
    pub fn check(input: &BookingInput, rules: &BookingRules) -> Result<Booking, FieldErrors> {
        let mut e = FieldErrors::new();
        let template = match input.template_id.trim() {
            "" => None,
            t => e.check(
                "template_id",
                t.parse::<u64>()
                    .ok()
                    .and_then(|id| rules.templates.iter().find(|(tid, _, _)| *tid == id))
                    .ok_or(Problem::new(Msg::ChoiceInvalid)),
            ),
        };
        let start = e.check("start", parse_local_time(input.start.trim(), rules.tz));
        let minutes = match (input.minutes.trim(), template) {
            ("", Some((_, _, m))) if *m > 0 => Some(*m),
            ("", _) => {
                e.add("minutes", Msg::Required);
                None
            }
            (m, _) => e.check(
                "minutes",
                number_in(m, STEP_MINUTES, MAX_MINUTES).and_then(|m| {
                    if m % STEP_MINUTES == 0 { Ok(m) } else { Err(Problem::new(Msg::ApptMinutesStep)) }
                }),
            ),
        };
        let work = match (input.work.trim(), template) {
            ("", Some((_, name, _))) => Some(name.clone()),
            (w, _) => e.check("work", required_text(w, 500)),
        };
        let bay = match input.bay.trim() {
            "" => None,
            b => e.check(
                "bay",
                rules
                    .bays
                    .iter()
                    .find(|x| x.as_str() == b)
                    .cloned()
                    .map(Some)
                    .ok_or(Problem::new(Msg::ChoiceInvalid)),
            ),
        }
        .flatten();
        let technician = match input.technician_id.trim() {
            "" => None,
            t => e.check(
                "technician_id",
                t.parse::<u64>()
                    .ok()
                    .map(UserId)
                    .filter(|id| rules.technicians.contains(id))
                    .map(Some)
                    .ok_or(Problem::new(Msg::ChoiceInvalid)),
            ),
        }
        .flatten();
        let notes = e.check("notes", optional_text(&input.notes, 500));
        if let (Some(start), Some(minutes)) = (start, minutes)
            && !within_hours(start, minutes, rules)
        {
            let hours = format!("{}–{}", rules.opening.format("%H:%M"), rules.closing.format("%H:%M"));
            e.add("start", Problem::with(Msg::ApptOutsideHours, &[&hours]));
        }
        if let Some(start) = start
            && start.with_timezone(&rules.tz).minute() % STEP_MINUTES != 0
        {
            e.add("start", Msg::ApptMinutesStep);
        }
        e.into_result(|| Booking {
            start: start.unwrap_or_default(),
            minutes: minutes.unwrap_or(STEP_MINUTES),
            work: work.unwrap_or_default(),
            template_id: template.map(|(id, _, _)| *id),
            bay,
            technician,
            notes: notes.unwrap_or_default(),
        })
    }

    /// The booking as the form shows it for editing.
    pub fn to_input(&self, tz: chrono_tz::Tz) -> BookingInput {
        BookingInput {
            start: self.start.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string(),
            minutes: self.minutes.to_string(),
            work: self.work.clone(),
            template_id: self.template_id.map(|t| t.to_string()).unwrap_or_default(),
            bay: self.bay.clone().unwrap_or_default(),
            technician_id: self.technician.map(|t| t.to_string()).unwrap_or_default(),
            notes: self.notes.clone(),
        }
    }
}

/// Whether `minutes` from `start` lie within the opening hours of the shop-local day it starts.
pub fn within_hours(start: DateTime<Utc>, minutes: u32, rules: &BookingRules) -> bool {
    let local = start.with_timezone(&rules.tz);
    let end = (start + Duration::minutes(i64::from(minutes))).with_timezone(&rules.tz);
    local.date_naive() == end.date_naive() && local.time() >= rules.opening && end.time() <= rules.closing
}

/// The local day an appointment starts on.
pub fn local_day(start: DateTime<Utc>, tz: chrono_tz::Tz) -> NaiveDate {
    start.with_timezone(&tz).date_naive()
}

/// The Monday of the week `day` is in.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// Total labour hours of a template's lines as minutes, rounded up to the step (0 if none).
pub fn labour_minutes(lines: &[super::template::TemplateLine]) -> u32 {
    use rust_decimal::prelude::ToPrimitive;
    let hours: rust_decimal::Decimal =
        lines.iter().filter(|l| l.kind == super::work_order::LineKind::Labor).map(|l| l.qty).sum();
    let minutes = (hours * rust_decimal::Decimal::from(60)).ceil().to_u32().unwrap_or(0);
    minutes.div_ceil(STEP_MINUTES).saturating_mul(STEP_MINUTES).min(MAX_MINUTES)
}

/// A cancellation's reason: required, short.
pub fn check_reason(reason: &str) -> Result<String, FieldErrors> {
    required_text(reason, 200).map_err(|p| FieldErrors::one("reason", p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        TZ.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
    }

    fn booking(start: DateTime<Utc>, minutes: u32, bay: Option<&str>, tech: Option<u64>) -> Booking {
        Booking {
            start,
            minutes,
            work: "保养".into(),
            template_id: None,
            bay: bay.map(String::from),
            technician: tech.map(UserId),
            notes: String::new(),
        }
    }

    fn rules<'a>(bays: &'a [String], techs: &'a [UserId]) -> BookingRules<'a> {
        BookingRules {
            tz: TZ,
            opening: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            closing: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            bays,
            technicians: techs,
            templates: &[],
        }
    }

    #[test]
    fn bookings_clash_on_a_shared_bay_or_technician_but_not_end_to_end() {
        let ten = local(2026, 12, 8, 10, 0);
        let a = booking(ten, 60, Some("1"), Some(7));
        assert!(a.clashes_with(&booking(local(2026, 12, 8, 10, 30), 60, Some("1"), None)));
        assert!(a.clashes_with(&booking(local(2026, 12, 8, 9, 30), 60, Some("2"), Some(7))));
        assert!(!a.clashes_with(&booking(local(2026, 12, 8, 11, 0), 60, Some("1"), Some(7))), "adjacent");
        assert!(!a.clashes_with(&booking(local(2026, 12, 8, 9, 0), 60, Some("1"), Some(7))), "adjacent");
        assert!(!a.clashes_with(&booking(ten, 60, Some("2"), Some(8))), "elsewhere, someone else");
        assert!(!booking(ten, 60, None, None).clashes_with(&booking(ten, 60, None, None)), "nothing shared");
    }

    #[test]
    fn a_booking_lies_within_one_local_day_of_opening_hours() {
        let bays = ["1".to_string()];
        let r = rules(&bays, &[]);
        assert!(within_hours(local(2026, 12, 8, 8, 0), 60, &r));
        assert!(within_hours(local(2026, 12, 8, 17, 0), 60, &r), "ends at closing");
        assert!(!within_hours(local(2026, 12, 8, 7, 45), 30, &r));
        assert!(!within_hours(local(2026, 12, 8, 17, 30), 60, &r));
        let input = BookingInput {
            start: "明天七点".into(),
            minutes: "50".into(),
            bay: "9".into(),
            ..Default::default()
        };
        let e = Booking::check(&input, &r).unwrap_err();
        for field in ["start", "minutes", "work", "bay"] {
            assert!(e.get(field).is_some(), "{field}");
        }
        let early = BookingInput {
            start: "2026-12-08T07:00".into(),
            minutes: "60".into(),
            work: "x".into(),
            ..input
        };
        assert_eq!(Booking::check(&early, &r).unwrap_err().get("start").unwrap().msg, Msg::ApptOutsideHours);
    }

    #[test]
    fn times_are_typed_in_the_shops_zone_and_stored_in_utc() {
        let bays: [String; 0] = [];
        let r = rules(&bays, &[]);
        let input = BookingInput {
            start: "2026-12-08T08:15".into(),
            minutes: "45".into(),
            work: "检查".into(),
            ..Default::default()
        };
        let b = Booking::check(&input, &r).unwrap();
        assert_eq!(b.start, Utc.with_ymd_and_hms(2026, 12, 8, 0, 15, 0).unwrap());
        assert_eq!(local_day(b.start, TZ), NaiveDate::from_ymd_opt(2026, 12, 8).unwrap());
        assert_eq!(b.to_input(TZ).start, "2026-12-08T08:15");
    }

    #[test]
    fn a_templates_labour_hours_round_up_to_quarter_hours() {
        use super::super::template::TemplateLine;
        use super::super::work_order::LineKind;
        let line = |kind, qty| TemplateLine { kind, description: "x".into(), qty, unit_price: None };
        let lines = [
            line(LineKind::Labor, rust_decimal::Decimal::new(12, 1)),
            line(LineKind::Part, rust_decimal::Decimal::from(4)),
        ];
        assert_eq!(labour_minutes(&lines), 75);
        assert_eq!(labour_minutes(&[]), 0);
    }

    #[test]
    fn week_starts_on_monday() {
        let sunday = NaiveDate::from_ymd_opt(2026, 12, 13).unwrap();
        assert_eq!(week_start(sunday), NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
    }
}
