//! The customer's answer to the estimate (POST /orders/{id}/approvals): line by line, in
//! person with a signature or by phone; and the list of answers given.

use std::sync::Arc;

use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::page::{Forms, OrderView, load, order_page};
use super::{Change, begin, body, ctx, desk, done};
use crate::domain::work_order::{ApprovalDetails, ApprovalInput, Signature};
use crate::domain::{FieldErrors, OrderId, WorkOrder};
use crate::i18n::Msg;
use crate::store::{StoreError, orders};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;
use crate::web::layout::{Field, csrf_field, select};
use crate::web::show::{LocalTime, Money};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    warp::path!("orders" / u64 / "approvals")
        .and(warp::post())
        .and(ctx(state))
        .and(body())
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| record_approval(
            &state,
            &ctx,
            OrderId(id),
            &body
        )))
        .boxed()
}

/// POST /orders/{id}/approvals: the customer's answer for each line the form showed.
async fn record_approval(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let Change { user, form, view } = begin(state, ctx, id, body, desk).await?;
    let again = |view: &OrderView, input: ApprovalInput, errors: FieldErrors| {
        Ok(order_page(ctx, view, None, &Forms { approval: Some((input, errors)), ..Default::default() }))
    };
    let sent_version = form.get("estimate_version").trim().parse::<u32>().ok();
    if sent_version != Some(view.order.estimate_version) {
        // The form was for an older estimate: never take its answers for lines it did not
        // show. The page shows the estimate as it is now.
        let input = ApprovalInput {
            approver: form.owned("approver"),
            method: form.owned("method"),
            ..Default::default()
        };
        return again(&view, input, FieldErrors::one("estimate_version", Msg::EstimateChanged));
    }
    let input = ApprovalInput {
        estimate_version: form.owned("estimate_version"),
        method: form.owned("method"),
        approver: form.owned("approver"),
        decisions: view
            .order
            .pending_lines()
            .map(|l| (l.no.to_string(), form.owned(&format!("decision_{}", l.no))))
            .collect(),
        signature: form.owned("signature"),
        note: form.owned("note"),
    };
    let details = match ApprovalDetails::check(&input) {
        Ok(d) => d,
        Err(e) => return again(&view, input, e),
    };
    let actor = user.actor();
    match state
        .store
        .write_touching(move |tx, t| orders::approve_tx(tx, t, &actor, id, details.clone()))
        .await
    {
        Ok(_) => done(state, ctx, id, "approved").await,
        Err(StoreError::Invalid(e)) => {
            // The estimate moved on: show the new one, with the answer as typed.
            let view = load(state, id).await?;
            again(&view, input, e)
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) fn approval_form(ctx: &Ctx, view: &OrderView, forms: &Forms) -> Markup {
    let lang = ctx.lang;
    let o = &view.order;
    let default_input = ApprovalInput {
        method: "in_person".into(),
        approver: view.customer.as_ref().map(|c| c.details.name.clone()).unwrap_or_default(),
        ..Default::default()
    };
    let blank = (default_input, FieldErrors::new());
    let (input, errors) = forms.approval.as_ref().unwrap_or(&blank);
    let chosen = |no: u32| {
        input
            .decisions
            .iter()
            .find(|(n, _)| *n == no.to_string())
            .map(|(_, d)| d.as_str())
            .unwrap_or("approved")
    };
    let methods = [("in_person", lang.t(Msg::ApprovalInPerson)), ("phone", lang.t(Msg::ApprovalPhone))];
    let action = format!("/orders/{}/approvals", o.id);
    html! {
        section.panel.approval id="approval" {
            h2 { (lang.t(Msg::ApprovalTitle)) }
            p.lead { (lang.t(Msg::ApprovalLead)) }
            form method="post" action=(action) hx-post=(action) hx-target="#order-page" hx-swap="outerHTML" data-swap-invalid novalidate data-signature-form {
                (csrf_field(ctx))
                input type="hidden" name="estimate_version" value=(o.estimate_version);
                @if let Some(p) = errors.get("decisions").or(errors.get("estimate_version")) { p.field-msg role="alert" { (p.text(lang)) } }
                ul.decisions {
                    @for l in o.pending_lines() {
                        li {
                            div.what { strong { (l.details.description) } " " span.muted { (lang.t(l.details.kind.label())) " · " (l.details.qty) @if l.is_labour() { " " (lang.t(Msg::HoursUnit)) } } }
                            div.amount { (Money(l.total())) }
                            div.segmented role="radiogroup" aria-label=(l.details.description) {
                                label.yes { input type="radio" name={ "decision_" (l.no) } value="approved" checked[chosen(l.no) == "approved"]; span { (lang.t(Msg::Approve)) } }
                                label.no { input type="radio" name={ "decision_" (l.no) } value="declined" checked[chosen(l.no) == "declined"]; span { (lang.t(Msg::Decline)) } }
                            }
                        }
                    }
                }
                div.form-grid {
                    (Field::text("approver", lang.t(Msg::Approver), &input.approver).required().render(lang, errors))
                    (select("method", lang.t(Msg::ApprovalMethodLabel), &input.method, &methods, errors, lang))
                }
                div.field.signature.invalid[errors.get("signature").is_some()] data-only-method="in_person" {
                    span.label { (lang.t(Msg::SignHere)) }
                    div.signature-pad {
                        canvas width=(Signature::WIDTH) height=(Signature::HEIGHT) aria-label=(lang.t(Msg::SignHere)) {}
                        button.secondary.small type="button" data-clear-signature { (lang.t(Msg::ClearSignature)) }
                    }
                    input type="hidden" name="signature" id="f-signature" value=(input.signature);
                    @if let Some(p) = errors.get("signature") { p.field-msg id="f-signature-msg" { (p.text(lang)) } }
                }
                (Field::text("note", lang.t(Msg::ApprovalNote), &input.note).render(lang, errors))
                div.actions { button.big type="submit" { (lang.t(Msg::RecordApproval)) } }
            }
        }
    }
}

/// The signature as an inline SVG (numbers only, parsed on the way in).
pub fn signature_svg(sig: &Signature) -> Markup {
    html! {
        svg.signature xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (Signature::WIDTH) " " (Signature::HEIGHT) } role="img" {
            path d=(sig.svg_path()) fill="none" stroke="currentColor" stroke-width="6" stroke-linecap="round" stroke-linejoin="round" {}
        }
    }
}

pub(super) fn approvals_list(ctx: &Ctx, o: &WorkOrder, people: &[crate::domain::User]) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    html! {
        @if !o.approvals.is_empty() {
            section.approvals-list {
                h3 { (lang.t(Msg::ApprovalHistory)) }
                ul.timeline.approvals {
                    @for a in o.approvals.iter().rev() {
                        li data-approval=(a.no) data-method=(a.method.code()) data-estimate-version=(a.estimate_version) {
                            strong { (lang.fmt(Msg::ApprovalEntry, &[&a.no])) }
                            " · " (lang.t(a.method.label())) " · " (a.approver) " · " (Money(a.approved_total))
                            div {
                                @for no in &a.approved { span.badge.ok { "#" (no) " " (lang.t(Msg::DecisionApproved)) } " " }
                                @for no in &a.declined { span.badge.bad { "#" (no) " " (lang.t(Msg::DecisionDeclined)) } " " }
                            }
                            @if !a.note.is_empty() { p.notes { (a.note) } }
                            @if let Some(sig) = &a.signature { (signature_svg(sig)) }
                            div.muted { (crate::web::show::person(people, a.recorded_by, &a.recorded_by_name)) " · " (LocalTime::new(a.at, tz)) }
                        }
                    }
                }
            }
        }
    }
}
