//! The write path: one transaction per action, committed without syncing; a writer that needs
//! its change on disk waits for one sync that covers every commit made before it (group
//! commit); a sync that failed is settled by asking the reopened file what it kept.

use std::sync::atomic::Ordering;

use redb::{Database, Durability, ReadableDatabase, ReadableTable, WriteTransaction};

use super::{Detail, Inner, StoreError, StoreResult, tables};

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
pub(super) struct FlushState {
    /// Commits so far.
    pub(super) committed: u64,
    /// Commits known to be on disk.
    pub(super) durable: u64,
    flushing: bool,
}

impl Flusher {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, FlushState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets commits of a database that was closed: with the file reopened, what is in it is
    /// what is durable.
    pub(super) fn reset(&self) {
        let mut state = self.lock();
        state.durable = state.committed;
    }

    /// Counts a finished commit and returns its number.
    pub(super) fn committed(&self) -> u64 {
        let mut state = self.lock();
        state.committed += 1;
        state.committed
    }

    /// Returns once commit `seq` is durable, or the error of the sync this writer ran itself.
    pub(super) fn wait_durable(&self, db: &Database, seq: u64) -> StoreResult<()> {
        let mut state = self.lock();
        loop {
            if state.durable >= seq {
                return Ok(());
            }
            if !state.flushing {
                state.flushing = true;
                drop(state);
                let synced = self.sync(db);
                state = self.lock();
                state.flushing = false;
                if let Ok(target) = synced {
                    state.durable = state.durable.max(target);
                }
                self.done.notify_all();
                synced.map_err(|e| StoreError::Unconfirmed(Detail::from_source(e)))?;
                continue;
            }
            state = self.done.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Flusher {
    /// An empty durable commit: syncs the file with every commit made before it, and returns
    /// how many commits that covers.
    ///
    /// The count is read once the write lock is held, not before asking for it: under load the
    /// sync queues behind other writers for the lock, and every commit counted by the time it
    /// gets it is in the file it syncs. Counting before would leave those writers waiting for
    /// one more sync (about doubling their wait). A commit counts itself only after its
    /// `commit()` returned, so nothing is counted that this sync does not cover.
    fn sync(&self, db: &Database) -> StoreResult<u64> {
        let mut tx = db.begin_write()?;
        let covered = self.lock().committed;
        tx.set_durability(Durability::Immediate)?;
        tx.commit()?;
        Ok(covered)
    }
}

/// A committed write, and whether its sync answered.
pub(super) enum Written<T> {
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
pub(super) const COMMIT_KEY: &str = "commit_number";

impl Inner {
    /// Commits `tx` (without syncing) with the next commit number in `meta`, and empties the
    /// session cache if it changed a session or a user; returns the commit number and the
    /// commit's place in the group commit.
    pub(super) fn commit_numbered(&self, tx: WriteTransaction) -> StoreResult<(u64, u64)> {
        let commit = {
            let mut meta = tx.open_table(tables::META)?;
            let next = meta.get(COMMIT_KEY)?.map(|v| v.value()).unwrap_or(0) + 1;
            meta.insert(COMMIT_KEY, next)?;
            next
        };
        tx.commit()?;
        if super::sessions::take_changed() {
            self.sessions.clear();
        }
        Ok((commit, self.flusher.committed()))
    }

    /// Every write goes through here: one transaction, committed only if `f` succeeds, and
    /// then, if `f` changed a session or a user, the session cache is emptied, so no cached
    /// session or user outlives a committed change (other writes leave it: every request reads
    /// its session, and a write per second would otherwise make them all go to the file).
    ///
    /// The transaction itself commits without syncing; a durable write then waits for the
    /// [`Flusher`] to make it durable together with every other commit made meanwhile (group
    /// commit). Nothing returns "saved" before its data is on disk, and under load one sync
    /// serves many writers instead of each waiting for its own.
    pub(super) fn write_with<T>(
        &self,
        db: &Database,
        durability: Durability,
        f: impl FnOnce(&WriteTransaction) -> StoreResult<T>,
    ) -> StoreResult<Written<T>> {
        let mut tx = db.begin_write()?;
        tx.set_durability(Durability::None)?;
        super::sessions::take_changed();
        let out = f(&tx)?;
        let (commit, seq) = self.commit_numbered(tx)?;
        if matches!(durability, Durability::Immediate)
            && let Err(error) = self.flusher.wait_durable(db, seq)
        {
            return Ok(Written::InDoubt { out, commit, error });
        }
        Ok(Written::Durable(out))
    }

    /// A durable write: `f` in one transaction, answered only once it is on disk. If the sync
    /// failed, the file is reopened and asked whether it kept the commit: kept (and synced
    /// again) is success, not kept is "nothing was changed", and a file that cannot be asked
    /// or synced leaves it unconfirmed.
    pub(super) fn write_durable<T>(
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

    pub(super) fn settle<T>(&self, out: T, commit: u64, error: StoreError) -> StoreResult<T> {
        tracing::error!(%error, commit, "a sync failed; reopening the database to see what it kept");
        self.suspect.store(true, Ordering::SeqCst);
        let kept = self.with_db(|db| {
            let tx = db.begin_read()?;
            let stored = tx.open_table(tables::META)?.get(COMMIT_KEY)?.map(|v| v.value()).unwrap_or(0);
            drop(tx);
            if stored < commit {
                return Ok(false);
            }
            // The reopened file shows what the process sees, which is on the disk only once a
            // sync has succeeded after it: one is made here rather than left to however redb
            // reopens a file. (A kernel that drops what a failed sync was to write yet still
            // shows it defeats any reading back; the power-cut tests model a disk that keeps it
            // unsynced.)
            self.flusher.sync(db)?;
            Ok(true)
        });
        match kept {
            Ok(true) => Ok(out),
            Ok(false) => Err(StoreError::storage("not saved", error)),
            Err(e) => Err(StoreError::Unconfirmed(Detail::caused(
                format!("the file could not be asked what it kept, or not synced after ({e})"),
                error,
            ))),
        }
    }
}
