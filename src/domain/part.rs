//! The parts catalog (配件目录) and suppliers (供应商): what a part is, how its form is checked.
//!
//! A part's stock and average cost are not edited here: they follow the stock ledger
//! (see [`super::stock`]). A part with history is never deleted; it is made inactive.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::contact::{Phone, optional_phone};
use super::field::{FieldErrors, Problem, decimal_in, optional_text, required_text};
use super::stock::{COST_PLACES, QTY_PLACES, Stock};
use crate::i18n::{Lang, Msg};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PartId(pub u64);

impl std::fmt::Display for PartId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SupplierId(pub u64);

impl std::fmt::Display for SupplierId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The built-in units (the shop may add its own in the parameters), with their labels.
pub const BUILT_IN_UNITS: &[(&str, Msg)] = &[
    ("piece", Msg::UnitPiece),
    ("set", Msg::UnitSet),
    ("litre", Msg::UnitLitre),
    ("bottle", Msg::UnitBottle),
    ("box", Msg::UnitBox),
    ("metre", Msg::UnitMetre),
    ("kg", Msg::UnitKg),
    ("pair", Msg::UnitPair),
];

/// A unit's label: built-in codes translated, the shop's own as typed.
pub fn unit_label(code: &str, lang: Lang) -> &str {
    BUILT_IN_UNITS.iter().find(|(c, _)| *c == code).map(|(_, m)| lang.t(*m)).unwrap_or(code)
}

/// A part number as the shop writes it: trimmed, inner spaces collapsed, 1–40 characters.
/// Numbers are unique ignoring case ([`PartNumber::key`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PartNumber(String);

impl PartNumber {
    pub fn parse(typed: &str) -> Result<PartNumber, Problem> {
        let collapsed = typed.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(Problem::new(Msg::Required));
        }
        if collapsed.chars().count() > 40 || collapsed.chars().any(char::is_control) {
            return Err(Problem::new(Msg::PartNumberInvalid));
        }
        Ok(PartNumber(collapsed))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The unique key: upper case, no spaces or dashes (`ABC-123` and `abc 123` are one part).
    pub fn key(&self) -> String {
        self.0.chars().filter(|c| !matches!(c, ' ' | '-' | '_' | '.')).flat_map(char::to_uppercase).collect()
    }
}

impl std::fmt::Display for PartNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the catalog says about a part.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartDetails {
    pub number: PartNumber,
    pub name: String,
    #[serde(default)]
    pub spec: String,
    #[serde(default)]
    pub brand: String,
    pub unit: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub location: String,
    /// Sale price per unit.
    pub price: Decimal,
    /// At or under this, the part is on the low-stock list. Zero: never.
    pub min_stock: Decimal,
    #[serde(default)]
    pub supplier: Option<SupplierId>,
    pub active: bool,
    /// The vehicles it fits, as free text.
    #[serde(default)]
    pub fits: String,
}

/// A catalog part with its stock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub id: PartId,
    pub details: PartDetails,
    pub stock: Stock,
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When stock last moved (slow movers are found by it).
    #[serde(default)]
    pub last_moved_at: Option<DateTime<Utc>>,
}

impl Part {
    /// At or under its minimum stock (a minimum of zero never is).
    pub fn is_low(&self) -> bool {
        self.details.active
            && self.details.min_stock > Decimal::ZERO
            && self.stock.on_hand <= self.details.min_stock
    }

    /// How many to order to be back at twice the minimum (the purchase list's suggestion).
    pub fn to_order(&self) -> Decimal {
        let target = self.details.min_stock * Decimal::TWO;
        (target - self.stock.on_hand).max(Decimal::ZERO).ceil()
    }

    /// The text quick search looks in: number (also without separators), name, brand, spec,
    /// fits, and the pinyin initials of the name and the brand (`jylqq` for 机油滤清器), lower
    /// case.
    pub fn haystack(&self) -> String {
        let d = &self.details;
        let mut hay = format!("{} {} {} {} {} {}", d.number, d.number.key(), d.name, d.brand, d.spec, d.fits)
            .to_lowercase();
        for text in [&d.name, &d.brand] {
            if super::pinyin::has_initials(text) {
                hay.push(' ');
                hay.push_str(&super::pinyin::initials(text));
            }
        }
        hay
    }
}

