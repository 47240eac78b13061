//! The forms on a user's page, each its own route: `POST /admin/users/{id}/roles` (name and
//! roles), `POST /admin/users/{id}/password` (reset), `POST /admin/users/{id}/active`
//! (deactivate or reactivate). Each answers with a redirect to the user's page and a notice,
//! or that page again with what was refused.

use warp::reply::Response;

use super::users::{parse_roles, user_page};
use crate::domain::field::required_text;
use crate::domain::{FieldErrors, UserId};
use crate::i18n::Msg;
use crate::store::{StoreError, StoreResult, users};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};

/// `POST /admin/users/{id}/roles`: display name and roles.
pub(super) async fn set_roles(state: &AppState, ctx: &Ctx, id: UserId, body: &[u8]) -> AppResult<Response> {
    let (admin, cap) = ctx.admin()?;
    let form = ctx.form(body)?;
    let actor = admin.actor();
    let mut errors = FieldErrors::new();
    let display_name = errors.check("display_name", required_text(form.get("display_name"), 60));
    let roles = parse_roles(&form, &mut errors);
    let version: u64 = form.get("version").parse().map_err(|_| AppError::BadRequest)?;
    if !errors.is_empty() {
        return user_page(state, ctx, id, None, None, &errors).await;
    }
    let display_name = display_name.unwrap_or_default();
    let result = state
        .store
        .write(move |tx| users::set_roles_tx(tx, &cap, &actor, id, version, roles, display_name.clone()))
        .await
        .map(|_| "roles");
    answer(state, ctx, id, result).await
}

/// `POST /admin/users/{id}/password`: a new password, checked against the shop's policy.
pub(super) async fn reset_password(
    state: &AppState,
    ctx: &Ctx,
    id: UserId,
    body: &[u8],
) -> AppResult<Response> {
    let (admin, cap) = ctx.admin()?;
    let form = ctx.form(body)?;
    let actor = admin.actor();
    let password = form.get("password");
    if let Err(problem) = ctx.settings.password_policy().check(password) {
        return user_page(state, ctx, id, None, None, &FieldErrors::one("password", problem)).await;
    }
    let hash = state.hasher.hash(password.to_string()).await?;
    let result = state
        .store
        .write(move |tx| users::reset_password_tx(tx, &cap, &actor, id, hash.clone()))
        .await
        .map(|_| "password");
    answer(state, ctx, id, result).await
}

/// `POST /admin/users/{id}/active`: `active=false` deactivates, `active=true` reactivates.
pub(super) async fn set_active(state: &AppState, ctx: &Ctx, id: UserId, body: &[u8]) -> AppResult<Response> {
    let (admin, cap) = ctx.admin()?;
    let form = ctx.form(body)?;
    let actor = admin.actor();
    let active = match form.get("active") {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::BadRequest),
    };
    let result = state
        .store
        .write(move |tx| users::set_active_tx(tx, &cap, &actor, id, active))
        .await
        .map(|_| if active { "reactivated" } else { "deactivated" });
    answer(state, ctx, id, result).await
}

/// Any other `POST /admin/users/{id}/…`: checked like the actions, then not found.
pub(super) fn unknown(ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    ctx.admin()?;
    ctx.form(body)?;
    Err(AppError::NotFound)
}

/// Back to the user's page: with the notice `done` names, or showing why it was refused.
async fn answer(state: &AppState, ctx: &Ctx, id: UserId, result: StoreResult<&str>) -> AppResult<Response> {
    match result {
        Ok(done) => Ok(redirect_to(&format!("/admin/users/{id}?notice={done}"), ctx.htmx)),
        Err(StoreError::Refused(msg)) => {
            user_page(state, ctx, id, None, Some(msg), &FieldErrors::new()).await
        }
        Err(StoreError::Stale) => {
            user_page(state, ctx, id, None, Some(Msg::StaleEdit), &FieldErrors::new()).await
        }
        Err(e) => Err(e.into()),
    }
}
