//! Opening an order (its number, its QR token and the customer's link, the vehicle's mileage
//! in the same transaction), recording one that already happened, a new QR token on reprint, a
//! new customer link, and editing the reception.

use chrono::{DateTime, Utc};
use redb::{ReadableTable, WriteTransaction};

use super::{editable_tx, get_tx, index_tx, open_for_vehicle_tx, save_tx};
use crate::domain::vehicle::check_mileage;
use crate::domain::work_order::{CustomerLink, Reception, order_number};
use crate::domain::{FieldErrors, OrderId, OrderState, Problem, Settings, VehicleId, WorkOrder};
use crate::i18n::Msg;
use crate::store::audit::{Actor, append_tx};
use crate::store::tables::{
    ORDERS, ORDERS_BY_CUSTOMER, ORDERS_BY_CUSTOMER_TOKEN, ORDERS_BY_NUMBER, ORDERS_BY_TOKEN,
    ORDERS_BY_VEHICLE, RETIRED_CUSTOMER_TOKENS, RETIRED_TOKENS, SEQUENCES,
};
use crate::store::{StoreError, StoreResult, Touched, next_id_tx, vehicles};

/// What the reception desk decides besides the form itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenOptions {
    /// An estimate only (draft), not yet a job.
    pub draft: bool,
    /// Open another order although the vehicle has one in the shop.
    pub confirm_second: bool,
    /// The odometer reads lower than the last recorded mileage, and that is right.
    pub confirm_mileage: bool,
    /// The appointment the order is opened from.
    pub appointment: Option<crate::domain::appointment::AppointmentId>,
}

/// Opens a work order for a vehicle. Its number follows the shop's format with the day's
/// sequence in the shop's time zone; the vehicle's mileage is updated in the same transaction.
#[allow(clippy::too_many_arguments)]
pub fn open_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    settings: &Settings,
    vehicle_id: VehicleId,
    reception: Reception,
    options: OpenOptions,
    at: DateTime<Utc>,
) -> StoreResult<WorkOrder> {
    let vehicle = vehicles::get_tx(tx, vehicle_id).map_err(|e| match e {
        StoreError::NotFound => StoreError::Invalid(FieldErrors::one("vehicle_id", Msg::VehicleUnknown)),
        e => e,
    })?;
    if !options.confirm_second
        && let Some((id, number)) = open_for_vehicle_tx(tx, vehicle_id)?.into_iter().next()
    {
        let problem = Problem::with(Msg::VehicleHasOpenOrder, &[&number]).linked(format!("/orders/{id}"));
        return Err(StoreError::Invalid(FieldErrors::one("vehicle_id", problem)));
    }
    if reception.mileage.is_some() {
        check_mileage(vehicle.details.mileage, reception.mileage, options.confirm_mileage)
            .map_err(|p| StoreError::Invalid(FieldErrors::one("mileage", p)))?;
        vehicles::set_mileage_tx(tx, touched, actor, vehicle_id, reception.mileage)?;
    }
    let state = if options.draft { OrderState::Draft } else { OrderState::Open };
    let mut order = WorkOrder::new(vehicle_id, vehicle.customer_id, state, reception, at, actor.user_id);
    order.appointment = options.appointment;
    let order = insert_new_tx(tx, settings, order)?;
    let id = order.id;
    append_tx(
        tx,
        actor,
        "order.open",
        &format!("order:{id}"),
        format!("{} {}", order.number, vehicle.details.plate),
    )?;
    touched.order(id);
    Ok(order)
}

/// Stores a whole order as it already happened (generated data, imports from another system):
/// it gets its id, its number for the day it was opened, and a token, with every index, in
/// the caller's transaction. The vehicle's record is left as it is.
pub fn record_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    settings: &Settings,
    order: WorkOrder,
) -> StoreResult<WorkOrder> {
    vehicles::get_tx(tx, order.vehicle_id)?;
    let order = insert_new_tx(tx, settings, order)?;
    let id = order.id;
    if matches!(order.state, OrderState::Settled | OrderState::Delivered) {
        crate::store::checkout::mark_settled_elsewhere_tx(tx, id)?;
        crate::store::reports::recognise_recorded_tx(tx, &order, settings)?;
    }
    append_tx(
        tx,
        actor,
        "order.record",
        &format!("order:{id}"),
        format!("{} {}", order.number, order.state.code()),
    )?;
    touched.order(id);
    Ok(order)
}

