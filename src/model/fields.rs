//! The data that fills a design's `{field}` placeholders.

use std::collections::BTreeMap;

use crate::base::diag::{Diagnostic, Result};

/// Parses `key=value` pairs given with `--set`.
pub fn parse_sets(sets: &[String]) -> Result<BTreeMap<String, String>> {
    let mut data = BTreeMap::new();
    for s in sets {
        let Some((k, v)) = s.split_once('=') else {
            return Err(Diagnostic::error(format!("--set {s}: write it as field=value")).into());
        };
        data.insert(k.trim().to_string(), v.to_string());
    }
    Ok(data)
}
