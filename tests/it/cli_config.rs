//! `~/.config/rolodex/config.toml` and `rolodex completions`, through the real binary.

use std::path::Path;

use crate::common::{run, tempdir};

/// Writes the user's config file where the binary looks for it (`$XDG_CONFIG_HOME`, which
/// `common::rolodex` points into the test's directory).
fn configure(dir: &Path, text: &str) {
    let folder = dir.join("config").join("rolodex");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("config.toml"), text).unwrap();
}

/// A London number written the British way, without a country code.
fn london(dir: &Path) -> String {
    let file = dir.join("uk.csv");
    std::fs::write(&file, "Name,Phone\nAda Lovelace,020 7946 1018\n").unwrap();
    file.display().to_string()
}

#[test]
fn the_config_region_reads_national_numbers_and_a_flag_overrides_it() {
    let dir = tempdir();
    let file = london(dir.path());
    let dry = |extra: &[&str]| {
        let mut args = vec!["import", file.as_str(), "--dry-run", "--json"];
        args.extend_from_slice(extra);
        let out = run(dir.path(), &args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.json()
    };
    // Read as a US number (the built-in default), it is not valid.
    assert_eq!(dry(&[])["failed"], 1);
    configure(dir.path(), "region = \"GB\"\nmax_failures = \"none\"\n");
    assert_eq!(dry(&[])["created"], 1);
    assert_eq!(dry(&["--region", "US"])["failed"], 1, "the flag wins");

    let imported = run(
        dir.path(),
        &["import", &file, "--yes", "--consent-confirmed", "--json"],
    );
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let contacts = run(dir.path(), &["contacts", "--json"]).json();
    assert_eq!(contacts[0]["phones"][0], "+442079461018");
}

#[test]
fn a_broken_config_stops_an_import_with_the_file_and_the_line() {
    let dir = tempdir();
    let file = london(dir.path());
    configure(dir.path(), "region = \"GB\"\nregoin = \"DE\"\n");
    let out = run(dir.path(), &["import", &file, "--dry-run", "--json"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty());
    let err = out.stderr.trim_end();
    assert!(
        err.contains("rolodex/config.toml (line 2): unknown field `regoin`"),
        "{err}"
    );
    assert!(err.ends_with("fix it or delete the file"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // Commands that do not import are not held up by it (here: there is no store yet).
    let history = run(dir.path(), &["history", "--json"]);
    assert!(
        !history.stderr.contains("config.toml"),
        "{}",
        history.stderr
    );
    assert!(history.stderr.contains("no store at"), "{}", history.stderr);
}

#[test]
fn completions_for_each_shell_name_the_commands() {
    let dir = tempdir();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(dir.path(), &["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        for word in ["import", "history", "revert", "--dry-run"] {
            assert!(out.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let out = run(dir.path(), &["completions", "tcsh"]);
    assert_eq!(out.code, 2, "an unknown shell is bad usage");
}
