//! The lock screen (`GET /kiosk/locked`), unlocking with a PIN (`POST /kiosk/unlock`), locking
//! (`POST /kiosk/lock`, from the page's idle timer or the "Lock" button) and the heartbeat
//! (`GET /kiosk/alive`).

use std::collections::HashMap;

use chrono::Utc;
use maud::{Markup, html};
use warp::http::StatusCode;
use warp::reply::{Reply, Response};

use super::gate::return_path;
use crate::domain::session::session_rules;
use crate::domain::{FieldErrors, Problem, Session, User, UserId};
use crate::i18n::Msg;
use crate::store::{Actor, sessions, users};
use crate::web::auth::{random_hex, session_cookie};
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::layout::{self, csrf_field, notice};
use crate::web::{AppState, html_response, set_cookie};

/// GET /kiosk/locked: the lock screen; `?user=ID` opens the keypad for that staff member. A
/// session that is not locked goes home.
pub(super) async fn locked_page(
    state: &AppState,
    ctx: &Ctx,
    q: &HashMap<String, String>,
) -> AppResult<Response> {
    let current = ctx.user.as_ref().ok_or(AppError::Unauthenticated)?;
    if !current.session.locked {
        return Ok(redirect_to("/", ctx.htmx));
    }
    let staff = state.store.read(users::with_pin).await?;
    let chosen = q.get("user").and_then(|id| id.parse().ok()).map(UserId);
    Ok(screen(ctx, &staff, chosen, &FieldErrors::new(), StatusCode::OK))
}

/// The lock screen with `chosen`'s keypad (if one is chosen) and what went wrong beside it.
fn screen(
    ctx: &Ctx,
    staff: &[(UserId, String)],
    chosen: Option<UserId>,
    errors: &FieldErrors,
    status: StatusCode,
) -> Response {
    let chosen = chosen.and_then(|id| staff.iter().find(|(u, _)| *u == id));
    let body = view(ctx, staff, chosen, errors);
    let mut response =
        html_response(layout::bare_page(ctx, ctx.lang.t(Msg::KioskLocked), "lock-screen", body));
    *response.status_mut() = status;
    response
}

/// A padlock, drawn inline (the kiosk may have no emoji font).
const LOCK_ICON: &str = r#"<svg viewBox="0 0 24 24" width="30" height="30" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"><rect x="4.5" y="10.5" width="15" height="10.5" rx="2"/><path d="M8 10.5V7.5a4 4 0 0 1 8 0v3"/></svg>"#;

/// The lock screen: the shop's name, the staff with a PIN as buttons, the keypad, signing out.
/// No customer's data, nor anything else the session could see.
fn view(
    ctx: &Ctx,
    staff: &[(UserId, String)],
    chosen: Option<&(UserId, String)>,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let pin_problem = errors.get("pin").or_else(|| errors.get("user_id"));
    html! {
        section.lock data-locked {
            header.lock-head {
                div {
                    h1 { span.lock-icon aria-hidden="true" { (maud::PreEscaped(LOCK_ICON)) } (lang.t(Msg::KioskLocked)) }
                    p.lead { (ctx.settings.shop_name) " · " (lang.t(Msg::KioskLockedLead)) }
                }
                form method="post" action="/logout" {
                    (csrf_field(ctx))
                    button.secondary type="submit" data-lock-sign-out { (lang.t(Msg::Logout)) }
                }
            }
            @if staff.is_empty() {
                (notice("info", lang.t(Msg::KioskNoPins)))
            } @else {
                div.lock-body {
                    nav.lock-staff aria-label=(lang.t(Msg::KioskWho)) {
                        h2 { (lang.t(Msg::KioskWho)) }
                        div.staff-buttons {
                            @for (id, name) in staff {
                                @let on = chosen.is_some_and(|(c, _)| c == id);
                                a.staff-button.on[on] href={ "/kiosk/locked?user=" (id) } data-staff=(id)
                                    aria-current=[on.then_some("true")] { (name) }
                            }
                        }
                    }
                    @if let Some((id, name)) = chosen {
                        form.lock-pin method="post" action="/kiosk/unlock" autocomplete="off" novalidate {
                            (csrf_field(ctx))
                            input type="hidden" name="user_id" value=(id);
                            h2 { (name) }
                            div.field.invalid[pin_problem.is_some()] {
                                label for="f-pin" { (lang.t(Msg::KioskPin)) }
                                input #f-pin.pin-dots name="pin" type="password" inputmode="numeric" pattern="[0-9]*"
                                    maxlength="8" autocomplete="off" autofocus
                                    aria-invalid=[pin_problem.is_some().then_some("true")]
                                    aria-describedby=[pin_problem.is_some().then_some("f-pin-msg")];
                                @if let Some(problem) = pin_problem {
                                    p.field-msg #f-pin-msg role="alert" { (problem.text(lang)) }
                                }
                            }
                            div.keypad.pin-pad data-keypad-target="f-pin" role="group" aria-label=(lang.t(Msg::KioskPin)) {
                                div.pin-keys {
                                    @for key in ["1", "2", "3", "4", "5", "6", "7", "8", "9"] {
                                        button.key type="button" data-key=(key) { (key) }
                                    }
                                    button.key type="button" data-key="clear" aria-label=(lang.t(Msg::KeypadClear)) { "C" }
                                    button.key type="button" data-key="0" { "0" }
                                    button.key type="button" data-key="⌫" aria-label=(lang.t(Msg::KeypadBackspace)) { "⌫" }
                                }
                                button.wide.unlock type="submit" data-unlock { (lang.t(Msg::KioskUnlock)) }
                            }
                        }
                    } @else {
                        div.lock-pin.lock-hint { p { (lang.t(Msg::KioskTapName)) } }
                    }
                }
            }
        }
    }
}