/// The part form as typed (field names of the route contract: `number`, `name`, `unit`, `cost`,
/// `price`, `min_stock`, and the rest).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PartInput {
    pub number: String,
    pub name: String,
    pub spec: String,
    pub brand: String,
    pub unit: String,
    pub category: String,
    pub location: String,
    /// The starting cost per unit (a new part only; afterwards receipts set the average).
    pub cost: String,
    pub price: String,
    pub min_stock: String,
    pub supplier_id: String,
    pub active: bool,
    pub fits: String,
}

/// A checked new part: its details and its starting cost.
#[derive(Clone, Debug, PartialEq)]
pub struct NewPart {
    pub details: PartDetails,
    pub cost: Decimal,
}

impl PartDetails {
    pub fn to_input(&self, cost: Decimal) -> PartInput {
        PartInput {
            number: self.number.to_string(),
            name: self.name.clone(),
            spec: self.spec.clone(),
            brand: self.brand.clone(),
            unit: self.unit.clone(),
            category: self.category.clone(),
            location: self.location.clone(),
            cost: cost.normalize().to_string(),
            price: self.price.normalize().to_string(),
            min_stock: self.min_stock.normalize().to_string(),
            supplier_id: self.supplier.map(|s| s.to_string()).unwrap_or_default(),
            active: self.active,
            fits: self.fits.clone(),
        }
    }

    /// Checks a part form against the shop's units and known suppliers. `cost` is checked
    /// only for a new part (`new`).
    pub fn check(
        input: &PartInput,
        units: &[String],
        suppliers: &[SupplierId],
        new: bool,
    ) -> Result<NewPart, FieldErrors> {
        let mut e = FieldErrors::new();
        let number = e.check("number", PartNumber::parse(&input.number));
        let name = e.check("name", required_text(&input.name, 100));
        let spec = e.check("spec", optional_text(&input.spec, 100));
        let brand = e.check("brand", optional_text(&input.brand, 60));
        let unit = e.check(
            "unit",
            Some(input.unit.trim())
                .filter(|u| units.iter().any(|k| k == u))
                .map(str::to_string)
                .ok_or(Problem::new(Msg::ChoiceInvalid)),
        );
        let category = e.check("category", optional_text(&input.category, 40));
        let location = e.check("location", optional_text(&input.location, 40));
        let cost = if new {
            let typed = if input.cost.trim().is_empty() { "0" } else { input.cost.as_str() };
            e.check("cost", decimal_in(typed, COST_PLACES, Decimal::ZERO, Decimal::from(1_000_000)))
        } else {
            Some(Decimal::ZERO)
        };
        let price = e.check("price", decimal_in(&input.price, 2, Decimal::ZERO, Decimal::from(1_000_000)));
        let min_typed = if input.min_stock.trim().is_empty() { "0" } else { input.min_stock.as_str() };
        let min_stock =
            e.check("min_stock", decimal_in(min_typed, QTY_PLACES, Decimal::ZERO, Decimal::from(100_000)));
        let supplier = match input.supplier_id.trim() {
            "" => Some(None),
            typed => e.check(
                "supplier_id",
                typed
                    .parse::<u64>()
                    .ok()
                    .map(SupplierId)
                    .filter(|id| suppliers.contains(id))
                    .map(Some)
                    .ok_or(Problem::new(Msg::SupplierUnknown)),
            ),
        };
        let fits = e.check("fits", optional_text(&input.fits, 300));
        e.into_result(|| NewPart {
            details: PartDetails {
                number: number.unwrap_or_else(|| PartNumber(String::new())),
                name: name.unwrap_or_default(),
                spec: spec.unwrap_or_default(),
                brand: brand.unwrap_or_default(),
                unit: unit.unwrap_or_default(),
                category: category.unwrap_or_default(),
                location: location.unwrap_or_default(),
                price: price.unwrap_or_default(),
                min_stock: min_stock.unwrap_or_default(),
                supplier: supplier.flatten(),
                active: input.active,
                fits: fits.unwrap_or_default(),
            },
            cost: cost.unwrap_or_default(),
        })
    }
}

