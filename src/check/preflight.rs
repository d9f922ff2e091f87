//! Checks on a laid-out design: whether it can be mailed as the piece it is (USPS size, shape,
//! address direction, weight) and whether it prints well (safe zone, bleed, picture
//! resolution, type size). The one layout's pages record which element made which items, so
//! every message can name the element and its line.

use crate::base::diag::Diagnostic;
use crate::base::formats::Kind;
use crate::base::units::{PT_PER_IN, Rect};
use crate::layout::{self, Item, Page};
use crate::mail::{self, MailClass, Mailing, Postage};
use crate::model::design::{Body, Design, Element};

/// The resolution print shops ask for (docs/mail-rules.md 5).
pub const PRINT_DPI: f32 = 300.0;
/// The smallest type print shops accept (docs/mail-rules.md 5: 6-7 pt).
pub const MIN_TEXT_PT: f32 = 6.0;
/// How close to an edge counts as touching it, in points.
const TOUCH: f32 = 0.5;

/// How a design's pieces go through the mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// Mailed bare, like a postcard.
    Bare,
    /// An envelope (the design prints on it).
    Envelope,
    /// A sheet letter folded in thirds into an envelope.
    Letter,
    /// A folded card in its own envelope.
    FoldedCard,
    /// Not a mail piece by itself (a custom size with no address).
    Other,
}

/// What a design is, from its format, fold and elements.
pub fn piece_of(design: &Design) -> Piece {
    if design.fold.is_some() {
        return Piece::FoldedCard;
    }
    match design.format.map(|f| f.kind) {
        Some(Kind::Envelope) => Piece::Envelope,
        Some(Kind::Postcard) => Piece::Bare,
        Some(Kind::Card) => Piece::FoldedCard,
        Some(Kind::Paper) => Piece::Letter,
        None if design.elements.iter().any(|e| matches!(e.body, Body::Address(_))) => Piece::Bare,
        None => Piece::Other,
    }
}

/// Which mail checks to make: a kit's build already checks the size of its pieces and
/// envelopes, so `letterkit check` on a kit leaves those out to say each thing once.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Check size, shape and weight of the piece.
    pub mail_size: bool,
}

