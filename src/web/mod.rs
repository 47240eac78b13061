//! The HTTP layer: warp filters, forms, sessions and maud views. It calls the store for every
//! action and never touches redb itself.
//!
//! Each area exposes `routes(state)`, boxed, and [`routes`] joins them. Handlers return
//! `AppResult<Response>`; [`run`] turns errors into pages. Rejections only mean "no route
//! matched" and are turned into 404/405/413 pages by [`recover`].

/// Wires one handler into a warp `then`: clones the shared state for each request and turns the
/// handler's `AppResult<Response>` into the response for `ctx` (an error page or toast).
///
/// ```ignore
/// warp::path!("orders" / u64).and(warp::get()).and(ctx.clone()).and(query)
///     .then(handler!(state, ctx, |id: u64, ctx: Ctx, q: Query| view_page(&state, &ctx, OrderId(id), &q)))
/// ```
///
/// `state` names the `Arc<AppState>` both outside (to clone from) and inside the call; `ctx`
/// names the closure's [`ctx::Ctx`] argument.
macro_rules! handler {
    ($state:ident, $ctx:ident, |$($arg:ident : $ty:ty),* $(,)?| $call:expr) => {{
        let shared = $state.clone();
        move |$($arg: $ty),*| {
            let $state = shared.clone();
            async move { $crate::web::run(&$ctx, $call.await) }
        }
    }};
}

pub mod admin;
pub mod assets;
pub mod auth;
pub mod backups;
pub mod board;
pub mod csv;
pub mod ctx;
pub mod customers;
pub mod error;
pub mod floor;
pub mod form;
pub mod home;
pub mod import;
pub mod layout;
pub mod orders;
pub mod parts;
pub mod show;
pub mod templates;
pub mod vehicles;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use maud::Markup;
use tokio::net::TcpListener;
use warp::Filter;
use warp::filters::BoxedFilter;
use warp::http::{HeaderValue, StatusCode};
use warp::reply::{Reply, Response};

use crate::domain::Settings;
use crate::i18n::Msg;
use crate::store::{Store, StoreResult, settings as settings_store};
use auth::{Hasher, Throttle};
use ctx::Ctx;
use error::AppResult;

/// Largest request body accepted by form routes.
pub const BODY_LIMIT: u64 = 64 * 1024;

/// What every handler shares.
pub struct AppState {
    pub store: Store,
    settings: RwLock<Arc<Settings>>,
    pub hasher: Hasher,
    pub throttle: Throttle,
    /// Checked customer imports waiting for their confirmation.
    pub imports: import::PendingImports,
    /// `http://<LAN address>:<port>`, the QR address when the settings leave it empty.
    pub lan_base_url: String,
    /// The board as last rendered, per way of showing it; emptied when orders change.
    pub board_cache: board::BoardCache,
    /// Photos being decoded and scaled at once (each holds a whole picture in memory).
    pub photo_permits: tokio::sync::Semaphore,
    /// Where backups go.
    pub backups_dir: std::path::PathBuf,
}

impl AppState {
    pub fn new(
        store: Store,
        lan_base_url: String,
        backups_dir: std::path::PathBuf,
    ) -> StoreResult<Arc<AppState>> {
        let settings = store.read_now(settings_store::get)?;
        Ok(Arc::new(AppState {
            store,
            settings: RwLock::new(Arc::new(settings)),
            hasher: Hasher::new(),
            throttle: Throttle::default(),
            imports: import::PendingImports::default(),
            lan_base_url,
            board_cache: board::BoardCache::default(),
            photo_permits: tokio::sync::Semaphore::new(1),
            backups_dir,
        }))
    }

