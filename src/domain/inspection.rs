//! Vehicle inspections (多项检测): checklists kept by managers ([`InspectionTemplate`]), and the
//! inspection of one car on one order ([`Inspection`]), filled item by item on the technician's
//! phone and turned into recommended work by the advisor.
//!
//! An inspection copies its template's items when it is started, so editing a template never
//! changes an inspection already made. Every item carries a colour (green, yellow, red): the
//! findings are grouped by it; a measurement item also takes a value in its unit, a yes/no item
//! an answer.
//!
//! Deferred work (a recommendation the customer declined) is not a record of its own: it is a
//! finding whose recommended line was declined and that no later order has taken up, so it can
//! never drift from the order it came from.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::field::{FieldErrors, Problem, decimal_in, optional_text, required_text};
use super::user::UserId;
use super::vehicle::VehicleId;
use super::work_order::{Decision, OrderId, WorkOrder};
use crate::i18n::{Lang, Msg};

super::code::code_enum!(
    /// What an item asks for besides its colour.
    ItemKind {
        Rating = "rating" => InspKindRating,
        Measure = "measure" => InspKindMeasure,
        YesNo = "yes_no" => InspKindYesNo,
    }
);

super::code::code_enum!(
    /// The colour of a finding: fine, watch it, needs work now.
    Rating {
        Green = "green" => RatingGreen,
        Yellow = "yellow" => RatingYellow,
        Red = "red" => RatingRed,
    }
);

impl Rating {
    /// Red first: the order findings are shown in.
    pub const WORST_FIRST: [Rating; 3] = [Rating::Red, Rating::Yellow, Rating::Green];
}

/// One item of a checklist, as the manager wrote it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateItem {
    /// The part of the car it belongs to (轮胎, 制动, …); items are grouped by it.
    pub area: String,
    pub label: String,
    pub kind: ItemKind,
    /// The unit of a measurement (mm, %, V …); empty for other kinds.
    #[serde(default)]
    pub unit: String,
    /// What to look at, shown under the item on the phone.
    #[serde(default)]
    pub hint: String,
}

/// A named checklist (e.g. 常规保养检查).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionTemplate {
    pub id: u64,
    pub name: String,
    pub items: Vec<TemplateItem>,
    pub active: bool,
    pub version: u64,
    pub updated_at: DateTime<Utc>,
}

/// One row of the template form as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ItemRowInput {
    pub area: String,
    pub label: String,
    pub kind: String,
    pub unit: String,
    pub hint: String,
}

/// Blank rows the template form offers below the filled ones.
pub const BLANK_ROWS: usize = 8;
/// Most items a checklist may hold.
pub const MAX_ITEMS: usize = 80;

/// Checks the template form: a name and at least one item; blank rows are skipped; a wrong row
/// is named by its number. Items keep their order, grouped by area in the order areas first
/// appear.
pub fn check_template(name: &str, rows: &[ItemRowInput]) -> Result<(String, Vec<TemplateItem>), FieldErrors> {
    let mut e = FieldErrors::new();
    let name = e.check("name", required_text(name, 60));
    let mut items = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if row.label.trim().is_empty() && row.area.trim().is_empty() && row.hint.trim().is_empty() {
            continue;
        }
        let row_no = i + 1;
        let bad = || Problem::with(Msg::InspRowInvalid, &[&row_no]);
        let (Ok(area), Ok(label), Some(kind), Ok(unit), Ok(hint)) = (
            required_text(&row.area, 40),
            required_text(&row.label, 80),
            ItemKind::parse(&row.kind),
            optional_text(&row.unit, 10),
            optional_text(&row.hint, 200),
        ) else {
            e.add("items", bad());
            continue;
        };
        if kind == ItemKind::Measure && unit.is_empty() {
            e.add("items", Problem::with(Msg::InspRowNeedsUnit, &[&row_no]));
            continue;
        }
        let unit = if kind == ItemKind::Measure { unit } else { String::new() };
        items.push(TemplateItem { area, label, kind, unit, hint });
    }
    if items.is_empty() {
        e.add("items", Msg::InspNeedsItems);
    }
    if items.len() > MAX_ITEMS {
        e.add("items", Problem::with(Msg::InspTooManyItems, &[&MAX_ITEMS]));
    }
    e.into_result(|| (name.unwrap_or_default(), group_by_area(items)))
}

