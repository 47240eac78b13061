//! Follow-up calls (回访): scheduled in the write that delivers an order, worked from the list,
//! the unhappy answers kept for the manager, the monthly totals kept for the report.
//!
//! What stays true (checked by [`verify`], `wrenchdesk check`):
//! - [`FOLLOWUPS_DUE`] holds exactly the open calls, at (their due day, id): the list is one
//!   range of it, never a scan of the calls.
//! - [`FOLLOWUPS_UNHAPPY`] holds exactly the unhappy answers no manager has handled.
//! - [`FOLLOWUP_MONTHS`] holds, per month a call closed in, the sum of the closed calls' totals:
//!   the report reads a few rows, not the calls.
//! - [`FOLLOWUPS_BY_ORDER`] has one row per call: an order is followed up once.
//!
//! Every answer is one write with a version check: the call, its indexes, the month's totals,
//! the customer's contact history and the audit entry together.

use chrono::{DateTime, NaiveDate, Utc};
use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata, WriteTransaction};

use super::audit::{Actor, append_tx};
use super::care::{day_key, key_day};
use super::tables::{FOLLOWUP_MONTHS, FOLLOWUPS, FOLLOWUPS_BY_ORDER, FOLLOWUPS_DUE, FOLLOWUPS_UNHAPPY};
use super::{StoreError, StoreResult, customers, next_id_tx};
use crate::domain::followup::{Answer, FollowUp, Handled, MonthTotals, due_day};
use crate::domain::report::{local_day, month_key};
use crate::domain::{ContactKind, OrderId, WorkOrder};
use crate::i18n::{Lang, Msg};

pub fn get(tx: &ReadTransaction, id: u64) -> StoreResult<Option<FollowUp>> {
    Ok(tx.open_table(FOLLOWUPS)?.get(id)?.map(|v| v.value()))
}

fn get_tx(tx: &WriteTransaction, id: u64) -> StoreResult<FollowUp> {
    tx.open_table(FOLLOWUPS)?.get(id)?.map(|v| v.value()).ok_or(StoreError::NotFound)
}

/// The call about an order, if it has one.
pub fn for_order(tx: &ReadTransaction, order: OrderId) -> StoreResult<Option<FollowUp>> {
    match tx.open_table(FOLLOWUPS_BY_ORDER)?.get(order.0)? {
        Some(id) => get(tx, id.value()),
        None => Ok(None),
    }
}

/// Schedules the call about `order`, delivered at `at`, for the day the shop's
/// `followup_days` says (shop-local); nothing when that is 0 or the order has a call already.
/// Runs in the write that records the delivery.
pub fn schedule_tx(
    tx: &WriteTransaction,
    order: &WorkOrder,
    at: DateTime<Utc>,
) -> StoreResult<Option<FollowUp>> {
    let settings = super::settings::get_tx(tx)?;
    let Some(due) = due_day(local_day(at, settings.tz()), settings.followup_days) else {
        return Ok(None);
    };
    if tx.open_table(FOLLOWUPS_BY_ORDER)?.get(order.id.0)?.is_some() {
        return Ok(None);
    }
    let call = FollowUp::scheduled(
        next_id_tx(tx, "followup")?,
        (order.id, &order.number),
        order.vehicle_id,
        order.customer_id,
        at,
        due,
    );
    tx.open_table(FOLLOWUPS)?.insert(call.id, &call)?;
    tx.open_table(FOLLOWUPS_DUE)?.insert((day_key(due), call.id), ())?;
    tx.open_table(FOLLOWUPS_BY_ORDER)?.insert(order.id.0, call.id)?;
    Ok(Some(call))
}

/// The line the answer leaves in the customer's contact history, in `lang`.
pub fn contact_summary(lang: Lang, call: &FollowUp, answer: &Answer) -> String {
    let what = match answer {
        Answer::Reached { score, comment, .. } if comment.is_empty() => {
            lang.fmt(Msg::FollowUpSummaryScore, &[score])
        }
        Answer::Reached { score, comment, .. } => {
            lang.fmt(Msg::FollowUpSummaryScoreComment, &[score, comment])
        }
        other => lang.t(other.outcome().label()).to_string(),
    };
    lang.fmt(Msg::FollowUpSummary, &[&call.order_number, &what])
}

