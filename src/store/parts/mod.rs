//! Parts inventory (配件管理) in the database.
//!
//! - this file: the catalog (create, edit, the number index, the low-stock index) and suppliers;
//! - [`stock`]: the stock ledger — receipts, issues to work orders and their returns, other
//!   stock-outs — every movement in the same transaction as the part's new stock;
//! - [`stocktake`]: counts and their posting;
//! - [`index`]: the in-memory copy of the catalog that search, lists and valuation read.
//!
//! Invariant (proved by `check`): a part's stock on hand equals the sum of its ledger, and it
//! is in [`PARTS_LOW`] exactly when [`Part::is_low`].

pub mod index;
pub mod stock;
pub mod stocktake;

use chrono::{DateTime, Utc};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::audit::{Actor, append_tx};
use super::tables::{PARTS, PARTS_BY_NUMBER, PARTS_LOW, RECEIPTS_BY_SUPPLIER, STOCK_RECEIPTS, SUPPLIERS};
use super::{StoreError, StoreResult, Touched, next_id_tx};
use crate::domain::FieldErrors;
use crate::domain::field::Problem;
use crate::domain::part::{NewPart, Part, PartDetails, PartId, Supplier, SupplierDetails, SupplierId};
use crate::domain::stock::{Stock, StockReceipt};
use crate::i18n::Msg;

pub fn get(tx: &ReadTransaction, id: PartId) -> StoreResult<Option<Part>> {
    Ok(tx.open_table(PARTS)?.get(id.0)?.map(|v| v.value()))
}

pub fn get_tx(tx: &WriteTransaction, id: PartId) -> StoreResult<Part> {
    tx.open_table(PARTS)?.get(id.0)?.map(|v| v.value()).ok_or(StoreError::NotFound)
}

/// The part with this number (ignoring case and separators).
pub fn by_number(tx: &ReadTransaction, key: &str) -> StoreResult<Option<PartId>> {
    Ok(tx.open_table(PARTS_BY_NUMBER)?.get(key)?.map(|v| PartId(v.value())))
}

/// Every part of the catalog, active or not, in part-number order (the catalog export).
pub fn all(tx: &ReadTransaction) -> StoreResult<Vec<Part>> {
    let (numbers, parts) = (tx.open_table(PARTS_BY_NUMBER)?, tx.open_table(PARTS)?);
    let mut out = Vec::new();
    for row in numbers.iter()? {
        if let Some(part) = parts.get(row?.1.value())? {
            out.push(part.value());
        }
    }
    Ok(out)
}

/// Writes a part and keeps its number and low-stock index entries in step with it.
pub(crate) fn save_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    part: &Part,
    old: Option<&Part>,
) -> StoreResult<()> {
    let key = part.details.number.key();
    {
        let mut numbers = tx.open_table(PARTS_BY_NUMBER)?;
        let old_key = old.map(|o| o.details.number.key());
        if old_key.as_deref() != Some(key.as_str()) {
            if let Some(holder) = numbers.get(key.as_str())?.map(|v| v.value())
                && holder != part.id.0
            {
                let problem = Problem::with(Msg::PartNumberTaken, &[&part.details.number])
                    .linked(format!("/parts/{holder}"));
                return Err(StoreError::Invalid(FieldErrors::one("number", problem)));
            }
            if let Some(old_key) = old_key {
                numbers.remove(old_key.as_str())?;
            }
            numbers.insert(key.as_str(), part.id.0)?;
        }
    }
    let mut low = tx.open_table(PARTS_LOW)?;
    if part.is_low() {
        low.insert(part.id.0, ())?;
    } else {
        low.remove(part.id.0)?;
    }
    tx.open_table(PARTS)?.insert(part.id.0, part)?;
    touched.part(part.id);
    Ok(())
}

pub fn create_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    new: NewPart,
) -> StoreResult<Part> {
    create_at_tx(tx, touched, actor, new, Utc::now())
}

/// [`create_tx`] at a given time (generated data).
pub fn create_at_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    new: NewPart,
    at: DateTime<Utc>,
) -> StoreResult<Part> {
    check_supplier_tx(tx, new.details.supplier)?;
    let id = PartId(next_id_tx(tx, "part")?);
    let part = Part {
        id,
        details: new.details,
        stock: Stock { on_hand: Default::default(), avg_cost: new.cost },
        version: 1,
        created_at: at,
        updated_at: at,
        last_moved_at: None,
    };
    save_tx(tx, touched, &part, None)?;
    append_tx(
        tx,
        actor,
        "part.create",
        &format!("part:{id}"),
        format!("{} {}", part.details.number, part.details.name),
    )?;
    Ok(part)
}

