//! The kiosk PIN on one's account page (`POST /account/pin`): set or change it (the current
//! password needed, tries throttled like sign-ins), or remove it. Only the argon2id hash is
//! stored; the PIN never reaches a log or the audit.

use maud::{Markup, html};
use warp::reply::Response;

use crate::domain::user::check_pin;
use crate::domain::{FieldErrors, Problem, User};
use crate::i18n::Msg;
use crate::store::users;
use crate::web::AppState;
use crate::web::auth::password_page_for;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to};
use crate::web::layout::{Field, csrf_field};

/// The PIN panel of the account page. `errors` may be the password form's: only the PIN
/// form's fields (`password`, `pin`, `confirm_pin`) show here.
pub fn panel(ctx: &Ctx, user: &User, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let pin_field = |name: &'static str, label: Msg| {
        let problem = errors.get(name);
        let id = format!("f-{name}");
        html! {
            div.field.invalid[problem.is_some()] {
                label for=(id) { (lang.t(label)) span.req aria-hidden="true" { " *" } }
                input id=(id) name=(name) type="password" inputmode="numeric" pattern="[0-9]*" maxlength="8"
                    autocomplete="off" required aria-invalid=[problem.is_some().then_some("true")];
                @if let Some(problem) = problem {
                    p.field-msg { (problem.text(lang)) }
                } @else if name == "pin" {
                    p.field-hint { (lang.t(Msg::PinHint)) }
                }
            }
        }
    };
    html! {
        div.panel id="kiosk-pin" {
            h2 { (lang.t(Msg::PinTitle)) }
            p.lead { (lang.t(Msg::PinLead)) }
            p data-pin-set=(if user.pin_hash.is_some() { "yes" } else { "no" }) {
                strong { (lang.t(if user.pin_hash.is_some() { Msg::PinIsSet } else { Msg::PinNotSet })) }
            }
            form method="post" action="/account/pin" novalidate {
                (csrf_field(ctx))
                input type="hidden" name="action" value="set";
                input type="text" name="username" value=(user.username) autocomplete="username" hidden;
                (Field::password("password", lang.t(Msg::CurrentPassword), "current-password").render(lang, errors))
                (pin_field("pin", Msg::PinNew))
                (pin_field("confirm_pin", Msg::PinConfirm))
                button.wide type="submit" { (lang.t(if user.pin_hash.is_some() { Msg::PinChange } else { Msg::PinSet })) }
            }
            @if user.pin_hash.is_some() {
                form method="post" action="/account/pin" {
                    (csrf_field(ctx))
                    input type="hidden" name="action" value="remove";
                    button.wide.danger type="submit" data-remove-pin { (lang.t(Msg::PinRemove)) }
                }
            }
        }
    }
}

/// POST /account/pin: `action` `set` (`password`, `pin`, `confirm_pin`) or `remove`.
pub(super) async fn set_pin(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let current = ctx.user()?;
    let form = ctx.form(body)?;
    let (actor, id) = (current.actor(), current.user.id);
    match form.get("action") {
        "remove" => {
            if current.user.pin_hash.is_some() {
                state.store.write(move |tx| users::set_pin_tx(tx, &actor, id, None).map(|_| ())).await?;
            }
            return Ok(redirect_to("/account/password?notice=pin_removed", ctx.htmx));
        }
        "set" => {}
        _ => return Err(AppError::BadRequest),
    }
    let (password, pin, confirm) = (form.get("password"), form.get("pin"), form.get("confirm_pin"));
    let mut errors = FieldErrors::new();
    if password.is_empty() {
        errors.add("password", Msg::Required);
    }
    if errors.check("pin", check_pin(pin)).is_some() && confirm != pin {
        errors.add("confirm_pin", Msg::PinMismatch);
    }
    if !errors.is_empty() {
        return refused(ctx, &errors);
    }
    // The current password is a password try like a sign-in's, counted and slowed the same.
    let account = current.user.username.as_str();
    if let Err(wait) = state.throttle.begin(account, ctx.client) {
        let secs = wait.as_secs().max(1);
        return refused(ctx, &FieldErrors::one("password", Problem::with(Msg::LoginThrottled, &[&secs])));
    }
    if !state.hasher.verify(password.to_string(), current.user.password_hash.clone()).await? {
        return refused(ctx, &FieldErrors::one("password", Problem::new(Msg::PasswordWrongCurrent)));
    }
    state.throttle.succeeded(account, ctx.client);
    let hash = state.hasher.hash(pin.to_string()).await?;
    state.store.write(move |tx| users::set_pin_tx(tx, &actor, id, Some(hash.clone())).map(|_| ())).await?;
    Ok(redirect_to("/account/password?notice=pin_saved#kiosk-pin", ctx.htmx))
}

fn refused(ctx: &Ctx, errors: &FieldErrors) -> AppResult<Response> {
    let mut response = password_page_for(ctx, errors, None)?;
    *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}
