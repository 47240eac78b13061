//! The advisor's side of an inspection: attaching one to an order, the findings grouped red,
//! yellow, green with their photos, turning a finding into a recommended line (from a service
//! template or by hand; it then waits for the customer's answer like any added line), sharing
//! the report with the customer, and the car's deferred work from earlier visits, which the
//! advisor can take up on this order.

use std::sync::Arc;

use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::Query;
use crate::domain::inspection::{Inspection, InspectionItem, InspectionTemplate, Rating};
use crate::domain::template::ServiceTemplate;
use crate::domain::work_order::{LineDetails, LineInput};
use crate::domain::{Area, FieldErrors, LineKind, OrderId, Role, User, UserId, Vehicle, WorkOrder};
use crate::i18n::{Lang, Msg};
use crate::store::inspections::{self, Deferred};
use crate::store::{StoreError, orders, templates, users, vehicles};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::layout::{self, csrf_field, notice};
use crate::web::orders::print::customer_url;
use crate::web::show::{LocalTime, Money};
use crate::web::{AppState, BODY_LIMIT, html_response};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = || crate::web::ctx::ctx(state.clone());
    let query = || warp::query::<Query>().or(warp::any().map(Query::new)).unify();
    let body = || warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let view = warp::path!("orders" / u64 / "inspection")
        .and(warp::get())
        .and(ctx())
        .and(query())
        .then(handler!(state, ctx, |id: u64, ctx: Ctx, q: Query| view(&state, &ctx, OrderId(id), &q)));
    let attach = warp::path!("orders" / u64 / "inspections").and(warp::post()).and(ctx()).and(body()).then(
        handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| attach(&state, &ctx, OrderId(id), &body)),
    );
    let recommend = warp::path!("orders" / u64 / "inspections" / u64 / "items" / usize / "recommend")
        .and(warp::post())
        .and(ctx())
        .and(body())
        .then(handler!(state, ctx, |id: u64, insp: u64, n: usize, ctx: Ctx, body: Bytes| recommend(
            &state,
            &ctx,
            OrderId(id),
            insp,
            n,
            &body
        )));
    let share = warp::path!("orders" / u64 / "inspections" / u64 / "share")
        .and(warp::post())
        .and(ctx())
        .and(body())
        .then(handler!(state, ctx, |id: u64, insp: u64, ctx: Ctx, body: Bytes| share(
            &state,
            &ctx,
            OrderId(id),
            insp,
            &body
        )));
    let take_up =
        warp::path!("orders" / u64 / "deferred" / u64 / usize).and(warp::post()).and(ctx()).and(body()).then(
            handler!(state, ctx, |id: u64, insp: u64, n: usize, ctx: Ctx, body: Bytes| take_up(
                &state,
                &ctx,
                OrderId(id),
                insp,
                n,
                &body
            )),
        );
    any_of!(view, attach, recommend, share, take_up)
}

/// The desk: advisors, managers, admins.
fn desk(ctx: &Ctx) -> AppResult<&crate::web::ctx::CurrentUser> {
    ctx.require(Area::Orders)
}

/// Everything the advisor's view shows.
struct DeskView {
    order: WorkOrder,
    vehicle: Option<Vehicle>,
    inspections: Vec<Inspection>,
    checklists: Vec<InspectionTemplate>,
    services: Vec<ServiceTemplate>,
    users: Vec<User>,
    /// Deferred work of the car from its other orders.
    deferred: Vec<Deferred>,
    base_url: String,
}

