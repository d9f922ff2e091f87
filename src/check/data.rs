//! Checks on a participants list beyond what reading it finds: rows that repeat another, rows
//! with fewer values than the header has columns, and return addresses with parts missing.

use std::collections::BTreeMap;

use crate::base::diag::{Diagnostic, Source};
use crate::model::campaign::Defaults;
use crate::model::participants::{self, Participant, REQUIRED_COLUMNS};

/// Rows with fewer values than the header has columns, when that leaves a required column
/// empty or a ZIP code that is not one: a value was probably left out in the middle, moving the
/// ones after it one column to the left. (Leaving out empty optional columns at the end of a
/// row is fine and not reported.) Works on lists that do not read without errors too.
pub fn short_rows(source: &Source) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut reader = participants::csv_reader(&source.text, participants::separator(&source.text));
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_lowercase()).collect(),
        Err(_) => return out,
    };
    if headers.len() > crate::input::limits::MAX_COLUMNS {
        return out; // reading the list reports it
    }
    let column = |name: &str| headers.iter().position(|h| h == name);
    let bytes = source.text.as_bytes();
    for record in reader.records().flatten() {
        if record.iter().all(|v| v.trim().is_empty()) || record.len() >= headers.len() {
            continue;
        }
        let missing: Vec<&str> = headers[record.len()..].iter().map(String::as_str).collect();
        let required_missing = missing.iter().any(|c| REQUIRED_COLUMNS.contains(c));
        let zip = column("zip").and_then(|i| record.get(i)).unwrap_or("").trim();
        let zip_shifted = !zip.is_empty() && !looks_like_zip(zip);
        if !required_missing && !zip_shifted {
            continue;
        }
        let Some(position) = record.position() else { continue };
        let mut byte = (position.byte() as usize).min(bytes.len());
        while byte < bytes.len() && matches!(bytes[byte], b'\n' | b'\r') {
            byte += 1;
        }
        let line = 1 + bytes[..byte].iter().filter(|&&b| b == b'\n').count();
        out.push(
            Diagnostic::warning(format!(
                "this row has {} values but the header has {} columns, so {} got no value",
                record.len(),
                headers.len(),
                missing.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            )).code("data.shifted-row")
            .in_file(&source.path)
            .at(line, record.len() + 1)
            .hint("a value was probably left out and the ones after it moved one column to the left; an empty value still needs its comma, as in 1 Main St,,Boston"),
        );
    }
    out
}

/// Whether a file `letterkit check FILE` is given is a participants list rather than a design
/// or campaign: its name ends in `.csv`, `.tsv` or `.txt` (a spreadsheet's "Unicode text").
pub fn is_list(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["csv", "tsv", "txt"].contains(&e.to_ascii_lowercase().as_str()))
}

/// 5 digits, 9 digits, or 5 and 4 digits with a hyphen.
fn looks_like_zip(zip: &str) -> bool {
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    match zip.split_once('-') {
        Some((a, b)) => a.len() == 5 && b.len() == 4 && digits(a) && digits(b),
        None => (zip.len() == 5 || zip.len() == 9) && digits(zip),
    }
}

/// Checks the people of a participants list (read without errors by
/// [`crate::model::participants::parse`]): repeated rows and incomplete return addresses.
pub fn participants(source: &Source, people: &[Participant]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let at = |line: usize, column: usize, message: String| {
        Diagnostic::warning(message).in_file(&source.path).at(line, column)
    };

    // Missing parts of the return address: the envelope would go out without a way back.
    for p in people {
        let missing: Vec<&str> = [("address1", &p.address1), ("city", &p.city), ("state", &p.state)]
            .into_iter()
            // Abroad, `state` is a region, which many countries' addresses have not.
            .filter(|(c, v)| v.trim().is_empty() && !(*c == "state" && p.abroad()))
            .map(|(c, _)| c)
            .collect();
        if !missing.is_empty() {
            out.push(
                at(
                    p.line,
                    1,
                    format!(
                        "{}: no {}; the return address on their envelopes will be incomplete",
                        p.name,
                        missing.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .code("data.return-address")
                .hint("fill it in, or leave the whole address out on purpose"),
            );
        }
    }

    // Repeated rows: the same name and address twice gives that person two kits.
    let normal = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let mut seen: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    for p in people {
        let key: Vec<String> = [&p.name, &p.address1, &p.address2, &p.city, &p.state, &p.zip]
            .iter()
            .map(|s| normal(s))
            .collect();
        match seen.get(&key) {
            Some(first) => out.push(
                at(p.line, 1, format!("{}: this row repeats the row at line {first} (same name and address), so they would get two kits", p.name))
                    .code("data.duplicate")
                    .hint("delete one of the two rows; to give someone more letters, use the `letters` column"),
            ),
            None => {
                seen.insert(key, p.line);
            }
        }
    }
    out.sort_by_key(|d| d.position);
    out
}

/// How many pieces (letters, cards, postcards) a list makes with a campaign's defaults.
pub fn piece_count(people: &[Participant], defaults: &Defaults) -> u64 {
    people
        .iter()
        .map(|p| {
            u64::from(p.letters.unwrap_or(defaults.letters))
                + u64::from(p.cards.unwrap_or(defaults.cards))
                + u64::from(p.postcards.unwrap_or(defaults.postcards))
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::diag::Warnings;

    fn check(text: &str) -> Vec<(Option<(usize, usize)>, String)> {
        let source = Source::builtin("people.csv", text);
        let people = crate::model::participants::parse(&source, &mut Warnings::default()).unwrap();
        let mut found = participants(&source, &people);
        found.extend(short_rows(&source));
        found.sort_by_key(|d| d.position);
        found.into_iter().map(|d| (d.position, d.message)).collect()
    }

    #[test]
    fn repeated_rows_short_rows_and_missing_parts() {
        let found = check(
            "name,zip,address1,address2,city,state\n\
             Ada Lovelace,02134,1 Main St,,Boston,MA\n\
             Bea,02134,2 Main St,,Boston,MA\n\
             ada  lovelace,02134,1 Main St,,Boston,MA\n\
             Cy,02134,,,Boston,MA\n\
             Di,02134,3 Main St\n\
             Ed,02134,4 Main St,,Boston,MA\n",
        );
        assert_eq!(
            found,
            vec![
                (Some((4, 1)), "ada lovelace: this row repeats the row at line 2 (same name and address), so they would get two kits".into()),
                (Some((5, 1)), "Cy: no `address1`; the return address on their envelopes will be incomplete".into()),
                (Some((6, 1)), "Di: no `city`, `state`; the return address on their envelopes will be incomplete".into()),
                (Some((6, 4)), "this row has 3 values but the header has 6 columns, so `address2`, `city`, `state` got no value".into()),
            ]
        );
    }
}
