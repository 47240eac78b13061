//! Refunding a part line on an order a void reopened (POST /orders/{id}/lines/{no}/refund,
//! fields `qty` and `reason`; a manager's or an administrator's), and its panel on the
//! settlement page.

use std::sync::Arc;

use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::order::{Forms, load, page};
use super::{body, ctx};
use crate::domain::checkout::is_voided;
use crate::domain::work_order::Decision;
use crate::domain::{FieldErrors, LineKind, OrderId, OrderState, Role};
use crate::i18n::Msg;
use crate::store::StoreError;
use crate::store::checkout::{OrderCheckout, refund};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::layout::{Field, csrf_field};
use crate::web::show::Money;

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    warp::path!("orders" / u64 / "lines" / u32 / "refund")
        .and(warp::post())
        .and(ctx(state))
        .and(body())
        .then(handler!(state, ctx, |id: u64, no: u32, ctx: Ctx, body: Bytes| refund_line(
            &state,
            &ctx,
            OrderId(id),
            no,
            &body
        )))
        .boxed()
}

/// A refund form that came back with problems: the line, what was typed, the problems.
pub(super) type RefundForm = (u32, String, String, FieldErrors);

async fn refund_line(state: &AppState, ctx: &Ctx, id: OrderId, no: u32, body: &[u8]) -> AppResult<Response> {
    let user = ctx.user()?;
    let form = ctx.form(body)?;
    let roles = user.user.roles;
    if !(roles.has(Role::Admin) || roles.has(Role::Manager)) {
        return Err(AppError::Forbidden);
    }
    let (qty, reason) = (form.owned("qty"), form.owned("reason"));
    let (actor, settings, typed) = (user.actor(), state.settings(), (qty.clone(), reason.clone()));
    let result = state
        .store
        .write_touching(move |tx, t| {
            refund::refund_line_tx(tx, t, &actor, roles, id, no, (&qty, &reason), &settings)
        })
        .await;
    match result {
        Ok(_) => Ok(redirect_to(&format!("/orders/{id}/checkout?notice=refund"), ctx.htmx)),
        Err(StoreError::Invalid(errors)) => {
            let oc = load(state, id).await?;
            let forms = Forms { refund: Some((no, typed.0, typed.1, errors)), ..Default::default() };
            Ok(page(ctx, &oc, None, &forms))
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether the order was reopened by a void with nothing paid since: its part lines may be
/// refunded.
pub(super) fn refundable(oc: &OrderCheckout) -> bool {
    oc.order.state == OrderState::Completed
        && !oc.checkout.recognised.is_empty()
        && !oc.payments.iter().any(|p| p.voids.is_none() && !is_voided(p, &oc.payments))
}

/// The refunds made so far, and for a manager a form per approved part line.
pub(super) fn panel(ctx: &Ctx, oc: &OrderCheckout, form: Option<&RefundForm>) -> Markup {
    let lang = ctx.lang;
    let roles = ctx.user.as_ref().map(|u| u.user.roles).unwrap_or_default();
    let senior = roles.has(Role::Admin) || roles.has(Role::Manager);
    let open = senior && refundable(oc);
    let lines: Vec<_> = oc
        .order
        .lines
        .iter()
        .filter(|l| l.details.kind == LineKind::Part && l.decision == Decision::Approved)
        .filter(|l| !l.details.qty.is_zero())
        .collect();
    html! {
        @if !oc.checkout.refunds.is_empty() || (open && !lines.is_empty()) {
            section.panel #refunds {
                h2 { (lang.t(Msg::RefundLines)) }
                @for r in &oc.checkout.refunds {
                    p data-refund=(r.line) data-qty=(r.qty) data-returned=(r.returned) {
                        "#" (r.line) " " (r.description) " · " (lang.fmt(Msg::RefundedMark, &[&r.qty.normalize(), &Money(r.unit_price)]))
                        " · " (r.by_name) " · " (r.reason)
                    }
                }
                @if open {
                    p.muted { (lang.t(Msg::RefundLead)) }
                    @for l in lines {
                        @let blank = (0, String::new(), String::new(), FieldErrors::new());
                        @let (_, qty, reason, errors) = form.filter(|f| f.0 == l.no).unwrap_or(&blank);
                        form.inline-form method="post" action={ "/orders/" (oc.order.id) "/lines/" (l.no) "/refund" } data-refund-line=(l.no) novalidate {
                            (csrf_field(ctx))
                            strong { "#" (l.no) " " (l.details.description) " × " (l.details.qty.normalize()) }
                            (Field::text("qty", lang.t(Msg::RefundQty), qty).required().id_suffix(l.no).render(lang, errors))
                            (Field::text("reason", lang.t(Msg::Reason), reason).required().id_suffix(l.no).render(lang, errors))
                            button.danger.small type="submit" { (lang.t(Msg::RefundLine)) }
                        }
                    }
                }
            }
        }
    }
}
