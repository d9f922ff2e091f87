//! The participants list as a table for the organiser page: every row's cells with the errors, warnings and repairs `check` and `build` give, each next to its column; and one new row's check, in plain words for a phone sign-in.

use std::path::Path;

use serde::Serialize;

use crate::base::diag::{self, Diagnostic, Source, Warnings};
use crate::base::formats::{self, Format};
use crate::input::confine::Sandbox;
use crate::kit::{campaign_design, pages};
use crate::layout::Pictures;
use crate::model::campaign;
use crate::model::design::{Body, Design, Element};
use crate::model::fields;
use crate::model::participants::{self, List, Participant, Repair};

/// The participants CSV as the organiser page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// The file's name, as messages give it.
    pub file: String,
    /// The header's column names, exactly as written (as the server's store keeps them).
    pub columns: Vec<String>,
    /// One row per CSV record under the header, in file order.
    pub rows: Vec<TableRow>,
    /// Problems of the whole list (a missing column, an empty line), as `check` words them.
    pub problems: Vec<String>,
}

/// One record of the list.
#[derive(Debug, Clone, Serialize)]
pub struct TableRow {
    /// Its line in the file (the header is line 1).
    pub line: usize,
    /// The values as in the file, one per column (a short row's missing ones empty).
    pub cells: Vec<String>,
    /// What `check` and `build` find in it.
    pub issues: Vec<CellIssue>,
}

/// One problem or repair in a row, next to its column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellIssue {
    /// The column it is in, as [`Table::columns`] names it; `None` for the whole row.
    pub column: Option<String>,
    /// How serious it is.
    pub severity: Severity,
    /// The check's code in [`crate::base::checks::CHECKS`] (`data.zip`); `data.row` for a row's
    /// errors that have no code of their own.
    pub code: String,
    /// What `check` and `build` say (without the file and line).
    pub message: String,
    /// Their hints.
    pub hints: Vec<String>,
    /// For a repair: the value build prints instead.
    pub repaired: Option<String>,
}

/// How serious a [`CellIssue`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The row cannot be built.
    Error,
    /// The row is built; someone should look.
    Warning,
    /// A value build changes (a ZIP Code's lost zero, a state's name as its code).
    Repair,
}

/// The campaign the rows are laid out with, for fit and glyph checks.
pub struct TableCampaign<'a> {
    /// The campaign's TOML.
    pub campaign_text: &'a str,
    /// The folder its relative paths resolve against.
    pub campaign_dir: &'a Path,
    /// Where its designs, pictures and fonts may come from.
    pub sandbox: &'a Sandbox,
}

/// The code of a row's error that has none of its own.
const ROW_ERROR: &str = "data.row";

/// Codes of warnings about a whole row, not one of its cells.
const ROW_CODES: &[&str] = &["data.return-address", "data.duplicate", "data.extra-values"];

/// The participants CSV as a table: every row's cells and the errors, warnings and repairs
/// `check` and `build` give it, each next to its column (fit and glyph checks included when a
/// campaign is given: the row's pieces are laid out as build would).
///
/// The rows are the CSV records as the `csv` crate reads them with
/// [`participants::csv_reader`]: lines with nothing on them are not records; a record whose
/// values are all empty is a row (build skips it, with a warning).
pub fn table(file: &str, csv_text: &str, campaign: Option<&TableCampaign>) -> Table {
    let text = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
    let source = Source::builtin(file, text);
    let mut table =
        Table { file: file.to_string(), columns: Vec::new(), rows: raw_rows(&source), problems: Vec::new() };
    let mut reader = participants::csv_reader(text, participants::separator(text));
    if let Ok(header) = reader.headers() {
        table.columns = header.iter().map(str::to_string).collect();
    }
    for row in &mut table.rows {
        row.cells.resize(table.columns.len().max(row.cells.len()), String::new());
    }
    let mut warnings = Warnings::default();
    let list = match participants::parse_list(&source, &mut warnings) {
        Ok(list) => list,
        Err(e) => {
            table.problems.extend(e.0.iter().chain(&warnings.0).map(list_problem));
            return table;
        }
    };
    let mut found: Vec<Diagnostic> = warnings.0;
    found.extend(list.bad_rows.iter().flat_map(|r| r.errors.iter().map(|(_, d)| d.clone())));
    found.extend(super::data::short_rows(&source));
    found.extend(super::data::participants(&source, &list.people));
    if let Some(campaign) = campaign {
        found.extend(fit_problems(&list, &source, campaign));
    }
    place(&mut table, &list, found);
    table
}