/// Someone the shop buys parts from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Supplier {
    pub id: SupplierId,
    pub details: SupplierDetails,
    pub version: u64,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SupplierDetails {
    pub name: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub phone: Option<Phone>,
    #[serde(default)]
    pub notes: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SupplierInput {
    pub name: String,
    pub contact: String,
    pub phone: String,
    pub notes: String,
}

impl SupplierDetails {
    pub fn check(input: &SupplierInput) -> Result<SupplierDetails, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.check("name", required_text(&input.name, 100));
        let contact = e.check("contact", optional_text(&input.contact, 60));
        let phone = e.check("phone", optional_phone(&input.phone));
        let notes = e.check("notes", optional_text(&input.notes, 1000));
        e.into_result(|| SupplierDetails {
            name: name.unwrap_or_default(),
            contact: contact.unwrap_or_default(),
            phone: phone.flatten(),
            notes: notes.unwrap_or_default(),
        })
    }

    pub fn to_input(&self) -> SupplierInput {
        SupplierInput {
            name: self.name.clone(),
            contact: self.contact.clone(),
            phone: self.phone.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            notes: self.notes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> Vec<String> {
        BUILT_IN_UNITS.iter().map(|(c, _)| c.to_string()).collect()
    }

    fn input() -> PartInput {
        PartInput {
            number: " 90915-YZZE1 ".into(),
            name: "机油滤清器".into(),
            unit: "piece".into(),
            cost: "18.5".into(),
            price: "45".into(),
            min_stock: "10".into(),
            active: true,
            ..Default::default()
        }
    }

    #[test]
    fn part_numbers_are_unique_ignoring_case_and_separators() {
        let a = PartNumber::parse("90915-yzze1").unwrap();
        let b = PartNumber::parse(" 90915 YZZE1").unwrap();
        assert_eq!(a.key(), b.key());
        assert_eq!(a.key(), "90915YZZE1");
        assert_eq!(PartNumber::parse("  ").unwrap_err().msg, Msg::Required);
        assert_eq!(PartNumber::parse(&"x".repeat(41)).unwrap_err().msg, Msg::PartNumberInvalid);
    }

    #[test]
    fn a_new_part_keeps_its_starting_cost() {
        let new = PartDetails::check(&input(), &units(), &[], true).unwrap();
        assert_eq!(new.cost, Decimal::new(185, 1));
        assert_eq!(new.details.number.as_str(), "90915-YZZE1");
        assert_eq!(new.details.min_stock, Decimal::TEN);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = PartInput {
            number: "".into(),
            unit: "barrel".into(),
            price: "1.234".into(),
            min_stock: "-1".into(),
            supplier_id: "77".into(),
            ..input()
        };
        let e = PartDetails::check(&bad, &units(), &[SupplierId(1)], true).unwrap_err();
        for field in ["number", "unit", "price", "min_stock", "supplier_id"] {
            assert!(e.get(field).is_some(), "{field} not reported: {e:?}");
        }
        assert_eq!(e.get("price").unwrap().msg, Msg::DecimalPlaces);
    }

    #[test]
    fn low_stock_is_at_or_under_a_positive_minimum() {
        let details = PartDetails::check(&input(), &units(), &[], true).unwrap().details;
        let at = |on_hand: i64| Part {
            id: PartId(1),
            details: details.clone(),
            stock: Stock { on_hand: Decimal::from(on_hand), avg_cost: Decimal::ONE },
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            last_moved_at: None,
        };
        assert!(at(10).is_low());
        assert!(!at(11).is_low());
        assert_eq!(at(3).to_order(), Decimal::from(17));
        let mut never = at(0);
        never.details.min_stock = Decimal::ZERO;
        assert!(!never.is_low());
    }
}
