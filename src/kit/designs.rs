//! The designs a kit uses: the built-in ones, the campaign's own files, and the checks that
//! they make sense together (a card that fits an envelope, a postcard with one or two sides).

use std::path::Path;

use crate::base::diag::{Diagnostic, Result, Source, Warnings};
use crate::base::formats::Format;
use crate::base::units::PT_PER_IN;
use crate::mail::{self, Postage};
use crate::model::campaign::{LoadedCampaign, PhotoUse};
use crate::model::design::{self, Design};

use super::plan::Writer;

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

/// The designs a kit uses.
pub(super) struct Designs {
    pub(super) letter: Design,
    /// A design for the letters' envelopes, when the campaign gives one.
    pub(super) envelope: Option<Design>,
    pub(super) card: Option<(Design, &'static Format)>,
    pub(super) postcard: Option<Design>,
    /// The card's variants, one per campaign photo for cards, taken in turn; empty without.
    pub(super) cards: Vec<Design>,
    /// The postcard's variants, one per campaign photo for postcards, taken in turn; empty
    /// without.
    pub(super) postcards: Vec<Design>,
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
            let base = campaign.base_dir.as_deref().unwrap_or(Path::new("."));
            let path = base.join(name);
            campaign
                .sandbox
                .confine_in(&path, base, "campaign")
                .map_err(|d| Diagnostic { file: Some(campaign.path.clone()), ..d })?;
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
            crate::input::read_text(&path)?
        }
    };
    design::parse_with(&source, paper, &campaign.sandbox)
}

