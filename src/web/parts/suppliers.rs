//! Suppliers (供应商): the list, a supplier's page with what was bought from them, create and
//! edit.

use std::sync::Arc;

use maud::html;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::clerk;
use crate::domain::FieldErrors;
use crate::domain::part::{Supplier, SupplierDetails, SupplierId, SupplierInput};
use crate::i18n::Msg;
use crate::store::StoreError;
use crate::store::parts;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::form::Form;
use crate::web::layout::{self, Field, csrf_field, notice, textarea};
use crate::web::show::Money;
use crate::web::{AppState, BODY_LIMIT, html_response};

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = crate::web::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let list =
        warp::path!("suppliers")
            .and(warp::get())
            .and(ctx.clone())
            .then(handler!(state, ctx, |ctx: Ctx| list_page(&state, &ctx)));
    let create = warp::path!("suppliers").and(warp::post()).and(ctx.clone()).and(body).then(handler!(
        state,
        ctx,
        |ctx: Ctx, body: Bytes| save(&state, &ctx, None, &body)
    ));
    let view = warp::path!("suppliers" / u64).and(warp::get()).and(ctx.clone()).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx| view_page(&state, &ctx, SupplierId(id))
    ));
    let update = warp::path!("suppliers" / u64).and(warp::post()).and(ctx).and(body).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx, body: Bytes| save(&state, &ctx, Some(SupplierId(id)), &body)
    ));
    list.or(create).unify().or(view).unify().or(update).unify().boxed()
}

fn input_of(form: &Form) -> SupplierInput {
    SupplierInput {
        name: form.owned("name"),
        contact: form.owned("contact"),
        phone: form.owned("phone"),
        notes: form.owned("notes"),
    }
}

fn supplier_form(
    ctx: &Ctx,
    existing: Option<&Supplier>,
    input: &SupplierInput,
    errors: &FieldErrors,
) -> maud::Markup {
    let lang = ctx.lang;
    let action = existing.map(|s| format!("/suppliers/{}", s.id)).unwrap_or("/suppliers".into());
    html! {
        form.panel method="post" action=(action) novalidate id="supplier-form" {
            h2 { @if existing.is_some() { (lang.t(Msg::Edit)) } @else { (lang.t(Msg::NewSupplier)) } }
            @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
            (csrf_field(ctx))
            @if let Some(s) = existing { input type="hidden" name="version" value=(s.version); }
            div.form-grid {
                (Field::text("name", lang.t(Msg::SupplierName), &input.name).required().render(lang, errors))
                (Field::text("contact", lang.t(Msg::ContactPerson), &input.contact).render(lang, errors))
                (Field::text("phone", lang.t(Msg::Phone), &input.phone).kind("tel").render(lang, errors))
            }
            (textarea("notes", lang.t(Msg::Notes), &input.notes, None, errors, lang))
            div.actions { button type="submit" { (lang.t(Msg::Save)) } }
        }
    }
}

async fn list_page(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    clerk(ctx)?;
    let all = state.store.read(parts::suppliers).await?;
    Ok(list_response(ctx, &all, &SupplierInput::default(), &FieldErrors::new()))
}

