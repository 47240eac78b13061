//! Parts of an order's lines and the stockroom: issuing a catalog part line from stock
//! (POST /orders/{id}/lines/{no}/issue), returning what was issued
//! (POST /orders/{id}/lines/{no}/return), and marking a line as not needed from stock
//! (POST /orders/{id}/lines/{no}/unused). The desk does it from the order page, the parts
//! clerk from the "to pick" list (`back=pick`).

use std::sync::Arc;

use chrono::Utc;
use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::page::{Forms, order_page};
use super::{Change, begin, body, ctx};
use crate::domain::field::required_text;
use crate::domain::stock::quantity;
use crate::domain::{Area, FieldErrors, Line, OrderId, Roles};
use crate::i18n::Msg;
use crate::store::{StoreError, orders};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppResult, redirect_to};
use crate::web::layout::csrf_field;

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let issue = warp::path!("orders" / u64 / "lines" / u32 / "issue")
        .and(warp::post())
        .and(ctx(state))
        .and(body())
        .then(handler!(state, ctx, |id: u64, no: u32, ctx: Ctx, body: Bytes| issue(
            &state,
            &ctx,
            OrderId(id),
            no,
            &body
        )));
    let back = warp::path!("orders" / u64 / "lines" / u32 / "return")
        .and(warp::post())
        .and(ctx(state))
        .and(body())
        .then(handler!(state, ctx, |id: u64, no: u32, ctx: Ctx, body: Bytes| give_back(
            &state,
            &ctx,
            OrderId(id),
            no,
            &body
        )));
    let unused = warp::path!("orders" / u64 / "lines" / u32 / "unused")
        .and(warp::post())
        .and(ctx(state))
        .and(body())
        .then(handler!(state, ctx, |id: u64, no: u32, ctx: Ctx, body: Bytes| unused(
            &state,
            &ctx,
            OrderId(id),
            no,
            &body
        )));
    issue.or(back).unify().or(unused).unify().boxed()
}

/// Parts leave the stockroom for the desk or the parts clerk.
pub(super) fn desk_or_parts(roles: Roles) -> bool {
    roles.may(Area::Orders) || roles.may(Area::Parts)
}

/// Where to go after a stock action: the "to pick" list it came from, or the order.
fn after(ctx: &Ctx, id: OrderId, back: &str, code: &str) -> AppResult<Response> {
    if back == "pick" {
        Ok(redirect_to(&format!("/parts/pick?notice={code}"), ctx.htmx))
    } else {
        Ok(redirect_to(&format!("/orders/{id}?notice={code}"), ctx.htmx))
    }
}

/// The refused stock action: on the order page beside its line, or on the pick list.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    view: &super::page::OrderView,
    back: &str,
    no: u32,
    typed: String,
    errors: FieldErrors,
) -> AppResult<Response> {
    if back == "pick" {
        return crate::web::parts::pick::page(state, ctx, None, Some((view.order.id, no, typed, errors)))
            .await;
    }
    Ok(order_page(ctx, view, None, &Forms { stock: Some((no, typed, errors)), ..Default::default() }))
}

/// POST /orders/{id}/lines/{no}/issue: `qty` (empty: all that is still needed), `back`.
async fn issue(state: &AppState, ctx: &Ctx, id: OrderId, no: u32, body: &[u8]) -> AppResult<Response> {
    let Change { user, form, view } = begin(state, ctx, id, body, desk_or_parts).await?;
    let back = form.owned("back");
    let typed = form.owned("qty");
    let qty = match typed.trim() {
        "" => None,
        t => match quantity(t) {
            Ok(q) => Some(q),
            Err(p) => return refused(state, ctx, &view, &back, no, typed, FieldErrors::one("qty", p)).await,
        },
    };
    let actor = user.actor();
    let allow_negative = ctx.settings.allow_negative_stock;
    let result = state
        .store
        .write_touching(move |tx, t| {
            orders::issue_line_tx(tx, t, &actor, id, no, qty, allow_negative, Utc::now())
        })
        .await;
    match result {
        Ok(_) => after(ctx, id, &back, "issued"),
        Err(StoreError::Invalid(e)) => refused(state, ctx, &view, &back, no, typed, e).await,
        Err(e) => Err(e.into()),
    }
}

