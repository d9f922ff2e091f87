//! The party kit: a letter for every participant, each with its own envelope addressed to the
//! recipient, cards and postcards when participants make them, a talking-points handout, a
//! sign-in / tally sheet and a manifest.
//!
//! Pieces are laid out in parallel batches and streamed into the PDF writers, so memory does
//! not grow with the number of letters; nothing is written to disk until every piece is done.
//!
//! [`build`] runs the steps, each in a file of its own:
//! - `designs.rs`: the built-in designs and the checks that a campaign's designs fit together;
//! - `plan.rs`: the writers, one job per piece, the passes, and each piece's field values
//!   (a participant's columns come from [`crate::model::fields`]);
//! - `produce.rs`: the passes that lay out pieces and envelopes and stream them into the PDFs,
//!   and the `--split` files;
//! - `manifest.rs`: a record per piece (mail class, weight and postage from
//!   [`crate::mail::Postage::rate`]) and `manifest.json`;
//! - `summary.rs`: what `build` prints (with the list's repairs and the rows left out), and
//!   `--timings`;
//! - `piece.rs`: one piece on its own, for `render`, `preview` and `check --campaign --row`;
//! - `person.rs`, `preview.rs`, `counts.rs`: for `serve`: one participant's pieces as one PDF,
//!   a picture of one row's piece from a draft campaign, and the counts and postage from the
//!   plan alone;
//! - [`pages`]: the pages composed in code (envelopes, handout, tally sheet); where things go on
//!   an envelope is [`crate::mail::placement`].

pub mod counts;
mod designs;
mod fonts;
mod manifest;
pub mod pages;
pub mod person;
mod photos;
mod piece;
mod plan;
pub mod preview;
mod produce;
mod summary;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::base::diag::{Diagnostic, Result, Warnings};
use crate::impose::PrintOptions;
use crate::input::confine::Sandbox;
use crate::mail::{self, Postage};
use crate::model::campaign;
use crate::output::{Staged, check_not_input};
use crate::render::{self, PdfOptions};

pub use counts::{Counts, counts};
pub use designs::BUILTIN_DESIGNS;
pub(crate) use designs::campaign_design;
use designs::designs;
pub use designs::{Mailed, audit_mail, mail_errors};
pub use fonts::envelope_fonts;
use manifest::{ListRecord, Skipped, manifest_json};
pub use person::person_pdf;
pub use piece::{DesignFields, PieceArgs, design_fields, unnamed_piece};
use plan::{Context, Job, PieceKind, jobs, writers};
pub use preview::{Preview, PreviewPiece, PreviewRequest, preview};
use produce::{RowFailures, create_output, produce, stream_pdf, writer_pdf};
use summary::{Timings, summary};

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
    /// Where the campaign's designs, pictures and fonts may come from (`--allow-path`).
    pub sandbox: Sandbox,
    /// Counts the pieces laid out as the build goes, for a watcher on another thread.
    pub progress: Option<Progress>,
    /// The sign-in page's address: the handout then prints it, with a QR code of it.
    pub sign_in_url: Option<String>,
}

/// How far a build has got: pages of pieces and envelopes laid out, of all there are to lay
/// out. Clones share the counts, so a server can read them while another thread builds.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    done: Arc<AtomicU64>,
    total: Arc<AtomicU64>,
}

