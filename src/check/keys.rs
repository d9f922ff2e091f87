//! Reading a TOML file for every format problem at once. serde stops at the first unknown key
//! or bad value; this walks the parsed document (with spans) against the JSON schema of the
//! type it must become (the same one `schemars` derives from the serde types, so the key lists
//! never drift) and reports every problem: syntax errors, unknown keys with the nearest known
//! one, values of the wrong kind, unknown choices, lengths and colours that do not parse, and
//! missing keys.
//!
//! So that the checks after reading (styles, pages, fonts, ...) can run too, the entries with
//! problems are blanked out (replaced by spaces, so every position stays the same) in a copy of
//! the text, when that is safe; errors that follow from a blanked value are then left out.

use std::ops::Range;

use crate::base::diag::nearest;

use serde_json::Value as Json;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::base::diag::{Diagnostic, Source};
use crate::base::units::{Color, Length};

/// What reading a file against its schema found.
pub struct Outcome {
    /// Every problem, in file order.
    pub problems: Vec<Diagnostic>,
    /// Whether the file is not TOML at all (nothing else can be checked then).
    pub syntax: bool,
    /// The text with the entries that have problems blanked out, when every one could be and
    /// the result still reads as TOML; `None` when the checks after reading cannot run.
    pub patched: Option<String>,
    /// Line ranges (1-based, end exclusive) of the tables where a value was blanked out:
    /// errors found there after reading may only follow from the blanked value.
    pub tainted: Vec<Range<usize>>,
    /// Whether a top-level value was blanked out: errors about the whole file may follow from it.
    pub tainted_top: bool,
}

/// Checks `source` against the schema of `T`.
pub fn check<T: schemars::JsonSchema>(source: &Source) -> Outcome {
    let schema = schemars::schema_for!(T);
    check_with(source, schema.as_value())
}

/// Checks `source` against a JSON schema (with `$defs`).
pub fn check_with(source: &Source, schema: &Json) -> Outcome {
    if let Err(too_large) = crate::input::toml_size(source) {
        let problems = vec![too_large];
        return Outcome { problems, syntax: true, patched: None, tainted: Vec::new(), tainted_top: false };
    }
    let (document, errors) = DeTable::parse_recoverable(&source.text);
    if !errors.is_empty() {
        let mut problems: Vec<Diagnostic> = errors
            .iter()
            .map(|e| {
                let offset = e.span().map_or(0, |s| s.start);
                Diagnostic::error(e.message().trim().to_string())
                    .at_offset(source, offset)
                    .code("format.toml-syntax")
                    .hint("this is not valid TOML here; see the examples in the examples/ folder")
            })
            .collect();
        problems.dedup_by(|a, b| a.position == b.position);
        return Outcome { problems, syntax: true, patched: None, tainted: Vec::new(), tainted_top: false };
    }
    let mut walker = Walker { source, defs: schema.get("$defs"), found: Vec::new() };
    let root_span = document.span();
    let root = Spanned::new(root_span.clone(), DeValue::Table(document.into_inner()));
    let top = Place { label: String::new(), key: None, entry: None, table: None, own: false };
    walker.walk(&root, schema, &top);
    let mut found = walker.found;
    found.sort_by_key(|f| f.offset);

    let mut patched = Some(source.text.clone());
    let mut tainted = Vec::new();
    let mut tainted_top = false;
    for f in &found {
        match (&f.entry, &mut patched) {
            (Some(entry), Some(text)) if !f.fatal => {
                blank(text, entry.clone());
                match &f.table {
                    Some(table) if f.taints && *table == root_span => tainted_top = true,
                    Some(table) if f.taints => {
                        tainted.push(source.line_column(table.start).0..source.line_column(table.end).0 + 1);
                    }
                    _ => {}
                }
            }
            _ => patched = None,
        }
    }
    if let Some(text) = &patched
        && DeTable::parse(text).is_err()
    {
        patched = None;
    }
    let problems = found.into_iter().map(|f| f.diagnostic).collect();
    Outcome { problems, syntax: false, patched, tainted, tainted_top }
}

