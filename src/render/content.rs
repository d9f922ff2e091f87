//! Page content streams: laid-out items become PDF drawing operators (ISO 32000-1 8, 9).

use std::collections::HashMap;
use std::sync::Arc;

use super::font::{FontEmbed, clusters};
use crate::base::units::{Color, Rect};
use crate::layout::{Item, Page, PathSeg, TextRun};
use crate::model::design::Paint;

/// What the pages' resource dictionary holds, for naming fonts and pictures in content.
pub(super) struct Resources<'a> {
    /// Fonts in resource order.
    pub fonts: &'a [FontEmbed],
    /// Font number by the face's address.
    pub font_index: &'a HashMap<usize, usize>,
    /// Picture number by the picture's address.
    pub image_index: &'a HashMap<usize, usize>,
}

/// Resource names are a letter and a number: font 0 is `/F0`, picture 0 is `/I0`.
const FONT: u8 = b'F';
const IMAGE: u8 = b'I';

/// The resource name of font `i`.
pub(super) fn font_name(i: usize) -> String {
    format!("{}{i}", char::from(FONT))
}

/// The resource name of picture `i`.
pub(super) fn image_name(i: usize) -> String {
    format!("{}{i}", char::from(IMAGE))
}

/// The page's content stream, uncompressed. Layout's top-left origin becomes PDF's
/// bottom-left by one flip of the whole page; text and pictures flip back upright.
pub(super) fn encode(page: &Page, resources: &Resources) -> Vec<u8> {
    let mut encoder = Encoder {
        ops: Ops(Vec::with_capacity(8 * 1024)),
        resources,
        state: vec![State::default()],
        in_text: false,
    };
    encoder.ops.matrix([1.0, 0.0, 0.0, -1.0, 0.0, page.height]);
    encoder.ops.op(b"cm");
    encoder.items(&page.items);
    encoder.close_text();
    encoder.ops.0
}

/// Graphics state letterkit sets, so an operator is written only when it changes something.
#[derive(Clone, Copy, Default)]
struct State {
    fill: Option<Color>,
    stroke: Option<Color>,
    line_width: Option<f32>,
    /// Font number and size (text state is part of the graphics state, ISO 32000-1 9.3.1).
    font: Option<(usize, f32)>,
}

struct Encoder<'a> {
    ops: Ops,
    resources: &'a Resources<'a>,
    /// The state at each `q` level; the last is current.
    state: Vec<State>,
    /// Whether a text object is open: consecutive runs share one.
    in_text: bool,
}

