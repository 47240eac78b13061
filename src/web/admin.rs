//! System management: users and roles, the shop's parameters, the audit log. Admins only.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::ctx::Ctx;
use super::error::{AppError, AppResult, redirect_to};
use super::form::Form;
use super::layout::{self, Field, csrf_field, notice, select, textarea};
use super::{AppState, BODY_LIMIT, html_response, run};
use crate::domain::field::required_text;
use crate::domain::settings::SettingsInput;
use crate::domain::{FieldErrors, Role, Roles, Settings, User, UserId, Username};
use crate::i18n::{Lang, Msg};
use crate::store::users::{self, NewUser};
use crate::store::{StoreError, audit, settings as settings_store};

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let query = warp::query::<HashMap<String, String>>().or(warp::any().map(HashMap::new)).unify();

    let home = warp::path!("admin").and(warp::get()).and(ctx.clone()).then(|ctx: Ctx| async move {
        let result = admin_home(&ctx);
        run(&ctx, result)
    });

    let s = state.clone();
    let users_page = warp::path!("admin" / "users").and(warp::get()).and(ctx.clone()).and(query).then(
        move |ctx: Ctx, q: HashMap<String, String>| {
            let s = s.clone();
            async move {
                let created = q.get("created").cloned();
                run(&ctx, users_page(&s, &ctx, NewUserForm::default(), &FieldErrors::new(), created).await)
            }
        },
    );

    let s = state.clone();
    let create_user = warp::path!("admin" / "users").and(warp::post()).and(ctx.clone()).and(body).then(
        move |ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, create_user(&s, &ctx, &body).await) }
        },
    );

    let s = state.clone();
    let user_page = warp::path!("admin" / "users" / u64).and(warp::get()).and(ctx.clone()).and(query).then(
        move |id: u64, ctx: Ctx, q: HashMap<String, String>| {
            let s = s.clone();
            async move {
                let done = q.get("notice").and_then(|n| user_notice(n));
                run(&ctx, user_page(&s, &ctx, UserId(id), done, None, &FieldErrors::new()).await)
            }
        },
    );

    let s = state.clone();
    let user_action =
        warp::path!("admin" / "users" / u64 / String).and(warp::post()).and(ctx.clone()).and(body).then(
            move |id: u64, action: String, ctx: Ctx, body: Bytes| {
                let s = s.clone();
                async move { run(&ctx, user_action(&s, &ctx, UserId(id), &action, &body).await) }
            },
        );

    let s = state.clone();
    let settings_page = warp::path!("admin" / "settings").and(warp::get()).and(ctx.clone()).and(query).then(
        move |ctx: Ctx, q: HashMap<String, String>| {
            let s = s.clone();
            async move {
                let result = ctx.admin().map(|_| {
                    let saved = q.contains_key("saved");
                    settings_page(&s, &ctx, &ctx.settings.to_input(), &FieldErrors::new(), saved)
                });
                run(&ctx, result)
            }
        },
    );

    let s = state.clone();
    let save_settings = warp::path!("admin" / "settings").and(warp::post()).and(ctx.clone()).and(body).then(
        move |ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, save_settings(&s, &ctx, &body).await) }
        },
    );

    let s = state.clone();
    let audit_page = warp::path!("admin" / "audit").and(warp::get()).and(ctx).and(query).then(
        move |ctx: Ctx, q: HashMap<String, String>| {
            let s = s.clone();
            async move {
                let before = q.get("before").and_then(|b| b.parse().ok());
                run(&ctx, audit_page(&s, &ctx, before).await)
            }
        },
    );

    home.or(users_page)
        .unify()
        .or(create_user)
        .unify()
        .or(user_page)
        .unify()
        .or(user_action)
        .unify()
        .or(settings_page)
        .unify()
        .or(save_settings)
        .unify()
        .or(audit_page)
        .unify()
        .boxed()
}

fn admin_home(ctx: &Ctx) -> AppResult<Response> {
    ctx.admin()?;
    let lang = ctx.lang;
    let cards = [
        (Msg::NavUsers, Msg::CardUsers, "/admin/users"),
        (Msg::NavSettings, Msg::CardSettings, "/admin/settings"),
        (Msg::NavAudit, Msg::CardAudit, "/admin/audit"),
        (Msg::NavBackups, Msg::CardBackups, "/admin/backups"),
    ];
    let body = html! {
        h1 { (lang.t(Msg::NavAdmin)) }
        div.cards {
            @for (title, text, href) in cards {
                a.card href=(href) { h2 { (lang.t(title)) } p { (lang.t(text)) } }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::NavAdmin), body)))
}

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
struct NewUserForm {
    username: String,
    display_name: String,
    roles: Roles,
}

