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

use campaign::LoadedCampaign;
use participants::Participant;

/// The built-in designs, by the name a campaign's `letter`, `card` or `postcard` key uses.
pub const BUILTIN_DESIGNS: &[(&str, &str, &str)] = &[
    (
        "handwritten",
        "builtin:designs/handwritten-letter.toml",
        include_str!("../../designs/handwritten-letter.toml"),
    ),
    ("typed", "builtin:designs/typed-letter.toml", include_str!("../../designs/typed-letter.toml")),
    ("card", "builtin:designs/card.toml", include_str!("../../designs/card.toml")),
    ("postcard", "builtin:designs/postcard.toml", include_str!("../../designs/postcard.toml")),
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
    /// Write the mailed pieces as one PDF, `kit.pdf`: letters, envelopes, cards, postcards.
    pub one_file: bool,
    /// Cards and postcards N-up on sheets, or print-shop marks.
    pub print: crate::impose::PrintOptions,
    /// Print where the time went.
    pub timings: bool,
}

/// One person's part of the kit (a participant, or an unnamed writer).
struct Writer {
    participant: Option<Participant>,
    /// Letters, cards, postcards.
    counts: [u32; 3],
}

/// The kinds of piece, in the order the kit's files and manifest list them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PieceKind {
    Letter,
    Card,
    Postcard,
}

impl PieceKind {
    fn name(self) -> &'static str {
        match self {
            PieceKind::Letter => "letter",
            PieceKind::Card => "card",
            PieceKind::Postcard => "postcard",
        }
    }
    fn file(self) -> &'static str {
        match self {
            PieceKind::Letter => "letters.pdf",
            PieceKind::Card => "cards.pdf",
            PieceKind::Postcard => "postcards.pdf",
        }
    }
    fn prefix(self) -> char {
        match self {
            PieceKind::Letter => 'L',
            PieceKind::Card => 'C',
            PieceKind::Postcard => 'P',
        }
    }
}

/// The kit, laid out: the pages of each file and a record per piece.
#[derive(Default)]
struct Kit {
    letters: Vec<Page>,
    cards: Vec<Page>,
    postcards: Vec<Page>,
    /// Envelopes for letters, then for cards, in piece order.
    letter_envelopes: Vec<Page>,
    card_envelopes: Vec<Page>,
    pieces: Vec<PieceRecord>,
}

/// A piece in the manifest.
#[derive(Serialize)]
struct PieceRecord {
    id: String,
    kind: &'static str,
    participant: String,
    row: Option<usize>,
    file: String,
    pages: Vec<usize>,
    size: [f64; 2],
    mail_class: &'static str,
    weight_oz: f64,
    postage_usd: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    envelope: Option<EnvelopeRecord>,
    #[serde(skip)]
    writer: usize,
}

#[derive(Serialize)]
struct EnvelopeRecord {
    file: String,
    page: usize,
    size: [f64; 2],
    format: String,
}

