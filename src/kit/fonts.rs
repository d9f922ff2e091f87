//! The kit's fonts: a campaign's `[fonts]` and the fallback fonts its texts need, added to every
//! design's book before anything is laid out, and which font file each participant's row used,
//! for the build summary and `manifest.json`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::base::diag::{Result, Warnings};
use crate::model::campaign::LoadedCampaign;
use crate::model::fallback::{design_chars, text_chars, warn_passed_over};
use crate::model::fields;
use crate::model::participants::Participant;
use crate::text::fonts::FontBook;
use crate::text::fonts::fallback::Fallbacks;

use super::designs::Designs;
use super::plan::Writer;

/// A fallback font file the kit used, and for which rows: one entry of the manifest's `fonts`.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub(super) struct FontUse {
    /// The font file, as found.
    pub(super) file: String,
    /// The face in the file (a `.ttc` collection holds several).
    pub(super) face: u32,
    /// Its family: the campaign's name for it, or the font's own.
    pub(super) family: String,
    /// Where it came from: `campaign`, `font-path` or `system`.
    pub(super) source: &'static str,
    /// The participants' rows (lines of the list) with characters it draws.
    pub(super) rows: Vec<usize>,
    /// Whether the campaign's own texts (its name, recipient, talking points, designs) need it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(super) campaign_text: bool,
}

/// The kit's fallback fonts, and which rows need each.
pub(super) struct KitFonts {
    fallbacks: Fallbacks,
    /// For each fallback, the rows (lines of the list) with characters it draws.
    rows: Vec<BTreeSet<usize>>,
    /// For each fallback, whether the campaign's own texts need it.
    by_campaign: Vec<bool>,
}

/// Adds the campaign's `[fonts]` and the fallback fonts the kit's texts need to every design's
/// book (the handout, tally sheet and envelopes use the letter's), and works out which rows
/// need which.
pub(super) fn prepare(
    campaign: &LoadedCampaign,
    designs: &mut Designs,
    writers: &[Writer],
    warnings: &mut Warnings,
) -> Result<KitFonts> {
    let mut shared = BTreeSet::new();
    campaign_chars(campaign, designs, &mut shared);
    let mut chars = shared.clone();
    for writer in writers {
        if let Some(p) = &writer.participant {
            row_chars(p, &mut chars);
        }
    }
    let fallbacks = Fallbacks::resolve(&campaign.fonts, &chars, campaign.sandbox.font_dirs())?;
    warn_passed_over(&fallbacks, warnings);
    let books = [
        Some(&mut designs.letter.fonts),
        designs.envelope.as_mut().map(|d| &mut d.fonts),
        designs.card.as_mut().map(|(d, _)| &mut d.fonts),
        designs.postcard.as_mut().map(|d| &mut d.fonts),
    ];
    let variants = designs.cards.iter_mut().chain(&mut designs.postcards).map(|d| &mut d.fonts);
    for book in books.into_iter().flatten().chain(variants) {
        fallbacks.apply(book);
    }
    let (rows, by_campaign) = users(&fallbacks, &chars, &shared, writers);
    Ok(KitFonts { fallbacks, rows, by_campaign })
}

/// The fonts for `letterkit envelopes`: the campaign's and the fallbacks its addresses need.
pub fn envelope_fonts(
    campaign: &LoadedCampaign,
    people: &[Participant],
    warnings: &mut Warnings,
) -> Result<FontBook> {
    let mut chars = BTreeSet::new();
    for line in campaign.delivery_lines() {
        text_chars(&line, &mut chars);
    }
    for p in people {
        row_chars(p, &mut chars);
    }
    let fallbacks = Fallbacks::resolve(&campaign.fonts, &chars, campaign.sandbox.font_dirs())?;
    warn_passed_over(&fallbacks, warnings);
    let mut book = FontBook::bundled();
    fallbacks.apply(&mut book);
    Ok(book)
}