/// Gives a new order its id, its number for the day it was opened, a QR token and the
/// customer's link, and stores it with every index.
fn insert_new_tx(tx: &WriteTransaction, settings: &Settings, mut order: WorkOrder) -> StoreResult<WorkOrder> {
    order.id = OrderId(next_id_tx(tx, "order")?);
    order.number = next_number_tx(tx, settings, order.created_at)?;
    order.token = new_token_tx(tx)?;
    let link = new_customer_link_tx(tx, order.created_at)?;
    order.customer_link = Some(link);
    let id = order.id.0;
    tx.open_table(ORDERS)?.insert(id, &order)?;
    tx.open_table(ORDERS_BY_NUMBER)?.insert(order.number.as_str(), id)?;
    tx.open_table(ORDERS_BY_TOKEN)?.insert(order.token, id)?;
    tx.open_table(ORDERS_BY_CUSTOMER_TOKEN)?.insert(link.token, id)?;
    tx.open_table(ORDERS_BY_VEHICLE)?.insert((order.vehicle_id.0, id), ())?;
    tx.open_table(ORDERS_BY_CUSTOMER)?.insert((order.customer_id.0, id), ())?;
    index_tx(tx, &order, true)?;
    crate::store::reports::order_saved_tx(tx, None, &order)?;
    crate::store::care::vehicle_changed_tx(tx, order.vehicle_id)?;
    crate::store::care::customer_changed_tx(tx, order.customer_id)?;
    Ok(order)
}

/// The next free number for the shop-local day of `at`.
fn next_number_tx(tx: &WriteTransaction, settings: &Settings, at: DateTime<Utc>) -> StoreResult<String> {
    let day = at.with_timezone(&settings.tz()).date_naive();
    let key = format!("order:{}", day.format("%Y%m%d"));
    let numbers = tx.open_table(ORDERS_BY_NUMBER)?;
    let mut sequences = tx.open_table(SEQUENCES)?;
    let mut seq = sequences.get(key.as_str())?.map(|v| v.value()).unwrap_or(0);
    // A changed format may meet numbers already given today: skip those.
    loop {
        seq += 1;
        let number = order_number(&settings.order_number_format, day, seq as u32);
        if numbers.get(number.as_str())?.is_none() {
            sequences.insert(key.as_str(), seq)?;
            return Ok(number);
        }
    }
}

/// 128 random bits that no order's QR or customer link uses or used (both kinds of token are
/// checked, so one can never be taken for the other).
pub(crate) fn new_token_tx(tx: &WriteTransaction) -> StoreResult<u128> {
    use rand::RngExt;
    let tables = [
        tx.open_table(ORDERS_BY_TOKEN)?,
        tx.open_table(RETIRED_TOKENS)?,
        tx.open_table(ORDERS_BY_CUSTOMER_TOKEN)?,
        tx.open_table(RETIRED_CUSTOMER_TOKENS)?,
    ];
    loop {
        let token: u128 = rand::rng().random();
        let mut free = token != 0;
        for table in &tables {
            free = free && table.get(token)?.is_none();
        }
        if free {
            return Ok(token);
        }
    }
}

/// A new customer link: a fresh token and CSRF secret, issued `at`.
pub(crate) fn new_customer_link_tx(tx: &WriteTransaction, at: DateTime<Utc>) -> StoreResult<CustomerLink> {
    use rand::RngExt;
    Ok(CustomerLink { token: new_token_tx(tx)?, csrf: rand::rng().random(), issued_at: at })
}

/// Gives the order a new customer link (or its first, for an order from before links): the
/// old link, if any, then says to ask the shop. Allowed in every state: a customer who lost
/// the receipt's link may ask for it again after delivery, and its days count from now.
pub fn rotate_customer_link_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
) -> StoreResult<WorkOrder> {
    let before = get_tx(tx, id)?;
    let mut order = before.clone();
    let link = new_customer_link_tx(tx, Utc::now())?;
    order.customer_link = Some(link);
    let mut current = tx.open_table(ORDERS_BY_CUSTOMER_TOKEN)?;
    if let Some(old) = before.customer_link {
        current.remove(old.token)?;
        tx.open_table(RETIRED_CUSTOMER_TOKENS)?.insert(old.token, id.0)?;
    }
    current.insert(link.token, id.0)?;
    drop(current);
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(
        tx,
        actor,
        "order.customer_link",
        &format!("order:{id}"),
        format!("{} new customer link", order.number),
    )?;
    Ok(order)
}

