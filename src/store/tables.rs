//! Every table of the database, in one place: the data model at a glance.
//!
//! Keys are ids (`u64`, handed out by [`SEQUENCES`]) or composite index keys with `()` values.
//! Values are [`Msgpack`] records. Each index is written in the same transaction as its record.

use redb::TableDefinition;

use super::codec::Msgpack;
use crate::domain::appointment::Appointment;
use crate::domain::checkout::{Checkout, DayClose, Payment, PaymentBrief};
use crate::domain::followup::{FollowUp, MonthTotals as FollowUpMonth};
use crate::domain::inspection::{Inspection, InspectionTemplate};
use crate::domain::part::{Part, Supplier};
use crate::domain::report::{DayTotals, PartUse};
use crate::domain::stock::{CountLine, Movement, StockReceipt, Stocktake};
use crate::domain::template::ServiceTemplate;
use crate::domain::{ContactEntry, Customer, Session, Settings, User, Vehicle, WorkOrder};
use crate::store::audit::AuditEntry;

/// Single values about the database itself, e.g. `schema_version`.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// The last id handed out, per record kind (`"user"`, `"audit"`, …).
pub const SEQUENCES: TableDefinition<&str, u64> = TableDefinition::new("sequences");

/// Users by id.
pub const USERS: TableDefinition<u64, Msgpack<User>> = TableDefinition::new("users");

/// Index: lower-case username → user id. Unique.
pub const USERS_BY_NAME: TableDefinition<&str, u64> = TableDefinition::new("users_by_name");

/// Login sessions by their 128-bit id.
pub const SESSIONS: TableDefinition<u128, Msgpack<Session>> = TableDefinition::new("sessions");

/// Index: (user id, session id) → (), to end every session of a user at once.
pub const SESSIONS_BY_USER: TableDefinition<(u64, u128), ()> = TableDefinition::new("sessions_by_user");

/// The shop's parameters: one record under the key [`SETTINGS_KEY`].
pub const SETTINGS: TableDefinition<&str, Msgpack<Settings>> = TableDefinition::new("settings");
pub const SETTINGS_KEY: &str = "shop";

/// The audit log, append-only, keyed by a sequence number (so by time of commit).
pub const AUDIT: TableDefinition<u64, Msgpack<AuditEntry>> = TableDefinition::new("audit");

/// Customers by id.
pub const CUSTOMERS: TableDefinition<u64, Msgpack<Customer>> = TableDefinition::new("customers");

/// Index: (phone as stored, customer id) → (), for both phone fields; finds customers who
/// share a number (families do).
pub const CUSTOMERS_BY_PHONE: TableDefinition<(&str, u64), ()> = TableDefinition::new("customers_by_phone");

/// Contact history: (customer id, entry number) → entry, oldest first.
pub const CUSTOMER_CONTACTS: TableDefinition<(u64, u64), Msgpack<ContactEntry>> =
    TableDefinition::new("customer_contacts");

/// Vehicles by id.
pub const VEHICLES: TableDefinition<u64, Msgpack<Vehicle>> = TableDefinition::new("vehicles");

/// Index: normalised plate → vehicle id. Unique.
pub const VEHICLES_BY_PLATE: TableDefinition<&str, u64> = TableDefinition::new("vehicles_by_plate");

/// Index: VIN → vehicle id. Unique.
pub const VEHICLES_BY_VIN: TableDefinition<&str, u64> = TableDefinition::new("vehicles_by_vin");

/// Index: (customer id, vehicle id) → (), the vehicles a customer owns now.
pub const VEHICLES_BY_CUSTOMER: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("vehicles_by_customer");

/// Work orders by id (ids grow with time, so the newest are last).
pub const ORDERS: TableDefinition<u64, Msgpack<WorkOrder>> = TableDefinition::new("orders");

/// Index: order number → order id. Unique.
pub const ORDERS_BY_NUMBER: TableDefinition<&str, u64> = TableDefinition::new("orders_by_number");

/// Index: the QR token printed on an order's current sheet → order id.
pub const ORDERS_BY_TOKEN: TableDefinition<u128, u64> = TableDefinition::new("orders_by_token");