/// Replaces every character in `range` but line ends with spaces (byte for byte).
fn blank(text: &mut String, range: Range<usize>) {
    let blanked: String =
        text[range.clone()].chars().map(|c| if c == '\n' || c == '\r' { c } else { ' ' }).collect();
    // Multi-byte characters become one space each; pad so later offsets do not move.
    let pad = range.len() - blanked.len();
    text.replace_range(range, &(blanked + &" ".repeat(pad)));
}

struct Found {
    offset: usize,
    diagnostic: Diagnostic,
    /// The line entry to blank out so the rest of the file can be read.
    entry: Option<Range<usize>>,
    /// The table the entry is in.
    table: Option<Range<usize>>,
    /// Whether blanking the entry changes what the file means (a bad value, not an unknown key).
    taints: bool,
    /// Whether the file cannot be read without this entry (a required key's bad value).
    fatal: bool,
}

/// Where in the document a value is.
#[derive(Clone)]
struct Place {
    /// For messages: "text element `body`", "[styles.small]", or empty at the top.
    label: String,
    /// The key the value is under, if any.
    key: Option<String>,
    /// The outermost `key = value` line entry that holds the value, to blank out.
    entry: Option<Range<usize>>,
    /// The span of the table that entry is in.
    table: Option<Range<usize>>,
    /// Whether `entry` is this key's own line (not a line that holds more, like an inline table).
    own: bool,
}

struct Walker<'a> {
    source: &'a Source,
    defs: Option<&'a Json>,
    found: Vec<Found>,
}

impl<'a> Walker<'a> {
    /// Records a problem with the value at `offset`; `code` is its check in the registry.
    fn report(
        &mut self,
        place: &Place,
        offset: usize,
        code: &'static str,
        message: String,
        hint: Option<String>,
        taints: bool,
    ) {
        let message = if place.label.is_empty() { message } else { format!("{}: {message}", place.label) };
        let mut diagnostic = Diagnostic::error(message).at_offset(self.source, offset).code(code);
        if let Some(h) = hint {
            diagnostic = diagnostic.hint(h);
        }
        self.found.push(Found {
            offset,
            diagnostic,
            entry: place.entry.clone(),
            table: place.table.clone(),
            taints,
            fatal: false,
        });
    }

    /// Follows a `$ref`; returns the schema and the definition's name.
    fn resolve(&self, schema: &'a Json) -> (&'a Json, Option<&'a str>) {
        let mut schema = schema;
        let mut name = None;
        for _ in 0..8 {
            let Some(reference) = schema.get("$ref").and_then(Json::as_str) else { break };
            let Some(def) = reference.strip_prefix("#/$defs/") else { break };
            match self.defs.and_then(|d| d.get(def)) {
                Some(s) => {
                    schema = s;
                    name = Some(def);
                }
                None => break,
            }
        }
        (schema, name)
    }

