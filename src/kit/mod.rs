//! The party kit: a letter for every participant, each with its own envelope addressed to the
//! recipient, cards and postcards when participants make them, a talking-points handout, a
//! sign-in / tally sheet and a manifest.
//!
//! Pieces are laid out in parallel batches and streamed into the PDF writers, so memory does
//! not grow with the number of letters; nothing is written to disk until every piece is done.

pub mod pages;

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::base::diag::{Diagnostic, Error, Result, Source, Warnings};
use crate::base::formats::Format;
use crate::base::units::PT_PER_IN;
use crate::impose::{self, PrintOptions};
use crate::layout::{self, Page, Pictures};
use crate::mail::{self, Postage};
use crate::model::design::{self, Design};
use crate::output::{Staged, check_not_input};
use crate::render::{self, PdfOptions, PdfWriter};
use crate::text::Template;

use crate::model::campaign::{self, LoadedCampaign};
use crate::model::participants::{self, Participant};

/// The built-in designs, by the name a campaign's `letter`, `card` or `postcard` key uses.
pub const BUILTIN_DESIGNS: &[(&str, &str, &str)] = &[
    (
        "handwritten",
        "builtin:designs/handwritten-letter.toml",
        include_str!("../../designs/handwritten-letter.toml"),
    ),
    ("typed", "builtin:designs/typed-letter.toml", include_str!("../../designs/typed-letter.toml")),
    ("card", "builtin:designs/card.toml", include_str!("../../designs/card.toml")),
    ("postcard", "builtin:designs/postcard.toml", include_str!("../../designs/postcard.toml")),
];

/// Letters over this many sheets are likely over one ounce in a #10 envelope (mail-facts.md 6).
const MAX_SHEETS_ONE_OUNCE: usize = 4;

/// Pieces laid out together before they are written: enough to keep every core busy, few
/// enough that memory stays flat however large the kit.
const BATCH: usize = 128;

/// What `letterkit build` was asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The campaign file; `None` for the built-in campaign.
    pub campaign: Option<PathBuf>,
    /// The participants CSV; `None` for unnamed kits.
    pub participants: Option<PathBuf>,
    /// How many unnamed kits to make when there is no participants list.
    pub count: u32,
    /// The output folder.
    pub output: PathBuf,
    /// Also write one PDF per participant.
    pub split: bool,
    /// Write the mailed pieces as one PDF, `kit.pdf`: letters, envelopes, cards, postcards.
    pub one_file: bool,
    /// Cards and postcards N-up on sheets, or print-shop marks.
    pub print: PrintOptions,
    /// Print where the time went.
    pub timings: bool,
    /// Replace an output folder that holds files letterkit did not make (they are deleted).
    pub force: bool,
}

/// One person's part of the kit (a participant, or an unnamed writer).
struct Writer {
    participant: Option<Participant>,
    /// Letters, cards, postcards.
    counts: [u32; 3],
}

/// The kinds of piece, in the order the kit's files and manifest list them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PieceKind {
    Letter,
    Card,
    Postcard,
}

impl PieceKind {
    const ALL: [PieceKind; 3] = [PieceKind::Letter, PieceKind::Card, PieceKind::Postcard];

    fn name(self) -> &'static str {
        match self {
            PieceKind::Letter => "letter",
            PieceKind::Card => "card",
            PieceKind::Postcard => "postcard",
        }
    }
    fn file(self) -> &'static str {
        match self {
            PieceKind::Letter => "letters.pdf",
            PieceKind::Card => "cards.pdf",
            PieceKind::Postcard => "postcards.pdf",
        }
    }
    fn prefix(self) -> char {
        match self {
            PieceKind::Letter => 'L',
            PieceKind::Card => 'C',
            PieceKind::Postcard => 'P',
        }
    }
}

/// The kit as written: a record per piece and the page count of each file.
#[derive(Default)]
struct Kit {
    pieces: Vec<PieceRecord>,
    /// Pages of letters, envelopes, cards and postcards.
    pages: [usize; 4],
}

/// A piece in the manifest.
#[derive(Serialize)]
struct PieceRecord {
    id: String,
    kind: &'static str,
    participant: String,
    row: Option<usize>,
    file: String,
    pages: Vec<usize>,
    size: [f64; 2],
    mail_class: &'static str,
    weight_oz: f64,
    postage_usd: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    envelope: Option<EnvelopeRecord>,
}

#[derive(Serialize)]
struct EnvelopeRecord {
    file: String,
    page: usize,
    size: [f64; 2],
    format: String,
}

/// The designs a kit uses.
struct Designs {
    letter: Design,
    /// A design for the letters' envelopes, when the campaign gives one.
    envelope: Option<Design>,
    card: Option<(Design, &'static Format)>,
    postcard: Option<Design>,
}

/// A piece to lay out: what it is, whose, and which design it uses. Its field values are made
/// when it is laid out ([`Context::fields`]), so a large kit holds no text per piece.
struct Job<'a> {
    kind: PieceKind,
    id: String,
    /// Its number among the pieces of its kind, from 0 (rotates prompts and paragraphs).
    index: usize,
    writer: usize,
    /// Its number among its writer's pieces of this kind, from 1.
    number: u32,
    design: &'a Design,
    /// The envelope it goes in (postcards go bare).
    envelope: Option<&'static Format>,
}

/// What every piece's fields are made from.
struct Context<'a> {
    base: BTreeMap<String, String>,
    points: Vec<(&'a str, &'a str)>,
    variants: Option<Variants>,
    writers: &'a [Writer],
}

