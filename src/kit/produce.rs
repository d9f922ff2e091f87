//! The passes that lay out every piece and envelope and stream them into the kit's PDF files.

use std::collections::BTreeMap;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::base::diag::{Diagnostic, Error, Result, Warnings};
use crate::impose::{self, PrintOptions};
use crate::layout::{self, Page, Pictures};
use crate::mail::Postage;
use crate::model::campaign::LoadedCampaign;
use crate::model::design::{self, Design};
use crate::model::participants::Participant;
use crate::output::{Staged, check_not_input};
use crate::render::{PdfOptions, PdfWriter};

use super::BuildOptions;
use super::designs::Designs;
use super::manifest::{EnvelopeRecord, Kit, PieceRecord, inches, piece_record};
use super::pages;
use super::plan::{Context, Job, Pass, PieceKind, with_row};
use super::summary::Timings;

/// The pieces that failed to lay out, by writer: with `--keep-going` their rows are left out
/// and the kit built again without them.
#[derive(Default)]
pub(super) struct RowFailures {
    /// Each failed writer's problems, as found (before [`with_row`] names the row).
    pub(super) rows: BTreeMap<usize, Vec<Diagnostic>>,
    /// Whether some error belongs to no one row (a design's): leaving rows out does not help.
    pub(super) other: bool,
}

/// Pieces laid out together before they are written: enough to keep every core busy, few
/// enough that memory stays flat however large the kit.
pub(super) const BATCH: usize = 128;

/// A piece's own pages, or the errors that stopped it, with the warnings it raised.
pub(super) type Laid = (std::result::Result<Vec<Page>, Error>, Warnings);

pub(super) fn lay_out_piece(job: &Job, context: &Context, pictures: &Pictures) -> Laid {
    let mut warnings = Warnings::default();
    let pages = context
        .fields(job)
        .map_err(Error::from)
        .and_then(|fields| layout::layout_printed(job.design, &fields, pictures, &mut warnings));
    // A postcard goes into the mail bare: its address side by the Postal Service's rules.
    let pages = match pages {
        Ok(pages) if job.kind == PieceKind::Postcard => {
            let found = super::audit_mail(job.design, &pages, super::Mailed::Postcard, None, true);
            super::mail_errors(found, &mut warnings).map(|_| pages).map_err(|e| for_row(e, job, context))
        }
        other => other,
    };
    (pages, warnings)
}

/// Names the piece and its participant's row in errors about one piece (an address that is
/// empty for this row's data).
fn for_row(e: Error, job: &Job, context: &Context) -> Error {
    let participant = context.writers[job.writer].participant.as_ref();
    let name = |d: Diagnostic| {
        // `with_row` names the row of a diagnostic without a file of the user's own.
        let own_file = d.file.as_ref().is_some_and(|f| !f.to_string_lossy().starts_with("builtin:"));
        let row = match participant {
            Some(p) if own_file => format!("{}, participant `{}`, row at line {}", job.id, p.name, p.line),
            _ => job.id.clone(),
        };
        Diagnostic { message: format!("{} ({row})", d.message), ..d }
    };
    Error(e.0.into_iter().map(name).collect())
}

/// The envelope for a piece: from the campaign's envelope design, or placed by USPS rules.
pub(super) fn envelope_page(
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
            .and_then(|fields| layout::layout_design(design, &fields, pictures, &mut warnings))
            .and_then(|pages| {
                // The campaign's envelope by the Postal Service's rules (docs/mail-rules.md 2).
                let found = super::audit_mail(design, &pages, super::Mailed::Envelope, None, true);
                super::mail_errors(found, &mut warnings).map(|_| pages).map_err(|e| for_row(e, job, context))
            });
        return (pages, warnings);
    }
    let participant = context.writers[job.writer].participant.as_ref();
    let return_lines = participant.map(Participant::return_address);
    // Mailed from abroad: the destination country last (Publication 28 A31).
    let abroad = participant.filter(|p| p.abroad()).map(|_| crate::mail::countries::from_abroad(delivery));
    let content = pages::EnvelopeContent {
        return_lines: return_lines.as_deref(),
        delivery_lines: abroad.as_deref().unwrap_or(delivery),
        piece: Some(&job.id),
        labels: &context.language(job.writer).labels,
    };
    let page = pages::envelope(&designs.letter.fonts, format, &content)
        .map_err(|m| Error::from(Diagnostic::error(format!("envelope for {}: {m}", job.id))))
        .and_then(|(page, placed)| {
            // Placed by mail's zones, and checked by the same rule as an envelope design.
            use crate::mail::audit::{Mark, Side, audit};
            let marks = [
                Mark { label: "the return address", ink: Some(placed.return_address), delivery: false },
                Mark { label: "the stamp box", ink: Some(placed.stamp), delivery: false },
                Mark { label: "the delivery address", ink: Some(placed.address), delivery: true },
            ];
            let what = format!("the envelope for {}", job.id);
            let found = audit(page.trim, Side::Envelope, &what, &marks).into_iter().map(|(_, d)| d).collect();
            super::mail_errors(found, &mut warnings).map(|_| vec![page])
        });
    (page, warnings)
}