/// The records under the header, each with its line and raw values.
fn raw_rows(source: &Source) -> Vec<TableRow> {
    let text = &source.text;
    let mut reader = participants::csv_reader(text, participants::separator(text));
    let bytes = text.as_bytes();
    // Lines counted from the previous record on, as `participants::parse_list` numbers them.
    let (mut from, mut line) = (0usize, 1usize);
    let mut line_of = |byte: u64| {
        let mut at = (byte as usize).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
            at += 1;
        }
        if at < from {
            (from, line) = (0, 1);
        }
        line += bytes[from..at].iter().filter(|&&b| b == b'\n').count();
        from = at;
        line
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => rows.push(TableRow {
                line: record.position().map_or(0, |p| line_of(p.byte())),
                cells: record.iter().map(str::to_string).collect(),
                issues: Vec::new(),
            }),
            Err(e) => rows.push(TableRow {
                line: e.position().map_or(0, |p| line_of(p.byte())),
                cells: Vec::new(),
                issues: Vec::new(),
            }),
        }
    }
    rows
}

/// A list-level problem as a line of text: its line (when it has one), message and hints.
fn list_problem(d: &Diagnostic) -> String {
    let mut text = match d.position {
        Some((line, _)) => format!("line {line}: {}", d.message),
        None => d.message.clone(),
    };
    for hint in &d.hints {
        text.push_str(&format!(" ({hint})"));
    }
    text
}

/// Puts each diagnostic next to its row and column, and every repair next to its cell.
fn place(table: &mut Table, list: &List, found: Vec<Diagnostic>) {
    let column_name = |i: usize| table.columns.get(i).cloned();
    let header_index = |name: &str| list.headers.iter().position(|h| h == name);
    // Each row by its line (two records never start on one line).
    let rows: std::collections::BTreeMap<usize, usize> =
        table.rows.iter().enumerate().map(|(i, r)| (r.line, i)).collect();
    let mut placed: Vec<(usize, CellIssue)> = Vec::new();
    for d in found {
        // Repairs are placed from the list's own record of them (every one, not the first few).
        if d.code == Some("data.repaired") {
            continue;
        }
        let Some(&row) = d.position.and_then(|(line, _)| rows.get(&line)) else {
            table.problems.push(list_problem(&d));
            continue;
        };
        let code = d.code.unwrap_or(ROW_ERROR);
        let column = match d.position {
            Some((_, column))
                if !ROW_CODES.contains(&code) && !d.message.starts_with("this row has no values") =>
            {
                column.checked_sub(1).and_then(column_name)
            }
            _ => None,
        };
        placed.push((row, issue(&d, column, code)));
    }
    for repair in &list.repairs {
        if let Some(&row) = rows.get(&repair.line) {
            placed.push((row, repair_issue(repair, header_index(&repair.column).and_then(column_name))));
        }
    }
    for (row, issue) in placed {
        let issues = &mut table.rows[row].issues;
        if !issues.contains(&issue) {
            issues.push(issue);
        }
    }
    let order = |c: &Option<String>| c.as_ref().and_then(|c| table.columns.iter().position(|h| h == c));
    for row in &mut table.rows {
        row.issues.sort_by_key(|i| (order(&i.column).map_or(0, |o| o + 1), i.severity as u8));
    }
}

