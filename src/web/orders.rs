//! Reception and work orders (业务接待与开单): opening an order from a vehicle, the order page with
//! its lines, templates, the customer's approval with a signature, diagnosis and status changes,
//! and the order list.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use maud::{Markup, PreEscaped, html};
use rust_decimal::Decimal;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::ctx::{Ctx, CurrentUser};
use super::error::{AppError, AppResult, redirect_to};
use super::form::Form;
use super::layout::{self, Field, csrf_field, notice, select, textarea};
use super::{AppState, BODY_LIMIT, html_response, run};
use crate::domain::template::ServiceTemplate;
use crate::domain::work_order::{
    ApprovalDetails, ApprovalInput, Decision, LineDetails, LineInput, Reception, ReceptionInput, Signature,
    needs_reason, transitions_for,
};
use crate::domain::{
    Area, Customer, FieldErrors, Line, LineKind, OrderId, OrderState, Role, User, UserId, Vehicle, VehicleId,
    WorkOrder,
};
use crate::i18n::{Lang, Msg};
use crate::store::orders::{self, OpenOptions};
use crate::store::{StoreError, customers, templates, users, vehicles};

type Query = HashMap<String, String>;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let query = warp::query::<Query>().or(warp::any().map(Query::new)).unify();

    let list = warp::path!("orders").and(warp::get()).and(ctx.clone()).and(query).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: Query| list_page(&state, &ctx, &q)
    ));
    let s = state.clone();
    let new = warp::path!("orders" / "new").and(warp::get()).and(ctx.clone()).and(query).then(
        move |ctx: Ctx, q: Query| {
            let s = s.clone();
            async move { run(&ctx, new_page(&s, &ctx, &q).await) }
        },
    );
    let s = state.clone();
    let open = warp::path!("orders").and(warp::post()).and(ctx.clone()).and(body).then(
        move |ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, open(&s, &ctx, &body).await) }
        },
    );
    let s = state.clone();
    let view = warp::path!("orders" / u64).and(warp::get()).and(ctx.clone()).and(query).then(
        move |id: u64, ctx: Ctx, q: Query| {
            let s = s.clone();
            async move { run(&ctx, view_page(&s, &ctx, OrderId(id), &q).await) }
        },
    );
    let s = state.clone();
    let live = warp::path!("orders" / u64 / "live").and(warp::get()).and(ctx.clone()).and(query).then(
        move |id: u64, ctx: Ctx, q: Query| {
            let s = s.clone();
            async move { run(&ctx, live_part(&s, &ctx, OrderId(id), &q).await) }
        },
    );
    let s = state.clone();
    let edit_line = warp::path!("orders" / u64 / "lines" / u32 / "edit")
        .and(warp::get())
        .and(ctx.clone())
        .then(move |id: u64, no: u32, ctx: Ctx| {
            let s = s.clone();
            async move { run(&ctx, edit_line_page(&s, &ctx, OrderId(id), no).await) }
        });
    let s = state.clone();
    let reception_edit = warp::path!("orders" / u64 / "reception").and(warp::get()).and(ctx.clone()).then(
        move |id: u64, ctx: Ctx| {
            let s = s.clone();
            async move { run(&ctx, reception_page(&s, &ctx, OrderId(id)).await) }
        },
    );
    // Every change to an order: POST /orders/{id}/{action}[/{line}[/remove]].
    let s = state.clone();
    let act = warp::path("orders")
        .and(warp::path::param::<u64>())
        .and(warp::path::tail())
        .and(warp::post())
        .and(ctx)
        .and(body)
        .then(move |id: u64, tail: warp::path::Tail, ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move {
                let result = act(&s, &ctx, OrderId(id), tail.as_str(), &body).await;
                run(&ctx, result)
            }
        });

    list.or(new)
        .unify()
        .or(open)
        .unify()
        .or(view)
        .unify()
        .or(live)
        .unify()
        .or(edit_line)
        .unify()
        .or(reception_edit)
        .unify()
        .or(act)
        .unify()
        .boxed()
}

/// Who may see an order's page: the desk, and the cashier who settles it.
pub fn may_view(ctx: &Ctx) -> AppResult<&CurrentUser> {
    let user = ctx.user()?;
    let roles = user.user.roles;
    if roles.may(Area::Orders) || roles.may(Area::Checkout) { Ok(user) } else { Err(AppError::Forbidden) }
}

/// `¥1,234.50`-style money for the views (the amount itself is exact).
pub fn money(amount: Decimal) -> String {
    super::show::Money(amount).to_string()
}

/// A time in the shop's zone, `2026-11-28 17:00`.
pub fn local(ctx: &Ctx, at: DateTime<Utc>) -> String {
    super::show::LocalTime::new(at, ctx.settings.tz()).to_string()
}

pub fn state_badge(lang: Lang, state: OrderState) -> Markup {
    maud::Render::render(&super::show::StateBadge(lang, state))
}

fn fuel_label(fuel: u8) -> Msg {
    [Msg::FuelEmpty, Msg::FuelQuarter, Msg::FuelHalf, Msg::FuelThreeQuarters, Msg::FuelFull]
        [fuel.min(4) as usize]
}

