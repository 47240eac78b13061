//! The admin's backups page: the backups on the box with size and time, "back up now", and
//! downloading one (streamed from the file, never read whole into memory).

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
use crate::store::backup;

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
    // Downloads: only an admin, only our own file names, streamed by warp's file filter.
    let download = warp::path("admin")
        .and(warp::path("backups"))
        .and(warp::path("files"))
        .and(warp::get())
        .and(ctx)
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
    page.or(make).unify().or(download).unify().boxed()
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
                    thead { tr { th { (lang.t(Msg::FileName)) } th.num { (lang.t(Msg::Size)) } th { (lang.t(Msg::MadeAt)) } th {} } }
                    tbody {
                        @for f in &files {
                            tr {
                                td { code { (f.name) } }
                                td.num { (format!("{:.1} MB", f.bytes as f64 / 1e6)) }
                                td.nowrap { (f.modified.with_timezone(&tz).format("%Y-%m-%d %H:%M")) }
                                td { a href={ "/admin/backups/files/" (f.name) } download { (lang.t(Msg::Download)) } }
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
