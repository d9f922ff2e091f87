//! The source tree's layers: every module imports only from the layers below it.
//!
//! The order is the one `src/lib.rs` documents. The test reads every `crate::NAME` path in
//! `src/` (in `use` lines and in full paths alike) and fails, naming the file and line, when a
//! module reaches up or sideways into a layer that is not below it. `main.rs` is the thin
//! command-line front and may use anything.

use std::path::{Path, PathBuf};

/// The layers, lowest first.
const LAYERS: &[&str] = &[
    "base", "input", "output", "mail", "text", "model", "layout", "impose", "render", "kit", "check",
    "serve", "cli",
];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == layer)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layer a source file belongs to: its first folder under `src/`, or its stem.
fn layer_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.strip_suffix(".rs").map(str::to_string).unwrap_or(first)
}

/// Every `crate::NAME` in a line of code (comments left out: a doc link may point anywhere).
fn crate_paths(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = &rest[..at];
        let name: String =
            rest[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        // `letterkit_crate::` or `some_crate::` are other names; only a bare `crate::` counts.
        if !before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') && !name.is_empty() {
            found.push(name);
        }
        rest = &rest[at + 7..];
    }
    // `use crate::{a, b}` names several at once.
    if let Some(at) = code.find("crate::{") {
        let group = &code[at + 8..];
        let group = group.split('}').next().unwrap_or("");
        for part in group.split(',') {
            let name: String =
                part.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

#[test]
fn imports_run_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for file in &files {
        let layer = layer_of(&src, file);
        if layer == "main" || layer == "lib" {
            continue;
        }
        let own = rank(&layer).unwrap_or_else(|| {
            panic!("{} is in no layer; add `{layer}` to LAYERS here and to src/lib.rs", file.display())
        });
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            for target in crate_paths(line) {
                let Some(theirs) = rank(&target) else {
                    wrong.push(format!("{}:{}: `crate::{target}` is no layer", file.display(), number + 1));
                    continue;
                };
                if theirs > own {
                    wrong.push(format!(
                        "{}:{}: `{layer}` imports `{target}`, a layer above it",
                        file.display(),
                        number + 1
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "imports that run back up the layers:\n{}", wrong.join("\n"));
}

#[test]
fn layers_match_lib_rs() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let mut declared: Vec<&str> =
        lib.lines().filter_map(|l| l.strip_prefix("pub mod ")?.strip_suffix(';')).collect();
    let mut layers = LAYERS.to_vec();
    declared.sort_unstable();
    layers.sort_unstable();
    assert_eq!(declared, layers, "every module of src/lib.rs is a layer here, and every layer a module");
    // The list in lib.rs's documentation names the layers in this order.
    let documented: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//! ")?.split_once(". [`")?.1.split_once('`').map(|(name, _)| name))
        .collect();
    assert_eq!(documented, LAYERS, "src/lib.rs documents the layers in this order");
}

#[test]
fn the_reader_finds_paths() {
    assert_eq!(crate_paths("use crate::base::diag::Result;"), ["base"]);
    assert_eq!(crate_paths("    let x = crate::kit::build(); // crate::cli"), ["kit"]);
    assert_eq!(crate_paths("use crate::{base, model::design};"), ["base", "model"]);
    assert!(crate_paths("other_crate::thing").is_empty());
}
