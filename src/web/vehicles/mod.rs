//! Vehicles (车辆档案): create, view, edit, transfer ownership; the make and model fields offer
//! the shop's own makes and models, most common first.
//!
//! - [`list`]: the vehicle list (GET /vehicles), searched by plate, VIN or make, paged by key.
//! - [`lookup`]: the kiosk's plate lookup and its one form for a new car and owner.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::ctx::Ctx;
use super::customers::due_badges;
use super::error::{AppError, AppResult, redirect_to, unprocessable_if};
use super::form::Form;
use super::layout::{self, Field, csrf_field, notice, textarea};
use super::show::{Money, StateBadge};
use super::{AppState, BODY_LIMIT, html_response};
use crate::domain::vehicle::VehicleInput;
use crate::domain::{Area, Customer, CustomerId, FieldErrors, Vehicle, VehicleDetails, VehicleId};
use crate::i18n::{Lang, Msg};
use crate::store::vehicles::MakeSeen;
use crate::store::{StoreError, customers, vehicles};

pub mod list;
pub mod lookup;

pub(super) type Query = HashMap<String, String>;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let query = warp::query::<Query>().or(warp::any().map(Query::new)).unify();

    let new = warp::path!("vehicles" / "new").and(warp::get()).and(ctx.clone()).and(query).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: Query| new_page(&state, &ctx, &q)
    ));
    let list = warp::path!("vehicles").and(warp::get()).and(ctx.clone()).and(query).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: Query| list::list_page(&state, &ctx, &q)
    ));
    let create = warp::path!("vehicles").and(warp::post()).and(ctx.clone()).and(body).then(handler!(
        state,
        ctx,
        |ctx: Ctx, body: Bytes| create(&state, &ctx, &body)
    ));
    let view = warp::path!("vehicles" / u64).and(warp::get()).and(ctx.clone()).and(query).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx, q: Query| view_page(&state, &ctx, VehicleId(id), &q)
    ));
    let edit = warp::path!("vehicles" / u64 / "edit").and(warp::get()).and(ctx.clone()).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx| edit_page(&state, &ctx, VehicleId(id))
    ));
    let update = warp::path!("vehicles" / u64).and(warp::post()).and(ctx.clone()).and(body).then(handler!(
        state,
        ctx,
        |id: u64, ctx: Ctx, body: Bytes| update(&state, &ctx, VehicleId(id), &body)
    ));
    let transfer =
        warp::path!("vehicles" / u64 / "transfer").and(warp::post()).and(ctx.clone()).and(body).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| transfer(
                &state,
                &ctx,
                VehicleId(id),
                &body
            )),
        );
    let lookup = warp::path!("lookup").and(warp::get()).and(ctx.clone()).and(query).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: Query| lookup::lookup_page(&state, &ctx, &q)
    ));
    let lookup_new = warp::path!("lookup" / "new").and(warp::post()).and(ctx).and(body).then(handler!(
        state,
        ctx,
        |ctx: Ctx, body: Bytes| lookup::lookup_create(&state, &ctx, &body)
    ));

    any_of!(new, list, create, edit, view, update, transfer, lookup, lookup_new)
}

pub(super) fn vehicle_input(form: &Form) -> VehicleInput {
    VehicleInput {
        plate: form.owned("plate"),
        vin: form.owned("vin"),
        make: form.owned("make"),
        model: form.owned("model"),
        year: form.owned("year"),
        color: form.owned("color"),
        engine_no: form.owned("engine_no"),
        mileage: form.owned("mileage"),
        insurer: form.owned("insurer"),
        policy_no: form.owned("policy_no"),
        insurance_expiry: form.owned("insurance_expiry"),
        inspection_due: form.owned("inspection_due"),
        next_service_date: form.owned("next_service_date"),
        next_service_km: form.owned("next_service_km"),
        notes: form.owned("notes"),
    }
}

