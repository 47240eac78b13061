//! The catalog file's columns, the export's rows, and checking an upload's rows against the
//! catalog: each row is new, changed, unchanged or invalid (with the reason per cell).
//!
//! Pure: the catalog is looked up through a function the caller gives (a read transaction in
//! the handler, a map in the tests).

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::domain::part::{
    BUILT_IN_UNITS, NewPart, Part, PartDetails, PartId, PartInput, PartNumber, Supplier, unit_label,
};
use crate::i18n::{Lang, Msg};
use crate::web::import::{ColumnNames, Columns, cell_name};

/// The catalog file's columns: the code the export writes first, then the headers people use.
pub(crate) const COLUMNS: ColumnNames = &[
    ("number", &["number", "part_number", "part no", "编号", "配件编号", "零件号"]),
    ("name", &["name", "名称", "配件名称"]),
    ("spec", &["spec", "specification", "规格"]),
    ("brand", &["brand", "品牌"]),
    ("unit", &["unit", "单位"]),
    ("category", &["category", "分类", "类别"]),
    ("location", &["location", "库位", "货位"]),
    ("cost", &["cost", "进价", "成本", "成本价"]),
    ("price", &["price", "售价", "销售价"]),
    ("min_stock", &["min_stock", "最低库存", "安全库存"]),
    ("supplier", &["supplier", "供应商", "常用供应商"]),
    ("active", &["active", "在用", "启用"]),
    ("fits", &["fits", "适用车型"]),
];

/// The columns written as numbers in a workbook (cost, price, minimum stock).
pub(crate) const NUMERIC: &[usize] = &[7, 8, 9];

/// The export: a header of column codes, then one row per part with every catalog field. The
/// cost is the part's moving-average cost; the supplier is written by name.
pub(crate) fn export_table(parts: &[Part], suppliers: &[Supplier]) -> Vec<Vec<String>> {
    let names: HashMap<_, _> = suppliers.iter().map(|s| (s.id, s.details.name.as_str())).collect();
    let mut table = vec![COLUMNS.iter().map(|(code, _)| code.to_string()).collect::<Vec<_>>()];
    for p in parts {
        let d = &p.details;
        table.push(vec![
            d.number.to_string(),
            d.name.clone(),
            d.spec.clone(),
            d.brand.clone(),
            d.unit.clone(),
            d.category.clone(),
            d.location.clone(),
            p.stock.avg_cost.normalize().to_string(),
            d.price.normalize().to_string(),
            d.min_stock.normalize().to_string(),
            d.supplier.and_then(|s| names.get(&s)).map(|n| n.to_string()).unwrap_or_default(),
            if d.active { "yes" } else { "no" }.to_string(),
            d.fits.clone(),
        ]);
    }
    table
}

/// A row ready to be written on confirmation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ReadyPart {
    New(NewPart),
    /// An existing part's new details, checked against the version the preview saw.
    Changed {
        id: PartId,
        version: u64,
        details: PartDetails,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RowKind {
    New,
    Changed,
    Unchanged,
    Invalid,
}

/// What the preview says about one row of the file.
#[derive(Clone, Debug)]
pub(crate) struct RowVerdict {
    /// The row's number in the spreadsheet (the header is row 1).
    pub(crate) line: usize,
    pub(crate) number: String,
    pub(crate) name: String,
    pub(crate) kind: RowKind,
    /// The part the row matched.
    pub(crate) part: Option<PartId>,
    /// What changes (`field: old → new`), or why the row is refused, or a note.
    pub(crate) notes: Vec<String>,
    pub(crate) ready: Option<ReadyPart>,
}

/// What checking a row needs to know about the shop.
pub(crate) struct Catalog<'a> {
    pub(crate) lang: Lang,
    pub(crate) units: &'a [String],
    pub(crate) suppliers: &'a [Supplier],
}

/// Checks every row of `table` (header first; empty rows skipped). `find` gives the existing
/// part with a number key. A number repeated in the file refuses the later rows.
pub(crate) fn check_rows<E>(
    shop: &Catalog,
    table: &[Vec<String>],
    columns: &Columns,
    mut find: impl FnMut(&str) -> Result<Option<Part>, E>,
) -> Result<Vec<RowVerdict>, E> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, row) in table.iter().enumerate().skip(1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |field: &str| columns.get(field).map(|c| row.get(c).map_or("", |v| v.trim()));
        let key = PartNumber::parse(cell("number").unwrap_or_default()).ok().map(|n| n.key());
        let existing = match &key {
            Some(key) => find(key)?,
            None => None,
        };
        let mut verdict = check_row(shop, columns, &cell, i, existing.as_ref());
        if let Some(key) = key {
            if let Some(first) = seen.get(&key) {
                verdict.kind = RowKind::Invalid;
                verdict.ready = None;
                verdict.notes = vec![shop.lang.fmt(Msg::PartsImportRepeated, &[first])];
            } else {
                seen.insert(key, i + 1);
            }
        }
        out.push(verdict);
    }
    Ok(out)
}