async fn users_page(
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
    let mut response = html_response(layout::page(ctx, lang.t(Msg::UsersTitle), body));
    if !errors.is_empty() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
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

fn parse_roles(form: &Form, errors: &mut FieldErrors) -> Roles {
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

async fn create_user(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
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
    let created = state.store.write(move |tx| users::create_tx(tx, &cap, &actor, new)).await;
    match created {
        Ok(user) => Ok(redirect_to(&format!("/admin/users?created={}", user.username), ctx.htmx)),
        Err(StoreError::Invalid(errors)) => users_page(state, ctx, typed, &errors, None).await,
        Err(e) => Err(e.into()),
    }
}

fn user_notice(code: &str) -> Option<Msg> {
    Some(match code {
        "roles" => Msg::RolesSaved,
        "password" => Msg::PasswordReset,
        "deactivated" => Msg::UserDeactivated,
        "reactivated" => Msg::UserReactivated,
        _ => return None,
    })
}

async fn user_page(
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
    let mut response = html_response(layout::page(ctx, &user.display_name, body));
    if !errors.is_empty() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    } else if refused.is_some() {
        *response.status_mut() = warp::http::StatusCode::CONFLICT;
    }
    Ok(response)
}

async fn user_action(
    state: &AppState,
    ctx: &Ctx,
    id: UserId,
    action: &str,
    body: &[u8],
) -> AppResult<Response> {
    let (admin, cap) = ctx.admin()?;
    let form = ctx.form(body)?;
    let actor = admin.actor();
    let mut errors = FieldErrors::new();
    let result = match action {
        "roles" => {
            let display_name = errors.check("display_name", required_text(form.get("display_name"), 60));
            let roles = parse_roles(&form, &mut errors);
            let version: u64 = form.get("version").parse().map_err(|_| AppError::BadRequest)?;
            if !errors.is_empty() {
                return user_page(state, ctx, id, None, None, &errors).await;
            }
            let display_name = display_name.unwrap_or_default();
            state
                .store
                .write(move |tx| users::set_roles_tx(tx, &cap, &actor, id, version, roles, display_name))
                .await
                .map(|_| "roles")
        }
        "password" => {
            let password = form.get("password");
            if let Err(problem) = ctx.settings.password_policy().check(password) {
                return user_page(state, ctx, id, None, None, &FieldErrors::one("password", problem)).await;
            }
            let hash = state.hasher.hash(password.to_string()).await?;
            state
                .store
                .write(move |tx| users::reset_password_tx(tx, &cap, &actor, id, hash))
                .await
                .map(|_| "password")
        }
        "active" => {
            let active = match form.get("active") {
                "true" => true,
                "false" => false,
                _ => return Err(AppError::BadRequest),
            };
            state
                .store
                .write(move |tx| users::set_active_tx(tx, &cap, &actor, id, active))
                .await
                .map(|_| if active { "reactivated" } else { "deactivated" })
        }
        _ => return Err(AppError::NotFound),
    };
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

fn settings_page(
    state: &AppState,
    ctx: &Ctx,
    typed: &SettingsInput,
    errors: &FieldErrors,
    saved: bool,
) -> Response {
    let lang = ctx.lang;
    let langs = [("zh", Lang::Zh.t(Msg::LangName)), ("en", Lang::En.t(Msg::LangName))];
    let body = html! {
        h1 { (lang.t(Msg::SettingsTitle)) }
        @if saved { (notice("ok", lang.t(Msg::SettingsSaved))) }
        @if !errors.is_empty() { (notice("error", lang.t(Msg::FormHasErrors))) }
        form.panel method="post" action="/admin/settings" novalidate {
            (csrf_field(ctx))
            fieldset {
                legend { (lang.t(Msg::ShopSection)) }
                div.form-grid {
                    (Field::text("shop_name", lang.t(Msg::ShopName), &typed.shop_name).required().render(lang, errors))
                    (Field::text("shop_phone", lang.t(Msg::ShopPhone), &typed.shop_phone).kind("tel").render(lang, errors))
                    (Field::text("shop_address", lang.t(Msg::ShopAddress), &typed.shop_address).render(lang, errors))
                    (select("default_lang", lang.t(Msg::DefaultLang), &typed.default_lang, &langs, errors, lang))
                    (Field::text("time_zone", lang.t(Msg::TimeZone), &typed.time_zone).required().render(lang, errors))
                    (Field::text("public_base_url", lang.t(Msg::PublicBaseUrl), &typed.public_base_url)
                        .kind("url").hint(format!("{} ({})", lang.t(Msg::PublicBaseUrlHelp), state.lan_base_url)).render(lang, errors))
                }
            }
            fieldset {
                legend { (lang.t(Msg::CustomersSection)) }
                div.form-grid {
                    (textarea("customer_sources", lang.t(Msg::CustomerSources), &typed.customer_sources, Some(lang.t(Msg::OnePerLine)), errors, lang))
                    (textarea("customer_levels", lang.t(Msg::CustomerLevels), &typed.customer_levels, Some(lang.t(Msg::OnePerLine)), errors, lang))
                }
            }
            fieldset {
                legend { (lang.t(Msg::OrdersSection)) }
                div.form-grid {
                    (Field::text("labour_rate", lang.t(Msg::LabourRate), &typed.labour_rate).kind("text").required().render(lang, errors))
                    (Field::text("order_number_format", lang.t(Msg::OrderNumberFormat), &typed.order_number_format)
                        .required().hint(lang.t(Msg::OrderNumberFormatHelp).to_string()).render(lang, errors))
                }
            }
            fieldset {
                legend { (lang.t(Msg::PartsSection)) }
                div.form-grid {
                    (textarea("part_units", lang.t(Msg::PartUnits), &typed.part_units, Some(lang.t(Msg::OnePerLine)), errors, lang))
                    label.check { input type="checkbox" name="allow_negative_stock" value="1" checked[typed.allow_negative_stock]; (lang.t(Msg::AllowNegativeStock)) }
                }
            }
            fieldset {
                legend { (lang.t(Msg::BackupsSection)) }
                div.form-grid {
                    (Field::text("backup_time", lang.t(Msg::BackupTime), &typed.backup_time).kind("time").required().render(lang, errors))
                    (Field::text("backup_keep", lang.t(Msg::BackupKeep), &typed.backup_keep).kind("number").required().render(lang, errors))
                }
            }
            fieldset {
                legend { (lang.t(Msg::SecuritySection)) }
                div.form-grid {
                    (Field::text("password_min_len", lang.t(Msg::PasswordMinLen), &typed.password_min_len).kind("number").required().render(lang, errors))
                    (Field::text("session_idle_minutes", lang.t(Msg::SessionIdleMinutes), &typed.session_idle_minutes).kind("number").required().render(lang, errors))
                    (Field::text("session_absolute_hours", lang.t(Msg::SessionAbsoluteHours), &typed.session_absolute_hours).kind("number").required().render(lang, errors))
                    (Field::text("technician_session_hours", lang.t(Msg::TechnicianSessionHours), &typed.technician_session_hours).kind("number").required().render(lang, errors))
                }
            }
            div.actions { button type="submit" { (lang.t(Msg::Save)) } }
        }
    };
    let mut response = html_response(layout::page(ctx, lang.t(Msg::SettingsTitle), body));
    if !errors.is_empty() {
        *response.status_mut() = warp::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

async fn save_settings(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let (admin, cap) = ctx.admin()?;
    let form = ctx.form(body)?;
    let typed = SettingsInput {
        shop_name: form.owned("shop_name"),
        shop_address: form.owned("shop_address"),
        shop_phone: form.owned("shop_phone"),
        default_lang: form.owned("default_lang"),
        time_zone: form.owned("time_zone"),
        password_min_len: form.owned("password_min_len"),
        session_idle_minutes: form.owned("session_idle_minutes"),
        session_absolute_hours: form.owned("session_absolute_hours"),
        technician_session_hours: form.owned("technician_session_hours"),
        public_base_url: form.owned("public_base_url"),
        customer_sources: form.owned("customer_sources"),
        customer_levels: form.owned("customer_levels"),
        labour_rate: form.owned("labour_rate"),
        order_number_format: form.owned("order_number_format"),
        backup_time: form.owned("backup_time"),
        backup_keep: form.owned("backup_keep"),
        part_units: form.owned("part_units"),
        allow_negative_stock: form.get("allow_negative_stock") == "1",
    };
    let settings = match Settings::check(&typed) {
        Ok(settings) => settings,
        Err(errors) => return Ok(settings_page(state, ctx, &typed, &errors, false)),
    };
    let actor = admin.actor();
    let saved = settings.clone();
    state.store.write(move |tx| settings_store::save_tx(tx, &cap, &actor, &saved)).await?;
    state.set_settings(settings);
    Ok(redirect_to("/admin/settings?saved=1", ctx.htmx))
}

async fn audit_page(state: &AppState, ctx: &Ctx, before: Option<u64>) -> AppResult<Response> {
    ctx.admin()?;
    let lang = ctx.lang;
    const PAGE: usize = 50;
    let entries = state.store.read(move |tx| audit::recent(tx, before, PAGE)).await?;
    let tz = ctx.settings.tz();
    let local = |at: &DateTime<Utc>| at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string();
    let body = html! {
        h1 { (lang.t(Msg::AuditTitle)) }
        @if entries.is_empty() {
            p.muted { (lang.t(Msg::AuditEmpty)) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th { (lang.t(Msg::AuditWhen)) } th { (lang.t(Msg::AuditWho)) }
                        th { (lang.t(Msg::AuditAction)) } th { (lang.t(Msg::AuditRecord)) }
                        th { (lang.t(Msg::AuditSummary)) }
                    } }
                    tbody {
                        @for (_, entry) in &entries {
                            tr {
                                td.nowrap { (local(&entry.at)) }
                                td { @if entry.user_id.is_some() { (entry.who) } @else { (lang.t(Msg::System)) } }
                                td.nowrap { code { (entry.action) } }
                                td.nowrap { (entry.record) }
                                td { (entry.summary) }
                            }
                        }
                    }
                }
            }
            @if entries.len() == PAGE {
                @if let Some((last, _)) = entries.last() {
                    p.pager { a.button.secondary href={ "/admin/audit?before=" (last) } { (lang.t(Msg::OlderEntries)) " →" } }
                }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::AuditTitle), body)))
}