/// Records the answer to call `id` as shown at `version`, given at `at`: the call moves on
/// (closed, or due again tomorrow), its indexes and its month's totals follow, the contact
/// goes into the customer's history (in `lang`) and the audit log. A stale version is refused
/// ([`StoreError::Stale`]), and so is an answer to a closed call.
pub fn record_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    (id, version): (u64, u64),
    answer: &Answer,
    lang: Lang,
    at: DateTime<Utc>,
) -> StoreResult<FollowUp> {
    let before = get_tx(tx, id)?;
    if before.version != version {
        return Err(StoreError::Stale);
    }
    let tz = super::settings::get_tx(tx)?.tz();
    let today = local_day(at, tz);
    let month = month_key(today);
    let mut call = before.clone();
    call.apply(answer, today, at, month, &actor.display).map_err(StoreError::Refused)?;
    let mut due = tx.open_table(FOLLOWUPS_DUE)?;
    due.remove((day_key(before.due), id))?;
    if call.is_open() {
        due.insert((day_key(call.due), id), ())?;
    }
    if call.waiting_for_manager() {
        tx.open_table(FOLLOWUPS_UNHAPPY)?.insert(id, ())?;
    }
    if !call.is_open() {
        let mut months = tx.open_table(FOLLOWUP_MONTHS)?;
        let mut totals = months.get(month)?.map(|v| v.value()).unwrap_or_default();
        totals.merge(&call.totals());
        months.insert(month, &totals)?;
    }
    tx.open_table(FOLLOWUPS)?.insert(id, &call)?;
    let summary = contact_summary(lang, &call, answer);
    customers::add_contact_at_tx(tx, actor, call.customer_id, ContactKind::Call, summary, at)?;
    append_tx(
        tx,
        actor,
        "followup.outcome",
        &format!("followup:{id}"),
        format!("{} {} {}", call.order_number, answer.outcome().code(), call.state.code()),
    )?;
    Ok(call)
}

/// A manager marks an unhappy answer handled, with a note of what was done: it leaves the
/// manager's home page. Refused for an answer that is not waiting for a manager.
pub fn handle_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    (id, version): (u64, u64),
    note: String,
    at: DateTime<Utc>,
) -> StoreResult<FollowUp> {
    let mut call = get_tx(tx, id)?;
    if call.version != version {
        return Err(StoreError::Stale);
    }
    if !call.waiting_for_manager() {
        return Err(StoreError::Refused(Msg::FollowUpNotWaiting));
    }
    call.handled = Some(Handled { at, by: actor.user_id, by_name: actor.display.clone(), note });
    call.version += 1;
    tx.open_table(FOLLOWUPS)?.insert(id, &call)?;
    tx.open_table(FOLLOWUPS_UNHAPPY)?.remove(id)?;
    append_tx(tx, actor, "followup.handled", &format!("followup:{id}"), call.order_number.clone())?;
    Ok(call)
}

/// The open calls due on or before `to`, oldest due first: at most `limit` after `skip`, with
/// how many there are in all and how many of them are due by `today`. One range of the index.
pub fn list(
    tx: &ReadTransaction,
    today: NaiveDate,
    to: NaiveDate,
    skip: usize,
    limit: usize,
) -> StoreResult<(Vec<FollowUp>, usize, usize)> {
    let index = tx.open_table(FOLLOWUPS_DUE)?;
    let calls = tx.open_table(FOLLOWUPS)?;
    let (mut out, mut total, mut due_now) = (Vec::new(), 0, 0);
    let today_key = day_key(today);
    for row in index.range(..=(day_key(to), u64::MAX))? {
        let (day, id) = row?.0.value();
        if day <= today_key {
            due_now += 1;
        }
        if total >= skip
            && out.len() < limit
            && let Some(call) = calls.get(id)?
        {
            out.push(call.value());
        }
        total += 1;
    }
    Ok((out, total, due_now))
}

