//! Signing in and out, changing one's password, choosing a language.
//!
//! Password hashing runs on blocking threads behind a semaphore (at most one hash per core at a
//! time), and failed sign-ins are throttled per client address and per account (both in
//! `limits`).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

mod limits;

pub use limits::{Hasher, Throttle};

use super::ctx::{Ctx, LANG_COOKIE, PRE_COOKIE, SESSION_COOKIE};
use super::error::{AppError, AppResult, redirect_to, unprocessable_if};
use super::form::Form;
use super::layout::{self, Field, csrf_field, notice};
use super::{AppState, BODY_LIMIT, html_response, run, set_cookie};
use crate::domain::session::session_rules;
use crate::domain::{FieldErrors, Problem, Session, Username};
use crate::i18n::{Lang, Msg};
use crate::password;
use crate::store::{audit, sessions, users};

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let s = state.clone();

    let login_page = warp::path!("login")
        .and(warp::get())
        .and(ctx.clone())
        .and(warp::query::<HashMap<String, String>>().or(warp::any().map(HashMap::new)).unify())
        .then(|ctx: Ctx, q: HashMap<String, String>| async move {
            let next = after_login(q.get("next").map(String::as_str).unwrap_or("/"));
            let note = q.get("notice").and_then(|n| notice_msg(n));
            run(&ctx, login_page(&ctx, next, note).await)
        });

    let login = warp::path!("login").and(warp::post()).and(ctx.clone()).and(body).then(
        move |ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, login(&s, &ctx, &body).await) }
        },
    );

    let s = state.clone();
    let logout = warp::path!("logout").and(warp::post()).and(ctx.clone()).and(body).then(
        move |ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, logout(&s, &ctx, &body).await) }
        },
    );

    let password_page = warp::path!("account" / "password")
        .and(warp::get())
        .and(ctx.clone())
        .and(warp::query::<HashMap<String, String>>().or(warp::any().map(HashMap::new)).unify())
        .then(|ctx: Ctx, q: HashMap<String, String>| async move {
            let note = q.get("notice").and_then(|n| notice_msg(n));
            let result = password_page_for(&ctx, &FieldErrors::new(), note);
            run(&ctx, result)
        });

    let s = state.clone();
    let change_password =
        warp::path!("account" / "password").and(warp::post()).and(ctx.clone()).and(body).then(
            move |ctx: Ctx, body: Bytes| {
                let s = s.clone();
                async move { run(&ctx, change_password(&s, &ctx, &body).await) }
            },
        );

    let s = state.clone();
    let set_lang = warp::path!("account" / "lang").and(warp::post()).and(ctx.clone()).and(body).then(
        move |ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, set_lang(&s, &ctx, &body).await) }
        },
    );

    let lang_cookie = warp::path!("lang" / String)
        .and(warp::get())
        .and(ctx)
        .and(warp::query::<HashMap<String, String>>().or(warp::any().map(HashMap::new)).unify())
        .then(|code: String, ctx: Ctx, q: HashMap<String, String>| async move {
            let next = safe_next(q.get("next").map(String::as_str).unwrap_or("/")).to_string();
            let result = match Lang::parse(&code) {
                Some(lang) => {
                    let mut response = redirect_to(&next, false);
                    set_cookie(&mut response, &lang_cookie(&ctx, lang));
                    Ok(response)
                }
                None => Err(AppError::NotFound),
            };
            run(&ctx, result)
        });

    login_page
        .or(login)
        .unify()
        .or(logout)
        .unify()
        .or(password_page)
        .unify()
        .or(change_password)
        .unify()
        .or(set_lang)
        .unify()
        .or(lang_cookie)
        .unify()
        .boxed()
}

/// Only local paths are followed after an action, never another site.
pub fn safe_next(next: &str) -> &str {
    // Browsers drop tabs and line breaks from URLs and read `\` as `/`, so `/\t/evil` would
    // become `//evil`: refuse any of them anywhere.
    let clean = !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    let local = next.starts_with('/') && !next.starts_with("//");
    if clean && local { next } else { "/" }
}

