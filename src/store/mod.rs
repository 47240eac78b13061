//! The store: one redb file, one write transaction per user action.
//!
//! Functions that run inside a transaction end in `_tx` and take it as their first argument, so
//! one action composes several of them and commits once. [`Store::write`] and [`Store::read`]
//! run that work on tokio's blocking threads, never on the async ones, and no transaction lives
//! across an `.await`. Every change to business data appends an [`audit`] entry in the same
//! transaction.

pub mod audit;
pub mod backup;
pub mod check;
pub mod codec;
pub mod customers;
pub mod migrate;
pub mod orders;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod tables;
pub mod templates;
pub mod users;
pub mod vehicles;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use redb::{Database, Durability, ReadTransaction, ReadableDatabase, ReadableTable, WriteTransaction};

use crate::domain::{CustomerId, FieldErrors};
use crate::i18n::Msg;

pub use audit::{Actor, AuditEntry};
pub use search::{CustomerFilter, CustomerIndex, CustomerRow, Page};

/// The database file inside the data directory.
pub const DB_FILE: &str = "wrenchdesk.redb";

/// redb's page cache. The default (1 GiB) is a quarter of the smallest box we run on.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A rule refused the input; the form shows these beside its fields.
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    /// A rule refused the action as a whole.
    #[error("refused: {0:?}")]
    Refused(Msg),
    /// The record changed since the user loaded it.
    #[error("stale edit")]
    Stale,
    #[error("not found")]
    NotFound,
    /// The database could not be read or written; nothing was committed.
    #[error("storage: {0}")]
    Storage(String),
    #[error(
        "the database has schema version {found}, newer than this program understands \
         ({supported}); run the newer wrenchdesk that wrote it, or restore a backup"
    )]
    NewerSchema { found: u64, supported: u64 },
    #[error("the data directory {0} is in use by another wrenchdesk process")]
    InUse(PathBuf),
    #[error("internal: {0}")]
    Internal(String),
}

macro_rules! storage_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Storage(e.to_string())
            }
        }
    )*};
}
storage_errors!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);

pub type StoreResult<T> = Result<T, StoreError>;

/// A handle on the open database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
    search: Arc<RwLock<CustomerIndex>>,
    sessions: Arc<sessions::SessionCache>,
    /// Goes up after every committed change to work orders; live pages poll it.
    orders_changed: Arc<AtomicU64>,
    /// Makes commits durable in groups (see [`Flusher`]).
    flusher: Arc<Flusher>,
}

/// The customers a write transaction touched, whose search entries are refreshed from the
/// database once it has committed. Only the store makes one, so a write that changes
/// customers or vehicles cannot skip the refresh.
#[derive(Debug, Default)]
pub struct Touched {
    customers: BTreeSet<CustomerId>,
    orders: bool,
}

impl Touched {
    pub fn customer(&mut self, id: CustomerId) {
        self.customers.insert(id);
    }

    /// A work order changed: the board and open order pages refresh.
    pub fn order(&mut self, _id: crate::domain::OrderId) {
        self.orders = true;
    }
}

