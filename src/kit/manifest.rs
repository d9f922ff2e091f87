//! The manifest: a record of every piece (file, pages, size, mail class, weight, postage) and
//! its envelope, written as JSON for the report back.

use std::io::{BufWriter, Write};

use serde::Serialize;

use crate::base::diag::{Diagnostic, Warnings};
use crate::base::units::PT_PER_IN;
use crate::mail::countries::Origin;
use crate::mail::{self, Postage};
use crate::model::campaign::LoadedCampaign;
use crate::model::participants::{BadRow, Participant, Repair};

use super::plan::{Job, Pass, PieceKind, Writer, with_row};

/// The kit as written: a record per piece and the page count of each file.
#[derive(Default)]
pub(super) struct Kit {
    pub(super) pieces: Vec<PieceRecord>,
    /// The fallback font files used, and for which rows.
    pub(super) fonts: Vec<super::fonts::FontUse>,
    /// Pages written by each pass, in [`Pass::ALL`] order.
    pages: [usize; 4],
}

impl Kit {
    /// The pages a pass wrote.
    pub(super) fn pages(&self, pass: Pass) -> usize {
        self.pages[pass as usize]
    }

    /// Counts pages a pass wrote.
    pub(super) fn add_pages(&mut self, pass: Pass, pages: usize) {
        self.pages[pass as usize] += pages;
    }

    /// The pages of every pass.
    pub(super) fn total_pages(&self) -> usize {
        self.pages.iter().sum()
    }
}

/// A piece in the manifest.
#[derive(Serialize)]
pub(super) struct PieceRecord {
    pub(super) id: String,
    pub(super) kind: &'static str,
    pub(super) participant: String,
    pub(super) row: Option<usize>,
    pub(super) file: String,
    pub(super) pages: Vec<usize>,
    pub(super) size: [f64; 2],
    pub(super) mail_class: &'static str,
    pub(super) weight_oz: f64,
    /// USPS postage; `null` for a piece mailed from abroad, which pays the postage of the
    /// country it is mailed in.
    pub(super) postage_usd: Option<f64>,
    /// The country a writer abroad mails it from (its English name, or as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) mailed_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) envelope: Option<EnvelopeRecord>,
}

#[derive(Serialize)]
pub(super) struct EnvelopeRecord {
    pub(super) file: String,
    pub(super) page: usize,
    pub(super) size: [f64; 2],
    pub(super) format: String,
}

/// The manifest record of a piece: size, mail class, weight and postage.
#[allow(clippy::too_many_arguments)]
pub(super) fn piece_record(
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
    let mailed_from = writer.participant.as_ref().and_then(mailed_from);
    let abroad = mailed_from.is_some();
    let rating = postage.rate(match job.envelope {
        Some(format) => mail::Mailing::Enveloped {
            width: format.width,
            height: format.height,
            contents_oz: match job.kind {
                PieceKind::Letter => pages as f64 * sheet_weight,
                _ => postage.weights.card,
            },
        },
        // A postcard is mailed bare: card price when it qualifies (DMM 201.1.2.1).
        None => mail::Mailing::Bare { width: w, height: h, ounces: postage.weights.card },
    });
    if let Some(format) = job.envelope {
        if job.kind == PieceKind::Letter && rating.over_one_ounce() {
            warnings.push(with_row(
                Diagnostic::warning(format!(
                    "letter {} runs to {} sheets: probably over one ounce, so it needs more postage",
                    job.id, pages
                )),
                writer,
            ));
        }
        // The surcharge is the Postal Service's: a piece mailed abroad pays its own post's price.
        if rating.nonmachinable && !abroad {
            warnings.push(with_row(
                Diagnostic::warning(format!(
                    "{}: {} envelope is nonmachinable (aspect ratio outside 1.3 to 2.5) and pays a ${:.2} surcharge",
                    job.id, crate::base::diag::a(&format.name), postage.prices.nonmachinable_surcharge
                )),
                writer,
            ));
        }
    }
    let Some(postage_usd) = rating.postage else {
        return Err(with_row(
            Diagnostic::error(format!(
                "postcard {}: a {:.3} x {:.3} in postcard is {}",
                job.id,
                w / PT_PER_IN,
                h / PT_PER_IN,
                if rating.class == mail::MailClass::TooSmall {
                    "too small to mail (at least 3.5 x 5 in)"
                } else {
                    "larger than a letter (6 1/8 x 11 1/2 in) and would pay the large-envelope price"
                }
            )),
            writer,
        ));
    };
    Ok(PieceRecord {
        id: job.id.clone(),
        kind: job.kind.name(),
        participant: writer.participant.as_ref().map_or(String::new(), |p| p.name.clone()),
        row: writer.participant.as_ref().map(|p| p.line),
        file,
        pages: pages_in_file,
        size: inches(w, h),
        mail_class: match rating.class {
            mail::MailClass::Flat => "flat",
            mail::MailClass::Postcard => "postcard",
            mail::MailClass::Letter | mail::MailClass::TooSmall => "letter",
        },
        weight_oz: (rating.ounces * 1000.0).round() / 1000.0,
        postage_usd: (!abroad).then_some(postage_usd),
        mailed_from,
        envelope: None,
    })
}

