//! What the report pages read. Days and months are ranges of small rows; nothing here reads
//! an order, a payment or a movement, except the last visit of the few customers a page lists.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use redb::ReadTransaction;
use rust_decimal::Decimal;

use super::day_key;
use crate::domain::CustomerId;
use crate::domain::report::{DayTotals, PartUse};
use crate::store::StoreResult;
use crate::store::tables::{CUSTOMER_MONTHS, DAILY_TOTALS, ORDERS, ORDERS_BY_CUSTOMER, PART_MONTHS};

/// The stored days from `from` up to (not including) `to`, oldest first; days with nothing
/// are absent.
pub fn days(
    tx: &ReadTransaction,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<(NaiveDate, DayTotals)>> {
    let mut out = Vec::new();
    for row in tx.open_table(DAILY_TOTALS)?.range(day_key(from)..day_key(to))? {
        let (k, v) = row?;
        if let Some(day) = NaiveDate::from_num_days_from_ce_opt(k.value()) {
            out.push((day, v.value()));
        }
    }
    Ok(out)
}

/// A customer's settled spending over some months.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerSpend {
    pub customer: CustomerId,
    pub spend: Decimal,
    pub visits: i64,
    /// The last month (key) with a settled visit in the range.
    pub last_month: i32,
}

impl CustomerSpend {
    pub fn average_ticket(&self) -> Decimal {
        if self.visits <= 0 { Decimal::ZERO } else { (self.spend / Decimal::from(self.visits)).round_dp(2) }
    }
}

/// Each customer's spending in the months `first..=last`, in no order.
pub fn customer_spending(tx: &ReadTransaction, (first, last): (i32, i32)) -> StoreResult<Vec<CustomerSpend>> {
    let mut by: HashMap<u64, CustomerSpend> = HashMap::new();
    for row in tx.open_table(CUSTOMER_MONTHS)?.range((first, 0)..=(last, u64::MAX))? {
        let (k, v) = row?;
        let ((month, customer), (cents, visits)) = (k.value(), v.value());
        let e = by.entry(customer).or_insert(CustomerSpend {
            customer: CustomerId(customer),
            spend: Decimal::ZERO,
            visits: 0,
            last_month: month,
        });
        e.spend += Decimal::new(cents, 2);
        e.visits += visits;
        e.last_month = e.last_month.max(month);
    }
    Ok(by.into_values().filter(|c| c.visits != 0 || !c.spend.is_zero()).collect())
}

/// Every customer who spent something in the months `first..=last`, biggest spender first.
pub fn customer_ranking(tx: &ReadTransaction, months: (i32, i32)) -> StoreResult<Vec<CustomerSpend>> {
    let mut out = customer_spending(tx, months)?;
    out.sort_by(|a, b| b.spend.cmp(&a.spend).then(a.customer.cmp(&b.customer)));
    Ok(out)
}

/// Of everyone's all-time spending (`all`, from [`customer_spending`]), the customers whose
/// last settled visit was before the month `cutoff`, biggest spender first (the call list of
/// customers worth winning back), at most `limit`.
pub fn dormant(all: &[CustomerSpend], cutoff: i32, limit: usize) -> Vec<CustomerSpend> {
    let mut out: Vec<CustomerSpend> =
        all.iter().filter(|c| c.last_month < cutoff && c.visits > 0).cloned().collect();
    out.sort_by(|a, b| b.spend.cmp(&a.spend).then(a.customer.cmp(&b.customer)));
    out.truncate(limit);
    out
}

/// When a customer's newest order was opened.
pub fn last_order_at(tx: &ReadTransaction, id: CustomerId) -> StoreResult<Option<DateTime<Utc>>> {
    let index = tx.open_table(ORDERS_BY_CUSTOMER)?;
    let Some(row) = index.range((id.0, 0)..=(id.0, u64::MAX))?.next_back() else { return Ok(None) };
    let order = row?.0.value().1;
    Ok(tx.open_table(ORDERS)?.get(order)?.map(|v| v.value().created_at))
}

/// One catalog part's settled use over some months.
#[derive(Clone, Debug, PartialEq)]
pub struct PartUsage {
    pub part: u64,
    pub use_: PartUse,
}

/// Each part settled in the months `first..=last`, biggest sales first.
pub fn part_usage(tx: &ReadTransaction, (first, last): (i32, i32)) -> StoreResult<Vec<PartUsage>> {
    let mut by: HashMap<u64, PartUse> = HashMap::new();
    for row in tx.open_table(PART_MONTHS)?.range((first, 0)..=(last, u64::MAX))? {
        let (k, v) = row?;
        by.entry(k.value().1).or_default().merge(&v.value(), 1);
    }
    let mut out: Vec<PartUsage> =
        by.into_iter().filter(|(_, u)| !u.is_zero()).map(|(part, use_)| PartUsage { part, use_ }).collect();
    out.sort_by(|a, b| b.use_.sales.cmp(&a.use_.sales).then(a.part.cmp(&b.part)));
    Ok(out)
}

/// Active parts with stock on hand that have not moved since `before`, stalest first, at most
/// `limit` (a scan of the catalog: thousands of rows, not the ledger).
pub fn slow_movers(
    tx: &ReadTransaction,
    before: DateTime<Utc>,
    limit: usize,
) -> StoreResult<Vec<crate::domain::part::Part>> {
    use redb::ReadableTable;
    let mut out = Vec::new();
    for row in tx.open_table(crate::store::tables::PARTS)?.iter()? {
        let part = row?.1.value();
        if part.details.active
            && part.stock.on_hand > Decimal::ZERO
            && part.last_moved_at.is_none_or(|at| at < before)
        {
            out.push(part);
        }
    }
    out.sort_by_key(|p| p.last_moved_at);
    out.truncate(limit);
    Ok(out)
}

/// How many customers owe something on account, and how much in all.
pub fn receivables_total(tx: &ReadTransaction) -> StoreResult<(usize, Decimal)> {
    use redb::ReadableTable;
    let (mut n, mut sum) = (0, Decimal::ZERO);
    for row in tx.open_table(crate::store::tables::RECEIVABLES)?.iter()? {
        n += 1;
        sum += row?.1.value();
    }
    Ok((n, sum))
}