/// Tokens of sheets that were reprinted with a new QR → order id, so an old sheet gets a clear
/// answer instead of "not found".
pub const RETIRED_TOKENS: TableDefinition<u128, u64> = TableDefinition::new("retired_tokens");

/// Index: the token of an order's customer link (`/c/{token}`) → order id. Kept apart from
/// the technicians' tokens, so neither kind of token opens the other's pages.
pub const ORDERS_BY_CUSTOMER_TOKEN: TableDefinition<u128, u64> =
    TableDefinition::new("orders_by_customer_token");

/// Customer link tokens the desk replaced with new ones → order id, so an old link says to
/// ask the shop instead of "not found".
pub const RETIRED_CUSTOMER_TOKENS: TableDefinition<u128, u64> =
    TableDefinition::new("retired_customer_tokens");

/// Index: (vehicle id, order id) → (), a vehicle's repair history.
pub const ORDERS_BY_VEHICLE: TableDefinition<(u64, u64), ()> = TableDefinition::new("orders_by_vehicle");

/// Index: (customer id, order id) → (), the customer who owned the car when it was opened.
pub const ORDERS_BY_CUSTOMER: TableDefinition<(u64, u64), ()> = TableDefinition::new("orders_by_customer");

/// Index: (state code, order id) → (), for the board and the order list.
pub const ORDERS_BY_STATE: TableDefinition<(&str, u64), ()> = TableDefinition::new("orders_by_state");

/// Index: (technician's user id, order id) → (), orders with a live labour line of theirs.
pub const ORDERS_BY_TECHNICIAN: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("orders_by_technician");

/// Index: technician's user id → (order id, line no) of the one labour line whose clock runs.
pub const RUNNING: TableDefinition<u64, (u64, u32)> = TableDefinition::new("running_lines");

/// Index: (order id, request no) → (), parts requests waiting for the desk or the parts clerk.
pub const OPEN_PART_REQUESTS: TableDefinition<(u64, u32), ()> = TableDefinition::new("open_part_requests");

/// Photos from the shop floor by id: the stored picture (JPEG, at most 1600 px).
pub const PHOTOS: TableDefinition<u64, &[u8]> = TableDefinition::new("photos");

/// The same photos as small thumbnails (JPEG, at most 320 px).
pub const PHOTO_THUMBS: TableDefinition<u64, &[u8]> = TableDefinition::new("photo_thumbs");

/// Service templates (保养套餐) by id.
pub const TEMPLATES: TableDefinition<u64, Msgpack<ServiceTemplate>> = TableDefinition::new("templates");

/// Parts (配件) by id.
pub const PARTS: TableDefinition<u64, Msgpack<Part>> = TableDefinition::new("parts");

/// Index: part number's key ([`crate::domain::part::PartNumber::key`]) → part id. Unique.
pub const PARTS_BY_NUMBER: TableDefinition<&str, u64> = TableDefinition::new("parts_by_number");

/// Index: part id → () for active parts at or under their minimum stock (低库存).
pub const PARTS_LOW: TableDefinition<u64, ()> = TableDefinition::new("parts_low");

/// The stock ledger: every stock movement by id. Ids grow with time, so a date range is a
/// range of ids. Never changed once written.
pub const STOCK_MOVES: TableDefinition<u64, Msgpack<Movement>> = TableDefinition::new("stock_moves");

/// Index: (part id, movement id) → (), a part's ledger.
pub const STOCK_MOVES_BY_PART: TableDefinition<(u64, u64), ()> = TableDefinition::new("stock_moves_by_part");

/// Suppliers (供应商) by id.
pub const SUPPLIERS: TableDefinition<u64, Msgpack<Supplier>> = TableDefinition::new("suppliers");

/// Posted stock receipts (入库单) by id.
pub const STOCK_RECEIPTS: TableDefinition<u64, Msgpack<StockReceipt>> =
    TableDefinition::new("stock_receipts");

/// Index: (supplier id, receipt id) → (), what was bought from each supplier.
pub const RECEIPTS_BY_SUPPLIER: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("receipts_by_supplier");

