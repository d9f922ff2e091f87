//! Where things go on the address side of a mail piece: the delivery and return address,
//! the stamp and the piece number on an envelope, the default address box of a postcard, and
//! where a long address line may be broken onto the next line. Only geometry and rules, in
//! points with y down from the top-left corner; the kit sets the type (`kit/pages.rs`) and the
//! layout places a design's own address box.

use crate::base::units::{PT_PER_IN, Rect};

use super::{barcode_clear_zone, ocr_read_area};

const IN: f32 = PT_PER_IN;

/// Space kept between the delivery address and the stamp box or return address.
const ADDRESS_GAP: f32 = 6.0;

/// Space kept between the return address and the stamp box.
const RETURN_GAP: f32 = 0.25 * IN;

/// The most lines an address block may have once its long lines are broken: Pub 28's line
/// order runs from the optional non-address data line through the attention, recipient and
/// delivery address lines to the last line, five in all (docs/mail-rules.md 2.6).
pub const MAX_ADDRESS_LINES: usize = 5;

/// The smallest size a delivery address is set in to fit: 8 pt, the smallest the Postal
/// Service's addressing guidance allows without a barcode (docs/mail-rules.md 2.4).
pub const DELIVERY_FLOOR: f32 = 8.0;

/// The smallest size a return address, or other text on an address side, is set in to fit:
/// 7 pt (docs/mail-rules.md 2.6; USPS recommends 8 pt or more, print shops print 6-7 pt).
pub const ADDRESS_SIDE_FLOOR: f32 = 7.0;

/// The size the kit's envelopes set a return address in when it fits.
pub const RETURN_SIZE: f32 = 9.0;

/// The return address's baseline distance as a multiple of its size.
pub const RETURN_LEADING: f32 = 1.22;

/// The zones of an envelope's address side, `width` x `height` points (landscape), from which
/// every position on it is measured.
#[derive(Debug, Clone, Copy)]
pub struct EnvelopeZones {
    /// The page: the envelope, wider than tall.
    pub width: f32,
    pub height: f32,
    /// The OCR read area ([`ocr_read_area`]): the delivery address goes inside it.
    pub ocr: Rect,
    /// The barcode clear zone ([`barcode_clear_zone`]): nothing prints there.
    pub clear: Rect,
    /// The distance of the return address from the top and left edges.
    pub edge: f32,
    /// The stamp box: 0.875 x 1 in, 1/4 in from the top and right edges (upper right of the
    /// address side, IMM 153 / docs/mail-rules.md 2.3).
    pub stamp: Rect,
    /// The return address's width, upper left.
    pub return_width: f32,
}

/// The zones of an envelope `a` x `b` points (either way round) whose format asks for
/// `margin` points from the edges.
pub fn envelope_zones(a: f32, b: f32, margin: f32) -> EnvelopeZones {
    let (w, h) = (a.max(b), a.min(b));
    let edge = margin.min(0.375 * IN);
    EnvelopeZones {
        width: w,
        height: h,
        ocr: ocr_read_area(w, h),
        clear: barcode_clear_zone(w, h),
        edge,
        stamp: Rect::new(w - 0.25 * IN - 0.875 * IN, 0.25 * IN, 0.875 * IN, 1.0 * IN),
        return_width: (w / 2.0 - edge).min(3.2 * IN),
    }
}

impl EnvelopeZones {
    /// The lowest the return address may reach: above the OCR read area (Pub 28; "keep your
    /// return address above the bottom 2 3/4 in", docs/mail-rules.md 2.3).
    pub fn return_bottom(&self) -> f32 {
        self.ocr.y - 2.0
    }

    /// The box a printed return address goes in: from [`EnvelopeZones::edge`] at the upper
    /// left, as wide as the room left of the stamp box, down to
    /// [`EnvelopeZones::return_bottom`]. Every envelope's box holds [`MAX_ADDRESS_LINES`]
    /// lines at [`ADDRESS_SIDE_FLOOR`] (a test proves it), so any return address whose lines
    /// fit its width at that size lies above the OCR read area (docs/mail-rules.md 2.3).
    pub fn return_box(&self) -> Rect {
        Rect::new(
            self.edge,
            self.edge,
            self.stamp.x - RETURN_GAP - self.edge,
            self.return_bottom() - self.edge,
        )
    }

    /// Lines to write a return address on by hand: the gap between them and their length,
    /// the first one gap below [`EnvelopeZones::edge`].
    pub fn return_writing_lines(&self) -> (f32, f32) {
        (((self.ocr.y - 4.0 - self.edge) / 3.5).min(0.25 * IN), self.return_width * 0.85)
    }

