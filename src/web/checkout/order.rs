//! An order's settlement page (GET /orders/{id}/checkout) and what is done on it: payments,
//! discounts, settling a bill with nothing to pay, voids (refunds of part lines: `refund.rs`).

use std::sync::Arc;

use maud::{Markup, html};
use rust_decimal::Decimal;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::{Query, body, cashier, ctx, method_choices, query};
use crate::domain::checkout::{DiscountInput, PaymentInput, Settlement, is_voided};
use crate::domain::{FieldErrors, OrderId, OrderState, Role};
use crate::i18n::{Lang, Msg};
use crate::store::StoreError;
use crate::store::checkout::{self as store, OrderCheckout};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::layout::{self, Field, csrf_field, notice, select};
use crate::web::show::{LocalTime, Money, StateBadge};
use crate::web::{AppState, html_response};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let page = warp::path!("orders" / u64 / "checkout")
        .and(warp::get())
        .and(ctx(state))
        .and(query())
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, q: Query| view(&state, &ctx, OrderId(id), &q)));
    let pay =
        warp::path!("orders" / u64 / "payments").and(warp::post()).and(ctx(state)).and(body()).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| pay(&state, &ctx, OrderId(id), &body)),
        );
    let discount =
        warp::path!("orders" / u64 / "discounts").and(warp::post()).and(ctx(state)).and(body()).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| discount(&state, &ctx, OrderId(id), &body)),
        );
    let settle = warp::path!("orders" / u64 / "settle").and(warp::post()).and(ctx(state)).and(body()).then(
        handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| settle(&state, &ctx, OrderId(id), &body)),
    );
    let void = warp::path!("orders" / u64 / "payments" / u64 / "void")
        .and(warp::post())
        .and(ctx(state))
        .and(body())
        .then(handler!(state, ctx, |id: u64, pid: u64, ctx: Ctx, body: Bytes| void(
            &state,
            &ctx,
            OrderId(id),
            pid,
            &body
        )));
    page.or(pay).unify().or(discount).unify().or(settle).unify().or(void).unify().boxed()
}

/// Forms of the page that came back with problems, with what was typed.
#[derive(Default)]
pub(super) struct Forms {
    pub payment: Option<(PaymentInput, FieldErrors)>,
    pub discount: Option<(DiscountInput, FieldErrors)>,
    pub void: Option<(u64, String, FieldErrors)>,
    pub refund: Option<super::refund::RefundForm>,
}

impl Forms {
    fn has_errors(&self) -> bool {
        self.payment.is_some() || self.discount.is_some() || self.void.is_some() || self.refund.is_some()
    }
}

pub(super) async fn load(state: &AppState, id: OrderId) -> AppResult<OrderCheckout> {
    let settings = state.settings();
    state.store.read(move |tx| store::order_checkout(tx, id, &settings)).await?.ok_or(AppError::NotFound)
}

fn notice_of(code: &str) -> Option<Msg> {
    Some(match code {
        "paid" => Msg::PaymentRecorded,
        "settled" => Msg::OrderSettledNotice,
        "discount" => Msg::DiscountAdded,
        "void" => Msg::PaymentVoided,
        "refund" => Msg::LineRefunded,
        _ => return None,
    })
}

async fn view(state: &AppState, ctx: &Ctx, id: OrderId, q: &Query) -> AppResult<Response> {
    cashier(ctx)?;
    let oc = load(state, id).await?;
    let note = q.get("notice").and_then(|n| notice_of(n));
    Ok(page(ctx, &oc, note, &Forms::default()))
}

/// The preamble of every change: the cashier's role (else 403) after the CSRF check.
fn begin<'a>(
    ctx: &'a Ctx,
    body: &[u8],
) -> AppResult<(&'a crate::web::ctx::CurrentUser, crate::web::form::Form)> {
    let user = ctx.user()?;
    let form = ctx.form(body)?;
    if !user.user.roles.may(crate::domain::Area::Checkout) {
        return Err(AppError::Forbidden);
    }
    Ok((user, form))
}

