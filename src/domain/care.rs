//! Customer care (客户关怀): the due lists (提醒) an advisor works through, and the rules behind
//! them. Pure: the store keeps each entry indexed by the day it falls due (see `store::care`).
//!
//! - [`DueKind`]: the seven lists. Vehicle lists are keyed by the vehicle, the others by the
//!   customer.
//! - [`deferred_due_day`]: when work a customer declined is followed up (a red finding sooner
//!   than a yellow one).
//! - [`km_due_day`]: the day a car is expected to reach its next service mileage, from its
//!   odometer readings (km per day), with irregular readings handled.
//! - [`birthday_key`] and [`birthday_keys`]: birthdays by month and day, a window that runs across
//!   a year end, 29 February in a year without one.
//! - [`dormant_cutoff`]: the last visit day that makes a customer dormant after N months.
//! - [`Outcome`]: what came of an entry (called, messaged, booked…), how long it sleeps after.
//! - [`render_message`]: a message template filled in for one entry.

use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::customer::ContactKind;
use super::inspection::Rating;
use crate::i18n::{Lang, Msg};

super::code::code_enum!(
    /// A due list. The stored number ([`DueKind::key`]) never changes once data holds it.
    DueKind {
        ServiceDate = "service_date" => CareServiceDate,
        ServiceKm = "service_km" => CareServiceKm,
        Insurance = "insurance" => CareInsurance,
        Inspection = "inspection" => CareInspection,
        Birthday = "birthday" => CareBirthday,
        Dormant = "dormant" => CareDormant,
        Deferred = "deferred" => CareDeferred,
    }
);

impl DueKind {
    /// The number the index stores for the list.
    pub fn key(self) -> u8 {
        match self {
            DueKind::ServiceDate => 1,
            DueKind::ServiceKm => 2,
            DueKind::Insurance => 3,
            DueKind::Inspection => 4,
            DueKind::Birthday => 5,
            DueKind::Dormant => 6,
            DueKind::Deferred => 7,
        }
    }

    pub fn from_key(key: u8) -> Option<DueKind> {
        DueKind::ALL.iter().copied().find(|k| k.key() == key)
    }

    /// Whether entries of the list are vehicles (else customers).
    pub fn per_vehicle(self) -> bool {
        matches!(
            self,
            DueKind::ServiceDate
                | DueKind::ServiceKm
                | DueKind::Insurance
                | DueKind::Inspection
                | DueKind::Deferred
        )
    }

    pub const VEHICLE: [DueKind; 5] = [
        DueKind::ServiceDate,
        DueKind::ServiceKm,
        DueKind::Insurance,
        DueKind::Inspection,
        DueKind::Deferred,
    ];
}

/// Days after the customer declined a red finding's work until the shop asks again.
pub const DEFERRED_RED_DAYS: i64 = 14;
/// Days after the customer declined a yellow (or unrated) finding's work until the shop asks.
pub const DEFERRED_OTHER_DAYS: i64 = 42;

/// The day work the customer declined on `declined_on` is followed up: two weeks on for a red
/// finding (a safety matter), six weeks for the others. A car's entry on the list falls due on
/// the earliest of its deferred findings' days.
pub fn deferred_due_day(declined_on: NaiveDate, rating: Option<Rating>) -> NaiveDate {
    let days = if rating == Some(Rating::Red) { DEFERRED_RED_DAYS } else { DEFERRED_OTHER_DAYS };
    declined_on + Duration::days(days)
}

/// One odometer reading: the shop-local day it was taken and the km shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reading {
    pub day: NaiveDate,
    pub km: u32,
}

/// Readings further apart than this give the rate; closer ones say too little.
const MIN_SPAN_DAYS: i64 = 14;
/// The rate is taken over the readings of the last two years of the car's history.
const RATE_WINDOW_DAYS: i64 = 730;
/// A car is assumed to run at least this much and at most this much a day.
const MIN_KM_PER_DAY: f64 = 1.0;
const MAX_KM_PER_DAY: f64 = 400.0;
/// A car's due day is not estimated further ahead than this from its last reading.
const MAX_AHEAD_DAYS: i64 = 3 * 365;