    fn walk(&mut self, value: &Spanned<DeValue<'_>>, schema: &'a Json, place: &Place) {
        let (schema, def) = self.resolve(schema);
        let start = value.span().start;
        let key = place.key.as_deref().map_or(String::new(), |k| format!("`{k}`: "));
        match def {
            Some("Length") => {
                let problem = match value.get_ref() {
                    DeValue::String(s) => Length::parse(s).err(),
                    DeValue::Integer(_) | DeValue::Float(_) => Some(format!(
                        "a length needs a unit in quotes, like \"{0}pt\" or \"{0}in\"",
                        source_text(self.source, value.span())
                    )),
                    other => Some(format!(
                        "a length is a number with a unit in quotes, like \"12pt\", not {}",
                        kind_words(other)
                    )),
                };
                if let Some(p) = problem {
                    self.report(place, start, "format.bad-value", format!("{key}{p}"), None, true);
                }
                return;
            }
            Some("Color") => {
                let problem = match value.get_ref() {
                    DeValue::String(s) => Color::parse(s).err(),
                    other => Some(format!(
                        "a colour is text in quotes, like \"#1a1a1a\" or \"black\", not {}",
                        kind_words(other)
                    )),
                };
                if let Some(p) = problem {
                    self.report(place, start, "format.bad-value", format!("{key}{p}"), None, true);
                }
                return;
            }
            _ => {}
        }
        let alternatives = schema.get("anyOf").or_else(|| schema.get("oneOf")).and_then(Json::as_array);
        if let Some(alternatives) = alternatives {
            let choices: Option<Vec<&str>> =
                alternatives.iter().map(|a| a.get("const").and_then(Json::as_str)).collect();
            if let Some(choices) = choices {
                self.choice(value, &choices, place);
                return;
            }
            let options: Vec<&Json> = alternatives
                .iter()
                .filter(|a| a.get("type").and_then(Json::as_str) != Some("null"))
                .collect();
            let fitting = options.iter().find(|a| self.fits(value.get_ref(), a)).or(options.first());
            if let Some(alternative) = fitting {
                if options.len() > 1 && !self.fits(value.get_ref(), alternative) {
                    let wanted: Vec<String> = options.iter().map(|a| self.expected(a)).collect();
                    let message = format!(
                        "{key}this takes {}, not {}",
                        wanted.join(" or "),
                        kind_words(value.get_ref())
                    );
                    self.report(place, start, "format.wrong-type", message, None, true);
                    return;
                }
                self.walk(value, alternative, place);
            }
            return;
        }
        if !self.fits(value.get_ref(), schema) {
            let message =
                format!("{key}this takes {}, not {}", self.expected(schema), kind_words(value.get_ref()));
            self.report(place, start, "format.wrong-type", message, None, true);
            return;
        }
        match value.get_ref() {
            DeValue::Table(table) => self.table(table, value.span(), schema, place),
            DeValue::Array(items) => {
                let count = items.len() as u64;
                let min = schema.get("minItems").and_then(Json::as_u64);
                let max = schema.get("maxItems").and_then(Json::as_u64);
                if let (Some(min), Some(max)) = (min, max)
                    && min == max
                    && count != min
                {
                    let lengths = schema
                        .get("items")
                        .and_then(|i| i.get("$ref"))
                        .and_then(Json::as_str)
                        .is_some_and(|r| r.ends_with("/Length"));
                    let like = if lengths { "[\"5in\", \"7in\"]" } else { "[0.5, 0.3]" };
                    let message =
                        format!("{key}this takes a list of {min} values, like {like}; it has {count}");
                    self.report(place, start, "format.list-length", message, None, true);
                }
                if let Some(max) = max
                    && min != Some(max)
                    && count > max
                {
                    // A list over its limit is not walked item by item: that is the cost.
                    let message = format!("{key}this list has {count} items; letterkit takes up to {max}");
                    self.report(place, start, "format.list-length", message, None, true);
                    return;
                }
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        let child = self.item_place(place, item, i);
                        self.walk(item, item_schema, &child);
                    }
                }
            }
            DeValue::Integer(i) => {
                let min = schema.get("minimum").and_then(Json::as_f64);
                let number =
                    i64::from_str_radix(i.as_str().replace('_', "").trim_start_matches('+'), i.radix());
                match number {
                    Ok(n) if min.is_some_and(|m| (n as f64) < m) => {
                        self.report(
                            place,
                            start,
                            "format.bad-value",
                            format!("{key}this cannot be negative"),
                            None,
                            true,
                        );
                    }
                    Ok(n)
                        if schema.get("format").and_then(Json::as_str) == Some("uint32")
                            && n > i64::from(u32::MAX) =>
                    {
                        self.report(
                            place,
                            start,
                            "format.bad-value",
                            format!("{key}{n} is too large"),
                            None,
                            true,
                        );
                    }
                    Err(_) => self.report(
                        place,
                        start,
                        "format.bad-value",
                        format!("{key}this number is too large"),
                        None,
                        true,
                    ),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// A string that must be one of a few words.
    fn choice(&mut self, value: &Spanned<DeValue<'_>>, choices: &[&str], place: &Place) {
        let key = place.key.as_deref().map_or(String::new(), |k| format!("`{k}`: "));
        let list = choices.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
        match value.get_ref() {
            DeValue::String(s) if choices.contains(&s.as_ref()) => {}
            DeValue::String(s) => {
                let hint = match nearest(s, choices.iter().copied()) {
                    Some(n) => format!("did you mean \"{n}\"?"),
                    None => format!("use one of: {list}"),
                };
                self.report(
                    place,
                    value.span().start,
                    "format.unknown-choice",
                    format!("{key}unknown value `{s}`"),
                    Some(hint),
                    true,
                );
            }
            other => {
                let message = format!("{key}this takes one of {list} (in quotes), not {}", kind_words(other));
                self.report(place, value.span().start, "format.wrong-type", message, None, true);
            }
        }
    }

    fn table(&mut self, table: &DeTable<'_>, span: Range<usize>, schema: &'a Json, place: &Place) {
        let properties = schema.get("properties").and_then(Json::as_object);
        let additional = schema.get("additionalProperties");
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Json::as_array)
            .map_or_else(Vec::new, |r| r.iter().filter_map(Json::as_str).collect());
        for (key, value) in table.iter() {
            let name: &str = key.get_ref();
            let child = self.key_place(place, key, value, &span, name);
            let fatal_before = self.found.len();
            match properties.and_then(|p| p.get(name)) {
                Some(property) => self.walk(value, property, &child),
                None => match additional {
                    Some(Json::Bool(false)) => {
                        let known: Vec<&str> =
                            properties.map_or_else(Vec::new, |p| p.keys().map(String::as_str).collect());
                        let hint = match nearest(name, known.iter().copied()) {
                            Some(n) => format!("did you mean `{n}`?"),
                            None => format!("the keys here are: {}", known.join(", ")),
                        };
                        let here = Place { key: None, ..child.clone() };
                        // Blanking a line that holds more than this key changes what the file
                        // means; blanking the key's own line does not (the key had no effect).
                        let taints = !child.own;
                        self.report(
                            &here,
                            key.span().start,
                            "format.unknown-key",
                            format!("unknown key `{name}`"),
                            Some(hint),
                            taints,
                        );
                    }
                    Some(s @ Json::Object(_)) => self.walk(value, s, &child),
                    _ => {}
                },
            }
            if required.contains(&name) && child.own {
                // Blanking this key's own line would leave the table without it.
                for f in &mut self.found[fatal_before..] {
                    if f.entry == child.entry {
                        f.fatal = true;
                    }
                }
            }
        }
        for name in required {
            if !table.iter().any(|(k, _)| <str as AsRef<str>>::as_ref(k.get_ref()) == name) {
                let message = format!("missing key `{name}`");
                let hint = Some(format!("add `{name} = ...` here"));
                let before = self.found.len();
                self.report(
                    &Place { entry: None, ..place.clone() },
                    span.start,
                    "format.missing-key",
                    message,
                    hint,
                    true,
                );
                self.found[before].fatal = true;
            }
        }
    }

    /// The place of a table's entry: its label, and the line to blank when it is a whole
    /// `key = value` line (not a `[header]`, not inside an inline table or list).
    fn key_place(
        &self,
        parent: &Place,
        key: &Spanned<toml::de::DeString<'_>>,
        value: &Spanned<DeValue<'_>>,
        table: &Range<usize>,
        name: &str,
    ) -> Place {
        let label = if matches!(value.get_ref(), DeValue::Table(_)) {
            if parent.label.is_empty() {
                format!("[{name}]")
            } else {
                format!("{}.{name}", parent.label.trim_end_matches(']')) + "]"
            }
        } else {
            parent.label.clone()
        };
        let own =
            parent.entry.is_none().then(|| line_entry(&self.source.text, key.span(), value.span())).flatten();
        let table = if parent.entry.is_some() { parent.table.clone() } else { Some(table.clone()) };
        Place {
            label,
            key: Some(name.to_string()),
            own: own.is_some(),
            entry: parent.entry.clone().or(own),
            table,
        }
    }

    /// The place of a list item; `[[element]]` tables are labelled as the design labels them.
    fn item_place(&self, parent: &Place, item: &Spanned<DeValue<'_>>, index: usize) -> Place {
        let mut place = Place { own: false, ..parent.clone() };
        if let DeValue::Table(t) = item.get_ref() {
            let get = |k: &str| t.get(k).and_then(|v| v.get_ref().as_str()).map(str::to_string);
            let kinds: Vec<&str> = self
                .defs
                .and_then(|d| d.get("ElementKind"))
                .and_then(|k| k.get("oneOf"))
                .and_then(Json::as_array)
                .map_or_else(Vec::new, |a| {
                    a.iter().filter_map(|v| v.get("const").and_then(Json::as_str)).collect()
                });
            let kind = get("kind").filter(|k| kinds.contains(&k.as_str())).map_or(String::new(), |k| k + " ");
            place.label = match (parent.key.as_deref(), get("name")) {
                (Some("element"), Some(name)) => format!("{kind}element `{name}`"),
                (Some("element"), None) => format!("{kind}element #{}", index + 1),
                (Some(key), _) => format!("[[{key}]] #{}", index + 1),
                (None, _) => format!("{} item {}", parent.label, index + 1),
            };
            place.key = None;
        }
        place
    }

    /// Whether a value has one of the schema's types.
    fn fits(&self, value: &DeValue<'_>, schema: &'a Json) -> bool {
        let (schema, def) = self.resolve(schema);
        if matches!(def, Some("Length")) {
            return true; // checked with its own message
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Json::String(t)) => vec![t.as_str()],
            Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
            _ => {
                if schema.get("oneOf").or_else(|| schema.get("anyOf")).is_some() {
                    return true;
                }
                return true;
            }
        };
        types.iter().any(|t| {
            matches!(
                (*t, value),
                ("string", DeValue::String(_))
                    | ("boolean", DeValue::Boolean(_))
                    | ("integer", DeValue::Integer(_))
                    | ("number", DeValue::Integer(_) | DeValue::Float(_))
                    | ("array", DeValue::Array(_))
                    | ("object", DeValue::Table(_))
            )
        })
    }

