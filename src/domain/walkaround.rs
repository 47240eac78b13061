//! The walk-around at reception (接车环检): before the car goes in, the advisor walks around it
//! with the customer and marks the damage already there on a top view of a car, notes the
//! warning lights on and what was left in the car, and the customer signs it, so nobody argues
//! later about a scratch.
//!
//! It is part of its work order ([`super::WorkOrder::walkaround`]); fuel and mileage are the
//! order's own reception fields, not copied here until the customer signs. A signed walk-around
//! is locked: its signature keeps what was signed (marks, lights, items, and the fuel, mileage
//! and items noted at reception at that moment). A manager may reopen it with a reason; the
//! signature it had is kept in its history.
//!
//! Marks are points in the outline's own coordinates ([`OUTLINE_WIDTH`] × [`OUTLINE_HEIGHT`],
//! the front at the top); a point off the car is refused ([`on_outline`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::field::{FieldErrors, Problem, optional_text, required_text};
use super::user::UserId;
use super::work_order::Signature;
use crate::i18n::Msg;

super::code::code_enum!(
    /// What a mark on the outline is.
    DamageKind {
        Scratch = "scratch" => DamageScratch,
        Dent = "dent" => DamageDent,
        Crack = "crack" => DamageCrack,
        Chip = "chip" => DamageChip,
        Broken = "broken" => DamageBroken,
        Rust = "rust" => DamageRust,
        Missing = "missing" => DamageMissing,
    }
);

impl DamageKind {
    /// The colour of its mark on the outline (the stylesheet's `.kind-…` classes repeat it for
    /// the legend: pages allow no inline styles).
    pub fn colour(self) -> &'static str {
        match self {
            DamageKind::Scratch => "#d9730d",
            DamageKind::Dent => "#2563c9",
            DamageKind::Crack => "#7c3aad",
            DamageKind::Chip => "#b8860b",
            DamageKind::Broken => "#c0262d",
            DamageKind::Rust => "#8a4b1f",
            DamageKind::Missing => "#4a5361",
        }
    }
}

super::code::code_enum!(
    /// A warning light on the dashboard, as the advisor sees it with the ignition on.
    WarningLight {
        CheckEngine = "check_engine" => LightCheckEngine,
        Abs = "abs" => LightAbs,
        Airbag = "airbag" => LightAirbag,
        OilPressure = "oil_pressure" => LightOilPressure,
        Battery = "battery" => LightBattery,
        TyrePressure = "tyre_pressure" => LightTyrePressure,
        Brake = "brake" => LightBrake,
        CoolantTemp = "coolant_temp" => LightCoolantTemp,
        Stability = "stability" => LightStability,
        PowerSteering = "power_steering" => LightPowerSteering,
    }
);

impl WarningLight {
    /// The short sign on the badge, as the dashboard shows it.
    pub fn sign(self) -> &'static str {
        match self {
            WarningLight::CheckEngine => "ENG",
            WarningLight::Abs => "ABS",
            WarningLight::Airbag => "SRS",
            WarningLight::OilPressure => "OIL",
            WarningLight::Battery => "+ −",
            WarningLight::TyrePressure => "(!)",
            WarningLight::Brake => "BRAKE",
            WarningLight::CoolantTemp => "°C",
            WarningLight::Stability => "ESP",
            WarningLight::PowerSteering => "EPS",
        }
    }

    /// Red lights mean stop now; amber ones mean have it checked (as on the dashboard).
    pub fn red(self) -> bool {
        matches!(
            self,
            WarningLight::Airbag
                | WarningLight::OilPressure
                | WarningLight::Battery
                | WarningLight::Brake
                | WarningLight::CoolantTemp
        )
    }
}

super::code::code_enum!(
    /// Something left in the car that the shop is answerable for while it has the car.
    LeftItem {
        Valuables = "valuables" => LeftValuables,
        Documents = "documents" => LeftDocuments,
        SpareTyre = "spare_tyre" => LeftSpareTyre,
        Tools = "tools" => LeftTools,
        ChildSeat = "child_seat" => LeftChildSeat,
        ChargingCable = "charging_cable" => LeftChargingCable,
    }
);

/// The outline's drawing box: the car seen from above, front at the top.
pub const OUTLINE_WIDTH: u16 = 400;
pub const OUTLINE_HEIGHT: u16 = 800;
/// The part of the box a mark may sit in: the body with its wheels and mirrors.
const CAR_LEFT: i32 = 58;
const CAR_RIGHT: i32 = 342;
const CAR_TOP: i32 = 50;
const CAR_BOTTOM: i32 = 750;
const CAR_CORNER: i32 = 48;
/// Most marks one walk-around holds.
pub const MAX_MARKS: usize = 40;

