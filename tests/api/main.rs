//! The one integration-test binary: every test starts the real server on port 0 with a fresh
//! temporary data directory and talks HTTP to it.

mod fixtures;
mod helpers;

mod accounts;
mod admin;
mod appointments;
mod audit_viewer;
mod box_backups;
mod browser;
mod browser_appointments;
mod browser_board;
mod browser_care;
mod browser_checkout;
mod browser_customer;
mod browser_inspections;
mod browser_kiosk_lock;
mod browser_staff;
mod browser_walkaround;
mod care;
mod checkout;
mod crash;
mod customer;
mod customers;
mod export;
mod floor;
mod followups;
mod hostile;
mod inspections;
mod install;
mod kiosk_lock;
mod lists;
mod order_sheet;
mod orders;
mod parts;
mod parts_import;
mod reliability;
mod reports;
mod security;
mod shell;
mod statement;
mod tools;
mod walkaround;
