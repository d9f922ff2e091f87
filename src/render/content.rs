//! Page content streams: laid-out items become PDF drawing operators (ISO 32000-1 8, 9).

use std::collections::HashMap;
use std::sync::Arc;

use pdf_writer::{Content, Name, Str, TextStr};

use super::font::{FontEmbed, clusters};
use crate::design::Paint;
use crate::layout::{Item, Page, PathSeg, TextRun};
use crate::units::{Color, Rect};

/// What the pages' resource dictionary holds, for naming fonts and pictures in content.
pub(super) struct Resources<'a> {
    /// Fonts in resource order.
    pub fonts: &'a [FontEmbed],
    /// Font number by the face's address.
    pub font_index: &'a HashMap<usize, usize>,
    /// Picture number by the picture's address.
    pub image_index: &'a HashMap<usize, usize>,
}

/// The resource name of font `i`.
pub(super) fn font_name(i: usize) -> String {
    format!("F{i}")
}

/// The resource name of picture `i`.
pub(super) fn image_name(i: usize) -> String {
    format!("I{i}")
}

/// The page's content stream, uncompressed. Layout's top-left origin becomes PDF's
/// bottom-left by one flip of the whole page; text and pictures flip back upright.
pub(super) fn encode(page: &Page, resources: &Resources) -> Vec<u8> {
    let mut encoder =
        Encoder { content: Content::new(), resources, state: vec![State::default()], in_text: false };
    encoder.content.transform([1.0, 0.0, 0.0, -1.0, 0.0, page.height]);
    encoder.items(&page.items);
    encoder.close_text();
    encoder.content.finish().into_vec()
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
    content: Content,
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
                    if path(&mut self.content, &shape.path) {
                        self.paint(&shape.paint);
                    }
                }
                Item::Image(image) => {
                    let index = self.resources.image_index[&(Arc::as_ptr(&image.picture) as usize)];
                    self.save();
                    if let Some(clip) = image.clip {
                        clip_to(&mut self.content, clip);
                    }
                    let r = image.rect;
                    self.content.transform([r.width, 0.0, 0.0, -r.height, r.x, r.y + r.height]);
                    self.content.x_object(Name(image_name(index).as_bytes()));
                    self.restore();
                }
                Item::Group(group) => {
                    self.save();
                    self.content.transform(group.transform);
                    if let Some(clip) = group.clip {
                        clip_to(&mut self.content, clip);
                    }
                    self.items(&group.items);
                    self.restore();
                }
            }
        }
    }

    /// Ends the open text object, if any.
    fn close_text(&mut self) {
        if self.in_text {
            self.content.end_text();
            self.in_text = false;
        }
    }

    fn save(&mut self) {
        self.content.save_state();
        let current = *self.state.last().expect("a state");
        self.state.push(current);
    }

    fn restore(&mut self) {
        self.content.restore_state();
        self.state.pop();
    }

    fn current(&mut self) -> &mut State {
        self.state.last_mut().expect("a state")
    }

    fn set_fill(&mut self, color: Color) {
        if self.current().fill != Some(color) {
            self.current().fill = Some(color);
            match color {
                Color::Rgb(r, g, b) => self.content.set_fill_rgb(unit(r), unit(g), unit(b)),
                Color::Cmyk(c, m, y, k) => self.content.set_fill_cmyk(unit(c), unit(m), unit(y), unit(k)),
            };
        }
    }

    fn set_stroke(&mut self, color: Color, width: f32) {
        if self.current().stroke != Some(color) {
            self.current().stroke = Some(color);
            match color {
                Color::Rgb(r, g, b) => self.content.set_stroke_rgb(unit(r), unit(g), unit(b)),
                Color::Cmyk(c, m, y, k) => self.content.set_stroke_cmyk(unit(c), unit(m), unit(y), unit(k)),
            };
        }
        if self.current().line_width != Some(width) {
            self.current().line_width = Some(width);
            self.content.set_line_width(width);
        }
    }

    /// Fills and/or strokes the path just built (non-zero winding).
    fn paint(&mut self, paint: &Paint) {
        if let Some(color) = paint.fill {
            self.set_fill(color);
        }
        if let Some((color, width)) = paint.stroke {
            self.set_stroke(color, width);
        }
        match (paint.fill.is_some(), paint.stroke.is_some()) {
            (true, true) => self.content.fill_nonzero_and_stroke(),
            (true, false) => self.content.fill_nonzero(),
            (false, true) => self.content.stroke(),
            (false, false) => self.content.end_path(),
        };
    }

    /// A run of glyphs: one text object, the glyphs shown by CID with the adjustments that
    /// put each where shaping placed it (kerning, justification, mark offsets). A glyph whose
    /// text the font's ToUnicode map cannot give (ligature parts, one glyph for two
    /// characters) is wrapped in an ActualText span (ISO 32000-1 14.9.4), so readers extract
    /// exactly the run's text.
    fn text(&mut self, run: &TextRun) {
        let font_number = self.resources.font_index[&(Arc::as_ptr(&run.face) as usize)];
        let font = &self.resources.fonts[font_number];
        self.set_fill(run.color);
        if !self.in_text {
            self.content.begin_text();
            self.in_text = true;
        }
        if self.current().font != Some((font_number, run.size)) {
            self.current().font = Some((font_number, run.size));
            self.content.set_font(Name(font_name(font_number).as_bytes()), run.size);
        }
        let content = &mut self.content;
        content.set_text_matrix([1.0, 0.0, 0.0, -1.0, round(run.x, 1000.0), round(run.y, 1000.0)]);
        // Thousandths of an em per point, the unit of TJ adjustments.
        let scale = 1000.0 / run.size;
        let mut segment = Segment::default();
        // Horizontal correction still owed before the next glyph, in TJ units (positive moves left).
        let mut owed = 0.0;
        for (range, text) in clusters(run) {
            let glyphs = &run.glyphs[range];
            let plain = glyphs.len() == 1 && (text.is_empty() || font.maps_to(font.cid(glyphs[0].id), text));
            let actual = (!plain).then_some(text);
            for g in glyphs {
                let rise = round(g.y_offset, 1000.0);
                if segment.actual != actual || segment.rise != rise {
                    segment.emit(content);
                    segment = Segment { actual, rise, ..Segment::default() };
                }
                owed -= g.x_offset * scale;
                // Adjustments in tenths of a unit (1/10,000 em); what rounding leaves is
                // carried to the next glyph, so no error builds up along a line.
                let adjust = round(owed, 10.0);
                let cid = font.cid(g.id);
                segment.glyph(adjust, cid);
                owed = owed - adjust + g.x_offset * scale + font.width(cid) - g.advance * scale;
            }
        }
        segment.emit(content);
    }
}

