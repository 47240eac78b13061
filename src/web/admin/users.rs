//! Users: the list with the new-user form, creating a user, and one user's page.

use maud::{Markup, html};
use warp::reply::Response;

use crate::domain::field::required_text;
use crate::domain::{FieldErrors, Role, Roles, User, UserId, Username};
use crate::i18n::{Lang, Msg};
use crate::store::StoreError;
use crate::store::users::{self, NewUser};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::error::{AppError, AppResult, redirect_to, unprocessable_if};
use crate::web::form::Form;
use crate::web::html_response;
use crate::web::layout::{self, Field, csrf_field, notice};

fn role_checks(lang: Lang, chosen: Roles, errors: &FieldErrors) -> Markup {
    html! {
        fieldset.field.invalid[errors.get("roles").is_some()] {
            legend { (lang.t(Msg::Roles)) span.req aria-hidden="true" { " *" } }
            div.checks {
                @for role in Role::ALL {
                    label.check {
                        input type="checkbox" name="roles" value=(role.code()) checked[chosen.has(role)];
                        (lang.t(role.label()))
                    }
                }
            }
            @if let Some(problem) = errors.get("roles") {
                p.field-msg { (problem.text(lang)) }
            }
        }
    }
}

fn role_list(lang: Lang, roles: Roles) -> String {
    roles.iter().map(|r| lang.t(r.label())).collect::<Vec<_>>().join(lang.t(Msg::ListSeparator))
}

/// The new-user form as typed.
#[derive(Default)]
pub(super) struct NewUserForm {
    username: String,
    display_name: String,
    roles: Roles,
}

pub(super) async fn users_page(
    state: &AppState,
    ctx: &Ctx,
    typed: NewUserForm,
    errors: &FieldErrors,
    created: Option<String>,
) -> AppResult<Response> {
    ctx.admin()?;
    let lang = ctx.lang;
    let all = state.store.read(users::list).await?;
    let min = ctx.settings.password_min_len;
    let body = html! {
        h1 { (lang.t(Msg::UsersTitle)) }
        @if let Some(name) = created {
            (notice("ok", &format!("{} {}", lang.t(Msg::UserCreated), name)))
        }
        div.table-wrap {
            table {
                thead { tr {
                    th { (lang.t(Msg::Username)) } th { (lang.t(Msg::DisplayName)) }
                    th { (lang.t(Msg::Roles)) } th { (lang.t(Msg::Status)) }
                } }
                tbody {
                    @for user in &all {
                        tr {
                            td { a href={ "/admin/users/" (user.id) } { (user.username) } }
                            td { (user.display_name) }
                            td { (role_list(lang, user.roles)) }
                            td { (status_badges(lang, user)) }
                        }
                    }
                }
            }
        }
        section.panel id="new-user" {
            h2 { (lang.t(Msg::NewUser)) }
            @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
            form method="post" action="/admin/users" novalidate {
                (csrf_field(ctx))
                div.form-grid {
                    (Field::text("username", lang.t(Msg::Username), &typed.username).required().autocomplete("off").render(lang, errors))
                    (Field::text("display_name", lang.t(Msg::DisplayName), &typed.display_name).required().render(lang, errors))
                    (Field::password("password", lang.t(Msg::InitialPassword), "new-password")
                        .hint(lang.fmt(Msg::PasswordHint, &[&min])).render(lang, errors))
                }
                (role_checks(lang, typed.roles, errors))
                div.actions { button type="submit" { (lang.t(Msg::CreateUser)) } }
            }
        }
    };
    Ok(unprocessable_if(!errors.is_empty(), html_response(layout::page(ctx, lang.t(Msg::UsersTitle), body))))
}

fn status_badges(lang: Lang, user: &User) -> Markup {
    html! {
        @if user.active {
            span.badge.ok { (lang.t(Msg::Active)) }
        } @else {
            span.badge.bad { (lang.t(Msg::Inactive)) }
        }
        @if user.must_change_password {
            " " span.badge.warn { (lang.t(Msg::MustChangeFlag)) }
        }
    }
}

pub(super) fn parse_roles(form: &Form, errors: &mut FieldErrors) -> Roles {
    let mut roles = Vec::new();
    for code in form.all("roles") {
        match Role::parse(code) {
            Some(role) => roles.push(role),
            None => errors.add("roles", Msg::RoleUnknown),
        }
    }
    let roles = Roles::of(&roles);
    if roles.is_empty() {
        errors.add("roles", Msg::RolesRequired);
    }
    roles
}

