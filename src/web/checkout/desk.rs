//! The cashier's pages: the home (orders waiting for payment, today's takings), the day-end
//! cash-up (日结) and the receivables (挂账) with their payments.

use std::sync::Arc;

use chrono::NaiveDate;
use maud::{Markup, html};
use rust_decimal::Decimal;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::{Query, body, cashier, ctx, method_choices, query};
use crate::domain::checkout::{Payment, PaymentInput, is_voided};
use crate::domain::{CustomerId, FieldErrors, OrderState};
use crate::i18n::Msg;
use crate::store::StoreError;
use crate::store::checkout::{self as store, day};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::layout::{self, Field, csrf_field, notice, select};
use crate::web::show::{LocalTime, Money};
use crate::web::{AppState, html_response};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let home =
        warp::path!("checkout")
            .and(warp::get())
            .and(ctx(state))
            .then(handler!(state, ctx, |ctx: Ctx| home(&state, &ctx)));
    let day_end = warp::path!("checkout" / "day-end")
        .and(warp::get())
        .and(ctx(state))
        .and(query())
        .then(handler!(state, ctx, |ctx: Ctx, q: Query| day_end(&state, &ctx, &q)));
    let close = warp::path!("checkout" / "day-end")
        .and(warp::post())
        .and(ctx(state))
        .and(body())
        .then(handler!(state, ctx, |ctx: Ctx, body: Bytes| close_day(&state, &ctx, &body)));
    let list = warp::path!("receivables").and(warp::get()).and(ctx(state)).and(query()).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: Query| receivables(&state, &ctx, &q)
    ));
    let pay =
        warp::path!("receivables" / u64 / "payments").and(warp::post()).and(ctx(state)).and(body()).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| pay_receivable(
                &state,
                &ctx,
                CustomerId(id),
                &body
            )),
        );
    home.or(day_end).unify().or(close).unify().or(list).unify().or(pay).unify().boxed()
}

/// The day's totals per method, as a table with `data-method-total` for each method.
fn method_totals(ctx: &Ctx, payments: &[Payment]) -> Markup {
    let lang = ctx.lang;
    let takings: Decimal = payments.iter().filter(|p| p.is_takings()).map(|p| p.amount).sum();
    html! {
        table.rows {
            tbody {
                @for (m, total) in day::totals_by_method(payments) {
                    tr data-method-total=(m.code()) data-amount=(total) { td { (lang.t(m.label())) } td.num { (Money(total)) } }
                }
                tr.grand data-takings=(takings) { th { (lang.t(Msg::Takings)) } td.num { (Money(takings)) } }
            }
        }
    }
}

/// GET /checkout: orders waiting for payment and today's takings.
async fn home(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    cashier(ctx)?;
    let lang = ctx.lang;
    let today = ctx.today();
    let settings = state.settings();
    let (waiting, payments) = state
        .store
        .read(move |tx| {
            let mut waiting = Vec::new();
            for id in crate::store::orders::in_state(tx, OrderState::Completed)? {
                waiting.extend(store::order_checkout(tx, id, &settings)?);
            }
            Ok((waiting, day::day_payments(tx, today)?))
        })
        .await?;
    let body = html! {
        div.page-head {
            h1 { (lang.t(Msg::CashierHome)) }
            div.actions {
                a.button.secondary href="/checkout/day-end" { (lang.t(Msg::DayEnd)) }
                a.button.secondary href="/receivables" { (lang.t(Msg::Receivables)) }
            }
        }
        div.columns {
            section.panel {
                h2 { (lang.t(Msg::WaitingPayment)) }
                @if waiting.is_empty() { p.muted { (lang.t(Msg::NoneWaiting)) } }
                ul.timeline {
                    @for oc in &waiting {
                        li data-waiting=(oc.order.id) {
                            a href={ "/orders/" (oc.order.id) "/checkout" } { (oc.order.number) }
                            " " (lang.t(Msg::BalanceDue)) " " strong { (Money(oc.bill.balance)) }
                            " / " (Money(oc.bill.settlement.total))
                        }
                    }
                }
            }
            section.panel {
                h2 { (lang.t(Msg::TodayTakings)) }
                (method_totals(ctx, &payments))
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::CashierHome), body)))
}

