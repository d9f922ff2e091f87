//! The data that fills a design's `{field}` placeholders.

use std::collections::BTreeMap;

use crate::base::diag::{Diagnostic, Result};
use crate::model::participants::Participant;

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

/// The placeholders a participants list fills: its address columns, and the lines made from
/// them. An unnamed writer (no participants list) leaves each of them empty. Other columns of
/// the list fill placeholders of their own name ([`participant_field`]).
///
/// Adding a column: add it to [`Participant`] and [`crate::model::participants::KNOWN_COLUMNS`],
/// then here and in [`participant_field`]; `build` and `check` both fill it from there.
pub const PARTICIPANT_FIELDS: &[&str] =
    &["name", "address1", "address2", "city", "state", "zip", "city_line", "return_address"];

/// The placeholder `name` filled from a participant's row: a column, a line made from the
/// columns, or another column of the list; an empty value for an unnamed writer (`None`) when
/// `name` is one of [`PARTICIPANT_FIELDS`]. `None` when the row does not fill `name`.
pub fn participant_field(person: Option<&Participant>, name: &str) -> Option<String> {
    match (person, name) {
        (None, _) if PARTICIPANT_FIELDS.contains(&name) => Some(String::new()),
        (None, _) => None,
        (Some(p), "name") => Some(p.name.clone()),
        (Some(p), "address1") => Some(p.address1.clone()),
        (Some(p), "address2") => Some(p.address2.clone()),
        (Some(p), "city") => Some(p.city.clone()),
        (Some(p), "state") => Some(p.state.clone()),
        (Some(p), "zip") => Some(p.zip.clone()),
        (Some(p), "city_line") => Some(p.city_line()),
        (Some(p), "return_address") => Some(p.return_address().join("\n")),
        (Some(p), _) => p.extra.get(name).cloned(),
    }
}

/// The names of every placeholder a participant's row fills ([`participant_field`]).
pub fn participant_field_names(person: Option<&Participant>) -> Vec<String> {
    let mut names: Vec<String> = PARTICIPANT_FIELDS.iter().map(|s| s.to_string()).collect();
    if let Some(p) = person {
        names.extend(p.extra.keys().cloned());
    }
    names
}

/// A participant with a distinct value in every column the parser knows and in one extra
/// column (`team`), and the text columns with their values: for tests that `build` and `check`
/// fill every column.
#[cfg(test)]
pub(crate) fn sample_row() -> (Participant, Vec<(String, String)>) {
    use crate::base::diag::{Source, Warnings};
    use crate::model::participants::{COUNT_COLUMNS, KNOWN_COLUMNS, parse};
    let header: Vec<&str> = KNOWN_COLUMNS.iter().copied().chain(["team"]).collect();
    let values: Vec<String> = header
        .iter()
        .map(|c| match *c {
            "zip" => "02134".to_string(),
            "state" => "MA".to_string(),
            c if COUNT_COLUMNS.contains(&c) => "1".to_string(),
            c => format!("value of {c}"),
        })
        .collect();
    let text = format!("{}\n{}\n", header.join(","), values.join(","));
    let mut people = parse(&Source::builtin("people.csv", &text), &mut Warnings::default()).unwrap();
    let columns = header
        .iter()
        .zip(values)
        .filter(|(c, _)| !COUNT_COLUMNS.contains(c)) // how many pieces, not text for a design
        .map(|(c, v)| (c.to_string(), v))
        .collect();
    (people.remove(0), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_column_is_a_field() {
        let (person, columns) = sample_row();
        let names = participant_field_names(Some(&person));
        for (column, value) in &columns {
            assert_eq!(participant_field(Some(&person), column).as_ref(), Some(value), "column `{column}`");
            assert!(names.contains(column), "column `{column}` missing from the field names");
            assert_eq!(participant_field(None, column).is_some(), column != "team", "column `{column}`");
        }
        for field in PARTICIPANT_FIELDS {
            assert!(participant_field(Some(&person), field).is_some(), "field `{field}`");
        }
    }
}
