//! Backups: a consistent copy of the whole database, made from one read transaction into a new
//! redb file, then checked; and a verified restore.
//!
//! A backup carries the schema version it was made at and a checksum of its contents (in its
//! `meta` table, under [`CHECKSUM_KEY`] and [`MADE_AT_KEY`]). Verifying recomputes the checksum
//! and runs `check` on the copy, so a damaged or foreign file is refused before it replaces
//! anything.

use std::path::{Path, PathBuf};

use chrono::Utc;
use redb::{Database, ReadTransaction, ReadableDatabase, ReadableTable, TableHandle, Value};

use super::tables::META;
use super::{DB_FILE, StoreError, StoreResult, check, migrate};

pub const CHECKSUM_KEY: &str = "backup_checksum";
pub const MADE_AT_KEY: &str = "backup_made_at";

/// What a backup holds.
#[derive(Debug)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub schema_version: u64,
    pub records: u64,
    pub bytes: u64,
}

/// FNV-1a over every key and value of every table, in table and key order.
fn checksum(tx: &ReadTransaction) -> StoreResult<(u64, u64)> {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut records = 0u64;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    let mut failure = None;
    crate::for_each_table!(t => {
        if failure.is_none() {
            match tx.open_table(t) {
                Ok(table) => {
                    feed(t.name().as_bytes());
                    match table.iter() {
                        Ok(rows) => for row in rows {
                            match row {
                                Ok((k, v)) => {
                                    let (k, v) = (k.value(), v.value());
                                    let key_bytes = key_bytes(&t, &k);
                                    // The backup's own bookkeeping is not part of what it protects.
                                    if t.name() == "meta" && (key_bytes == CHECKSUM_KEY.as_bytes() || key_bytes == MADE_AT_KEY.as_bytes()) {
                                        continue;
                                    }
                                    feed(&key_bytes);
                                    feed(value_bytes(&t, &v).as_ref());
                                    records += 1;
                                }
                                Err(e) => failure = Some(StoreError::from(e)),
                            }
                        },
                        Err(e) => failure = Some(e.into()),
                    }
                }
                Err(redb::TableError::TableDoesNotExist(_)) => {}
                Err(e) => failure = Some(e.into()),
            }
        }
    });
    match failure {
        Some(e) => Err(e),
        None => Ok((hash, records)),
    }
}

fn key_bytes<'a, K: redb::Key + 'static, V: Value + 'static>(
    _: &redb::TableDefinition<K, V>,
    k: &K::SelfType<'a>,
) -> Vec<u8> {
    K::as_bytes(k).as_ref().to_vec()
}

fn value_bytes<'a, K: redb::Key + 'static, V: Value + 'static>(
    _: &redb::TableDefinition<K, V>,
    v: &V::SelfType<'a>,
) -> Vec<u8> {
    V::as_bytes(v).as_ref().to_vec()
}

/// Copies every table of `src` (one read transaction: a consistent snapshot, while writers
/// go on) into a new database at `to`, stamps it, and verifies it.
pub fn backup_from(src: &Database, to: &Path) -> StoreResult<BackupInfo> {
    if to.exists() {
        return Err(StoreError::Storage(format!("{} already exists", to.display())));
    }
    let partial = to.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let read = src.begin_read()?;
    let (sum, _) = checksum(&read)?;
    {
        let dst = Database::builder().set_cache_size(16 * 1024 * 1024).create(&partial)?;
        let tx = dst.begin_write()?;
        let mut failure: Option<StoreError> = None;
        crate::for_each_table!(t => {
            if failure.is_none() {
                let copied: StoreResult<()> = (|| {
                    let source = match read.open_table(t) {
                        Ok(table) => table,
                        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
                        Err(e) => return Err(e.into()),
                    };
                    let mut target = tx.open_table(t)?;
                    for row in source.iter()? {
                        let (k, v) = row?;
                        target.insert(k.value(), v.value())?;
                    }
                    Ok(())
                })();
                if let Err(e) = copied {
                    failure = Some(e);
                }
            }
        });
        if let Some(e) = failure {
            drop(tx);
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
        {
            let mut meta = tx.open_table(META)?;
            meta.insert(CHECKSUM_KEY, sum)?;
            meta.insert(MADE_AT_KEY, Utc::now().timestamp() as u64)?;
        }
        tx.commit()?;
    }
    std::fs::rename(&partial, to)
        .map_err(|e| StoreError::Storage(format!("cannot write {}: {e}", to.display())))?;
    verify(to)
}

/// A backup file in the backups directory.
#[derive(Clone, Debug)]
pub struct BackupFile {
    pub name: String,
    pub bytes: u64,
    pub modified: chrono::DateTime<Utc>,
}

/// Whether a file name is one of ours (`wrenchdesk-…​.redb`, letters, digits and dashes only):
/// the only names the admin page will list, serve or delete.
pub fn is_backup_name(name: &str) -> bool {
    name.strip_prefix("wrenchdesk-").and_then(|rest| rest.strip_suffix(".redb")).is_some_and(|middle| {
        !middle.is_empty() && middle.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

/// The backups in `dir`, newest first.
pub fn list(dir: &Path) -> Vec<BackupFile> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(meta) = entry.metadata() else { continue };
        if !is_backup_name(&name) || !meta.is_file() {
            continue;
        }
        let modified = meta.modified().map(chrono::DateTime::<Utc>::from).unwrap_or_default();
        out.push(BackupFile { name, bytes: meta.len(), modified });
    }
    out.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| b.name.cmp(&a.name)));
    out
}