/// Whether a point falls on the car (a rounded rectangle around the body, wheels and mirrors).
pub fn on_outline(x: u16, y: u16) -> bool {
    let (x, y) = (i32::from(x), i32::from(y));
    if !(CAR_LEFT..=CAR_RIGHT).contains(&x) || !(CAR_TOP..=CAR_BOTTOM).contains(&y) {
        return false;
    }
    // In a corner square, the point must be inside the corner's circle.
    let cx = if x < CAR_LEFT + CAR_CORNER {
        CAR_LEFT + CAR_CORNER
    } else if x > CAR_RIGHT - CAR_CORNER {
        CAR_RIGHT - CAR_CORNER
    } else {
        return true;
    };
    let cy = if y < CAR_TOP + CAR_CORNER {
        CAR_TOP + CAR_CORNER
    } else if y > CAR_BOTTOM - CAR_CORNER {
        CAR_BOTTOM - CAR_CORNER
    } else {
        return true;
    };
    (x - cx).pow(2) + (y - cy).pow(2) <= CAR_CORNER.pow(2)
}

/// The side of the car a point is on, for the audit log and the printed legend: front/rear
/// third and left/centre/right third.
pub fn spot(x: u16, y: u16) -> (Msg, Msg) {
    let along = match y {
        y if y < 290 => Msg::WalkFront,
        y if y > 510 => Msg::WalkRear,
        _ => Msg::WalkMiddle,
    };
    let across = match x {
        x if x < 150 => Msg::WalkLeft,
        x if x > 250 => Msg::WalkRight,
        _ => Msg::WalkCentre,
    };
    (along, across)
}

/// One damage marked on the outline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DamageMark {
    /// Stable within the walk-around (removing a mark never renumbers the others' records).
    pub no: u32,
    pub x: u16,
    pub y: u16,
    pub kind: DamageKind,
    #[serde(default)]
    pub note: String,
    /// A photo (an id in the photo tables).
    #[serde(default)]
    pub photo: Option<u64>,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub by_name: String,
}

/// The customer's signature under the walk-around, with what they signed beyond the marks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WalkSignature {
    pub signer: String,
    pub signature: Signature,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub by: Option<UserId>,
    /// Who held the kiosk.
    #[serde(default)]
    pub by_name: String,
    /// The order's reception fields when it was signed.
    #[serde(default)]
    pub fuel: Option<u8>,
    #[serde(default)]
    pub mileage: Option<u32>,
    #[serde(default)]
    pub items_left: String,
    /// The marks signed for, by number.
    #[serde(default)]
    pub marks: Vec<u32>,
}

/// A signed walk-around reopened by a manager.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reopening {
    pub reason: String,
    pub at: DateTime<Utc>,
    pub by_name: String,
    /// The signature it had.
    pub signed: WalkSignature,
}

/// The walk-around of one order's car.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Walkaround {
    #[serde(default)]
    pub marks: Vec<DamageMark>,
    #[serde(default)]
    pub next_mark: u32,
    #[serde(default)]
    pub lights: Vec<WarningLight>,
    #[serde(default)]
    pub items: Vec<LeftItem>,
    #[serde(default)]
    pub signed: Option<WalkSignature>,
    #[serde(default)]
    pub reopened: Vec<Reopening>,
}

impl Walkaround {
    pub fn is_signed(&self) -> bool {
        self.signed.is_some()
    }

    /// Adds a checked mark; the walk-around must not be signed.
    pub fn add_mark(
        &mut self,
        mark: MarkDetails,
        photo: Option<u64>,
        at: DateTime<Utc>,
        by_name: &str,
    ) -> Result<&DamageMark, Problem> {
        if self.is_signed() {
            return Err(Problem::new(Msg::WalkLocked));
        }
        if self.marks.len() >= MAX_MARKS {
            return Err(Problem::with(Msg::WalkTooManyMarks, &[&MAX_MARKS]));
        }
        self.next_mark += 1;
        self.marks.push(DamageMark {
            no: self.next_mark,
            x: mark.x,
            y: mark.y,
            kind: mark.kind,
            note: mark.note,
            photo,
            at,
            by_name: by_name.to_string(),
        });
        Ok(self.marks.last().expect("just pushed"))
    }

    /// Removes mark `no`; the walk-around must not be signed.
    pub fn remove_mark(&mut self, no: u32) -> Result<DamageMark, Problem> {
        if self.is_signed() {
            return Err(Problem::new(Msg::WalkLocked));
        }
        let at = self.marks.iter().position(|m| m.no == no).ok_or(Problem::new(Msg::WalkNoSuchMark))?;
        Ok(self.marks.remove(at))
    }