pub(super) fn vehicle_fields(
    lang: Lang,
    input: &VehicleInput,
    errors: &FieldErrors,
    short: bool,
    makes: &[MakeSeen],
) -> Markup {
    html! {
        div.form-grid {
            (Field::text("plate", lang.t(Msg::Plate), &input.plate).required().autocomplete("off").render(lang, errors))
            (Field::text("make", lang.t(Msg::Make), &input.make).list("makes-seen").autocomplete("off").render(lang, errors))
            (Field::text("model", lang.t(Msg::Model), &input.model).list("models-seen").autocomplete("off").render(lang, errors))
            (Field::text("color", lang.t(Msg::Color), &input.color).render(lang, errors))
            (Field::text("mileage", lang.t(Msg::MileageKm), &input.mileage).kind("number").render(lang, errors))
            (Field::text("vin", lang.t(Msg::Vin), &input.vin).autocomplete("off").render(lang, errors))
            @if !short {
                (Field::text("year", lang.t(Msg::Year), &input.year).kind("number").render(lang, errors))
                (Field::text("engine_no", lang.t(Msg::EngineNo), &input.engine_no).render(lang, errors))
                (Field::text("insurer", lang.t(Msg::Insurer), &input.insurer).render(lang, errors))
                (Field::text("policy_no", lang.t(Msg::PolicyNo), &input.policy_no).render(lang, errors))
                (Field::text("insurance_expiry", lang.t(Msg::InsuranceExpiry), &input.insurance_expiry).kind("date").render(lang, errors))
                (Field::text("inspection_due", lang.t(Msg::InspectionDue), &input.inspection_due).kind("date").render(lang, errors))
                (Field::text("next_service_date", lang.t(Msg::NextServiceDate), &input.next_service_date).kind("date").render(lang, errors))
                (Field::text("next_service_km", lang.t(Msg::NextServiceKm), &input.next_service_km).kind("number").render(lang, errors))
            }
        }
        @if !short { (textarea("notes", lang.t(Msg::Notes), &input.notes, None, errors, lang)) }
        (makes_picker(makes))
    }
}

/// The makes and models of the shop's own vehicles, most common first, offered as the make
/// and model fields are typed; `static/app.js` narrows the models to the make chosen.
fn makes_picker(makes: &[MakeSeen]) -> Markup {
    html! {
        datalist id="makes-seen" { @for m in makes { option value=(m.make) {} } }
        datalist id="models-seen" {
            @for m in makes { @for (model, _) in m.models.iter().take(12) { option value=(model) data-make=(m.make) {} } }
        }
    }
}

/// The makes and models the shop has seen, for the vehicle forms' picker.
pub(super) async fn makes_seen(state: &AppState) -> AppResult<Vec<MakeSeen>> {
    Ok(state.store.read(vehicles::makes_seen).await?)
}

async fn new_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Vehicles)?;
    let makes = makes_seen(state).await?;
    let owner = match q.get("customer_id").and_then(|c| c.parse::<u64>().ok()) {
        Some(id) => state.store.read(move |tx| customers::get(tx, CustomerId(id))).await?,
        None => None,
    };
    let input = VehicleInput { plate: q.get("plate").cloned().unwrap_or_default(), ..Default::default() };
    Ok(vehicle_form(ctx, &makes, owner.as_ref(), None, &input, &FieldErrors::new()))
}

/// The vehicle form; without an owner it first asks for one (a customer search).
fn vehicle_form(
    ctx: &Ctx,
    makes: &[MakeSeen],
    owner: Option<&Customer>,
    existing: Option<&Vehicle>,
    input: &VehicleInput,
    errors: &FieldErrors,
) -> Response {
    let lang = ctx.lang;
    let title = if existing.is_some() { lang.t(Msg::EditVehicle) } else { lang.t(Msg::NewVehicle) };
    let action = existing.map(|v| format!("/vehicles/{}", v.id)).unwrap_or("/vehicles".into());
    let mileage_back = errors.get("mileage").is_some_and(|p| p.msg == Msg::MileageDecrease);
    let body = html! {
        h1 { (title) }
        @match owner {
            None => {
                section.panel {
                    h2 { (lang.t(Msg::ChooseOwner)) }
                    input type="search" name="q" placeholder=(lang.t(Msg::QuickSearchHint)) aria-label=(lang.t(Msg::QuickSearchHint))
                        hx-get="/customers/pick" hx-trigger="input changed delay:250ms, search" hx-target="#pick";
                    div id="pick" {}
                    p { a href="/customers/new" { "+ " (lang.t(Msg::NewCustomer)) } }
                }
            }
            Some(owner) => {
                @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
                form.panel method="post" action=(action) novalidate {
                    (csrf_field(ctx))
                    input type="hidden" name="customer_id" value=(owner.id);
                    @if let Some(v) = existing { input type="hidden" name="version" value=(v.version); }
                    p { (lang.t(Msg::Owner)) ": " a href={ "/customers/" (owner.id) } { (owner.details.name) } " · " (owner.details.phone) }
                    (vehicle_fields(lang, input, errors, false, makes))
                    @if mileage_back {
                        label.check { input type="checkbox" name="confirm_mileage" value="1"; (lang.t(Msg::ConfirmMileage)) }
                    }
                    div.actions {
                        button type="submit" { (lang.t(Msg::Save)) }
                        a.button.secondary href=(existing.map(|v| format!("/vehicles/{}", v.id)).unwrap_or(format!("/customers/{}", owner.id))) { (lang.t(Msg::Cancel)) }
                    }
                }
            }
        }
    };
    unprocessable_if(!errors.is_empty(), html_response(layout::page(ctx, title, body)))
}

