//! The store: one redb file, one write transaction per user action.
//!
//! Functions that run inside a transaction end in `_tx` and take it as their first argument, so
//! one action composes several of them and commits once. Where the work runs: a short read
//! ([`Store::read`], the lookups one page shows) runs inline on the async thread that asked,
//! because the hop to another thread costs more than the read; [`Store::scan`] (reports,
//! exports, anything over many rows) and every write ([`Store::write`], batched with the others
//! waiting) run on tokio's blocking threads. No transaction lives across an `.await`. Every change to business data appends an
//! [`audit`] entry in the same transaction.
//!
//! This file holds [`Store`] itself: opening, the read and write entry points, the session cache
//! and the search index refresh. Around it:
//! - `error`: [`StoreError`] and the [`Detail`] (context and source) of storage failures.
//! - `flush`: the write path: every write transaction, group commit (one sync makes every
//!   commit before it durable), and settling a write whose sync failed.
//! - [`batch`]: the users' actions that arrive together run in one transaction with one sync;
//!   one that fails is dropped and the rest run again without it.
//! - `restore`: swapping the file under a running server: restoring a backup, healing after a
//!   storage failure.
//! - `unfinished`: a new database file whose creation a crash cut short, which redb refuses
//!   to open although it holds nothing: emptied and created again.
//! - [`tables`]: every table of the database, the data model at a glance.
//! - [`codec`]: the one value encoding (MessagePack with field names), and `Raw`: a table's
//!   stored bytes, for backups that copy and checksum rows without decoding them.
//! - [`migrate`]: schema versions and the migration runner.
//! - [`customers`], [`vehicles`], [`orders`], [`templates`], [`users`], [`sessions`],
//!   [`settings`]: each record kind's reads and `_tx` writes.
//! - [`parts`]: the parts inventory: catalog, suppliers, the stock ledger, stocktakes, and the
//!   in-memory parts index (issuing parts to order lines lives in [`orders`]).
//! - [`checkout`]: bills, discounts, payments and voids, part lines refunded on a reopened order,
//!   receivables (挂账), the day-end (日结) and customer statements (对账单).
//! - [`appointments`]: appointments (预约): booking, moving, no-shows, turning one into an order;
//!   indexed by start, vehicle and customer.
//! - [`care`]: the due lists (提醒), indexed by due day with the records that move them.
//! - [`followups`]: follow-up calls (回访): scheduled with a delivery, answered from the list,
//!   unhappy answers for the manager, totals per month for the report.
//! - [`inspections`]: inspection checklists, an order's inspections item by item, findings
//!   turned into lines, a vehicle's deferred work.
//! - [`reports`]: report totals per day and per month, kept with the records that move them.
//! - [`search`]: the in-memory customer search index.
//! - [`audit`]: the append-only audit log.
//! - [`backup`]: verified copies of the database, listing and rotating them.
//! - [`check`]: `wrenchdesk check`: integrity and invariants.
//! - [`export`]: the shop's own export: every record as CSV files in one zip, with a README.
//! - [`faults`]: storage fault injection for the reliability tests.
//! - `power` (tests only): a simulated disk that loses power, and the test that every write
//!   answered "saved" survives the cut.

pub mod appointments;
pub mod audit;
pub mod backup;
mod batch;
pub mod care;
pub mod check;
pub mod checkout;
pub mod codec;
pub mod customers;
mod error;
pub mod export;
pub mod faults;
mod flush;
pub mod followups;
pub mod inspections;
pub mod migrate;
pub mod orders;
pub mod parts;
#[cfg(test)]
mod power;
pub mod reports;
mod restore;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod tables;
pub mod templates;
mod unfinished;
pub mod users;
pub mod vehicles;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use redb::{Database, Durability, ReadTransaction, ReadableDatabase, ReadableTable, WriteTransaction};

use crate::domain::CustomerId;

pub use audit::{Actor, AuditEntry};
pub use error::{BoxError, Detail, StoreError, StoreResult};
pub use flush::Flusher;
use flush::Written;
pub use restore::Restored;
pub use search::{CustomerFilter, CustomerIndex, CustomerRow, Page};

/// The database file inside the data directory.
pub const DB_FILE: &str = "wrenchdesk.redb";

