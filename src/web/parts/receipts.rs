//! Stock receipts (入库单) with several lines, a supplier and an invoice number:
//! `GET /parts/receipts`, `GET /parts/receipts/new`, `POST /parts/receipts`,
//! `GET /parts/receipts/{id}`.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use maud::html;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::{clerk, qty, qty_unit};
use crate::domain::FieldErrors;
use crate::domain::field::optional_text;
use crate::domain::part::{PartId, PartNumber, SupplierId};
use crate::domain::stock::{self as rules, ReceiptLine, ReceiptLineInput};
use crate::i18n::Msg;
use crate::store::StoreError;
use crate::store::parts::stock::{self as ledger, ReceiptDraft};
use crate::store::parts::{self};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::form::Form;
use crate::web::layout::{self, Field, csrf_field, notice};
use crate::web::show::{LocalTime, Money};
use crate::web::{AppState, BODY_LIMIT, html_response};

use super::stock::supplier_choice;

/// Rows on the multi-line receipt form.
const RECEIPT_ROWS: usize = 8;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = crate::web::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let query = warp::query::<HashMap<String, String>>().or(warp::any().map(HashMap::new)).unify();
    let receipts = warp::path!("parts" / "receipts")
        .and(warp::get())
        .and(ctx.clone())
        .and(query)
        .then(handler!(state, ctx, |ctx: Ctx, q: HashMap<String, String>| receipts_page(&state, &ctx, &q)));
    let new_receipt = warp::path!("parts" / "receipts" / "new")
        .and(warp::get())
        .and(ctx.clone())
        .then(handler!(state, ctx, |ctx: Ctx| new_receipt_page(&state, &ctx)));
    let post_receipt = warp::path!("parts" / "receipts")
        .and(warp::post())
        .and(ctx.clone())
        .and(body)
        .then(handler!(state, ctx, |ctx: Ctx, body: Bytes| post_receipt(&state, &ctx, &body)));
    let receipt = warp::path!("parts" / "receipts" / u64).and(warp::get()).and(ctx).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx| receipt_page(&state, &ctx, id)
    ));
    receipts.or(new_receipt).unify().or(post_receipt).unify().or(receipt).unify().boxed()
}

#[derive(Clone, Debug, Default)]
struct ReceiptInput {
    supplier: String,
    invoice_no: String,
    date: String,
    rows: Vec<(String, String, String)>,
}

fn receipt_input(form: &Form) -> ReceiptInput {
    ReceiptInput {
        supplier: form.owned("supplier"),
        invoice_no: form.owned("invoice_no"),
        date: form.owned("date"),
        rows: (0..RECEIPT_ROWS)
            .map(|i| {
                (
                    form.owned(&format!("number_{i}")),
                    form.owned(&format!("qty_{i}")),
                    form.owned(&format!("unit_cost_{i}")),
                )
            })
            .collect(),
    }
}

async fn new_receipt_page(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    clerk(ctx)?;
    let input = ReceiptInput {
        date: ctx.today().to_string(),
        rows: vec![Default::default(); RECEIPT_ROWS],
        ..Default::default()
    };
    let names = state.store.read(parts::suppliers).await?.into_iter().map(|s| s.details.name).collect();
    Ok(receipt_form(ctx, &input, &names, &FieldErrors::new()))
}