/// The country a writer outside the United States mails from, as the manifest and summary
/// name it: its English name, or the `country` column as written.
pub(super) fn mailed_from(p: &Participant) -> Option<String> {
    match p.origin() {
        Origin::Domestic => None,
        Origin::Known(country) => Some(country.name.clone()),
        Origin::Unknown(written) => Some(written.to_string()),
    }
}

/// What the summary and manifest say of `pieces` pieces mailed from outside the United States
/// (from `countries`, each once): they are not in the USPS estimate, and each pays the
/// international letter postage of the country it is mailed in (docs/mail-rules.md 10).
pub(super) fn abroad_note(pieces: usize, countries: &[String]) -> String {
    format!(
        "{pieces} piece{} mailed from outside the United States ({}) {} not in the USPS postage estimate: ask the local post office for the postage of an international letter or postcard to the United States",
        if pieces == 1 { "" } else { "s" },
        countries.join(", "),
        if pieces == 1 { "is" } else { "are" }
    )
}

/// The weight of one sheet of the campaign's paper.
pub(super) fn sheet_weight(postage: &Postage, paper: &crate::base::formats::Format) -> f64 {
    if paper.name == "a4" { postage.weights.sheet_a4 } else { postage.weights.sheet_us_letter }
}

pub(super) fn inches(w: f32, h: f32) -> [f64; 2] {
    let r = |v: f32| (f64::from(v / PT_PER_IN) * 1000.0).round() / 1000.0;
    [r(w), r(h)]
}

/// The manifest, written field by field (no intermediate JSON tree: a national campaign's
/// manifest lists tens of thousands of pieces).
#[derive(Serialize)]
pub(super) struct Manifest<'a> {
    generator: String,
    campaign: &'a str,
    hashtags: &'a [String],
    recipient: Vec<String>,
    totals: Totals,
    postage: PostageSummary<'a>,
    files: Vec<&'a str>,
    /// The number the pieces of each kind start from (`--start`).
    start: u32,
    /// What separates the participants list's columns ("commas"), when there is a list.
    #[serde(skip_serializing_if = "Option::is_none")]
    separator: Option<&'a str>,
    /// Every value of the participants list that was repaired as it was read.
    repairs: &'a [Repair],
    /// The rows left out with `--keep-going`.
    skipped: &'a [Skipped],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    fonts: &'a [super::fonts::FontUse],
    pieces: &'a [PieceRecord],
}

/// What the manifest and summary say about the participants list and the numbering.
pub(super) struct ListRecord<'a> {
    /// "commas", "semicolons" or "tabs"; `None` without a list.
    pub(super) separator: Option<&'static str>,
    pub(super) start: u32,
    pub(super) repairs: &'a [Repair],
    pub(super) skipped: &'a [Skipped],
}

/// A row left out of the kit with `--keep-going`.
#[derive(Serialize, Clone, Debug)]
pub(super) struct Skipped {
    /// Its line in the participants list.
    pub(super) row: usize,
    /// The name on the row ("" when it has none).
    pub(super) participant: String,
    pub(super) problems: Vec<Problem>,
}

/// Why a row was left out: the column or design element, and what is wrong with it.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub(super) struct Problem {
    pub(super) field: String,
    pub(super) reason: String,
}

impl Skipped {
    /// A row the reader could not use: each problem names its column.
    pub(super) fn from_bad_row(row: &BadRow) -> Skipped {
        let problems = row
            .errors
            .iter()
            .map(|(column, d)| {
                let prefix = format!("column `{column}`: ");
                Problem {
                    field: if column.is_empty() { "row".into() } else { format!("column `{column}`") },
                    reason: d.message.strip_prefix(&prefix).unwrap_or(&d.message).to_string(),
                }
            })
            .collect();
        Skipped { row: row.line, participant: row.name.clone(), problems }
    }

