//! USPS mail rules: which envelope holds what, what is mailable and what it costs; where the
//! address, the stamp and the return address go is in [`placement`].
//!
//! Numbers come from `docs/mail-rules.md`; each rule cites its source.

pub mod audit;
pub mod countries;
pub mod placement;

use crate::base::formats::{self, Format, Kind};
use crate::base::units::{PT_PER_IN, Rect};

const IN: f32 = PT_PER_IN;

/// An envelope must be at least this much larger than what it holds, in each dimension
/// (vendors' fit rule, docs/mail-rules.md 3.1, tightened to the 1/8 in the campaign guide asks).
pub const ENVELOPE_CLEARANCE: f32 = 0.125 * IN;

/// The OCR read area of an address side `width` x `height` points, in page coordinates
/// (y down): 1/2 in from the left and right edges, from 5/8 in to 2 3/4 in above the bottom
/// (DMM 202.2.1; Pub 28 A1).
pub fn ocr_read_area(width: f32, height: f32) -> Rect {
    Rect::new(0.5 * IN, height - 2.75 * IN, width - 1.0 * IN, (2.75 - 0.625) * IN)
}

/// The barcode clear zone: 4 3/4 in wide and 5/8 in high in the lower-right corner, free of
/// all printing (Pub 28 A1).
pub fn barcode_clear_zone(width: f32, height: f32) -> Rect {
    let w = (4.75 * IN).min(width);
    Rect::new(width - w, height - 0.625 * IN, w, 0.625 * IN)
}

/// The standard envelopes from `layouts/envelopes.toml`.
pub fn envelopes() -> impl Iterator<Item = &'static Format> {
    formats::all().iter().filter(|f| f.kind == Kind::Envelope)
}

/// Whether an envelope holds an insert of `w` x `h` points (either way round) with the clearance.
pub fn holds(envelope: &Format, w: f32, h: f32) -> bool {
    let (long, short) = (w.max(h), w.min(h));
    envelope.width.max(envelope.height) >= long + ENVELOPE_CLEARANCE - 0.01
        && envelope.width.min(envelope.height) >= short + ENVELOPE_CLEARANCE - 0.01
}

/// The smallest standard envelope (by area) that holds an insert of `w` x `h` points.
pub fn smallest_envelope_for(w: f32, h: f32) -> Option<&'static Format> {
    envelopes()
        .filter(|e| holds(e, w, h))
        .min_by(|a, b| (a.width * a.height).total_cmp(&(b.width * b.height)))
}

/// The envelope for a letter on `paper` folded in thirds: #10 for US Letter, DL for A4
/// (docs/mail-rules.md 3.1: "#10: US Letter folded in thirds", "DL: A4 in thirds").
pub fn envelope_for_letter(paper: &Format) -> &'static Format {
    let name = if paper.name == "a4" { "envelope-dl" } else { "envelope-10" };
    formats::find(name, Some(Kind::Envelope)).expect("built-in envelope")
}

/// The size of a sheet folded in thirds (the letter fold).
pub fn folded_in_thirds(paper: &Format) -> (f32, f32) {
    (paper.width.min(paper.height), paper.width.max(paper.height) / 3.0)
}

/// How USPS prices and handles a piece, from its size and kind (docs/mail-rules.md 1.6 and 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailClass {
    /// Card price: unfolded card 3.5-4.25 x 5-6 in (DMM 201.1.2.1).
    Postcard,
    /// First-Class letter price.
    Letter,
    /// Larger than a letter: large-envelope (flat) price.
    Flat,
    /// Too small to mail at all (under 3.5 x 5 in, DMM 601.1.2).
    TooSmall,
}

/// The mail class of a piece with sides `a` x `b` points; `unfolded_card` for a bare postcard.
pub fn classify(a: f32, b: f32, unfolded_card: bool) -> MailClass {
    let (length, height) = (a.max(b) / IN, a.min(b) / IN);
    const E: f32 = 0.001;
    if length < 5.0 - E || height < 3.5 - E {
        MailClass::TooSmall
    } else if unfolded_card && length <= 6.0 + E && height <= 4.25 + E {
        MailClass::Postcard
    } else if length <= 11.5 + E && height <= 6.125 + E {
        MailClass::Letter
    } else {
        MailClass::Flat
    }
}

/// Whether a letter-size piece pays the nonmachinable surcharge for its shape: aspect ratio
/// (length / height) under 1.3 or over 2.5 (DMM 101.1.2a). Card-price postcards never do
/// (Postal Bulletin 22212).
pub fn nonmachinable_shape(a: f32, b: f32) -> bool {
    let ratio = a.max(b) / a.min(b);
    !(1.3 - 0.0005..=2.5).contains(&ratio)
}

