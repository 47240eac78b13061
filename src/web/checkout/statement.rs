//! A customer's statement (对账单), printable on A4 (GET /customers/{id}/statement?from=&to=,
//! this month in the shop by default), and voiding a payment against their receivable from it
//! (POST /receivables/{customer}/payments/{pid}/void: a manager's or an administrator's, with a
//! reason).

use std::sync::Arc;

use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::{Query, body, cashier, ctx, query};
use crate::domain::checkout::{PayMethod, PaymentKind};
use crate::domain::statement::{Period, Statement};
use crate::domain::{CustomerId, FieldErrors, Role};
use crate::i18n::{Lang, Msg};
use crate::store::StoreError;
use crate::store::checkout::{self as store, statement::CustomerStatement};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::layout::{Field, csrf_field, notice};
use crate::web::show::{LocalTime, Money};
use crate::web::{AppState, html_response};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let page = warp::path!("customers" / u64 / "statement")
        .and(warp::get())
        .and(ctx(state))
        .and(query())
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, q: Query| view(&state, &ctx, CustomerId(id), &q)));
    let void = warp::path!("receivables" / u64 / "payments" / u64 / "void")
        .and(warp::post())
        .and(ctx(state))
        .and(body())
        .then(handler!(state, ctx, |id: u64, pid: u64, ctx: Ctx, body: Bytes| void(
            &state,
            &ctx,
            CustomerId(id),
            pid,
            &body
        )));
    page.or(void).unify().boxed()
}

/// The period as typed, kept for the form, and the one shown.
struct Asked {
    from: String,
    to: String,
    period: Result<Period, FieldErrors>,
}

impl Asked {
    fn of(ctx: &Ctx, from: String, to: String) -> Asked {
        let period = Period::parse(&from, &to, ctx.today());
        Asked { from, to, period }
    }

    /// The period to come back to after a change (only dates, never what was typed), with a
    /// trailing `&`; empty for this month.
    fn query(&self) -> String {
        match &self.period {
            Ok(p) if !(self.from.trim().is_empty() && self.to.trim().is_empty()) => {
                format!("from={}&to={}&", p.from, p.to)
            }
            _ => String::new(),
        }
    }
}

/// A void form that came back with problems: the payment, the reason typed, the problems.
type VoidForm = (u64, String, FieldErrors);