impl Store {
    /// Opens (or creates) the database in `data_dir` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> StoreResult<Store> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::Storage(format!("cannot create {}: {e}", data_dir.display())))?;
        let path = data_dir.join(DB_FILE);
        let db = Database::builder().set_cache_size(CACHE_BYTES).create(&path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::InUse(data_dir.to_path_buf()),
            e => e.into(),
        })?;
        migrate::run(&db)?;
        // Start from the clock, so a page polling across a restart sees a new value.
        let start =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64);
        let store = Store {
            db: Arc::new(db),
            search: Arc::default(),
            sessions: Arc::default(),
            flusher: Arc::default(),
            orders_changed: Arc::new(AtomicU64::new(start.unwrap_or(1))),
        };
        store.rebuild_search()?;
        Ok(store)
    }

    /// Builds the customer search index from the database.
    fn rebuild_search(&self) -> StoreResult<()> {
        let started = std::time::Instant::now();
        let tx = self.db.begin_read()?;
        let index = search::build(&tx)?;
        tracing::info!(
            customers = index.len(),
            ms = started.elapsed().as_millis() as u64,
            "search index built"
        );
        *self.search.write().unwrap_or_else(|e| e.into_inner()) = index;
        Ok(())
    }

    /// A number that changes whenever a work order changes (for live pages to poll).
    pub fn orders_changed(&self) -> u64 {
        self.orders_changed.load(Ordering::SeqCst)
    }

    /// Reads the search index (held briefly: searches take microseconds).
    pub fn search<T>(&self, f: impl FnOnce(&CustomerIndex) -> T) -> T {
        f(&self.search.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Like [`Store::write`], for actions that change customers or vehicles: after the commit,
    /// the touched customers' search entries are refreshed from the database.
    pub async fn write_touching<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction, &mut Touched) -> StoreResult<T> + Send + 'static,
    {
        let (db, index, cache) = (self.db.clone(), self.search.clone(), self.sessions.clone());
        let (orders, flusher) = (self.orders_changed.clone(), self.flusher.clone());
        blocking(move || {
            let mut touched = Touched::default();
            let out = write_with(&db, &cache, &flusher, Durability::Immediate, |tx| f(tx, &mut touched))?;
            refresh_or_rebuild(&db, &index, &touched);
            if touched.orders {
                orders.fetch_add(1, Ordering::SeqCst);
            }
            Ok(out)
        })
        .await
    }

    /// [`Store::write_touching`] for tools and tests outside the runtime.
    pub fn write_touching_now<T>(
        &self,
        f: impl FnOnce(&WriteTransaction, &mut Touched) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut touched = Touched::default();
        let out = write_with(&self.db, &self.sessions, &self.flusher, Durability::Immediate, |tx| {
            f(tx, &mut touched)
        })?;
        refresh_or_rebuild(&self.db, &self.search, &touched);
        if touched.orders {
            self.orders_changed.fetch_add(1, Ordering::SeqCst);
        }
        Ok(out)
    }

    /// A consistent, verified copy of the database at `to` (see [`backup`]).
    pub fn backup_to(&self, to: &Path) -> StoreResult<backup::BackupInfo> {
        backup::backup_from(&self.db, to)
    }

    /// Runs `f` in one durable write transaction on a blocking thread. The transaction commits
    /// only if `f` returns `Ok`; an error drops it, so nothing of it is kept.
    pub async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        let (db, cache, flusher) = (self.db.clone(), self.sessions.clone(), self.flusher.clone());
        blocking(move || write_with(&db, &cache, &flusher, Durability::Immediate, f)).await
    }

    /// Like [`Store::write`] but not synced to disk on commit: for bookkeeping that may be lost
    /// in a power cut without harm (a session's last-seen time). It becomes durable with the
    /// next durable commit.
    pub async fn write_lazy<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        let (db, cache, flusher) = (self.db.clone(), self.sessions.clone(), self.flusher.clone());
        blocking(move || write_with(&db, &cache, &flusher, Durability::None, f)).await
    }

    /// A session and its user, from memory when possible. Every request asks this, so the
    /// answer is cached; the cache is emptied after every committed write (see `write_with`),
    /// and a lookup that raced with a write does not fill it.
    pub async fn session(
        &self,
        id: u128,
    ) -> StoreResult<Option<(crate::domain::Session, crate::domain::User)>> {
        if let Some(hit) = self.sessions.get(id) {
            return Ok(Some(hit));
        }
        let generation = self.sessions.generation();
        let found = self
            .read(move |tx| {
                let Some(session) = sessions::get(tx, id)? else { return Ok(None) };
                Ok(users::get(tx, session.user_id)?.map(|user| (session, user)))
            })
            .await?;
        if let Some(pair) = &found {
            self.sessions.fill(generation, id, pair.clone());
        }
        Ok(found)
    }

    /// Runs `f` in one read transaction (a consistent snapshot) on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&ReadTransaction) -> StoreResult<T> + Send + 'static,
    {
        let db = self.db.clone();
        blocking(move || {
            let tx = db.begin_read()?;
            f(&tx)
        })
        .await
    }

    /// The same as [`Store::write`], for command-line tools and start-up outside the runtime.
    pub fn write_now<T>(&self, f: impl FnOnce(&WriteTransaction) -> StoreResult<T>) -> StoreResult<T> {
        write_with(&self.db, &self.sessions, &self.flusher, Durability::Immediate, f)
    }

    pub fn read_now<T>(&self, f: impl FnOnce(&ReadTransaction) -> StoreResult<T>) -> StoreResult<T> {
        let tx = self.db.begin_read()?;
        f(&tx)
    }
}

/// Every write goes through here: one transaction, committed only if `f` succeeds, and then
/// the session cache is emptied, so no cached session or user outlives a committed change.
///
/// The transaction itself commits without syncing; a durable write then waits for the
/// [`Flusher`] to make it durable together with every other commit made meanwhile (group
/// commit). Nothing returns "saved" before its data is on disk, and under load one sync serves
/// many writers instead of each waiting for its own.
fn write_with<T>(
    db: &Database,
    cache: &sessions::SessionCache,
    flusher: &Flusher,
    durability: Durability,
    f: impl FnOnce(&WriteTransaction) -> StoreResult<T>,
) -> StoreResult<T> {
    let mut tx = db.begin_write()?;
    tx.set_durability(Durability::None)?;
    let out = f(&tx)?;
    tx.commit()?;
    cache.clear();
    let seq = flusher.committed();
    if matches!(durability, Durability::Immediate) {
        flusher.wait_durable(db, seq)?;
    }
    Ok(out)
}

