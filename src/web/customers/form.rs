//! The new/edit customer form: its fields (shared with the kiosk's new-car form), the
//! shared-phone warning, and saving.

use maud::{Markup, html};
use warp::reply::Response;

use crate::domain::customer::CustomerInput;
use crate::domain::settings::choice_label;
use crate::domain::{Area, CustomerDetails, CustomerId, FieldErrors, Phone};
use crate::i18n::{Lang, Msg};
use crate::store::{StoreError, customers};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to, unprocessable_if};
use crate::web::form::Form;
use crate::web::html_response;
use crate::web::layout::{self, Field, csrf_field, notice, select, textarea};

/// The empty form for a new customer (a person, by default).
pub(super) fn new_page(ctx: &Ctx) -> AppResult<Response> {
    ctx.require(Area::Customers)?;
    let input = CustomerInput { kind: "person".into(), ..Default::default() };
    Ok(form_page(ctx, None, &input, &FieldErrors::new(), &[]))
}

/// The choices of a configured list, for a select.
fn choices(lang: Lang, list: &[String]) -> Vec<(&str, &str)> {
    let mut out = vec![("", lang.t(Msg::NotSet))];
    out.extend(list.iter().map(|c| (c.as_str(), choice_label(c, lang))));
    out
}

fn input_of(form: &Form) -> CustomerInput {
    CustomerInput {
        kind: form.owned("kind"),
        name: form.owned("name"),
        gender: form.owned("gender"),
        phone: form.owned("phone"),
        phone2: form.owned("phone2"),
        email: form.owned("email"),
        address: form.owned("address"),
        source: form.owned("source"),
        level: form.owned("level"),
        birthday: form.owned("birthday"),
        notes: form.owned("notes"),
        contact_person: form.owned("contact_person"),
        tax_no: form.owned("tax_no"),
    }
}

/// The fields of a customer, as used by the customer form and the kiosk's new-car form.
pub fn customer_fields(ctx: &Ctx, input: &CustomerInput, errors: &FieldErrors, short: bool) -> Markup {
    let lang = ctx.lang;
    let kinds = [("person", lang.t(Msg::KindPerson)), ("company", lang.t(Msg::KindCompany))];
    let genders =
        [("", lang.t(Msg::NotSet)), ("male", lang.t(Msg::GenderMale)), ("female", lang.t(Msg::GenderFemale))];
    html! {
        div.form-grid {
            (select("kind", lang.t(Msg::CustomerKind), &input.kind, &kinds, errors, lang))
            (Field::text("name", lang.t(Msg::NameOrCompany), &input.name).required().autocomplete("off").render(lang, errors))
            (Field::text("phone", lang.t(Msg::Phone), &input.phone).kind("tel").required().autocomplete("off").render(lang, errors))
            @if !short {
                (select("gender", lang.t(Msg::Gender), &input.gender, &genders, errors, lang))
                (Field::text("phone2", lang.t(Msg::Phone2), &input.phone2).kind("tel").render(lang, errors))
                (Field::text("email", lang.t(Msg::Email), &input.email).kind("email").render(lang, errors))
                (Field::text("address", lang.t(Msg::Address), &input.address).render(lang, errors))
                (select("source", lang.t(Msg::Source), &input.source, &choices(lang, &ctx.settings.customer_sources), errors, lang))
                (select("level", lang.t(Msg::Level), &input.level, &choices(lang, &ctx.settings.customer_levels), errors, lang))
                (Field::text("birthday", lang.t(Msg::Birthday), &input.birthday).kind("date").render(lang, errors))
                (Field::text("contact_person", lang.t(Msg::ContactPerson), &input.contact_person).hint(lang.t(Msg::CompanyOnly).into()).render(lang, errors))
                (Field::text("tax_no", lang.t(Msg::TaxNo), &input.tax_no).hint(lang.t(Msg::CompanyOnly).into()).render(lang, errors))
            }
        }
        @if !short {
            (textarea("notes", lang.t(Msg::Notes), &input.notes, None, errors, lang))
        }
    }
}