    /// The settings in force (a cached copy of the stored record).
    pub fn settings(&self) -> Arc<Settings> {
        self.settings.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the cached settings after they were saved.
    pub fn set_settings(&self, settings: Settings) {
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(settings);
    }

    /// Makes a verified backup into the backups directory (or `to`), off the async threads;
    /// a daily one also rotates the older daily ones.
    pub async fn backup_now(
        &self,
        kind: &'static str,
        to: Option<std::path::PathBuf>,
    ) -> StoreResult<crate::store::backup::BackupInfo> {
        let store = self.store.clone();
        let dir = self.backups_dir.clone();
        let keep = self.settings().backup_keep as usize;
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir).map_err(|e| {
                crate::store::StoreError::Storage(format!("cannot create {}: {e}", dir.display()))
            })?;
            let to = to.unwrap_or_else(|| crate::store::backup::new_path(&dir, kind));
            let info = store.backup_to(&to)?;
            if kind == "daily" {
                for removed in crate::store::backup::rotate(&dir, keep) {
                    tracing::info!(file = %removed, "old daily backup removed");
                }
            }
            Ok(info)
        })
        .await
        .map_err(|e| crate::store::StoreError::Internal(format!("backup task failed: {e}")))?
    }

    /// Restores the backup `name` from the backups directory while serving (see
    /// [`Store::restore`]); then the cached settings and waiting imports are replaced too.
    pub async fn restore(&self, name: &str) -> StoreResult<crate::store::Restored> {
        let (store, dir, name) = (self.store.clone(), self.backups_dir.clone(), name.to_string());
        let restored = tokio::task::spawn_blocking(move || store.restore(&dir.join(name), &dir))
            .await
            .map_err(|e| crate::store::StoreError::Internal(format!("restore task failed: {e}")))?;
        // Whatever the outcome, the data under the gate may be another file now.
        if let Ok(settings) = self.store.read(settings_store::get).await {
            self.set_settings(settings);
        }
        self.imports.clear();
        restored
    }

    /// Where phones reach this box: the parameter if set, else the LAN address.
    pub fn public_base_url(&self) -> String {
        let configured = self.settings().public_base_url.clone();
        if configured.is_empty() { self.lan_base_url.clone() } else { configured }
    }
}

/// A page or fragment, marked as varying with `HX-Request`.
pub fn html_response(markup: Markup) -> Response {
    let mut response = warp::reply::html(markup.into_string()).into_response();
    response.headers_mut().insert("vary", HeaderValue::from_static("HX-Request"));
    response
}

pub fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append("set-cookie", value);
    }
}

/// The response for a handler's result.
pub fn run(ctx: &Ctx, result: AppResult<Response>) -> Response {
    result.unwrap_or_else(|e| e.into_response(ctx))
}

/// Every route of the application.
pub fn routes(state: Arc<AppState>) -> BoxedFilter<(Response,)> {
    let s = state.clone();
    let healthz = warp::path!("healthz").and(warp::get()).then(move || {
        let s = s.clone();
        async move {
            let ok = s.store.read(|tx| settings_store::get(tx).map(|_| ())).await.is_ok();
            let (status, text) =
                if ok { (StatusCode::OK, "ok") } else { (StatusCode::SERVICE_UNAVAILABLE, "unavailable") };
            warp::reply::with_status(text, status).into_response()
        }
    });

    let app = healthz
        .boxed()
        .or(assets::routes())
        .unify()
        .or(home::routes(state.clone()))
        .unify()
        .or(auth::routes(state.clone()))
        .unify()
        .or(backups::routes(state.clone()))
        .unify()
        .or(admin::routes(state.clone()))
        .unify()
        .or(import::routes(state.clone()))
        .unify()
        .or(customers::routes(state.clone()))
        .unify()
        .or(vehicles::routes(state.clone()))
        .unify()
        .or(orders::routes(state.clone()))
        .unify()
        .or(board::routes(state.clone()))
        .unify()
        .or(templates::routes(state.clone()))
        .unify()
        .or(floor::routes(state.clone()))
        .unify()
        .or(parts::routes(state.clone()))
        .unify();

    // Server-Timing: how long the server worked on the request, shown by browsers' developer
    // tools and read by the benchmark.
    warp::any()
        .map(Instant::now)
        .and(app.recover(recover).unify())
        .map(|started: Instant, mut response: Response| {
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            if let Ok(value) = HeaderValue::from_str(&format!("app;dur={ms:.3}")) {
                response.headers_mut().insert("server-timing", value);
            }
            secure_headers(response)
        })
        .boxed()
}

