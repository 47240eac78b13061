//! Vehicles (车辆档案) and the kiosk's plate lookup: create, view, edit, transfer ownership,
//! and the one-screen "unknown plate → new customer and vehicle" form.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::ctx::Ctx;
use super::customers::{customer_fields, due_badges, phone_warning, sharing_phone};
use super::error::{AppError, AppResult, redirect_to, unprocessable_if};
use super::form::Form;
use super::layout::{self, Field, csrf_field, notice, textarea};
use super::show::{Money, StateBadge};
use super::{AppState, BODY_LIMIT, html_response};
use crate::domain::customer::CustomerInput;
use crate::domain::plate::PROVINCES;
use crate::domain::vehicle::VehicleInput;
use crate::domain::{
    Area, Customer, CustomerDetails, CustomerId, FieldErrors, Plate, Vehicle, VehicleDetails, VehicleId,
};
use crate::i18n::{Lang, Msg};
use crate::store::{StoreError, customers, vehicles};

type Query = HashMap<String, String>;

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
        |ctx: Ctx, q: Query| find_page(&state, &ctx, &q, "/vehicles")
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
        |ctx: Ctx, q: Query| find_page(&state, &ctx, &q, "/lookup")
    ));
    let lookup_new = warp::path!("lookup" / "new").and(warp::post()).and(ctx).and(body).then(handler!(
        state,
        ctx,
        |ctx: Ctx, body: Bytes| lookup_create(&state, &ctx, &body)
    ));

    any_of!(new, list, create, edit, view, update, transfer, lookup, lookup_new)
}

