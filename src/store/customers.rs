//! Customers: records, the phone index, contact history, status and deletion.

use chrono::{DateTime, Utc};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::audit::{Actor, append_tx};
use super::tables::{CUSTOMER_CONTACTS, CUSTOMERS, CUSTOMERS_BY_PHONE, VEHICLES_BY_CUSTOMER};
use super::{StoreError, StoreResult, Touched, next_id_tx, vehicles};
use crate::domain::{
    AdminCap, ContactEntry, ContactKind, Customer, CustomerDetails, CustomerId, CustomerStatus, Phone,
    VehicleId,
};
use crate::i18n::Msg;

pub fn get(tx: &ReadTransaction, id: CustomerId) -> StoreResult<Option<Customer>> {
    Ok(tx.open_table(CUSTOMERS)?.get(id.0)?.map(|v| v.value()))
}

pub fn get_tx(tx: &WriteTransaction, id: CustomerId) -> StoreResult<Customer> {
    tx.open_table(CUSTOMERS)?.get(id.0)?.map(|v| v.value()).ok_or(StoreError::NotFound)
}

/// Other customers with this phone number (as first or second phone).
pub fn sharing_phone(
    tx: &ReadTransaction,
    phone: &Phone,
    except: Option<CustomerId>,
) -> StoreResult<Vec<CustomerId>> {
    let index = tx.open_table(CUSTOMERS_BY_PHONE)?;
    let mut out = Vec::new();
    for row in index.range((phone.as_str(), 0)..=(phone.as_str(), u64::MAX))? {
        let id = CustomerId(row?.0.value().1);
        if Some(id) != except {
            out.push(id);
        }
    }
    Ok(out)
}

pub fn sharing_phone_tx(tx: &WriteTransaction, phone: &Phone) -> StoreResult<Vec<CustomerId>> {
    let index = tx.open_table(CUSTOMERS_BY_PHONE)?;
    let mut out = Vec::new();
    for row in index.range((phone.as_str(), 0)..=(phone.as_str(), u64::MAX))? {
        out.push(CustomerId(row?.0.value().1));
    }
    Ok(out)
}

fn phones(d: &CustomerDetails) -> Vec<&str> {
    let mut out = vec![d.phone.as_str()];
    if let Some(p) = d.phone2.as_ref().filter(|p| *p != &d.phone) {
        out.push(p.as_str());
    }
    out
}

fn index_phones_tx(
    tx: &WriteTransaction,
    id: CustomerId,
    old: Option<&CustomerDetails>,
    new: Option<&CustomerDetails>,
) -> StoreResult<()> {
    let mut index = tx.open_table(CUSTOMERS_BY_PHONE)?;
    for phone in old.map(phones).unwrap_or_default() {
        index.remove((phone, id.0))?;
    }
    for phone in new.map(phones).unwrap_or_default() {
        index.insert((phone, id.0), ())?;
    }
    Ok(())
}

pub fn create_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    details: CustomerDetails,
) -> StoreResult<Customer> {
    create_at_tx(tx, touched, actor, details, Utc::now())
}

/// [`create_tx`] with the time the customer came to the shop (imports, generated data).
pub fn create_at_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    details: CustomerDetails,
    at: DateTime<Utc>,
) -> StoreResult<Customer> {
    let id = CustomerId(next_id_tx(tx, "customer")?);
    let customer =
        Customer { id, details, status: CustomerStatus::Active, version: 1, created_at: at, updated_at: at };
    tx.open_table(CUSTOMERS)?.insert(id.0, &customer)?;
    index_phones_tx(tx, id, None, Some(&customer.details))?;
    super::care::customer_changed_tx(tx, id)?;
    append_tx(
        tx,
        actor,
        "customer.create",
        &format!("customer:{id}"),
        format!("{} {}", customer.details.name, customer.details.phone),
    )?;
    touched.customer(id);
    Ok(customer)
}

/// Saves an edit made against `version`; a record changed since then is refused as stale.
pub fn update_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: CustomerId,
    version: u64,
    details: CustomerDetails,
) -> StoreResult<Customer> {
    let mut customer = get_tx(tx, id)?;
    if customer.version != version {
        return Err(StoreError::Stale);
    }
    let changed = changed_fields(&customer.details, &details);
    index_phones_tx(tx, id, Some(&customer.details), Some(&details))?;
    customer.details = details;
    customer.version += 1;
    customer.updated_at = Utc::now();
    tx.open_table(CUSTOMERS)?.insert(id.0, &customer)?;
    super::care::customer_changed_tx(tx, id)?;
    append_tx(tx, actor, "customer.update", &format!("customer:{id}"), changed.join(", "))?;
    touched.customer(id);
    Ok(customer)
}

fn changed_fields(a: &CustomerDetails, b: &CustomerDetails) -> Vec<&'static str> {
    let (a, b) = (a.to_input(), b.to_input());
    [
        ("kind", a.kind != b.kind),
        ("name", a.name != b.name),
        ("gender", a.gender != b.gender),
        ("phone", a.phone != b.phone),
        ("phone2", a.phone2 != b.phone2),
        ("email", a.email != b.email),
        ("address", a.address != b.address),
        ("source", a.source != b.source),
        ("level", a.level != b.level),
        ("birthday", a.birthday != b.birthday),
        ("notes", a.notes != b.notes),
        ("contact_person", a.contact_person != b.contact_person),
        ("tax_no", a.tax_no != b.tax_no),
    ]
    .into_iter()
    .filter_map(|(f, c)| c.then_some(f))
    .collect()
}