/// Items grouped by area, areas in the order they first appear, items in their order within.
pub fn group_by_area(items: Vec<TemplateItem>) -> Vec<TemplateItem> {
    let mut areas: Vec<String> = Vec::new();
    for i in &items {
        if !areas.contains(&i.area) {
            areas.push(i.area.clone());
        }
    }
    let mut out = Vec::with_capacity(items.len());
    for a in &areas {
        out.extend(items.iter().filter(|i| &i.area == a).cloned());
    }
    out
}

impl InspectionTemplate {
    /// The form rows for editing, with blank rows below.
    pub fn to_rows(&self) -> Vec<ItemRowInput> {
        let mut rows: Vec<ItemRowInput> = self
            .items
            .iter()
            .map(|i| ItemRowInput {
                area: i.area.clone(),
                label: i.label.clone(),
                kind: i.kind.code().into(),
                unit: i.unit.clone(),
                hint: i.hint.clone(),
            })
            .collect();
        rows.extend(blank_rows(BLANK_ROWS));
        rows
    }
}

pub fn blank_rows(n: usize) -> Vec<ItemRowInput> {
    vec![ItemRowInput { kind: ItemKind::Rating.code().into(), ..Default::default() }; n]
}

/// One item of an inspection: the template's item as copied, and what the technician found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionItem {
    #[serde(flatten)]
    pub item: TemplateItem,
    #[serde(default)]
    pub rating: Option<Rating>,
    /// A measurement, in the item's unit.
    #[serde(default)]
    pub value: Option<Decimal>,
    /// A yes/no item's answer.
    #[serde(default)]
    pub answer: Option<bool>,
    #[serde(default)]
    pub note: String,
    /// Photos (ids in the photo tables) taken for this item.
    #[serde(default)]
    pub photos: Vec<u64>,
    #[serde(default)]
    pub by_name: String,
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    /// The order line recommended for this finding (it waits for the customer's answer like
    /// any added line).
    #[serde(default)]
    pub line_no: Option<u32>,
    /// The later order that took up this finding after the customer declined it.
    #[serde(default)]
    pub taken_up_in: Option<OrderId>,
}

impl InspectionItem {
    pub fn new(item: TemplateItem) -> InspectionItem {
        InspectionItem {
            item,
            rating: None,
            value: None,
            answer: None,
            note: String::new(),
            photos: vec![],
            by_name: String::new(),
            at: None,
            line_no: None,
            taken_up_in: None,
        }
    }

    /// The item's value as shown: `4.5 mm`, yes / no, or nothing.
    pub fn reading(&self, lang: Lang) -> String {
        match (self.item.kind, self.value, self.answer) {
            (ItemKind::Measure, Some(v), _) => format!("{} {}", v.normalize(), self.item.unit),
            (ItemKind::YesNo, _, Some(a)) => lang.t(if a { Msg::Yes } else { Msg::No }).to_string(),
            _ => String::new(),
        }
    }
}

/// The inspection of one car on one order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    pub id: u64,
    pub order_id: OrderId,
    pub vehicle_id: VehicleId,
    pub template_id: u64,
    /// The template's name when the inspection was started.
    pub name: String,
    pub items: Vec<InspectionItem>,
    /// Who fills it; `None`: any technician with a line on the order.
    #[serde(default)]
    pub technician: Option<UserId>,
    /// The order's mileage when it was started (for the history's trend).
    #[serde(default)]
    pub mileage: Option<u32>,
    /// Shown to the customer on their own page and its report.
    #[serde(default)]
    pub shared: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl Inspection {
    /// A new inspection of an order's car, with the template's items copied.
    pub fn start(
        template: &InspectionTemplate,
        order: &WorkOrder,
        technician: Option<UserId>,
        by: Option<UserId>,
        now: DateTime<Utc>,
    ) -> Inspection {
        Inspection {
            id: 0,
            order_id: order.id,
            vehicle_id: order.vehicle_id,
            template_id: template.id,
            name: template.name.clone(),
            items: template.items.iter().cloned().map(InspectionItem::new).collect(),
            technician,
            mileage: order.reception.mileage,
            shared: false,
            created_at: now,
            created_by: by,
            updated_at: now,
            version: 1,
        }
    }

    /// How many items are rated, of how many.
    pub fn progress(&self) -> (usize, usize) {
        (self.items.iter().filter(|i| i.rating.is_some()).count(), self.items.len())
    }

    /// How many items have each colour: (red, yellow, green).
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |r| self.items.iter().filter(|i| i.rating == Some(r)).count();
        (n(Rating::Red), n(Rating::Yellow), n(Rating::Green))
    }

    /// Whether `user` may fill it in: the desk always; a technician if it is theirs, or if it is
    /// nobody's in particular and they have a line on the order.
    pub fn may_fill(&self, order: &WorkOrder, user: UserId, desk: bool) -> bool {
        desk || match self.technician {
            Some(t) => t == user,
            None => order.technicians().contains(&user),
        }
    }

    /// The findings the customer declined and no later order took up.
    pub fn deferred<'a>(
        &'a self,
        order: &'a WorkOrder,
    ) -> impl Iterator<Item = (usize, &'a InspectionItem)> + 'a {
        self.items.iter().enumerate().filter(move |(_, i)| {
            i.taken_up_in.is_none()
                && i.line_no.and_then(|no| order.line(no)).is_some_and(|l| l.decision == Decision::Declined)
        })
    }
}