/// POST /orders/{id}/lines/{no}/return: `qty` and `reason`.
async fn give_back(state: &AppState, ctx: &Ctx, id: OrderId, no: u32, body: &[u8]) -> AppResult<Response> {
    let Change { user, form, view } = begin(state, ctx, id, body, desk_or_parts).await?;
    let back = form.owned("back");
    let typed = form.owned("qty");
    let mut errors = FieldErrors::new();
    let qty = errors.check("qty", quantity(&typed));
    let reason = errors.check("reason", required_text(form.get("reason"), 200));
    let (Some(qty), Some(reason)) = (qty, reason) else {
        return refused(state, ctx, &view, &back, no, typed, errors).await;
    };
    let actor = user.actor();
    let result = state
        .store
        .write_touching(move |tx, t| orders::return_line_tx(tx, t, &actor, id, no, qty, &reason))
        .await;
    match result {
        Ok(_) => after(ctx, id, &back, "returned"),
        Err(StoreError::Invalid(e)) => refused(state, ctx, &view, &back, no, typed, e).await,
        Err(e) => Err(e.into()),
    }
}

/// POST /orders/{id}/lines/{no}/unused: `unused` is `1` (not needed from stock) or `0`.
async fn unused(state: &AppState, ctx: &Ctx, id: OrderId, no: u32, body: &[u8]) -> AppResult<Response> {
    let Change { user, form, .. } = begin(state, ctx, id, body, desk_or_parts).await?;
    let back = form.owned("back");
    let unused = form.get("unused") == "1";
    let actor = user.actor();
    state.store.write_touching(move |tx, t| orders::set_unused_tx(tx, t, &actor, id, no, unused)).await?;
    after(ctx, id, &back, "line")
}

/// The stock state of a part line and, for who may move stock, its buttons. `refused` is this
/// line's refused form (typed quantity and problems).
pub fn line_stock(
    ctx: &Ctx,
    order: OrderId,
    line: &Line,
    may_move: bool,
    back: &str,
    refused: Option<(&str, &FieldErrors)>,
) -> Markup {
    let lang = ctx.lang;
    let Some(part) = line.catalog_part() else {
        return html! { @if line.details.kind == crate::domain::LineKind::Part { " " span.chip data-one-off="1" { (lang.t(Msg::OneOff)) } } };
    };
    let need = line.to_issue();
    let qty_typed = refused.map(|(t, _)| t.to_string()).unwrap_or_else(|| need.normalize().to_string());
    let problem = refused.and_then(|(_, e)| e.get("qty").or(e.get("reason")));
    html! {
        div.line-stock data-issued=(line.issued.normalize()) data-to-issue=(need.normalize()) {
            a.muted.small href={ "/parts/" (part) } { (lang.t(Msg::PartDetails)) }
            " "
            span.badge.ok[need.is_zero() && !line.issued.is_zero()].warn[!need.is_zero()] {
                (lang.fmt(Msg::IssuedOf, &[&line.issued.normalize(), &line.details.qty.normalize()]))
            }
            @if line.unused { " " span.badge { (lang.t(Msg::MarkUnused)) } }
            @if may_move {
                @if !need.is_zero() {
                    form.inline-form method="post" action={ "/orders/" (order) "/lines/" (line.no) "/issue" } {
                        (csrf_field(ctx))
                        input type="hidden" name="back" value=(back);
                        input type="text" inputmode="decimal" name="qty" value=(qty_typed) aria-label=(lang.t(Msg::Qty)) size="5";
                        button.small type="submit" data-issue=(line.no) { (lang.t(Msg::IssuePart)) }
                    }
                }
                @if !line.issued.is_zero() {
                    details.return-stock {
                        summary { (lang.t(Msg::ReturnPart)) }
                        form.inline-form method="post" action={ "/orders/" (order) "/lines/" (line.no) "/return" } {
                            (csrf_field(ctx))
                            input type="hidden" name="back" value=(back);
                            input type="text" inputmode="decimal" name="qty" value=(line.issued.normalize()) aria-label=(lang.t(Msg::Qty)) size="5";
                            input type="text" name="reason" placeholder=(lang.t(Msg::Reason)) aria-label=(lang.t(Msg::Reason));
                            button.small.secondary type="submit" { (lang.t(Msg::ReturnPart)) }
                        }
                    }
                }
                @if line.issued.is_zero() && line.decision == crate::domain::work_order::Decision::Approved {
                    form.inline-form method="post" action={ "/orders/" (order) "/lines/" (line.no) "/unused" } {
                        (csrf_field(ctx))
                        input type="hidden" name="back" value=(back);
                        input type="hidden" name="unused" value=(if line.unused { "0" } else { "1" });
                        button.small.secondary type="submit" { (lang.t(if line.unused { Msg::MarkNeeded } else { Msg::MarkUnused })) }
                    }
                }
            }
            @if let Some(p) = problem { p.field-msg role="alert" { (p.text(lang)) } }
        }
    }
}