pub fn set_status_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: CustomerId,
    status: CustomerStatus,
) -> StoreResult<Customer> {
    let mut customer = get_tx(tx, id)?;
    if customer.status == status {
        return Ok(customer);
    }
    let before = customer.status;
    customer.status = status;
    customer.version += 1;
    customer.updated_at = Utc::now();
    tx.open_table(CUSTOMERS)?.insert(id.0, &customer)?;
    // Invalid customers and their vehicles leave the due lists; others come back to them.
    super::care::customer_changed_tx(tx, id)?;
    for vehicle in vehicle_ids_tx(tx, id)? {
        super::care::vehicle_changed_tx(tx, vehicle)?;
    }
    append_tx(
        tx,
        actor,
        "customer.status",
        &format!("customer:{id}"),
        format!("{} → {}", before.code(), status.code()),
    )?;
    touched.customer(id);
    Ok(customer)
}

/// The vehicles a customer owns now.
pub fn vehicle_ids(tx: &ReadTransaction, id: CustomerId) -> StoreResult<Vec<VehicleId>> {
    let index = tx.open_table(VEHICLES_BY_CUSTOMER)?;
    let mut out = Vec::new();
    for row in index.range((id.0, 0)..=(id.0, u64::MAX))? {
        out.push(VehicleId(row?.0.value().1));
    }
    Ok(out)
}

pub fn vehicle_ids_tx(tx: &WriteTransaction, id: CustomerId) -> StoreResult<Vec<VehicleId>> {
    let index = tx.open_table(VEHICLES_BY_CUSTOMER)?;
    let mut out = Vec::new();
    for row in index.range((id.0, 0)..=(id.0, u64::MAX))? {
        out.push(VehicleId(row?.0.value().1));
    }
    Ok(out)
}

/// Deletes a customer who has no business with the shop, with their vehicles (which then have
/// no history either). Customers with business are refused: mark them invalid instead.
pub fn delete_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    _cap: &AdminCap,
    actor: &Actor,
    id: CustomerId,
) -> StoreResult<()> {
    let customer = get_tx(tx, id)?;
    if has_business_tx(tx, id)? {
        return Err(StoreError::Refused(Msg::CustomerHasBusiness));
    }
    for vehicle in vehicle_ids_tx(tx, id)? {
        vehicles::delete_without_history_tx(tx, actor, vehicle)?;
    }
    index_phones_tx(tx, id, Some(&customer.details), None)?;
    let contacts: Vec<(u64, u64)> = {
        let table = tx.open_table(CUSTOMER_CONTACTS)?;
        let mut keys = Vec::new();
        for row in table.range((id.0, 0)..=(id.0, u64::MAX))? {
            keys.push(row?.0.value());
        }
        keys
    };
    let mut table = tx.open_table(CUSTOMER_CONTACTS)?;
    for key in contacts {
        table.remove(key)?;
    }
    tx.open_table(CUSTOMERS)?.remove(id.0)?;
    super::care::customer_changed_tx(tx, id)?;
    append_tx(
        tx,
        actor,
        "customer.delete",
        &format!("customer:{id}"),
        format!("{} {}", customer.details.name, customer.details.phone),
    )?;
    touched.customer(id);
    Ok(())
}

/// Whether the customer has business with the shop: vehicles with history, or a place in
/// another vehicle's history as a previous owner (and, once those modules exist, work orders
/// and payments).
pub fn has_business_tx(tx: &WriteTransaction, id: CustomerId) -> StoreResult<bool> {
    if super::orders::customer_has_orders_tx(tx, id)? {
        return Ok(true);
    }
    for vehicle in vehicle_ids_tx(tx, id)? {
        if vehicles::has_history_tx(tx, vehicle)? {
            return Ok(true);
        }
    }
    // Deleting is rare and admin-only: a scan is cheaper than an index kept for it.
    for row in tx.open_table(super::tables::VEHICLES)?.iter()? {
        if row?.1.value().previous_owners.iter().any(|o| o.customer_id == id) {
            return Ok(true);
        }
    }
    Ok(false)
}

pub fn add_contact_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    id: CustomerId,
    kind: ContactKind,
    summary: String,
) -> StoreResult<()> {
    add_contact_at_tx(tx, actor, id, kind, summary, Utc::now())
}

/// [`add_contact_tx`] at a given time (a follow-up call answered at `at`, generated data).
pub fn add_contact_at_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    id: CustomerId,
    kind: ContactKind,
    summary: String,
    at: chrono::DateTime<Utc>,
) -> StoreResult<()> {
    get_tx(tx, id)?;
    let seq = next_id_tx(tx, "customer_contact")?;
    let entry = ContactEntry { kind, summary, at, by: actor.user_id, by_name: actor.display.clone() };
    tx.open_table(CUSTOMER_CONTACTS)?.insert((id.0, seq), &entry)?;
    append_tx(tx, actor, "customer.contact", &format!("customer:{id}"), kind.code())?;
    Ok(())
}

/// Contact history, newest first.
pub fn contacts(tx: &ReadTransaction, id: CustomerId, limit: usize) -> StoreResult<Vec<ContactEntry>> {
    let table = tx.open_table(CUSTOMER_CONTACTS)?;
    let mut out = Vec::new();
    for row in table.range((id.0, 0)..=(id.0, u64::MAX))?.rev().take(limit) {
        out.push(row?.1.value());
    }
    Ok(out)
}
