//! A picture of one piece of one row, from a campaign's text (perhaps a draft not yet saved):
//! laid out as `build` lays it out, written as a PDF and drawn back as PNG.

use std::path::Path;
use std::sync::Arc;

use crate::base::diag::{Diagnostic, Error, Result, Source, Warnings};
use crate::input::confine::Sandbox;
use crate::model::campaign;
use crate::model::participants::parse_list;
use crate::render::{self, PdfOptions};

use super::designs::designs;
use super::plan::{Context, ListFile, PieceKind, Writer, jobs, with_row};
use super::produce::{envelope_page, lay_out_piece};

/// The piece to show.
#[derive(Debug, Clone, Copy, serde::Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PreviewPiece {
    /// The row's first letter.
    Letter,
    /// The envelope of the row's first letter.
    Envelope,
    /// The row's first card, as printed (a folded card's flat sheet).
    Card,
    /// The envelope of the row's first card.
    CardEnvelope,
    /// The row's first postcard.
    Postcard,
}

impl PreviewPiece {
    /// The kind of piece it is, or whose envelope it is.
    fn kind(self) -> PieceKind {
        match self {
            PreviewPiece::Letter | PreviewPiece::Envelope => PieceKind::Letter,
            PreviewPiece::Card | PreviewPiece::CardEnvelope => PieceKind::Card,
            PreviewPiece::Postcard => PieceKind::Postcard,
        }
    }

    /// Its name in messages.
    fn name(self) -> &'static str {
        match self {
            PreviewPiece::Letter => "letter",
            PreviewPiece::Envelope => "envelope",
            PreviewPiece::Card => "card",
            PreviewPiece::CardEnvelope => "card's envelope",
            PreviewPiece::Postcard => "postcard",
        }
    }
}

/// What to preview: a campaign's text, one participant's row and the piece and page to draw.
pub struct PreviewRequest<'a> {
    /// The campaign TOML, possibly a draft not yet saved.
    pub campaign_text: &'a str,
    /// Where its relative design and picture paths point; messages name
    /// `campaign_dir/campaign.toml` and `campaign_dir/participants.csv`.
    pub campaign_dir: &'a Path,
    /// Where the campaign's designs, pictures and fonts may come from.
    pub sandbox: &'a Sandbox,
    /// A participants CSV: the header and the one row to show (the header alone: an unnamed
    /// writer's piece, as a kit without a list makes it).
    pub csv_text: &'a str,
    /// The piece to show.
    pub piece: PreviewPiece,
    /// The page to draw, from 1 (a card or a postcard has two or more).
    pub page: usize,
    /// Pixels per inch, 10 to 1200.
    pub dpi: f32,
}

/// A drawn page of a piece.
pub struct Preview {
    /// The page as PNG.
    pub png: Vec<u8>,
    /// How many pages the piece prints as.
    pub pages: usize,
}

/// Draws page `request.page` of the piece asked for: the row's first piece of its kind (one is
/// made for the preview if the row makes none), filled as `build` fills the kit's first piece
/// for a list of this one row (or of one unnamed kit when the CSV has no row), and drawn by hayro from the PDF it would print as. Errors (a
/// bad row, text that does not fit, a character no font has) are the ones `build` gives.
pub fn preview(request: &PreviewRequest, warnings: &mut Warnings) -> Result<Preview> {
    if !(10.0..=1200.0).contains(&request.dpi) {
        return Err(Diagnostic::error(format!("{} dpi is out of range; use 10 to 1200", request.dpi)).into());
    }
    if request.page == 0 {
        return Err(Diagnostic::error("pages are numbered from 1").into());
    }
    let campaign = campaign::load_text(request.campaign_text, request.campaign_dir, request.sandbox)?;
    let list_path = request.campaign_dir.join("participants.csv");
    let source = Source { path: list_path.clone(), text: request.csv_text.to_string() };
    let list = parse_list(&source, warnings)?;
    let headers = list.headers.clone();
    let person = list.into_people()?.into_iter().next();
    let d = &campaign.campaign.defaults;
    let mut counts = [
        person.as_ref().and_then(|p| p.letters).unwrap_or(d.letters),
        person.as_ref().and_then(|p| p.cards).unwrap_or(d.cards),
        person.as_ref().and_then(|p| p.postcards).unwrap_or(d.postcards),
    ];
    let kind = request.piece.kind();
    counts[kind as usize] = counts[kind as usize].max(1);
    // Without a row, an unnamed writer's piece, as a kit without a list makes it.
    let list = person.is_some().then(|| Arc::new(ListFile { path: list_path, headers }));
    let writers = [Writer { participant: person, counts, list }];
    let mut designs = designs(&campaign, &writers, warnings)?;
    super::fonts::prepare(&campaign, &mut designs, &writers, warnings)?;
    let jobs = jobs(&campaign, &designs, &writers, 1);
    let job = jobs.iter().find(|j| j.kind == kind).expect("the writer makes at least one of the kind");
    let context = Context::new(&campaign, &writers)?;
    let (laid, laid_warnings) = match request.piece {
        PreviewPiece::Envelope | PreviewPiece::CardEnvelope => {
            envelope_page(job, &context, &designs, &campaign.delivery_lines(), &context.pictures)
        }
        PreviewPiece::Letter | PreviewPiece::Card | PreviewPiece::Postcard => {
            lay_out_piece(job, &context, &context.pictures)
        }
    };
    let writer = &writers[0];
    warnings.0.extend(laid_warnings.0.into_iter().map(|d| with_row(d, writer)));
    let pages = laid.map_err(|e| Error(e.0.into_iter().map(|d| with_row(d, writer)).collect()))?;
    if request.page > pages.len() {
        return Err(Diagnostic::error(format!(
            "page {}: the {} has {} page{}",
            request.page,
            request.piece.name(),
            pages.len(),
            if pages.len() == 1 { "" } else { "s" }
        ))
        .into());
    }
    let title = format!("{}: {} {}", campaign.campaign.name, request.piece.name(), job.id);
    let pdf = render::pdf(
        &pages,
        &PdfOptions { title, pdf_a: false, language: context.language(0).labels.tag.clone() },
    )?;
    Ok(Preview { png: render::png(&pdf, request.page - 1, request.dpi)?, pages: pages.len() })
}
