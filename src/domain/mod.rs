//! Pure types and rules of the shop: no I/O, no storage, no HTML.
//!
//! Values enter the domain through parsing constructors (`Username::parse`, `Settings::check`)
//! and are valid from then on. Rules that the store applies inside a transaction live here so
//! they can be unit-tested without a database.
//!
//! - [`appointment`]: appointments (预约): bookings, their checks (opening hours, the shop's time
//!   zone, quarter hours), clashes of a bay or a technician, statuses.
//! - [`customer`]: customers (people and companies), their status and contact history.
//! - [`care`]: the due lists (提醒): kinds, the km estimate from odometer readings, birthdays
//!   and dormancy windows, outcomes and how long they snooze an entry, message templates.
//! - [`followup`]: follow-up calls (回访) after a delivery: when they fall due, the answers
//!   (reached with a score, not reached three times, wrong number), unhappy answers, the
//!   monthly totals.
//! - [`contact`]: phone numbers and e-mail addresses.
//! - [`csv`]: one CSV line: quoting, and formulas defused for spreadsheets.
//! - [`vehicle`]: vehicles and their insurance, inspection and service due dates.
//! - [`plate`]: licence plates and VINs.
//! - [`work_order`]: work orders: lines, estimate, approvals, the state machine, the customer's
//!   own link (its expiry, the state in the customer's words, their answer from the phone).
//! - [`clock`]: the shop floor's side of an order: each labour line's time clock, parts requests.
//! - [`template`]: service templates (named sets of lines).
//! - [`inspection`]: inspection checklists, an order's inspection item by item, deferred work.
//! - [`walkaround`]: the walk-around at reception: damage marked on a car's outline, warning
//!   lights, items left in the car, the customer's signature.
//! - [`part`]: the parts catalog and suppliers: part numbers, units, the part form.
//! - [`pinyin`]: pinyin initials of Chinese text (quick search finds 机油滤清器 by `jyl`).
//! - [`stock`]: stock arithmetic (moving-average cost), the ledger's movements, receipts and
//!   stocktakes.
//! - [`statement`]: a customer's statement (对账单) for a period: opening and closing balance.
//! - [`report`]: what each record adds to the report totals per day; report periods.
//! - [`user`]: users, usernames and the password policy.
//! - [`role`]: the six roles, the areas, the permission table, [`AdminCap`].
//! - [`session`]: login sessions and their timeouts.
//! - [`settings`]: the shop's parameters, checked.
//! - [`field`]: field-level validation results ([`FieldErrors`], [`Problem`]).
//! - `code`: `code_enum!`, a closed list of choices with stored codes and labels.

pub mod appointment;
pub mod care;
pub mod checkout;
pub mod clock;
mod code;
pub mod contact;
pub mod csv;
pub mod customer;
pub mod field;
pub mod followup;
pub mod inspection;
pub mod part;
pub mod pinyin;
pub mod plate;
pub mod report;
pub mod role;
pub mod session;
pub mod settings;
pub mod statement;
pub mod stock;
pub mod template;
pub mod user;
pub mod vehicle;
pub mod walkaround;
pub mod work_order;

pub use contact::Phone;
pub use customer::{
    ContactEntry, ContactKind, Customer, CustomerDetails, CustomerId, CustomerKind, CustomerStatus, Gender,
};
pub use field::{FieldErrors, Problem};
pub use plate::{Plate, Vin};
pub use role::{AdminCap, Area, Role, Roles};
pub use session::{Session, SessionRules};
pub use settings::Settings;
pub use user::{PasswordPolicy, User, UserId, Username};
pub use vehicle::{Vehicle, VehicleDetails, VehicleId};
pub use work_order::{Line, LineKind, OrderId, OrderState, WorkOrder};