/// POST /orders/{id}/payments: one payment, checked against the balance in its transaction.
async fn pay(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let (user, form) = begin(ctx, body)?;
    let input = PaymentInput {
        method: form.owned("method"),
        amount: form.owned("amount"),
        reference: form.owned("reference"),
    };
    let (actor, roles, settings, typed) = (user.actor(), user.user.roles, state.settings(), input.clone());
    let result = state
        .store
        .write_touching(move |tx, t| store::pay_tx(tx, t, &actor, roles, id, &input, &settings))
        .await;
    match result {
        Ok(paid) => {
            let code = if paid.settled { "settled" } else { "paid" };
            Ok(redirect_to(&format!("/orders/{id}/checkout?notice={code}"), ctx.htmx))
        }
        Err(StoreError::Invalid(errors)) => {
            let oc = load(state, id).await?;
            Ok(page(ctx, &oc, None, &Forms { payment: Some((typed, errors)), ..Default::default() }))
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /orders/{id}/discounts: a line or order discount, before any payment.
async fn discount(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let (user, form) = begin(ctx, body)?;
    let input = DiscountInput {
        line: form.owned("line"),
        kind: form.owned("kind"),
        value: form.owned("value"),
        reason: form.owned("reason"),
    };
    let (actor, roles, settings, typed) = (user.actor(), user.user.roles, state.settings(), input.clone());
    let result = state
        .store
        .write_touching(move |tx, t| store::discount_tx(tx, t, &actor, roles, id, &input, &settings))
        .await;
    match result {
        Ok(_) => Ok(redirect_to(&format!("/orders/{id}/checkout?notice=discount"), ctx.htmx)),
        Err(StoreError::Invalid(errors)) => {
            let oc = load(state, id).await?;
            Ok(page(ctx, &oc, None, &Forms { discount: Some((typed, errors)), ..Default::default() }))
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /orders/{id}/settle: a bill with nothing left to pay is settled.
async fn settle(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let (user, _) = begin(ctx, body)?;
    let (actor, roles, settings) = (user.actor(), user.user.roles, state.settings());
    state
        .store
        .write_touching(move |tx, t| store::settle_paid_tx(tx, t, &actor, roles, id, &settings))
        .await?;
    Ok(redirect_to(&format!("/orders/{id}/checkout?notice=settled"), ctx.htmx))
}

/// POST /orders/{id}/payments/{pid}/void: a manager's or an administrator's, with a reason.
async fn void(state: &AppState, ctx: &Ctx, id: OrderId, pid: u64, body: &[u8]) -> AppResult<Response> {
    let (user, form) = begin(ctx, body)?;
    let roles = user.user.roles;
    if !(roles.has(Role::Admin) || roles.has(Role::Manager)) {
        return Err(AppError::Forbidden);
    }
    let oc = load(state, id).await?;
    if !oc.payments.iter().any(|p| p.id == pid) {
        return Err(AppError::NotFound);
    }
    let reason = form.owned("reason");
    let (actor, settings, typed) = (user.actor(), state.settings(), reason.clone());
    let result = state
        .store
        .write_touching(move |tx, t| {
            store::void_tx(tx, t, &actor, roles, pid, &reason, &settings, chrono::Utc::now())
        })
        .await;
    match result {
        Ok(_) => Ok(redirect_to(&format!("/orders/{id}/checkout?notice=void"), ctx.htmx)),
        Err(StoreError::Invalid(errors)) => {
            Ok(page(ctx, &oc, None, &Forms { void: Some((pid, typed, errors)), ..Default::default() }))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) fn page(ctx: &Ctx, oc: &OrderCheckout, note: Option<Msg>, forms: &Forms) -> Response {
    let lang = ctx.lang;
    let o = &oc.order;
    let title = lang.fmt(Msg::CheckoutTitle, &[&o.number]);
    let open = o.state == OrderState::Completed;
    let body = html! {
        p { a href={ "/orders/" (o.id) } { "← " (lang.fmt(Msg::OrderTitle, &[&o.number])) } }
        div.page-head {
            h1 { (title) " " (StateBadge(lang, o.state)) }
            div.actions {
                a.button.secondary href={ "/orders/" (o.id) "/receipt" } { (lang.t(Msg::PrintSalesReceipt)) }
                a.button.secondary href={ "/orders/" (o.id) "/receipt?layout=receipt" } { (lang.t(Msg::PrintReceipt80)) }
            }
        }
        @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
        @if forms.has_errors() { (notice("error", lang.t(Msg::FormHasErrors))) }
        div.columns {
            section.panel {
                h2 { (lang.t(Msg::Charged)) }
                (settlement_table(lang, &oc.bill.settlement))
                (totals(lang, oc))
            }
            section.panel {
                @if open && oc.bill.balance > Decimal::ZERO { (payment_form(ctx, oc, forms)) }
                @if open && oc.bill.balance <= Decimal::ZERO {
                    form method="post" action={ "/orders/" (o.id) "/settle" } {
                        (csrf_field(ctx))
                        button type="submit" id="settle" { (lang.t(Msg::SettleNothingDue)) }
                    }
                }
                (payments_list(ctx, oc, forms))
            }
        }
        @if open && oc.payments.is_empty() { (discount_form(ctx, oc, forms)) }
        (super::refund::panel(ctx, oc, forms.refund.as_ref()))
    };
    let mut response = html_response(layout::page(ctx, &title, body));
    if forms.has_errors() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// The charged lines with their discounts (shared with the receipt).
pub(crate) fn settlement_table(lang: Lang, s: &Settlement) -> Markup {
    html! {
        table.rows.lines {
            thead { tr {
                th { "#" } th { (lang.t(Msg::Description)) } th.num { (lang.t(Msg::Qty)) }
                th.num { (lang.t(Msg::UnitPrice)) } th.num { (lang.t(Msg::Amount)) }
            } }
            tbody {
                @for l in &s.lines {
                    tr data-line=(l.no) {
                        td { (l.no) }
                        td { span.kind { (lang.t(l.kind.label())) } " " (l.description)
                            @if !l.discount.is_zero() { div.muted { (lang.t(Msg::LineDiscounts)) " -" (Money(l.discount)) } } }
                        td.num { (l.qty.normalize()) }
                        td.num { (Money(l.unit_price)) }
                        td.num { (Money(l.amount - l.discount)) }
                    }
                }
            }
        }
    }
}

/// The bill's sums, then what was paid and what is left (shared with the receipt).
pub(crate) fn totals(lang: Lang, oc: &OrderCheckout) -> Markup {
    let b = &oc.bill;
    let s = &b.settlement;
    let tax_label = if b.rules.prices_include_tax { Msg::TaxIncluded } else { Msg::TaxAdded };
    html! {
        dl.totals {
            dt { (lang.t(Msg::LabourTotal)) } dd { (Money(s.labour)) }
            dt { (lang.t(Msg::PartsTotal)) } dd { (Money(s.parts)) }
            dt { (lang.t(Msg::FeesTotal)) } dd { (Money(s.fees)) }
            dt { (lang.t(Msg::Subtotal)) } dd { (Money(s.gross)) }
            @if !s.line_discounts.is_zero() { dt { (lang.t(Msg::LineDiscounts)) } dd { "-" (Money(s.line_discounts)) } }
            @if !s.order_discount.is_zero() { dt { (lang.t(Msg::OrderDiscount)) } dd { "-" (Money(s.order_discount)) } }
            dt { (lang.fmt(tax_label, &[&b.rules.tax_rate.normalize()])) } dd data-tax=(s.tax) { (Money(s.tax)) }
            @if !s.rounding.is_zero() { dt { (lang.t(Msg::CashRounding)) } dd data-rounding=(s.rounding) { (Money(s.rounding)) } }
            dt.grand { (lang.t(Msg::AmountDue)) } dd.grand data-total=(s.total) { (Money(s.total)) }
            dt { (lang.t(Msg::PaidSoFar)) } dd data-paid=(b.paid) { (Money(b.paid)) }
            @if !b.change.is_zero() { dt { (lang.t(Msg::ChangeGiven)) } dd data-change=(b.change) { (Money(b.change)) } }
            dt.grand { (lang.t(Msg::BalanceDue)) } dd.grand data-balance=(b.balance) { (Money(b.balance)) }
        }
    }
}

fn payment_form(ctx: &Ctx, oc: &OrderCheckout, forms: &Forms) -> Markup {
    let lang = ctx.lang;
    let blank = (PaymentInput { method: "cash".into(), ..Default::default() }, FieldErrors::new());
    let (typed, errors) = forms.payment.as_ref().unwrap_or(&blank);
    let amount = if forms.payment.is_some() {
        typed.amount.clone()
    } else {
        crate::domain::checkout::plain(oc.bill.balance)
    };
    html! {
        h2 { (lang.t(Msg::TakePayment)) }
        form id="payment" method="post" action={ "/orders/" (oc.order.id) "/payments" } novalidate {
            (csrf_field(ctx))
            (select("method", lang.t(Msg::PayMethodLabel), &typed.method, &method_choices(lang, true), errors, lang))
            (Field::text("amount", lang.t(Msg::Amount), &amount).required().render(lang, errors))
            (Field::text("reference", lang.t(Msg::PaymentReference), &typed.reference).render(lang, errors))
            div.actions { button type="submit" { (lang.t(Msg::TakePayment)) } }
        }
    }
}

fn payments_list(ctx: &Ctx, oc: &OrderCheckout, forms: &Forms) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let roles = ctx.user.as_ref().map(|u| u.user.roles).unwrap_or_default();
    let senior = roles.has(Role::Admin) || roles.has(Role::Manager);
    let may_void = senior && oc.order.state != OrderState::Delivered;
    html! {
        h2 { (lang.t(Msg::Payments)) }
        @if oc.payments.is_empty() { p.muted { (lang.t(Msg::NoPayments)) } }
        ul.timeline {
            @for p in &oc.payments {
                @let voided = is_voided(p, &oc.payments);
                li data-payment=(p.id) data-method=(p.method.code()) data-amount=(p.amount) data-voided[voided] {
                    strong { (lang.t(p.method.label())) } " " (Money(p.amount))
                    @if !p.change.is_zero() { " · " (lang.t(Msg::ChangeGiven)) " " (Money(p.change)) }
                    @if let Some(of) = p.voids { " · " span.badge.bad { (lang.fmt(Msg::VoidOf, &[&of])) } }
                    @if voided { " " span.badge { (lang.t(Msg::Voided)) } }
                    @if !p.reference.is_empty() { " · " (p.reference) }
                    @if !p.reason.is_empty() { p.notes { (p.reason) } }
                    div.muted { "#" (p.id) " · " (p.by_name) " · " (LocalTime::new(p.at, tz)) }
                    @if may_void && p.voids.is_none() && !voided {
                        @let blank = (0, String::new(), FieldErrors::new());
                        @let (at, typed, errors) = forms.void.as_ref().filter(|v| v.0 == p.id).unwrap_or(&blank);
                        @let _ = at;
                        form.inline-form method="post" action={ "/orders/" (oc.order.id) "/payments/" (p.id) "/void" } novalidate {
                            (csrf_field(ctx))
                            (Field::text("reason", lang.t(Msg::Reason), typed).render(lang, errors))
                            button.danger.small type="submit" { (lang.t(Msg::VoidPayment)) }
                        }
                    }
                }
            }
        }
    }
}

fn discount_form(ctx: &Ctx, oc: &OrderCheckout, forms: &Forms) -> Markup {
    let lang = ctx.lang;
    let blank = (DiscountInput { kind: "percent".into(), ..Default::default() }, FieldErrors::new());
    let (typed, errors) = forms.discount.as_ref().unwrap_or(&blank);
    let mut lines = vec![(String::new(), lang.t(Msg::WholeOrder).to_string())];
    lines.extend(
        oc.bill.settlement.lines.iter().map(|l| (l.no.to_string(), format!("#{} {}", l.no, l.description))),
    );
    let line_choices: Vec<(&str, &str)> = lines.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let kinds: Vec<(&str, &str)> =
        crate::domain::checkout::DiscountKind::ALL.iter().map(|k| (k.code(), lang.t(k.label()))).collect();
    html! {
        section.panel {
            h2 { (lang.t(Msg::AddDiscount)) }
            @for d in &oc.checkout.discounts {
                p data-discount=(d.value) { (d.line.map(|l| format!("#{l}")).unwrap_or(lang.t(Msg::WholeOrder).into()))
                    " · " (lang.t(d.kind.label())) " " (d.value.normalize()) " · " (d.by_name) @if !d.reason.is_empty() { " · " (d.reason) } }
            }
            form id="discount" method="post" action={ "/orders/" (oc.order.id) "/discounts" } novalidate {
                (csrf_field(ctx))
                div.form-grid {
                    (select("line", lang.t(Msg::DiscountOn), &typed.line, &line_choices, errors, lang))
                    (select("kind", lang.t(Msg::DiscountKindLabel), &typed.kind, &kinds, errors, lang))
                    (Field::text("value", lang.t(Msg::DiscountValue), &typed.value).required().render(lang, errors))
                    (Field::text("reason", lang.t(Msg::Reason), &typed.reason).hint(lang.t(Msg::DiscountHelp).to_string()).render(lang, errors))
                }
                div.actions { button.secondary type="submit" { (lang.t(Msg::AddDiscount)) } }
            }
        }
    }
}