/// Deletes the oldest scheduled backups beyond the newest `keep` (`wrenchdesk-daily-…` only:
/// backups made by hand stay until someone removes them).
pub fn rotate(dir: &Path, keep: usize) -> Vec<String> {
    let daily: Vec<BackupFile> =
        list(dir).into_iter().filter(|b| b.name.starts_with("wrenchdesk-daily-")).collect();
    let mut removed = Vec::new();
    for old in daily.into_iter().skip(keep) {
        if std::fs::remove_file(dir.join(&old.name)).is_ok() {
            removed.push(old.name);
        }
    }
    removed
}

/// A new backup's path: `<dir>/wrenchdesk-<kind>-<UTC time>.redb`.
pub fn new_path(dir: &Path, kind: &str) -> PathBuf {
    dir.join(format!("wrenchdesk-{kind}-{}.redb", Utc::now().format("%Y%m%d-%H%M%S")))
}

/// Checks a backup file: a redb database of a schema this program knows, whose contents match
/// its checksum and pass `check`. Nothing is changed.
pub fn verify(file: &Path) -> StoreResult<BackupInfo> {
    let refuse =
        |why: String| StoreError::Storage(format!("{} is not a usable backup: {why}", file.display()));
    let bytes = std::fs::metadata(file).map_err(|e| refuse(e.to_string()))?.len();
    let mut db = Database::builder()
        .set_cache_size(16 * 1024 * 1024)
        .open(file)
        .map_err(|e| refuse(format!("not a wrenchdesk database ({e})")))?;
    if !db.check_integrity().map_err(|e| refuse(e.to_string()))? {
        return Err(refuse("the file is damaged".into()));
    }
    let version = migrate::version(&db).map_err(|e| refuse(e.to_string()))?;
    if version == 0 {
        return Err(refuse("it holds no wrenchdesk data".into()));
    }
    if version > migrate::CURRENT {
        return Err(refuse(format!(
            "schema version {version} is newer than this program ({})",
            migrate::CURRENT
        )));
    }
    let tx = db.begin_read()?;
    let stored = tx
        .open_table(META)
        .map_err(|e| refuse(e.to_string()))?
        .get(CHECKSUM_KEY)?
        .map(|v| v.value())
        .ok_or_else(|| refuse("it carries no checksum".into()))?;
    let (sum, records) = checksum(&tx).map_err(|e| refuse(e.to_string()))?;
    if sum != stored {
        return Err(refuse("its contents do not match its checksum".into()));
    }
    let mut report = check::Report::default();
    check::invariants(&tx, &mut report)?;
    if !report.problems.is_empty() {
        return Err(refuse(report.problems.join("; ")));
    }
    Ok(BackupInfo { path: file.to_path_buf(), schema_version: version, records, bytes })
}

/// Replaces the database in `data_dir` (which no server may hold) with a verified backup. What
/// it replaces is kept in `keep_dir` first. A refused file changes nothing.
pub fn restore(file: &Path, data_dir: &Path, keep_dir: &Path) -> StoreResult<(BackupInfo, Option<PathBuf>)> {
    let info = verify(file)?;
    let live = data_dir.join(DB_FILE);
    let mut kept = None;
    if live.exists() {
        // Opening proves no server holds the file; dropping it releases the lock again.
        let db = Database::builder().set_cache_size(1024 * 1024).open(&live).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::InUse(data_dir.to_path_buf()),
            e => e.into(),
        })?;
        drop(db);
        std::fs::create_dir_all(keep_dir).map_err(|e| StoreError::Storage(e.to_string()))?;
        let keep = keep_dir.join(format!("replaced-{}.redb", Utc::now().format("%Y%m%d-%H%M%S")));
        std::fs::copy(&live, &keep)
            .map_err(|e| StoreError::Storage(format!("cannot keep the current data: {e}")))?;
        kept = Some(keep);
    }
    std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Storage(e.to_string()))?;
    let incoming = data_dir.join(format!("{DB_FILE}.restoring"));
    std::fs::copy(file, &incoming).map_err(|e| StoreError::Storage(e.to_string()))?;
    std::fs::File::open(&incoming)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::Storage(e.to_string()))?;
    std::fs::rename(&incoming, &live).map_err(|e| StoreError::Storage(e.to_string()))?;
    Ok((info, kept))
}