/// Kilometres a day from the readings, or `None` when they do not tell.
///
/// Irregular readings: several on one day count as the highest; a reading lower than the one
/// before (an instrument cluster replaced, a typo corrected) starts the history anew from it;
/// a reading that implies an impossible pace (more than [`MAX_KM_PER_DAY`] since the one
/// before, a typo with a digit too many) is left out. The rate is the distance over the days
/// between the first and the last reading of the last two years, which are at least
/// [`MIN_SPAN_DAYS`] apart.
pub fn km_per_day(readings: &[Reading]) -> Option<f64> {
    let clean = clean_readings(readings);
    let last = *clean.last()?;
    let first = clean.iter().find(|r| (last.day - r.day).num_days() <= RATE_WINDOW_DAYS)?;
    let days = (last.day - first.day).num_days();
    if days < MIN_SPAN_DAYS {
        return None;
    }
    let rate = f64::from(last.km - first.km) / days as f64;
    Some(rate.clamp(MIN_KM_PER_DAY, MAX_KM_PER_DAY))
}

/// The readings in day order with the irregular ones handled (see [`km_per_day`]).
pub fn clean_readings(readings: &[Reading]) -> Vec<Reading> {
    let mut sorted = readings.to_vec();
    sorted.sort();
    let mut out: Vec<Reading> = Vec::with_capacity(sorted.len());
    for r in sorted {
        match out.last_mut() {
            Some(last) if last.day == r.day => last.km = last.km.max(r.km),
            Some(last) if r.km < last.km => {
                out.clear();
                out.push(r);
            }
            Some(last) => {
                let days = (r.day - last.day).num_days().max(1) as f64;
                if f64::from(r.km - last.km) / days <= MAX_KM_PER_DAY {
                    out.push(r);
                }
            }
            None => out.push(r),
        }
    }
    out
}

/// The day the car is expected to show `target` km: the last reading's day if it already does,
/// else the last reading plus the km still to go at the car's pace. `None` without a pace.
pub fn km_due_day(readings: &[Reading], target: u32) -> Option<NaiveDate> {
    let clean = clean_readings(readings);
    let last = *clean.last()?;
    if last.km >= target {
        return Some(last.day);
    }
    let rate = km_per_day(&clean)?;
    let days = (f64::from(target - last.km) / rate).ceil() as i64;
    Some(last.day + Duration::days(days.min(MAX_AHEAD_DAYS)))
}

/// The km the car is expected to show on `day`, from its readings.
pub fn km_on(readings: &[Reading], day: NaiveDate) -> Option<u32> {
    let clean = clean_readings(readings);
    let last = *clean.last()?;
    let rate = km_per_day(&clean).unwrap_or(0.0);
    let days = (day - last.day).num_days().max(0) as f64;
    Some(last.km + (rate * days).round() as u32)
}

/// A birthday as the index keeps it: month × 100 + day (0229 for 29 February).
pub fn birthday_key(birthday: NaiveDate) -> i32 {
    birthday.month() as i32 * 100 + birthday.day() as i32
}

/// The birthday keys falling on `days` days from `from` on, in order, each with the date it
/// falls on this time. Runs across a year end; in a year without 29 February, those born on it
/// are greeted on the 28th.
pub fn birthday_keys(from: NaiveDate, days: u32) -> Vec<(i32, NaiveDate)> {
    let mut out = Vec::with_capacity(days as usize + 1);
    for n in 0..days {
        let day = from + Duration::days(i64::from(n));
        out.push((birthday_key(day), day));
        let leap = NaiveDate::from_ymd_opt(day.year(), 2, 29).is_some();
        if !leap && day.month() == 2 && day.day() == 28 {
            out.push((229, day));
        }
    }
    out
}

/// The next day, from `today` on, that a customer born on `birthday` has a birthday.
pub fn next_birthday(birthday: NaiveDate, today: NaiveDate) -> NaiveDate {
    let on = |year: i32| {
        NaiveDate::from_ymd_opt(year, birthday.month(), birthday.day())
            .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
            .expect("a valid day")
    };
    let this_year = on(today.year());
    if this_year >= today { this_year } else { on(today.year() + 1) }
}

/// The age a customer born on `birthday` turns on `day`.
pub fn age_on(birthday: NaiveDate, day: NaiveDate) -> i32 {
    day.year() - birthday.year()
}