fn issue(d: &Diagnostic, column: Option<String>, code: &str) -> CellIssue {
    CellIssue {
        column,
        severity: match d.severity {
            diag::Severity::Error => Severity::Error,
            diag::Severity::Warning => Severity::Warning,
        },
        code: code.to_string(),
        message: d.message.clone(),
        hints: d.hints.clone(),
        repaired: None,
    }
}

fn repair_issue(repair: &Repair, column: Option<String>) -> CellIssue {
    CellIssue {
        column,
        severity: Severity::Repair,
        code: "data.repaired".into(),
        message: repair.describe(),
        hints: Vec::new(),
        repaired: Some(repair.after.clone()),
    }
}

/// The columns a sign-in must fill.
const SIGN_IN_REQUIRED: &[(&str, &str)] = &[
    ("name", "Please write your name."),
    ("address1", "Please write your street address."),
    ("city", "Please write your town or city."),
    ("state", "Please write your state, like MA."),
    ("zip", "Please write your ZIP code, like 02134."),
];

/// The most pieces of one kind a person signs up for at a party.
const SIGN_IN_MOST: u32 = 20;

/// One new row (a phone sign-in), checked as build would check it; messages in plain words
/// for a person at a party ("The ZIP code should be 5 digits, like 02134."). Name, address1,
/// city, state and zip are required, a ZIP Code or state that is not one is an error (the
/// person can fix it now), and letters, cards and postcards are whole numbers from 0 to 20
/// when given. Repairs build would make come back as [`Severity::Repair`] with the value
/// printed. The row's pieces are laid out with `campaign`, or with the built-in campaign
/// when there is none, for characters no font has and text too long to fit.
pub fn check_new_row(
    columns_and_values: &[(String, String)],
    campaign: Option<&TableCampaign>,
) -> Vec<CellIssue> {
    let value = |column: &str| {
        columns_and_values
            .iter()
            .find(|(c, _)| c.trim().eq_ignore_ascii_case(column))
            .map_or("", |(_, v)| v.as_str())
    };
    let mut issues = Vec::new();
    let mut error = |column: &str, code: &str, message: String| {
        issues.push(CellIssue {
            column: Some(column.to_string()),
            severity: Severity::Error,
            code: code.to_string(),
            message,
            hints: Vec::new(),
            repaired: None,
        });
    };
    for (column, message) in SIGN_IN_REQUIRED {
        if value(column).trim().is_empty() {
            error(column, ROW_ERROR, message.to_string());
        }
    }
    for column in participants::COUNT_COLUMNS {
        let text = value(column).trim();
        if !text.is_empty() && text.parse::<u32>().map_or(true, |n| n > SIGN_IN_MOST) {
            error(
                column,
                "limit.participant-pieces",
                format!("Write how many {column} as a whole number from 0 to {SIGN_IN_MOST}."),
            );
        }
    }
    let mut columns: Vec<String> = columns_and_values.iter().map(|(c, _)| c.trim().to_lowercase()).collect();
    let mut values: Vec<String> = columns_and_values.iter().map(|(_, v)| v.clone()).collect();
    for (column, _) in SIGN_IN_REQUIRED {
        if !columns.iter().any(|c| c == column) {
            columns.push(column.to_string());
            values.push(String::new());
        }
    }
    let mut csv = csv::Writer::from_writer(Vec::new());
    let written = csv.write_record(&columns).and_then(|_| csv.write_record(&values));
    let text = csv.into_inner().ok().and_then(|bytes| String::from_utf8(bytes).ok());
    let (Ok(()), Some(text)) = (written, text) else { return issues };
    let sandbox = Sandbox::default();
    let builtin = TableCampaign {
        campaign_text: crate::model::campaign::DEFAULT_CAMPAIGN,
        campaign_dir: Path::new("."),
        sandbox: &sandbox,
    };
    let campaign = campaign.unwrap_or(&builtin);
    let table = table("sign-in", &text, Some(campaign));
    let Some(row) = table.rows.first() else { return issues };
    let campaigns_own = campaign_problems(&columns, &values, campaign);
    let cell = |column: &Option<String>| {
        column.as_ref().and_then(|c| columns.iter().position(|h| h == c)).map_or("", |i| values[i].trim())
    };
    for found in &row.issues {
        let column = found.column.clone();
        // Said above, in plainer words.
        if issues.iter().any(|i| i.column == column && i.severity == Severity::Error) {
            continue;
        }
        // A design whose box is too small for anyone's address is no mistake of this person's.
        if campaigns_own
            .iter()
            .any(|(code, place)| *code == found.code && *place == layout_place(&found.message))
        {
            continue;
        }
        let Some(message) = plain_words(found, cell(&column)) else { continue };
        if issues.iter().any(|i| i.column == column && i.message == message) {
            continue;
        }
        let severity = match found.code.as_str() {
            "data.zip" | "data.state" => Severity::Error,
            _ => found.severity,
        };
        issues.push(CellIssue { column, severity, message, hints: Vec::new(), ..found.clone() });
    }
    issues
}