/// The designs a kit uses.
struct Designs {
    letter: Design,
    card: Option<(Design, &'static Format)>,
    postcard: Option<Design>,
}

/// Builds the kit and writes it into `options.output`; returns the summary to print.
pub fn build(options: &BuildOptions, warnings: &mut Warnings) -> Result<String> {
    let mut clock = Timings::start(options.timings);
    let campaign = campaign::load(options.campaign.as_deref())?;
    let writers = writers(&campaign, options, warnings)?;
    let designs = designs(&campaign, &writers)?;
    clock.lap("read");
    let mut kit = lay_out(&campaign, &designs, &writers, warnings)?;
    clock.lap("layout");
    let sheet_notes = arrange(&mut kit, &designs, options)?;
    let files = kit.files(options.one_file);

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
    for (name, pages) in &files {
        write(name, render::pdf(pages.iter().copied(), &title(name.trim_end_matches(".pdf")))?)?;
    }
    clock.lap("write pieces");
    let fonts = &designs.letter.fonts;
    let themes: Vec<(String, Vec<String>)> =
        campaign.campaign.talking_points.iter().map(|t| (t.theme.clone(), t.points.clone())).collect();
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
    let totals = [PieceKind::Letter, PieceKind::Card, PieceKind::Postcard]
        .map(|k| kit.pieces.iter().filter(|p| p.kind == k.name()).count() as u32);
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
    let tally = pages::tally(fonts, campaign.paper, &campaign.campaign.name, &rows, totals)
        .map_err(|m| Diagnostic::error(format!("tally sheet: {m}")).in_file(&campaign.path))?;
    write("tally-sheet.pdf", render::pdf(&tally, &title("sign-in and tally sheet"))?)?;

    let postage = Postage::builtin();
    let total_postage = mail::round_cents(kit.pieces.iter().map(|p| p.postage_usd).sum());
    if options.split {
        for (i, writer) in writers.iter().enumerate() {
            let name =
                writer.participant.as_ref().map_or_else(|| format!("writer {}", i + 1), |p| p.name.clone());
            let pages = pages_of_writer(&kit, &files, i);
            if pages.is_empty() {
                continue;
            }
            let file = format!("participants/{:03}-{}.pdf", i + 1, slug(&name));
            write(&file, render::pdf(pages, &title(&format!("pieces and envelopes for {name}")))?)?;
        }
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let manifest = manifest_json(&campaign, &kit, writers.len(), total_postage, postage, &names);
    write("manifest.json", manifest.into_bytes())?;
    clock.lap("write sheets and manifest");
    staged.commit()?;

    let mut text =
        summary(&campaign, options, &designs, &kit, writers.len(), total_postage, postage, tally.len());
    for note in sheet_notes {
        text.push_str(&format!("{note}\n"));
    }
    text.push_str(&clock.report());
    Ok(text)
}

/// Wall-clock time per stage, for `--timings`.
struct Timings {
    enabled: bool,
    last: std::time::Instant,
    laps: Vec<(&'static str, std::time::Duration)>,
}

impl Timings {
    fn start(enabled: bool) -> Timings {
        Timings { enabled, last: std::time::Instant::now(), laps: Vec::new() }
    }

    fn lap(&mut self, name: &'static str) {
        if self.enabled {
            let now = std::time::Instant::now();
            self.laps.push((name, now - self.last));
            self.last = now;
        }
    }

    fn report(&self) -> String {
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

/// Puts cards and postcards on sheets (or adds print-shop marks) as asked, updating each
/// piece's pages. Returns notes for the summary.
fn arrange(kit: &mut Kit, designs: &Designs, options: &BuildOptions) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    for kind in [PieceKind::Card, PieceKind::Postcard] {
        let pages = match kind {
            PieceKind::Card => std::mem::take(&mut kit.cards),
            _ => std::mem::take(&mut kit.postcards),
        };
        if pages.is_empty() {
            continue;
        }
        let records: Vec<&mut PieceRecord> =
            kit.pieces.iter_mut().filter(|p| p.kind == kind.name()).collect();
        let pieces: Vec<Vec<Page>> =
            records.iter().map(|r| r.pages.iter().map(|&p| pages[p - 1].clone()).collect()).collect();
        let mut print = options.print.clone();
        if kind == PieceKind::Card {
            print.shop_marks = false; // a card's flat sheet has no bleed to mark
            // A card printed on a whole sheet (a quarter fold on its paper) stays as it is.
            if let Some(sheet) = &print.sheet {
                let flat = &pieces[0][0];
                let (w, h) = (flat.trim.width.min(flat.trim.height), flat.trim.width.max(flat.trim.height));
                if (w - sheet.width).abs() < 1.0 && (h - sheet.height).abs() < 1.0 {
                    print.sheet = None;
                }
            }
        }
        let printed = crate::impose::for_print(&pieces, &print).map_err(|m| {
            let design = match kind {
                PieceKind::Card => designs.card.as_ref().map(|(d, _)| d.path.clone()),
                _ => designs.postcard.as_ref().map(|d| d.path.clone()),
            };
            let d = Diagnostic::error(format!("{}s: {m}", kind.name()));
            match design {
                Some(p) => d.in_file(p),
                None => d,
            }
        })?;
        for (record, new_pages) in records.into_iter().zip(printed.piece_pages) {
            record.pages = new_pages;
        }
        if let (Some(plan), Some(sheet)) = (&printed.plan, &print.sheet) {
            let two_sided = pieces.iter().any(|p| p.len() == 2);
            notes.push(format!(
                "{}: {}",
                kind.file(),
                crate::commands::sheet_note(plan, two_sided, sheet.duplex)
            ));
        }
        match kind {
            PieceKind::Card => kit.cards = printed.pages,
            _ => kit.postcards = printed.pages,
        }
    }
    if options.one_file {
        // kit.pdf: letters, then envelopes, then cards, then postcards.
        let letters = kit.letters.len();
        let envelopes = kit.letter_envelopes.len() + kit.card_envelopes.len();
        let cards = kit.cards.len();
        for piece in &mut kit.pieces {
            let offset = match piece.file.as_str() {
                "letters.pdf" => 0,
                "cards.pdf" => letters + envelopes,
                _ => letters + envelopes + cards,
            };
            piece.file = "kit.pdf".into();
            piece.pages.iter_mut().for_each(|p| *p += offset);
            if let Some(e) = &mut piece.envelope {
                e.file = "kit.pdf".into();
                e.page += letters;
            }
        }
    }
    Ok(notes)
}

/// Every page one writer's pieces and envelopes take, in file order.
fn pages_of_writer<'a>(kit: &Kit, files: &[(String, Vec<&'a Page>)], writer: usize) -> Vec<&'a Page> {
    let file = |name: &str| files.iter().find(|(n, _)| n == name).map(|(_, pages)| pages);
    let mut pages = Vec::new();
    for piece in kit.pieces.iter().filter(|p| p.writer == writer) {
        if let Some(f) = file(&piece.file) {
            pages.extend(piece.pages.iter().filter_map(|&p| f.get(p - 1).copied()));
        }
        if let Some(f) = piece.envelope.as_ref().and_then(|e| file(&e.file).map(|f| (f, e.page))) {
            pages.extend(f.0.get(f.1 - 1).copied());
        }
    }
    pages
}