/// One row: its cells laid over the existing part's values (a column the file lacks keeps
/// them), checked like the part form, then compared.
fn check_row<'r>(
    shop: &Catalog,
    columns: &Columns,
    cell: &dyn Fn(&str) -> Option<&'r str>,
    row: usize,
    existing: Option<&Part>,
) -> RowVerdict {
    let lang = shop.lang;
    let mut input = match existing {
        Some(p) => p.details.to_input(p.stock.avg_cost),
        None => PartInput { active: true, ..Default::default() },
    };
    let mut notes = Vec::new();
    let typed = |field: &str, slot: &mut String| {
        if let Some(value) = cell(field) {
            *slot = value.to_string();
        }
    };
    typed("number", &mut input.number);
    typed("name", &mut input.name);
    typed("spec", &mut input.spec);
    typed("brand", &mut input.brand);
    typed("category", &mut input.category);
    typed("location", &mut input.location);
    typed("cost", &mut input.cost);
    typed("price", &mut input.price);
    typed("min_stock", &mut input.min_stock);
    typed("fits", &mut input.fits);
    if let Some(unit) = cell("unit") {
        input.unit = unit_code(unit, shop.units);
    }
    if let Some(typed) = cell("active") {
        match yes_no(typed) {
            Some(active) => input.active = active,
            None => notes.push(reason(lang, columns, row, "active", typed, lang.t(Msg::PartsImportYesNo))),
        }
    }
    if let Some(name) = cell("supplier") {
        let current = existing.and_then(|p| p.details.supplier);
        let named = shop.suppliers.iter().filter(|s| s.details.name == name);
        let pick = named.clone().find(|s| Some(s.id) == current).or(named.clone().next());
        match pick {
            _ if name.is_empty() => input.supplier_id.clear(),
            Some(s) => input.supplier_id = s.id.to_string(),
            None => {
                input.supplier_id.clear();
                let problem = lang.fmt(Msg::PartsImportSupplierUnknown, &[&name]);
                notes.push(reason(lang, columns, row, "supplier", name, &problem));
            }
        }
    }
    let ids: Vec<_> = shop.suppliers.iter().map(|s| s.id).collect();
    let checked = PartDetails::check(&input, shop.units, &ids, true);
    let mut verdict = RowVerdict {
        line: row + 1,
        number: input.number.clone(),
        name: input.name.clone(),
        kind: RowKind::Invalid,
        part: existing.map(|p| p.id),
        notes: Vec::new(),
        ready: None,
    };
    let new = match checked {
        Err(errors) => {
            for (field, problem) in errors.iter() {
                let field = if field == "supplier_id" { "supplier" } else { field };
                let typed = cell(field).unwrap_or_default();
                notes.push(reason(lang, columns, row, field, typed, &problem.text(lang)));
            }
            verdict.notes = notes;
            return verdict;
        }
        Ok(_) if !notes.is_empty() => {
            verdict.notes = notes;
            return verdict;
        }
        Ok(new) => new,
    };
    match existing {
        None => {
            verdict.kind = RowKind::New;
            verdict.ready = Some(ReadyPart::New(new));
        }
        Some(part) => {
            if new.cost != part.stock.avg_cost {
                verdict.notes.push(lang.t(Msg::PartsImportCostKept).to_string());
            }
            let changes = changes(lang, &part.details, &new.details, shop.suppliers);
            if changes.is_empty() {
                verdict.kind = RowKind::Unchanged;
            } else {
                verdict.kind = RowKind::Changed;
                verdict.notes.splice(0..0, changes);
                let (id, version) = (part.id, part.version);
                verdict.ready = Some(ReadyPart::Changed { id, version, details: new.details });
            }
        }
    }
    verdict
}

/// `售价 I5 “1.234”: 最多两位小数。`: the field, its cell, what was typed and the problem.
fn reason(lang: Lang, columns: &Columns, row: usize, field: &str, typed: &str, problem: &str) -> String {
    let label = lang.t(field_label(field));
    match columns.get(field) {
        Some(c) => format!("{label} {} “{typed}”: {problem}", cell_name(c, row)),
        None => format!("{label}: {problem}"),
    }
}

