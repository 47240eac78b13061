//! A simulated disk: a redb [`StorageBackend`] in memory that keeps a journal of every I/O
//! call, so the disk as it would be found after a power cut at any one of those calls can be
//! rebuilt afterwards.
//!
//! What a disk keeps when the power goes: everything written before the last completed sync;
//! of what was written since, whatever the drive's cache and the kernel's page cache happened
//! to have put on the platter (any subset, in any order); and the write in flight may land
//! partly, so the last page written is torn, part new and part old. [`Loss`] names the three
//! cases. The disk the process sees meanwhile is every write applied in order.
//!
//! The picture at call `n` depends only on the calls before it, so one run of a workload gives
//! a disk for every cut point: the test runs the workload once and rebuilds as many disks as it
//! wants, without stopping the process at each.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use redb::StorageBackend;

use crate::seed::Rng;

/// The unit a drive writes whole: a write of several sectors may land partly.
const SECTOR: usize = 512;
/// redb's page: a torn write tears its last page.
const PAGE: usize = 4096;

/// One I/O call as redb made it.
#[derive(Debug)]
enum Call {
    Write {
        offset: u64,
        data: Vec<u8>,
    },
    SetLen(u64),
    Sync,
    /// A read or a length query: changes nothing, but the power may go then too.
    Look,
}

#[derive(Default)]
struct State {
    /// What the process reads: every write applied.
    seen: Vec<u8>,
    journal: Vec<Call>,
    /// The next sync fails.
    fail_sync: bool,
}

// By hand: the derived one would print every byte written.
impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").field("len", &self.seen.len()).field("calls", &self.journal.len()).finish()
    }
}

/// The disk, shared by every backend opened on it (cheap to clone).
#[derive(Clone, Debug, Default)]
pub struct SimulatedDisk {
    state: Arc<Mutex<State>>,
}

/// What a power cut loses of the writes made since the last completed sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// All of them.
    Everything,
    /// Each is kept or lost by a coin toss.
    Some,
    /// As [`Loss::Some`], and the last one (the write in flight, if the cut fell on a write)
    /// lands partly: of its last page, some sectors new and the others old; a write shorter
    /// than two sectors (redb's header) is cut at a byte.
    Torn,
}

impl Loss {
    pub const ALL: [Loss; 3] = [Loss::Everything, Loss::Some, Loss::Torn];
}

/// Where the power goes and what it takes; `seed` makes the coin tosses.
#[derive(Clone, Copy, Debug)]
pub struct Cut {
    /// The I/O call in flight when the power went (`0..=calls`; `calls` is after the last).
    pub at: usize,
    pub loss: Loss,
    pub seed: u64,
}

/// The disk found after a cut.
pub struct Image {
    pub bytes: Vec<u8>,
    /// Writes since the last sync: kept and lost.
    pub kept: usize,
    pub lost: usize,
    /// A write landed partly.
    pub torn: bool,
}

impl SimulatedDisk {
    pub fn new() -> SimulatedDisk {
        SimulatedDisk::default()
    }