pub(super) async fn create_user(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let (admin, cap) = ctx.admin()?;
    let form = ctx.form(body)?;
    let mut errors = FieldErrors::new();
    let username = errors.check("username", Username::parse(form.get("username")));
    let display_name = errors.check("display_name", required_text(form.get("display_name"), 60));
    errors.check("password", ctx.settings.password_policy().check(form.get("password")));
    let roles = parse_roles(&form, &mut errors);
    let typed = NewUserForm {
        username: form.get("username").trim().to_string(),
        display_name: form.get("display_name").trim().to_string(),
        roles,
    };
    let (Some(username), Some(display_name), true) = (username, display_name, errors.is_empty()) else {
        return users_page(state, ctx, typed, &errors, None).await;
    };

    let password_hash = state.hasher.hash(form.owned("password")).await?;
    let actor = admin.actor();
    let new = NewUser { username, display_name, password_hash, roles, must_change_password: true };
    let created = state.store.write(move |tx| users::create_tx(tx, &cap, &actor, new.clone())).await;
    match created {
        Ok(user) => Ok(redirect_to(&format!("/admin/users?created={}", user.username), ctx.htmx)),
        Err(StoreError::Invalid(errors)) => users_page(state, ctx, typed, &errors, None).await,
        Err(e) => Err(e.into()),
    }
}

pub(super) fn user_notice(code: &str) -> Option<Msg> {
    Some(match code {
        "roles" => Msg::RolesSaved,
        "password" => Msg::PasswordReset,
        "deactivated" => Msg::UserDeactivated,
        "reactivated" => Msg::UserReactivated,
        _ => return None,
    })
}

pub(super) async fn user_page(
    state: &AppState,
    ctx: &Ctx,
    id: UserId,
    done: Option<Msg>,
    refused: Option<Msg>,
    errors: &FieldErrors,
) -> AppResult<Response> {
    ctx.admin()?;
    let lang = ctx.lang;
    let user = state.store.read(move |tx| users::get(tx, id)).await?.ok_or(AppError::NotFound)?;
    let min = ctx.settings.password_min_len;
    let base = format!("/admin/users/{id}");
    let body = html! {
        p { a href="/admin/users" { "← " (lang.t(Msg::UsersTitle)) } }
        h1 { (user.display_name) " " span.muted { "(" (user.username) ")" } }
        p { (status_badges(lang, &user)) }
        @if let Some(msg) = done { (notice("ok", lang.t(msg))) }
        @if let Some(msg) = refused { (notice("error", lang.t(msg))) }
        section.panel {
            h2 { (lang.t(Msg::EditUser)) }
            form method="post" action={ (base) "/roles" } novalidate {
                (csrf_field(ctx))
                input type="hidden" name="version" value=(user.version);
                (Field::text("display_name", lang.t(Msg::DisplayName), &user.display_name).required().render(lang, errors))
                (role_checks(lang, user.roles, errors))
                div.actions { button type="submit" { (lang.t(Msg::UpdateRoles)) } }
            }
        }
        section.panel {
            h2 { (lang.t(Msg::ResetPassword)) }
            form method="post" action={ (base) "/password" } novalidate {
                (csrf_field(ctx))
                (Field::password("password", lang.t(Msg::NewPassword), "new-password")
                    .hint(lang.fmt(Msg::PasswordHint, &[&min])).render(lang, errors))
                div.actions { button.secondary type="submit" { (lang.t(Msg::ResetPassword)) } }
            }
        }
        section.panel {
            form method="post" action={ (base) "/active" } {
                (csrf_field(ctx))
                @if user.active {
                    input type="hidden" name="active" value="false";
                    button.danger type="submit" { (lang.t(Msg::Deactivate)) }
                } @else {
                    input type="hidden" name="active" value="true";
                    button.secondary type="submit" { (lang.t(Msg::Reactivate)) }
                }
            }
        }
    };
    let mut response =
        unprocessable_if(!errors.is_empty(), html_response(layout::page(ctx, &user.display_name, body)));
    if errors.is_empty() && refused.is_some() {
        *response.status_mut() = warp::http::StatusCode::CONFLICT;
    }
    Ok(response)
}
