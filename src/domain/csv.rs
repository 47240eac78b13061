//! CSV lines: cells quoted where needed and defused against spreadsheet formulas. Shared by
//! the CSV downloads of the web pages and the shop's own export (`store::export`).

/// Appends one CSV line. A cell starting like a formula (`=`, `@`, a sign that is not part of
/// a plain number) is prefixed with `'` so a spreadsheet shows it as text.
pub fn line(out: &mut String, cells: &[String]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let mut cell = cell.as_str().to_string();
        // A leading sign is only safe on a plain number (a phone like +8613800138000).
        let plain_number = cell.chars().count() > 1
            && cell.chars().skip(1).all(|c| c.is_ascii_digit() || c == ' ' || c == '.');
        let risky = cell.starts_with(['=', '@', '\t', '\r'])
            || ((cell.starts_with('+') || cell.starts_with('-')) && !plain_number);
        if risky {
            cell.insert(0, '\'');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_defused() {
        let mut out = String::new();
        let cells = ["a,b", "say \"hi\"", "=1+1", "+8613800138000", "-x", "-2+3+cmd", "冯八"];
        line(&mut out, &cells.map(String::from));
        assert_eq!(out, "\"a,b\",\"say \"\"hi\"\"\",'=1+1,+8613800138000,'-x,'-2+3+cmd,冯八\r\n");
    }

    #[test]
    fn formulas_are_defused_and_numbers_kept() {
        let mut out = String::new();
        line(&mut out, &["=1+1".into(), "-12.5".into(), "+8613800138000".into(), "a,\"b\"".into()]);
        assert_eq!(out, "'=1+1,-12.5,+8613800138000,\"a,\"\"b\"\"\"\r\n");
    }
}
