//! The due lists: the overview, one list with its filters, its CSV export, and the one-tap
//! outcomes.

use chrono::{Duration, NaiveDate};
use maud::{Markup, html};
use warp::reply::Response;

use super::Query;
use crate::domain::care::{
    DueKind, MessageFacts, Outcome, age_on, dormant_cutoff, km_on, km_per_day, render_message,
};
use crate::domain::field::Problem;
use crate::domain::{Area, Customer, FieldErrors, Vehicle, VehicleId};
use crate::i18n::{Lang, Msg};
use crate::store::care::{self, DueEntry, Window};
use crate::store::inspections::{self, Deferred};
use crate::store::{StoreResult, customers, vehicles};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, encode, redirect_to};
use crate::web::html_response;
use crate::web::layout::{self, Field, csrf_field, notice};
use crate::web::show::Money;

/// Entries one page shows.
pub const PAGE_SIZE: usize = 50;
/// Rows one export holds at most.
const EXPORT_MAX: usize = 20_000;
/// Widest date range a list reads.
const MAX_RANGE_DAYS: i64 = 366;
/// The default months away for the dormant list.
pub const DORMANT_MONTHS: u32 = 12;

/// A list's filters as asked for, checked; what was typed is kept for the form.
pub(super) struct Filters {
    pub kind: DueKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub months: u32,
    pub with_snoozed: bool,
    pub page: usize,
    pub typed: [(&'static str, String); 3],
    pub errors: FieldErrors,
}

impl Filters {
    /// The default window: the date lists from 30 days ago to 30 days on, deferred work from
    /// the year before on (declined work stays worth a call for months), birthdays in the
    /// coming week, dormant customers last seen in the year before the cut-off.
    pub fn parse(kind: DueKind, q: &Query, today: NaiveDate) -> Filters {
        let mut errors = FieldErrors::new();
        let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
        let months = match get("months").as_str() {
            "" => DORMANT_MONTHS,
            m => match m.parse::<u32>() {
                Ok(n) if (1..=120).contains(&n) => n,
                _ => {
                    errors.add("months", Problem::with(Msg::NumberRange, &[&1, &120]));
                    DORMANT_MONTHS
                }
            },
        };
        let (def_from, def_to) = match kind {
            DueKind::Birthday => (today, today + Duration::days(6)),
            DueKind::Dormant => {
                let cutoff = dormant_cutoff(today, months);
                (cutoff - Duration::days(365), cutoff)
            }
            DueKind::Deferred => (today - Duration::days(330), today + Duration::days(30)),
            _ => (today - Duration::days(30), today + Duration::days(30)),
        };
        let mut date = |name: &'static str, default: NaiveDate| match get(name).as_str() {
            "" => default,
            raw => raw.parse::<NaiveDate>().unwrap_or_else(|_| {
                errors.add(name, Problem::new(Msg::DateInvalid));
                default
            }),
        };
        let mut from = date("from", def_from);
        let mut to = date("to", def_to);
        if kind == DueKind::Dormant {
            // Whoever came in after the cut-off is not dormant, whatever the dates say.
            to = to.min(def_to);
        }
        if errors.get("from").is_none()
            && errors.get("to").is_none()
            && (to < from || (to - from).num_days() >= MAX_RANGE_DAYS)
        {
            errors.add("to", Problem::new(Msg::CareRangeInvalid));
            (from, to) = (def_from, def_to);
        }
        let page = get("page").parse::<usize>().unwrap_or(1).clamp(1, 10_000);
        Filters {
            kind,
            from,
            to,
            months,
            with_snoozed: get("snoozed") == "1",
            page,
            typed: [("from", get("from")), ("to", get("to")), ("months", get("months"))],
            errors,
        }
    }

    fn window(&self, today: NaiveDate, skip: usize, limit: usize) -> Window {
        Window { from: self.from, to: self.to, today, with_snoozed: self.with_snoozed, skip, limit }
    }

    /// The filters as a query string (without the page), to come back to after an outcome.
    fn query(&self) -> String {
        let mut q = format!("from={}&to={}", self.from, self.to);
        if self.kind == DueKind::Dormant {
            q.push_str(&format!("&months={}", self.months));
        }
        if self.with_snoozed {
            q.push_str("&snoozed=1");
        }
        q
    }
}

/// One entry with what the page shows of it.
pub(super) struct Row {
    pub entry: DueEntry,
    pub due: NaiveDate,
    pub customer: Customer,
    pub vehicle: Option<Vehicle>,
    /// For the km list: the km expected today and the car's km a day.
    pub km_now: Option<(u32, f64)>,
    /// For the deferred work list: the findings the customer declined, newest first.
    pub deferred: Vec<Deferred>,
}

fn kind_of(code: &str) -> AppResult<DueKind> {
    DueKind::parse(code).ok_or(AppError::NotFound)
}

/// Reads the rows of one page (or an export) of a list: one range of the index, then the
/// records of the entries shown.
fn rows(
    tx: &redb::ReadTransaction,
    kind: DueKind,
    w: &Window,
    tz: chrono_tz::Tz,
) -> StoreResult<(Vec<Row>, usize)> {
    let (entries, total) = care::list(tx, kind, w)?;
    let mut out = Vec::with_capacity(entries.len());
    for (entry, due) in entries {
        let (vehicle, customer_id) = if kind.per_vehicle() {
            let Some(v) = vehicles::get(tx, VehicleId(entry.subject))? else { continue };
            let owner = v.customer_id;
            (Some(v), owner)
        } else {
            (None, crate::domain::CustomerId(entry.subject))
        };
        let Some(customer) = customers::get(tx, customer_id)? else { continue };
        let km_now = match (&vehicle, kind) {
            (Some(v), DueKind::ServiceKm) => {
                let readings = care::readings(tx, v, tz)?;
                km_on(&readings, w.today).map(|km| (km, km_per_day(&readings).unwrap_or(0.0)))
            }
            _ => None,
        };
        let deferred = match (&vehicle, kind) {
            (Some(v), DueKind::Deferred) => inspections::deferred_for_vehicle(tx, v.id)?,
            _ => vec![],
        };
        out.push(Row { entry, due, customer, vehicle, km_now, deferred });
    }
    Ok((out, total))
}

/// `GET /care`: every list and how many of its entries wait now.
pub(super) async fn overview(state: &AppState, ctx: &Ctx) -> AppResult<Response> {
    ctx.require(Area::Customers)?;
    let lang = ctx.lang;
    let today = ctx.today();
    let empty = Query::new();
    let filters: Vec<Filters> = DueKind::ALL.iter().map(|k| Filters::parse(*k, &empty, today)).collect();
    let (counts, calls) = state
        .store
        .read(move |tx| {
            let counts = filters
                .iter()
                .map(|f| Ok((f.kind, care::list(tx, f.kind, &f.window(today, 0, 0))?.1)))
                .collect::<StoreResult<Vec<_>>>()?;
            Ok((counts, crate::store::followups::count_due(tx, today)?))
        })
        .await?;
    let body = html! {
        div.page-head { h1 { (lang.t(Msg::CareTitle)) } }
        p.lead { (lang.t(Msg::CareLead)) }
        div.cards.care-cards {
            @for (kind, n) in &counts {
                a.card href={ "/care/" (kind.code()) } data-care-list=(kind.code()) data-count=(n) {
                    h3 { (lang.t(kind.label())) }
                    p.care-count { span.big { (n) } }
                }
            }
            a.card href="/care/followups" data-care-list="followups" data-count=(calls) {
                h3 { (lang.t(Msg::FollowUpTitle)) }
                p.care-count { span.big { (calls) } }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::CareTitle), body)))
}

