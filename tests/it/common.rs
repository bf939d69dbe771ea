//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// The width the binary's text is fitted to in tests: wide, so that a test looking for a
/// phrase does not depend on where a line wraps (`cli_width` tests the fitting, at 80).
pub const COLUMNS: &str = "400";

/// The real binary, with its store pointed into `dir` so no test touches the user's data.
pub fn rolodex(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("rolodex").expect("the rolodex binary builds");
    cmd.env("COLUMNS", COLUMNS)
        .env("ROLODEX_DB", dir.join("test.redb"))
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env_remove("NO_COLOR");
    cmd
}

/// The real binary as a plain `std::process::Command`, for tests that spawn and kill it.
pub fn rolodex_process(dir: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("rolodex"));
    cmd.env("COLUMNS", COLUMNS)
        .env("ROLODEX_DB", dir.join("test.redb"))
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"));
    cmd
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

pub fn run(dir: &Path, args: &[&str]) -> Run {
    let out = rolodex(dir).args(args).output().expect("rolodex runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// Writes `text` to `dir/name` (a CSV for a test to import).
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `rolodex import FILE --yes --consent-confirmed --json EXTRA…`: a headless import.
pub fn import(dir: &Path, file: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "import",
        file.to_str().unwrap(),
        "--yes",
        "--consent-confirmed",
        "--json",
    ];
    args.extend_from_slice(extra);
    run(dir, &args)
}
