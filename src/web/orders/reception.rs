//! Reception (业务接待): opening an order from a vehicle (GET /orders/new, POST /orders), and
//! editing what was noted at reception (GET/POST /orders/{id}/reception).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use maud::html;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::page::{OrderView, load};
use super::{Change, Query, begin, body, choices_of, ctx, desk, done, fuel_label, ids_with_role, query};
use crate::domain::work_order::{Reception, ReceptionInput};
use crate::domain::{Area, Customer, FieldErrors, OrderId, Role, User, Vehicle, VehicleId};
use crate::i18n::Msg;
use crate::store::orders::{self, OpenOptions};
use crate::store::{StoreError, customers, users, vehicles};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::form::Form;
use crate::web::layout::{self, Field, csrf_field, notice, select, textarea};
use crate::web::{AppState, html_response};

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let new = warp::path!("orders" / "new").and(warp::get()).and(ctx(state)).and(query()).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: Query| new_page(&state, &ctx, &q)
    ));
    let open = warp::path!("orders").and(warp::post()).and(ctx(state)).and(body()).then(handler!(
        state,
        ctx,
        |ctx: Ctx, body: Bytes| open(&state, &ctx, &body)
    ));
    let edit = warp::path!("orders" / u64 / "reception").and(warp::get()).and(ctx(state)).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx| reception_page(&state, &ctx, OrderId(id))
    ));
    let save = warp::path!("orders" / u64 / "reception").and(warp::post()).and(ctx(state)).and(body()).then(
        handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| update_reception(
            &state,
            &ctx,
            OrderId(id),
            &body
        )),
    );
    new.or(open).unify().or(edit).unify().or(save).unify().boxed()
}

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

/// What the check-in form shows besides what was typed.
struct AtDesk {
    vehicle: Vehicle,
    owner: Option<Customer>,
    /// Every user (the advisors are chosen from them).
    users: Vec<User>,
    /// When the form was asked for (the quick choices for the promised time depend on it).
    now: DateTime<Utc>,
}

async fn load_vehicle(state: &AppState, id: VehicleId) -> AppResult<AtDesk> {
    state
        .store
        .read(move |tx| {
            let Some(vehicle) = vehicles::get(tx, id)? else { return Ok(None) };
            let owner = customers::get(tx, vehicle.customer_id)?;
            Ok(Some(AtDesk { vehicle, owner, users: users::list(tx)?, now: Utc::now() }))
        })
        .await?
        .ok_or(AppError::NotFound)
}

/// GET /orders/new?vehicle_id=…: the check-in form, warning of an order already open.
async fn new_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    let user = ctx.require(Area::Reception)?;
    let id = VehicleId(q.get("vehicle_id").and_then(|v| v.parse().ok()).ok_or(AppError::NotFound)?);
    let desk = load_vehicle(state, id).await?;
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
    Ok(reception_form(ctx, &desk, &input, &errors, OpenOptions::default()))
}

async fn open_orders_of(state: &AppState, id: VehicleId) -> AppResult<Vec<(OrderId, String)>> {
    Ok(state
        .store
        .read(move |tx| {
            Ok(orders::open_for_vehicle(tx, id, false)?
                .into_iter()
                .map(|o| (o.id, o.number))
                .collect::<Vec<_>>())
        })
        .await?)
}

/// The check-in form. On the kiosk everything is large and touchable: a five-step fuel
/// control and quick choices for the promised time.
fn reception_form(
    ctx: &Ctx,
    desk: &AtDesk,
    input: &ReceptionInput,
    errors: &FieldErrors,
    options: OpenOptions,
) -> Response {
    let lang = ctx.lang;
    let (vehicle, owner) = (&desk.vehicle, desk.owner.as_ref());
    let d = &vehicle.details;
    let tz = ctx.settings.tz();
    let now = desk.now.with_timezone(&tz);
    let at_five = |days: i64| (now.date_naive() + Duration::days(days)).format("%Y-%m-%dT17:00").to_string();
    let today_open = now.format("%H:%M").to_string().as_str() < "16:50";
    let advisors = choices_of(&desk.users, Role::Advisor, "—");
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
                    .hint(d.mileage.map(|m| lang.fmt(Msg::LastMileage, &[&crate::web::show::Grouped(m)])).unwrap_or_default()).render(lang, errors))
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

/// POST /orders: opens the order, or shows the form again with its problems.
async fn open(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Reception)?;
    let form = ctx.form(body)?;
    let vehicle_id = VehicleId(form.get("vehicle_id").trim().parse().map_err(|_| AppError::BadRequest)?);
    let desk = load_vehicle(state, vehicle_id).await?;
    let input = reception_input(&form);
    let options = OpenOptions {
        draft: form.get("draft") == "1",
        confirm_second: form.get("confirm_second") == "1",
        confirm_mileage: form.get("confirm_mileage") == "1",
        appointment: None,
    };
    let advisors = ids_with_role(&desk.users, Role::Advisor);
    let reception = match Reception::check(&input, desk.now, ctx.settings.tz(), &advisors) {
        Ok(r) => r,
        Err(errors) => {
            return Ok(reception_form(ctx, &desk, &input, &errors, options));
        }
    };
    let actor = user.actor();
    let settings = ctx.settings.clone();
    let result = state
        .store
        .write_touching(move |tx, t| {
            orders::open_tx(tx, t, &actor, &settings, vehicle_id, reception.clone(), options, Utc::now())
        })
        .await;
    match result {
        Ok(order) => Ok(redirect_to(&format!("/orders/{}?notice=opened", order.id), ctx.htmx)),
        Err(StoreError::Invalid(errors)) => {
            // Refused, even when only for a confirmation: nothing was saved.
            let mut response = reception_form(ctx, &desk, &input, &errors, options);
            *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

/// GET /orders/{id}/reception: the reception details as they are.
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
    let advisors = choices_of(&view.users, Role::Advisor, "—");
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

/// POST /orders/{id}/reception: the edited details, refused if someone saved in between.
async fn update_reception(state: &AppState, ctx: &Ctx, id: OrderId, body: &[u8]) -> AppResult<Response> {
    let Change { user, form, view } = begin(state, ctx, id, body, desk).await?;
    let version: u64 = form.get("version").parse().map_err(|_| AppError::BadRequest)?;
    let input = reception_input(&form);
    let advisors = ids_with_role(&view.users, Role::Advisor);
    // The promised time may already lie in the past on an order opened days ago.
    let check_from = view.order.created_at.min(view.now);
    let typed = ReceptionInput { mileage: String::new(), ..input.clone() };
    let reception = match Reception::check(&typed, check_from, ctx.settings.tz(), &advisors) {
        Ok(r) => r,
        Err(e) => return Ok(reception_edit_form(ctx, &view, &input, &e)),
    };
    let actor = user.actor();
    match state
        .store
        .write_touching(move |tx, t| {
            orders::update_reception_tx(tx, t, &actor, id, version, reception.clone())
        })
        .await
    {
        Ok(_) => done(state, ctx, id, "saved").await,
        Err(StoreError::Stale) => {
            Ok(reception_edit_form(ctx, &view, &input, &FieldErrors::one("complaint", Msg::StaleEdit)))
        }
        Err(e) => Err(e.into()),
    }
}
