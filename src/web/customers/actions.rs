//! The buttons on a customer's page, each its own route: `POST /customers/{id}/status`,
//! `POST /customers/{id}/contacts`, `POST /customers/{id}/delete`.

use warp::reply::Response;

use crate::domain::field::required_text;
use crate::domain::{Area, ContactKind, CustomerId, CustomerStatus};
use crate::store::{StoreError, customers};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};

/// `POST /customers/{id}/status`: active, dormant or invalid.
pub(super) async fn set_status(
    state: &AppState,
    ctx: &Ctx,
    id: CustomerId,
    body: &[u8],
) -> AppResult<Response> {
    let user = ctx.require(Area::Customers)?;
    let form = ctx.form(body)?;
    let actor = user.actor();
    let status = CustomerStatus::parse(form.get("status")).ok_or(AppError::BadRequest)?;
    state.store.write_touching(move |tx, t| customers::set_status_tx(tx, t, &actor, id, status)).await?;
    Ok(redirect_to(&format!("/customers/{id}?notice=status"), ctx.htmx))
}

/// `POST /customers/{id}/contacts`: logs a call, visit or message in the contact history.
pub(super) async fn add_contact(
    state: &AppState,
    ctx: &Ctx,
    id: CustomerId,
    body: &[u8],
) -> AppResult<Response> {
    let user = ctx.require(Area::Customers)?;
    let form = ctx.form(body)?;
    let actor = user.actor();
    let kind = ContactKind::parse(form.get("kind")).ok_or(AppError::BadRequest)?;
    let Ok(summary) = required_text(form.get("summary"), 500) else {
        return Ok(redirect_to(&format!("/customers/{id}?refused=summary"), ctx.htmx));
    };
    state.store.write(move |tx| customers::add_contact_tx(tx, &actor, id, kind, summary.clone())).await?;
    Ok(redirect_to(&format!("/customers/{id}?notice=contact"), ctx.htmx))
}

/// `POST /customers/{id}/delete` (administrators): refused while the customer has business.
pub(super) async fn delete(state: &AppState, ctx: &Ctx, id: CustomerId, body: &[u8]) -> AppResult<Response> {
    let user = ctx.require(Area::Customers)?;
    ctx.form(body)?;
    let actor = user.actor();
    let (_, cap) = ctx.admin()?;
    match state.store.write_touching(move |tx, t| customers::delete_tx(tx, t, &cap, &actor, id)).await {
        Ok(()) => Ok(redirect_to("/customers?notice=deleted", ctx.htmx)),
        Err(StoreError::Refused(_)) => {
            Ok(redirect_to(&format!("/customers/{id}?refused=business"), ctx.htmx))
        }
        Err(e) => Err(e.into()),
    }
}

/// Any other `POST /customers/{id}/…`: checked like the actions, then not found.
pub(super) fn unknown(ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    ctx.require(Area::Customers)?;
    ctx.form(body)?;
    Err(AppError::NotFound)
}
