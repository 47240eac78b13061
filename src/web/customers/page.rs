//! One customer's page: details, what they spent, their vehicles, contact history, status.

use chrono::{DateTime, NaiveDate, Utc};
use maud::{Markup, html};
use warp::reply::Response;

use super::Query;
use crate::domain::settings::choice_label;
use crate::domain::vehicle::{Due, due};
use crate::domain::{
    Area, ContactKind, Customer, CustomerId, CustomerKind, CustomerStatus, OrderState, Vehicle,
};
use crate::i18n::{Lang, Msg};
use crate::store::{customers, vehicles};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult};
use crate::web::html_response;
use crate::web::layout::{self, csrf_field, notice};
use crate::web::show::{LocalTime, Money, StateBadge};

pub(super) fn status_badge(lang: Lang, status: CustomerStatus) -> Markup {
    let class = match status {
        CustomerStatus::Active => "badge ok",
        CustomerStatus::Dormant => "badge warn",
        CustomerStatus::Invalid => "badge bad",
    };
    html! { span class=(class) { (lang.t(status.label())) } }
}

/// How many of a customer's latest orders their page lists.
const SHOWN_ORDERS: usize = 20;

struct CustomerView {
    customer: Customer,
    vehicles: Vec<Vehicle>,
    contacts: Vec<crate::domain::ContactEntry>,
    /// The newest [`SHOWN_ORDERS`], newest first.
    orders: Vec<crate::domain::WorkOrder>,
    /// Their orders that were not cancelled, all of them.
    visits: usize,
    /// Their payments, oldest first: what they spent is what they paid.
    payments: Vec<crate::domain::checkout::Payment>,
    /// What they owe on account.
    owed: rust_decimal::Decimal,
}

pub(super) async fn view_page(state: &AppState, ctx: &Ctx, id: CustomerId, q: &Query) -> AppResult<Response> {
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
            let (orders, visits) = crate::store::orders::recent_for_customer(tx, id, SHOWN_ORDERS)?;
            let payments = crate::store::checkout::customer_payments(tx, id)?;
            let owed = crate::store::checkout::day::owed(tx, id)?;
            Ok(Some(CustomerView { customer, vehicles: list, contacts, orders, visits, payments, owed }))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let note = q.get("notice").and_then(|n| crate::web::auth::notice_msg(n)).or_else(|| {
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
    let appointments = crate::web::appointments::owner_panel(state, ctx, None, Some(id)).await?;
    Ok(html_response(layout::page(
        ctx,
        &view.customer.details.name,
        customer_body(ctx, &view, note, refused, is_admin, appointments),
    )))
}

fn customer_body(
    ctx: &Ctx,
    view: &CustomerView,
    note: Option<Msg>,
    refused: Option<Msg>,
    is_admin: bool,
    appointments: Markup,
) -> Markup {
    let lang = ctx.lang;
    let c = &view.customer;
    let d = &c.details;
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
                @if ctx.user.as_ref().is_some_and(|u| u.user.roles.may(Area::Checkout)) {
                    a.button.secondary href={ "/customers/" (c.id) "/statement" } data-statement-link=(c.id) { (lang.t(Msg::OpenStatement)) }
                }
                (crate::web::admin::history_link(ctx, &format!("customer:{}", c.id)))
            }
        }
        @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
        @if let Some(msg) = refused { (notice("error", lang.t(msg))) }
        div.columns {
            (details_panel(ctx, view))
            (consumption_panel(ctx, view))
        }
        (vehicles_panel(ctx, view))
        (appointments)
        (contacts_panel(ctx, view))
        (status_panel(ctx, view, is_admin))
    }
}

/// In the shop's time zone, to the minute.
fn local(ctx: &Ctx, at: &DateTime<Utc>) -> String {
    LocalTime::new(*at, ctx.settings.tz()).to_string()
}

fn details_panel(ctx: &Ctx, view: &CustomerView) -> Markup {
    let lang = ctx.lang;
    let c = &view.customer;
    let d = &c.details;
    let local = |at: &DateTime<Utc>| local(ctx, at);
    let dash = |s: &str| if s.is_empty() { "—".to_string() } else { s.to_string() };
    html! {
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
            dt { (lang.t(Msg::CustomerSince)) } dd { (local(&c.created_at)) }
        }
        @if !d.notes.is_empty() { p.notes { (d.notes) } }
    }
    }
}

/// Visits, total spent and the latest work orders.
fn consumption_panel(ctx: &Ctx, view: &CustomerView) -> Markup {
    let lang = ctx.lang;
    let local = |at: &DateTime<Utc>| local(ctx, at);
    html! {
    section.panel {
        h2 { (lang.t(Msg::Consumption)) }
        @let visits = view.visits;
        @let total_spent = spent(&view.payments, None);
        dl.details {
            dt { (lang.t(Msg::Visits)) } dd { (visits) }
            dt { (lang.t(Msg::TotalSpent)) } dd data-spent=(total_spent) { (Money(total_spent)) }
            dt { (lang.t(Msg::OwesOnAccount)) } dd data-owed=(view.owed) { (Money(view.owed)) }
            dt { (lang.t(Msg::LastVisit)) } dd { (view.orders.first().map(|o| local(&o.created_at)).unwrap_or("—".into())) }
        }
        @if view.orders.is_empty() {
            p.muted { (lang.t(Msg::NoOrdersYet)) }
        } @else {
            ul.timeline { @for o in &view.orders {
                li {
                    a href={ "/orders/" (o.id) } { (o.number) } " " (StateBadge(lang, o.state))
                    @if matches!(o.state, OrderState::Settled | OrderState::Delivered) { " " (Money(spent(&view.payments, Some(o.id)))) }
                    div.muted { (local(&o.created_at)) " · " (o.reception.complaint.chars().take(40).collect::<String>()) }
                }
            } }
        }
    }
    }
}

/// What was paid for orders (on account included: it is owed), voids taken off; for one order
/// or all of them. Repayments of a receivable are not counted again.
fn spent(
    payments: &[crate::domain::checkout::Payment],
    order: Option<crate::domain::OrderId>,
) -> rust_decimal::Decimal {
    use crate::domain::checkout::PaymentKind;
    payments
        .iter()
        .filter(|p| p.kind == PaymentKind::Order && (order.is_none() || p.order == order))
        .map(|p| p.amount)
        .sum()
}

fn vehicles_panel(ctx: &Ctx, view: &CustomerView) -> Markup {
    let lang = ctx.lang;
    let today = ctx.today();
    html! {
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
                        td.nowrap { (v.details.mileage.map(|m| lang.fmt(Msg::Km, &[&crate::web::show::Grouped(m)])).unwrap_or("—".into())) }
                        td { (due_badges(lang, &v.details, today)) }
                    }
                } }
            } }
        }
    }
    }
}

fn contacts_panel(ctx: &Ctx, view: &CustomerView) -> Markup {
    let lang = ctx.lang;
    let c = &view.customer;
    let local = |at: &DateTime<Utc>| local(ctx, at);
    html! {
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
                    div.muted { (local(&entry.at)) " · " (entry.by_name) }
                }
            } }
        }
    }
    }
}

/// The status form and, for administrators, the delete button.
fn status_panel(ctx: &Ctx, view: &CustomerView, is_admin: bool) -> Markup {
    let lang = ctx.lang;
    let c = &view.customer;
    html! {
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
