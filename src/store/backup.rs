//! Backups: a consistent copy of the whole database, made from one read transaction into a new
//! redb file, then checked; and a verified restore.
//!
//! A backup carries the schema version it was made at and a checksum of its contents (in its
//! `meta` table, under [`CHECKSUM_KEY`] and [`MADE_AT_KEY`]), computed over the bytes stored
//! (rows are copied as bytes, never decoded: see [`Raw`](super::codec::Raw)). Making a backup
//! proves the copy faithful (redb's page checksums and that checksum); verifying one before a
//! restore also runs `check`'s invariants on it, so a damaged, foreign or rule-breaking file is
//! refused before it replaces anything.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use redb::{Database, ReadTransaction, ReadableDatabase, ReadableTable, TableHandle};

use super::codec::raw;
use super::faults::Faults;
use super::tables::META;
use super::{DB_FILE, StoreError, StoreResult, check, migrate};

pub const CHECKSUM_KEY: &str = "backup_checksum";
pub const MADE_AT_KEY: &str = "backup_made_at";
/// Which checksum [`CHECKSUM_KEY`] holds: absent in backups made before it existed (FNV-1a,
/// a byte at a time), [`CHECKSUM_CRC`] since (two CRC-32s, about ten times faster).
pub const CHECKSUM_KIND_KEY: &str = "backup_checksum_kind";
pub const CHECKSUM_CRC: u64 = 2;
/// The `meta` rows that are the backup's own stamp, not part of what it protects.
const STAMP: [&str; 3] = [CHECKSUM_KEY, MADE_AT_KEY, CHECKSUM_KIND_KEY];

/// What a backup holds.
#[derive(Debug)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub schema_version: u64,
    pub records: u64,
    pub bytes: u64,
    /// How long each step took (copying, checking the copy, the invariants), for the log.
    pub took: Vec<(&'static str, std::time::Duration)>,
}

impl BackupInfo {
    /// `copy 3.1 s, integrity 0.8 s, …`: where the time went.
    pub fn timing(&self) -> String {
        let steps: Vec<String> =
            self.took.iter().map(|(step, d)| format!("{step} {:.1} s", d.as_secs_f64())).collect();
        steps.join(", ")
    }
}

/// Tables of bookkeeping that reading pages and signing in change: sessions, the audit trail
/// (a refused sign-in is audited) and `meta` (which counts every commit).
const BOOKKEEPING: [&str; 4] = ["sessions", "sessions_by_user", "audit", "meta"];
/// Rows of other tables that belong to the bookkeeping: the audit trail's id counter.
const BOOKKEEPING_ROWS: [(&str, &str); 1] = [("sequences", "audit")];

/// A running checksum over table names, keys and values, each framed by its length.
enum Sum {
    /// FNV-1a, a byte at a time: backups made before [`CHECKSUM_CRC`].
    Fnv(u64),
    /// Two CRC-32s (keys and values), run with the processor's CRC instructions.
    Crc(crc32fast::Hasher, crc32fast::Hasher),
}

impl Sum {
    fn new(kind: u64) -> Sum {
        match kind {
            CHECKSUM_CRC => Sum::Crc(crc32fast::Hasher::new(), crc32fast::Hasher::new()),
            _ => Sum::Fnv(0xcbf2_9ce4_8422_2325),
        }
    }

