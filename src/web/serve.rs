//! The connection loop under warp: hyper's server with what warp 0.4 does not expose — a
//! deadline for a request's headers, a body that fails when the client goes silent, idle
//! kept-alive connections closed — plus the client's address in each request and the LAN
//! address phones are shown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use super::{AppState, routes};

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
