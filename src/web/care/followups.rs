//! Follow-up calls (回访): the list the advisor works through (`GET /care/followups`), an
//! answer (`POST /care/followups/{id}/outcome`), and the manager's side: the unhappy answers on
//! the home page ([`unhappy_panel`]) until one is marked handled
//! (`POST /care/followups/{id}/handled`).
//!
//! The list reads one range of the due index (calls due by a week from today) and, for the
//! calls on the page, their order, car and customer.

use chrono::Duration;
use chrono::NaiveDate;
use maud::{Markup, html};
use warp::http::StatusCode;
use warp::reply::Response;

use super::Query;
use crate::domain::followup::{Answer, FollowUp, Outcome, check_note};
use crate::domain::{Area, Customer, FieldErrors, Vehicle};
use crate::i18n::{Lang, Msg};
use crate::store::{StoreResult, customers, followups, orders, vehicles};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::html_response;
use crate::web::layout::{self, Field, csrf_field, notice};

/// Calls one page shows.
const PAGE_SIZE: usize = 40;
/// The list shows the calls due in the coming days too, after the ones due now.
const AHEAD_DAYS: i64 = 7;
/// Unhappy answers the manager's panel lists.
const PANEL_SIZE: usize = 8;

/// One call with what the advisor needs on the phone.
pub(super) struct Row {
    pub call: FollowUp,
    pub customer: Option<Customer>,
    pub vehicle: Option<Vehicle>,
    pub complaint: String,
    /// The lines of the order the customer agreed to, in its words.
    pub work: Vec<String>,
}

fn row(tx: &redb::ReadTransaction, call: FollowUp) -> StoreResult<Row> {
    let customer = customers::get(tx, call.customer_id)?;
    let vehicle = vehicles::get(tx, call.vehicle_id)?;
    let (complaint, work) = match orders::get(tx, call.order_id)? {
        Some(o) => {
            let work = o
                .lines
                .iter()
                .filter(|l| l.decision != crate::domain::work_order::Decision::Declined)
                .map(|l| l.details.description.clone())
                .collect();
            (o.reception.complaint, work)
        }
        None => (String::new(), vec![]),
    };
    Ok(Row { call, customer, vehicle, complaint, work })
}

/// What an answer form carried, kept for its re-rendering when refused.
#[derive(Default)]
pub(super) struct Typed {
    pub outcome: String,
    pub score: String,
    pub comment: String,
    pub flagged: bool,
}

/// `GET /care/followups`: the calls due now (oldest first), then the coming days'.
pub(super) async fn list_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Customers)?;
    let today = ctx.today();
    let page = q.get("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).clamp(1, 10_000);
    let skip = (page - 1) * PAGE_SIZE;
    let (rows, total, due_now) = state
        .store
        .read(move |tx| {
            let (calls, total, due_now) =
                followups::list(tx, today, today + Duration::days(AHEAD_DAYS), skip, PAGE_SIZE)?;
            let rows = calls.into_iter().map(|c| row(tx, c)).collect::<StoreResult<Vec<_>>>()?;
            Ok((rows, total, due_now))
        })
        .await?;
    let saved = q.contains_key("saved");
    let body = list_view(ctx, &rows, (total, due_now), today, page, saved, None);
    Ok(html_response(layout::page(ctx, ctx.lang.t(Msg::FollowUpTitle), body)))
}