/// Other customers with the phone number just typed: a question, not a refusal, answered
/// with one control. With `owners` (a new car at the desk) it is one choice: the car goes to one
/// of them (`owner` = their id) or to a new customer with the same number (`owner=new`);
/// otherwise one button saves the form again with the shared number (`confirm_phone=1`).
pub fn phone_warning(ctx: &Ctx, sharing: &[(CustomerId, String)], owners: bool) -> Markup {
    let lang = ctx.lang;
    html! {
        @if !sharing.is_empty() {
            div.notice.warn.phone-shared role="alert" data-phone-shared {
                p { (lang.t(Msg::PhoneShared)) }
                @if owners {
                    div.choice role="radiogroup" aria-label=(lang.t(Msg::PhoneShared)) {
                        @for (id, name) in sharing {
                            label.check { input type="radio" name="owner" value=(id); (lang.fmt(Msg::AddToExisting, &[name])) " " a href={ "/customers/" (id) } target="_blank" { "↗" } }
                        }
                        label.check { input type="radio" name="owner" value="new" checked; (lang.t(Msg::CreateNewCustomer)) }
                    }
                } @else {
                    ul { @for (id, name) in sharing { li { a href={ "/customers/" (id) } target="_blank" { (name) } } } }
                    button.secondary type="submit" name="confirm_phone" value="1" data-confirm-phone { (lang.t(Msg::PhoneSharedConfirm)) }
                }
            }
        }
    }
}

fn form_page(
    ctx: &Ctx,
    existing: Option<(CustomerId, u64)>,
    input: &CustomerInput,
    errors: &FieldErrors,
    sharing: &[(CustomerId, String)],
) -> Response {
    let lang = ctx.lang;
    let (title, action) = match existing {
        Some((id, _)) => (lang.t(Msg::EditCustomer), format!("/customers/{id}")),
        None => (lang.t(Msg::NewCustomer), "/customers".to_string()),
    };
    let body = html! {
        h1 { (title) }
        @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
        form.panel method="post" action=(action) novalidate {
            (csrf_field(ctx))
            @if let Some((_, version)) = existing { input type="hidden" name="version" value=(version); }
            (phone_warning(ctx, sharing, false))
            (customer_fields(ctx, input, errors, false))
            div.actions {
                button type="submit" { (lang.t(Msg::Save)) }
                a.button.secondary href=(existing.map(|(id, _)| format!("/customers/{id}")).unwrap_or("/customers".into())) { (lang.t(Msg::Cancel)) }
            }
        }
    };
    unprocessable_if(!errors.is_empty() || !sharing.is_empty(), html_response(layout::page(ctx, title, body)))
}

/// Other customers using this phone, by name.
pub async fn sharing_phone(
    state: &AppState,
    phone: &Phone,
    except: Option<CustomerId>,
) -> AppResult<Vec<(CustomerId, String)>> {
    let phone = phone.clone();
    Ok(state
        .store
        .read(move |tx| {
            let mut out = Vec::new();
            for id in customers::sharing_phone(tx, &phone, except)? {
                if let Some(c) = customers::get(tx, id)? {
                    out.push((id, c.details.name));
                }
            }
            Ok(out)
        })
        .await?)
}

pub(super) async fn save(
    state: &AppState,
    ctx: &Ctx,
    id: Option<CustomerId>,
    body: &[u8],
) -> AppResult<Response> {
    let user = ctx.require(Area::Customers)?;
    let form = ctx.form(body)?;
    let input = input_of(&form);
    let version: Option<u64> = match id {
        Some(_) => Some(form.get("version").parse().map_err(|_| AppError::BadRequest)?),
        None => None,
    };
    let existing = id.zip(version);
    let s = &ctx.settings;
    let details = match CustomerDetails::check(&input, ctx.today(), &s.customer_sources, &s.customer_levels) {
        Ok(details) => details,
        Err(errors) => return Ok(form_page(ctx, existing, &input, &errors, &[])),
    };
    if form.get("confirm_phone") != "1" {
        let sharing = sharing_phone(state, &details.phone, id).await?;
        if !sharing.is_empty() {
            return Ok(form_page(ctx, existing, &input, &FieldErrors::new(), &sharing));
        }
    }
    let actor = user.actor();
    let result = state
        .store
        .write_touching(move |tx, touched| match existing {
            Some((id, version)) => customers::update_tx(tx, touched, &actor, id, version, details.clone()),
            None => customers::create_tx(tx, touched, &actor, details.clone()),
        })
        .await;
    match result {
        Ok(customer) => Ok(redirect_to(&format!("/customers/{}?notice=saved", customer.id), ctx.htmx)),
        Err(StoreError::Stale) => {
            let errors = FieldErrors::one("name", Msg::StaleEdit);
            Ok(form_page(ctx, existing, &input, &errors, &[]))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn edit_page(state: &AppState, ctx: &Ctx, id: CustomerId) -> AppResult<Response> {
    ctx.require(Area::Customers)?;
    let customer = state.store.read(move |tx| customers::get(tx, id)).await?.ok_or(AppError::NotFound)?;
    Ok(form_page(ctx, Some((id, customer.version)), &customer.details.to_input(), &FieldErrors::new(), &[]))
}
