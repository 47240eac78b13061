//! Stock in and out from the stockroom: a quick receipt on a part's page (the contract's
//! `POST /parts/{id}/receive`), multi-line receipts with supplier and invoice, other stock-outs
//! with a reason, returns, the low-stock list with its purchase list, and valuation.

use std::sync::Arc;

use chrono::NaiveDate;
use maud::{Markup, html};
use rust_decimal::Decimal;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::catalog::{PartView, load, part_page};
use super::{Query, clerk, qty, qty_unit};
use crate::domain::field::{optional_text, required_text};
use crate::domain::part::{PartId, PartNumber, SupplierId};
use crate::domain::stock::{self as rules, MovementKind, ReceiptLine, ReceiptLineInput};
use crate::domain::{Area, FieldErrors};
use crate::i18n::{Lang, Msg};
use crate::store::StoreError;
use crate::store::parts::stock::{self as ledger, ReceiptDraft};
use crate::store::parts::{self};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::form::Form;
use crate::web::layout::{self, Field, csrf_field, notice, select};
use crate::web::show::{LocalTime, Money};
use crate::web::{AppState, BODY_LIMIT, html_response};

/// Rows on the multi-line receipt form.
const RECEIPT_ROWS: usize = 8;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = crate::web::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());

    let receive = warp::path!("parts" / u64 / "receive").and(warp::post()).and(ctx.clone()).and(body).then(
        handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| receive(&state, &ctx, PartId(id), &body)),
    );
    let out = warp::path!("parts" / u64 / "out").and(warp::post()).and(ctx.clone()).and(body).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx, body: Bytes| stock_out(&state, &ctx, PartId(id), &body)
    ));
    let back =
        warp::path!("parts" / u64 / "customer_return").and(warp::post()).and(ctx.clone()).and(body).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| customer_return(
                &state,
                &ctx,
                PartId(id),
                &body
            )),
        );
    let receipts = warp::path!("parts" / "receipts").and(warp::get()).and(ctx.clone()).then(handler!(
        state,
        ctx,
        |ctx: Ctx| receipts_page(&state, &ctx)
    ));
    let new_receipt = warp::path!("parts" / "receipts" / "new")
        .and(warp::get())
        .and(ctx.clone())
        .then(handler!(state, ctx, |ctx: Ctx| new_receipt_page(&state, &ctx)));
    let post_receipt = warp::path!("parts" / "receipts")
        .and(warp::post())
        .and(ctx.clone())
        .and(body)
        .then(handler!(state, ctx, |ctx: Ctx, body: Bytes| post_receipt(&state, &ctx, &body)));
    let receipt = warp::path!("parts" / "receipts" / u64).and(warp::get()).and(ctx.clone()).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx| receipt_page(&state, &ctx, id)
    ));
    let low = warp::path!("parts" / "low").and(warp::get()).and(ctx.clone()).then(handler!(
        state,
        ctx,
        |ctx: Ctx| low_page(&state, &ctx)
    ));
    let purchase = warp::path!("parts" / "purchase-list.csv")
        .and(warp::get())
        .and(ctx.clone())
        .then(handler!(state, ctx, |ctx: Ctx| purchase_csv(&state, &ctx)));
    let valuation = warp::path!("parts" / "valuation")
        .and(warp::get())
        .and(ctx)
        .and(warp::query::<Query>().or(warp::any().map(Query::new)).unify())
        .then(handler!(state, ctx, |ctx: Ctx, q: Query| valuation_page(&state, &ctx, &q)));
    receive
        .or(out)
        .unify()
        .or(back)
        .unify()
        .or(receipts)
        .unify()
        .or(new_receipt)
        .unify()
        .or(post_receipt)
        .unify()
        .or(receipt)
        .unify()
        .or(low)
        .unify()
        .or(purchase)
        .unify()
        .or(valuation)
        .unify()
        .boxed()
}

