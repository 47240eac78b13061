//! Customers (客户信息管理): quick and advanced search, create, view, edit, status, contact
//! history, delete, CSV export.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::ctx::Ctx;
use super::error::{AppError, AppResult, encode, redirect_to};
use super::form::Form;
use super::layout::{self, Field, csrf_field, notice, select, textarea};
use super::show::{LocalTime, Money, StateBadge};
use super::{AppState, BODY_LIMIT, html_response, run};
use crate::domain::customer::{CustomerInput, optional_date};
use crate::domain::field::required_text;
use crate::domain::settings::choice_label;
use crate::domain::vehicle::{Due, due};
use crate::domain::{
    Area, ContactKind, Customer, CustomerDetails, CustomerId, CustomerKind, CustomerStatus, FieldErrors,
    OrderState, Phone, Vehicle,
};
use crate::i18n::{Lang, Msg};
use crate::store::{CustomerFilter, CustomerRow, Page, StoreError, customers, vehicles};

pub const PAGE_SIZE: usize = 25;

type Query = HashMap<String, String>;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let query = warp::query::<Query>().or(warp::any().map(Query::new)).unify();

    let s = state.clone();
    let list = warp::path!("customers").and(warp::get()).and(ctx.clone()).and(query).then(
        move |ctx: Ctx, q: Query| {
            let s = s.clone();
            async move {
                let result = list_page(&s, &ctx, &q);
                run(&ctx, result)
            }
        },
    );

    let s = state.clone();
    let export = warp::path!("customers" / "export.csv").and(warp::get()).and(ctx.clone()).and(query).then(
        move |ctx: Ctx, q: Query| {
            let s = s.clone();
            async move { run(&ctx, export_csv(&s, &ctx, &q).await) }
        },
    );

    let new =
        warp::path!("customers" / "new").and(warp::get()).and(ctx.clone()).then(|ctx: Ctx| async move {
            let result = ctx.require(Area::Customers).map(|_| {
                let input = CustomerInput { kind: "person".into(), ..Default::default() };
                form_page(&ctx, None, &input, &FieldErrors::new(), &[])
            });
            run(&ctx, result)
        });

    let s = state.clone();
    let create = warp::path!("customers").and(warp::post()).and(ctx.clone()).and(body).then(
        move |ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, save(&s, &ctx, None, &body).await) }
        },
    );

    let s = state.clone();
    let view = warp::path!("customers" / u64).and(warp::get()).and(ctx.clone()).and(query).then(
        move |id: u64, ctx: Ctx, q: Query| {
            let s = s.clone();
            async move { run(&ctx, view_page(&s, &ctx, CustomerId(id), &q).await) }
        },
    );

    let s = state.clone();
    let edit = warp::path!("customers" / u64 / "edit").and(warp::get()).and(ctx.clone()).then(
        move |id: u64, ctx: Ctx| {
            let s = s.clone();
            async move { run(&ctx, edit_page(&s, &ctx, CustomerId(id)).await) }
        },
    );

    let s = state.clone();
    let update = warp::path!("customers" / u64).and(warp::post()).and(ctx.clone()).and(body).then(
        move |id: u64, ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, save(&s, &ctx, Some(CustomerId(id)), &body).await) }
        },
    );

    let s = state.clone();
    let action = warp::path!("customers" / u64 / String).and(warp::post()).and(ctx.clone()).and(body).then(
        move |id: u64, action: String, ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, act(&s, &ctx, CustomerId(id), &action, &body).await) }
        },
    );

    let s = state.clone();
    let pick = warp::path!("customers" / "pick").and(warp::get()).and(ctx).and(query).then(
        move |ctx: Ctx, q: Query| {
            let s = s.clone();
            async move {
                let result = pick(&s, &ctx, &q);
                run(&ctx, result)
            }
        },
    );

    export
        .or(new)
        .unify()
        .or(pick)
        .unify()
        .or(list)
        .unify()
        .or(create)
        .unify()
        .or(edit)
        .unify()
        .or(view)
        .unify()
        .or(update)
        .unify()
        .or(action)
        .unify()
        .boxed()
}

/// The choices of a configured list, for a select.
fn choices(lang: Lang, list: &[String]) -> Vec<(&str, &str)> {
    let mut out = vec![("", lang.t(Msg::NotSet))];
    out.extend(list.iter().map(|c| (c.as_str(), choice_label(c, lang))));
    out
}

