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
use crate::i18n::{Lang, Msg};
use crate::store::faults::Faults;
use crate::store::{StoreError, backup};
use futures_util::StreamExt;
use warp::Buf;
use warp::http::StatusCode;

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
        async move { run(&ctx, list_page(&s, &ctx, q.get("made").map(String::as_str), None).await) }
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
    let upload = warp::path!("admin" / "backups" / "upload")
        .and(warp::post())
        .and(ctx.clone())
        .and(warp::multipart::form().max_length(UPLOAD_LIMIT))
        .then(move |ctx: Ctx, form: warp::multipart::FormData| {
            let s = s.clone();
            async move { run(&ctx, upload(&s, &ctx, form).await) }
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
        .or(upload)
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
                paused_ms = restored.paused.as_millis() as u64,
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

/// The backups page; `upload_problem` is why an upload was refused, shown beside its field.
async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    made: Option<&str>,
    upload_problem: Option<String>,
) -> AppResult<Response> {
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
        @if let Some(name) = made.filter(|n| backup::is_backup_name(n)) { (notice("ok", &lang.fmt(Msg::BackupDone, &[&shown_name(name, tz, lang)]))) }
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
                                    span.file title=(f.name) data-file=(f.name) { (shown_name(&f.name, tz, lang)) }
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
        section.card #upload-backup {
            h2 { (lang.t(Msg::BackupUploadTitle)) }
            p.lead { (lang.t(Msg::BackupUploadLead)) }
            form method="post" action="/admin/backups/upload" enctype="multipart/form-data" {
                (csrf_field(ctx))
                div.field.invalid[upload_problem.is_some()] {
                    label for="f-backup-file" { (lang.t(Msg::BackupUploadFile)) }
                    input #f-backup-file type="file" name="file" accept=".redb"
                        aria-invalid=[upload_problem.is_some().then_some("true")]
                        aria-describedby=[upload_problem.is_some().then_some("f-backup-file-msg")];
                    @if let Some(problem) = &upload_problem {
                        p.field-msg #f-backup-file-msg data-upload-refused { (problem) }
                    }
                }
                div.actions { button type="submit" { (lang.t(Msg::BackupUploadSend)) } }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::NavBackups), body)))
}

/// The largest backup an upload may carry.
const UPLOAD_LIMIT: u64 = 64 * 1024 * 1024 * 1024;

