//! Service templates (保养套餐): named sets of lines, e.g. "minor service" = oil, filter and half an
//! hour of labour, added to an order in one tap.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::field::{FieldErrors, Problem, decimal_in, required_text};
use super::work_order::{LineDetails, LineKind};
use crate::i18n::Msg;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceTemplate {
    pub id: u64,
    #[serde(flatten)]
    pub details: TemplateDetails,
    pub active: bool,
    pub version: u64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateDetails {
    pub name: String,
    pub lines: Vec<TemplateLine>,
}

/// A line of a template. A labour line without a price takes the labour rate in force when the
/// template is used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateLine {
    pub kind: LineKind,
    pub description: String,
    pub qty: Decimal,
    pub unit_price: Option<Decimal>,
}

/// One row of the template form as typed.
#[derive(Clone, Debug, Default)]
pub struct TemplateRowInput {
    pub kind: String,
    pub description: String,
    pub qty: String,
    pub unit_price: String,
}

/// How many line rows the template form offers.
pub const TEMPLATE_ROWS: usize = 10;

impl TemplateDetails {
    /// Checks the form: a name and at least one line; rows left blank are skipped; a wrong
    /// row is named by its number.
    pub fn check(name: &str, rows: &[TemplateRowInput]) -> Result<TemplateDetails, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.check("name", required_text(name, 60));
        let mut lines = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            if row.description.trim().is_empty()
                && row.qty.trim().is_empty()
                && row.unit_price.trim().is_empty()
            {
                continue;
            }
            let row_no = i + 1;
            let bad = |_| Problem::with(Msg::TemplateRowInvalid, &[&row_no]);
            let kind = LineKind::parse(&row.kind).ok_or(Problem::with(Msg::TemplateRowInvalid, &[&row_no]));
            let description = required_text(&row.description, 200).map_err(bad);
            let qty = decimal_in(
                if row.qty.trim().is_empty() { "1" } else { &row.qty },
                3,
                Decimal::new(1, 3),
                Decimal::from(10_000),
            )
            .map_err(bad);
            let unit_price = match row.unit_price.trim() {
                "" => Ok(None),
                p => decimal_in(p, 2, Decimal::ZERO, Decimal::from(1_000_000)).map(Some).map_err(bad),
            };
            match (kind, description, qty, unit_price) {
                (Ok(kind), Ok(description), Ok(qty), Ok(unit_price)) => {
                    if kind != LineKind::Labor && unit_price.is_none() {
                        e.add("lines", Problem::with(Msg::TemplateRowInvalid, &[&row_no]));
                    }
                    lines.push(TemplateLine { kind, description, qty, unit_price });
                }
                (k, d, q, p) => {
                    let problem = [k.err(), d.err(), q.err(), p.err()].into_iter().flatten().next();
                    e.add("lines", problem.unwrap_or(Problem::with(Msg::TemplateRowInvalid, &[&row_no])));
                }
            }
        }
        if lines.is_empty() {
            e.add("lines", Msg::TemplateNeedsLines);
        }
        e.into_result(|| TemplateDetails { name: name.unwrap_or_default(), lines })
    }

    /// The template's lines as order lines, priced now.
    pub fn line_details(&self, labour_rate: Decimal) -> Vec<LineDetails> {
        self.lines
            .iter()
            .map(|l| LineDetails {
                kind: l.kind,
                description: l.description.clone(),
                qty: l.qty,
                unit_price: l.unit_price.unwrap_or(labour_rate),
                part_id: None,
                technician: None,
            })
            .collect()
    }

    /// The form rows for editing, padded with blank rows.
    pub fn to_rows(&self) -> Vec<TemplateRowInput> {
        let mut rows: Vec<TemplateRowInput> = self
            .lines
            .iter()
            .map(|l| TemplateRowInput {
                kind: l.kind.code().into(),
                description: l.description.clone(),
                qty: l.qty.to_string(),
                unit_price: l.unit_price.map(|p| p.to_string()).unwrap_or_default(),
            })
            .collect();
        while rows.len() < TEMPLATE_ROWS {
            rows.push(TemplateRowInput { kind: "part".into(), ..Default::default() });
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, description: &str, qty: &str, price: &str) -> TemplateRowInput {
        TemplateRowInput {
            kind: kind.into(),
            description: description.into(),
            qty: qty.into(),
            unit_price: price.into(),
        }
    }

    #[test]
    fn a_template_keeps_its_filled_rows_and_prices_labour_when_used() {
        let rows = [
            row("part", "机油 5W-30", "4", "58"),
            row("part", "", "", ""),
            row("labor", "小保养工时", "0.5", ""),
        ];
        let t = TemplateDetails::check("小保养", &rows).unwrap();
        assert_eq!(t.lines.len(), 2);
        let lines = t.line_details(Decimal::from(150));
        assert_eq!(lines[1].unit_price, Decimal::from(150));
        assert_eq!(lines[0].total(), Decimal::from(232));
    }

    #[test]
    fn a_wrong_row_is_named_and_an_empty_template_refused() {
        let err = TemplateDetails::check("x", &[row("part", "oil", "abc", "5")]).unwrap_err();
        assert_eq!(err.get("lines").unwrap().args, vec!["1".to_string()]);
        let err = TemplateDetails::check("", &[]).unwrap_err();
        assert_eq!(err.get("lines").unwrap().msg, Msg::TemplateNeedsLines);
        assert_eq!(err.get("name").unwrap().msg, Msg::Required);
        let err = TemplateDetails::check("x", &[row("fee", "disposal", "1", "")]).unwrap_err();
        assert_eq!(err.get("lines").unwrap().msg, Msg::TemplateRowInvalid);
    }
}
