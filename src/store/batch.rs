//! Batched writes: the users' actions that arrive while a write is running share the next write
//! transaction and its one sync.
//!
//! Why: a durable write costs one sync, and redb holds its single write lock through it, so
//! under load every action waited for the syncs of the actions queued before it. Worse, every
//! transaction copies the pages of each B-tree it touches (copy on write), so thirty actions on
//! the same tables in thirty transactions write the same upper pages thirty times; in one
//! transaction, once.
//!
//! How: [`Store::write`](super::Store::write) and
//! [`Store::write_touching`](super::Store::write_touching) queue the action; if no batch is
//! running, one blocking thread starts leading. The leader takes everything queued, runs the
//! actions one after another in one transaction, commits it and waits for it to be durable (the
//! group commit of [`flush`](super::flush), so a failed sync is settled the same way), then
//! answers each action and takes the next batch, until the queue is empty.
//!
//! The rule that keeps "a refused action has written nothing": when an action fails (a shop
//! rule refused it, or anything else), the whole transaction is dropped, so nothing of it is
//! kept; that action gets its error, the actions before it run again and commit on their own,
//! and the rest go on in a new transaction, all made durable by the batch's one sync. That is
//! why an action is a `Fn`: it may run twice, each time from the same state of the database
//! (the actions before it are the same and run in the same order), and only the run that
//! commits counts. Refusals are rare at a shop's counter, and each costs one second run of the
//! actions queued before it.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;

use redb::{Database, Durability, WriteTransaction};
use tokio::sync::oneshot;

use super::{Detail, Inner, Store, StoreError, StoreResult, Touched};

/// An action's result, of the type its caller expects (see [`Store::write_touching`]).
type Output = Box<dyn Any + Send>;

/// One queued action, to run inside a batch's transaction, perhaps more than once.
pub(super) type Action = Box<dyn Fn(&WriteTransaction, &mut Touched) -> StoreResult<Output> + Send>;

/// The most actions one transaction takes: a long batch holds the write lock (and its waiters'
/// answers) for as long as all of them take to run.
const MOST_PER_BATCH: usize = 64;

struct Queued {
    action: Action,
    answer: Answer,
}

/// The actions waiting for the next batch, and whether a leader is running one.
#[derive(Default)]
pub(super) struct Batcher {
    queue: std::sync::Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Queued>,
    leading: bool,
}

impl Batcher {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store {
    /// Queues `action` for the next batch and waits for its answer.
    pub(super) async fn batched<T: Send + 'static>(&self, action: Action) -> StoreResult<T> {
        let (answer, answered) = oneshot::channel();
        let lead = {
            let mut queue = self.inner.batcher.lock();
            queue.waiting.push(Queued { action, answer });
            !std::mem::replace(&mut queue.leading, true)
        };
        if lead {
            let store = self.clone();
            tokio::task::spawn_blocking(move || store.lead());
        }
        let out = answered.await.map_err(|e| StoreError::internal("the write was dropped", e))??;
        out.downcast::<T>()
            .map(|out| *out)
            .map_err(|_| StoreError::Internal("a write answered the wrong type".into()))
    }

    /// Runs batches until nothing waits. The last batch's answers are sent after this handle
    /// on the store is dropped, so whoever got the last answer may close the store at once. A
    /// panic in here answers the batch in hand with an error (its senders are dropped) and hands
    /// the lead to whoever queues next.
    fn lead(self) {
        loop {
            let batch: Vec<Queued> = {
                let mut queue = self.inner.batcher.lock();
                if queue.waiting.is_empty() {
                    queue.leading = false;
                    return;
                }
                let n = queue.waiting.len().min(MOST_PER_BATCH);
                queue.waiting.drain(..n).collect()
            };
            let answers = {
                let _unlead = Unlead(&self);
                self.inner.run_batch(batch)
            };
            let last = {
                let mut queue = self.inner.batcher.lock();
                queue.leading = !queue.waiting.is_empty();
                !queue.leading
            };
            if last {
                drop(self);
                answer(answers);
                return;
            }
            answer(answers);
        }
    }
}

