//! The customer list: quick search and filters, paging, the compact picker, and the CSV export
//! of what the list shows.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use maud::{Markup, html};
use warp::reply::Response;

use super::Query;
use super::page::status_badge;
use crate::domain::customer::optional_date;
use crate::domain::settings::choice_label;
use crate::domain::{Area, CustomerId, CustomerKind, CustomerStatus, FieldErrors};
use crate::i18n::{Lang, Msg};
use crate::store::{CustomerFilter, CustomerRow, Page, customers, vehicles};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppResult, encode};
use crate::web::html_response;
use crate::web::layout::{self, Field, csrf_field, notice, select};

pub const PAGE_SIZE: usize = 25;

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

pub(super) fn list_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
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
pub(super) fn pick(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
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

/// The list with its current filters, every page, as a table with a header row: what both
/// exports write.
pub async fn export_rows(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Vec<Vec<String>>> {
    let (text, filter) = filter_of(ctx, q);
    let ids: Vec<CustomerId> = state
        .store
        .search(|index| index.search(&text, &filter, 0, usize::MAX).rows.into_iter().map(|r| r.id).collect());
    let rows = state
        .store
        .scan(move |tx| {
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

/// CSV export of the list with its current filters (see [`crate::web::csv`]).
pub(super) async fn export_csv(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Customers)?;
    let table = export_rows(state, ctx, q).await?;
    Ok(crate::web::csv::attachment(&format!("customers-{}.csv", ctx.today()), &table))
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