/// The characters the campaign's own texts and the designs print, whoever writes.
fn campaign_chars(campaign: &LoadedCampaign, designs: &Designs, out: &mut BTreeSet<char>) {
    let c = &campaign.campaign;
    for value in campaign.fields().values() {
        text_chars(value, out);
    }
    for line in campaign.delivery_lines() {
        text_chars(&line, out);
    }
    for theme in &c.talking_points {
        text_chars(&theme.theme, out);
        for point in &theme.points {
            text_chars(point, out);
        }
    }
    if let Some(typed) = &c.typed {
        for paragraph in typed.opening.iter().chain(&typed.middle).chain(&typed.closing) {
            text_chars(paragraph.get_ref(), out);
        }
    }
    for text in [&c.organizer, &c.report_back].into_iter().flatten() {
        text_chars(text, out);
    }
    // The campaign's text in other languages, for the rows that choose one.
    for t in c.translations.values() {
        for text in [&t.salutation, &t.sign_off, &t.report_back].into_iter().flatten() {
            text_chars(text, out);
        }
        for theme in &t.talking_points {
            text_chars(&theme.theme, out);
            theme.points.iter().for_each(|p| text_chars(p, out));
        }
    }
    for language in c.translations.keys() {
        if let Ok(Some(labels)) =
            crate::model::labels::find(language, campaign.base_dir.as_deref(), &campaign.sandbox)
        {
            labels.fields().for_each(|(_, text)| text_chars(&text, out));
        }
    }
    let all = [
        Some(&designs.letter),
        designs.envelope.as_ref(),
        designs.card.as_ref().map(|(d, _)| d),
        designs.postcard.as_ref(),
    ];
    for design in all.into_iter().flatten().chain(&designs.cards).chain(&designs.postcards) {
        design_chars(design, out);
    }
}

/// The characters of every column of a participant's row that designs and pages can print.
fn row_chars(p: &Participant, out: &mut BTreeSet<char>) {
    for name in fields::participant_field_names(Some(p)) {
        if let Some(value) = fields::participant_field(Some(p), &name) {
            text_chars(&value, out);
        }
    }
}

/// For each fallback, the rows that need it and whether the campaign's own texts do.
fn users(
    fallbacks: &Fallbacks,
    chars: &BTreeSet<char>,
    shared: &BTreeSet<char>,
    writers: &[Writer],
) -> (Vec<BTreeSet<usize>>, Vec<bool>) {
    let list = fallbacks.list();
    // The fallback each character takes, worked out once for the whole list.
    let source: BTreeMap<char, usize> = chars
        .iter()
        .filter_map(|&c| {
            let fallback = fallbacks.source_of(c)?;
            Some((c, list.iter().position(|f| std::ptr::eq(f, fallback))?))
        })
        .collect();
    let mut rows: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); list.len()];
    let mut by_campaign = vec![false; list.len()];
    for c in shared {
        if let Some(&i) = source.get(c) {
            by_campaign[i] = true;
        }
    }
    if !source.is_empty() {
        for p in writers.iter().filter_map(|w| w.participant.as_ref()) {
            let mut mine = BTreeSet::new();
            row_chars(p, &mut mine);
            for c in mine {
                if let Some(&i) = source.get(&c) {
                    rows[i].insert(p.line);
                }
            }
        }
    }
    (rows, by_campaign)
}

impl KitFonts {
    /// Each fallback font file the kit's pages were set in, with the rows that need its family;
    /// once the kit is laid out.
    pub(super) fn uses(&self) -> Vec<FontUse> {
        let mut out = Vec::new();
        for (i, fallback) in self.fallbacks.list().iter().enumerate() {
            if self.rows[i].is_empty() && !self.by_campaign[i] {
                continue;
            }
            for (file, face) in fallback.family.files_used() {
                out.push(FontUse {
                    file: file.display().to_string(),
                    face,
                    family: fallback.family.name.clone(),
                    source: fallback.origin.key(),
                    rows: self.rows[i].iter().copied().collect(),
                    campaign_text: self.by_campaign[i],
                });
            }
        }
        out
    }
}

/// The summary's lines on fallback fonts: each file, its family, where it was found, and the
/// rows it draws (manifest.json lists every row).
pub(super) fn summary_lines(uses: &[FontUse]) -> String {
    if uses.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "Fonts for characters the bundled fonts lack (manifest.json lists them with every row):\n",
    );
    for u in uses {
        let source = match u.source {
            "campaign" => "the campaign's [fonts]",
            "font-path" => "--font-path",
            _ => "installed",
        };
        let face = if u.face > 0 { format!(", face {}", u.face) } else { String::new() };
        let mut users = Vec::new();
        if !u.rows.is_empty() {
            const SHOWN: usize = 8;
            let mut lines: Vec<String> = u.rows.iter().take(SHOWN).map(usize::to_string).collect();
            if u.rows.len() > SHOWN {
                lines.push(format!("and {} more", u.rows.len() - SHOWN));
            }
            let word = if u.rows.len() == 1 { "row at line" } else { "rows at lines" };
            users.push(format!("{word} {}", lines.join(", ")));
        }
        if u.campaign_text {
            users.push("the campaign's texts".into());
        }
        s.push_str(&format!("  {} ({}{face}, {source}): {}\n", u.file, u.family, users.join("; ")));
    }
    s
}
