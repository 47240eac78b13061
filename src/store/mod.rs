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
pub mod faults;
pub mod migrate;
pub mod orders;
pub mod parts;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod tables;
pub mod templates;
pub mod users;
pub mod vehicles;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    /// A file offered as a backup is damaged, foreign, or of a newer program; nothing changed.
    #[error("{0}")]
    NotABackup(String),
    /// The change was committed but the sync that makes it durable failed: it may or may not
    /// be on disk.
    #[error("storage, unconfirmed: {0}")]
    Unconfirmed(String),
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
    inner: Arc<Inner>,
}

struct Inner {
    /// The open database behind a gate. Every transaction runs under a shared hold; reopening
    /// the file after a storage failure and restoring a backup take it exclusively, so they wait
    /// for the transactions in flight and no transaction sees half of a swap. `None` only while
    /// the file is being replaced or could not be reopened.
    db: RwLock<Option<Database>>,
    /// A storage error was seen: the next access checks the database and reopens it if redb
    /// has latched the failure (after a failed write or sync, redb refuses every later call).
    suspect: AtomicBool,
    /// When reopening last failed, so a broken disk is retried at most once a second.
    reopen_failed_at: std::sync::Mutex<Option<std::time::Instant>>,
    data_dir: PathBuf,
    faults: Option<Arc<faults::Faults>>,
    search: RwLock<CustomerIndex>,
    /// The parts catalog's in-memory rows (see [`parts::index`]).
    parts: RwLock<parts::index::PartIndex>,
    sessions: sessions::SessionCache,
    /// Goes up after every committed change to work orders; live pages poll it.
    orders_changed: AtomicU64,
    /// Makes commits durable in groups (see [`Flusher`]).
    flusher: Flusher,
}

/// How to open the store; the defaults are what the shop runs with.
#[derive(Clone, Debug, Default)]
pub struct StoreOptions {
    /// Where the backup made before a schema migration goes (default `<data>/backups`).
    pub backups_dir: Option<PathBuf>,
    /// Storage faults to inject (reliability tests only).
    pub faults: Option<Arc<faults::Faults>>,
}

/// The customers a write transaction touched, whose search entries are refreshed from the
/// database once it has committed. Only the store makes one, so a write that changes
/// customers or vehicles cannot skip the refresh.
#[derive(Debug, Default)]
pub struct Touched {
    customers: BTreeSet<CustomerId>,
    orders: bool,
    parts: BTreeSet<crate::domain::part::PartId>,
}

impl Touched {
    pub fn customer(&mut self, id: CustomerId) {
        self.customers.insert(id);
    }

    /// A part's catalog entry or stock changed: its row in the parts index is re-read.
    pub fn part(&mut self, id: crate::domain::part::PartId) {
        self.parts.insert(id);
    }

    /// A work order changed: the board and open order pages refresh.
    pub fn order(&mut self, _id: crate::domain::OrderId) {
        self.orders = true;
    }
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// The backup that is now the data.
    pub from: backup::BackupInfo,
    /// The verified backup of the data it replaced.
    pub replaced: backup::BackupInfo,
    /// How long transactions waited: backing up the current data, swapping, reopening.
    pub paused: std::time::Duration,
}

/// Opens (or creates) the database file in `data_dir`, through the fault-injecting backend
/// when one is given.
fn open_file(data_dir: &Path, faults: Option<&Arc<faults::Faults>>) -> StoreResult<Database> {
    let path = data_dir.join(DB_FILE);
    let mut builder = Database::builder();
    builder.set_cache_size(CACHE_BYTES);
    let opened = match faults {
        None => builder.create(&path),
        Some(faults) => {
            let backend = faults::backend(&path, faults.clone())
                .map_err(|e| StoreError::Storage(format!("cannot open {}: {e}", path.display())))?;
            builder.create_with_backend(backend)
        }
    };
    opened.map_err(|e| match e {
        redb::DatabaseError::DatabaseAlreadyOpen => StoreError::InUse(data_dir.to_path_buf()),
        e => e.into(),
    })
}

