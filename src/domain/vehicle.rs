//! Vehicles (车辆档案): identity, owner, insurance, inspection and service due dates.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::customer::{CustomerId, optional_date};
use super::field::{FieldErrors, Problem, optional_text};
use super::plate::{Plate, Vin};
use super::user::UserId;
use crate::i18n::Msg;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VehicleId(pub u64);

impl std::fmt::Display for VehicleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vehicle {
    pub id: VehicleId,
    pub customer_id: CustomerId,
    #[serde(flatten)]
    pub details: VehicleDetails,
    /// Previous owners, oldest first; the history of the car stays with the car.
    #[serde(default)]
    pub previous_owners: Vec<Ownership>,
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A past owner of a vehicle and when it changed hands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ownership {
    pub customer_id: CustomerId,
    pub until: DateTime<Utc>,
    pub by: Option<UserId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VehicleDetails {
    pub plate: Plate,
    #[serde(default)]
    pub vin: Option<Vin>,
    #[serde(default)]
    pub make: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub year: Option<u16>,
    #[serde(default)]
    pub color: String,
    #[serde(default)]
    pub engine_no: String,
    /// Odometer in km at the last visit.
    #[serde(default)]
    pub mileage: Option<u32>,
    #[serde(default)]
    pub insurer: String,
    #[serde(default)]
    pub policy_no: String,
    #[serde(default)]
    pub insurance_expiry: Option<NaiveDate>,
    #[serde(default)]
    pub inspection_due: Option<NaiveDate>,
    #[serde(default)]
    pub next_service_date: Option<NaiveDate>,
    #[serde(default)]
    pub next_service_km: Option<u32>,
    #[serde(default)]
    pub notes: String,
}

/// The vehicle form as typed.
#[derive(Clone, Debug, Default)]
pub struct VehicleInput {
    pub plate: String,
    pub vin: String,
    pub make: String,
    pub model: String,
    pub year: String,
    pub color: String,
    pub engine_no: String,
    pub mileage: String,
    pub insurer: String,
    pub policy_no: String,
    pub insurance_expiry: String,
    pub inspection_due: String,
    pub next_service_date: String,
    pub next_service_km: String,
    pub notes: String,
}

impl VehicleDetails {
    pub fn check(input: &VehicleInput, today: NaiveDate) -> Result<VehicleDetails, FieldErrors> {
        let mut e = FieldErrors::new();
        let plate = e.check("plate", Plate::parse(&input.plate));
        let vin = e.check(
            "vin",
            if input.vin.trim().is_empty() { Ok(None) } else { Vin::parse(&input.vin).map(|(v, _)| Some(v)) },
        );
        let make = e.check("make", optional_text(&input.make, 40));
        let model = e.check("model", optional_text(&input.model, 60));
        let year = e.check("year", model_year(&input.year, today));
        let color = e.check("color", optional_text(&input.color, 20));
        let engine_no = e.check("engine_no", code_text(&input.engine_no, 30));
        let mileage = e.check("mileage", km(&input.mileage));
        let insurer = e.check("insurer", optional_text(&input.insurer, 60));
        let policy_no = e.check("policy_no", code_text(&input.policy_no, 40));
        let insurance_expiry = e.check("insurance_expiry", optional_date(&input.insurance_expiry));
        let inspection_due = e.check("inspection_due", optional_date(&input.inspection_due));
        let next_service_date = e.check("next_service_date", optional_date(&input.next_service_date));
        let next_service_km = e.check("next_service_km", km(&input.next_service_km));
        let notes = e.check("notes", optional_text(&input.notes, 2000));
        e.into_result(|| VehicleDetails {
            plate: plate.unwrap(),
            vin: vin.unwrap(),
            make: make.unwrap(),
            model: model.unwrap(),
            year: year.unwrap(),
            color: color.unwrap(),
            engine_no: engine_no.unwrap(),
            mileage: mileage.unwrap(),
            insurer: insurer.unwrap(),
            policy_no: policy_no.unwrap(),
            insurance_expiry: insurance_expiry.unwrap(),
            inspection_due: inspection_due.unwrap(),
            next_service_date: next_service_date.unwrap(),
            next_service_km: next_service_km.unwrap(),
            notes: notes.unwrap(),
        })
    }

    pub fn to_input(&self) -> VehicleInput {
        let date = |d: &Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let num = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
        VehicleInput {
            plate: self.plate.as_str().into(),
            vin: self.vin.as_ref().map(|v| v.as_str().to_string()).unwrap_or_default(),
            make: self.make.clone(),
            model: self.model.clone(),
            year: self.year.map(|y| y.to_string()).unwrap_or_default(),
            color: self.color.clone(),
            engine_no: self.engine_no.clone(),
            mileage: num(self.mileage),
            insurer: self.insurer.clone(),
            policy_no: self.policy_no.clone(),
            insurance_expiry: date(&self.insurance_expiry),
            inspection_due: date(&self.inspection_due),
            next_service_date: date(&self.next_service_date),
            next_service_km: num(self.next_service_km),
            notes: self.notes.clone(),
        }
    }

    /// Whether the VIN's check digit is right (`None` without a VIN).
    pub fn vin_check_ok(&self) -> Option<bool> {
        self.vin.as_ref().map(|v| Vin::parse(v.as_str()).map(|(_, ok)| ok).unwrap_or(false))
    }

    /// "Make model year" for lists.
    pub fn title(&self) -> String {
        let mut parts: Vec<String> =
            [&self.make, &self.model].iter().filter(|s| !s.is_empty()).map(|s| s.to_string()).collect();
        if let Some(year) = self.year {
            parts.push(year.to_string());
        }
        parts.join(" ")
    }
}

/// The odometer must not go backwards unless someone confirms it (a replaced instrument
/// cluster, a typo fixed).
pub fn check_mileage(old: Option<u32>, new: Option<u32>, confirmed: bool) -> Result<(), Problem> {
    match (old, new) {
        (Some(old), Some(new)) if new < old && !confirmed => {
            Err(Problem::with(Msg::MileageDecrease, &[&old]))
        }
        _ => Ok(()),
    }
}

/// How close a due date is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    Past,
    Soon,
    Later,
}

/// Past, within 30 days, or later.
pub fn due(date: NaiveDate, today: NaiveDate) -> Due {
    if date < today {
        Due::Past
    } else if (date - today).num_days() <= 30 {
        Due::Soon
    } else {
        Due::Later
    }
}

fn km(raw: &str) -> Result<Option<u32>, Problem> {
    let raw: String = raw.trim().chars().filter(|c| !matches!(c, ',' | ' ' | '_')).collect();
    let raw = raw.trim_end_matches("km").trim_end_matches("KM");
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<u32>() {
        Ok(n) if n <= 3_000_000 => Ok(Some(n)),
        _ => Err(Problem::with(Msg::NumberRange, &[&0, &3_000_000])),
    }
}

fn model_year(raw: &str, today: NaiveDate) -> Result<Option<u16>, Problem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let max = today.year() + 1;
    match raw.parse::<i32>() {
        Ok(y) if (1950..=max).contains(&y) => Ok(Some(y as u16)),
        _ => Err(Problem::with(Msg::NumberRange, &[&1950, &max])),
    }
}