/// Where to go after signing in: a local page other than the login page itself.
fn after_login(next: &str) -> &str {
    let next = safe_next(next);
    if next.starts_with("/login") { "/" } else { next }
}

/// One-shot notices carried in a redirect's query (`?notice=…`).
pub fn notice_msg(code: &str) -> Option<Msg> {
    Some(match code {
        "logged_out" => Msg::LoggedOut,
        "password_changed" => Msg::PasswordChanged,
        "expired" => Msg::SessionExpired,
        "saved" => Msg::Saved,
        "restored" => Msg::RestoredNotice,
        "pin_saved" => Msg::PinSaved,
        "pin_removed" => Msg::PinRemoved,
        _ => return None,
    })
}

fn lang_cookie(ctx: &Ctx, lang: Lang) -> String {
    let secure = if ctx.https { "; Secure" } else { "" };
    format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Strict{secure}", lang.code())
}

pub(crate) fn random_hex() -> String {
    format!("{:032x}", rand::random::<u128>())
}

async fn login_page(ctx: &Ctx, next: &str, note: Option<Msg>) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(redirect_to(next, ctx.htmx));
    }
    let pre = ctx.cookie(PRE_COOKIE).filter(|t| t.len() == 32).map(str::to_string);
    let token = pre.clone().unwrap_or_else(random_hex);
    let body = login_form(ctx, &token, next, "", note.map(|m| ("ok", m)), &FieldErrors::new());
    let mut response = html_response(layout::page(ctx, ctx.lang.t(Msg::Login), body));
    if pre.is_none() {
        let secure = if ctx.https { "; Secure" } else { "" };
        set_cookie(
            &mut response,
            &format!("{PRE_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"),
        );
    }
    Ok(response)
}

fn login_form(
    ctx: &Ctx,
    token: &str,
    next: &str,
    username: &str,
    banner: Option<(&str, Msg)>,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    html! {
        section.auth-page {
            div.panel {
                h1 { (lang.t(Msg::LoginTitle)) }
                p.lead { (ctx.settings.shop_name) }
                @if let Some((kind, msg)) = banner {
                    (notice(kind, lang.t(msg)))
                }
                form method="post" action="/login" novalidate {
                    input type="hidden" name="csrf" value=(token);
                    input type="hidden" name="next" value=(next);
                    (Field::text("username", lang.t(Msg::Username), username)
                        .required().autocomplete("username").render(lang, errors))
                    (Field::password("password", lang.t(Msg::Password), "current-password").render(lang, errors))
                    button.wide type="submit" { (lang.t(Msg::Login)) }
                }
            }
        }
    }
}

async fn login(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let form = Form::parse(body);
    let next = after_login(form.get("next")).to_string();
    // Signed out, the form's token is the double-submit cookie; signed in, the session's.
    ctx.form(body)?;
    let token = ctx.cookie(PRE_COOKIE).unwrap_or("").to_string();
    let typed = form.get("username").trim().to_string();
    let refuse = |status: u16, msg: Msg, errors: FieldErrors| {
        let banner = Some(("error", msg));
        let body = login_form(ctx, &token, &next, &typed, banner, &errors);
        let mut response = html_response(layout::page(ctx, ctx.lang.t(Msg::Login), body));
        *response.status_mut() = warp::http::StatusCode::from_u16(status).unwrap();
        response
    };

    let mut errors = FieldErrors::new();
    if typed.is_empty() {
        errors.add("username", Msg::Required);
    }
    if form.get("password").is_empty() {
        errors.add("password", Msg::Required);
    }
    if !errors.is_empty() {
        return Ok(refuse(422, Msg::FormHasErrors, errors));
    }

    let account = typed.to_ascii_lowercase();
    if let Err(wait) = state.throttle.begin(&account, ctx.client) {
        let secs = wait.as_secs().max(1);
        let mut response = refuse(429, Msg::LoginFailed, FieldErrors::new());
        let body = login_form(
            ctx,
            &token,
            &next,
            &typed,
            None,
            &FieldErrors::one("password", Problem::with(Msg::LoginThrottled, &[&secs])),
        );
        *response.body_mut() = layout::page(ctx, ctx.lang.t(Msg::Login), body).into_string().into();
        response.headers_mut().insert("retry-after", secs.into());
        return Ok(response);
    }

    let user = match Username::parse(&typed) {
        Ok(name) => state.store.read(move |tx| users::find_by_name(tx, &name)).await?,
        Err(_) => None,
    };
    let phc =
        user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| password::dummy_hash().to_string());
    let matches = state.hasher.verify(form.owned("password"), phc).await?;
    // The try was counted as a failure by `begin`.
    let Some(user) = user.filter(|_| matches) else {
        tracing::warn!(account = %account, client = %ctx.client, "failed sign-in");
        return Ok(refuse(401, Msg::LoginFailed, FieldErrors::new()));
    };
    if !user.active {
        return Ok(refuse(403, Msg::AccountInactive, FieldErrors::new()));
    }
    state.throttle.succeeded(&account, ctx.client);
    start_session(state, ctx, user, &next).await
}