/// The stock forms of a part's page as typed, with their problems, when one was refused.
#[derive(Default)]
pub struct StockForms {
    pub receive: Option<(ReceiveInput, FieldErrors)>,
    pub out: Option<(OutInput, FieldErrors)>,
    pub back: Option<(OutInput, FieldErrors)>,
}

impl StockForms {
    pub fn is_empty(&self) -> bool {
        self.receive.is_none() && self.out.is_none() && self.back.is_none()
    }
}

#[derive(Clone, Debug, Default)]
pub struct ReceiveInput {
    pub qty: String,
    pub unit_cost: String,
    pub supplier: String,
}

#[derive(Clone, Debug, Default)]
pub struct OutInput {
    pub kind: String,
    pub qty: String,
    pub reason: String,
}

/// Receive, stock-out and return forms on the part's page.
pub fn stock_forms(ctx: &Ctx, view: &PartView, forms: &StockForms) -> Markup {
    let lang = ctx.lang;
    let p = &view.part;
    let none = FieldErrors::new();
    let (receive, receive_errors) =
        forms.receive.as_ref().map(|(i, e)| (i.clone(), e)).unwrap_or_else(|| {
            (
                ReceiveInput { unit_cost: p.stock.avg_cost.normalize().to_string(), ..Default::default() },
                &none,
            )
        });
    let (out, out_errors) =
        forms.out.as_ref().map(|(i, e)| (i.clone(), e)).unwrap_or((OutInput::default(), &none));
    let (back, back_errors) =
        forms.back.as_ref().map(|(i, e)| (i.clone(), e)).unwrap_or((OutInput::default(), &none));
    let kinds: Vec<(&str, &str)> =
        MovementKind::OTHER_OUT.iter().map(|k| (k.code(), lang.t(k.label()))).collect();
    let supplier_list = "supplier-names";
    html! {
        div.columns.stock-forms {
            form.panel method="post" action={ "/parts/" (p.id) "/receive" } id="receive-form" novalidate {
                h2 { (lang.t(Msg::MoveReceipt)) }
                (csrf_field(ctx))
                div.form-grid {
                    (Field::text("qty", lang.t(Msg::Qty), &receive.qty).required().render(lang, receive_errors))
                    (Field::text("unit_cost", lang.t(Msg::UnitCost), &receive.unit_cost).required().render(lang, receive_errors))
                }
                div.field.invalid[receive_errors.get("supplier").is_some()] {
                    label for="f-supplier" { (lang.t(Msg::Supplier)) }
                    input id="f-supplier" name="supplier" type="text" list=(supplier_list) value=(receive.supplier);
                    @if let Some(problem) = receive_errors.get("supplier") { p.field-msg { (problem.text(lang)) } }
                    @else { p.field-hint { (lang.t(Msg::SupplierHint)) } }
                }
                datalist id=(supplier_list) { @for s in &view.suppliers { option value=(s.details.name) {} } }
                div.actions { button type="submit" { (lang.t(Msg::MoveReceipt)) } }
            }
            form.panel method="post" action={ "/parts/" (p.id) "/out" } id="out-form" novalidate {
                h2 { (lang.t(Msg::OtherStockOut)) }
                (csrf_field(ctx))
                div.form-grid {
                    (select("kind", lang.t(Msg::MovementKind), &out.kind, &kinds, out_errors, lang))
                    (Field::text("qty", lang.t(Msg::Qty), &out.qty).required().render(lang, out_errors))
                }
                (Field::text("reason", lang.t(Msg::Reason), &out.reason).required().render(lang, out_errors))
                div.actions { button.secondary type="submit" { (lang.t(Msg::BookStockOut)) } }
            }
            form.panel method="post" action={ "/parts/" (p.id) "/customer_return" } id="return-form" novalidate {
                h2 { (lang.t(Msg::MoveCustomerReturn)) }
                (csrf_field(ctx))
                (Field::text("qty", lang.t(Msg::Qty), &back.qty).required().render(lang, back_errors))
                (Field::text("reason", lang.t(Msg::Reason), &back.reason).required().render(lang, back_errors))
                div.actions { button.secondary type="submit" { (lang.t(Msg::BookReturn)) } }
            }
        }
    }
}

