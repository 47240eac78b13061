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
    /// The login name, which the audit log keeps (its filter finds people by it).
    pub name: String,
    /// The name people read on the records the action writes (who noted, approved, paid…).
    pub display: String,
}

impl Actor {
    pub fn system() -> Actor {
        Actor { user_id: None, name: "system".into(), display: "system".into() }
    }

    /// The name the audit log gives the customer acting through their own link.
    pub const CUSTOMER: &'static str = "customer (own phone)";

    /// The customer, through their own link to an order.
    pub fn customer() -> Actor {
        Actor { user_id: None, name: Self::CUSTOMER.into(), display: Self::CUSTOMER.into() }
    }

    pub fn user(id: UserId, name: &str) -> Actor {
        Actor { user_id: Some(id), name: name.to_string(), display: name.to_string() }
    }

    /// A signed-in user: the audit log keeps their login, the records their display name.
    pub fn person(user: &crate::domain::User) -> Actor {
        Actor {
            user_id: Some(user.id),
            name: user.username.as_str().to_string(),
            display: user.display_name.clone(),
        }
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

/// What the audit viewer narrows the log to; an empty field matches everything.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// The actor's username, exactly (ignoring case).
    pub who: String,
    /// An action (`order.status`) or an area (`order`, matching `order.*`).
    pub action: String,
    /// A record (`customer:12`) or a kind (`customer`, matching `customer:*`).
    pub record: String,
    /// Only entries at or after this instant, and before `to`.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl AuditFilter {
    pub fn matches(&self, e: &AuditEntry) -> bool {
        let prefixed = |value: &str, wanted: &str, sep: char| {
            wanted.is_empty()
                || value == wanted
                || value.strip_prefix(wanted).is_some_and(|rest| rest.starts_with(sep))
        };
        (self.who.is_empty() || e.who.eq_ignore_ascii_case(&self.who))
            && prefixed(&e.action, &self.action, '.')
            && prefixed(&e.record, &self.record, ':')
            && self.from.is_none_or(|from| e.at >= from)
            && self.to.is_none_or(|to| e.at < to)
    }
}

/// A page of the filtered log, newest first.
#[derive(Debug, Default)]
pub struct AuditPage {
    pub entries: Vec<(u64, AuditEntry)>,
    /// Where to go on for older entries: the last entry shown, or the last one looked at when
    /// the scan stopped at its bound before the page was full.
    pub older: Option<u64>,
}

/// Up to `limit` entries matching `filter`, older than the entry `before` when given. Entries
/// are appended in time order, so the scan starts at the newest and stops at the first one
/// before `filter.from`; it looks at `scan_limit` entries at most (a rare filter over years of
/// log), and then says where to go on.
pub fn search(
    tx: &ReadTransaction,
    filter: &AuditFilter,
    before: Option<u64>,
    limit: usize,
    scan_limit: usize,
) -> StoreResult<AuditPage> {
    let table = tx.open_table(AUDIT)?;
    let range = match before {
        Some(b) => table.range(..b)?,
        None => table.range(0..)?,
    };
    let mut page = AuditPage::default();
    let mut looked = 0usize;
    for row in range.rev() {
        let (k, v) = row?;
        let (id, entry) = (k.value(), v.value());
        looked += 1;
        if filter.from.is_some_and(|from| entry.at < from) {
            return Ok(page); // older than the period: nothing further matches
        }
        if filter.matches(&entry) {
            page.entries.push((id, entry));
            if page.entries.len() == limit {
                page.older = Some(id);
                return Ok(page);
            }
        }
        if looked >= scan_limit {
            page.older = Some(id);
            return Ok(page);
        }
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(who: &str, action: &str, record: &str, at: &str) -> AuditEntry {
        AuditEntry {
            at: at.parse().unwrap(),
            user_id: None,
            who: who.into(),
            action: action.into(),
            record: record.into(),
            summary: String::new(),
        }
    }

    #[test]
    fn a_filter_matches_by_user_action_or_area_record_or_kind_and_period() {
        let e = entry("advisor", "order.status", "order:12", "2026-11-28T08:00:00Z");
        let f = |who: &str, action: &str, record: &str| AuditFilter {
            who: who.into(),
            action: action.into(),
            record: record.into(),
            ..AuditFilter::default()
        };
        assert!(f("", "", "").matches(&e));
        assert!(f("Advisor", "order", "order:12").matches(&e));
        assert!(f("", "order.status", "order").matches(&e));
        assert!(!f("cashier", "", "").matches(&e));
        assert!(!f("", "order.stat", "").matches(&e), "an action matches whole, not by letters");
        assert!(!f("", "", "order:1").matches(&e), "order:1 is not order:12");
        assert!(!f("", "customer", "").matches(&e));
        let period = |from: &str, to: &str| AuditFilter {
            from: Some(from.parse().unwrap()),
            to: Some(to.parse().unwrap()),
            ..AuditFilter::default()
        };
        assert!(period("2026-11-28T00:00:00Z", "2026-11-29T00:00:00Z").matches(&e));
        assert!(!period("2026-11-29T00:00:00Z", "2026-11-30T00:00:00Z").matches(&e));
        assert!(!period("2026-11-27T00:00:00Z", "2026-11-28T08:00:00Z").matches(&e), "`to` is exclusive");
    }
}
