//! What the kit makes: the writers (participants or unnamed), the jobs (one per piece, in file
//! order) and the field values each piece's design fills in.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::base::diag::{Diagnostic, Result, Source, Warnings};
use crate::base::formats::Format;
use crate::layout::{self, Pictures};
use crate::model::campaign::LoadedCampaign;
use crate::model::design::Design;
use crate::model::fields;
use crate::model::labels::Labels;
use crate::model::participants::{List, Participant};
use crate::text::Template;

use super::BuildOptions;
use super::designs::Designs;

/// One person's part of the kit (a participant, or an unnamed writer).
pub(super) struct Writer {
    pub(super) participant: Option<Participant>,
    /// Letters, cards, postcards.
    pub(super) counts: [u32; 3],
    /// The list the participant's row is in, for naming it in messages.
    pub(super) list: Option<Arc<ListFile>>,
}

/// A participants list's file and columns, shared by its writers.
pub(super) struct ListFile {
    pub(super) path: PathBuf,
    /// The header's column names, in file order.
    pub(super) headers: Vec<String>,
}

/// The kinds of piece, in the order the kit's files and manifest list them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum PieceKind {
    Letter,
    Card,
    Postcard,
}

impl PieceKind {
    pub(super) const ALL: [PieceKind; 3] = [PieceKind::Letter, PieceKind::Card, PieceKind::Postcard];

    pub(super) fn name(self) -> &'static str {
        match self {
            PieceKind::Letter => "letter",
            PieceKind::Card => "card",
            PieceKind::Postcard => "postcard",
        }
    }
    pub(super) fn prefix(self) -> char {
        match self {
            PieceKind::Letter => 'L',
            PieceKind::Card => 'C',
            PieceKind::Postcard => 'P',
        }
    }
}

/// The passes of a build, in the order their pages go into the files: each lays out one kind
/// of page for every job that has one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Pass {
    Letters,
    /// One envelope for every letter and card.
    Envelopes,
    Cards,
    Postcards,
}

impl Pass {
    pub(super) const ALL: [Pass; 4] = [Pass::Letters, Pass::Envelopes, Pass::Cards, Pass::Postcards];

    /// Its name in notes, messages and timings.
    pub(super) fn name(self) -> &'static str {
        match self {
            Pass::Letters => "letters",
            Pass::Envelopes => "envelopes",
            Pass::Cards => "cards",
            Pass::Postcards => "postcards",
        }
    }

    /// The file its pages go into (unless the whole kit is one file).
    pub(super) fn file(self) -> &'static str {
        match self {
            Pass::Letters => "letters.pdf",
            Pass::Envelopes => "envelopes.pdf",
            Pass::Cards => "cards.pdf",
            Pass::Postcards => "postcards.pdf",
        }
    }

    /// Whether the pass makes a page for this job.
    pub(super) fn selects(self, job: &Job) -> bool {
        match self {
            Pass::Letters => job.kind == PieceKind::Letter,
            Pass::Envelopes => job.envelope.is_some(),
            Pass::Cards => job.kind == PieceKind::Card,
            Pass::Postcards => job.kind == PieceKind::Postcard,
        }
    }
}

/// A piece to lay out: what it is, whose, and which design it uses. Its field values are made
/// when it is laid out ([`Context::fields`]), so a large kit holds no text per piece.
pub(super) struct Job<'a> {
    pub(super) kind: PieceKind,
    pub(super) id: String,
    /// Its number among the pieces of its kind, from 0 (rotates prompts and paragraphs).
    pub(super) index: usize,
    pub(super) writer: usize,
    /// Its number among its writer's pieces of this kind, from 1.
    pub(super) number: u32,
    pub(super) design: &'a Design,
    /// The envelope it goes in (postcards go bare).
    pub(super) envelope: Option<&'static Format>,
}