impl Progress {
    /// A progress at nothing of nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// The pieces and envelopes laid out so far.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// The pieces and envelopes to lay out; 0 until the build knows its plan.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Starts a round of the build: `total` to lay out, none done.
    fn begin(&self, total: u64) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    /// Counts `n` more laid out.
    fn advance(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
}

impl BuildOptions {
    /// The built-in campaign's ten unnamed kits into `output`, as `letterkit build -o OUTPUT`
    /// makes them; callers change the fields they need (`..BuildOptions::new(output)`).
    pub fn new(output: PathBuf) -> Self {
        BuildOptions {
            campaign: None,
            participants: None,
            count: 10,
            output,
            split: false,
            one_file: false,
            print: PrintOptions::default(),
            timings: false,
            force: false,
            sandbox: Sandbox::default(),
            progress: None,
            sign_in_url: None,
        }
    }
}

/// How `build` treats the list's rows: whether a row that cannot be built is left out
/// (`--keep-going`), and the number the pieces of each kind start from (`--start`).
#[derive(Debug, Clone, Copy)]
pub struct RowOptions {
    /// Build every good row; list the others in the summary, `manifest.json` and
    /// `problems.txt`.
    pub keep_going: bool,
    /// The first piece's number (1 gives `L-0001`).
    pub start: u32,
}

impl Default for RowOptions {
    fn default() -> Self {
        RowOptions { keep_going: false, start: 1 }
    }
}

/// A kit built: the summary to print and how many rows were left out (`--keep-going`).
#[derive(Debug, Clone)]
pub struct Built {
    /// What `build` prints.
    pub summary: String,
    /// The rows left out; the program then exits with status 2.
    pub skipped: usize,
}

/// Builds the kit and writes it into `options.output`; returns the summary to print.
pub fn build(options: &BuildOptions, warnings: &mut Warnings) -> Result<String> {
    build_rows(options, &RowOptions::default(), warnings).map(|b| b.summary)
}

/// Builds the kit as [`build`] does, numbering pieces from `rows.start`; with
/// `rows.keep_going`, rows that cannot be built (bad CSV rows, and rows whose pieces do not lay
/// out) are left out: the kit is then exactly the kit of the list without them, and they are
/// listed in the summary, `manifest.json` (`skipped`) and `problems.txt`.
pub fn build_rows(options: &BuildOptions, rows: &RowOptions, warnings: &mut Warnings) -> Result<Built> {
    let mut clock = Timings::start(options.timings);
    let campaign = campaign::load(options.campaign.as_deref(), &options.sandbox)?;
    if rows.start == 0 {
        return Err(Diagnostic::error("--start 0: pieces are numbered from 1").into());
    }
    let list = match &options.participants {
        Some(path) => Some(crate::model::participants::read_list(path, warnings)?),
        None => None,
    };
    let mut skipped: Vec<Skipped> = Vec::new();
    if let Some(list) = &list
        && !list.bad_rows.is_empty()
    {
        if !rows.keep_going {
            return Err(list.clone().into_people().expect_err("the list has bad rows"));
        }
        skipped.extend(list.bad_rows.iter().map(Skipped::from_bad_row));
    }
    // With --keep-going, rows whose pieces fail are left out and the kit is made again without
    // them, so it is byte for byte the kit of the list without those rows. Each round leaves
    // out at least one row, so this ends.
    let mut left_out = std::collections::BTreeSet::new();
    loop {
        let mut round = Warnings::default();
        let people: Vec<crate::model::participants::Participant> = list
            .iter()
            .flat_map(|l| l.people.iter())
            .filter(|p| !left_out.contains(&p.line))
            .cloned()
            .collect();
        let writers = writers(&campaign, options, list.as_ref().map(|l| (l, people.as_slice())), &mut round)?;
        let mut failures = RowFailures::default();
        match build_kit(
            &campaign,
            options,
            rows,
            &writers,
            &skipped,
            list.as_ref(),
            &mut round,
            &mut clock,
            &mut failures,
        ) {
            Ok(summary) => {
                warnings.0.extend(round.0);
                for s in &skipped {
                    warnings.push(s.warning(options.participants.as_deref()));
                }
                // A design's own warning shows once, not once per piece.
                let mut seen = std::collections::BTreeSet::new();
                warnings.0.retain(|d| seen.insert(d.to_string()));
                return Ok(Built { summary, skipped: skipped.len() });
            }
            Err(e) => {
                // Only rows that fail alone are left out: not a design's error, not every row.
                let failed = failures.rows.len();
                let named = failures.rows.keys().all(|&w| writers[w].participant.is_some());
                // A typed paragraph of the campaign that fails for one letter would fail for
                // whichever row comes to take it: the campaign's problem.
                let campaign_error = failures
                    .rows
                    .values()
                    .flatten()
                    .any(|d| d.file.as_deref() == Some(campaign.path.as_path()));
                if !rows.keep_going
                    || failures.other
                    || campaign_error
                    || failed == 0
                    || !named
                    || failed == writers.len()
                {
                    warnings.0.extend(round.0);
                    return Err(e);
                }
                for (w, problems) in failures.rows {
                    let p = writers[w].participant.as_ref().expect("counted above");
                    left_out.insert(p.line);
                    skipped.push(Skipped::from_layout(p, &problems));
                }
                skipped.sort_by_key(|s| s.row);
            }
        }
    }
}

/// One round of [`build_rows`]: the kit of these writers, written into `options.output`.
#[allow(clippy::too_many_arguments)]
fn build_kit(
    campaign: &campaign::LoadedCampaign,
    options: &BuildOptions,
    numbering: &RowOptions,
    writers: &[plan::Writer],
    skipped: &[Skipped],
    list: Option<&crate::model::participants::List>,
    warnings: &mut Warnings,
    clock: &mut Timings,
    failures: &mut RowFailures,
) -> Result<String> {
    let mut designs = designs(campaign, writers, warnings)?;
    let kit_fonts = fonts::prepare(campaign, &mut designs, writers, warnings)?;
    // The most pieces of one kind: the last number given is start + most - 1.
    let most: u64 = PieceKind::ALL
        .iter()
        .map(|&k| writers.iter().map(|w| u64::from(w.counts[k as usize])).sum::<u64>())
        .max()
        .unwrap_or(0);
    if u64::from(numbering.start) + most.saturating_sub(1) > u64::from(u32::MAX) {
        return Err(Diagnostic::error(format!(
            "--start {}: the last piece's number would pass {}",
            numbering.start,
            u32::MAX
        ))
        .into());
    }
    let jobs = jobs(campaign, &designs, writers, numbering.start);
    if let Some(progress) = &options.progress {
        progress.begin((jobs.len() + jobs.iter().filter(|j| j.envelope.is_some()).count()) as u64);
    }
    let context = Context::new(campaign, writers)?;
    clock.lap("read inputs");
    let title = |what: &str| PdfOptions {
        title: format!("{}: {what}", campaign.campaign.name),
        pdf_a: false,
        language: campaign.labels.tag.clone(),
    };
    let out = &options.output;
    let inputs: Vec<&Path> =
        [options.campaign.as_deref(), options.participants.as_deref()].into_iter().flatten().collect();
    crate::output::folder::output_folder(out, &inputs)?;
    // Files stream into a private folder beside `out`, switched in whole at the end: a failed
    // or killed build leaves the earlier kit as it was, and a second build into `out` stops.
    let mut staged = Staged::folder(out, options.force)?;
    let (mut kit, names, sheet_notes) = produce(
        campaign,
        &designs,
        &jobs,
        &context,
        options,
        &title,
        &mut staged,
        &inputs,
        warnings,
        clock,
        failures,
    )?;
    photos::quiet_blurry(designs.cards.iter().chain(&designs.postcards), warnings);
    let write = |staged: &mut Staged, name: &str, bytes: Vec<u8>| -> Result<()> {
        let path = out.join(name);
        check_not_input(&path, &inputs)?;
        staged.write(&path, &bytes)
    };
    let fonts = &designs.letter.fonts;
    let social = [campaign.campaign.hashtags.join(" "), campaign.campaign.mentions.join(" ")]
        .join(" ")
        .trim()
        .to_string();
    let recipient_lines = campaign.campaign.recipient.lines();
    // One handout page per language the kit prints in, the campaign's first.
    let mut handouts = Vec::new();
    for language in &context.languages {
        let labels = &language.labels;
        let themes: Vec<(String, Vec<String>)> =
            campaign.themes_in(&labels.tag).iter().map(|t| (t.theme.clone(), t.points.clone())).collect();
        let handout = pages::handout(
            fonts,
            campaign.paper,
            &pages::HandoutContent {
                campaign: &campaign.campaign.name,
                organizer: campaign.campaign.organizer.as_deref(),
                themes: &themes,
                recipient: &recipient_lines,
                social: if social.is_empty() {
                    labels.get("handout_no_hashtag").into()
                } else {
                    social.clone()
                },
                report_back: campaign.report_back_in(&labels.tag),
                sign_in_url: options.sign_in_url.as_deref(),
                labels,
            },
        )
        .map_err(|m| Diagnostic::error(format!("handout ({}): {m}", labels.tag)).in_file(&campaign.path))?;
        handouts.push(handout);
    }
    write(&mut staged, "handout.pdf", render::pdf(&handouts, &title("talking points"))?)?;
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
    let tally_pages = pages::tally(
        fonts,
        campaign.paper,
        &campaign.labels,
        &campaign.campaign.name,
        &rows,
        totals,
        &mut |page| tally_pdf.add(page).map_err(|e| e.to_string()),
    )
    .map_err(|m| Diagnostic::error(format!("tally sheet: {m}")).in_file(&campaign.path))?;
    tally_pdf.finish()?;
    // Without `--one-file`, `produce` wrote the participant files from the kit's own pages.
    if options.split && options.one_file {
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
                campaign,
                &title(&format!("pieces and envelopes for {name}")),
            )?;
            write(&mut staged, &format!("participants/{:03}-{}.pdf", i + 1, slug(&name)), bytes)?;
        }
    }
    let postage = Postage::builtin();
    let total_postage = mail::round_cents(kit.pieces.iter().filter_map(|p| p.postage_usd).sum());
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    kit.fonts = kit_fonts.uses();
    // Written straight to its file: a national campaign's manifest runs to megabytes.
    let list_record = ListRecord {
        separator: list.map(|l| l.separator.name()),
        start: numbering.start,
        repairs: list.map_or(&[][..], |l| &l.repairs[..]),
        skipped,
    };
    if !skipped.is_empty() {
        let from = options.participants.as_deref().unwrap_or(Path::new("the participants list"));
        write(&mut staged, "problems.txt", manifest::problems_txt(from, skipped).into_bytes())?;
    }
    let (manifest_path, file) = create_output(&mut staged, out, &inputs, "manifest.json")?;
    manifest_json(campaign, &kit, writers.len(), total_postage, postage, &name_refs, &list_record, file)
        .map_err(|e| crate::base::diag::io_error(&manifest_path, "cannot write", &e))?;
    staged.commit()?;
    clock.lap("handout, tally, manifest");

    let mut text =
        summary(campaign, options, &designs, &kit, writers.len(), total_postage, postage, tally_pages);
    text.push_str(&summary::rows_summary(options, &list_record));
    for note in sheet_notes {
        text.push_str(&format!("{note}\n"));
    }
    text.push_str(&clock.report());
    Ok(text)
}

/// A file-name-safe version of a name: letters and digits kept (any script), the rest as `-`.
pub(super) fn slug(name: &str) -> String {
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