impl Store {
    /// Opens (or creates) the database in `data_dir` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> StoreResult<Store> {
        Store::open_with(data_dir, StoreOptions::default())
    }

    /// [`Store::open`] with options. A database of an older schema is first backed up (and the
    /// backup verified) into the backups directory, then migrated.
    pub fn open_with(data_dir: &Path, options: StoreOptions) -> StoreResult<Store> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::Storage(format!("cannot create {}: {e}", data_dir.display())))?;
        let db = open_file(data_dir, options.faults.as_ref())?;
        let found = migrate::version(&db)?;
        if found > 0 && found < migrate::CURRENT {
            let dir = options.backups_dir.clone().unwrap_or_else(|| data_dir.join("backups"));
            std::fs::create_dir_all(&dir)
                .map_err(|e| StoreError::Storage(format!("cannot create {}: {e}", dir.display())))?;
            let to = backup::new_path(&dir, &format!("premigration-v{found}"));
            let info = backup::keep_copy_from(&db, &to)?;
            tracing::info!(file = %info.path.display(), from = found, to = migrate::CURRENT, "backup made before migrating");
        }
        migrate::run(&db)?;
        // Start from the clock, so a page polling across a restart sees a new value.
        let start =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64);
        let store = Store {
            inner: Arc::new(Inner {
                db: RwLock::new(Some(db)),
                suspect: AtomicBool::new(false),
                reopen_failed_at: Default::default(),
                data_dir: data_dir.to_path_buf(),
                faults: options.faults,
                search: Default::default(),
                parts: Default::default(),
                sessions: Default::default(),
                flusher: Default::default(),
                orders_changed: AtomicU64::new(start.unwrap_or(1)),
            }),
        };
        store.inner.rebuild_search()?;
        Ok(store)
    }

    /// A number that changes whenever a work order changes (for live pages to poll).
    pub fn orders_changed(&self) -> u64 {
        self.inner.orders_changed.load(Ordering::SeqCst)
    }

    /// Reads the parts index (held briefly).
    pub fn parts<T>(&self, f: impl FnOnce(&parts::index::PartIndex) -> T) -> T {
        f(&self.inner.parts.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Reads the search index (held briefly: searches take microseconds).
    pub fn search<T>(&self, f: impl FnOnce(&CustomerIndex) -> T) -> T {
        f(&self.inner.search.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Like [`Store::write`], for actions that change customers or vehicles: after the commit,
    /// the touched customers' search entries are refreshed from the database.
    pub async fn write_touching<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction, &mut Touched) -> StoreResult<T> + Send + 'static,
    {
        let store = self.clone();
        blocking(move || store.write_touching_now(f)).await
    }

    /// [`Store::write_touching`] for tools and tests outside the runtime.
    pub fn write_touching_now<T>(
        &self,
        f: impl FnOnce(&WriteTransaction, &mut Touched) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let inner = &self.inner;
        let written = inner.write_durable(
            |tx| {
                let mut touched = Touched::default();
                let out = f(tx, &mut touched)?;
                Ok((out, touched))
            },
            |db, (_, touched)| {
                refresh_or_rebuild(db, &inner.search, touched);
                refresh_parts(db, &inner.parts, touched);
            },
        );
        // A write whose sync failed may have been kept all the same: live pages look again. A
        // write a rule refused changed nothing, and the board's cache stays.
        let changed = match &written {
            Ok((_, touched)) => touched.orders,
            Err(e) => matches!(e, StoreError::Storage(_) | StoreError::Unconfirmed(_)),
        };
        if changed {
            inner.orders_changed.fetch_add(1, Ordering::SeqCst);
        }
        written.map(|(out, _)| out)
    }

    /// A consistent, verified copy of the database at `to` (see [`backup`]). Writers go on
    /// meanwhile; a restore waits for it.
    pub fn backup_to(&self, to: &Path) -> StoreResult<backup::BackupInfo> {
        self.inner.with_db(|db| backup::backup_from(db, to))
    }

    /// Replaces the data with the backup `file`, while the server runs. The file is verified
    /// first; then, with every transaction finished and new ones waiting, the current data is
    /// backed up into `backups_dir`, the file is swapped in, and every session ends (everyone
    /// signs in again, against the restored accounts). If anything fails before the swap,
    /// nothing changed; if the restored file cannot be opened, the replaced data is put back.
    pub fn restore(&self, file: &Path, backups_dir: &Path) -> StoreResult<Restored> {
        let from = backup::verify(file)?;
        std::fs::create_dir_all(backups_dir)
            .map_err(|e| StoreError::Storage(format!("cannot create {}: {e}", backups_dir.display())))?;
        let inner = &self.inner;
        let mut slot = inner.db.write().unwrap_or_else(|e| e.into_inner());
        let current = slot.as_ref().ok_or_else(|| StoreError::Storage("the database is closed".into()))?;
        let paused = std::time::Instant::now();
        let replaced = backup::keep_copy_from(current, &backup::new_path(backups_dir, "prerestore"))?;
        *slot = None; // closes the file
        let live = inner.data_dir.join(DB_FILE);
        let open_restored = || -> StoreResult<Database> {
            let db = open_file(&inner.data_dir, inner.faults.as_ref())?;
            migrate::run(&db)?;
            let mut tx = db.begin_write()?;
            tx.set_durability(Durability::Immediate)?;
            backup::after_restore_tx(&tx, &from)?;
            tx.commit()?;
            Ok(db)
        };
        let outcome = match backup::swap_in(file, &live) {
            // The live file was not touched: it opens again as it was.
            Err(e) => Err(e),
            Ok(()) => match open_restored() {
                Ok(db) => {
                    *slot = Some(db);
                    Ok(Restored { from, replaced, paused: paused.elapsed() })
                }
                Err(e) => {
                    tracing::error!(error = %e, "the restored data would not open; putting the replaced data back");
                    backup::swap_in(&replaced.path, &live)?;
                    Err(e)
                }
            },
        };
        if slot.is_none() {
            *slot = Some(open_file(&inner.data_dir, inner.faults.as_ref())?);
        }
        inner.after_swap();
        if let Some(db) = slot.as_ref() {
            inner.rebuild_search_from(db)?;
        }
        outcome.map(|restored| Restored { paused: paused.elapsed(), ..restored })
    }

    /// Runs `f` in one durable write transaction on a blocking thread. The transaction commits
    /// only if `f` returns `Ok`; an error drops it, so nothing of it is kept.
    pub async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        let store = self.clone();
        blocking(move || store.write_now(f)).await
    }

    /// Like [`Store::write`] but not synced to disk on commit: for bookkeeping that may be lost
    /// in a power cut without harm (a session's last-seen time). It becomes durable with the
    /// next durable commit.
    pub async fn write_lazy<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        let store = self.clone();
        blocking(move || {
            store.inner.with_db(|db| match store.inner.write_with(db, Durability::None, f)? {
                Written::Durable(out) | Written::InDoubt { out, .. } => Ok(out),
            })
        })
        .await
    }

    /// A session and its user, from memory when possible. Every request asks this, so the
    /// answer is cached; the cache is emptied after every committed write (see `write_with`),
    /// and a lookup that raced with a write does not fill it.
    pub async fn session(
        &self,
        id: u128,
    ) -> StoreResult<Option<(crate::domain::Session, crate::domain::User)>> {
        if let Some(hit) = self.inner.sessions.get(id) {
            return Ok(Some(hit));
        }
        let generation = self.inner.sessions.generation();
        let found = self
            .read(move |tx| {
                let Some(session) = sessions::get(tx, id)? else { return Ok(None) };
                Ok(users::get(tx, session.user_id)?.map(|user| (session, user)))
            })
            .await?;
        if let Some(pair) = &found {
            self.inner.sessions.fill(generation, id, pair.clone());
        }
        Ok(found)
    }

    /// Runs `f` in one read transaction (a consistent snapshot) on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&ReadTransaction) -> StoreResult<T> + Send + 'static,
    {
        let store = self.clone();
        blocking(move || store.read_now(f)).await
    }

    /// The same as [`Store::write`], for command-line tools and start-up outside the runtime.
    pub fn write_now<T>(&self, f: impl FnOnce(&WriteTransaction) -> StoreResult<T>) -> StoreResult<T> {
        self.inner.write_durable(f, |_, _| {})
    }

    pub fn read_now<T>(&self, f: impl FnOnce(&ReadTransaction) -> StoreResult<T>) -> StoreResult<T> {
        self.inner.with_db(|db| {
            let tx = db.begin_read()?;
            f(&tx)
        })
    }
}