impl Context<'_> {
    /// The values a piece's design fills in: its own (piece number, prompts, typed body), then
    /// its writer's (the participant's columns), then the campaign's.
    fn fields(&self, job: &Job) -> std::result::Result<PieceFields<'_>, Diagnostic> {
        let writer = &self.writers[job.writer];
        let mut own: Vec<(&'static str, String)> = vec![
            ("piece", job.id.clone()),
            ("number", format!("{} of {}", job.number, writer.counts[job.kind as usize])),
        ];
        // Talking points as prompts, rotated so neighbouring pieces get different ones.
        if !self.points.is_empty() {
            own.push(("prompt_1", self.points[(2 * job.index) % self.points.len()].1.to_string()));
            own.push(("prompt_2", self.points[(2 * job.index + 1) % self.points.len()].1.to_string()));
        }
        let mut fields = PieceFields { own, participant: writer.participant.as_ref(), base: &self.base };
        if let (PieceKind::Letter, Some(v)) = (job.kind, &self.variants) {
            let body = v.body(job.index, &fields)?;
            fields.own.push(("body", body));
        }
        Ok(fields)
    }
}

/// A piece's field values, looked up in layers (see [`Context::fields`]).
struct PieceFields<'a> {
    own: Vec<(&'static str, String)>,
    participant: Option<&'a Participant>,
    base: &'a BTreeMap<String, String>,
}

/// The participant columns designs can use; empty for an unnamed writer.
const PARTICIPANT_FIELDS: &[&str] =
    &["name", "address1", "address2", "city", "state", "zip", "city_line", "return_address"];

impl layout::Fields for PieceFields<'_> {
    fn get(&self, name: &str) -> Option<String> {
        if let Some((_, v)) = self.own.iter().find(|(k, _)| *k == name) {
            return Some(v.clone());
        }
        let participant = match (self.participant, name) {
            (None, _) if PARTICIPANT_FIELDS.contains(&name) => Some(String::new()),
            (None, _) => None,
            (Some(p), "name") => Some(p.name.clone()),
            (Some(p), "address1") => Some(p.address1.clone()),
            (Some(p), "address2") => Some(p.address2.clone()),
            (Some(p), "city") => Some(p.city.clone()),
            (Some(p), "state") => Some(p.state.clone()),
            (Some(p), "zip") => Some(p.zip.clone()),
            (Some(p), "city_line") => Some(p.city_line()),
            (Some(p), "return_address") => Some(p.return_address().join("\n")),
            (Some(p), _) => p.extra.get(name).cloned(),
        };
        participant.or_else(|| self.base.get(name).cloned())
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.own.iter().map(|(k, _)| k.to_string()).collect();
        names.extend(PARTICIPANT_FIELDS.iter().map(|s| s.to_string()));
        if let Some(p) = self.participant {
            names.extend(p.extra.keys().cloned());
        }
        names.extend(self.base.keys().cloned());
        names.sort();
        names.dedup();
        names
    }
}

/// Builds the kit and writes it into `options.output`; returns the summary to print.
pub fn build(options: &BuildOptions, warnings: &mut Warnings) -> Result<String> {
    let mut clock = Timings::start(options.timings);
    let campaign = campaign::load(options.campaign.as_deref())?;
    let writers = writers(&campaign, options, warnings)?;
    let designs = designs(&campaign, &writers, warnings)?;
    let jobs = jobs(&campaign, &designs, &writers);
    let context = Context {
        base: campaign.fields(),
        points: campaign.points(),
        variants: typed_variants(&campaign)?,
        writers: &writers,
    };
    clock.lap("read inputs");
    let title =
        |what: &str| PdfOptions { title: format!("{}: {what}", campaign.campaign.name), pdf_a: false };
    let out = &options.output;
    let inputs: Vec<&Path> =
        [options.campaign.as_deref(), options.participants.as_deref()].into_iter().flatten().collect();
    crate::output::folder::output_folder(out, &inputs)?;
    // Files stream into a private folder beside `out`, switched in whole at the end: a failed
    // or killed build leaves the earlier kit as it was, and a second build into `out` stops.
    let mut staged = Staged::folder(out, options.force)?;
    let (kit, names, sheet_notes) = produce(
        &campaign,
        &designs,
        &jobs,
        &context,
        options,
        &title,
        &mut staged,
        &inputs,
        warnings,
        &mut clock,
    )?;
    let write = |staged: &mut Staged, name: &str, bytes: Vec<u8>| -> Result<()> {
        let path = out.join(name);
        check_not_input(&path, &inputs)?;
        staged.write(&path, &bytes)
    };
    let fonts = &designs.letter.fonts;
    let themes: Vec<(String, Vec<String>)> =
        campaign.campaign.talking_points.iter().map(|t| (t.theme.clone(), t.points.clone())).collect();
    let social = [campaign.campaign.hashtags.join(" "), campaign.campaign.mentions.join(" ")]
        .join(" ")
        .trim()
        .to_string();
    let recipient_lines = campaign.campaign.recipient.lines();
    let handout = pages::handout(
        fonts,
        campaign.paper,
        &pages::HandoutContent {
            campaign: &campaign.campaign.name,
            organizer: campaign.campaign.organizer.as_deref(),
            themes: &themes,
            recipient: &recipient_lines,
            social: if social.is_empty() { "your campaign's hashtag".into() } else { social },
            report_back: campaign.campaign.report_back.as_deref(),
        },
    )
    .map_err(|m| Diagnostic::error(format!("handout: {m}")).in_file(&campaign.path))?;
    write(&mut staged, "handout.pdf", render::pdf([&handout], &title("talking points"))?)?;
    let totals = PieceKind::ALL.map(|k| kit.pieces.iter().filter(|p| p.kind == k.name()).count() as u32);
    let rows: Vec<pages::TallyRow> = if options.participants.is_some() {
        writers
            .iter()
            .map(|w| pages::TallyRow {
                name: w.participant.as_ref().map_or(String::new(), |p| p.name.clone()),
                counts: Some(w.counts),
            })
            .collect()
    } else {
        Vec::new()
    };
    // One row per participant: streamed to its file, like the pieces.
    let mut tally_pdf =
        stream_pdf(&mut staged, out, &inputs, "tally-sheet.pdf", &title("sign-in and tally sheet"))?;
    let tally_pages =
        pages::tally(fonts, campaign.paper, &campaign.campaign.name, &rows, totals, &mut |page| {
            tally_pdf.add(page).map_err(|e| e.to_string())
        })
        .map_err(|m| Diagnostic::error(format!("tally sheet: {m}")).in_file(&campaign.path))?;
    tally_pdf.finish()?;
    if options.split {
        for (i, writer) in writers.iter().enumerate() {
            let name =
                writer.participant.as_ref().map_or_else(|| format!("writer {}", i + 1), |p| p.name.clone());
            let mine: Vec<&Job> = jobs.iter().filter(|j| j.writer == i).collect();
            if mine.is_empty() {
                continue;
            }
            let bytes = writer_pdf(
                &designs,
                &mine,
                &context,
                &campaign,
                &title(&format!("pieces and envelopes for {name}")),
            )?;
            write(&mut staged, &format!("participants/{:03}-{}.pdf", i + 1, slug(&name)), bytes)?;
        }
    }
    let postage = Postage::builtin();
    let total_postage = mail::round_cents(kit.pieces.iter().map(|p| p.postage_usd).sum());
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    // Written straight to its file: a national campaign's manifest runs to megabytes.
    let (manifest_path, file) = create_output(&mut staged, out, &inputs, "manifest.json")?;
    manifest_json(&campaign, &kit, writers.len(), total_postage, postage, &name_refs, file)
        .map_err(|e| crate::base::diag::io_error(&manifest_path, "cannot write", &e))?;
    staged.commit()?;
    clock.lap("handout, tally, manifest");

    // A design's own warning shows once, not once per piece.
    let mut seen = std::collections::BTreeSet::new();
    warnings.0.retain(|d| seen.insert(d.to_string()));
    let mut text =
        summary(&campaign, options, &designs, &kit, writers.len(), total_postage, postage, tally_pages);
    for note in sheet_notes {
        text.push_str(&format!("{note}\n"));
    }
    text.push_str(&clock.report());
    Ok(text)
}