fn receipt_form(ctx: &Ctx, input: &ReceiptInput, suppliers: &Vec<String>, errors: &FieldErrors) -> Response {
    let lang = ctx.lang;
    let body = html! {
        p { a href="/parts/receipts" { "← " (lang.t(Msg::Receipts)) } }
        h1 { (lang.t(Msg::NewReceipt)) }
        @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
        form.panel method="post" action="/parts/receipts" novalidate id="receipt-form" {
            (csrf_field(ctx))
            div.form-grid {
                div.field.invalid[errors.get("supplier").is_some()] {
                    label for="f-supplier" { (lang.t(Msg::Supplier)) }
                    input id="f-supplier" name="supplier" type="text" list="supplier-names" value=(input.supplier);
                    @if let Some(p) = errors.get("supplier") { p.field-msg { (p.text(lang)) } } @else { p.field-hint { (lang.t(Msg::SupplierHint)) } }
                }
                datalist id="supplier-names" { @for s in suppliers { option value=(s) {} } }
                (Field::text("invoice_no", lang.t(Msg::InvoiceNo), &input.invoice_no).render(lang, errors))
                (Field::text("date", lang.t(Msg::ReceiptDate), &input.date).kind("date").required().render(lang, errors))
            }
            @if let Some(p) = errors.get("lines") { p.field-msg role="alert" { (p.text(lang)) } }
            div.table-wrap {
                table.rows.receipt-rows {
                    thead { tr { th { (lang.t(Msg::PartNumber)) } th { (lang.t(Msg::Qty)) } th { (lang.t(Msg::UnitCost)) } } }
                    tbody {
                        @for (i, (number, q, cost)) in input.rows.iter().enumerate() {
                            @let problem = |f: &str| errors.get(row_field(f, i)).map(|p| p.text(lang));
                            tr {
                                td { input type="text" name={ "number_" (i) } value=(number) aria-label=(lang.t(Msg::PartNumber)); @if let Some(t) = problem("number") { p.field-msg { (t) } } }
                                td { input type="text" inputmode="decimal" name={ "qty_" (i) } value=(q) aria-label=(lang.t(Msg::Qty)); @if let Some(t) = problem("qty") { p.field-msg { (t) } } }
                                td { input type="text" inputmode="decimal" name={ "unit_cost_" (i) } value=(cost) aria-label=(lang.t(Msg::UnitCost)); @if let Some(t) = problem("unit_cost") { p.field-msg { (t) } } }
                            }
                        }
                    }
                }
            }
            div.actions { button type="submit" { (lang.t(Msg::PostReceipt)) } a.button.secondary href="/parts" { (lang.t(Msg::Cancel)) } }
        }
    };
    let mut response = html_response(layout::page(ctx, lang.t(Msg::NewReceipt), body));
    if !errors.is_empty() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// The field name of a receipt row's column, as a `'static` name for [`FieldErrors`].
fn row_field(column: &str, i: usize) -> &'static str {
    const NAMES: [[&str; RECEIPT_ROWS]; 3] = [
        ["number_0", "number_1", "number_2", "number_3", "number_4", "number_5", "number_6", "number_7"],
        ["qty_0", "qty_1", "qty_2", "qty_3", "qty_4", "qty_5", "qty_6", "qty_7"],
        [
            "unit_cost_0",
            "unit_cost_1",
            "unit_cost_2",
            "unit_cost_3",
            "unit_cost_4",
            "unit_cost_5",
            "unit_cost_6",
            "unit_cost_7",
        ],
    ];
    let c = match column {
        "number" => 0,
        "qty" => 1,
        _ => 2,
    };
    NAMES[c][i.min(RECEIPT_ROWS - 1)]
}

