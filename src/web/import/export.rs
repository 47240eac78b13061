//! Excel workbooks: any table as a download, and the customer list with its filters
//! (`GET /customers/export.xlsx`).

use std::collections::HashMap;

use warp::reply::Response;

use crate::domain::Area;
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};

/// The customer list with its filters as an Excel workbook.
pub(super) async fn export_xlsx(
    state: &AppState,
    ctx: &Ctx,
    q: &HashMap<String, String>,
) -> AppResult<Response> {
    ctx.require(Area::Customers)?;
    let table = crate::web::customers::export_rows(state, ctx, q).await?;
    xlsx_attachment(&format!("customers-{}.xlsx", ctx.today()), &table, &[])
}

/// A table (header first) as an Excel workbook download named `name`: the header bold and
/// frozen, cells as text except in the `numeric` columns, where a cell that reads as a number
/// is written as one (so a spreadsheet sums it).
pub fn xlsx_attachment(name: &str, table: &[Vec<String>], numeric: &[usize]) -> AppResult<Response> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (r, row) in table.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let number = (r > 0 && numeric.contains(&c))
                .then(|| cell.parse::<rust_decimal::Decimal>().ok())
                .flatten()
                .and_then(|d| f64::try_from(d).ok());
            let (r, c) = (r as u32, c as u16);
            let written = match number {
                _ if r == 0 => sheet.write_string_with_format(r, c, cell, &bold),
                Some(n) => sheet.write_number(r, c, n),
                None => sheet.write_string(r, c, cell),
            };
            written.map_err(|e| AppError::Internal(e.to_string()))?;
        }
    }
    let _ = sheet.set_freeze_panes(1, 0);
    let bytes = book.save_to_buffer().map_err(|e| AppError::Internal(e.to_string()))?;
    let mut response = Response::new(bytes.into());
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".parse().expect("valid header"),
    );
    if let Ok(value) = format!("attachment; filename=\"{name}\"").parse() {
        headers.insert("content-disposition", value);
    }
    Ok(response)
}
