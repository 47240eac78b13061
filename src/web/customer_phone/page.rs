//! The customer's page (GET /c/{token}), its live part (GET /c/{token}/live), and the photos the
//! floor chose to share (GET /c/{token}/photos/{id}).
//!
//! The live part asks every three seconds with the order version it shows and gets `204` until
//! the order changes. The approval form stays outside it, so a signature being drawn is never
//! wiped by a technician's tap; only a new estimate replaces the form (out of band), because
//! answers to the old one would be refused anyway.

use std::sync::Arc;

use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::{Reply, Response};

use super::{Link, Query, ctx, document, query, resolve, shop_contact};
use crate::domain::checkout::is_voided;
use crate::domain::clock::Progress;
use crate::domain::work_order::{ApprovalMethod, CustomerStage, Decision, PhoneAnswerInput, Signature};
use crate::domain::{FieldErrors, OrderState, Settings, Vehicle, WorkOrder};
use crate::i18n::{Lang, Msg};
use crate::store::checkout::OrderCheckout;
use crate::store::{orders, vehicles};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::layout::notice;
use crate::web::show::{LocalTime, Money};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let page = warp::path!("c" / String).and(warp::get()).and(ctx(state)).and(query()).then(handler!(
        state,
        ctx,
        |token: String, ctx: Ctx, q: Query| view_page(&state, &ctx, &token, &q)
    ));
    let live = warp::path!("c" / String / "live")
        .and(warp::get())
        .and(ctx(state))
        .and(query())
        .then(handler!(state, ctx, |token: String, ctx: Ctx, q: Query| live_part(&state, &ctx, &token, &q)));
    let photo =
        warp::path!("c" / String / "photos" / u64).and(warp::get()).and(ctx(state)).and(query()).then(
            handler!(state, ctx, |token: String, id: u64, ctx: Ctx, q: Query| photo(
                &state, &ctx, &token, id, &q
            )),
        );
    page.or(live).unify().or(photo).unify().boxed()
}

/// Everything the customer's page shows.
pub(super) struct CustomerView {
    pub order: WorkOrder,
    pub vehicle: Option<Vehicle>,
    /// The bill, once the order is settled.
    pub receipt: Option<OrderCheckout>,
    pub settings: Arc<Settings>,
    /// The inspections the advisor shared, shown as a report.
    pub inspections: Vec<crate::domain::inspection::Inspection>,
}

impl CustomerView {
    pub(super) async fn gather(state: &AppState, order: WorkOrder) -> AppResult<CustomerView> {
        let settings = state.settings();
        let (id, vehicle_id) = (order.id, order.vehicle_id);
        let settled = matches!(order.state, OrderState::Settled | OrderState::Delivered);
        let rules = settings.clone();
        let (vehicle, receipt) = state
            .store
            .read(move |tx| {
                let vehicle = vehicles::get(tx, vehicle_id)?;
                let receipt =
                    if settled { crate::store::checkout::order_checkout(tx, id, &rules)? } else { None };
                Ok((vehicle, receipt))
            })
            .await?;
        let inspections = crate::web::inspections::shared_with_customer(state, id).await?;
        Ok(CustomerView { order, vehicle, receipt, settings, inspections })
    }
}

/// What the page says above everything else, after an answer or a refused one.
#[derive(Default)]
pub(super) struct Outcome {
    pub notice: Option<Msg>,
    /// The answer as sent, with what was wrong with it.
    pub answer: Option<(PhoneAnswerInput, FieldErrors)>,
}

async fn view_page(state: &AppState, ctx: &Ctx, token: &str, q: &Query) -> AppResult<Response> {
    let Link { order, lang } = match resolve(state, ctx, token).await? {
        Ok(link) => link,
        Err(page) => return Ok(page),
    };
    let view = CustomerView::gather(state, order).await?;
    let notice = match q.get("notice").map(String::as_str) {
        Some("approved") => Some(Msg::CustomerAnswerApproved),
        Some("declined") => Some(Msg::CustomerAnswerDeclined),
        _ => None,
    };
    Ok(customer_page(lang, &view, &Outcome { notice, answer: None }))
}

