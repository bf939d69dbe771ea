//! The layers of ARCHITECTURE.md, enforced: `engine` ← `store` ← `worker` ← {`cli`, `tui`}.
//! A module may use the layers below it, never one beside or above it. This test reads the
//! source, so a forbidden `use` fails here with the file and line, before review does.

use std::path::{Path, PathBuf};

/// (folder or file under src/, what it must never name, why)
const RULES: &[(&str, &[&str], &str)] = &[
    (
        "engine",
        &[
            "crate::store",
            "crate::worker",
            "crate::cli",
            "crate::tui",
            "ratatui",
            "crossterm",
        ],
        "the engine knows nothing of storage, threads or terminals",
    ),
    (
        "store",
        &[
            "crate::worker",
            "crate::cli",
            "crate::tui",
            "ratatui",
            "crossterm",
        ],
        "the store only stores: it serves every front end alike",
    ),
    (
        "worker.rs",
        &["crate::cli", "crate::tui", "ratatui", "crossterm"],
        "the worker runs imports for either front end",
    ),
    (
        "session.rs",
        &["crate::cli", "crate::tui", "ratatui", "crossterm"],
        "both front ends build their plan through the session: it knows neither",
    ),
    (
        "tui",
        &["crate::cli"],
        "the wizard gets everything from `tui::Launch`; the command line launches it",
    ),
    (
        "cli",
        &["ratatui", "crossterm"],
        "the command line draws nothing; it launches the wizard with `tui::run`",
    ),
];

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap().flatten() {
            rust_files(&entry.path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

#[test]
fn no_layer_imports_one_above_or_beside_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    for (place, forbidden, why) in RULES {
        let mut files = Vec::new();
        rust_files(&src.join(place), &mut files);
        assert!(
            !files.is_empty(),
            "src/{place} holds no Rust file: update RULES"
        );
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                for name in *forbidden {
                    if code.contains(name) {
                        broken.push(format!(
                            "{}:{}: uses {name} ({why})",
                            file.strip_prefix(&src).unwrap().display(),
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "layers crossed:\n{}", broken.join("\n"));
}

/// The test can fail: a line that crosses a layer is found.
#[test]
fn a_crossing_is_seen() {
    let line = "use crate::cli::ImportArgs;";
    let (_, forbidden, _) = RULES.iter().find(|(p, _, _)| *p == "tui").unwrap();
    assert!(forbidden.iter().any(|name| line.contains(name)));
}
