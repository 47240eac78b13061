//! Vehicles: records, the unique plate and VIN indexes, the owner index, ownership transfer.

use chrono::{DateTime, Utc};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::audit::{Actor, append_tx};
use super::tables::{VEHICLES, VEHICLES_BY_CUSTOMER, VEHICLES_BY_PLATE, VEHICLES_BY_VIN};
use super::{StoreError, StoreResult, Touched, customers, next_id_tx};
use crate::domain::vehicle::check_mileage;
use crate::domain::{CustomerId, FieldErrors, Plate, Problem, Vehicle, VehicleDetails, VehicleId};
use crate::i18n::Msg;

pub fn get(tx: &ReadTransaction, id: VehicleId) -> StoreResult<Option<Vehicle>> {
    Ok(tx.open_table(VEHICLES)?.get(id.0)?.map(|v| v.value()))
}

pub fn get_tx(tx: &WriteTransaction, id: VehicleId) -> StoreResult<Vehicle> {
    tx.open_table(VEHICLES)?.get(id.0)?.map(|v| v.value()).ok_or(StoreError::NotFound)
}

pub fn find_by_plate(tx: &ReadTransaction, plate: &Plate) -> StoreResult<Option<Vehicle>> {
    let Some(id) = tx.open_table(VEHICLES_BY_PLATE)?.get(plate.as_str())?.map(|v| v.value()) else {
        return Ok(None);
    };
    get(tx, VehicleId(id))
}

pub fn find_by_plate_tx(tx: &WriteTransaction, plate: &Plate) -> StoreResult<Option<VehicleId>> {
    Ok(tx.open_table(VEHICLES_BY_PLATE)?.get(plate.as_str())?.map(|v| VehicleId(v.value())))
}

pub fn find_by_vin(tx: &ReadTransaction, vin: &crate::domain::Vin) -> StoreResult<Option<VehicleId>> {
    Ok(tx.open_table(VEHICLES_BY_VIN)?.get(vin.as_str())?.map(|v| VehicleId(v.value())))
}

pub fn find_by_vin_tx(tx: &WriteTransaction, vin: &crate::domain::Vin) -> StoreResult<Option<VehicleId>> {
    Ok(tx.open_table(VEHICLES_BY_VIN)?.get(vin.as_str())?.map(|v| VehicleId(v.value())))
}

/// Refuses a plate or VIN that another vehicle already has, naming that vehicle.
fn check_unique_tx(
    tx: &WriteTransaction,
    details: &VehicleDetails,
    except: Option<VehicleId>,
) -> StoreResult<()> {
    let mut errors = FieldErrors::new();
    let taken = |other: u64| Some(VehicleId(other)) != except;
    let plate_owner = tx.open_table(VEHICLES_BY_PLATE)?.get(details.plate.as_str())?.map(|v| v.value());
    if let Some(other) = plate_owner.filter(|o| taken(*o)) {
        errors.add("plate", Problem::new(Msg::PlateTaken).linked(format!("/vehicles/{other}")));
    }
    let vin_owner = match &details.vin {
        Some(vin) => tx.open_table(VEHICLES_BY_VIN)?.get(vin.as_str())?.map(|v| v.value()),
        None => None,
    };
    if let Some(other) = vin_owner.filter(|o| taken(*o)) {
        errors.add("vin", Problem::new(Msg::VinTaken).linked(format!("/vehicles/{other}")));
    }
    if errors.is_empty() { Ok(()) } else { Err(StoreError::Invalid(errors)) }
}

fn index_tx(tx: &WriteTransaction, v: &Vehicle, present: bool) -> StoreResult<()> {
    let mut by_plate = tx.open_table(VEHICLES_BY_PLATE)?;
    let mut by_vin = tx.open_table(VEHICLES_BY_VIN)?;
    let mut by_customer = tx.open_table(VEHICLES_BY_CUSTOMER)?;
    if present {
        by_plate.insert(v.details.plate.as_str(), v.id.0)?;
        if let Some(vin) = &v.details.vin {
            by_vin.insert(vin.as_str(), v.id.0)?;
        }
        by_customer.insert((v.customer_id.0, v.id.0), ())?;
    } else {
        by_plate.remove(v.details.plate.as_str())?;
        if let Some(vin) = &v.details.vin {
            by_vin.remove(vin.as_str())?;
        }
        by_customer.remove((v.customer_id.0, v.id.0))?;
    }
    Ok(())
}

pub fn create_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    customer_id: CustomerId,
    details: VehicleDetails,
) -> StoreResult<Vehicle> {
    create_at_tx(tx, touched, actor, customer_id, details, Utc::now())
}

/// [`create_tx`] with the time the vehicle came to the shop (imports, generated data).
pub fn create_at_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    customer_id: CustomerId,
    details: VehicleDetails,
    at: DateTime<Utc>,
) -> StoreResult<Vehicle> {
    customers::get_tx(tx, customer_id).map_err(|e| match e {
        StoreError::NotFound => StoreError::Invalid(FieldErrors::one("customer_id", Msg::CustomerUnknown)),
        e => e,
    })?;
    check_unique_tx(tx, &details, None)?;
    let id = VehicleId(next_id_tx(tx, "vehicle")?);
    let vehicle = Vehicle {
        id,
        customer_id,
        details,
        previous_owners: vec![],
        version: 1,
        created_at: at,
        updated_at: at,
    };
    tx.open_table(VEHICLES)?.insert(id.0, &vehicle)?;
    index_tx(tx, &vehicle, true)?;
    super::care::vehicle_changed_tx(tx, id)?;
    append_tx(
        tx,
        actor,
        "vehicle.create",
        &format!("vehicle:{id}"),
        format!("{} → customer:{customer_id}", vehicle.details.plate),
    )?;
    touched.customer(customer_id);
    Ok(vehicle)
}