/// Every piece of the kit, in file order: letters, then cards, then postcards, each by writer.
fn jobs<'a>(campaign: &LoadedCampaign, designs: &'a Designs, writers: &[Writer]) -> Vec<Job<'a>> {
    let mut jobs = Vec::new();
    for kind in PieceKind::ALL {
        let mut index = 0usize;
        for (w, writer) in writers.iter().enumerate() {
            for n in 0..writer.counts[kind as usize] {
                let (design, envelope) = match kind {
                    PieceKind::Letter => (&designs.letter, Some(campaign.envelope)),
                    PieceKind::Card => {
                        let (design, envelope) =
                            designs.card.as_ref().expect("loaded when someone makes cards");
                        (design, Some(*envelope))
                    }
                    PieceKind::Postcard => {
                        (designs.postcard.as_ref().expect("loaded when someone makes postcards"), None)
                    }
                };
                let id = format!("{}-{:04}", kind.prefix(), index + 1);
                jobs.push(Job { kind, id, index, writer: w, number: n + 1, design, envelope });
                index += 1;
            }
        }
    }
    jobs
}

/// A piece's own pages, or the errors that stopped it, with the warnings it raised.
type Laid = (std::result::Result<Vec<Page>, Error>, Warnings);

fn lay_out_piece(job: &Job, context: &Context, pictures: &Pictures) -> Laid {
    let mut warnings = Warnings::default();
    let pages = context
        .fields(job)
        .map_err(Error::from)
        .and_then(|fields| layout::layout_printed(job.design, &fields, pictures, &mut warnings));
    (pages, warnings)
}

/// The envelope for a piece: from the campaign's envelope design, or placed by USPS rules.
fn envelope_page(
    job: &Job,
    context: &Context,
    designs: &Designs,
    delivery: &[String],
    pictures: &Pictures,
) -> Laid {
    let mut warnings = Warnings::default();
    let format = job.envelope.expect("only pieces with an envelope get one");
    if let (PieceKind::Letter, Some(design)) = (job.kind, &designs.envelope) {
        let pages = context
            .fields(job)
            .map_err(Error::from)
            .and_then(|fields| layout::layout_design(design, &fields, pictures, &mut warnings));
        return (pages, warnings);
    }
    let return_lines = context.writers[job.writer].participant.as_ref().map(Participant::return_address);
    let content = pages::EnvelopeContent {
        return_lines: return_lines.as_deref(),
        delivery_lines: delivery,
        piece: Some(&job.id),
    };
    let page = pages::envelope(&designs.letter.fonts, format, &content)
        .map(|(page, _)| vec![page])
        .map_err(|m| Error::from(Diagnostic::error(format!("envelope for {}: {m}", job.id))));
    (page, warnings)
}

/// PDF writers for the kit's files, each streaming into a temporary file in the output
/// folder: one per kind of piece, or one `kit.pdf` for all.
struct Outputs<'a> {
    one_file: bool,
    title: &'a dyn Fn(&str) -> PdfOptions,
    folder: &'a Path,
    inputs: &'a [&'a Path],
    staged: &'a mut Staged,
    open: Vec<(String, PdfWriter<BufWriter<std::fs::File>>)>,
}

impl Outputs<'_> {
    /// Adds pages to a file; returns the file's name and the pages' numbers in it.
    fn add(&mut self, file: &str, pages: Vec<Page>) -> Result<(String, Vec<usize>)> {
        let name = if self.one_file { "kit.pdf" } else { file };
        if !self.open.iter().any(|(n, _)| n == name) {
            let title = (self.title)(if self.one_file { "party kit" } else { name.trim_end_matches(".pdf") });
            let writer = stream_pdf(self.staged, self.folder, self.inputs, name, &title)?;
            self.open.push((name.to_string(), writer));
        }
        let writer = &mut self.open.iter_mut().find(|(n, _)| n == name).expect("just opened").1;
        let first = writer.pages() + 1;
        let count = pages.len();
        for page in pages {
            writer.add(page)?;
        }
        Ok((name.to_string(), (first..first + count).collect()))
    }

    /// Finishes every file; returns their names.
    fn finish(self) -> Result<Vec<String>> {
        self.open.into_iter().map(|(name, writer)| writer.finish().map(|_| name)).collect()
    }
}

