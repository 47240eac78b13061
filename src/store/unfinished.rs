//! A new database file whose creation a crash cut short.
//!
//! redb creates a file in two steps, each synced: the header without its magic number, then the
//! header with it, so that a file with the magic number is always whole. But it refuses to open
//! a file left between the two ("Not a redb database: magic number mismatch") although that
//! file holds nothing yet: a crash or power cut in the first seconds of a new shop's first
//! start would leave a server that never starts again. Such a file (small, no magic number,
//! nothing but zeros after the header) is emptied so that redb creates the database afresh.
//! Any other file redb refuses is left exactly as it is.

use std::fs::File;
use std::io;
use std::path::Path;

/// redb's magic number (the first bytes of every redb file) and header, as far as this looks.
const MAGIC_LEN: usize = 9;
const HEADER_LEN: usize = 320;
/// A file cut short in its creation is redb's initial size, well under this.
const AT_MOST: u64 = 1 << 20;

/// Whether redb refused `path` because it is a new file cut short in its creation.
pub(super) fn refused_as_unfinished(error: &redb::DatabaseError, path: &Path) -> bool {
    let redb::DatabaseError::Storage(redb::StorageError::Io(e)) = error else { return false };
    e.kind() == io::ErrorKind::InvalidData && is_unfinished(path).unwrap_or(false)
}

fn is_unfinished(path: &Path) -> io::Result<bool> {
    if std::fs::metadata(path)?.len() > AT_MOST {
        return Ok(false);
    }
    let bytes = std::fs::read(path)?;
    let no_magic = bytes.iter().take(MAGIC_LEN).all(|b| *b == 0);
    let nothing_after = bytes.iter().skip(HEADER_LEN).all(|b| *b == 0);
    Ok(!bytes.is_empty() && no_magic && nothing_after)
}

/// Empties the file (synced), as it was before redb began creating it.
pub(super) fn empty(path: &Path) -> io::Result<()> {
    let file = File::options().write(true).open(path)?;
    file.set_len(0)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use std::ops::Bound;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use redb::backends::FileBackend;
    use redb::{Database, StorageBackend};

    use super::*;
    use crate::store::{DB_FILE, Store};

    /// Stops redb's writes to the file after the first `writes` of them, as a crash would; it
    /// fails every later write and sync.
    #[derive(Debug)]
    struct CrashAfter {
        file: FileBackend,
        writes: AtomicUsize,
    }

    impl StorageBackend for CrashAfter {
        fn len(&self) -> Result<u64, io::Error> {
            self.file.len()
        }
        fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), io::Error> {
            self.file.read(offset, out)
        }
        fn set_len(&self, len: u64) -> Result<(), io::Error> {
            self.file.set_len(len)
        }
        fn sync_data(&self) -> Result<(), io::Error> {
            self.file.sync_data()
        }
        fn write(&self, offset: u64, data: &[u8]) -> Result<(), io::Error> {
            if self.writes.fetch_sub(1, Ordering::SeqCst) == 0 {
                self.writes.store(0, Ordering::SeqCst);
                return Err(io::Error::other("the power went"));
            }
            self.file.write(offset, data)
        }
        fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, redb::BackendError> {
            self.file.try_lock_range(start, end)
        }
        fn try_lock_shared_range(
            &self,
            start: Bound<u64>,
            end: Bound<u64>,
        ) -> Result<bool, redb::BackendError> {
            self.file.try_lock_shared_range(start, end)
        }
        fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), redb::BackendError> {
            self.file.lock_range(start, end)
        }
        fn lock_shared_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), redb::BackendError> {
            self.file.lock_shared_range(start, end)
        }
        fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), redb::BackendError> {
            self.file.unlock_range(start, end)
        }
        fn query_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, redb::BackendError> {
            self.file.query_lock_range(start, end)
        }
        fn close(&self) -> Result<(), io::Error> {
            self.file.close()
        }
    }

    /// A file redb left after writing and syncing the header of a new database without its
    /// magic number (its first write), and crashing before the second.
    fn cut_short(dir: &Path) -> std::path::PathBuf {
        let path = dir.join(DB_FILE);
        let file = File::options().read(true).write(true).create(true).truncate(false).open(&path).unwrap();
        #[allow(clippy::useless_conversion)]
        let backend = CrashAfter { file: FileBackend::new(file).unwrap(), writes: AtomicUsize::new(1) };
        assert!(Database::builder().create_with_backend(backend).is_err(), "the crash stops the creation");
        path
    }

    /// The reproducer for redb (4.6): the file is refused by every later open, although it
    /// holds nothing. When redb opens it, this test fails, and `unfinished` can go.
    #[test]
    fn redb_refuses_a_new_file_cut_short_between_its_two_header_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = cut_short(dir.path());
        assert!(std::fs::metadata(&path).unwrap().len() > 0);
        let refused = Database::create(&path).expect_err("redb refuses the file");
        assert!(refused.to_string().contains("magic number"), "{refused}");
        assert!(is_unfinished(&path).unwrap(), "the workaround recognises the file");
    }

    #[test]
    fn the_store_creates_the_database_again_over_a_file_cut_short() {
        let dir = tempfile::tempdir().unwrap();
        cut_short(dir.path());
        let store = Store::open(dir.path()).expect("the store starts");
        let version = store.read_now(|tx| {
            Ok(tx.open_table(crate::store::tables::META)?.get("schema_version")?.map(|v| v.value()))
        });
        assert_eq!(version.unwrap(), Some(crate::store::migrate::CURRENT));
    }

    #[test]
    fn any_other_file_redb_refuses_is_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        // Not redb's: some text; and a header without magic followed by data.
        let mut header_then_data = vec![0u8; 4096];
        header_then_data[12] = 0x10;
        header_then_data[4000] = 1;
        for bytes in ["customers.csv: 王伟,13800138000".as_bytes().to_vec(), header_then_data] {
            std::fs::write(&path, &bytes).unwrap();
            assert!(Store::open(dir.path()).is_err(), "refused");
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "untouched");
        }
    }
}
