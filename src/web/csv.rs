//! CSV downloads: cells quoted where needed and defused against spreadsheet formulas, UTF-8
//! with a byte-order mark so Excel on a Chinese Windows opens the Chinese text correctly. The
//! cell rule itself is [`crate::domain::csv::line`] (the shop's export uses it too).

use warp::reply::Response;

pub use crate::domain::csv::line;

/// A table as a CSV file download named `name`.
pub fn attachment(name: &str, rows: &[Vec<String>]) -> Response {
    let mut csv = String::from("\u{feff}");
    for row in rows {
        line(&mut csv, row);
    }
    let mut response = Response::new(csv.into());
    let headers = response.headers_mut();
    headers.insert("content-type", "text/csv; charset=utf-8".parse().expect("static header"));
    if let Ok(value) = format!("attachment; filename=\"{name}\"").parse() {
        headers.insert("content-disposition", value);
    }
    response
}
