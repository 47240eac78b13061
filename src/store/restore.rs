//! Swapping the database file under a running server: restoring a backup ([`Store::restore`])
//! and healing after a storage failure (closing and reopening the file, see [`Inner::heal`]).

use std::path::Path;
use std::sync::atomic::Ordering;

use redb::{Database, Durability, ReadableDatabase};

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
    /// and a copy of it made ready beside the live file (migrated to this schema, its search
    /// indexes built) while the shop goes on working. Only then, with every transaction
    /// finished and new ones waiting, the live file is renamed aside into `backups_dir` (not
    /// copied: the pause does not grow with the data), the copy is renamed into its place and
    /// opened, and every session ends. After the pause the file put aside is stamped as a
    /// backup (`wrenchdesk-prerestore-…`). If anything fails before the swap, nothing changed;
    /// if the restored file cannot be opened, the replaced data is put back.
    pub fn restore(&self, file: &Path, backups_dir: &Path) -> StoreResult<Restored> {
        let from = backup::verify(file)?;
        std::fs::create_dir_all(backups_dir)
            .map_err(|e| StoreError::storage(format!("cannot create {}", backups_dir.display()), e))?;
        let inner = &self.inner;
        let live = inner.data_dir.join(DB_FILE);
        let incoming = Incoming::prepare(file, &live)?;
        let aside = backup::new_path(backups_dir, "prerestore");

        let mut slot = inner.db.write().unwrap_or_else(|e| e.into_inner());
        let paused = std::time::Instant::now();
        if slot.is_none() {
            return Err(StoreError::Storage("the database is closed".into()));
        }
        *slot = None; // closes the file
        let kept = match backup::rename_aside(&live, &aside) {
            Ok(kept) => kept,
            Err(e) => {
                *slot = Some(open_file(&inner.data_dir, &inner.medium)?);
                return Err(e);
            }
        };
        let open_restored = || -> StoreResult<Database> {
            backup::rename_synced(&incoming.path, &live)?;
            let db = open_file(&inner.data_dir, &inner.medium)?;
            let mut tx = db.begin_write()?;
            tx.set_durability(Durability::Immediate)?;
            backup::after_restore_tx(&tx, &from)?;
            tx.commit()?;
            Ok(db)
        };
        let outcome = match open_restored() {
            Ok(db) => {
                *slot = Some(db);
                *inner.search.write().unwrap_or_else(|e| e.into_inner()) = incoming.search;
                *inner.parts.write().unwrap_or_else(|e| e.into_inner()) = incoming.parts;
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, "the restored data would not open; putting the replaced data back");
                let _ = std::fs::remove_file(&incoming.path);
                backup::rename_synced(&kept, &live)?;
                *slot = Some(open_file(&inner.data_dir, &inner.medium)?);
                Err(e)
            }
        };
        inner.after_swap();
        if outcome.is_err()
            && let Some(db) = slot.as_ref()
        {
            inner.rebuild_search_from(db)?;
        }
        drop(slot);
        let paused = paused.elapsed();
        outcome?;
        tracing::info!(
            ms = paused.as_millis() as u64,
            "restored; the data it replaced is being stamped as a backup"
        );
        // The shop works again; the file put aside becomes a backup like any other.
        // The restore is done whatever happens here: a failure is told, not turned into a
        // failed restore; the replaced data stays where it was put aside.
        let replaced = backup::stamp_kept(&kept, &aside).unwrap_or_else(|e| {
            tracing::error!(error = %e, file = %kept.display(), "the replaced data could not be stamped as a backup; it is kept as it was");
            let bytes = std::fs::metadata(&kept).map(|m| m.len()).unwrap_or(0);
            backup::BackupInfo { path: kept.clone(), schema_version: 0, records: 0, bytes, took: Vec::new() }
        });
        Ok(Restored { from, replaced, paused })
    }
}

/// A verified backup's copy, made ready beside the live file before the pause.
struct Incoming {
    path: std::path::PathBuf,
    search: super::CustomerIndex,
    parts: super::parts::index::PartIndex,
}

impl Incoming {
    fn prepare(file: &Path, live: &Path) -> StoreResult<Incoming> {
        let path = live.with_extension("redb.restoring");
        let made = (|| {
            std::fs::copy(file, &path).map_err(|e| StoreError::storage("cannot copy the backup", e))?;
            let db = Database::builder().set_cache_size(16 * 1024 * 1024).open(&path)?;
            migrate::run(&db)?;
            let search = super::search::build(&db.begin_read()?)?;
            let parts = super::parts::index::build(&db.begin_read()?)?;
            drop(db);
            std::fs::File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| StoreError::storage("cannot sync the copy", e))?;
            Ok(Incoming { path: path.clone(), search, parts })
        })();
        if made.is_err() {
            let _ = std::fs::remove_file(&path);
        }
        made
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