/// Glyphs shown with one text rise and one ActualText (or none), as one TJ.
#[derive(Default)]
struct Segment<'t> {
    actual: Option<&'t str>,
    rise: f32,
    /// (adjustment before, CID bytes) pairs.
    parts: Vec<(f32, [u8; 2])>,
}

impl Segment<'_> {
    fn glyph(&mut self, adjust_before: f32, cid: u16) {
        self.parts.push((adjust_before, cid.to_be_bytes()));
    }

    fn emit(&self, content: &mut Content) {
        if self.parts.is_empty() {
            return;
        }
        if let Some(text) = self.actual {
            content
                .begin_marked_content_with_properties(Name(b"Span"))
                .properties()
                .actual_text(TextStr(text));
        }
        if self.rise != 0.0 {
            content.set_rise(self.rise);
        }
        {
            let mut show = content.show_positioned();
            let mut items = show.items();
            // Consecutive glyphs with no adjustment between them share one string.
            let mut run: Vec<u8> = Vec::with_capacity(self.parts.len() * 2);
            for &(adjust, cid) in &self.parts {
                if adjust != 0.0 {
                    if !run.is_empty() {
                        items.show(Str(&run));
                        run.clear();
                    }
                    items.adjust(adjust);
                }
                run.extend_from_slice(&cid);
            }
            if !run.is_empty() {
                items.show(Str(&run));
            }
        }
        if self.rise != 0.0 {
            content.set_rise(0.0);
        }
        if self.actual.is_some() {
            content.end_marked_content();
        }
    }
}

/// `value` rounded to a multiple of 1 / `per`: shorter numbers, the same print.
fn round(value: f32, per: f32) -> f32 {
    (value * per).round() / per
}

/// A colour channel, 0-255, as PDF's 0-1.
fn unit(channel: u8) -> f32 {
    f32::from(channel) / 255.0
}

/// Builds a path; false when it has nothing to draw.
fn path(content: &mut Content, segments: &[PathSeg]) -> bool {
    let mut drew = false;
    for seg in segments {
        match *seg {
            PathSeg::Move(x, y) => {
                content.move_to(x, y);
            }
            PathSeg::Line(x, y) => {
                content.line_to(x, y);
                drew = true;
            }
            PathSeg::Cubic(a, b, c, d, e, f) => {
                content.cubic_to(a, b, c, d, e, f);
                drew = true;
            }
            PathSeg::Close => {
                content.close_path();
            }
        }
    }
    if !drew && !segments.is_empty() {
        content.end_path();
    }
    drew
}

/// Intersects the clip with a rectangle.
fn clip_to(content: &mut Content, r: Rect) {
    content.rect(r.x, r.y, r.width, r.height);
    content.clip_nonzero();
    content.end_path();
}
