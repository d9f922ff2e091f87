//! The campaign as a form (the organiser page's fields), read from and written into the campaign's TOML with every comment kept.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, TableLike, Value};

use crate::base::diag::{Diagnostic, Error, Result, Source};
use crate::base::formats::{self, Kind};
use crate::input::limits::{MAX_HASHTAGS, MAX_PER_PERSON, MAX_POINTS_PER_THEME, MAX_THEMES};
use crate::model::campaign::Campaign;
use crate::model::design;

/// The parts of a campaign an organiser edits in the browser. Everything else in the file
/// (envelope, mentions, typed paragraphs, fonts, ...) is kept as it is by [`CampaignForm::apply`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignForm {
    /// The campaign's name.
    pub name: String,
    /// Who runs it; empty when the campaign names no one.
    pub organizer: String,
    /// The official the mail goes to.
    pub recipient: RecipientForm,
    /// The closing above the signature.
    pub sign_off: String,
    /// Hashtags for the social-media photo.
    pub hashtags: Vec<String>,
    /// "us-letter" or "a4".
    pub paper: String,
    /// "handwritten", "typed", or a design file's name.
    pub letter: String,
    /// What each participant makes unless their row says otherwise.
    pub defaults: DefaultsForm,
    /// Talking points by theme.
    pub talking_points: Vec<ThemeForm>,
}

/// The recipient's part of the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecipientForm {
    /// Name line, e.g. "The Honorable Alejandro Mayorkas".
    pub name: String,
    /// Title lines.
    pub title: Vec<String>,
    /// Organisation.
    pub organization: String,
    /// Street lines and the last line "City, ST ZIP".
    pub address: Vec<String>,
    /// The letter's salutation.
    pub salutation: String,
}

/// What each participant makes by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefaultsForm {
    /// Letters per participant.
    pub letters: u32,
    /// Cards per participant.
    pub cards: u32,
    /// Postcards per participant.
    pub postcards: u32,
}

/// One theme of talking points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeForm {
    /// The theme.
    pub theme: String,
    /// Its points.
    pub points: Vec<String>,
}

/// The form's top-level fields, as its messages name them.
const FORM_FIELDS: &[&str] = &[
    "name",
    "organizer",
    "recipient",
    "sign_off",
    "hashtags",
    "paper",
    "letter",
    "defaults",
    "talking_points",
];