    /// A backend for redb to open the disk with.
    pub fn backend(&self) -> Backend {
        Backend { disk: self.clone() }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// I/O calls so far: the position of the next one.
    pub fn calls(&self) -> usize {
        self.lock().journal.len()
    }

    /// The next sync fails, as a disk's does when it reports an I/O error: it makes nothing
    /// durable, and what it was to write stays unsynced (a later sync may still write it).
    pub fn fail_next_sync(&self) {
        self.lock().fail_sync = true;
    }

    /// Completed syncs so far.
    pub fn syncs(&self) -> usize {
        self.lock().journal.iter().filter(|c| matches!(c, Call::Sync)).count()
    }

    /// The disks as found after each of `cuts` (in the order given), handed to `found` one at
    /// a time; the journal is read once for all of them.
    pub fn after_cuts(&self, cuts: &[Cut], mut found: impl FnMut(&Cut, Image)) {
        let state = self.lock();
        let journal = &state.journal;
        let mut order: Vec<&Cut> = cuts.iter().collect();
        order.sort_by_key(|c| c.at);
        // The disk as of the last completed sync before the cut, and where its journal ends.
        let mut synced = Vec::new();
        let mut synced_to = 0;
        for cut in order {
            let at = cut.at.min(journal.len());
            for (i, call) in journal.iter().enumerate().take(at).skip(synced_to) {
                if matches!(call, Call::Sync) {
                    for call in &journal[synced_to..i] {
                        apply(&mut synced, call, None);
                    }
                    synced_to = i + 1;
                }
            }
            // Since then: the calls before the cut, and the one in flight.
            let pending: Vec<&Call> = journal[synced_to..(at + 1).min(journal.len())]
                .iter()
                .filter(|c| matches!(c, Call::Write { .. } | Call::SetLen(_)))
                .collect();
            found(cut, lose(&synced, &pending, cut));
        }
    }
}

/// The synced disk plus what `cut` keeps of `pending`.
fn lose(synced: &[u8], pending: &[&Call], cut: &Cut) -> Image {
    let mut bytes = synced.to_vec();
    let mut rng = Rng::new(cut.seed);
    let (mut kept, mut lost, mut torn) = (0, 0, false);
    let last_write = pending.iter().rposition(|c| matches!(c, Call::Write { .. }));
    for (i, call) in pending.iter().enumerate() {
        let keep = match cut.loss {
            Loss::Everything => false,
            Loss::Some | Loss::Torn => rng.chance(50),
        };
        if cut.loss == Loss::Torn && Some(i) == last_write {
            apply(&mut bytes, call, Some(&mut rng));
            torn = true;
        } else if keep {
            apply(&mut bytes, call, None);
            kept += 1;
        } else {
            lost += 1;
        }
    }
    Image { bytes, kept, lost, torn }
}

/// Applies one call to a disk; `tear` lands a write partly (see [`Loss::Torn`]).
fn apply(disk: &mut Vec<u8>, call: &Call, tear: Option<&mut Rng>) {
    match call {
        Call::SetLen(len) => disk.resize(*len as usize, 0),
        Call::Write { offset, data } => {
            let start = *offset as usize;
            if disk.len() < start + data.len() {
                disk.resize(start + data.len(), 0);
            }
            let target = &mut disk[start..start + data.len()];
            let Some(rng) = tear else {
                target.copy_from_slice(data);
                return;
            };
            // Everything before the last page lands whole or not at all; of the last page,
            // sectors land or not, at least one of each; a short write is cut at a byte.
            let page = data.len().saturating_sub(PAGE);
            if rng.chance(50) {
                target[..page].copy_from_slice(&data[..page]);
            }
            let (new, old) = (&data[page..], &mut target[page..]);
            if new.len() >= 2 * SECTOR {
                let sectors = new.len().div_ceil(SECTOR);
                let first_new = rng.below(sectors);
                let mut first_old = rng.below(sectors - 1);
                if first_old >= first_new {
                    first_old += 1;
                }
                for s in 0..sectors {
                    let lands = s == first_new || (s != first_old && rng.chance(50));
                    if lands {
                        let range = s * SECTOR..((s + 1) * SECTOR).min(new.len());
                        old[range.clone()].copy_from_slice(&new[range]);
                    }
                }
            } else if new.len() >= 2 {
                let split = 1 + rng.below(new.len() - 1);
                old[..split].copy_from_slice(&new[..split]);
            }
        }
        Call::Sync | Call::Look => {}
    }
}

/// One handle on a [`SimulatedDisk`]; it never fails: the power cut comes afterwards.
#[derive(Debug)]
pub struct Backend {
    disk: SimulatedDisk,
}

impl StorageBackend for Backend {
    fn len(&self) -> Result<u64, io::Error> {
        let mut state = self.disk.lock();
        state.journal.push(Call::Look);
        Ok(state.seen.len() as u64)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), io::Error> {
        let mut state = self.disk.lock();
        state.journal.push(Call::Look);
        let start = offset as usize;
        let source = state
            .seen
            .get(start..start + out.len())
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "read past the end"))?;
        out.copy_from_slice(source);
        Ok(())
    }

    fn set_len(&self, len: u64) -> Result<(), io::Error> {
        let mut state = self.disk.lock();
        state.seen.resize(len as usize, 0);
        state.journal.push(Call::SetLen(len));
        Ok(())
    }

    fn sync_data(&self) -> Result<(), io::Error> {
        let mut state = self.disk.lock();
        if std::mem::take(&mut state.fail_sync) {
            state.journal.push(Call::Look);
            return Err(io::Error::other("injected sync failure"));
        }
        state.journal.push(Call::Sync);
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), io::Error> {
        let mut state = self.disk.lock();
        let call = Call::Write { offset, data: data.to_vec() };
        apply(&mut state.seen, &call, None);
        state.journal.push(call);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk_with(calls: &[(&str, u64, usize, u8)]) -> SimulatedDisk {
        let disk = SimulatedDisk::new();
        let backend = disk.backend();
        for &(what, offset, len, byte) in calls {
            match what {
                "write" => backend.write(offset, &vec![byte; len]).unwrap(),
                "sync" => backend.sync_data().unwrap(),
                _ => backend.set_len(offset).unwrap(),
            }
        }
        disk
    }

    fn image(disk: &SimulatedDisk, cut: Cut) -> Image {
        let mut out = None;
        disk.after_cuts(&[cut], |_, image| out = Some(image));
        out.unwrap()
    }

    #[test]
    fn a_cut_keeps_what_was_synced_and_loses_or_tears_the_rest() {
        // 8 KiB of 1s, synced; then 8 KiB of 2s over it, not synced; then a sync.
        let disk =
            disk_with(&[("write", 0, 8192, 1), ("sync", 0, 0, 0), ("write", 0, 8192, 2), ("sync", 0, 0, 0)]);
        let before_any = image(&disk, Cut { at: 0, loss: Loss::Some, seed: 1 });
        assert!(before_any.bytes.is_empty() || before_any.bytes.iter().all(|b| *b == 1));
        let everything = image(&disk, Cut { at: 3, loss: Loss::Everything, seed: 1 });
        assert_eq!((everything.bytes.len(), everything.lost), (8192, 1));
        assert!(everything.bytes.iter().all(|b| *b == 1), "the unsynced write is gone");
        let after = image(&disk, Cut { at: 4, loss: Loss::Everything, seed: 1 });
        assert!(after.bytes.iter().all(|b| *b == 2), "a completed sync keeps it");
        // Torn in flight: the last page is part old, part new, in whole sectors.
        for seed in 0..50 {
            let torn = image(&disk, Cut { at: 2, loss: Loss::Torn, seed });
            assert!(torn.torn);
            let page = &torn.bytes[4096..];
            assert!(page.contains(&1) && page.contains(&2), "seed {seed}: half old, half new");
            for sector in page.chunks(SECTOR) {
                assert!(sector.iter().all(|b| *b == sector[0]), "a sector lands whole");
            }
        }
    }

    #[test]
    fn some_of_the_unsynced_writes_are_kept_by_the_seed() {
        let mut calls = vec![("len", 4096 * 16, 0, 0), ("sync", 0, 0, 0)];
        for i in 0..16u64 {
            calls.push(("write", i * 4096, 4096, 7));
        }
        let disk = disk_with(&calls);
        let cut = Cut { at: disk.calls(), loss: Loss::Some, seed: 42 };
        let (a, b) = (image(&disk, cut), image(&disk, cut));
        assert_eq!(a.bytes, b.bytes, "the same seed loses the same writes");
        assert_eq!(a.kept + a.lost, 16);
        assert!(a.kept > 0 && a.lost > 0, "{} kept, {} lost", a.kept, a.lost);
        let pages_kept = a.bytes.chunks(4096).filter(|p| p[0] == 7).count();
        assert_eq!(pages_kept, a.kept);
    }

    #[test]
    fn the_store_saves_on_the_disk_and_a_cut_after_the_answer_keeps_the_write() {
        use crate::domain::CustomerDetails;
        use crate::store::{Actor, DB_FILE, Store, customers};
        let disk = SimulatedDisk::new();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_simulated(dir.path(), &disk).unwrap();
        let details = CustomerDetails::person("王伟", "13800138000");
        let saved = store.write_touching_now(|tx, t| customers::create_tx(tx, t, &Actor::system(), details));
        let (id, answered_at) = (saved.unwrap().id, disk.calls());
        drop(store);
        assert!(!dir.path().join(DB_FILE).exists(), "nothing went to the real file");
        for loss in Loss::ALL {
            let found = image(&disk, Cut { at: answered_at, loss, seed: 9 });
            let after = tempfile::tempdir().unwrap();
            std::fs::write(after.path().join(DB_FILE), &found.bytes).unwrap();
            let store = Store::open(after.path()).unwrap();
            let name = store.read_now(|tx| Ok(customers::get(tx, id)?.map(|c| c.details.name))).unwrap();
            assert_eq!(name.as_deref(), Some("王伟"), "{loss:?}");
        }
    }

    #[test]
    fn a_short_write_tears_at_a_byte() {
        let disk = disk_with(&[("write", 0, 320, 1), ("sync", 0, 0, 0), ("write", 0, 320, 2)]);
        let torn = image(&disk, Cut { at: 2, loss: Loss::Torn, seed: 3 });
        let split = torn.bytes.iter().position(|b| *b == 1).unwrap();
        assert!(split > 0 && torn.bytes[split..].iter().all(|b| *b == 1));
    }
}