async fn create(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Vehicles)?;
    let makes = makes_seen(state).await?;
    let form = ctx.form(body)?;
    let owner_id = CustomerId(form.get("customer_id").parse().map_err(|_| AppError::BadRequest)?);
    let owner = state.store.read(move |tx| customers::get(tx, owner_id)).await?.ok_or(AppError::NotFound)?;
    let input = vehicle_input(&form);
    let details = match VehicleDetails::check(&input, ctx.today()) {
        Ok(d) => d,
        Err(errors) => return Ok(vehicle_form(ctx, &makes, Some(&owner), None, &input, &errors)),
    };
    let actor = user.actor();
    match state
        .store
        .write_touching(move |tx, t| vehicles::create_tx(tx, t, &actor, owner_id, details.clone()))
        .await
    {
        Ok(v) => Ok(redirect_to(&format!("/vehicles/{}?notice=saved", v.id), ctx.htmx)),
        Err(StoreError::Invalid(errors)) => {
            Ok(vehicle_form(ctx, &makes, Some(&owner), None, &input, &errors))
        }
        Err(e) => Err(e.into()),
    }
}

async fn load(
    state: &AppState,
    id: VehicleId,
) -> AppResult<(Vehicle, Option<Customer>, Vec<(CustomerId, String, DateTime<Utc>)>)> {
    state
        .store
        .read(move |tx| {
            let Some(v) = vehicles::get(tx, id)? else { return Ok(None) };
            let owner = customers::get(tx, v.customer_id)?;
            let mut previous = Vec::new();
            for o in &v.previous_owners {
                let name = customers::get(tx, o.customer_id)?.map(|c| c.details.name).unwrap_or_default();
                previous.push((o.customer_id, name, o.until));
            }
            Ok(Some((v, owner, previous)))
        })
        .await?
        .ok_or(AppError::NotFound)
}

async fn view_page(state: &AppState, ctx: &Ctx, id: VehicleId, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Vehicles)?;
    let lang = ctx.lang;
    let (v, owner, previous) = load(state, id).await?;
    let history = state.store.read(move |tx| crate::store::orders::for_vehicle(tx, id)).await?;
    let care = super::care::vehicle_panel(state, ctx, id).await?;
    let appointments = super::appointments::owner_panel(state, ctx, Some(id), None).await?;
    let inspections = super::inspections::vehicle_section(state, ctx, id).await?;
    let d = &v.details;
    let tz = ctx.settings.tz();
    let today = ctx.today();
    let note = q.get("notice").and_then(|n| match n.as_str() {
        "saved" => Some(Msg::Saved),
        "transferred" => Some(Msg::Transferred),
        _ => None,
    });
    let dash = |s: &str| if s.is_empty() { "—".to_string() } else { s.to_string() };
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or("—".into());
    let body = html! {
        @if let Some(owner) = &owner { p { a href={ "/customers/" (owner.id) } { "← " (owner.details.name) } } }
        div.page-head {
            h1 { span.plate-big { (d.plate) } " " (d.title()) }
            div.actions {
                a.button href={ "/orders/new?vehicle_id=" (v.id) } { "+ " (lang.t(Msg::OpenOrder)) }
                a.button.secondary href={ "/vehicles/" (v.id) "/edit" } { (lang.t(Msg::Edit)) }
                (super::admin::history_link(ctx, &format!("vehicle:{}", v.id)))
            }
        }
        @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
        @if d.vin_check_ok() == Some(false) { (notice("warn", lang.t(Msg::VinCheckWarning))) }
        p { (due_badges(lang, d, today)) }
        div.columns {
            section.panel {
                h2 { (lang.t(Msg::Details)) }
                dl.details {
                    dt { (lang.t(Msg::Owner)) } dd { @if let Some(o) = &owner { a href={ "/customers/" (o.id) } { (o.details.name) } " · " (o.details.phone) } }
                    dt { (lang.t(Msg::Vin)) } dd { (d.vin.as_ref().map(|v| v.to_string()).unwrap_or("—".into())) }
                    dt { (lang.t(Msg::EngineNo)) } dd { (dash(&d.engine_no)) }
                    dt { (lang.t(Msg::Color)) } dd { (dash(&d.color)) }
                    dt { (lang.t(Msg::Mileage)) } dd { (d.mileage.map(|m| lang.fmt(Msg::Km, &[&crate::web::show::Grouped(m)])).unwrap_or("—".into())) }
                    dt { (lang.t(Msg::Insurer)) } dd { (dash(&d.insurer)) @if !d.policy_no.is_empty() { " · " (lang.t(Msg::PolicyNo)) " " (d.policy_no) } }
                    dt { (lang.t(Msg::InsuranceExpiry)) } dd { (date(d.insurance_expiry)) }
                    dt { (lang.t(Msg::InspectionDue)) } dd { (date(d.inspection_due)) }
                    dt { (lang.t(Msg::NextService)) } dd { (date(d.next_service_date)) @if let Some(km) = d.next_service_km { " / " (lang.fmt(Msg::Km, &[&crate::web::show::Grouped(km)])) } }
                }
                @if !d.notes.is_empty() { p.notes { (d.notes) } }
            }
            section.panel {
                h2 { (lang.t(Msg::RepairHistory)) }
                @if history.is_empty() {
                    p.muted { (lang.t(Msg::NoOrdersYet)) }
                } @else {
                    ul.timeline { @for o in &history {
                        li {
                            a href={ "/orders/" (o.id) } { (o.number) } " " (StateBadge(lang, o.state))
                            " " (Money(o.totals().estimate))
                            div.muted {
                                (o.created_at.with_timezone(&tz).format("%Y-%m-%d"))
                                @if let Some(m) = o.reception.mileage { " · " (lang.fmt(Msg::Km, &[&crate::web::show::Grouped(m)])) }
                                " · " (o.reception.complaint.chars().take(60).collect::<String>())
                            }
                        }
                    } }
                }
                @if !previous.is_empty() {
                    h3 { (lang.t(Msg::PreviousOwners)) }
                    ul.timeline { @for (cid, name, until) in &previous {
                        li { a href={ "/customers/" (cid) } { (name) } div.muted { (lang.t(Msg::OwnerUntil)) " " (until.with_timezone(&tz).format("%Y-%m-%d")) } }
                    } }
                }
            }
        }
        (care)
        (appointments)
        (inspections)
        section.panel {
            h2 { (lang.t(Msg::TransferOwnership)) }
            p.muted { (lang.t(Msg::TransferHelp)) }
            input type="search" name="q" placeholder=(lang.t(Msg::QuickSearchHint)) aria-label=(lang.t(Msg::QuickSearchHint))
                hx-get={ "/customers/pick?vehicle=" (v.id) "&version=" (v.version) } hx-trigger="input changed delay:250ms, search" hx-target="#pick";
            div id="pick" {}
        }
    };
    Ok(html_response(layout::page(ctx, d.plate.as_str(), body)))
}