/// PDF writers for the kit's files, each streaming into a temporary file in the output
/// folder: one per kind of piece, or one `kit.pdf` for all.
pub(super) struct Outputs<'a> {
    pub(super) one_file: bool,
    pub(super) title: &'a dyn Fn(&str) -> PdfOptions,
    pub(super) folder: &'a Path,
    pub(super) inputs: &'a [&'a Path],
    pub(super) staged: &'a mut Staged,
    pub(super) open: Vec<(String, PdfWriter<BufWriter<std::fs::File>>)>,
}

impl Outputs<'_> {
    /// Adds pages to a file; returns the file's name and the pages' numbers in it.
    pub(super) fn add(&mut self, file: &str, pages: Vec<Page>) -> Result<(String, Vec<usize>)> {
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
    pub(super) fn finish(self) -> Result<Vec<String>> {
        self.open.into_iter().map(|(name, writer)| writer.finish().map(|_| name)).collect()
    }
}

/// Creates the kit's file `name` in `folder` under its temporary name (refusing to write over
/// an input), to be written as it is made and put in place with the rest.
pub(super) fn create_output(
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
pub(super) fn stream_pdf(
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
/// every piece was made. On errors, `failures` says whose pieces failed.
///
/// With `--split` (and the kit in several files) the writers are taken in batches of about
/// [`BATCH`] pieces, and each batch goes through every pass before the next: the pages laid
/// out for the kit's files also make the batch's participant files, written as soon as the
/// batch is done. Every kit file still gets its pages in the same order, so memory stays flat
/// and the bytes are those of a build without `--split`. The one exception: envelopes for
/// cards follow all envelopes for letters in `envelopes.pdf`, so that sub-pass runs after the
/// batches, and a participant file lays out its own card envelopes (composed pages, cheap).
#[allow(clippy::too_many_arguments)]
pub(super) fn produce(
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
    failures: &mut RowFailures,
) -> Result<Produced> {
    let postage = Postage::builtin();
    let sheet_weight = super::manifest::sheet_weight(postage, campaign.paper);
    let mut run = Run {
        designs,
        jobs,
        context,
        delivery: campaign.delivery_lines(),
        postage,
        sheet_weight,
        outputs: Outputs {
            one_file: options.one_file,
            title,
            folder: &options.output,
            inputs,
            staged,
            open: Vec::new(),
        },
        kit: Kit::default(),
        records: jobs.iter().map(|_| None).collect(),
        envelopes: jobs.iter().map(|_| None).collect(),
        passes: Vec::new(),
        failures: RowFailures::default(),
        progress: options.progress.as_ref(),
    };
    // Cards and postcards may go N-up on sheets: whole sheets are laid out together.
    for pass in Pass::ALL {
        let print = pass_print_options(pass, designs, options);
        let plan =
            match (&print.sheet, pass) {
                (Some(sheet), Pass::Cards | Pass::Postcards) if jobs.iter().any(|j| pass.selects(j)) => {
                    let design = if pass == Pass::Cards {
                        &designs.card.as_ref().expect("cards").0
                    } else {
                        designs.postcard.as_ref().expect("postcards")
                    };
                    let (w, h) = printed_size(design);
                    Some(impose::plan(w, h, sheet).map_err(|m| {
                        Diagnostic::error(format!("{}: {m}", pass.name())).in_file(&design.path)
                    })?)
                }
                _ => None,
            };
        let batch = plan.as_ref().map_or(BATCH, |p| (BATCH / (p.cols * p.rows)).max(1) * p.cols * p.rows);
        run.passes.push(PassState {
            pass,
            print,
            plan,
            batch,
            carry: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
            used: false,
        });
    }

    // A flip asked for where nothing prints two-sided would be ignored: say so and stop.
    if let Some(flip) = options.print.duplex
        && !jobs.iter().any(|j| match j.kind {
            PieceKind::Postcard => j.design.pages.len() == 2,
            PieceKind::Card => j.design.fold == Some(design::Fold::Half),
            PieceKind::Letter => false,
        })
    {
        return Err(Diagnostic::error(format!(
            "--duplex {}: nothing in this kit prints two-sided (letters and quarter-fold cards print on one side, and one-page postcards have no back)",
            flip.name()
        ))
        .in_file(&campaign.path)
        .hint("leave out --duplex")
        .into());
    }
    let split = options.split && !options.one_file;
    let writers = context.writers;
    // Writers in batches: all at once without split files (each pass then runs once, in
    // chunks), else batches of about `BATCH` pieces.
    let mut batches = Vec::new();
    if split {
        let mut start = 0;
        let mut pieces = 0usize;
        for (w, writer) in writers.iter().enumerate() {
            pieces += writer.counts.iter().map(|&c| c as usize).sum::<usize>();
            if pieces >= BATCH || w + 1 == writers.len() {
                batches.push(start..w + 1);
                start = w + 1;
                pieces = 0;
            }
        }
    } else {
        batches.push(0..writers.len());
    }
    let count = batches.len();
    for (b, range) in batches.into_iter().enumerate() {
        let last = b + 1 == count;
        let mut mine = split.then(SplitPages::default);
        for p in 0..run.passes.len() {
            let pass = run.passes[p].pass;
            let selected: Vec<usize> = (0..jobs.len())
                .filter(|&i| {
                    let job = &jobs[i];
                    pass.selects(job)
                        && range.contains(&job.writer)
                        // With split files, card envelopes are a sub-pass of their own (above).
                        && !(split && pass == Pass::Envelopes && job.kind != PieceKind::Letter)
                })
                .collect();
            run.pass(p, &selected, last, mine.as_mut())?;
            if !selected.is_empty() {
                clock.lap(pass.name());
            }
        }
        if let Some(mut mine) = mine {
            // A participant's card envelopes follow every letter's in `envelopes.pdf` (the
            // sub-pass below): laid out here for the participant files alone.
            use rayon::prelude::*;
            let cards: Vec<usize> = (0..jobs.len())
                .filter(|&i| {
                    jobs[i].kind != PieceKind::Letter
                        && jobs[i].envelope.is_some()
                        && range.contains(&jobs[i].writer)
                })
                .collect();
            let laid: Vec<(usize, Laid)> = cards
                .par_iter()
                .map(|&i| (i, envelope_page(&jobs[i], context, designs, &run.delivery, &context.pictures)))
                .collect();
            for (i, (result, _)) in laid {
                // An envelope that fails is reported by the sub-pass; the build then stops.
                if let Ok(pages) = result {
                    mine.envelopes.insert((jobs[i].writer, i), pages);
                }
            }
            run.split_files(range, mine)?;
            clock.lap("participant files");
        }
    }
    if split {
        let p = Pass::ALL.iter().position(|&p| p == Pass::Envelopes).expect("a pass");
        let selected: Vec<usize> = (0..jobs.len())
            .filter(|&i| jobs[i].kind != PieceKind::Letter && jobs[i].envelope.is_some())
            .collect();
        run.pass(p, &selected, true, None)?;
        clock.lap(Pass::Envelopes.name());
    }

    let mut errors = Vec::new();
    let mut notes = Vec::new();
    for state in &run.passes {
        warnings.0.extend(state.warnings.iter().cloned());
        errors.extend(state.errors.iter().cloned());
        if let (Some(plan), Some(sheet), true) = (&state.plan, &state.print.sheet, state.used) {
            let pass = state.pass;
            let two_sided = pass == Pass::Postcards
                && designs.postcard.as_ref().is_some_and(|d| d.pages.len() == 2)
                || pass == Pass::Cards
                    && designs.card.as_ref().is_some_and(|(d, _)| d.fold == Some(design::Fold::Half));
            notes.push(format!("{}: {}", pass.name(), impose::sheet_note(plan, two_sided, sheet.duplex)));
        }
        // One piece to a page, printed two-sided: the flip asked for, which the backs follow.
        if let (None, Some(flip), true, Pass::Postcards) =
            (&state.plan, state.print.duplex, state.used, state.pass)
            && designs.postcard.as_ref().is_some_and(|d| d.pages.len() == 2)
        {
            notes.push(format!("postcards: one per page; {}", impose::flip_note(flip)));
        }
    }
    if !errors.is_empty() {
        // The same mistake in a shared design or paragraph shows once, not once per piece; an
        // address left empty shows for its first piece, with how many more it leaves empty.
        let mut seen = std::collections::BTreeSet::new();
        errors.retain(|d| seen.insert(d.to_string()));
        let mut empty: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut keep = Vec::new();
        for (i, d) in errors.iter().enumerate() {
            if d.code == Some("mail.empty-address") {
                let entry = empty.entry(format!("{:?} {:?}", d.file, d.position)).or_insert((i, 0));
                entry.1 += 1;
                if entry.1 > 1 {
                    continue;
                }
            }
            keep.push(i);
        }
        for (first, count) in empty.into_values().filter(|(_, n)| *n > 1) {
            let d = &mut errors[first];
            d.message.push_str(&format!("; and {} more pieces", count - 1));
        }
        errors = keep.into_iter().map(|i| errors[i].clone()).collect();
        *failures = run.failures;
        return Err(Error(errors));
    }
    let Run { mut kit, records, envelopes, outputs, .. } = run;
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

/// One pass's settings and what it has gathered so far.
struct PassState {
    pass: Pass,
    print: PrintOptions,
    plan: Option<impose::SheetPlan>,
    /// Pieces laid out together.
    batch: usize,
    /// Pieces waiting for the rest of their sheet.
    carry: Vec<(usize, Vec<Page>)>,
    warnings: Vec<Diagnostic>,
    errors: Vec<Diagnostic>,
    /// Whether it made any page.
    used: bool,
}

/// A batch's pages for the participant files: each piece's own pages and each envelope, by job.
#[derive(Default)]
struct SplitPages {
    /// By writer and job.
    pieces: BTreeMap<(usize, usize), Vec<Page>>,
    /// By writer and job.
    envelopes: BTreeMap<(usize, usize), Vec<Page>>,
}

/// The state of [`produce`].
struct Run<'a, 'o> {
    designs: &'a Designs,
    jobs: &'a [Job<'a>],
    context: &'a Context<'a>,
    delivery: Vec<String>,
    postage: &'static Postage,
    sheet_weight: f64,
    outputs: Outputs<'o>,
    kit: Kit,
    records: Vec<Option<PieceRecord>>,
    envelopes: Vec<Option<EnvelopeRecord>>,
    passes: Vec<PassState>,
    failures: RowFailures,
    /// Counts each piece and envelope as it is laid out.
    progress: Option<&'o super::Progress>,
}

impl Run<'_, '_> {
    /// Writes the participant files of the writers in `range` from their pages: each piece,
    /// then each envelope.
    fn split_files(&mut self, range: std::ops::Range<usize>, mut mine: SplitPages) -> Result<()> {
        if self.failed() {
            return Ok(());
        }
        for w in range {
            let writer = &self.context.writers[w];
            if writer.counts == [0, 0, 0] {
                continue;
            }
            let name =
                writer.participant.as_ref().map_or_else(|| format!("writer {}", w + 1), |p| p.name.clone());
            let options = PdfOptions {
                language: self.context.language(w).labels.tag.clone(),
                ..(self.outputs.title)(&format!("pieces and envelopes for {name}"))
            };
            let mut pdf = PdfWriter::new(Vec::new(), &options.title, &options)?;
            for map in [&mut mine.pieces, &mut mine.envelopes] {
                while map.first_key_value().is_some_and(|((writer, _), _)| *writer == w) {
                    for page in map.pop_first().expect("just seen").1 {
                        pdf.add(page)?;
                    }
                }
            }
            let bytes = pdf.finish()?;
            let path =
                self.outputs.folder.join(format!("participants/{:03}-{}.pdf", w + 1, super::slug(&name)));
            check_not_input(&path, self.outputs.inputs)?;
            self.outputs.staged.write(&path, &bytes)?;
        }
        Ok(())
    }

    fn failed(&self) -> bool {
        self.passes.iter().any(|s| !s.errors.is_empty())
    }

    /// Lays out the `selected` jobs' pages of pass number `p` in chunks and writes them; `last`
    /// when no more jobs of this pass follow (a part-filled sheet is then written). The pages
    /// are kept in `split` for the participant files too.
    fn pass(
        &mut self,
        p: usize,
        selected: &[usize],
        last: bool,
        mut split: Option<&mut SplitPages>,
    ) -> Result<()> {
        let (jobs, context, designs) = (self.jobs, self.context, self.designs);
        let pass = self.passes[p].pass;
        for chunk in selected.chunks(self.passes[p].batch) {
            // On rayon's pool; `collect` keeps the jobs' order.
            use rayon::prelude::*;
            let laid: Vec<Laid> = chunk
                .par_iter()
                .map(|&i| match pass {
                    Pass::Envelopes => {
                        envelope_page(&jobs[i], context, designs, &self.delivery, &context.pictures)
                    }
                    _ => lay_out_piece(&jobs[i], context, &context.pictures),
                })
                .collect();
            if let Some(progress) = self.progress {
                progress.advance(chunk.len() as u64);
            }
            let mut pieces = Vec::new();
            let state = &mut self.passes[p];
            let failed = &mut self.failures.rows;
            for (&i, (result, w)) in chunk.iter().zip(laid) {
                let writer = &context.writers[jobs[i].writer];
                state.warnings.extend(w.0.into_iter().map(|d| with_row(d, writer)));
                match result {
                    Ok(pages) => pieces.push((i, pages)),
                    Err(e) => {
                        failed.entry(jobs[i].writer).or_default().extend(e.0.iter().cloned());
                        state.errors.extend(e.0.into_iter().map(|d| with_row(d, writer)));
                    }
                }
            }
            if self.failed() {
                continue; // keep laying out to report every error, but write nothing
            }
            if let Some(split) = split.as_deref_mut() {
                let to = if pass == Pass::Envelopes { &mut split.envelopes } else { &mut split.pieces };
                to.extend(pieces.iter().map(|(i, pages)| ((jobs[*i].writer, *i), pages.clone())));
            }
            if pass == Pass::Envelopes {
                self.write_envelopes(pieces)?;
            } else {
                let state = &mut self.passes[p];
                state.carry.extend(pieces);
                let groups = self.groups(p, false);
                self.write_pieces(p, groups)?;
            }
        }
        if last && !self.failed() {
            let groups = self.groups(p, true);
            self.write_pieces(p, groups)?;
        }
        Ok(())
    }

    /// Whole sheets (or single pieces) from the pieces waiting; with `all`, the last part-filled
    /// sheet too.
    fn groups(&mut self, p: usize, all: bool) -> Vec<Vec<(usize, Vec<Page>)>> {
        let state = &mut self.passes[p];
        let per = state.plan.as_ref().map_or(1, |plan| plan.cols * plan.rows);
        let mut groups = Vec::new();
        while state.carry.len() >= per || (all && !state.carry.is_empty()) {
            let n = per.min(state.carry.len());
            groups.push(state.carry.drain(..n).collect());
        }
        groups
    }

    fn write_envelopes(&mut self, pieces: Vec<(usize, Vec<Page>)>) -> Result<()> {
        let (jobs, designs) = (self.jobs, self.designs);
        let p = Pass::ALL.iter().position(|&p| p == Pass::Envelopes).expect("a pass");
        for (i, pages) in pieces {
            if pages.len() != 1 {
                self.failures.other = true;
                self.passes[p].errors.push(Diagnostic::error(format!(
                    "the envelope design makes {} pages; an envelope has one",
                    pages.len()
                )));
                continue;
            }
            self.passes[p].used = true;
            let size = inches(pages[0].trim.width, pages[0].trim.height);
            let (file, numbers) = self.outputs.add(Pass::Envelopes.file(), pages)?;
            self.kit.add_pages(Pass::Envelopes, 1);
            let format = jobs[i].envelope.expect("selected for its envelope");
            self.envelopes[i] = Some(EnvelopeRecord {
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
        Ok(())
    }

    fn write_pieces(&mut self, p: usize, groups: Vec<Vec<(usize, Vec<Page>)>>) -> Result<()> {
        let jobs = self.jobs;
        let pass = self.passes[p].pass;
        for group in groups {
            let (indices, own): (Vec<usize>, Vec<Vec<Page>>) = group.into_iter().unzip();
            let page_counts: Vec<usize> = own.iter().map(Vec::len).collect();
            let printed = impose::for_print(own, &self.passes[p].print).map_err(Diagnostic::error)?;
            self.passes[p].used = true;
            self.kit.add_pages(pass, printed.pages.len());
            let (file, numbers) = self.outputs.add(pass.file(), printed.pages)?;
            for ((i, pages), piece_pages) in indices.iter().zip(page_counts).zip(&printed.piece_pages) {
                let job = &jobs[*i];
                let pages_in_file = piece_pages.iter().map(|p| numbers[p - 1]).collect();
                let mut warnings = Warnings::default();
                let record = piece_record(
                    job,
                    pages,
                    file.clone(),
                    pages_in_file,
                    &self.context.writers[job.writer],
                    self.postage,
                    self.sheet_weight,
                    &mut warnings,
                );
                let state = &mut self.passes[p];
                state.warnings.extend(warnings.0);
                match record {
                    Ok(r) => self.records[*i] = Some(r),
                    Err(d) => {
                        // A postcard's size: the design's problem, not one row's.
                        self.failures.other = true;
                        state.errors.push(d);
                    }
                }
            }
        }
        Ok(())
    }
}

/// What [`produce`] makes: the kit's records, the names of its PDF files (staged, not yet in
/// place), and notes on sheets.
pub(super) type Produced = (Kit, Vec<String>, Vec<String>);

/// The print options for one pass: sheets only for cards and postcards, and not for a card
/// that already fills a whole sheet; print-shop marks only on postcards (the pieces with bleed).
pub(super) fn pass_print_options(pass: Pass, designs: &Designs, options: &BuildOptions) -> PrintOptions {
    let mut print = options.print.clone();
    match pass {
        Pass::Postcards => {}
        Pass::Cards => {
            print.shop_marks = false;
            if let (Some(sheet), Some((design, _))) = (&print.sheet, &designs.card) {
                let (w, h) = printed_size(design);
                let (short, long) = (w.min(h), w.max(h));
                if (short - sheet.width).abs() < 1.0 && (long - sheet.height).abs() < 1.0 {
                    print.sheet = None;
                }
            }
        }
        _ => print = PrintOptions::default(),
    }
    print
}

/// The size of a design's printed page: a folded card's flat sheet, else the trim size.
pub(super) fn printed_size(design: &Design) -> (f32, f32) {
    match design.fold {
        Some(design::Fold::Quarter) => (2.0 * design.width, 2.0 * design.height),
        Some(design::Fold::Half) => (2.0 * design.width, design.height),
        None => (design.width, design.height),
    }
}

/// One writer's pieces followed by their envelopes, laid out again: for `--split` with
/// `--one-file`, whose `kit.pdf` takes every letter before any envelope, so a participant's
/// pages are never laid out together in [`produce`]; and for one person's pieces on their own
/// ([`super::person_pdf`]). The PDF's language is the writer's.
pub(super) fn writer_pdf(
    designs: &Designs,
    jobs: &[&Job],
    context: &Context,
    campaign: &LoadedCampaign,
    options: &PdfOptions,
) -> Result<Vec<u8>> {
    let pictures = &context.pictures;
    let delivery = campaign.delivery_lines();
    let language = jobs.first().map_or(&context.languages[0], |j| context.language(j.writer));
    let options = PdfOptions { language: language.labels.tag.clone(), ..options.clone() };
    let mut pdf = PdfWriter::new(Vec::new(), &options.title, &options)?;
    // Errors name the row, as the kit's passes name it.
    let named = |job: &Job, e: Error| {
        Error(e.0.into_iter().map(|d| with_row(d, &context.writers[job.writer])).collect())
    };
    for job in jobs {
        for page in lay_out_piece(job, context, pictures).0.map_err(|e| named(job, e))? {
            pdf.add(page)?;
        }
    }
    for job in jobs.iter().filter(|j| j.envelope.is_some()) {
        for page in envelope_page(job, context, designs, &delivery, pictures).0.map_err(|e| named(job, e))? {
            pdf.add(page)?;
        }
    }
    pdf.finish()
}