/// Stocktakes (盘点) by id, open and posted.
pub const STOCKTAKES: TableDefinition<u64, Msgpack<Stocktake>> = TableDefinition::new("stocktakes");

/// A stocktake's lines: (stocktake id, part id) → the line with its count.
pub const STOCKTAKE_LINES: TableDefinition<(u64, u64), Msgpack<CountLine>> =
    TableDefinition::new("stocktake_lines");

/// Checkout records by order id: discounts, the frozen rules of the bill, receipt prints.
pub const CHECKOUTS: TableDefinition<u64, Msgpack<Checkout>> = TableDefinition::new("checkouts");

/// Payments (and voids) by id. Ids grow with time. Never changed once written.
pub const PAYMENTS: TableDefinition<u64, Msgpack<Payment>> = TableDefinition::new("payments");

/// Index: (order id, payment id) → what the order's bill needs of the payment (its amount,
/// change and what it voids), so taking a payment reads the order's payments from one range.
pub const PAYMENTS_BY_ORDER: TableDefinition<(u64, u64), Msgpack<PaymentBrief>> =
    TableDefinition::new("payments_by_order_brief");

/// Index: (customer id, shop-local day as days from the common era, payment id) → (), a
/// customer's payments and receivable by day, so a statement reads from its first day on.
pub const PAYMENTS_BY_CUSTOMER: TableDefinition<(u64, i32, u64), ()> =
    TableDefinition::new("payments_by_customer_day");

/// Index: (shop-local day as days from the common era, payment id) → (), the day-end.
pub const PAYMENTS_BY_DAY: TableDefinition<(i32, u64), ()> = TableDefinition::new("payments_by_day");

/// Customer id → what they owe on account, for customers who owe something (挂账).
pub const RECEIVABLES: TableDefinition<u64, Msgpack<rust_decimal::Decimal>> =
    TableDefinition::new("receivables");

/// Closed days (日结) by shop-local day (days from the common era).
pub const DAY_CLOSES: TableDefinition<i32, Msgpack<DayClose>> = TableDefinition::new("day_closes");

/// Index: order id → () for orders settled without payments in wrenchdesk: settled before the
/// checkout module existed, or recorded as already settled from another system.
pub const SETTLED_ELSEWHERE: TableDefinition<u64, ()> = TableDefinition::new("settled_elsewhere");

/// Report totals per shop-local day (days from the common era); days with nothing are absent.
/// Derived from the records in the same transaction (see `store::reports`).
pub const DAILY_TOTALS: TableDefinition<i32, Msgpack<DayTotals>> = TableDefinition::new("daily_totals");

/// Settled spending per (month key, customer id) → (cents, visits). Cents, not `Decimal`, so a
/// ten-year ranking decodes fixed-width pairs; every amount in it is whole cents.
pub const CUSTOMER_MONTHS: TableDefinition<(i32, u64), (i64, i64)> = TableDefinition::new("customer_months");

/// Settled use of catalog parts per (month key, part id).
pub const PART_MONTHS: TableDefinition<(i32, u64), Msgpack<PartUse>> = TableDefinition::new("part_months");

/// The due lists (提醒): (list, due day, vehicle or customer id) → the day a snooze lasts
/// through (days from the common era), 0 when not snoozed. The day is days from the common era,
/// or month × 100 + day for birthdays. Kept with the records (see `store::care`).
pub const CARE_DUE: TableDefinition<(u8, i32, u64), i32> = TableDefinition::new("care_due");

/// The same entries by (list, subject) → (due day, snoozed through), to move one when its
/// record changes.
pub const CARE_DUE_BY_SUBJECT: TableDefinition<(u8, u64), (i32, i32)> =
    TableDefinition::new("care_due_by_subject");
/// Inspection checklists (检测模板) by id.
pub const INSPECTION_TEMPLATES: TableDefinition<u64, Msgpack<InspectionTemplate>> =
    TableDefinition::new("inspection_templates");

