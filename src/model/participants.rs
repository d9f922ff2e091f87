//! The participants list: a CSV (commas, semicolons or tabs) with a header row, one person per
//! row, repaired where a spreadsheet damaged it.

use std::collections::BTreeMap;
use std::path::Path;

use crate::base::diag::{Diagnostic, Error, Result, Source, Warnings, nearest};
use crate::input::limits::{MAX_COLUMNS, MAX_FIELD_BYTES, MAX_PER_PERSON, MAX_ROWS};
use crate::mail::countries::{self, Country, Origin};
use crate::mail::placement::MAX_ADDRESS_LINES;

/// The columns letterkit knows. Other columns are kept as extra `{fields}` for designs. The
/// placeholders they fill are mapped in [`crate::model::fields::participant_field`].
pub const KNOWN_COLUMNS: &[&str] = &[
    "name",
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "country",
    "language",
    "letters",
    "cards",
    "postcards",
];

/// The header of a new list (`letterkit init`, `letterkit serve`): the optional `country` and
/// `language` columns are added by whoever needs them.
pub const STANDARD_COLUMNS: &[&str] =
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
    /// State (USPS two-letter code expected); a writer abroad's province or region.
    pub state: String,
    /// ZIP code as text: leading zeros kept, ZIP+4 allowed; a writer abroad's postal code.
    pub zip: String,
    /// The writer's country as written in the optional `country` column; empty for the US.
    pub country: String,
    /// The language the writer's pieces are printed in (an IETF tag from the optional
    /// `language` column); empty for the campaign's.
    pub language: String,
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
    /// Where the writer mails from, by the `country` column: the United States when it is
    /// empty or names it ([`countries::origin`]).
    pub fn origin(&self) -> Origin<'_> {
        countries::origin(&self.country)
    }

    /// Whether the writer mails from outside the United States: their pieces' delivery
    /// address ends with `UNITED STATES OF AMERICA` ([`countries::from_abroad`]).
    pub fn abroad(&self) -> bool {
        self.origin() != Origin::Domestic
    }

    /// The country's line of a writer abroad: its English name in capitals, or the column as
    /// written in capitals for a country letterkit does not know; `None` in the US.
    pub fn country_line(&self) -> Option<String> {
        match self.origin() {
            Origin::Domestic => None,
            Origin::Known(country) => Some(country.printed_name()),
            Origin::Unknown(written) => Some(written.to_uppercase()),
        }
    }

    /// The return address's lines after the street lines of a writer abroad: the town, region
    /// and postal code in the country's order, then the country in capitals (Publication 28
    /// A31; layouts/countries.toml).
    fn lines_abroad(&self) -> Vec<String> {
        let mut lines = match self.origin() {
            Origin::Domestic => return Vec::new(),
            Origin::Known(country) => country.lines(&self.city, &self.state, &self.zip),
            Origin::Unknown(_) => countries::unknown_country_lines(&self.city, &self.state, &self.zip),
        };
        lines.extend(self.country_line());
        lines
    }

    /// The "City, ST ZIP" line. For a writer abroad, the lines after the street lines: town,
    /// region and postal code in the country's order and the country, one under the other.
    pub fn city_line(&self) -> String {
        if self.abroad() {
            return self.lines_abroad().join("\n");
        }
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

    /// The return address: name, street lines, city line. A writer abroad's ends with the lines
    /// of [`Participant::city_line`], the country last; when that makes more than the five
    /// lines an address block has (docs/mail-rules.md 2.6: name, two street lines, town and
    /// postcode lines and the country of a UK address with a flat), the two street lines are
    /// joined with ", " into one.
    pub fn return_address(&self) -> Vec<String> {
        if !self.abroad() {
            return [&self.name, &self.address1, &self.address2, &self.city_line()]
                .into_iter()
                .filter(|l| !l.is_empty())
                .cloned()
                .collect();
        }
        let tail = self.lines_abroad();
        let mut streets: Vec<String> =
            [&self.address1, &self.address2].into_iter().filter(|l| !l.is_empty()).cloned().collect();
        let name = usize::from(!self.name.is_empty());
        if name + streets.len() + tail.len() > MAX_ADDRESS_LINES && streets.len() > 1 {
            streets = vec![streets.join(", ")];
        }
        [self.name.clone()].into_iter().filter(|n| !n.is_empty()).chain(streets).chain(tail).collect()
    }
}

/// The USPS state and territory codes (Pub 28 Appendix B), for checking the `state` column.
const USPS_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
    "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
    "AS", "GU", "MP", "PR", "VI", "UM", "FM", "MH", "PW", "AA", "AE", "AP",
];

