//! The user's defaults, from `config.toml` in the user's config directory
//! (`~/.config/rolodex/` on Linux, `$XDG_CONFIG_HOME` honoured): the region for numbers
//! written without a country code, the requirement preset, the failure threshold, the bell
//! and colours. Flags given to a command override them, in the wizard too; a file that is
//! not there means the built-in defaults.
//!
//! ```toml
//! region = "GB"
//! require = "dialer"        # contact, dialer or any
//! max_failures = 5000       # or "none"
//! on_conflict = "separate"  # merge, separate or skip
//! in_file_duplicates = "error"  # first, last, error or merge (default: by purpose)
//! objects = "contacts"      # contacts, or both (contacts and their opportunities)
//! bell = false
//! color = false
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::phone::parse_region;
use crate::engine::plan::ImportOptions;
use crate::engine::plan::{InFileDuplicates, OnConflict, Requirement};

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Region for numbers written without a country code.
    pub region: Option<String>,
    /// The requirement preset.
    pub require: Option<Requirement>,
    /// Failed rows after which an import stops.
    pub max_failures: Option<Threshold>,
    /// What a row whose phone matches a contact with another name and email does.
    pub on_conflict: Option<OnConflict>,
    /// What rows of one file sharing a phone, email or id do (`--in-file-duplicates`).
    pub in_file_duplicates: Option<InFileDuplicates>,
    /// Contacts only, or contacts and their opportunities.
    pub objects: Option<crate::engine::opportunity::Objects>,
    /// Ring the terminal bell when a long import ends in the wizard.
    pub bell: Option<bool>,
    /// Colours in the wizard (`NO_COLOR` turns them off whatever this says).
    #[serde(alias = "colour")]
    pub color: Option<bool>,
}

/// Why the user's config.toml cannot be used. Each message is one line that names the file,
/// what is wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: not UTF-8 text; save it as UTF-8", path = .path.display())]
    NotUtf8 { path: PathBuf },
    #[error("{path}: cannot read it ({source}); fix or delete it", path = .path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Not TOML, or a key or value TOML allows but the file may not hold.
    #[error("{path}{at}: {message}; fix it or delete the file", path = .path.display(), at = .line.map(|n| format!(" (line {n})")).unwrap_or_default())]
    Syntax {
        path: PathBuf,
        line: Option<usize>,
        /// What the TOML reader said, on one line.
        message: String,
    },
    #[error("{path}: {problem}", path = .path.display())]
    Setting {
        path: PathBuf,
        problem: SettingError,
    },
}

/// A setting that reads well but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("region = {0:?} is not a region with phone numbers; use a code such as US, GB or DE")]
    Region(String),
    #[error("max_failures: {0}")]
    MaxFailures(ThresholdError),
}

/// Why a failure threshold (`max_failures`, `--max-failures`) is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdError {
    /// Zero: a job that stops before its first row can never be resumed.
    #[error("0 would stop every import before its first row; use a positive number of failed rows, or none for no limit")]
    Zero,
    #[error("{0:?}: use a positive number of failed rows, or none for no limit")]
    NotANumber(String),
}

/// `max_failures`: a number of rows, or `"none"` for no limit.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(
    untagged,
    expecting = "max_failures: a number of rows, or \"none\" for no limit"
)]
pub enum Threshold {
    Rows(u64),
    Word(String),
}

impl Threshold {
    /// The limit in failed rows, `u64::MAX` for none; zero is refused, since a job that
    /// stops before its first row can never be resumed.
    pub fn rows(&self) -> Result<u64, ThresholdError> {
        match self {
            Threshold::Rows(0) => Err(ThresholdError::Zero),
            Threshold::Rows(n) => Ok(*n),
            Threshold::Word(word) if word.trim().eq_ignore_ascii_case("none") => Ok(u64::MAX),
            Threshold::Word(word) => Err(ThresholdError::NotANumber(word.clone())),
        }
    }
}

/// `--max-failures N|none`, read as `max_failures` in config.toml is.
pub fn parse_max_failures(text: &str) -> Result<u64, ThresholdError> {
    match text.trim().parse::<u64>() {
        Ok(n) => Threshold::Rows(n),
        Err(_) => Threshold::Word(text.to_string()),
    }
    .rows()
}

