//! The participants list: a UTF-8 CSV with a header row, one person per row.

use std::collections::BTreeMap;
use std::path::Path;

use crate::base::diag::{Diagnostic, Error, Result, Source, Warnings, nearest};
use crate::input::limits::{MAX_COLUMNS, MAX_FIELD_BYTES, MAX_PER_PERSON, MAX_ROWS};

/// The columns letterkit knows. Other columns are kept as extra `{fields}` for designs. The
/// placeholders they fill are mapped in [`crate::model::fields::participant_field`].
pub const KNOWN_COLUMNS: &[&str] =
    &["name", "address1", "address2", "city", "state", "zip", "letters", "cards", "postcards"];

/// The columns every list needs (a row may leave `address1`, `city` and `state` empty).
pub const REQUIRED_COLUMNS: &[&str] = &["name", "address1", "city", "state", "zip"];

/// The columns that say how many pieces a person makes (empty for the campaign's default).
pub const COUNT_COLUMNS: &[&str] = &["letters", "cards", "postcards"];

/// One participant, as written in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    /// The line of the row in the file (the header is line 1), as an editor shows it.
    pub line: usize,
    /// Name, exactly as written (only surrounding spaces trimmed).
    pub name: String,
    /// First street line.
    pub address1: String,
    /// Second street line (may be empty).
    pub address2: String,
    /// City.
    pub city: String,
    /// State (USPS two-letter code expected).
    pub state: String,
    /// ZIP code as text: leading zeros kept, ZIP+4 allowed.
    pub zip: String,
    /// Letters this person writes, if the row says.
    pub letters: Option<u32>,
    /// Cards this person makes, if the row says.
    pub cards: Option<u32>,
    /// Postcards this person writes, if the row says.
    pub postcards: Option<u32>,
    /// Other columns, by header name.
    pub extra: BTreeMap<String, String>,
}

impl Participant {
    /// The "City, ST ZIP" line.
    pub fn city_line(&self) -> String {
        let state_zip = [self.state.as_str(), self.zip.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        match (self.city.is_empty(), state_zip.is_empty()) {
            (false, false) => format!("{}, {state_zip}", self.city),
            (false, true) => self.city.clone(),
            _ => state_zip,
        }
    }

    /// The return address: name, street lines, city line.
    pub fn return_address(&self) -> Vec<String> {
        [&self.name, &self.address1, &self.address2, &self.city_line()]
            .into_iter()
            .filter(|l| !l.is_empty())
            .cloned()
            .collect()
    }
}

/// The USPS state and territory codes (Pub 28 Appendix B), for checking the `state` column.
const USPS_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
    "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
    "AS", "GU", "MP", "PR", "VI", "UM", "FM", "MH", "PW", "AA", "AE", "AP",
];

/// Reads a participants CSV. Every row becomes a participant or an error naming its line and
/// column; blank lines are skipped with a warning. All bad rows are reported at once.
pub fn read(path: &Path, warnings: &mut Warnings) -> Result<Vec<Participant>> {
    let source = crate::input::read_text(path)?;
    parse(&source, warnings)
}

