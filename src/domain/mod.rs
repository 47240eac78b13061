//! Pure types and rules of the shop: no I/O, no storage, no HTML.
//!
//! Values enter the domain through parsing constructors (`Username::parse`, `Settings::check`)
//! and are valid from then on. Rules that the store applies inside a transaction live here so
//! they can be unit-tested without a database.

pub mod checkout;
pub mod clock;
pub mod contact;
pub mod customer;
pub mod field;
pub mod part;
pub mod plate;
pub mod role;
pub mod session;
pub mod settings;
pub mod stock;
pub mod template;
pub mod user;
pub mod vehicle;
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