/// Customers whose last visit was on or before this day have been away `months` months on
/// `today`: the same day of the month `months` back (the month's last day where it is shorter).
pub fn dormant_cutoff(today: NaiveDate, months: u32) -> NaiveDate {
    today.checked_sub_months(Months::new(months)).unwrap_or(NaiveDate::MIN)
}

super::code::code_enum!(
    /// What came of working an entry of a due list; each goes into the contact history.
    Outcome {
        Called = "called" => OutcomeCalled,
        Messaged = "messaged" => OutcomeMessaged,
        Booked = "booked" => OutcomeBooked,
        NotInterested = "not_interested" => OutcomeNotInterested,
        WrongNumber = "wrong_number" => OutcomeWrongNumber,
    }
);

impl Outcome {
    /// How the contact is logged in the customer's history.
    pub fn contact_kind(self) -> ContactKind {
        match self {
            Outcome::Messaged => ContactKind::Message,
            _ => ContactKind::Call,
        }
    }

    /// How long the entry sleeps after this outcome, in days: a call or a message is followed
    /// up in a week, a booking has its appointment, a refusal or a wrong number waits a
    /// quarter (the number is for someone to correct first).
    pub fn snooze_days(self) -> i64 {
        match self {
            Outcome::Called | Outcome::Messaged => 7,
            Outcome::Booked => 30,
            Outcome::NotInterested | Outcome::WrongNumber => 90,
        }
    }
}

/// What a message template may say about one entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MessageFacts {
    pub name: String,
    pub plate: String,
    pub due: String,
    pub shop_name: String,
    pub shop_phone: String,
}

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 5] = ["{name}", "{plate}", "{due}", "{shop}", "{shop_phone}"];

/// The list's message in `lang` with its placeholders filled in. Unknown braces stay as typed.
pub fn render_message(kind: DueKind, lang: Lang, facts: &MessageFacts) -> String {
    let mut template = lang.t(template_msg(kind)).to_string();
    if facts.shop_phone.trim().is_empty() {
        // No number to call: the sentence ends before it.
        for lead in ["：{shop_phone}", ": {shop_phone}", " {shop_phone}"] {
            template = template.replace(lead, "");
        }
    }
    template
        .replace("{name}", &facts.name)
        .replace("{plate}", &facts.plate)
        .replace("{due}", &facts.due)
        .replace("{shop_phone}", &facts.shop_phone)
        .replace("{shop}", &facts.shop_name)
}

fn template_msg(kind: DueKind) -> Msg {
    match kind {
        DueKind::ServiceDate | DueKind::ServiceKm => Msg::CareTplService,
        DueKind::Insurance => Msg::CareTplInsurance,
        DueKind::Inspection => Msg::CareTplInspection,
        DueKind::Birthday => Msg::CareTplBirthday,
        DueKind::Dormant => Msg::CareTplDormant,
        DueKind::Deferred => Msg::CareTplDeferred,
    }
}

