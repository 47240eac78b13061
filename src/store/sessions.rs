//! Login sessions, stored so they survive a restart, and the reception kiosk's lock on them
//! (locking, unlocking with a PIN, taking a kiosk over as another user).

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::StoreResult;
use super::audit::{Actor, append_tx};
use super::tables::{SESSIONS, SESSIONS_BY_USER};
use crate::domain::{Session, User, UserId};

/// Live sessions with their users, in memory. Emptied after every committed write that changed
/// a session or a user (see [`mark_changed`]); the generation number makes a lookup that
/// started before such a write leave the cache alone.
#[derive(Default)]
pub struct SessionCache {
    generation: AtomicU64,
    map: RwLock<HashMap<u128, (Session, User)>>,
}

/// Beyond this many cached sessions the cache starts over (a shop has tens of staff).
const MAX_CACHED: usize = 10_000;

impl SessionCache {
    pub fn get(&self, id: u128) -> Option<(Session, User)> {
        self.map.read().unwrap_or_else(|e| e.into_inner()).get(&id).cloned()
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Caches what a lookup read, unless a write committed since it started.
    pub fn fill(&self, generation: u64, id: u128, value: (Session, User)) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if map.len() >= MAX_CACHED {
            map.clear();
        }
        map.insert(id, value);
    }

    pub fn clear(&self) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.clear();
    }
}

thread_local! {
    /// Whether the write transaction running on this thread changed a session or a user. A
    /// write transaction runs start to commit on one thread (see `Inner::write_with`), which
    /// resets this before it and empties the cache after committing if it was set.
    static CHANGED: Cell<bool> = const { Cell::new(false) };
}

/// Marks that the write running on this thread changes sessions or users: every function that
/// writes the `sessions` or `users` tables (here and in `users`) calls it.
pub(super) fn mark_changed() {
    CHANGED.set(true);
}

/// Whether the write on this thread marked a change since the last call; clears the mark.
pub(super) fn take_changed() -> bool {
    CHANGED.replace(false)
}

pub fn get(tx: &ReadTransaction, id: u128) -> StoreResult<Option<Session>> {
    Ok(tx.open_table(SESSIONS)?.get(id)?.map(|v| v.value()))
}

pub fn insert_tx(tx: &WriteTransaction, id: u128, session: &Session) -> StoreResult<()> {
    mark_changed();
    tx.open_table(SESSIONS)?.insert(id, session)?;
    tx.open_table(SESSIONS_BY_USER)?.insert((session.user_id.0, id), ())?;
    Ok(())
}

pub fn remove_tx(tx: &WriteTransaction, id: u128) -> StoreResult<Option<Session>> {
    mark_changed();
    let removed = tx.open_table(SESSIONS)?.remove(id)?.map(|v| v.value());
    if let Some(session) = &removed {
        tx.open_table(SESSIONS_BY_USER)?.remove((session.user_id.0, id))?;
    }
    Ok(removed)
}

/// Records activity; does nothing if the session was ended meanwhile.
pub fn touch_tx(tx: &WriteTransaction, id: u128, now: DateTime<Utc>) -> StoreResult<()> {
    mark_changed();
    let mut table = tx.open_table(SESSIONS)?;
    let current = table.get(id)?.map(|v| v.value());
    if let Some(mut session) = current {
        session.last_seen = now;
        table.insert(id, session)?;
    }
    Ok(())
}

/// Locks a reception kiosk's session (its page's idle timer, or the server seeing it idle) and
/// keeps the page to come back to; audited. `false` if the session has ended or was locked
/// already (then nothing is written).
pub fn lock_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    id: u128,
    return_to: Option<String>,
    why: &str,
) -> StoreResult<bool> {
    let mut table = tx.open_table(SESSIONS)?;
    let current = table.get(id)?.map(|v| v.value());
    let Some(mut session) = current.filter(|s| !s.locked) else { return Ok(false) };
    mark_changed();
    session.locked = true;
    session.return_to = return_to;
    table.insert(id, session)?;
    drop(table);
    append_tx(tx, actor, "kiosk.lock", &user_record(actor), why.to_string())?;
    Ok(true)
}

/// Unlocks a locked kiosk session with the PIN of `actor`: the same user's session goes on;
/// another user's PIN puts `replace_with` (a new session of theirs, with a new id) in its
/// place. Audited; returns the page the kiosk was on. A session that has ended is not found.
pub fn unlock_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    id: u128,
    replace_with: Option<(u128, &Session)>,
    now: DateTime<Utc>,
    client: &str,
) -> StoreResult<Option<String>> {
    let current = get_tx(tx, id)?.ok_or(super::StoreError::NotFound)?;
    let summary = match replace_with {
        None => {
            let mut session = current.clone();
            session.locked = false;
            session.return_to = None;
            session.last_seen = now;
            mark_changed();
            tx.open_table(SESSIONS)?.insert(id, session)?;
            format!("PIN from {client}")
        }
        Some((new_id, new)) => {
            remove_tx(tx, id)?;
            insert_tx(tx, new_id, new)?;
            format!("PIN from {client}, took over from user:{}", current.user_id)
        }
    };
    append_tx(tx, actor, "kiosk.unlock", &user_record(actor), summary)?;
    Ok(current.return_to)
}

/// A wrong PIN typed on a locked kiosk: audited against the user whose PIN it was tried as,
/// by the kiosk session's user.
pub fn unlock_failed_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    target: UserId,
    client: &str,
) -> StoreResult<()> {
    append_tx(tx, actor, "kiosk.unlock_failed", &format!("user:{target}"), format!("wrong PIN from {client}"))
}

fn user_record(actor: &Actor) -> String {
    actor.user_id.map(|id| format!("user:{id}")).unwrap_or_else(|| "settings:shop".into())
}

pub fn get_tx(tx: &WriteTransaction, id: u128) -> StoreResult<Option<Session>> {
    Ok(tx.open_table(SESSIONS)?.get(id)?.map(|v| v.value()))
}

/// Ends every session of a user (deactivation, password change elsewhere).
pub fn end_all_for_user_tx(tx: &WriteTransaction, user: UserId) -> StoreResult<usize> {
    end_all_for_user_except_tx(tx, user, None)
}

pub fn end_all_for_user_except_tx(
    tx: &WriteTransaction,
    user: UserId,
    keep: Option<u128>,
) -> StoreResult<usize> {
    let ids: Vec<u128> = {
        let index = tx.open_table(SESSIONS_BY_USER)?;
        let mut ids = Vec::new();
        for row in index.range((user.0, 0)..=(user.0, u128::MAX))? {
            ids.push(row?.0.value().1);
        }
        ids
    };
    let mut ended = 0;
    for id in ids.into_iter().filter(|id| Some(*id) != keep) {
        remove_tx(tx, id)?;
        ended += 1;
    }
    Ok(ended)
}

/// Ends every session (after a restore); returns how many.
pub fn end_all_tx(tx: &WriteTransaction) -> StoreResult<usize> {
    sweep_tx(tx, |_| true)
}

/// Removes sessions for which `is_dead` holds; returns how many.
pub fn sweep_tx(tx: &WriteTransaction, is_dead: impl Fn(&Session) -> bool) -> StoreResult<usize> {
    let dead: Vec<u128> = {
        let table = tx.open_table(SESSIONS)?;
        let mut dead = Vec::new();
        for row in table.iter()? {
            let (id, session) = row?;
            if is_dead(&session.value()) {
                dead.push(id.value());
            }
        }
        dead
    };
    for id in &dead {
        remove_tx(tx, *id)?;
    }
    Ok(dead.len())
}