impl Kit {
    /// The piece files to write, in order, with their pages.
    fn files(&self, one_file: bool) -> Vec<(String, Vec<&Page>)> {
        let envelopes: Vec<&Page> = self.letter_envelopes.iter().chain(&self.card_envelopes).collect();
        let parts: [(&str, Vec<&Page>); 4] = [
            ("letters.pdf", self.letters.iter().collect()),
            ("envelopes.pdf", envelopes),
            ("cards.pdf", self.cards.iter().collect()),
            ("postcards.pdf", self.postcards.iter().collect()),
        ];
        if one_file {
            vec![("kit.pdf".to_string(), parts.into_iter().flat_map(|(_, p)| p).collect())]
        } else {
            parts.into_iter().filter(|(_, p)| !p.is_empty()).map(|(n, p)| (n.to_string(), p)).collect()
        }
    }
}

/// The writers: one per participant row, or `count` unnamed ones.
fn writers(
    campaign: &LoadedCampaign,
    options: &BuildOptions,
    warnings: &mut Warnings,
) -> Result<Vec<Writer>> {
    let d = &campaign.campaign.defaults;
    let Some(path) = &options.participants else {
        if options.count == 0 || options.count > 10_000 {
            return Err(Diagnostic::error(format!(
                "--count {} is out of range; make 1 to 10000 kits",
                options.count
            ))
            .into());
        }
        return Ok((0..options.count)
            .map(|_| Writer { participant: None, counts: [d.letters, d.cards, d.postcards] })
            .collect());
    };
    let people = participants::read(path, warnings)?;
    if people.is_empty() {
        return Err(Diagnostic::error("the participants list has no rows")
            .in_file(path)
            .hint("add one row per person under the header")
            .into());
    }
    let mut writers = Vec::new();
    for p in people {
        let counts =
            [p.letters.unwrap_or(d.letters), p.cards.unwrap_or(d.cards), p.postcards.unwrap_or(d.postcards)];
        if counts == [0, 0, 0] {
            warnings.push(
                Diagnostic::warning(format!("{} makes no letters, cards or postcards", p.name))
                    .in_file(path)
                    .at(p.line, 1),
            );
        }
        writers.push(Writer { participant: Some(p), counts });
    }
    Ok(writers)
}

/// Reads a design the campaign names: a built-in one or a file next to the campaign.
pub(crate) fn campaign_design(
    campaign: &LoadedCampaign,
    key: &str,
    name: &str,
    paper: Option<&'static Format>,
) -> Result<Design> {
    let source = match BUILTIN_DESIGNS.iter().find(|(n, ..)| *n == name) {
        Some((_, path, text)) => Source::builtin(path, text),
        None => {
            let path = campaign.base_dir.as_deref().unwrap_or(Path::new(".")).join(name);
            if !path.exists() {
                let builtins: Vec<&str> = BUILTIN_DESIGNS.iter().map(|(n, ..)| *n).collect();
                return Err(Diagnostic::error(format!(
                    "{key}: no built-in design `{name}` and no file {}",
                    path.display()
                ))
                .in_file(&campaign.path)
                .hint(format!(
                    "use a built-in design ({}) or the path of a design file relative to the campaign",
                    builtins.join(", ")
                ))
                .into());
            }
            Source::read(&path)?
        }
    };
    design::parse_with(&source, paper)
}