    /// Every photo of its marks.
    pub fn photos(&self) -> impl Iterator<Item = u64> + '_ {
        self.marks.iter().filter_map(|m| m.photo)
    }

    /// Where a mark stands in the list, from 1: the number shown on the outline and in the
    /// legend.
    pub fn shown_no(&self, no: u32) -> Option<usize> {
        self.marks.iter().position(|m| m.no == no).map(|i| i + 1)
    }

    /// What is wrong with the record itself (for `check`).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        for m in &self.marks {
            if !on_outline(m.x, m.y) {
                out.push(format!("mark {} at ({}, {}) is off the car", m.no, m.x, m.y));
            }
            if m.no == 0 || m.no > self.next_mark || seen.contains(&m.no) {
                out.push(format!("mark {} is numbered out of sequence", m.no));
            }
            seen.push(m.no);
        }
        if self.marks.len() > MAX_MARKS {
            out.push(format!("{} marks, more than {MAX_MARKS}", self.marks.len()));
        }
        for s in self.signed.iter().chain(self.reopened.iter().map(|r| &r.signed)) {
            let points = s.signature.strokes.iter().flatten();
            if points.clone().count() < 5
                || points.clone().any(|(x, y)| *x > Signature::WIDTH || *y > Signature::HEIGHT)
            {
                out.push(format!("the signature of {} is not a drawn signature", s.at));
            }
        }
        if let Some(s) = &self.signed
            && s.marks != self.marks.iter().map(|m| m.no).collect::<Vec<_>>()
        {
            out.push("the marks differ from the ones signed for".into());
        }
        out
    }
}

/// A mark as typed: where it was tapped, its kind and note.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MarkInput {
    pub x: String,
    pub y: String,
    pub kind: String,
    pub note: String,
}

/// A checked mark.
#[derive(Clone, Debug, PartialEq)]
pub struct MarkDetails {
    pub x: u16,
    pub y: u16,
    pub kind: DamageKind,
    pub note: String,
}

impl MarkDetails {
    pub fn check(input: &MarkInput) -> Result<MarkDetails, FieldErrors> {
        let mut e = FieldErrors::new();
        let x = input.x.trim().parse::<u16>().ok();
        let y = input.y.trim().parse::<u16>().ok();
        let spot = match (x, y) {
            (Some(x), Some(y)) if on_outline(x, y) => Some((x, y)),
            _ if input.x.trim().is_empty() && input.y.trim().is_empty() => {
                e.add("spot", Msg::WalkTapFirst);
                None
            }
            _ => {
                e.add("spot", Msg::WalkOffTheCar);
                None
            }
        };
        let kind = e.check("kind", DamageKind::parse(&input.kind).ok_or(Problem::new(Msg::WalkChooseKind)));
        let note = e.check("note", optional_text(&input.note, 200));
        e.into_result(|| {
            let (x, y) = spot.unwrap_or_default();
            MarkDetails { x, y, kind: kind.unwrap_or(DamageKind::Scratch), note: note.unwrap_or_default() }
        })
    }
}

/// The lights and items as ticked, and the fuel level: `fuel` is a quarter from 0 to 4 or
/// empty; unknown codes are refused rather than dropped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChecksInput {
    pub fuel: String,
    pub lights: Vec<String>,
    pub items: Vec<String>,
    pub items_left: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChecksDetails {
    pub fuel: Option<u8>,
    pub lights: Vec<WarningLight>,
    pub items: Vec<LeftItem>,
    pub items_left: String,
}

impl ChecksDetails {
    pub fn check(input: &ChecksInput) -> Result<ChecksDetails, FieldErrors> {
        let mut e = FieldErrors::new();
        let fuel = match input.fuel.trim() {
            "" => None,
            f => match f.parse::<u8>() {
                Ok(f) if f <= 4 => Some(f),
                _ => {
                    e.add("fuel", Msg::ChoiceInvalid);
                    None
                }
            },
        };
        let mut lights = Vec::new();
        for code in &input.lights {
            match WarningLight::parse(code) {
                Some(l) if !lights.contains(&l) => lights.push(l),
                Some(_) => {}
                None => e.add("lights", Msg::ChoiceInvalid),
            }
        }
        let mut items = Vec::new();
        for code in &input.items {
            match LeftItem::parse(code) {
                Some(i) if !items.contains(&i) => items.push(i),
                Some(_) => {}
                None => e.add("items", Msg::ChoiceInvalid),
            }
        }
        // In the catalog's order, whatever order the form sent them in.
        lights.sort_by_key(|l| WarningLight::ALL.iter().position(|a| a == l));
        items.sort_by_key(|i| LeftItem::ALL.iter().position(|a| a == i));
        let items_left = e.check("items_left", optional_text(&input.items_left, 200));
        e.into_result(|| ChecksDetails { fuel, lights, items, items_left: items_left.unwrap_or_default() })
    }
}