fn vehicle_input(form: &Form) -> VehicleInput {
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

/// The big touch keypad for plates: province abbreviations, letters and digits, so a plate can
/// be typed on the kiosk without an input method. `app.js` types into `target`.
pub fn plate_keypad(lang: Lang, target: &str) -> Markup {
    html! {
        div.keypad data-keypad-target=(target) role="group" aria-label=(lang.t(Msg::PlateKeypad)) {
            div.keys.provinces {
                @for p in PROVINCES.chars() { button.key type="button" data-key=(p) { (p) } }
            }
            div.keys {
                @for c in "1234567890ABCDEFGHJKLMNPQRSTUVWXYZ".chars() { button.key type="button" data-key=(c) { (c) } }
                button.key.wide type="button" data-key="⌫" aria-label=(lang.t(Msg::Backspace)) { "⌫" }
                button.key.wide type="button" data-key="clear" { (lang.t(Msg::Clear)) }
            }
        }
    }
}

/// `/vehicles` and the kiosk's `/lookup`: a plate opens its vehicle; an unknown plate on the
/// kiosk opens the form for a new customer and vehicle together.
async fn find_page(state: &AppState, ctx: &Ctx, q: &Query, path: &'static str) -> AppResult<Response> {
    let area = if path == "/lookup" { Area::Reception } else { Area::Vehicles };
    ctx.require(area)?;
    let lang = ctx.lang;
    let typed = q.get("plate").map(|p| p.trim().to_string()).unwrap_or_default();
    let mut problem = None;
    if !typed.is_empty() {
        match Plate::parse(&typed) {
            Ok(plate) => {
                let found = state.store.read(move |tx| vehicles::find_by_plate(tx, &plate)).await?;
                match found {
                    Some(v) if path == "/lookup" => return lookup_found(state, ctx, v).await,
                    Some(v) => return Ok(redirect_to(&format!("/vehicles/{}", v.id), ctx.htmx)),
                    None if path == "/lookup" => {
                        let vehicle = VehicleInput { plate: typed.clone(), ..Default::default() };
                        let customer = CustomerInput { kind: "person".into(), ..Default::default() };
                        return Ok(lookup_new_page(ctx, &customer, &vehicle, &FieldErrors::new(), &[]));
                    }
                    None => problem = Some(Msg::PlateUnknown),
                }
            }
            Err(p) => problem = Some(p.msg),
        }
    }
    let title = if path == "/lookup" { lang.t(Msg::NavReception) } else { lang.t(Msg::NavVehicles) };
    let errors = problem.map(|m| FieldErrors::one("plate", m)).unwrap_or_default();
    let arrivals =
        if path == "/lookup" { Some(super::appointments::todays(state, ctx).await?) } else { None };
    let body = html! {
        div.page-head {
            h1 { (title) }
            @if path == "/vehicles" { div.actions { a.button href="/vehicles/new" { "+ " (lang.t(Msg::NewVehicle)) } } }
        }
        @if let Some(list) = &arrivals { (super::appointments::arrivals_panel(ctx, list)) }
        form.panel.lookup method="get" action=(path) {
            p.lead { (lang.t(Msg::LookupLead)) }
            div.plate-entry {
                (Field::text("plate", lang.t(Msg::Plate), &typed).required().autocomplete("off").render(lang, &errors))
                button.big type="submit" { (lang.t(Msg::Lookup)) }
            }
            (plate_keypad(lang, "f-plate"))
        }
    };
    let mut response = html_response(layout::page(ctx, title, body));
    if problem.is_some() {
        *response.status_mut() = warp::http::StatusCode::NOT_FOUND;
    }
    Ok(response)
}

async fn lookup_found(state: &AppState, ctx: &Ctx, vehicle: Vehicle) -> AppResult<Response> {
    let lang = ctx.lang;
    let (owner_id, vehicle_id) = (vehicle.customer_id, vehicle.id);
    let (owner, open) = state
        .store
        .read(move |tx| {
            let open = crate::store::orders::open_for_vehicle(tx, vehicle_id, true)?;
            Ok((customers::get(tx, owner_id)?, open))
        })
        .await?;
    let d = &vehicle.details;
    let body = html! {
        p { a href="/lookup" { "← " (lang.t(Msg::LookupAnother)) } }
        section.panel.found {
            div.plate-big { (d.plate) }
            h1 { (d.title()) }
            @if let Some(owner) = &owner {
                p.lead { (owner.details.name) " · " (owner.details.phone) }
            }
            p { (due_badges(lang, d, ctx.today())) }
            dl.details {
                dt { (lang.t(Msg::Mileage)) } dd { (d.mileage.map(|m| lang.fmt(Msg::Km, &[&crate::web::show::Grouped(m)])).unwrap_or("—".into())) }
                dt { (lang.t(Msg::OpenOrders)) } dd {
                    @if open.is_empty() { (lang.t(Msg::NoOrdersYet)) }
                    @for o in &open {
                        div { a.button.big.secondary href={ "/orders/" (o.id) } { (o.number) " · " (lang.t(o.state.label())) } }
                    }
                }
            }
            div.actions {
                a.button.big href={ "/orders/new?vehicle_id=" (vehicle.id) } { "+ " (lang.t(Msg::OpenOrder)) }
                a.button.big.secondary href={ "/vehicles/" (vehicle.id) } { (lang.t(Msg::VehiclePage)) }
                @if let Some(owner) = &owner { a.button.big.secondary href={ "/customers/" (owner.id) } { (lang.t(Msg::CustomerPage)) } }
            }
        }
    };
    Ok(html_response(layout::page(ctx, d.plate.as_str(), body)))
}

fn vehicle_fields(lang: Lang, input: &VehicleInput, errors: &FieldErrors, short: bool) -> Markup {
    html! {
        div.form-grid {
            (Field::text("plate", lang.t(Msg::Plate), &input.plate).required().autocomplete("off").render(lang, errors))
            (Field::text("make", lang.t(Msg::Make), &input.make).render(lang, errors))
            (Field::text("model", lang.t(Msg::Model), &input.model).render(lang, errors))
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
    }
}

fn lookup_new_page(
    ctx: &Ctx,
    customer: &CustomerInput,
    vehicle: &VehicleInput,
    errors: &FieldErrors,
    sharing: &[(CustomerId, String)],
) -> Response {
    let lang = ctx.lang;
    let body = html! {
        p { a href="/lookup" { "← " (lang.t(Msg::LookupAnother)) } }
        h1 { (lang.t(Msg::NewCarTitle)) }
        p.lead { (lang.t(Msg::NewCarLead)) }
        @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
        form.panel.kiosk-form method="post" action="/lookup/new" novalidate {
            (csrf_field(ctx))
            fieldset {
                legend { (lang.t(Msg::Vehicle)) }
                (vehicle_fields(lang, vehicle, errors, true))
            }
            fieldset {
                legend { (lang.t(Msg::Owner)) }
                (phone_warning(ctx, sharing, true))
                (customer_fields(ctx, customer, errors, true))
            }
            div.actions { button.big type="submit" { (lang.t(Msg::SaveCustomerAndVehicle)) } }
        }
    };
    unprocessable_if(
        !errors.is_empty() || !sharing.is_empty(),
        html_response(layout::page(ctx, lang.t(Msg::NewCarTitle), body)),
    )
}

/// The kiosk's one form: a new customer (or an existing one sharing the phone, if chosen) and
/// the vehicle, saved together in one transaction.
async fn lookup_create(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Reception)?;
    let form = ctx.form(body)?;
    let customer_input = CustomerInput {
        kind: form.owned("kind"),
        name: form.owned("name"),
        phone: form.owned("phone"),
        ..Default::default()
    };
    let vehicle_input = vehicle_input(&form);
    let s = &ctx.settings;
    let today = ctx.today();
    let existing_owner = form.get("owner").parse::<u64>().ok().map(CustomerId);
    let customer = if existing_owner.is_some() {
        Ok(None)
    } else {
        CustomerDetails::check(&customer_input, today, &s.customer_sources, &s.customer_levels).map(Some)
    };
    let vehicle = VehicleDetails::check(&vehicle_input, today);
    let (customer, vehicle) = match (customer, vehicle) {
        (Ok(c), Ok(v)) => (c, v),
        (c, v) => {
            let mut errors = c.err().unwrap_or_default();
            for (field, problem) in v.err().unwrap_or_default().iter() {
                errors.add(field, problem.clone());
            }
            return Ok(lookup_new_page(ctx, &customer_input, &vehicle_input, &errors, &[]));
        }
    };
    let unconfirmed = form.get("confirm_phone") != "1" && form.get("owner") != "new";
    if let Some(details) = customer.as_ref().filter(|_| unconfirmed) {
        let sharing = sharing_phone(state, &details.phone, None).await?;
        if !sharing.is_empty() {
            return Ok(lookup_new_page(ctx, &customer_input, &vehicle_input, &FieldErrors::new(), &sharing));
        }
    }
    let actor = user.actor();
    let result = state
        .store
        .write_touching(move |tx, touched| {
            let owner = match (existing_owner, customer.clone()) {
                (Some(id), _) => id,
                (None, Some(details)) => customers::create_tx(tx, touched, &actor, details)?.id,
                (None, None) => return Err(StoreError::Invalid(FieldErrors::one("name", Msg::Required))),
            };
            vehicles::create_tx(tx, touched, &actor, owner, vehicle.clone())
        })
        .await;
    match result {
        Ok(vehicle) => Ok(redirect_to(&format!("/vehicles/{}?notice=saved", vehicle.id), ctx.htmx)),
        Err(StoreError::Invalid(mut errors)) => {
            // The chosen owner has no field of its own on this form: say it beside the name.
            if let Some(problem) = errors.get("customer_id").cloned() {
                errors.add("name", problem);
            }
            Ok(lookup_new_page(ctx, &customer_input, &vehicle_input, &errors, &[]))
        }
        Err(e) => Err(e.into()),
    }
}

async fn new_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Vehicles)?;
    let owner = match q.get("customer_id").and_then(|c| c.parse::<u64>().ok()) {
        Some(id) => state.store.read(move |tx| customers::get(tx, CustomerId(id))).await?,
        None => None,
    };
    let input = VehicleInput { plate: q.get("plate").cloned().unwrap_or_default(), ..Default::default() };
    Ok(vehicle_form(ctx, owner.as_ref(), None, &input, &FieldErrors::new()))
}