/// redb's page cache. The default (1 GiB) is a quarter of the smallest box we run on.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

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
    /// What the file is read and written through; every reopen goes through the same.
    medium: Medium,
    search: RwLock<CustomerIndex>,
    /// The parts catalog's in-memory rows (see [`parts::index`]).
    parts: RwLock<parts::index::PartIndex>,
    sessions: sessions::SessionCache,
    /// Goes up after every committed change to work orders; live pages poll it.
    orders_changed: AtomicU64,
    /// Makes commits durable in groups (see [`Flusher`]).
    flusher: Flusher,
    /// Users' actions waiting to share the next write transaction (see [`batch`]).
    batcher: batch::Batcher,
    /// Long reads running at once (see [`Store::scan`]): one per core.
    scans: tokio::sync::Semaphore,
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

/// What the database file is read and written through: the file itself in the shop; in the
/// tests, a backend that injects faults into it, or a simulated disk that loses power.
#[derive(Clone)]
enum Medium {
    File,
    Faulty(Arc<faults::Faults>),
    #[cfg(test)]
    Simulated(power::disk::SimulatedDisk),
}

/// Opens (or creates) the database file in `data_dir` through `medium`.
fn open_file(data_dir: &Path, medium: &Medium) -> StoreResult<Database> {
    let path = data_dir.join(DB_FILE);
    let mut builder = Database::builder();
    builder.set_cache_size(CACHE_BYTES);
    let create = || -> StoreResult<Result<Database, redb::DatabaseError>> {
        Ok(match medium {
            Medium::File => builder.create(&path),
            Medium::Faulty(faults) => {
                let backend = faults::backend(&path, faults.clone())
                    .map_err(|e| StoreError::storage(format!("cannot open {}", path.display()), e))?;
                builder.create_with_backend(backend)
            }
            #[cfg(test)]
            Medium::Simulated(disk) => builder.create_with_backend(disk.backend()),
        })
    };
    let mut opened = create()?;
    if let Err(e) = &opened
        && unfinished::refused_as_unfinished(e, &path)
    {
        tracing::warn!(file = %path.display(), "the database file was cut short while it was being created; creating it again");
        unfinished::empty(&path)
            .map_err(|e| StoreError::storage(format!("cannot empty {}", path.display()), e))?;
        opened = create()?;
    }
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
        let medium = match options.faults {
            None => Medium::File,
            Some(faults) => Medium::Faulty(faults),
        };
        Store::open_on(data_dir, options.backups_dir, medium)
    }

    /// The store over a simulated disk instead of the file in `data_dir` (the power-cut tests;
    /// see [`power`]).
    #[cfg(test)]
    pub(crate) fn open_simulated(data_dir: &Path, disk: &power::disk::SimulatedDisk) -> StoreResult<Store> {
        Store::open_on(data_dir, None, Medium::Simulated(disk.clone()))
    }

    fn open_on(data_dir: &Path, backups_dir: Option<PathBuf>, medium: Medium) -> StoreResult<Store> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::storage(format!("cannot create {}", data_dir.display()), e))?;
        let db = open_file(data_dir, &medium)?;
        let found = migrate::version(&db)?;
        if found > 0 && found < migrate::CURRENT {
            let dir = backups_dir.unwrap_or_else(|| data_dir.join("backups"));
            std::fs::create_dir_all(&dir)
                .map_err(|e| StoreError::storage(format!("cannot create {}", dir.display()), e))?;
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
                medium,
                search: Default::default(),
                parts: Default::default(),
                sessions: Default::default(),
                scans: tokio::sync::Semaphore::new(
                    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
                ),
                flusher: Default::default(),
                batcher: Default::default(),
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

    /// Like [`Store::write`], for actions that change customers, vehicles, orders or parts:
    /// after the commit, the touched customers' search entries and parts' index rows are
    /// refreshed from the database, and live pages see changed orders.
    pub async fn write_touching<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: Fn(&WriteTransaction, &mut Touched) -> StoreResult<T> + Send + 'static,
    {
        self.batched(Box::new(move |tx, touched| {
            Ok(Box::new(f(tx, touched)?) as Box<dyn std::any::Any + Send>)
        }))
        .await
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
        let faults = self.faults();
        self.inner.with_db(|db| backup::backup_through(db, to, faults.as_ref()))
    }

    /// The storage faults this store was opened with (the reliability tests only): files the
    /// server writes beside the database obey them too.
    pub fn faults(&self) -> Option<Arc<faults::Faults>> {
        match &self.inner.medium {
            Medium::Faulty(faults) => Some(faults.clone()),
            _ => None,
        }
    }

    /// Runs `f` in a durable write transaction, answered once it is on disk. The transaction
    /// commits only if `f` returns `Ok`; an error drops it, so nothing of it is kept.
    ///
    /// Actions that arrive together share one transaction and one sync (see [`batch`]), so `f`
    /// may run more than once, each time from the same state, and only the run that commits
    /// counts: it takes what it needs by reference or clones it, and decides from what it reads.
    pub async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: Fn(&WriteTransaction) -> StoreResult<T> + Send + 'static,
    {
        self.batched(Box::new(move |tx, _| Ok(Box::new(f(tx)?) as Box<dyn std::any::Any + Send>))).await
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

    /// Runs a short read `f` in one read transaction (a consistent snapshot): the point lookups
    /// and small ranges one page shows. It runs inline on the calling thread, since handing it
    /// to another thread costs more than the read itself; only while the file is being swapped
    /// or healed (which can take seconds) does it wait on a blocking thread instead, so no async
    /// thread stalls behind a restore.
    pub async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&ReadTransaction) -> StoreResult<T> + Send + 'static,
    {
        match self.inner.read_inline(f) {
            Ok(out) => out,
            Err(f) => self.scan(f).await,
        }
    }

    /// Runs a long read `f` (a report, an export, anything over many rows) in one read
    /// transaction on a blocking thread, so the async threads keep answering meanwhile.
    ///
    /// At most one scan per core runs at a time; the others wait their turn. Scans are bound by
    /// the processor, so running more at once finishes none sooner, and each holds what it
    /// read in memory: thirty-two people opening a ten-year report at once cost two reports'
    /// worth of memory, not thirty-two.
    pub async fn scan<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&ReadTransaction) -> StoreResult<T> + Send + 'static,
    {
        let _turn =
            self.inner.scans.acquire().await.map_err(|e| StoreError::internal("scan permits closed", e))?;
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
    /// Runs a read right here if the database is open and nobody is swapping or healing it;
    /// otherwise hands `f` back, to be run where waiting is harmless.
    fn read_inline<T, F>(&self, f: F) -> Result<StoreResult<T>, F>
    where
        F: FnOnce(&ReadTransaction) -> StoreResult<T>,
    {
        if self.suspect.load(Ordering::SeqCst) {
            return Err(f);
        }
        let Ok(slot) = self.db.try_read() else { return Err(f) };
        let Some(db) = slot.as_ref() else { return Err(f) };
        let out = db.begin_read().map_err(StoreError::from).and_then(|tx| f(&tx));
        if matches!(out, Err(StoreError::Storage(_) | StoreError::Unconfirmed(_))) {
            self.suspect.store(true, Ordering::SeqCst);
        }
        Ok(out)
    }

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
    tokio::task::spawn_blocking(f).await.map_err(|e| StoreError::internal("store task failed", e))?
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
    fn the_session_cache_outlives_other_writes_but_not_a_change_to_its_user() {
        let (store, _dir) = testing::temp_store();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let now = chrono::Utc::now();
        let session = crate::domain::Session {
            user_id: crate::domain::UserId(1),
            csrf: "c".into(),
            created_at: now,
            last_seen: now,
            expires_at: now + chrono::Duration::hours(8),
            locked: false,
            return_to: None,
        };
        store
            .write_now(|tx| {
                users::create_first_admin_tx(tx, "hash".into())?;
                sessions::insert_tx(tx, 7, &session)
            })
            .unwrap();
        let lang_of = || rt.block_on(store.session(7)).unwrap().map(|(_, u)| u.lang);
        assert_eq!(lang_of(), Some(None));
        assert!(store.inner.sessions.get(7).is_some(), "the lookup was cached");
        store
            .write_now(|tx| {
                tx.open_table(COUNTS)?.insert(1, 1)?;
                Ok(())
            })
            .unwrap();
        assert!(store.inner.sessions.get(7).is_some(), "a write to other records keeps the cache");
        store
            .write_now(|tx| users::set_lang_tx(tx, crate::domain::UserId(1), crate::i18n::Lang::En))
            .unwrap();
        assert!(store.inner.sessions.get(7).is_none(), "a change to the user empties it");
        assert_eq!(lang_of(), Some(Some(crate::i18n::Lang::En)));
        store.write_now(|tx| sessions::remove_tx(tx, 7).map(|_| ())).unwrap();
        assert_eq!(lang_of(), None, "an ended session is not served from memory");
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
