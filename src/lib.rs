//! wrenchdesk: the back office of an independent auto repair shop, as one program with one
//! database file.
//!
//! # Layout
//!
//! ```text
//! web     HTTP: warp filters, forms, sessions, maud views   ──▶ store, domain
//! store   redb: one write transaction per user action,      ──▶ domain
//!         tables, indexes, migrations, audit log
//! domain  pure types and rules: customers, vehicles, work    (imports neither)
//!         orders, parts and stock, roles, settings
//! ```
//!
//! - [`domain`]: what the shop's words mean and the rules over them; no I/O (its own map lists
//!   its modules).
//! - [`store`]: the redb database; functions ending in `_tx` run inside a caller's transaction
//!   (its own map lists its modules).
//! - [`web`]: routes per business area, each `routes(state)` boxed and joined in [`web::routes`]
//!   (its own map lists every area).
//! - [`i18n`]: every visible text in Simplified Chinese and English (a leaf all layers may use).
//! - [`password`]: argon2id hashing (a leaf).
//! - [`server`]: start and stop: store, first administrator, listener, background jobs.
//! - [`seed`]: deterministic generated data (the demo shop, the ten-years reference dataset),
//!   with its stockroom in `seed/parts.rs`, the due lists' worked entries in `seed/care.rs` and
//!   the inspections in `seed/inspections.rs`, the walk-arounds at reception in
//!   `seed/walkarounds.rs`, the appointments around today in `seed/appointments.rs`, the work
//!   each complaint calls for (the service templates) in `seed/jobs.rs` and the last year's
//!   follow-up calls in `seed/followups.rs`.
//! - [`cli`]: the command line (`serve`, `init`, `demo`, `seed`, `check`, `backup`, `restore`,
//!   `export`, `user`);
//!   `main.rs` only calls [`cli::main`].
//! - `src/bin/bench.rs`: the load benchmark, a separate binary driving a running server.
//!
//! Arrows point one way: `web` never opens redb, `store` never renders HTML, `domain` imports
//! neither.

pub mod cli;
pub mod domain;
pub mod i18n;
pub mod password;
pub mod seed;
pub mod server;
pub mod store;
pub mod web;
