//! One piece of a kit on its own: the values `render`, `preview` and `check` fill a design
//! with, from a campaign and one participant's row as `build` would, or clearly marked samples.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::base::diag::{Diagnostic, Result, Warnings};
use crate::input::confine::Sandbox;
use crate::layout::Fields;
use crate::model::campaign::{self, LoadedCampaign};
use crate::model::design::Design;
use crate::model::fields::{self, Row};
use crate::model::participants;

use super::plan::{Context, PieceKind, Writer, with_row};

/// The options that fill a design like one piece of a kit: `--campaign`, `--row`,
/// `--participant` (`--participants` is the command's own).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PieceArgs {
    /// Fill the design with this campaign's fields (recipient, salutation, talking points...),
    /// as `build` would.
    #[arg(long, value_name = "FILE")]
    pub campaign: Option<PathBuf>,
    /// Fill it with the Nth person of the participants list (from 1, under the header).
    #[arg(long, value_name = "N", conflicts_with = "participant")]
    pub row: Option<usize>,
    /// Fill it with the person of this name in the participants list.
    #[arg(long, value_name = "NAME")]
    pub participant: Option<String>,
}

impl PieceArgs {
    /// The row asked for, if any.
    pub fn row(&self) -> Option<Row> {
        match (&self.row, &self.participant) {
            (Some(n), _) => Some(Row::Number(*n)),
            (None, Some(name)) => Some(Row::Name(name.clone())),
            (None, None) => None,
        }
    }
}

/// A design's field values: `--set` values, then the campaign's and the row's (or an unnamed
/// writer's), then the design's own `[data]`, then marked samples. Records which samples the
/// layout used, for [`DesignFields::note`].
pub struct DesignFields {
    /// `--set`, campaign and row values: these win over the design's `[data]`.
    given: BTreeMap<String, String>,
    /// Samples, for fields neither given nor in the design's `[data]`.
    samples: BTreeMap<String, String>,
    /// The built-in campaign's fields among the samples.
    builtin: BTreeSet<String>,
    used: RefCell<BTreeSet<String>>,
    /// Where the given values come from, for the note.
    from: Option<String>,
    /// The campaign's `[fonts]`, when the values come from a campaign.
    fonts: Vec<crate::text::fonts::SharedFamily>,
}

impl Fields for DesignFields {
    fn get(&self, name: &str) -> Option<String> {
        if let Some(v) = self.given.get(name) {
            return Some(v.clone());
        }
        let sample = self.samples.get(name)?;
        self.used.borrow_mut().insert(name.to_string());
        Some(sample.clone())
    }

    fn names(&self) -> Vec<String> {
        let mut names: BTreeSet<String> = self.given.keys().cloned().collect();
        names.extend(self.samples.keys().cloned());
        names.into_iter().collect()
    }

    fn fonts(&self) -> &[crate::text::fonts::SharedFamily] {
        &self.fonts
    }
}