/// Saves an edit made against `version`; a part changed since (by an edit or a stock
/// movement) is refused as stale. Stock and cost are not edited here.
pub fn update_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: PartId,
    version: u64,
    details: PartDetails,
) -> StoreResult<Part> {
    let old = get_tx(tx, id)?;
    if old.version != version {
        return Err(StoreError::Stale);
    }
    check_supplier_tx(tx, details.supplier)?;
    let mut part = old.clone();
    part.details = details;
    part.version += 1;
    part.updated_at = Utc::now();
    save_tx(tx, touched, &part, Some(&old))?;
    append_tx(
        tx,
        actor,
        "part.update",
        &format!("part:{id}"),
        format!("{} {}", part.details.number, part.details.name),
    )?;
    Ok(part)
}

fn check_supplier_tx(tx: &WriteTransaction, supplier: Option<SupplierId>) -> StoreResult<()> {
    if let Some(id) = supplier
        && tx.open_table(SUPPLIERS)?.get(id.0)?.is_none()
    {
        return Err(StoreError::Invalid(FieldErrors::one("supplier_id", Msg::SupplierUnknown)));
    }
    Ok(())
}

/// Every part id at or under its minimum stock.
pub fn low(tx: &ReadTransaction) -> StoreResult<Vec<Part>> {
    let (low, parts) = (tx.open_table(PARTS_LOW)?, tx.open_table(PARTS)?);
    let mut out = Vec::new();
    for row in low.iter()? {
        if let Some(part) = parts.get(row?.0.value())? {
            out.push(part.value());
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Suppliers.

pub fn supplier(tx: &ReadTransaction, id: SupplierId) -> StoreResult<Option<Supplier>> {
    Ok(tx.open_table(SUPPLIERS)?.get(id.0)?.map(|v| v.value()))
}

/// Every supplier, by name.
pub fn suppliers(tx: &ReadTransaction) -> StoreResult<Vec<Supplier>> {
    let mut out = Vec::new();
    for row in tx.open_table(SUPPLIERS)?.iter()? {
        out.push(row?.1.value());
    }
    out.sort_by(|a, b| a.details.name.cmp(&b.details.name));
    Ok(out)
}

pub fn create_supplier_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    details: SupplierDetails,
) -> StoreResult<Supplier> {
    create_supplier_at_tx(tx, actor, details, Utc::now())
}

pub fn create_supplier_at_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    details: SupplierDetails,
    at: DateTime<Utc>,
) -> StoreResult<Supplier> {
    let id = SupplierId(next_id_tx(tx, "supplier")?);
    let supplier = Supplier { id, details, version: 1, created_at: at };
    tx.open_table(SUPPLIERS)?.insert(id.0, &supplier)?;
    append_tx(tx, actor, "supplier.create", &format!("supplier:{id}"), supplier.details.name.clone())?;
    Ok(supplier)
}

pub fn update_supplier_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    id: SupplierId,
    version: u64,
    details: SupplierDetails,
) -> StoreResult<Supplier> {
    let mut table = tx.open_table(SUPPLIERS)?;
    let mut supplier = table.get(id.0)?.map(|v| v.value()).ok_or(StoreError::NotFound)?;
    if supplier.version != version {
        return Err(StoreError::Stale);
    }
    supplier.details = details;
    supplier.version += 1;
    table.insert(id.0, &supplier)?;
    append_tx(tx, actor, "supplier.update", &format!("supplier:{id}"), supplier.details.name.clone())?;
    Ok(supplier)
}

/// The supplier named on a receipt: none, a known one, or a new name to add.
#[derive(Clone, Debug, PartialEq)]
pub enum SupplierPick {
    None,
    Known(SupplierId),
    New(String),
}

/// The supplier's id for a receipt, adding a new one in the caller's transaction.
pub fn pick_supplier_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    pick: SupplierPick,
) -> StoreResult<Option<SupplierId>> {
    Ok(match pick {
        SupplierPick::None => None,
        SupplierPick::Known(id) => Some(id),
        SupplierPick::New(name) => {
            let details = SupplierDetails { name, contact: String::new(), phone: None, notes: String::new() };
            Some(create_supplier_tx(tx, actor, details)?.id)
        }
    })
}

/// The receipts from a supplier, newest first, at most `limit`.
pub fn receipts_of(tx: &ReadTransaction, id: SupplierId, limit: usize) -> StoreResult<Vec<StockReceipt>> {
    let (index, receipts) = (tx.open_table(RECEIPTS_BY_SUPPLIER)?, tx.open_table(STOCK_RECEIPTS)?);
    let mut out = Vec::new();
    for row in index.range((id.0, 0)..=(id.0, u64::MAX))?.rev().take(limit) {
        if let Some(r) = receipts.get(row?.0.value().1)? {
            out.push(r.value());
        }
    }
    Ok(out)
}