/// Inspections by id: each copies its checklist's items and holds what was found.
pub const INSPECTIONS: TableDefinition<u64, Msgpack<Inspection>> = TableDefinition::new("inspections");

/// Index: (order id, inspection id) → (), an order's inspections.
pub const INSPECTIONS_BY_ORDER: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("inspections_by_order");

/// Index: (vehicle id, inspection id) → (), a vehicle's inspection history.
pub const INSPECTIONS_BY_VEHICLE: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("inspections_by_vehicle");

/// Appointments (预约) by id.
pub const APPOINTMENTS: TableDefinition<u64, Msgpack<Appointment>> = TableDefinition::new("appointments");

/// Index: (start as UTC seconds, appointment id) → (): a day or a week of the calendar is one
/// range, and a clash check reads the hours before a booking's end.
pub const APPOINTMENTS_BY_START: TableDefinition<(i64, u64), ()> =
    TableDefinition::new("appointments_by_start");

/// Index: (vehicle id, appointment id) → (), for the vehicle's page.
pub const APPOINTMENTS_BY_VEHICLE: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("appointments_by_vehicle");

/// Index: (customer id, appointment id) → (), for the customer's page.
pub const APPOINTMENTS_BY_CUSTOMER: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("appointments_by_customer");

/// Follow-up calls (回访) by id, one per delivered order (see `store::followups`).
pub const FOLLOWUPS: TableDefinition<u64, Msgpack<FollowUp>> = TableDefinition::new("followups");

/// Index: (due day as days from the common era, follow-up id) → (), the open calls only: the
/// follow-up list is one range of it.
pub const FOLLOWUPS_DUE: TableDefinition<(i32, u64), ()> = TableDefinition::new("followups_due");

/// Index: order id → follow-up id (an order is followed up once).
pub const FOLLOWUPS_BY_ORDER: TableDefinition<u64, u64> = TableDefinition::new("followups_by_order");

/// Index: follow-up id → (), the unhappy answers no manager has handled yet (the manager's home).
pub const FOLLOWUPS_UNHAPPY: TableDefinition<u64, ()> = TableDefinition::new("followups_unhappy");

/// The follow-up calls closed per shop-local month (`report::month_key`): the monthly report.
pub const FOLLOWUP_MONTHS: TableDefinition<i32, Msgpack<FollowUpMonth>> =
    TableDefinition::new("followup_months");

/// Index: (make as typed, vehicle id) → (), the vehicle list's search by make (schema v15).
pub const VEHICLES_BY_MAKE: TableDefinition<(&str, u64), ()> = TableDefinition::new("vehicles_by_make");

/// (make, model) as typed → how many vehicles have them: the makes and models the shop has
/// seen, for the kiosk's picker (most common first) and for finding makes by a part of their
/// name. Vehicles without a make are not counted (schema v15).
pub const VEHICLE_MODELS: TableDefinition<(&str, &str), u64> = TableDefinition::new("vehicle_models");