/// The supplier typed on a receipt: an id, a known name (any case), or a new name, which is
/// added as a supplier in the same transaction. Empty: none.
enum SupplierChoice {
    None,
    Known(SupplierId),
    New(String),
}

async fn supplier_choice(
    state: &AppState,
    typed: &str,
) -> AppResult<Result<SupplierChoice, crate::domain::field::Problem>> {
    let typed = typed.trim().to_string();
    if typed.is_empty() {
        return Ok(Ok(SupplierChoice::None));
    }
    let name = match optional_text(&typed, 100) {
        Ok(n) => n,
        Err(p) => return Ok(Err(p)),
    };
    let all = state.store.read(parts::suppliers).await?;
    if let Ok(id) = typed.parse::<u64>()
        && let Some(s) = all.iter().find(|s| s.id.0 == id)
    {
        return Ok(Ok(SupplierChoice::Known(s.id)));
    }
    let folded = name.to_lowercase();
    Ok(Ok(match all.iter().find(|s| s.details.name.to_lowercase() == folded) {
        Some(s) => SupplierChoice::Known(s.id),
        None => SupplierChoice::New(name),
    }))
}

async fn refused(state: &AppState, ctx: &Ctx, id: PartId, forms: StockForms) -> AppResult<Response> {
    let view = load(state, id, None).await?;
    Ok(part_page(ctx, &view, None, true, &forms))
}