/// States, DC, territories and military "states" written out, in capitals, with their USPS
/// codes (Pub 28 Appendix B), and the common ways of writing Washington, DC.
const STATE_NAMES: &[(&str, &str)] = &[
    ("ALABAMA", "AL"),
    ("ALASKA", "AK"),
    ("ARIZONA", "AZ"),
    ("ARKANSAS", "AR"),
    ("CALIFORNIA", "CA"),
    ("COLORADO", "CO"),
    ("CONNECTICUT", "CT"),
    ("DELAWARE", "DE"),
    ("DISTRICT OF COLUMBIA", "DC"),
    ("WASHINGTON DC", "DC"),
    ("WASHINGTON D C", "DC"),
    ("WASH DC", "DC"),
    ("WASH D C", "DC"),
    ("FLORIDA", "FL"),
    ("GEORGIA", "GA"),
    ("HAWAII", "HI"),
    ("IDAHO", "ID"),
    ("ILLINOIS", "IL"),
    ("INDIANA", "IN"),
    ("IOWA", "IA"),
    ("KANSAS", "KS"),
    ("KENTUCKY", "KY"),
    ("LOUISIANA", "LA"),
    ("MAINE", "ME"),
    ("MARYLAND", "MD"),
    ("MASSACHUSETTS", "MA"),
    ("MICHIGAN", "MI"),
    ("MINNESOTA", "MN"),
    ("MISSISSIPPI", "MS"),
    ("MISSOURI", "MO"),
    ("MONTANA", "MT"),
    ("NEBRASKA", "NE"),
    ("NEVADA", "NV"),
    ("NEW HAMPSHIRE", "NH"),
    ("NEW JERSEY", "NJ"),
    ("NEW MEXICO", "NM"),
    ("NEW YORK", "NY"),
    ("NORTH CAROLINA", "NC"),
    ("NORTH DAKOTA", "ND"),
    ("OHIO", "OH"),
    ("OKLAHOMA", "OK"),
    ("OREGON", "OR"),
    ("PENNSYLVANIA", "PA"),
    ("RHODE ISLAND", "RI"),
    ("SOUTH CAROLINA", "SC"),
    ("SOUTH DAKOTA", "SD"),
    ("TENNESSEE", "TN"),
    ("TEXAS", "TX"),
    ("UTAH", "UT"),
    ("VERMONT", "VT"),
    ("VIRGINIA", "VA"),
    ("WASHINGTON", "WA"),
    ("WEST VIRGINIA", "WV"),
    ("WISCONSIN", "WI"),
    ("WYOMING", "WY"),
    ("AMERICAN SAMOA", "AS"),
    ("GUAM", "GU"),
    ("NORTHERN MARIANA ISLANDS", "MP"),
    ("PUERTO RICO", "PR"),
    ("VIRGIN ISLANDS", "VI"),
    ("US VIRGIN ISLANDS", "VI"),
    ("U S VIRGIN ISLANDS", "VI"),
    ("FEDERATED STATES OF MICRONESIA", "FM"),
    ("MICRONESIA", "FM"),
    ("MARSHALL ISLANDS", "MH"),
    ("PALAU", "PW"),
    ("ARMED FORCES AMERICAS", "AA"),
    ("ARMED FORCES EUROPE", "AE"),
    ("ARMED FORCES PACIFIC", "AP"),
];

/// A value the reader changed, and why: reported as a warning, in the build summary and in
/// `manifest.json`, so nothing prints differently from the list without the user knowing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Repair {
    /// The line of the row in the file.
    pub line: usize,
    /// The column, by its header name.
    pub column: String,
    /// The value as the file has it (spaces at the ends trimmed).
    pub before: String,
    /// The value letterkit uses.
    pub after: String,
    /// Why, in plain words.
    pub reason: String,
}

impl Repair {
    /// How many repairs of one kind warnings and the summary show one by one.
    pub const SHOWN: usize = 5;

    /// Its kind: the column and the reason, for counting repairs made the same way.
    pub fn kind(&self) -> (String, String) {
        (self.column.clone(), self.reason.clone())
    }

    /// `column `zip`: `2134` became `02134`` with line breaks shown as ⏎.
    pub fn describe(&self) -> String {
        let show = |s: &str| s.replace("\r\n", "⏎").replace(['\n', '\r'], "⏎");
        let quoted = |s: &str| if s.is_empty() { "empty".to_string() } else { format!("`{}`", show(s)) };
        format!(
            "column `{}`: {} became {}: {}",
            self.column,
            quoted(&self.before),
            quoted(&self.after),
            self.reason
        )
    }
}

/// What separates the columns of a list: found from its header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    /// `,` (CSV).
    Comma,
    /// `;` (CSV from a spreadsheet set to a European language).
    Semicolon,
    /// A tab (a spreadsheet's "Unicode text" or "tab-separated" export).
    Tab,
}

impl Separator {
    /// The byte between values.
    pub fn byte(self) -> u8 {
        match self {
            Separator::Comma => b',',
            Separator::Semicolon => b';',
            Separator::Tab => b'\t',
        }
    }

    /// Its name in messages: "commas", "semicolons", "tabs".
    pub fn name(self) -> &'static str {
        match self {
            Separator::Comma => "commas",
            Separator::Semicolon => "semicolons",
            Separator::Tab => "tabs",
        }
    }
}