fn list_view(
    ctx: &Ctx,
    rows: &[Row],
    (total, due_now): (usize, usize),
    today: NaiveDate,
    page: usize,
    saved: bool,
    refused: Option<(u64, &Typed, &FieldErrors)>,
) -> Markup {
    let lang = ctx.lang;
    let shown_to = (page - 1) * PAGE_SIZE + rows.len();
    let (now, coming): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|r| r.call.due <= today);
    let card = |r: &Row| match refused {
        Some((id, typed, errors)) if id == r.call.id => call_card(ctx, r, today, typed, errors),
        _ => call_card(ctx, r, today, &Typed::default(), &FieldErrors::new()),
    };
    html! {
        div.page-head {
            h1 { (lang.t(Msg::FollowUpTitle)) " " span.badge.warn[due_now > 0] data-due-now=(due_now) { (lang.fmt(Msg::FollowUpCount, &[&due_now])) } }
            div.actions.no-print { a.button.secondary href="/care" { (lang.t(Msg::CareTitle)) } }
        }
        @if saved { (notice("ok", lang.t(Msg::FollowUpSaved))) }
        (super::lists::tabs(lang, None))
        p.lead { (lang.t(Msg::FollowUpLead)) }
        @if now.is_empty() {
            p.muted.care-empty { (lang.t(Msg::FollowUpEmpty)) }
        } @else {
            h2 { (lang.t(Msg::FollowUpDueNow)) }
            div.care-list.followup-list data-followups="due" {
                @for r in &now { (card(r)) }
            }
        }
        @if !coming.is_empty() {
            h2 { (lang.t(Msg::FollowUpComing)) }
            div.care-list.followup-list data-followups="coming" {
                @for r in &coming { (card(r)) }
            }
        }
        @if total > shown_to {
            div.pager.no-print {
                p.muted { (lang.fmt(Msg::CareMore, &[&(total - shown_to)])) }
                a.button.secondary href={ "/care/followups?page=" (page + 1) } rel="next" { "→" }
            }
        }
    }
}

/// One call: who to ring and about what, and the answer form. The form swaps the card for
/// the answer (or for itself with its messages when refused).
fn call_card(ctx: &Ctx, r: &Row, today: NaiveDate, typed: &Typed, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let c = &r.call;
    let id = c.id;
    let action = format!("/care/followups/{id}/outcome");
    let overdue = c.due < today;
    let score_problem = errors.get("score");
    let outcome_problem = errors.get("outcome");
    let delivered = c.delivered_at.with_timezone(&ctx.settings.tz()).date_naive();
    html! {
        article.care-entry.followup data-followup=(id) data-due=(c.due) data-swap-invalid {
            div.care-due.overdue[overdue] {
                strong { (c.due) }
                div.muted { (lang.fmt(Msg::FollowUpDeliveredOn, &[&delivered])) }
                @if c.tries > 0 { div.badge data-tries=(c.tries) { (lang.fmt(Msg::FollowUpTries, &[&c.tries])) } }
            }
            div.care-who {
                a href={ "/orders/" (c.order_id) } data-order=(c.order_id) { (c.order_number) } " · "
                @if let Some(v) = &r.vehicle {
                    a.plate href={ "/vehicles/" (v.id) } { (v.details.plate) } " "
                    span.muted { (v.details.title()) }
                }
                br;
                @if let Some(cu) = &r.customer {
                    a href={ "/customers/" (cu.id) } { (cu.details.name) } " · "
                    a.tel.button.secondary.small href={ "tel:" (cu.details.phone.as_str()) } data-tel { "☎ " (cu.details.phone) }
                }
                @if !r.complaint.is_empty() { div.muted { (r.complaint) } }
                @if !r.work.is_empty() { div.followup-work { (r.work.join("、")) } }
            }
            form.followup-answer method="post" action=(action) hx-post=(action) hx-target="closest .followup" hx-swap="outerHTML" {
                (csrf_field(ctx))
                input type="hidden" name="version" value=(c.version);
                fieldset.score-pick.field.invalid[score_problem.is_some()] {
                    legend { (lang.t(Msg::FollowUpScore)) }
                    div.score-buttons {
                        @for n in 1..=5u8 {
                            label.score {
                                input type="radio" name="score" value=(n) checked[typed.score == n.to_string()];
                                span { (n) }
                            }
                        }
                    }
                    @if let Some(p) = score_problem { p.field-msg data-field-msg="score" { (p.text(lang)) } }
                }
                (Field::text("comment", lang.t(Msg::FollowUpComment), &typed.comment).id_suffix(id).render(lang, errors))
                label.check { input type="checkbox" name="flagged" value="1" checked[typed.flagged]; " " (lang.t(Msg::FollowUpFlag)) }
                @if let Some(p) = outcome_problem { p.field-msg { (p.text(lang)) } }
                div.followup-outcomes {
                    @for o in Outcome::ALL {
                        button.secondary[*o != Outcome::Reached] type="submit" name="outcome" value=(o.code()) data-outcome=(o.code()) {
                            (lang.t(o.label()))
                        }
                    }
                }
            }
        }
    }
}

