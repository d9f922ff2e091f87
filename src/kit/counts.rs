//! What a kit would hold and cost, from its plan alone: the numbers for the report back,
//! without laying out a page or writing a file.

use serde::Serialize;

use crate::base::diag::{Result, Warnings};
use crate::mail::{self, Postage};
use crate::model::campaign;
use crate::model::design::{Body, Overflow};

use super::BuildOptions;
use super::designs::designs;
use super::manifest::{piece_record, sheet_weight};
use super::plan::{PieceKind, jobs, writers};

/// How many pieces of each kind a kit holds and what mailing them costs, as `build`'s summary
/// and `manifest.json` give them.
#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    /// Letters.
    pub letters: u64,
    /// Cards.
    pub cards: u64,
    /// Postcards.
    pub postcards: u64,
    /// Envelopes: one per letter and card.
    pub envelopes: u64,
    /// Letters, cards and postcards.
    pub pieces: u64,
    /// The pieces mailed from outside the United States: not in `postage`.
    pub mailed_abroad: u64,
    /// The postage of every piece together, as the summary writes it: `$7.80`.
    pub postage: String,
    /// What the postage rests on: the prices' date, the pieces mailed from abroad it leaves
    /// out, the campaign's reimbursement threshold when the total passes it, and how long
    /// letters are taken to be.
    pub postage_note: String,
}

/// The counts and postage of the kit `build --keep-going` would make with `options` (and
/// pieces numbered from 1), from the campaign, the list and the designs' page counts alone:
/// rows that cannot be read are left out, as that build leaves them out. A letter is weighed
/// as its design's pages; one whose text runs onto more pages weighs more in the built kit,
/// and the note says so. Errors are those `build` gives for the same inputs before it lays
/// anything out.
pub fn counts(options: &BuildOptions, warnings: &mut Warnings) -> Result<Counts> {
    let campaign = campaign::load(options.campaign.as_deref(), &options.sandbox)?;
    let list = match &options.participants {
        Some(path) => Some(crate::model::participants::read_list(path, warnings)?),
        None => None,
    };
    let writers = writers(&campaign, options, list.as_ref().map(|l| (l, l.people.as_slice())), warnings)?;
    let designs = designs(&campaign, &writers, warnings)?;
    let jobs = jobs(&campaign, &designs, &writers, 1);
    let postage = Postage::builtin();
    let sheet = sheet_weight(postage, campaign.paper);
    let mut total = 0.0;
    let mut countries: Vec<String> = Vec::new();
    let mut abroad = 0usize;
    for job in &jobs {
        let record = piece_record(
            job,
            job.design.pages.len(),
            String::new(),
            Vec::new(),
            &writers[job.writer],
            postage,
            sheet,
            warnings,
        )?;
        match (record.postage_usd, record.mailed_from) {
            (Some(usd), _) => total += usd,
            (None, Some(country)) => {
                abroad += 1;
                if !countries.contains(&country) {
                    countries.push(country);
                }
            }
            (None, None) => {}
        }
    }
    let total = mail::round_cents(total);
    let count = |kind: PieceKind| jobs.iter().filter(|j| j.kind == kind).count() as u64;
    let c = &campaign.campaign;
    let here = jobs.len() - abroad;
    let mut note = format!(
        "for {} piece{}{} (prices as of {})",
        here,
        if here == 1 { "" } else { "s" },
        if abroad > 0 { " mailed in the United States" } else { "" },
        postage.as_of
    );
    if abroad > 0 {
        note.push_str(&format!("; {}", super::manifest::abroad_note(abroad, &countries)));
    }
    if total > c.reimburse_above {
        note.push_str(&format!(
            "; postage passes ${:.2}, and the campaign may reimburse postage above that, so keep the receipt",
            c.reimburse_above
        ));
    }
    let letter_pages = designs.letter.pages.len();
    let continues = designs.letter.elements.iter().any(|e| match &e.body {
        Body::Text(spec) => spec.overflow == Overflow::Continue,
        _ => false,
    });
    if count(PieceKind::Letter) > 0 && continues {
        note.push_str(&format!(
            "; each letter counted as {letter_pages} page{}: a letter whose text runs onto more pages weighs more",
            if letter_pages == 1 { "" } else { "s" }
        ));
    }
    Ok(Counts {
        letters: count(PieceKind::Letter),
        cards: count(PieceKind::Card),
        postcards: count(PieceKind::Postcard),
        envelopes: jobs.iter().filter(|j| j.envelope.is_some()).count() as u64,
        pieces: jobs.len() as u64,
        mailed_abroad: abroad as u64,
        postage: format!("${total:.2}"),
        postage_note: note,
    })
}
