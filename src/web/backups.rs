//! The admin's backups page: the backups on the box with size and time, "back up now",
//! downloading one (streamed from the file, never read whole into memory), and restoring one
//! while the server runs (checked first, confirmed, then swapped in by the store).

use std::sync::Arc;

use maud::html;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::{Reply, Response};

use super::ctx::Ctx;
use super::error::{AppError, AppResult, redirect_to};
use super::layout::{self, csrf_field, notice};
use super::{AppState, BODY_LIMIT, html_response, run};
use crate::i18n::Msg;
use crate::store::{StoreError, backup};

pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = super::ctx::ctx(state.clone());
    let body = warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes());

    let s = state.clone();
    let page = warp::path!("admin" / "backups").and(warp::get()).and(ctx.clone()).and(
        warp::query::<std::collections::HashMap<String, String>>()
            .or(warp::any().map(std::collections::HashMap::new))
            .unify(),
    );
    let page = page.then(move |ctx: Ctx, q: std::collections::HashMap<String, String>| {
        let s = s.clone();
        async move { run(&ctx, list_page(&s, &ctx, q.get("made").map(String::as_str)).await) }
    });
    let s = state.clone();
    let make = warp::path!("admin" / "backups").and(warp::post()).and(ctx.clone()).and(body).then(
        move |ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, make(&s, &ctx, &body).await) }
        },
    );
    // Signed out (or before the first password change), a download link leads through
    // sign-in like every other page; signed in, the download below decides.
    let sign_in_first = warp::path("admin")
        .and(warp::path("backups"))
        .and(warp::path("files"))
        .and(warp::get())
        .and(ctx.clone())
        .and_then(|ctx: Ctx| async move {
            match ctx.user() {
                Ok(_) => Err(warp::reject::not_found()),
                Err(e) => Ok(e.into_response(&ctx)),
            }
        });
    // Downloads: only an admin, only our own file names, streamed by warp's file filter.
    let download = warp::path("admin")
        .and(warp::path("backups"))
        .and(warp::path("files"))
        .and(warp::get())
        .and(ctx.clone())
        .and(warp::path::peek())
        .and_then(|ctx: Ctx, rest: warp::path::Peek| async move {
            let ok = ctx.admin().is_ok() && backup::is_backup_name(rest.as_str());
            if ok { Ok(()) } else { Err(warp::reject::not_found()) }
        })
        .untuple_one()
        .and(warp::fs::dir(state.backups_dir.clone()))
        .map(|file: warp::fs::File| {
            let mut response = file.into_response();
            response
                .headers_mut()
                .insert("content-disposition", warp::http::HeaderValue::from_static("attachment"));
            response
        });
    let s = state.clone();
    let confirm = warp::path!("admin" / "backups" / "restore" / String)
        .and(warp::get())
        .and(ctx.clone())
        .then(move |name: String, ctx: Ctx| {
            let s = s.clone();
            async move { run(&ctx, restore_page(&s, &ctx, &name).await) }
        });
    let s = state.clone();
    let restore = warp::path!("admin" / "backups" / "restore" / String)
        .and(warp::post())
        .and(ctx.clone())
        .and(warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes()))
        .then(move |name: String, ctx: Ctx, body: Bytes| {
            let s = s.clone();
            async move { run(&ctx, restore(&s, &ctx, &name, &body).await) }
        });
    page.or(make)
        .unify()
        .or(confirm)
        .unify()
        .or(restore)
        .unify()
        .or(sign_in_first)
        .unify()
        .or(download)
        .unify()
        .boxed()
}

/// A backup of ours by name, or 404.
fn backup_path(state: &AppState, name: &str) -> AppResult<std::path::PathBuf> {
    let path = state.backups_dir.join(name);
    if backup::is_backup_name(name) && path.is_file() { Ok(path) } else { Err(AppError::NotFound) }
}

/// The restore confirmation: the file is checked first, so a damaged or foreign one is refused
/// before anyone confirms anything.
async fn restore_page(state: &AppState, ctx: &Ctx, name: &str) -> AppResult<Response> {
    ctx.admin()?;
    let path = backup_path(state, name)?;
    let checked = tokio::task::spawn_blocking(move || backup::verify(&path))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let shown = match &checked {
        Ok(info) => Restore::Checked(info),
        Err(e) => Restore::Refused(e.to_string()),
    };
    Ok(html_response(restore_form(ctx, name, shown)))
}

/// What the restore page shows.
enum Restore<'a> {
    /// The file checked out: confirm.
    Checked(&'a backup::BackupInfo),
    /// The box was not ticked: ask again, with the message beside it.
    Unconfirmed,
    /// The file cannot be restored, and why.
    Refused(String),
    /// The restore itself failed after the file checked out; nothing was changed.
    Failed(String),
}

