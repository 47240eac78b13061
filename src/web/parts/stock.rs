//! Stock in and out on a part's page: a quick receipt (the contract's
//! `POST /parts/{id}/receive`), other stock-outs with a reason (`POST /parts/{id}/out`), and
//! parts a customer brings back (`POST /parts/{id}/customer_return`).

use std::sync::Arc;

use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::catalog::{PartView, load, part_page};
use super::clerk;
use crate::domain::FieldErrors;
use crate::domain::field::{optional_text, required_text};
use crate::domain::part::PartId;
use crate::domain::stock::{self as rules, MovementKind, ReceiptLineInput};
use crate::i18n::Msg;
use crate::store::StoreError;
use crate::store::parts::stock::{self as ledger, ReceiptDraft};
use crate::store::parts::{self};
use crate::web::ctx::Ctx;
use crate::web::error::{AppResult, redirect_to};
use crate::web::layout::{Field, csrf_field, select};
use crate::web::{AppState, BODY_LIMIT};

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
        warp::path!("parts" / u64 / "customer_return").and(warp::post()).and(ctx).and(body).then(handler!(
            state,
            ctx,
            |id: u64, ctx: Ctx, body: Bytes| customer_return(&state, &ctx, PartId(id), &body)
        ));
    receive.or(out).unify().or(back).unify().boxed()
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

pub(super) use crate::store::parts::SupplierPick as SupplierChoice;

/// The supplier typed on a receipt: an id, a known name (any case), or a new name, which is
/// added as a supplier in the same transaction. Empty: none.
pub(super) async fn supplier_choice(
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
    let view = load(state, id, None, true).await?;
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
            let supplier = parts::pick_supplier_tx(tx, &actor, supplier.clone())?;
            let draft =
                ReceiptDraft { supplier, invoice_no: String::new(), date: today, lines: vec![line.clone()] };
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
        .write_touching(move |tx, t| ledger::stock_out_tx(tx, t, &actor, id, kind, qty, reason.clone()))
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
        .write_touching(move |tx, t| ledger::customer_return_tx(tx, t, &actor, id, qty, reason.clone()))
        .await
    {
        Ok(_) => Ok(redirect_to(&format!("/parts/{id}?notice=returned"), ctx.htmx)),
        Err(StoreError::Invalid(e)) => {
            refused(state, ctx, id, StockForms { back: Some((input, e)), ..Default::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}
