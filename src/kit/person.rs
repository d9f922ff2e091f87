//! One participant's pieces on their own, as one PDF: what the kit prints for them.

use crate::base::diag::{Diagnostic, Error, Result, Warnings};
use crate::model::campaign;
use crate::model::participants::read_list;
use crate::render::PdfOptions;

use super::BuildOptions;
use super::designs::designs;
use super::plan::{Context, Job, jobs, writers};
use super::produce::writer_pdf;

/// The pieces of the participant on `line` of `options.participants` (their row's line in the
/// file, [`crate::model::participants::Participant::line`]) as the whole kit prints them, with
/// the same piece numbers: their letters, cards and postcards, then the envelopes, in one PDF.
/// The kit is that of the list's usable rows, as `build --keep-going` makes it.
pub fn person_pdf(options: &BuildOptions, line: usize, warnings: &mut Warnings) -> Result<Vec<u8>> {
    let campaign = campaign::load(options.campaign.as_deref(), &options.sandbox)?;
    let Some(path) = &options.participants else {
        return Err(Diagnostic::error(
            "one person's pieces come from a participants list, and there is none",
        )
        .into());
    };
    let list = read_list(path, warnings)?;
    if let Some(bad) = list.bad_rows.iter().find(|r| r.line == line) {
        return Err(Error(bad.errors.iter().map(|(_, d)| d.clone()).collect()));
    }
    let Some(writer) = list.people.iter().position(|p| p.line == line) else {
        return Err(Diagnostic::error(format!("line {line}: no participant's row is on this line"))
            .in_file(path)
            .into());
    };
    let writers = writers(&campaign, options, Some((&list, &list.people)), warnings)?;
    let name = list.people[writer].name.clone();
    if writers[writer].counts == [0, 0, 0] {
        return Err(Diagnostic::error(format!("{name} makes no letters, cards or postcards"))
            .in_file(path)
            .at(line, 1)
            .into());
    }
    let mut designs = designs(&campaign, &writers, warnings)?;
    super::fonts::prepare(&campaign, &mut designs, &writers, warnings)?;
    let jobs = jobs(&campaign, &designs, &writers, 1);
    let context = Context::new(&campaign, &writers)?;
    let mine: Vec<&Job> = jobs.iter().filter(|j| j.writer == writer).collect();
    let title = format!("{}: pieces and envelopes for {name}", campaign.campaign.name);
    writer_pdf(
        &designs,
        &mine,
        &context,
        &campaign,
        &PdfOptions { title, pdf_a: false, language: String::new() },
    )
}
