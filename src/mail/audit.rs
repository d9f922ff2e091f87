//! The address side of a mail piece checked against the Postal Service's rules: it has a
//! delivery address, nothing else prints where the sorting machines read it, and nothing at all
//! prints where they spray their barcode. `build`, `render`, `preview` and `check` all check an
//! address side here, from what each element inked.

use crate::base::diag::Diagnostic;
use crate::base::units::Rect;

use super::{barcode_clear_zone, ocr_read_area};

/// How far ink may run over a zone's edge before it counts as inside: half a point, so a
/// 0.5 pt stroke drawn on the edge is not a finding.
const TOUCH: f32 = 0.5;

/// What kind of address side it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// An envelope: only the delivery address belongs in the OCR read area (mail-rules 2.1).
    Envelope,
    /// A postcard's address side: the message may take the read area left of the delivery
    /// address (mail-rules 2.5); only what reaches the address's own column is a finding.
    Postcard,
}

/// One element on an address side, as it printed.
#[derive(Debug, Clone, Copy)]
pub struct Mark<'a> {
    /// Its label for messages ("text element `return address`").
    pub label: &'a str,
    /// The extent of its ink on the page (trim-box coordinates plus the page's bleed, as laid
    /// out); `None` when it printed nothing.
    pub ink: Option<Rect>,
    /// Whether it is a delivery address (an `address` element).
    pub delivery: bool,
}

/// A finding: which mark it is about (`None` for the side as a whole) and the diagnostic,
/// with its code, message and hint but without a file or line (the caller knows those).
pub type Finding = (Option<usize>, Diagnostic);

/// Checks one address side whose trim box is `trim` (in page coordinates): that it has a
/// delivery address that prints (mail-rules 2.1), that nothing else inks the OCR read area
/// (mail-rules 2.1, Pub 28 A1; on a postcard, the address's column of it, mail-rules 2.5), and
/// that nothing inks the barcode clear zone (mail-rules 2.2). `what` names the piece for
/// messages ("an envelope-10 envelope", "the postcard's address side").
pub fn audit(trim: Rect, side: Side, what: &str, marks: &[Mark]) -> Vec<Finding> {
    let mut out = Vec::new();
    let shift = |r: Rect| Rect::new(r.x + trim.x, r.y + trim.y, r.width, r.height);
    let ocr = shift(ocr_read_area(trim.width, trim.height));
    let clear = shift(barcode_clear_zone(trim.width, trim.height));

    // A delivery address, and one that prints (DMM 202.2.1; mail-rules 2.1).
    let delivery: Vec<usize> = (0..marks.len()).filter(|&i| marks[i].delivery).collect();
    if delivery.is_empty() {
        out.push((
            None,
            Diagnostic::error(format!(
                "{what} has no delivery address: it has no `address` element, so it would go into the mail unaddressed (docs/mail-rules.md 2.1)"
            ))
            .code("mail.no-address")
            .hint("add an element with kind = \"address\"; its text is {delivery_address} unless you give one"),
        ));
    } else if delivery.iter().all(|&i| marks[i].ink.is_none()) {
        let i = delivery[0];
        out.push((
            Some(i),
            Diagnostic::error(format!(
                "{}: prints no address: its text is empty once the data is filled in, so {what} would go into the mail unaddressed (docs/mail-rules.md 2.1)",
                marks[i].label
            ))
            .code("mail.empty-address")
            .hint("give the address a value (delivery_address under [data], or the element's text), and check its `when` and `unless`"),
        ));
    }

    // Nothing else in the read area, where it may be read as the address (Pub 28 A1: other
    // printing goes above the address, as far from it as possible). A postcard keeps the
    // part left of the address for the message (mail-rules 2.5).
    let address_left = delivery.iter().filter_map(|&i| marks[i].ink).map(|r| r.x).reduce(f32::min);
    let zone = match (side, address_left) {
        (Side::Postcard, Some(left)) => Rect::new(left, ocr.y, (ocr.right() - left).max(0.0), ocr.height),
        (Side::Postcard, None) => Rect::new(0.0, 0.0, 0.0, 0.0),
        (Side::Envelope, _) => ocr,
    };
    for (i, mark) in marks.iter().enumerate() {
        let Some(ink) = mark.ink else { continue };
        // (Without a delivery address, that it has none is the finding.)
        if !mark.delivery && !delivery.is_empty() && overlaps(ink, zone) {
            let hint = match side {
                Side::Envelope => {
                    "move it above the read area (the return address and stamp go in the upper corners) or below it on the left, or make it smaller"
                }
                Side::Postcard => "keep it left of the delivery address, or above the read area",
            };
            out.push((
                Some(i),
                Diagnostic::warning(format!(
                    "{}: prints inside the USPS OCR read area (1/2 in from the left and right edges, 5/8 to 2 3/4 in above the bottom){}, where sorting machines may read it as the address (docs/mail-rules.md 2.1)",
                    mark.label,
                    if side == Side::Postcard { " beside or around the delivery address" } else { "" }
                ))
                .code("mail.read-area-ink")
                .hint(hint),
            ));
        }
        // The barcode clear zone stays empty (Pub 28 A1; mail-rules 2.2).
        if overlaps(ink, clear) {
            out.push((
                Some(i),
                Diagnostic::warning(format!(
                    "{}: prints in the USPS barcode clear zone (the lower-right 4 3/4 x 5/8 in of the address side); mail sorters print a barcode there (docs/mail-rules.md 2.2)",
                    mark.label
                ))
                .code("mail.barcode-zone")
                .hint("move it up out of the bottom 5/8 in, or to the left of the zone"),
            ));
        }
    }
    out
}