fn typed(form: &crate::web::form::Form) -> Typed {
    Typed {
        outcome: form.owned("outcome"),
        score: form.owned("score"),
        comment: form.owned("comment"),
        flagged: form.get("flagged") == "1",
    }
}

/// `POST /care/followups/{id}/outcome`: the answer, one write checked against the version the
/// list showed. A refused form comes back beside its fields with what was typed (422).
pub(super) async fn outcome(state: &AppState, ctx: &Ctx, id: u64, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Customers)?;
    let form = ctx.form(body)?;
    let version: u64 = form.get("version").trim().parse().map_err(|_| AppError::BadRequest)?;
    let typed = typed(&form);
    let today = ctx.today();
    let answer = match Answer::check(&typed.outcome, &typed.score, &typed.comment, typed.flagged) {
        Ok(a) => a,
        Err(errors) => return refused(state, ctx, id, &typed, &errors, today).await,
    };
    let actor = user.actor();
    let lang = ctx.lang;
    let call = state
        .store
        .write(move |tx| followups::record_tx(tx, &actor, (id, version), &answer, lang, chrono::Utc::now()))
        .await?;
    if ctx.htmx {
        return Ok(html_response(answered(lang, &call)));
    }
    Ok(redirect_to("/care/followups?saved=1", false))
}

/// The card after an answer: what was recorded, or when the call is due again.
fn answered(lang: Lang, call: &FollowUp) -> Markup {
    html! {
        article.care-entry.followup.done data-followup=(call.id) data-state=(call.state.code()) {
            p {
                strong { (call.order_number) } " · " (lang.t(call.state.label()))
                @if let Some(s) = call.score { " · " (lang.t(Msg::FollowUpScore)) " " (s) "/5" }
                @if call.is_open() { " · " (lang.fmt(Msg::CareSnoozedUntil, &[&call.due])) }
            }
        }
    }
}