async fn load(state: &AppState, id: OrderId) -> AppResult<DeskView> {
    let found = state
        .store
        .read(move |tx| {
            let Some(order) = orders::get(tx, id)? else { return Ok(None) };
            let vehicle = vehicles::get(tx, order.vehicle_id)?;
            let inspections = inspections::for_order(tx, id)?;
            let checklists = inspections::templates(tx)?.into_iter().filter(|t| t.active).collect();
            let services = templates::list(tx)?.into_iter().filter(|t| t.active).collect();
            let deferred = inspections::deferred_for_vehicle(tx, order.vehicle_id)?
                .into_iter()
                .filter(|d| d.order_id != id)
                .collect();
            Ok(Some((order, vehicle, inspections, checklists, services, users::list(tx)?, deferred)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let (order, vehicle, inspections, checklists, services, users, deferred) = found;
    Ok(DeskView {
        order,
        vehicle,
        inspections,
        checklists,
        services,
        users,
        deferred,
        base_url: state.public_base_url(),
    })
}

/// The inspection's section of the order page: one placeholder that fetches its summary
/// (`?part=section`), with a plain link when scripts do not run.
pub fn order_section(ctx: &Ctx, order: &WorkOrder) -> Markup {
    let lang = ctx.lang;
    html! {
        section.panel id="inspection" hx-get={ "/orders/" (order.id) "/inspection?part=section" } hx-trigger="load" hx-swap="outerHTML" {
            h2 { (lang.t(Msg::InspTitle)) }
            p { a href={ "/orders/" (order.id) "/inspection" } { (lang.t(Msg::InspOpenFindings)) } }
        }
    }
}

/// A finding's recommend form that came back refused: which item, what was typed, why.
type Refused<'a> = Option<(u64, usize, &'a LineInput, &'a FieldErrors)>;

/// GET /orders/{id}/inspection: the findings page; `?part=section`: the order page's summary.
async fn view(state: &AppState, ctx: &Ctx, id: OrderId, q: &Query) -> AppResult<Response> {
    desk(ctx)?;
    let view = load(state, id).await?;
    if q.get("part").map(String::as_str) == Some("section") {
        return Ok(html_response(summary(ctx, &view)));
    }
    let note = match q.get("notice").map(String::as_str) {
        Some("recommended") => Some(Msg::InspRecommended),
        Some("attached") => Some(Msg::InspAttached),
        Some("shared") => Some(Msg::Saved),
        Some("taken_up") => Some(Msg::LinesAdded),
        _ => None,
    };
    Ok(findings_page(ctx, &view, note, None, None))
}

fn summary(ctx: &Ctx, view: &DeskView) -> Markup {
    let lang = ctx.lang;
    let o = &view.order;
    html! {
        section.panel id="inspection" {
            h2 { (lang.t(Msg::InspTitle)) }
            @if view.inspections.is_empty() { p.muted { (lang.t(Msg::InspNone)) } }
            ul.timeline {
                @for i in &view.inspections {
                    @let (done, total) = i.progress();
                    @let (red, yellow, green) = i.counts();
                    li data-inspection=(i.id) {
                        strong { (i.name) } " " span.muted { (lang.fmt(Msg::InspProgress, &[&done, &total])) }
                        " " span.dot.red { (red) } span.dot.yellow { (yellow) } span.dot.green { (green) }
                    }
                }
            }
            @if !view.deferred.is_empty() {
                (notice("warn", &lang.fmt(Msg::InspDeferredAtVisit, &[&view.deferred.len()])))
            }
            p { a.button.secondary href={ "/orders/" (o.id) "/inspection" } { (lang.t(Msg::InspOpenFindings)) } }
        }
    }
}

fn name_of(users: &[User], id: Option<UserId>) -> String {
    id.and_then(|id| users.iter().find(|u| u.id == id)).map(|u| u.display_name.clone()).unwrap_or_default()
}

fn findings_page(
    ctx: &Ctx,
    view: &DeskView,
    note: Option<Msg>,
    refused: Refused,
    attach_errors: Option<&FieldErrors>,
) -> Response {
    let lang = ctx.lang;
    let o = &view.order;
    let editable = o.state.is_editable();
    let title = lang.t(Msg::InspTitle);
    let technicians: Vec<&User> =
        view.users.iter().filter(|u| u.active && u.roles.has(Role::Technician)).collect();
    let body = html! {
        p { a href={ "/orders/" (o.id) } { "← " (lang.fmt(Msg::OrderTitle, &[&o.number])) } }
        div.page-head {
            h1 { (title) @if let Some(v) = &view.vehicle { " " span.plate-big { (v.details.plate) } } }
        }
        @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
        @if refused.is_some() || attach_errors.is_some() { (notice("error", lang.t(Msg::FormHasErrors))) }
        @if !view.deferred.is_empty() { (deferred_panel(ctx, o, &view.deferred, editable)) }
        @for i in &view.inspections { (inspection_panel(ctx, view, i, refused)) }
        @if view.inspections.is_empty() { div.empty { p { (lang.t(Msg::InspNone)) } } }
        @if !o.state.is_closed() && !view.checklists.is_empty() {
            section.panel id="attach" {
                h2 { (lang.t(Msg::InspAttach)) }
                p.muted { (lang.t(Msg::InspAttachLead)) }
                form.inline-form method="post" action={ "/orders/" (o.id) "/inspections" } {
                    (csrf_field(ctx))
                    div.field {
                        label for="f-template_id" { (lang.t(Msg::InspChecklist)) }
                        select id="f-template_id" name="template_id" {
                            @for t in &view.checklists { option value=(t.id) { (t.name) " (" (t.items.len()) ")" } }
                        }
                    }
                    div.field.invalid[attach_errors.and_then(|e| e.get("technician_id")).is_some()] {
                        label for="f-technician_id" { (lang.t(Msg::Technician)) }
                        select id="f-technician_id" name="technician_id" {
                            option value="" { (lang.t(Msg::InspAnyTechnician)) }
                            @for u in &technicians { option value=(u.id) { (u.display_name) } }
                        }
                        @if let Some(p) = attach_errors.and_then(|e| e.get("technician_id")) { p.field-msg role="alert" { (p.text(lang)) } }
                    }
                    button type="submit" { (lang.t(Msg::InspAttach)) }
                }
            }
        }
    };
    let mut response = html_response(layout::page(ctx, title, body));
    if refused.is_some() || attach_errors.is_some() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

fn inspection_panel(ctx: &Ctx, view: &DeskView, i: &Inspection, refused: Refused) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    let o = &view.order;
    let (done, total) = i.progress();
    let customer = customer_url(&view.base_url, o);
    html! {
        section.panel.inspection-findings data-inspection=(i.id) {
            div.page-head {
                h2 { (i.name) }
                div.actions {
                    a.button.secondary href={ "/inspections/" (i.id) "/print" } { (lang.t(Msg::InspReport)) }
                    form method="post" action={ "/orders/" (o.id) "/inspections/" (i.id) "/share" } {
                        (csrf_field(ctx))
                        input type="hidden" name="shared" value=(if i.shared { "0" } else { "1" });
                        @if i.shared {
                            span.badge.ok { (lang.t(Msg::SharedWithCustomer)) } " "
                            button.secondary.small type="submit" aria-pressed="true" { (lang.t(Msg::StopSharing)) }
                        } @else {
                            button.secondary.small type="submit" aria-pressed="false" disabled[customer.is_none()] { (lang.t(Msg::ShareWithCustomer)) }
                        }
                    }
                }
            }
            p.muted {
                (lang.fmt(Msg::InspProgress, &[&done, &total]))
                " · " (lang.t(Msg::Technician)) ": "
                @match i.technician { Some(_) => { (name_of(&view.users, i.technician)) } None => { (lang.t(Msg::InspAnyTechnician)) } }
                " · " (LocalTime::new(i.created_at, tz))
            }
            @for r in Rating::WORST_FIRST {
                @let found: Vec<(usize, &InspectionItem)> = i.items.iter().enumerate().filter(|(_, it)| it.rating == Some(r)).collect();
                @if !found.is_empty() {
                    h3 class={ "rating-head " (r.code()) } data-group=(r.code()) { (lang.t(r.label())) " · " (found.len()) }
                    ul.findings {
                        @for (n, it) in &found {
                            li class={ "finding " (r.code()) } data-finding=(n) {
                                (finding_body(lang, i, it))
                                @if r != Rating::Green { (recommendation(ctx, view, i, *n, it, refused)) }
                            }
                        }
                    }
                }
            }
            @if done < total {
                p.muted { (lang.fmt(Msg::InspUnrated, &[&(total - done)])) }
            }
        }
    }
}

/// A finding as shown everywhere: its area and label, reading, note, photos.
pub(super) fn finding_body(lang: Lang, i: &Inspection, it: &InspectionItem) -> Markup {
    html! {
        div.finding-head {
            @if let Some(r) = it.rating { span class={ "dot " (r.code()) } title=(lang.t(r.label())) {} }
            span.muted { (it.item.area) " · " } strong { (it.item.label) }
            @let reading = it.reading(lang);
            @if !reading.is_empty() { " " span.reading { (reading) } }
        }
        @if !it.note.is_empty() { p.notes { (it.note) } }
        @if !it.photos.is_empty() {
            div.thumbs {
                @for p in &it.photos {
                    a href={ "/inspections/" (i.id) "/photos/" (p) } target="_blank" {
                        img src={ "/inspections/" (i.id) "/photos/" (p) "?thumb=1" } alt=(lang.t(Msg::Photo)) width="120" height="90" loading="lazy";
                    }
                }
            }
        }
    }
}

/// What became of a red or yellow finding: its recommended line and the customer's answer, or
/// the form that recommends one.
fn recommendation(
    ctx: &Ctx,
    view: &DeskView,
    i: &Inspection,
    n: usize,
    it: &InspectionItem,
    refused: Refused,
) -> Markup {
    let lang = ctx.lang;
    let o = &view.order;
    if let Some(no) = it.line_no {
        return html! {
            @if let Some(l) = o.line(no) {
                p.recommended data-line=(no) data-decision=(l.decision.code()) {
                    (lang.t(Msg::InspRecommendedLine)) ": #" (no) " " (l.details.description) " " (Money(l.total())) " "
                    (decision_badge(lang, l.decision))
                }
            }
        };
    }
    if !o.state.is_editable() {
        return html! {};
    }
    let typed = refused.filter(|(id, m, ..)| *id == i.id && *m == n);
    let empty = FieldErrors::new();
    let (input, errors) = match typed {
        Some((_, _, input, errors)) => (input.clone(), errors),
        None => (
            LineInput { kind: "labor".into(), description: it.item.label.clone(), ..Default::default() },
            &empty,
        ),
    };
    let field = |name: &'static str, label: Msg, value: &str, mode: &str| {
        html! {
            div.field.invalid[errors.get(name).is_some()] {
                label for={ "f-" (name) "-" (i.id) "-" (n) } { (lang.t(label)) }
                input id={ "f-" (name) "-" (i.id) "-" (n) } type="text" name=(name) value=(value) inputmode=(mode);
                @if let Some(p) = errors.get(name) { p.field-msg role="alert" { (p.text(lang)) } }
            }
        }
    };
    html! {
        details.recommend open[typed.is_some()] {
            summary { (lang.t(Msg::InspRecommend)) }
            form.recommend-form method="post" action={ "/orders/" (o.id) "/inspections/" (i.id) "/items/" (n) "/recommend" } novalidate {
                (csrf_field(ctx))
                @if !view.services.is_empty() {
                    div.field {
                        label for={ "f-svc-" (i.id) "-" (n) } { (lang.t(Msg::InspFromTemplate)) }
                        select id={ "f-svc-" (i.id) "-" (n) } name="service_template_id" {
                            option value="" { (lang.t(Msg::InspByHand)) }
                            @for t in &view.services { option value=(t.id) { (t.details.name) } }
                        }
                    }
                }
                div.field {
                    label for={ "f-kind-" (i.id) "-" (n) } { (lang.t(Msg::LineKindLabel)) }
                    select id={ "f-kind-" (i.id) "-" (n) } name="kind" {
                        @for k in LineKind::ALL { option value=(k.code()) selected[input.kind == k.code()] { (lang.t(k.label())) } }
                    }
                }
                (field("description", Msg::Description, &input.description, "text"))
                div.inline-fields {
                    (field("hours", Msg::Hours, &input.hours, "decimal"))
                    (field("qty", Msg::Qty, &input.qty, "decimal"))
                    (field("unit_price", Msg::UnitPrice, &input.unit_price, "decimal"))
                }
                p.field-hint { (lang.t(Msg::InspRecommendHelp)) }
                button type="submit" data-recommend=(n) { (lang.t(Msg::InspRecommend)) }
            }
        }
    }
}

fn decision_badge(lang: Lang, d: crate::domain::work_order::Decision) -> Markup {
    use crate::domain::work_order::Decision;
    let class = match d {
        Decision::Pending => "badge warn",
        Decision::Approved => "badge ok",
        Decision::Declined => "badge bad",
    };
    html! { span class=(class) { (lang.t(d.label())) } }
}

fn deferred_panel(ctx: &Ctx, o: &WorkOrder, deferred: &[Deferred], editable: bool) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    html! {
        section.panel.deferred id="deferred" {
            h2 { (lang.t(Msg::InspDeferredTitle)) }
            p.muted { (lang.t(Msg::InspDeferredLead)) }
            ul.findings {
                @for d in deferred {
                    li class={ "finding " (d.item.rating.map(|r| r.code()).unwrap_or("")) } data-deferred={ (d.inspection_id) "-" (d.index) } {
                        div.finding-head {
                            @if let Some(r) = d.item.rating { span class={ "dot " (r.code()) } {} }
                            strong { (d.item.item.label) }
                            @let reading = d.item.reading(lang);
                            @if !reading.is_empty() { " " span.reading { (reading) } }
                        }
                        p.muted {
                            a href={ "/orders/" (d.order_id) } { (d.order_number) } " · " (d.at.with_timezone(&tz).format("%Y-%m-%d"))
                            @if let Some((desc, total)) = &d.line { " · " (desc) " " (Money(*total)) }
                        }
                        @if editable {
                            form method="post" action={ "/orders/" (o.id) "/deferred/" (d.inspection_id) "/" (d.index) } {
                                (csrf_field(ctx))
                                button.secondary.small type="submit" { (lang.t(Msg::InspTakeUp)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// POST /orders/{id}/inspections: attaches an inspection from a checklist, for one technician
/// or for anyone on the order.
async fn attach(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let user = desk(ctx)?;
    let form = ctx.form(body)?;
    let template_id: u64 = form.get("template_id").parse().map_err(|_| AppError::BadRequest)?;
    let technician = match form.get("technician_id").trim() {
        "" => None,
        t => {
            let all = state.store.read(users::list).await?;
            let found =
                t.parse::<u64>().ok().map(UserId).filter(|id| {
                    all.iter().any(|u| u.id == *id && u.active && u.roles.has(Role::Technician))
                });
            match found {
                Some(t) => Some(t),
                None => {
                    let view = load(state, id).await?;
                    let errors = FieldErrors::one("technician_id", Msg::TechnicianUnknown);
                    return Ok(findings_page(ctx, &view, None, None, Some(&errors)));
                }
            }
        }
    };
    let actor = user.actor();
    state.store.write(move |tx| inspections::start_tx(tx, &actor, id, template_id, technician)).await?;
    Ok(redirect_to(&format!("/orders/{id}/inspection?notice=attached"), ctx.htmx))
}

fn line_input(form: &crate::web::form::Form) -> LineInput {
    LineInput {
        kind: form.owned("kind"),
        description: form.owned("description"),
        part_id: String::new(),
        qty: form.owned("qty"),
        hours: form.owned("hours"),
        unit_price: form.owned("unit_price"),
        technician_id: String::new(),
    }
}

/// POST /orders/{id}/inspections/{i}/items/{n}/recommend: a service template's lines
/// (`service_template_id`), or one line typed by hand, for a finding.
async fn recommend(
    state: &AppState,
    ctx: &Ctx,
    id: OrderId,
    insp: u64,
    n: usize,
    body: &[u8],
) -> AppResult<Response> {
    let user = desk(ctx)?;
    let form = ctx.form(body)?;
    let view = load(state, id).await?;
    if !view.inspections.iter().any(|i| i.id == insp) {
        return Err(AppError::NotFound);
    }
    let rate = ctx.settings.labour_rate;
    let lines: Vec<LineDetails> = match form.get("service_template_id").trim() {
        "" => {
            let input = line_input(&form);
            match LineDetails::check(&input, rate, &[]) {
                Ok(d) => vec![d],
                Err(errors) => {
                    return Ok(findings_page(ctx, &view, None, Some((insp, n, &input, &errors)), None));
                }
            }
        }
        t => {
            let t: u64 = t.parse().map_err(|_| AppError::BadRequest)?;
            let found = view.services.iter().find(|s| s.id == t).ok_or(AppError::NotFound)?;
            found.details.line_details(rate)
        }
    };
    let actor = user.actor();
    let result = state
        .store
        .write_touching(move |tx, t| inspections::recommend_tx(tx, t, &actor, insp, n, lines.clone()))
        .await;
    match result {
        Ok(_) => Ok(redirect_to(&format!("/orders/{id}/inspection?notice=recommended"), ctx.htmx)),
        Err(StoreError::Invalid(errors)) => {
            let input = line_input(&form);
            Ok(findings_page(ctx, &view, None, Some((insp, n, &input, &errors)), None))
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /orders/{id}/inspections/{i}/share: `shared` 1 or 0.
async fn share(state: &AppState, ctx: &Ctx, id: OrderId, insp: u64, body: &[u8]) -> AppResult<Response> {
    let user = desk(ctx)?;
    let form = ctx.form(body)?;
    let shared = match form.get("shared") {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::BadRequest),
    };
    let found = state.store.read(move |tx| inspections::get(tx, insp)).await?;
    if found.is_none_or(|i| i.order_id != id) {
        return Err(AppError::NotFound);
    }
    let actor = user.actor();
    state.store.write(move |tx| inspections::share_tx(tx, &actor, insp, shared)).await?;
    Ok(redirect_to(&format!("/orders/{id}/inspection?notice=shared"), ctx.htmx))
}

/// POST /orders/{id}/deferred/{i}/{n}: proposes deferred work again on this order.
async fn take_up(
    state: &AppState,
    ctx: &Ctx,
    id: OrderId,
    insp: u64,
    n: usize,
    body: &[u8],
) -> AppResult<Response> {
    let user = desk(ctx)?;
    ctx.form(body)?;
    let view = load(state, id).await?;
    let d =
        view.deferred.iter().find(|d| d.inspection_id == insp && d.index == n).ok_or(AppError::NotFound)?;
    let lines = d.lines.clone();
    let actor = user.actor();
    state
        .store
        .write_touching(move |tx, t| inspections::take_up_tx(tx, t, &actor, id, insp, n, lines.clone()))
        .await?;
    Ok(redirect_to(&format!("/orders/{id}?notice=lines"), ctx.htmx))
}
