//! The data that fills a design's `{field}` placeholders.

use std::collections::BTreeMap;
use std::path::Path;

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
pub const PARTICIPANT_FIELDS: &[&str] = &[
    "name",
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "country",
    "language",
    "city_line",
    "return_address",
];

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
        (Some(p), "country") => Some(p.country.clone()),
        (Some(p), "language") => Some(p.language.clone()),
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

/// The writer whose clearly marked values fill a design previewed without a participant's
/// row: `[Your name]`, `[123 Your Street]`, `[Your town], [ST] [ZIP]`. Its fields come through
/// [`participant_field`] like a real row's.
pub fn sample_participant() -> Participant {
    Participant {
        line: 0,
        name: "[Your name]".into(),
        address1: "[123 Your Street]".into(),
        address2: String::new(),
        city: "[Your town]".into(),
        state: "[ST]".into(),
        zip: "[ZIP]".into(),
        country: String::new(),
        language: String::new(),
        letters: None,
        cards: None,
        postcards: None,
        extra: BTreeMap::new(),
    }
}

/// Which participant's row fills a previewed design: `--row N` or `--participant NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// The Nth person in the list, from 1 (the header is not counted).
    Number(usize),
    /// The person of this name (not minding case or surrounding spaces).
    Name(String),
}

impl Row {
    /// The option as the user wrote it, for messages.
    pub fn option(&self) -> String {
        match self {
            Row::Number(n) => format!("--row {n}"),
            Row::Name(name) => format!("--participant \"{name}\""),
        }
    }
}

/// The participant `row` picks from `people`, read from `path`; an error naming the list (and
/// the line, for a name several rows share) when there is none, with the nearest names.
pub fn pick_row<'a>(people: &'a [Participant], path: &Path, row: &Row) -> Result<&'a Participant> {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match row {
        Row::Number(n) => match n.checked_sub(1).and_then(|i| people.get(i)) {
            Some(p) => Ok(p),
            None => {
                let mut d = Diagnostic::error(format!(
                    "{}: the list has {} row{} of people (numbered from 1, under the header)",
                    row.option(),
                    people.len(),
                    plural(people.len())
                ))
                .in_file(path);
                if let Some(last) = people.last() {
                    d = d.at(last.line, 1).hint(format!("the last row is {}, `{}`", people.len(), last.name));
                }
                Err(d.into())
            }
        },
        Row::Name(name) => {
            let wanted = name.trim().to_lowercase();
            let matching: Vec<(usize, &Participant)> =
                people.iter().enumerate().filter(|(_, p)| p.name.trim().to_lowercase() == wanted).collect();
            match matching.as_slice() {
                [(_, p)] => Ok(p),
                [] => {
                    let mut d =
                        Diagnostic::error(format!("{}: no row of the list has this name", row.option()))
                            .in_file(path);
                    match crate::base::diag::nearest(name.trim(), people.iter().map(|p| p.name.as_str())) {
                        Some(near) => {
                            let p = people.iter().find(|p| p.name == near).expect("a name from the list");
                            d = d.hint(format!("did you mean `{near}` (line {})?", p.line));
                        }
                        None if !people.is_empty() => {
                            let first: Vec<String> =
                                people.iter().take(5).map(|p| format!("`{}`", p.name)).collect();
                            d = d.hint(format!("the list begins with {}", first.join(", ")));
                        }
                        None => {}
                    }
                    Err(d.into())
                }
                [(_, first), ..] => {
                    let rows: Vec<String> =
                        matching.iter().map(|(i, p)| format!("{} (line {})", i + 1, p.line)).collect();
                    Err(Diagnostic::error(format!(
                        "{}: {} rows have this name: rows {}",
                        row.option(),
                        matching.len(),
                        rows.join(", ")
                    ))
                    .in_file(path)
                    .at(first.line, 1)
                    .hint(format!("choose one with --row {}", matching[0].0 + 1))
                    .into())
                }
            }
        }
    }
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

    fn people() -> Vec<Participant> {
        let text = "name,address1,city,state,zip\nZoë O’Brien,1 Elm St,Boston,MA,02134\nNguyễn Văn An,2 Oak Ave,Portland,ME,04101\nzoë o’brien,3 Pine Rd,Salem,MA,01970\n";
        let source = crate::base::diag::Source::builtin("people.csv", text);
        crate::model::participants::parse(&source, &mut Default::default()).unwrap()
    }

    #[test]
    fn rows_are_picked_by_number_or_name() {
        let people = people();
        let path = Path::new("people.csv");
        assert_eq!(pick_row(&people, path, &Row::Number(2)).unwrap().name, "Nguyễn Văn An");
        assert_eq!(pick_row(&people, path, &Row::Name(" nguyễn văn an ".into())).unwrap().line, 3);
        let e = pick_row(&people, path, &Row::Number(4)).unwrap_err().0.remove(0);
        assert_eq!(e.message, "--row 4: the list has 3 rows of people (numbered from 1, under the header)");
        assert_eq!((e.file.as_deref(), e.position), (Some(path), Some((4, 1))));
        assert_eq!(e.hints, ["the last row is 3, `zoë o’brien`"]);
        assert!(pick_row(&people, path, &Row::Number(0)).is_err(), "rows count from 1");
        let e = pick_row(&people, path, &Row::Name("Nguyen Van An".into())).unwrap_err().0.remove(0);
        assert_eq!(e.message, "--participant \"Nguyen Van An\": no row of the list has this name");
        assert_eq!(e.hints, ["did you mean `Nguyễn Văn An` (line 3)?"]);
        let e = pick_row(&people, path, &Row::Name("Zoë O’Brien".into())).unwrap_err().0.remove(0);
        assert_eq!(
            e.message,
            "--participant \"Zoë O’Brien\": 2 rows have this name: rows 1 (line 2), 3 (line 4)"
        );
        assert_eq!(e.hints, ["choose one with --row 1"]);
    }

    #[test]
    fn the_sample_writer_is_marked() {
        let sample = sample_participant();
        for field in PARTICIPANT_FIELDS {
            let value = participant_field(Some(&sample), field).unwrap();
            assert!(value.is_empty() || value.contains('['), "`{field}` = {value:?} is marked as a sample");
        }
        assert_eq!(
            participant_field(Some(&sample), "return_address").unwrap(),
            "[Your name]\n[123 Your Street]\n[Your town], [ST] [ZIP]"
        );
    }

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
