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

/// The module a file under src/ belongs to, two levels deep: `engine/phone/plain.rs` is
/// `engine::phone`, `cli/jobs.rs` is `cli::jobs`, `worker.rs` is `worker`.
fn module_of(rel: &Path) -> String {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.truncate(2);
    parts.join("::")
}

/// Which of `modules` a file of `module` names: `crate::a::b…` and, inside a folder,
/// `super::x` (a sibling).
fn uses(module: &str, text: &str, modules: &std::collections::BTreeSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    let parent = module.rsplit_once("::").map(|(p, _)| p);
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let path: Vec<&str> = rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or_default()
                .split("::")
                .collect();
            let two = path.iter().take(2).copied().collect::<Vec<_>>().join("::");
            let one = path.first().copied().unwrap_or_default().to_string();
            found.extend([two, one].into_iter().find(|m| modules.contains(m)));
        }
        if let Some(parent) = parent {
            let mut rest = code;
            while let Some(at) = rest.find("super::") {
                rest = &rest[at + "super::".len()..];
                let name = rest
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or_default();
                let sibling = format!("{parent}::{name}");
                if modules.contains(&sibling) {
                    found.push(sibling);
                }
            }
        }
    }
    found.retain(|m| m != module);
    found
}

/// No two modules use each other, directly or round a longer loop: a cycle means neither
/// can be read, tested or moved without the other (issue 14 found `engine::mapping` ↔
/// `engine::plan` and `cli::headless` ↔ `cli::jobs`).
#[test]
fn no_module_cycles() {
    use std::collections::{BTreeMap, BTreeSet};
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let of = |f: &PathBuf| module_of(f.strip_prefix(&src).unwrap());
    let modules: BTreeSet<String> = files.iter().map(of).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = of(file);
        let text = std::fs::read_to_string(file).unwrap();
        edges
            .entry(module.clone())
            .or_default()
            .extend(uses(&module, &text, &modules));
    }
    let cycles = cycles_in(&edges);
    assert!(
        cycles.is_empty(),
        "modules that use each other:\n{}",
        cycles
            .iter()
            .map(|c| c.join(" → "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Each cycle of `edges` once, as the path round it (depth-first search).
fn cycles_in(
    edges: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Vec<Vec<String>> {
    fn visit(
        node: &str,
        edges: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
        cycles: &mut Vec<Vec<String>>,
    ) {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            cycles.push(cycle);
            return;
        }
        if done.contains(node) {
            return;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            visit(next, edges, path, done, cycles);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let mut cycles = Vec::new();
    let mut done = Default::default();
    for node in edges.keys() {
        visit(node, edges, &mut Vec::new(), &mut done, &mut cycles);
    }
    cycles
}

/// The cycle test can fail: two modules that name each other are found.
#[test]
fn a_cycle_is_seen() {
    let mut edges = std::collections::BTreeMap::new();
    edges.insert(
        "cli::headless".to_string(),
        ["cli::jobs".to_string()].into(),
    );
    edges.insert(
        "cli::jobs".to_string(),
        ["cli::headless".to_string()].into(),
    );
    assert_eq!(cycles_in(&edges).len(), 1);
    let modules = ["engine::plan".to_string(), "engine::mapping".to_string()].into();
    assert_eq!(
        uses(
            "engine::mapping",
            "use super::plan::{Identifier};",
            &modules
        ),
        ["engine::plan"]
    );
}