impl Encoder<'_> {
    fn items(&mut self, items: &[Item]) {
        for item in items {
            if !matches!(item, Item::Text(_)) {
                self.close_text();
            }
            match item {
                Item::Text(run) => self.text(run),
                Item::Shape(shape) => {
                    // Colours and line width go before the path: a path object holds nothing
                    // but path construction operators up to its painting operator (ISO
                    // 32000-1 8.2, figure 9; 8.5.1).
                    if shape.path.iter().any(|s| matches!(s, PathSeg::Line(..) | PathSeg::Cubic(..))) {
                        self.set_paint(&shape.paint);
                    }
                    if self.ops.path(&shape.path) {
                        self.ops.op(paint_operator(&shape.paint));
                    }
                }
                Item::Image(image) => {
                    let index = self.resources.image_index[&(Arc::as_ptr(&image.picture) as usize)];
                    self.save();
                    if let Some(clip) = image.clip {
                        self.ops.clip_to(clip);
                    }
                    self.ops.matrix(image_matrix(image.rect, image.picture.orientation));
                    self.ops.op(b"cm");
                    self.ops.resource(IMAGE, index);
                    self.ops.op(b"Do");
                    self.restore();
                }
                Item::Group(group) => {
                    self.save();
                    self.ops.matrix(group.transform);
                    self.ops.op(b"cm");
                    if let Some(clip) = group.clip {
                        self.ops.clip_to(clip);
                    }
                    self.items(&group.items);
                    self.close_text();
                    self.restore();
                }
            }
        }
    }

    /// Ends the open text object, if any.
    fn close_text(&mut self) {
        if self.in_text {
            self.ops.op(b"ET");
            self.in_text = false;
        }
    }

    fn save(&mut self) {
        self.ops.op(b"q");
        let current = *self.state.last().expect("a state");
        self.state.push(current);
    }

    fn restore(&mut self) {
        self.ops.op(b"Q");
        self.state.pop();
    }

    fn current(&mut self) -> &mut State {
        self.state.last_mut().expect("a state")
    }

    fn set_fill(&mut self, color: Color) {
        if self.current().fill != Some(color) {
            self.current().fill = Some(color);
            self.ops.color(color, false);
        }
    }

    fn set_stroke(&mut self, color: Color, width: f32) {
        if self.current().stroke != Some(color) {
            self.current().stroke = Some(color);
            self.ops.color(color, true);
        }
        if self.current().line_width != Some(width) {
            self.current().line_width = Some(width);
            self.ops.num(width, 3);
            self.ops.op(b"w");
        }
    }

    /// Sets the colours and line width a shape is painted with.
    fn set_paint(&mut self, paint: &Paint) {
        if let Some(color) = paint.fill {
            self.set_fill(color);
        }
        if let Some((color, width)) = paint.stroke {
            self.set_stroke(color, width);
        }
    }

    /// A run of glyphs, shown by CID with the adjustments that put each where shaping placed
    /// it (kerning, justification, mark offsets). A glyph whose text the font's ToUnicode map
    /// cannot give (ligature parts, one glyph for two characters) is wrapped in an ActualText
    /// span (ISO 32000-1 14.9.4), so readers extract exactly the run's text.
    fn text(&mut self, run: &TextRun) {
        let font_number = self.resources.font_index[&(Arc::as_ptr(&run.face) as usize)];
        let font = &self.resources.fonts[font_number];
        self.set_fill(run.color);
        if !self.in_text {
            self.ops.op(b"BT");
            self.in_text = true;
        }
        if self.current().font != Some((font_number, run.size)) {
            self.current().font = Some((font_number, run.size));
            self.ops.resource(FONT, font_number);
            self.ops.num(run.size, 3);
            self.ops.op(b"Tf");
        }
        let ops = &mut self.ops;
        ops.matrix([1.0, 0.0, 0.0, -1.0, run.x, run.y]);
        ops.op(b"Tm");
        // Thousandths of an em per point, the unit of TJ adjustments.
        let scale = 1000.0 / run.size;
        let mut segment = Segment::default();
        // The ActualText span open: the first glyph of its cluster, and its text.
        let mut span: Option<(usize, &str)> = None;
        // Horizontal correction still owed before the next glyph, in TJ units (positive moves left).
        let mut owed = 0.0;
        for (range, text) in clusters(run) {
            let glyphs = &run.glyphs[range.clone()];
            let plain = glyphs.len() == 1 && (text.is_empty() || font.maps_to(font.cid(glyphs[0].id), text));
            // One span for the whole cluster, whatever rises its glyphs have, and one per
            // cluster (keyed by its first glyph): a reader extracts the ActualText once per span.
            let actual = (!plain).then_some((range.start, text));
            if actual != span {
                segment.emit(ops);
                if span.is_some() {
                    ops.op(b"EMC");
                }
                if let Some((_, text)) = actual {
                    ops.0.extend_from_slice(b"/Span<</ActualText");
                    ops.text_string(text);
                    ops.0.extend_from_slice(b">>");
                    ops.op(b"BDC");
                }
                span = actual;
            }
            for g in glyphs {
                let rise = round(g.y_offset, 1000.0);
                if segment.rise != rise {
                    segment.emit(ops);
                    segment.rise = rise;
                }
                owed -= g.x_offset * scale;
                // Adjustments in tenths of a unit (1/10,000 em); what rounding leaves is
                // carried to the next glyph, so no error builds up along a line.
                let adjust = round(owed, 10.0);
                let cid = font.cid(g.id);
                segment.parts.push((adjust, cid));
                owed = owed - adjust + g.x_offset * scale + font.width(cid) - g.advance * scale;
            }
        }
        segment.emit(ops);
        if span.is_some() {
            ops.op(b"EMC");
        }
    }
}

/// The operator that fills and/or strokes the path just built (non-zero winding).
fn paint_operator(paint: &Paint) -> &'static [u8] {
    match (paint.fill.is_some(), paint.stroke.is_some()) {
        (true, true) => b"B",
        (true, false) => b"f",
        (false, true) => b"S",
        (false, false) => b"n",
    }
}

/// Glyphs shown with one text rise, as one TJ.
#[derive(Default)]
struct Segment {
    rise: f32,
    /// (adjustment before, CID) pairs.
    parts: Vec<(f32, u16)>,
}