/// What the technician sent for one item, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ItemInput {
    pub rating: String,
    pub value: String,
    pub answer: String,
    pub note: String,
}

/// What one item becomes once its form is checked.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemResult {
    pub rating: Rating,
    pub value: Option<Decimal>,
    pub answer: Option<bool>,
    pub note: String,
}

/// Checks one item's form against its kind: a colour always; a measurement in range for a
/// measurement item; an answer for a yes/no item.
pub fn check_item(item: &TemplateItem, input: &ItemInput) -> Result<ItemResult, FieldErrors> {
    let mut e = FieldErrors::new();
    let rating = Rating::parse(&input.rating);
    if rating.is_none() {
        e.add("rating", Msg::InspRatingMissing);
    }
    let value = match item.kind {
        ItemKind::Measure if input.value.trim().is_empty() => {
            e.add("value", Msg::InspValueMissing);
            None
        }
        ItemKind::Measure => e.check(
            "value",
            decimal_in(&input.value.replace(',', "."), 2, Decimal::ZERO, Decimal::from(100_000)),
        ),
        _ => None,
    };
    let answer = match (item.kind, input.answer.trim()) {
        (ItemKind::YesNo, "yes") => Some(true),
        (ItemKind::YesNo, "no") => Some(false),
        (ItemKind::YesNo, _) => {
            e.add("answer", Msg::InspAnswerMissing);
            None
        }
        _ => None,
    };
    let note = e.check("note", optional_text(&input.note, 500));
    e.into_result(|| ItemResult {
        rating: rating.unwrap_or(Rating::Green),
        value,
        answer,
        note: note.unwrap_or_default(),
    })
}

/// A measurement's readings over visits, oldest first: (when, mileage, value).
pub type Trend = Vec<(DateTime<Utc>, Option<u32>, Decimal)>;

/// For each measurement item (by area, label and unit) the readings of a vehicle's inspections,
/// oldest first; items read at least once.
pub fn trends(inspections: &[Inspection]) -> Vec<(TemplateItem, Trend)> {
    let mut sorted: Vec<&Inspection> = inspections.iter().collect();
    sorted.sort_by_key(|i| (i.created_at, i.id));
    let mut out: Vec<(TemplateItem, Trend)> = Vec::new();
    for insp in sorted {
        for it in insp.items.iter().filter(|i| i.item.kind == ItemKind::Measure) {
            let Some(v) = it.value else { continue };
            let key = |t: &TemplateItem| {
                t.area == it.item.area && t.label == it.item.label && t.unit == it.item.unit
            };
            match out.iter_mut().find(|(t, _)| key(t)) {
                Some((_, trend)) => trend.push((insp.created_at, insp.mileage, v)),
                None => out.push((it.item.clone(), vec![(insp.created_at, insp.mileage, v)])),
            }
        }
    }
    out
}

