//! The party kit: a letter for every participant, each with its own envelope addressed to the
//! recipient, plus a talking-points handout, a sign-in / tally sheet and a manifest.

pub mod campaign;
pub mod pages;
pub mod participants;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::design::{self, Design};
use crate::diag::{Diagnostic, Error, Result, Source, Warnings};
use crate::formats::Format;
use crate::layout::{self, Page, Pictures};
use crate::mail::{self, Postage};
use crate::output::{Staged, check_not_input};
use crate::render::{self, PdfOptions};
use crate::text::Template;
use crate::units::PT_PER_IN;

use campaign::{AddressStyle, LoadedCampaign};
use participants::Participant;

/// The built-in letter designs, by the name a campaign's `letter` key uses.
pub const BUILTIN_LETTERS: &[(&str, &str, &str)] = &[
    (
        "handwritten",
        "builtin:designs/handwritten-letter.toml",
        include_str!("../../designs/handwritten-letter.toml"),
    ),
    ("typed", "builtin:designs/typed-letter.toml", include_str!("../../designs/typed-letter.toml")),
];

/// Letters over this many sheets are likely over one ounce in a #10 envelope (mail-facts.md 6).
const MAX_SHEETS_ONE_OUNCE: usize = 4;

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
}

/// One person's part of the kit (a participant, or an unnamed writer).
struct Writer {
    participant: Option<Participant>,
    letters: u32,
}

/// The kit, laid out.
struct Kit {
    letters: Vec<Page>,
    envelopes: Vec<Page>,
    pieces: Vec<PieceRecord>,
    per_writer: Vec<(String, Vec<usize>, Vec<usize>)>,
}

/// A piece in the manifest.
#[derive(Serialize)]
struct PieceRecord {
    id: String,
    kind: &'static str,
    participant: String,
    row: Option<usize>,
    file: &'static str,
    pages: Vec<usize>,
    size: [f64; 2],
    sheets: usize,
    weight_oz: f64,
    postage_usd: f64,
    envelope: EnvelopeRecord,
}

#[derive(Serialize)]
struct EnvelopeRecord {
    file: &'static str,
    page: usize,
    size: [f64; 2],
    format: String,
}

/// Builds the kit and writes it into `options.output`; returns the summary to print.
pub fn build(options: &BuildOptions, warnings: &mut Warnings) -> Result<String> {
    let campaign = campaign::load(options.campaign.as_deref())?;
    let writers = writers(&campaign, options, warnings)?;
    let design = letter_design(&campaign)?;
    let kit = lay_out(&campaign, &design, &writers, warnings)?;

    let out = &options.output;
    let inputs: Vec<&Path> =
        [options.campaign.as_deref(), options.participants.as_deref()].into_iter().flatten().collect();
    let title =
        |what: &str| PdfOptions { title: format!("{}: {what}", campaign.campaign.name), pdf_a: false };
    let mut staged = Staged::default();
    let mut write = |name: &str, bytes: Vec<u8>| -> Result<()> {
        let path = out.join(name);
        check_not_input(&path, &inputs)?;
        staged.write(&path, &bytes)
    };
    write("letters.pdf", render::pdf(&kit.letters, &title("letters"))?)?;
    write("envelopes.pdf", render::pdf(&kit.envelopes, &title("envelopes"))?)?;
    let themes: Vec<(String, Vec<String>)> =
        campaign.campaign.talking_points.iter().map(|t| (t.theme.clone(), t.points.clone())).collect();
    let fonts = &design.fonts;
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
    write("handout.pdf", render::pdf([&handout], &title("talking points"))?)?;
    let rows: Vec<pages::TallyRow> = if options.participants.is_some() {
        writers
            .iter()
            .map(|w| pages::TallyRow {
                name: w.participant.as_ref().map_or(String::new(), |p| p.name.clone()),
                counts: Some([w.letters, 0, 0]),
            })
            .collect()
    } else {
        Vec::new()
    };
    let totals = [kit.pieces.len() as u32, 0, 0];
    let tally = pages::tally(fonts, campaign.paper, &campaign.campaign.name, &rows, totals)
        .map_err(|m| Diagnostic::error(format!("tally sheet: {m}")).in_file(&campaign.path))?;
    write("tally-sheet.pdf", render::pdf(&tally, &title("sign-in and tally sheet"))?)?;

    let postage = Postage::builtin();
    let total_postage = mail::round_cents(kit.pieces.iter().map(|p| p.postage_usd).sum());
    if options.split {
        for (i, (name, letter_pages, envelope_pages)) in kit.per_writer.iter().enumerate() {
            let pages: Vec<&Page> = letter_pages
                .iter()
                .map(|&p| &kit.letters[p])
                .chain(envelope_pages.iter().map(|&p| &kit.envelopes[p]))
                .collect();
            let file = format!("participants/{:03}-{}.pdf", i + 1, slug(name));
            write(&file, render::pdf(pages, &title(&format!("letters and envelopes for {name}")))?)?;
        }
    }
    let manifest = manifest_json(&campaign, &kit, writers.len(), total_postage, postage);
    write("manifest.json", manifest.into_bytes())?;
    staged.commit()?;

    Ok(summary(&campaign, options, &kit, writers.len(), total_postage, postage, tally.len()))
}