async fn refused(
    state: &AppState,
    ctx: &Ctx,
    id: u64,
    typed: &Typed,
    errors: &FieldErrors,
    today: NaiveDate,
) -> AppResult<Response> {
    let one = state
        .store
        .read(move |tx| match followups::get(tx, id)? {
            Some(c) => row(tx, c).map(Some),
            None => Ok(None),
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let markup = if ctx.htmx {
        call_card(ctx, &one, today, typed, errors)
    } else {
        let body =
            list_view(ctx, std::slice::from_ref(&one), (1, 1), today, 1, false, Some((id, typed, errors)));
        layout::page(ctx, ctx.lang.t(Msg::FollowUpTitle), body)
    };
    let mut response = html_response(markup);
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// An unhappy answer with the names the manager reads.
pub(super) struct Unhappy {
    pub call: FollowUp,
    pub customer: String,
    pub phone: String,
    pub plate: String,
}

/// The manager's home: the unhappy answers no manager has handled yet, each with a note form.
/// Only for managers and administrators, and only when there is one. A self-contained panel.
pub async fn unhappy_panel(state: &AppState, ctx: &Ctx) -> AppResult<Option<Markup>> {
    let Some(user) = ctx.user.as_ref() else { return Ok(None) };
    if !user.user.roles.may(Area::Reports) {
        return Ok(None);
    }
    let (items, total) = state.store.read(|tx| unhappy_items(tx, PANEL_SIZE)).await?;
    if total == 0 {
        return Ok(None);
    }
    Ok(Some(unhappy_view(ctx, &items, total, None)))
}

fn unhappy_items(tx: &redb::ReadTransaction, limit: usize) -> StoreResult<(Vec<Unhappy>, usize)> {
    let (calls, total) = followups::waiting_for_manager(tx, limit)?;
    let mut out = Vec::with_capacity(calls.len());
    for call in calls {
        let customer = customers::get(tx, call.customer_id)?;
        let plate =
            vehicles::get(tx, call.vehicle_id)?.map(|v| v.details.plate.to_string()).unwrap_or_default();
        out.push(Unhappy {
            customer: customer.as_ref().map(|c| c.details.name.clone()).unwrap_or_default(),
            phone: customer.map(|c| c.details.phone.as_str().to_string()).unwrap_or_default(),
            plate,
            call,
        });
    }
    Ok((out, total))
}

fn unhappy_view(
    ctx: &Ctx,
    items: &[Unhappy],
    total: usize,
    refused: Option<(u64, &str, &FieldErrors)>,
) -> Markup {
    let lang = ctx.lang;
    html! {
        section.panel.followup-unhappy id="unhappy-followups" data-unhappy=(total) {
            div.panel-head {
                h2 { (lang.t(Msg::FollowUpUnhappyTitle)) " " span.badge.warn { (total) } }
                a href="/reports/followups" { (lang.t(Msg::FollowUpReport)) " ›" }
            }
            @for u in items {
                @match refused {
                    Some((id, note, errors)) if id == u.call.id => (unhappy_item(ctx, u, note, errors)),
                    _ => (unhappy_item(ctx, u, "", &FieldErrors::new())),
                }
            }
        }
    }
}

fn unhappy_item(ctx: &Ctx, u: &Unhappy, note: &str, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let c = &u.call;
    let action = format!("/care/followups/{}/handled", c.id);
    html! {
        article.unhappy-item data-followup=(c.id) data-swap-invalid {
            p {
                strong.score-low[c.score.is_some_and(|s| s <= 2)] { (c.score.unwrap_or_default()) "/5" } " · "
                a href={ "/orders/" (c.order_id) } { (c.order_number) } " · "
                span.plate { (u.plate) } " · "
                a href={ "/customers/" (c.customer_id) } { (u.customer) } " · "
                a.tel href={ "tel:" (u.phone) } { (u.phone) }
                @if c.flagged { " " span.badge.warn { (lang.t(Msg::FollowUpFlag)) } }
            }
            @if !c.comment.is_empty() { blockquote { (c.comment) } }
            form.unhappy-handle method="post" action=(action) hx-post=(action) hx-target="closest .unhappy-item" hx-swap="outerHTML" {
                (csrf_field(ctx))
                input type="hidden" name="version" value=(c.version);
                (Field::text("note", lang.t(Msg::FollowUpNote), note).id_suffix(c.id).required().render(lang, errors))
                button.secondary type="submit" { (lang.t(Msg::FollowUpHandle)) }
            }
        }
    }
}

/// `POST /care/followups/{id}/handled`: a manager's note on an unhappy answer; it leaves the
/// home page. One write with a version check; an empty note is refused beside its field.
pub(super) async fn handled(state: &AppState, ctx: &Ctx, id: u64, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Reports)?;
    let form = ctx.form(body)?;
    let version: u64 = form.get("version").trim().parse().map_err(|_| AppError::BadRequest)?;
    let typed_note = form.owned("note");
    let note = match check_note(&typed_note) {
        Ok(n) => n,
        Err(errors) => {
            let (items, total) = state.store.read(|tx| unhappy_items(tx, usize::MAX)).await?;
            let item = items.iter().find(|u| u.call.id == id).ok_or(AppError::NotFound)?;
            let markup = if ctx.htmx {
                unhappy_item(ctx, item, &typed_note, &errors)
            } else {
                let body =
                    unhappy_view(ctx, std::slice::from_ref(item), total, Some((id, &typed_note, &errors)));
                layout::page(ctx, ctx.lang.t(Msg::FollowUpUnhappyTitle), body)
            };
            let mut response = html_response(markup);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let actor = user.actor();
    let call = state
        .store
        .write(move |tx| followups::handle_tx(tx, &actor, (id, version), note.clone(), chrono::Utc::now()))
        .await?;
    if ctx.htmx {
        let lang = ctx.lang;
        let handled = call.handled.as_ref().map(|h| (h.by_name.clone(), h.note.clone())).unwrap_or_default();
        return Ok(html_response(html! {
            article.unhappy-item.done data-followup=(call.id) data-handled="1" {
                p { strong { (call.order_number) } " · " (lang.fmt(Msg::FollowUpHandledBy, &[&handled.0, &handled.1])) }
            }
        }));
    }
    Ok(redirect_to("/", false))
}
