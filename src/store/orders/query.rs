//! The order list: which orders match its filters, one page at a time, newest first.
//!
//! A search narrows to a few candidates first (a number, a plate, customers found by name or
//! phone); a state, "late" or a technician narrows through their indexes; otherwise the newest
//! orders are read until a page is full, at most [`SCAN_LIMIT`] of them.

use chrono::{DateTime, Utc};
use redb::ReadTransaction;

use super::{for_technician, get, ids_for_customer, ids_for_vehicle, in_state, newest, with_number_prefix};
use crate::domain::{Customer, CustomerId, OrderId, OrderState, Plate, UserId, Vehicle, WorkOrder};
use crate::store::{StoreResult, customers, vehicles};

/// Orders per page of the list.
pub const PAGE_SIZE: usize = 30;
/// The plain list reads at most this many of the newest orders per page.
pub const SCAN_LIMIT: usize = 20_000;

/// Filters of the order list; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    /// Typed in the search box: an order number's beginning, a plate, a customer's name or phone.
    pub text: String,
    pub state: Option<OrderState>,
    pub advisor: Option<UserId>,
    pub technician: Option<UserId>,
    /// Only orders past their promised time.
    pub late: bool,
    pub created_from: Option<DateTime<Utc>>,
    pub created_until: Option<DateTime<Utc>>,
    /// One of today's lists of the desk (the home page's numbers link to them).
    pub work: Option<Work>,
    /// The shop's today, from its start to the next day's (for [`Work::PromisedToday`]).
    pub today: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Today's work at the desk, each a list of the cars in the shop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// Every car in the shop (on the board).
    InShop,
    /// Lines wait for the customer's answer.
    AwaitingAnswer,
    /// Promised for today and still in the shop.
    PromisedToday,
    /// The work is done: completed or settled, waiting for the customer.
    Ready,
}

impl Work {
    pub const ALL: [Work; 4] = [Work::InShop, Work::AwaitingAnswer, Work::PromisedToday, Work::Ready];

    pub fn code(self) -> &'static str {
        match self {
            Work::InShop => "in_shop",
            Work::AwaitingAnswer => "approval",
            Work::PromisedToday => "today",
            Work::Ready => "ready",
        }
    }

    pub fn parse(code: &str) -> Option<Work> {
        Work::ALL.into_iter().find(|w| w.code() == code)
    }

    fn accepts(self, order: &WorkOrder, today: Option<(DateTime<Utc>, DateTime<Utc>)>) -> bool {
        let s = order.state;
        s.on_board()
            && match self {
                Work::InShop => true,
                Work::AwaitingAnswer => s.is_editable() && order.pending_lines().next().is_some(),
                Work::PromisedToday => order
                    .reception
                    .promised_at
                    .zip(today)
                    .is_some_and(|(p, (from, until))| p >= from && p < until),
                Work::Ready => matches!(s, OrderState::Completed | OrderState::Settled),
            }
    }
}

impl OrderFilter {
    /// Whether `order` is listed, at `now` (for "late").
    pub fn accepts(&self, order: &WorkOrder, now: DateTime<Utc>) -> bool {
        self.state.is_none_or(|s| order.state == s)
            && self.advisor.is_none_or(|a| order.reception.advisor == Some(a))
            && self.technician.is_none_or(|t| order.technicians().contains(&t))
            && (!self.late || order.is_late(now))
            && self.created_from.is_none_or(|f| order.created_at >= f)
            && self.created_until.is_none_or(|u| order.created_at < u)
            && self.work.is_none_or(|w| w.accepts(order, self.today))
    }
}

/// One row of the list.
#[derive(Debug)]
pub struct OrderRow {
    pub order: WorkOrder,
    pub vehicle: Option<Vehicle>,
    pub customer: Option<Customer>,
}

/// One page of the list.
#[derive(Debug, Default)]
pub struct OrderPage {
    pub rows: Vec<OrderRow>,
    /// There is a next page.
    pub more: bool,
    /// The newest [`SCAN_LIMIT`] orders were read without filling the page: older ones were not
    /// looked at.
    pub truncated: bool,
}