/// Creates the kit's file `name` in `folder` under its temporary name (refusing to write over
/// an input), to be written as it is made and put in place with the rest.
fn create_output(
    staged: &mut Staged,
    folder: &Path,
    inputs: &[&Path],
    name: &str,
) -> Result<(PathBuf, std::fs::File)> {
    let path = folder.join(name);
    check_not_input(&path, inputs)?;
    let file = staged.create(&path)?;
    Ok((path, file))
}

/// A PDF writer streaming into the kit's file `name` (see [`create_output`]).
fn stream_pdf(
    staged: &mut Staged,
    folder: &Path,
    inputs: &[&Path],
    name: &str,
    options: &PdfOptions,
) -> Result<PdfWriter<BufWriter<std::fs::File>>> {
    let (path, file) = create_output(staged, folder, inputs, name)?;
    PdfWriter::new(BufWriter::with_capacity(1 << 18, file), &path.display().to_string(), options)
}

/// Lays out every piece and envelope and streams them into the PDF writers, in file order:
/// letters, envelopes, cards, postcards. All errors are collected; nothing is returned unless
/// every piece was made.
#[allow(clippy::too_many_arguments)]
fn produce(
    campaign: &LoadedCampaign,
    designs: &Designs,
    jobs: &[Job],
    context: &Context,
    options: &BuildOptions,
    title: &dyn Fn(&str) -> PdfOptions,
    staged: &mut Staged,
    inputs: &[&Path],
    warnings: &mut Warnings,
    clock: &mut Timings,
) -> Result<Produced> {
    let postage = Postage::builtin();
    let pictures = Pictures::default();
    let delivery = campaign.delivery_lines();
    let paper = campaign.paper;
    let sheet_weight =
        if paper.name == "a4" { postage.weights.sheet_a4 } else { postage.weights.sheet_us_letter };
    let mut outputs = Outputs {
        one_file: options.one_file,
        title,
        folder: &options.output,
        inputs,
        staged,
        open: Vec::new(),
    };
    let mut kit = Kit::default();
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut notes = Vec::new();
    let mut records: Vec<Option<PieceRecord>> = jobs.iter().map(|_| None).collect();
    let mut envelopes: Vec<Option<EnvelopeRecord>> = jobs.iter().map(|_| None).collect();

    // Letters, then envelopes, cards and postcards: each a pass over the jobs in batches.
    for pass in ["letters", "envelopes", "cards", "postcards"] {
        let selected: Vec<usize> = (0..jobs.len())
            .filter(|&i| match pass {
                "letters" => jobs[i].kind == PieceKind::Letter,
                "envelopes" => jobs[i].envelope.is_some(),
                "cards" => jobs[i].kind == PieceKind::Card,
                _ => jobs[i].kind == PieceKind::Postcard,
            })
            .collect();
        if selected.is_empty() {
            continue;
        }
        // Cards and postcards may go N-up on sheets: whole sheets are laid out together.
        let print = pass_print_options(pass, designs, options);
        let plan = match (&print.sheet, pass) {
            (Some(sheet), "cards" | "postcards") => {
                let design = if pass == "cards" {
                    &designs.card.as_ref().expect("cards").0
                } else {
                    designs.postcard.as_ref().expect("postcards")
                };
                let (w, h) = printed_size(design);
                Some(
                    impose::plan(w, h, sheet)
                        .map_err(|m| Diagnostic::error(format!("{pass}: {m}")).in_file(&design.path))?,
                )
            }
            _ => None,
        };
        let batch = plan.as_ref().map_or(BATCH, |p| (BATCH / (p.cols * p.rows)).max(1) * p.cols * p.rows);
        for chunk in selected.chunks(batch) {
            let laid: Vec<Laid> = crate::base::parallel::parallel_map(
                chunk.to_vec(),
                || (),
                |_, _, i| match pass {
                    "envelopes" => envelope_page(&jobs[i], context, designs, &delivery, &pictures),
                    _ => lay_out_piece(&jobs[i], context, &pictures),
                },
            );
            let mut pieces = Vec::new();
            for (&i, (result, w)) in chunk.iter().zip(laid) {
                warnings.0.extend(w.0.into_iter().map(|d| with_row(d, &context.writers[jobs[i].writer])));
                match result {
                    Ok(pages) => pieces.push((i, pages)),
                    Err(e) => {
                        errors.extend(e.0.into_iter().map(|d| with_row(d, &context.writers[jobs[i].writer])))
                    }
                }
            }
            if !errors.is_empty() {
                continue; // keep laying out to report every error, but write nothing
            }
            if pass == "envelopes" {
                for (i, pages) in pieces {
                    if pages.len() != 1 {
                        errors.push(Diagnostic::error(format!(
                            "the envelope design makes {} pages; an envelope has one",
                            pages.len()
                        )));
                        continue;
                    }
                    let size = inches(pages[0].trim.width, pages[0].trim.height);
                    let (file, numbers) = outputs.add("envelopes.pdf", pages)?;
                    kit.pages[1] += 1;
                    let format = jobs[i].envelope.expect("selected for its envelope");
                    envelopes[i] = Some(EnvelopeRecord {
                        file,
                        page: numbers[0],
                        size,
                        format: if designs.envelope.is_some() && jobs[i].kind == PieceKind::Letter {
                            designs
                                .envelope
                                .as_ref()
                                .and_then(|d| d.format)
                                .map_or("custom".into(), |f| f.name.clone())
                        } else {
                            format.name.clone()
                        },
                    });
                }
                continue;
            }
            let page_slot = match pass {
                "letters" => 0,
                "cards" => 2,
                _ => 3,
            };
            let groups: Vec<Vec<(usize, Vec<Page>)>> = match &plan {
                Some(p) => {
                    let mut groups = Vec::new();
                    let mut it = pieces.into_iter().peekable();
                    while it.peek().is_some() {
                        groups.push(it.by_ref().take(p.cols * p.rows).collect());
                    }
                    groups
                }
                None => pieces.into_iter().map(|piece| vec![piece]).collect(),
            };
            for group in groups {
                let (indices, own): (Vec<usize>, Vec<Vec<Page>>) = group.into_iter().unzip();
                let page_counts: Vec<usize> = own.iter().map(Vec::len).collect();
                let printed = impose::for_print(own, &print).map_err(Diagnostic::error)?;
                let kind = jobs[indices[0]].kind;
                kit.pages[page_slot] += printed.pages.len();
                let (file, numbers) = outputs.add(kind.file(), printed.pages)?;
                for ((i, pages), piece_pages) in indices.iter().zip(page_counts).zip(&printed.piece_pages) {
                    let job = &jobs[*i];
                    let pages_in_file = piece_pages.iter().map(|p| numbers[p - 1]).collect();
                    let record = piece_record(
                        job,
                        pages,
                        file.clone(),
                        pages_in_file,
                        &context.writers[job.writer],
                        postage,
                        sheet_weight,
                        warnings,
                    );
                    match record {
                        Ok(r) => records[*i] = Some(r),
                        Err(d) => errors.push(d),
                    }
                }
            }
        }
        if let (Some(plan), Some(sheet)) = (&plan, &print.sheet) {
            let two_sided = pass == "postcards"
                && designs.postcard.as_ref().is_some_and(|d| d.pages.len() == 2)
                || pass == "cards"
                    && designs.card.as_ref().is_some_and(|(d, _)| d.fold == Some(design::Fold::Half));
            notes.push(format!("{pass}: {}", impose::sheet_note(plan, two_sided, sheet.duplex)));
        }
        clock.lap(match pass {
            "letters" => "letters",
            "envelopes" => "envelopes",
            "cards" => "cards",
            _ => "postcards",
        });
    }
    if !errors.is_empty() {
        // The same mistake in a shared design or paragraph shows once, not once per piece.
        let mut seen = std::collections::BTreeSet::new();
        errors.retain(|d| seen.insert(d.to_string()));
        return Err(Error(errors));
    }
    kit.pieces = records
        .into_iter()
        .zip(envelopes)
        .filter_map(|(record, envelope)| record.map(|r| PieceRecord { envelope, ..r }))
        .collect();
    if kit.pieces.is_empty() {
        return Err(Diagnostic::error("the kit is empty: nobody makes a letter, card or postcard").into());
    }
    let files = outputs.finish()?;
    clock.lap("finish PDFs");
    Ok((kit, files, notes))
}