    /// The top-left corner of a delivery address block `bw` x `bh` points: centred in the OCR
    /// read area (DMM 202.2.1), moved down clear of the stamp box and the return address
    /// (`return_rect`); `None` when it then no longer fits in the OCR read area.
    pub fn delivery_address(&self, bw: f32, bh: f32, return_rect: Rect) -> Option<(f32, f32)> {
        let ocr = self.ocr;
        let x = ocr.x + (ocr.width - bw) / 2.0;
        let mut top = ocr.y + (ocr.height - bh) / 2.0;
        let overlaps = |top: f32, r: Rect| Rect::new(x, top, bw, bh).intersects(&r.outset(4.0));
        if overlaps(top, self.stamp) {
            top = top.max(self.stamp.bottom() + ADDRESS_GAP);
        }
        if overlaps(top, return_rect) {
            top = top.max(return_rect.bottom() + ADDRESS_GAP);
        }
        (top + bh <= ocr.bottom()).then_some((x, top))
    }

    /// Where the piece number goes, as (x, top, width): below the OCR read area at the lower
    /// left, outside the barcode clear zone (Pub 28 A1).
    pub fn piece_number(&self) -> (f32, f32, f32) {
        (self.edge, self.height - 0.3 * IN, self.clear.x - self.edge)
    }

    /// Whether a piece number whose block ends at `right` stays clear of the barcode clear zone.
    pub fn piece_number_fits(&self, right: f32) -> bool {
        right <= self.clear.x - 2.0
    }

    /// Where the piece number goes on an envelope too narrow for [`EnvelopeZones::piece_number`],
    /// as (x, top, width): centred at the top edge, between the return address and the stamp.
    pub fn piece_number_at_top(&self) -> (f32, f32, f32) {
        (self.return_width + self.edge, 0.12 * IN, self.stamp.x - self.return_width - 2.0 * self.edge)
    }
}

/// The default address box of a card or postcard `width` x `height` points, as its left, top,
/// right and bottom edges: the right part of the OCR read area (DMM 202.2.1), since the left
/// half of a postcard's address side is for the message.
pub fn address_box(width: f32, height: f32) -> [f32; 4] {
    let ocr = ocr_read_area(width, height);
    [ocr.x.max(width * 0.5), ocr.y, ocr.right(), ocr.bottom()]
}

/// Secondary unit designators that take a number or letter after them ("APT 4B", "SUITE 100"),
/// as written out and abbreviated (Pub 28 Appendix C2; docs/mail-rules.md 2.6), and PMB.
const UNIT_DESIGNATORS: &[&str] = &[
    "APARTMENT",
    "APT",
    "BUILDING",
    "BLDG",
    "DEPARTMENT",
    "DEPT",
    "FLOOR",
    "FL",
    "HANGAR",
    "HNGR",
    "KEY",
    "LOT",
    "PIER",
    "ROOM",
    "RM",
    "SLIP",
    "SPACE",
    "SPC",
    "STOP",
    "SUITE",
    "STE",
    "TRAILER",
    "TRLR",
    "UNIT",
    "PMB",
];

/// Secondary unit designators that stand alone at the end of a line ("REAR", "BSMT")
/// (Pub 28 Appendix C2; docs/mail-rules.md 2.6).
const LONE_DESIGNATORS: &[&str] = &[
    "BASEMENT",
    "BSMT",
    "FRONT",
    "FRNT",
    "LOBBY",
    "LBBY",
    "LOWER",
    "LOWR",
    "OFFICE",
    "OFC",
    "PENTHOUSE",
    "PH",
    "REAR",
    "SIDE",
    "UPPER",
    "UPPR",
];

/// Where a too-long address line may be broken, as byte offsets (end of the first part, start
/// of the rest), in order: after a comma, and before a secondary unit designator ("Apt 12B",
/// "Suite 100", "# 4", "Rear"), never inside a word (docs/mail-rules.md 2.6). A designator
/// counts only where it is one: followed by a unit number (a word with a digit, or a single
/// letter) or, for those that stand alone, last on the line; so "12 Front Street" has none.
pub fn address_breaks(line: &str) -> Vec<(usize, usize)> {
    let words: Vec<(usize, &str)> =
        line.split_whitespace().map(|w| (w.as_ptr() as usize - line.as_ptr() as usize, w)).collect();
    let plain = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '#').to_uppercase();
    let unit_number = |w: &str| {
        let w = plain(w);
        w.chars().any(|c| c.is_ascii_digit())
            || (w.chars().count() == 1 && w.chars().all(char::is_alphabetic))
    };
    let mut breaks = Vec::new();
    for i in 1..words.len() {
        let (start, word) = words[i];
        let (prev_start, prev) = words[i - 1];
        let designator = plain(word);
        let next = words.get(i + 1).map(|w| w.1);
        let is_break = prev.ends_with(',')
            || word.starts_with('#')
            || (UNIT_DESIGNATORS.contains(&designator.as_str()) && next.is_some_and(unit_number))
            || (LONE_DESIGNATORS.contains(&designator.as_str()) && next.is_none());
        if is_break {
            breaks.push((prev_start + prev.len(), start));
        }
    }
    breaks
}

