//! The vehicle list (GET /vehicles): every vehicle newest first, or those whose plate or VIN
//! begins with what was typed or whose make contains it. Each page is one key range of an index
//! (`?after=` carries where the next begins), so the ten-years data pages as fast as the demo.

use maud::html;
use warp::reply::Response;

use super::Query;
use crate::domain::{Area, Customer, CustomerId, Vehicle};
use crate::i18n::Msg;
use crate::store::customers;
use crate::store::vehicles::{self, SearchBy};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppResult, encode};
use crate::web::html_response;
use crate::web::layout;
use crate::web::show::Grouped;

/// Vehicles on one page.
const PAGE: usize = 50;

pub(super) async fn list_page(state: &AppState, ctx: &Ctx, q: &Query) -> AppResult<Response> {
    ctx.require(Area::Vehicles)?;
    let lang = ctx.lang;
    // The plate field of older links and bookmarks searches too.
    let text = q.get("q").or_else(|| q.get("plate")).map(|t| t.trim().to_string()).unwrap_or_default();
    let chosen = q.get("by").and_then(|b| SearchBy::parse(b));
    let after = q.get("after").cloned().filter(|a| !a.is_empty());
    let (text2, after2) = (text.clone(), after.clone());
    let (by, page, owners) = state
        .store
        .read(move |tx| {
            let by = match chosen {
                Some(by) => Some(by),
                None if text2.is_empty() => None,
                None => Some(vehicles::guess_search(&text2, &vehicles::makes_seen(tx)?)),
            };
            let page = vehicles::list(tx, by, &text2, after2.as_deref(), PAGE)?;
            let mut owners: Vec<(CustomerId, Customer)> = Vec::new();
            for v in &page.vehicles {
                if !owners.iter().any(|(id, _)| *id == v.customer_id)
                    && let Some(c) = customers::get(tx, v.customer_id)?
                {
                    owners.push((v.customer_id, c));
                }
            }
            Ok((by, page, owners))
        })
        .await?;
    let owner = |v: &Vehicle| owners.iter().find(|(id, _)| *id == v.customer_id).map(|(_, c)| c);
    let link = |after: &str| {
        let mut params = vec![("q", text.as_str()), ("after", after)];
        if let Some(by) = chosen {
            params.push(("by", by.code()));
        }
        let qs: Vec<String> =
            params.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", encode(v))).collect();
        format!("/vehicles?{}", qs.join("&"))
    };
    let by_choices = [
        ("", lang.t(Msg::SearchByAny)),
        ("plate", lang.t(Msg::Plate)),
        ("vin", lang.t(Msg::Vin)),
        ("make", lang.t(Msg::Make)),
    ];
    let body = html! {
        div.page-head {
            h1 { (lang.t(Msg::NavVehicles)) }
            div.actions { a.button href="/vehicles/new" { "+ " (lang.t(Msg::NewVehicle)) } }
        }
        form.search-form method="get" action="/vehicles" role="search" {
            div.searchbox {
                input type="search" name="q" value=(text) placeholder=(lang.t(Msg::VehicleSearchHint))
                    aria-label=(lang.t(Msg::VehicleSearchHint)) autocomplete="off";
                select.search-by name="by" aria-label=(lang.t(Msg::SearchBy)) {
                    @for (code, label) in by_choices {
                        option value=(code) selected[chosen.map(|b| b.code()).unwrap_or("") == code] { (label) }
                    }
                }
                button type="submit" { (lang.t(Msg::Search)) }
            }
        }
        @if let (Some(by), None) = (by, chosen) {
            p.muted.small data-search-by=(by.code()) {
                (lang.t(Msg::SearchBy)) ": " (lang.t(match by { SearchBy::Plate => Msg::Plate, SearchBy::Vin => Msg::Vin, SearchBy::Make => Msg::Make }))
            }
        }
        @if page.vehicles.is_empty() {
            p.empty { (lang.t(Msg::NoVehiclesFound)) }
        } @else {
            div.table-wrap {
                table.rows.vehicle-list {
                    thead { tr {
                        th { (lang.t(Msg::Plate)) } th { (lang.t(Msg::Vehicle)) } th { (lang.t(Msg::Owner)) }
                        th { (lang.t(Msg::Vin)) } th.num { (lang.t(Msg::Mileage)) }
                    } }
                    tbody {
                        @for v in &page.vehicles {
                            tr data-vehicle=(v.id) {
                                td.nowrap { a.plate href={ "/vehicles/" (v.id) } { (v.details.plate) } }
                                td { (v.details.title()) }
                                td { @if let Some(c) = owner(v) { a href={ "/customers/" (c.id) } { (c.details.name) } } }
                                td.nowrap.muted { (v.details.vin.as_ref().map(|x| x.as_str()).unwrap_or("")) }
                                td.num.nowrap { @if let Some(m) = v.details.mileage { (lang.fmt(Msg::Km, &[&Grouped(m)])) } }
                            }
                        }
                    }
                }
            }
        }
        @if after.is_some() || page.next.is_some() {
            nav.pager aria-label=(lang.t(Msg::Pages)) {
                @if after.is_some() { a.button.secondary href=(link("")) { (lang.t(Msg::FirstPage)) } }
                @if let Some(next) = &page.next { a.button.secondary rel="next" href=(link(next)) data-next { (lang.t(Msg::Next)) " ›" } }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::NavVehicles), body)))
}