fn status_badge(lang: Lang, status: CustomerStatus) -> Markup {
    let class = match status {
        CustomerStatus::Active => "badge ok",
        CustomerStatus::Dormant => "badge warn",
        CustomerStatus::Invalid => "badge bad",
    };
    html! { span class=(class) { (lang.t(status.label())) } }
}

/// Reads the list filters from the query; unknown values are ignored.
fn filter_of(ctx: &Ctx, q: &Query) -> (String, CustomerFilter) {
    let get = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let text = get("q").unwrap_or("").chars().take(100).collect::<String>();
    let tz = ctx.settings.tz();
    let day_start = |d: NaiveDate| -> Option<DateTime<Utc>> {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?).earliest().map(|t| t.with_timezone(&Utc))
    };
    let status = match get("status") {
        Some("any") => None,
        Some(s) => CustomerStatus::parse(s),
        // Without a search, lists show active customers; a search finds everyone.
        None if text.is_empty() => Some(CustomerStatus::Active),
        None => None,
    };
    let filter = CustomerFilter {
        kind: get("kind").and_then(CustomerKind::parse),
        source: get("source").map(str::to_string),
        level: get("level").map(str::to_string),
        status,
        created_from: get("created_from").and_then(|d| optional_date(d).ok().flatten()).and_then(day_start),
        created_until: get("created_to")
            .and_then(|d| optional_date(d).ok().flatten())
            .and_then(|d| d.succ_opt())
            .and_then(day_start),
    };
    (text, filter)
}

fn list_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Customers)?;
    let lang = ctx.lang;
    let (text, filter) = filter_of(ctx, q);
    let page_no: usize =
        q.get("page").and_then(|p| p.parse().ok()).filter(|p| *p >= 1 && *p <= 100_000).unwrap_or(1);
    let page = state.store.search(|index| index.search(&text, &filter, (page_no - 1) * PAGE_SIZE, PAGE_SIZE));
    let results = results(ctx, q, &page, page_no);
    if ctx.hx_target() == Some("results") {
        return Ok(html_response(results));
    }
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let s = &ctx.settings;
    let kinds =
        [("", lang.t(Msg::Any)), ("person", lang.t(Msg::KindPerson)), ("company", lang.t(Msg::KindCompany))];
    let statuses = [
        ("", lang.t(Msg::StatusDefault)),
        ("active", lang.t(Msg::StatusActive)),
        ("dormant", lang.t(Msg::StatusDormant)),
        ("invalid", lang.t(Msg::StatusInvalid)),
        ("any", lang.t(Msg::Any)),
    ];
    let mut sources = vec![("", lang.t(Msg::Any))];
    sources.extend(s.customer_sources.iter().map(|c| (c.as_str(), choice_label(c, lang))));
    let mut levels = vec![("", lang.t(Msg::Any))];
    levels.extend(s.customer_levels.iter().map(|c| (c.as_str(), choice_label(c, lang))));
    let none = FieldErrors::new();
    let advanced_open = ["kind", "source", "level", "status", "created_from", "created_to"]
        .iter()
        .any(|k| !get(k).is_empty());
    let body = html! {
        div.page-head {
            h1 { (lang.t(Msg::NavCustomers)) }
            div.actions {
                a.button href="/customers/new" { "+ " (lang.t(Msg::NewCustomer)) }
                a.button.secondary href="/customers/import" { (lang.t(Msg::ImportTitle)) }
                a.button.secondary href={ "/customers/export.csv?" (query_string(q, &[])) } { (lang.t(Msg::ExportCsv)) }
                a.button.secondary href={ "/customers/export.xlsx?" (query_string(q, &[])) } { (lang.t(Msg::ExportXlsx)) }
            }
        }
        @if let Some(n) = q.get("imported") {
            (notice("ok", &lang.fmt(Msg::ImportDone, &[n, q.get("vehicles").unwrap_or(&String::new())])))
        }
        @if q.get("notice").is_some_and(|n| n == "deleted") { (notice("ok", lang.t(Msg::CustomerDeleted))) }
        form.search-form method="get" action="/customers" {
            div.searchbox {
                input type="search" name="q" value=(text) autofocus autocomplete="off"
                    placeholder=(lang.t(Msg::QuickSearchHint)) aria-label=(lang.t(Msg::QuickSearchHint))
                    hx-get="/customers" hx-trigger="input changed delay:250ms, search" hx-target="#results"
                    hx-include="closest form" hx-push-url="true";
                button type="submit" { (lang.t(Msg::Search)) }
            }
            details.advanced open[advanced_open] {
                summary { (lang.t(Msg::AdvancedSearch)) }
                div.form-grid {
                    (select("kind", lang.t(Msg::CustomerKind), get("kind"), &kinds, &none, lang))
                    (select("source", lang.t(Msg::Source), get("source"), &sources, &none, lang))
                    (select("level", lang.t(Msg::Level), get("level"), &levels, &none, lang))
                    (select("status", lang.t(Msg::Status), get("status"), &statuses, &none, lang))
                    (Field::text("created_from", lang.t(Msg::CreatedFrom), get("created_from")).kind("date").render(lang, &none))
                    (Field::text("created_to", lang.t(Msg::CreatedTo), get("created_to")).kind("date").render(lang, &none))
                }
                div.actions { button.secondary type="submit" { (lang.t(Msg::ApplyFilters)) } a href="/customers" { (lang.t(Msg::ClearFilters)) } }
            }
        }
        (results)
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::NavCustomers), body)))
}

