//! What `letterkit build` prints: the summary of the kit and, with `--timings`, where the time
//! went.

use crate::base::units::PT_PER_IN;
use crate::mail::{self, Postage};
use crate::model::campaign::LoadedCampaign;
use crate::model::participants::Repair;

use super::BuildOptions;
use super::designs::Designs;
use super::manifest::{Kit, ListRecord, inches};
use super::plan::{Pass, PieceKind};
use super::produce::pass_print_options;

#[allow(clippy::too_many_arguments)]
pub(super) fn summary(
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
        let pages = kit.total_pages();
        s.push_str(&format!(
            "  kit.pdf           {} in one file, {}: letters, then envelopes, then cards, then postcards\n",
            plural(kit.pieces.len(), "piece"),
            plural(pages, "page")
        ));
    }
    if kit.pages(Pass::Letters) != 0 && !options.one_file {
        s.push_str(&format!(
            "  letters.pdf       {} ({}), {} on {}\n",
            plural(count(PieceKind::Letter), "letter"),
            c.letter,
            plural(kit.pages(Pass::Letters), "page"),
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
            design.fold.map_or(String::new(), |f| {
                let print = pass_print_options(Pass::Cards, designs, options);
                let (w, h) = super::produce::printed_size(design);
                let flip = crate::impose::single_page_flip(&print, w, h);
                crate::impose::fold_instructions(f, print.sheet.is_some(), flip)
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
    let envelopes = kit.pages(Pass::Envelopes);
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
    // Pieces mailed from abroad pay their own post's price: not in the USPS estimate.
    let (abroad, countries) = super::manifest::abroad(&kit.pieces);
    let mailed_here = kit.pieces.len() - abroad;
    if mailed_here > 0 {
        s.push_str(&format!(
            "Postage: about ${total:.2} for {}{} (prices as of {}).\n",
            plural(mailed_here, "piece"),
            if abroad > 0 { " mailed in the United States" } else { "" },
            postage.as_of
        ));
    }
    if abroad > 0 {
        s.push_str(&format!("note: {}.\n", super::manifest::abroad_note(abroad, &countries)));
    }
    if total > c.reimburse_above {
        s.push_str(&format!(
            "note: postage passes ${:.2}; the campaign may reimburse postage above that, so keep the receipt.\n",
            c.reimburse_above
        ));
    }
    s.push_str(&super::fonts::summary_lines(&kit.fonts));
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

/// What the summary says about the participants list and the numbering: the separator read,
/// `--start`, every value repaired and every row left out with `--keep-going`.
pub(super) fn rows_summary(options: &BuildOptions, list: &ListRecord) -> String {
    let mut s = String::new();
    let file = options.participants.as_ref().map(|p| p.display().to_string());
    if let (Some(file), Some(separator)) = (&file, list.separator) {
        s.push_str(&format!("Read {file}: columns separated by {separator}.\n"));
    }
    if list.start != 1 {
        s.push_str(&format!(
            "Pieces numbered from {} (--start {}): L-{:04}, C-{:04}, P-{:04} …\n",
            list.start, list.start, list.start, list.start, list.start
        ));
    }
    let file = file.unwrap_or_default();
    if !list.repairs.is_empty() {
        let n = list.repairs.len();
        s.push_str(&format!(
            "Repaired {n} value{} in {file} (also listed in manifest.json, under \"repairs\"):\n",
            if n == 1 { "" } else { "s" }
        ));
        // The first few of each kind one by one, then how many more.
        let mut alike: std::collections::BTreeMap<(String, String), usize> = Default::default();
        for r in list.repairs {
            let seen = alike.entry(r.kind()).or_default();
            *seen += 1;
            if *seen <= Repair::SHOWN {
                s.push_str(&format!("  line {}, {}\n", r.line, r.describe()));
            }
        }
        for ((column, reason), count) in alike.into_iter().filter(|(_, n)| *n > Repair::SHOWN) {
            s.push_str(&format!(
                "  and {} more in column `{column}` repaired the same way: {reason}\n",
                count - Repair::SHOWN
            ));
        }
    }
    if !list.skipped.is_empty() {
        let n = list.skipped.len();
        s.push_str(&format!(
            "Left out {n} row{} of {file} that cannot be built (--keep-going); problems.txt lists them to hand back:\n",
            if n == 1 { "" } else { "s" }
        ));
        for row in list.skipped {
            let who = if row.participant.is_empty() { "(no name)" } else { &row.participant };
            s.push_str(&format!("  line {}, {who}: {}\n", row.row, row.reasons()));
        }
    }
    s
}

/// Wall-clock time per stage, for `--timings`.
pub(super) struct Timings {
    enabled: bool,
    last: std::time::Instant,
    laps: Vec<(&'static str, std::time::Duration)>,
}

impl Timings {
    pub(super) fn start(enabled: bool) -> Timings {
        Timings { enabled, last: std::time::Instant::now(), laps: Vec::new() }
    }

    pub(super) fn lap(&mut self, name: &'static str) {
        if self.enabled {
            let now = std::time::Instant::now();
            // A step that runs in several batches (passes with `--split`) shows once, summed.
            match self.laps.iter_mut().find(|(n, _)| *n == name) {
                Some((_, d)) => *d += now - self.last,
                None => self.laps.push((name, now - self.last)),
            }
            self.last = now;
        }
    }

    pub(super) fn report(&self) -> String {
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