/// The layout problems (code and where: `handwritten-letter, text element `from``) a short,
/// plain row making the same pieces has with `campaign`: the campaign's own.
fn campaign_problems(
    columns: &[String],
    values: &[String],
    campaign: &TableCampaign,
) -> Vec<(String, String)> {
    let plain = [
        ("name", "Ana Lima"),
        ("address1", "1 Main St"),
        ("city", "Boston"),
        ("state", "MA"),
        ("zip", "02134"),
    ];
    let sample: Vec<String> = columns
        .iter()
        .zip(values)
        .map(|(column, value)| match plain.iter().find(|(c, _)| c == column) {
            Some((_, v)) => v.to_string(),
            None if participants::COUNT_COLUMNS.contains(&column.as_str()) => value.clone(),
            None => String::new(),
        })
        .collect();
    let mut csv = csv::Writer::from_writer(Vec::new());
    let written = csv.write_record(columns).and_then(|_| csv.write_record(&sample));
    let Some(text) = written.ok().and_then(|_| csv.into_inner().ok()).and_then(|b| String::from_utf8(b).ok())
    else {
        return Vec::new();
    };
    let table = table("sample", &text, Some(campaign));
    table
        .rows
        .iter()
        .flat_map(|r| &r.issues)
        .map(|i| (i.code.clone(), layout_place(&i.message).to_string()))
        .collect()
}

/// Where a layout message of a row is (`handwritten-letter, text element `from``), past the
/// row's name.
fn layout_place(message: &str) -> &str {
    let after_name = match message.strip_prefix('`').and_then(|rest| rest.split_once("`: ")) {
        Some((_, rest)) => rest,
        None => message,
    };
    after_name.split(": ").next().unwrap_or(after_name)
}

/// What a row's issue means, for the person who typed `value` on a phone; `None` for issues
/// a sign-in says otherwise (a missing value) or cannot have (a repeated row).
fn plain_words(issue: &CellIssue, value: &str) -> Option<String> {
    let column = issue.column.as_deref().unwrap_or("");
    let message = &issue.message;
    Some(match issue.code.as_str() {
        "data.repaired" => format!("We will print this as '{}'.", issue.repaired.as_deref().unwrap_or(value)),
        "data.zip" => "The ZIP code should be 5 digits, like 02134.".into(),
        "data.state" => format!("We could not find a state called '{value}'. Use the two-letter code, like MA."),
        "limit.csv-value" => "This is too long. Please shorten it.".into(),
        "data.return-address" | "data.duplicate" | "data.shifted-row" | "data.empty-lines" => return None,
        _ if message.contains("no font has the character `") => {
            let after = message.split_once("no font has the character `").map_or("", |(_, rest)| rest);
            let character = after.split('`').next().unwrap_or("");
            format!("We cannot print the character '{character}' with our fonts. Please write this with other letters.")
        }
        _ if message.contains("does not fit") || message.contains("too long") => match column {
            "name" => "This name is too long to fit on the envelope. Please shorten it.".into(),
            "city" => "This town name is too long to fit on the envelope. Please shorten it.".into(),
            _ => "This address line is too long to fit on the envelope. Shorten it, for example 'Apt' for 'Apartment'.".into(),
        },
        _ => {
            let mut chars = message.chars();
            let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
            format!("{first}{}.", chars.as_str())
        }
    })
}