/// A problem with one field of the form, for showing next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// The field, as `recipient.salutation` or `talking_points[2].points[0]`.
    pub field: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl CampaignForm {
    /// Reads the form's values from a campaign's TOML text; errors as reading the campaign gives them.
    pub fn read(source: &Source) -> Result<CampaignForm> {
        let campaign: Campaign = design::from_toml(source)?;
        let r = campaign.recipient;
        Ok(CampaignForm {
            name: campaign.name,
            organizer: campaign.organizer.unwrap_or_default(),
            recipient: RecipientForm {
                name: r.name,
                title: r.title,
                organization: r.organization,
                address: r.address,
                salutation: r.salutation,
            },
            sign_off: campaign.sign_off,
            hashtags: campaign.hashtags,
            paper: campaign.paper,
            letter: campaign.letter,
            defaults: DefaultsForm {
                letters: campaign.defaults.letters,
                cards: campaign.defaults.cards,
                postcards: campaign.defaults.postcards,
            },
            talking_points: campaign
                .talking_points
                .into_iter()
                .map(|t| ThemeForm { theme: t.theme, points: t.points })
                .collect(),
        })
    }

    /// What is wrong with the form's values, each named by its field; empty when nothing is.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut found = Vec::new();
        let mut problem = |field: String, message: String| found.push(FieldProblem { field, message });
        let blank = |s: &str| s.trim().is_empty();
        if blank(&self.name) {
            problem("name".into(), "The campaign needs a name.".into());
        }
        if let Err(d) = formats::find(&self.paper, Some(Kind::Paper)) {
            problem("paper".into(), format!("{}; use \"us-letter\" or \"a4\".", capitalised(&d.message)));
        }
        if blank(&self.letter) {
            problem(
                "letter".into(),
                "Choose the letter: \"handwritten\", \"typed\", or the name of your own design file.".into(),
            );
        }
        let r = &self.recipient;
        if blank(&r.name) {
            problem(
                "recipient.name".into(),
                "The recipient needs a name, as it goes on the envelope.".into(),
            );
        }
        if r.address.iter().all(|l| blank(l)) {
            problem(
                "recipient.address".into(),
                "The recipient's address needs at least its last line, like \"Washington, DC 20528\".".into(),
            );
        }
        for (field, lines) in [("recipient.title", &r.title), ("recipient.address", &r.address)] {
            for (i, line) in lines.iter().enumerate() {
                if line.contains(['\n', '\r']) {
                    problem(
                        format!("{field}[{i}]"),
                        "Put each line of the address in a field of its own.".into(),
                    );
                }
            }
        }
        for (field, value) in [
            ("name", &self.name),
            ("recipient.name", &r.name),
            ("recipient.organization", &r.organization),
            ("recipient.salutation", &r.salutation),
        ] {
            if value.contains(['\n', '\r']) {
                problem(field.into(), "This takes one line; remove the line break.".into());
            }
        }
        if self.hashtags.len() > MAX_HASHTAGS {
            problem(
                "hashtags".into(),
                format!(
                    "{} hashtags is too many; letterkit takes up to {MAX_HASHTAGS}.",
                    self.hashtags.len()
                ),
            );
        }
        for (key, n) in [
            ("letters", self.defaults.letters),
            ("cards", self.defaults.cards),
            ("postcards", self.defaults.postcards),
        ] {
            if n > MAX_PER_PERSON {
                problem(
                    format!("defaults.{key}"),
                    format!("{n} is more than {MAX_PER_PERSON} {key} for one person."),
                );
            }
        }
        if self.talking_points.len() > MAX_THEMES {
            problem(
                "talking_points".into(),
                format!(
                    "{} themes is too many; letterkit takes up to {MAX_THEMES}.",
                    self.talking_points.len()
                ),
            );
        }
        for (t, theme) in self.talking_points.iter().enumerate() {
            if blank(&theme.theme) {
                problem(format!("talking_points[{t}].theme"), "The theme needs a title.".into());
            }
            if theme.points.len() > MAX_POINTS_PER_THEME {
                problem(
                    format!("talking_points[{t}].points"),
                    format!(
                        "{} points is too many for one theme; letterkit takes up to {MAX_POINTS_PER_THEME}.",
                        theme.points.len()
                    ),
                );
            }
            for (p, point) in theme.points.iter().enumerate() {
                if blank(point) {
                    problem(
                        format!("talking_points[{t}].points[{p}]"),
                        "This talking point is empty; write it or remove it.".into(),
                    );
                }
            }
        }
        found
    }

    /// The campaign text with the form's values written in, every comment and the layout of
    /// untouched keys kept (toml_edit). Checked by parsing the result as a campaign: errors
    /// name the form field (e.g. `recipient.salutation`), as [`form_field`] reads it back.
    pub fn apply(&self, source: &Source) -> Result<String> {
        if let Some(first) = self.problems().into_iter().next() {
            return Err(field_error(source, &first.field, &first.message));
        }
        let mut doc: DocumentMut = source.text.parse().map_err(|e: toml_edit::TomlError| {
            let offset = e.span().map_or(0, |s| s.start);
            Error::from(
                Diagnostic::error(format!("the campaign file is not valid TOML: {}", e.message().trim()))
                    .at_offset(source, offset)
                    .code("format.toml-syntax"),
            )
        })?;
        self.write_into(&mut doc);
        let text = doc.to_string();
        let written = Source { path: source.path.clone(), text: text.clone() };
        if let Err(e) = design::from_toml::<Campaign>(&written) {
            return Err(Error(
                e.0.into_iter()
                    .map(|d| {
                        let offset = d.position.map(|(line, column)| offset_of(&text, line, column));
                        let field = offset
                            .and_then(|o| field_at(&text, o))
                            .filter(|f| FORM_FIELDS.contains(&f.split(['.', '[']).next().unwrap_or("")))
                            .unwrap_or_else(|| "campaign".into());
                        Diagnostic { message: format!("{field}: {}", d.message), ..d }
                    })
                    .collect(),
            ));
        }
        Ok(text)
    }

    /// Writes every value that differs from the document's into it.
    fn write_into(&self, doc: &mut DocumentMut) {
        let root = doc.as_table_mut();
        set_str(root, "name", &self.name, None);
        if self.organizer.trim().is_empty() {
            root.remove("organizer");
        } else {
            set_str(root, "organizer", &self.organizer, None);
        }
        set_str_array(root, "hashtags", &self.hashtags, true);
        set_str(root, "paper", &self.paper, Some("us-letter"));
        set_str(root, "letter", &self.letter, Some("handwritten"));
        set_str(root, "sign_off", &self.sign_off, Some("Sincerely,"));
        let recipient = table_like(root, "recipient");
        let r = &self.recipient;
        set_str(recipient, "name", &r.name, None);
        set_str_array(recipient, "title", &r.title, true);
        set_str(recipient, "organization", &r.organization, None);
        set_str_array(recipient, "address", &r.address, false);
        set_str(recipient, "salutation", &r.salutation, None);
        let d = &self.defaults;
        let unchanged = d.letters == 1 && d.cards == 0 && d.postcards == 0;
        if !unchanged || root.contains_key("defaults") {
            let defaults = table_like(root, "defaults");
            set_int(defaults, "letters", d.letters, 1);
            set_int(defaults, "cards", d.cards, 0);
            set_int(defaults, "postcards", d.postcards, 0);
        }
        set_themes(root, &self.talking_points);
    }
}