/// The separator of a list: whichever of comma, semicolon and tab its header row has most of
/// outside quotes (a comma when it has none, or on a tie).
pub fn separator(text: &str) -> Separator {
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' if !in_quotes => break,
            ',' if !in_quotes => counts[0] += 1,
            ';' if !in_quotes => counts[1] += 1,
            '\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let most = *counts.iter().max().expect("three counts");
    if most == 0 || counts[0] == most {
        Separator::Comma
    } else if counts[1] == most {
        Separator::Semicolon
    } else {
        Separator::Tab
    }
}

/// A CSV reader for a list with this separator, as letterkit reads every list.
pub fn csv_reader(text: &str, separator: Separator) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().flexible(true).delimiter(separator.byte()).from_reader(text.as_bytes())
}

/// A row that cannot be used, with the errors that say why.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRow {
    /// The line of the row in the file.
    pub line: usize,
    /// The name on the row, if it has one.
    pub name: String,
    /// Each problem: the column it is in ("" when it is the whole row) and its error.
    pub errors: Vec<(String, Diagnostic)>,
}

/// A participants list as read: the people, what was repaired, the rows that cannot be used,
/// and the separator that was read.
#[derive(Debug, Clone)]
pub struct List {
    /// The usable rows, in file order.
    pub people: Vec<Participant>,
    /// Every value changed, in file order.
    pub repairs: Vec<Repair>,
    /// The rows with errors, in file order.
    pub bad_rows: Vec<BadRow>,
    /// What separates the columns.
    pub separator: Separator,
    /// The header's column names, in lower case, in file order.
    pub headers: Vec<String>,
}

/// Reads a participants CSV. Every row becomes a participant or an error naming its line and
/// column; blank lines are skipped with a warning. All bad rows are reported at once.
pub fn read(path: &Path, warnings: &mut Warnings) -> Result<Vec<Participant>> {
    let source = crate::input::read_list_text(path)?;
    parse(&source, warnings)
}

/// Parses a participants list from source text (see [`read`]); any bad row is an error.
pub fn parse(source: &Source, warnings: &mut Warnings) -> Result<Vec<Participant>> {
    let list = parse_list(source, warnings)?;
    list.into_people()
}

impl List {
    /// The people, or every bad row's errors when there are any.
    pub fn into_people(self) -> Result<Vec<Participant>> {
        if self.bad_rows.is_empty() {
            Ok(self.people)
        } else {
            Err(Error(self.bad_rows.into_iter().flat_map(|r| r.errors.into_iter().map(|(_, d)| d)).collect()))
        }
    }
}

/// Reads a participants CSV into a [`List`]: the file is an error only when it cannot be read
/// as a list at all (its header, its size); bad rows are kept in [`List::bad_rows`].
pub fn read_list(path: &Path, warnings: &mut Warnings) -> Result<List> {
    let source = crate::input::read_list_text(path)?;
    parse_list(&source, warnings)
}