impl Inner {
    /// Runs `f` on the open database under a shared hold. A storage error marks the database
    /// suspect, and the next access heals it first (see [`Inner::heal`]).
    fn with_db<T>(&self, f: impl FnOnce(&Database) -> StoreResult<T>) -> StoreResult<T> {
        if self.suspect.load(Ordering::SeqCst) {
            self.heal()?;
        }
        let slot = self.db.read().unwrap_or_else(|e| e.into_inner());
        let db = slot.as_ref().ok_or_else(|| StoreError::Storage("the database is not open".into()))?;
        let out = f(db);
        if matches!(out, Err(StoreError::Storage(_) | StoreError::Unconfirmed(_))) {
            self.suspect.store(true, Ordering::SeqCst);
        }
        out
    }

    /// After a storage error: with every transaction finished, checks whether redb latched the
    /// failure and, if so, closes and reopens the file. Reopening recovers the last durable
    /// commit: the commits whose sync failed (whose writers were told nothing was saved) are
    /// gone, as they told. A disk that still fails is retried at most once a second.
    fn heal(&self) -> StoreResult<()> {
        let mut slot = self.db.write().unwrap_or_else(|e| e.into_inner());
        if !self.suspect.load(Ordering::SeqCst) {
            return Ok(()); // healed by another thread meanwhile
        }
        if let Some(db) = slot.as_ref()
            && db.begin_write().is_ok()
        {
            self.suspect.store(false, Ordering::SeqCst);
            return Ok(());
        }
        {
            let mut failed_at = self.reopen_failed_at.lock().unwrap_or_else(|e| e.into_inner());
            if failed_at.is_some_and(|at| at.elapsed() < std::time::Duration::from_secs(1)) {
                return Err(StoreError::Storage("the database is unavailable".into()));
            }
            *slot = None;
            match open_file(&self.data_dir, self.faults.as_ref()) {
                Ok(db) => {
                    *slot = Some(db);
                    *failed_at = None;
                }
                Err(e) => {
                    *failed_at = Some(std::time::Instant::now());
                    tracing::error!(error = %e, "reopening the database failed");
                    return Err(e);
                }
            }
        }
        tracing::warn!("the database was reopened after a storage failure");
        self.suspect.store(false, Ordering::SeqCst);
        self.after_swap();
        match slot.as_ref() {
            Some(db) => self.rebuild_search_from(db),
            None => Ok(()),
        }
    }