fn list_response(ctx: &Ctx, all: &[Supplier], input: &SupplierInput, errors: &FieldErrors) -> Response {
    let lang = ctx.lang;
    let body = html! {
        p { a href="/parts" { "← " (lang.t(Msg::PartsTitle)) } }
        h1 { (lang.t(Msg::Suppliers)) }
        @if all.is_empty() {
            div.empty { p { (lang.t(Msg::NoSuppliers)) } }
        } @else {
            div.table-wrap { table.rows {
                thead { tr { th { (lang.t(Msg::SupplierName)) } th { (lang.t(Msg::ContactPerson)) } th { (lang.t(Msg::Phone)) } } }
                tbody {
                    @for s in all {
                        tr data-supplier=(s.id) {
                            td { a href={ "/suppliers/" (s.id) } { (s.details.name) } }
                            td { (s.details.contact) }
                            td { @if let Some(p) = &s.details.phone { a href={ "tel:" (p.as_str()) } { (p) } } }
                        }
                    }
                }
            } }
        }
        (supplier_form(ctx, None, input, errors))
    };
    let mut response = html_response(layout::page(ctx, lang.t(Msg::Suppliers), body));
    if !errors.is_empty() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

async fn view_page(state: &AppState, ctx: &Ctx, id: SupplierId) -> AppResult<Response> {
    clerk(ctx)?;
    let (supplier, receipts) =
        state.store.read(move |tx| Ok((parts::supplier(tx, id)?, parts::receipts_of(tx, id, 50)?))).await?;
    let supplier = supplier.ok_or(AppError::NotFound)?;
    Ok(supplier_page(ctx, &supplier, &receipts, &supplier.details.to_input(), &FieldErrors::new()))
}

fn supplier_page(
    ctx: &Ctx,
    s: &Supplier,
    receipts: &[crate::domain::stock::StockReceipt],
    input: &SupplierInput,
    errors: &FieldErrors,
) -> Response {
    let lang = ctx.lang;
    let total: rust_decimal::Decimal = receipts.iter().map(|r| r.total()).sum();
    let body = html! {
        p { a href="/suppliers" { "← " (lang.t(Msg::Suppliers)) } }
        h1 { (s.details.name) }
        section.panel {
            h2 { (lang.t(Msg::BoughtFromSupplier)) }
            @if receipts.is_empty() {
                div.empty { p { (lang.t(Msg::NoReceipts)) } }
            } @else {
                p { (lang.t(Msg::Total)) ": " strong data-total=(total) { (Money(total)) } }
                div.table-wrap { table.rows {
                    thead { tr { th { "#" } th { (lang.t(Msg::ReceiptDate)) } th { (lang.t(Msg::InvoiceNo)) } th.num { (lang.t(Msg::Lines)) } th.num { (lang.t(Msg::Total)) } } }
                    tbody {
                        @for r in receipts {
                            tr { td { a href={ "/parts/receipts/" (r.id) } { "#" (r.id) } } td { (r.date) } td { (r.invoice_no) } td.num { (r.lines.len()) } td.num { (Money(r.total())) } }
                        }
                    }
                } }
            }
        }
        (supplier_form(ctx, Some(s), input, errors))
    };
    let mut response = html_response(layout::page(ctx, &s.details.name, body));
    if !errors.is_empty() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

async fn save(state: &AppState, ctx: &Ctx, id: Option<SupplierId>, body: &[u8]) -> AppResult<Response> {
    let user = clerk(ctx)?;
    let form = ctx.form(body)?;
    let input = input_of(&form);
    let actor = user.actor();
    let checked = SupplierDetails::check(&input);
    let result = match (id, checked) {
        (_, Err(e)) => Err(StoreError::Invalid(e)),
        (None, Ok(details)) => {
            state.store.write(move |tx| parts::create_supplier_tx(tx, &actor, details.clone())).await
        }
        (Some(id), Ok(details)) => {
            let version: u64 = form.get("version").parse().map_err(|_| AppError::BadRequest)?;
            state
                .store
                .write(move |tx| parts::update_supplier_tx(tx, &actor, id, version, details.clone()))
                .await
        }
    };
    let errors = match result {
        Ok(s) => return Ok(redirect_to(&format!("/suppliers/{}", s.id), ctx.htmx)),
        Err(StoreError::Invalid(e)) => e,
        Err(StoreError::Stale) => FieldErrors::one("name", Msg::StaleEdit),
        Err(e) => return Err(e.into()),
    };
    match id {
        None => {
            let all = state.store.read(parts::suppliers).await?;
            Ok(list_response(ctx, &all, &input, &errors))
        }
        Some(id) => {
            let (supplier, receipts) = state
                .store
                .read(move |tx| Ok((parts::supplier(tx, id)?, parts::receipts_of(tx, id, 50)?)))
                .await?;
            let supplier = supplier.ok_or(AppError::NotFound)?;
            Ok(supplier_page(ctx, &supplier, &receipts, &input, &errors))
        }
    }
}