/// The query string of a list, with some parameters replaced.
fn query_string(q: &Query, replace: &[(&str, String)]) -> String {
    let mut keys: Vec<&String> = q.keys().collect();
    keys.sort();
    let mut parts: Vec<String> = keys
        .into_iter()
        .filter(|k| !replace.iter().any(|(r, _)| r == k) && !q[*k].is_empty())
        .map(|k| format!("{}={}", encode(k), encode(&q[k])))
        .collect();
    parts.extend(replace.iter().map(|(k, v)| format!("{k}={}", encode(v))));
    parts.join("&")
}

fn results(ctx: &Ctx, q: &Query, page: &Page, page_no: usize) -> Markup {
    let lang = ctx.lang;
    let pages = page.total.div_ceil(PAGE_SIZE).max(1);
    html! {
        section id="results" {
            p.muted { (lang.fmt(Msg::ResultCount, &[&page.total])) }
            @if page.rows.is_empty() {
                div.empty {
                    p { (lang.t(Msg::NoCustomersFound)) }
                    a.button href="/customers/new" { "+ " (lang.t(Msg::NewCustomer)) }
                }
            } @else {
                div.table-wrap {
                    table.rows {
                        thead { tr {
                            th { (lang.t(Msg::Name)) } th { (lang.t(Msg::Phone)) } th { (lang.t(Msg::Plates)) }
                            th { (lang.t(Msg::Level)) } th { (lang.t(Msg::Status)) }
                        } }
                        tbody {
                            @for row in &page.rows { (result_row(lang, row)) }
                        }
                    }
                }
                @if pages > 1 {
                    nav.pager aria-label=(lang.t(Msg::Pages)) {
                        @if page_no > 1 {
                            a.button.secondary href={ "/customers?" (query_string(q, &[("page", (page_no - 1).to_string())])) } { "← " (lang.t(Msg::Previous)) }
                        }
                        span.muted { (lang.fmt(Msg::PageOf, &[&page_no, &pages])) }
                        @if page_no < pages {
                            a.button.secondary href={ "/customers?" (query_string(q, &[("page", (page_no + 1).to_string())])) } { (lang.t(Msg::Next)) " →" }
                        }
                    }
                }
            }
        }
    }
}

fn result_row(lang: Lang, row: &CustomerRow) -> Markup {
    html! {
        tr {
            td {
                a href={ "/customers/" (row.id) } { (row.name) }
                @if row.kind == CustomerKind::Company { " " span.badge { (lang.t(Msg::KindCompany)) } }
            }
            td.nowrap { (row.phone) }
            td { @for plate in &row.plates { span.plate { (plate) } " " } }
            td { (choice_label(&row.level, lang)) }
            td { (status_badge(lang, row.status)) }
        }
    }
}