/// The designs this kit needs: the letter always, the card and postcard when someone makes them.
fn designs(campaign: &LoadedCampaign, writers: &[Writer]) -> Result<Designs> {
    let c = &campaign.campaign;
    let letter = campaign_design(campaign, "letter", &c.letter, Some(campaign.paper))?;
    let card = if writers.iter().any(|w| w.counts[1] > 0) {
        let design = campaign_design(campaign, "card", &c.card, None)?;
        let (w, h) = (design.width, design.height);
        let fitting: Vec<&str> =
            mail::envelopes().filter(|e| mail::holds(e, w, h)).map(|e| e.name.as_str()).collect();
        let envelope = if c.card_envelope == "auto" {
            mail::smallest_envelope_for(w, h).ok_or_else(|| {
                Diagnostic::error(format!(
                    "card: a {:.3} x {:.3} in card fits no standard envelope with 1/8 in to spare",
                    w / PT_PER_IN,
                    h / PT_PER_IN
                ))
                .in_file(&campaign.path)
                .hint("make the card smaller; `letterkit layouts` lists the envelopes")
            })?
        } else {
            let e = crate::formats::find(&c.card_envelope, Some(crate::formats::Kind::Envelope))
                .map_err(|d| Diagnostic { file: Some(campaign.path.clone()), ..d })?;
            if !mail::holds(e, w, h) {
                return Err(Diagnostic::error(format!(
                    "card_envelope: a {:.3} x {:.3} in card does not fit a {} envelope with 1/8 in to spare",
                    w / PT_PER_IN,
                    h / PT_PER_IN,
                    e.name
                ))
                .in_file(&campaign.path)
                .hint(if fitting.is_empty() {
                    "no standard envelope fits this card".to_string()
                } else {
                    format!("envelopes that fit: {}", fitting.join(", "))
                })
                .into());
            }
            e
        };
        if design.fold.is_none() {
            return Err(Diagnostic::error(
                "card: the card design has no `fold`; a card is folded (\"quarter\" or \"half\")",
            )
            .in_file(&design.path)
            .into());
        }
        Some((design, envelope))
    } else {
        None
    };
    let postcard = if writers.iter().any(|w| w.counts[2] > 0) {
        let design = campaign_design(campaign, "postcard", &c.postcard, None)?;
        if design.pages.len() != 2 {
            return Err(Diagnostic::error(
                "postcard: a postcard design has two pages, e.g. pages = [\"front\", \"address\"]",
            )
            .in_file(&design.path)
            .into());
        }
        Some(design)
    } else {
        None
    };
    Ok(Designs { letter, card, postcard })
}