/// What every piece's fields are made from.
pub(super) struct Context<'a> {
    pub(super) base: BTreeMap<String, String>,
    pub(super) variants: Option<Variants>,
    pub(super) writers: &'a [Writer],
    /// Pictures read once for the whole build: every pass and every `--split` file shares them.
    pub(super) pictures: Pictures,
    /// The languages the kit prints in: the campaign's first, then the rows' own, in the order
    /// rows first name them.
    pub(super) languages: Vec<Language<'a>>,
    /// Each writer's language, an index into `languages`.
    writer_language: Vec<usize>,
}

/// One language a kit prints in: its labels, the talking points and the values that change
/// with it (labels, salutation, sign-off).
pub(super) struct Language<'a> {
    pub(super) labels: Labels,
    pub(super) points: Vec<(&'a str, &'a str)>,
    fields: BTreeMap<String, String>,
}

impl<'a> Context<'a> {
    /// The context of `writers`' pieces of `campaign`, with no pictures read yet. A row whose
    /// `language` is not a tag with a table of labels is an error at its line and column.
    pub(super) fn new(campaign: &'a LoadedCampaign, writers: &'a [Writer]) -> Result<Context<'a>> {
        let language = |labels: Labels| Language {
            points: campaign.points_in(&labels.tag),
            fields: campaign.language_fields(&labels),
            labels,
        };
        let mut languages = vec![language(campaign.labels.clone())];
        let mut writer_language = Vec::with_capacity(writers.len());
        let mut errors = Vec::new();
        for writer in writers {
            let tag = writer.participant.as_ref().map_or("", |p| p.language.as_str());
            if tag.is_empty() {
                writer_language.push(0);
                continue;
            }
            if let Some(i) = languages.iter().position(|l| l.labels.tag.eq_ignore_ascii_case(tag)) {
                writer_language.push(i);
                continue;
            }
            writer_language.push(0);
            let place = |message: String| {
                let d = Diagnostic::error(message).code("lang.unknown");
                match (&writer.participant, &writer.list) {
                    (Some(p), Some(list)) => {
                        let column = list.headers.iter().position(|h| h == "language").map_or(1, |i| i + 1);
                        d.in_file(&list.path).at(p.line, column)
                    }
                    _ => d,
                }
            };
            if let Err(message) = crate::model::labels::check_tag(tag) {
                errors.push(place(format!("language: {message}")));
                continue;
            }
            match crate::model::labels::find(tag, campaign.base_dir.as_deref(), &campaign.sandbox) {
                Ok(Some(labels)) => {
                    *writer_language.last_mut().expect("pushed above") = languages.len();
                    languages.push(language(labels));
                }
                Ok(None) => {
                    let (message, hint) = crate::model::labels::not_found(tag, campaign.base_dir.as_deref());
                    errors.push(place(format!("language: {message}")).hint(hint));
                }
                Err(e) => errors.extend(e.0),
            }
        }
        if !errors.is_empty() {
            return Err(crate::base::diag::Error(errors));
        }
        Ok(Context {
            base: campaign.fields(),
            variants: typed_variants(campaign)?,
            writers,
            pictures: Pictures::default(),
            languages,
            writer_language,
        })
    }

    /// The language writer `writer` prints in.
    pub(super) fn language(&self, writer: usize) -> &Language<'a> {
        &self.languages[self.writer_language.get(writer).copied().unwrap_or(0)]
    }

    /// The values a piece's design fills in: its own (piece number, prompts, typed body), then
    /// its writer's (the participant's columns), then its language's, then the campaign's.
    pub(super) fn fields(&self, job: &Job) -> std::result::Result<PieceFields<'_>, Diagnostic> {
        self.piece_fields(job.kind, &job.id, job.index, job.writer, job.number)
    }

    /// [`Context::fields`] of the piece of `kind` numbered `id`, `index` among its kind, the
    /// `number`th of writer `writer`'s (`render --campaign` makes one piece with these too).
    pub(super) fn piece_fields(
        &self,
        kind: PieceKind,
        id: &str,
        index: usize,
        writer: usize,
        number: u32,
    ) -> std::result::Result<PieceFields<'_>, Diagnostic> {
        let language = self.language(writer);
        let writer = &self.writers[writer];
        let count = writer.counts[kind as usize].to_string();
        let mut own: Vec<(&'static str, String)> = vec![
            ("piece", id.to_string()),
            ("number", language.labels.fill("number", &[("number", &number.to_string()), ("count", &count)])),
        ];
        // Talking points as prompts, rotated so neighbouring pieces get different ones.
        let points = &language.points;
        if !points.is_empty() {
            own.push(("prompt_1", points[(2 * index) % points.len()].1.to_string()));
            own.push(("prompt_2", points[(2 * index + 1) % points.len()].1.to_string()));
        }
        let mut fields = PieceFields {
            own,
            participant: writer.participant.as_ref(),
            language: Some(&language.fields),
            base: &self.base,
        };
        if let (PieceKind::Letter, Some(v)) = (kind, &self.variants) {
            let body = v.body(index, &fields)?;
            fields.own.push(("body", body));
        }
        Ok(fields)
    }
}

