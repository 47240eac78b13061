//! Parts asked for from the floor (POST /orders/{id}/requests/{no}): the desk or the parts
//! clerk adds one as a line at a price, or dismisses it.

use std::sync::Arc;

use maud::{Markup, html};
use rust_decimal::Decimal;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::{Change, begin, body, ctx, done};
use crate::domain::work_order::{PartRequest, RequestStatus};
use crate::domain::{Area, OrderId, Roles, WorkOrder};
use crate::i18n::Msg;
use crate::store::orders;
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::layout::csrf_field;
use crate::web::show::LocalTime;

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    warp::path!("orders" / u64 / "requests" / u32)
        .and(warp::post())
        .and(ctx(state))
        .and(body())
        .then(handler!(state, ctx, |id: u64, no: u32, ctx: Ctx, body: Bytes| resolve_request(
            &state,
            &ctx,
            OrderId(id),
            no,
            &body
        )))
        .boxed()
}

/// Parts requests are handled by the desk or the parts clerk.
fn desk_or_parts(roles: Roles) -> bool {
    roles.may(Area::Orders) || roles.may(Area::Parts)
}

/// POST /orders/{id}/requests/{no}: `decision` is `add` (with `unit_price`) or `dismiss`; `back`
/// is `/` when the answer came from the home page.
async fn resolve_request(
    state: &AppState,
    ctx: &Ctx,
    id: OrderId,
    no: u32,
    body: &[u8],
) -> AppResult<Response> {
    let Change { user, form, .. } = begin(state, ctx, id, body, desk_or_parts).await?;
    let price = match form.get("decision") {
        "dismiss" => None,
        "add" => {
            let typed = form.get("unit_price");
            match crate::domain::field::decimal_in(typed, 2, Decimal::ZERO, Decimal::from(1_000_000)) {
                Ok(p) => Some(p),
                Err(_) => return Err(AppError::Refused(Msg::DecimalInvalid)),
            }
        }
        _ => return Err(AppError::BadRequest),
    };
    let actor = user.actor();
    state.store.write_touching(move |tx, t| orders::resolve_request_tx(tx, t, &actor, id, no, price)).await?;
    if form.get("back") == "/" {
        return Ok(redirect_to("/", ctx.htmx));
    }
    done(state, ctx, id, "request").await
}

/// Parts asked for from the floor; the desk and the parts clerk turn them into lines.
pub(super) fn requests_section(
    ctx: &Ctx,
    o: &WorkOrder,
    people: &[crate::domain::User],
    may_resolve: bool,
) -> Markup {
    let lang = ctx.lang;
    let tz = ctx.settings.tz();
    html! {
        @if !o.part_requests.is_empty() {
            section.panel id="requests" {
                h2 { (lang.t(Msg::PartsRequestTitle)) }
                ul.timeline {
                    @for r in o.part_requests.iter().rev() {
                        li {
                            strong { (r.text) } " × " (r.qty) " " (crate::web::floor::request_badge(lang, r))
                            div.muted { (crate::web::show::person(people, r.by, &r.by_name)) " · " (LocalTime::new(r.at, tz)) }
                            @if may_resolve && r.status == RequestStatus::Open && o.state.is_editable() {
                                (request_form(ctx, o, r, ""))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Add a requested part as a line at a price, or dismiss the request.
pub fn request_form(ctx: &Ctx, o: &WorkOrder, r: &PartRequest, back: &str) -> Markup {
    let lang = ctx.lang;
    html! {
        form.inline-form method="post" action={ "/orders/" (o.id) "/requests/" (r.no) } {
            (csrf_field(ctx))
            input type="hidden" name="back" value=(back);
            input type="text" inputmode="decimal" name="unit_price" placeholder=(lang.t(Msg::UnitPrice)) aria-label=(lang.t(Msg::UnitPrice));
            button.secondary type="submit" name="decision" value="add" { (lang.t(Msg::AddAsLine)) }
            button.linklike type="submit" name="decision" value="dismiss" { (lang.t(Msg::Dismiss)) }
        }
    }
}
