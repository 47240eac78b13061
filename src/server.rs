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

use crate::store::{Store, StoreError, sessions, users};
use crate::web::{self, AppState};
use crate::{password, web::ctx::session_rules};

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub backups_dir: PathBuf,
    /// The first administrator's password; a random one is made (and reported) when absent.
    pub admin_password: Option<String>,
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
}

impl Server {
    pub async fn start(config: Config) -> Result<Server, StartError> {
        let store = Store::open(&config.data_dir)?;
        let initial_admin_password = create_first_admin(&store, config.admin_password.clone()).await?;
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| StartError::Bind { addr: config.addr, source })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: config.addr, source })?;
        let lan_base_url = web::lan_base_url(addr);
        let state = AppState::new(store, lan_base_url.clone())?;
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(web::serve(listener, state.clone(), async move {
            let _ = signal.await;
        }));
        let sweeper = tokio::spawn(sweep_sessions(state.clone()));
        Ok(Server { addr, lan_base_url, initial_admin_password, state, shutdown, task, sweeper })
    }

    /// Stops accepting, lets requests in flight finish, and closes the database.
    pub async fn stop(self) {
        self.sweeper.abort();
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
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    let created = store.write(move |tx| users::create_first_admin_tx(tx, hash)).await?;
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
