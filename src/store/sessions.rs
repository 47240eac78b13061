//! Login sessions, stored so they survive a restart.

use chrono::{DateTime, Utc};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::StoreResult;
use super::tables::{SESSIONS, SESSIONS_BY_USER};
use crate::domain::{Session, UserId};

pub fn get(tx: &ReadTransaction, id: u128) -> StoreResult<Option<Session>> {
    Ok(tx.open_table(SESSIONS)?.get(id)?.map(|v| v.value()))
}

pub fn insert_tx(tx: &WriteTransaction, id: u128, session: &Session) -> StoreResult<()> {
    tx.open_table(SESSIONS)?.insert(id, session)?;
    tx.open_table(SESSIONS_BY_USER)?.insert((session.user_id.0, id), ())?;
    Ok(())
}

pub fn remove_tx(tx: &WriteTransaction, id: u128) -> StoreResult<Option<Session>> {
    let removed = tx.open_table(SESSIONS)?.remove(id)?.map(|v| v.value());
    if let Some(session) = &removed {
        tx.open_table(SESSIONS_BY_USER)?.remove((session.user_id.0, id))?;
    }
    Ok(removed)
}

/// Records activity; does nothing if the session was ended meanwhile.
pub fn touch_tx(tx: &WriteTransaction, id: u128, now: DateTime<Utc>) -> StoreResult<()> {
    let mut table = tx.open_table(SESSIONS)?;
    let current = table.get(id)?.map(|v| v.value());
    if let Some(mut session) = current {
        session.last_seen = now;
        table.insert(id, session)?;
    }
    Ok(())
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
