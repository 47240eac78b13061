//! Vehicles: records, the unique plate and VIN indexes, the owner index, the make index and
//! the makes and models the shop has seen, ownership transfer; the vehicle list, paged by key
//! ranges of those indexes (never a scan of the vehicles).

use chrono::{DateTime, Utc};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};

use super::audit::{Actor, append_tx};
use super::tables::{
    VEHICLE_MODELS, VEHICLES, VEHICLES_BY_CUSTOMER, VEHICLES_BY_MAKE, VEHICLES_BY_PLATE, VEHICLES_BY_VIN,
};
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
    index_make_tx(tx, v, present)
}

/// Keeps [`VEHICLES_BY_MAKE`] and the counts of [`VEHICLE_MODELS`] with the vehicle's make and
/// model (as typed, trimmed; none without a make).
fn index_make_tx(tx: &WriteTransaction, v: &Vehicle, present: bool) -> StoreResult<()> {
    let (make, model) = (v.details.make.trim(), v.details.model.trim());
    if make.is_empty() {
        return Ok(());
    }
    let mut by_make = tx.open_table(VEHICLES_BY_MAKE)?;
    let mut models = tx.open_table(VEHICLE_MODELS)?;
    let count = models.get((make, model))?.map(|c| c.value()).unwrap_or(0);
    if present {
        by_make.insert((make, v.id.0), ())?;
        models.insert((make, model), count + 1)?;
    } else {
        by_make.remove((make, v.id.0))?;
        if count > 1 {
            models.insert((make, model), count - 1)?;
        } else {
            models.remove((make, model))?;
        }
    }
    Ok(())
}

/// Indexes every vehicle by make and counts makes and models afresh (schema step v15); returns
/// how many vehicles have a make.
pub(super) fn index_makes_tx(tx: &WriteTransaction) -> StoreResult<u64> {
    tx.open_table(VEHICLES_BY_MAKE)?.retain(|_, _| false)?;
    tx.open_table(VEHICLE_MODELS)?.retain(|_, _| false)?;
    let mut indexed = 0;
    let ids: Vec<u64> =
        tx.open_table(VEHICLES)?.iter()?.map(|r| r.map(|(k, _)| k.value())).collect::<Result<_, _>>()?;
    for id in ids {
        let vehicle = get_tx(tx, VehicleId(id))?;
        if !vehicle.details.make.trim().is_empty() {
            indexed += 1;
        }
        index_make_tx(tx, &vehicle, true)?;
    }
    Ok(indexed)
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

/// What the vehicle list's search text is matched against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchBy {
    /// A plate's beginning, with or without its province (`B0W3` finds 粤B0W37 and 京B0W39).
    Plate,
    /// A VIN's beginning.
    Vin,
    /// A part of a make's name (一汽大众 for 大众).
    Make,
}

impl SearchBy {
    pub fn code(self) -> &'static str {
        match self {
            SearchBy::Plate => "plate",
            SearchBy::Vin => "vin",
            SearchBy::Make => "make",
        }
    }

    pub fn parse(code: &str) -> Option<SearchBy> {
        [SearchBy::Plate, SearchBy::Vin, SearchBy::Make].into_iter().find(|b| b.code() == code)
    }
}

/// One page of the vehicle list and where the next one starts (`None` on the last page).
pub struct VehiclePage {
    pub vehicles: Vec<Vehicle>,
    pub next: Option<String>,
}

/// A make the shop has seen: how many vehicles, and its models, most common first.
#[derive(Clone, Debug, PartialEq)]
pub struct MakeSeen {
    pub make: String,
    pub count: u64,
    pub models: Vec<(String, u64)>,
}

/// The makes and models of the shop's vehicles, most common first (the small counts table,
/// not the vehicles).
pub fn makes_seen(tx: &ReadTransaction) -> StoreResult<Vec<MakeSeen>> {
    let mut makes: Vec<MakeSeen> = Vec::new();
    for row in tx.open_table(VEHICLE_MODELS)?.iter()? {
        let (key, count) = row?;
        let (make, model) = key.value();
        let count = count.value();
        if makes.last().is_none_or(|m| m.make != make) {
            makes.push(MakeSeen { make: make.to_string(), count: 0, models: Vec::new() });
        }
        let seen = makes.last_mut().expect("pushed above");
        seen.count += count;
        if !model.is_empty() {
            seen.models.push((model.to_string(), count));
        }
    }
    for m in &mut makes {
        m.models.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    makes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.make.cmp(&b.make)));
    Ok(makes)
}

/// What a search text most likely is: a plate or a VIN by its shape, a make when it names part
/// of one the shop has seen or is not plate-like.
pub fn guess_search(text: &str, makes: &[MakeSeen]) -> SearchBy {
    let folded = Plate::normalise(text);
    let lower = text.trim().to_lowercase();
    let names_make = !lower.is_empty() && makes.iter().any(|m| m.make.to_lowercase().contains(&lower));
    let first = folded.chars().next();
    let ascii = !folded.is_empty() && folded.chars().all(|c| c.is_ascii_alphanumeric());
    if first.is_some_and(|c| crate::domain::plate::PROVINCES.contains(c)) {
        SearchBy::Plate
    } else if ascii && folded.len() >= 8 {
        SearchBy::Vin
    } else if ascii && !names_make {
        SearchBy::Plate
    } else {
        SearchBy::Make
    }
}