/// The writers: one per participant row, or `count` unnamed ones.
fn writers(
    campaign: &LoadedCampaign,
    options: &BuildOptions,
    warnings: &mut Warnings,
) -> Result<Vec<Writer>> {
    let defaults = &campaign.campaign.defaults;
    let Some(path) = &options.participants else {
        if options.count == 0 || options.count > 10_000 {
            return Err(Diagnostic::error(format!(
                "--count {} is out of range; make 1 to 10000 kits",
                options.count
            ))
            .into());
        }
        return Ok((0..options.count)
            .map(|_| Writer { participant: None, letters: defaults.letters })
            .collect());
    };
    let people = participants::read(path, warnings)?;
    if people.is_empty() {
        return Err(Diagnostic::error("the participants list has no rows")
            .in_file(path)
            .hint("add one row per person under the header")
            .into());
    }
    let mut errors = Vec::new();
    let mut writers = Vec::new();
    for p in people {
        if p.cards.unwrap_or(defaults.cards) > 0 || p.postcards.unwrap_or(defaults.postcards) > 0 {
            errors.push(
                Diagnostic::error("cards and postcards are not part of the kit yet: this row asks for some")
                    .in_file(path)
                    .at(p.line, 1)
                    .hint("set the `cards` and `postcards` columns to 0 (or leave them out) for now"),
            );
            continue;
        }
        let letters = p.letters.unwrap_or(defaults.letters);
        if letters == 0 {
            warnings.push(
                Diagnostic::warning(format!("{} writes no letters (letters = 0)", p.name))
                    .in_file(path)
                    .at(p.line, 1),
            );
        }
        writers.push(Writer { participant: Some(p), letters });
    }
    if !errors.is_empty() {
        return Err(Error(errors));
    }
    Ok(writers)
}

/// The letter design the campaign names: a built-in one or a file next to the campaign.
fn letter_design(campaign: &LoadedCampaign) -> Result<Design> {
    let name = campaign.campaign.letter.as_str();
    let source = match BUILTIN_LETTERS.iter().find(|(n, ..)| *n == name) {
        Some((_, path, text)) => Source::builtin(path, text),
        None => {
            let path = campaign.base_dir.as_deref().unwrap_or(Path::new(".")).join(name);
            if !path.exists() {
                return Err(Diagnostic::error(format!(
                    "letter: no built-in design `{name}` and no file {}",
                    path.display()
                ))
                .in_file(&campaign.path)
                .hint("use \"handwritten\", \"typed\", or the path of a design file relative to the campaign")
                .into());
            }
            Source::read(&path)?
        }
    };
    design::parse_with(&source, Some(campaign.paper))
}