/// Rejections: no route matched (404), wrong method (405), body too large or unreadable.
/// The page says it in both languages: a rejection comes before we know who is asking.
async fn recover(rejection: warp::Rejection) -> Result<Response, Infallible> {
    let (status, title, lead) = if rejection.is_not_found() {
        (StatusCode::NOT_FOUND, Msg::NotFoundTitle, Msg::NotFoundLead)
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        (StatusCode::PAYLOAD_TOO_LARGE, Msg::BadRequestTitle, Msg::TooLargeLead)
    } else if rejection.find::<warp::reject::LengthRequired>().is_some() {
        (StatusCode::LENGTH_REQUIRED, Msg::BadRequestTitle, Msg::BadRequestLead)
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        (StatusCode::METHOD_NOT_ALLOWED, Msg::NotFoundTitle, Msg::NotFoundLead)
    } else {
        tracing::debug!(?rejection, "request rejected");
        (StatusCode::BAD_REQUEST, Msg::BadRequestTitle, Msg::BadRequestLead)
    };
    let zh = crate::i18n::Lang::Zh;
    let en = crate::i18n::Lang::En;
    let page = maud::html! {
        (maud::DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (zh.t(title)) " / " (en.t(title)) }
                link rel="stylesheet" href=(assets::css_path());
            }
            body {
                main {
                    section.error-page {
                        h1 { (zh.t(title)) } p.lead { (zh.t(lead)) }
                        h1 lang="en" { (en.t(title)) } p.lead lang="en" { (en.t(lead)) }
                        p { a.button href="/" { (zh.t(Msg::GoHome)) " / " (en.t(Msg::GoHome)) } }
                    }
                }
            }
        }
    };
    let mut response = warp::reply::html(page.into_string()).into_response();
    *response.status_mut() = status;
    Ok(response)
}

fn secure_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    if !headers.contains_key("cache-control") {
        headers.insert("cache-control", HeaderValue::from_static("no-store"));
    }
    response
}

/// How long a client may take to send a request's headers, or stay silent in the middle of its
/// body, before the connection is closed. An idle kept-alive connection is closed after it too.
pub const SLOW_CLIENT: std::time::Duration = std::time::Duration::from_secs(15);

/// The longest any request body may take in all (a 60 MB photo upload over a weak phone
/// signal fits).
const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(300);

/// The address of the client, put in every request's extensions by [`serve`].
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub SocketAddr);

/// Serves `routes` on `listener` until `shutdown` completes, then lets open requests finish
/// (for at most 30 s).
///
/// This is warp's own connection loop plus what warp 0.4 does not expose: hyper's header-read
/// timeout, and a body that fails when the client goes silent (a slow-loris client holds a
/// connection for `slow_client`, not forever). Each connection is its own task, so a thousand
/// idle connections cost memory, not answers.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    slow_client: std::time::Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let routes = routes(state);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    // No hyper header timer: it would arm a timer for every request; `IdleIo` covers it.
    builder.http1().keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let state = ConnState::new();
        let service = WithClient {
            inner: hyper_util::service::TowerToHyperService::new(warp::service(routes.clone())),
            peer,
            slow_client,
            state: state.clone(),
        };
        let io = IdleIo::new(TokioIo::new(stream), state, slow_client);
        let connection = builder.serve_connection_with_upgrades(io, service).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(std::time::Duration::from_secs(30)) => {
            tracing::warn!("requests still open after 30 s; stopping anyway");
        }
    }
}

/// Puts the client's address in each request, bounds the time its body may take, and tells
/// the connection when it is being answered (a connection is never cut off while the shop's box
/// works on it).
#[derive(Clone)]
struct WithClient<S> {
    inner: S,
    peer: SocketAddr,
    slow_client: std::time::Duration,
    state: Arc<ConnState>,
}

/// What a connection's service and its I/O share.
struct ConnState {
    opened: tokio::time::Instant,
    /// Requests being answered.
    busy: std::sync::atomic::AtomicUsize,
    /// When the last answer was ready, in milliseconds since `opened`.
    idle_since_ms: std::sync::atomic::AtomicU64,
}

impl ConnState {
    fn new() -> Arc<ConnState> {
        Arc::new(ConnState {
            opened: tokio::time::Instant::now(),
            busy: Default::default(),
            idle_since_ms: Default::default(),
        })
    }
}

impl<S> hyper::service::Service<hyper::Request<hyper::body::Incoming>> for WithClient<S>
where
    S: hyper::service::Service<hyper::Request<TimedBody>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn call(&self, request: hyper::Request<hyper::body::Incoming>) -> Self::Future {
        use std::sync::atomic::Ordering;
        let (mut parts, body) = request.into_parts();
        parts.extensions.insert(ClientAddr(self.peer));
        let body = TimedBody::new(body, self.slow_client);
        self.state.busy.fetch_add(1, Ordering::SeqCst);
        let answer = self.inner.call(hyper::Request::from_parts(parts, body));
        let state = self.state.clone();
        Box::pin(async move {
            let response = answer.await;
            let now = state.opened.elapsed().as_millis() as u64;
            state.idle_since_ms.store(now, Ordering::SeqCst);
            state.busy.fetch_sub(1, Ordering::SeqCst);
            response
        })
    }
}

