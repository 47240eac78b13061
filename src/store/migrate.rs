//! Schema versions and the migration runner.
//!
//! The `meta` table holds `schema_version`. At start, [`run`] applies every numbered step above
//! the stored version, in one write transaction, and refuses a database written by a newer
//! program. Steps never change once released; a new step is appended for each change. Old record
//! shapes that a step converts are kept as `Legacy*` types beside it.

use redb::{Database, ReadableDatabase, WriteTransaction};

use super::tables::*;
use super::{StoreError, StoreResult};

/// The schema version this program writes.
pub const CURRENT: u64 = 15;

type Step = fn(&WriteTransaction) -> StoreResult<()>;

/// Step `n` (1-based) brings a database from version `n - 1` to `n`.
const STEPS: [Step; CURRENT as usize] = [
    v1_create_tables,
    v2_customers_and_vehicles,
    v3_work_orders,
    v4_parts,
    v5_checkout,
    v6_reports,
    v7_payments_by_customer_day,
    v8_customer_links,
    v9_care,
    v10_inspections,
    v11_deferred_work_due,
    v12_payment_briefs,
    v13_appointments,
    v14_followups,
    v15_vehicles_by_make,
];

/// The schema version of an open database, `0` for a new, empty one.
pub fn version(db: &Database) -> StoreResult<u64> {
    let tx = db.begin_read()?;
    match tx.open_table(META) {
        Ok(meta) => Ok(meta.get("schema_version")?.map(|v| v.value()).unwrap_or(0)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// Brings the database to [`CURRENT`]; returns the version it had before.
pub fn run(db: &Database) -> StoreResult<u64> {
    run_steps(db, &STEPS)
}

/// Brings a new database to an older `version` only (tests of upgrades).
#[cfg(test)]
pub(crate) fn run_to(db: &Database, version: u64) -> StoreResult<u64> {
    run_steps(db, &STEPS[..version as usize])
}

fn run_steps(db: &Database, steps: &[Step]) -> StoreResult<u64> {
    let supported = steps.len() as u64;
    let found = version(db)?;
    if found > supported {
        return Err(StoreError::NewerSchema { found, supported });
    }
    if found == supported {
        return Ok(found);
    }
    let tx = db.begin_write()?;
    for step in &steps[found as usize..] {
        step(&tx)?;
    }
    tx.open_table(META)?.insert("schema_version", supported)?;
    super::audit::append_tx(
        &tx,
        &super::Actor::system(),
        "schema.migrate",
        "meta:schema_version",
        format!("schema version {found} → {supported}"),
    )?;
    tx.commit()?;
    tracing::info!(from = found, to = supported, "database schema migrated");
    Ok(found)
}

fn v1_create_tables(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(META)?;
    tx.open_table(SEQUENCES)?;
    tx.open_table(USERS)?;
    tx.open_table(USERS_BY_NAME)?;
    tx.open_table(SESSIONS)?;
    tx.open_table(SESSIONS_BY_USER)?;
    tx.open_table(SETTINGS)?;
    tx.open_table(AUDIT)?;
    Ok(())
}

fn v2_customers_and_vehicles(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(CUSTOMERS)?;
    tx.open_table(CUSTOMERS_BY_PHONE)?;
    tx.open_table(CUSTOMER_CONTACTS)?;
    tx.open_table(VEHICLES)?;
    tx.open_table(VEHICLES_BY_PLATE)?;
    tx.open_table(VEHICLES_BY_VIN)?;
    tx.open_table(VEHICLES_BY_CUSTOMER)?;
    Ok(())
}

fn v3_work_orders(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(ORDERS)?;
    tx.open_table(ORDERS_BY_NUMBER)?;
    tx.open_table(ORDERS_BY_TOKEN)?;
    tx.open_table(RETIRED_TOKENS)?;
    tx.open_table(ORDERS_BY_VEHICLE)?;
    tx.open_table(ORDERS_BY_CUSTOMER)?;
    tx.open_table(ORDERS_BY_STATE)?;
    tx.open_table(ORDERS_BY_TECHNICIAN)?;
    tx.open_table(TEMPLATES)?;
    tx.open_table(RUNNING)?;
    tx.open_table(OPEN_PART_REQUESTS)?;
    tx.open_table(PHOTOS)?;
    tx.open_table(PHOTO_THUMBS)?;
    Ok(())
}

fn v4_parts(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(PARTS)?;
    tx.open_table(PARTS_BY_NUMBER)?;
    tx.open_table(PARTS_LOW)?;
    tx.open_table(STOCK_MOVES)?;
    tx.open_table(STOCK_MOVES_BY_PART)?;
    tx.open_table(SUPPLIERS)?;
    tx.open_table(STOCK_RECEIPTS)?;
    tx.open_table(RECEIPTS_BY_SUPPLIER)?;
    tx.open_table(STOCKTAKES)?;
    tx.open_table(STOCKTAKE_LINES)?;
    Ok(())
}

/// The checkout tables. Orders already settled or delivered were settled before payments
/// were recorded: they are marked as settled elsewhere, so `check` does not look for payments.
fn v5_checkout(tx: &WriteTransaction) -> StoreResult<()> {
    use redb::ReadableTable;
    tx.open_table(CHECKOUTS)?;
    tx.open_table(PAYMENTS)?;
    tx.open_table(LEGACY_PAYMENTS_BY_ORDER)?;
    tx.open_table(LEGACY_PAYMENTS_BY_CUSTOMER)?;
    tx.open_table(PAYMENTS_BY_DAY)?;
    tx.open_table(RECEIVABLES)?;
    tx.open_table(DAY_CLOSES)?;
    let mut elsewhere = tx.open_table(SETTLED_ELSEWHERE)?;
    let mut settled = Vec::new();
    for state in ["settled", "delivered"] {
        for row in tx.open_table(ORDERS_BY_STATE)?.range((state, 0)..=(state, u64::MAX))? {
            settled.push(row?.0.value().1);
        }
    }
    for id in settled {
        elsewhere.insert(id, ())?;
    }
    Ok(())
}

/// The report totals: settled orders get their recognised revenue, then every total is built
/// from the records.
fn v6_reports(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(DAILY_TOTALS)?;
    tx.open_table(CUSTOMER_MONTHS)?;
    tx.open_table(PART_MONTHS)?;
    let backfilled = super::reports::backfill_tx(tx)?;
    super::reports::repair_tx(tx)?;
    tracing::info!(backfilled, "report totals built");
    Ok(())
}

/// The customer index of versions 5 and 6: (customer id, payment id) → ().
const LEGACY_PAYMENTS_BY_CUSTOMER: redb::TableDefinition<(u64, u64), ()> =
    redb::TableDefinition::new("payments_by_customer");

/// A customer's payments are indexed by day (statements read a period, not a whole history):
/// the new index is built from the payments and the old one dropped.
fn v7_payments_by_customer_day(tx: &WriteTransaction) -> StoreResult<()> {
    use redb::ReadableTable;
    let mut index = tx.open_table(PAYMENTS_BY_CUSTOMER)?;
    let mut indexed = 0u64;
    for row in tx.open_table(PAYMENTS)?.iter()? {
        let p = row?.1.value();
        index.insert((p.customer.0, super::checkout::day_key(p.day), p.id), ())?;
        indexed += 1;
    }
    drop(index);
    tx.delete_table(LEGACY_PAYMENTS_BY_CUSTOMER)?;
    tracing::info!(indexed, "payments indexed by customer and day");
    Ok(())
}

/// Customers' own links (`/c/{token}`): their two indexes, and a link for every order not yet
/// delivered or cancelled. Orders closed before links existed get none (their paper has no
/// customer QR); the desk issues one if a customer asks.
fn v8_customer_links(tx: &WriteTransaction) -> StoreResult<()> {
    use crate::domain::OrderState;
    use redb::ReadableTable;
    tx.open_table(ORDERS_BY_CUSTOMER_TOKEN)?;
    tx.open_table(RETIRED_CUSTOMER_TOKENS)?;
    let mut ids = Vec::new();
    for state in OrderState::ALL.iter().filter(|s| !s.is_closed()) {
        for row in tx.open_table(ORDERS_BY_STATE)?.range((state.code(), 0)..=(state.code(), u64::MAX))? {
            ids.push(row?.0.value().1);
        }
    }
    let now = chrono::Utc::now();
    let mut linked = 0u64;
    for id in ids {
        let Some(mut order) = tx.open_table(ORDERS)?.get(id)?.map(|v| v.value()) else { continue };
        if order.customer_link.is_some() {
            continue;
        }
        let link = super::orders::new_customer_link_tx(tx, now)?;
        order.customer_link = Some(link);
        tx.open_table(ORDERS)?.insert(id, &order)?;
        tx.open_table(ORDERS_BY_CUSTOMER_TOKEN)?.insert(link.token, id)?;
        linked += 1;
    }
    tracing::info!(linked, "customer links issued");
    Ok(())
}

/// Customer care's due lists: their two index tables, built from the vehicles, customers and
/// work orders already there.
fn v9_care(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(CARE_DUE)?;
    tx.open_table(CARE_DUE_BY_SUBJECT)?;
    let (vehicles, customers) = super::care::rebuild_tx(tx)?;
    tracing::info!(vehicles, customers, "due lists indexed");
    Ok(())
}

/// Inspections: their four tables, and the starter checklists (in Chinese and English), which
/// a new shop gets too since every new database runs every step.
fn v10_inspections(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(INSPECTION_TEMPLATES)?;
    tx.open_table(INSPECTIONS)?;
    tx.open_table(INSPECTIONS_BY_ORDER)?;
    tx.open_table(INSPECTIONS_BY_VEHICLE)?;
    super::inspections::create_starters_tx(tx)
}

/// Deferred work on the due lists: each car whose customer declined recommended work gets its
/// entry; the other lists and their snoozes stay as they are.
fn v11_deferred_work_due(tx: &WriteTransaction) -> StoreResult<()> {
    let cars = super::care::index_deferred_tx(tx)?;
    tracing::info!(cars, "deferred work indexed");
    Ok(())
}

/// The order index of versions 5 to 11: (order id, payment id) → ().
const LEGACY_PAYMENTS_BY_ORDER: redb::TableDefinition<(u64, u64), ()> =
    redb::TableDefinition::new("payments_by_order");

/// An order's payments are indexed with what its bill needs of each (amount, change, what it
/// voids), so taking a payment reads one range instead of every payment record of the order:
/// the new index is built from the payments and the old one dropped.
fn v12_payment_briefs(tx: &WriteTransaction) -> StoreResult<()> {
    use redb::ReadableTable;
    let mut index = tx.open_table(PAYMENTS_BY_ORDER)?;
    let mut indexed = 0u64;
    for row in tx.open_table(PAYMENTS)?.iter()? {
        let p = row?.1.value();
        if let Some(order) = p.order {
            index.insert((order.0, p.id), &p.brief())?;
            indexed += 1;
        }
    }
    drop(index);
    tx.delete_table(LEGACY_PAYMENTS_BY_ORDER)?;
    tracing::info!(indexed, "payments indexed by order with their amounts");
    Ok(())
}

/// Appointments (预约): the records and their three indexes, empty.
fn v13_appointments(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(APPOINTMENTS)?;
    tx.open_table(APPOINTMENTS_BY_START)?;
    tx.open_table(APPOINTMENTS_BY_VEHICLE)?;
    tx.open_table(APPOINTMENTS_BY_CUSTOMER)?;
    Ok(())
}

/// The follow-up calls (回访). Nothing is scheduled for orders delivered before the upgrade: a
/// shop upgrading does not want a wave of calls about cars it handed back weeks ago; calls
/// start with the first delivery after it.
fn v14_followups(tx: &WriteTransaction) -> StoreResult<()> {
    tx.open_table(FOLLOWUPS)?;
    tx.open_table(FOLLOWUPS_DUE)?;
    tx.open_table(FOLLOWUPS_BY_ORDER)?;
    tx.open_table(FOLLOWUPS_UNHAPPY)?;
    tx.open_table(FOLLOWUP_MONTHS)?;
    Ok(())
}

/// The vehicle list's search by make and the kiosk's make/model picker: every vehicle indexed
/// by its make and counted under its make and model.
fn v15_vehicles_by_make(tx: &WriteTransaction) -> StoreResult<()> {
    let indexed = super::vehicles::index_makes_tx(tx)?;
    tracing::info!(indexed, "vehicles indexed by make");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::{ReadableTable, TableDefinition};

    fn temp_db() -> (Database, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("t.redb")).unwrap();
        (db, dir)
    }

    #[test]
    fn a_new_database_gets_the_current_version() {
        let (db, _dir) = temp_db();
        assert_eq!(version(&db).unwrap(), 0);
        assert_eq!(run(&db).unwrap(), 0);
        assert_eq!(version(&db).unwrap(), CURRENT);
        // Running again changes nothing.
        assert_eq!(run(&db).unwrap(), CURRENT);
    }

    #[test]
    fn a_newer_database_is_refused() {
        let (db, _dir) = temp_db();
        run(&db).unwrap();
        let tx = db.begin_write().unwrap();
        tx.open_table(META).unwrap().insert("schema_version", CURRENT + 1).unwrap();
        tx.commit().unwrap();
        let err = run(&db).unwrap_err();
        assert!(matches!(err, StoreError::NewerSchema { found, supported }
            if found == CURRENT + 1 && supported == CURRENT));
        assert!(err.to_string().contains("newer than this program"));
    }

    #[test]
    fn later_steps_run_in_order_from_the_stored_version() {
        const NOTES: TableDefinition<&str, &str> = TableDefinition::new("test_notes");
        fn v2(tx: &WriteTransaction) -> StoreResult<()> {
            tx.open_table(NOTES)?.insert("step", "2")?;
            Ok(())
        }
        fn v3(tx: &WriteTransaction) -> StoreResult<()> {
            let mut t = tx.open_table(NOTES)?;
            let seen = t.get("step")?.map(|v| v.value().to_string());
            assert_eq!(seen.as_deref(), Some("2"), "v3 runs after v2");
            t.insert("step", "3")?;
            Ok(())
        }
        let (db, _dir) = temp_db();
        run(&db).unwrap();
        let mut steps = STEPS.to_vec();
        steps.extend([v2 as Step, v3]);
        assert_eq!(run_steps(&db, &steps).unwrap(), CURRENT);
        assert_eq!(version(&db).unwrap(), CURRENT + 2);
        let tx = db.begin_read().unwrap();
        assert_eq!(tx.open_table(NOTES).unwrap().get("step").unwrap().unwrap().value(), "3");
    }

    #[test]
    fn version_12_indexes_each_order_payment_with_its_brief_and_drops_the_old_index() {
        use crate::domain::checkout::{PayMethod, Payment, PaymentKind};
        use crate::domain::{CustomerId, OrderId};
        let (db, _dir) = temp_db();
        run_to(&db, 11).unwrap();
        let tx = db.begin_write().unwrap();
        let at = chrono::Utc::now();
        let pay = |id: u64, order: Option<u64>, amount: i64, voids: Option<u64>| Payment {
            id,
            kind: if order.is_some() { PaymentKind::Order } else { PaymentKind::Receivable },
            order: order.map(OrderId),
            order_number: String::new(),
            customer: CustomerId(1),
            method: PayMethod::Cash,
            amount: rust_decimal::Decimal::new(amount, 2),
            change: rust_decimal::Decimal::new(if voids.is_none() { 50 } else { 0 }, 2),
            reference: String::new(),
            voids,
            reason: String::new(),
            day: at.date_naive(),
            at,
            by: None,
            by_name: String::new(),
        };
        let payments =
            [pay(1, Some(7), 10_000, None), pay(2, Some(7), -10_000, Some(1)), pay(3, None, 500, None)];
        for p in &payments {
            tx.open_table(PAYMENTS).unwrap().insert(p.id, p).unwrap();
            if let Some(order) = p.order {
                tx.open_table(LEGACY_PAYMENTS_BY_ORDER).unwrap().insert((order.0, p.id), ()).unwrap();
            }
        }
        tx.commit().unwrap();
        assert_eq!(run(&db).unwrap(), 11);
        let tx = db.begin_read().unwrap();
        let index = tx.open_table(PAYMENTS_BY_ORDER).unwrap();
        let found: Vec<_> =
            index.iter().unwrap().map(|r| r.map(|(k, v)| (k.value(), v.value())).unwrap()).collect();
        assert_eq!(found, vec![((7, 1), payments[0].brief()), ((7, 2), payments[1].brief())]);
        assert!(matches!(
            tx.open_table(LEGACY_PAYMENTS_BY_ORDER),
            Err(redb::TableError::TableDoesNotExist(_))
        ));
    }

    #[test]
    fn version_8_gives_orders_in_the_shop_a_customer_link_and_closed_ones_none() {
        use crate::domain::work_order::Reception;
        use crate::domain::{CustomerId, OrderId, OrderState, VehicleId, WorkOrder};
        let (db, _dir) = temp_db();
        run_to(&db, 7).unwrap();
        let tx = db.begin_write().unwrap();
        for (id, state) in
            [(1u64, OrderState::InProgress), (2, OrderState::Delivered), (3, OrderState::Draft)]
        {
            let reception = Reception {
                mileage: None,
                fuel: None,
                complaint: "x".into(),
                items_left: String::new(),
                promised_at: None,
                advisor: None,
            };
            let mut o =
                WorkOrder::new(VehicleId(1), CustomerId(1), state, reception, chrono::Utc::now(), None);
            o.id = OrderId(id);
            o.token = u128::from(id);
            tx.open_table(ORDERS).unwrap().insert(id, &o).unwrap();
            tx.open_table(ORDERS_BY_STATE).unwrap().insert((state.code(), id), ()).unwrap();
            tx.open_table(ORDERS_BY_TOKEN).unwrap().insert(o.token, id).unwrap();
        }
        tx.commit().unwrap();
        assert_eq!(run(&db).unwrap(), 7);
        let tx = db.begin_read().unwrap();
        let orders = tx.open_table(ORDERS).unwrap();
        let index = tx.open_table(ORDERS_BY_CUSTOMER_TOKEN).unwrap();
        for (id, linked) in [(1u64, true), (2, false), (3, true)] {
            let o = orders.get(id).unwrap().unwrap().value();
            assert_eq!(o.customer_link.is_some(), linked, "order {id}");
            if let Some(link) = o.customer_link {
                assert_ne!(link.token, o.token);
                assert_eq!(index.get(link.token).unwrap().unwrap().value(), id);
            }
        }
        assert_eq!(redb::ReadableTableMetadata::len(&index).unwrap(), 2);
    }

    #[test]
    fn a_failed_step_leaves_the_old_version() {
        fn broken(_: &WriteTransaction) -> StoreResult<()> {
            Err(StoreError::Internal("step failed".into()))
        }
        let (db, _dir) = temp_db();
        run(&db).unwrap();
        let mut steps = STEPS.to_vec();
        steps.push(broken);
        assert!(run_steps(&db, &steps).is_err());
        assert_eq!(version(&db).unwrap(), CURRENT);
    }
}