/// The words on the button that moves an order from `from` to `to`.
fn action_label(from: OrderState, to: OrderState) -> Msg {
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

/// Active users holding a role, by display name.
fn with_role(all: &[User], role: Role) -> Vec<&User> {
    let mut out: Vec<&User> = all.iter().filter(|u| u.active && u.roles.has(role)).collect();
    out.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    out
}

fn name_of(all: &[User], id: Option<UserId>) -> String {
    id.and_then(|id| all.iter().find(|u| u.id == id)).map(|u| u.display_name.clone()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Reception: opening an order.

fn reception_input(form: &Form) -> ReceptionInput {
    ReceptionInput {
        mileage: form.owned("mileage"),
        fuel: form.owned("fuel"),
        complaint: form.owned("complaint"),
        items_left: form.owned("items_left"),
        promised_at: form.owned("promised_at"),
        advisor_id: form.owned("advisor_id"),
    }
}

async fn load_vehicle(state: &AppState, id: VehicleId) -> AppResult<(Vehicle, Option<Customer>, Vec<User>)> {
    state
        .store
        .read(move |tx| {
            let Some(v) = vehicles::get(tx, id)? else { return Ok(None) };
            let owner = customers::get(tx, v.customer_id)?;
            Ok(Some((v, owner, users::list(tx)?)))
        })
        .await?
        .ok_or(AppError::NotFound)
}

async fn new_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    let user = ctx.require(Area::Reception)?;
    let id = VehicleId(q.get("vehicle_id").and_then(|v| v.parse().ok()).ok_or(AppError::NotFound)?);
    let (vehicle, owner, all) = load_vehicle(state, id).await?;
    let input = ReceptionInput {
        advisor_id: if user.user.roles.has(Role::Advisor) { user.user.id.to_string() } else { String::new() },
        ..Default::default()
    };
    let open = open_orders_of(state, id).await?;
    let mut errors = FieldErrors::new();
    if let Some((oid, number)) = open.first() {
        errors.add(
            "vehicle_id",
            crate::domain::Problem::with(Msg::VehicleHasOpenOrder, &[number])
                .linked(format!("/orders/{oid}")),
        );
    }
    Ok(reception_form(ctx, &vehicle, owner.as_ref(), &all, &input, &errors, OpenOptions::default()))
}

async fn open_orders_of(state: &AppState, id: VehicleId) -> AppResult<Vec<(OrderId, String)>> {
    Ok(state
        .store
        .read(move |tx| {
            Ok(orders::for_vehicle(tx, id)?
                .into_iter()
                .filter(|o| o.state.on_board())
                .map(|o| (o.id, o.number))
                .collect::<Vec<_>>())
        })
        .await?)
}

/// The check-in form. On the kiosk everything is large and touchable: a five-step fuel
/// control and quick choices for the promised time.
fn reception_form(
    ctx: &Ctx,
    vehicle: &Vehicle,
    owner: Option<&Customer>,
    all: &[User],
    input: &ReceptionInput,
    errors: &FieldErrors,
    options: OpenOptions,
) -> Response {
    let lang = ctx.lang;
    let d = &vehicle.details;
    let tz = ctx.settings.tz();
    let now = Utc::now().with_timezone(&tz);
    let at_five = |days: i64| (now.date_naive() + Duration::days(days)).format("%Y-%m-%dT17:00").to_string();
    let today_open = now.format("%H:%M").to_string().as_str() < "16:50";
    let mut advisors = vec![(String::new(), "—".to_string())];
    advisors.extend(
        with_role(all, Role::Advisor).into_iter().map(|u| (u.id.to_string(), u.display_name.clone())),
    );
    let advisor_choices: Vec<(&str, &str)> = advisors.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    // A confirmation once given stays given while the form comes back for something else.
    let second =
        options.confirm_second || errors.get("vehicle_id").is_some_and(|p| p.msg == Msg::VehicleHasOpenOrder);
    let mileage_back =
        options.confirm_mileage || errors.get("mileage").is_some_and(|p| p.msg == Msg::MileageDecrease);
    let title = lang.fmt(Msg::OpenOrderFor, &[&d.plate]);
    let body = html! {
        p { a href={ "/vehicles/" (vehicle.id) } { "← " (d.plate) } }
        h1 { (title) }
        p.lead {
            span.plate-big { (d.plate) } " " (d.title())
            @if let Some(o) = owner { " · " (o.details.name) " · " (o.details.phone) }
        }
        @if errors.iter().any(|(f, _)| f != "vehicle_id") { (notice("error", lang.t(Msg::FormHasErrors))) }
        form.panel.kiosk-form method="post" action="/orders" novalidate {
            (csrf_field(ctx))
            input type="hidden" name="vehicle_id" value=(vehicle.id);
            @if let Some(p) = errors.get("vehicle_id") {
                div.notice.warn role="status" {
                    (p.text(lang))
                    @if let Some(href) = &p.link { " " a href=(href) { (lang.t(Msg::ViewOrder)) } }
                    @if second { label.check { input type="checkbox" name="confirm_second" value="1" checked[options.confirm_second]; (lang.t(Msg::ConfirmSecondOrder)) } }
                }
            } @else if options.confirm_second {
                input type="hidden" name="confirm_second" value="1";
            }
            div.form-grid {
                (Field::text("mileage", lang.t(Msg::MileageKm), &input.mileage).kind("number")
                    .hint(d.mileage.map(|m| lang.fmt(Msg::LastMileage, &[&m])).unwrap_or_default()).render(lang, errors))
                (select("advisor_id", lang.t(Msg::Advisor), &input.advisor_id, &advisor_choices, errors, lang))
            }
            @if mileage_back {
                label.check { input type="checkbox" name="confirm_mileage" value="1" checked[options.confirm_mileage]; (lang.t(Msg::ConfirmMileage)) }
            }
            div.field.invalid[errors.get("fuel").is_some()] {
                span.label { (lang.t(Msg::Fuel)) }
                div.segmented.fuel role="radiogroup" aria-label=(lang.t(Msg::Fuel)) {
                    @for level in 0..=4u8 {
                        label {
                            input type="radio" name="fuel" value=(level) checked[input.fuel == level.to_string()];
                            span { span class={ "gauge f" (level) } {} (lang.t(fuel_label(level))) }
                        }
                    }
                }
                @if let Some(p) = errors.get("fuel") { p.field-msg { (p.text(lang)) } }
            }
            (textarea("complaint", lang.t(Msg::Complaint), &input.complaint, None, errors, lang))
            (Field::text("items_left", lang.t(Msg::ItemsLeft), &input.items_left).render(lang, errors))
            div.promised {
                (Field::text("promised_at", lang.t(Msg::PromisedAt), &input.promised_at).kind("datetime-local").render(lang, errors))
                div.quick {
                    @if today_open { button.secondary type="button" data-set="f-promised_at" data-value=(at_five(0)) { (lang.t(Msg::PromisedToday)) } }
                    button.secondary type="button" data-set="f-promised_at" data-value=(at_five(1)) { (lang.t(Msg::PromisedTomorrow)) }
                }
            }
            label.check { input type="checkbox" name="draft" value="1" checked[options.draft]; (lang.t(Msg::EstimateOnly)) }
            div.actions { button.big type="submit" { (lang.t(Msg::OpenOrder)) } }
        }
    };
    let mut response = html_response(layout::page(ctx, &title, body));
    if errors.iter().any(|(f, _)| f != "vehicle_id") {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

async fn open(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Reception)?;
    let form = ctx.form(body)?;
    let vehicle_id = VehicleId(form.get("vehicle_id").trim().parse().map_err(|_| AppError::BadRequest)?);
    let (vehicle, owner, all) = load_vehicle(state, vehicle_id).await?;
    let input = reception_input(&form);
    let options = OpenOptions {
        draft: form.get("draft") == "1",
        confirm_second: form.get("confirm_second") == "1",
        confirm_mileage: form.get("confirm_mileage") == "1",
    };
    let advisors: Vec<UserId> = with_role(&all, Role::Advisor).iter().map(|u| u.id).collect();
    let reception = match Reception::check(&input, Utc::now(), ctx.settings.tz(), &advisors) {
        Ok(r) => r,
        Err(errors) => {
            return Ok(reception_form(ctx, &vehicle, owner.as_ref(), &all, &input, &errors, options));
        }
    };
    let actor = user.actor();
    let settings = ctx.settings.clone();
    let result = state
        .store
        .write_touching(move |tx, t| {
            orders::open_tx(tx, t, &actor, &settings, vehicle_id, reception, options, Utc::now())
        })
        .await;
    match result {
        Ok(order) => Ok(redirect_to(&format!("/orders/{}?notice=opened", order.id), ctx.htmx)),
        Err(StoreError::Invalid(errors)) => {
            // Refused, even when only for a confirmation: nothing was saved.
            let mut response = reception_form(ctx, &vehicle, owner.as_ref(), &all, &input, &errors, options);
            *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The order page.

/// Everything the order page shows.
struct OrderView {
    order: WorkOrder,
    vehicle: Option<Vehicle>,
    customer: Option<Customer>,
    users: Vec<User>,
    templates: Vec<ServiceTemplate>,
}

async fn load(state: &AppState, id: OrderId) -> AppResult<OrderView> {
    state
        .store
        .read(move |tx| {
            let Some(order) = orders::get(tx, id)? else { return Ok(None) };
            let vehicle = vehicles::get(tx, order.vehicle_id)?;
            let customer = customers::get(tx, order.customer_id)?;
            let templates = templates::list(tx)?.into_iter().filter(|t| t.active).collect();
            Ok(Some(OrderView { order, vehicle, customer, users: users::list(tx)?, templates }))
        })
        .await?
        .ok_or(AppError::NotFound)
}

fn notice_of(code: &str) -> Option<Msg> {
    Some(match code {
        "opened" => Msg::OrderOpened,
        "lines" => Msg::LinesAdded,
        "line" => Msg::LineSaved,
        "removed" => Msg::LineRemoved,
        "approved" => Msg::ApprovalRecorded,
        "diagnosis" => Msg::DiagnosisSaved,
        "status" => Msg::StatusChanged,
        "saved" => Msg::Saved,
        "request" => Msg::RequestDone,
        _ => return None,
    })
}

async fn view_page(state: &AppState, ctx: &Ctx, id: OrderId, q: &Query) -> AppResult<Response> {
    may_view(ctx)?;
    let view = load(state, id).await?;
    let note = q.get("notice").and_then(|n| notice_of(n));
    Ok(order_page(state, ctx, &view, note, &Forms::default()))
}

/// Forms of the order page that came back with problems, with what was typed.
#[derive(Default)]
struct Forms {
    line: Option<(LineInput, FieldErrors)>,
    approval: Option<(ApprovalInput, FieldErrors)>,
    status: Option<(String, FieldErrors)>,
    diagnosis: Option<(String, FieldErrors)>,
}

impl Forms {
    fn has_errors(&self) -> bool {
        self.line.is_some() || self.approval.is_some() || self.status.is_some() || self.diagnosis.is_some()
    }
}

fn order_page(state: &AppState, ctx: &Ctx, view: &OrderView, note: Option<Msg>, forms: &Forms) -> Response {
    let lang = ctx.lang;
    let o = &view.order;
    let roles = ctx.user.as_ref().map(|u| u.user.roles).unwrap_or_default();
    let desk = roles.may(Area::Orders);
    let editable = desk && o.state.is_editable();
    let base = state.public_base_url();
    let loopback = ["://127.", "://localhost", "://[::1]"].iter().any(|l| base.contains(l));
    let title = lang.fmt(Msg::OrderTitle, &[&o.number]);
    let body = html! {
        div.page-head {
            h1 { (title) " " (state_badge(lang, o.state)) }
            div.actions {
                a.button.secondary href={ "/orders/" (o.id) "/print" } { (lang.t(Msg::PrintPreview)) }
            }
        }
        @if loopback && desk { (notice("warn", &lang.fmt(Msg::LoopbackWarning, &[&base]))) }
        @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
        @if forms.has_errors() { (notice("error", lang.t(Msg::FormHasErrors))) }
        (live_section(ctx, view))
        @if desk || roles.has(Role::Cashier) { (status_form(ctx, o, roles, forms)) }
        (requests_section(ctx, o, desk || roles.may(Area::Parts)))
        (super::floor::notes_section(ctx, o, &FieldErrors::new(), desk && !o.state.is_closed()))
        @if desk { p { a href={ "/t/" (format!("{:032x}", o.token)) "?floor=1" } { (lang.t(Msg::NavMyJobs)) " · " (lang.t(Msg::Start)) " / " (lang.t(Msg::Pause)) " / " (lang.t(Msg::Finish)) } } }
        @if editable {
            (add_lines(ctx, view, forms))
            @if o.pending_lines().next().is_some() { (approval_form(ctx, view, forms)) }
            (diagnosis_form(ctx, o, forms))
        }
        (approvals_list(ctx, o))
    };
    let mut response = html_response(layout::page(ctx, &title, body));
    if forms.has_errors() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

/// The part of the order page that follows changes made elsewhere (the phone, another desk):
/// it asks every two seconds and is replaced only when the order changed.
fn live_section(ctx: &Ctx, view: &OrderView) -> Markup {
    let lang = ctx.lang;
    let o = &view.order;
    let desk = ctx.user.as_ref().is_some_and(|u| u.user.roles.may(Area::Orders));
    let editable = desk && o.state.is_editable();
    let now = Utc::now();
    let t = o.totals();
    html! {
        div id="order-live" hx-get={ "/orders/" (o.id) "/live?v=" (o.version) } hx-trigger="every 2s" hx-swap="outerHTML" {
            div.columns {
                section.panel {
                    @if let Some(v) = &view.vehicle {
                        h2 { a href={ "/vehicles/" (v.id) } { span.plate-big { (v.details.plate) } } " " (v.details.title()) }
                    }
                    @if let Some(c) = &view.customer {
                        p.lead { a href={ "/customers/" (c.id) } { (c.details.name) } " · " (c.details.phone) }
                    }
                    dl.details {
                        dt { (lang.t(Msg::Created)) } dd { (local(ctx, o.created_at)) }
                        dt { (lang.t(Msg::PromisedAt)) } dd {
                            @if let Some(p) = o.reception.promised_at { (local(ctx, p)) } @else { "—" }
                            @if o.is_late(now) { " " span.badge.bad { (lang.t(Msg::Late)) } }
                        }
                        dt { (lang.t(Msg::Mileage)) } dd { (o.reception.mileage.map(|m| lang.fmt(Msg::Km, &[&m])).unwrap_or("—".into())) }
                        dt { (lang.t(Msg::Fuel)) } dd { (o.reception.fuel.map(|f| lang.t(fuel_label(f))).unwrap_or("—")) }
                        dt { (lang.t(Msg::Advisor)) } dd { (name_of(&view.users, o.reception.advisor)) }
                        @if !o.reception.items_left.is_empty() { dt { (lang.t(Msg::ItemsLeft)) } dd { (o.reception.items_left) } }
                    }
                    h3 { (lang.t(Msg::Complaint)) }
                    p.notes { (o.reception.complaint) }
                    @if editable { p { a href={ "/orders/" (o.id) "/reception" } { (lang.t(Msg::EditReception)) } } }
                    @if !o.diagnosis.is_empty() {
                        h3 { (lang.t(Msg::Diagnosis)) }
                        ul.timeline { @for n in &o.diagnosis { li { p.notes { (n.text) } div.muted { (n.by_name) " · " (local(ctx, n.at)) } } } }
                    }
                }
                section.panel {
                    h2 { (lang.t(Msg::History)) }
                    ul.timeline {
                        li { (lang.t(Msg::Created)) div.muted { (name_of(&view.users, o.created_by)) " · " (local(ctx, o.created_at)) } }
                        @for h in &o.history {
                            li {
                                (state_badge(lang, h.from)) " → " (state_badge(lang, h.to))
                                @if !h.reason.is_empty() { p.notes { (h.reason) } }
                                div.muted { (h.by_name) " · " (local(ctx, h.at)) }
                            }
                        }
                    }
                }
            }
            section.panel {
                h2 { (lang.t(Msg::Lines)) }
                (lines_table(ctx, view, editable))
                dl.totals {
                    dt { (lang.t(Msg::LabourTotal)) } dd { (money(t.labour)) }
                    dt { (lang.t(Msg::PartsTotal)) } dd { (money(t.parts)) }
                    dt { (lang.t(Msg::FeesTotal)) } dd { (money(t.fees)) }
                    dt.grand { (lang.t(Msg::Estimate)) } dd.grand { (money(t.estimate)) }
                    dt { (lang.t(Msg::ApprovedTotal)) } dd { (money(t.approved)) }
                    @if t.pending > Decimal::ZERO { dt { (lang.t(Msg::PendingTotal)) } dd.warn { (money(t.pending)) } }
                    @if t.declined > Decimal::ZERO { dt { (lang.t(Msg::DeclinedTotal)) } dd.muted { (money(t.declined)) } }
                }
            }
        }
    }
}

async fn live_part(state: &AppState, ctx: &Ctx, id: OrderId, q: &Query) -> AppResult<Response> {
    may_view(ctx)?;
    let seen: Option<u64> = q.get("v").and_then(|v| v.parse().ok());
    let view = load(state, id).await?;
    if seen == Some(view.order.version) {
        return Ok(super::board::no_change());
    }
    Ok(html_response(live_section(ctx, &view)))
}

/// Parts asked for from the floor; the desk and the parts clerk turn them into lines.
pub fn requests_section(ctx: &Ctx, o: &WorkOrder, may_resolve: bool) -> Markup {
    let lang = ctx.lang;
    html! {
        @if !o.part_requests.is_empty() {
            section.panel id="requests" {
                h2 { (lang.t(Msg::PartsRequestTitle)) }
                ul.timeline {
                    @for r in o.part_requests.iter().rev() {
                        li {
                            strong { (r.text) } " × " (r.qty) " " (super::floor::request_badge(lang, r))
                            div.muted { (r.by_name) " · " (local(ctx, r.at)) }
                            @if may_resolve && r.status == crate::domain::clock::RequestStatus::Open && o.state.is_editable() {
                                (request_form(ctx, o, r, ""))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Add a requested part as a line at a price, or dismiss the request.
pub fn request_form(ctx: &Ctx, o: &WorkOrder, r: &crate::domain::clock::PartRequest, back: &str) -> Markup {
    let lang = ctx.lang;
    html! {
        form.inline-form method="post" action={ "/orders/" (o.id) "/requests/" (r.no) } {
            (csrf_field(ctx))
            input type="hidden" name="back" value=(back);
            input type="text" inputmode="decimal" name="unit_price" placeholder=(lang.t(Msg::UnitPrice)) aria-label=(lang.t(Msg::UnitPrice));
            button.secondary type="submit" name="decision" value="add" { (lang.t(Msg::AddAsLine)) }
            button.linklike type="submit" name="decision" value="dismiss" { (lang.t(Msg::Dismiss)) }
        }
    }
}

fn decision_badge(lang: Lang, d: Decision) -> Markup {
    let class = match d {
        Decision::Pending => "badge warn",
        Decision::Approved => "badge ok",
        Decision::Declined => "badge bad",
    };
    html! { span class=(class) { (lang.t(d.label())) } }
}

fn lines_table(ctx: &Ctx, view: &OrderView, editable: bool) -> Markup {
    let lang = ctx.lang;
    let o = &view.order;
    let now = Utc::now();
    html! {
        @if o.lines.is_empty() {
            p.muted { (lang.t(Msg::NoLines)) }
        } @else {
            div.table-wrap {
                table.rows.lines {
                    thead { tr {
                        th { "#" } th { (lang.t(Msg::Description)) } th.num { (lang.t(Msg::Qty)) } th.num { (lang.t(Msg::UnitPrice)) }
                        th.num { (lang.t(Msg::Amount)) } th { (lang.t(Msg::Technician)) } th { (lang.t(Msg::Status)) }
                        @if editable { th {} }
                    } }
                    tbody {
                        @for l in &o.lines {
                            tr.declined[l.decision == Decision::Declined] {
                                td.muted { (l.no) }
                                td { span.kind { (lang.t(l.details.kind.label())) } " " (l.details.description) }
                                td.num { (l.details.qty) @if l.is_labour() { " h" } }
                                td.num { (money(l.details.unit_price)) }
                                td.num { (money(l.total())) }
                                td {
                                    @if l.is_labour() {
                                        @match l.details.technician {
                                            Some(t) => { (name_of(&view.users, Some(t))) }
                                            None => { span.muted { (lang.t(Msg::Unassigned)) } }
                                        }
                                        @if !l.clock.is_empty() || l.finished_at.is_some() {
                                            div { (super::floor::progress_badge(lang, l.progress())) }
                                            div.muted.small { (lang.fmt(Msg::WorkedOfEstimate, &[&l.worked_hours(now), &l.details.qty])) }
                                        }
                                    }
                                }
                                td { (decision_badge(lang, l.decision)) }
                                @if editable { td { a.button.small.secondary href={ "/orders/" (o.id) "/lines/" (l.no) "/edit" } { (lang.t(Msg::EditLine)) } } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn technician_choices(users: &[User]) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), "—".to_string())];
    out.extend(
        with_role(users, Role::Technician).into_iter().map(|u| (u.id.to_string(), u.display_name.clone())),
    );
    out
}

/// The fields of a line (adding and editing).
fn line_fields(ctx: &Ctx, users: &[User], input: &LineInput, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let techs = technician_choices(users);
    let tech_choices: Vec<(&str, &str)> = techs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let kind = if input.kind.is_empty() { "labor" } else { input.kind.as_str() };
    html! {
        div.segmented role="radiogroup" aria-label=(lang.t(Msg::LineKindLabel)) {
            @for k in LineKind::ALL {
                label { input type="radio" name="kind" value=(k.code()) checked[kind == k.code()]; span { (lang.t(k.label())) } }
            }
        }
        @if let Some(p) = errors.get("kind") { p.field-msg id="f-kind-msg" { (p.text(lang)) } }
        div.form-grid.line-grid data-kind=(kind) {
            (Field::text("description", lang.t(Msg::Description), &input.description).required().render(lang, errors))
            div.only-labor { (Field::text("hours", lang.t(Msg::Hours), &input.hours).kind("text").render(lang, errors)) }
            div.only-goods { (Field::text("qty", lang.t(Msg::Qty), &input.qty).kind("text").render(lang, errors)) }
            (Field::text("unit_price", lang.t(Msg::UnitPrice), &input.unit_price)
                .hint(lang.fmt(Msg::UnitPriceHelp, &[&money(ctx.settings.labour_rate)])).render(lang, errors))
            div.only-labor { (select("technician_id", lang.t(Msg::Technician), &input.technician_id, &tech_choices, errors, lang)) }
            @if let Some(p) = errors.get("part_id") { p.field-msg { (p.text(lang)) } }
        }
    }
}

fn add_lines(ctx: &Ctx, view: &OrderView, forms: &Forms) -> Markup {
    let lang = ctx.lang;
    let o = &view.order;
    let blank = (LineInput::default(), FieldErrors::new());
    let (input, errors) = forms.line.as_ref().unwrap_or(&blank);
    html! {
        section.panel id="add-line" {
            h2 { (lang.t(Msg::AddLine)) }
            @if !view.templates.is_empty() {
                div.templates {
                    span.label { (lang.t(Msg::AddTemplate)) }
                    @for t in &view.templates {
                        form method="post" action={ "/orders/" (o.id) "/templates" } {
                            (csrf_field(ctx))
                            input type="hidden" name="template_id" value=(t.id);
                            button.secondary.big type="submit" { "+ " (t.details.name) }
                        }
                    }
                }
            }
            form method="post" action={ "/orders/" (o.id) "/lines" } novalidate {
                (csrf_field(ctx))
                (line_fields(ctx, &view.users, input, errors))
                div.actions { button type="submit" { (lang.t(Msg::AddLine)) } }
            }
        }
    }
}

fn approval_form(ctx: &Ctx, view: &OrderView, forms: &Forms) -> Markup {
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
    html! {
        section.panel.approval id="approval" {
            h2 { (lang.t(Msg::ApprovalTitle)) }
            p.lead { (lang.t(Msg::ApprovalLead)) }
            form method="post" action={ "/orders/" (o.id) "/approvals" } novalidate data-signature-form {
                (csrf_field(ctx))
                input type="hidden" name="estimate_version" value=(o.estimate_version);
                @if let Some(p) = errors.get("decisions").or(errors.get("estimate_version")) { p.field-msg role="alert" { (p.text(lang)) } }
                ul.decisions {
                    @for l in o.pending_lines() {
                        li {
                            div.what { strong { (l.details.description) } " " span.muted { (lang.t(l.details.kind.label())) " · " (l.details.qty) @if l.is_labour() { " h" } } }
                            div.amount { (money(l.total())) }
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

fn approvals_list(ctx: &Ctx, o: &WorkOrder) -> Markup {
    let lang = ctx.lang;
    html! {
        @if !o.approvals.is_empty() {
            section.panel {
                h2 { (lang.t(Msg::ApprovalHistory)) }
                ul.timeline.approvals {
                    @for a in o.approvals.iter().rev() {
                        li {
                            strong { (lang.fmt(Msg::ApprovalEntry, &[&a.no, &a.estimate_version])) }
                            " · " (lang.t(a.method.label())) " · " (a.approver) " · " (money(a.approved_total))
                            div {
                                @for no in &a.approved { span.badge.ok { "#" (no) " " (lang.t(Msg::DecisionApproved)) } " " }
                                @for no in &a.declined { span.badge.bad { "#" (no) " " (lang.t(Msg::DecisionDeclined)) } " " }
                            }
                            @if !a.note.is_empty() { p.notes { (a.note) } }
                            @if let Some(sig) = &a.signature { (signature_svg(sig)) }
                            div.muted { (a.recorded_by_name) " · " (local(ctx, a.at)) }
                        }
                    }
                }
            }
        }
    }
}

fn status_form(ctx: &Ctx, o: &WorkOrder, roles: crate::domain::Roles, forms: &Forms) -> Markup {
    let lang = ctx.lang;
    let targets = transitions_for(roles, o);
    let blank = (String::new(), FieldErrors::new());
    let (reason, errors) = forms.status.as_ref().unwrap_or(&blank);
    let any_reason = targets.iter().any(|to| needs_reason(o.state, *to));
    html! {
        @if let Some(p) = errors.get("to").filter(|_| targets.is_empty()) { (notice("error", &p.text(lang))) }
        @if !targets.is_empty() {
            section.panel.status-panel {
                h2 { (lang.t(Msg::Status)) ": " (state_badge(lang, o.state)) }
                @if let Some(p) = errors.get("to") { p.field-msg role="alert" { (p.text(lang)) } }
                form method="post" action={ "/orders/" (o.id) "/status" } {
                    (csrf_field(ctx))
                    @if any_reason {
                        (Field::text("reason", lang.t(Msg::Reason), reason).hint(lang.t(Msg::ReasonHelp).to_string()).render(lang, errors))
                    }
                    div.actions.transitions {
                        @for to in &targets {
                            button.big.danger[*to == OrderState::Cancelled].secondary[needs_reason(o.state, *to) && *to != OrderState::Cancelled]
                                type="submit" name="to" value=(to.code()) { (lang.t(action_label(o.state, *to))) }
                        }
                    }
                }
            }
        }
    }
}

fn diagnosis_form(ctx: &Ctx, o: &WorkOrder, forms: &Forms) -> Markup {
    let lang = ctx.lang;
    let blank = (String::new(), FieldErrors::new());
    let (text, errors) = forms.diagnosis.as_ref().unwrap_or(&blank);
    html! {
        section.panel {
            h2 { (lang.t(Msg::AddDiagnosis)) }
            form method="post" action={ "/orders/" (o.id) "/diagnosis" } novalidate {
                (csrf_field(ctx))
                (textarea("text", lang.t(Msg::Diagnosis), text, None, errors, lang))
                div.actions { button.secondary type="submit" { (lang.t(Msg::AddDiagnosis)) } }
            }
        }
    }
}

fn line_input(form: &Form) -> LineInput {
    LineInput {
        kind: form.owned("kind"),
        description: form.owned("description"),
        part_id: form.owned("part_id"),
        qty: form.owned("qty"),
        hours: form.owned("hours"),
        unit_price: form.owned("unit_price"),
        technician_id: form.owned("technician_id"),
    }
}

fn technician_ids(users: &[User]) -> Vec<UserId> {
    with_role(users, Role::Technician).iter().map(|u| u.id).collect()
}

/// One handler for every change to an order; `action` is the rest of the path.
async fn act(state: &AppState, ctx: &Ctx, id: OrderId, action: &str, body: &[u8]) -> AppResult<Response> {
    let user = ctx.user()?;
    let roles = user.user.roles;
    let form = ctx.form(body)?;
    let actor = user.actor();
    let parts: Vec<&str> = action.split('/').collect();
    // Status changes are open to every role the state machine names (technicians from their
    // phone page); the rest is the desk's.
    let floor_only = !(roles.may(Area::Orders) || roles.may(Area::Checkout));
    match parts.first() {
        Some(&"status") if floor_only && !roles.may(Area::MyJobs) => return Err(AppError::Forbidden),
        Some(&"status") => {}
        // Parts requests are handled by the desk or the parts clerk.
        Some(&"requests") if roles.may(Area::Orders) || roles.may(Area::Parts) => {}
        _ => {
            ctx.require(Area::Orders)?;
        }
    }
    let view = load(state, id).await?;
    let rate = ctx.settings.labour_rate;
    let done = |code: &str| Ok(redirect_to(&format!("/orders/{id}?notice={code}"), ctx.htmx));
    let again = |forms: Forms| Ok(order_page(state, ctx, &view, None, &forms));
    match parts.as_slice() {
        ["lines"] => {
            let input = line_input(&form);
            let details = match LineDetails::check(&input, rate, &technician_ids(&view.users)) {
                Ok(d) => d,
                Err(e) => return again(Forms { line: Some((input, e)), ..Default::default() }),
            };
            state
                .store
                .write_touching(move |tx, t| orders::add_lines_tx(tx, t, &actor, id, vec![details], ""))
                .await?;
            done("lines")
        }
        ["templates"] => {
            let template_id: u64 = form.get("template_id").parse().map_err(|_| AppError::BadRequest)?;
            let template = view.templates.iter().find(|t| t.id == template_id).ok_or(AppError::NotFound)?;
            let lines = template.details.line_details(rate);
            let what = format!(" [{}]", template.details.name);
            state
                .store
                .write_touching(move |tx, t| orders::add_lines_tx(tx, t, &actor, id, lines, &what))
                .await?;
            done("lines")
        }
        ["lines", no] => {
            let no: u32 = no.parse().map_err(|_| AppError::NotFound)?;
            let line = view.order.line(no).ok_or(AppError::NotFound)?;
            let input = line_input(&form);
            let details = match LineDetails::check(&input, rate, &technician_ids(&view.users)) {
                Ok(d) => d,
                Err(e) => return Ok(line_page(ctx, &view, line, &input, &e)),
            };
            state
                .store
                .write_touching(move |tx, t| orders::update_line_tx(tx, t, &actor, id, no, details))
                .await?;
            done("line")
        }
        ["lines", no, "remove"] => {
            let no: u32 = no.parse().map_err(|_| AppError::NotFound)?;
            state.store.write_touching(move |tx, t| orders::remove_line_tx(tx, t, &actor, id, no)).await?;
            done("removed")
        }
        ["approvals"] => {
            let sent_version = form.get("estimate_version").trim().parse::<u32>().ok();
            if sent_version != Some(view.order.estimate_version) {
                // The form was for an older estimate: never take its answers for lines it did
                // not show. The page shows the estimate as it is now.
                let input = ApprovalInput {
                    approver: form.owned("approver"),
                    method: form.owned("method"),
                    ..Default::default()
                };
                let errors = FieldErrors::one("estimate_version", Msg::EstimateChanged);
                return again(Forms { approval: Some((input, errors)), ..Default::default() });
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
                Err(e) => return again(Forms { approval: Some((input, e)), ..Default::default() }),
            };
            match state
                .store
                .write_touching(move |tx, t| orders::approve_tx(tx, t, &actor, id, details))
                .await
            {
                Ok(_) => done("approved"),
                Err(StoreError::Invalid(e)) => {
                    // The estimate moved on: show the new one, with the answer as typed.
                    let view = load(state, id).await?;
                    Ok(order_page(
                        state,
                        ctx,
                        &view,
                        None,
                        &Forms { approval: Some((input, e)), ..Default::default() },
                    ))
                }
                Err(e) => Err(e.into()),
            }
        }
        ["diagnosis"] => {
            let typed = form.owned("text");
            let text = match crate::domain::field::required_text(&typed, 4000) {
                Ok(t) => t,
                Err(p) => {
                    return again(Forms {
                        diagnosis: Some((typed, FieldErrors::one("text", p))),
                        ..Default::default()
                    });
                }
            };
            state
                .store
                .write_touching(move |tx, t| orders::add_diagnosis_tx(tx, t, &actor, id, text))
                .await?;
            done("diagnosis")
        }
        ["status"] => {
            // A technician moves only the orders they work on.
            if floor_only && !view.order.technicians().contains(&user.user.id) {
                return Err(AppError::Forbidden);
            }
            let to = OrderState::parse(form.get("to")).ok_or(AppError::BadRequest)?;
            let reason = form.owned("reason");
            let typed = reason.clone();
            match state
                .store
                .write_touching(move |tx, t| orders::transition_tx(tx, t, &actor, roles, id, to, &reason))
                .await
            {
                Ok(order) if floor_only => {
                    Ok(redirect_to(&format!("/t/{:032x}?floor=1&notice=status", order.token), ctx.htmx))
                }
                Ok(_) => done("status"),
                Err(StoreError::Invalid(e)) if floor_only => {
                    // The technician is told on their own page, which shows no prices.
                    let problem = e.get("to").cloned().unwrap_or(Msg::TransitionIllegal.into());
                    super::floor::phone_page(
                        state,
                        ctx,
                        view.order,
                        None,
                        None,
                        &FieldErrors::one("action", problem),
                    )
                    .await
                }
                Err(StoreError::Invalid(e)) => {
                    let mut errors = e.clone();
                    if e.get("to").is_some_and(|p| p.msg == Msg::ReasonRequired) {
                        errors.add("reason", Msg::ReasonRequired);
                    }
                    again(Forms { status: Some((typed, errors)), ..Default::default() })
                }
                Err(e) => Err(e.into()),
            }
        }
        ["reception"] => {
            let version: u64 = form.get("version").parse().map_err(|_| AppError::BadRequest)?;
            let input = reception_input(&form);
            let advisors: Vec<UserId> = with_role(&view.users, Role::Advisor).iter().map(|u| u.id).collect();
            // The promised time may already lie in the past on an order opened days ago.
            let check_from = view.order.created_at.min(Utc::now());
            let reception = match Reception::check(
                &ReceptionInput { mileage: String::new(), ..input.clone() },
                check_from,
                ctx.settings.tz(),
                &advisors,
            ) {
                Ok(r) => r,
                Err(e) => return Ok(reception_edit_form(ctx, &view, &input, &e)),
            };
            match state
                .store
                .write_touching(move |tx, t| {
                    orders::update_reception_tx(tx, t, &actor, id, version, reception)
                })
                .await
            {
                Ok(_) => done("saved"),
                Err(StoreError::Stale) => Ok(reception_edit_form(
                    ctx,
                    &view,
                    &input,
                    &FieldErrors::one("complaint", Msg::StaleEdit),
                )),
                Err(e) => Err(e.into()),
            }
        }
        ["requests", no] => {
            let no: u32 = no.parse().map_err(|_| AppError::NotFound)?;
            let price = match form.get("decision") {
                "dismiss" => None,
                "add" => match crate::domain::field::decimal_in(
                    form.get("unit_price"),
                    2,
                    Decimal::ZERO,
                    Decimal::from(1_000_000),
                ) {
                    Ok(p) => Some(p),
                    Err(_) => return Err(AppError::Refused(Msg::DecimalInvalid)),
                },
                _ => return Err(AppError::BadRequest),
            };
            state
                .store
                .write_touching(move |tx, t| orders::resolve_request_tx(tx, t, &actor, id, no, price))
                .await?;
            let back = form.get("back");
            if back == "/" {
                return Ok(redirect_to("/", ctx.htmx));
            }
            done("request")
        }
        ["reprint"] => {
            state.store.write_touching(move |tx, t| orders::rotate_token_tx(tx, t, &actor, id)).await?;
            Ok(redirect_to(
                &format!("/orders/{id}/print?layout={}", layout_code(form.get("layout"))),
                ctx.htmx,
            ))
        }
        _ => Err(AppError::NotFound),
    }
}

/// `a4` or `receipt`.
pub fn layout_code(typed: &str) -> &'static str {
    if typed == "receipt" { "receipt" } else { "a4" }
}

async fn edit_line_page(state: &AppState, ctx: &Ctx, id: OrderId, no: u32) -> AppResult<Response> {
    ctx.require(Area::Orders)?;
    let view = load(state, id).await?;
    let line = view.order.line(no).ok_or(AppError::NotFound)?;
    Ok(line_page(ctx, &view, line, &line.details.to_input(), &FieldErrors::new()))
}

fn line_page(ctx: &Ctx, view: &OrderView, line: &Line, input: &LineInput, errors: &FieldErrors) -> Response {
    let lang = ctx.lang;
    let o = &view.order;
    let title = format!("{} #{}", o.number, line.no);
    let history: Vec<String> = line
        .assignments
        .iter()
        .map(|a| {
            let who = match a.technician {
                Some(_) => name_of(&view.users, a.technician),
                None => lang.t(Msg::Unassigned).to_string(),
            };
            format!("{} · {who} ({})", local(ctx, a.at), name_of(&view.users, a.by))
        })
        .collect();
    let body = html! {
        p { a href={ "/orders/" (o.id) } { "← " (lang.fmt(Msg::OrderTitle, &[&o.number])) } }
        h1 { (title) " " (decision_badge(lang, line.decision)) }
        @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
        form.panel method="post" action={ "/orders/" (o.id) "/lines/" (line.no) } novalidate {
            (csrf_field(ctx))
            (line_fields(ctx, &view.users, input, errors))
            div.actions {
                button type="submit" { (lang.t(Msg::SaveLine)) }
                a.button.secondary href={ "/orders/" (o.id) } { (lang.t(Msg::Cancel)) }
            }
        }
        @if !history.is_empty() {
            section.panel {
                h2 { (lang.t(Msg::Technician)) }
                ul.timeline { @for h in &history { li { (h) } } }
            }
        }
        form.panel method="post" action={ "/orders/" (o.id) "/lines/" (line.no) "/remove" } {
            (csrf_field(ctx))
            button.danger type="submit" { (lang.t(Msg::RemoveLine)) }
        }
    };
    let mut response = html_response(layout::page(ctx, &title, body));
    if !errors.is_empty() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

async fn reception_page(state: &AppState, ctx: &Ctx, id: OrderId) -> AppResult<Response> {
    ctx.require(Area::Orders)?;
    let view = load(state, id).await?;
    let tz = ctx.settings.tz();
    let r = &view.order.reception;
    let input = ReceptionInput {
        mileage: String::new(),
        fuel: r.fuel.map(|f| f.to_string()).unwrap_or_default(),
        complaint: r.complaint.clone(),
        items_left: r.items_left.clone(),
        promised_at: r
            .promised_at
            .map(|p| p.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default(),
        advisor_id: r.advisor.map(|a| a.to_string()).unwrap_or_default(),
    };
    Ok(reception_edit_form(ctx, &view, &input, &FieldErrors::new()))
}

fn reception_edit_form(
    ctx: &Ctx,
    view: &OrderView,
    input: &ReceptionInput,
    errors: &FieldErrors,
) -> Response {
    let lang = ctx.lang;
    let o = &view.order;
    let mut advisors = vec![(String::new(), "—".to_string())];
    advisors.extend(
        with_role(&view.users, Role::Advisor).into_iter().map(|u| (u.id.to_string(), u.display_name.clone())),
    );
    let advisor_choices: Vec<(&str, &str)> = advisors.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let fuels: Vec<(String, &str)> = std::iter::once((String::new(), "—"))
        .chain((0..=4u8).map(|f| (f.to_string(), lang.t(fuel_label(f)))))
        .collect();
    let fuel_choices: Vec<(&str, &str)> = fuels.iter().map(|(a, b)| (a.as_str(), *b)).collect();
    let title = lang.t(Msg::EditReception);
    let body = html! {
        p { a href={ "/orders/" (o.id) } { "← " (lang.fmt(Msg::OrderTitle, &[&o.number])) } }
        h1 { (title) }
        @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
        form.panel method="post" action={ "/orders/" (o.id) "/reception" } novalidate {
            (csrf_field(ctx))
            input type="hidden" name="version" value=(o.version);
            (textarea("complaint", lang.t(Msg::Complaint), &input.complaint, None, errors, lang))
            div.form-grid {
                (Field::text("items_left", lang.t(Msg::ItemsLeft), &input.items_left).render(lang, errors))
                (Field::text("promised_at", lang.t(Msg::PromisedAt), &input.promised_at).kind("datetime-local").render(lang, errors))
                (select("fuel", lang.t(Msg::Fuel), &input.fuel, &fuel_choices, errors, lang))
                (select("advisor_id", lang.t(Msg::Advisor), &input.advisor_id, &advisor_choices, errors, lang))
            }
            div.actions { button type="submit" { (lang.t(Msg::Save)) } a.button.secondary href={ "/orders/" (o.id) } { (lang.t(Msg::Cancel)) } }
        }
    };
    let mut response = html_response(layout::page(ctx, title, body));
    if !errors.is_empty() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

// ---------------------------------------------------------------------------------------------
// The order list.

const PAGE_SIZE: usize = 30;
/// The plain list reads at most this many of the newest orders per page.
const SCAN_LIMIT: usize = 20_000;

async fn list_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    may_view(ctx)?;
    let lang = ctx.lang;
    let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let text: String = get("q").chars().take(60).collect();
    let state_filter = OrderState::parse(&get("state"));
    let advisor: Option<u64> = get("advisor").parse().ok();
    let technician: Option<u64> = get("technician").parse().ok();
    let late = get("late") == "1";
    let tz = ctx.settings.tz();
    let day = |k: &str| crate::domain::customer::optional_date(&get(k)).ok().flatten();
    let from =
        day("from").and_then(|d| d.and_hms_opt(0, 0, 0)).and_then(|d| d.and_local_timezone(tz).earliest());
    let until = day("to")
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|d| d.and_local_timezone(tz).earliest());
    let page_no: usize =
        q.get("page").and_then(|p| p.parse().ok()).filter(|p| (1..=10_000).contains(p)).unwrap_or(1);
    let now = Utc::now();
    let keep = move |o: &WorkOrder| {
        state_filter.is_none_or(|s| o.state == s)
            && advisor.is_none_or(|a| o.reception.advisor == Some(UserId(a)))
            && technician.is_none_or(|t| o.technicians().contains(&UserId(t)))
            && (!late || o.is_late(now))
            && from.is_none_or(|f| o.created_at >= f)
            && until.is_none_or(|u| o.created_at < u)
    };
    // A search narrows to a few candidates first: a number, a plate, or customers by name/phone.
    let candidates: Option<Vec<OrderId>> = if text.is_empty() {
        None
    } else {
        let customers = state.store.search(|index| {
            index
                .search(&text, &crate::store::CustomerFilter::default(), 0, 50)
                .rows
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>()
        });
        let text2 = text.clone();
        Some(
            state
                .store
                .read(move |tx| {
                    let mut ids = orders::with_number_prefix(tx, &text2, 200)?;
                    if let Ok(plate) = crate::domain::Plate::parse(&text2)
                        && let Some(v) = vehicles::find_by_plate(tx, &plate)?
                    {
                        ids.extend(orders::for_vehicle(tx, v.id)?.iter().map(|o| o.id));
                    }
                    for c in customers {
                        ids.extend(orders::for_customer(tx, c)?.iter().map(|o| o.id));
                    }
                    ids.sort_unstable_by(|a, b| b.cmp(a));
                    ids.dedup();
                    Ok(ids)
                })
                .await?,
        )
    };
    let offset = (page_no - 1) * PAGE_SIZE;
    let (rows, more, truncated) = state
        .store
        .read(move |tx| {
            let ids = match (candidates, state_filter) {
                (Some(ids), _) => Some(ids),
                (None, Some(s)) => Some(orders::in_state(tx, s)?),
                (None, None) if late => {
                    let mut ids = Vec::new();
                    for s in OrderState::BOARD {
                        ids.extend(orders::in_state(tx, s)?);
                    }
                    ids.sort_unstable_by(|a, b| b.cmp(a));
                    Some(ids)
                }
                (None, None) => technician.map(|t| orders::for_technician(tx, UserId(t))).transpose()?,
            };
            let mut rows = Vec::new();
            let mut skipped = 0;
            let mut more = false;
            let truncated;
            match ids {
                Some(ids) => {
                    truncated = false;
                    for id in ids {
                        let Some(o) = orders::get(tx, id)?.filter(|o| keep(o)) else { continue };
                        if skipped < offset {
                            skipped += 1;
                        } else if rows.len() == PAGE_SIZE {
                            more = true;
                            break;
                        } else {
                            rows.push(o);
                        }
                    }
                }
                None => {
                    let (found, stopped) = orders::newest(tx, offset, PAGE_SIZE, SCAN_LIMIT, keep)?;
                    more = stopped && found.len() == PAGE_SIZE;
                    truncated = stopped && found.len() < PAGE_SIZE;
                    rows = found;
                }
            }
            let mut out = Vec::new();
            for o in rows {
                let v = vehicles::get(tx, o.vehicle_id)?;
                let c = customers::get(tx, o.customer_id)?;
                out.push((o, v, c));
            }
            Ok((out, more, truncated))
        })
        .await?;
    let all_users = state.store.read(users::list).await?;
    let states: Vec<(&str, &str)> = std::iter::once(("", lang.t(Msg::AllStates)))
        .chain(OrderState::ALL.iter().map(|s| (s.code(), lang.t(s.label()))))
        .collect();
    let people = |role: Role, any: Msg| {
        let mut v = vec![(String::new(), lang.t(any).to_string())];
        v.extend(with_role(&all_users, role).into_iter().map(|u| (u.id.to_string(), u.display_name.clone())));
        v
    };
    let advisors = people(Role::Advisor, Msg::AnyAdvisor);
    let techs = people(Role::Technician, Msg::AnyTechnician);
    let pairs = |v: &[(String, String)]| v.iter().map(|(a, b)| (a.clone(), b.clone())).collect::<Vec<_>>();
    let (advisors, techs) = (pairs(&advisors), pairs(&techs));
    let adv: Vec<(&str, &str)> = advisors.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let tec: Vec<(&str, &str)> = techs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let none = FieldErrors::new();
    let page_link = |n: usize| {
        let mut pairs: Vec<(String, String)> = q
            .iter()
            .filter(|(k, v)| *k != "page" && !v.is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        pairs.sort();
        pairs.push(("page".into(), n.to_string()));
        let qs: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", super::error::encode(k), super::error::encode(v)))
            .collect();
        format!("/orders?{}", qs.join("&"))
    };
    let body = html! {
        div.page-head {
            h1 { (lang.t(Msg::NavOrders)) }
            div.actions { a.button href="/lookup" { "+ " (lang.t(Msg::OpenOrder)) } a.button.secondary href="/board" { (lang.t(Msg::NavBoard)) } }
        }
        form.search-form method="get" action="/orders" {
            div.searchbox {
                input type="search" name="q" value=(text) placeholder=(lang.t(Msg::OrderSearchHint)) aria-label=(lang.t(Msg::OrderSearchHint));
                button type="submit" { (lang.t(Msg::Search)) }
            }
            div.form-grid.filters {
                (select("state", lang.t(Msg::Status), &get("state"), &states, &none, lang))
                (select("advisor", lang.t(Msg::Advisor), &get("advisor"), &adv, &none, lang))
                (select("technician", lang.t(Msg::Technician), &get("technician"), &tec, &none, lang))
                (Field::text("from", lang.t(Msg::OpenedFrom), &get("from")).kind("date").render(lang, &none))
                (Field::text("to", lang.t(Msg::OpenedTo), &get("to")).kind("date").render(lang, &none))
                label.check { input type="checkbox" name="late" value="1" checked[late]; (lang.t(Msg::OnlyLate)) }
            }
            div.actions { button.secondary type="submit" { (lang.t(Msg::Filter)) } a href="/orders" { (lang.t(Msg::ClearFilters)) } }
        }
        @if truncated { (notice("warn", &lang.fmt(Msg::ListTruncated, &[&SCAN_LIMIT]))) }
        @if rows.is_empty() {
            div.empty { p { (lang.t(Msg::NoOrdersFound)) } }
        } @else {
            div.table-wrap {
                table.rows {
                    thead { tr {
                        th { (lang.t(Msg::Number)) } th { (lang.t(Msg::Plate)) } th { (lang.t(Msg::Owner)) } th { (lang.t(Msg::Status)) }
                        th { (lang.t(Msg::PromisedAt)) } th.num { (lang.t(Msg::Estimate)) } th { (lang.t(Msg::Created)) }
                    } }
                    tbody {
                        @for (o, v, c) in &rows {
                            tr {
                                td { a href={ "/orders/" (o.id) } { (o.number) } }
                                td { @if let Some(v) = v { span.plate { (v.details.plate) } " " span.muted { (v.details.title()) } } }
                                td { @if let Some(c) = c { (c.details.name) } }
                                td { (state_badge(lang, o.state)) @if o.is_late(now) { " " span.badge.bad { (lang.t(Msg::Late)) } } }
                                td.nowrap { (o.reception.promised_at.map(|p| local(ctx, p)).unwrap_or_default()) }
                                td.num { (money(o.totals().estimate)) }
                                td.nowrap { (local(ctx, o.created_at)) }
                            }
                        }
                    }
                }
            }
            nav.pager {
                @if page_no > 1 { a.button.secondary href=(page_link(page_no - 1)) { "← " (lang.t(Msg::Previous)) } }
                span.muted { (page_no) }
                @if more { a.button.secondary href=(page_link(page_no + 1)) { (lang.t(Msg::Next)) " →" } }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::NavOrders), body)))
}

/// Inline SVG markup that was produced by our own renderers (QR codes).
pub fn trusted_svg(svg: &str) -> Markup {
    PreEscaped(svg.to_string())
}