/// `GET /care/{list}`: one page of a list with its filters.
pub(super) async fn list_page(state: &AppState, ctx: &Ctx, code: &str, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Customers)?;
    let kind = kind_of(code)?;
    let today = ctx.today();
    let filters = Filters::parse(kind, q, today);
    let w = filters.window(today, (filters.page - 1) * PAGE_SIZE, PAGE_SIZE);
    let tz = ctx.settings.tz();
    let (rows, total) = state.store.read(move |tx| rows(tx, kind, &w, tz)).await?;
    let saved = q.get("snoozed_until").and_then(|d| d.parse::<NaiveDate>().ok());
    let body = list_view(ctx, &filters, &rows, total, today, saved);
    let mut response = html_response(layout::page(ctx, ctx.lang.t(kind.label()), body));
    if !filters.errors.is_empty() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `GET /care/{list}/export.csv`: the whole filtered list (snoozed entries as asked).
pub(super) async fn export_csv(state: &AppState, ctx: &Ctx, code: &str, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Customers)?;
    let kind = kind_of(code)?;
    let lang = ctx.lang;
    let today = ctx.today();
    let filters = Filters::parse(kind, q, today);
    if !filters.errors.is_empty() {
        return Err(AppError::BadRequest);
    }
    let w = filters.window(today, 0, EXPORT_MAX);
    let tz = ctx.settings.tz();
    let (rows, _) = state.store.scan(move |tx| rows(tx, kind, &w, tz)).await?;
    let mut table = vec![
        ["list", "due", "plate", "vehicle", "customer", "phone", "detail", "snoozed_until"]
            .map(String::from)
            .to_vec(),
    ];
    for r in &rows {
        table.push(vec![
            kind.code().to_string(),
            r.due.to_string(),
            r.vehicle.as_ref().map(|v| v.details.plate.to_string()).unwrap_or_default(),
            r.vehicle.as_ref().map(|v| v.details.title()).unwrap_or_default(),
            r.customer.details.name.clone(),
            r.customer.details.phone.as_str().to_string(),
            detail(lang, r),
            r.entry.snoozed_until.map(|d| d.to_string()).unwrap_or_default(),
        ]);
    }
    Ok(crate::web::csv::attachment(&format!("care-{}-{today}.csv", kind.code()), &table))
}