/// Engine and policy numbers: letters, digits and dashes, upper case.
fn code_text(raw: &str, max: usize) -> Result<String, Problem> {
    let text: String =
        raw.trim().chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
    if text.chars().count() > max {
        return Err(Problem::with(Msg::TooLong, &[&max]));
    }
    if text.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '/' | '.')) {
        Ok(text)
    } else {
        Err(Problem::new(Msg::CodeInvalid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    #[test]
    fn a_vehicle_form_is_checked_field_by_field() {
        let input = VehicleInput {
            plate: "京a 12345".into(),
            vin: "1m8gdm9axkp042788".into(),
            year: "2019".into(),
            mileage: "52,300 km".into(),
            inspection_due: "2027-03-01".into(),
            engine_no: "ea 888-123".into(),
            ..Default::default()
        };
        let d = VehicleDetails::check(&input, today()).unwrap();
        assert_eq!(d.plate.as_str(), "京A12345");
        assert_eq!(d.mileage, Some(52_300));
        assert_eq!(d.engine_no, "EA888-123");
        assert_eq!(d.vin_check_ok(), Some(true));
        assert_eq!(VehicleDetails::check(&d.to_input(), today()).unwrap(), d);

        let bad = VehicleInput {
            plate: "x".into(),
            year: "1800".into(),
            mileage: "-5".into(),
            ..Default::default()
        };
        let e = VehicleDetails::check(&bad, today()).unwrap_err();
        assert_eq!(e.get("plate").unwrap().msg, Msg::PlateInvalid);
        assert_eq!(e.get("year").unwrap().msg, Msg::NumberRange);
        assert_eq!(e.get("mileage").unwrap().msg, Msg::NumberRange);
    }

    #[test]
    fn a_wrong_vin_check_digit_is_kept_but_flagged() {
        let input =
            VehicleInput { plate: "沪B12345".into(), vin: "1M8GDM9A1KP042788".into(), ..Default::default() };
        let d = VehicleDetails::check(&input, today()).unwrap();
        assert_eq!(d.vin_check_ok(), Some(false));
    }

    #[test]
    fn the_odometer_goes_back_only_when_confirmed() {
        assert!(check_mileage(Some(50_000), Some(60_000), false).is_ok());
        assert_eq!(check_mileage(Some(50_000), Some(5_000), false).unwrap_err().msg, Msg::MileageDecrease);
        assert!(check_mileage(Some(50_000), Some(5_000), true).is_ok());
        assert!(check_mileage(None, Some(5_000), false).is_ok());
    }

    #[test]
    fn due_dates_within_thirty_days_are_soon() {
        let t = today();
        assert_eq!(due(t - chrono::Duration::days(1), t), Due::Past);
        assert_eq!(due(t, t), Due::Soon);
        assert_eq!(due(t + chrono::Duration::days(30), t), Due::Soon);
        assert_eq!(due(t + chrono::Duration::days(31), t), Due::Later);
    }
}