/// A piece's field values, looked up in layers (see [`Context::fields`]).
pub(super) struct PieceFields<'a> {
    own: Vec<(&'static str, String)>,
    participant: Option<&'a Participant>,
    /// The values of the writer's language (labels, salutation, sign-off).
    language: Option<&'a BTreeMap<String, String>>,
    base: &'a BTreeMap<String, String>,
}

impl layout::Fields for PieceFields<'_> {
    fn get(&self, name: &str) -> Option<String> {
        if let Some((_, v)) = self.own.iter().find(|(k, _)| *k == name) {
            return Some(v.clone());
        }
        // Mailed from abroad: the delivery address ends with the destination country.
        if let (Some(p), "delivery_address") = (self.participant, name)
            && p.abroad()
        {
            let lines: Vec<String> = self.base.get(name)?.lines().map(str::to_string).collect();
            return Some(crate::mail::countries::from_abroad(&lines).join("\n"));
        }
        fields::participant_field(self.participant, name)
            .or_else(|| self.language.and_then(|l| l.get(name)).cloned())
            .or_else(|| self.base.get(name).cloned())
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.own.iter().map(|(k, _)| k.to_string()).collect();
        names.extend(fields::participant_field_names(self.participant));
        names.extend(self.base.keys().cloned());
        names.sort();
        names.dedup();
        names
    }
}

/// Every piece of the kit, in file order: letters, then cards, then postcards, each by writer;
/// each kind numbered from `start` (`L-0001`, or `L-0101` from 101; wider past 9999).
pub(super) fn jobs<'a>(
    campaign: &LoadedCampaign,
    designs: &'a Designs,
    writers: &[Writer],
    start: u32,
) -> Vec<Job<'a>> {
    let mut jobs = Vec::new();
    for kind in PieceKind::ALL {
        let mut index = 0usize;
        for (w, writer) in writers.iter().enumerate() {
            for n in 0..writer.counts[kind as usize] {
                let (design, envelope) = match kind {
                    PieceKind::Letter => (&designs.letter, Some(campaign.envelope)),
                    // Cards and postcards take the campaign's photos in turn (their variants).
                    PieceKind::Card => {
                        let (design, envelope) =
                            designs.card.as_ref().expect("loaded when someone makes cards");
                        let cards = &designs.cards;
                        (cards.get(index % cards.len().max(1)).unwrap_or(design), Some(*envelope))
                    }
                    PieceKind::Postcard => {
                        let design = designs.postcard.as_ref().expect("loaded when someone makes postcards");
                        let postcards = &designs.postcards;
                        (postcards.get(index % postcards.len().max(1)).unwrap_or(design), None)
                    }
                };
                let id = format!("{}-{:04}", kind.prefix(), u64::from(start) + index as u64);
                jobs.push(Job { kind, id, index, writer: w, number: n + 1, design, envelope });
                index += 1;
            }
        }
    }
    jobs
}