/// Replaces the order's QR token (a reprint): the old sheet's QR stops working.
pub fn rotate_token_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
) -> StoreResult<WorkOrder> {
    let before = get_tx(tx, id)?;
    if before.state.is_closed() {
        return Err(StoreError::Refused(Msg::OrderLocked));
    }
    let mut order = before.clone();
    order.token = new_token_tx(tx)?;
    order.reprints += 1;
    tx.open_table(ORDERS_BY_TOKEN)?.remove(before.token)?;
    tx.open_table(ORDERS_BY_TOKEN)?.insert(order.token, id.0)?;
    tx.open_table(RETIRED_TOKENS)?.insert(before.token, id.0)?;
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(
        tx,
        actor,
        "order.reprint",
        &format!("order:{id}"),
        format!("{} new QR #{}", order.number, order.reprints),
    )?;
    Ok(order)
}

/// Edits what was taken in at the desk (a typo in the complaint, a new promised time).
pub fn update_reception_tx(
    tx: &WriteTransaction,
    touched: &mut Touched,
    actor: &Actor,
    id: OrderId,
    version: u64,
    reception: Reception,
) -> StoreResult<WorkOrder> {
    let before = editable_tx(tx, id)?;
    if before.version != version {
        return Err(StoreError::Stale);
    }
    let mut order = before.clone();
    // The odometer reading is the vehicle's record; it is taken in once, at opening.
    order.reception = Reception { mileage: before.reception.mileage, ..reception };
    save_tx(tx, touched, &before, &mut order)?;
    append_tx(tx, actor, "order.reception", &format!("order:{id}"), order.number.clone())?;
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::customer::CustomerInput;
    use crate::domain::vehicle::VehicleInput;
    use crate::domain::{CustomerDetails, VehicleDetails};
    use crate::store::customers;
    use crate::store::orders::for_vehicle;
    use crate::store::testing::temp_store;

    fn vehicle(store: &crate::store::Store, plate: &str) -> VehicleId {
        let today = Utc::now().date_naive();
        let customer = CustomerDetails::check(
            &CustomerInput {
                kind: "person".into(),
                name: "王伟".into(),
                phone: "13800138000".into(),
                ..Default::default()
            },
            today,
            &["walk_in".into()],
            &["ordinary".into()],
        )
        .unwrap();
        let v = VehicleDetails::check(
            &VehicleInput { plate: plate.into(), mileage: "50000".into(), ..Default::default() },
            today,
        )
        .unwrap();
        store
            .write_touching_now(|tx, t| {
                let c = customers::create_tx(tx, t, &Actor::system(), customer)?;
                Ok(vehicles::create_tx(tx, t, &Actor::system(), c.id, v)?.id)
            })
            .unwrap()
    }

    fn reception(mileage: Option<u32>) -> Reception {
        Reception {
            mileage,
            fuel: Some(2),
            complaint: "刹车异响".into(),
            items_left: String::new(),
            promised_at: None,
            advisor: None,
        }
    }

    #[test]
    fn numbers_follow_the_shop_day_across_midnight() {
        let (store, _dir) = temp_store();
        let v = vehicle(&store, "京A12345");
        let settings = Settings::default(); // Asia/Shanghai, UTC+8
        let open_at = |at: &str| {
            let at: DateTime<Utc> = at.parse().unwrap();
            let options = OpenOptions { confirm_second: true, ..Default::default() };
            store
                .write_touching_now(|tx, t| {
                    open_tx(tx, t, &Actor::system(), &settings, v, reception(None), options, at)
                })
                .unwrap()
                .number
        };
        // 23:58 and 23:59 in Beijing are still the 28th; 00:01 is the 29th and starts at 001.
        assert_eq!(open_at("2026-11-28T15:58:00Z"), "20261128-001");
        assert_eq!(open_at("2026-11-28T15:59:00Z"), "20261128-002");
        assert_eq!(open_at("2026-11-28T16:01:00Z"), "20261129-001");
        // Back on the 28th (an import of the night's orders), the sequence continues.
        assert_eq!(open_at("2026-11-28T10:00:00Z"), "20261128-003");
    }

    #[test]
    fn opening_updates_the_vehicle_mileage_in_the_same_transaction_and_checks_it() {
        let (store, _dir) = temp_store();
        let v = vehicle(&store, "沪B67890");
        let settings = Settings::default();
        let open = |mileage, options| {
            store.write_touching_now(|tx, t| {
                open_tx(tx, t, &Actor::system(), &settings, v, reception(mileage), options, Utc::now())
            })
        };
        let err = open(Some(40_000), OpenOptions::default()).unwrap_err();
        assert!(matches!(&err, StoreError::Invalid(e) if e.get("mileage").is_some()), "{err:?}");
        let order = open(Some(51_000), OpenOptions::default()).unwrap();
        let mileage = store.read_now(|tx| Ok(vehicles::get(tx, v)?.unwrap().details.mileage)).unwrap();
        assert_eq!(mileage, Some(51_000));
        // A second order for the same car asks first, naming the open one.
        let err = open(None, OpenOptions::default()).unwrap_err();
        let StoreError::Invalid(e) = err else { panic!() };
        let problem = e.get("vehicle_id").unwrap();
        assert_eq!(problem.msg, Msg::VehicleHasOpenOrder);
        assert_eq!(problem.link.as_deref(), Some(format!("/orders/{}", order.id).as_str()));
        assert!(open(None, OpenOptions { confirm_second: true, ..Default::default() }).is_ok());
    }

    #[test]
    fn the_indexes_tell_a_cars_open_orders_and_a_customers_visits() {
        use crate::domain::{Role, Roles};
        use crate::store::orders::{open_for_vehicle, recent_for_customer};
        let (store, _dir) = temp_store();
        let v = vehicle(&store, "浙A55555");
        let settings = Settings::default();
        let options = OpenOptions { confirm_second: true, ..Default::default() };
        let opened: Vec<WorkOrder> = (0..4)
            .map(|_| {
                store
                    .write_touching_now(|tx, t| {
                        open_tx(tx, t, &Actor::system(), &settings, v, reception(None), options, Utc::now())
                    })
                    .unwrap()
            })
            .collect();
        let manager = Roles::of(&[Role::Manager]);
        store
            .write_touching_now(|tx, t| {
                let cancel = (opened[1].id, OrderState::Cancelled);
                super::super::transition_at_tx(
                    tx,
                    t,
                    &Actor::system(),
                    manager,
                    cancel,
                    "客户改约",
                    Utc::now(),
                )
            })
            .unwrap();
        let customer = opened[0].customer_id;
        store
            .read_now(|tx| {
                let open: Vec<OrderId> = open_for_vehicle(tx, v, false)?.iter().map(|o| o.id).collect();
                assert_eq!(
                    open,
                    [opened[3].id, opened[2].id, opened[0].id],
                    "newest first, not the cancelled one"
                );
                let (recent, visits) = recent_for_customer(tx, customer, 2)?;
                assert_eq!(visits, 3, "a cancelled order is no visit");
                let recent: Vec<OrderId> = recent.iter().map(|o| o.id).collect();
                assert_eq!(recent, [opened[3].id, opened[2].id]);
                Ok(())
            })
            .unwrap();
        let open_tx_view = store.write_now(|tx| open_for_vehicle_tx(tx, v)).unwrap();
        let ids: Vec<OrderId> = open_tx_view.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [opened[0].id, opened[2].id, opened[3].id]);
    }

    #[test]
    fn a_failed_step_leaves_nothing_behind() {
        let (store, _dir) = temp_store();
        let v = vehicle(&store, "粤C11111");
        let settings = Settings::default();
        let result = store.write_touching_now(|tx, t| {
            open_tx(
                tx,
                t,
                &Actor::system(),
                &settings,
                v,
                reception(Some(60_000)),
                OpenOptions::default(),
                Utc::now(),
            )?;
            Err::<(), _>(StoreError::Refused(Msg::OrderLocked))
        });
        assert!(result.is_err());
        store
            .read_now(|tx| {
                assert!(for_vehicle(tx, v)?.is_empty());
                assert_eq!(vehicles::get(tx, v)?.unwrap().details.mileage, Some(50_000));
                Ok(())
            })
            .unwrap();
    }
}
