//! One import, whatever the front end: a `ImportRequest` (the file, how to read and map it, the
//! options — from the flags, or from the wizard's launch) and the store become a `Draft`,
//! the `ImportPlan` with every default decided once. The command line runs the draft as it
//! is; the wizard starts from it and lets the user edit it. Nothing here is decided twice:
//!
//! - the mapping is the one remembered for the file's header shape, unless the request
//!   says `--no-remembered`, else the one guessed from the header; then `--map`; then the
//!   types of the custom fields the store already defines;
//! - the consent column is the one named (`none` for no filter), else a column that looks
//!   like consent (`plan::consent_column_for`);
//! - the checks every import needs before it reads a row: a field the requirement needs is
//!   mapped, the options make sense together, the plan's values parse.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::engine::mapping::{header_signature, CustomKind, MapSource, Mapping, MappingError};
use crate::engine::plan::NO_CONSENT_COLUMN;
use crate::engine::plan::{
    consent_column_for, Identifier, ImportOptions, ImportPlan, Purpose, Requirement, Unmapped,
};
use crate::engine::source::{ReadOptions, Source};
use crate::engine::text::clean_label;
use crate::store::backend::ContactStore;
use crate::store::StoreError;

/// What someone asked an import to be: `rolodex import FILE [flags]`, or the wizard as
/// launched. Every field means the same in both front ends.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    /// The file named on the command line. `read` and `map` apply to it only: another file
    /// picked in the wizard is read as detected and mapped from its header.
    pub file: Option<PathBuf>,
    pub read: ReadOptions,
    /// `--map 'Header=field'` overrides, applied after the remembered or guessed mapping.
    pub map: Vec<String>,
    /// The options: the built-in ones, then the user's config.toml, then the flags. Its
    /// `consent_column` is the one named (`none` turns the filter off), or `None` to guess.
    pub options: ImportOptions,
    /// `--no-remembered`: map from the header even when this header shape was imported
    /// before.
    pub no_remembered: bool,
}

impl ImportRequest {
    /// True when `path` is the file the request named, to which its reading and mapping
    /// flags apply.
    pub fn names(&self, path: &Path) -> bool {
        self.file.as_deref() == Some(path)
    }

    /// How to read `path`: as the request asked, if it named this file; else as detected.
    pub fn read_for(&self, path: &Path) -> ReadOptions {
        if self.names(path) {
            self.read.clone()
        } else {
            ReadOptions::default()
        }
    }
}

/// Why a draft cannot be imported as it stands. Each says what to change.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// A `--map` override, or the type a stored custom field already has.
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error("{file}: no column is mapped to {field} (required by the {requirement} requirement); map one with --map 'COLUMN=FIELD'; nothing was written")]
    Unmapped {
        file: String,
        field: String,
        requirement: Requirement,
    },
    #[error("--identifier id matches contacts by their store id, so it works with --purpose update only")]
    IdNeedsUpdate,
    /// The plan's values do not make a validator (a region, a consent column not in the
    /// file, …).
    #[error(transparent)]
    Plan(#[from] crate::engine::validate::PlanError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `--unmapped custom`, or the wizard's answer `c` when it asks about the columns left
/// out: every column mapped to nothing but the consent column becomes a text custom field,
/// typed as the store already types a field of that name.
pub fn keep_unmapped(
    mapping: &mut Mapping,
    options: &ImportOptions,
    defined: &BTreeMap<String, CustomKind>,
) -> Result<(), MappingError> {
    mapping.keep_unmapped_as_custom(options.consent_column.as_deref());
    mapping.adopt_definitions(defined)
}

impl DraftError {
    /// True when the request itself was wrong (a flag to change), rather than the file
    /// lacking what the import needs.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            DraftError::Mapping(_) | DraftError::IdNeedsUpdate | DraftError::Plan(_)
        )
    }
}

/// How the consent column of a draft was chosen, for the review to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentChoice {
    /// Named by `--consent-column` or the config.
    Named(String),
    /// Guessed: this column looks like consent.
    Guessed(String),
    /// Turned off with `--consent-column none`.
    Off,
    /// No column looks like consent, and none was named.
    NoColumn,
}

/// The plan an import starts from, with what was decided for it on the way.
#[derive(Debug, Clone)]
pub struct Draft {
    pub plan: ImportPlan,
    /// The store's custom fields, whose types the mapping adopted.
    pub custom_defined: BTreeMap<String, CustomKind>,
    pub consent: ConsentChoice,
    /// The first `--map` override or stored field type that could not be applied. The
    /// command line refuses the import; the wizard says it and lets the user map by hand.
    pub refused: Option<MappingError>,
}