/// What [`produce`] makes: the kit's records, the names of its PDF files (staged, not yet in
/// place), and notes on sheets.
type Produced = (Kit, Vec<String>, Vec<String>);

/// The print options for one pass: sheets only for cards and postcards, and not for a card
/// that already fills a whole sheet; print-shop marks only on postcards (the pieces with bleed).
fn pass_print_options(pass: &str, designs: &Designs, options: &BuildOptions) -> PrintOptions {
    let mut print = options.print.clone();
    match pass {
        "postcards" => {}
        "cards" => {
            print.shop_marks = false;
            if let (Some(sheet), Some((design, _))) = (&print.sheet, &designs.card) {
                let (w, h) = printed_size(design);
                let (short, long) = (w.min(h), w.max(h));
                if (short - sheet.width).abs() < 1.0 && (long - sheet.height).abs() < 1.0 {
                    print.sheet = None;
                } else {
                    crate::impose::fit_duplex_to_fold(&mut print, design.fold, w, h);
                }
            }
        }
        _ => print = PrintOptions::default(),
    }
    print
}

/// The size of a design's printed page: a folded card's flat sheet, else the trim size.
fn printed_size(design: &Design) -> (f32, f32) {
    match design.fold {
        Some(design::Fold::Quarter) => (2.0 * design.width, 2.0 * design.height),
        Some(design::Fold::Half) => (2.0 * design.width, design.height),
        None => (design.width, design.height),
    }
}

/// The manifest record of a piece: size, mail class, weight and postage.
#[allow(clippy::too_many_arguments)]
fn piece_record(
    job: &Job,
    pages: usize,
    file: String,
    pages_in_file: Vec<usize>,
    writer: &Writer,
    postage: &Postage,
    sheet_weight: f64,
    warnings: &mut Warnings,
) -> std::result::Result<PieceRecord, Diagnostic> {
    let (w, h) = (job.design.width, job.design.height);
    let mut record = PieceRecord {
        id: job.id.clone(),
        kind: job.kind.name(),
        participant: writer.participant.as_ref().map_or(String::new(), |p| p.name.clone()),
        row: writer.participant.as_ref().map(|p| p.line),
        file,
        pages: pages_in_file,
        size: inches(w, h),
        mail_class: "letter",
        weight_oz: 0.0,
        postage_usd: 0.0,
        envelope: None,
    };
    if let Some(format) = job.envelope {
        let nonmachinable = mail::nonmachinable_shape(format.width, format.height);
        let weight = postage.weights.envelope
            + match job.kind {
                PieceKind::Letter => pages as f64 * sheet_weight,
                _ => postage.weights.card,
            };
        if job.kind == PieceKind::Letter && pages > MAX_SHEETS_ONE_OUNCE {
            warnings.push(with_row(
                Diagnostic::warning(format!(
                    "letter {} runs to {} sheets: probably over one ounce, so it needs more postage",
                    job.id, pages
                )),
                writer,
            ));
        }
        if nonmachinable {
            warnings.push(with_row(
                Diagnostic::warning(format!(
                    "{}: a {} envelope is nonmachinable (aspect ratio outside 1.3 to 2.5) and pays a ${:.2} surcharge",
                    job.id, format.name, postage.prices.nonmachinable_surcharge
                )),
                writer,
            ));
        }
        record.weight_oz = (weight * 1000.0).round() / 1000.0;
        record.postage_usd = if mail::classify(format.width, format.height, false) == mail::MailClass::Flat {
            record.mail_class = "flat";
            postage.flat(weight)
        } else {
            postage.letter(weight, nonmachinable)
        };
        return Ok(record);
    }
    // A postcard is mailed bare: card price when it qualifies (DMM 201.1.2.1).
    record.weight_oz = postage.weights.card;
    match mail::classify(w, h, true) {
        mail::MailClass::Postcard => {
            record.mail_class = "postcard";
            record.postage_usd = postage.prices.postcard;
        }
        mail::MailClass::Letter => {
            record.postage_usd = postage.letter(postage.weights.card, mail::nonmachinable_shape(w, h));
        }
        class => {
            return Err(with_row(
                Diagnostic::error(format!(
                    "postcard {}: a {:.3} x {:.3} in postcard is {}",
                    job.id,
                    w / PT_PER_IN,
                    h / PT_PER_IN,
                    if class == mail::MailClass::TooSmall {
                        "too small to mail (at least 3.5 x 5 in)"
                    } else {
                        "larger than a letter (6 1/8 x 11 1/2 in) and would pay the large-envelope price"
                    }
                )),
                writer,
            ));
        }
    }
    Ok(record)
}

