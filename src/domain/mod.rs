//! Pure types and rules of the shop: no I/O, no storage, no HTML.
//!
//! Values enter the domain through parsing constructors (`Username::parse`, `Settings::check`)
//! and are valid from then on. Rules that the store applies inside a transaction live here so
//! they can be unit-tested without a database.

pub mod field;
pub mod role;
pub mod session;
pub mod settings;
pub mod user;

pub use field::{FieldErrors, Problem};
pub use role::{AdminCap, Area, Role, Roles};
pub use session::{Session, SessionRules};
pub use settings::Settings;
pub use user::{PasswordPolicy, User, UserId, Username};