/// Parses a participants list (see [`read_list`]). Values are repaired where a spreadsheet
/// damaged them, each change reported as a `data.repaired` warning and kept in
/// [`List::repairs`]:
/// - spaces at the ends of a value are trimmed (not reported: nothing prints differently);
///   runs of spaces, tabs and non-breaking spaces inside a value become one space (reported);
/// - a line break inside a name, city, state or ZIP becomes a space; inside `address1` or
///   `address2` it starts another street line, and more than two street lines are joined
///   with ", " so the return address keeps to four lines;
/// - a ZIP Code of 4 or 8 digits gets its leading zero back, 9 digits get the ZIP+4 hyphen;
/// - a state written out, in lower case or with dots becomes its USPS two-letter code;
/// - on a row with a `country` other than the US, no ZIP Code or state repairs: the postal code
///   is put in its country's form (`m5v2t6` becomes `M5V 2T6`) and a region written out
///   becomes its code where the country's post uses one (`Ontario` becomes `ON`).
pub fn parse_list(source: &Source, warnings: &mut Warnings) -> Result<List> {
    let path = &source.path;
    let err = |line: usize, column: usize, message: String| {
        Diagnostic::error(message).in_file(path).at(line, column)
    };
    for line in blank_lines(&source.text) {
        warnings.push(
            Diagnostic::warning("empty line skipped").code("data.empty-lines").in_file(path).at(line, 1),
        );
    }
    let separator = separator(&source.text);
    let mut reader = csv_reader(&source.text, separator);
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
    if let Some(odd) = odd_separator(&headers) {
        return Err(err(
            1,
            1,
            format!(
                "the header row has none of letterkit's columns; it looks separated by `{odd}`, and letterkit reads columns separated by commas, semicolons or tabs"
            ),
        )
        .code("data.header")
        .hint(format!(
            "save the sheet as \"CSV UTF-8\" from the spreadsheet, or replace each `{odd}` between columns with a comma"
        ))
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
    // Repairs of each kind (column, reason): how many, and the line of the first.
    let mut alike: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    let mut list = List {
        people: Vec::new(),
        repairs: Vec::new(),
        bad_rows: Vec::new(),
        separator,
        headers: Vec::new(),
    };
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_of(p.byte()));
                list.bad_rows.push(BadRow {
                    line,
                    name: String::new(),
                    errors: vec![(
                        String::new(),
                        err(line, 1, format!("this row cannot be read as CSV: {e}")),
                    )],
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_of(p.byte()));
        if record.iter().all(|v| v.trim().is_empty()) {
            warnings.push(Diagnostic::warning("this row has no values; skipped").in_file(path).at(line, 1));
            continue;
        }
        if list.people.len() + list.bad_rows.len() >= MAX_ROWS {
            return Err(err(
                line,
                1,
                format!("the list has more than {MAX_ROWS} rows; split it into several lists"),
            )
            .code("limit.csv-rows")
            .into());
        }
        let name_on_row = column("name").and_then(|i| record.get(i)).map_or(String::new(), spaces_cleaned);
        let bad = |column: &str, d: Diagnostic| BadRow {
            line,
            name: name_on_row.clone(),
            errors: vec![(column.to_string(), d)],
        };
        if let Some((i, long)) = record.iter().enumerate().find(|(_, f)| f.len() > MAX_FIELD_BYTES) {
            let header = headers.get(i).filter(|h| !h.is_empty());
            let name = header.map_or(String::new(), |h| format!("column `{h}`: "));
            list.bad_rows.push(bad(
                header.map_or("", String::as_str),
                err(
                    line,
                    i + 1,
                    format!("{name}the value is {} bytes long; letterkit takes up to {MAX_FIELD_BYTES} in one value", long.len()),
                )
                .code("limit.csv-value")
                .hint("is a quote left open? a value in quotes runs on to the next quote, over line ends"),
            ));
            continue;
        }
        if record.len() > headers.len() {
            list.bad_rows.push(bad(
                "",
                err(
                    line,
                    headers.len() + 1,
                    format!("this row has {} fields but the header has {}", record.len(), headers.len()),
                )
                .hint(format!(
                    "{} inside a value needs quotes: \"Apt 4{} Rear\"",
                    match separator {
                        Separator::Comma => "a comma",
                        Separator::Semicolon => "a semicolon",
                        Separator::Tab => "a tab",
                    },
                    match separator {
                        Separator::Comma => ",",
                        Separator::Semicolon => ";",
                        Separator::Tab => "\t",
                    }
                )),
            ));
            continue;
        }
        let raw = |name: &str| column(name).and_then(|i| record.get(i)).unwrap_or("");
        let col = |name: &str| column(name).map_or(1, |i| i + 1);
        let mut row = Row { line, repairs: Vec::new() };
        let name = row.joined("name", raw("name"));
        let city = row.joined("city", raw("city"));
        let (address1, address2) = row.street_lines(raw("address1"), raw("address2"));
        let origin = countries::origin(raw("country"));
        let (zip, state) = match origin {
            Origin::Domestic => (row.zip(raw("zip")), row.state(raw("state"))),
            // Abroad, `state` is the region and `zip` the postal code: no US repairs.
            Origin::Known(country) => {
                (row.postal_code(raw("zip"), country), row.region(raw("state"), country))
            }
            Origin::Unknown(_) => (row.joined("zip", raw("zip")), row.joined("state", raw("state"))),
        };
        row.repairs.sort_by_key(|r| col(&r.column));
        for repair in &row.repairs {
            // The first few of each kind are shown; the rest are counted (a list typed with
            // lower-case states would otherwise bury everything else).
            let seen = alike.entry(repair.kind()).or_insert((0, line));
            seen.0 += 1;
            if seen.0 <= Repair::SHOWN {
                warnings.push(
                    Diagnostic::warning(repair.describe())
                        .code("data.repaired")
                        .in_file(path)
                        .at(line, col(&repair.column)),
                );
            }
        }
        list.repairs.extend(row.repairs);
        let mut row_errors = Vec::new();
        for (required, value) in [("name", &name), ("zip", &zip)] {
            // A postal code abroad is checked below, by its country.
            if value.is_empty() && (required == "name" || origin == Origin::Domestic) {
                let what = if required == "name" { "the name is missing" } else { "the ZIP code is missing" };
                row_errors.push((
                    required.to_string(),
                    err(line, col(required), format!("column `{required}`: {what}")),
                ));
            }
        }
        let mut count = |name: &str| -> Option<u32> {
            let text = raw(name).trim();
            if text.is_empty() {
                return None;
            }
            let error = match text.parse::<u32>() {
                Ok(n) if n <= MAX_PER_PERSON => return Some(n),
                Ok(n) => err(
                    line,
                    col(name),
                    format!("column `{name}`: {n} is more than {MAX_PER_PERSON} for one person"),
                )
                .code("limit.participant-pieces"),
                Err(_) => err(line, col(name), format!("column `{name}`: `{text}` is not a whole number"))
                    .hint("write a count such as 0, 1 or 3, or leave it empty for the campaign's default"),
            };
            row_errors.push((name.to_string(), error));
            None
        };
        let (letters, cards, postcards) = (count("letters"), count("cards"), count("postcards"));
        if origin != Origin::Domestic {
            warnings.0.extend(
                abroad_warnings(origin, &zip, &state)
                    .into_iter()
                    .map(|(column, d)| d.in_file(path).at(line, col(column))),
            );
        } else if !zip.is_empty() && !is_zip(&zip) {
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
        if origin == Origin::Domestic && !state.is_empty() && !USPS_STATES.contains(&state.as_str()) {
            warnings.push(
                Diagnostic::warning(format!("column `state`: `{state}` is not a USPS state abbreviation"))
                    .code("data.state")
                    .in_file(path)
                    .at(line, col("state")),
            );
        }
        if !row_errors.is_empty() {
            list.bad_rows.push(BadRow { line, name, errors: row_errors });
            continue;
        }
        let extra = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| !KNOWN_COLUMNS.contains(&h.as_str()) && !h.is_empty())
            .map(|(i, h)| (h.clone(), record.get(i).unwrap_or("").trim().to_string()))
            .collect();
        list.people.push(Participant {
            line,
            name,
            address1,
            address2,
            city,
            state,
            zip,
            country: raw("country").trim().to_string(),
            language: raw("language").trim().to_string(),
            letters,
            cards,
            postcards,
            extra,
        });
    }
    for ((column, reason), (count, _)) in alike.into_iter().filter(|(_, (n, _))| *n > Repair::SHOWN) {
        warnings.push(
            Diagnostic::warning(format!(
                "column `{column}`: {} more value{} repaired the same way: {reason}",
                count - Repair::SHOWN,
                if count - Repair::SHOWN == 1 { "" } else { "s" }
            ))
            .code("data.repaired")
            .in_file(path)
            .hint("a build lists every repair in manifest.json, under \"repairs\""),
        );
    }
    list.headers = headers;
    Ok(list)
}

/// The warnings about a row abroad's country, postal code and region, each with its column:
/// a country letterkit does not know (its postal code is then not checked), a postal code
/// missing or in none of its country's forms, a region the country's addresses do not print.
fn abroad_warnings(origin: Origin, zip: &str, state: &str) -> Vec<(&'static str, Diagnostic)> {
    let mut found = Vec::new();
    let country = match origin {
        Origin::Domestic => return found,
        Origin::Unknown(written) => {
            found.push((
                "country",
                Diagnostic::warning(format!(
                    "column `country`: `{written}` is not a country letterkit knows: the return address is printed as written, with {} as its last line, and its postal code is not checked",
                    written.to_uppercase()
                ))
                .code("data.country")
                .hint("write the country's name in English or its two-letter ISO code (CA, MX, GB); layouts/countries.toml lists the countries letterkit knows"),
            ));
            return found;
        }
        Origin::Known(country) => country,
    };
    if country.uses_postal_codes() && zip.is_empty() {
        found.push((
            "zip",
            Diagnostic::warning(format!(
                "column `zip`: no postal code; addresses in {} have one, written {}",
                country.in_sentence(),
                country.postal_forms()
            ))
            .code("data.postal-code")
            .hint("ask the writer for it: mail returned to them is sorted by it"),
        ));
    } else if !zip.is_empty() && country.postal_code(zip).is_none() {
        let message = if country.uses_postal_codes() {
            format!(
                "column `zip`: `{zip}` is not a postal code of {}, written {}",
                country.in_sentence(),
                country.postal_forms()
            )
        } else {
            format!(
                "column `zip`: `{zip}` is printed as written, but addresses in {} have no postal code",
                country.in_sentence()
            )
        };
        found.push((
            "zip",
            Diagnostic::warning(message)
                .code("data.postal-code")
                .hint("check it with the writer; it is printed as written"),
        ));
    }
    if !state.is_empty() && !country.uses_region() {
        found.push((
            "state",
            Diagnostic::warning(format!(
                "column `state`: `{state}` is not printed: addresses in {} have no region line",
                country.in_sentence()
            ))
            .code("data.country")
            .hint("leave `state` empty for this row, or put a locality it needs in `address2`"),
        ));
    }
    found
}

/// When a header row has none of letterkit's columns but runs them together with one
/// character (`name|address1|…`), that character.
fn odd_separator(headers: &[String]) -> Option<char> {
    if headers.iter().any(|h| KNOWN_COLUMNS.contains(&h.as_str())) {
        return None;
    }
    let joined = headers.join(",");
    if !KNOWN_COLUMNS.iter().any(|c| joined.contains(c)) {
        return None;
    }
    let mut counts: BTreeMap<char, usize> = BTreeMap::new();
    for c in joined.chars().filter(|c| !c.is_alphanumeric() && !matches!(c, ' ' | '_' | '-' | '"' | ',')) {
        *counts.entry(c).or_default() += 1;
    }
    counts.into_iter().max_by_key(|&(c, n)| (n, std::cmp::Reverse(c))).map(|(c, _)| c)
}

/// One row's repairs as they are made.
struct Row {
    line: usize,
    repairs: Vec<Repair>,
}

impl Row {
    fn record(&mut self, column: &str, before: &str, after: &str, reason: String) {
        self.repairs.push(Repair {
            line: self.line,
            column: column.to_string(),
            before: before.trim().to_string(),
            after: after.to_string(),
            reason,
        });
    }

    /// A value whose line breaks become spaces (a name or city is one line), spaces cleaned.
    fn joined(&mut self, column: &str, raw: &str) -> String {
        let lines = cell_lines(raw);
        let value = lines.join(" ");
        if lines.len() > 1 {
            self.record(
                column,
                raw,
                &value,
                "a line break inside the cell (Alt+Enter in a spreadsheet) became a space".into(),
            );
        } else if value != raw.trim() {
            self.record(column, raw, &value, EXTRA_SPACES.into());
        }
        value
    }

    /// `address1` and `address2` with line breaks inside them: each line a street line, and
    /// more than two joined with ", ". A return address has at most four lines: name, two
    /// street lines (the secondary unit, as "Apt 4", on its own line only when it does not fit
    /// the street's, Pub 28 213 and 356) and the city line; nothing goes below the last line
    /// (docs/mail-rules.md 2.4; Pub 28 Appendix A2).
    fn street_lines(&mut self, raw1: &str, raw2: &str) -> (String, String) {
        let (lines1, lines2) = (cell_lines(raw1), cell_lines(raw2));
        if lines1.len() <= 1 && lines2.len() <= 1 {
            let (a1, a2) = (lines1.concat(), lines2.concat());
            for (column, raw, value) in [("address1", raw1, &a1), ("address2", raw2, &a2)] {
                if value != raw.trim() {
                    self.record(column, raw, value, EXTRA_SPACES.into());
                }
            }
            return (a1, a2);
        }
        let all: Vec<String> = lines1.iter().chain(&lines2).cloned().collect();
        let a1 = all.first().cloned().unwrap_or_default();
        let a2 = if all.len() > 1 { all[1..].join(", ") } else { String::new() };
        let joined = all.len() > 2;
        const BREAK: &str = "a line break inside the cell (Alt+Enter in a spreadsheet)";
        if a1 != raw1.trim() {
            let reason = if lines1.len() > 1 {
                format!(
                    "{BREAK}: the first line stays in `address1` and the rest {} `address2`",
                    if joined { "is joined into" } else { "goes to" }
                )
            } else {
                EXTRA_SPACES.into()
            };
            self.record("address1", raw1, &a1, reason);
        }
        if a2 != raw2.trim() {
            let reason = if joined {
                format!(
                    "{BREAK}: the street lines after the first are joined with \", \", as a return address holds two street lines (name, two street lines, city line; USPS Publication 28)"
                )
            } else {
                "the second line of `address1` (a line break inside its cell) is the second street line"
                    .to_string()
            };
            self.record("address2", raw2, &a2, reason);
        }
        (a1, a2)
    }

    /// The ZIP Code, with the leading zero a spreadsheet dropped put back and a ZIP+4's hyphen
    /// put in. No US ZIP Code has 4 digits, so 4 (or 4 + 4) digits lost a leading 0 (Pub 28,
    /// ZIP Code and ZIP+4; docs/mail-rules.md 2.4).
    fn zip(&mut self, raw: &str) -> String {
        let value = cell_lines(raw).join(" ");
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        const ZERO: &str = "no US ZIP Code has 4 digits: the leading zero a spreadsheet drops was put back";
        let (fixed, reason) = match value.split_once(['-', ' ']) {
            Some((a, b)) if digits(a, 4) && digits(b, 4) => (format!("0{a}-{b}"), ZERO.to_string()),
            Some((a, b)) if digits(a, 5) && digits(b, 4) && value.contains(' ') => {
                (format!("{a}-{b}"), "a ZIP+4 is written with a hyphen".to_string())
            }
            None if digits(&value, 4) => (format!("0{value}"), ZERO.to_string()),
            None if digits(&value, 8) => {
                (format!("0{}-{}", &value[..4], &value[4..]), format!("{ZERO}, and the ZIP+4 hyphen put in"))
            }
            None if digits(&value, 9) => (
                format!("{}-{}", &value[..5], &value[5..]),
                "9 digits are a ZIP+4: the hyphen was put in".to_string(),
            ),
            _ if value != raw.trim() => (value.clone(), EXTRA_SPACES.to_string()),
            _ => return value,
        };
        self.record("zip", raw, &fixed, reason);
        fixed
    }

    /// A writer abroad's postal code in its country's form ([`Country::postal_code`]): capitals,
    /// the space or hyphen where the form has it, a dropped leading zero put back. A code in
    /// none of the forms stays as written (spaces cleaned) and is warned about.
    fn postal_code(&mut self, raw: &str, country: &Country) -> String {
        let value = cell_lines(raw).join(" ");
        let Some(form) = country.postal_code(&value) else {
            if value != raw.trim() {
                self.record("zip", raw, &value, EXTRA_SPACES.into());
            }
            return value;
        };
        if form.code != raw.trim() {
            let reason = if form.zero_added {
                format!(
                    "a postal code of {} has {} digits: the leading zero a spreadsheet drops was put back",
                    country.in_sentence(),
                    form.code.len()
                )
            } else {
                format!("a postal code of {} is written {}", country.in_sentence(), country.postal_forms())
            };
            self.record("zip", raw, &form.code, reason);
        }
        form.code
    }

    /// A writer abroad's region: its code when the country's post prints one and it is
    /// written out ("Ontario" becomes "ON"), else as written (spaces cleaned).
    fn region(&mut self, raw: &str, country: &Country) -> String {
        let value = cell_lines(raw).join(" ");
        match country.region_code(&value) {
            Some(code) if code != value => {
                let reason = format!(
                    "a region of {} is written as the code its post uses (layouts/countries.toml)",
                    country.in_sentence()
                );
                self.record("state", raw, code, reason);
                code.to_string()
            }
            _ => {
                if value != raw.trim() {
                    self.record("state", raw, &value, EXTRA_SPACES.into());
                }
                value
            }
        }
    }

    /// The state as its USPS two-letter code (Pub 28 Appendix B) when it is written out
    /// ("Massachusetts"), in lower case ("ma") or with dots ("D.C."); anything else as written.
    fn state(&mut self, raw: &str) -> String {
        let value = cell_lines(raw).join(" ");
        let key: String = value.to_uppercase().replace(['.', ','], " ");
        let key = key.split_whitespace().collect::<Vec<_>>().join(" ");
        let squeezed: String = key.chars().filter(|c| !c.is_whitespace()).collect();
        let code = if USPS_STATES.contains(&key.as_str()) {
            Some(key.as_str())
        } else if squeezed.len() == 2 && USPS_STATES.contains(&squeezed.as_str()) {
            Some(squeezed.as_str())
        } else {
            STATE_NAMES.iter().find(|(name, _)| *name == key).map(|(_, code)| *code)
        };
        match code {
            Some(code) if code != value => {
                let reason = if value.chars().count() > 4 {
                    "a state written out becomes its USPS two-letter code (Pub 28 Appendix B)"
                } else {
                    "a state is written as its USPS two-letter code, in capitals without dots (Pub 28 Appendix B)"
                };
                self.record("state", raw, code, reason.into());
                code.to_string()
            }
            Some(code) => code.to_string(),
            None => {
                if value != raw.trim() {
                    self.record("state", raw, &value, EXTRA_SPACES.into());
                }
                value
            }
        }
    }
}

/// Why a value with doubled spaces, tabs or the like was changed.
const EXTRA_SPACES: &str = "extra spaces inside the value became one";

/// The lines of a cell, each with its spaces cleaned ([`spaces_cleaned`]); empty lines left out.
fn cell_lines(raw: &str) -> Vec<String> {
    raw.split(['\n', '\r']).map(spaces_cleaned).filter(|l| !l.is_empty()).collect()
}

/// A value trimmed at both ends, each run of spaces, tabs and other white space inside it one
/// space. A single space or a single non-breaking space stays as it is (it prints the same).
fn spaces_cleaned(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut run = String::new();
    for c in value.trim_matches(char::is_whitespace).chars() {
        if c.is_whitespace() {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            out.push_str(if run == " " || run == "\u{a0}" { &run } else { " " });
            run.clear();
        }
        out.push(c);
    }
    out
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
        let (people, warnings) = parse_text("name,address1,city,state,zip\nAda,1 Main,Boston,Mass,213\n");
        assert_eq!(people.unwrap().len(), 1);
        let codes: Vec<_> = warnings.0.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Some("data.zip"), Some("data.state")]);
        assert!(is_zip("02134") && is_zip("02134-1234") && is_zip("021341234") && !is_zip("2134"));
    }

    /// Line, column, before and after of each repair.
    type Repairs = Vec<(usize, String, String, String)>;

    fn repaired(text: &str) -> (Vec<Participant>, Repairs, Warnings) {
        let mut warnings = Warnings::default();
        let list = parse_list(&Source::builtin("people.csv", text), &mut warnings).unwrap();
        let repairs =
            list.repairs.into_iter().map(|r| (r.line, r.column, r.before, r.after)).collect::<Vec<_>>();
        (list.people, repairs, warnings)
    }

    #[test]
    fn zips_and_states_are_repaired() {
        let mut text = String::from("name,address1,city,state,zip\n");
        for (state, zip) in [
            ("ma", "2134"),
            ("Massachusetts", "2134-1234"),
            ("D.C.", "21341234"),
            ("n.y.", "021341234"),
            ("Wash. D.C.", "02134 1234"),
            ("new  hampshire", "03301"),
            ("Guam", "96910"),
            ("District of Columbia", "20001"),
            ("MA", "02134"),
            ("Mass", "123"),
        ] {
            text.push_str(&format!("Ada,1 Main,Boston,{state},{zip}\n"));
        }
        let (people, repairs, warnings) = repaired(&text);
        let got: Vec<(&str, &str)> = people.iter().map(|p| (p.state.as_str(), p.zip.as_str())).collect();
        assert_eq!(
            got,
            [
                ("MA", "02134"),
                ("MA", "02134-1234"),
                ("DC", "02134-1234"),
                ("NY", "02134-1234"),
                ("DC", "02134-1234"),
                ("NH", "03301"),
                ("GU", "96910"),
                ("DC", "20001"),
                ("MA", "02134"),
                ("Mass", "123"),
            ]
        );
        assert_eq!(repairs.len(), 13);
        let messages: Vec<String> = warnings.0.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            messages[1],
            "warning: people.csv:2:5: column `zip`: `2134` became `02134`: no US ZIP Code has 4 digits: the leading zero a spreadsheet drops was put back"
        );
        assert_eq!(
            messages[0],
            "warning: people.csv:2:4: column `state`: `ma` became `MA`: a state is written as its USPS two-letter code, in capitals without dots (Pub 28 Appendix B)"
        );
        assert_eq!(
            messages[2],
            "warning: people.csv:3:4: column `state`: `Massachusetts` became `MA`: a state written out becomes its USPS two-letter code (Pub 28 Appendix B)"
        );
        assert!(messages.contains(&"warning: people.csv:5:5: column `zip`: `021341234` became `02134-1234`: 9 digits are a ZIP+4: the hyphen was put in".to_string()));
        assert!(messages.contains(&"warning: people.csv:6:5: column `zip`: `02134 1234` became `02134-1234`: a ZIP+4 is written with a hyphen".to_string()));
        assert!(messages.contains(&"warning: people.csv:4:5: column `zip`: `21341234` became `02134-1234`: no US ZIP Code has 4 digits: the leading zero a spreadsheet drops was put back, and the ZIP+4 hyphen put in".to_string()));
        assert!(warnings.0.iter().all(|d| d.code == Some("data.repaired") || d.position.unwrap().0 == 11));
    }

    #[test]
    fn line_breaks_and_spaces_are_repaired() {
        let (people, repairs, _) = repaired(
            "name,address1,address2,city,state,zip,notes\n\
             \"Ann\nLee\",\"Apt 4\r\nRear entrance\",,\"Saint\nPaul\",MN,55101,\"a\nb\"\n\
             Bo  Ek\t,\"9 Water St\nApt 5\",Back door,Fall River,MA,02720,\n\
             Cy\u{a0}Do, 1 Main St ,,Boston ,MA,02134,\n",
        );
        let lines: Vec<[&str; 4]> = people
            .iter()
            .map(|p| [p.name.as_str(), p.address1.as_str(), p.address2.as_str(), p.city.as_str()])
            .collect();
        assert_eq!(
            lines,
            [
                ["Ann Lee", "Apt 4", "Rear entrance", "Saint Paul"],
                ["Bo Ek", "9 Water St", "Apt 5, Back door", "Fall River"],
                ["Cy\u{a0}Do", "1 Main St", "", "Boston"],
            ]
        );
        assert_eq!(people[0].extra["notes"], "a\nb", "other columns keep their line breaks");
        assert_eq!(people[0].return_address().len(), 4);
        let r = |line: usize, column: &str, before: &str, after: &str| {
            (line, column.to_string(), before.to_string(), after.to_string())
        };
        assert_eq!(
            repairs,
            [
                r(2, "name", "Ann\nLee", "Ann Lee"),
                r(2, "address1", "Apt 4\r\nRear entrance", "Apt 4"),
                r(2, "address2", "", "Rear entrance"),
                r(2, "city", "Saint\nPaul", "Saint Paul"),
                r(7, "name", "Bo  Ek", "Bo Ek"),
                r(7, "address1", "9 Water St\nApt 5", "9 Water St"),
                r(7, "address2", "Back door", "Apt 5, Back door"),
            ]
        );
    }

    #[test]
    fn separators_bad_rows_and_odd_headers() {
        assert_eq!(separator("name;address1;city;state;zip\n"), Separator::Semicolon);
        assert_eq!(separator("name\taddress1\tcity\n"), Separator::Tab);
        assert_eq!(separator("\"a;b;c\",name,zip\n"), Separator::Comma);
        assert_eq!(separator("name\n"), Separator::Comma);
        let text = "name;address1;city;state;zip\nZoë;\"1 Main St; Apt 2\";Boston;MA;02134\n;2 Main;Boston;MA;02134\n";
        let list = parse_list(&Source::builtin("people.csv", text), &mut Warnings::default()).unwrap();
        assert_eq!(list.separator, Separator::Semicolon);
        assert_eq!(list.people[0].address1, "1 Main St; Apt 2");
        assert_eq!(list.bad_rows.len(), 1);
        assert_eq!((list.bad_rows[0].line, list.bad_rows[0].errors[0].0.as_str()), (3, "name"));
        let (result, _) = parse_text("name|address1|city|state|zip\nZoë|1 Main|Boston|MA|02134\n");
        let e = result.unwrap_err().0.remove(0);
        assert_eq!(
            e.to_string(),
            "error: people.csv:1:1: the header row has none of letterkit's columns; it looks separated by `|`, and letterkit reads columns separated by commas, semicolons or tabs\nhint: save the sheet as \"CSV UTF-8\" from the spreadsheet, or replace each `|` between columns with a comma"
        );
    }
}