/// One writer's pieces followed by their envelopes, for `--split`.
fn writer_pdf(
    designs: &Designs,
    jobs: &[&Job],
    context: &Context,
    campaign: &LoadedCampaign,
    options: &PdfOptions,
) -> Result<Vec<u8>> {
    let pictures = Pictures::default();
    let delivery = campaign.delivery_lines();
    let mut pdf = PdfWriter::new(Vec::new(), &options.title, options)?;
    for job in jobs {
        for page in lay_out_piece(job, context, &pictures).0? {
            pdf.add(page)?;
        }
    }
    for job in jobs.iter().filter(|j| j.envelope.is_some()) {
        for page in envelope_page(job, context, designs, &delivery, &pictures).0? {
            pdf.add(page)?;
        }
    }
    pdf.finish()
}

/// The writers: one per participant row, or `count` unnamed ones.
fn writers(
    campaign: &LoadedCampaign,
    options: &BuildOptions,
    warnings: &mut Warnings,
) -> Result<Vec<Writer>> {
    let d = &campaign.campaign.defaults;
    let Some(path) = &options.participants else {
        if options.count == 0 || options.count > 10_000 {
            return Err(Diagnostic::error(format!(
                "--count {} is out of range; make 1 to 10000 kits",
                options.count
            ))
            .into());
        }
        return Ok((0..options.count)
            .map(|_| Writer { participant: None, counts: [d.letters, d.cards, d.postcards] })
            .collect());
    };
    let people = participants::read(path, warnings)?;
    if people.is_empty() {
        return Err(Diagnostic::error("the participants list has no rows")
            .in_file(path)
            .hint("add one row per person under the header")
            .into());
    }
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
        writers.push(Writer { participant: Some(p), counts });
    }
    let pieces: u64 = writers.iter().flat_map(|w| w.counts).map(u64::from).sum();
    if pieces > crate::input::limits::MAX_PIECES {
        return Err(Diagnostic::error(format!(
            "the list asks for {pieces} pieces; one build makes at most {}",
            crate::input::limits::MAX_PIECES
        ))
        .in_file(path)
        .hint("split the participants list into several lists and build each")
        .into());
    }
    Ok(writers)
}

/// Reads a design the campaign names: a built-in one or a file next to the campaign.
pub(crate) fn campaign_design(
    campaign: &LoadedCampaign,
    key: &str,
    name: &str,
    paper: Option<&'static Format>,
) -> Result<Design> {
    let source = match BUILTIN_DESIGNS.iter().find(|(n, ..)| *n == name) {
        Some((_, path, text)) => Source::builtin(path, text),
        None => {
            let base = campaign.base_dir.as_deref().unwrap_or(Path::new("."));
            let path = base.join(name);
            crate::input::confine::confine_in(
                &path,
                base,
                &crate::input::confine::allowed_paths(),
                "campaign",
            )
            .map_err(|d| Diagnostic { file: Some(campaign.path.clone()), ..d })?;
            if !path.exists() {
                let builtins: Vec<&str> = BUILTIN_DESIGNS.iter().map(|(n, ..)| *n).collect();
                return Err(Diagnostic::error(format!(
                    "{key}: no built-in design `{name}` and no file {}",
                    path.display()
                ))
                .in_file(&campaign.path)
                .hint(format!(
                    "use a built-in design ({}) or the path of a design file relative to the campaign",
                    builtins.join(", ")
                ))
                .into());
            }
            crate::input::read_text(&path)?
        }
    };
    design::parse_with(&source, paper)
}