/// Whether `a` runs more than [`TOUCH`] into `b` both ways.
fn overlaps(a: Rect, b: Rect) -> bool {
    let x = a.right().min(b.right()) - a.x.max(b.x);
    let y = a.bottom().min(b.bottom()) - a.y.max(b.y);
    x > TOUCH && y > TOUCH
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::units::PT_PER_IN;

    const IN: f32 = PT_PER_IN;

    fn mark(label: &str, x: f32, y: f32, w: f32, h: f32, delivery: bool) -> Mark<'_> {
        Mark { label, ink: Some(Rect::new(x * IN, y * IN, w * IN, h * IN)), delivery }
    }

    fn codes(findings: &[Finding]) -> Vec<(Option<usize>, &str)> {
        findings.iter().map(|(i, d)| (*i, d.code.unwrap_or(""))).collect()
    }

    /// A #10 envelope, 9.5 x 4.125 in: read area x 0.5-9, y 1.375-3.5; clear zone x 4.75-9.5,
    /// y 3.5-4.125.
    fn ten() -> Rect {
        Rect::new(0.0, 0.0, 9.5 * IN, 4.125 * IN)
    }

    #[test]
    fn a_clean_envelope_has_no_findings() {
        let marks = [
            mark("return", 0.375, 0.375, 3.0, 0.75, false),
            mark("stamp", 8.2, 0.3, 0.9, 1.075, false), // touches the read area's top by 0
            mark("address", 3.75, 2.0, 4.0, 0.9, true),
            mark("campaign line", 0.375, 3.6, 3.0, 0.25, false),
        ];
        assert!(audit(ten(), Side::Envelope, "the envelope", &marks).is_empty());
    }

    #[test]
    fn unaddressed_and_empty_addresses_are_errors() {
        let none = audit(ten(), Side::Envelope, "the envelope", &[mark("return", 0.4, 0.4, 2.0, 0.5, false)]);
        assert_eq!(codes(&none), [(None, "mail.no-address")]);
        assert!(none[0].1.message.starts_with("the envelope has no delivery address"));
        let empty = [Mark { label: "address element #2", ink: None, delivery: true }];
        let found = audit(ten(), Side::Envelope, "the envelope", &empty);
        assert_eq!(codes(&found), [(Some(0), "mail.empty-address")]);
        assert_eq!(found[0].1.severity, crate::base::diag::Severity::Error);
    }

    #[test]
    fn other_ink_in_the_read_area_and_anything_in_the_clear_zone_are_warnings() {
        let marks = [
            mark("return", 0.375, 0.375, 3.0, 1.3, false), // down to 1.675: into the read area
            mark("address", 3.75, 2.0, 4.0, 0.9, true),
            mark("hashtag", 6.0, 3.6, 1.5, 0.3, false), // in the clear zone only
        ];
        let found = audit(ten(), Side::Envelope, "the envelope", &marks);
        assert_eq!(codes(&found), [(Some(0), "mail.read-area-ink"), (Some(2), "mail.barcode-zone")]);
        assert!(found.iter().all(|(_, d)| d.severity == crate::base::diag::Severity::Warning));
    }

    #[test]
    fn a_postcard_keeps_the_left_of_its_address_for_the_message() {
        // 6 x 4 in with 1/8 in bleed: the trim box starts at 9 pt.
        let b = 0.125;
        let trim = Rect::new(b * IN, b * IN, 6.0 * IN, 4.0 * IN);
        let marks = [
            mark("message lines", b + 0.25, b + 1.5, 2.5, 1.8, false),
            mark("address", b + 3.05, b + 2.0, 2.4, 0.6, true),
            mark("sticker", b + 4.0, b + 1.3, 0.5, 0.5, false), // above the address, in its column
        ];
        let found = audit(trim, Side::Postcard, "the postcard", &marks);
        assert_eq!(codes(&found), [(Some(2), "mail.read-area-ink")]);
        // The same message lines on an envelope-like side are a finding.
        let found = audit(trim, Side::Envelope, "the card", &marks);
        assert_eq!(codes(&found)[0], (Some(0), "mail.read-area-ink"));
    }
}
