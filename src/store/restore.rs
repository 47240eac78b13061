//! Swapping the database file under a running server: restoring a backup ([`Store::restore`])
//! and healing after a storage failure (closing and reopening the file, see [`Inner::heal`]).

use std::path::Path;
use std::sync::atomic::Ordering;

use redb::{Database, Durability};

use super::{DB_FILE, Inner, Store, StoreError, StoreResult, backup, migrate, open_file};

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

impl Store {
    /// Replaces the data with the backup `file`, while the server runs. The file is verified
    /// first; then, with every transaction finished and new ones waiting, the current data is
    /// backed up into `backups_dir`, the file is swapped in, and every session ends (everyone
    /// signs in again, against the restored accounts). If anything fails before the swap,
    /// nothing changed; if the restored file cannot be opened, the replaced data is put back.
    pub fn restore(&self, file: &Path, backups_dir: &Path) -> StoreResult<Restored> {
        let from = backup::verify(file)?;
        std::fs::create_dir_all(backups_dir)
            .map_err(|e| StoreError::storage(format!("cannot create {}", backups_dir.display()), e))?;
        let inner = &self.inner;
        let mut slot = inner.db.write().unwrap_or_else(|e| e.into_inner());
        let current = slot.as_ref().ok_or_else(|| StoreError::Storage("the database is closed".into()))?;
        let paused = std::time::Instant::now();
        let replaced = backup::keep_copy_from(current, &backup::new_path(backups_dir, "prerestore"))?;
        *slot = None; // closes the file
        let live = inner.data_dir.join(DB_FILE);
        let open_restored = || -> StoreResult<Database> {
            let db = open_file(&inner.data_dir, &inner.medium)?;
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
            *slot = Some(open_file(&inner.data_dir, &inner.medium)?);
        }
        inner.after_swap();
        if let Some(db) = slot.as_ref() {
            inner.rebuild_search_from(db)?;
        }
        outcome.map(|restored| Restored { paused: paused.elapsed(), ..restored })
    }
}

impl Inner {
    /// After a storage error: with every transaction finished, checks whether redb latched the
    /// failure and, if so, closes and reopens the file. Reopening recovers the last durable
    /// commit: the commits whose sync failed (whose writers were told nothing was saved) are
    /// gone, as they told. A disk that still fails is retried at most once a second.
    pub(super) fn heal(&self) -> StoreResult<()> {
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
            match open_file(&self.data_dir, &self.medium) {
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
}