/// The vehicle form; without an owner it first asks for one (a customer search).
fn vehicle_form(
    ctx: &Ctx,
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
                    (vehicle_fields(lang, input, errors, false))
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
    let form = ctx.form(body)?;
    let owner_id = CustomerId(form.get("customer_id").parse().map_err(|_| AppError::BadRequest)?);
    let owner = state.store.read(move |tx| customers::get(tx, owner_id)).await?.ok_or(AppError::NotFound)?;
    let input = vehicle_input(&form);
    let details = match VehicleDetails::check(&input, ctx.today()) {
        Ok(d) => d,
        Err(errors) => return Ok(vehicle_form(ctx, Some(&owner), None, &input, &errors)),
    };
    let actor = user.actor();
    match state
        .store
        .write_touching(move |tx, t| vehicles::create_tx(tx, t, &actor, owner_id, details.clone()))
        .await
    {
        Ok(v) => Ok(redirect_to(&format!("/vehicles/{}?notice=saved", v.id), ctx.htmx)),
        Err(StoreError::Invalid(errors)) => Ok(vehicle_form(ctx, Some(&owner), None, &input, &errors)),
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
    let (v, owner, _) = load(state, id).await?;
    Ok(vehicle_form(ctx, owner.as_ref(), Some(&v), &v.details.to_input(), &FieldErrors::new()))
}

async fn update(state: &AppState, ctx: &Ctx, id: VehicleId, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Vehicles)?;
    let form = ctx.form(body)?;
    let version: u64 = form.get("version").parse().map_err(|_| AppError::BadRequest)?;
    let (mut v, owner, _) = load(state, id).await?;
    // The form goes back with the version it was loaded at, so a change made meanwhile by
    // someone else is still detected when it is sent again.
    v.version = version;
    let input = vehicle_input(&form);
    let details = match VehicleDetails::check(&input, ctx.today()) {
        Ok(d) => d,
        Err(errors) => return Ok(vehicle_form(ctx, owner.as_ref(), Some(&v), &input, &errors)),
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
        Err(StoreError::Invalid(errors)) => Ok(vehicle_form(ctx, owner.as_ref(), Some(&v), &input, &errors)),
        Err(StoreError::Stale) => Ok(vehicle_form(
            ctx,
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
