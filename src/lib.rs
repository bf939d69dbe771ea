//! rolodex: import contacts from CSV exports into an embedded contact store.
#![forbid(unsafe_code)]

pub mod cli;
pub mod config;
pub mod engine;
pub mod session;
pub mod store;
pub mod tui;
pub mod worker;
