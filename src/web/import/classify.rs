//! Checking an upload's rows: each on its own by the domain's rules, then against the file
//! itself and the database. Duplicates are the same name and phone as an existing customer or
//! an earlier row; a plate or VIN already on file or earlier in the file is an error.

use std::collections::HashSet;

use super::ReadyRow;
use super::read::Columns;
use crate::domain::customer::CustomerInput;
use crate::domain::vehicle::VehicleInput;
use crate::domain::{CustomerDetails, VehicleDetails};
use crate::i18n::{Lang, Msg};
use crate::store::{customers, vehicles};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;

/// Checks each row on its own by the domain's rules: a row with its customer and vehicles ready
/// to create, or the reasons it cannot be, by its line number in the file. Empty rows are
/// skipped.
pub(super) fn check_rows(
    ctx: &Ctx,
    table: &[Vec<String>],
    columns: &Columns,
) -> Vec<(usize, Result<ReadyRow, Vec<String>>)> {
    let lang = ctx.lang;
    let s = &ctx.settings;
    let today = ctx.today();
    let mut checked: Vec<(usize, Result<ReadyRow, Vec<String>>)> = Vec::new();
    for (i, row) in table.iter().enumerate().skip(1) {
        let cell = |c: &str| {
            columns.get(c).and_then(|i| row.get(i)).map(|v| v.trim().to_string()).unwrap_or_default()
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let customer = CustomerInput {
            kind: cell("kind"),
            name: cell("name"),
            gender: cell("gender"),
            phone: cell("phone"),
            phone2: cell("phone2"),
            email: cell("email"),
            address: cell("address"),
            source: cell("source"),
            level: cell("level"),
            birthday: cell("birthday"),
            notes: cell("notes"),
            contact_person: cell("contact_person"),
            tax_no: cell("tax_no"),
        };
        let mut reasons = Vec::new();
        let customer = match CustomerDetails::check(&customer, today, &s.customer_sources, &s.customer_levels)
        {
            Ok(c) => Some(c),
            Err(errors) => {
                reasons.extend(
                    errors.iter().map(|(f, p)| format!("{}: {}", field_label(lang, f), p.text(lang))),
                );
                None
            }
        };
        let plates: Vec<String> = cell("plates")
            .split([',', ';', '，', '、'])
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        let mut vehicles = Vec::new();
        for (n, plate) in plates.iter().enumerate() {
            // Details beyond the plate belong to the first vehicle of the row.
            let first = n == 0;
            let extra = |c: &str| if first { cell(c) } else { String::new() };
            let input = VehicleInput {
                plate: plate.clone(),
                vin: extra("vin"),
                make: extra("make"),
                model: extra("model"),
                color: extra("color"),
                mileage: extra("mileage"),
                ..Default::default()
            };
            match VehicleDetails::check(&input, today) {
                Ok(v) => vehicles.push(v),
                Err(errors) => reasons.extend(
                    errors.iter().map(|(f, p)| format!("{}: {}", field_label(lang, f), p.text(lang))),
                ),
            }
        }
        let verdict = match customer {
            Some(customer) if reasons.is_empty() => Ok(ReadyRow { customer, vehicles }),
            _ => Err(reasons),
        };
        checked.push((i + 1, verdict));
    }
    checked
}

/// One row of the preview.
pub(super) struct Verdict {
    pub(super) line: usize,
    pub(super) name: String,
    pub(super) phone: String,
    pub(super) plates: String,
    pub(super) kind: VerdictKind,
    pub(super) reasons: Vec<String>,
    pub(super) link: Option<String>,
    pub(super) ready: Option<ReadyRow>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum VerdictKind {
    New,
    Duplicate,
    Error,
}

/// Duplicates: the same name and phone as an existing customer or an earlier row; a plate
/// already on file or earlier in the file.
pub(super) async fn classify(
    state: &AppState,
    lang: Lang,
    checked: Vec<(usize, Result<ReadyRow, Vec<String>>)>,
) -> AppResult<Vec<Verdict>> {
    let verdicts = state
        .store
        .scan(move |tx| {
            let mut seen_people = HashSet::new();
            let mut seen_plates = HashSet::new();
            let mut seen_vins = HashSet::new();
            let mut out = Vec::with_capacity(checked.len());
            for (line, result) in checked {
                let row = match result {
                    Err(reasons) => {
                        out.push(Verdict {
                            line,
                            name: String::new(),
                            phone: String::new(),
                            plates: String::new(),
                            kind: VerdictKind::Error,
                            reasons,
                            link: None,
                            ready: None,
                        });
                        continue;
                    }
                    Ok(row) => row,
                };
                let mut kind = VerdictKind::New;
                let mut reasons = Vec::new();
                let mut link = None;
                for id in customers::sharing_phone(tx, &row.customer.phone, None)? {
                    let same = customers::get(tx, id)?.is_some_and(|c| c.details.name == row.customer.name);
                    if same {
                        kind = VerdictKind::Duplicate;
                        reasons.push(lang.t(Msg::ImportSameCustomer).to_string());
                        link = Some(format!("/customers/{id}"));
                    }
                }
                let person = (row.customer.name.clone(), row.customer.phone.as_str().to_string());
                if kind == VerdictKind::New && !seen_people.insert(person) {
                    kind = VerdictKind::Duplicate;
                    reasons.push(lang.t(Msg::ImportRepeatedRow).to_string());
                }
                for v in &row.vehicles {
                    if let Some(existing) = vehicles::find_by_plate(tx, &v.plate)? {
                        if kind == VerdictKind::New {
                            kind = VerdictKind::Error;
                        }
                        reasons.push(format!("{} {}", v.plate, lang.t(Msg::PlateTaken)));
                        link.get_or_insert(format!("/vehicles/{}", existing.id));
                    } else if !seen_plates.insert(v.plate.clone()) {
                        kind = VerdictKind::Error;
                        reasons.push(format!("{} {}", v.plate, lang.t(Msg::ImportRepeatedPlate)));
                    }
                    if let Some(vin) = &v.vin {
                        if let Some(existing) = vehicles::find_by_vin(tx, vin)? {
                            kind = VerdictKind::Error;
                            reasons.push(format!("{vin} {}", lang.t(Msg::VinTaken)));
                            link.get_or_insert(format!("/vehicles/{existing}"));
                        } else if !seen_vins.insert(vin.clone()) {
                            kind = VerdictKind::Error;
                            reasons.push(format!("{vin} {}", lang.t(Msg::ImportRepeatedPlate)));
                        }
                    }
                }
                out.push(Verdict {
                    line,
                    name: row.customer.name.clone(),
                    phone: row.customer.phone.to_string(),
                    plates: row.vehicles.iter().map(|v| v.plate.to_string()).collect::<Vec<_>>().join(" "),
                    kind,
                    reasons,
                    link,
                    ready: (kind == VerdictKind::New).then_some(row),
                });
            }
            Ok(out)
        })
        .await?;
    Ok(verdicts)
}

fn field_label(lang: Lang, field: &str) -> &'static str {
    let msg = match field {
        "kind" => Msg::CustomerKind,
        "name" => Msg::Name,
        "gender" => Msg::Gender,
        "phone" => Msg::Phone,
        "phone2" => Msg::Phone2,
        "email" => Msg::Email,
        "address" => Msg::Address,
        "source" => Msg::Source,
        "level" => Msg::Level,
        "birthday" => Msg::Birthday,
        "notes" => Msg::Notes,
        "contact_person" => Msg::ContactPerson,
        "tax_no" => Msg::TaxNo,
        "plate" => Msg::Plate,
        "vin" => Msg::Vin,
        "make" => Msg::Make,
        "model" => Msg::Model,
        "color" => Msg::Color,
        "mileage" => Msg::Mileage,
        _ => Msg::Details,
    };
    lang.t(msg)
}