/// Signs `user` in: a new session id at every sign-in (the one the browser had, if any, ends),
/// audited, and the session cookie set on the way to `next`.
async fn start_session(
    state: &AppState,
    ctx: &Ctx,
    user: crate::domain::User,
    next: &str,
) -> AppResult<Response> {
    let old = ctx.cookie(SESSION_COOKIE).and_then(super::ctx::parse_session_id);
    let id = rand::random::<u128>();
    let now = Utc::now();
    let rules = session_rules(&ctx.settings, &user);
    let session = Session::new(user.id, random_hex(), now, rules);
    let actor = crate::store::Actor::person(&user);
    let client = ctx.client.to_string();
    state
        .store
        .write(move |tx| {
            if let Some(old) = old {
                sessions::remove_tx(tx, old)?;
            }
            sessions::insert_tx(tx, id, &session)?;
            audit::append_tx(
                tx,
                &actor,
                "session.login",
                &format!("user:{}", actor.user_id.unwrap()),
                format!("from {client}"),
            )
        })
        .await?;

    // A technician who works only on the floor starts from their jobs.
    let home = if crate::web::home::floor_only(user.roles) { "/t" } else { "/" };
    let target = if user.must_change_password {
        "/account/password"
    } else if next == "/" {
        home
    } else {
        next
    };
    let mut response = redirect_to(target, false);
    set_cookie(&mut response, &session_cookie(ctx, id, rules));
    set_cookie(&mut response, &format!("{PRE_COOKIE}=; Path=/; Max-Age=0"));
    Ok(response)
}

/// The `Set-Cookie` value that gives the browser the session `id`.
pub(crate) fn session_cookie(ctx: &Ctx, id: u128, rules: crate::domain::SessionRules) -> String {
    let secure = if ctx.https { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={id:032x}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        rules.absolute.num_seconds()
    )
}