/// The whole page as a response (422 when an answer came back refused).
pub(super) fn customer_page(lang: Lang, view: &CustomerView, outcome: &Outcome) -> Response {
    let o = &view.order;
    let link = o.customer_link.expect("a page is shown only for an order with a link");
    let token = link.token_hex();
    let path = format!("/c/{token}");
    let title =
        view.vehicle.as_ref().map(|v| v.details.plate.to_string()).unwrap_or_else(|| o.number.clone());
    let body = html! {
        div.customer-page {
            @if let Some(msg) = outcome.notice { (notice("ok", lang.t(msg))) }
            (live(lang, view, &token))
            (approve_section(lang, view, &token, &link.csrf_hex(), outcome.answer.as_ref(), false))
            (crate::web::inspections::customer_section(lang, &view.inspections, o, &token))
            (crate::web::walkaround::customer_section(lang, view.settings.tz(), o, &token))
            (receipt_section(lang, view))
            (shop_contact(lang, &view.settings))
        }
    };
    let page = document(lang, &view.settings, &title, Some(&link.csrf_hex()), Some(&path), body);
    let mut response = crate::web::html_response(page);
    if let Some((_, errors)) = &outcome.answer {
        *response.status_mut() = if errors.get("estimate_version").is_some() {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
    }
    response
}

async fn live_part(state: &AppState, ctx: &Ctx, token: &str, q: &Query) -> AppResult<Response> {
    let Link { order, lang } = match resolve(state, ctx, token).await? {
        Ok(link) => link,
        Err(page) => return Ok(page),
    };
    if q.get("v").and_then(|v| v.parse::<u64>().ok()) == Some(order.version) {
        return Ok(crate::web::board::no_change());
    }
    let shown_estimate = q.get("e").and_then(|e| e.parse::<u32>().ok());
    let view = CustomerView::gather(state, order).await?;
    let link = view.order.customer_link.expect("resolved");
    let token = link.token_hex();
    let new_estimate = shown_estimate != Some(view.order.estimate_version);
    Ok(crate::web::html_response(html! {
        (live(lang, &view, &token))
        @if new_estimate { (approve_section(lang, &view, &token, &link.csrf_hex(), None, true)) }
    }))
}

/// The part that follows the repair: the car, where it is, the lines and the shared photos.
fn live(lang: Lang, view: &CustomerView, token: &str) -> Markup {
    let o = &view.order;
    let tz = view.settings.tz();
    let stage = o.customer_stage();
    let t = o.totals();
    let shared: Vec<_> = o.notes.iter().filter(|n| n.shared).collect();
    html! {
        div id="customer-live" hx-get={ "/c/" (token) "/live?v=" (o.version) "&e=" (o.estimate_version) }
            hx-trigger="every 3s" hx-swap="outerHTML" data-state=(o.state.code()) data-version=(o.version) {
            section.panel.customer-head {
                @if let Some(v) = &view.vehicle {
                    div.plate-big { (v.details.plate) }
                    p.car { (v.details.title()) }
                }
                p.muted { (lang.t(Msg::Number)) " " (o.number) }
                h1 data-stage=(stage.step) { (lang.t(stage.label)) }
                p.lead { (lang.t(stage.lead)) }
                @if stage.step > 0 {
                    ol.steps aria-label=(lang.t(Msg::CustomerProgress)) data-step=(stage.step) {
                        @for (i, name) in CustomerStage::NAMES.iter().enumerate() {
                            @let n = i as u8 + 1;
                            li.done[n < stage.step].current[n == stage.step] aria-current=[(n == stage.step).then_some("step")] { span { (lang.t(*name)) } }
                        }
                    }
                }
                @if let Some(p) = o.reception.promised_at.filter(|_| stage.step < 5 && stage.step > 0) {
                    p.promised { (lang.t(Msg::PromisedAt)) " " strong { (LocalTime::new(p, tz)) } }
                }
                @let waiting = o.pending_lines().count();
                @if waiting > 0 && o.state.is_editable() {
                    p { a.button.big.to-approve href="#approve" data-pending=(waiting) { (lang.fmt(Msg::CustomerPendingLink, &[&waiting])) " ↓" } }
                }
            }
            section.panel {
                h2 { (lang.t(Msg::CustomerYourRepair)) }
                @if o.lines.is_empty() { p.muted { (lang.t(Msg::NoLines)) } }
                ul.customer-lines {
                    @for l in &o.lines {
                        li.declined[l.decision == Decision::Declined] data-line=(l.no) data-decision=(l.decision.code()) {
                            div.what {
                                strong { (l.details.description) }
                                div.muted { (lang.t(l.details.kind.label())) " · " (l.details.qty.normalize()) @if l.is_labour() { " " (lang.t(Msg::HoursUnit)) } }
                            }
                            div.amount { (Money(l.total())) }
                            div.state {
                                (decision_badge(lang, l.decision))
                                @if l.is_labour() && l.decision != Decision::Declined {
                                    @match l.progress() {
                                        Progress::Running => { " " span.badge.ok data-progress="running" { (lang.t(Msg::CustomerWorkOngoing)) } }
                                        Progress::Finished => { " " span.badge.done data-progress="finished" { (lang.t(Msg::CustomerWorkDone)) } }
                                        _ => {}
                                    }
                                }
                            }
                        }
                    }
                }
                dl.totals {
                    dt.grand { (lang.t(Msg::Estimate)) } dd.grand data-total="estimate" { (Money(t.estimate)) }
                    @if !t.pending.is_zero() { dt { (lang.t(Msg::CustomerDecisionPending)) } dd.warn data-total="pending" { (Money(t.pending)) } }
                    @if !t.declined.is_zero() { dt { (lang.t(Msg::DeclinedTotal)) } dd.muted data-total="declined" { (Money(t.declined)) } }
                }
            }
            @if !shared.is_empty() {
                section.panel id="customer-photos" {
                    h2 { (lang.t(Msg::CustomerPhotos)) }
                    ul.timeline {
                        @for n in shared.iter().rev() {
                            li {
                                @if !n.text.is_empty() { p.notes { (n.text) } }
                                div.thumbs {
                                    @for id in &n.photos {
                                        a href={ "/c/" (token) "/photos/" (id) } target="_blank" {
                                            img src={ "/c/" (token) "/photos/" (id) "?thumb=1" } alt=(lang.t(Msg::Photo)) loading="lazy" width="160" height="120";
                                        }
                                    }
                                }
                                div.muted { (LocalTime::new(n.at, tz)) }
                            }
                        }
                    }
                }
            }
            @let mine: Vec<_> = o.approvals.iter().filter(|a| a.method == ApprovalMethod::CustomerPhone).collect();
            @if !mine.is_empty() {
                section.panel {
                    h2 { (lang.t(Msg::CustomerYourAnswers)) }
                    ul.timeline {
                        @for a in mine.iter().rev() {
                            li data-approval=(a.no) {
                                @for no in &a.approved { span.badge.ok { "#" (no) " " (lang.t(Msg::DecisionApproved)) } " " }
                                @for no in &a.declined { span.badge.bad { "#" (no) " " (lang.t(Msg::DecisionDeclined)) } " " }
                                div.muted { (lang.t(Msg::ApprovalCustomerPhone)) " · " (LocalTime::new(a.at, tz)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn decision_badge(lang: Lang, d: Decision) -> Markup {
    let (class, msg) = match d {
        Decision::Pending => ("badge warn", Msg::CustomerDecisionPending),
        Decision::Approved => ("badge ok", Msg::DecisionApproved),
        Decision::Declined => ("badge bad", Msg::DecisionDeclined),
    };
    html! { span class=(class) { (lang.t(msg)) } }
}

/// The pending lines to answer, with the signature pad and the two answers. `oob` marks it to
/// replace the form on the page from a live answer (a new estimate arrived).
fn approve_section(
    lang: Lang,
    view: &CustomerView,
    token: &str,
    csrf: &str,
    answer: Option<&(PhoneAnswerInput, FieldErrors)>,
    oob: bool,
) -> Markup {
    let o = &view.order;
    let pending: Vec<_> = o.pending_lines().collect();
    let may_answer = o.state.is_editable() && !pending.is_empty();
    let blank = (PhoneAnswerInput::default(), FieldErrors::new());
    let (typed, errors) = answer.unwrap_or(&blank);
    let ticked = |no: u32| typed.lines.iter().any(|l| l.trim() == no.to_string());
    let stale = errors.get("estimate_version").is_some();
    let problem = errors.get("line").or(errors.get("decision")).or(errors.get("estimate_version"));
    html! {
        section.panel.customer-approve id="approve" hx-swap-oob=[oob.then_some("true")] data-estimate=(o.estimate_version) {
            @if may_answer {
                h2 { (lang.t(Msg::CustomerApproveTitle)) }
                p.lead { (lang.t(Msg::CustomerApproveLead)) }
                @if stale { (notice("warn", lang.t(Msg::CustomerEstimateChanged))) }
                @if let Some(p) = problem.filter(|_| !stale) { p.field-msg role="alert" { (p.text(lang)) } }
                form method="post" action={ "/c/" (token) "/approvals" } novalidate data-signature-form {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="estimate_version" value=(o.estimate_version);
                    ul.pick-lines {
                        @for l in &pending {
                            li {
                                label.pick {
                                    input type="checkbox" name="line" value=(l.no) checked[!stale && ticked(l.no)];
                                    span.what { strong { (l.details.description) } span.muted { (lang.t(l.details.kind.label())) " · " (l.details.qty.normalize()) @if l.is_labour() { " " (lang.t(Msg::HoursUnit)) } } }
                                    span.amount { (Money(l.total())) }
                                }
                            }
                        }
                    }
                    div.field.signature.invalid[errors.get("signature").is_some()] {
                        span.label { (lang.t(Msg::CustomerSignHere)) }
                        div.signature-pad {
                            canvas width=(Signature::WIDTH) height=(Signature::HEIGHT) aria-label=(lang.t(Msg::CustomerSignHere)) {}
                            button.secondary.small type="button" data-clear-signature { (lang.t(Msg::ClearSignature)) }
                        }
                        input type="hidden" name="signature" id="f-signature" value="";
                        @if let Some(p) = errors.get("signature") { p.field-msg id="f-signature-msg" { (p.text(lang)) } }
                    }
                    div.answer-buttons {
                        button.big.go type="submit" name="decision" value="approve" { (lang.t(Msg::CustomerApproveSelected)) }
                        button.big.danger type="submit" name="decision" value="decline" { (lang.t(Msg::CustomerDeclineSelected)) }
                    }
                }
            }
        }
    }
}

/// The receipt, once the order is settled.
fn receipt_section(lang: Lang, view: &CustomerView) -> Markup {
    let tz = view.settings.tz();
    html! {
        @if let Some(oc) = &view.receipt {
            section.panel.customer-receipt id="receipt" {
                h2 { (lang.t(Msg::SalesReceipt)) " " (oc.order.number) }
                div.table-wrap { (crate::web::checkout::settlement_table(lang, &oc.bill.settlement)) }
                (crate::web::checkout::totals(lang, oc))
                @let paid: Vec<_> = oc.payments.iter().filter(|p| p.voids.is_none() && !is_voided(p, &oc.payments)).collect();
                @if !paid.is_empty() {
                    h3 { (lang.t(Msg::Payments)) }
                    ul.timeline {
                        @for p in paid {
                            li data-receipt-payment=(p.method.code()) { (lang.t(p.method.label())) " " (Money(p.amount)) div.muted { (LocalTime::new(p.at, tz)) } }
                        }
                    }
                }
            }
        }
    }
}

/// GET /c/{token}/photos/{id}: a photo of a note shared with the customer, or 404.
async fn photo(state: &AppState, ctx: &Ctx, token: &str, id: u64, q: &Query) -> AppResult<Response> {
    let Link { order, .. } = match resolve(state, ctx, token).await? {
        Ok(link) => link,
        Err(page) => return Ok(page),
    };
    // The walk-around's photos once the customer signed it.
    let signed = order.walkaround.as_ref().is_some_and(|w| w.is_signed());
    let walk_photo = signed && orders::walkaround::has_photo(&order, id);
    if !orders::shared_photo(&order, id)
        && !walk_photo
        && !crate::web::inspections::customer_photo(state, order.id, id).await?
    {
        return Err(AppError::NotFound);
    }
    let thumb = q.contains_key("thumb");
    let bytes = state.store.read(move |tx| orders::photo(tx, id, thumb)).await?.ok_or(AppError::NotFound)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("image/jpeg"));
    headers.insert("cache-control", HeaderValue::from_static("private, max-age=3600"));
    Ok(response)
}
