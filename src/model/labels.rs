//! Printed labels by language: the tables of every word the built-in pieces and pages print.
//!
//! English (`lang/en.toml`) and Spanish (`lang/es.toml`) ship inside letterkit; an organiser adds
//! another language as one file, `lang/<tag>.toml` next to the campaign, checked against the
//! English table: every label there, none unknown, every `{placeholder}` kept.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use toml::Spanned;

use crate::base::diag::{Diagnostic, Error, Result, Source, nearest};
use crate::input::confine::Sandbox;
use crate::model::design;

/// The English table: the keys every language must have, and the starting point of a new one.
pub const ENGLISH: &str = include_str!("../../lang/en.toml");
/// The Spanish table.
pub const SPANISH: &str = include_str!("../../lang/es.toml");

/// The tables letterkit ships: tag, where messages say it comes from, text.
const BUILTIN: &[(&str, &str, &str)] =
    &[("en", "builtin:lang/en.toml", ENGLISH), ("es", "builtin:lang/es.toml", SPANISH)];

/// The prefix of a label's placeholder in designs: `{label.from}`.
pub const FIELD_PREFIX: &str = "label.";

/// One language's printed labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    /// The IETF tag the kit asked for (`es-MX`), the PDFs' language: the table may be its
    /// primary language's (`es`).
    pub tag: String,
    /// The language's own name, e.g. "Español".
    pub name: String,
    /// Label text by key.
    texts: BTreeMap<String, String>,
}

/// A translation table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelFile {
    language: Spanned<String>,
    name: String,
    labels: BTreeMap<Spanned<String>, Spanned<String>>,
}

impl Labels {
    /// The English labels.
    pub fn english() -> &'static Labels {
        &builtin_tables()[0]
    }

    /// A label's text (every table has every key of the English one).
    pub fn get(&self, key: &str) -> &str {
        match self.texts.get(key) {
            Some(text) => text,
            None => Labels::english().texts.get(key).map_or("", String::as_str),
        }
    }

    /// A label with its named placeholders (`{page}`) filled in.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.get(key).to_string();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// Every label as a design field, `label.KEY`.
    pub fn fields(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.texts.iter().map(|(k, v)| (format!("{FIELD_PREFIX}{k}"), v.clone()))
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.texts.keys().map(String::as_str)
    }

    /// The same table for another tag (`es` → `es-MX`).
    fn tagged(&self, tag: &str) -> Labels {
        Labels { tag: tag.to_string(), ..self.clone() }
    }
}

/// The built-in tables, read and checked once: English first.
fn builtin_tables() -> &'static [Labels] {
    static TABLES: OnceLock<Vec<Labels>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let english = read(&Source::builtin(BUILTIN[0].1, BUILTIN[0].2), "en", None)
            .expect("lang/en.toml is a valid table");
        let mut tables = vec![english.clone()];
        for (tag, path, text) in &BUILTIN[1..] {
            let table = read(&Source::builtin(path, text), tag, Some(&english))
                .unwrap_or_else(|e| panic!("{path} is a valid table: {e}"));
            tables.push(table);
        }
        tables
    })
}

/// The text of a built-in table (`en` or `es`), comments and all.
pub fn builtin_text(tag: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(t, _, _)| t.eq_ignore_ascii_case(tag)).map(|(_, _, text)| *text)
}