/// How many calls are due by `today` (the care overview and the advisor's home).
pub fn count_due(tx: &ReadTransaction, today: NaiveDate) -> StoreResult<usize> {
    let mut n = 0;
    for row in tx.open_table(FOLLOWUPS_DUE)?.range(..=(day_key(today), u64::MAX))? {
        row?;
        n += 1;
    }
    Ok(n)
}

/// The unhappy answers waiting for a manager, newest first (at most `limit`), with how many
/// there are.
pub fn waiting_for_manager(tx: &ReadTransaction, limit: usize) -> StoreResult<(Vec<FollowUp>, usize)> {
    let index = tx.open_table(FOLLOWUPS_UNHAPPY)?;
    let calls = tx.open_table(FOLLOWUPS)?;
    let mut out = Vec::new();
    for row in index.iter()?.rev().take(limit) {
        if let Some(call) = calls.get(row?.0.value())? {
            out.push(call.value());
        }
    }
    Ok((out, index.len()? as usize))
}

/// The totals of the months `from..=to` (month keys), each month present (zero when quiet).
pub fn months(tx: &ReadTransaction, from: i32, to: i32) -> StoreResult<Vec<(i32, MonthTotals)>> {
    let table = tx.open_table(FOLLOWUP_MONTHS)?;
    let mut out = Vec::new();
    for row in table.range(from..=to)? {
        let (k, v) = row?;
        out.push((k.value(), v.value()));
    }
    Ok(out)
}