impl Config {
    /// Where the file is looked for.
    pub fn path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "rolodex")
            .map(|d| d.config_dir().join("config.toml"))
    }

    /// The user's file, or the built-in defaults when there is none. The error is one line
    /// that names the file, what is wrong and what to do.
    pub fn load() -> Result<Config, ConfigError> {
        match Config::path() {
            Some(path) => Config::read(&path),
            None => Ok(Config::default()),
        }
    }

    pub fn read(path: &Path) -> Result<Config, ConfigError> {
        let path_buf = || path.to_path_buf();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(ConfigError::NotUtf8 { path: path_buf() })
            }
            Err(source) => {
                return Err(ConfigError::Unreadable {
                    path: path_buf(),
                    source,
                })
            }
        };
        let config: Config = toml::from_str(&text).map_err(|e| ConfigError::Syntax {
            path: path_buf(),
            line: error_line(&text, &e),
            message: e.message().trim_end_matches('\n').replace('\n', " "),
        })?;
        config.check().map_err(|problem| ConfigError::Setting {
            path: path_buf(),
            problem,
        })?;
        Ok(config)
    }

    fn check(&self) -> Result<(), SettingError> {
        if let Some(region) = &self.region {
            if parse_region(region).is_none() {
                return Err(SettingError::Region(region.clone()));
            }
        }
        if let Some(threshold) = &self.max_failures {
            threshold.rows().map_err(SettingError::MaxFailures)?;
        }
        Ok(())
    }

    /// The import options a new import starts from.
    pub fn import_defaults(&self) -> ImportOptions {
        let mut options = ImportOptions::default();
        if let Some(region) = &self.region {
            options.region = region.trim().to_ascii_uppercase();
        }
        if let Some(require) = self.require {
            options.require = require;
        }
        if let Some(on_conflict) = self.on_conflict {
            options.on_conflict = on_conflict;
        }
        if self.in_file_duplicates.is_some() {
            options.in_file_duplicates = self.in_file_duplicates;
        }
        if let Some(objects) = self.objects {
            options.objects = objects;
        }
        // Checked when the file was read.
        if let Some(Ok(rows)) = self.max_failures.as_ref().map(Threshold::rows) {
            options.max_failures = rows;
        }
        options
    }

    pub fn bell(&self) -> bool {
        self.bell.unwrap_or(true)
    }

    pub fn color(&self) -> bool {
        self.color.unwrap_or(true)
    }
}

/// The line a parse error is on. An unknown key is reported on the whole table, so its
/// line is the one that sets it.
fn error_line(text: &str, error: &toml::de::Error) -> Option<usize> {
    let unknown = error
        .message()
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    if let Some(key) = unknown {
        let sets_key = |line: &str| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        };
        if let Some(i) = text.lines().position(sets_key) {
            return Some(i + 1);
        }
    }
    let start = error.span()?.start.min(text.len());
    Some(
        text.as_bytes()[..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file's settings, or the message the user would read.
    fn read(text: &str) -> Result<Config, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        Config::read(&path).map_err(|e| e.to_string())
    }

    #[test]
    fn every_setting_becomes_a_default() {
        let config = read(
            "region = \"gb\"\nrequire = \"dialer\"\nmax_failures = 5000\nbell = false\ncolour = false\non_conflict = \"separate\"\n",
        )
        .unwrap();
        let options = config.import_defaults();
        assert_eq!(options.on_conflict, OnConflict::Separate);
        assert_eq!(options.region, "GB");
        assert_eq!(options.require, Requirement::Dialer);
        assert_eq!(options.max_failures, 5000);
        assert!(!config.bell());
        assert!(!config.color());
        assert_eq!(
            read("max_failures = \"none\"\n")
                .unwrap()
                .import_defaults()
                .max_failures,
            u64::MAX
        );
    }

    #[test]
    fn the_flag_reads_max_failures_as_the_file_does() {
        assert_eq!(parse_max_failures("250"), Ok(250));
        assert_eq!(parse_max_failures("none"), Ok(u64::MAX));
        assert_eq!(parse_max_failures("None"), Ok(u64::MAX));
        assert_eq!(parse_max_failures("0"), Err(ThresholdError::Zero));
        assert_eq!(
            parse_max_failures("0").unwrap_err().to_string(),
            "0 would stop every import before its first row; use a positive number of failed rows, or none for no limit"
        );
        assert_eq!(
            parse_max_failures("-3").unwrap_err().to_string(),
            "\"-3\": use a positive number of failed rows, or none for no limit"
        );
        assert!(parse_max_failures("lots")
            .unwrap_err()
            .to_string()
            .contains("or none"));
    }

    #[test]
    fn no_file_means_the_built_in_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::read(&dir.path().join("config.toml")).unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(config.import_defaults(), ImportOptions::default());
        assert!(config.bell() && config.color());
    }

    #[test]
    fn mistakes_name_the_file_the_line_and_what_to_do() {
        let err = read("region = \"GB\"\nregoin = \"DE\"\n").unwrap_err();
        assert!(err.contains("config.toml (line 2)"), "{err}");
        assert!(err.contains("regoin"), "{err}");
        assert!(err.ends_with("fix it or delete the file"), "{err}");
        assert!(!err.contains('\n'), "one line: {err}");

        let err = read("bell = false\nregion = \"GB\"\nmax_failures = 1x\n").unwrap_err();
        assert!(err.contains("config.toml (line 3)"), "{err}");

        let err = read("region = \"ZZ\"\n").unwrap_err();
        assert!(
            err.ends_with("config.toml: region = \"ZZ\" is not a region with phone numbers; use a code such as US, GB or DE"),
            "{err}"
        );
        let err = read("max_failures = \"lots\"\n").unwrap_err();
        assert!(err.contains("or none for no limit"), "{err}");
        let err = read("max_failures = 0\n").unwrap_err();
        assert!(
            err.contains("max_failures: 0 would stop every import"),
            "{err}"
        );
        let err = read("max_failures = -5\n").unwrap_err();
        assert!(err.contains("a number of rows, or \"none\""), "{err}");
        let err = read("require = \"everything\"\n").unwrap_err();
        assert!(err.contains("everything"), "{err}");
    }
}
