//! Receivables (挂账) and the day-end cash-up (日结).

use chrono::{DateTime, NaiveDate, Utc};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};
use rust_decimal::Decimal;

use super::{PaidFor, customer_payments, day_key, load, take_tx};
use crate::domain::checkout::{
    Ageing, DayClose, NewPayment, PayMethod, Payment, PaymentInput, PaymentKind, ageing, check_counted,
};
use crate::domain::{CustomerId, FieldErrors, Settings};
use crate::i18n::Msg;
use crate::store::audit::{Actor, append_tx};
use crate::store::tables::{DAY_CLOSES, PAYMENTS, PAYMENTS_BY_DAY, RECEIVABLES};
use crate::store::{StoreError, StoreResult, customers};

/// What a customer owes on account (zero when nothing).
pub fn owed(tx: &ReadTransaction, id: CustomerId) -> StoreResult<Decimal> {
    Ok(tx.open_table(RECEIVABLES)?.get(id.0)?.map(|v| v.value()).unwrap_or_default())
}

/// One customer's receivable with its ageing.
#[derive(Clone, Debug)]
pub struct Receivable {
    pub customer: CustomerId,
    pub name: String,
    pub phone: String,
    pub owed: Decimal,
    pub ageing: Ageing,
}

/// The receivable of one customer, aged on `today`.
pub fn receivable_of(tx: &ReadTransaction, id: CustomerId, today: NaiveDate) -> StoreResult<Receivable> {
    let payments = customer_payments(tx, id)?;
    let mut charges = Vec::new();
    let mut repaid = Decimal::ZERO;
    for p in &payments {
        let effect = p.receivable_effect();
        if effect > Decimal::ZERO {
            charges.push((p.day, effect));
        } else {
            repaid -= effect;
        }
    }
    let customer = customers::get(tx, id)?;
    Ok(Receivable {
        customer: id,
        name: customer.as_ref().map(|c| c.details.name.clone()).unwrap_or_default(),
        phone: customer.map(|c| c.details.phone.as_str().to_string()).unwrap_or_default(),
        owed: owed(tx, id)?,
        ageing: ageing(&charges, repaid, today),
    })
}

/// Every customer who owes something, largest first (the receivables index holds only them).
pub fn receivables(tx: &ReadTransaction, today: NaiveDate) -> StoreResult<Vec<Receivable>> {
    let mut ids = Vec::new();
    for row in tx.open_table(RECEIVABLES)?.iter()? {
        ids.push(CustomerId(row?.0.value()));
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(receivable_of(tx, id, today)?);
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.owed));
    Ok(out)
}

/// A payment against a customer's receivable, full or partial (cash may be more: change).
pub fn pay_receivable_at_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    id: CustomerId,
    input: &PaymentInput,
    settings: &Settings,
    at: DateTime<Utc>,
) -> StoreResult<Payment> {
    customers::get_tx(tx, id)?;
    let owed = tx.open_table(RECEIVABLES)?.get(id.0)?.map(|v| v.value()).unwrap_or_default();
    let new = NewPayment::check(input, owed, false).map_err(StoreError::Invalid)?;
    let paid_for =
        PaidFor { kind: PaymentKind::Receivable, order: None, order_number: String::new(), customer: id };
    let payment = take_tx(tx, new, paid_for, settings, actor, at)?;
    append_tx(
        tx,
        actor,
        "checkout.receivable",
        &format!("customer:{id}"),
        format!("{} {} (#{})", payment.method.code(), payment.amount, payment.id),
    )?;
    Ok(payment)
}

/// A shop-local day's payments, voids included, in the order they were taken.
pub fn day_payments(tx: &ReadTransaction, day: NaiveDate) -> StoreResult<Vec<Payment>> {
    let key = day_key(day);
    let mut ids = Vec::new();
    for row in tx.open_table(PAYMENTS_BY_DAY)?.range((key, 0)..=(key, u64::MAX))? {
        ids.push(row?.0.value().1);
    }
    load(&tx.open_table(PAYMENTS)?, ids)
}

/// The day's totals per method (voids taken off), in the order of [`PayMethod::ALL`].
pub fn totals_by_method(payments: &[Payment]) -> Vec<(PayMethod, Decimal)> {
    PayMethod::ALL
        .iter()
        .map(|m| (*m, payments.iter().filter(|p| p.method == *m).map(|p| p.amount).sum()))
        .collect()
}

/// The cash that should be in the till from a day's payments: cash taken less cash voided
/// (change was never counted in).
pub fn expected_cash(payments: &[Payment]) -> Decimal {
    payments.iter().filter(|p| p.method == PayMethod::Cash).map(|p| p.amount).sum()
}

pub fn day_close(tx: &ReadTransaction, day: NaiveDate) -> StoreResult<Option<DayClose>> {
    Ok(tx.open_table(DAY_CLOSES)?.get(day_key(day))?.map(|v| v.value()))
}

/// Closes a day with the cash counted: the difference from what the payments say is stored.
/// A day is closed once.
pub fn close_day_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    day: NaiveDate,
    counted: &str,
    note: &str,
) -> StoreResult<DayClose> {
    let counted =
        check_counted(counted).map_err(|p| StoreError::Invalid(FieldErrors::one("counted_cash", p)))?;
    let note = crate::domain::field::optional_text(note, 500)
        .map_err(|p| StoreError::Invalid(FieldErrors::one("note", p)))?;
    if tx.open_table(DAY_CLOSES)?.get(day_key(day))?.is_some() {
        return Err(StoreError::Refused(Msg::DayAlreadyClosed));
    }
    let key = day_key(day);
    let ids = {
        let mut ids = Vec::new();
        for row in tx.open_table(PAYMENTS_BY_DAY)?.range((key, 0)..=(key, u64::MAX))? {
            ids.push(row?.0.value().1);
        }
        ids
    };
    let expected = expected_cash(&load(&tx.open_table(PAYMENTS)?, ids)?);
    let close = DayClose {
        day,
        expected_cash: expected,
        counted_cash: counted,
        difference: counted - expected,
        note,
        at: Utc::now(),
        by: actor.user_id,
        by_name: actor.display.clone(),
    };
    tx.open_table(DAY_CLOSES)?.insert(key, &close)?;
    append_tx(
        tx,
        actor,
        "checkout.day_end",
        &format!("day:{day}"),
        format!("expected {expected}, counted {counted}, difference {}", close.difference),
    )?;
    Ok(close)
}