/// Whether ink covering `ink` prints in the barcode clear zone of an address side `width` x
/// `height` points whose trim box starts `bleed` points in from the page's corner (Pub 28 A1).
pub fn in_barcode_clear_zone(ink: Rect, width: f32, height: f32, bleed: f32) -> bool {
    let z = barcode_clear_zone(width, height);
    ink.intersects(&Rect::new(z.x + bleed, z.y + bleed, z.width, z.height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_ten_envelope() {
        let z = envelope_zones(9.5 * IN, 4.125 * IN, 0.375 * IN);
        assert_eq!((z.stamp.x, z.stamp.y, z.stamp.right(), z.stamp.bottom()), (603.0, 18.0, 666.0, 90.0));
        let (x, top) = z.delivery_address(200.0, 60.0, Rect::new(27.0, 27.0, 200.0, 40.0)).unwrap();
        assert_eq!((x, top), (242.0, 145.5));
        assert!(z.delivery_address(200.0, 200.0, Rect::new(27.0, 27.0, 200.0, 40.0)).is_none());
        let (px, py, _) = z.piece_number();
        assert!(px < z.clear.x && py + 8.0 <= z.height);
    }

    #[test]
    fn address_lines_break_after_commas_and_before_units() {
        fn parts(line: &str) -> Vec<(&str, &str)> {
            address_breaks(line).iter().map(|&(end, start)| (&line[..end], &line[start..])).collect()
        }
        assert_eq!(
            parts("12345 North Martin Luther King Jr Boulevard, Apartment 12B"),
            [("12345 North Martin Luther King Jr Boulevard,", "Apartment 12B")]
        );
        assert_eq!(parts("12 ELM ST APT 4B"), [("12 ELM ST", "APT 4B")]);
        assert_eq!(parts("500 Main St Ste. 100"), [("500 Main St", "Ste. 100")]);
        assert_eq!(parts("9 Oak Ave # 3"), [("9 Oak Ave", "# 3")]);
        assert_eq!(parts("9 Oak Ave #3"), [("9 Oak Ave", "#3")]);
        assert_eq!(parts("77 Pine Rd Unit C"), [("77 Pine Rd", "Unit C")]);
        assert_eq!(parts("4 Hill St Rear"), [("4 Hill St", "Rear")]);
        assert_eq!(
            parts("1 Plaza, Bldg 2 Floor 3"),
            [("1 Plaza,", "Bldg 2 Floor 3"), ("1 Plaza, Bldg 2", "Floor 3")]
        );
        // Street names that only look like designators, and words, are never break points.
        assert!(parts("12 Front Street").is_empty());
        assert!(parts("3 Lower Main Street").is_empty());
        assert!(parts("María de los Ángeles Fernández-Villaverde y Rodríguez").is_empty());
        assert!(parts("Apt 4").is_empty(), "nothing to break off before the first word");
    }

    #[test]
    fn every_return_box_lies_above_the_read_area_left_of_the_stamp() {
        // That each holds five lines of 60 characters at the floor is tested with real type
        // in kit/pages.rs.
        for format in crate::mail::envelopes() {
            let z = envelope_zones(format.width, format.height, format.margin);
            let b = z.return_box();
            assert!(b.bottom() < z.ocr.y && b.right() < z.stamp.x, "{}", format.name);
            assert!(b.x >= z.edge && b.y >= z.edge && b.height > 0.0, "{}", format.name);
        }
    }

    #[test]
    fn a_postcard_address_box_is_the_right_of_the_ocr_area() {
        let [left, top, right, bottom] = address_box(6.0 * IN, 4.0 * IN);
        assert_eq!([left, top, right, bottom], [216.0, 90.0, 396.0, 243.0]);
        assert!(in_barcode_clear_zone(Rect::new(300.0, 260.0, 10.0, 10.0), 6.0 * IN, 4.0 * IN, 0.0));
        assert!(!in_barcode_clear_zone(Rect::new(300.0, 200.0, 10.0, 10.0), 6.0 * IN, 4.0 * IN, 0.0));
    }
}
