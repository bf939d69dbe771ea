#![allow(clippy::unwrap_used)]
//! One integration-test binary: the engine through its public API, and the real `rolodex`
//! binary on the files in `fixtures/`.

mod architecture;
mod cli_bad_files;
mod cli_cells;
mod cli_check;
mod cli_concurrent;
mod cli_config;
mod cli_conflicts;
mod cli_country;
mod cli_crash;
mod cli_dates;
mod cli_dry_run;
mod cli_duplicates;
mod cli_encodings;
mod cli_hostile;
mod cli_lifecycle;
mod cli_migrate;
mod cli_opportunities;
mod cli_outfiles;
mod cli_postgres;
mod cli_preview;
mod cli_retry;
mod cli_revert;
mod cli_search;
mod cli_sheets;
mod cli_store;
mod cli_store_open;
mod cli_team;
mod cli_vcards;
mod cli_width;
mod common;
mod differential;
mod engine_phone_reference;
mod engine_properties;
mod pg_readers;
mod pg_search;
mod pg_wizard;
mod store_backends;
mod store_batches;
mod tui_pty;
mod tui_screens;