/// The field a message of [`CampaignForm::apply`] names (`recipient.salutation` of
/// "recipient.salutation: ..."), if it names one.
pub fn form_field(diagnostic: &Diagnostic) -> Option<&str> {
    let (field, _) = diagnostic.message.split_once(": ")?;
    let head = field.split(['.', '[']).next().unwrap_or("");
    (head == "campaign" || FORM_FIELDS.contains(&head)).then_some(field)
}

/// An error about one field of the form, at the field's key in the campaign file when it has one.
fn field_error(source: &Source, field: &str, message: &str) -> Error {
    let key = field.split(['.', '[']).next_back().unwrap_or(field);
    let mut d = Diagnostic::error(format!("{field}: {message}")).in_file(&source.path);
    if let Some(offset) =
        source.text.find(&format!("\n{key} ")).or_else(|| source.text.find(&format!("\n{key}=")))
    {
        d = d.at_offset(source, offset + 1);
    }
    Error::from(d)
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The table (or inline table) under `key`, made (as a `[key]` table) when it is missing or not a table.
fn table_like<'a>(parent: &'a mut Table, key: &str) -> &'a mut dyn TableLike {
    let is_table = parent.get(key).is_some_and(|i| i.is_table_like());
    if !is_table {
        let mut table = Table::new();
        table.decor_mut().set_prefix("\n");
        parent.insert(key, Item::Table(table));
    }
    parent.get_mut(key).and_then(Item::as_table_like_mut).expect("made a table above")
}

/// `value` with the decor (spaces and comments around it) of `old`.
fn keeping_decor(old: &Value, value: impl Into<Value>) -> Value {
    let mut new = value.into();
    *new.decor_mut() = old.decor().clone();
    new
}

/// Sets a string value when it differs; a missing key that would hold `default` stays missing.
fn set_str(table: &mut dyn TableLike, key: &str, value: &str, default: Option<&str>) {
    match table.get_mut(key) {
        Some(item) if item.as_str() == Some(value) => {}
        Some(Item::Value(old)) => *old = keeping_decor(old, value),
        Some(item) => *item = toml_edit::value(value),
        None if default == Some(value) => {}
        None => {
            table.insert(key, toml_edit::value(value));
        }
    }
}

/// Sets a whole number when it differs; a missing key that would hold `default` stays missing.
fn set_int(table: &mut dyn TableLike, key: &str, value: u32, default: u32) {
    let value = i64::from(value);
    match table.get_mut(key) {
        Some(item) if item.as_integer() == Some(value) => {}
        Some(Item::Value(old)) => *old = keeping_decor(old, value),
        Some(item) => *item = toml_edit::value(value),
        None if value == i64::from(default) => {}
        None => {
            table.insert(key, toml_edit::value(value));
        }
    }
}

/// Sets a list of strings: kept items keep their place, spacing and comments; a missing key
/// stays missing when the list is empty and `optional`.
fn set_str_array(table: &mut dyn TableLike, key: &str, values: &[String], optional: bool) {
    match table.get_mut(key) {
        Some(Item::Value(Value::Array(array))) => edit_array(array, values),
        Some(item) => *item = toml_edit::value(Array::from_iter(values)),
        None if optional && values.is_empty() => {}
        None => {
            table.insert(key, toml_edit::value(Array::from_iter(values)));
        }
    }
}