/// A compact customer search that hands the chosen customer to another form: the vehicle
/// form (new vehicle for this owner) or a vehicle's transfer.
fn pick(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Customers)?;
    let lang = ctx.lang;
    let text = q.get("q").map(|s| s.trim()).unwrap_or("");
    let page = if text.is_empty() {
        Page::default()
    } else {
        state.store.search(|index| index.search(text, &CustomerFilter::default(), 0, 8))
    };
    let transfer = q.get("vehicle").and_then(|v| v.parse::<u64>().ok());
    let version = q.get("version").cloned().unwrap_or_default();
    let body = html! {
        ul.pick-list {
            @for row in &page.rows {
                li {
                    span { strong { (row.name) } " " span.muted { (row.phone) } }
                    @if let Some(vehicle) = transfer {
                        form method="post" action={ "/vehicles/" (vehicle) "/transfer" } {
                            (csrf_field(ctx))
                            input type="hidden" name="customer_id" value=(row.id);
                            input type="hidden" name="version" value=(version);
                            button.secondary type="submit" { (lang.t(Msg::TransferHere)) }
                        }
                    } @else {
                        a.button.secondary href={ "/vehicles/new?customer_id=" (row.id) } { (lang.t(Msg::Choose)) }
                    }
                }
            }
            @if !text.is_empty() && page.rows.is_empty() { li.muted { (lang.t(Msg::NoCustomersFound)) } }
        }
    };
    Ok(html_response(body))
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