/// Differences between the indexes and the calls (`wrenchdesk check`), one line each.
pub fn verify(tx: &ReadTransaction) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    let calls = tx.open_table(FOLLOWUPS)?;
    let due = tx.open_table(FOLLOWUPS_DUE)?;
    let by_order = tx.open_table(FOLLOWUPS_BY_ORDER)?;
    let unhappy = tx.open_table(FOLLOWUPS_UNHAPPY)?;
    let mut months: std::collections::BTreeMap<i32, MonthTotals> = Default::default();
    let (mut open, mut waiting) = (0u64, 0u64);
    for row in calls.iter()? {
        let (id, call) = row?;
        let (id, call) = (id.value(), call.value());
        if call.id != id {
            problems.push(format!("follow-up {id} carries id {}", call.id));
        }
        if call.is_open() {
            open += 1;
            if due.get((day_key(call.due), id))?.is_none() {
                problems.push(format!("follow-up {id} is open but not on the list at {}", call.due));
            }
        }
        if by_order.get(call.order_id.0)?.map(|v| v.value()) != Some(id) {
            problems.push(format!("follow-up {id} is not its order {}'s call", call.order_id));
        }
        if call.waiting_for_manager() {
            waiting += 1;
            if unhappy.get(id)?.is_none() {
                problems
                    .push(format!("follow-up {id} is unhappy and unhandled but not on the manager's list"));
            }
        }
        match (call.is_open(), call.closed_month) {
            (false, Some(month)) => months.entry(month).or_default().merge(&call.totals()),
            (false, None) => problems.push(format!("follow-up {id} is closed without a month")),
            (true, _) => {}
        }
    }
    if due.len()? != open {
        problems.push(format!("{} list entries for {open} open follow-ups", due.len()?));
    }
    for row in due.iter()? {
        let (day, id) = row?.0.value();
        let listed = calls.get(id)?.map(|c| c.value());
        if !listed.as_ref().is_some_and(|c| c.is_open() && Some(c.due) == key_day(day)) {
            problems.push(format!("list entry ({day}, {id}) has no open follow-up due then"));
        }
    }
    if unhappy.len()? != waiting {
        problems.push(format!("{} unhappy entries for {waiting} unhappy unhandled answers", unhappy.len()?));
    }
    if by_order.len()? != calls.len()? {
        problems.push(format!("{} order rows for {} follow-ups", by_order.len()?, calls.len()?));
    }
    let stored: std::collections::BTreeMap<i32, MonthTotals> = tx
        .open_table(FOLLOWUP_MONTHS)?
        .iter()?
        .map(|r| r.map(|(k, v)| (k.value(), v.value())))
        .collect::<Result<_, _>>()?;
    let stored: std::collections::BTreeMap<i32, MonthTotals> =
        stored.into_iter().filter(|(_, t)| *t != MonthTotals::default()).collect();
    if stored != months {
        for month in stored.keys().chain(months.keys()).collect::<std::collections::BTreeSet<_>>() {
            if stored.get(month) != months.get(month) {
                problems.push(format!(
                    "month {month}: totals {:?}, the calls say {:?}",
                    stored.get(month),
                    months.get(month)
                ));
            }
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::domain::work_order::Reception;
    use crate::domain::{CustomerId, OrderState, VehicleId};
    use crate::store::testing::temp_store;

    fn delivered(id: u64, customer: CustomerId) -> WorkOrder {
        let reception = Reception {
            mileage: None,
            fuel: None,
            complaint: "保养".into(),
            items_left: String::new(),
            promised_at: None,
            advisor: None,
        };
        let mut o =
            WorkOrder::new(VehicleId(1), customer, OrderState::Delivered, reception, Utc::now(), None);
        o.id = OrderId(id);
        o.number = format!("N{id}");
        o
    }

    /// The indexes the answers keep equal what the calls say, and a stale answer writes nothing.
    #[test]
    fn answers_keep_the_list_the_manager_s_list_and_the_months_in_step() {
        let (store, _dir) = temp_store();
        let now = Utc::now();
        let sys = Actor::system();
        let ids: Vec<u64> = store
            .write_touching_now(|tx, t| {
                let input = crate::domain::customer::CustomerInput {
                    kind: "person".into(),
                    name: "周敏".into(),
                    phone: "13800138000".into(),
                    ..Default::default()
                };
                let details = crate::domain::CustomerDetails::check(
                    &input,
                    now.date_naive(),
                    &["walk_in".into()],
                    &["ordinary".into()],
                )
                .unwrap();
                let customer = customers::create_tx(tx, t, &sys, details)?.id;
                let mut ids = vec![];
                for n in 1..=4 {
                    ids.push(schedule_tx(tx, &delivered(n, customer), now - Duration::days(5))?.unwrap().id);
                }
                assert!(schedule_tx(tx, &delivered(1, customer), now)?.is_none(), "once per order");
                Ok(ids)
            })
            .unwrap();
        assert!(store.read_now(verify).unwrap().is_empty());
        let answers = [
            Answer::Reached { score: 5, comment: String::new(), flagged: false },
            Answer::Reached { score: 1, comment: "还在响".into(), flagged: false },
            Answer::WrongNumber,
            Answer::NotReached,
        ];
        store
            .write_now(|tx| {
                for (id, answer) in ids.iter().zip(&answers) {
                    record_tx(tx, &sys, (*id, 1), answer, Lang::Zh, now)?;
                }
                Ok(())
            })
            .unwrap();
        let stale =
            store.write_now(|tx| record_tx(tx, &sys, (ids[3], 1), &Answer::NotReached, Lang::Zh, now));
        assert!(matches!(stale, Err(StoreError::Stale)));
        assert!(store.read_now(verify).unwrap().is_empty(), "{:?}", store.read_now(verify));
        let today = local_day(now, chrono_tz::Asia::Shanghai);
        let (open, total, _) =
            store.read_now(|tx| list(tx, today, today + Duration::days(7), 0, 10)).unwrap();
        assert_eq!((open.len(), total), (1, 1));
        assert_eq!(open[0].due, today + Duration::days(1), "tried again tomorrow");
        let (waiting, n) = store.read_now(|tx| waiting_for_manager(tx, 10)).unwrap();
        assert_eq!((waiting[0].id, n), (ids[1], 1));
        let month = month_key(today);
        let totals = store.read_now(|tx| months(tx, month, month)).unwrap();
        assert_eq!(
            totals,
            vec![(month, MonthTotals { closed: 3, reached: 2, scored: 2, score_sum: 6, unhappy: 1 })]
        );
        store.write_now(|tx| handle_tx(tx, &sys, (ids[1], 2), "已回电致歉".into(), now).map(|_| ())).unwrap();
        assert_eq!(store.read_now(|tx| waiting_for_manager(tx, 10)).unwrap().1, 0);
        assert!(store.read_now(verify).unwrap().is_empty());
    }
}