/// Saves an edit made against `version`. The odometer may go back only when confirmed.
pub fn update_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: VehicleId,
    version: u64,
    details: VehicleDetails,
    confirm_mileage: bool,
) -> StoreResult<Vehicle> {
    let mut vehicle = get_tx(tx, id)?;
    if vehicle.version != version {
        return Err(StoreError::Stale);
    }
    check_mileage(vehicle.details.mileage, details.mileage, confirm_mileage)
        .map_err(|p| StoreError::Invalid(FieldErrors::one("mileage", p)))?;
    check_unique_tx(tx, &details, Some(id))?;
    index_tx(tx, &vehicle, false)?;
    let before = vehicle.details.plate.clone();
    vehicle.details = details;
    vehicle.version += 1;
    vehicle.updated_at = Utc::now();
    index_tx(tx, &vehicle, true)?;
    tx.open_table(VEHICLES)?.insert(id.0, &vehicle)?;
    super::care::vehicle_changed_tx(tx, id)?;
    let summary = if before == vehicle.details.plate {
        vehicle.details.plate.to_string()
    } else {
        format!("{before} → {}", vehicle.details.plate)
    };
    append_tx(tx, actor, "vehicle.update", &format!("vehicle:{id}"), summary)?;
    touched.customer(vehicle.customer_id);
    Ok(vehicle)
}

/// Hands a vehicle to another customer; its history stays with it and the previous owner is
/// remembered.
pub fn transfer_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: VehicleId,
    version: u64,
    to: CustomerId,
) -> StoreResult<Vehicle> {
    let mut vehicle = get_tx(tx, id)?;
    if vehicle.version != version {
        return Err(StoreError::Stale);
    }
    if vehicle.customer_id == to {
        return Err(StoreError::Invalid(FieldErrors::one("customer_id", Msg::TransferSameOwner)));
    }
    customers::get_tx(tx, to).map_err(|e| match e {
        StoreError::NotFound => StoreError::Invalid(FieldErrors::one("customer_id", Msg::CustomerUnknown)),
        e => e,
    })?;
    let from = vehicle.customer_id;
    index_tx(tx, &vehicle, false)?;
    vehicle.previous_owners.push(crate::domain::vehicle::Ownership {
        customer_id: from,
        until: Utc::now(),
        by: actor.user_id,
    });
    vehicle.customer_id = to;
    vehicle.version += 1;
    vehicle.updated_at = Utc::now();
    index_tx(tx, &vehicle, true)?;
    tx.open_table(VEHICLES)?.insert(id.0, &vehicle)?;
    super::care::vehicle_changed_tx(tx, id)?;
    append_tx(
        tx,
        actor,
        "vehicle.transfer",
        &format!("vehicle:{id}"),
        format!("{}: customer:{from} → customer:{to}", vehicle.details.plate),
    )?;
    touched.customer(from);
    touched.customer(to);
    Ok(vehicle)
}

/// Whether the vehicle has a past worth keeping: earlier owners or work orders.
pub fn has_history_tx(tx: &WriteTransaction, id: VehicleId) -> StoreResult<bool> {
    Ok(!get_tx(tx, id)?.previous_owners.is_empty() || super::orders::vehicle_has_orders_tx(tx, id)?)
}

/// Records the odometer reading taken at reception (already checked against the last one).
pub fn set_mileage_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: VehicleId,
    mileage: Option<u32>,
) -> StoreResult<()> {
    let mut vehicle = get_tx(tx, id)?;
    if mileage.is_none() || vehicle.details.mileage == mileage {
        return Ok(());
    }
    let before = vehicle.details.mileage;
    vehicle.details.mileage = mileage;
    vehicle.version += 1;
    vehicle.updated_at = Utc::now();
    tx.open_table(VEHICLES)?.insert(id.0, &vehicle)?;
    super::care::vehicle_changed_tx(tx, id)?;
    let show = |m: Option<u32>| m.map(|m| m.to_string()).unwrap_or("-".into());
    append_tx(
        tx,
        actor,
        "vehicle.mileage",
        &format!("vehicle:{id}"),
        format!("{}: {} → {} km", vehicle.details.plate, show(before), show(mileage)),
    )?;
    touched.customer(vehicle.customer_id);
    Ok(())
}

/// Removes a vehicle that has no history (only when its owner is deleted).
pub(super) fn delete_without_history_tx(
    tx: &WriteTransaction,
    actor: &Actor,
    id: VehicleId,
) -> StoreResult<()> {
    let vehicle = get_tx(tx, id)?;
    index_tx(tx, &vehicle, false)?;
    tx.open_table(VEHICLES)?.remove(id.0)?;
    super::care::vehicle_changed_tx(tx, id)?;
    append_tx(tx, actor, "vehicle.delete", &format!("vehicle:{id}"), vehicle.details.plate.to_string())
}