/// Makes `array` hold `values`: items that stay keep their decor, new ones take their
/// neighbour's (so a list written one item a line stays so).
fn edit_array(array: &mut Array, values: &[String]) {
    let old: Vec<Value> = array.iter().cloned().collect();
    let old_texts: Vec<String> = old.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect();
    if old_texts == values && old.iter().all(|v| v.as_str().is_some()) {
        return;
    }
    let pattern = old.last().map(|v| v.decor().clone());
    let first = old.first().map(|v| v.decor().clone());
    array.clear();
    for (from, to) in align(&old_texts, values) {
        let Some(n) = to else { continue };
        let value = match from {
            Some(o) if old[o].as_str() == Some(values[n].as_str()) => old[o].clone(),
            Some(o) => keeping_decor(&old[o], values[n].as_str()),
            None => {
                let mut v = Value::from(values[n].as_str());
                let decor = if array.is_empty() { &first } else { &pattern };
                if let Some(decor) = decor {
                    *v.decor_mut() = decor.clone();
                }
                // After the first item of a list on one line: `["a", "b"]`, not `["a","b"]`.
                if !array.is_empty() && v.decor().prefix().and_then(|p| p.as_str()) == Some("") {
                    v.decor_mut().set_prefix(" ");
                }
                v
            }
        };
        array.push_formatted(value);
    }
    // The first item's decor leads the list ("[" then the item on its line or not).
    if let (Some(first), Some(item)) = (first, array.get_mut(0)) {
        item.decor_mut().set_prefix(first.prefix().cloned().unwrap_or_default());
    }
}