    /// What a schema takes, in words.
    fn expected(&self, schema: &'a Json) -> String {
        let (schema, def) = self.resolve(schema);
        match def {
            Some("Length") => return "a length in quotes, like \"12pt\"".into(),
            Some("Color") => return "a colour in quotes, like \"#1a1a1a\"".into(),
            _ => {}
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Json::String(t)) => vec![t.as_str()],
            Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).filter(|t| *t != "null").collect(),
            _ => vec![],
        };
        let words: Vec<&str> = types
            .iter()
            .map(|t| match *t {
                "string" => "text in quotes",
                "boolean" => "true or false",
                "integer" => "a whole number",
                "number" => "a number",
                "array" => "a list in brackets",
                "object" => "a table",
                _ => "a value",
            })
            .collect();
        if words.is_empty() { "another kind of value".into() } else { words.join(" or ") }
    }
}

/// The range of a whole `key = value` line (from the start of the line to the end of the
/// value), if the entry stands on lines of its own.
fn line_entry(text: &str, key: Range<usize>, value: Range<usize>) -> Option<Range<usize>> {
    let line_start = text[..key.start].rfind('\n').map_or(0, |p| p + 1);
    let before = &text[line_start..key.start];
    if !before.trim().is_empty() {
        return None;
    }
    let between = text.get(key.end..value.start)?;
    if !between.contains('=')
        || between.contains('[')
        || between.contains('\n') && !between.trim().starts_with('=')
    {
        return None;
    }
    let line_end = text[value.end..].find('\n').map_or(text.len(), |p| value.end + p);
    let after = text[value.end..line_end].trim();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    Some(line_start..value.end)
}

fn source_text(source: &Source, span: Range<usize>) -> String {
    source.text.get(span).unwrap_or("").trim().to_string()
}

/// A value's kind in words, for messages.
fn kind_words(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "text",
        DeValue::Integer(_) => "a whole number",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "true or false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swapped_letters_are_one_typo() {
        assert_eq!(nearest("widht", ["weight", "width", "x"]), Some("width"));
        assert_eq!(nearest("colour", ["color", "font"]), Some("color"));
        assert_eq!(nearest("zzzzzz", ["width"]), None);
    }
}