/// Other customers with the phone number just typed: a warning to confirm, not a refusal.
pub fn phone_warning(ctx: &Ctx, sharing: &[(CustomerId, String)]) -> Markup {
    let lang = ctx.lang;
    html! {
        @if !sharing.is_empty() {
            div.notice.warn role="alert" {
                p { (lang.t(Msg::PhoneShared)) }
                ul { @for (id, name) in sharing { li { a href={ "/customers/" (id) } target="_blank" { (name) } } } }
                label.check { input type="checkbox" name="confirm_phone" value="1"; (lang.t(Msg::PhoneSharedConfirm)) }
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
            (phone_warning(ctx, sharing))
            (customer_fields(ctx, input, errors, false))
            div.actions {
                button type="submit" { (lang.t(Msg::Save)) }
                a.button.secondary href=(existing.map(|(id, _)| format!("/customers/{id}")).unwrap_or("/customers".into())) { (lang.t(Msg::Cancel)) }
            }
        }
    };
    let mut response = html_response(layout::page(ctx, title, body));
    if !errors.is_empty() || !sharing.is_empty() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
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

async fn save(state: &AppState, ctx: &Ctx, id: Option<CustomerId>, body: &[u8]) -> AppResult<Response> {
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
            Some((id, version)) => customers::update_tx(tx, touched, &actor, id, version, details),
            None => customers::create_tx(tx, touched, &actor, details),
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

async fn edit_page(state: &AppState, ctx: &Ctx, id: CustomerId) -> AppResult<Response> {
    ctx.require(Area::Customers)?;
    let customer = state.store.read(move |tx| customers::get(tx, id)).await?.ok_or(AppError::NotFound)?;
    Ok(form_page(ctx, Some((id, customer.version)), &customer.details.to_input(), &FieldErrors::new(), &[]))
}

struct CustomerView {
    customer: Customer,
    vehicles: Vec<Vehicle>,
    contacts: Vec<crate::domain::ContactEntry>,
    /// Newest first.
    orders: Vec<crate::domain::WorkOrder>,
}

async fn view_page(state: &AppState, ctx: &Ctx, id: CustomerId, q: &Query) -> AppResult<Response> {
    let user = ctx.require(Area::Customers)?;
    let view = state
        .store
        .read(move |tx| {
            let Some(customer) = customers::get(tx, id)? else { return Ok(None) };
            let mut list = Vec::new();
            for vid in customers::vehicle_ids(tx, id)? {
                if let Some(v) = vehicles::get(tx, vid)? {
                    list.push(v);
                }
            }
            let contacts = customers::contacts(tx, id, 50)?;
            let orders = crate::store::orders::for_customer(tx, id)?;
            Ok(Some(CustomerView { customer, vehicles: list, contacts, orders }))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let note = q.get("notice").and_then(|n| super::auth::notice_msg(n)).or_else(|| {
        match q.get("notice")?.as_str() {
            "status" => Some(Msg::StatusSaved),
            "contact" => Some(Msg::ContactSaved),
            _ => None,
        }
    });
    let refused = q.get("refused").and_then(|r| match r.as_str() {
        "business" => Some(Msg::CustomerHasBusiness),
        "summary" => Some(Msg::SummaryRequired),
        _ => None,
    });
    let is_admin = user.user.roles.admin_cap().is_some();
    Ok(html_response(layout::page(
        ctx,
        &view.customer.details.name,
        customer_body(ctx, &view, note, refused, is_admin),
    )))
}

fn customer_body(
    ctx: &Ctx,
    view: &CustomerView,
    note: Option<Msg>,
    refused: Option<Msg>,
    is_admin: bool,
) -> Markup {
    let lang = ctx.lang;
    let c = &view.customer;
    let d = &c.details;
    let tz = ctx.settings.tz();
    let today = ctx.today();
    let dash = |s: &str| if s.is_empty() { "—".to_string() } else { s.to_string() };
    html! {
        p { a href="/customers" { "← " (lang.t(Msg::NavCustomers)) } }
        div.page-head {
            h1 {
                (d.name) " " (status_badge(lang, c.status))
                @if d.kind == CustomerKind::Company { " " span.badge { (lang.t(Msg::KindCompany)) } }
            }
            div.actions {
                a.button href={ "/vehicles/new?customer_id=" (c.id) } { "+ " (lang.t(Msg::AddVehicle)) }
                a.button.secondary href={ "/customers/" (c.id) "/edit" } { (lang.t(Msg::Edit)) }
            }
        }
        @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
        @if let Some(msg) = refused { (notice("error", lang.t(msg))) }
        div.columns {
            section.panel {
                h2 { (lang.t(Msg::Details)) }
                dl.details {
                    dt { (lang.t(Msg::Phone)) } dd { a href={ "tel:" (d.phone.as_str()) } { (d.phone) } }
                    @if let Some(p2) = &d.phone2 { dt { (lang.t(Msg::Phone2)) } dd { a href={ "tel:" (p2.as_str()) } { (p2) } } }
                    @if d.kind == CustomerKind::Company {
                        dt { (lang.t(Msg::ContactPerson)) } dd { (dash(&d.contact_person)) }
                        dt { (lang.t(Msg::TaxNo)) } dd { (dash(&d.tax_no)) }
                    } @else {
                        dt { (lang.t(Msg::Gender)) } dd { (d.gender.map(|g| lang.t(g.label())).unwrap_or("—")) }
                        dt { (lang.t(Msg::Birthday)) } dd { (d.birthday.map(|b| b.to_string()).unwrap_or("—".into())) }
                    }
                    dt { (lang.t(Msg::Email)) } dd { (dash(&d.email)) }
                    dt { (lang.t(Msg::Address)) } dd { (dash(&d.address)) }
                    dt { (lang.t(Msg::Source)) } dd { (dash(choice_label(&d.source, lang))) }
                    dt { (lang.t(Msg::Level)) } dd { (dash(choice_label(&d.level, lang))) }
                    dt { (lang.t(Msg::CustomerSince)) } dd { (LocalTime::new(c.created_at, tz)) }
                }
                @if !d.notes.is_empty() { p.notes { (d.notes) } }
            }
            section.panel {
                h2 { (lang.t(Msg::Consumption)) }
                @let visits = view.orders.iter().filter(|o| o.state != OrderState::Cancelled).count();
                @let spent: rust_decimal::Decimal = view.orders.iter()
                    .filter(|o| matches!(o.state, OrderState::Settled | OrderState::Delivered))
                    .map(|o| o.totals().estimate).sum();
                dl.details {
                    dt { (lang.t(Msg::Visits)) } dd { (visits) }
                    dt { (lang.t(Msg::TotalSpent)) } dd { (Money(spent)) }
                    dt { (lang.t(Msg::LastVisit)) } dd { (view.orders.first().map(|o| LocalTime::new(o.created_at, tz).to_string()).unwrap_or("—".into())) }
                }
                @if view.orders.is_empty() {
                    p.muted { (lang.t(Msg::NoOrdersYet)) }
                } @else {
                    ul.timeline { @for o in view.orders.iter().take(20) {
                        li {
                            a href={ "/orders/" (o.id) } { (o.number) } " " (StateBadge(lang, o.state))
                            " " (Money(o.totals().estimate))
                            div.muted { (LocalTime::new(o.created_at, tz)) " · " (o.reception.complaint.chars().take(40).collect::<String>()) }
                        }
                    } }
                }
            }
        }
        section.panel {
            h2 { (lang.t(Msg::Vehicles)) }
            @if view.vehicles.is_empty() {
                p.muted { (lang.t(Msg::NoVehiclesYet)) }
            } @else {
                div.table-wrap { table {
                    thead { tr { th { (lang.t(Msg::Plate)) } th { (lang.t(Msg::MakeModel)) } th { (lang.t(Msg::Mileage)) } th { (lang.t(Msg::Reminders)) } } }
                    tbody { @for v in &view.vehicles {
                        tr {
                            td { a.plate href={ "/vehicles/" (v.id) } { (v.details.plate) } }
                            td { (v.details.title()) }
                            td.nowrap { (v.details.mileage.map(|m| lang.fmt(Msg::Km, &[&m])).unwrap_or("—".into())) }
                            td { (due_badges(lang, &v.details, today)) }
                        }
                    } }
                } }
            }
        }
        section.panel {
            h2 { (lang.t(Msg::ContactHistory)) }
            form.inline-form method="post" action={ "/customers/" (c.id) "/contacts" } {
                (csrf_field(ctx))
                select name="kind" aria-label=(lang.t(Msg::ContactKind)) {
                    @for k in ContactKind::ALL { option value=(k.code()) { (lang.t(k.label())) } }
                }
                input type="text" name="summary" required maxlength="500" placeholder=(lang.t(Msg::ContactSummary)) aria-label=(lang.t(Msg::ContactSummary));
                button.secondary type="submit" { (lang.t(Msg::LogContact)) }
            }
            @if view.contacts.is_empty() {
                p.muted { (lang.t(Msg::NoContactsYet)) }
            } @else {
                ul.timeline { @for entry in &view.contacts {
                    li {
                        span.badge { (lang.t(entry.kind.label())) }
                        " " (entry.summary)
                        div.muted { (LocalTime::new(entry.at, tz)) " · " (entry.by_name) }
                    }
                } }
            }
        }
        section.panel {
            h2 { (lang.t(Msg::Status)) }
            form.inline-form method="post" action={ "/customers/" (c.id) "/status" } {
                (csrf_field(ctx))
                select name="status" aria-label=(lang.t(Msg::Status)) {
                    @for s in CustomerStatus::ALL { option value=(s.code()) selected[*s == c.status] { (lang.t(s.label())) } }
                }
                button.secondary type="submit" { (lang.t(Msg::SaveStatus)) }
            }
            p.muted { (lang.t(Msg::StatusHelp)) }
            @if is_admin {
                form method="post" action={ "/customers/" (c.id) "/delete" } {
                    (csrf_field(ctx))
                    button.danger type="submit" { (lang.t(Msg::DeleteCustomer)) }
                }
            }
        }
    }
}

/// Insurance, inspection and service dates that are past or within 30 days.
pub fn due_badges(lang: Lang, d: &crate::domain::VehicleDetails, today: NaiveDate) -> Markup {
    let dates = [
        (Msg::InsuranceExpiry, d.insurance_expiry),
        (Msg::InspectionDue, d.inspection_due),
        (Msg::NextServiceDate, d.next_service_date),
    ];
    html! {
        @for (label, date) in dates {
            @if let Some(date) = date {
                @match due(date, today) {
                    Due::Past => { span.badge.bad { (lang.t(label)) " " (date) } " " }
                    Due::Soon => { span.badge.warn { (lang.t(label)) " " (date) } " " }
                    Due::Later => {}
                }
            }
        }
    }
}

async fn act(state: &AppState, ctx: &Ctx, id: CustomerId, action: &str, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Customers)?;
    let form = ctx.form(body)?;
    let actor = user.actor();
    match action {
        "status" => {
            let status = CustomerStatus::parse(form.get("status")).ok_or(AppError::BadRequest)?;
            state
                .store
                .write_touching(move |tx, t| customers::set_status_tx(tx, t, &actor, id, status))
                .await?;
            Ok(redirect_to(&format!("/customers/{id}?notice=status"), ctx.htmx))
        }
        "contacts" => {
            let kind = ContactKind::parse(form.get("kind")).ok_or(AppError::BadRequest)?;
            let Ok(summary) = required_text(form.get("summary"), 500) else {
                return Ok(redirect_to(&format!("/customers/{id}?refused=summary"), ctx.htmx));
            };
            state.store.write(move |tx| customers::add_contact_tx(tx, &actor, id, kind, summary)).await?;
            Ok(redirect_to(&format!("/customers/{id}?notice=contact"), ctx.htmx))
        }
        "delete" => {
            let (_, cap) = ctx.admin()?;
            match state.store.write_touching(move |tx, t| customers::delete_tx(tx, t, &cap, &actor, id)).await
            {
                Ok(()) => Ok(redirect_to("/customers?notice=deleted", ctx.htmx)),
                Err(StoreError::Refused(_)) => {
                    Ok(redirect_to(&format!("/customers/{id}?refused=business"), ctx.htmx))
                }
                Err(e) => Err(e.into()),
            }
        }
        _ => Err(AppError::NotFound),
    }
}

/// The list with its current filters, every page, as a table with a header row: what both
/// exports write.
pub async fn export_rows(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Vec<Vec<String>>> {
    let (text, filter) = filter_of(ctx, q);
    let ids: Vec<CustomerId> = state
        .store
        .search(|index| index.search(&text, &filter, 0, usize::MAX).rows.into_iter().map(|r| r.id).collect());
    let rows = state
        .store
        .read(move |tx| {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let Some(c) = customers::get(tx, id)? else { continue };
                let mut plates = Vec::new();
                for vid in customers::vehicle_ids(tx, id)? {
                    if let Some(v) = vehicles::get(tx, vid)? {
                        plates.push(v.details.plate.as_str().to_string());
                    }
                }
                out.push((c, plates));
            }
            Ok(out)
        })
        .await?;
    let tz = ctx.settings.tz();
    let mut table = vec![CSV_COLUMNS.map(String::from).to_vec()];
    for (c, plates) in &rows {
        let d = &c.details;
        table.push(vec![
            c.id.to_string(),
            d.kind.code().into(),
            d.name.clone(),
            d.gender.map(|g| g.code().to_string()).unwrap_or_default(),
            d.phone.as_str().into(),
            d.phone2.as_ref().map(|p| p.as_str().to_string()).unwrap_or_default(),
            d.email.clone(),
            d.address.clone(),
            d.source.clone(),
            d.level.clone(),
            d.birthday.map(|b| b.to_string()).unwrap_or_default(),
            c.status.code().into(),
            plates.join(","),
            d.contact_person.clone(),
            d.tax_no.clone(),
            d.notes.clone(),
            c.created_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        ]);
    }
    Ok(table)
}

/// CSV export of the list with its current filters. A UTF-8 byte-order mark makes Excel read
/// the Chinese text right; cells that a spreadsheet would run as a formula are prefixed
/// with `'`.
async fn export_csv(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Customers)?;
    let table = export_rows(state, ctx, q).await?;
    let mut csv = String::from("\u{feff}");
    for row in &table {
        csv_line(&mut csv, row);
    }
    let mut response = Response::new(csv.into());
    let headers = response.headers_mut();
    headers.insert("content-type", "text/csv; charset=utf-8".parse().unwrap());
    let name = format!("customers-{}.csv", ctx.today());
    headers.insert("content-disposition", format!("attachment; filename=\"{name}\"").parse().unwrap());
    Ok(response)
}

pub const CSV_COLUMNS: [&str; 17] = [
    "id",
    "kind",
    "name",
    "gender",
    "phone",
    "phone2",
    "email",
    "address",
    "source",
    "level",
    "birthday",
    "status",
    "plates",
    "contact_person",
    "tax_no",
    "notes",
    "created",
];

fn csv_line(out: &mut String, cells: &[String]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let mut cell = cell.as_str().to_string();
        // A leading sign is only safe on a plain number (a phone like +8613800138000).
        let plain_number =
            cell.chars().count() > 1 && cell.chars().skip(1).all(|c| c.is_ascii_digit() || c == ' ');
        let risky = cell.starts_with(['=', '@', '\t', '\r'])
            || ((cell.starts_with('+') || cell.starts_with('-')) && !plain_number);
        if risky {
            cell.insert(0, '\'');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        let mut out = String::new();
        let cells = ["a,b", "say \"hi\"", "=1+1", "+8613800138000", "-x", "-2+3+cmd", "冯八"];
        csv_line(&mut out, &cells.map(String::from));
        assert_eq!(out, "\"a,b\",\"say \"\"hi\"\"\",'=1+1,+8613800138000,'-x,'-2+3+cmd,冯八\r\n");
    }
}