/// `POST /care/{list}/{id}/outcome`: what came of the entry goes into the customer's contact
/// history and the entry sleeps for the outcome's days. An htmx request gets the entry's
/// card back as done; a plain form goes back to the list.
pub(super) async fn outcome(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    subject: u64,
    body: &[u8],
) -> AppResult<Response> {
    let user = ctx.require(Area::Customers)?;
    let form = ctx.form(body)?;
    let kind = kind_of(code)?;
    let outcome = Outcome::parse(form.get("outcome")).ok_or(AppError::BadRequest)?;
    let lang = ctx.lang;
    let today = ctx.today();
    let who = state
        .store
        .read(move |tx| {
            Ok(if kind.per_vehicle() {
                vehicles::get(tx, VehicleId(subject))?.map(|v| v.details.plate.to_string())
            } else {
                customers::get(tx, crate::domain::CustomerId(subject))?.map(|c| c.details.name)
            })
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let summary = lang.fmt(Msg::CareSummary, &[&lang.t(kind.label()), &lang.t(outcome.label()), &who]);
    let shown = who.clone();
    let actor = user.actor();
    let (_, until) = state
        .store
        .write(move |tx| care::record_outcome_tx(tx, &actor, kind, subject, outcome, summary.clone(), today))
        .await?;
    if ctx.htmx {
        let done = html! {
            article.care-entry.done data-entry=(subject) data-outcome=(outcome.code()) {
                p { strong { (shown) } " · " (lang.t(outcome.label())) " · " (lang.fmt(Msg::CareOutcomeSaved, &[&until])) }
            }
        };
        return Ok(html_response(done));
    }
    let back: String = form
        .get("back")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '=' | '&' | '-'))
        .collect();
    Ok(redirect_to(&format!("/care/{}?{back}&snoozed_until={until}", kind.code()), false))
}

/// The tabs over every list: the due lists, then the follow-up calls (`current` is `None`).
pub(super) fn tabs(lang: Lang, current: Option<DueKind>) -> Markup {
    html! {
        nav.care-tabs.no-print {
            @for k in DueKind::ALL {
                a href={ "/care/" (k.code()) } aria-current=[(Some(*k) == current).then_some("page")] { (lang.t(k.label())) }
            }
            a href="/care/followups" data-tab="followups" aria-current=[current.is_none().then_some("page")] { (lang.t(Msg::FollowUpTitle)) }
        }
    }
}