fn inches(pt: f32) -> String {
    let v = pt / PT_PER_IN;
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn size_words(w: f32, h: f32) -> String {
    format!("{} x {} in", inches(w.min(h)), inches(w.max(h)))
}

/// The mail checks for a design as one piece: size class, shape, address direction, weight.
/// `printed_pages` is how many pages one piece prints on (continuation pages included).
pub fn mail_checks(design: &Design, printed_pages: usize, options: Options) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let file = || design.path.clone();
    let postage = Postage::builtin();
    let (w, h) = (design.width, design.height);
    let piece = piece_of(design);

    // The address must run along the long side (QSG 201: length is the side parallel to the
    // address; DMM 101.1.2g: an address parallel to the short side makes a letter
    // nonmachinable, and a 4 x 6 card addressed along 4 in is nonmailable).
    for element in design.elements.iter().filter(|e| matches!(e.body, Body::Address(_))) {
        if w < h {
            out.push(
                Diagnostic::error(format!(
                    "{}: the address runs along the {} in side, the short one; USPS measures a piece's length along the address, so this piece would be nonmailable or pay the nonmachinable surcharge (QSG 201, DMM 101.1.2)",
                    element.label,
                    inches(w)
                ))
                .code("mail.address-orientation")
                .in_file(file())
                .at(element.line, 1)
                .hint("turn the page: orientation = \"landscape\" (the address side of a card or envelope is wider than tall)"),
            );
        }
    }
    if !options.mail_size {
        if piece == Piece::Bare {
            out.extend(bare_price(design));
        }
        return out;
    }
    match piece {
        Piece::Bare => match mail::classify(w, h, true) {
            MailClass::TooSmall => out.push(
                Diagnostic::error(format!(
                    "a {} piece is too small to mail: USPS takes pieces at least 3 1/2 x 5 in (DMM 601.1.2)",
                    size_words(w, h)
                ))
                .code("mail.too-small")
                .in_file(file())
                .hint("use a postcard format such as postcard-4x6 (see `letterkit layouts`)"),
            ),
            MailClass::Flat => out.push(
                Diagnostic::error(format!(
                    "a {} card is larger than a letter (at most 6 1/8 x 11 1/2 in, DMM 101.1.1): mailed bare it is not a postcard or a letter",
                    size_words(w, h)
                ))
                .code("mail.card-too-large")
                .in_file(file())
                .hint("make it at most 4 1/4 x 6 in for card price, or 6 1/8 x 11 1/2 in for letter price"),
            ),
            _ => out.extend(bare_price(design)),
        },
        Piece::Envelope => {
            match mail::classify(w, h, false) {
                MailClass::TooSmall => out.push(
                    Diagnostic::error(format!(
                        "a {} envelope is too small to mail: USPS takes pieces at least 3 1/2 x 5 in (DMM 601.1.2)",
                        size_words(w, h)
                    ))
                    .code("mail.too-small")
                    .in_file(file()),
                ),
                MailClass::Flat => out.push(
                    Diagnostic::warning(format!(
                        "a {} envelope is larger than a letter (6 1/8 x 11 1/2 in, DMM 101.1.1): it pays the large-envelope price (${:.2})",
                        size_words(w, h),
                        postage.prices.flat_first_ounce
                    ))
                    .code("mail.flat-envelope")
                    .in_file(file()),
                ),
                _ => {
                    if mail::nonmachinable_shape(w, h) {
                        out.push(nonmachinable(design, "envelope", w, h));
                    }
                }
            }
        }
        Piece::FoldedCard => match mail::smallest_envelope_for(w, h) {
            None => out.push(
                Diagnostic::error(format!(
                    "a {} card fits no standard envelope with 1/8 in to spare",
                    size_words(w, h)
                ))
                .code("mail.envelope-fit")
                .in_file(file())
                .hint("make the card smaller; `letterkit layouts` lists the envelopes"),
            ),
            Some(e) => {
                if mail::classify(e.width, e.height, false) == MailClass::Flat {
                    out.push(
                        Diagnostic::warning(format!(
                            "the card's envelope ({}) is larger than a letter (6 1/8 x 11 1/2 in): it pays the large-envelope price (${:.2})",
                            e.name, postage.prices.flat_first_ounce
                        ))
                        .code("mail.envelope-fit")
                        .in_file(file()),
                    );
                } else if mail::nonmachinable_shape(e.width, e.height) {
                    out.push(nonmachinable(design, &format!("{} envelope", e.name), e.width, e.height));
                }
            }
        },
        Piece::Letter => {
            let weights = &postage.weights;
            let letter_area = 8.5 * 11.0 * PT_PER_IN * PT_PER_IN;
            let sheet = match design.format.map(|f| f.name.as_str()) {
                Some("a4") => weights.sheet_a4,
                _ => weights.sheet_us_letter * f64::from(w * h / letter_area),
            };
            let paper = design.format.expect("a letter is on a paper format");
            let envelope = mail::envelope_for_letter(paper);
            let rating = postage.rate(Mailing::Enveloped {
                width: envelope.width,
                height: envelope.height,
                contents_oz: sheet * printed_pages as f64,
            });
            if rating.over_one_ounce() {
                out.push(
                    Diagnostic::warning(format!(
                        "the letter prints on {printed_pages} sheets: with its envelope about {:.2} oz, over one ounce, so it needs ${:.2} postage instead of ${:.2} (docs/mail-rules.md 6)",
                        rating.ounces,
                        rating.postage.unwrap_or_default(),
                        postage.letter(0.5, false)
                    ))
                    .code("mail.weight")
                    .in_file(file())
                    .hint("shorten the letter, or put an extra-ounce stamp on it"),
                );
            }
        }
        Piece::Other => {}
    }
    out
}

