//! Moving an order through its states (POST /orders/{id}/status), from the desk, the cashier or
//! a technician's phone; and the diagnosis notes (POST /orders/{id}/diagnosis).

use std::sync::Arc;

use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::page::{Forms, order_page};
use super::{Change, begin, body, ctx, desk, done};
use crate::domain::work_order::{needs_reason, transitions_for};
use crate::domain::{Area, FieldErrors, OrderId, OrderState, Roles, WorkOrder};
use crate::i18n::Msg;
use crate::store::{StoreError, orders};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::layout::{Field, csrf_field, notice, textarea};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let status =
        warp::path!("orders" / u64 / "status").and(warp::post()).and(ctx(state)).and(body()).then(handler!(
            state,
            ctx,
            |id: u64, ctx: Ctx, body: Bytes| change_status(&state, &ctx, OrderId(id), &body)
        ));
    let diagnosis =
        warp::path!("orders" / u64 / "diagnosis").and(warp::post()).and(ctx(state)).and(body()).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| add_diagnosis(
                &state,
                &ctx,
                OrderId(id),
                &body
            )),
        );
    status.or(diagnosis).unify().boxed()
}

/// Neither the desk nor the cashier: a technician, who works from their phone page.
fn floor_only(roles: Roles) -> bool {
    !(roles.may(Area::Orders) || roles.may(Area::Checkout))
}

/// Status changes are open to every role the state machine names: the desk, the cashier, and
/// technicians (for the orders they work on, from their phone page).
fn may_change_status(roles: Roles) -> bool {
    !floor_only(roles) || roles.may(Area::MyJobs)
}

