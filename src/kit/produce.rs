//! The passes that lay out every piece and envelope and stream them into the kit's PDF files.

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
    (pages, warnings)
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
/// every piece was made.
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
) -> Result<Produced> {
    let postage = Postage::builtin();
    let pictures = &context.pictures;
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
    for pass in Pass::ALL {
        let selected: Vec<usize> = (0..jobs.len()).filter(|&i| pass.selects(&jobs[i])).collect();
        if selected.is_empty() {
            continue;
        }
        // Cards and postcards may go N-up on sheets: whole sheets are laid out together.
        let print = pass_print_options(pass, designs, options);
        let plan =
            match (&print.sheet, pass) {
                (Some(sheet), Pass::Cards | Pass::Postcards) => {
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
        for chunk in selected.chunks(batch) {
            // On rayon's pool; `collect` keeps the jobs' order.
            use rayon::prelude::*;
            let laid: Vec<Laid> = chunk
                .par_iter()
                .map(|&i| match pass {
                    Pass::Envelopes => envelope_page(&jobs[i], context, designs, &delivery, pictures),
                    _ => lay_out_piece(&jobs[i], context, pictures),
                })
                .collect();
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
            if pass == Pass::Envelopes {
                for (i, pages) in pieces {
                    if pages.len() != 1 {
                        errors.push(Diagnostic::error(format!(
                            "the envelope design makes {} pages; an envelope has one",
                            pages.len()
                        )));
                        continue;
                    }
                    let size = inches(pages[0].trim.width, pages[0].trim.height);
                    let (file, numbers) = outputs.add(pass.file(), pages)?;
                    kit.add_pages(Pass::Envelopes, 1);
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
                kit.add_pages(pass, printed.pages.len());
                let (file, numbers) = outputs.add(pass.file(), printed.pages)?;
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
            let two_sided = pass == Pass::Postcards
                && designs.postcard.as_ref().is_some_and(|d| d.pages.len() == 2)
                || pass == Pass::Cards
                    && designs.card.as_ref().is_some_and(|(d, _)| d.fold == Some(design::Fold::Half));
            notes.push(format!("{}: {}", pass.name(), impose::sheet_note(plan, two_sided, sheet.duplex)));
        }
        clock.lap(pass.name());
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
pub(super) fn printed_size(design: &Design) -> (f32, f32) {
    match design.fold {
        Some(design::Fold::Quarter) => (2.0 * design.width, 2.0 * design.height),
        Some(design::Fold::Half) => (2.0 * design.width, design.height),
        None => (design.width, design.height),
    }
}

/// One writer's pieces followed by their envelopes, for `--split`.
pub(super) fn writer_pdf(
    designs: &Designs,
    jobs: &[&Job],
    context: &Context,
    campaign: &LoadedCampaign,
    options: &PdfOptions,
) -> Result<Vec<u8>> {
    let pictures = &context.pictures;
    let delivery = campaign.delivery_lines();
    let mut pdf = PdfWriter::new(Vec::new(), &options.title, options)?;
    for job in jobs {
        for page in lay_out_piece(job, context, pictures).0? {
            pdf.add(page)?;
        }
    }
    for job in jobs.iter().filter(|j| j.envelope.is_some()) {
        for page in envelope_page(job, context, designs, &delivery, pictures).0? {
            pdf.add(page)?;
        }
    }
    pdf.finish()
}
