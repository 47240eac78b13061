//! Reading a spreadsheet into rows of text cells: CSV (UTF-8, UTF-16, or GBK/GB18030 as Excel
//! saves it on a Chinese Windows) and the first sheet of an .xlsx
//! workbook, and recognising the columns by their English or Chinese headers. Pure functions.

use std::collections::HashMap;

/// Most rows in one import.
pub(super) const MAX_ROWS: usize = 20_000;
/// Most columns read from a spreadsheet.
const MAX_COLUMNS: usize = 64;

/// A CSV file (RFC 4180: quoted fields, doubled quotes, CRLF or LF) in any encoding that
/// [`decode_text`] recognises; a file that does not decode cleanly is refused.
pub fn read_csv(bytes: &[u8]) -> Option<Vec<Vec<String>>> {
    let text = decode_text(bytes)?;
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    // Undo the export's formula guard.
    for row in &mut rows {
        for cell in row.iter_mut() {
            if cell.starts_with('\'') && cell[1..].starts_with(['=', '@', '+', '-', '\t']) {
                cell.remove(0);
            }
        }
    }
    Some(rows)
}

/// The text of a file whose encoding nobody told us: a byte-order mark says UTF-8 or UTF-16;
/// otherwise text that is valid UTF-8 is UTF-8, and anything else is taken as GB18030 (the
/// superset of GBK that Excel's "CSV" writes on a Chinese Windows). `None` when the bytes are
/// not valid in the encoding found.
pub fn decode_text(bytes: &[u8]) -> Option<String> {
    let (encoding, bom) = match encoding_rs::Encoding::for_bom(bytes) {
        Some(found) => found,
        None if std::str::from_utf8(bytes).is_ok() => (encoding_rs::UTF_8, 0),
        None => (encoding_rs::GB18030, 0),
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
    (!had_errors).then(|| text.into_owned())
}

/// The first sheet of an .xlsx workbook, every cell as text (numbers without a trailing
/// `.0`, so phone numbers stored as numbers come out right; dates as YYYY-MM-DD). Cells are
/// read one by one, so a sheet that claims a huge area costs nothing; more than
/// [`MAX_ROWS`] rows or [`MAX_COLUMNS`] columns is refused.
pub fn read_xlsx(bytes: &[u8]) -> Option<Vec<Vec<String>>> {
    use calamine::{DataRef, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).ok()?;
    let first = book.sheet_names().first()?.clone();
    let mut cells = book.worksheet_cells_reader(&first).ok()?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = cells.next_cell().ok()? {
        let (r, c) = cell.get_position();
        let (r, c) = (r as usize, c as usize);
        if r > MAX_ROWS || c >= MAX_COLUMNS {
            return None;
        }
        let text = match cell.get_value() {
            DataRef::Empty | DataRef::Error(_) => continue,
            DataRef::String(s) => s.clone(),
            DataRef::SharedString(s) => s.to_string(),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            DataRef::Float(f) => f.to_string(),
            DataRef::Int(i) => i.to_string(),
            DataRef::Bool(b) => b.to_string(),
            DataRef::DateTime(d) => excel_date(d.as_f64()),
            DataRef::DateTimeIso(s) => s.chars().take(10).collect(),
            DataRef::DurationIso(s) => s.clone(),
        };
        if rows.len() <= r {
            rows.resize_with(r + 1, Vec::new);
        }
        if rows[r].len() <= c {
            rows[r].resize(c + 1, String::new());
        }
        rows[r][c] = text;
    }
    Some(rows)
}

/// An Excel serial day number as YYYY-MM-DD (1900 date system).
fn excel_date(serial: f64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid");
    base.checked_add_signed(chrono::Duration::days(serial.floor() as i64))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// A field's column headers: its code first (what exports write), then the names people use.
pub(crate) type ColumnNames = &'static [(&'static str, &'static [&'static str])];