/// The writers: one per person of the list, or `count` unnamed ones when there is no list.
pub(super) fn writers(
    campaign: &LoadedCampaign,
    options: &BuildOptions,
    list: Option<(&List, &[Participant])>,
    warnings: &mut Warnings,
) -> Result<Vec<Writer>> {
    let d = &campaign.campaign.defaults;
    let (Some(path), Some((list, people))) = (&options.participants, list) else {
        if options.count == 0 || options.count > 10_000 {
            return Err(Diagnostic::error(format!(
                "--count {} is out of range; make 1 to 10000 kits",
                options.count
            ))
            .into());
        }
        if let Some(w) = campaign.unofficial_warning(&campaign.unofficial([campaign.labels.tag.as_str()])) {
            warnings.push(w);
        }
        return Ok((0..options.count)
            .map(|_| Writer { participant: None, counts: [d.letters, d.cards, d.postcards], list: None })
            .collect());
    };
    if people.is_empty() {
        let (message, hint) = if list.people.is_empty() && list.bad_rows.is_empty() {
            ("the participants list has no rows", "add one row per person under the header")
        } else {
            ("no row of the participants list can be built", "fix the rows listed above and build again")
        };
        return Err(Diagnostic::error(message).in_file(path).hint(hint).into());
    }
    let file = Arc::new(ListFile { path: path.clone(), headers: list.headers.clone() });
    let mut writers = Vec::new();
    for p in people {
        let counts =
            [p.letters.unwrap_or(d.letters), p.cards.unwrap_or(d.cards), p.postcards.unwrap_or(d.postcards)];
        if counts == [0, 0, 0] {
            warnings.push(
                Diagnostic::warning(format!("{} makes no letters, cards or postcards", p.name))
                    .in_file(path)
                    .at(p.line, 1),
            );
        }
        writers.push(Writer { participant: Some(p.clone()), counts, list: Some(file.clone()) });
    }
    // A kit printed in an unofficial translation says so, once.
    let tags = std::iter::once(campaign.labels.tag.as_str())
        .chain(people.iter().map(|p| p.language.as_str()).filter(|t| !t.is_empty()));
    if let Some(w) = campaign.unofficial_warning(&campaign.unofficial(tags)) {
        warnings.push(w);
    }
    let pieces: u64 = writers.iter().flat_map(|w| w.counts).map(u64::from).sum();
    if pieces > crate::input::limits::MAX_PIECES {
        return Err(Diagnostic::error(format!(
            "the list asks for {pieces} pieces; one build makes at most {}",
            crate::input::limits::MAX_PIECES
        ))
        .code("limit.kit-pieces")
        .in_file(path)
        .hint("split the participants list into several lists and build each")
        .into());
    }
    Ok(writers)
}

/// Names the participant's row in a diagnostic from laying out one of their pieces. A problem
/// in a built-in design or envelope is the row's: it points at the row in the list (at the
/// column holding the character no font has, else at the name), naming the design element. A
/// problem in the campaign's own design keeps its place there and names the row.
pub(super) fn with_row(d: Diagnostic, writer: &Writer) -> Diagnostic {
    let (Some(p), Some(list)) = (&writer.participant, &writer.list) else { return d };
    let builtin = d.file.as_ref().map(|f| f.to_string_lossy().strip_prefix("builtin:").map(str::to_string));
    match builtin {
        None | Some(Some(_)) => {
            let design = match builtin.flatten() {
                Some(f) => format!("{}, ", design_name(&f)),
                None => String::new(),
            };
            let message = format!("`{}`: {design}{}", p.name, d.message);
            let column = row_column(&d.message, p, &list.headers);
            Diagnostic { message, file: Some(list.path.clone()), position: Some((p.line, column)), ..d }
        }
        Some(None) => {
            let message =
                format!("{} (the row of `{}`, {} line {})", d.message, p.name, list.path.display(), p.line);
            Diagnostic { message, ..d }
        }
    }
}