/// Turns an address line into the form USPS prefers: capitals, no punctuation except the
/// hyphen (ZIP+4, street numbers), `/` (fractions) and `#` (unit numbers) (Pub 28 A1, 212).
pub fn usps_style(line: &str) -> String {
    let kept: String = line
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace() || matches!(c, '-' | '/' | '#'))
        .collect::<String>()
        .to_uppercase();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Postage prices and weights from `layouts/postage.toml`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Postage {
    /// The date the prices took effect.
    pub as_of: String,
    /// Where they come from.
    pub source: String,
    /// Prices in dollars.
    pub prices: Prices,
    /// Weights in ounces.
    pub weights: Weights,
}

/// Prices in US dollars.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    /// A 1-ounce letter (Forever stamp).
    pub letter_first_ounce: f64,
    /// Each ounce after the first.
    pub letter_additional_ounce: f64,
    /// A card-price postcard.
    pub postcard: f64,
    /// Nonmachinable surcharge on a letter.
    pub nonmachinable_surcharge: f64,
    /// A 1-ounce large envelope.
    pub flat_first_ounce: f64,
    /// Each ounce after the first, for a large envelope.
    pub flat_additional_ounce: f64,
}

/// Weights in ounces.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// One US Letter sheet of 20 lb bond.
    pub sheet_us_letter: f64,
    /// One A4 sheet of 80 g/m2.
    pub sheet_a4: f64,
    /// An envelope.
    pub envelope: f64,
    /// A folded card.
    pub card: f64,
}

impl Postage {
    /// The built-in table.
    pub fn builtin() -> &'static Postage {
        static TABLE: std::sync::OnceLock<Postage> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| {
            toml::from_str(include_str!("../../layouts/postage.toml"))
                .expect("the postage table is checked by the tests")
        })
    }

    /// Postage for a letter-size piece of `ounces` (First-Class letters: first ounce, then each
    /// additional ounce or part of one, DMM 101; docs/mail-rules.md 6).
    pub fn letter(&self, ounces: f64, nonmachinable: bool) -> f64 {
        let extra = (ounces - 1.0).max(0.0).ceil();
        let surcharge = if nonmachinable { self.prices.nonmachinable_surcharge } else { 0.0 };
        round_cents(self.prices.letter_first_ounce + extra * self.prices.letter_additional_ounce + surcharge)
    }
}

impl Postage {
    /// Postage for a large envelope (flat) of `ounces`: larger than 6 1/8 x 11 1/2 in (DMM 101.1.1).
    pub fn flat(&self, ounces: f64) -> f64 {
        let extra = (ounces - 1.0).max(0.0).ceil();
        round_cents(self.prices.flat_first_ounce + extra * self.prices.flat_additional_ounce)
    }
}

/// Whether a piece of `ounces` needs more than one First-Class stamp: the letter price covers
/// the first ounce, each further ounce or part of one costs extra (DMM 101; docs/mail-rules.md
/// section 6).
pub fn over_one_ounce(ounces: f64) -> bool {
    ounces > 1.0
}

/// A piece as the Postal Service prices it.
#[derive(Debug, Clone, Copy)]
pub enum Mailing {
    /// In an envelope of `width` x `height` points holding `contents_oz` ounces.
    Enveloped { width: f32, height: f32, contents_oz: f64 },
    /// Mailed bare, like a postcard: `width` x `height` points, `ounces` ounces.
    Bare { width: f32, height: f32, ounces: f64 },
}

/// How a piece is classified and priced ([`Postage::rate`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    /// Its class by size: an envelope is a letter or a flat by the envelope's size; a bare
    /// piece may be a postcard.
    pub class: MailClass,
    /// Its estimated weight, envelope included.
    pub ounces: f64,
    /// Whether its shape makes it nonmachinable (aspect ratio outside 1.3 to 2.5, DMM 101.1.2a).
    pub nonmachinable: bool,
    /// Postage in dollars; `None` for a bare piece USPS does not take as a postcard or a
    /// letter (too small, or larger than a letter).
    pub postage: Option<f64>,
}

impl Rating {
    /// Whether it needs more than one stamp's worth of weight ([`over_one_ounce`]).
    pub fn over_one_ounce(&self) -> bool {
        over_one_ounce(self.ounces)
    }
}

impl Postage {
    /// Classifies and prices a piece: the one place `build`, the manifest and `check` get a
    /// piece's mail class, weight and postage from.
    ///
    /// In an envelope, the envelope's size decides: a large envelope (flat) pays the flat price
    /// by weight (DMM 101.1.1), anything smaller the letter price by weight plus the
    /// nonmachinable surcharge for its shape (DMM 101.1.2a). Bare, a piece of card size pays
    /// the card price (DMM 201.1.2.1), a larger one up to letter size the letter price.
    pub fn rate(&self, mailing: Mailing) -> Rating {
        match mailing {
            Mailing::Enveloped { width, height, contents_oz } => {
                let ounces = self.weights.envelope + contents_oz;
                let class = classify(width, height, false);
                let nonmachinable = nonmachinable_shape(width, height);
                let postage = if class == MailClass::Flat {
                    self.flat(ounces)
                } else {
                    self.letter(ounces, nonmachinable)
                };
                Rating { class, ounces, nonmachinable, postage: Some(postage) }
            }
            Mailing::Bare { width, height, ounces } => {
                let class = classify(width, height, true);
                let nonmachinable = class == MailClass::Letter && nonmachinable_shape(width, height);
                let postage = match class {
                    MailClass::Postcard => Some(self.prices.postcard),
                    MailClass::Letter => Some(self.letter(ounces, nonmachinable)),
                    MailClass::Flat | MailClass::TooSmall => None,
                };
                Rating { class, ounces, nonmachinable, postage }
            }
        }
    }
}

