//! A customer's statement (对账单) from the database. It reads the customer's payments from the
//! period's first day on through their by-day index, the orders those payments are for, and
//! what the customer owes now; nothing else (see [`crate::domain::statement`]).

use std::collections::BTreeSet;

use redb::ReadTransaction;

use super::{customer_payments_since, day, order_payments};
use crate::domain::checkout::{Checkout, PaymentKind};
use crate::domain::report::local_day;
use crate::domain::statement::{Period, Statement, StatementOrder};
use crate::domain::{Customer, CustomerId, OrderId};
use crate::store::tables::CHECKOUTS;
use crate::store::{StoreResult, customers, orders, vehicles};

/// A statement with the customer it is for.
#[derive(Clone, Debug)]
pub struct CustomerStatement {
    pub customer: Customer,
    pub statement: Statement,
}

/// The statement of customer `id` for `period` (days in the shop's zone `tz`), or `None` when
/// there is no such customer.
pub fn statement(
    tx: &ReadTransaction,
    id: CustomerId,
    period: Period,
    tz: chrono_tz::Tz,
) -> StoreResult<Option<CustomerStatement>> {
    let Some(customer) = customers::get(tx, id)? else { return Ok(None) };
    let owed = day::owed(tx, id)?;
    let since = customer_payments_since(tx, id, Some(period.from))?;
    // An order is settled by the payment that covers it, so the orders settled in the period
    // are among those paid in it.
    let paid: BTreeSet<u64> = since
        .iter()
        .filter(|p| p.kind == PaymentKind::Order && period.contains(p.day))
        .filter_map(|p| p.order.map(|o| o.0))
        .collect();
    let checkouts = tx.open_table(CHECKOUTS)?;
    let mut settled = Vec::new();
    for order_id in paid {
        let checkout: Checkout = checkouts.get(order_id)?.map(|v| v.value()).unwrap_or_default();
        let Some(last) =
            checkout.recognised.iter().rev().find(|r| r.sign > 0 && period.contains(local_day(r.at, tz)))
        else {
            continue;
        };
        let Some(order) = orders::get(tx, OrderId(order_id))? else { continue };
        let plate =
            vehicles::get(tx, order.vehicle_id)?.map(|v| v.details.plate.to_string()).unwrap_or_default();
        let (paid, on_account) = StatementOrder::split(&order_payments(tx, order.id)?);
        settled.push(StatementOrder {
            order: order.id,
            number: order.number,
            plate,
            day: local_day(last.at, tz),
            total: last.totals.total,
            paid,
            on_account,
            reopened: checkout.recognised.iter().map(|r| r.sign).sum::<i64>() <= 0,
        });
    }
    Ok(Some(CustomerStatement { customer, statement: Statement::build(period, owed, &since, settled) }))
}
