//! The import engine: reading, mapping, validating, deciding. No terminal code here.

pub mod apply;
pub mod by_reason;
pub mod contact;
pub mod country;
pub mod date;
pub mod duplicates;
pub mod email;
pub mod error;
pub mod in_file;
pub mod mapping;
pub mod merge;
pub mod number;
pub mod opportunity;
pub mod outfile;
pub mod phone;
pub mod pipeline;
pub mod plan;
pub mod reason;
pub mod records;
pub mod report;
pub mod resolve;
pub mod retry;
pub mod review;
pub mod search;
pub mod sheet;
pub mod source;
pub mod team;
pub mod text;
pub mod trace;
pub mod validate;
pub mod vcard;

pub use error::{EngineError, Result};