/// The customer import's columns.
const CUSTOMER_COLUMNS: ColumnNames = &[
    ("kind", &["kind", "type", "类型", "客户类型"]),
    ("name", &["name", "姓名", "名称", "客户", "客户名称", "姓名/名称"]),
    ("gender", &["gender", "性别"]),
    ("phone", &["phone", "mobile", "电话", "手机", "手机号", "联系电话"]),
    ("phone2", &["phone2", "备用电话"]),
    ("email", &["email", "e-mail", "邮箱", "电子邮箱"]),
    ("address", &["address", "地址"]),
    ("source", &["source", "来源", "客户来源"]),
    ("level", &["level", "等级", "客户等级"]),
    ("birthday", &["birthday", "生日"]),
    ("notes", &["notes", "备注"]),
    ("contact_person", &["contact_person", "联系人"]),
    ("tax_no", &["tax_no", "税号"]),
    ("plates", &["plates", "plate", "车牌", "车牌号"]),
    ("vin", &["vin", "车架号"]),
    ("make", &["make", "品牌"]),
    ("model", &["model", "车型"]),
    ("color", &["color", "colour", "颜色"]),
    ("mileage", &["mileage", "里程"]),
];

/// Which column holds which field, by English or Chinese header.
pub(crate) struct Columns(HashMap<&'static str, usize>);

impl Columns {
    /// The customer import's columns in `header`.
    pub(super) fn of(header: &[String]) -> Columns {
        Columns::by(header, CUSTOMER_COLUMNS)
    }

    /// The columns of `names` found in `header` (headers compared trimmed, ignoring case; the
    /// first column of a field wins).
    pub(crate) fn by(header: &[String], names: ColumnNames) -> Columns {
        let mut map = HashMap::new();
        for (i, h) in header.iter().enumerate() {
            let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
            if let Some((field, _)) = names.iter().find(|(_, names)| names.contains(&h.as_str())) {
                map.entry(*field).or_insert(i);
            }
        }
        Columns(map)
    }

    pub(crate) fn get(&self, field: &str) -> Option<usize> {
        self.0.get(field).copied()
    }
}

/// A cell's name as a spreadsheet shows it: column letters and the 1-based row (`C5`).
pub(crate) fn cell_name(column: usize, row: usize) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8(letters).unwrap_or_default(), row + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reads_quotes_newlines_and_a_bom() {
        let rows =
            read_csv("\u{feff}name,phone\r\n\"王, 大\",138\n\"say \"\"hi\"\"\",\"multi\nline\"\n".as_bytes())
                .unwrap();
        assert_eq!(
            rows,
            vec![vec!["name", "phone"], vec!["王, 大", "138"], vec!["say \"hi\"", "multi\nline"]]
        );
    }

    #[test]
    fn csv_in_gbk_utf16_or_utf8_reads_the_same() {
        let text = "姓名,手机\r\n王大锤,13800138000\r\n";
        let want = vec![vec!["姓名", "手机"], vec!["王大锤", "13800138000"]];
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
        assert!(!unmappable && std::str::from_utf8(&gbk).is_err(), "a real GBK file");
        assert_eq!(read_csv(&gbk).unwrap(), want, "GBK as Excel saves it");
        let mut utf16 = vec![0xff, 0xfe];
        utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(read_csv(&utf16).unwrap(), want, "UTF-16 with its mark");
        assert_eq!(read_csv(text.as_bytes()).unwrap(), want);
        assert!(decode_text(&[0x81, 0x20]).is_none(), "bytes that are no GB18030 are refused");
    }

    #[test]
    fn chinese_and_english_headers_are_understood() {
        let c = Columns::of(&["姓名".into(), "手机".into(), "车牌号".into(), "Email".into()]);
        assert_eq!(
            (c.get("name"), c.get("phone"), c.get("plates"), c.get("email")),
            (Some(0), Some(1), Some(2), Some(3))
        );
    }

    #[test]
    fn cells_are_named_like_a_spreadsheet() {
        assert_eq!(
            (cell_name(0, 0), cell_name(3, 4), cell_name(25, 9)),
            ("A1".into(), "D5".into(), "Z10".into())
        );
        assert_eq!(
            (cell_name(26, 0), cell_name(27, 1), cell_name(701, 2)),
            ("AA1".into(), "AB2".into(), "ZZ3".into())
        );
    }

    #[test]
    fn excel_serial_dates() {
        assert_eq!(excel_date(45000.0), "2023-03-15");
    }
}