/// A snooze in force on `today`: the entry is hidden until the day after `until`.
pub fn snoozed(until: Option<NaiveDate>, today: NaiveDate) -> bool {
    until.is_some_and(|u| u >= today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn r(day: &str, km: u32) -> Reading {
        Reading { day: d(day), km }
    }

    #[test]
    fn the_pace_is_the_distance_over_the_days_between_readings() {
        let readings = [r("2026-01-01", 10_000), r("2026-04-11", 13_000)];
        assert_eq!(km_per_day(&readings), Some(30.0));
        // 2000 km to go at 30 a day: 67 days after the last reading.
        assert_eq!(km_due_day(&readings, 15_000), Some(d("2026-04-11") + Duration::days(67)));
        assert_eq!(km_on(&readings, d("2026-04-21")), Some(13_300));
    }

    #[test]
    fn irregular_readings_are_handled() {
        // Out of order, twice on one day, a typo with a digit too many, then a new cluster.
        let readings = [
            r("2026-03-01", 12_000),
            r("2026-01-01", 10_000),
            r("2026-03-01", 12_100),
            r("2026-03-10", 121_000),
        ];
        let clean = clean_readings(&readings);
        assert_eq!(clean, vec![r("2026-01-01", 10_000), r("2026-03-01", 12_100)]);
        let after_cluster = [r("2025-01-01", 90_000), r("2026-01-01", 100_000), r("2026-02-01", 500)];
        assert_eq!(clean_readings(&after_cluster), vec![r("2026-02-01", 500)]);
        assert_eq!(km_per_day(&after_cluster), None, "one reading tells no pace");
        assert_eq!(km_due_day(&after_cluster, 5_000), None);
    }

    #[test]
    fn too_close_readings_give_no_pace_and_past_targets_are_due_at_once() {
        let close = [r("2026-01-01", 10_000), r("2026-01-05", 10_400)];
        assert_eq!(km_per_day(&close), None);
        assert_eq!(km_due_day(&close, 10_000), Some(d("2026-01-05")));
        let parked = [r("2024-06-01", 10_000), r("2026-01-01", 10_010)];
        assert_eq!(km_per_day(&parked), Some(MIN_KM_PER_DAY), "a parked car still ages");
        assert_eq!(km_due_day(&parked, 20_000), Some(d("2026-01-01") + Duration::days(MAX_AHEAD_DAYS)));
    }

    #[test]
    fn the_pace_follows_the_last_two_years() {
        let readings = [r("2018-01-01", 0), r("2025-01-01", 100_000), r("2026-01-01", 110_950)];
        assert_eq!(km_per_day(&readings), Some(30.0));
    }

    #[test]
    fn birthday_windows_run_across_the_year_end_and_keep_29_february() {
        let keys: Vec<i32> = birthday_keys(d("2026-12-29"), 7).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec![1229, 1230, 1231, 101, 102, 103, 104]);
        let feb: Vec<i32> = birthday_keys(d("2027-02-27"), 3).into_iter().map(|(k, _)| k).collect();
        assert_eq!(feb, vec![227, 228, 229, 301]);
        let leap: Vec<i32> = birthday_keys(d("2028-02-28"), 2).into_iter().map(|(k, _)| k).collect();
        assert_eq!(leap, vec![228, 229]);
        assert_eq!(next_birthday(d("1990-01-02"), d("2026-12-29")), d("2027-01-02"));
        assert_eq!(next_birthday(d("1992-02-29"), d("2027-02-01")), d("2027-02-28"));
        assert_eq!(age_on(d("1990-01-02"), d("2027-01-02")), 37);
    }

    #[test]
    fn declined_red_work_is_followed_up_sooner_than_yellow() {
        let declined = d("2026-12-20");
        assert_eq!(deferred_due_day(declined, Some(Rating::Red)), d("2027-01-03"));
        assert_eq!(deferred_due_day(declined, Some(Rating::Yellow)), d("2027-01-31"));
        assert_eq!(deferred_due_day(declined, None), d("2027-01-31"));
        assert!(DueKind::Deferred.per_vehicle() && DueKind::VEHICLE.contains(&DueKind::Deferred));
        assert_eq!(DueKind::from_key(7), Some(DueKind::Deferred));
    }

    #[test]
    fn dormancy_counts_whole_months_back() {
        assert_eq!(dormant_cutoff(d("2026-12-04"), 12), d("2025-12-04"));
        assert_eq!(dormant_cutoff(d("2026-03-31"), 1), d("2026-02-28"));
    }

    #[test]
    fn messages_fill_their_placeholders_in_both_languages() {
        let facts = MessageFacts {
            name: "王先生".into(),
            plate: "粤B12345".into(),
            due: "2026-12-10".into(),
            shop_name: "顺达汽修".into(),
            shop_phone: "0755-1234 5678".into(),
        };
        for lang in Lang::ALL {
            for kind in DueKind::ALL {
                let text = render_message(*kind, lang, &facts);
                assert!(!text.contains('{'), "{kind:?} {lang:?}: {text}");
                assert!(text.contains("顺达汽修") && text.contains("王先生"), "{text}");
            }
            let no_phone = MessageFacts { shop_phone: String::new(), ..facts.clone() };
            for kind in DueKind::ALL {
                let text = render_message(*kind, lang, &no_phone);
                assert!(!text.contains('{') && !text.contains("：。") && !text.contains(": ."), "{text}");
            }
            let service = render_message(DueKind::ServiceDate, lang, &facts);
            assert!(service.contains("粤B12345") && service.contains("2026-12-10"), "{service}");
        }
    }

    #[test]
    fn list_keys_round_trip() {
        for kind in DueKind::ALL {
            assert_eq!(DueKind::from_key(kind.key()), Some(*kind));
        }
        assert_eq!(DueKind::from_key(0), None);
    }
}
