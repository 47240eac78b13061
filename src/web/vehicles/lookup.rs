//! The kiosk's plate lookup (GET /lookup) and its one form for a new car (POST /lookup/new): a
//! known plate shows the car, its owner and open orders with the way to open one; an unknown
//! plate asks for the car and its owner together, then goes straight on to opening the order.

use maud::{Markup, html};
use warp::reply::Response;

use super::{Query, makes_seen, vehicle_fields, vehicle_input};
use crate::domain::customer::CustomerInput;
use crate::domain::plate::PROVINCES;
use crate::domain::vehicle::VehicleInput;
use crate::domain::{Area, CustomerDetails, CustomerId, FieldErrors, Plate, Vehicle, VehicleDetails};
use crate::i18n::{Lang, Msg};
use crate::store::vehicles::MakeSeen;
use crate::store::{StoreError, customers, vehicles};
use crate::web::ctx::Ctx;
use crate::web::customers::{customer_fields, due_badges, phone_warning, sharing_phone};
use crate::web::error::{AppResult, redirect_to, unprocessable_if};
use crate::web::layout::{self, Field, csrf_field, notice};
use crate::web::{AppState, html_response};

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

/// GET /lookup: the kiosk's plate lookup. A known plate opens its car and owner; an unknown
/// one the form for a new customer and vehicle together.
pub(super) async fn lookup_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Reception)?;
    let lang = ctx.lang;
    let typed = q.get("plate").map(|p| p.trim().to_string()).unwrap_or_default();
    let mut problem = None;
    if !typed.is_empty() {
        match Plate::parse(&typed) {
            Ok(plate) => {
                let found = state.store.read(move |tx| vehicles::find_by_plate(tx, &plate)).await?;
                if let Some(v) = found {
                    return lookup_found(state, ctx, v).await;
                }
                let vehicle = VehicleInput { plate: typed.clone(), ..Default::default() };
                let customer = CustomerInput { kind: "person".into(), ..Default::default() };
                let makes = makes_seen(state).await?;
                return Ok(lookup_new_page(ctx, &makes, &customer, &vehicle, &FieldErrors::new(), &[]));
            }
            Err(p) => problem = Some(p.msg),
        }
    }
    let title = lang.t(Msg::NavReception);
    let errors = problem.map(|m| FieldErrors::one("plate", m)).unwrap_or_default();
    let arrivals = crate::web::appointments::todays(state, ctx).await?;
    let body = html! {
        div.page-head { h1 { (title) } }
        (crate::web::appointments::arrivals_panel(ctx, &arrivals))
        form.panel.lookup method="get" action="/lookup" {
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

fn lookup_new_page(
    ctx: &Ctx,
    makes: &[MakeSeen],
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
                (vehicle_fields(lang, vehicle, errors, true, makes))
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
pub(super) async fn lookup_create(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Reception)?;
    let makes = makes_seen(state).await?;
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
            return Ok(lookup_new_page(ctx, &makes, &customer_input, &vehicle_input, &errors, &[]));
        }
    };
    let unconfirmed = form.get("confirm_phone") != "1" && form.get("owner") != "new";
    if let Some(details) = customer.as_ref().filter(|_| unconfirmed) {
        let sharing = sharing_phone(state, &details.phone, None).await?;
        if !sharing.is_empty() {
            return Ok(lookup_new_page(
                ctx,
                &makes,
                &customer_input,
                &vehicle_input,
                &FieldErrors::new(),
                &sharing,
            ));
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
        // At the kiosk the customer is waiting: straight on to opening the order.
        Ok(vehicle) => Ok(redirect_to(&format!("/orders/new?vehicle_id={}", vehicle.id), ctx.htmx)),
        Err(StoreError::Invalid(mut errors)) => {
            // The chosen owner has no field of its own on this form: say it beside the name.
            if let Some(problem) = errors.get("customer_id").cloned() {
                errors.add("name", problem);
            }
            Ok(lookup_new_page(ctx, &makes, &customer_input, &vehicle_input, &errors, &[]))
        }
        Err(e) => Err(e.into()),
    }
}