/// Rounds dollars to whole cents.
pub fn round_cents(dollars: f64) -> f64 {
    (dollars * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    #[test]
    fn postage_follows_the_table() {
        let p = Postage::builtin();
        assert_eq!(p.letter(0.4, false), 0.78);
        assert_eq!(p.letter(1.04, false), 1.07);
        assert_eq!(p.letter(0.5, true), 1.27);
        assert_eq!(p.prices.postcard, 0.61);
    }

    use super::*;

    #[test]
    fn envelopes_fit_the_guide() {
        let pick = |w: f32, h: f32| smallest_envelope_for(w * IN, h * IN).map(|e| e.name.as_str());
        assert_eq!(pick(4.25, 5.5), Some("envelope-a2"));
        assert_eq!(pick(5.0, 7.0), Some("envelope-a7"));
        assert_eq!(pick(5.5, 8.5), Some("envelope-a9"));
        assert_eq!(pick(105.0 / 25.4, 148.0 / 25.4), Some("envelope-c6"));
        assert_eq!(pick(12.0, 12.0), None);
        let letter = formats::find("us-letter", None).unwrap();
        let (w, h) = folded_in_thirds(letter);
        assert!(holds(envelope_for_letter(letter), w, h));
        let a4 = formats::find("a4", None).unwrap();
        let (w, h) = folded_in_thirds(a4);
        assert_eq!(envelope_for_letter(a4).name, "envelope-dl");
        assert!(holds(envelope_for_letter(a4), w, h));
    }

    #[test]
    fn mail_classes() {
        assert_eq!(classify(6.0 * IN, 4.0 * IN, true), MailClass::Postcard);
        assert_eq!(classify(7.0 * IN, 5.0 * IN, true), MailClass::Letter);
        assert_eq!(classify(9.5 * IN, 4.125 * IN, false), MailClass::Letter);
        assert_eq!(classify(229.0 * 72.0 / 25.4, 162.0 * 72.0 / 25.4, false), MailClass::Flat);
        assert_eq!(classify(4.0 * IN, 3.0 * IN, true), MailClass::TooSmall);
        assert!(nonmachinable_shape(5.5 * IN, 5.5 * IN));
        assert!(!nonmachinable_shape(9.5 * IN, 4.125 * IN));
        assert!(!nonmachinable_shape(5.75 * IN, 4.375 * IN));
    }

    #[test]
    fn rating_classifies_and_prices() {
        let p = Postage::builtin();
        let ten = (9.5 * IN, 4.125 * IN);
        let letter = |sheets: f64| {
            p.rate(Mailing::Enveloped { width: ten.0, height: ten.1, contents_oz: sheets * 0.16 })
        };
        assert_eq!((letter(4.0).over_one_ounce(), letter(4.0).postage), (false, Some(0.78)));
        assert_eq!((letter(5.0).over_one_ounce(), letter(5.0).postage), (true, Some(1.07)));
        let bare = |w: f32, h: f32| p.rate(Mailing::Bare { width: w * IN, height: h * IN, ounces: 0.25 });
        assert_eq!((bare(6.0, 4.0).class, bare(6.0, 4.0).postage), (MailClass::Postcard, Some(0.61)));
        assert_eq!((bare(7.0, 5.0).class, bare(7.0, 5.0).postage), (MailClass::Letter, Some(0.78)));
        assert!(bare(5.5, 5.5).nonmachinable);
        assert_eq!(bare(4.0, 3.0).postage, None);
        let square = p.rate(Mailing::Enveloped { width: 5.5 * IN, height: 5.5 * IN, contents_oz: 0.25 });
        assert_eq!((square.nonmachinable, square.postage), (true, Some(1.27)));
    }

    #[test]
    fn zones_on_a_number_ten() {
        let ocr = ocr_read_area(684.0, 297.0);
        assert_eq!((ocr.x, ocr.y, ocr.right(), ocr.bottom()), (36.0, 99.0, 648.0, 252.0));
        let clear = barcode_clear_zone(684.0, 297.0);
        assert_eq!((clear.x, clear.y, clear.width, clear.height), (342.0, 252.0, 342.0, 45.0));
    }

    #[test]
    fn usps_style_drops_punctuation() {
        assert_eq!(usps_style("Washington, D.C.  20528-0485"), "WASHINGTON DC 20528-0485");
        assert_eq!(
            usps_style("2707 Martin Luther King Jr. Ave SE, #12"),
            "2707 MARTIN LUTHER KING JR AVE SE #12"
        );
    }
}