/// `handwritten-letter` for `designs/handwritten-letter.toml`.
fn design_name(file: &str) -> &str {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.strip_suffix(".toml").unwrap_or(name)
}

/// The column (from 1) a layout problem comes from: the one holding the character a message
/// names in backticks (`王`), else the name's.
fn row_column(message: &str, p: &Participant, headers: &[String]) -> usize {
    let position = |name: &str| headers.iter().position(|h| h == name).map_or(1, |i| i + 1);
    let character = message.split('`').skip(1).step_by(2).find(|s| s.chars().count() == 1);
    if let Some(c) = character {
        for (column, value) in [
            ("name", &p.name),
            ("address1", &p.address1),
            ("address2", &p.address2),
            ("city", &p.city),
            ("state", &p.state),
            ("zip", &p.zip),
        ] {
            if value.contains(c) {
                return position(column);
            }
        }
        if let Some((column, _)) = p.extra.iter().find(|(_, v)| v.contains(c)) {
            return position(column);
        }
    }
    position("name")
}

/// The typed letters' paragraph variants, parsed.
pub(super) struct Variants {
    opening: Vec<Paragraph>,
    middle: Vec<Paragraph>,
    closing: Vec<Paragraph>,
    /// The campaign they come from, for pointing messages at a paragraph.
    source: Source,
}

/// One paragraph variant, with where it is in the campaign file for messages.
pub(super) struct Paragraph {
    template: Template,
    /// `typed.middle[2]`.
    label: String,
    /// Its byte offset in the campaign file.
    offset: usize,
}

impl Variants {
    /// The body of letter `index`: one opening, middle and closing paragraph, taken in turn so
    /// that neighbouring letters differ, with fields filled in.
    pub(super) fn body(
        &self,
        index: usize,
        fields: &dyn layout::Fields,
    ) -> std::result::Result<String, Diagnostic> {
        let (a, b, c) = (self.opening.len(), self.middle.len(), self.closing.len());
        let chosen =
            [&self.opening[index % a], &self.middle[(index / a) % b], &self.closing[(index / (a * b)) % c]];
        let mut paragraphs = Vec::new();
        for paragraph in chosen {
            let spans = paragraph.template.fill(&|n| fields.get(n)).map_err(|e| {
                let crate::text::FillError::Missing(name) = e else {
                    return Diagnostic::error(format!("{}: {}", paragraph.label, e.message()))
                        .at_offset(&self.source, paragraph.offset);
                };
                Diagnostic::error(format!(
                    "{}: the paragraph uses `{{{name}}}`, which has no value",
                    paragraph.label
                ))
                .at_offset(&self.source, paragraph.offset)
                .hint(format!(
                    "fields you can use: {}",
                    crate::model::labels::hint_names(fields.names()).join(", ")
                ))
            })?;
            paragraphs.push(spans.into_iter().map(|s| s.text).collect::<String>());
        }
        Ok(paragraphs.join("\n\n"))
    }
}

