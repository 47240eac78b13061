//! Group commit: write transactions commit without syncing, and a writer that needs its
//! change on disk waits for one sync that covers every commit made before it.

use redb::{Database, Durability};

use super::{Detail, StoreError, StoreResult};

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
                let target = state.committed;
                drop(state);
                let synced = sync(db);
                state = self.lock();
                state.flushing = false;
                if synced.is_ok() {
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

/// An empty durable commit: syncs the file with every commit made before it.
fn sync(db: &Database) -> StoreResult<()> {
    let mut tx = db.begin_write()?;
    tx.set_durability(Durability::Immediate)?;
    tx.commit()?;
    Ok(())
}