/// The signing form as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SignInput {
    pub signer: String,
    pub signature: String,
}

impl SignInput {
    pub fn check(&self) -> Result<(String, Signature), FieldErrors> {
        let mut e = FieldErrors::new();
        let signer = e.check("signer", required_text(&self.signer, 60));
        let signature = e.check("signature", Signature::parse(&self.signature));
        e.into_result(|| (signer.unwrap_or_default(), signature.unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(x: &str, y: &str, kind: &str) -> MarkInput {
        MarkInput { x: x.into(), y: y.into(), kind: kind.into(), note: String::new() }
    }

    #[test]
    fn a_point_is_on_the_car_inside_its_rounded_outline_only() {
        assert!(on_outline(200, 400), "the roof");
        assert!(on_outline(70, 200), "the left front wheel");
        assert!(on_outline(200, 52), "the front bumper");
        assert!(!on_outline(10, 400), "beside the car");
        assert!(!on_outline(200, 790), "behind the car");
        assert!(!on_outline(60, 52), "the cut-off front left corner");
        assert!(on_outline(CAR_LEFT as u16 + 48, CAR_TOP as u16 + 1));
    }

    #[test]
    fn a_mark_needs_a_spot_on_the_car_and_a_known_kind() {
        let ok = MarkDetails::check(&input("120", "200", "dent")).unwrap();
        assert_eq!((ok.x, ok.y, ok.kind), (120, 200, DamageKind::Dent));
        let e = MarkDetails::check(&input("", "", "dent")).unwrap_err();
        assert_eq!(e.get("spot"), Some(&Problem::new(Msg::WalkTapFirst)));
        let e = MarkDetails::check(&input("5", "5", "dent")).unwrap_err();
        assert_eq!(e.get("spot"), Some(&Problem::new(Msg::WalkOffTheCar)));
        let e = MarkDetails::check(&input("-3", "abc", "dent")).unwrap_err();
        assert_eq!(e.get("spot"), Some(&Problem::new(Msg::WalkOffTheCar)));
        let e = MarkDetails::check(&input("120", "200", "scorch")).unwrap_err();
        assert_eq!(e.get("kind"), Some(&Problem::new(Msg::WalkChooseKind)));
    }

    #[test]
    fn marks_keep_their_numbers_and_a_signed_walkaround_is_locked() {
        let mut w = Walkaround::default();
        let now = Utc::now();
        let mark = |x| MarkDetails { x, y: 300, kind: DamageKind::Scratch, note: String::new() };
        w.add_mark(mark(100), None, now, "a").unwrap();
        w.add_mark(mark(200), Some(7), now, "a").unwrap();
        w.add_mark(mark(300), None, now, "a").unwrap();
        assert_eq!(w.remove_mark(2).unwrap().photo, Some(7));
        assert_eq!(w.marks.iter().map(|m| m.no).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(w.shown_no(3), Some(2));
        assert!(w.remove_mark(2).is_err(), "gone already");
        assert!(w.problems().is_empty());
        let signature = Signature::parse("1,1 2,2 3,3 4,4 5,5").unwrap();
        w.signed = Some(WalkSignature {
            signer: "王伟".into(),
            signature,
            at: now,
            by: None,
            by_name: "a".into(),
            fuel: Some(2),
            mileage: None,
            items_left: String::new(),
            marks: vec![1, 3],
        });
        assert_eq!(w.add_mark(mark(100), None, now, "a").unwrap_err(), Problem::new(Msg::WalkLocked));
        assert_eq!(w.remove_mark(1).unwrap_err(), Problem::new(Msg::WalkLocked));
        assert!(w.problems().is_empty());
    }

    #[test]
    fn checks_refuse_unknown_codes_and_keep_the_catalog_order() {
        let ok = ChecksDetails::check(&ChecksInput {
            fuel: "3".into(),
            lights: vec!["abs".into(), "check_engine".into(), "abs".into()],
            items: vec!["spare_tyre".into()],
            items_left: "雨伞".into(),
        })
        .unwrap();
        assert_eq!(ok.fuel, Some(3));
        assert_eq!(ok.lights, vec![WarningLight::CheckEngine, WarningLight::Abs]);
        let bad = ChecksDetails::check(&ChecksInput {
            fuel: "5".into(),
            lights: vec!["warp_drive".into()],
            ..Default::default()
        })
        .unwrap_err();
        assert!(bad.get("fuel").is_some() && bad.get("lights").is_some());
    }
}