/// Pairs old items with new ones: equal items by longest common subsequence, then the
/// remaining ones between two equal pairs in order (an edited item keeps its place); the rest
/// are removed (`(Some, None)`) or added (`(None, Some)`). In the order of the new list.
fn align(old: &[String], new: &[String]) -> Vec<(Option<usize>, Option<usize>)> {
    let (m, n) = (old.len(), new.len());
    let mut lcs = vec![vec![0usize; n + 1]; m + 1];
    for i in (0..m).rev() {
        for j in (0..n).rev() {
            lcs[i][j] =
                if old[i] == new[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut anchors = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < m && j < n {
        if old[i] == new[j] {
            anchors.push((i, j));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    anchors.push((m, n));
    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    for (ai, aj) in anchors {
        let (olds, news) = (ai - i, aj - j);
        for k in 0..olds.max(news) {
            pairs.push(((k < olds).then_some(i + k), (k < news).then_some(j + k)));
        }
        if ai < m {
            pairs.push((Some(ai), Some(aj)));
        }
        (i, j) = (ai + 1, aj + 1);
    }
    pairs
}

/// Writes the talking points as `[[talking_points]]` tables: a theme that stays keeps its
/// table (comments, layout, keys the form does not know); new ones are added after their
/// neighbour.
fn set_themes(root: &mut Table, themes: &[ThemeForm]) {
    let old: Vec<Table> = match root.get("talking_points") {
        Some(Item::ArrayOfTables(tables)) => tables.iter().cloned().collect(),
        None if themes.is_empty() => return,
        Some(_) => {
            root.remove("talking_points");
            Vec::new()
        }
        None => Vec::new(),
    };
    if themes.is_empty() {
        root.remove("talking_points");
        return;
    }
    let old_titles: Vec<String> =
        old.iter().map(|t| t.get("theme").and_then(Item::as_str).unwrap_or_default().to_string()).collect();
    let new_titles: Vec<String> = themes.iter().map(|t| t.theme.clone()).collect();
    let unchanged = old_titles == new_titles
        && old
            .iter()
            .zip(themes)
            .all(|(table, theme)| points_of(table).as_deref() == Some(&theme.points[..]));
    if unchanged {
        return;
    }
    let mut tables = ArrayOfTables::new();
    for (from, to) in align(&old_titles, &new_titles) {
        let Some(n) = to else { continue };
        let theme = &themes[n];
        let mut table = match from {
            Some(o) => old[o].clone(),
            None => {
                let mut t = Table::new();
                t.decor_mut().set_prefix("\n");
                t
            }
        };
        set_str(&mut table, "theme", &theme.theme, None);
        match table.get_mut("points") {
            Some(Item::Value(Value::Array(array))) => edit_array(array, &theme.points),
            _ => {
                table.insert("points", toml_edit::value(one_a_line(&theme.points)));
            }
        }
        tables.push(table);
    }
    // The comment above the first theme stays at the top of the list.
    if let (Some(first_old), Some(first_new)) = (old.first(), tables.get_mut(0))
        && first_new.position() != first_old.position()
    {
        *first_new.decor_mut() = first_old.decor().clone();
    }
    root.insert("talking_points", Item::ArrayOfTables(tables));
}

/// A theme's points as strings, when they all are.
fn points_of(table: &Table) -> Option<Vec<String>> {
    let array = table.get("points")?.as_array()?;
    array.iter().map(|v| v.as_str().map(str::to_string)).collect()
}

/// An array written one item a line, as the built-in campaign writes points.
fn one_a_line(values: &[String]) -> Array {
    let mut array = Array::new();
    for value in values {
        let mut v = Value::from(value.as_str());
        v.decor_mut().set_prefix("\n  ");
        v.decor_mut().set_suffix("");
        array.push_formatted(v);
    }
    array.set_trailing_comma(!values.is_empty());
    array.set_trailing("\n");
    array
}

/// The byte offset of a 1-based line and column (in characters).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let rest = &text[start.min(text.len())..];
    start + rest.char_indices().nth(column.saturating_sub(1)).map_or(rest.len(), |(i, _)| i)
}

/// The form field whose value in `text` holds byte `offset` (`talking_points[2].points[0]`),
/// the most specific one.
fn field_at(text: &str, offset: usize) -> Option<String> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let mut best: Option<(String, Range<usize>)> = None;
    let mut consider = |path: &str, span: Option<Range<usize>>| {
        if let Some(span) = span
            && span.contains(&offset)
            && best.as_ref().is_none_or(|(_, b)| span.len() <= b.len())
        {
            best = Some((path.to_string(), span));
        }
    };
    fn walk_value(path: &str, value: &Value, consider: &mut dyn FnMut(&str, Option<Range<usize>>)) {
        consider(path, value.span());
        match value {
            Value::Array(array) => {
                for (i, v) in array.iter().enumerate() {
                    walk_value(&format!("{path}[{i}]"), v, consider);
                }
            }
            Value::InlineTable(table) => {
                for (k, v) in table.iter() {
                    walk_value(&format!("{path}.{k}"), v, consider);
                }
            }
            _ => {}
        }
    }
    fn walk_table(prefix: &str, table: &Table, consider: &mut dyn FnMut(&str, Option<Range<usize>>)) {
        for (key, item) in table.iter() {
            let path = if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") };
            consider(&path, table.key(key).and_then(|k| k.span()));
            match item {
                Item::Value(v) => walk_value(&path, v, consider),
                Item::Table(t) => {
                    consider(&path, t.span());
                    walk_table(&path, t, consider);
                }
                Item::ArrayOfTables(tables) => {
                    for (i, t) in tables.iter().enumerate() {
                        consider(&format!("{path}[{i}]"), t.span());
                        walk_table(&format!("{path}[{i}]"), t, consider);
                    }
                }
                Item::None => {}
            }
        }
    }
    walk_table("", doc.as_table(), &mut consider);
    best.map(|(path, _)| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn alignment_keeps_equal_items_and_pairs_edited_ones() {
        let pairs = align(&s(&["a", "b", "c"]), &s(&["a", "c"]));
        assert_eq!(pairs, [(Some(0), Some(0)), (Some(1), None), (Some(2), Some(1))]);
        let pairs = align(&s(&["a", "b", "c"]), &s(&["a", "B", "c", "d"]));
        assert_eq!(pairs, [(Some(0), Some(0)), (Some(1), Some(1)), (Some(2), Some(2)), (None, Some(3))]);
        assert_eq!(align(&[], &s(&["x"])), [(None, Some(0))]);
    }

    #[test]
    fn the_field_at_an_offset_is_the_innermost() {
        let text = "name = \"x\"\n[[talking_points]]\ntheme = \"t\"\npoints = [\"a\", \"b\"]\n";
        let at = text.find("\"b\"").unwrap();
        assert_eq!(field_at(text, at).as_deref(), Some("talking_points[0].points[1]"));
        assert_eq!(offset_of(text, 2, 3), text.find("[talking").unwrap() + 1);
    }
}