/// The designs this kit needs: the letter always, the card and postcard when someone makes them.
fn designs(campaign: &LoadedCampaign, writers: &[Writer], warnings: &mut Warnings) -> Result<Designs> {
    let c = &campaign.campaign;
    let letter = campaign_design(campaign, "letter", &c.letter, Some(campaign.paper))?;
    let card = if writers.iter().any(|w| w.counts[1] > 0) {
        let design = campaign_design(campaign, "card", &c.card, None)?;
        let (w, h) = (design.width, design.height);
        let fitting: Vec<&str> =
            mail::envelopes().filter(|e| mail::holds(e, w, h)).map(|e| e.name.as_str()).collect();
        let envelope = if c.card_envelope == "auto" {
            mail::smallest_envelope_for(w, h).ok_or_else(|| {
                Diagnostic::error(format!(
                    "card: a {:.3} x {:.3} in card fits no standard envelope with 1/8 in to spare",
                    w / PT_PER_IN,
                    h / PT_PER_IN
                ))
                .in_file(&campaign.path)
                .hint("make the card smaller; `letterkit layouts` lists the envelopes")
            })?
        } else {
            let e = crate::base::formats::find(&c.card_envelope, Some(crate::base::formats::Kind::Envelope))
                .map_err(|d| Diagnostic { file: Some(campaign.path.clone()), ..d })?;
            if !mail::holds(e, w, h) {
                return Err(Diagnostic::error(format!(
                    "card_envelope: a {:.3} x {:.3} in card does not fit a {} envelope with 1/8 in to spare",
                    w / PT_PER_IN,
                    h / PT_PER_IN,
                    e.name
                ))
                .in_file(&campaign.path)
                .hint(if fitting.is_empty() {
                    "no standard envelope fits this card".to_string()
                } else {
                    format!("envelopes that fit: {}", fitting.join(", "))
                })
                .into());
            }
            e
        };
        if design.fold.is_none() {
            return Err(Diagnostic::error(
                "card: the card design has no `fold`; a card is folded (\"quarter\" or \"half\")",
            )
            .in_file(&design.path)
            .into());
        }
        // A square piece pays the nonmachinable surcharge (aspect ratio under 1.3, DMM 101.1.2a);
        // a square card in a rectangular envelope does not.
        if (design.width - design.height).abs() < 1.0 {
            warnings.push(
                Diagnostic::warning(format!(
                    "the card is square: mailed in a square envelope it would pay the ${:.2} nonmachinable surcharge; the kit puts it in a rectangular {} envelope, which does not",
                    Postage::builtin().prices.nonmachinable_surcharge,
                    envelope.name
                ))
                .in_file(&design.path),
            );
        }
        Some((design, envelope))
    } else {
        None
    };
    let postcard = if writers.iter().any(|w| w.counts[2] > 0) {
        let design = campaign_design(campaign, "postcard", &c.postcard, None)?;
        if !(1..=2).contains(&design.pages.len()) {
            return Err(Diagnostic::error(
                "postcard: a postcard design has a front and, optionally, an address side: pages = [\"front\", \"address\"]",
            )
            .in_file(&design.path)
            .into());
        }
        Some(design)
    } else {
        None
    };
    for (what, format) in [("letters", Some(campaign.envelope)), ("cards", card.as_ref().map(|(_, e)| *e))] {
        if let Some(format) =
            format.filter(|f| mail::classify(f.width, f.height, false) == mail::MailClass::Flat)
        {
            warnings.push(
                Diagnostic::warning(format!(
                    "{what} go in {} envelopes, which are larger than a letter (6 1/8 x 11 1/2 in): each pays the large-envelope price, ${:.2} and up",
                    format.name,
                    Postage::builtin().prices.flat_first_ounce
                ))
                .in_file(&campaign.path),
            );
        }
    }
    let envelope = match &c.envelope_design {
        None => None,
        Some(name) => {
            let design = campaign_design(campaign, "envelope_design", name, None)?;
            let (fw, fh) = mail::folded_in_thirds(campaign.paper);
            let holds = Format { width: design.width, height: design.height, ..campaign.envelope.clone() };
            if !mail::holds(&holds, fw, fh) {
                return Err(Diagnostic::error(format!(
                    "envelope_design: a {:.3} x {:.3} in envelope does not hold a {} letter folded in thirds with 1/8 in to spare",
                    design.width / PT_PER_IN,
                    design.height / PT_PER_IN,
                    campaign.paper.name
                ))
                .in_file(&design.path)
                .into());
            }
            Some(design)
        }
    };
    Ok(Designs { letter, envelope, card, postcard })
}

/// Names the participant row in a diagnostic that has no file yet (design errors keep theirs).
fn with_row(d: Diagnostic, writer: &Writer) -> Diagnostic {
    match &writer.participant {
        Some(p)
            if d.file.is_none()
                || d.file.as_ref().is_some_and(|f| f.to_string_lossy().starts_with("builtin:")) =>
        {
            let message = format!("{} (participant `{}`, row at line {})", d.message, p.name, p.line);
            Diagnostic { message, ..d }
        }
        _ => d,
    }
}

fn inches(w: f32, h: f32) -> [f64; 2] {
    let r = |v: f32| (f64::from(v / PT_PER_IN) * 1000.0).round() / 1000.0;
    [r(w), r(h)]
}

/// The typed letters' paragraph variants, parsed.
struct Variants {
    opening: Vec<Paragraph>,
    middle: Vec<Paragraph>,
    closing: Vec<Paragraph>,
    /// The campaign they come from, for pointing messages at a paragraph.
    source: Source,
}

/// One paragraph variant, with where it is in the campaign file for messages.
struct Paragraph {
    template: Template,
    /// `typed.middle[2]`.
    label: String,
    /// Its byte offset in the campaign file.
    offset: usize,
}

impl Variants {
    /// The body of letter `index`: one opening, middle and closing paragraph, taken in turn so
    /// that neighbouring letters differ, with fields filled in.
    fn body(&self, index: usize, fields: &dyn layout::Fields) -> std::result::Result<String, Diagnostic> {
        let (a, b, c) = (self.opening.len(), self.middle.len(), self.closing.len());
        let chosen =
            [&self.opening[index % a], &self.middle[(index / a) % b], &self.closing[(index / (a * b)) % c]];
        let mut paragraphs = Vec::new();
        for paragraph in chosen {
            let spans = paragraph.template.fill(&|n| fields.get(n)).map_err(|name| {
                Diagnostic::error(format!(
                    "{}: the paragraph uses `{{{name}}}`, which has no value",
                    paragraph.label
                ))
                .at_offset(&self.source, paragraph.offset)
                .hint(format!("fields you can use: {}", fields.names().join(", ")))
            })?;
            paragraphs.push(spans.into_iter().map(|s| s.text).collect::<String>());
        }
        Ok(paragraphs.join("\n\n"))
    }
}

fn typed_variants(campaign: &LoadedCampaign) -> Result<Option<Variants>> {
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

/// The manifest, written field by field (no intermediate JSON tree: a national campaign's
/// manifest lists tens of thousands of pieces).
#[derive(Serialize)]
struct Manifest<'a> {
    generator: String,
    campaign: &'a str,
    hashtags: &'a [String],
    recipient: Vec<String>,
    totals: Totals,
    postage: PostageSummary<'a>,
    files: Vec<&'a str>,
    pieces: &'a [PieceRecord],
}

#[derive(Serialize)]
struct Totals {
    participants: usize,
    letters: usize,
    cards: usize,
    postcards: usize,
    envelopes: usize,
}

#[derive(Serialize)]
struct PostageSummary<'a> {
    total_usd: f64,
    prices_as_of: &'a str,
    source: &'a str,
    above_reimbursement_threshold: bool,
}