async fn post_receipt(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let user = clerk(ctx)?;
    let form = ctx.form(body)?;
    let input = receipt_input(&form);
    let suppliers: Vec<String> =
        state.store.read(parts::suppliers).await?.into_iter().map(|s| s.details.name).collect();
    let mut errors = FieldErrors::new();
    let invoice_no = errors.check("invoice_no", optional_text(&input.invoice_no, 60));
    let date = errors.check(
        "date",
        NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d")
            .map_err(|_| crate::domain::field::Problem::new(Msg::DateInvalid)),
    );
    let supplier = match supplier_choice(state, &input.supplier).await? {
        Ok(s) => Some(s),
        Err(p) => {
            errors.add("supplier", p);
            None
        }
    };
    // Resolve part numbers in one read.
    let numbers: Vec<String> = input.rows.iter().map(|(n, _, _)| n.clone()).collect();
    let ids: Vec<Option<PartId>> = state
        .store
        .read(move |tx| {
            numbers
                .iter()
                .map(|n| match PartNumber::parse(n) {
                    Ok(n) => parts::by_number(tx, &n.key()),
                    Err(_) => Ok(None),
                })
                .collect()
        })
        .await?;
    let mut lines: Vec<ReceiptLine> = Vec::new();
    for (i, ((number, q, cost), id)) in input.rows.iter().zip(&ids).enumerate() {
        if number.trim().is_empty() && q.trim().is_empty() && cost.trim().is_empty() {
            continue;
        }
        let Some(id) = id else {
            errors.add(row_field("number", i), Msg::PartUnknown);
            continue;
        };
        match rules::check_receipt_line(
            &ReceiptLineInput { part_id: id.to_string(), qty: q.clone(), unit_cost: cost.clone() },
            |_| true,
        ) {
            Ok(line) => lines.push(line),
            Err(problems) => {
                for (field, p) in problems {
                    errors.add(row_field(field, i), p);
                }
            }
        }
    }
    if lines.is_empty() && errors.is_empty() {
        errors.add("lines", Msg::ReceiptEmpty);
    }
    let (Some(invoice_no), Some(date), Some(supplier)) = (invoice_no, date, supplier) else {
        return Ok(receipt_form(ctx, &input, &suppliers, &errors));
    };
    if !errors.is_empty() {
        return Ok(receipt_form(ctx, &input, &suppliers, &errors));
    }
    let actor = user.actor();
    let result = state
        .store
        .write_touching(move |tx, t| {
            let supplier = parts::pick_supplier_tx(tx, &actor, supplier.clone())?;
            ledger::receive_tx(
                tx,
                t,
                &actor,
                ReceiptDraft { supplier, invoice_no: invoice_no.clone(), date, lines: lines.clone() },
            )
        })
        .await;
    match result {
        Ok(r) => Ok(redirect_to(&format!("/parts/receipts/{}", r.id), ctx.htmx)),
        Err(StoreError::Invalid(e)) => Ok(receipt_form(ctx, &input, &suppliers, &e)),
        Err(e) => Err(e.into()),
    }
}

/// The shop-local day's bounds in UTC.
fn day_bounds(day: NaiveDate, tz: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).earliest())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
    };
    (start(day), start(day.succ_opt().unwrap_or(day)))
}

/// The receipts posted on the shop's `day`, for the stockroom's number on the home page.
pub(crate) async fn posted_on(state: &AppState, day: NaiveDate, tz: chrono_tz::Tz) -> AppResult<usize> {
    let (from, to) = day_bounds(day, tz);
    Ok(state.store.read(move |tx| ledger::receipts_posted(tx, from, to)).await?.len())
}