impl Draft {
    /// The draft of importing `source` as `request` asks, against `store` (its remembered
    /// mappings and custom fields) when there is one. A store that cannot be read is an
    /// error, never taken for an empty one.
    pub fn new(
        source: &Source,
        request: &ImportRequest,
        store: Option<&dyn ContactStore>,
    ) -> Result<Draft, DraftError> {
        let header = source.header();
        let path = &source.info.path;
        let named_file = request.names(path);
        let remembered = match store {
            Some(store) if !request.no_remembered => store
                .remembered_mapping(&header_signature(header))?
                .filter(|m| m.columns.len() == header.len()),
            _ => None,
        };
        let mut mapping = match remembered {
            Some(mut m) => {
                for c in &mut m.columns {
                    c.source = MapSource::Remembered;
                }
                m
            }
            None => Mapping::auto(header),
        };
        let mut refused = None;
        if named_file {
            if let Err(e) = mapping.apply_flags(&request.map) {
                refused.get_or_insert(e);
            }
        }
        let custom_defined = match store {
            Some(store) => store.custom_fields()?,
            None => BTreeMap::new(),
        };
        if let Err(e) = mapping.adopt_definitions(&custom_defined) {
            refused.get_or_insert(e);
        }
        let mut options = request.options.clone();
        // `--tag 'spring, vip'` is two tags, as typing `spring, vip` on the Tags screen is.
        options.tags = typed_tags(&options.tags);
        // A new list's name as the Destination screen takes it: cleaned as a cell is (no
        // terminal controls, trimmed), and the file's name when none is given (`--list ''`
        // never makes a list without a name).
        if let Some(list) = &mut options.list {
            list.name = clean_label(&list.name);
            if list.name.is_empty() {
                let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                list.name = clean_label(&stem);
            }
        }
        // The named column applies to the named file as given (the check then names it if
        // the file lacks it); to another file picked in the wizard only when it has it.
        let named = options.consent_column.as_deref().filter(|c| {
            named_file
                || c.trim().eq_ignore_ascii_case(NO_CONSENT_COLUMN)
                || header.iter().any(|h| h == c)
        });
        let consent = match named {
            Some(c) if c.trim().eq_ignore_ascii_case(NO_CONSENT_COLUMN) => ConsentChoice::Off,
            Some(c) => ConsentChoice::Named(c.to_string()),
            None => match consent_column_for(None, header) {
                Some(c) => ConsentChoice::Guessed(c),
                None => ConsentChoice::NoColumn,
            },
        };
        options.consent_column = consent_column_for(named, header);
        if options.unmapped == Unmapped::Custom {
            if let Err(e) = keep_unmapped(&mut mapping, &options, &custom_defined) {
                refused.get_or_insert(e);
            }
        }
        Ok(Draft {
            plan: ImportPlan {
                file: path.clone(),
                read: request.read_for(path),
                mapping,
                options,
                date_orders: Default::default(),
            },
            custom_defined,
            consent,
            refused,
        })
    }

    /// The checks of a plan before it reads a row; the first problem found.
    pub fn check(&self, header: &[String]) -> Result<(), DraftError> {
        if let Some(refused) = &self.refused {
            return Err(DraftError::Mapping(refused.clone()));
        }
        check_plan(&self.plan, header)
    }
}

/// The checks of `plan` before it reads a row, whoever edited it: the options make sense
/// together, the requirement's fields are mapped, the values make a validator.
pub fn check_plan(plan: &ImportPlan, header: &[String]) -> Result<(), DraftError> {
    let o = &plan.options;
    if o.identifier == Identifier::Id && o.purpose != Purpose::Update {
        return Err(DraftError::IdNeedsUpdate);
    }
    if let Some(missing) = o.unmapped(&plan.mapping) {
        return Err(DraftError::Unmapped {
            file: plan.file.display().to_string(),
            field: missing.to_string(),
            requirement: o.require,
        });
    }
    crate::engine::validate::Validator::new(plan, header).map_err(DraftError::Plan)?;
    Ok(())
}

/// The tags a person typed, one or several to a value, as the wizard's Tags screen reads
/// them: split at commas and semicolons, each cleaned as a cell is (trimmed, no terminal
/// controls), empty ones and repeats left out.
pub fn typed_tags<S: AsRef<str>>(typed: &[S]) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    let pieces = typed.iter().flat_map(|t| t.as_ref().split([',', ';']));
    for tag in pieces.map(clean_label).filter(|t| !t.is_empty()) {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::typed_tags;

    #[test]
    fn typed_tags_are_split_trimmed_and_kept_once() {
        assert_eq!(
            typed_tags(&[
                " spring, vip ",
                "vip",
                ";",
                "lead:cold",
                "x\u{1b}[31m",
                "y\u{202e}"
            ]),
            ["spring", "vip", "lead:cold", "x", "y"]
        );
    }
}