    /// After the file under the gate changed (reopened or restored): no cached session, board
    /// or commit count from before it counts.
    fn after_swap(&self) {
        self.sessions.clear();
        self.flusher.reset();
        self.orders_changed.fetch_add(1, Ordering::SeqCst);
    }

    /// Builds the customer search index from the database.
    fn rebuild_search(&self) -> StoreResult<()> {
        self.with_db(|db| self.rebuild_search_from(db))
    }

    /// [`Inner::rebuild_search`] from a database in hand (under the gate's exclusive hold after
    /// a swap, so no search sees the index of the data before it).
    fn rebuild_search_from(&self, db: &Database) -> StoreResult<()> {
        let started = std::time::Instant::now();
        let index = search::build(&db.begin_read()?)?;
        tracing::info!(
            customers = index.len(),
            ms = started.elapsed().as_millis() as u64,
            "search index built"
        );
        *self.search.write().unwrap_or_else(|e| e.into_inner()) = index;
        let parts = parts::index::build(&db.begin_read()?)?;
        *self.parts.write().unwrap_or_else(|e| e.into_inner()) = parts;
        Ok(())
    }
}

/// A committed write, and whether its sync answered.
enum Written<T> {
    Durable(T),
    /// Committed, but the sync failed: whether it is kept is known only once the file is
    /// reopened (see [`Inner::settle`]).
    InDoubt {
        out: T,
        commit: u64,
        error: StoreError,
    },
}

/// The `meta` key of the number of the last commit, written by every write transaction: after
/// a failed sync, the reopened file tells by it which commits it kept (commits are kept in
/// order, so a commit is kept exactly when the stored number reached its own).
const COMMIT_KEY: &str = "commit_number";

impl Inner {
    /// Every write goes through here: one transaction, committed only if `f` succeeds, and
    /// then the session cache is emptied, so no cached session or user outlives a committed
    /// change.
    ///
    /// The transaction itself commits without syncing; a durable write then waits for the
    /// [`Flusher`] to make it durable together with every other commit made meanwhile (group
    /// commit). Nothing returns "saved" before its data is on disk, and under load one sync
    /// serves many writers instead of each waiting for its own.
    fn write_with<T>(
        &self,
        db: &Database,
        durability: Durability,
        f: impl FnOnce(&WriteTransaction) -> StoreResult<T>,
    ) -> StoreResult<Written<T>> {
        let mut tx = db.begin_write()?;
        tx.set_durability(Durability::None)?;
        let out = f(&tx)?;
        let commit = {
            let mut meta = tx.open_table(tables::META)?;
            let next = meta.get(COMMIT_KEY)?.map(|v| v.value()).unwrap_or(0) + 1;
            meta.insert(COMMIT_KEY, next)?;
            next
        };
        tx.commit()?;
        self.sessions.clear();
        let seq = self.flusher.committed();
        if matches!(durability, Durability::Immediate)
            && let Err(error) = self.flusher.wait_durable(db, seq)
        {
            return Ok(Written::InDoubt { out, commit, error });
        }
        Ok(Written::Durable(out))
    }