impl DesignFields {
    /// What to tell the user about where the values came from: the campaign and row, and any
    /// sample values the layout used. `None` when nothing needs saying.
    pub fn note(&self) -> Option<String> {
        let used = self.used.borrow();
        let list =
            |names: Vec<&String>| names.iter().map(|n| format!("{{{n}}}")).collect::<Vec<_>>().join(", ");
        let samples: Vec<&String> = used.iter().filter(|n| !self.builtin.contains(*n)).collect();
        let builtin: Vec<&String> = used.iter().filter(|n| self.builtin.contains(*n)).collect();
        let mut parts = Vec::new();
        if let Some(from) = &self.from {
            parts.push(format!("filled from {from}"));
        }
        if !samples.is_empty() {
            parts.push(format!("{} show sample values in [brackets]", list(samples)));
        }
        if !builtin.is_empty() {
            parts.push(format!("{} come from the built-in campaign", list(builtin)));
        }
        if self.from.is_none() && !used.is_empty() {
            parts.push("give --campaign FILE and --row N to see a participant's piece".into());
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// Samples for the fields the kit makes for each piece, clearly marked; a test checks that
/// every field [`Context::piece_fields`] makes has one.
const PIECE_SAMPLES: &[(&str, &str)] = &[
    ("piece", "[L-0001]"),
    ("number", "[1 of 1]"),
    ("prompt_1", "[a talking point from your campaign]"),
    ("prompt_2", "[another talking point]"),
    ("body", "[the letter's paragraphs, from your campaign's [typed] table]"),
];

/// The kind of piece a design makes, from its file: a folded card, a two-page postcard, or
/// else a letter (an envelope design takes its letter's fields too).
fn kind_of(design: &Path) -> (PieceKind, BTreeSet<String>) {
    let table = crate::input::read_text(design)
        .ok()
        .filter(|s| crate::input::toml_size(s).is_ok())
        .and_then(|s| toml::from_str::<toml::Table>(&s.text).ok())
        .unwrap_or_default();
    let own = table.get("data").and_then(toml::Value::as_table).map(|t| t.keys().cloned().collect());
    let kind = if table.contains_key("fold") {
        PieceKind::Card
    } else if table.get("pages").and_then(toml::Value::as_array).is_some_and(|p| p.len() == 2) {
        PieceKind::Postcard
    } else {
        PieceKind::Letter
    };
    (kind, own.unwrap_or_default())
}

/// The values to fill the design at `design` with: `sets`, then, with a campaign or a row,
/// the values `build` gives that piece (the first of its kind for the row's writer, or for an
/// unnamed writer without a row); without them, the built-in campaign's fields and marked
/// samples for the writer's and the piece's, below the design's own `[data]`. The
/// participants list is `participants`, else `participants.csv` beside the campaign.
pub fn design_fields(
    design: &Path,
    args: &PieceArgs,
    participants: Option<&Path>,
    sets: &BTreeMap<String, String>,
    sandbox: &Sandbox,
    warnings: &mut Warnings,
) -> Result<DesignFields> {
    let (kind, own) = kind_of(design);
    let row = args.row();
    let list = match (participants, &args.campaign) {
        (Some(p), _) => Some(p.to_path_buf()),
        (None, Some(c)) if row.is_some() => {
            let beside = c.parent().unwrap_or(Path::new("")).join("participants.csv");
            beside.is_file().then_some(beside)
        }
        _ => None,
    };
    if args.campaign.is_none() && row.is_none() && list.is_none() {
        let builtin = campaign::load(None, sandbox)?.fields();
        let sample = fields::sample_participant();
        let mut samples: BTreeMap<String, String> = fields::participant_field_names(Some(&sample))
            .into_iter()
            .filter_map(|n| fields::participant_field(Some(&sample), &n).map(|v| (n, v)))
            .collect();
        samples.extend(PIECE_SAMPLES.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let builtin_names = builtin.keys().filter(|k| !samples.contains_key(*k)).cloned().collect();
        for (k, v) in builtin {
            samples.entry(k).or_insert(v);
        }
        samples.retain(|k, _| !own.contains(k) && !sets.contains_key(k));
        return Ok(DesignFields {
            given: sets.clone(),
            samples,
            builtin: builtin_names,
            used: RefCell::default(),
            from: None,
            fonts: Vec::new(),
        });
    }
    let loaded = campaign::load(args.campaign.as_deref(), sandbox)?;
    let d = &loaded.campaign.defaults;
    let counts = |p: Option<&participants::Participant>| {
        [
            p.and_then(|p| p.letters).unwrap_or(d.letters),
            p.and_then(|p| p.cards).unwrap_or(d.cards),
            p.and_then(|p| p.postcards).unwrap_or(d.postcards),
        ]
    };
    let (writers, writer, from) = match (&list, &row) {
        (Some(path), Some(row)) => {
            let people = participants::read(path, warnings)?;
            let person = fields::pick_row(&people, path, row)?;
            let w = people.iter().position(|p| p.line == person.line).expect("picked from the list");
            let from = format!(
                "{} and row {} of {} (`{}`, line {})",
                loaded.path.display(),
                w + 1,
                path.display(),
                person.name,
                person.line
            );
            let writers: Vec<Writer> = people
                .into_iter()
                .map(|p| Writer { counts: counts(Some(&p)), participant: Some(p), list: None })
                .collect();
            (writers, w, from)
        }
        (Some(path), None) => {
            return Err(Diagnostic::error(format!(
                "--participants {}: say whose row fills the design",
                path.display()
            ))
            .hint("add --row N (from 1) or --participant NAME")
            .into());
        }
        (None, Some(row)) => {
            return Err(Diagnostic::error(format!(
                "{}: there is no participants list to pick from",
                row.option()
            ))
            .hint(match &args.campaign {
                Some(c) => {
                    format!("give --participants FILE, or put participants.csv beside {}", c.display())
                }
                None => "give --participants FILE (and --campaign FILE for the campaign's fields)".into(),
            })
            .into());
        }
        (None, None) => {
            let from = format!("{} for an unnamed writer (no --row)", loaded.path.display());
            (vec![Writer { participant: None, counts: counts(None), list: None }], 0, from)
        }
    };
    let mut given = piece_values(&loaded, writers, writer, kind)?;
    given.extend(sets.clone());
    Ok(DesignFields {
        given,
        samples: BTreeMap::new(),
        builtin: BTreeSet::new(),
        used: RefCell::default(),
        from: Some(from),
        fonts: loaded.fonts.clone(),
    })
}

/// The values `build` fills the first piece of `kind` of writer `writer` with.
fn piece_values(
    loaded: &LoadedCampaign,
    mut writers: Vec<Writer>,
    writer: usize,
    kind: PieceKind,
) -> Result<BTreeMap<String, String>> {
    let k = kind as usize;
    writers[writer].counts[k] = writers[writer].counts[k].max(1);
    let index: usize = writers[..writer].iter().map(|w| w.counts[k] as usize).sum();
    let context = Context::new(loaded, &writers)?;
    let id = format!("{}-{:04}", kind.prefix(), index + 1);
    let piece =
        context.piece_fields(kind, &id, index, writer, 1).map_err(|d| with_row(d, &writers[writer]))?;
    Ok(piece.names().into_iter().filter_map(|n| piece.get(&n).map(|v| (n, v))).collect())
}

/// The values `build` fills an unnamed writer's first card (a design with a fold) or postcard
/// with: what `share` shows.
pub fn unnamed_piece(loaded: &LoadedCampaign, design: &Design) -> Result<BTreeMap<String, String>> {
    let d = &loaded.campaign.defaults;
    let writers = vec![Writer { participant: None, counts: [d.letters, d.cards, d.postcards], list: None }];
    let kind = if design.fold.is_some() { PieceKind::Card } else { PieceKind::Postcard };
    piece_values(loaded, writers, 0, kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_the_kit_makes_for_a_piece_has_a_sample() {
        // The built-in campaign has [typed] paragraphs, so letters get a {body} too.
        let loaded_typed = campaign::load(None, &Sandbox::default()).unwrap();
        let writers = [Writer { participant: None, counts: [1, 1, 1], list: None }];
        let context = Context::new(&loaded_typed, &writers).unwrap();
        let piece = context.piece_fields(PieceKind::Letter, "L-0001", 0, 0, 1).unwrap();
        let campaign_fields = loaded_typed.fields();
        let sample = fields::sample_participant();
        for name in piece.names() {
            let covered = campaign_fields.contains_key(&name)
                || fields::participant_field(Some(&sample), &name).is_some()
                || PIECE_SAMPLES.iter().any(|(k, _)| *k == name);
            assert!(covered, "the kit fills `{{{name}}}`, which has no sample");
        }
        assert!(piece.names().contains(&"body".to_string()));
    }
}