pub(super) fn typed_variants(campaign: &LoadedCampaign) -> Result<Option<Variants>> {
    let Some(typed) = &campaign.campaign.typed else {
        if campaign.campaign.letter == "typed" {
            return Err(Diagnostic::error(
                "letter = \"typed\" needs a [typed] table with opening, middle and closing paragraphs",
            )
            .in_file(&campaign.path)
            .into());
        }
        return Ok(None);
    };
    let parse = |what: &str, list: &[toml::Spanned<String>]| -> Result<Vec<Paragraph>> {
        if list.is_empty() {
            return Err(Diagnostic::error(format!("typed.{what} needs at least one paragraph"))
                .in_file(&campaign.path)
                .into());
        }
        list.iter()
            .enumerate()
            .map(|(i, text)| {
                let label = format!("typed.{what}[{}]", i + 1);
                let offset = text.span().start;
                let template = Template::parse(text.get_ref()).map_err(|e| {
                    Diagnostic::error(format!("{label}: {e}")).at_offset(&campaign.source, offset)
                })?;
                Ok(Paragraph { template, label, offset })
            })
            .collect()
    };
    Ok(Some(Variants {
        opening: parse("opening", &typed.opening)?,
        middle: parse("middle", &typed.middle)?,
        closing: parse("closing", &typed.closing)?,
        source: campaign.source.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Fields;

    #[test]
    fn with_row_names_the_row_file_and_column() {
        let (mut person, _) = fields::sample_row();
        person.name = "Wang Xiu Ying (王秀英)".into();
        let headers: Vec<String> = ["city", "name", "zip"].iter().map(|s| s.to_string()).collect();
        let writer = Writer {
            participant: Some(person),
            counts: [1, 0, 0],
            list: Some(Arc::new(ListFile { path: "people.csv".into(), headers })),
        };
        let builtin = Diagnostic::error(
            "text element `return address`: no bundled font has the character `王` (U+738B)",
        )
        .in_file("builtin:designs/handwritten-letter.toml")
        .at(31, 1);
        assert_eq!(
            with_row(builtin, &writer).to_string(),
            "error: people.csv:2:2: `Wang Xiu Ying (王秀英)`: handwritten-letter, text element `return address`: no bundled font has the character `王` (U+738B)"
        );
        let envelope = Diagnostic::error("envelope for L-0002: the return address (5 lines) does not fit");
        assert_eq!(
            with_row(envelope, &writer).to_string(),
            "error: people.csv:2:2: `Wang Xiu Ying (王秀英)`: envelope for L-0002: the return address (5 lines) does not fit"
        );
        let own = Diagnostic::error("text element `from`: the text does not fit its box")
            .in_file("my-letter.toml")
            .at(9, 1);
        assert_eq!(
            with_row(own, &writer).to_string(),
            "error: my-letter.toml:9:1: text element `from`: the text does not fit its box (the row of `Wang Xiu Ying (王秀英)`, people.csv line 2)"
        );
    }

    #[test]
    fn a_piece_takes_its_writers_language() {
        let sandbox = crate::input::confine::Sandbox::default();
        let campaign = crate::model::campaign::load(None, &sandbox).unwrap();
        let (mut person, _) = fields::sample_row();
        person.language = "es-MX".into();
        let writers = [
            Writer { participant: None, counts: [2, 0, 0], list: None },
            Writer { participant: Some(person), counts: [3, 0, 0], list: None },
        ];
        let context = Context::new(&campaign, &writers).unwrap();
        let english = context.piece_fields(PieceKind::Letter, "L-0001", 0, 0, 1).unwrap();
        let spanish = context.piece_fields(PieceKind::Letter, "L-0003", 2, 1, 2).unwrap();
        let get = |f: &PieceFields, name: &str| f.get(name).unwrap_or_default();
        assert_eq!(get(&english, "number"), "1 of 2");
        assert_eq!(get(&spanish, "number"), "2 de 3");
        assert_eq!(
            (get(&english, "label.from"), get(&spanish, "label.from")),
            ("From:".into(), "De:".into())
        );
        assert_eq!(get(&spanish, "sign_off"), "Atentamente,");
        assert_eq!(get(&english, "sign_off"), "Sincerely,");
        assert!(
            campaign.campaign.translations["es"]
                .talking_points
                .iter()
                .any(|t| t.points.contains(&get(&spanish, "prompt_1")))
        );
        assert_eq!(context.language(1).labels.tag, "es-MX");
        assert_eq!(context.languages.len(), 2);
    }

    #[test]
    fn the_kit_fills_every_participant_column() {
        let (person, columns) = fields::sample_row();
        let base = BTreeMap::from([("team".to_string(), "the campaign's".to_string())]);
        let fields = PieceFields { own: Vec::new(), participant: Some(&person), language: None, base: &base };
        for (column, value) in &columns {
            assert_eq!(fields.get(column).as_ref(), Some(value), "column `{column}`");
            assert!(fields.names().contains(column), "column `{column}`");
        }
    }
}