async fn receive(state: &AppState, ctx: &Ctx, id: PartId, body: &[u8]) -> AppResult<Response> {
    let user = clerk(ctx)?;
    let form = ctx.form(body)?;
    let input = ReceiveInput {
        qty: form.owned("qty"),
        unit_cost: form.owned("unit_cost"),
        supplier: form.owned("supplier"),
    };
    let line = rules::check_receipt_line(
        &ReceiptLineInput {
            part_id: id.to_string(),
            qty: input.qty.clone(),
            unit_cost: input.unit_cost.clone(),
        },
        |_| true,
    );
    let mut errors = FieldErrors::new();
    if let Err(problems) = &line {
        for (field, p) in problems {
            errors.add(field, p.clone());
        }
    }
    let supplier = match supplier_choice(state, &input.supplier).await? {
        Ok(s) => Some(s),
        Err(p) => {
            errors.add("supplier", p);
            None
        }
    };
    let (Ok(line), Some(supplier)) = (line, supplier) else {
        return refused(state, ctx, id, StockForms { receive: Some((input, errors)), ..Default::default() })
            .await;
    };
    let actor = user.actor();
    let today = ctx.today();
    let result = state
        .store
        .write_touching(move |tx, t| {
            let supplier = match supplier {
                SupplierChoice::None => None,
                SupplierChoice::Known(s) => Some(s),
                SupplierChoice::New(name) => {
                    let details = crate::domain::part::SupplierDetails {
                        name,
                        contact: String::new(),
                        phone: None,
                        notes: String::new(),
                    };
                    Some(parts::create_supplier_tx(tx, &actor, details)?.id)
                }
            };
            let draft = ReceiptDraft { supplier, invoice_no: String::new(), date: today, lines: vec![line] };
            ledger::receive_tx(tx, t, &actor, draft)
        })
        .await;
    match result {
        Ok(_) => Ok(redirect_to(&format!("/parts/{id}?notice=received"), ctx.htmx)),
        Err(StoreError::Invalid(e)) => {
            refused(state, ctx, id, StockForms { receive: Some((input, e)), ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn stock_out(state: &AppState, ctx: &Ctx, id: PartId, body: &[u8]) -> AppResult<Response> {
    let user = clerk(ctx)?;
    let form = ctx.form(body)?;
    let input = OutInput { kind: form.owned("kind"), qty: form.owned("qty"), reason: form.owned("reason") };
    let mut errors = FieldErrors::new();
    let kind = errors.check(
        "kind",
        MovementKind::parse(&input.kind)
            .filter(|k| MovementKind::OTHER_OUT.contains(k))
            .ok_or(crate::domain::field::Problem::new(Msg::ChoiceInvalid)),
    );
    let qty = errors.check("qty", rules::quantity(&input.qty));
    let reason = errors.check("reason", required_text(&input.reason, 200));
    let (Some(kind), Some(qty), Some(reason)) = (kind, qty, reason) else {
        return refused(state, ctx, id, StockForms { out: Some((input, errors)), ..Default::default() })
            .await;
    };
    let actor = user.actor();
    match state
        .store
        .write_touching(move |tx, t| ledger::stock_out_tx(tx, t, &actor, id, kind, qty, reason))
        .await
    {
        Ok(_) => Ok(redirect_to(&format!("/parts/{id}?notice=out"), ctx.htmx)),
        Err(StoreError::Invalid(e)) => {
            refused(state, ctx, id, StockForms { out: Some((input, e)), ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn customer_return(state: &AppState, ctx: &Ctx, id: PartId, body: &[u8]) -> AppResult<Response> {
    let user = clerk(ctx)?;
    let form = ctx.form(body)?;
    let input = OutInput { kind: String::new(), qty: form.owned("qty"), reason: form.owned("reason") };
    let mut errors = FieldErrors::new();
    let qty = errors.check("qty", rules::quantity(&input.qty));
    let reason = errors.check("reason", required_text(&input.reason, 200));
    let (Some(qty), Some(reason)) = (qty, reason) else {
        return refused(state, ctx, id, StockForms { back: Some((input, errors)), ..Default::default() })
            .await;
    };
    let actor = user.actor();
    match state
        .store
        .write_touching(move |tx, t| ledger::customer_return_tx(tx, t, &actor, id, qty, reason))
        .await
    {
        Ok(_) => Ok(redirect_to(&format!("/parts/{id}?notice=returned"), ctx.htmx)),
        Err(StoreError::Invalid(e)) => {
            refused(state, ctx, id, StockForms { back: Some((input, e)), ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Multi-line receipts.

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
            let supplier = match supplier {
                SupplierChoice::None => None,
                SupplierChoice::Known(s) => Some(s),
                SupplierChoice::New(name) => {
                    let details = crate::domain::part::SupplierDetails {
                        name,
                        contact: String::new(),
                        phone: None,
                        notes: String::new(),
                    };
                    Some(parts::create_supplier_tx(tx, &actor, details)?.id)
                }
            };
            ledger::receive_tx(tx, t, &actor, ReceiptDraft { supplier, invoice_no, date, lines })
        })
        .await;
    match result {
        Ok(r) => Ok(redirect_to(&format!("/parts/receipts/{}", r.id), ctx.htmx)),
        Err(StoreError::Invalid(e)) => Ok(receipt_form(ctx, &input, &suppliers, &e)),
        Err(e) => Err(e.into()),
    }
}

async fn receipts_page(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    clerk(ctx)?;
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let (receipts, suppliers) =
        state.store.read(|tx| Ok((ledger::recent_receipts(tx, 100)?, parts::suppliers(tx)?))).await?;
    let name = |id: Option<SupplierId>| {
        id.and_then(|id| suppliers.iter().find(|s| s.id == id))
            .map(|s| s.details.name.clone())
            .unwrap_or_default()
    };
    let body = html! {
        p { a href="/parts" { "← " (lang.t(Msg::PartsTitle)) } }
        div.page-head {
            h1 { (lang.t(Msg::Receipts)) }
            div.actions { a.button href="/parts/receipts/new" { "+ " (lang.t(Msg::NewReceipt)) } }
        }
        @if receipts.is_empty() {
            div.empty { p { (lang.t(Msg::NoReceipts)) } }
        } @else {
            div.table-wrap { table.rows {
                thead { tr { th { "#" } th { (lang.t(Msg::ReceiptDate)) } th { (lang.t(Msg::Supplier)) } th { (lang.t(Msg::InvoiceNo)) } th.num { (lang.t(Msg::Lines)) } th.num { (lang.t(Msg::Total)) } th { (lang.t(Msg::By)) } } }
                tbody {
                    @for r in &receipts {
                        tr {
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

// ---------------------------------------------------------------------------------------------
// Low stock and valuation.

async fn low_page(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    clerk(ctx)?;
    let lang = ctx.lang;
    let (mut low, suppliers) = state.store.read(|tx| Ok((parts::low(tx)?, parts::suppliers(tx)?))).await?;
    low.sort_by_key(|p| p.details.number.key());
    let name = |id: Option<SupplierId>| {
        id.and_then(|id| suppliers.iter().find(|s| s.id == id))
            .map(|s| s.details.name.clone())
            .unwrap_or_default()
    };
    let body = html! {
        p { a href="/parts" { "← " (lang.t(Msg::PartsTitle)) } }
        div.page-head {
            h1 { (lang.t(Msg::LowStock)) " " span.badge.warn { (low.len()) } }
            div.actions { a.button.secondary href="/parts/purchase-list.csv" download { (lang.t(Msg::PurchaseListCsv)) } }
        }
        p.lead { (lang.t(Msg::LowStockLead)) }
        @if low.is_empty() {
            div.empty { p { (lang.t(Msg::NoLowStock)) } }
        } @else {
            div.table-wrap { table.rows {
                thead { tr { th { (lang.t(Msg::PartNumber)) } th { (lang.t(Msg::PartName)) } th { (lang.t(Msg::PartLocation)) } th.num { (lang.t(Msg::OnHand)) } th.num { (lang.t(Msg::MinStock)) } th.num { (lang.t(Msg::ToOrder)) } th { (lang.t(Msg::UsualSupplier)) } } }
                tbody {
                    @for p in &low {
                        tr data-part=(p.id) {
                            td.nowrap { a href={ "/parts/" (p.id) } { (p.details.number) } }
                            td { (p.details.name) }
                            td { (p.details.location) }
                            td.num { (qty_unit(p.stock.on_hand, &p.details.unit, lang)) }
                            td.num { (qty(p.details.min_stock)) }
                            td.num data-to-order=(qty(p.to_order())) { strong { (qty(p.to_order())) } }
                            td { (name(p.details.supplier)) }
                        }
                    }
                }
            } }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::LowStock), body)))
}

/// The purchase list: the low-stock parts with the quantity to order, as CSV (UTF-8 with BOM so
/// Excel on a Chinese Windows opens it correctly).
async fn purchase_csv(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    clerk(ctx)?;
    let lang = ctx.lang;
    let (mut low, suppliers) = state.store.read(|tx| Ok((parts::low(tx)?, parts::suppliers(tx)?))).await?;
    low.sort_by_key(|p| p.details.number.key());
    let mut rows = vec![
        [
            Msg::PartNumber,
            Msg::PartName,
            Msg::PartSpec,
            Msg::PartBrand,
            Msg::PartUnit,
            Msg::OnHand,
            Msg::MinStock,
            Msg::ToOrder,
            Msg::AvgCost,
            Msg::UsualSupplier,
        ]
        .map(|m| lang.t(m).to_string())
        .to_vec(),
    ];
    for p in &low {
        let d = &p.details;
        let supplier = d
            .supplier
            .and_then(|id| suppliers.iter().find(|s| s.id == id))
            .map(|s| s.details.name.clone())
            .unwrap_or_default();
        rows.push(vec![
            d.number.to_string(),
            d.name.clone(),
            d.spec.clone(),
            d.brand.clone(),
            unit_label_owned(&d.unit, lang),
            qty(p.stock.on_hand),
            qty(d.min_stock),
            qty(p.to_order()),
            p.stock.avg_cost.normalize().to_string(),
            supplier,
        ]);
    }
    Ok(crate::web::csv::attachment(&format!("purchase-list-{}.csv", ctx.today()), &rows))
}

fn unit_label_owned(code: &str, lang: Lang) -> String {
    crate::domain::part::unit_label(code, lang).to_string()
}

async fn valuation_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    let user = ctx.user()?;
    if !(user.user.roles.may(Area::Parts) || user.user.roles.may(Area::Reports)) {
        return Err(AppError::Forbidden);
    }
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let by_category = state.store.parts(|index| index.valuation());
    // Movements for a date range of shop-local days (default: this month so far).
    let today = ctx.today();
    let day = |key: &str, default: NaiveDate| {
        q.get(key).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).unwrap_or(default)
    };
    let from = day("from", chrono::Datelike::with_day0(&today, 0).unwrap_or(today));
    let to = day("to", today).max(from);
    let start = crate::domain::settings::day_start(from, tz);
    let end = crate::domain::settings::day_start(to.succ_opt().unwrap_or(to), tz);
    let (moves, more) = state.store.read(move |tx| ledger::moves_between(tx, start, end, 2000)).await?;
    let mut sums: Vec<(MovementKind, Decimal, Decimal, usize)> = Vec::new();
    for m in &moves {
        match sums.iter_mut().find(|(k, ..)| *k == m.kind) {
            Some(entry) => {
                entry.1 += m.qty;
                entry.2 += m.value();
                entry.3 += 1;
            }
            None => sums.push((m.kind, m.qty, m.value(), 1)),
        }
    }
    sums.sort_by_key(|(k, ..)| MovementKind::ALL.iter().position(|x| x == k));
    let body = html! {
        p { a href="/parts" { "← " (lang.t(Msg::PartsTitle)) } }
        h1 { (lang.t(Msg::Valuation)) }
        section.panel {
            h2 { (lang.t(Msg::StockValueByCategory)) }
            div.table-wrap { table.rows {
                thead { tr { th { (lang.t(Msg::PartCategory)) } th.num { (lang.t(Msg::Parts)) } th.num { (lang.t(Msg::Qty)) } th.num { (lang.t(Msg::StockValue)) } } }
                tbody {
                    @for (i, c) in by_category.iter().enumerate() {
                        @let total = i + 1 == by_category.len();
                        tr.total[total] data-category=(c.category) {
                            td { @if total { strong { (lang.t(Msg::Total)) } } @else if c.category.is_empty() { span.muted { "—" } } @else { (c.category) } }
                            td.num { (c.parts) }
                            td.num { (qty(c.qty)) }
                            td.num data-value=(c.value) { @if total { strong { (Money(c.value)) } } @else { (Money(c.value)) } }
                        }
                    }
                }
            } }
        }
        section.panel {
            h2 { (lang.t(Msg::MovementsInRange)) }
            form.filters method="get" action="/parts/valuation" {
                label { (lang.t(Msg::From)) " " input type="date" name="from" value=(from); }
                label { (lang.t(Msg::To)) " " input type="date" name="to" value=(to); }
                button type="submit" { (lang.t(Msg::Show)) }
            }
            @if more { (notice("warn", &lang.fmt(Msg::MovementsTruncated, &[&moves.len()]))) }
            div.table-wrap { table.rows {
                thead { tr { th { (lang.t(Msg::MovementKind)) } th.num { (lang.t(Msg::Movements)) } th.num { (lang.t(Msg::Qty)) } th.num { (lang.t(Msg::ValueAtCost)) } } }
                tbody {
                    @for (kind, q, value, n) in &sums {
                        tr data-kind=(kind.code()) { td { (lang.t(kind.label())) } td.num { (n) } td.num { (qty(*q)) } td.num { (Money(*value)) } }
                    }
                }
            } }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::Valuation), body)))
}