#[cfg(test)]
mod rotation_tests {
    use super::*;

    #[test]
    fn only_our_names_count_and_rotation_keeps_the_newest_daily_ones() {
        assert!(is_backup_name("wrenchdesk-daily-20261128-020000.redb"));
        assert!(!is_backup_name("../wrenchdesk-x.redb"));
        assert!(!is_backup_name("wrenchdesk-.redb"));
        assert!(!is_backup_name("wrenchdesk-a/b.redb"));
        let dir = tempfile::tempdir().unwrap();
        for day in 1..=5 {
            std::fs::write(dir.path().join(format!("wrenchdesk-daily-2026110{day}-020000.redb")), b"x")
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::fs::write(dir.path().join("wrenchdesk-manual-20261101-090000.redb"), b"x").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
        let removed = rotate(dir.path(), 3);
        assert_eq!(removed.len(), 2);
        let left: Vec<String> = list(dir.path()).into_iter().map(|b| b.name).collect();
        assert_eq!(left.len(), 4, "{left:?}");
        assert!(left.contains(&"wrenchdesk-manual-20261101-090000.redb".to_string()));
        assert!(!left.iter().any(|n| n.contains("20261101-02") || n.contains("20261102")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Actor, Store, users};

    fn seeded() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("data")).unwrap();
        store.write_now(|tx| users::create_first_admin_tx(tx, "h".into())).unwrap();
        crate::seed::run(&store, crate::seed::Profile::Demo, &mut |_| {}).unwrap();
        (dir, store)
    }

    #[test]
    fn every_table_is_in_the_table_list() {
        let (_dir, store) = seeded();
        let mut listed = 0;
        crate::for_each_table!(_t => { listed += 1; });
        let existing = store.read_now(|tx| Ok(tx.list_tables()?.count())).unwrap();
        assert_eq!(listed, existing, "a table is missing from for_each_table!");
    }

    #[test]
    fn a_backup_is_a_verified_copy_and_a_damaged_one_is_refused() {
        let (dir, store) = seeded();
        let file = dir.path().join("b.redb");
        let info = store.backup_to(&file).unwrap();
        assert_eq!(info.schema_version, migrate::CURRENT);
        assert!(info.records > 700, "{}", info.records);
        assert!(store.backup_to(&file).is_err(), "never overwrites");

        // Flip bytes in the middle of the file: refused.
        let mut bytes = std::fs::read(&file).unwrap();
        let mid = bytes.len() / 2;
        for b in &mut bytes[mid..mid + 64] {
            *b ^= 0xff;
        }
        let damaged = dir.path().join("damaged.redb");
        std::fs::write(&damaged, &bytes).unwrap();
        assert!(verify(&damaged).is_err());
        let foreign = dir.path().join("foreign.redb");
        std::fs::write(&foreign, b"PK\x03\x04 not a database").unwrap();
        assert!(verify(&foreign).is_err());
    }

    #[test]
    fn restore_brings_back_the_backup_and_keeps_what_it_replaced() {
        let (dir, store) = seeded();
        let file = dir.path().join("b.redb");
        store.backup_to(&file).unwrap();
        // A change after the backup, which the restore takes away.
        let cap = crate::domain::Roles::of(&[crate::domain::Role::Admin]).admin_cap().unwrap();
        let new = users::NewUser {
            username: crate::domain::Username::parse("later").unwrap(),
            display_name: "Later".into(),
            password_hash: "h".into(),
            roles: crate::domain::Roles::of(&[crate::domain::Role::Parts]),
            must_change_password: true,
        };
        store.write_now(|tx| users::create_tx(tx, &cap, &Actor::system(), new)).unwrap();
        let data = dir.path().join("data");
        assert!(
            matches!(restore(&file, &data, &dir.path().join("keep")), Err(StoreError::InUse(_))),
            "server running"
        );
        drop(store);
        let (_, kept) = restore(&file, &data, &dir.path().join("keep")).unwrap();
        assert!(kept.unwrap().exists());
        let store = Store::open(&data).unwrap();
        let names: Vec<String> =
            store.read_now(users::list).unwrap().into_iter().map(|u| u.username.to_string()).collect();
        assert!(!names.contains(&"later".to_string()) && names.contains(&"admin".to_string()));
        assert_eq!(store.search(|i| i.len()), 300);
    }
}