/// Each row's pieces laid out as build lays them out, for what does not fit and characters no
/// font has: the parts of the campaign's designs that show a participant's values (the
/// letter's return address and name, the card's name, the postcard's return address, the
/// campaign's own envelope design) and the envelopes' return addresses. A campaign that does not load gives no row problems (the
/// campaign form reports it).
fn fit_problems(list: &List, source: &Source, given: &TableCampaign) -> Vec<Diagnostic> {
    let Ok(loaded) = campaign::load_text(given.campaign_text, given.campaign_dir, given.sandbox) else {
        return Vec::new();
    };
    let mut warnings = Warnings::default();
    let Ok(envelope_fonts) = crate::kit::envelope_fonts(&loaded, &list.people, &mut warnings) else {
        return Vec::new();
    };
    let defaults = &loaded.campaign.defaults;
    let makes = |p: &Participant| {
        [
            p.letters.unwrap_or(defaults.letters),
            p.cards.unwrap_or(defaults.cards),
            p.postcards.unwrap_or(defaults.postcards),
        ]
        .map(|n| n > 0)
    };
    let any = |kind: usize| list.people.iter().any(|p| makes(p)[kind]);
    let c = &loaded.campaign;
    let own_parts = |key: &str, name: &str, paper| {
        let mut design = campaign_design(&loaded, key, name, paper).ok()?;
        let all_rows = |field: &str| {
            let values: Vec<String> =
                list.people.iter().filter_map(|p| fields::participant_field(Some(p), field)).collect();
            (!values.is_empty()).then(|| values.join(" "))
        };
        design.elements.retain(|e| shows_participant(e, &list.headers));
        crate::model::fallback::prepare_design(
            &mut design,
            &all_rows,
            &[],
            &loaded.fonts,
            &loaded.sandbox,
            &mut Warnings::default(),
        )
        .ok()?;
        Some(design)
    };
    let letter = if any(0) { own_parts("letter", &c.letter, Some(loaded.paper)) } else { None };
    let card = if any(1) { own_parts("card", &c.card, None) } else { None };
    let postcard = if any(2) { own_parts("postcard", &c.postcard, None) } else { None };
    let envelope_design = match &c.envelope_design {
        Some(name) if any(0) => own_parts("envelope_design", name, None),
        _ => None,
    };
    let card_envelope = card.as_ref().and_then(|card| {
        if c.card_envelope == "auto" {
            crate::mail::smallest_envelope_for(card.width, card.height)
        } else {
            formats::find(&c.card_envelope, Some(formats::Kind::Envelope)).ok()
        }
    });
    let delivery = loaded.delivery_lines();
    let at = |p: &Participant, column: &str, d: Diagnostic| {
        let index = list.headers.iter().position(|h| h == column).map_or(1, |i| i + 1);
        let code = d.code.or_else(|| {
            if d.message.contains("no font has") {
                Some("print.missing-glyph")
            } else {
                Some("print.overflow")
            }
        });
        Diagnostic { message: format!("`{}`: {}", p.name, d.message), code, ..d }
            .in_file(&source.path)
            .at(p.line, index)
    };
    let row = |p: &Participant| -> Vec<Diagnostic> {
        let mut found = Vec::new();
        let [letters, cards, postcards] = makes(p);
        let mut envelope = |format: &Format, what: &str| {
            let return_lines = p.return_address();
            let abroad = p.abroad().then(|| crate::mail::countries::from_abroad(&delivery));
            let content = pages::EnvelopeContent {
                return_lines: Some(&return_lines),
                delivery_lines: abroad.as_deref().unwrap_or(&delivery),
                piece: Some("L-0000"),
                labels: &loaded.labels,
            };
            if let Err(m) = pages::envelope(&envelope_fonts, format, &content) {
                let column = column_of(&m, p, &["address1", "address2", "city", "name"]);
                found.push(at(p, column, Diagnostic::error(format!("{what}: {m}"))));
            }
        };
        if letters && c.envelope_design.is_none() {
            envelope(loaded.envelope, "envelope for a letter");
        }
        if let (true, Some(format)) = (cards, card_envelope) {
            envelope(format, "envelope for a card");
        }
        for (makes, design, key) in [
            (letters, &letter, "letter"),
            (letters, &envelope_design, "letter"),
            (cards, &card, "card"),
            (postcards, &postcard, "postcard"),
        ] {
            let (true, Some(design)) = (makes, design) else { continue };
            let data = super::sample_fields(&loaded, Some(p), key);
            let (_, errors) =
                crate::layout::layout_pages(design, &data, &Pictures::default(), &mut Warnings::default());
            for d in errors {
                let used: Vec<&str> = design_fields(design, &d.message);
                let column = column_of(&d.message, p, &used);
                let named = match d
                    .file
                    .as_ref()
                    .and_then(|f| f.to_str())
                    .and_then(|f| f.strip_prefix("builtin:designs/"))
                {
                    Some(file) => Diagnostic {
                        message: format!("{}, {}", file.trim_end_matches(".toml"), d.message),
                        ..d
                    },
                    None => d,
                };
                found.push(at(p, column, named));
            }
        }
        found
    };
    use rayon::prelude::*;
    list.people.par_iter().flat_map_iter(row).collect()
}