    /// A row whose pieces did not lay out: each problem names the design and its element
    /// ("handwritten-letter, text element `return address`") or the envelope.
    pub(super) fn from_layout(p: &Participant, diagnostics: &[crate::base::diag::Diagnostic]) -> Skipped {
        let mut problems: Vec<Problem> = Vec::new();
        for d in diagnostics {
            let design = d.file.as_ref().map(|f| {
                let f = f.to_string_lossy();
                let name = f.rsplit(['/', '\\']).next().unwrap_or(&f).to_string();
                name.strip_suffix(".toml").map_or(name.clone(), str::to_string)
            });
            let (element, reason) = match d.message.split_once(": ") {
                // "envelope for L-0002": the number is gone with the row.
                Some((head, rest)) if head.starts_with("envelope for ") => (Some("envelope"), rest),
                Some((head, rest)) if head.len() <= 60 => (Some(head), rest),
                _ => (None, d.message.as_str()),
            };
            let field = [design.as_deref(), element].into_iter().flatten().collect::<Vec<_>>().join(", ");
            let problem = Problem { field, reason: reason.to_string() };
            if !problems.contains(&problem) {
                problems.push(problem);
            }
        }
        Skipped { row: p.line, participant: p.name.clone(), problems }
    }

    /// Its problems on one line: "column `zip`: the ZIP code is missing; …".
    pub(super) fn reasons(&self) -> String {
        self.problems
            .iter()
            .map(|p| if p.field.is_empty() { p.reason.clone() } else { format!("{}: {}", p.field, p.reason) })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The warning `build` prints for it.
    pub(super) fn warning(&self, list: Option<&std::path::Path>) -> Diagnostic {
        let who =
            if self.participant.is_empty() { "a row".to_string() } else { format!("`{}`", self.participant) };
        let d = Diagnostic::warning(format!("{who} left out of the kit (--keep-going): {}", self.reasons()))
            .code("kit.row-skipped");
        match list {
            Some(path) => d.in_file(path).at(self.row, 1),
            None => d,
        }
    }
}

/// `problems.txt`: the rows left out, one a line with the person's name, in words an organiser
/// can hand back.
pub(super) fn problems_txt(list: &std::path::Path, skipped: &[Skipped]) -> String {
    let mut s = format!(
        "These rows of {} were left out of the kit, because letterkit could not make their pieces.\n\
         Fix each row in the list (or ask the person), then build a kit for them, with --start to go on from\n\
         the last piece number of this kit.\n\n",
        list.display()
    );
    for row in skipped {
        let who = if row.participant.is_empty() { "(no name)" } else { &row.participant };
        s.push_str(&format!("line {}, {who}: {}\n", row.row, row.reasons().replace('`', "\"")));
    }
    s
}

#[derive(Serialize)]
pub(super) struct Totals {
    participants: usize,
    letters: usize,
    cards: usize,
    postcards: usize,
    envelopes: usize,
}

#[derive(Serialize)]
pub(super) struct PostageSummary<'a> {
    total_usd: f64,
    prices_as_of: &'a str,
    source: &'a str,
    above_reimbursement_threshold: bool,
    /// Pieces mailed from outside the United States, not in `total_usd`.
    #[serde(skip_serializing_if = "is_zero")]
    mailed_abroad: usize,
    /// What to do about their postage.
    #[serde(skip_serializing_if = "Option::is_none")]
    abroad_note: Option<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The pieces mailed from abroad and the countries they are mailed from, in the order they
/// first appear.
pub(super) fn abroad(pieces: &[PieceRecord]) -> (usize, Vec<String>) {
    let mut countries: Vec<String> = Vec::new();
    let mut count = 0;
    for country in pieces.iter().filter_map(|p| p.mailed_from.as_ref()) {
        count += 1;
        if !countries.contains(country) {
            countries.push(country.clone());
        }
    }
    (count, countries)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn manifest_json(
    campaign: &LoadedCampaign,
    kit: &Kit,
    participants: usize,
    total: f64,
    postage: &Postage,
    files: &[&str],
    list: &ListRecord,
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
            envelopes: kit.pages(Pass::Envelopes),
        },
        postage: PostageSummary {
            total_usd: total,
            prices_as_of: &postage.as_of,
            source: &postage.source,
            above_reimbursement_threshold: total > c.reimburse_above,
            mailed_abroad: abroad(&kit.pieces).0,
            abroad_note: {
                let (count, countries) = abroad(&kit.pieces);
                (count > 0).then(|| abroad_note(count, &countries))
            },
        },
        files: files.iter().copied().chain(["handout.pdf", "tally-sheet.pdf"]).collect(),
        start: list.start,
        separator: list.separator,
        repairs: list.repairs,
        skipped: list.skipped,
        fonts: &kit.fonts,
        pieces: &kit.pieces,
    };
    let mut out = BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &manifest)?;
    out.write_all(b"\n")?;
    out.flush()
}