fn lay_out(
    campaign: &LoadedCampaign,
    design: &Design,
    writers: &[Writer],
    warnings: &mut Warnings,
) -> Result<Kit> {
    let c = &campaign.campaign;
    let base = campaign.fields();
    let points = campaign.points();
    let postage = Postage::builtin();
    let pictures = Pictures::default();
    let delivery: Vec<String> = match c.address_style {
        AddressStyle::Usps => c.recipient.lines().iter().map(|l| mail::usps_style(l)).collect(),
        AddressStyle::AsWritten => c.recipient.lines(),
    };
    let variants = typed_variants(campaign)?;
    let envelope_format = campaign.envelope;
    let paper: &Format = campaign.paper;
    let sheet_weight =
        if paper.name == "a4" { postage.weights.sheet_a4 } else { postage.weights.sheet_us_letter };

    let mut kit =
        Kit { letters: Vec::new(), envelopes: Vec::new(), pieces: Vec::new(), per_writer: Vec::new() };
    let mut errors = Vec::new();
    let mut index = 0usize;
    for writer in writers {
        let mut data = base.clone();
        if let Some(p) = &writer.participant {
            data.insert("name".into(), p.name.clone());
            data.insert("address1".into(), p.address1.clone());
            data.insert("address2".into(), p.address2.clone());
            data.insert("city".into(), p.city.clone());
            data.insert("state".into(), p.state.clone());
            data.insert("zip".into(), p.zip.clone());
            data.insert("city_line".into(), p.city_line());
            data.insert("return_address".into(), p.return_address().join("\n"));
            for (k, v) in &p.extra {
                data.entry(k.clone()).or_insert_with(|| v.clone());
            }
        } else {
            for key in ["name", "address1", "address2", "city", "state", "zip", "city_line", "return_address"]
            {
                data.insert(key.into(), String::new());
            }
        }
        let name = data["name"].clone();
        let mut mine = (Vec::new(), Vec::new());
        for n in 0..writer.letters {
            let id = format!("L-{:04}", index + 1);
            let mut fields = data.clone();
            fields.insert("piece".into(), id.clone());
            fields.insert("letter_number".into(), format!("{} of {}", n + 1, writer.letters));
            // Two talking points as prompts, rotated so neighbouring letters get different ones.
            if !points.is_empty() {
                fields.insert("prompt_1".into(), points[(2 * index) % points.len()].1.to_string());
                fields.insert("prompt_2".into(), points[(2 * index + 1) % points.len()].1.to_string());
            }
            if let Some(v) = &variants {
                match v.body(index, &fields) {
                    Ok(body) => {
                        fields.insert("body".into(), body);
                    }
                    Err(d) => {
                        errors.push(d);
                        continue;
                    }
                }
            }
            let pages = match layout::layout_design(design, &fields, &pictures, warnings) {
                Ok(p) => p,
                Err(e) => {
                    errors.extend(e.0.into_iter().map(|d| with_row(d, writer)));
                    continue;
                }
            };
            let sheets = pages.len();
            if sheets > MAX_SHEETS_ONE_OUNCE {
                warnings.push(with_row(
                    Diagnostic::warning(format!("letter {id} runs to {sheets} sheets: probably over one ounce, so it needs more postage")),
                    writer,
                ));
            }
            let weight = postage.weights.envelope + sheets as f64 * sheet_weight;
            let (fw, fh) = mail::folded_in_thirds(paper);
            let nonmachinable = mail::nonmachinable_shape(envelope_format.width, envelope_format.height);
            let return_lines = writer.participant.as_ref().map(Participant::return_address);
            let content = pages::EnvelopeContent {
                return_lines: return_lines.as_deref(),
                delivery_lines: &delivery,
                piece: Some(&id),
            };
            let (envelope, _) = match pages::envelope(&design.fonts, envelope_format, &content) {
                Ok(e) => e,
                Err(m) => {
                    errors.push(with_row(Diagnostic::error(format!("envelope for {id}: {m}")), writer));
                    continue;
                }
            };
            debug_assert!(mail::holds(envelope_format, fw, fh));
            let first = kit.letters.len();
            mine.0.extend(first..first + pages.len());
            mine.1.push(kit.envelopes.len());
            kit.pieces.push(PieceRecord {
                id,
                kind: "letter",
                participant: name.clone(),
                row: writer.participant.as_ref().map(|p| p.line),
                file: "letters.pdf",
                pages: (first + 1..=first + pages.len()).collect(),
                size: inches(paper.width, paper.height),
                sheets,
                weight_oz: (weight * 1000.0).round() / 1000.0,
                postage_usd: postage.letter(weight, nonmachinable),
                envelope: EnvelopeRecord {
                    file: "envelopes.pdf",
                    page: kit.envelopes.len() + 1,
                    size: inches(envelope_format.width, envelope_format.height),
                    format: envelope_format.name.clone(),
                },
            });
            kit.letters.extend(pages);
            kit.envelopes.push(envelope);
            index += 1;
        }
        kit.per_writer.push((
            if name.is_empty() { format!("writer {}", kit.per_writer.len() + 1) } else { name },
            mine.0,
            mine.1,
        ));
    }
    if !errors.is_empty() {
        return Err(Error(errors));
    }
    if kit.letters.is_empty() {
        return Err(Diagnostic::error("the kit has no letters: every participant asks for 0").into());
    }
    Ok(kit)
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
    opening: Vec<Template>,
    middle: Vec<Template>,
    closing: Vec<Template>,
    path: PathBuf,
}