fn field_label(field: &str) -> Msg {
    match field {
        "number" => Msg::PartNumber,
        "name" => Msg::PartName,
        "spec" => Msg::PartSpec,
        "brand" => Msg::PartBrand,
        "unit" => Msg::PartUnit,
        "category" => Msg::PartCategory,
        "location" => Msg::PartLocation,
        "cost" => Msg::PartCost,
        "price" => Msg::PartPrice,
        "min_stock" => Msg::MinStock,
        "supplier" => Msg::UsualSupplier,
        "active" => Msg::PartActive,
        "fits" => Msg::PartFits,
        _ => Msg::Details,
    }
}

/// A unit as typed: one of the shop's codes, or a built-in unit's label in either language
/// (`升`, `Litre`); anything else is kept as typed, for the check to refuse.
fn unit_code(typed: &str, units: &[String]) -> String {
    if let Some(code) = units.iter().find(|u| u.eq_ignore_ascii_case(typed)) {
        return code.clone();
    }
    BUILT_IN_UNITS
        .iter()
        .find(|(code, msg)| {
            units.iter().any(|u| u == code)
                && crate::i18n::Lang::ALL.iter().any(|l| l.t(*msg).eq_ignore_ascii_case(typed))
        })
        .map(|(code, _)| code.to_string())
        .unwrap_or_else(|| typed.to_string())
}

/// `yes`/`no` in the ways a spreadsheet says them; empty is yes.
fn yes_no(typed: &str) -> Option<bool> {
    match typed.to_lowercase().as_str() {
        "" | "yes" | "y" | "true" | "1" | "是" | "在用" | "启用" | "active" => Some(true),
        "no" | "n" | "false" | "0" | "否" | "停用" | "inactive" => Some(false),
        _ => None,
    }
}