/// The designs this kit needs: the letter always, the card and postcard when someone makes them.
pub(super) fn designs(
    campaign: &LoadedCampaign,
    writers: &[Writer],
    warnings: &mut Warnings,
) -> Result<Designs> {
    let c = &campaign.campaign;
    let photos = super::photos::read(campaign)?;
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
            let e = crate::base::formats::find(&c.card_envelope, Some(crate::base::formats::Kind::Envelope))
                .map_err(|d| Diagnostic { file: Some(campaign.path.clone()), ..d })?;
            if !mail::holds(e, w, h) {
                return Err(Diagnostic::error(format!(
                    "card_envelope: a {:.3} x {:.3} in card does not fit {} envelope with 1/8 in to spare",
                    w / PT_PER_IN,
                    h / PT_PER_IN,
                    crate::base::diag::a(&e.name)
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
        // A square piece pays the nonmachinable surcharge (aspect ratio under 1.3, DMM 101.1.2a);
        // a square card in a rectangular envelope does not.
        if (design.width - design.height).abs() < 1.0 {
            warnings.push(
                Diagnostic::warning(format!(
                    "the card is square: mailed in a square envelope it would pay the ${:.2} nonmachinable surcharge; the kit puts it in a rectangular {} envelope, which does not",
                    Postage::builtin().prices.nonmachinable_surcharge,
                    envelope.name
                ))
                .in_file(&design.path),
            );
        }
        Some((design, envelope))
    } else {
        None
    };
    let postcard = if writers.iter().any(|w| w.counts[2] > 0) {
        let design = campaign_design(campaign, "postcard", &c.postcard, None)?;
        if !(1..=2).contains(&design.pages.len()) {
            return Err(Diagnostic::error(
                "postcard: a postcard design has a front and, optionally, an address side: pages = [\"front\", \"address\"]",
            )
            .in_file(&design.path)
            .into());
        }
        Some(design)
    } else {
        None
    };
    for (what, format) in [("letters", Some(campaign.envelope)), ("cards", card.as_ref().map(|(_, e)| *e))] {
        if let Some(format) =
            format.filter(|f| mail::classify(f.width, f.height, false) == mail::MailClass::Flat)
        {
            warnings.push(
                Diagnostic::warning(format!(
                    "{what} go in {} envelopes, which are larger than a letter (6 1/8 x 11 1/2 in): each pays the large-envelope price, ${:.2} and up",
                    format.name,
                    Postage::builtin().prices.flat_first_ounce
                ))
                .in_file(&campaign.path),
            );
        }
    }
    let envelope = match &c.envelope_design {
        None => None,
        Some(name) => {
            let design = campaign_design(campaign, "envelope_design", name, None)?;
            let (fw, fh) = mail::folded_in_thirds(campaign.paper);
            let holds = Format { width: design.width, height: design.height, ..campaign.envelope.clone() };
            if !mail::holds(&holds, fw, fh) {
                return Err(Diagnostic::error(format!(
                    "envelope_design: a {:.3} x {:.3} in envelope does not hold {} letter folded in thirds with 1/8 in to spare",
                    design.width / PT_PER_IN,
                    design.height / PT_PER_IN,
                    crate::base::diag::a(&campaign.paper.name)
                ))
                .in_file(&design.path)
                .into());
            }
            Some(design)
        }
    };
    // A piece that goes into the mail has a delivery address (docs/mail-rules.md 2.1).
    for (key, name, design) in [
        ("envelope_design", c.envelope_design.as_deref(), envelope.as_ref()),
        ("postcard", Some(c.postcard.as_str()), postcard.as_ref()),
    ] {
        let (Some(name), Some(design)) = (name, design) else { continue };
        if key == "postcard" && !has_address_side(design) {
            continue;
        }
        if !design.elements.iter().any(|e| matches!(e.body, crate::model::design::Body::Address(_))) {
            let what = if key == "postcard" { "every postcard" } else { "every letter's envelope" };
            return Err(at_campaign_key(
                campaign,
                key,
                Diagnostic::error(format!(
                    "{key}: the design {name} has no `address` element, so {what} would go into the mail unaddressed (docs/mail-rules.md 2.1)"
                ))
                .code("mail.no-address")
                .hint(format!(
                    "add an element with kind = \"address\" to {} (its text is {{delivery_address}}, the campaign's recipient)",
                    design.path.display()
                )),
            )
            .into());
        }
    }
    // Every picture is read and decoded now, before anything is written: a damaged one stops
    // the build here, named with its design line.
    let pictures = crate::layout::Pictures::default();
    let used = [Some(&letter), envelope.as_ref(), card.as_ref().map(|(d, _)| d), postcard.as_ref()];
    for design in used.into_iter().flatten() {
        for element in &design.elements {
            if let crate::model::design::Body::Image(spec) = &element.body {
                pictures.load(&spec.path).map_err(|d| {
                    let message = format!("{}: {}", element.label, d.message);
                    Diagnostic { message, ..d }.in_file(&design.path).at(element.line, 1)
                })?;
            }
        }
    }
    let cards = match &card {
        Some(_) if photos.any_on(PhotoUse::Card) => photos.variants(
            campaign,
            writers,
            PhotoUse::Card,
            &|| campaign_design(campaign, "card", &c.card, None),
            warnings,
        )?,
        _ => Vec::new(),
    };
    let postcards = match &postcard {
        Some(_) if photos.any_on(PhotoUse::Postcard) => photos.variants(
            campaign,
            writers,
            PhotoUse::Postcard,
            &|| campaign_design(campaign, "postcard", &c.postcard, None),
            warnings,
        )?,
        _ => Vec::new(),
    };
    Ok(Designs { letter, envelope, card, postcard, cards, postcards })
}

/// Whether a campaign's postcard prints a side for the address (its last page). A postcard of
/// one page is a picture side: its back is left blank, to be addressed and stamped by hand.
fn has_address_side(postcard: &Design) -> bool {
    postcard.pages.len() >= 2
}

/// Places a diagnostic at a top-level key of the campaign (its file when the key is not found).
fn at_campaign_key(campaign: &LoadedCampaign, key: &str, d: Diagnostic) -> Diagnostic {
    let (table, _) = toml::de::DeTable::parse_recoverable(&campaign.source.text);
    let offset = table
        .get_ref()
        .iter()
        .find(|(k, _)| <str as AsRef<str>>::as_ref(k.get_ref()) == key)
        .map(|(k, _)| k.span().start);
    match offset {
        Some(offset) => d.at_offset(&campaign.source, offset),
        None => d.in_file(&campaign.path),
    }
}

/// How a design goes into the mail, for [`audit_mail`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mailed {
    /// As its format says (`render`, `preview`, `check` of a design): an envelope format is an
    /// envelope; a postcard (a postcard format, or a custom size with an `address` element)
    /// has an address side on each page with an `address` element, or on its page named
    /// "address". Other designs are checked on the pages with an `address` element.
    AsDesigned,
    /// A campaign's `envelope_design`: an envelope, whatever its format.
    Envelope,
    /// A campaign's postcard: mailed bare, on the pages with an `address` element (else its
    /// last page, when it has two or more: one page is a picture side, addressed by hand).
    Postcard,
}

/// Checks the address sides of a laid-out design by the Postal Service's rules
/// ([`crate::mail::audit::audit`]): a delivery address that prints, nothing else in the OCR
/// read area, nothing in the barcode clear zone. `pages` are the design's pages as
/// [`crate::layout::layout_pages`] lays them out (each knows which element made what);
/// `complete` says whether every element was laid out (when not, an address that printed
/// nothing may only have failed, which layout reports). `source` is the design's text, to
/// place a missing address at its `format` (or `pages`) line.
pub fn audit_mail(
    design: &Design,
    pages: &[crate::layout::Page],
    mailed: Mailed,
    source: Option<&str>,
    complete: bool,
) -> Vec<Diagnostic> {
    use crate::base::formats::Kind;
    use crate::mail::audit::{Mark, Side, audit};
    use crate::model::design::Body;
    if design.fold.is_some() && mailed == Mailed::AsDesigned {
        return Vec::new(); // a folded card goes in an envelope; its panels are not address sides
    }
    let is_address = |e: &crate::model::design::Element| matches!(e.body, Body::Address(_));
    let kind = design.format.map(|f| f.kind);
    let envelope =
        mailed == Mailed::Envelope || (mailed == Mailed::AsDesigned && kind == Some(Kind::Envelope));
    let postcard = mailed == Mailed::Postcard
        || (mailed == Mailed::AsDesigned
            && design.fold.is_none()
            && (kind == Some(Kind::Postcard) || kind.is_none() && design.elements.iter().any(is_address)));
    let side = if postcard { Side::Postcard } else { Side::Envelope };
    // The address sides: the pages with an address element; else an envelope's only page, or
    // a postcard's page named "address".
    let mut sides: Vec<usize> = (0..design.pages.len())
        .filter(|&p| design.elements.iter().any(|e| e.page == p && is_address(e)))
        .collect();
    let mut missing_at = "format";
    if sides.is_empty() {
        if envelope {
            sides.push(0);
        } else if let Some(p) =
            design.pages.iter().position(|n| n.eq_ignore_ascii_case("address")).filter(|_| postcard)
        {
            sides.push(p);
            missing_at = "pages";
        } else if mailed == Mailed::Postcard && has_address_side(design) {
            sides.push(design.pages.len() - 1);
        }
    }
    // Each element's ink: where it first printed.
    let mut ink: Vec<Option<crate::base::units::Rect>> = vec![None; design.elements.len()];
    let mut printed = vec![false; design.elements.len()];
    for page in pages {
        for (element, items) in page.made() {
            if element < printed.len() && !printed[element] {
                printed[element] = true;
                ink[element] = crate::layout::ink_bounds(items);
            }
        }
    }
    let trim = crate::base::units::Rect::new(design.bleed, design.bleed, design.width, design.height);
    let mut out = Vec::new();
    for p in sides {
        let what = match (envelope, design.pages.len()) {
            (true, _) => "the envelope".to_string(),
            (false, 1) => "the postcard".to_string(),
            (false, _) => format!("the address side (page `{}`)", design.pages[p]),
        };
        let on_page: Vec<usize> =
            (0..design.elements.len()).filter(|&i| design.elements[i].page == p).collect();
        let marks: Vec<Mark> = on_page
            .iter()
            .map(|&i| Mark {
                label: &design.elements[i].label,
                ink: ink[i],
                delivery: is_address(&design.elements[i]),
            })
            .collect();
        for (mark, d) in audit(trim, side, &what, &marks) {
            if d.code == Some("mail.empty-address") && !complete {
                continue;
            }
            let d = d.in_file(&design.path);
            out.push(match mark {
                Some(m) => d.at(design.elements[on_page[m]].line, 1),
                None => match source.and_then(|text| key_line(text, missing_at)) {
                    Some(line) => d.at(line, 1),
                    None => d,
                },
            });
        }
    }
    out
}

/// The line of a top-level `key = ...` in a design's text (`size` stands in for `format`).
fn key_line(text: &str, key: &str) -> Option<usize> {
    let (table, _) = toml::de::DeTable::parse_recoverable(text);
    let keys: &[&str] = if key == "format" { &["format", "size"] } else { &[key] };
    let span = table.get_ref().iter().find(|(k, _)| keys.contains(&k.get_ref().as_ref()))?.0.span();
    Some(1 + text.get(..span.start)?.matches('\n').count())
}

/// [`audit_mail`]'s findings for one piece: warnings go to `warnings`, errors are returned.
pub fn mail_errors(found: Vec<Diagnostic>, warnings: &mut Warnings) -> Result<()> {
    let (errors, found): (Vec<Diagnostic>, Vec<Diagnostic>) =
        found.into_iter().partition(|d| d.severity == crate::base::diag::Severity::Error);
    warnings.0.extend(found);
    if errors.is_empty() { Ok(()) } else { Err(crate::base::diag::Error(errors)) }
}