    /// A durable write: `f` in one transaction, answered only once it is on disk. If the sync
    /// failed, the file is reopened and asked whether it kept the commit: kept is success, not
    /// kept is "nothing was changed", and a file that cannot be asked leaves it unconfirmed.
    fn write_durable<T>(
        &self,
        f: impl FnOnce(&WriteTransaction) -> StoreResult<T>,
        after: impl FnOnce(&Database, &T),
    ) -> StoreResult<T> {
        let written = self.with_db(|db| {
            let written = self.write_with(db, Durability::Immediate, f)?;
            let (Written::Durable(out) | Written::InDoubt { out, .. }) = &written;
            after(db, out);
            Ok(written)
        })?;
        match written {
            Written::Durable(out) => Ok(out),
            Written::InDoubt { out, commit, error } => self.settle(out, commit, error),
        }
    }

    fn settle<T>(&self, out: T, commit: u64, error: StoreError) -> StoreResult<T> {
        tracing::error!(%error, commit, "a sync failed; reopening the database to see what it kept");
        self.suspect.store(true, Ordering::SeqCst);
        let kept = self.with_db(|db| {
            let tx = db.begin_read()?;
            let stored = tx.open_table(tables::META)?.get(COMMIT_KEY)?.map(|v| v.value()).unwrap_or(0);
            Ok(stored >= commit)
        });
        match kept {
            Ok(true) => Ok(out),
            Ok(false) => Err(StoreError::Storage(format!("not saved: {error}"))),
            Err(e) => Err(StoreError::Unconfirmed(format!("{error}; then {e}"))),
        }
    }
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

    /// Forgets commits of a database that was closed: with the file reopened, what is in it is
    /// what is durable.
    fn reset(&self) {
        let mut state = self.lock();
        state.durable = state.committed;
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
                synced.map_err(|e| StoreError::Unconfirmed(e.to_string()))?;
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

/// Re-reads touched parts into the parts index; on failure the whole index is rebuilt (the
/// write is saved whatever happens here).
fn refresh_parts(db: &Database, index: &RwLock<parts::index::PartIndex>, touched: &Touched) {
    if touched.parts.is_empty() {
        return;
    }
    let mut index = index.write().unwrap_or_else(|e| e.into_inner());
    let refreshed = db.begin_read().map_err(StoreError::from).and_then(|tx| {
        for id in &touched.parts {
            parts::index::refresh_one(&tx, &mut index, *id)?;
        }
        Ok(())
    });
    if let Err(e) = refreshed {
        tracing::error!(error = %e, "parts index refresh failed; rebuilding it");
        match db.begin_read().map_err(StoreError::from).and_then(|tx| parts::index::build(&tx)) {
            Ok(fresh) => *index = fresh,
            Err(e) => tracing::error!(error = %e, "parts index rebuild failed"),
        }
    }
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
            let state = store.inner.flusher.lock();
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

    #[test]
    fn an_older_database_is_backed_up_before_it_is_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let (data, backups) = (dir.path().join("data"), dir.path().join("backups"));
        std::fs::create_dir_all(&data).unwrap();
        {
            let db = Database::create(data.join(DB_FILE)).unwrap();
            migrate::run_to(&db, 2).unwrap();
            let tx = db.begin_write().unwrap();
            tx.open_table(tables::SEQUENCES).unwrap().insert("customer", 41).unwrap();
            tx.commit().unwrap();
        }
        let options = StoreOptions { backups_dir: Some(backups.clone()), faults: None };
        let store = Store::open_with(&data, options.clone()).unwrap();
        let version =
            store.read_now(|tx| Ok(tx.open_table(tables::META)?.get("schema_version")?.map(|v| v.value())));
        assert_eq!(version.unwrap(), Some(migrate::CURRENT));
        let made = backup::list(&backups);
        assert_eq!(made.len(), 1, "{made:?}");
        assert!(made[0].name.starts_with("wrenchdesk-premigration-v2-"), "{}", made[0].name);
        // The old backup verifies: checksum, and invariants on a migrated temporary copy.
        let info = backup::verify(&backups.join(&made[0].name)).unwrap();
        assert_eq!(info.schema_version, 2);
        drop(store);
        // Opening a current database makes no backup.
        drop(Store::open_with(&data, options).unwrap());
        assert_eq!(backup::list(&backups).len(), 1);
        // And the old backup restores: migrated on the way in, its data kept.
        let store = Store::open(&data).unwrap();
        store.restore(&backups.join(&made[0].name), &backups).unwrap();
        let seq =
            store.read_now(|tx| Ok(tx.open_table(tables::SEQUENCES)?.get("customer")?.map(|v| v.value())));
        assert_eq!(seq.unwrap(), Some(41));
    }
}