/// An upload being written: removed when dropped unless kept, so a refused, failed or
/// abandoned upload (the client gone mid-way) leaves nothing behind.
struct Partial {
    path: std::path::PathBuf,
    keep: bool,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// How an upload's file part ended.
enum Received {
    Nothing,
    NotOurs,
    WriteFailed(std::io::Error),
    Written(u64),
}

/// Streams the uploaded file to a `.partial` file in the backups directory, chunk by chunk
/// (never whole in memory), refusing at its first bytes a file that is not a redb database.
async fn receive(
    part: &mut warp::multipart::Part,
    partial: &Partial,
    faults: Option<&Arc<Faults>>,
) -> Received {
    use tokio::io::AsyncWriteExt;
    let mut file: Option<tokio::fs::File> = None;
    let mut outcome = Received::Nothing;
    while let Some(chunk) = part.data().await {
        let Ok(chunk) = chunk else { return Received::NotOurs };
        let bytes = chunk.chunk();
        if bytes.is_empty() || matches!(outcome, Received::NotOurs | Received::WriteFailed(_)) {
            continue; // read and dropped: the browser gets the answer, not a broken connection
        }
        if file.is_none() {
            if !bytes.starts_with(REDB_MAGIC) {
                outcome = Received::NotOurs;
                continue;
            }
            match tokio::fs::File::create(&partial.path).await {
                Ok(f) => file = Some(f),
                Err(e) => {
                    outcome = Received::WriteFailed(e);
                    continue;
                }
            }
        }
        let written = match faults.map(|f| f.on_append()).unwrap_or(Ok(())) {
            Ok(()) => file.as_mut().expect("created above").write_all(bytes).await,
            Err(e) => Err(e),
        };
        outcome = match (written, outcome) {
            (Err(e), _) => Received::WriteFailed(e),
            (Ok(()), Received::Written(n)) => Received::Written(n + bytes.len() as u64),
            (Ok(()), _) => Received::Written(bytes.len() as u64),
        };
    }
    if let (Received::Written(_), Some(mut f)) = (&outcome, file) {
        let synced = match faults.map(|f| f.on_append()).unwrap_or(Ok(())) {
            Ok(()) => f.flush().await.and(f.sync_all().await),
            Err(e) => Err(e),
        };
        if let Err(e) = synced {
            return Received::WriteFailed(e);
        }
    }
    outcome
}

/// The first bytes of every redb file.
const REDB_MAGIC: &[u8] = b"redb\x1a\x0a\xa9\x0d\x0a";

/// `POST /admin/backups/upload`: a backup file from the admin's computer, streamed to disk,
/// checked like any backup, then offered for the same confirmed restore. A file that is not
/// a wrenchdesk backup, or one the disk could not take, is removed and nothing changes.
async fn upload(state: &AppState, ctx: &Ctx, mut form: warp::multipart::FormData) -> AppResult<Response> {
    ctx.admin()?;
    let lang = ctx.lang;
    let dir = state.backups_dir.clone();
    std::fs::create_dir_all(&dir)
        .map_err(|e| StoreError::storage(format!("cannot create {}", dir.display()), e))?;
    let target = backup::new_path(&dir, "upload");
    let mut partial = Partial { path: target.with_extension("partial"), keep: false };
    let faults = state.store.faults();
    let mut csrf_checked = false;
    let mut received = Received::Nothing;
    while let Some(part) = form.next().await {
        let Ok(mut part) = part else { return Err(AppError::BadRequest) };
        match part.name() {
            "csrf" => {
                let mut token = Vec::new();
                while let Some(Ok(chunk)) = part.data().await {
                    if token.len() < 256 {
                        token.extend_from_slice(chunk.chunk());
                    }
                }
                ctx.check_csrf(&String::from_utf8_lossy(&token))?;
                csrf_checked = true;
            }
            "file" if matches!(received, Received::Nothing) => {
                // The form sends its token first; a script may send the header instead.
                if !csrf_checked {
                    ctx.check_csrf("")?;
                    csrf_checked = true;
                }
                received = receive(&mut part, &partial, faults.as_ref()).await;
            }
            _ => while let Some(Ok(_)) = part.data().await {},
        }
    }
    if !csrf_checked {
        ctx.check_csrf("")?;
    }
    let refuse = |status: StatusCode, problem: String| async move {
        let mut page = list_page(state, ctx, None, Some(problem)).await?;
        *page.status_mut() = status;
        Ok(page)
    };
    match received {
        Received::Nothing => {
            refuse(StatusCode::UNPROCESSABLE_ENTITY, lang.t(Msg::BackupUploadNoFile).into()).await
        }
        Received::NotOurs => {
            refuse(StatusCode::UNPROCESSABLE_ENTITY, lang.t(Msg::BackupUploadNotOurs).into()).await
        }
        Received::WriteFailed(e) => {
            tracing::error!(error = %e, file = %partial.path.display(), "an uploaded backup could not be written");
            drop(partial);
            refuse(StatusCode::SERVICE_UNAVAILABLE, lang.t(Msg::BackupWriteFailed).into()).await
        }
        Received::Written(bytes) => {
            let path = partial.path.clone();
            let checked = tokio::task::spawn_blocking(move || backup::verify(&path))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let info = match checked {
                Ok(info) => info,
                Err(e) => {
                    tracing::warn!(error = %e, bytes, "an uploaded file was refused");
                    drop(partial);
                    let why = format!("{} ({e})", lang.t(Msg::BackupUploadNotOurs));
                    return refuse(StatusCode::UNPROCESSABLE_ENTITY, why).await;
                }
            };
            std::fs::rename(&partial.path, &target)
                .map_err(|e| StoreError::storage(format!("cannot write {}", target.display()), e))?;
            partial.keep = true;
            let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            tracing::info!(file = %name, bytes, records = info.records, "a backup was uploaded and checked");
            Ok(html_response(restore_form(ctx, &name, Restore::Checked(&info))))
        }
    }
}

async fn make(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    ctx.admin()?;
    ctx.form(body)?;
    let info = state.backup_now("manual", None).await?;
    let name = info.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(redirect_to(&format!("/admin/backups?made={}", super::error::encode(&name)), ctx.htmx))
}

/// A backup's name as the page shows it: what made it and when, in the shop's time (the file
/// name carries the UTC time it was made: `wrenchdesk-<kind>-<YYYYmmdd-HHMMSS>[-n].redb`). A
/// name that does not read so is shown as it is.
fn shown_name(name: &str, tz: chrono_tz::Tz, lang: Lang) -> String {
    let read = || {
        let middle = name.strip_prefix("wrenchdesk-")?.strip_suffix(".redb")?;
        let (kind, rest) = middle.split_once('-')?;
        let stamp = rest.get(..15)?;
        let at = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S").ok()?.and_utc();
        let label = match kind {
            "daily" => lang.t(Msg::BackupKindDaily),
            "manual" => lang.t(Msg::BackupKindManual),
            "upload" => lang.t(Msg::BackupKindUpload),
            "prerestore" => lang.t(Msg::BackupKindPrerestore),
            other => other,
        };
        Some(format!("{label} · {}", at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S")))
    };
    read().unwrap_or_else(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backups_name_shows_its_kind_and_the_shops_time() {
        let shown = shown_name("wrenchdesk-daily-20261206-180000.redb", chrono_tz::Asia::Shanghai, Lang::En);
        assert!(shown.ends_with("2026-12-07 02:00:00"), "UTC 18:00 is 02:00 next day in China: {shown}");
        assert!(!shown.contains("daily-"), "{shown}");
        assert_eq!(
            shown_name("wrenchdesk-odd.redb", chrono_tz::Asia::Shanghai, Lang::En),
            "wrenchdesk-odd.redb"
        );
    }
}