    fn fnv(hash: &mut u64, bytes: &[u8]) {
        for b in bytes {
            *hash = (*hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn table(&mut self, name: &str) {
        match self {
            Sum::Fnv(h) => Sum::fnv(h, name.as_bytes()),
            Sum::Crc(k, v) => {
                k.update(&(name.len() as u64).to_le_bytes());
                k.update(name.as_bytes());
                v.update(&[0xff]);
            }
        }
    }

    fn row(&mut self, key: &[u8], value: &[u8]) {
        match self {
            Sum::Fnv(h) => {
                Sum::fnv(h, key);
                Sum::fnv(h, value);
            }
            Sum::Crc(k, v) => {
                k.update(&(key.len() as u32).to_le_bytes());
                k.update(key);
                v.update(&(value.len() as u32).to_le_bytes());
                v.update(value);
            }
        }
    }

    fn finish(self) -> u64 {
        match self {
            Sum::Fnv(h) => h,
            Sum::Crc(k, v) => (u64::from(k.finalize()) << 32) | u64::from(v.finalize()),
        }
    }
}

/// A hash of the business data: every table but [`BOOKKEEPING`], every row but
/// [`BOOKKEEPING_ROWS`]. Tests compare it before and after hostile requests to prove they
/// changed nothing.
pub fn fingerprint(tx: &ReadTransaction) -> StoreResult<u64> {
    let table = |name: &str| !BOOKKEEPING.contains(&name);
    let row =
        |name: &str, key: &[u8]| !BOOKKEEPING_ROWS.iter().any(|(t, k)| *t == name && k.as_bytes() == key);
    hash_tables(tx, CHECKSUM_CRC, table, row).map(|(hash, _)| hash)
}

/// The checksum of `kind` over every key and value of every table, in table and key order,
/// and how many rows it covered.
fn checksum(tx: &ReadTransaction, kind: u64) -> StoreResult<(u64, u64)> {
    hash_tables(tx, kind, |_| true, |_, _| true)
}

fn hash_tables(
    tx: &ReadTransaction,
    kind: u64,
    include: impl Fn(&str) -> bool,
    include_row: impl Fn(&str, &[u8]) -> bool,
) -> StoreResult<(u64, u64)> {
    let mut sum = Sum::new(kind);
    let mut records = 0u64;
    let mut failure = None;
    crate::for_each_table!(t => {
        if failure.is_none() && include(t.name()) {
            match tx.open_table(raw(&t)) {
                Ok(table) => {
                    sum.table(t.name());
                    match table.iter() {
                        Ok(rows) => for row in rows {
                            match row {
                                Ok((k, v)) => {
                                    let key = k.value();
                                    // The backup's own stamp is not part of what it protects.
                                    if t.name() == "meta" && STAMP.iter().any(|s| key == s.as_bytes()) {
                                        continue;
                                    }
                                    if !include_row(t.name(), key) {
                                        continue;
                                    }
                                    sum.row(key, v.value());
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
        None => Ok((sum.finish(), records)),
    }
}

/// Copies every table of `src` (one read transaction: a consistent snapshot, while writers
/// go on) into a new database at `to`, stamps it, and verifies it.
pub fn backup_from(src: &Database, to: &Path) -> StoreResult<BackupInfo> {
    backup_through(src, to, None)
}

/// [`backup_from`], the copy written through `faults` when given (the reliability tests: a
/// full disk while writing a backup).
pub fn backup_through(src: &Database, to: &Path, faults: Option<&Arc<Faults>>) -> StoreResult<BackupInfo> {
    copy_from(src, to, faults)
}

/// A backup of data that is about to be replaced (see [`copy_from`]).
pub fn keep_copy_from(src: &Database, to: &Path) -> StoreResult<BackupInfo> {
    copy_from(src, to, None)
}

/// One pass over the snapshot copies every row's stored bytes and feeds the checksum; the copy
/// is then opened, checked by redb (every page against its own checksum) and against that
/// checksum, so it holds exactly the snapshot's bytes.
///
/// The shop's invariants (`check`) are not run here: they prove the data keeps its rules, not
/// that the copy is faithful, and on ten years of data they take twice as long as the copy
/// itself. They run before a backup replaces anything ([`verify`], on restore), and with
/// `wrenchdesk check`. Data that breaks them is still worth a copy: it is the data a restore
/// would otherwise lose.
fn copy_from(src: &Database, to: &Path, faults: Option<&Arc<Faults>>) -> StoreResult<BackupInfo> {
    if to.exists() {
        return Err(StoreError::Storage(format!("{} already exists", to.display()).into()));
    }
    let partial = to.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let read = src.begin_read()?;
    let started = std::time::Instant::now();
    let written = write_copy(&read, &partial, faults);
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written?;
    let copied = started.elapsed();
    std::fs::rename(&partial, to)
        .map_err(|e| StoreError::storage(format!("cannot write {}", to.display()), e))?;
    let mut info = check_file(to, false)?;
    info.took.insert(0, ("copy", copied));
    tracing::info!(file = %to.display(), bytes = info.bytes, records = info.records, timing = %info.timing(), "backup made");
    Ok(info)
}

/// Writes every row of the snapshot into a new database at `partial`, checksummed on the way,
/// stamped and committed.
fn write_copy(read: &ReadTransaction, partial: &Path, faults: Option<&Arc<Faults>>) -> StoreResult<()> {
    let mut builder = Database::builder();
    builder.set_cache_size(COPY_CACHE_BYTES);
    let dst = match faults {
        None => builder.create(partial)?,
        Some(faults) => {
            let backend = super::faults::backend(partial, faults.clone())
                .map_err(|e| StoreError::storage(format!("cannot create {}", partial.display()), e))?;
            builder.create_with_backend(backend)?
        }
    };
    let tx = dst.begin_write()?;
    let mut sum = Sum::new(CHECKSUM_CRC);
    let mut failure: Option<StoreError> = None;
    crate::for_each_table!(t => {
        if failure.is_none() {
            let copied: StoreResult<()> = (|| {
                let source = match read.open_table(raw(&t)) {
                    Ok(table) => table,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
                    Err(e) => return Err(e.into()),
                };
                sum.table(t.name());
                let mut target = tx.open_table(raw(&t))?;
                for row in source.iter()? {
                    let (k, v) = row?;
                    let (key, value) = (k.value(), v.value());
                    if !(t.name() == "meta" && STAMP.iter().any(|s| key == s.as_bytes())) {
                        sum.row(key, value);
                    }
                    target.insert(key, value)?;
                }
                Ok(())
            })();
            if let Err(e) = copied {
                failure = Some(e);
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    {
        let mut meta = tx.open_table(META)?;
        meta.insert(CHECKSUM_KEY, sum.finish())?;
        meta.insert(CHECKSUM_KIND_KEY, CHECKSUM_CRC)?;
        meta.insert(MADE_AT_KEY, Utc::now().timestamp() as u64)?;
    }
    tx.commit()?;
    Ok(())
}

/// The copy's page cache: big enough that writing the copy is not a stream of evictions,
/// small beside the live database's.
const COPY_CACHE_BYTES: usize = 32 * 1024 * 1024;

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

/// A new backup's path: `<dir>/wrenchdesk-<kind>-<UTC time>.redb`, with `-2`, `-3`… added when
/// another backup was made in the same second.
pub fn new_path(dir: &Path, kind: &str) -> PathBuf {
    let stem = format!("wrenchdesk-{kind}-{}", Utc::now().format("%Y%m%d-%H%M%S"));
    let mut path = dir.join(format!("{stem}.redb"));
    for n in 2.. {
        if !path.exists() {
            break;
        }
        path = dir.join(format!("{stem}-{n}.redb"));
    }
    path
}

/// Checks a backup file: a redb database of a schema this program knows, undamaged, whose
/// contents match its checksum and pass `check`. A backup of an older schema is migrated in a
/// temporary copy and checked there. Nothing is changed.
pub fn verify(file: &Path) -> StoreResult<BackupInfo> {
    check_file(file, true)
}

/// [`check_file_unguarded`], with a panic inside redb (which some damage provokes) turned
/// into a refusal: a damaged file must be refused, not take the request down.
fn check_file(file: &Path, invariants: bool) -> StoreResult<BackupInfo> {
    let refused =
        |why: String| StoreError::NotABackup(format!("{} is not a usable backup: {why}", file.display()));
    match std::panic::catch_unwind(|| check_file_unguarded(file, invariants)) {
        Ok(Ok(info)) => Ok(info),
        Ok(Err(StoreError::NotABackup(why))) => Err(StoreError::NotABackup(why)),
        Ok(Err(other)) => Err(refused(other.to_string())),
        Err(_) => Err(refused("the file is damaged".into())),
    }
}

fn check_file_unguarded(file: &Path, invariants: bool) -> StoreResult<BackupInfo> {
    let refuse =
        |why: String| StoreError::NotABackup(format!("{} is not a usable backup: {why}", file.display()));
    let bytes = std::fs::metadata(file).map_err(|e| refuse(e.to_string()))?.len();
    let mut took = Vec::new();
    let started = std::time::Instant::now();
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
    let meta = tx.open_table(META).map_err(|e| refuse(e.to_string()))?;
    let stored =
        meta.get(CHECKSUM_KEY)?.map(|v| v.value()).ok_or_else(|| refuse("it carries no checksum".into()))?;
    let kind = meta.get(CHECKSUM_KIND_KEY)?.map(|v| v.value()).unwrap_or(1);
    drop(meta);
    took.push(("integrity", started.elapsed()));
    let started = std::time::Instant::now();
    let (sum, records) = checksum(&tx, kind).map_err(|e| refuse(e.to_string()))?;
    if sum != stored {
        return Err(refuse("its contents do not match its checksum".into()));
    }
    took.push(("checksum", started.elapsed()));
    drop(tx);
    if invariants {
        let started = std::time::Instant::now();
        let mut report = check::Report::default();
        if version == migrate::CURRENT {
            check::invariants(&db.begin_read()?, &mut report)?;
        } else {
            drop(db);
            invariants_after_migration(file, &mut report)?;
        }
        if !report.problems.is_empty() {
            return Err(refuse(report.problems.join("; ")));
        }
        took.push(("invariants", started.elapsed()));
    }
    Ok(BackupInfo { path: file.to_path_buf(), schema_version: version, records, bytes, took })
}

/// Migrates a temporary copy of an older backup and checks the result, as a restore would.
fn invariants_after_migration(file: &Path, report: &mut check::Report) -> StoreResult<()> {
    let copy = file.with_extension("verifying");
    let checked = std::fs::copy(file, &copy)
        .map_err(|e| StoreError::storage("cannot make a temporary copy", e))
        .and_then(|_| {
            let db = Database::builder().set_cache_size(16 * 1024 * 1024).open(&copy)?;
            migrate::run(&db)?;
            check::invariants(&db.begin_read()?, report)
        });
    let _ = std::fs::remove_file(&copy);
    checked
}

/// Puts a copy of `file` in place of `live`: copied beside it, synced, renamed over it, and the
/// directory synced, so a power cut leaves either the old file or the new one.
pub fn swap_in(file: &Path, live: &Path) -> StoreResult<()> {
    let io = |what: &str, e: std::io::Error| StoreError::storage(what, e);
    let incoming = live.with_extension("redb.restoring");
    std::fs::copy(file, &incoming).map_err(|e| io("cannot copy the backup", e))?;
    std::fs::File::open(&incoming).and_then(|f| f.sync_all()).map_err(|e| io("cannot sync the copy", e))?;
    std::fs::rename(&incoming, live).map_err(|e| io("cannot put the backup in place", e))?;
    if let Some(dir) = live.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io("cannot sync the data directory", e))?;
    }
    Ok(())
}

/// Renames `from` to `to` and syncs the directories, so the rename survives a power cut.
pub fn rename_synced(from: &Path, to: &Path) -> StoreResult<()> {
    std::fs::rename(from, to).map_err(|e| {
        StoreError::storage(format!("cannot rename {} to {}", from.display(), to.display()), e)
    })?;
    sync_dirs(&[from, to])
}

fn sync_dirs(files: &[&Path]) -> StoreResult<()> {
    let mut dirs: Vec<&Path> = files.iter().filter_map(|f| f.parent()).collect();
    dirs.dedup();
    for dir in dirs {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::storage(format!("cannot sync {}", dir.display()), e))?;
    }
    Ok(())
}

/// Puts the closed live file aside as `aside` by renaming it (the time does not grow with the
/// data). When `aside` is on another file system, the file is renamed beside itself instead
/// (`….redb.replaced`) and [`stamp_kept`] moves it later. Returns where it now is.
pub fn rename_aside(live: &Path, aside: &Path) -> StoreResult<PathBuf> {
    match std::fs::rename(live, aside) {
        Ok(()) => sync_dirs(&[live, aside]).map(|_| aside.to_path_buf()),
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            let beside = live.with_extension("redb.replaced");
            rename_synced(live, &beside)?;
            Ok(beside)
        }
        Err(e) => Err(StoreError::storage(format!("cannot put {} aside", live.display()), e)),
    }
}

/// Makes the data file put aside by a restore (`kept`, closed) a backup at `aside`: stamped
/// with its checksum like any other backup, and moved there if it was kept beside the data.
/// Its invariants are not checked: data that breaks them is what a restore replaces, and it is
/// kept as it was.
pub fn stamp_kept(kept: &Path, aside: &Path) -> StoreResult<BackupInfo> {
    let started = std::time::Instant::now();
    {
        let db = Database::builder().set_cache_size(COPY_CACHE_BYTES).open(kept)?;
        let (sum, _) = checksum(&db.begin_read()?, CHECKSUM_CRC)?;
        let mut tx = db.begin_write()?;
        tx.set_durability(redb::Durability::Immediate)?;
        {
            let mut meta = tx.open_table(META)?;
            meta.insert(CHECKSUM_KEY, sum)?;
            meta.insert(CHECKSUM_KIND_KEY, CHECKSUM_CRC)?;
            meta.insert(MADE_AT_KEY, Utc::now().timestamp() as u64)?;
        }
        tx.commit()?;
    }
    let stamped = started.elapsed();
    if kept != aside {
        let partial = aside.with_extension("partial");
        std::fs::copy(kept, &partial).and_then(|_| std::fs::File::open(&partial)?.sync_all()).map_err(
            |e| {
                let _ = std::fs::remove_file(&partial);
                StoreError::storage(format!("cannot move the replaced data to {}", aside.display()), e)
            },
        )?;
        rename_synced(&partial, aside)?;
        std::fs::remove_file(kept).map_err(|e| StoreError::storage("cannot remove the moved file", e))?;
    }
    let mut info = check_file(aside, false)?;
    info.took.insert(0, ("stamp", stamped));
    Ok(info)
}

/// The first transaction on restored data: the backup's stamp goes, every session ends (a
/// session in the backup may have been ended since), and the restore is audited.
pub fn after_restore_tx(tx: &redb::WriteTransaction, from: &BackupInfo) -> StoreResult<()> {
    {
        let mut meta = tx.open_table(META)?;
        meta.remove(CHECKSUM_KEY)?;
        meta.remove(MADE_AT_KEY)?;
    }
    let sessions = super::sessions::end_all_tx(tx)?;
    super::audit::append_tx(
        tx,
        &super::Actor::system(),
        "backup.restore",
        "meta:data",
        format!(
            "restored from {} ({} records, schema version {}); {sessions} sessions ended",
            from.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
            from.records,
            from.schema_version
        ),
    )?;
    Ok(())
}

/// Replaces a database that cannot be opened (damaged) with a verified backup; the damaged
/// file is kept in `keep_dir`. A live database that opens is restored with [`Store::restore`].
///
/// [`Store::restore`]: super::Store::restore
pub fn restore_over_damaged(
    file: &Path,
    data_dir: &Path,
    keep_dir: &Path,
) -> StoreResult<(BackupInfo, PathBuf)> {
    let info = verify(file)?;
    let live = data_dir.join(DB_FILE);
    std::fs::create_dir_all(keep_dir).map_err(|e| StoreError::Storage(super::Detail::from_source(e)))?;
    let keep = keep_dir.join(format!("damaged-{}.redb", Utc::now().format("%Y%m%d-%H%M%S")));
    let keep = rename_aside(&live, &keep)?;
    if let Err(e) = swap_in(file, &live) {
        let _ = rename_synced(&keep, &live);
        return Err(e);
    }
    let db = Database::builder().set_cache_size(16 * 1024 * 1024).open(&live)?;
    migrate::run(&db)?;
    let mut tx = db.begin_write()?;
    tx.set_durability(redb::Durability::Immediate)?;
    after_restore_tx(&tx, &info)?;
    tx.commit()?;
    Ok((info, keep))
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
    fn the_fingerprint_leaves_out_the_audit_trail_but_not_the_business_data() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("data")).unwrap();
        store.write_now(|tx| users::create_first_admin_tx(tx, "h".into())).unwrap();
        let before = store.read_now(fingerprint).unwrap();
        let actor = Actor::user(crate::domain::UserId(1), "admin");
        store
            .write_now(|tx| crate::store::audit::append_tx(tx, &actor, "session.login", "user:1", ""))
            .unwrap();
        assert_eq!(store.read_now(fingerprint).unwrap(), before, "an audit entry is bookkeeping");
        store.write_now(|tx| crate::store::next_id_tx(tx, "customer").map(|_| ())).unwrap();
        assert_ne!(store.read_now(fingerprint).unwrap(), before, "another counter is data");
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
    fn a_backup_made_with_the_older_checksum_still_verifies() {
        let (dir, store) = seeded();
        let file = dir.path().join("b.redb");
        store.backup_to(&file).unwrap();
        // Rewrite its stamp as backups made before the CRC checksum carry it.
        {
            let db = Database::builder().open(&file).unwrap();
            let fnv = checksum(&db.begin_read().unwrap(), 1).unwrap().0;
            let tx = db.begin_write().unwrap();
            {
                let mut meta = tx.open_table(META).unwrap();
                meta.remove(CHECKSUM_KIND_KEY).unwrap();
                meta.insert(CHECKSUM_KEY, fnv).unwrap();
            }
            tx.commit().unwrap();
        }
        assert!(verify(&file).is_ok(), "an old backup is still a backup");
        // A wrong checksum under the old kind is refused.
        {
            let db = Database::builder().open(&file).unwrap();
            let tx = db.begin_write().unwrap();
            tx.open_table(META).unwrap().insert(CHECKSUM_KEY, 12345).unwrap();
            tx.commit().unwrap();
        }
        assert!(verify(&file).is_err());
    }

    fn info_records(file: &Path) -> u64 {
        verify(file).unwrap().records
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
        let names = |store: &Store| -> Vec<String> {
            store.read_now(users::list).unwrap().into_iter().map(|u| u.username.to_string()).collect()
        };
        // A session, which the restore ends.
        let admin = store.read_now(users::list).unwrap()[0].id;
        store
            .write_now(|tx| {
                let now = Utc::now();
                let session = crate::domain::Session {
                    user_id: admin,
                    csrf: "c".into(),
                    created_at: now,
                    last_seen: now,
                    expires_at: now + chrono::Duration::hours(1),
                    locked: false,
                    return_to: None,
                };
                crate::store::sessions::insert_tx(tx, 7, &session)
            })
            .unwrap();

        // Restored while the store is open: the same handle sees the backup's data at once.
        #[cfg(unix)]
        let live_inode = {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(dir.path().join("data").join(crate::store::DB_FILE)).unwrap().ino()
        };
        let restored = store.restore(&file, &dir.path().join("keep")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let kept = std::fs::metadata(&restored.replaced.path).unwrap().ino();
            assert_eq!(kept, live_inode, "the replaced data was renamed aside, not copied");
        }
        assert!(is_backup_name(&restored.replaced.path.file_name().unwrap().to_string_lossy()));
        let left: Vec<_> =
            std::fs::read_dir(dir.path().join("data")).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from(crate::store::DB_FILE)],
            "nothing left beside the data"
        );
        assert!(
            !names(&store).contains(&"later".to_string()) && names(&store).contains(&"admin".to_string())
        );
        assert_eq!(store.search(|i| i.len()), 300);
        assert!(store.read_now(|tx| crate::store::sessions::get(tx, 7)).unwrap().is_none());
        assert_eq!(restored.from.records, info_records(&file));

        // What it replaced was kept as a verified backup: restoring it brings "later" back.
        store.restore(&restored.replaced.path, &dir.path().join("keep")).unwrap();
        assert!(names(&store).contains(&"later".to_string()));

        // A damaged file is refused and nothing changes.
        let damaged = dir.path().join("damaged.redb");
        std::fs::write(&damaged, b"not a database at all").unwrap();
        assert!(store.restore(&damaged, &dir.path().join("keep")).is_err());
        assert!(names(&store).contains(&"later".to_string()));
        drop(store);
        let store = Store::open(&dir.path().join("data")).unwrap();
        assert!(names(&store).contains(&"later".to_string()));
        assert_eq!(store.search(|i| i.len()), 300);
    }
}