/// POST /kiosk/unlock: `user_id` and `pin`. The right PIN unlocks the session (as that user:
/// another user's PIN gives the browser a new session of theirs) and returns to the page the
/// kiosk was on; a wrong one is counted, audited and shown beside the keypad.
pub(super) async fn unlock(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let current = ctx.user.as_ref().ok_or(AppError::Unauthenticated)?;
    let form = ctx.form(body)?;
    if !current.session.locked {
        return Ok(redirect_to("/", ctx.htmx));
    }
    let staff = state.store.read(users::with_pin).await?;
    let chosen =
        form.get("user_id").trim().parse().ok().map(UserId).filter(|id| staff.iter().any(|(u, _)| u == id));
    let refuse = |status: StatusCode, field: &'static str, problem: Problem| {
        Ok(screen(ctx, &staff, chosen, &FieldErrors::one(field, problem), status))
    };
    let Some(target_id) = chosen else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "user_id", Problem::new(Msg::KioskChooseName));
    };
    let pin = form.get("pin");
    if pin.is_empty() {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "pin", Problem::new(Msg::Required));
    }
    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "pin", Problem::new(Msg::PinInvalid));
    }
    let Some(target) = state.store.read(move |tx| users::get(tx, target_id)).await? else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "user_id", Problem::new(Msg::KioskChooseName));
    };
    let Some(pin_hash) = target.pin_hash.clone() else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "user_id", Problem::new(Msg::KioskChooseName));
    };
    let account = format!("user:{target_id}");
    if let Err(wait) = state.pin_throttle.begin(&account, ctx.client) {
        let secs = wait.as_secs().max(1);
        let mut response =
            refuse(StatusCode::TOO_MANY_REQUESTS, "pin", Problem::with(Msg::KioskPinThrottled, &[&secs]))?;
        response.headers_mut().insert("retry-after", secs.into());
        return Ok(response);
    }
    if !state.hasher.verify(pin.to_string(), pin_hash).await? {
        tracing::warn!(user = %target_id, client = %ctx.client, "wrong kiosk PIN");
        let (actor, client) = (current.actor(), ctx.client.to_string());
        state.store.write(move |tx| sessions::unlock_failed_tx(tx, &actor, target_id, &client)).await?;
        return refuse(StatusCode::UNAUTHORIZED, "pin", Problem::new(Msg::KioskPinWrong));
    }
    state.pin_throttle.succeeded(&account, ctx.client);
    open(state, ctx, current.session_id, &current.session, target).await
}

/// Unlocks the session `id` as `target` and answers with the way back to the page it was on.
async fn open(state: &AppState, ctx: &Ctx, id: u128, session: &Session, target: User) -> AppResult<Response> {
    let now = Utc::now();
    let actor = Actor::person(&target);
    let client = ctx.client.to_string();
    // Another user's PIN: a session of theirs, with a new id, in place of the locked one.
    let replacement = (target.id != session.user_id).then(|| {
        let rules = session_rules(&ctx.settings, &target);
        let new = Session::new(target.id, random_hex(), now, rules);
        (rand::random::<u128>(), new, rules)
    });
    let replace = replacement.as_ref().map(|(new_id, new, _)| (*new_id, new.clone()));
    let return_to = state
        .store
        .write(move |tx| {
            let replace = replace.as_ref().map(|(new_id, new)| (*new_id, new));
            sessions::unlock_tx(tx, &actor, id, replace, now, &client)
        })
        .await?;
    let home = if crate::web::home::floor_only(target.roles) { "/t" } else { "/" };
    // Back where the kiosk was, also for another user (their own roles decide what it shows).
    let back = return_to.and_then(|page| return_path(&page));
    let mut response = redirect_to(back.as_deref().unwrap_or(home), false);
    if let Some((new_id, _, rules)) = replacement {
        set_cookie(&mut response, &session_cookie(ctx, new_id, rules));
    }
    Ok(response)
}

/// POST /kiosk/lock: locks this kiosk's session now (`next`: the page it was on). Only on the
/// kiosk: anywhere else there is nothing to lock.
pub(super) async fn lock(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let current = ctx.user()?;
    let form = ctx.form(body)?;
    if !ctx.kiosk {
        return Err(AppError::Forbidden);
    }
    let return_to = return_path(form.get("next"));
    let why = if form.get("why") == "idle" { "idle (page)" } else { "by hand" };
    let (actor, id) = (current.actor(), current.session_id);
    state.store.write(move |tx| sessions::lock_tx(tx, &actor, id, return_to.clone(), why)).await?;
    Ok(redirect_to("/kiosk/locked", ctx.htmx))
}

/// GET /kiosk/alive: the kiosk page saying someone is using it (the request itself keeps the
/// session's last-seen time fresh). 204, or the lock screen's redirect from the gate.
pub(super) fn alive(ctx: &Ctx) -> AppResult<Response> {
    ctx.user()?;
    Ok(warp::reply::with_status(warp::reply(), StatusCode::NO_CONTENT).into_response())
}