/// If running a batch panics: a new leader takes what still waits, or the next write leads,
/// so no write waits for a leader that is gone.
struct Unlead<'a>(&'a Store);

impl Drop for Unlead<'_> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let mut queue = self.0.inner.batcher.lock();
        let handle = tokio::runtime::Handle::try_current();
        match handle {
            Ok(handle) if !queue.waiting.is_empty() => {
                let store = self.0.clone();
                handle.spawn_blocking(move || store.lead());
            }
            _ => queue.leading = false,
        }
    }
}

/// Where an action's answer goes.
type Answer = oneshot::Sender<StoreResult<Output>>;

/// What each action of a batch is told.
type Answers = Vec<(Answer, StoreResult<Output>)>;

fn answer(answers: Answers) {
    for (to, out) in answers {
        let _ = to.send(out);
    }
}

/// How one run of actions ended.
enum Run {
    /// Committed (not yet synced): each action's output, in order, what they touched together,
    /// the commit's number in the file and its place in the group commit.
    Committed { outs: Vec<Output>, touched: Touched, commit: u64, seq: u64 },
    /// Action `i` failed; nothing was committed.
    Failed(usize, StoreError),
}

impl Inner {
    /// Runs `batch` and answers each action. The actions run in order in one transaction; when
    /// one fails, the transaction is dropped, that action is answered with its error, and the
    /// actions before it run again and commit on their own (they succeeded on this same state a
    /// moment ago), then the rest go on in a new transaction. So a refusal costs one second run
    /// of the actions before it, never more. One sync at the end makes every commit of the
    /// batch durable before any action is answered "saved".
    ///
    /// The whole batch, runs and sync, holds the database's gate once, so no reopening or
    /// restore comes between a commit and the sync it waits for; a sync that failed is settled
    /// after letting go of it (settling reopens the file).
    fn run_batch(&self, mut pending: Vec<Queued>) -> Answers {
        let mut answers = Vec::with_capacity(pending.len());
        // Committed runs waiting for the sync: who ran in each, and its commit number.
        let mut committed: Vec<(Vec<(Answer, Output)>, u64)> = Vec::new();
        let mut orders_changed = false;
        let synced = self.with_db(|db| {
            let mut last_seq = None;
            let mut limit = pending.len();
            while !pending.is_empty() {
                if limit == 0 {
                    limit = pending.len();
                }
                let actions: Vec<&Action> = pending[..limit].iter().map(|q| &q.action).collect();
                match self.run_once(db, &actions) {
                    Ok(Run::Failed(i, error)) => {
                        if matches!(error, StoreError::Storage(_) | StoreError::Unconfirmed(_)) {
                            self.suspect.store(true, Ordering::SeqCst);
                        }
                        answers.push((pending.remove(i).answer, Err(error)));
                        limit = i;
                    }
                    Ok(Run::Committed { outs, touched, commit, seq }) => {
                        super::refresh_or_rebuild(db, &self.search, &touched);
                        super::refresh_parts(db, &self.parts, &touched);
                        orders_changed |= touched.orders;
                        let ran = pending.drain(..limit).map(|q| q.answer).zip(outs).collect();
                        committed.push((ran, commit));
                        last_seq = Some(seq);
                        limit = pending.len();
                    }
                    // The transaction could not begin or commit: nothing of this run was kept,
                    // and every action still waiting is told so.
                    Err(error) => {
                        self.suspect.store(true, Ordering::SeqCst);
                        orders_changed = true;
                        for queued in pending.drain(..) {
                            answers.push((queued.answer, Err(echo(&error))));
                        }
                    }
                }
            }
            Ok(last_seq.map(|seq| self.flusher.wait_durable(db, seq)))
        });
        match synced {
            // Nothing committed, or every commit on disk.
            Ok(None | Some(Ok(()))) => {
                for (ran, _) in committed {
                    answers.extend(ran.into_iter().map(|(to, out)| (to, Ok(out))));
                }
            }
            Ok(Some(Err(error))) => {
                orders_changed = true;
                for (ran, commit) in committed {
                    let kept = self.settle((), commit, echo(&error));
                    answers.extend(
                        ran.into_iter().map(|(to, out)| (to, kept.as_ref().map(|()| out).map_err(echo))),
                    );
                }
            }
            // The database was not there to run on: nothing ran.
            Err(error) => {
                orders_changed = true;
                for queued in pending.drain(..) {
                    answers.push((queued.answer, Err(echo(&error))));
                }
            }
        }
        if orders_changed {
            self.orders_changed.fetch_add(1, Ordering::SeqCst);
        }
        answers
    }