/// The primary language of a tag: `es` for `es-MX`.
pub fn primary(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

/// Checks a tag's shape loosely, as BCP 47 writes it: a primary language of 2 or 3 letters,
/// then subtags of 1 to 8 letters or digits, joined by `-` (`en`, `es-MX`, `zh-Hant-TW`).
pub fn check_tag(tag: &str) -> std::result::Result<(), String> {
    let mut parts = tag.split('-');
    let first = parts.next().unwrap_or("");
    let primary_ok = (2..=3).contains(&first.len()) && first.chars().all(|c| c.is_ascii_alphabetic());
    let rest_ok = parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if primary_ok && rest_ok {
        Ok(())
    } else {
        Err(format!(
            "`{tag}` is not a language tag: write an IETF (BCP 47) tag, a language of 2 or 3 letters and perhaps a region, e.g. \"en\", \"es\" or \"es-MX\""
        ))
    }
}

/// The labels for `tag`: the built-in table of the tag, else of its primary language, else
/// the organiser's file `lang/<tag>.toml` (or `lang/<primary>.toml`) in `dir`, read and
/// checked. `Ok(None)` when there is no table for it; an error for a file that is not a
/// good table.
pub fn find(tag: &str, dir: Option<&Path>, sandbox: &Sandbox) -> Result<Option<Labels>> {
    let tables = builtin_tables();
    for wanted in [tag, primary(tag)] {
        if let Some(table) = tables.iter().find(|t| t.tag.eq_ignore_ascii_case(wanted)) {
            return Ok(Some(table.tagged(tag)));
        }
    }
    let Some(dir) = dir else { return Ok(None) };
    for wanted in [tag, primary(tag)] {
        let path = file_for(dir, wanted);
        if path.is_file() {
            sandbox.confine_in(&path, dir, "campaign")?;
            let source = crate::input::read_text(&path)?;
            return Ok(Some(read(&source, wanted, Some(Labels::english()))?.tagged(tag)));
        }
    }
    Ok(None)
}

/// Where an organiser's table for `tag` goes: `lang/<tag>.toml` in the campaign's folder.
pub fn file_for(dir: &Path, tag: &str) -> PathBuf {
    dir.join("lang").join(format!("{tag}.toml"))
}

/// The languages there are tables for: the built-in ones, then the files in `dir`'s `lang/`
/// folder, each as `tag (Name)` or `tag`.
pub fn available(dir: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = builtin_tables().iter().map(|t| format!("{} ({})", t.tag, t.name)).collect();
    if let Some(Ok(entries)) = dir.map(|d| std::fs::read_dir(d.join("lang"))) {
        let mut own: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".toml")).map(str::to_string))
            .filter(|tag| !BUILTIN.iter().any(|(t, _, _)| t == tag))
            .collect();
        own.sort();
        names.extend(own);
    }
    names
}

/// The message and hint for a language with no table: the languages there are, and how to
/// add one.
pub fn not_found(tag: &str, dir: Option<&Path>) -> (String, String) {
    let message =
        format!("no printed labels for the language `{tag}`; letterkit has {}", available(dir).join(", "));
    let hint = match dir {
        Some(_) => format!(
            "to add it, save `letterkit labels en` as lang/{}.toml next to the campaign and translate each label",
            primary(tag)
        ),
        None => "to add a language, make your own campaign (`letterkit init`), then save `letterkit labels en` as lang/<tag>.toml next to it and translate each label".into(),
    };
    (message, hint)
}