async fn edit_page(state: &AppState, ctx: &Ctx, id: VehicleId) -> AppResult<Response> {
    ctx.require(Area::Vehicles)?;
    let makes = makes_seen(state).await?;
    let (v, owner, _) = load(state, id).await?;
    Ok(vehicle_form(ctx, &makes, owner.as_ref(), Some(&v), &v.details.to_input(), &FieldErrors::new()))
}

async fn update(state: &AppState, ctx: &Ctx, id: VehicleId, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Vehicles)?;
    let makes = makes_seen(state).await?;
    let form = ctx.form(body)?;
    let version: u64 = form.get("version").parse().map_err(|_| AppError::BadRequest)?;
    let (mut v, owner, _) = load(state, id).await?;
    // The form goes back with the version it was loaded at, so a change made meanwhile by
    // someone else is still detected when it is sent again.
    v.version = version;
    let input = vehicle_input(&form);
    let details = match VehicleDetails::check(&input, ctx.today()) {
        Ok(d) => d,
        Err(errors) => return Ok(vehicle_form(ctx, &makes, owner.as_ref(), Some(&v), &input, &errors)),
    };
    let confirm = form.get("confirm_mileage") == "1";
    let actor = user.actor();
    match state
        .store
        .write_touching(move |tx, t| {
            vehicles::update_tx(tx, t, &actor, id, version, details.clone(), confirm)
        })
        .await
    {
        Ok(_) => Ok(redirect_to(&format!("/vehicles/{id}?notice=saved"), ctx.htmx)),
        Err(StoreError::Invalid(errors)) => {
            Ok(vehicle_form(ctx, &makes, owner.as_ref(), Some(&v), &input, &errors))
        }
        Err(StoreError::Stale) => Ok(vehicle_form(
            ctx,
            &makes,
            owner.as_ref(),
            Some(&v),
            &input,
            &FieldErrors::one("plate", Msg::StaleEdit),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn transfer(state: &AppState, ctx: &Ctx, id: VehicleId, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Vehicles)?;
    let form = ctx.form(body)?;
    let to = CustomerId(form.get("customer_id").parse().map_err(|_| AppError::BadRequest)?);
    let version: u64 = form.get("version").parse().map_err(|_| AppError::BadRequest)?;
    let actor = user.actor();
    match state.store.write_touching(move |tx, t| vehicles::transfer_tx(tx, t, &actor, id, version, to)).await
    {
        Ok(_) => Ok(redirect_to(&format!("/vehicles/{id}?notice=transferred"), ctx.htmx)),
        Err(StoreError::Invalid(errors)) => {
            Err(AppError::Refused(errors.get("customer_id").map(|p| p.msg).unwrap_or(Msg::FormHasErrors)))
        }
        Err(e) => Err(e.into()),
    }
}
