//! The shop's own export (Administration → Export): `GET /admin/export` explains it,
//! `POST /admin/export` downloads every record as CSV files in one zip (see `store::export`).
//!
//! The zip is written into the response while it is read: a blocking thread runs the export in
//! one read transaction and hands chunks of the zip through a bounded channel to the body, so
//! neither the database nor the zip is ever held in memory, and a download the browser
//! abandons stops the export (the channel closes, the next write fails). The export is audited
//! before its first byte; only administrators may take it.

use std::io::{self, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use maud::html;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::hyper::body::Bytes;
use warp::reply::{Reply, Response};

use crate::i18n::Msg;
use crate::store::{audit, export};
use crate::web::ctx::Ctx;
use crate::web::error::AppResult;
use crate::web::layout::{self, csrf_field};
use crate::web::{AppState, BODY_LIMIT, html_response};

/// Size of the chunks handed to the response body.
const CHUNK: usize = 256 * 1024;
/// Chunks waiting for the client at most: what a slow download keeps in memory.
const CHUNKS_IN_FLIGHT: usize = 4;

pub(super) fn routes(state: &Arc<AppState>) -> BoxedFilter<(Response,)> {
    let ctx = crate::web::ctx::ctx(state.clone());
    let page = warp::path!("admin" / "export")
        .and(warp::get())
        .and(ctx.clone())
        .then(|ctx: Ctx| async move { crate::web::run(&ctx, export_page(&ctx)) });
    let download = warp::path!("admin" / "export")
        .and(warp::post())
        .and(ctx)
        .and(warp::body::content_length_limit(BODY_LIMIT).and(warp::body::bytes()))
        .then(handler!(state, ctx, |ctx: Ctx, body: Bytes| download(&state, &ctx, &body)));
    page.or(download).unify().boxed()
}

fn export_page(ctx: &Ctx) -> AppResult<Response> {
    ctx.admin()?;
    let lang = ctx.lang;
    let body = html! {
        h1 { (lang.t(Msg::ExportTitle)) }
        section.panel {
            p.lead { (lang.t(Msg::ExportLead)) }
            p.muted { (lang.t(Msg::ExportTimes)) }
            form method="post" action="/admin/export" data-export-form {
                (csrf_field(ctx))
                div.actions { button.primary type="submit" data-export { (lang.t(Msg::ExportDownload)) } }
            }
        }
    };
    Ok(html_response(layout::page(ctx, lang.t(Msg::ExportTitle), body)))
}

/// `POST /admin/export`: the zip, streamed.
async fn download(state: &AppState, ctx: &Ctx, body: &[u8]) -> AppResult<Response> {
    let (admin, _cap) = ctx.admin()?;
    ctx.form(body)?;
    let actor = admin.actor();
    state
        .store
        .write(move |tx| audit::append_tx(tx, &actor, "export.download", "shop", "every record as CSV"))
        .await?;
    let tz = ctx.settings.tz();
    let (sender, receiver) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
    let store = state.store.clone();
    // Not a `scan`: a download waits on the client's pace, and must not hold one of the
    // report scans' turns for it.
    tokio::task::spawn_blocking(move || {
        let out = ChannelWriter { sender: sender.clone(), buf: Vec::with_capacity(CHUNK) };
        let started = std::time::Instant::now();
        match store.read_now(|tx| export::export_tx(tx, out, tz, &mut |_| {})) {
            Ok(summary) => tracing::info!(
                bytes = summary.bytes,
                seconds = started.elapsed().as_secs_f64(),
                "export downloaded"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "export stopped");
                let _ = sender.blocking_send(Err(io::Error::other(e.to_string())));
            }
        }
    });
    let name =
        format!("wrenchdesk-export-{}.zip", chrono::Utc::now().with_timezone(&tz).format("%Y%m%d-%H%M"));
    let mut response = warp::reply::stream(ChunkStream(receiver)).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", "application/zip".parse().expect("static header"));
    headers.insert("cache-control", "no-store".parse().expect("static header"));
    if let Ok(value) = format!("attachment; filename=\"{name}\"").parse() {
        headers.insert("content-disposition", value);
    }
    Ok(response)
}

/// The export's writer: chunks of [`CHUNK`] bytes into the bounded channel, waiting while the
/// client is behind; a closed channel (the download was abandoned) fails the write.
struct ChannelWriter {
    sender: tokio::sync::mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.sender.blocking_send(Ok(chunk)).map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// The receiving end as the response body's stream.
struct ChunkStream(tokio::sync::mpsc::Receiver<io::Result<Bytes>>);

impl futures_util::Stream for ChunkStream {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}