/// What an import changes on a part, one `field: old → new` per field.
fn changes(lang: Lang, old: &PartDetails, new: &PartDetails, suppliers: &[Supplier]) -> Vec<String> {
    let supplier = |d: &PartDetails| {
        d.supplier
            .and_then(|id| suppliers.iter().find(|s| s.id == id))
            .map(|s| s.details.name.clone())
            .unwrap_or_default()
    };
    let yes = |b: bool| lang.t(if b { Msg::Yes } else { Msg::No }).to_string();
    let n = |d: Decimal| d.normalize().to_string();
    let pairs = [
        ("number", old.number.to_string(), new.number.to_string()),
        ("name", old.name.clone(), new.name.clone()),
        ("spec", old.spec.clone(), new.spec.clone()),
        ("brand", old.brand.clone(), new.brand.clone()),
        ("unit", unit_label(&old.unit, lang).to_string(), unit_label(&new.unit, lang).to_string()),
        ("category", old.category.clone(), new.category.clone()),
        ("location", old.location.clone(), new.location.clone()),
        ("price", n(old.price), n(new.price)),
        ("min_stock", n(old.min_stock), n(new.min_stock)),
        ("supplier", supplier(old), supplier(new)),
        ("active", yes(old.active), yes(new.active)),
        ("fits", old.fits.clone(), new.fits.clone()),
    ];
    let mut out: Vec<String> = pairs
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(field, a, b)| format!("{}: {a} → {b}", lang.t(field_label(field))))
        .collect();
    // Same text, different record (two suppliers of one name): still a change.
    if out.is_empty() && old != new {
        out.push(lang.t(Msg::UsualSupplier).to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::part::{SupplierDetails, SupplierId};
    use crate::domain::stock::Stock;

    fn units() -> Vec<String> {
        BUILT_IN_UNITS.iter().map(|(c, _)| c.to_string()).collect()
    }

    fn supplier(id: u64, name: &str) -> Supplier {
        let details =
            SupplierDetails { name: name.into(), contact: String::new(), phone: None, notes: String::new() };
        Supplier { id: SupplierId(id), details, version: 1, created_at: Utc::now() }
    }

    fn part(id: u64, number: &str, price: i64) -> Part {
        let details = PartDetails {
            number: PartNumber::parse(number).unwrap(),
            name: "机油滤清器".into(),
            spec: String::new(),
            brand: "博世".into(),
            unit: "piece".into(),
            category: "滤清器".into(),
            location: "A-01".into(),
            price: Decimal::from(price),
            min_stock: Decimal::from(5),
            supplier: Some(SupplierId(1)),
            active: true,
            fits: "丰田 卡罗拉".into(),
        };
        let stock = Stock { on_hand: Decimal::from(3), avg_cost: Decimal::new(185_000, 4) };
        let now = Utc::now();
        Part {
            id: PartId(id),
            details,
            stock,
            version: 4,
            created_at: now,
            updated_at: now,
            last_moved_at: None,
        }
    }

    fn check(table: &[Vec<String>], catalog: &[Part]) -> Vec<RowVerdict> {
        let (units, suppliers) = (units(), vec![supplier(1, "华南汽配"), supplier(2, "东莞配件行")]);
        let shop = Catalog { lang: Lang::Zh, units: &units, suppliers: &suppliers };
        let columns = Columns::by(&table[0], COLUMNS);
        let by_key: HashMap<String, Part> =
            catalog.iter().map(|p| (p.details.number.key(), p.clone())).collect();
        check_rows(&shop, table, &columns, |key| Ok::<_, ()>(by_key.get(key).cloned())).unwrap()
    }

    fn rows(lines: &[&str]) -> Vec<Vec<String>> {
        lines.iter().map(|l| l.split(',').map(str::to_string).collect()).collect()
    }

    #[test]
    fn the_export_reads_back_as_unchanged() {
        let catalog = vec![part(1, "90915-YZZE1", 45), part(2, "04465-02220", 320)];
        let table = export_table(&catalog, &[supplier(1, "华南汽配")]);
        assert_eq!(table[1][7], "18.5", "the average cost, without trailing zeros");
        let verdicts = check(&table, &catalog);
        assert!(verdicts.iter().all(|v| v.kind == RowKind::Unchanged), "{verdicts:?}");
        assert!(verdicts.iter().all(|v| v.notes.is_empty()));
    }

    #[test]
    fn a_changed_price_and_a_new_part_are_ready_and_matched_by_normalised_number() {
        let catalog = vec![part(1, "90915-YZZE1", 45)];
        let table = rows(&[
            "编号,名称,单位,售价,成本,供应商",
            "90915 yzze1,机油滤清器,个,48,18.5,华南汽配",
            "NEW-1,刹车片,套,320,150,东莞配件行",
        ]);
        let verdicts = check(&table, &catalog);
        assert_eq!(verdicts[0].kind, RowKind::Changed, "{:?}", verdicts[0]);
        assert!(verdicts[0].notes.iter().any(|n| n == "售价: 45 → 48"), "{:?}", verdicts[0].notes);
        assert!(verdicts[0].notes.iter().any(|n| n.starts_with("配件编号: 90915-YZZE1 → 90915 yzze1")));
        match &verdicts[0].ready {
            Some(ReadyPart::Changed { id, version, details }) => {
                assert_eq!((*id, *version, details.price), (PartId(1), 4, Decimal::from(48)));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(verdicts[1].kind, RowKind::New);
        match &verdicts[1].ready {
            Some(ReadyPart::New(new)) => {
                assert_eq!((new.cost, new.details.unit.as_str()), (Decimal::from(150), "set"));
                assert_eq!(new.details.supplier, Some(SupplierId(2)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_cells_are_named_with_what_was_typed() {
        let table = rows(&[
            "number,name,unit,price,supplier,active",
            "A-1,机油,barrel,1.234,无名公司,maybe",
            ",无编号,piece,1,,",
            "A-1,重复,piece,1,,",
        ]);
        let verdicts = check(&table, &[]);
        assert!(verdicts.iter().all(|v| v.kind == RowKind::Invalid && v.ready.is_none()));
        let notes = verdicts[0].notes.join("\n");
        assert!(notes.contains("单位 C2 “barrel”"), "{notes}");
        assert!(notes.contains("售价 D2 “1.234”"), "{notes}");
        assert!(notes.contains("常用供应商 E2 “无名公司”"), "{notes}");
        assert!(notes.contains("在用 F2 “maybe”"), "{notes}");
        assert!(verdicts[1].notes[0].starts_with("配件编号 A3 “”"), "{:?}", verdicts[1].notes);
        assert_eq!(verdicts[2].notes, vec!["编号已在文件第 2 行出现。".to_string()]);
    }

    #[test]
    fn missing_columns_keep_the_existing_values_and_a_different_cost_is_only_a_note() {
        let catalog = vec![part(1, "90915-YZZE1", 45)];
        let verdicts = check(&rows(&["number,price,cost", "90915-YZZE1,45,99"]), &catalog);
        assert_eq!(verdicts[0].kind, RowKind::Unchanged);
        assert_eq!(verdicts[0].notes, vec![Lang::Zh.t(Msg::PartsImportCostKept).to_string()]);
        let verdicts = check(&rows(&["number,active", "90915-YZZE1,否"]), &catalog);
        assert_eq!(verdicts[0].kind, RowKind::Changed);
        assert_eq!(verdicts[0].notes, vec!["在用: 是 → 否".to_string()]);
    }
}