/// Shows the `label.*` fields as one entry in a list of field names for hints.
pub fn hint_names(names: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let name = if name.starts_with(FIELD_PREFIX) { format!("{FIELD_PREFIX}*") } else { name };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The English label of a `label.KEY` field: what a built-in design prints when its fields
/// come from no campaign.
pub fn english_field(name: &str) -> Option<String> {
    let key = name.strip_prefix(FIELD_PREFIX)?;
    Labels::english().texts.get(key).cloned()
}

/// The `{name}` placeholders of a label, in order of their names.
fn placeholders(text: &str) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                names.insert(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    names
}

/// Reads a table from `source`, whose `language` must be `expected` (its file's name); checked
/// against `english` (every key there, no other, the same placeholders) when given.
fn read(source: &Source, expected: &str, english: Option<&Labels>) -> Result<Labels> {
    let file: LabelFile = design::from_toml(source)?;
    let mut errors = Vec::new();
    let at = |span: std::ops::Range<usize>| Diagnostic::error(String::new()).at_offset(source, span.start);
    let language = file.language.get_ref();
    if let Err(message) = check_tag(language) {
        errors.push(
            Diagnostic { message: format!("language: {message}"), ..at(file.language.span()) }
                .code("lang.labels"),
        );
    } else if !language.eq_ignore_ascii_case(expected) {
        errors.push(
            Diagnostic {
                message: format!(
                    "language: the table says `{language}`, but its file is named for `{expected}`"
                ),
                ..at(file.language.span())
            }
            .hint(format!("write language = \"{expected}\", or name the file lang/{language}.toml"))
            .code("lang.labels"),
        );
    }
    let texts: BTreeMap<String, String> =
        file.labels.iter().map(|(k, v)| (k.get_ref().clone(), v.get_ref().clone())).collect();
    if let Some(english) = english {
        for (key, value) in &file.labels {
            let Some(original) = english.texts.get(key.get_ref()) else {
                let mut d = Diagnostic {
                    message: format!("labels: `{}` is not a label letterkit prints", key.get_ref()),
                    ..at(key.span())
                };
                d = match nearest(key.get_ref(), english.keys()) {
                    Some(near) => d.hint(format!("did you mean `{near}`?")),
                    None => d.hint("the labels are those of `letterkit labels en`"),
                };
                errors.push(d.code("lang.labels"));
                continue;
            };
            let (want, have) = (placeholders(original), placeholders(value.get_ref()));
            if want != have {
                let list = |set: &BTreeSet<&str>| {
                    if set.is_empty() {
                        "none".to_string()
                    } else {
                        set.iter().map(|p| format!("`{{{p}}}`")).collect::<Vec<_>>().join(", ")
                    }
                };
                errors.push(
                    Diagnostic {
                        message: format!(
                            "labels: `{}` has the placeholders {}; the English label has {}",
                            key.get_ref(),
                            list(&have),
                            list(&want)
                        ),
                        ..at(value.span())
                    }
                    .hint("keep each {placeholder} of the English label, as it is, anywhere in the text")
                    .code("lang.labels"),
                );
            }
        }
        let missing: Vec<String> =
            english.keys().filter(|k| !texts.contains_key(*k)).map(|k| format!("`{k}`")).collect();
        if !missing.is_empty() {
            let offset = source.text.find("[labels]").unwrap_or(0);
            errors.push(
                Diagnostic::error(format!(
                    "labels: {} missing: {}",
                    if missing.len() == 1 { "1 label is" } else { "these labels are" },
                    missing.join(", ")
                ))
                .at_offset(source, offset)
                .hint("every label of `letterkit labels en` needs a translation")
                .code("lang.labels"),
            );
        }
    }
    if !errors.is_empty() {
        return Err(Error(errors));
    }
    Ok(Labels { tag: language.clone(), name: file.name, texts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_table_has_the_english_keys_and_placeholders() {
        let tables = builtin_tables();
        assert_eq!(tables.len(), BUILTIN.len());
        let english: Vec<&str> = Labels::english().keys().collect();
        for table in tables {
            let keys: Vec<&str> = table.keys().collect();
            assert_eq!(keys, english, "{}", table.tag);
            for key in &english {
                assert_eq!(
                    placeholders(table.get(key)),
                    placeholders(Labels::english().get(key)),
                    "{}: {key}",
                    table.tag
                );
            }
        }
        assert_eq!(tables[1].tag, "es");
    }

    #[test]
    fn a_regional_tag_takes_its_language_table_and_keeps_its_tag() {
        let sandbox = Sandbox::default();
        let mexico = find("es-MX", None, &sandbox).unwrap().unwrap();
        assert_eq!((mexico.tag.as_str(), mexico.get("from")), ("es-MX", "De:"));
        assert_eq!(find("fr", None, &sandbox).unwrap(), None);
        assert_eq!(mexico.fill("number", &[("number", "1"), ("count", "3")]), "1 de 3");
    }

    #[test]
    fn tags_are_checked_loosely() {
        for good in ["en", "es-MX", "zh-Hant-TW", "haw", "es-419"] {
            assert_eq!(check_tag(good), Ok(()), "{good}");
        }
        for bad in ["", "e", "english", "es_MX", "es-", "1a"] {
            assert!(check_tag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hints_show_the_labels_as_one_entry() {
        let names = vec!["city".to_string(), "label.date".into(), "label.from".into(), "name".into()];
        assert_eq!(hint_names(names), ["city", "label.*", "name"]);
    }
}