/// Runs `$body` once for every table, with `$t` bound to its definition. Everything that must
/// touch every table (creating, copying for backups, checking coverage) goes through this one
/// list, so a new table cannot be forgotten by one of them.
#[macro_export]
macro_rules! for_each_table {
    ($t:ident => $body:block) => {{
        use $crate::store::tables::*;
        {
            let $t = META;
            $body
        }
        {
            let $t = SEQUENCES;
            $body
        }
        {
            let $t = USERS;
            $body
        }
        {
            let $t = USERS_BY_NAME;
            $body
        }
        {
            let $t = SESSIONS;
            $body
        }
        {
            let $t = SESSIONS_BY_USER;
            $body
        }
        {
            let $t = SETTINGS;
            $body
        }
        {
            let $t = AUDIT;
            $body
        }
        {
            let $t = CUSTOMERS;
            $body
        }
        {
            let $t = CUSTOMERS_BY_PHONE;
            $body
        }
        {
            let $t = CUSTOMER_CONTACTS;
            $body
        }
        {
            let $t = VEHICLES;
            $body
        }
        {
            let $t = VEHICLES_BY_PLATE;
            $body
        }
        {
            let $t = VEHICLES_BY_VIN;
            $body
        }
        {
            let $t = VEHICLES_BY_CUSTOMER;
            $body
        }
        {
            let $t = VEHICLES_BY_MAKE;
            $body
        }
        {
            let $t = VEHICLE_MODELS;
            $body
        }
        {
            let $t = ORDERS;
            $body
        }
        {
            let $t = ORDERS_BY_NUMBER;
            $body
        }
        {
            let $t = ORDERS_BY_TOKEN;
            $body
        }
        {
            let $t = RETIRED_TOKENS;
            $body
        }
        {
            let $t = ORDERS_BY_CUSTOMER_TOKEN;
            $body
        }
        {
            let $t = RETIRED_CUSTOMER_TOKENS;
            $body
        }
        {
            let $t = ORDERS_BY_VEHICLE;
            $body
        }
        {
            let $t = ORDERS_BY_CUSTOMER;
            $body
        }
        {
            let $t = ORDERS_BY_STATE;
            $body
        }
        {
            let $t = ORDERS_BY_TECHNICIAN;
            $body
        }
        {
            let $t = TEMPLATES;
            $body
        }
        {
            let $t = RUNNING;
            $body
        }
        {
            let $t = OPEN_PART_REQUESTS;
            $body
        }
        {
            let $t = PHOTOS;
            $body
        }
        {
            let $t = PHOTO_THUMBS;
            $body
        }
        {
            let $t = PARTS;
            $body
        }
        {
            let $t = PARTS_BY_NUMBER;
            $body
        }
        {
            let $t = PARTS_LOW;
            $body
        }
        {
            let $t = STOCK_MOVES;
            $body
        }
        {
            let $t = STOCK_MOVES_BY_PART;
            $body
        }
        {
            let $t = SUPPLIERS;
            $body
        }
        {
            let $t = STOCK_RECEIPTS;
            $body
        }
        {
            let $t = RECEIPTS_BY_SUPPLIER;
            $body
        }
        {
            let $t = STOCKTAKES;
            $body
        }
        {
            let $t = STOCKTAKE_LINES;
            $body
        }
        {
            let $t = CHECKOUTS;
            $body
        }
        {
            let $t = PAYMENTS;
            $body
        }
        {
            let $t = PAYMENTS_BY_ORDER;
            $body
        }
        {
            let $t = PAYMENTS_BY_CUSTOMER;
            $body
        }
        {
            let $t = PAYMENTS_BY_DAY;
            $body
        }
        {
            let $t = RECEIVABLES;
            $body
        }
        {
            let $t = DAY_CLOSES;
            $body
        }
        {
            let $t = SETTLED_ELSEWHERE;
            $body
        }
        {
            let $t = DAILY_TOTALS;
            $body
        }
        {
            let $t = CUSTOMER_MONTHS;
            $body
        }
        {
            let $t = PART_MONTHS;
            $body
        }
        {
            let $t = CARE_DUE;
            $body
        }
        {
            let $t = CARE_DUE_BY_SUBJECT;
            $body
        }
        {
            let $t = INSPECTION_TEMPLATES;
            $body
        }
        {
            let $t = INSPECTIONS;
            $body
        }
        {
            let $t = INSPECTIONS_BY_ORDER;
            $body
        }
        {
            let $t = INSPECTIONS_BY_VEHICLE;
            $body
        }
        {
            let $t = APPOINTMENTS;
            $body
        }
        {
            let $t = APPOINTMENTS_BY_START;
            $body
        }
        {
            let $t = APPOINTMENTS_BY_VEHICLE;
            $body
        }
        {
            let $t = APPOINTMENTS_BY_CUSTOMER;
            $body
        }
        {
            let $t = FOLLOWUPS;
            $body
        }
        {
            let $t = FOLLOWUPS_DUE;
            $body
        }
        {
            let $t = FOLLOWUPS_BY_ORDER;
            $body
        }
        {
            let $t = FOLLOWUPS_UNHAPPY;
            $body
        }
        {
            let $t = FOLLOWUP_MONTHS;
            $body
        }
    }};
}