/// A bare card that is mailable but not at card price, or pays the surcharge.
fn bare_price(design: &Design) -> Vec<Diagnostic> {
    let postage = Postage::builtin();
    let (w, h) = (design.width, design.height);
    let mut out = Vec::new();
    let rating = postage.rate(Mailing::Bare { width: w, height: h, ounces: postage.weights.card });
    if rating.class == MailClass::Letter {
        out.push(
            Diagnostic::warning(format!(
                "a {} card is larger than card price allows (3 1/2 - 4 1/4 x 5 - 6 in, DMM 201.1.2.1): it pays the letter price (${:.2}), not ${:.2}",
                size_words(w, h),
                postage.letter(0.5, false),
                postage.prices.postcard
            ))
            .code("mail.card-price")
            .in_file(&design.path)
            .hint("use postcard-4x6 or postcard-4.25x6 for card price"),
        );
        if rating.nonmachinable {
            out.push(nonmachinable(design, "card", w, h));
        }
    }
    out
}

fn nonmachinable(design: &Design, what: &str, w: f32, h: f32) -> Diagnostic {
    let ratio = w.max(h) / w.min(h);
    Diagnostic::warning(format!(
        "a {} {what} has an aspect ratio of {ratio:.2} (length / height), outside 1.3 to 2.5: it is nonmachinable and pays a ${:.2} surcharge (DMM 101.1.2a)",
        size_words(w, h),
        Postage::builtin().prices.nonmachinable_surcharge
    ))
    .code("mail.aspect-ratio")
    .in_file(&design.path)
    .hint(if ratio < 1.3 { "square and nearly square pieces pay it; make it longer" } else { "make it less elongated" })
}

/// The print checks, element by element: safe zone, bleed, picture resolution, type size
/// (the address side's zones are [`crate::kit::audit_mail`]'s). `pages` are the design's pages as
/// [`layout::layout_pages`] lays them out (not folded), each knowing which element made which
/// items; elements that could not be laid out are left out (layout reports them).
pub fn print_checks(design: &Design, pages: &[Page]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Each element's items, page by page, in the order the pages come.
    let mut made: Vec<Vec<(&Page, &[Item])>> = vec![Vec::new(); design.elements.len()];
    for page in pages {
        for (element, items) in page.made() {
            if let Some(own) = made.get_mut(element) {
                own.push((page, items));
            }
        }
    }
    for (element, own) in design.elements.iter().zip(&made) {
        check_element(design, element, own, &mut out);
    }
    out
}

