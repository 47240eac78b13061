//! The home page: one card per area the user's roles allow, and for managers the shop at a
//! glance ([`super::reports::glance`]). Areas whose module has not landed yet show as "coming
//! soon" cards without a link, so there are no dead links.

use std::collections::HashMap;

use maud::html;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::ctx::Ctx;
use super::error::AppResult;
use super::layout::{self, notice};
use super::{AppState, html_response, run};
use crate::domain::Area;
use crate::i18n::Msg;

/// Per area: title, description, and the page it opens once its module exists.
const CARDS: &[(Area, Msg, Msg, Option<&str>)] = &[
    (Area::Reception, Msg::NavReception, Msg::CardReception, Some("/lookup")),
    (Area::Orders, Msg::NavOrders, Msg::CardOrders, Some("/orders")),
    (Area::Customers, Msg::NavCustomers, Msg::CardCustomers, Some("/customers")),
    (Area::Vehicles, Msg::NavVehicles, Msg::CardVehicles, Some("/vehicles")),
    (Area::MyJobs, Msg::NavMyJobs, Msg::CardMyJobs, Some("/t")),
    (Area::Board, Msg::NavBoard, Msg::CardBoard, Some("/board")),
    (Area::Checkout, Msg::NavCheckout, Msg::CardCheckout, Some("/checkout")),
    (Area::Parts, Msg::NavParts, Msg::CardParts, Some("/parts")),
    (Area::Reports, Msg::NavReports, Msg::CardReports, Some("/reports")),
    (Area::Templates, Msg::NavTemplates, Msg::CardTemplates, Some("/templates")),
    (Area::Admin, Msg::NavUsers, Msg::CardUsers, Some("/admin/users")),
    (Area::Admin, Msg::NavSettings, Msg::CardSettings, Some("/admin/settings")),
    (Area::Admin, Msg::NavAudit, Msg::CardAudit, Some("/admin/audit")),
];

pub fn routes(state: std::sync::Arc<AppState>) -> BoxedFilter<(Response,)> {
    warp::path::end()
        .and(warp::get())
        .and(super::ctx::ctx(state.clone()))
        .and(warp::query::<HashMap<String, String>>().or(warp::any().map(HashMap::new)).unify())
        .then(move |ctx: Ctx, q: HashMap<String, String>| {
            let state = state.clone();
            async move {
                let note = q.get("notice").and_then(|n| super::auth::notice_msg(n));
                let result = home(&state, &ctx, note).await;
                run(&ctx, result)
            }
        })
        .boxed()
}

async fn home(state: &AppState, ctx: &Ctx, note: Option<Msg>) -> AppResult<Response> {
    let user = ctx.user()?;
    let lang = ctx.lang;
    let roles = user.user.roles;
    // The desk and the parts clerk see the parts asked for from the floor.
    let requests = if roles.may(Area::Orders) || roles.may(Area::Parts) {
        state.store.read(crate::store::orders::open_requests).await?
    } else {
        vec![]
    };
    // Managers see the shop at a glance first.
    let glance =
        if roles.may(Area::Reports) { Some(super::reports::glance::gather(state, ctx).await?) } else { None };
    let care = super::care::home_panel(state, ctx).await?;
    let body = html! {
        h1 { (lang.fmt(Msg::HomeGreeting, &[&user.user.display_name])) }
        p.lead { (lang.t(Msg::HomeLead)) }
        @if let Some(msg) = note { (notice("ok", lang.t(msg))) }
        @if let Some(g) = &glance { (super::reports::glance::panel(ctx, g)) }
        @if let Some(panel) = care { (panel) }
        @if !requests.is_empty() {
            section.panel.requests-home {
                h2 { (lang.t(Msg::OpenRequests)) " " span.badge.warn { (requests.len()) } }
                ul.timeline {
                    @for (o, r) in &requests {
                        li {
                            strong { (r.text) } " × " (r.qty)
                            " · "
                            @if roles.may(Area::Orders) || roles.may(Area::Checkout) {
                                a href={ "/orders/" (o.id) } { (o.number) }
                            } @else {
                                (o.number)
                            }
                            div.muted { (r.by_name) " · " (super::show::LocalTime::new(r.at, ctx.settings.tz())) }
                            (super::orders::request_form(ctx, o, r, "/"))
                        }
                    }
                }
            }
        }
        div.cards {
            @for (area, title, text, href) in CARDS.iter().filter(|c| roles.may(c.0)) {
                @let _ = area;
                @if let Some(href) = href {
                    a.card href=(href) { h3 { (lang.t(*title)) } p { (lang.t(*text)) } }
                } @else {
                    div.card.soon {
                        h3 { (lang.t(*title)) }
                        p { (lang.t(*text)) }
                        span.badge { (lang.t(Msg::ComingSoon)) }
                    }
                }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::Home), body)))
}