/// Whether an element shows one of a participant's values (a column, or a line made from them).
fn shows_participant(element: &Element, headers: &[String]) -> bool {
    let (Body::Text(spec) | Body::Address(spec)) = &element.body else { return false };
    spec.template
        .fields()
        .iter()
        .any(|f| fields::PARTICIPANT_FIELDS.contains(f) || headers.iter().any(|h| h == f))
}

/// The columns the element a layout message names (`text element `from`: ...`) shows, in
/// the order to blame them: street lines first (the longest values), then the city and name.
fn design_fields<'a>(design: &'a Design, message: &str) -> Vec<&'a str> {
    let element = design.elements.iter().find(|e| message.starts_with(&e.label));
    let mut columns = Vec::new();
    let Some(Body::Text(spec) | Body::Address(spec)) = element.map(|e| &e.body) else { return columns };
    for field in spec.template.fields() {
        match field {
            "return_address" => columns.extend(["address1", "address2", "city", "name"]),
            "city_line" => columns.extend(["city", "state", "zip"]),
            other => columns.push(other),
        }
    }
    columns
}

/// The column a layout problem comes from: the one holding the character it names (`王`),
/// else the one holding the line it quotes, else the longest of `candidates`.
fn column_of<'a>(message: &str, p: &'a Participant, candidates: &[&'a str]) -> &'a str {
    let value = |column: &str| fields::participant_field(Some(p), column).unwrap_or_default();
    let columns = ["name", "address1", "address2", "city", "state", "zip"];
    let all = columns.iter().copied().chain(p.extra.keys().map(String::as_str));
    if let Some(character) = message.split('`').skip(1).step_by(2).find(|s| s.chars().count() == 1)
        && let Some(column) = all.clone().find(|c| value(c).contains(character))
    {
        return column;
    }
    if let Some(quoted) = message.split('"').nth(1).filter(|q| q.chars().count() > 1)
        && let Some(column) = all.clone().find(|c| !value(c).is_empty() && quoted.contains(value(c).as_str()))
    {
        return column;
    }
    candidates.iter().copied().max_by_key(|c| value(c).chars().count()).unwrap_or("name")
}