fn check_element(design: &Design, element: &Element, pages: &[(&Page, &[Item])], out: &mut Vec<Diagnostic>) {
    let at = |d: Diagnostic| d.in_file(&design.path).at(element.line, 1);
    let Some(&(first, _)) = pages.first() else { return };
    let items: Vec<&Item> = pages.iter().flat_map(|(_, items)| *items).collect();
    if items.is_empty() {
        return;
    }
    let trim = first.trim;
    let bleed = design.bleed;
    let Some(ink) = pages.iter().filter_map(|(_, items)| layout::ink_bounds(items)).reduce(union) else {
        return;
    };

    // Backgrounds: a fill or picture that reaches a trim edge must go on into the bleed when
    // the design has bleed, or a slightly off cut leaves a white sliver (print-shop spec,
    // docs/mail-rules.md 5: 1/8 in bleed).
    let background = matches!(element.body, Body::Image(_))
        || matches!(&element.body, Body::Rect { paint, .. } | Body::Ellipse { paint } if paint.fill.is_some());
    let touches = [
        ("left", ink.x <= trim.x + TOUCH, ink.x <= trim.x - bleed + TOUCH),
        ("top", ink.y <= trim.y + TOUCH, ink.y <= trim.y - bleed + TOUCH),
        ("right", ink.right() >= trim.right() - TOUCH, ink.right() >= trim.right() + bleed - TOUCH),
        ("bottom", ink.bottom() >= trim.bottom() - TOUCH, ink.bottom() >= trim.bottom() + bleed - TOUCH),
    ];
    let short_of_bleed: Vec<&str> =
        touches.iter().filter(|(_, touch, into)| *touch && !*into).map(|(side, ..)| *side).collect();
    let reaches_trim = touches.iter().any(|(_, touch, _)| *touch);
    if background && bleed > 0.0 && !short_of_bleed.is_empty() {
        out.push(at(Diagnostic::warning(format!(
            "{}: reaches the trim edge ({}) but stops there instead of going on into the {} in bleed; a cut a hair off leaves a white sliver",
            element.label,
            short_of_bleed.join(", "),
            inches(bleed)
        ))
        .code("print.bleed")
        .hint("add `bleed = true` to the element")));
    }

    // The safe zone: keep everything that matters inside `safe` from the trim edge, where no
    // cut reaches (print-shop spec, docs/mail-rules.md 5); backgrounds that run into the
    // bleed are exempt, and so are backgrounds on a design without bleed (home printing).
    let safe = Rect::new(
        trim.x + design.safe,
        trim.y + design.safe,
        trim.width - 2.0 * design.safe,
        trim.height - 2.0 * design.safe,
    );
    let exempt = background && reaches_trim;
    if !exempt && design.safe > 0.0 && !safe.contains(&ink) {
        let distance =
            [ink.x - trim.x, ink.y - trim.y, trim.right() - ink.right(), trim.bottom() - ink.bottom()]
                .into_iter()
                .fold(f32::INFINITY, f32::min);
        out.push(at(Diagnostic::warning(format!(
            "{}: reaches {} in from the trim edge, outside the safe zone ({} in); the cut or the printer's margin may take it off",
            element.label,
            inches(distance.max(0.0)),
            inches(design.safe)
        ))
        .code("print.safe-zone")
        .hint(format!("keep it at least {} in from every edge", inches(design.safe)))));
    }

    // Pictures: 300 dpi at the size they print (docs/mail-rules.md 5). Layout already warns
    // below 150 dpi for pictures wider than an inch.
    for item in &items {
        if let Item::Image(image) = item {
            let (px_w, px_h) = (image.picture.width_px as f32, image.picture.height_px as f32);
            let dpi = layout::print_dpi(px_w, px_h, image.rect);
            let layout_warned = layout::blurry(dpi, image.clip.unwrap_or(image.rect));
            if dpi < PRINT_DPI - 0.5 && !layout_warned {
                let need_w = (image.rect.width / PT_PER_IN * PRINT_DPI).ceil();
                let need_h = (image.rect.height / PT_PER_IN * PRINT_DPI).ceil();
                out.push(at(Diagnostic::warning(format!(
                    "{}: {} is {} x {} pixels and prints at {dpi:.0} dpi; print shops ask for 300 dpi",
                    element.label,
                    image.picture.path.display(),
                    image.picture.width_px,
                    image.picture.height_px
                ))
                .code("print.resolution")
                .hint(format!("use a picture of at least {need_w} x {need_h} pixels, or print it smaller"))));
            }
        }
    }

    // Type size: print shops take 6 pt and up (docs/mail-rules.md 5).
    let smallest = items
        .iter()
        .filter_map(|i| match i {
            Item::Text(run) => Some(run.size),
            _ => None,
        })
        .fold(f32::INFINITY, f32::min);
    if smallest < MIN_TEXT_PT - 0.01 {
        out.push(at(Diagnostic::warning(format!(
            "{}: text prints at {smallest:.2} pt, smaller than 6 pt, the smallest print shops accept and many people can read",
            element.label
        ))
        .code("print.small-text")
        .hint("make the text or its shrink_to at least 6pt, or the box larger")));
    }
}

fn union(a: Rect, b: Rect) -> Rect {
    let (x0, y0) = (a.x.min(b.x), a.y.min(b.y));
    Rect::new(x0, y0, a.right().max(b.right()) - x0, a.bottom().max(b.bottom()) - y0)
}