/// Parses a participants list from source text (see [`read`]).
pub fn parse(source: &Source, warnings: &mut Warnings) -> Result<Vec<Participant>> {
    let path = &source.path;
    let err = |line: usize, column: usize, message: String| {
        Diagnostic::error(message).in_file(path).at(line, column)
    };
    for line in blank_lines(&source.text) {
        warnings.push(
            Diagnostic::warning("empty line skipped").code("data.empty-lines").in_file(path).at(line, 1),
        );
    }
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(source.text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_lowercase()).collect(),
        Err(e) => return Err(err(1, 1, format!("cannot read the header row: {e}")).into()),
    };
    // Before anything looks at each column: some checks compare columns with each other.
    if headers.len() > MAX_COLUMNS {
        return Err(err(
            1,
            MAX_COLUMNS + 1,
            format!("the header has {} columns; letterkit takes up to {MAX_COLUMNS}", headers.len()),
        )
        .code("limit.csv-columns")
        .hint("the first line names the columns: name,address1,address2,city,state,zip and a few of your own")
        .into());
    }
    if let Some((i, long)) = headers.iter().enumerate().find(|(_, h)| h.len() > MAX_FIELD_BYTES) {
        return Err(err(
            1,
            i + 1,
            format!(
                "column {} has a name {} bytes long; letterkit takes up to {MAX_FIELD_BYTES}",
                i + 1,
                long.len()
            ),
        )
        .code("limit.csv-value")
        .into());
    }
    if headers.iter().all(|h| h.is_empty()) {
        return Err(err(1, 1, "the file is empty; it needs a header row".into())
            .hint("the first line names the columns: name,address1,address2,city,state,zip")
            .into());
    }
    let column = |name: &str| headers.iter().position(|h| h == name);
    // The csv crate's line numbers skip blank lines; count from the byte offset instead, past
    // any blank lines the record's offset still points at.
    // Records come in file order, so the count carries on from the previous one.
    let bytes = source.text.as_bytes();
    let counted = std::cell::Cell::new((0usize, 1usize)); // (byte offset, line there)
    let line_of = |byte: u64| {
        let mut at = (byte as usize).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
            at += 1;
        }
        let (from, line) = counted.get();
        let (from, line) = if at >= from { (from, line) } else { (0, 1) };
        let line = line + bytes[from..at].iter().filter(|&&b| b == b'\n').count();
        counted.set((at, line));
        line
    };
    let mut errors = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if !KNOWN_COLUMNS.contains(&h.as_str())
            && let Some(near) = nearest(h, KNOWN_COLUMNS.iter().copied()).filter(|n| column(n).is_none())
        {
            errors
                .push(err(1, i + 1, format!("unknown column `{h}`")).hint(format!("did you mean `{near}`?")));
        }
        if headers[..i].contains(h) {
            errors.push(err(1, i + 1, format!("the column `{h}` appears twice")));
        }
    }
    for &required in REQUIRED_COLUMNS {
        if column(required).is_none() {
            errors.push(
                err(1, 1, format!("the header has no `{required}` column"))
                    .hint("the first line names the columns: name,address1,address2,city,state,zip (then optional letters,cards,postcards)"),
            );
        }
    }
    if !errors.is_empty() {
        return Err(Error(errors));
    }
    let mut people = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_of(p.byte()));
                errors.push(err(line, 1, format!("this row cannot be read as CSV: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_of(p.byte()));
        if record.iter().all(str::is_empty) {
            warnings.push(Diagnostic::warning("this row has no values; skipped").in_file(path).at(line, 1));
            continue;
        }
        if people.len() >= MAX_ROWS {
            errors.push(
                err(line, 1, format!("the list has more than {MAX_ROWS} rows; split it into several lists"))
                    .code("limit.csv-rows"),
            );
            break;
        }
        if let Some((i, long)) = record.iter().enumerate().find(|(_, f)| f.len() > MAX_FIELD_BYTES) {
            let name =
                headers.get(i).filter(|h| !h.is_empty()).map_or(String::new(), |h| format!("column `{h}`: "));
            errors.push(
                err(
                    line,
                    i + 1,
                    format!("{name}the value is {} bytes long; letterkit takes up to {MAX_FIELD_BYTES} in one value", long.len()),
                )
                .code("limit.csv-value")
                .hint("is a quote left open? a value in quotes runs on to the next quote, over line ends"),
            );
            continue;
        }
        if record.len() > headers.len() {
            errors.push(
                err(
                    line,
                    headers.len() + 1,
                    format!("this row has {} fields but the header has {}", record.len(), headers.len()),
                )
                .hint("a comma inside a value needs quotes: \"Apt 4, Rear\""),
            );
            continue;
        }
        let get = |name: &str| column(name).and_then(|i| record.get(i)).unwrap_or("").to_string();
        let col = |name: &str| column(name).map_or(1, |i| i + 1);
        let mut row_ok = true;
        for required in ["name", "zip"] {
            if get(required).is_empty() {
                let what = if required == "name" { "the name is missing" } else { "the ZIP code is missing" };
                errors.push(err(line, col(required), format!("column `{required}`: {what}")));
                row_ok = false;
            }
        }
        let mut count = |name: &str| -> Option<u32> {
            let text = get(name);
            if text.is_empty() {
                return None;
            }
            match text.parse::<u32>() {
                Ok(n) if n <= MAX_PER_PERSON => Some(n),
                Ok(n) => {
                    errors.push(
                        err(
                            line,
                            col(name),
                            format!("column `{name}`: {n} is more than {MAX_PER_PERSON} for one person"),
                        )
                        .code("limit.participant-pieces"),
                    );
                    row_ok = false;
                    None
                }
                Err(_) => {
                    errors.push(
                        err(
                            line,
                            col(name),
                            format!("column `{name}`: `{text}` is not a whole number"),
                        )
                        .hint(
                            "write a count such as 0, 1 or 3, or leave it empty for the campaign's default",
                        ),
                    );
                    row_ok = false;
                    None
                }
            }
        };
        let (letters, cards, postcards) = (count("letters"), count("cards"), count("postcards"));
        let zip = get("zip");
        if !zip.is_empty() && !is_zip(&zip) {
            warnings.push(
                Diagnostic::warning(format!(
                    "column `zip`: `{zip}` is not a US ZIP code (5 digits, or ZIP+4 like 02134-1234)"
                ))
                .code("data.zip")
                .in_file(path)
                .at(line, col("zip"))
                .hint("if a spreadsheet dropped a leading zero, format the column as text and add it back"),
            );
        }
        let state = get("state");
        if !state.is_empty() && !USPS_STATES.contains(&state.to_uppercase().as_str()) {
            warnings.push(
                Diagnostic::warning(format!("column `state`: `{state}` is not a USPS state abbreviation"))
                    .code("data.state")
                    .in_file(path)
                    .at(line, col("state")),
            );
        }
        if !row_ok {
            continue;
        }
        let extra = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| !KNOWN_COLUMNS.contains(&h.as_str()) && !h.is_empty())
            .map(|(i, h)| (h.clone(), record.get(i).unwrap_or("").to_string()))
            .collect();
        people.push(Participant {
            line,
            name: get("name"),
            address1: get("address1"),
            address2: get("address2"),
            city: get("city"),
            state,
            zip,
            letters,
            cards,
            postcards,
            extra,
        });
    }
    if !errors.is_empty() {
        return Err(Error(errors));
    }
    Ok(people)
}