impl Segment {
    /// Shows the glyphs gathered so far, and starts over with none.
    fn emit(&mut self, ops: &mut Ops) {
        if self.parts.is_empty() {
            return;
        }
        if self.rise != 0.0 {
            ops.num(self.rise, 3);
            ops.op(b"Ts");
        }
        ops.0.push(b'[');
        // Consecutive glyphs with no adjustment between them share one string.
        let mut open = false;
        for &(adjust, cid) in &self.parts {
            if adjust != 0.0 {
                if open {
                    ops.0.push(b')');
                    open = false;
                }
                ops.num(adjust, 1);
            }
            if !open {
                ops.0.push(b'(');
                open = true;
            }
            ops.string_bytes(&cid.to_be_bytes());
        }
        if open {
            ops.0.push(b')');
        }
        ops.0.push(b']');
        ops.op(b"TJ");
        if self.rise != 0.0 {
            ops.op(b"0 Ts");
        }
        self.parts.clear();
    }
}

/// A content stream being written: operands, then an operator and a newline.
struct Ops(Vec<u8>);

impl Ops {
    fn op(&mut self, operator: &[u8]) {
        self.0.extend_from_slice(operator);
        self.0.push(b'\n');
    }

    /// A number rounded to `decimals` places and a space, without trailing zeros.
    fn num(&mut self, value: f32, decimals: u32) {
        let scale = 10_i64.pow(decimals);
        let mut n = (f64::from(value) * scale as f64).round() as i64;
        if n < 0 {
            self.0.push(b'-');
            n = -n;
        }
        let (whole, mut frac) = (n / scale, n % scale);
        self.digits(whole as u64, 1);
        if frac != 0 {
            self.0.push(b'.');
            let mut places = decimals;
            while frac % 10 == 0 {
                frac /= 10;
                places -= 1;
            }
            self.digits(frac as u64, places);
        }
        self.0.push(b' ');
    }

    /// `n` in decimal, zero-padded to at least `width` digits.
    fn digits(&mut self, mut n: u64, width: u32) {
        let mut buffer = [b'0'; 20];
        let mut at = buffer.len();
        while n > 0 || buffer.len() - at < width as usize {
            at -= 1;
            buffer[at] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        self.0.extend_from_slice(&buffer[at..]);
    }

    /// A transformation matrix's six numbers: enough places that a rotation stays exact to
    /// a hundredth of a point across a page.
    fn matrix(&mut self, m: [f32; 6]) {
        for (i, value) in m.into_iter().enumerate() {
            self.num(value, if i < 4 { 5 } else { 3 });
        }
    }

    /// A resource name (see [`font_name`]), written without building a string: this runs for
    /// every line of text.
    fn resource(&mut self, kind: u8, number: usize) {
        self.0.extend_from_slice(&[b'/', kind]);
        self.digits(number as u64, 1);
        self.0.push(b' ');
    }

    fn color(&mut self, color: Color, stroke: bool) {
        let channel = |c: u8| f32::from(c) / 255.0;
        match color {
            Color::Rgb(r, g, b) => {
                for c in [r, g, b] {
                    self.num(channel(c), 4);
                }
                self.op(if stroke { b"RG" } else { b"rg" });
            }
            Color::Cmyk(c, m, y, k) => {
                for v in [c, m, y, k] {
                    self.num(channel(v), 4);
                }
                self.op(if stroke { b"K" } else { b"k" });
            }
        }
    }

    /// The bytes of a literal string, without its parentheses (ISO 32000-1 7.3.4.2): raw,
    /// except the delimiters, the backslash and line ends, which are escaped.
    fn string_bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'(' | b')' | b'\\' => self.0.extend_from_slice(&[b'\\', b]),
                b'\r' => self.0.extend_from_slice(b"\\r"),
                b'\n' => self.0.extend_from_slice(b"\\n"),
                _ => self.0.push(b),
            }
        }
    }

    /// A text string as UTF-16BE with a byte-order mark, in hex (ISO 32000-1 7.9.2.2).
    fn text_string(&mut self, text: &str) {
        self.0.extend_from_slice(b"<FEFF");
        for unit in text.encode_utf16() {
            self.0.extend_from_slice(format!("{unit:04X}").as_bytes());
        }
        self.0.push(b'>');
    }

    /// Builds a path; false when it has nothing to draw.
    fn path(&mut self, segments: &[PathSeg]) -> bool {
        let mut drew = false;
        for seg in segments {
            match *seg {
                PathSeg::Move(x, y) => {
                    self.num(x, 3);
                    self.num(y, 3);
                    self.op(b"m");
                }
                PathSeg::Line(x, y) => {
                    self.num(x, 3);
                    self.num(y, 3);
                    self.op(b"l");
                    drew = true;
                }
                PathSeg::Cubic(a, b, c, d, e, f) => {
                    for v in [a, b, c, d, e, f] {
                        self.num(v, 3);
                    }
                    self.op(b"c");
                    drew = true;
                }
                PathSeg::Close => self.op(b"h"),
            }
        }
        if !drew && !segments.is_empty() {
            self.op(b"n");
        }
        drew
    }

    /// Intersects the clip with a rectangle.
    fn clip_to(&mut self, r: Rect) {
        for v in [r.x, r.y, r.width, r.height] {
            self.num(v, 3);
        }
        self.op(b"re");
        self.op(b"W n");
    }
}