fn lay_out(
    campaign: &LoadedCampaign,
    designs: &Designs,
    writers: &[Writer],
    warnings: &mut Warnings,
) -> Result<Kit> {
    let base = campaign.fields();
    let points = campaign.points();
    let postage = Postage::builtin();
    let pictures = Pictures::default();
    let delivery = campaign.delivery_lines();
    let variants = typed_variants(campaign)?;
    let paper: &Format = campaign.paper;
    let sheet_weight =
        if paper.name == "a4" { postage.weights.sheet_a4 } else { postage.weights.sheet_us_letter };

    let mut kit = Kit::default();
    let mut card_pieces: Vec<PieceRecord> = Vec::new();
    let mut postcard_pieces: Vec<PieceRecord> = Vec::new();
    let mut errors = Vec::new();
    let mut counters = [0usize; 3];
    for (w, writer) in writers.iter().enumerate() {
        let mut data = base.clone();
        let p = writer.participant.as_ref();
        let field = |f: fn(&Participant) -> String| p.map_or(String::new(), f);
        data.insert("name".into(), field(|p| p.name.clone()));
        data.insert("address1".into(), field(|p| p.address1.clone()));
        data.insert("address2".into(), field(|p| p.address2.clone()));
        data.insert("city".into(), field(|p| p.city.clone()));
        data.insert("state".into(), field(|p| p.state.clone()));
        data.insert("zip".into(), field(|p| p.zip.clone()));
        data.insert("city_line".into(), field(Participant::city_line));
        data.insert("return_address".into(), field(|p| p.return_address().join("\n")));
        if let Some(p) = p {
            for (k, v) in &p.extra {
                data.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        let name = data["name"].clone();
        let return_lines = p.map(Participant::return_address);
        for kind in [PieceKind::Letter, PieceKind::Card, PieceKind::Postcard] {
            let k = kind as usize;
            for n in 0..writer.counts[k] {
                let index = counters[k];
                counters[k] += 1;
                let id = format!("{}-{:04}", kind.prefix(), index + 1);
                let mut fields = data.clone();
                fields.insert("piece".into(), id.clone());
                fields.insert("number".into(), format!("{} of {}", n + 1, writer.counts[k]));
                // Talking points as prompts, rotated so neighbouring pieces get different ones.
                if !points.is_empty() {
                    fields.insert("prompt_1".into(), points[(2 * index) % points.len()].1.to_string());
                    fields.insert("prompt_2".into(), points[(2 * index + 1) % points.len()].1.to_string());
                }
                let design = match kind {
                    PieceKind::Letter => {
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
                        &designs.letter
                    }
                    PieceKind::Card => &designs.card.as_ref().expect("loaded when someone makes cards").0,
                    PieceKind::Postcard => {
                        designs.postcard.as_ref().expect("loaded when someone makes postcards")
                    }
                };
                let pages = match layout::layout_printed(design, &fields, &pictures, warnings) {
                    Ok(p) => p,
                    Err(e) => {
                        errors.extend(e.0.into_iter().map(|d| with_row(d, writer)));
                        continue;
                    }
                };
                let (finished_w, finished_h) = (design.width, design.height);
                let mut record = PieceRecord {
                    id: id.clone(),
                    kind: kind.name(),
                    participant: name.clone(),
                    row: p.map(|p| p.line),
                    file: kind.file().to_string(),
                    pages: Vec::new(),
                    size: inches(finished_w, finished_h),
                    mail_class: "letter",
                    weight_oz: 0.0,
                    postage_usd: 0.0,
                    envelope: None,
                    writer: w,
                };
                let envelope_format = match kind {
                    PieceKind::Letter => Some(campaign.envelope),
                    PieceKind::Card => designs.card.as_ref().map(|(_, e)| *e),
                    PieceKind::Postcard => None,
                };
                if let Some(format) = envelope_format {
                    let content = pages::EnvelopeContent {
                        return_lines: return_lines.as_deref(),
                        delivery_lines: &delivery,
                        piece: Some(&id),
                    };
                    let (envelope, _) = match pages::envelope(&designs.letter.fonts, format, &content) {
                        Ok(e) => e,
                        Err(m) => {
                            errors
                                .push(with_row(Diagnostic::error(format!("envelope for {id}: {m}")), writer));
                            continue;
                        }
                    };
                    let list = if kind == PieceKind::Letter {
                        &mut kit.letter_envelopes
                    } else {
                        &mut kit.card_envelopes
                    };
                    list.push(envelope);
                    record.envelope = Some(EnvelopeRecord {
                        file: "envelopes.pdf".to_string(),
                        page: list.len(),
                        size: inches(format.width, format.height),
                        format: format.name.clone(),
                    });
                    let nonmachinable = mail::nonmachinable_shape(format.width, format.height);
                    let weight = postage.weights.envelope
                        + match kind {
                            PieceKind::Letter => pages.len() as f64 * sheet_weight,
                            _ => postage.weights.card,
                        };
                    if kind == PieceKind::Letter && pages.len() > MAX_SHEETS_ONE_OUNCE {
                        warnings.push(with_row(
                            Diagnostic::warning(format!(
                                "letter {id} runs to {} sheets: probably over one ounce, so it needs more postage",
                                pages.len()
                            )),
                            writer,
                        ));
                    }
                    if nonmachinable {
                        warnings.push(with_row(
                            Diagnostic::warning(format!(
                                "{id}: a {} envelope is nonmachinable (aspect ratio outside 1.3 to 2.5) and pays a ${:.2} surcharge",
                                format.name, postage.prices.nonmachinable_surcharge
                            )),
                            writer,
                        ));
                    }
                    record.weight_oz = (weight * 1000.0).round() / 1000.0;
                    record.postage_usd = postage.letter(weight, nonmachinable);
                } else {
                    // A postcard is mailed bare: card price when it qualifies (DMM 201.1.2.1).
                    match mail::classify(finished_w, finished_h, true) {
                        mail::MailClass::Postcard => {
                            record.mail_class = "postcard";
                            record.postage_usd = postage.prices.postcard;
                        }
                        mail::MailClass::Letter => {
                            record.postage_usd = postage.letter(
                                postage.weights.card,
                                mail::nonmachinable_shape(finished_w, finished_h),
                            );
                        }
                        class => {
                            errors.push(with_row(
                                Diagnostic::error(format!(
                                    "postcard {id}: a {:.3} x {:.3} in postcard is {}",
                                    finished_w / PT_PER_IN,
                                    finished_h / PT_PER_IN,
                                    if class == mail::MailClass::TooSmall {
                                        "too small to mail (at least 3.5 x 5 in)"
                                    } else {
                                        "larger than a letter (6 1/8 x 11 1/2 in) and would pay the large-envelope price"
                                    }
                                )),
                                writer,
                            ));
                            continue;
                        }
                    }
                    record.weight_oz = postage.weights.card;
                }
                let file = match kind {
                    PieceKind::Letter => &mut kit.letters,
                    PieceKind::Card => &mut kit.cards,
                    PieceKind::Postcard => &mut kit.postcards,
                };
                record.pages = (file.len() + 1..=file.len() + pages.len()).collect();
                file.extend(pages);
                match kind {
                    PieceKind::Letter => kit.pieces.push(record),
                    PieceKind::Card => card_pieces.push(record),
                    PieceKind::Postcard => postcard_pieces.push(record),
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error(errors));
    }
    // Card envelopes follow the letters' envelopes in envelopes.pdf.
    let offset = kit.letter_envelopes.len();
    for piece in &mut card_pieces {
        if let Some(e) = &mut piece.envelope {
            e.page += offset;
        }
    }
    kit.pieces.extend(card_pieces);
    kit.pieces.extend(postcard_pieces);
    if kit.pieces.is_empty() {
        return Err(Diagnostic::error("the kit is empty: nobody makes a letter, card or postcard").into());
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
    files: &[&str],
) -> String {
    let c = &campaign.campaign;
    let count = |kind: PieceKind| kit.pieces.iter().filter(|p| p.kind == kind.name()).count();
    let value = serde_json::json!({
        "generator": format!("letterkit {}", env!("CARGO_PKG_VERSION")),
        "campaign": c.name,
        "hashtags": c.hashtags,
        "recipient": c.recipient.lines(),
        "totals": {
            "participants": participants,
            "letters": count(PieceKind::Letter),
            "cards": count(PieceKind::Card),
            "postcards": count(PieceKind::Postcard),
            "envelopes": kit.letter_envelopes.len() + kit.card_envelopes.len(),
        },
        "postage": {
            "total_usd": total,
            "prices_as_of": postage.as_of,
            "source": postage.source,
            "above_reimbursement_threshold": total > c.reimburse_above,
        },
        "files": files.iter().chain(["handout.pdf", "tally-sheet.pdf"].iter()).collect::<Vec<_>>(),
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
        let pages = kit.letters.len()
            + kit.letter_envelopes.len()
            + kit.card_envelopes.len()
            + kit.cards.len()
            + kit.postcards.len();
        s.push_str(&format!(
            "  kit.pdf           {} in one file, {}: letters, then envelopes, then cards, then postcards\n",
            plural(kit.pieces.len(), "piece"),
            plural(pages, "page")
        ));
    }
    if !kit.letters.is_empty() && !options.one_file {
        s.push_str(&format!(
            "  letters.pdf       {} ({}), {} on {}\n",
            plural(count(PieceKind::Letter), "letter"),
            c.letter,
            plural(kit.letters.len(), "page"),
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
            design.fold.map_or("", crate::impose::fold_instructions)
        ));
    }
    if let Some(design) = designs.postcard.as_ref().filter(|_| !options.one_file) {
        let class = mail::classify(design.width, design.height, true);
        s.push_str(&format!(
            "  postcards.pdf     {}, front and address side of each ({}; {})\n",
            plural(count(PieceKind::Postcard), "postcard"),
            design.format.map_or("custom size", |f| f.description.as_str()),
            if class == mail::MailClass::Postcard {
                "card price, no envelope"
            } else {
                "too large for card price: pays the letter price"
            }
        ));
    }
    let envelopes = kit.letter_envelopes.len() + kit.card_envelopes.len();
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
    s.push_str(&format!(
        "Postage: about ${total:.2} for {} (prices as of {}).\n",
        plural(kit.pieces.len(), "piece"),
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
    s.push_str("Put each letter and card in the envelope with the same number (one piece per envelope), stamp it, and share a photo");
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
