//! Built-in page formats, read from the TOML files in `layouts/` (embedded in the binary).

use std::sync::OnceLock;

use serde::Deserialize;

use crate::base::diag::{Diagnostic, Result, Source, nearest};
use crate::base::units::{Length, PT_PER_IN};

/// The layout files, embedded so the binary works from any folder.
const LAYOUT_FILES: &[(&str, &str)] = &[
    ("layouts/paper.toml", include_str!("../../layouts/paper.toml")),
    ("layouts/postcards.toml", include_str!("../../layouts/postcards.toml")),
    ("layouts/cards.toml", include_str!("../../layouts/cards.toml")),
    ("layouts/envelopes.toml", include_str!("../../layouts/envelopes.toml")),
];

/// What a page format is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A sheet of paper: letters, handouts.
    Paper,
    /// A postcard side (mailed bare).
    Postcard,
    /// One panel of a folded card, at its finished size.
    Card,
    /// An envelope, landscape.
    Envelope,
}

impl Kind {
    /// The word used in files and messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Paper => "paper",
            Kind::Postcard => "postcard",
            Kind::Card => "card",
            Kind::Envelope => "envelope",
        }
    }
}

/// A named page format: trim size, margins, safe zone and bleed, all in points.
#[derive(Debug, Clone, PartialEq)]
pub struct Format {
    /// The name designs use, such as `us-letter` or `envelope-10`.
    pub name: String,
    /// Other names accepted for it.
    pub aliases: Vec<String>,
    /// What it is for.
    pub kind: Kind,
    /// One line for `letterkit layouts`.
    pub description: String,
    /// Trim width in points.
    pub width: f32,
    /// Trim height in points.
    pub height: f32,
    /// Default margin on every side, in points.
    pub margin: f32,
    /// Safe-zone inset from the trim edge, in points.
    pub safe: f32,
    /// Bleed beyond the trim edge on every side, in points (0 when the format has none).
    pub bleed: f32,
}

impl Format {
    /// Width and height in inches, for messages and the manifest.
    pub fn size_in(&self) -> [f32; 2] {
        [self.width / PT_PER_IN, self.height / PT_PER_IN]
    }

    fn matches(&self, name: &str) -> bool {
        let name = name.trim().to_ascii_lowercase();
        self.name == name || self.aliases.contains(&name)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutFile {
    format: Vec<FormatEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatEntry {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    kind: Kind,
    description: String,
    width: Length,
    height: Length,
    margin: Length,
    safe: Length,
    #[serde(default = "zero")]
    bleed: Length,
}

fn zero() -> Length {
    Length::ZERO
}

/// All built-in formats, in the order of the layout files.
pub fn all() -> &'static [Format] {
    static FORMATS: OnceLock<Vec<Format>> = OnceLock::new();
    FORMATS.get_or_init(|| load().expect("the built-in layout files are checked by the tests"))
}

fn load() -> Result<Vec<Format>> {
    let mut formats = Vec::new();
    for (path, text) in LAYOUT_FILES {
        let source = Source::builtin(path, text);
        let file: LayoutFile = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            Diagnostic::error(e.message().to_string()).at_offset(&source, offset)
        })?;
        for entry in file.format {
            let abs = |l: Length, what: &str| {
                l.absolute().ok_or_else(|| {
                    Diagnostic::error(format!("format `{}`: {what} must be absolute", entry.name))
                        .in_file(*path)
                })
            };
            formats.push(Format {
                width: abs(entry.width, "width")?,
                height: abs(entry.height, "height")?,
                margin: abs(entry.margin, "margin")?,
                safe: abs(entry.safe, "safe")?,
                bleed: abs(entry.bleed, "bleed")?,
                name: entry.name,
                aliases: entry.aliases,
                kind: entry.kind,
                description: entry.description,
            });
        }
    }
    Ok(formats)
}

/// Finds a format by name or alias, optionally only of one kind.
///
/// An unknown name is an error that suggests the nearest known name.
pub fn find(name: &str, kind: Option<Kind>) -> std::result::Result<&'static Format, Diagnostic> {
    let candidates = || all().iter().filter(move |f| kind.is_none_or(|k| f.kind == k));
    if let Some(format) = candidates().find(|f| f.matches(name)) {
        return Ok(format);
    }
    let what = kind.map_or("page format".to_string(), |k| format!("{} format", k.name()));
    let mut diagnostic = Diagnostic::error(format!("unknown {what} `{name}`"));
    let names = candidates()
        .flat_map(|f| std::iter::once(f.name.as_str()).chain(f.aliases.iter().map(String::as_str)));
    if let Some(near) = nearest(name, names) {
        diagnostic = diagnostic.hint(format!("did you mean `{near}`?"));
    }
    Err(diagnostic.hint("`letterkit layouts` lists the built-in formats"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_files_load_and_names_are_unique() {
        let formats = all();
        assert!(formats.len() >= 25);
        for (i, a) in formats.iter().enumerate() {
            for b in &formats[i + 1..] {
                if a.kind == b.kind {
                    assert!(!b.matches(&a.name), "{} clashes with {}", a.name, b.name);
                    for alias in &a.aliases {
                        assert!(!b.matches(alias), "{alias} clashes");
                    }
                }
            }
        }
    }

    #[test]
    fn sizes_match_the_mail_facts() {
        let ten = find("#10", Some(Kind::Envelope)).unwrap();
        assert_eq!((ten.width, ten.height), (684.0, 297.0));
        let a2 = find("A2", Some(Kind::Envelope)).unwrap();
        assert_eq!(a2.size_in(), [5.75, 4.375]);
        let letter = find("letter", None).unwrap();
        assert_eq!((letter.width, letter.height), (612.0, 792.0));
    }

    #[test]
    fn unknown_names_get_a_suggestion() {
        let err = find("us-leter", None).unwrap_err();
        assert!(err.hints[0].contains("us-letter"), "{err}");
    }
}
