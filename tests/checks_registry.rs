//! The registry of checks (`src/base/checks.rs`) against `docs/checks.md` and the source.
//!
//! Every table row of `docs/checks.md` names its check in a Code column; the row's severity,
//! Where and Rule columns must say what the registry says, every registry entry must have a
//! row, and every `.code("…")` in `src/` must name a registry entry.
//!
//! The tables are checked rather than generated: their first column is prose written for
//! people (with links and examples) that would read worse as Rust string literals, and a test
//! that names the row that disagrees is as strong as generation.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use letterkit::base::checks::{self, CHECKS};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every table row of the docs that has a Code column: code → (line, column name → cell).
fn doc_rows() -> BTreeMap<String, (usize, BTreeMap<String, String>)> {
    let text = std::fs::read_to_string(root().join("docs/checks.md")).unwrap();
    let mut rows = BTreeMap::new();
    let mut header: Option<Vec<String>> = None;
    let cells = |line: &str| -> Vec<String> {
        line.trim().trim_matches('|').split('|').map(|c| c.trim().to_string()).collect()
    };
    for (i, line) in text.lines().enumerate() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let Some(names) = &header else {
            header = Some(cells(line));
            continue;
        };
        if line.chars().all(|c| "|-: ".contains(c)) {
            continue;
        }
        assert_eq!(names[0], "Code", "docs/checks.md:{}: every table's first column is Code", i + 1);
        let row: BTreeMap<String, String> = names.iter().cloned().zip(cells(line)).collect();
        let code = row["Code"].trim_matches('`').to_string();
        assert!(!code.is_empty(), "docs/checks.md:{}: a row without a code", i + 1);
        if let Some((first, _)) = rows.insert(code.clone(), (i + 1, row)) {
            panic!("docs/checks.md:{}: `{code}` is also on line {first}", i + 1);
        }
    }
    rows
}

#[test]
fn docs_and_registry_name_the_same_checks() {
    let rows = doc_rows();
    for check in CHECKS {
        assert!(
            rows.contains_key(check.code),
            "`{}` is in the registry but not in docs/checks.md",
            check.code
        );
    }
    for (code, (line, row)) in &rows {
        let check = checks::find(code)
            .unwrap_or_else(|| panic!("docs/checks.md:{line}: `{code}` is not in src/base/checks.rs"));
        if let Some(sev) = row.get("Sev.") {
            assert_eq!(sev, check.severity.letter(), "docs/checks.md:{line}: severity of `{code}`");
        }
        assert_eq!(row["Where"], check.stage, "docs/checks.md:{line}: Where of `{code}`");
        if let Some(rule) = row.get("Rule") {
            assert_eq!(rule, check.rule, "docs/checks.md:{line}: Rule of `{code}`");
        }
    }
    let order: Vec<&str> = {
        let mut by_line: Vec<(usize, &str)> = rows.iter().map(|(c, (l, _))| (*l, c.as_str())).collect();
        by_line.sort();
        by_line.into_iter().map(|(_, c)| c).collect()
    };
    let registry: Vec<&str> = CHECKS.iter().map(|c| c.code).collect();
    assert_eq!(order, registry, "the registry lists checks in the order of docs/checks.md");
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

/// Every `.code("…")` in `src/`, with its file and line.
fn codes_in_source() -> Vec<(String, usize, String)> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.strip_prefix(root()).unwrap().display().to_string();
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            let mut rest = line;
            while let Some(at) = rest.find(".code(\"") {
                rest = &rest[at + 7..];
                let end = rest.find('"').expect("a code literal ends on its line");
                found.push((name.clone(), i + 1, rest[..end].to_string()));
                rest = &rest[end..];
            }
        }
    }
    found
}

#[test]
fn every_code_in_the_source_is_registered() {
    let found = codes_in_source();
    assert!(!found.is_empty(), "the scan finds the codes attached in src/");
    for (file, line, code) in &found {
        assert!(checks::find(code).is_some(), "{file}:{line}: `{code}` is not in src/base/checks.rs");
    }
}