    /// One run of `actions` in one transaction, committed without syncing if all succeed,
    /// dropped at the first that fails.
    fn run_once(&self, db: &Database, actions: &[&Action]) -> StoreResult<Run> {
        let mut tx = db.begin_write()?;
        tx.set_durability(Durability::None)?;
        super::sessions::take_changed();
        let mut touched = Touched::default();
        let mut outs = Vec::with_capacity(actions.len());
        for (i, action) in actions.iter().enumerate() {
            match catch_unwind(AssertUnwindSafe(|| action(&tx, &mut touched))) {
                Ok(Ok(out)) => outs.push(out),
                Ok(Err(error)) => return Ok(Run::Failed(i, error)),
                Err(_) => return Ok(Run::Failed(i, StoreError::Internal("the write panicked".into()))),
            }
        }
        let (commit, seq) = self.commit_numbered(tx)?;
        Ok(Run::Committed { outs, touched, commit, seq })
    }
}

/// The same failure again, for the next action of a batch that failed as a whole (an error
/// carries its source only once).
fn echo(error: &StoreError) -> StoreError {
    match error {
        StoreError::Unconfirmed(d) => StoreError::Unconfirmed(Detail::new(d.to_string())),
        StoreError::Internal(d) => StoreError::Internal(Detail::new(d.to_string())),
        other => StoreError::Storage(Detail::new(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use redb::{ReadableTable, ReadableTableMetadata};

    use super::*;
    use crate::store::testing::temp_store;

    const COUNTS: redb::TableDefinition<u64, u64> = redb::TableDefinition::new("test_batch_counts");

    /// An action that writes `key` and then succeeds or fails, counting its runs.
    fn action(key: u64, fails: bool, runs: Arc<AtomicUsize>) -> Action {
        Box::new(move |tx, _| {
            runs.fetch_add(1, Ordering::SeqCst);
            tx.open_table(COUNTS)?.insert(key, key)?;
            if fails {
                return Err(StoreError::Refused(crate::i18n::Msg::FormHasErrors));
            }
            Ok(Box::new(key) as Output)
        })
    }

    fn queued(action: Action) -> (Queued, oneshot::Receiver<StoreResult<Output>>) {
        let (answer, answered) = oneshot::channel();
        (Queued { action, answer }, answered)
    }

    fn keys(store: &Store) -> Vec<u64> {
        store
            .read_now(|tx| {
                let table = match tx.open_table(COUNTS) {
                    Ok(t) => t,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                    Err(e) => return Err(e.into()),
                };
                Ok(table.iter()?.map(|r| r.map(|(k, _)| k.value())).collect::<Result<Vec<_>, _>>()?)
            })
            .unwrap()
    }

    #[test]
    fn a_refused_action_leaves_nothing_and_the_rest_commit_together_after_running_again() {
        let (store, _dir) = temp_store();
        let runs: Vec<_> = (0..4).map(|_| Arc::new(AtomicUsize::new(0))).collect();
        let (a, mut a_rx) = queued(action(1, false, runs[0].clone()));
        let (b, mut b_rx) = queued(action(2, true, runs[1].clone()));
        let (c, mut c_rx) = queued(action(3, false, runs[2].clone()));
        let (d, mut d_rx) = queued(action(4, true, runs[3].clone()));
        let commits_before = store.inner.flusher.lock().committed;
        answer(store.inner.run_batch(vec![a, b, c, d]));

        assert_eq!(*a_rx.try_recv().unwrap().unwrap().downcast::<u64>().unwrap(), 1);
        assert!(matches!(b_rx.try_recv().unwrap(), Err(StoreError::Refused(_))));
        assert_eq!(*c_rx.try_recv().unwrap().unwrap().downcast::<u64>().unwrap(), 3);
        assert!(matches!(d_rx.try_recv().unwrap(), Err(StoreError::Refused(_))));
        assert_eq!(keys(&store), vec![1, 3], "the refused actions' writes are gone");
        // a ran, then b failed: a ran again and committed alone; c ran, d failed, c ran again.
        let counts: Vec<_> = runs.iter().map(|r| r.load(Ordering::SeqCst)).collect();
        assert_eq!(counts, vec![2, 1, 2, 1]);
        let state = store.inner.flusher.lock();
        assert_eq!(state.committed, commits_before + 2, "two commits");
        assert_eq!(state.durable, state.committed, "and it is on disk before the answers");
    }

    #[test]
    fn a_panicking_action_is_answered_with_an_error_and_the_others_are_kept() {
        let (store, _dir) = temp_store();
        let runs = Arc::new(AtomicUsize::new(0));
        let (a, mut a_rx) = queued(action(1, false, runs.clone()));
        let (b, mut b_rx) = queued(Box::new(|tx, _| {
            tx.open_table(COUNTS)?.insert(2, 2)?;
            panic!("a bug in an action");
        }));
        answer(store.inner.run_batch(vec![a, b]));
        assert!(a_rx.try_recv().unwrap().is_ok());
        assert!(matches!(b_rx.try_recv().unwrap(), Err(StoreError::Internal(_))));
        assert_eq!(keys(&store), vec![1]);
    }

    #[test]
    fn concurrent_writers_through_the_batches_each_get_their_own_answer_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(4).build().unwrap();
        let accepted = {
            let store = Store::open(dir.path()).unwrap();
            let tasks: Vec<_> = (0..16u64)
                .map(|w| {
                    let store = store.clone();
                    rt.spawn(async move {
                        let mut accepted = Vec::new();
                        for i in 0..40u64 {
                            let key = w * 1000 + i;
                            let refused = key % 7 == 3;
                            let out = store
                                .write(move |tx| {
                                    tx.open_table(COUNTS)?.insert(key, i)?;
                                    if refused {
                                        return Err(StoreError::Stale);
                                    }
                                    Ok(key)
                                })
                                .await;
                            match out {
                                Ok(k) => {
                                    assert_eq!(k, key, "each writer gets its own answer");
                                    accepted.push(key);
                                }
                                Err(StoreError::Stale) => assert!(refused),
                                Err(e) => panic!("{e}"),
                            }
                        }
                        accepted
                    })
                })
                .collect();
            let mut accepted = Vec::new();
            for task in tasks {
                accepted.extend(rt.block_on(task).unwrap());
            }
            accepted.sort();
            let state = store.inner.flusher.lock();
            assert_eq!(state.durable, state.committed);
            accepted
        };
        let refused = (0..16u64).flat_map(|w| (0..40u64).map(move |i| w * 1000 + i)).filter(|k| k % 7 == 3);
        assert_eq!(accepted.len(), 16 * 40 - refused.count());
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(keys(&store), accepted, "exactly the accepted writes, after reopening the file");
        let rows = store.read_now(|tx| Ok(tx.open_table(COUNTS)?.len()?)).unwrap();
        assert_eq!(rows, accepted.len() as u64);
    }
}