/// The day asked for (`date=YYYY-MM-DD`), today in the shop when absent.
fn day_of(ctx: &Ctx, typed: Option<&String>) -> AppResult<NaiveDate> {
    match typed.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(ctx.today()),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| AppError::BadRequest),
    }
}

/// GET /checkout/day-end?date=YYYY-MM-DD.
async fn day_end(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    cashier(ctx)?;
    let day = day_of(ctx, q.get("date"))?;
    let note = q.get("notice").filter(|n| *n == "closed").map(|_| Msg::DayClosedNotice);
    day_end_page(state, ctx, day, note, None).await
}

async fn day_end_page(
    state: &AppState,
    ctx: &Ctx,
    day: NaiveDate,
    note: Option<Msg>,
    form: Option<(String, String, FieldErrors)>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let (payments, closed) =
        state.store.scan(move |tx| Ok((day::day_payments(tx, day)?, day::day_close(tx, day)?))).await?;
    let expected = day::expected_cash(&payments);
    let (counted, typed_note, errors) = form.clone().unwrap_or_default();
    let title = lang.fmt(Msg::DayEndTitle, &[&day]);
    let body = html! {
        h1 { (title) }
        form.inline-form method="get" action="/checkout/day-end" {
            input type="date" name="date" value=(day) aria-label=(lang.t(Msg::Day));
            button.secondary type="submit" { (lang.t(Msg::Show)) }
        }
        @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
        @if form.is_some() { (notice("error", lang.t(Msg::FormHasErrors))) }
        div.columns {
            section.panel {
                h2 { (lang.t(Msg::TotalsByMethod)) }
                (method_totals(ctx, &payments))
                dl.totals { dt { (lang.t(Msg::ExpectedCash)) } dd data-expected-cash=(expected) { (Money(expected)) } }
                @if let Some(c) = &closed {
                    dl.totals data-closed="1" {
                        dt { (lang.t(Msg::CountedCash)) } dd data-counted-cash=(c.counted_cash) { (Money(c.counted_cash)) }
                        dt { (lang.t(Msg::CashDifference)) } dd data-difference=(c.difference) { (Money(c.difference)) }
                    }
                    p.muted { (c.by_name) " · " (LocalTime::new(c.at, tz)) @if !c.note.is_empty() { " · " (c.note) } }
                } @else {
                    form id="close-day" method="post" action="/checkout/day-end" novalidate {
                        (csrf_field(ctx))
                        input type="hidden" name="date" value=(day);
                        (Field::text("counted_cash", lang.t(Msg::CountedCash), &counted).required().render(lang, &errors))
                        (Field::text("note", lang.t(Msg::Note), &typed_note).render(lang, &errors))
                        div.actions { button type="submit" { (lang.t(Msg::CloseDay)) } }
                    }
                }
            }
            section.panel {
                h2 { (lang.t(Msg::Payments)) }
                @if payments.is_empty() { p.muted { (lang.t(Msg::NoPayments)) } }
                ul.timeline { @for p in &payments {
                    li data-payment=(p.id) data-method=(p.method.code()) data-amount=(p.amount) data-void[p.voids.is_some()] {
                        strong { (lang.t(p.method.label())) } " " (Money(p.amount))
                        @if let Some(of) = p.voids { " " span.badge.bad { (lang.fmt(Msg::VoidOf, &[&of])) } }
                        @if is_voided(p, &payments) { " " span.badge { (lang.t(Msg::Voided)) } }
                        " · " (p.order_number)
                        div.muted { (p.by_name) " · " (LocalTime::new(p.at, tz)) }
                    }
                } }
            }
        }
    };
    let mut response = html_response(layout::page(ctx, &title, body));
    if form.is_some() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// POST /checkout/day-end: the counted cash closes the day.
async fn close_day(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let user = ctx.user()?;
    let form = ctx.form(body)?;
    cashier(ctx)?;
    let day = day_of(ctx, Some(&form.owned("date")))?;
    let (counted, note) = (form.owned("counted_cash"), form.owned("note"));
    let (actor, c, n) = (user.actor(), counted.clone(), note.clone());
    match state.store.write(move |tx| day::close_day_tx(tx, &actor, day, &c, &n)).await {
        Ok(_) => Ok(redirect_to(&format!("/checkout/day-end?date={day}&notice=closed"), ctx.htmx)),
        Err(StoreError::Invalid(errors)) => {
            day_end_page(state, ctx, day, None, Some((counted, note, errors))).await
        }
        Err(e) => Err(e.into()),
    }
}

/// GET /receivables: who owes what, aged.
async fn receivables(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    cashier(ctx)?;
    let note = q.get("notice").filter(|n| *n == "paid").map(|_| Msg::ReceivablePaid);
    receivables_page(state, ctx, note, None).await
}

async fn receivables_page(
    state: &AppState,
    ctx: &Ctx,
    note: Option<Msg>,
    form: Option<(CustomerId, PaymentInput, FieldErrors)>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let today = ctx.today();
    let list = state.store.scan(move |tx| day::receivables(tx, today)).await?;
    let buckets = [Msg::Age0to30, Msg::Age31to60, Msg::Age61to90, Msg::AgeOver90];
    let body = html! {
        h1 { (lang.t(Msg::Receivables)) }
        @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
        @if form.is_some() { (notice("error", lang.t(Msg::FormHasErrors))) }
        @if list.is_empty() { p.muted { (lang.t(Msg::NoReceivables)) } }
        @for r in &list {
            section.panel data-customer=(r.customer) data-owed=(r.owed) {
                h2 { a href={ "/customers/" (r.customer) } { (r.name) } " · " (r.phone) " · " (Money(r.owed)) }
                p { a.button.secondary.small href={ "/customers/" (r.customer) "/statement" } data-statement-link=(r.customer) { (lang.t(Msg::OpenStatement)) } }
                dl.details {
                    @for (i, label) in buckets.iter().enumerate() {
                        dt { (lang.t(*label)) } dd data-age=(i) data-amount=(r.ageing[i]) { (Money(r.ageing[i])) }
                    }
                }
                @let blank = (r.customer, PaymentInput { method: "cash".into(), ..Default::default() }, FieldErrors::new());
                @let (_, typed, errors) = form.as_ref().filter(|f| f.0 == r.customer).unwrap_or(&blank);
                form.inline-form method="post" action={ "/receivables/" (r.customer) "/payments" } novalidate {
                    (csrf_field(ctx))
                    (select("method", lang.t(Msg::PayMethodLabel), &typed.method, &method_choices(lang, false), errors, lang))
                    (Field::text("amount", lang.t(Msg::Amount), &typed.amount).required().render(lang, errors))
                    (Field::text("reference", lang.t(Msg::PaymentReference), &typed.reference).render(lang, errors))
                    button type="submit" { (lang.t(Msg::PayReceivable)) }
                }
            }
        }
    };
    let mut response = html_response(layout::page(ctx, lang.t(Msg::Receivables), body));
    if form.is_some() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// POST /receivables/{customer}/payments: a full or partial payment of what they owe.
async fn pay_receivable(state: &AppState, ctx: &Ctx, id: CustomerId, body: &[u8]) -> AppResult<Response> {
    let user = ctx.user()?;
    let form = ctx.form(body)?;
    cashier(ctx)?;
    let input = PaymentInput {
        method: form.owned("method"),
        amount: form.owned("amount"),
        reference: form.owned("reference"),
    };
    let (actor, settings, typed) = (user.actor(), state.settings(), input.clone());
    let result = state
        .store
        .write(move |tx| day::pay_receivable_at_tx(tx, &actor, id, &input, &settings, chrono::Utc::now()))
        .await;
    match result {
        Ok(_) => Ok(redirect_to("/receivables?notice=paid", ctx.htmx)),
        Err(StoreError::Invalid(errors)) => {
            receivables_page(state, ctx, None, Some((id, typed, errors))).await
        }
        Err(e) => Err(e.into()),
    }
}