/// The page `page_no` (from 1) of the orders `filter` accepts at `now`. `customers` are those
/// the search index found for `filter.text` (the index lives outside the database).
pub fn list(
    tx: &ReadTransaction,
    filter: &OrderFilter,
    customers: &[CustomerId],
    page_no: usize,
    now: DateTime<Utc>,
) -> StoreResult<OrderPage> {
    let offset = page_no.saturating_sub(1) * PAGE_SIZE;
    let keep = |o: &WorkOrder| filter.accepts(o, now);
    let mut page = OrderPage::default();
    let mut rows = Vec::new();
    match narrowed(tx, filter, customers)? {
        Some(ids) => {
            let mut skipped = 0;
            for id in ids {
                let Some(o) = get(tx, id)?.filter(|o| keep(o)) else { continue };
                if skipped < offset {
                    skipped += 1;
                } else if rows.len() == PAGE_SIZE {
                    page.more = true;
                    break;
                } else {
                    rows.push(o);
                }
            }
        }
        None => {
            let (found, stopped) = newest(tx, offset, PAGE_SIZE, SCAN_LIMIT, keep)?;
            page.more = stopped && found.len() == PAGE_SIZE;
            page.truncated = stopped && found.len() < PAGE_SIZE;
            rows = found;
        }
    }
    for order in rows {
        let vehicle = vehicles::get(tx, order.vehicle_id)?;
        let customer = customers::get(tx, order.customer_id)?;
        page.rows.push(OrderRow { order, vehicle, customer });
    }
    Ok(page)
}

/// How many of the cars in the shop (`board`, as [`super::on_board`] reads them) each of
/// `filters` lists at `now`: the same test as the list's, so a number matches its list.
pub fn count_among(board: &[WorkOrder], filters: &[OrderFilter], now: DateTime<Utc>) -> Vec<usize> {
    filters.iter().map(|f| board.iter().filter(|o| f.accepts(o, now)).count()).collect()
}

/// The orders an index narrows the list to, newest first; `None` when no index applies.
fn narrowed(
    tx: &ReadTransaction,
    filter: &OrderFilter,
    customers: &[CustomerId],
) -> StoreResult<Option<Vec<OrderId>>> {
    if !filter.text.is_empty() {
        return Ok(Some(searched(tx, &filter.text, customers)?));
    }
    if let Some(s) = filter.state {
        return Ok(Some(in_state(tx, s)?));
    }
    if filter.late || filter.work.is_some() {
        let mut ids = Vec::new();
        for s in OrderState::BOARD {
            ids.extend(in_state(tx, s)?);
        }
        ids.sort_unstable_by(|a, b| b.cmp(a));
        return Ok(Some(ids));
    }
    filter.technician.map(|t| for_technician(tx, t)).transpose()
}

/// The candidates of a search: orders whose number begins with `text`, of the vehicle with
/// that plate, and of `customers`; newest first.
fn searched(tx: &ReadTransaction, text: &str, customers: &[CustomerId]) -> StoreResult<Vec<OrderId>> {
    let mut ids = with_number_prefix(tx, text, 200)?;
    if let Ok(plate) = Plate::parse(text)
        && let Some(v) = vehicles::find_by_plate(tx, &plate)?
    {
        ids.extend(ids_for_vehicle(tx, v.id)?);
    }
    for c in customers {
        ids.extend(ids_for_customer(tx, *c)?);
    }
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.dedup();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::VehicleId;
    use crate::domain::work_order::Reception;
    use chrono::Duration;

    fn order(state: OrderState, advisor: Option<UserId>, promised_at: Option<DateTime<Utc>>) -> WorkOrder {
        let reception = Reception {
            mileage: None,
            fuel: None,
            complaint: "异响".into(),
            items_left: String::new(),
            promised_at,
            advisor,
        };
        let at: DateTime<Utc> = "2026-11-28T08:00:00Z".parse().unwrap();
        WorkOrder::new(VehicleId(1), CustomerId(1), state, reception, at, None)
    }

    #[test]
    fn an_empty_filter_accepts_every_order() {
        let now = Utc::now();
        assert!(OrderFilter::default().accepts(&order(OrderState::Delivered, None, None), now));
    }

    #[test]
    fn each_filter_narrows() {
        let opened: DateTime<Utc> = "2026-11-28T08:00:00Z".parse().unwrap();
        let now = opened + Duration::days(2);
        let late = order(OrderState::InProgress, Some(UserId(3)), Some(opened + Duration::hours(8)));
        let on_time = order(OrderState::Open, None, Some(now + Duration::hours(1)));
        let by_state = OrderFilter { state: Some(OrderState::Open), ..Default::default() };
        assert!(by_state.accepts(&on_time, now) && !by_state.accepts(&late, now));
        let by_advisor = OrderFilter { advisor: Some(UserId(3)), ..Default::default() };
        assert!(by_advisor.accepts(&late, now) && !by_advisor.accepts(&on_time, now));
        let only_late = OrderFilter { late: true, ..Default::default() };
        assert!(only_late.accepts(&late, now) && !only_late.accepts(&on_time, now));
        let from_next_day =
            OrderFilter { created_from: Some(opened + Duration::days(1)), ..Default::default() };
        assert!(!from_next_day.accepts(&late, now));
        let until_opening = OrderFilter { created_until: Some(opened), ..Default::default() };
        assert!(!until_opening.accepts(&late, now), "the end of a range is not in it");
    }
}