/// One page of the vehicle list: all vehicles newest first, or those matching `text` by `by`,
/// each a key range of an index; `after` is the previous page's [`VehiclePage::next`].
pub fn list(
    tx: &ReadTransaction,
    by: Option<SearchBy>,
    text: &str,
    after: Option<&str>,
    limit: usize,
) -> StoreResult<VehiclePage> {
    let text = text.trim();
    let mut keys: Vec<(String, u64)> = Vec::new();
    let full = |keys: &Vec<(String, u64)>| keys.len() > limit;
    match by.filter(|_| !text.is_empty()) {
        None => {
            let before = after.and_then(|a| a.parse::<u64>().ok()).unwrap_or(u64::MAX);
            for row in tx.open_table(VEHICLES)?.range(..before)?.rev() {
                let id = row?.0.value();
                keys.push((id.to_string(), id));
                if full(&keys) {
                    break;
                }
            }
        }
        Some(SearchBy::Plate) | Some(SearchBy::Vin) => {
            let folded = Plate::normalise(text);
            let table =
                tx.open_table(if by == Some(SearchBy::Plate) { VEHICLES_BY_PLATE } else { VEHICLES_BY_VIN })?;
            let mut prefixes = vec![folded.clone()];
            let provinces = crate::domain::plate::PROVINCES;
            if by == Some(SearchBy::Plate) && !folded.starts_with(|c| provinces.contains(c)) {
                prefixes.extend(provinces.chars().map(|p| format!("{p}{folded}")));
            }
            // The ranges are apart and, sorted, give the keys in order: one cursor serves all.
            prefixes.sort();
            let after = after.unwrap_or("");
            'ranges: for prefix in &prefixes {
                let start = if after > prefix.as_str() { after } else { prefix.as_str() };
                for row in table.range(start..)? {
                    let (key, id) = row?;
                    let key = key.value();
                    if !key.starts_with(prefix.as_str()) {
                        break;
                    }
                    if key == after {
                        continue;
                    }
                    keys.push((key.to_string(), id.value()));
                    if full(&keys) {
                        break 'ranges;
                    }
                }
            }
        }
        Some(SearchBy::Make) => {
            let lower = text.to_lowercase();
            let mut makes: Vec<String> = makes_seen(tx)?
                .into_iter()
                .map(|m| m.make)
                .filter(|m| m.to_lowercase().contains(&lower))
                .collect();
            makes.sort();
            let (after_make, after_id) = after
                .and_then(|a| a.rsplit_once('|'))
                .and_then(|(m, id)| Some((m.to_string(), id.parse::<u64>().ok()?)))
                .unwrap_or_default();
            let table = tx.open_table(VEHICLES_BY_MAKE)?;
            'makes: for make in makes.iter().filter(|m| **m >= after_make) {
                let from = if *make == after_make { after_id.saturating_add(1) } else { 0 };
                for row in table.range((make.as_str(), from)..=(make.as_str(), u64::MAX))? {
                    let id = row?.0.value().1;
                    keys.push((format!("{make}|{id}"), id));
                    if full(&keys) {
                        break 'makes;
                    }
                }
            }
        }
    }
    let next = if keys.len() > limit {
        keys.truncate(limit);
        keys.last().map(|k| k.0.clone())
    } else {
        None
    };
    let table = tx.open_table(VEHICLES)?;
    let mut vehicles = Vec::with_capacity(keys.len());
    for (_, id) in keys {
        if let Some(v) = table.get(id)? {
            vehicles.push(v.value());
        }
    }
    Ok(VehiclePage { vehicles, next })
}

#[cfg(test)]
mod tests {
    use super::{MakeSeen, SearchBy, guess_search};

    #[test]
    fn a_search_text_is_taken_for_what_it_looks_like() {
        let seen = |make: &str| MakeSeen { make: make.into(), count: 1, models: vec![] };
        let makes = [seen("一汽大众"), seen("BMW")];
        assert_eq!(guess_search("粤B12", &makes), SearchBy::Plate);
        assert_eq!(guess_search("b0w3", &makes), SearchBy::Plate, "a plate without its province");
        assert_eq!(guess_search("LSVAB2BM0", &makes), SearchBy::Vin);
        assert_eq!(guess_search("大众", &makes), SearchBy::Make, "part of a make's name");
        assert_eq!(guess_search("bmw", &makes), SearchBy::Make, "a make the shop has seen, any case");
        assert_eq!(guess_search("丰田", &makes), SearchBy::Make, "not plate-like: a make nobody drives yet");
    }
}
