//! Where things go on the address side of a mail piece: the delivery and return address,
//! the stamp and the piece number on an envelope, and the default address box of a postcard.
//! Only geometry, in points with y down from the top-left corner; the kit sets the type
//! (`kit/pages.rs`) and the layout places a design's own address box.

use crate::base::units::{PT_PER_IN, Rect};

use super::{barcode_clear_zone, ocr_read_area};

const IN: f32 = PT_PER_IN;

/// Space kept between the delivery address and the stamp box or return address.
const ADDRESS_GAP: f32 = 6.0;

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
    fn a_postcard_address_box_is_the_right_of_the_ocr_area() {
        let [left, top, right, bottom] = address_box(6.0 * IN, 4.0 * IN);
        assert_eq!([left, top, right, bottom], [216.0, 90.0, 396.0, 243.0]);
        assert!(in_barcode_clear_zone(Rect::new(300.0, 260.0, 10.0, 10.0), 6.0 * IN, 4.0 * IN, 0.0));
        assert!(!in_barcode_clear_zone(Rect::new(300.0, 200.0, 10.0, 10.0), 6.0 * IN, 4.0 * IN, 0.0));
    }
}
