//! Starting and stopping the server: open the store, create the first administrator on an
//! empty database, bind, serve, and sweep expired sessions. The command line and the tests
//! both start wrenchdesk through [`Server::start`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::domain::session::session_rules;
use crate::password;
use crate::store::{Store, StoreError, StoreOptions, sessions, users};
use crate::web::{self, AppState};

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub backups_dir: PathBuf,
    /// The first administrator's password; a random one is made (and reported) when absent.
    pub admin_password: Option<String>,
    /// Make the daily backup (off in tests that do not look at it).
    pub daily_backups: bool,
    /// How long a client may stall sending a request before it is cut off.
    pub slow_client: Duration,
    /// Storage faults to inject (the reliability tests only).
    pub faults: Option<Arc<crate::store::faults::Faults>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

pub struct Server {
    pub addr: SocketAddr,
    pub lan_base_url: String,
    /// Set when this start created the first administrator with a random password.
    pub initial_admin_password: Option<String>,
    pub state: Arc<AppState>,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
    sweeper: JoinHandle<()>,
    scheduler: JoinHandle<()>,
    control: Option<JoinHandle<()>>,
    socket: PathBuf,
}

/// The running server's control socket in the data directory (owner-only): `wrenchdesk
/// backup` asks the server through it, since one process holds the database file.
pub const SOCKET_FILE: &str = "wrenchdesk.sock";

/// Makes the daily backup at the time in the settings (shop time). A box that was off at that
/// time makes it at its next start; the newest `backup_keep` daily backups are kept.
async fn daily_backups(state: Arc<AppState>, enabled: bool) {
    if !enabled {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    let made_today = |state: &AppState| {
        let tz = state.settings().tz();
        let today = Utc::now().with_timezone(&tz).date_naive();
        crate::store::backup::list(&state.backups_dir).iter().any(|b| {
            b.name.starts_with("wrenchdesk-daily-") && b.modified.with_timezone(&tz).date_naive() == today
        })
    };
    let mut last_day =
        made_today(&state).then(|| Utc::now().with_timezone(&state.settings().tz()).date_naive());
    loop {
        tick.tick().await;
        let settings = state.settings();
        let now = Utc::now().with_timezone(&settings.tz());
        if now.time() < settings.backup_at() || last_day == Some(now.date_naive()) {
            continue;
        }
        last_day = Some(now.date_naive());
        match state.backup_now("daily", None).await {
            Ok(info) => tracing::info!(file = %info.path.display(), bytes = info.bytes, "daily backup made"),
            Err(e) => tracing::error!(error = %e, "daily backup failed"),
        }
    }
}

/// Listens on the control socket. One request per connection, one line: `backup` or
/// `backup <file>`; the answer is `ok <file> <bytes> <records> <schema>` or `error <why>`.
#[cfg(unix)]
fn control_socket(data_dir: &std::path::Path, state: Arc<AppState>) -> Option<JoinHandle<()>> {
    use std::os::unix::fs::PermissionsExt;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let path = data_dir.join(SOCKET_FILE);
    let _ = std::fs::remove_file(&path);
    let listener = match tokio::net::UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, path = %path.display(), "no control socket: backups need the server stopped");
            return None;
        }
    };
    let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    Some(tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let state = state.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut line = String::new();
                let mut reader = BufReader::new(read.take(4096));
                if reader.read_line(&mut line).await.is_err() {
                    return;
                }
                let answer = match line.trim().split_once(' ').unwrap_or((line.trim(), "")) {
                    ("backup", to) => {
                        let to = (!to.trim().is_empty()).then(|| PathBuf::from(to.trim()));
                        match state.backup_now("manual", to).await {
                            Ok(i) => format!(
                                "ok {} {} {} {}\n",
                                i.path.display(),
                                i.bytes,
                                i.records,
                                i.schema_version
                            ),
                            Err(e) => format!("error {e}\n"),
                        }
                    }
                    _ => "error unknown request\n".to_string(),
                };
                let _ = write.write_all(answer.as_bytes()).await;
            });
        }
    }))
}

#[cfg(not(unix))]
fn control_socket(_: &std::path::Path, _: Arc<AppState>) -> Option<JoinHandle<()>> {
    None
}

impl Server {
    pub async fn start(config: Config) -> Result<Server, StartError> {
        let options =
            StoreOptions { backups_dir: Some(config.backups_dir.clone()), faults: config.faults.clone() };
        let store = Store::open_with(&config.data_dir, options)?;
        let initial_admin_password = create_first_admin(&store, config.admin_password.clone()).await?;
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| StartError::Bind { addr: config.addr, source })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: config.addr, source })?;
        let lan_base_url = web::lan_base_url(addr);
        let state = AppState::new(store, lan_base_url.clone(), config.backups_dir.clone())?;
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(web::serve(listener, state.clone(), config.slow_client, async move {
            let _ = signal.await;
        }));
        let sweeper = tokio::spawn(sweep_sessions(state.clone()));
        let scheduler = tokio::spawn(daily_backups(state.clone(), config.daily_backups));
        let control = control_socket(&config.data_dir, state.clone());
        Ok(Server {
            addr,
            lan_base_url,
            initial_admin_password,
            state,
            shutdown,
            task,
            sweeper,
            scheduler,
            control,
            socket: config.data_dir.join(SOCKET_FILE),
        })
    }

    /// Stops accepting, lets requests in flight finish, and closes the database.
    pub async fn stop(self) {
        self.sweeper.abort();
        self.scheduler.abort();
        if let Some(control) = &self.control {
            control.abort();
        }
        let _ = std::fs::remove_file(&self.socket);
        let _ = self.shutdown.send(());
        let _ = self.task.await;
        let _ = self.sweeper.await;
    }
}

async fn create_first_admin(store: &Store, password: Option<String>) -> Result<Option<String>, StoreError> {
    let empty = store.read(|tx| Ok(users::list(tx)?.is_empty())).await?;
    if !empty {
        return Ok(None);
    }
    let (password, generated) = match password.filter(|p| !p.is_empty()) {
        Some(p) => (p, false),
        None => (password::random_password(16), true),
    };
    let to_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&to_hash))
        .await
        .map_err(|e| StoreError::Internal(crate::store::Detail::from_source(e)))?;
    let created = store.write(move |tx| users::create_first_admin_tx(tx, hash.clone())).await?;
    Ok((created && generated).then_some(password))
}

/// Removes sessions past their timeouts every ten minutes, so the table does not grow.
async fn sweep_sessions(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        let settings = state.settings();
        let all_users = match state.store.read(users::list).await {
            Ok(users) => users,
            Err(e) => {
                tracing::warn!(error = %e, "session sweep skipped");
                continue;
            }
        };
        let now = Utc::now();
        let swept = state
            .store
            .write_lazy(move |tx| {
                sessions::sweep_tx(tx, |s| match all_users.iter().find(|u| u.id == s.user_id) {
                    Some(user) => !user.active || !s.is_live(now, session_rules(&settings, user)),
                    None => true,
                })
            })
            .await;
        match swept {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "session sweep failed"),
        }
    }
}