/// GET /parts/receipts: the latest receipts, or (`?date=YYYY-MM-DD`) those posted that day.
async fn receipts_page(state: &AppState, ctx: &Ctx, q: &HashMap<String, String>) -> AppResult<Response> {
    clerk(ctx)?;
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let day = q.get("date").and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());
    let (receipts, suppliers) = state
        .store
        .read(move |tx| {
            let receipts = match day {
                Some(day) => {
                    let (from, to) = day_bounds(day, tz);
                    ledger::receipts_posted(tx, from, to)?
                }
                None => ledger::recent_receipts(tx, 100)?,
            };
            Ok((receipts, parts::suppliers(tx)?))
        })
        .await?;
    let name = |id: Option<SupplierId>| {
        id.and_then(|id| suppliers.iter().find(|s| s.id == id))
            .map(|s| s.details.name.clone())
            .unwrap_or_default()
    };
    let body = html! {
        p { a href="/parts" { "← " (lang.t(Msg::PartsTitle)) } }
        div.page-head {
            h1 { (lang.t(Msg::Receipts)) @if let Some(day) = day { " · " (day) } }
            div.actions { a.button href="/parts/receipts/new" { "+ " (lang.t(Msg::NewReceipt)) } }
        }
        @if receipts.is_empty() {
            div.empty { p { (lang.t(Msg::NoReceipts)) } }
        } @else {
            div.table-wrap { table.rows {
                thead { tr { th { "#" } th { (lang.t(Msg::ReceiptDate)) } th { (lang.t(Msg::Supplier)) } th { (lang.t(Msg::InvoiceNo)) } th.num { (lang.t(Msg::Lines)) } th.num { (lang.t(Msg::Total)) } th { (lang.t(Msg::By)) } } }
                tbody {
                    @for r in &receipts {
                        tr data-receipt=(r.id) {
                            td { a href={ "/parts/receipts/" (r.id) } { "#" (r.id) } }
                            td.nowrap { (r.date) }
                            td { (name(r.supplier)) }
                            td { (r.invoice_no) }
                            td.num { (r.lines.len()) }
                            td.num { (Money(r.total())) }
                            td { (r.by_name) " · " (LocalTime::new(r.at, tz)) }
                        }
                    }
                }
            } }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::Receipts), body)))
}

async fn receipt_page(state: &AppState, ctx: &Ctx, id: u64) -> AppResult<Response> {
    clerk(ctx)?;
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let found = state
        .store
        .read(move |tx| {
            let Some(r) = ledger::receipt(tx, id)? else { return Ok(None) };
            let supplier = match r.supplier {
                Some(s) => parts::supplier(tx, s)?,
                None => None,
            };
            let lines = r
                .lines
                .iter()
                .map(|l| Ok((l.clone(), parts::get(tx, l.part)?)))
                .collect::<crate::store::StoreResult<Vec<_>>>()?;
            Ok(Some((r, supplier, lines)))
        })
        .await?;
    let (r, supplier, lines) = found.ok_or(AppError::NotFound)?;
    let title = format!("{} #{}", lang.t(Msg::Receipt), r.id);
    let body = html! {
        p { a href="/parts/receipts" { "← " (lang.t(Msg::Receipts)) } }
        h1 { (title) }
        section.panel {
            dl.details {
                dt { (lang.t(Msg::ReceiptDate)) } dd { (r.date) }
                @if let Some(s) = &supplier { dt { (lang.t(Msg::Supplier)) } dd { a href={ "/suppliers/" (s.id) } { (s.details.name) } } }
                @if !r.invoice_no.is_empty() { dt { (lang.t(Msg::InvoiceNo)) } dd { (r.invoice_no) } }
                dt { (lang.t(Msg::By)) } dd { (r.by_name) " · " (LocalTime::new(r.at, tz)) }
            }
            div.table-wrap { table.rows {
                thead { tr { th { (lang.t(Msg::PartNumber)) } th { (lang.t(Msg::PartName)) } th.num { (lang.t(Msg::Qty)) } th.num { (lang.t(Msg::UnitCost)) } th.num { (lang.t(Msg::Total)) } } }
                tbody {
                    @for (l, part) in &lines {
                        tr {
                            td { a href={ "/parts/" (l.part) } { (part.as_ref().map(|p| p.details.number.to_string()).unwrap_or_default()) } }
                            td { (part.as_ref().map(|p| p.details.name.clone()).unwrap_or_default()) }
                            td.num { (part.as_ref().map(|p| qty_unit(l.qty, &p.details.unit, lang)).unwrap_or_else(|| qty(l.qty))) }
                            td.num { (Money(l.unit_cost)) }
                            td.num { (Money(rules::cents(l.qty * l.unit_cost))) }
                        }
                    }
                }
                tfoot { tr { td colspan="4" { (lang.t(Msg::Total)) } td.num data-total=(r.total()) { (Money(r.total())) } } }
            } }
        }
    };
    Ok(html_response(layout::page(ctx, &title, body)))
}