impl Variants {
    /// The body of letter `index`: one opening, middle and closing paragraph, taken in turn so
    /// that neighbouring letters differ, with fields filled in.
    fn body(
        &self,
        index: usize,
        fields: &BTreeMap<String, String>,
    ) -> std::result::Result<String, Diagnostic> {
        let (a, b, c) = (self.opening.len(), self.middle.len(), self.closing.len());
        let chosen =
            [&self.opening[index % a], &self.middle[(index / a) % b], &self.closing[(index / (a * b)) % c]];
        let mut paragraphs = Vec::new();
        for template in chosen {
            let spans = template.fill(&|n| fields.get(n).cloned()).map_err(|name| {
                Diagnostic::error(format!("typed: a paragraph uses `{{{name}}}`, which has no value"))
                    .in_file(&self.path)
                    .hint(format!(
                        "fields you can use: {}",
                        fields.keys().cloned().collect::<Vec<_>>().join(", ")
                    ))
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
    let parse = |what: &str, list: &[String]| -> Result<Vec<Template>> {
        if list.is_empty() {
            return Err(Diagnostic::error(format!("typed.{what} needs at least one paragraph"))
                .in_file(&campaign.path)
                .into());
        }
        list.iter()
            .enumerate()
            .map(|(i, t)| {
                Template::parse(t).map_err(|e| {
                    Diagnostic::error(format!("typed.{what}[{}]: {e}", i + 1)).in_file(&campaign.path).into()
                })
            })
            .collect()
    };
    Ok(Some(Variants {
        opening: parse("opening", &typed.opening)?,
        middle: parse("middle", &typed.middle)?,
        closing: parse("closing", &typed.closing)?,
        path: campaign.path.clone(),
    }))
}

fn manifest_json(
    campaign: &LoadedCampaign,
    kit: &Kit,
    participants: usize,
    total: f64,
    postage: &Postage,
) -> String {
    let c = &campaign.campaign;
    let value = serde_json::json!({
        "generator": format!("letterkit {}", env!("CARGO_PKG_VERSION")),
        "campaign": c.name,
        "hashtags": c.hashtags,
        "recipient": c.recipient.lines(),
        "totals": {
            "participants": participants,
            "letters": kit.pieces.iter().filter(|p| p.kind == "letter").count(),
            "cards": 0,
            "postcards": 0,
            "envelopes": kit.envelopes.len(),
        },
        "postage": {
            "total_usd": total,
            "prices_as_of": postage.as_of,
            "source": postage.source,
            "reimbursement_note": total > c.reimburse_above,
        },
        "files": {
            "letters": "letters.pdf",
            "envelopes": "envelopes.pdf",
            "handout": "handout.pdf",
            "tally_sheet": "tally-sheet.pdf",
        },
        "pieces": kit.pieces,
    });
    let mut text = serde_json::to_string_pretty(&value).expect("the manifest serializes");
    text.push('\n');
    text
}

#[allow(clippy::too_many_arguments)]
fn summary(
    campaign: &LoadedCampaign,
    options: &BuildOptions,
    kit: &Kit,
    participants: usize,
    total: f64,
    postage: &Postage,
    tally_pages: usize,
) -> String {
    let c = &campaign.campaign;
    let letters = kit.pieces.len();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let who = if options.participants.is_some() {
        plural(participants, "participant")
    } else {
        format!("{} (names left for the writers)", plural(participants, "unnamed kit"))
    };
    let mut s =
        format!("Built the party kit for \"{}\" in {}/ for {who}:\n", c.name, options.output.display());
    s.push_str(&format!(
        "  letters.pdf       {} ({}), {} on {}\n",
        plural(letters, "letter"),
        c.letter,
        plural(kit.letters.len(), "page"),
        campaign.paper.description
    ));
    s.push_str(&format!(
        "  envelopes.pdf     {} ({}), one per letter, same order, addressed to {}\n",
        plural(kit.envelopes.len(), "envelope"),
        campaign.envelope.description,
        c.recipient.organization
    ));
    s.push_str("  handout.pdf       talking points, 1 page\n");
    s.push_str(&format!("  tally-sheet.pdf   sign-in and tally sheet, {}\n", plural(tally_pages, "page")));
    if options.split {
        s.push_str(&format!("  participants/     one PDF per writer ({} files)\n", kit.per_writer.len()));
    }
    s.push_str("  manifest.json     every piece and its envelope, for the report back\n");
    s.push_str(&format!(
        "Postage: about ${total:.2} for {} (prices as of {}).\n",
        plural(letters, "letter"),
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
    s.push_str("Fold each letter in thirds, put it in the envelope with the same number (one letter per envelope), stamp it, and share a photo");
    if !c.hashtags.is_empty() {
        s.push_str(&format!(" with {}", c.hashtags.join(" ")));
    }
    s.push_str(".\n");
    s
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