/// Group commit. Every commit gets a sequence number; a writer that needs durability waits
/// until a durable (synced) commit that began after its own has finished. The first waiter
/// runs that durable commit for everyone waiting; redb's durable commit also persists every
/// non-durable commit before it.
#[derive(Default)]
pub struct Flusher {
    state: std::sync::Mutex<FlushState>,
    done: std::sync::Condvar,
}

#[derive(Default)]
struct FlushState {
    /// Commits so far.
    committed: u64,
    /// Commits known to be on disk.
    durable: u64,
    flushing: bool,
}

impl Flusher {
    fn lock(&self) -> std::sync::MutexGuard<'_, FlushState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a finished commit and returns its number.
    fn committed(&self) -> u64 {
        let mut state = self.lock();
        state.committed += 1;
        state.committed
    }

    /// Returns once commit `seq` is durable, or the error of the sync this writer ran itself.
    fn wait_durable(&self, db: &Database, seq: u64) -> StoreResult<()> {
        let mut state = self.lock();
        loop {
            if state.durable >= seq {
                return Ok(());
            }
            if !state.flushing {
                state.flushing = true;
                let target = state.committed;
                drop(state);
                let synced = sync(db);
                state = self.lock();
                state.flushing = false;
                if synced.is_ok() {
                    state.durable = state.durable.max(target);
                }
                self.done.notify_all();
                synced?;
                continue;
            }
            state = self.done.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// An empty durable commit: syncs the file with every commit made before it.
fn sync(db: &Database) -> StoreResult<()> {
    let mut tx = db.begin_write()?;
    tx.set_durability(Durability::Immediate)?;
    tx.commit()?;
    Ok(())
}

/// After a commit the change is saved whatever happens here, so a failed refresh must not turn
/// into an error for the user: it is logged and the whole index is rebuilt instead.
fn refresh_or_rebuild(db: &Database, index: &RwLock<CustomerIndex>, touched: &Touched) {
    if let Err(e) = refresh(db, index, touched) {
        tracing::error!(error = %e, "search index refresh failed; rebuilding it");
        let rebuilt = db.begin_read().map_err(StoreError::from).and_then(|tx| search::build(&tx));
        match rebuilt {
            Ok(fresh) => *index.write().unwrap_or_else(|e| e.into_inner()) = fresh,
            Err(e) => tracing::error!(error = %e, "search index rebuild failed"),
        }
    }
}

/// Re-reads touched customers into the search index. The read happens under the index's
/// write lock, so whichever refresh runs last reads the latest committed state.
fn refresh(db: &Database, index: &RwLock<CustomerIndex>, touched: &Touched) -> StoreResult<()> {
    if touched.customers.is_empty() {
        return Ok(());
    }
    let mut index = index.write().unwrap_or_else(|e| e.into_inner());
    let tx = db.begin_read()?;
    for id in &touched.customers {
        search::refresh_one(&tx, &mut index, *id)?;
    }
    Ok(())
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> StoreResult<T> + Send + 'static) -> StoreResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Internal(format!("store task failed: {e}")))?
}

/// Hands out the next id of a record kind.
pub fn next_id_tx(tx: &WriteTransaction, kind: &str) -> StoreResult<u64> {
    let mut seq = tx.open_table(tables::SEQUENCES)?;
    let next = seq.get(kind)?.map(|v| v.value()).unwrap_or(0) + 1;
    seq.insert(kind, next)?;
    Ok(next)
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A store in a fresh temporary directory (kept alive by the returned guard).
    pub fn temp_store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        (Store::open(dir.path()).unwrap(), dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::ReadableTableMetadata;

    const COUNTS: redb::TableDefinition<u64, u64> = redb::TableDefinition::new("test_counts");

    #[test]
    fn concurrent_durable_writes_all_land_and_a_failed_one_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            let threads: Vec<_> = (0..8u64)
                .map(|t| {
                    let store = store.clone();
                    std::thread::spawn(move || {
                        for i in 0..50u64 {
                            store
                                .write_now(|tx| {
                                    tx.open_table(COUNTS)?.insert(t * 1000 + i, i)?;
                                    Ok(())
                                })
                                .unwrap();
                        }
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
            let failed = store.write_now(|tx| {
                tx.open_table(COUNTS)?.insert(999_999, 1)?;
                Err::<(), _>(StoreError::Internal("refused halfway".into()))
            });
            assert!(failed.is_err());
            let state = store.flusher.lock();
            assert_eq!(state.durable, state.committed, "every acknowledged commit was synced");
        }
        // Reopened from the file: every acknowledged write is there, the failed one is not.
        let store = Store::open(dir.path()).unwrap();
        store
            .read_now(|tx| {
                let table = tx.open_table(COUNTS)?;
                assert_eq!(table.len()?, 400);
                assert!(table.get(999_999)?.is_none());
                Ok(())
            })
            .unwrap();
    }
}
