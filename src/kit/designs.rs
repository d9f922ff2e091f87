//! The designs a kit uses: the built-in ones, the campaign's own files, and the checks that
//! they make sense together (a card that fits an envelope, a postcard with one or two sides).

use std::path::Path;

use crate::base::diag::{Diagnostic, Result, Source, Warnings};
use crate::base::formats::Format;
use crate::base::units::PT_PER_IN;
use crate::mail::{self, Postage};
use crate::model::campaign::LoadedCampaign;
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
    Ok(Designs { letter, envelope, card, postcard })
}