fn manifest_json(
    campaign: &LoadedCampaign,
    kit: &Kit,
    participants: usize,
    total: f64,
    postage: &Postage,
    files: &[&str],
    out: impl Write,
) -> std::io::Result<()> {
    let c = &campaign.campaign;
    let count = |kind: PieceKind| kit.pieces.iter().filter(|p| p.kind == kind.name()).count();
    let manifest = Manifest {
        generator: format!("letterkit {}", env!("CARGO_PKG_VERSION")),
        campaign: &c.name,
        hashtags: &c.hashtags,
        recipient: c.recipient.lines(),
        totals: Totals {
            participants,
            letters: count(PieceKind::Letter),
            cards: count(PieceKind::Card),
            postcards: count(PieceKind::Postcard),
            envelopes: kit.pages[1],
        },
        postage: PostageSummary {
            total_usd: total,
            prices_as_of: &postage.as_of,
            source: &postage.source,
            above_reimbursement_threshold: total > c.reimburse_above,
        },
        files: files.iter().copied().chain(["handout.pdf", "tally-sheet.pdf"]).collect(),
        pieces: &kit.pieces,
    };
    let mut out = BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &manifest)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[allow(clippy::too_many_arguments)]
fn summary(
    campaign: &LoadedCampaign,
    options: &BuildOptions,
    designs: &Designs,
    kit: &Kit,
    participants: usize,
    total: f64,
    postage: &Postage,
    tally_pages: usize,
) -> String {
    let c = &campaign.campaign;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let count = |kind: PieceKind| kit.pieces.iter().filter(|p| p.kind == kind.name()).count();
    let who = if options.participants.is_some() {
        plural(participants, "participant")
    } else {
        format!("{} (names left for the writers)", plural(participants, "unnamed kit"))
    };
    let mut s =
        format!("Built the party kit for \"{}\" in {}/ for {who}:\n", c.name, options.output.display());
    if options.one_file {
        let pages = kit.pages.iter().sum::<usize>();
        s.push_str(&format!(
            "  kit.pdf           {} in one file, {}: letters, then envelopes, then cards, then postcards\n",
            plural(kit.pieces.len(), "piece"),
            plural(pages, "page")
        ));
    }
    if kit.pages[0] != 0 && !options.one_file {
        s.push_str(&format!(
            "  letters.pdf       {} ({}), {} on {}\n",
            plural(count(PieceKind::Letter), "letter"),
            c.letter,
            plural(kit.pages[0], "page"),
            campaign.paper.description
        ));
    }
    if let Some((design, envelope)) = designs.card.as_ref().filter(|_| !options.one_file) {
        s.push_str(&format!(
            "  cards.pdf         {} ({:.3} x {:.3} in, {} envelope): {}\n",
            plural(count(PieceKind::Card), "card"),
            design.width / PT_PER_IN,
            design.height / PT_PER_IN,
            envelope.name,
            design.fold.map_or("", |f| {
                crate::impose::fold_instructions(
                    f,
                    pass_print_options("cards", designs, options).sheet.is_some(),
                )
            })
        ));
    }
    if let Some(design) = designs.postcard.as_ref().filter(|_| !options.one_file) {
        let class = mail::classify(design.width, design.height, true);
        s.push_str(&format!(
            "  postcards.pdf     {} ({}; {})\n",
            plural(count(PieceKind::Postcard), "postcard"),
            {
                let [w, h] = inches(design.width, design.height);
                format!("{w} x {h} in")
            },
            if class == mail::MailClass::Postcard {
                "card price, no envelope"
            } else {
                "too large for card price: pays the letter price"
            }
        ));
    }
    let envelopes = kit.pages[1];
    if envelopes > 0 && !options.one_file {
        s.push_str(&format!(
            "  envelopes.pdf     {}, one per letter and card, in the same order, addressed to {}\n",
            plural(envelopes, "envelope"),
            c.recipient.organization
        ));
    }
    s.push_str("  handout.pdf       talking points, 1 page\n");
    s.push_str(&format!("  tally-sheet.pdf   sign-in and tally sheet, {}\n", plural(tally_pages, "page")));
    if options.split {
        s.push_str("  participants/     one PDF per writer: their pieces and envelopes\n");
    }
    s.push_str("  manifest.json     every piece and its envelope, for the report back\n");
    s.push_str(&format!(
        "Postage: about ${total:.2} for {} (prices as of {}).\n",
        plural(kit.pieces.len(), "piece"),
        postage.as_of
    ));
    if total > c.reimburse_above {
        s.push_str(&format!(
            "note: postage passes ${:.2}; the campaign may reimburse postage above that, so keep the receipt.\n",
            c.reimburse_above
        ));
    }
    if let Some(note) = &c.recipient.note {
        s.push_str(&format!("note: {note}\n"));
    }
    s.push_str("Put each letter and card in the envelope with the same number (one piece per envelope), stamp it, and share a photo");
    if !c.hashtags.is_empty() {
        s.push_str(&format!(" with {}", c.hashtags.join(" ")));
    }
    s.push_str(".\n");
    s
}

/// Wall-clock time per stage, for `--timings`.
struct Timings {
    enabled: bool,
    last: std::time::Instant,
    laps: Vec<(&'static str, std::time::Duration)>,
}

impl Timings {
    fn start(enabled: bool) -> Timings {
        Timings { enabled, last: std::time::Instant::now(), laps: Vec::new() }
    }

    fn lap(&mut self, name: &'static str) {
        if self.enabled {
            let now = std::time::Instant::now();
            self.laps.push((name, now - self.last));
            self.last = now;
        }
    }

    fn report(&self) -> String {
        if !self.enabled {
            return String::new();
        }
        let total: std::time::Duration = self.laps.iter().map(|(_, d)| *d).sum();
        let mut s = String::from("timings:\n");
        for (name, d) in &self.laps {
            s.push_str(&format!("  {name:<26} {:>8.1} ms\n", d.as_secs_f64() * 1000.0));
        }
        s.push_str(&format!("  {:<26} {:>8.1} ms\n", "total", total.as_secs_f64() * 1000.0));
        s
    }
}

/// A file-name-safe version of a name: letters and digits kept (any script), the rest as `-`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').chars().take(40).collect::<String>();
    if out.is_empty() { "writer".into() } else { out }
}