/// A connection that is closed when it has not sent a whole request within `idle_for` of
/// opening or of its last answer, while nothing of it is being answered: a connection that
/// never sends anything, headers that trickle in forever, an idle kept-alive connection. (A
/// stalled body is [`TimedBody`]'s.) Its timer is re-armed lazily, at most once a period, not
/// on every read.
struct IdleIo<T> {
    inner: T,
    state: Arc<ConnState>,
    idle_for: std::time::Duration,
    timer: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<T> IdleIo<T> {
    fn new(inner: T, state: Arc<ConnState>, idle_for: std::time::Duration) -> Self {
        IdleIo { inner, state, idle_for, timer: None }
    }

    /// Whether the connection has overstayed; if not, a timer wakes the task when it would.
    fn overstayed(&mut self, cx: &mut std::task::Context<'_>) -> bool {
        use std::sync::atomic::Ordering;
        if self.state.busy.load(Ordering::SeqCst) > 0 {
            return false;
        }
        let since = std::time::Duration::from_millis(self.state.idle_since_ms.load(Ordering::SeqCst));
        let deadline = self.state.opened + since + self.idle_for;
        if tokio::time::Instant::now() >= deadline {
            return true;
        }
        let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if timer.as_mut().poll(cx).is_ready() {
            // Armed for an earlier deadline: move it to the current one.
            timer.as_mut().reset(deadline);
            let _ = timer.as_mut().poll(cx);
        }
        false
    }
}

impl<T: hyper::rt::Read + Unpin> hyper::rt::Read for IdleIo<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::task::Poll;
        let this = &mut *self;
        match std::pin::Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Pending if this.overstayed(cx) => Poll::Ready(Err(std::io::ErrorKind::TimedOut.into())),
            other => other,
        }
    }
}

impl<T: hyper::rt::Write + Unpin> hyper::rt::Write for IdleIo<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
}

/// A request body that fails when the client sends nothing for `idle_for` (counted from when
/// the server started waiting for it, so a handler that reads late is not blamed on the
/// client), or has not finished within [`BODY_DEADLINE`]. Its timer exists only once the body
/// has had to wait.
pub struct TimedBody {
    inner: hyper::body::Incoming,
    idle_for: std::time::Duration,
    started: tokio::time::Instant,
    waiting_since: Option<tokio::time::Instant>,
    timer: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl TimedBody {
    fn new(inner: hyper::body::Incoming, idle_for: std::time::Duration) -> TimedBody {
        TimedBody { inner, idle_for, started: tokio::time::Instant::now(), waiting_since: None, timer: None }
    }
}

impl http_body::Body for TimedBody {
    type Data = bytes::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
        use std::task::Poll;
        let this = &mut *self;
        match std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.waiting_since = None;
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let waiting_since = *this.waiting_since.get_or_insert_with(tokio::time::Instant::now);
                let deadline = (waiting_since + this.idle_for).min(this.started + BODY_DEADLINE);
                if tokio::time::Instant::now() >= deadline {
                    return Poll::Ready(Some(Err("the client stopped sending the request body".into())));
                }
                let timer = this.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if timer.as_mut().poll(cx).is_ready() {
                    timer.as_mut().reset(deadline);
                    let _ = timer.as_mut().poll(cx);
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// `http://<address a phone on the LAN would use>:<port>`; loopback when no LAN route exists.
pub fn lan_base_url(bound: SocketAddr) -> String {
    let ip = if bound.ip().is_unspecified() {
        lan_ip().unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
    } else {
        bound.ip()
    };
    match ip {
        std::net::IpAddr::V6(v6) => format!("http://[{v6}]:{}", bound.port()),
        v4 => format!("http://{v4}:{}", bound.port()),
    }
}

/// The address of the interface that routes to private networks. Connecting a UDP socket sends
/// nothing; it only makes the kernel choose a source address.
fn lan_ip() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.168.0.1:9").or_else(|_| socket.connect("10.0.0.1:9")).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified()).then_some(ip)
}