async fn logout(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let Some(user) = &ctx.user else {
        return Ok(redirect_to("/login", ctx.htmx));
    };
    ctx.form(body)?;
    let id = user.session_id;
    let actor = user.actor();
    state
        .store
        .write(move |tx| {
            sessions::remove_tx(tx, id)?;
            audit::append_tx(tx, &actor, "session.logout", &format!("user:{}", actor.user_id.unwrap()), "")
        })
        .await?;
    let mut response = redirect_to("/login?notice=logged_out", ctx.htmx);
    set_cookie(&mut response, &format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"));
    Ok(response)
}

/// The account page: changing one's password and, once it is one's own, the kiosk PIN
/// (`web::kiosk::pin`). `errors` belong to whichever of the two forms was sent.
pub(crate) fn password_page_for(ctx: &Ctx, errors: &FieldErrors, note: Option<Msg>) -> AppResult<Response> {
    let user = ctx.user.as_ref().ok_or(AppError::Unauthenticated)?;
    let lang = ctx.lang;
    let min = ctx.settings.password_min_len;
    let with_pin = !user.user.must_change_password;
    let body = html! {
        section.auth-page.account-page[with_pin] {
            div.panel {
                h1 { (lang.t(Msg::ChangePassword)) }
                @if user.user.must_change_password {
                    (notice("info", lang.t(Msg::MustChangePassword)))
                } @else if !errors.is_empty() {
                    (notice("error", lang.t(Msg::FormHasErrors)))
                } @else if let Some(msg) = note {
                    (notice("ok", lang.t(msg)))
                }
                form method="post" action="/account/password" novalidate {
                    (csrf_field(ctx))
                    input type="text" name="username" value=(user.user.username) autocomplete="username" hidden;
                    (Field::password("current_password", lang.t(Msg::CurrentPassword), "current-password").render(lang, errors))
                    (Field::password("new_password", lang.t(Msg::NewPassword), "new-password")
                        .hint(lang.fmt(Msg::PasswordHint, &[&min])).render(lang, errors))
                    (Field::password("confirm_password", lang.t(Msg::ConfirmPassword), "new-password").render(lang, errors))
                    button.wide type="submit" { (lang.t(Msg::ChangePassword)) }
                }
            }
            @if with_pin {
                (crate::web::kiosk::pin::panel(ctx, &user.user, errors))
            }
        }
    };
    Ok(unprocessable_if(
        !errors.is_empty(),
        html_response(layout::page(ctx, lang.t(Msg::ChangePassword), body)),
    ))
}

async fn change_password(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let user = ctx.user.as_ref().ok_or(AppError::Unauthenticated)?;
    let form = ctx.form(body)?;
    let (current, new, confirm) =
        (form.get("current_password"), form.get("new_password"), form.get("confirm_password"));

    let mut errors = FieldErrors::new();
    if current.is_empty() {
        errors.add("current_password", Msg::Required);
    }
    errors.check("new_password", ctx.settings.password_policy().check(new));
    if confirm != new {
        errors.add("confirm_password", Msg::PasswordMismatch);
    }
    if errors.is_empty() && new == current {
        errors.add("new_password", Msg::PasswordSameAsOld);
    }
    if errors.is_empty() {
        let ok = state.hasher.verify(current.to_string(), user.user.password_hash.clone()).await?;
        if !ok {
            errors.add("current_password", Msg::PasswordWrongCurrent);
        }
    }
    if !errors.is_empty() {
        return password_page_for(ctx, &errors, None);
    }

    let hash = state.hasher.hash(new.to_string()).await?;
    let (id, version, session, actor) = (user.user.id, user.user.version, user.session_id, user.actor());
    state
        .store
        .write(move |tx| {
            users::set_password_tx(tx, &actor, id, Some(version), hash.clone(), false)?;
            // Other devices signed in with the old password are signed out.
            sessions::end_all_for_user_except_tx(tx, id, Some(session))?;
            Ok(())
        })
        .await?;
    let floor = ctx.user.as_ref().is_some_and(|u| crate::web::home::floor_only(u.user.roles));
    Ok(redirect_to(if floor { "/t" } else { "/?notice=password_changed" }, ctx.htmx))
}

async fn set_lang(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let form = ctx.form(body)?;
    let lang = Lang::parse(form.get("lang")).ok_or(AppError::BadRequest)?;
    if let Some(user) = &ctx.user {
        let id = user.user.id;
        state.store.write(move |tx| users::set_lang_tx(tx, id, lang)).await?;
    }
    let mut response = redirect_to(safe_next(form.get("next")), ctx.htmx);
    set_cookie(&mut response, &lang_cookie(ctx, lang));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/t/abc"), "/t/abc");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
        assert_eq!(safe_next("/\t/evil.example"), "/");
        assert_eq!(safe_next("/\n/evil.example"), "/");
        assert_eq!(safe_next("/x\\y"), "/");
        assert_eq!(safe_next("/customers?q=a b"), "/");
        assert_eq!(after_login("/login?next=/x"), "/");
        assert_eq!(after_login("/t/abc"), "/t/abc");
    }
}