/// The matrix that draws a picture's unit square (its first stored row at the top) upright in
/// `r` on the flipped page, turned as its EXIF orientation says (TIFF 6.0, tag 274): stored
/// (u, v) goes to display (dx, dy) with y down, then into the rectangle.
fn image_matrix(r: Rect, orientation: u8) -> [f32; 6] {
    let (x, y, w, h) = (r.x, r.y, r.width, r.height);
    match orientation {
        2 => [-w, 0.0, 0.0, -h, x + w, y + h], // mirrored left to right
        3 => [-w, 0.0, 0.0, h, x + w, y],      // turned half round
        4 => [w, 0.0, 0.0, h, x, y],           // mirrored top to bottom
        5 => [0.0, h, -w, 0.0, x + w, y],      // transposed
        6 => [0.0, h, w, 0.0, x, y],           // turned a quarter clockwise
        7 => [0.0, -h, w, 0.0, x, y + h],      // transversed
        8 => [0.0, -h, -w, 0.0, x + w, y + h], // turned a quarter anticlockwise
        _ => [w, 0.0, 0.0, -h, x, y + h],      // as stored
    }
}

/// `value` rounded to a multiple of 1 / `per`.
fn round(value: f32, per: f32) -> f32 {
    (value * per).round() / per
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{Group, Shape};

    fn encoded(items: Vec<Item>) -> String {
        let mut page = Page::new(100.0, 100.0, 0.0);
        page.items = items;
        let (font_index, image_index) = (HashMap::new(), HashMap::new());
        let resources = Resources { fonts: &[], font_index: &font_index, image_index: &image_index };
        String::from_utf8(encode(&page, &resources)).expect("ASCII")
    }

    fn square(fill: Option<Color>, stroke: Option<(Color, f32)>) -> Item {
        Item::Shape(Shape {
            path: vec![
                PathSeg::Move(10.0, 10.0),
                PathSeg::Line(20.0, 10.0),
                PathSeg::Line(20.0, 20.0),
                PathSeg::Close,
            ],
            paint: Paint { fill, stroke },
        })
    }

    #[test]
    fn colours_and_line_width_are_set_before_the_path_is_built() {
        let ops = encoded(vec![
            square(Some(Color::Rgb(255, 0, 0)), None),
            square(None, Some((Color::Rgb(0, 0, 255), 2.0))),
            Item::Group(Group {
                transform: [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
                clip: None,
                items: vec![square(Some(Color::Rgb(0, 255, 0)), Some((Color::Cmyk(0, 0, 0, 255), 0.5)))],
            }),
        ]);
        // ISO 32000-1 8.2, figure 9: between `m` and the painting operator only path
        // construction operators may appear.
        let mut in_path = false;
        for line in ops.lines() {
            let operator = line.rsplit(' ').next().expect("an operator");
            match operator {
                "m" | "l" | "c" | "h" | "re" => in_path = true,
                "f" | "S" | "B" | "n" | "W n" => in_path = false,
                _ => assert!(!in_path, "`{line}` inside a path object:\n{ops}"),
            }
        }
        assert!(ops.contains("1 0 0 rg\n10 10 m\n20 10 l\n20 20 l\nh\nf\n"), "{ops}");
        assert!(ops.contains("0 0 1 RG\n2 w\n10 10 m\n"), "{ops}");
    }
}
