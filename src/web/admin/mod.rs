//! System management (admins only).
//!
//! - `users`: the user list, creating a user, one user's page.
//! - `user_actions`: the forms on a user's page, one route each: `POST /admin/users/{id}/roles`,
//!   `/password`, `/active`.
//! - `settings`: the shop's parameters.
//! - `audit`: the audit log, newest first, filtered by user, action, record and day; the
//!   history link that customer, vehicle and order pages show administrators.
//! - `display`: the wall display's key (POST /admin/display-key), made and revoked here.
//! - `kiosk_device`: which browser is the reception kiosk (POST /admin/kiosk-device): marking
//!   this one, forgetting it, a new key that forgets them all.
//! - `export`: the shop's own export (`/admin/export`): every record as CSV files in a zip,
//!   streamed.
//!
//! Backups (`/admin/backups`) are `web/backups`; the customer import is `web/import`.

mod audit;
pub(crate) use audit::history_link;
mod display;
mod export;
mod kiosk_device;
mod settings;
mod user_actions;
mod users;

use std::collections::HashMap;
use std::sync::Arc;

use maud::html;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::Response;

use super::ctx::Ctx;
use super::error::AppResult;
use super::{AppState, BODY_LIMIT, html_response, layout, run};
use crate::domain::{FieldErrors, UserId};
use crate::i18n::Msg;

type Query = HashMap<String, String>;

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());
    let query = warp::query::<Query>().or(warp::any().map(Query::new)).unify();

    let home = warp::path!("admin").and(warp::get()).and(ctx.clone()).then(|ctx: Ctx| async move {
        let result = admin_home(&ctx);
        run(&ctx, result)
    });
    let users_page = warp::path!("admin" / "users").and(warp::get()).and(ctx.clone()).and(query).then(
        handler!(state, ctx, |ctx: Ctx, q: Query| async {
            let created = q.get("created").cloned();
            users::users_page(&state, &ctx, users::NewUserForm::default(), &FieldErrors::new(), created).await
        }),
    );
    let create_user = warp::path!("admin" / "users")
        .and(warp::post())
        .and(ctx.clone())
        .and(body)
        .then(handler!(state, ctx, |ctx: Ctx, body: Bytes| users::create_user(&state, &ctx, &body)));
    let user_page = warp::path!("admin" / "users" / u64).and(warp::get()).and(ctx.clone()).and(query).then(
        handler!(state, ctx, |id: u64, ctx: Ctx, q: Query| async {
            let done = q.get("notice").and_then(|n| users::user_notice(n));
            users::user_page(&state, &ctx, UserId(id), done, None, &FieldErrors::new()).await
        }),
    );
    // POST /admin/users/{id}/roles, /admin/users/{id}/password, /admin/users/{id}/active.
    let set_roles =
        warp::path!("admin" / "users" / u64 / "roles").and(warp::post()).and(ctx.clone()).and(body).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| user_actions::set_roles(
                &state,
                &ctx,
                UserId(id),
                &body
            )),
        );
    let reset_password =
        warp::path!("admin" / "users" / u64 / "password").and(warp::post()).and(ctx.clone()).and(body).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| user_actions::reset_password(
                &state,
                &ctx,
                UserId(id),
                &body
            )),
        );
    let set_active =
        warp::path!("admin" / "users" / u64 / "active").and(warp::post()).and(ctx.clone()).and(body).then(
            handler!(state, ctx, |id: u64, ctx: Ctx, body: Bytes| user_actions::set_active(
                &state,
                &ctx,
                UserId(id),
                &body
            )),
        );
    // Any other POST /admin/users/{id}/…: checked like the actions, then "not found".
    let unknown_action =
        warp::path!("admin" / "users" / u64 / String).and(warp::post()).and(ctx.clone()).and(body).then(
            |_id: u64, _action: String, ctx: Ctx, body: Bytes| async move {
                run(&ctx, user_actions::unknown(&ctx, &body))
            },
        );
    let settings_page = warp::path!("admin" / "settings").and(warp::get()).and(ctx.clone()).and(query).then(
        handler!(state, ctx, |ctx: Ctx, q: Query| async {
            ctx.admin()?;
            let saved = q.contains_key("saved");
            Ok(settings::settings_page(&state, &ctx, &ctx.settings.to_input(), &FieldErrors::new(), saved))
        }),
    );
    let save_settings = warp::path!("admin" / "settings")
        .and(warp::post())
        .and(ctx.clone())
        .and(body)
        .then(handler!(state, ctx, |ctx: Ctx, body: Bytes| settings::save_settings(&state, &ctx, &body)));
    let audit_page = warp::path!("admin" / "audit").and(warp::get()).and(ctx).and(query).then(handler!(
        state,
        ctx,
        |ctx: Ctx, q: Query| async {
            audit::audit_page(&state, &ctx, audit::AuditQuery::from_query(&q)).await
        }
    ));

    any_of!(
        home,
        users_page,
        create_user,
        user_page,
        set_roles,
        reset_password,
        set_active,
        unknown_action,
        settings_page,
        save_settings,
        display::routes(&state),
        kiosk_device::routes(&state),
        export::routes(&state),
        audit_page
    )
}

fn admin_home(ctx: &Ctx) -> AppResult<Response> {
    ctx.admin()?;
    let lang = ctx.lang;
    let cards = [
        (Msg::NavUsers, Msg::CardUsers, "/admin/users"),
        (Msg::NavSettings, Msg::CardSettings, "/admin/settings"),
        (Msg::NavAudit, Msg::CardAudit, "/admin/audit"),
        (Msg::NavBackups, Msg::CardBackups, "/admin/backups"),
        (Msg::ExportTitle, Msg::CardExport, "/admin/export"),
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