/// What the list says about an entry besides its due day.
fn detail(lang: Lang, r: &Row) -> String {
    match r.entry.kind {
        DueKind::ServiceKm => {
            let target = r.vehicle.as_ref().and_then(|v| v.details.next_service_km).unwrap_or(0);
            let now = r
                .km_now
                .map(|(km, rate)| lang.fmt(Msg::CareExpectedKm, &[&km, &format!("{rate:.0}")]))
                .unwrap_or_default();
            format!("{} {target} km · {now}", lang.t(Msg::NextServiceKm))
        }
        DueKind::ServiceDate | DueKind::Inspection => r
            .vehicle
            .as_ref()
            .and_then(|v| v.details.mileage)
            .map(|km| format!("{} {km} km", lang.t(Msg::Mileage)))
            .unwrap_or_default(),
        DueKind::Insurance => r.vehicle.as_ref().map(|v| v.details.insurer.clone()).unwrap_or_default(),
        DueKind::Birthday => r
            .customer
            .details
            .birthday
            .map(|b| lang.fmt(Msg::CareTurns, &[&age_on(b, r.due)]))
            .unwrap_or_default(),
        DueKind::Dormant => format!("{} {}", lang.t(Msg::CareLastVisit), r.due),
        DueKind::Deferred => r
            .deferred
            .iter()
            .map(|d| {
                let (work, total) = d.line.clone().unwrap_or_default();
                let label = match d.item.rating {
                    Some(rating) => format!("{}（{}）", d.item.item.label, lang.t(rating.label())),
                    None => d.item.item.label.clone(),
                };
                lang.fmt(Msg::CareDeferredFrom, &[&label, &work, &d.order_number, &Money(total)])
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// How far the due day is from today, in words.
fn relative(lang: Lang, due: NaiveDate, today: NaiveDate) -> String {
    let days = (due - today).num_days();
    match days {
        0 => lang.t(Msg::CareToday).to_string(),
        d if d < 0 => lang.fmt(Msg::CareOverdue, &[&-d]),
        d => lang.fmt(Msg::CareInDays, &[&d]),
    }
}

fn list_view(
    ctx: &Ctx,
    f: &Filters,
    rows: &[Row],
    total: usize,
    today: NaiveDate,
    saved: Option<NaiveDate>,
) -> Markup {
    let lang = ctx.lang;
    let kind = f.kind;
    let typed = |name: &str| f.typed.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str()).unwrap_or("");
    let from = if typed("from").is_empty() { f.from.to_string() } else { typed("from").to_string() };
    let to = if typed("to").is_empty() { f.to.to_string() } else { typed("to").to_string() };
    let months = if typed("months").is_empty() { f.months.to_string() } else { typed("months").to_string() };
    let query = f.query();
    let shown_to = (f.page - 1) * PAGE_SIZE + rows.len();
    html! {
        div.page-head {
            h1 { (lang.t(kind.label())) " " span.badge data-total=(total) { (lang.fmt(Msg::CareCount, &[&total])) } }
            div.actions.no-print {
                a.button.secondary href="/care" { (lang.t(Msg::CareTitle)) }
                a.button.secondary href={ "/care/" (kind.code()) "/export.csv?" (query) } data-export="csv" { (lang.t(Msg::ExportCsv)) }
            }
        }
        @if let Some(until) = saved { (notice("ok", &lang.fmt(Msg::CareOutcomeSaved, &[&until]))) }
        (tabs(lang, Some(kind)))
        form.filters.care-filters method="get" action={ "/care/" (kind.code()) } {
            (Field::text("from", lang.t(Msg::CareFrom), &from).kind("date").render(lang, &f.errors))
            (Field::text("to", lang.t(Msg::CareTo), &to).kind("date").render(lang, &f.errors))
            @if kind == DueKind::Dormant {
                (Field::text("months", lang.t(Msg::CareMonths), &months).kind("number").render(lang, &f.errors))
            }
            label.check { input type="checkbox" name="snoozed" value="1" checked[f.with_snoozed]; " " (lang.t(Msg::CareShowSnoozed)) }
            button type="submit" { (lang.t(Msg::ApplyFilters)) }
        }
        @if rows.is_empty() {
            p.muted.care-empty { (lang.t(Msg::CareEmpty)) }
        }
        div.care-list {
            @for r in rows { (entry_card(ctx, kind, r, today, &query)) }
        }
        @if total > shown_to {
            div.pager.no-print {
                p.muted { (lang.fmt(Msg::CareMore, &[&(total - shown_to)])) }
                a.button.secondary href={ "/care/" (kind.code()) "?" (query) "&page=" (f.page + 1) } rel="next" { "→" }
            }
        }
    }
}

fn entry_card(ctx: &Ctx, kind: DueKind, r: &Row, today: NaiveDate, query: &str) -> Markup {
    let lang = ctx.lang;
    let c = &r.customer;
    let facts = MessageFacts {
        name: c.details.name.clone(),
        plate: r.vehicle.as_ref().map(|v| v.details.plate.to_string()).unwrap_or_default(),
        due: r.due.to_string(),
        shop_name: ctx.settings.shop_name.clone(),
        shop_phone: ctx.settings.shop_phone.clone(),
    };
    let message = render_message(kind, lang, &facts);
    let id = r.entry.subject;
    let msg_id = format!("msg-{id}");
    let overdue = r.due < today && !matches!(kind, DueKind::Dormant);
    html! {
        article.care-entry data-entry=(id) data-due=(r.due) {
            div.care-due.overdue[overdue] {
                strong { (r.due) }
                @if kind != DueKind::Dormant { div.muted { (relative(lang, r.due, today)) } }
            }
            div.care-who {
                @if let Some(v) = &r.vehicle {
                    a.plate href={ "/vehicles/" (v.id) } { (v.details.plate) } " "
                    span.muted { (v.details.title()) }
                    br;
                }
                a href={ "/customers/" (c.id) } { (c.details.name) } " · "
                a.tel href={ "tel:" (c.details.phone.as_str()) } { (c.details.phone) }
                div.muted { (detail(lang, r)) }
                @if let Some(until) = r.entry.snoozed_until.filter(|u| *u >= today) {
                    span.badge { (lang.fmt(Msg::CareSnoozedUntil, &[&until])) }
                }
            }
            form.care-outcomes method="post" action={ "/care/" (kind.code()) "/" (id) "/outcome" }
                hx-post={ "/care/" (kind.code()) "/" (id) "/outcome" } hx-target="closest .care-entry" hx-swap="outerHTML" {
                (csrf_field(ctx))
                input type="hidden" name="back" value=(query);
                @for o in Outcome::ALL {
                    @if *o == Outcome::Booked {
                        // Booking leads to the booking form; the outcome is recorded with it.
                        a.button.secondary href=(book_href(kind, id)) data-outcome-link=(o.code()) { (lang.t(o.label())) }
                    } @else {
                        button.secondary type="submit" name="outcome" value=(o.code()) { (lang.t(o.label())) }
                    }
                }
            }
            details.care-message {
                summary { (lang.t(Msg::CareMessage)) }
                textarea id=(msg_id) readonly rows="3" { (message) }
                button.secondary type="button" data-copy=(msg_id) { (lang.t(Msg::CareCopy)) }
            }
        }
    }
}

/// The booking form for an entry: its car (or its customer), the list and the entry, so the
/// booking records the outcome.
fn book_href(kind: DueKind, subject: u64) -> String {
    let who = if kind.per_vehicle() { "vehicle_id" } else { "customer_id" };
    format!("/appointments/new?{who}={subject}&care={}&subject={subject}", kind.code())
}

/// The list's address with its default filters, for links from elsewhere.
pub fn href(kind: DueKind) -> String {
    format!("/care/{}", encode(kind.code()))
}
