//! The one integration-test binary: every test starts the real server on port 0 with a fresh
//! temporary data directory and talks HTTP to it.

mod fixtures;
mod helpers;

mod accounts;
mod admin;
mod browser;
mod browser_checkout;
mod browser_customer;
mod browser_staff;
mod checkout;
mod crash;
mod customer;
mod customers;
mod floor;
mod hostile;
mod orders;
mod parts;
mod parts_import;
mod reliability;
mod reports;
mod security;
mod shell;
mod statement;
mod tools;