/// The checklists a new shop starts with, in Chinese and in English.
pub fn starter_templates() -> Vec<(String, Vec<TemplateItem>)> {
    let item = |area: &str, label: &str, kind: ItemKind, unit: &str, hint: &str| TemplateItem {
        area: area.into(),
        label: label.into(),
        kind,
        unit: unit.into(),
        hint: hint.into(),
    };
    use ItemKind::*;
    let routine_zh = vec![
        item("轮胎", "左前轮胎花纹深度", Measure, "mm", "低于 3 mm 黄色，低于 1.6 mm 红色"),
        item("轮胎", "右前轮胎花纹深度", Measure, "mm", "低于 3 mm 黄色，低于 1.6 mm 红色"),
        item("轮胎", "左后轮胎花纹深度", Measure, "mm", "低于 3 mm 黄色，低于 1.6 mm 红色"),
        item("轮胎", "右后轮胎花纹深度", Measure, "mm", "低于 3 mm 黄色，低于 1.6 mm 红色"),
        item("轮胎", "胎压与胎侧", Rating, "", "鼓包、裂纹、扎钉"),
        item("制动", "前刹车片厚度", Measure, "mm", "低于 4 mm 黄色，低于 2 mm 红色"),
        item("制动", "后刹车片厚度", Measure, "mm", "低于 4 mm 黄色，低于 2 mm 红色"),
        item("制动", "刹车盘", Rating, "", "沟槽、变色、厚度"),
        item("制动", "刹车油含水量", Measure, "%", "超过 3% 需更换"),
        item("油液", "机油油位与油质", Rating, "", ""),
        item("油液", "冷却液液位", Rating, "", "冰点与颜色"),
        item("油液", "变速箱油", Rating, "", ""),
        item("油液", "玻璃水", Rating, "", ""),
        item("灯光", "前照灯与转向灯", Rating, "", ""),
        item("灯光", "刹车灯与倒车灯", Rating, "", ""),
        item("电瓶", "电瓶电压", Measure, "V", "熄火静置低于 12.2 V 黄色"),
        item("雨刮", "雨刮片", Rating, "", "刮不干净或有异响"),
        item("底盘", "减震器与悬挂", Rating, "", "漏油、异响"),
        item("底盘", "有无漏油漏水", YesNo, "", "有漏请拍照"),
        item("底盘", "球头与防尘套", Rating, "", ""),
    ];
    let routine_en = vec![
        item("Tyres", "Front left tread depth", Measure, "mm", "Yellow under 3 mm, red under 1.6 mm"),
        item("Tyres", "Front right tread depth", Measure, "mm", "Yellow under 3 mm, red under 1.6 mm"),
        item("Tyres", "Rear left tread depth", Measure, "mm", "Yellow under 3 mm, red under 1.6 mm"),
        item("Tyres", "Rear right tread depth", Measure, "mm", "Yellow under 3 mm, red under 1.6 mm"),
        item("Tyres", "Pressure and sidewalls", Rating, "", "Bulges, cracks, nails"),
        item("Brakes", "Front pad thickness", Measure, "mm", "Yellow under 4 mm, red under 2 mm"),
        item("Brakes", "Rear pad thickness", Measure, "mm", "Yellow under 4 mm, red under 2 mm"),
        item("Brakes", "Discs", Rating, "", "Grooves, discolouring, thickness"),
        item("Brakes", "Water in brake fluid", Measure, "%", "Replace above 3%"),
        item("Fluids", "Engine oil level and condition", Rating, "", ""),
        item("Fluids", "Coolant level", Rating, "", "Freezing point and colour"),
        item("Fluids", "Gearbox oil", Rating, "", ""),
        item("Fluids", "Washer fluid", Rating, "", ""),
        item("Lights", "Headlights and indicators", Rating, "", ""),
        item("Lights", "Brake and reversing lights", Rating, "", ""),
        item("Battery", "Battery voltage", Measure, "V", "Yellow under 12.2 V at rest"),
        item("Wipers", "Wiper blades", Rating, "", "Streaks or noise"),
        item("Chassis", "Shock absorbers and suspension", Rating, "", "Leaks, noise"),
        item("Chassis", "Any oil or water leak", YesNo, "", "Take a photo of any leak"),
        item("Chassis", "Ball joints and boots", Rating, "", ""),
    ];
    let brakes_zh = vec![
        item("制动", "左前刹车片", Measure, "mm", ""),
        item("制动", "右前刹车片", Measure, "mm", ""),
        item("制动", "左后刹车片", Measure, "mm", ""),
        item("制动", "右后刹车片", Measure, "mm", ""),
        item("制动", "刹车盘磨损", Rating, "", ""),
        item("制动", "刹车油管有无渗漏", YesNo, "", ""),
        item("制动", "手刹行程", Rating, "", ""),
    ];
    let brakes_en = vec![
        item("Brakes", "Front left pad", Measure, "mm", ""),
        item("Brakes", "Front right pad", Measure, "mm", ""),
        item("Brakes", "Rear left pad", Measure, "mm", ""),
        item("Brakes", "Rear right pad", Measure, "mm", ""),
        item("Brakes", "Disc wear", Rating, "", ""),
        item("Brakes", "Any leak at the brake lines", YesNo, "", ""),
        item("Brakes", "Handbrake travel", Rating, "", ""),
    ];
    vec![
        ("常规保养检查".into(), routine_zh),
        ("Routine service check".into(), routine_en),
        ("制动系统检查".into(), brakes_zh),
        ("Brake check".into(), brakes_en),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(area: &str, label: &str, kind: &str, unit: &str) -> ItemRowInput {
        ItemRowInput {
            area: area.into(),
            label: label.into(),
            kind: kind.into(),
            unit: unit.into(),
            hint: "".into(),
        }
    }

    #[test]
    fn a_template_groups_items_by_area_and_names_a_wrong_row() {
        let rows = [
            row("轮胎", "左前", "measure", "mm"),
            row("制动", "刹车片", "measure", "mm"),
            row("", "", "rating", ""),
            row("轮胎", "胎侧", "rating", "x"),
        ];
        let (name, items) = check_template("常规", &rows).unwrap();
        assert_eq!(name, "常规");
        let labels: Vec<_> = items.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(labels, ["左前", "胎侧", "刹车片"]);
        assert_eq!(items[1].unit, "", "a rating item keeps no unit");
        let err = check_template("x", &[row("轮胎", "深度", "measure", "")]).unwrap_err();
        assert_eq!(err.get("items").unwrap().msg, Msg::InspRowNeedsUnit);
        assert_eq!(err.get("items").unwrap().args, vec!["1".to_string()]);
        let err = check_template("", &[]).unwrap_err();
        assert_eq!(err.get("items").unwrap().msg, Msg::InspNeedsItems);
        assert!(err.get("name").is_some());
    }

    #[test]
    fn an_item_needs_a_colour_and_what_its_kind_asks_for() {
        let measure = TemplateItem {
            area: "制动".into(),
            label: "刹车片".into(),
            kind: ItemKind::Measure,
            unit: "mm".into(),
            hint: "".into(),
        };
        let input = |rating: &str, value: &str| ItemInput {
            rating: rating.into(),
            value: value.into(),
            ..Default::default()
        };
        let ok = check_item(&measure, &input("yellow", "3,5")).unwrap();
        assert_eq!((ok.rating, ok.value), (Rating::Yellow, Some(Decimal::new(35, 1))));
        assert_eq!(
            check_item(&measure, &input("red", "abc")).unwrap_err().get("value").unwrap().msg,
            Msg::DecimalInvalid
        );
        assert!(check_item(&measure, &input("red", "-1")).unwrap_err().get("value").is_some());
        assert_eq!(
            check_item(&measure, &input("red", "")).unwrap_err().get("value").unwrap().msg,
            Msg::InspValueMissing
        );
        assert_eq!(
            check_item(&measure, &input("blue", "3")).unwrap_err().get("rating").unwrap().msg,
            Msg::InspRatingMissing
        );
        let yes_no = TemplateItem { kind: ItemKind::YesNo, unit: "".into(), ..measure };
        assert!(check_item(&yes_no, &input("green", "")).unwrap_err().get("answer").is_some());
        let answered = ItemInput { answer: "no".into(), ..input("green", "") };
        assert_eq!(check_item(&yes_no, &answered).unwrap().answer, Some(false));
    }

    #[test]
    fn the_starter_templates_pass_their_own_checks() {
        for (name, items) in starter_templates() {
            let rows: Vec<ItemRowInput> = items
                .iter()
                .map(|i| ItemRowInput {
                    area: i.area.clone(),
                    label: i.label.clone(),
                    kind: i.kind.code().into(),
                    unit: i.unit.clone(),
                    hint: i.hint.clone(),
                })
                .collect();
            let (n, checked) = check_template(&name, &rows).unwrap();
            assert_eq!((n, checked), (name, items));
        }
    }
}