/// 5 digits, or 5 + 4 with a hyphen (or 9 digits).
fn is_zip(zip: &str) -> bool {
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    match zip.split_once('-') {
        Some((a, b)) => a.len() == 5 && b.len() == 4 && digits(a) && digits(b),
        None => (zip.len() == 5 || zip.len() == 9) && digits(zip),
    }
}

/// 1-based numbers of the blank lines outside quoted fields.
fn blank_lines(text: &str) -> Vec<usize> {
    let mut blanks = Vec::new();
    let mut in_quotes = false;
    let count = text.split('\n').count();
    for (i, line) in text.split('\n').enumerate() {
        let was_in_quotes = in_quotes;
        in_quotes ^= line.matches('"').count() % 2 == 1;
        let is_last = i + 1 == count;
        if !was_in_quotes && line.trim_end_matches('\r').is_empty() && !is_last {
            blanks.push(i + 1);
        }
    }
    blanks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> (Result<Vec<Participant>>, Warnings) {
        let mut warnings = Warnings::default();
        let result = parse(&Source::builtin("people.csv", text), &mut warnings);
        (result, warnings)
    }

    #[test]
    fn rows_keep_their_text() {
        let (people, warnings) = parse_text(
            "\u{feff}name,address1,address2,city,state,zip,letters\nZoë O’Brien,1 Main St,,Boston,MA,02134,2\n\n\"Nguyễn, Văn\",\"5 Elm St, Apt 2\",,Portland,ME,04101-1234,\n",
        );
        let people = people.unwrap();
        assert_eq!(people.len(), 2);
        assert_eq!(people[0].name, "Zoë O’Brien");
        assert_eq!(people[0].zip, "02134");
        assert_eq!(people[0].letters, Some(2));
        assert_eq!(people[1].name, "Nguyễn, Văn");
        assert_eq!(people[1].line, 4);
        assert_eq!(people[1].city_line(), "Portland, ME 04101-1234");
        assert_eq!(warnings.0.len(), 1);
        assert_eq!(warnings.0[0].position, Some((3, 1)));
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        let (result, _) = parse_text(
            "name,address1,city,state,zip,letters\n,1 Main,Boston,MA,02134,1\nAda,2 Main,Boston,MA,,x\n",
        );
        let errors = result.unwrap_err().0;
        let summary: Vec<(Option<(usize, usize)>, &str)> =
            errors.iter().map(|d| (d.position, d.message.as_str())).collect();
        assert_eq!(
            summary,
            vec![
                (Some((2, 1)), "column `name`: the name is missing"),
                (Some((3, 5)), "column `zip`: the ZIP code is missing"),
                (Some((3, 6)), "column `letters`: `x` is not a whole number"),
            ]
        );
    }

    #[test]
    fn headers_are_checked() {
        let (result, _) = parse_text("name,adress1,city,state\n");
        let errors = result.unwrap_err().0;
        assert!(
            errors.iter().any(|d| d.message == "unknown column `adress1`" && d.hints[0].contains("address1"))
        );
        assert!(errors.iter().any(|d| d.message.contains("no `zip` column")));
    }

    #[test]
    fn zip_and_state_warnings() {
        let (people, warnings) = parse_text("name,address1,city,state,zip\nAda,1 Main,Boston,Mass,2134\n");
        assert_eq!(people.unwrap().len(), 1);
        assert_eq!(warnings.0.len(), 2);
        assert!(is_zip("02134") && is_zip("02134-1234") && is_zip("021341234") && !is_zip("2134"));
    }
}