async fn view(state: &AppState, ctx: &Ctx, id: CustomerId, q: &Query) -> AppResult<Response> {
    cashier(ctx)?;
    let field = |k: &str| q.get(k).cloned().unwrap_or_default();
    let asked = Asked::of(ctx, field("from"), field("to"));
    let note = q.get("notice").filter(|n| *n == "void").map(|_| Msg::PaymentVoided);
    render(state, ctx, id, &asked, note, None).await
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: CustomerId,
    asked: &Asked,
    note: Option<Msg>,
    void: Option<VoidForm>,
) -> AppResult<Response> {
    let tz = ctx.settings.tz();
    // A wrong period shows its message beside the field, and the statement of this month.
    let period = asked.period.clone().unwrap_or_else(|_| Period::month_of(ctx.today()));
    let found = state.store.scan(move |tx| store::statement::statement(tx, id, period, tz)).await?;
    let found = found.ok_or(AppError::NotFound)?;
    let failed = asked.period.is_err() || void.is_some();
    let mut response = html_response(sheet(ctx, &found, asked, note, void.as_ref()));
    if failed {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// POST /receivables/{customer}/payments/{pid}/void: `reason`, and the statement's `from` and
/// `to` to come back to.
async fn void(state: &AppState, ctx: &Ctx, id: CustomerId, pid: u64, body: &[u8]) -> AppResult<Response> {
    let user = ctx.user()?;
    let form = ctx.form(body)?;
    cashier(ctx)?;
    let roles = user.user.roles;
    if !(roles.has(Role::Admin) || roles.has(Role::Manager)) {
        return Err(AppError::Forbidden);
    }
    let found = state.store.read(move |tx| store::payment(tx, pid)).await?;
    if !found.is_some_and(|p| p.customer == id && p.kind == PaymentKind::Receivable) {
        return Err(AppError::NotFound);
    }
    let asked = Asked::of(ctx, form.owned("from"), form.owned("to"));
    let reason = form.owned("reason");
    let (actor, settings, typed) = (user.actor(), state.settings(), reason.clone());
    let result = state
        .store
        .write_touching(move |tx, t| {
            store::void_tx(tx, t, &actor, roles, pid, &reason, &settings, chrono::Utc::now())
        })
        .await;
    match result {
        Ok(_) => {
            Ok(redirect_to(&format!("/customers/{id}/statement?{}notice=void", asked.query()), ctx.htmx))
        }
        Err(StoreError::Invalid(errors)) => {
            render(state, ctx, id, &asked, None, Some((pid, typed, errors))).await
        }
        Err(e) => Err(e.into()),
    }
}

fn sheet(
    ctx: &Ctx,
    found: &CustomerStatement,
    asked: &Asked,
    note: Option<Msg>,
    void: Option<&VoidForm>,
) -> Markup {
    let lang = ctx.lang;
    let s = &ctx.settings;
    let c = &found.customer;
    let st = &found.statement;
    let errors = asked.period.as_ref().err().cloned().unwrap_or_default();
    let title = lang.fmt(Msg::StatementFor, &[&c.details.name]);
    // What was typed when it was refused, else the period shown.
    let (from, to) = if errors.is_empty() {
        (st.period.from.to_string(), st.period.to.to_string())
    } else {
        (asked.from.clone(), asked.to.clone())
    };
    crate::web::layout::print_document(
        lang,
        &title,
        "a4 statement",
        html! {
            nav.print-toolbar {
                a.button.secondary href={ "/customers/" (c.id) } { "← " (lang.t(Msg::Back)) }
                button type="button" data-print { (lang.t(Msg::Print)) }
                form.period-form method="get" action={ "/customers/" (c.id) "/statement" } novalidate {
                    (Field::text("from", lang.t(Msg::PeriodFrom), &from).kind("date").render(lang, &errors))
                    (Field::text("to", lang.t(Msg::PeriodTo), &to).kind("date").render(lang, &errors))
                    button.secondary type="submit" { (lang.t(Msg::Show)) }
                }
            }
            @if let Some(msg) = note { div.screen-only { (notice("ok", lang.t(msg))) } }
            @if !errors.is_empty() || void.is_some() { div.screen-only { (notice("error", lang.t(Msg::FormHasErrors))) } }
            article.sheet data-statement=(c.id) data-from=(st.period.from) data-to=(st.period.to) {
                header.sheet-head {
                    div.shop {
                        div.shop-name { (s.shop_name) }
                        @if !s.shop_address.is_empty() { div { (s.shop_address) } }
                        @if !s.shop_phone.is_empty() { div { (s.shop_phone) } }
                    }
                    div.statement-customer {
                        div.shop-name { (c.details.name) }
                        div { (c.details.phone) }
                        @if !c.details.address.is_empty() { div { (c.details.address) } }
                    }
                }
                h1 { (lang.t(Msg::StatementTitle)) }
                p.sheet-meta {
                    span { (lang.t(Msg::PeriodCol)) " " (st.period.from) " – " (st.period.to) }
                    span.muted { (lang.fmt(Msg::StatementPrinted, &[&LocalTime::new(chrono::Utc::now(), s.tz())])) }
                }
                (summary(lang, st))
                (orders_table(lang, st))
                (entries_table(ctx, found, asked, void))
            }
        },
    )
}

fn summary(lang: Lang, st: &Statement) -> Markup {
    html! {
        dl.totals.statement-totals {
            dt { (lang.t(Msg::OpeningBalance)) } dd data-opening=(st.opening) { (Money(st.opening)) }
            dt { "+ " (lang.t(Msg::ChargedOnAccount)) } dd data-charged=(st.charged) { (Money(st.charged)) }
            dt { "− " (lang.t(Msg::RepaidOnAccount)) } dd data-repaid=(st.repaid) { (Money(st.repaid)) }
            dt.grand { (lang.t(Msg::ClosingBalance)) } dd.grand data-closing=(st.closing) { (Money(st.closing)) }
            @if st.voids > 0 {
                dt { (lang.fmt(Msg::VoidsInPeriod, &[&st.voids])) } dd data-voids=(st.voids) { (Money(st.voided_total)) }
            }
        }
    }
}

fn orders_table(lang: Lang, st: &Statement) -> Markup {
    html! {
        h2 { (lang.t(Msg::SettledInPeriod)) }
        @if st.orders.is_empty() {
            p.muted { (lang.t(Msg::NoSettledInPeriod)) }
        } @else {
            table.rows.statement-orders {
                thead { tr {
                    th { (lang.t(Msg::Day)) } th { (lang.t(Msg::OrderNumberCol)) } th { (lang.t(Msg::Plate)) }
                    th.num { (lang.t(Msg::BillTotal)) } th.num { (lang.t(Msg::PaidAtTill)) } th.num { (lang.t(Msg::OnAccountCol)) }
                } }
                tbody {
                    @for o in &st.orders {
                        tr data-order=(o.order) data-total=(o.total) data-reopened[o.reopened] {
                            td data-label=(lang.t(Msg::Day)) { (o.day) }
                            td data-label=(lang.t(Msg::OrderNumberCol)) { div { (o.number) @if o.reopened { " " span.badge.bad { (lang.t(Msg::Reopened)) } } } }
                            td data-label=(lang.t(Msg::Plate)) { (o.plate) }
                            td.num data-label=(lang.t(Msg::BillTotal)) { (Money(o.total)) }
                            td.num data-label=(lang.t(Msg::PaidAtTill)) { (Money(o.paid)) }
                            td.num data-label=(lang.t(Msg::OnAccountCol)) { (Money(o.on_account)) }
                        }
                    }
                    tr.grand { th colspan="3" { (lang.t(Msg::Total)) } td.num data-label=(lang.t(Msg::BillTotal)) data-billed=(st.billed()) { (Money(st.billed())) } td.empty {} td.empty {} }
                }
            }
        }
    }
}

fn entries_table(ctx: &Ctx, found: &CustomerStatement, asked: &Asked, void: Option<&VoidForm>) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let st = &found.statement;
    let roles = ctx.user.as_ref().map(|u| u.user.roles).unwrap_or_default();
    let may_void = roles.has(Role::Admin) || roles.has(Role::Manager);
    html! {
        h2 { (lang.t(Msg::PaymentsInPeriod)) }
        @if st.entries.is_empty() { p.muted { (lang.t(Msg::NoPaymentsInPeriod)) } }
        @else {
        table.rows.statement-entries {
            thead { tr {
                th { (lang.t(Msg::Day)) } th { (lang.t(Msg::Description)) } th { (lang.t(Msg::PayMethodLabel)) }
                th.num { (lang.t(Msg::Amount)) } th.num { (lang.t(Msg::AccountChange)) } th.num { (lang.t(Msg::BalanceAfter)) }
            } }
            tbody {
                @for e in &st.entries {
                    @let p = &e.payment;
                    tr data-payment=(p.id) data-kind=(p.kind.code()) data-amount=(p.amount) data-balance=(e.balance) data-voided[e.voided] {
                        td data-label=(lang.t(Msg::Day)) { (LocalTime::new(p.at, tz)) }
                        td data-label=(lang.t(Msg::Description)) { div {
                            @if p.kind == PaymentKind::Receivable { (lang.t(Msg::PaymentForReceivable)) } @else { (p.order_number) }
                            @if let Some(of) = p.voids { " " span.badge.bad { (lang.fmt(Msg::VoidOf, &[&of])) } }
                            @if e.voided { " " span.badge { (lang.t(Msg::Voided)) } }
                            @if !p.reason.is_empty() { div.muted { (p.reason) } }
                            @if may_void && p.kind == PaymentKind::Receivable && p.voids.is_none() && !e.voided {
                                (void_form(ctx, found, asked, p.id, void))
                            }
                        } }
                        td data-label=(lang.t(Msg::PayMethodLabel)) { div { (lang.t(p.method.label())) @if !p.reference.is_empty() { div.muted { (p.reference) } } } }
                        td.num data-label=(lang.t(Msg::Amount)) { @if p.method == PayMethod::OnAccount { span.muted { (Money(p.amount)) } } @else { (Money(p.amount)) } }
                        @let effect = p.receivable_effect();
                        td.num.empty[effect.is_zero()] data-label=(lang.t(Msg::AccountChange)) { @if !effect.is_zero() { (Money(effect)) } }
                        td.num data-label=(lang.t(Msg::BalanceAfter)) { (Money(e.balance)) }
                    }
                }
            }
        }
        }
    }
}

fn void_form(
    ctx: &Ctx,
    found: &CustomerStatement,
    asked: &Asked,
    pid: u64,
    void: Option<&VoidForm>,
) -> Markup {
    let lang = ctx.lang;
    let blank = (0, String::new(), FieldErrors::new());
    let (_, typed, errors) = void.filter(|v| v.0 == pid).unwrap_or(&blank);
    html! {
        details.screen-only.void-box open[void.is_some_and(|v| v.0 == pid)] {
            summary { (lang.t(Msg::VoidPayment)) }
            form method="post" action={ "/receivables/" (found.customer.id) "/payments/" (pid) "/void" } novalidate {
                (csrf_field(ctx))
                input type="hidden" name="from" value=(asked.from);
                input type="hidden" name="to" value=(asked.to);
                (Field::text("reason", lang.t(Msg::Reason), typed).required().hint(lang.t(Msg::VoidReasonHint).to_string()).render(lang, errors))
                button.danger.small type="submit" { (lang.t(Msg::VoidPayment)) }
            }
        }
    }
}
