//! The audit log: who did what to which record, and when. Append-only; written in the same
//! transaction as the change it describes, so the log and the data never disagree.

use chrono::{DateTime, Utc};
use redb::{ReadTransaction, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::tables::AUDIT;
use super::{StoreResult, next_id_tx};
use crate::domain::UserId;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// `None` for the system itself (first start, migrations, scheduled jobs).
    pub user_id: Option<UserId>,
    /// The actor's username at the time, kept even if the user is renamed later.
    pub who: String,
    /// What happened, as `area.verb`, e.g. `user.create`.
    pub action: String,
    /// Which record, as `kind:id`, e.g. `user:3`.
    pub record: String,
    pub summary: String,
}

/// Who is acting: a signed-in user or the system.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub name: String,
}

impl Actor {
    pub fn system() -> Actor {
        Actor { user_id: None, name: "system".into() }
    }

    /// The name the audit log gives the customer acting through their own link.
    pub const CUSTOMER: &'static str = "customer (own phone)";

    /// The customer, through their own link to an order.
    pub fn customer() -> Actor {
        Actor { user_id: None, name: Self::CUSTOMER.into() }
    }

    pub fn user(id: UserId, name: &str) -> Actor {
        Actor { user_id: Some(id), name: name.to_string() }
    }
}

pub fn append_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    action: &str,
    record: &str,
    summary: impl Into<String>,
) -> StoreResult<()> {
    let id = next_id_tx(tx, "audit")?;
    let entry = AuditEntry {
        at: Utc::now(),
        user_id: actor.user_id,
        who: actor.name.clone(),
        action: action.to_string(),
        record: record.to_string(),
        summary: summary.into(),
    };
    tx.open_table(AUDIT)?.insert(id, entry)?;
    Ok(())
}

/// Up to `limit` entries, newest first, older than the entry `before` when given.
pub fn recent(
    tx: &ReadTransaction,
    before: Option<u64>,
    limit: usize,
) -> StoreResult<Vec<(u64, AuditEntry)>> {
    let table = tx.open_table(AUDIT)?;
    let range = match before {
        Some(b) => table.range(..b)?,
        None => table.range(0..)?,
    };
    let mut out = Vec::with_capacity(limit);
    for row in range.rev().take(limit) {
        let (k, v) = row?;
        out.push((k.value(), v.value()));
    }
    Ok(out)
}