/// POST /orders/{id}/status: the state machine decides; a technician is answered on their phone
/// page.
async fn change_status(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let Change { user, form, view } = begin(state, ctx, id, body, may_change_status).await?;
    let roles = user.user.roles;
    let floor_only = floor_only(roles);
    // A technician moves only the orders they work on.
    if floor_only && !view.order.technicians().contains(&user.user.id) {
        return Err(AppError::Forbidden);
    }
    let to = OrderState::parse(form.get("to")).ok_or(AppError::BadRequest)?;
    let reason = form.owned("reason");
    let typed = reason.clone();
    let actor = user.actor();
    match state
        .store
        .write_touching(move |tx, t| orders::transition_tx(tx, t, &actor, roles, id, to, &reason))
        .await
    {
        Ok(order) if floor_only => {
            Ok(redirect_to(&format!("/t/{:032x}?floor=1&notice=status", order.token), ctx.htmx))
        }
        Ok(_) => done(state, ctx, id, "status").await,
        Err(StoreError::Invalid(e)) if floor_only => {
            // The technician is told on their own page, which shows no prices.
            let problem = e.get("to").cloned().unwrap_or(Msg::TransitionIllegal.into());
            let errors = FieldErrors::one("action", problem);
            crate::web::floor::phone_page(state, ctx, view.order, None, None, &errors).await
        }
        Err(StoreError::Invalid(e)) => {
            let mut errors = e.clone();
            if e.get("to").is_some_and(|p| p.msg == Msg::ReasonRequired) {
                errors.add("reason", Msg::ReasonRequired);
            }
            Ok(order_page(ctx, &view, None, &Forms { status: Some((typed, errors)), ..Default::default() }))
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /orders/{id}/diagnosis: one more diagnosis note.
async fn add_diagnosis(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let Change { user, form, view } = begin(state, ctx, id, body, desk).await?;
    let typed = form.owned("text");
    let text = match crate::domain::field::required_text(&typed, 4000) {
        Ok(t) => t,
        Err(p) => {
            let forms = Forms { diagnosis: Some((typed, FieldErrors::one("text", p))), ..Default::default() };
            return Ok(order_page(ctx, &view, None, &forms));
        }
    };
    let actor = user.actor();
    state
        .store
        .write_touching(move |tx, t| orders::add_diagnosis_tx(tx, t, &actor, id, text.clone()))
        .await?;
    done(state, ctx, id, "diagnosis").await
}

/// The words on the button that moves an order from `from` to `to`.
pub(super) fn action_label(from: OrderState, to: OrderState) -> Msg {
    use OrderState::*;
    match (from, to) {
        (_, Open) => Msg::ToOpen,
        (WaitingParts, InProgress) => Msg::ToResume,
        (QualityCheck, InProgress) => Msg::ToBackToWork,
        (Completed, InProgress) => Msg::ToReopen,
        (_, InProgress) => Msg::ToInProgress,
        (_, WaitingParts) => Msg::ToWaitingParts,
        (_, QualityCheck) => Msg::ToQualityCheck,
        (_, Completed) => Msg::ToCompleted,
        (_, Settled) => Msg::ToSettled,
        (_, Delivered) => Msg::ToDelivered,
        (_, Cancelled) => Msg::ToCancelled,
        (_, Draft) => Msg::StateDraft,
    }
}

/// The moves this user may make now without giving a reason: the next steps of the action bar,
/// the one furthest along first (quality check before waiting for parts).
pub(super) fn next_moves(roles: Roles, o: &WorkOrder) -> Vec<OrderState> {
    let mut moves: Vec<OrderState> =
        transitions_for(roles, o).into_iter().filter(|to| !needs_reason(o.state, *to)).collect();
    moves.reverse();
    moves
}

/// The moves that need a reason (cancel, back from quality check, reopen), folded away under
/// "more actions" so they never stand in for the next step; open when one came back refused.
pub(super) fn status_form(ctx: &Ctx, o: &WorkOrder, roles: crate::domain::Roles, forms: &Forms) -> Markup {
    let lang = ctx.lang;
    let targets: Vec<OrderState> =
        transitions_for(roles, o).into_iter().filter(|to| needs_reason(o.state, *to)).collect();
    let blank = (String::new(), FieldErrors::new());
    let (reason, errors) = forms.status.as_ref().unwrap_or(&blank);
    let action = format!("/orders/{}/status", o.id);
    html! {
        @if let Some(p) = errors.get("to").filter(|_| targets.is_empty() || errors.get("reason").is_none()) { (notice("error", &p.text(lang))) }
        @if !targets.is_empty() {
            details.panel.status-panel.more-actions id="more-actions" open[errors.get("reason").is_some()] {
                summary { h2 { (lang.t(Msg::MoreActions)) } }
                form method="post" action=(action) hx-post=(action) hx-target="#order-page" hx-swap="outerHTML" data-swap-invalid {
                    (csrf_field(ctx))
                    (Field::text("reason", lang.t(Msg::Reason), reason).hint(lang.t(Msg::ReasonHelp).to_string()).render(lang, errors))
                    div.actions.transitions {
                        @for to in &targets {
                            button.big.danger[*to == OrderState::Cancelled].secondary[*to != OrderState::Cancelled]
                                type="submit" name="to" value=(to.code()) { (lang.t(action_label(o.state, *to))) }
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn diagnosis_form(ctx: &Ctx, o: &WorkOrder, forms: &Forms) -> Markup {
    let lang = ctx.lang;
    let blank = (String::new(), FieldErrors::new());
    let (text, errors) = forms.diagnosis.as_ref().unwrap_or(&blank);
    let action = format!("/orders/{}/diagnosis", o.id);
    html! {
        section.panel id="diagnosis" {
            h2 { (lang.t(Msg::AddDiagnosis)) }
            form method="post" action=(action) hx-post=(action) hx-target="#order-page" hx-swap="outerHTML" data-swap-invalid novalidate {
                (csrf_field(ctx))
                (textarea("text", lang.t(Msg::Diagnosis), text, None, errors, lang))
                div.actions { button.secondary type="submit" { (lang.t(Msg::AddDiagnosis)) } }
            }
        }
    }
}