async fn restore(state: &AppState, ctx: &Ctx, name: &str, body: &[u8]) -> AppResult<Response> {
    ctx.admin()?;
    let form = ctx.form(body)?;
    backup_path(state, name)?;
    if form.get("confirm") != "1" {
        return Ok(refused(restore_form(ctx, name, Restore::Unconfirmed)));
    }
    match state.restore(name).await {
        Ok(restored) => {
            tracing::warn!(
                from = %restored.from.path.display(),
                replaced = %restored.replaced.path.display(),
                "data restored from a backup"
            );
            Ok(redirect_to("/login?notice=restored", ctx.htmx))
        }
        Err(e) => {
            tracing::error!(error = %e, "restore refused");
            let shown = match e {
                StoreError::NotABackup(why) => Restore::Refused(why),
                other => Restore::Failed(other.to_string()),
            };
            Ok(refused(restore_form(ctx, name, shown)))
        }
    }
}

/// A page answering a refused restore (422).
fn refused(page: maud::Markup) -> Response {
    super::error::unprocessable_if(true, html_response(page))
}

/// The confirmation form, or why the file cannot be restored.
fn restore_form(ctx: &Ctx, name: &str, shown: Restore) -> maud::Markup {
    let lang = ctx.lang;
    let problem = match &shown {
        Restore::Refused(why) => Some((Msg::RestoreRefused, why)),
        Restore::Failed(why) => Some((Msg::RestoreFailed, why)),
        _ => None,
    };
    let unconfirmed = matches!(shown, Restore::Unconfirmed).then(|| lang.t(Msg::RestoreConfirmRequired));
    let body = html! {
        p { a href="/admin/backups" { "← " (lang.t(Msg::NavBackups)) } }
        h1 { (lang.t(Msg::RestoreTitle)) }
        p { code { (name) } }
        @if let Some((lead, why)) = problem {
            (notice("error", lang.t(lead)))
            p.field-hint { (why) }
        } @else {
            @if let Restore::Checked(info) = shown {
                (notice("ok", &lang.fmt(Msg::RestoreChecked, &[&info.records, &info.schema_version, &format!("{:.1}", info.bytes as f64 / 1e6)])))
            }
            p.lead { (lang.t(Msg::RestoreLead)) }
            form method="post" action={ "/admin/backups/restore/" (name) } {
                (csrf_field(ctx))
                div.field.invalid[unconfirmed.is_some()] {
                    label.check {
                        input type="checkbox" name="confirm" value="1" aria-invalid=[unconfirmed.map(|_| "true")];
                        (lang.t(Msg::RestoreConfirm))
                    }
                    @if let Some(problem) = unconfirmed { p.field-msg { (problem) } }
                }
                div.actions { button.danger type="submit" { (lang.t(Msg::RestoreNow)) } }
            }
        }
    };
    layout::page(ctx, lang.t(Msg::RestoreTitle), body)
}

async fn list_page(state: &AppState, ctx: &Ctx, made: Option<&str>) -> AppResult<Response> {
    ctx.admin()?;
    let lang = ctx.lang;
    let dir = state.backups_dir.clone();
    let files = tokio::task::spawn_blocking(move || backup::list(&dir))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let tz = ctx.settings.tz();
    let s = &ctx.settings;
    let body = html! {
        p { a href="/admin" { "← " (lang.t(Msg::NavAdmin)) } }
        div.page-head {
            h1 { (lang.t(Msg::NavBackups)) }
            form method="post" action="/admin/backups" {
                (csrf_field(ctx))
                button type="submit" { (lang.t(Msg::BackupNow)) }
            }
        }
        p.lead { (lang.fmt(Msg::BackupsLead, &[&s.backup_time, &s.backup_keep])) }
        @if let Some(name) = made.filter(|n| backup::is_backup_name(n)) { (notice("ok", &lang.fmt(Msg::BackupDone, &[&name]))) }
        @if files.is_empty() {
            div.empty { p { (lang.t(Msg::NoBackups)) } }
        } @else {
            div.table-wrap {
                table.rows {
                    thead { tr { th { (lang.t(Msg::FileName)) } th.num { (lang.t(Msg::Size)) } th { (lang.t(Msg::MadeAt)) } } }
                    tbody {
                        @for f in &files {
                            tr {
                                td {
                                    code.file { (f.name) }
                                    div.row-actions {
                                        a href={ "/admin/backups/files/" (f.name) } download { (lang.t(Msg::Download)) }
                                        a href={ "/admin/backups/restore/" (f.name) } { (lang.t(Msg::Restore)) }
                                    }
                                }
                                td.num { (format!("{:.1} MB", f.bytes as f64 / 1e6)) }
                                td.nowrap { (f.modified.with_timezone(&tz).format("%Y-%m-%d %H:%M")) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::NavBackups), body)))
}

async fn make(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    ctx.admin()?;
    ctx.form(body)?;
    let info = state.backup_now("manual", None).await?;
    let name = info.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(redirect_to(&format!("/admin/backups?made={}", super::error::encode(&name)), ctx.htmx))
}
