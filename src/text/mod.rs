//! Text: inline markup and `{field}` placeholders, font fallback, shaping and line breaking.
//!
//! A paragraph is broken at UAX #14 opportunities. Each piece between two opportunities is
//! shaped on its own (and cached), so kerning and ligatures inside words are exact and a word
//! that appears on a thousand letters is shaped once; the advances that decide the line breaks
//! are the ones written to the PDF.

pub mod fonts;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::input::limits::MAX_FILLED_TEXT_CHARS;
use unicode_bidi::Level;

use crate::text::fonts::{FaceId, FontBook, Shaped};

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Literal text in a style.
    Text { text: String, bold: bool, italic: bool },
    /// A `{name}` placeholder, filled from data in the style it stands in.
    Field { name: String, bold: bool, italic: bool },
}

/// A template: text with `*italic*`, `**bold**`, `\` escapes and `{field}` placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The pieces in order.
    pub pieces: Vec<Piece>,
}

impl Template {
    /// Parses a template; unbalanced markup or a bad placeholder is an error message.
    pub fn parse(source: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let (mut bold, mut italic) = (false, false);
        let mut text = String::new();
        let mut chars = source.chars().peekable();
        let flush = |text: &mut String, pieces: &mut Vec<Piece>, bold, italic| {
            if !text.is_empty() {
                pieces.push(Piece::Text { text: std::mem::take(text), bold, italic });
            }
        };
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(next) => text.push(next),
                    None => return Err("the text ends with a lone `\\`; write `\\\\` for a backslash".into()),
                },
                '*' => {
                    flush(&mut text, &mut pieces, bold, italic);
                    if chars.peek() == Some(&'*') {
                        chars.next();
                        bold = !bold;
                    } else {
                        italic = !italic;
                    }
                }
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) if c.is_alphanumeric() || c == '_' || c == '-' || c == '.' => {
                                name.push(c)
                            }
                            Some(c) => {
                                return Err(format!(
                                    "`{c}` cannot stand in a placeholder name (after `{{{name}`); write `{{{{` for a literal brace"
                                ));
                            }
                            None => {
                                return Err(format!("the placeholder `{{{name}` is not closed with `}}`"));
                            }
                        }
                    }
                    if name.is_empty() {
                        return Err(
                            "empty placeholder `{}`; write a field name like `{name}`, or `{{` for a brace"
                                .into(),
                        );
                    }
                    flush(&mut text, &mut pieces, bold, italic);
                    pieces.push(Piece::Field { name, bold, italic });
                }
                '}' => return Err("a lone `}`; write `}}` for a literal brace".into()),
                _ => text.push(c),
            }
        }
        if bold || italic {
            let mark = if bold { "**" } else { "*" };
            return Err(format!(
                "emphasis opened with `{mark}` is never closed; write `\\*` for a literal asterisk"
            ));
        }
        flush(&mut text, &mut pieces, bold, italic);
        Ok(Template { pieces })
    }

    /// The placeholder names used, in order of first use.
    pub fn fields(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for p in &self.pieces {
            if let Piece::Field { name, .. } = p
                && !names.contains(&name.as_str())
            {
                names.push(name);
            }
        }
        names
    }

    /// Fills the placeholders from `data` (values are literal text, never markup).
    ///
    /// Fails on the first placeholder `data` has no value for, and as soon as the text would
    /// grow past [`MAX_FILLED_TEXT_CHARS`] (before that memory is spent).
    pub fn fill(&self, data: &dyn Fn(&str) -> Option<String>) -> Result<Vec<StyledText>, FillError> {
        let mut out: Vec<StyledText> = Vec::new();
        let mut chars = 0usize;
        for piece in &self.pieces {
            let (text, bold, italic) = match piece {
                Piece::Text { text, bold, italic } => (text.clone(), *bold, *italic),
                Piece::Field { name, bold, italic } => {
                    (data(name).ok_or_else(|| FillError::Missing(name.clone()))?, *bold, *italic)
                }
            };
            chars += text.chars().count();
            if chars > MAX_FILLED_TEXT_CHARS {
                return Err(FillError::TooLong);
            }
            match out.last_mut() {
                Some(last) if last.bold == bold && last.italic == italic => last.text.push_str(&text),
                _ => out.push(StyledText { text, bold, italic }),
            }
        }
        Ok(out)
    }
}

/// Why a template could not be filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FillError {
    /// A placeholder with no value: its name.
    Missing(String),
    /// The filled text would be longer than [`MAX_FILLED_TEXT_CHARS`].
    TooLong,
}

impl FillError {
    /// The problem in words, for a message that names the text first.
    pub fn message(&self) -> String {
        match self {
            FillError::Missing(name) => format!("no value for `{{{name}}}`"),
            FillError::TooLong => format!(
                "with its placeholders filled the text is over {MAX_FILLED_TEXT_CHARS} characters; letterkit takes up to {MAX_FILLED_TEXT_CHARS}"
            ),
        }
    }
}

/// Text in one inline style.
#[derive(Debug, Clone, PartialEq)]
pub struct StyledText {
    /// The characters.
    pub text: String,
    /// Bold.
    pub bold: bool,
    /// Italic.
    pub italic: bool,
}

/// Horizontal alignment of lines in a box.
///
/// `Left`, `Center` and `Right` are the same in every direction; `Start` and `End` follow each
/// paragraph's direction (a right-to-left paragraph starts at the right).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    /// Flush with the side the paragraph starts at: left, or right for a right-to-left one.
    Start,
    /// Flush with the side the paragraph ends at: right, or left for a right-to-left one.
    End,
    /// Flush left.
    Left,
    /// Centred.
    Center,
    /// Flush right.
    Right,
    /// Both edges flush; the last line of each paragraph flush with its start.
    Justify,
}

/// A paragraph's base direction: the order its lines read in and the side they start at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From the paragraph's first letter of a strong direction (UAX #9 P2-P3): Hebrew or
    /// Arabic makes it right to left, Latin left to right; none at all, left to right.
    #[default]
    Auto,
    /// Left to right.
    Ltr,
    /// Right to left.
    Rtl,
}

/// What a paragraph is set with.
#[derive(Debug, Clone)]
pub struct ParagraphStyle {
    /// Family name in the font book.
    pub family: String,
    /// Whether the base text is bold.
    pub bold: bool,
    /// Whether the base text is italic.
    pub italic: bool,
    /// Font size in points.
    pub size: f32,
    /// Alignment.
    pub align: Align,
}

/// A run of glyphs in one face on one line, positioned relative to the line start.
#[derive(Debug, Clone)]
pub struct LineRun {
    /// The face.
    pub face: FaceId,
    /// x of the first glyph's origin, relative to the line's left edge, in points.
    pub x: f32,
    /// The glyphs with advances in points (justification already applied), left to right.
    pub glyphs: Vec<GlyphPos>,
    /// The text the glyphs stand for; glyph clusters index into it. A run of a line with
    /// right-to-left text holds its pieces in visual order, each piece's text in logical order.
    pub text: String,
}

/// A positioned glyph, lengths in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlyphPos {
    /// Glyph id.
    pub id: u16,
    /// Advance.
    pub advance: f32,
    /// Offset right of the pen.
    pub x_offset: f32,
    /// Offset up from the baseline.
    pub y_offset: f32,
    /// Start of the glyph's cluster in the run's text (bytes).
    pub cluster: u32,
    /// End of the glyph's cluster in the run's text (bytes).
    pub cluster_end: u32,
}

/// One set line.
#[derive(Debug, Clone)]
pub struct SetLine {
    /// Runs, left to right.
    pub runs: Vec<LineRun>,
    /// Width of the set line in points (after alignment; trailing spaces excluded).
    pub width: f32,
}

/// Why a paragraph could not be set.
#[derive(Debug, Clone, PartialEq)]
pub enum SetError {
    /// No font in the fallback chain has this character.
    MissingGlyph { character: char, family: String },
    /// The family is not in the font book.
    UnknownFamily(String),
}

/// A piece of text between two break opportunities, shaped, in one or more faces.
struct Segment {
    parts: Vec<SegmentPart>,
    /// Width without trailing spaces.
    width: f32,
    /// Width of the trailing spaces.
    trailing: f32,
    /// Ends with a mandatory break (newline or end of text).
    hard_break: bool,
}

struct SegmentPart {
    face: FaceId,
    text: Box<str>,
    /// The glyphs in visual order: right to left text comes reversed.
    shaped: Arc<Shaped>,
    /// Length in bytes of the part's text that is content (the segment's trailing spaces cut).
    content_end: usize,
    /// The bidirectional embedding level (UAX #9); odd is right to left. 0 in a paragraph
    /// with no right-to-left text.
    level: Level,
}

impl SegmentPart {
    /// The glyphs whose text starts before byte `end` of the part, in visual order.
    fn glyphs_before(&self, end: usize) -> impl Iterator<Item = &crate::text::fonts::ShapedGlyph> {
        self.shaped.glyphs.iter().filter(move |g| (g.cluster as usize) < end)
    }
}

/// Styled text split at its line breaks: the spans of each paragraph, with the blank
/// paragraphs at the end left out (they print nothing).
pub fn paragraphs(spans: &[StyledText]) -> Vec<Vec<StyledText>> {
    let mut paragraphs: Vec<Vec<StyledText>> = vec![Vec::new()];
    for span in spans {
        for (k, piece) in span.text.split('\n').enumerate() {
            if k > 0 {
                paragraphs.push(Vec::new());
            }
            if !piece.is_empty() {
                paragraphs
                    .last_mut()
                    .expect("one paragraph at least")
                    .push(StyledText { text: piece.to_string(), ..span.clone() });
            }
        }
    }
    while paragraphs.last().is_some_and(|p| p.iter().all(|s| s.text.trim().is_empty())) {
        paragraphs.pop();
    }
    paragraphs
}

/// Sets styled text into lines no wider than `width`.
///
/// Newlines end lines; an empty line between paragraphs stays an empty line. A word wider
/// than the line is broken between characters, never clipped.
pub fn set_lines(
    book: &FontBook,
    spans: &[StyledText],
    style: &ParagraphStyle,
    width: f32,
) -> Result<Vec<SetLine>, SetError> {
    set_lines_directed(book, spans, style, Direction::Auto, width)
}

/// [`set_lines`] with each paragraph's base direction given (or found, for `Auto`).
///
/// A paragraph with right-to-left text (or set right to left) is resolved by the Unicode
/// Bidirectional Algorithm (UAX #9): its pieces are shaped in their own direction, lines are
/// broken in logical order, and each line's pieces are then put in visual order (L1-L2).
pub fn set_lines_directed(
    book: &FontBook,
    spans: &[StyledText],
    style: &ParagraphStyle,
    direction: Direction,
    width: f32,
) -> Result<Vec<SetLine>, SetError> {
    // Lines never run across a newline, so each paragraph is set on its own, and a paragraph
    // set before (the same text, style and width: letters share their paragraphs) is reused.
    let paragraphs = paragraphs(spans);
    let is_blank = |p: &Vec<StyledText>| p.iter().all(|s| s.text.trim().is_empty());
    let mut lines = Vec::new();
    for paragraph in &paragraphs {
        if is_blank(paragraph) {
            lines.push(SetLine { runs: Vec::new(), width: 0.0 });
            continue;
        }
        let key = paragraph_key(paragraph, style, direction, width);
        if let Some(cached) = book.cached_paragraph(&key) {
            lines.extend(cached.iter().cloned());
            continue;
        }
        let set = set_paragraph(book, paragraph, style, direction, width)?;
        lines.extend(set.iter().cloned());
        book.cache_paragraph(key, set);
    }
    Ok(lines)
}

/// What makes two paragraphs set the same: their text and inline styles, the base style, the width.
fn paragraph_key(spans: &[StyledText], style: &ParagraphStyle, direction: Direction, width: f32) -> String {
    let mut key = format!(
        "{}\u{1}{}{}{:08x}{:?}{}{:08x}",
        style.family,
        u8::from(style.bold),
        u8::from(style.italic),
        style.size.to_bits(),
        style.align,
        direction as u8,
        width.to_bits()
    );
    for s in spans {
        key.push(char::from(b'0' + u8::from(s.bold) * 2 + u8::from(s.italic)));
        key.push_str(&s.text);
        key.push('\u{2}');
    }
    key
}

/// Whether a paragraph needs the bidirectional algorithm: it is set right to left, or has a
/// character of a right-to-left script, an Arabic digit or an explicit direction control.
/// Nothing before U+0590 is any of these, so only characters whose first byte is 0xD6 or more
/// are looked up.
fn needs_bidi(text: &str, direction: Direction) -> bool {
    use unicode_bidi::BidiClass::{AL, AN, FSI, LRE, LRI, LRO, PDF, PDI, R, RLE, RLI, RLO};
    if direction == Direction::Rtl {
        return true;
    }
    let mut at = 0;
    while let Some(k) = text.as_bytes()[at..].iter().position(|&b| b >= 0xD6) {
        // A byte of 0xC0 or more starts a character.
        let c = text[at + k..].chars().next().expect("a character starts here");
        if matches!(
            unicode_bidi::bidi_class(c),
            R | AL | AN | LRE | RLE | LRO | RLO | PDF | LRI | RLI | FSI | PDI
        ) {
            return true;
        }
        at += k + c.len_utf8();
    }
    false
}

/// Sets one paragraph (text without newlines) into lines.
fn set_paragraph(
    book: &FontBook,
    spans: &[StyledText],
    style: &ParagraphStyle,
    direction: Direction,
    width: f32,
) -> Result<Vec<SetLine>, SetError> {
    let mut full = String::new();
    let mut styles: Vec<(usize, bool, bool)> = Vec::new(); // (start, bold, italic)
    for s in spans {
        styles.push((full.len(), s.bold || style.bold, s.italic || style.italic));
        full.push_str(&s.text.replace("\r\n", "\n").replace(['\t', '\r'], " "));
    }
    let text = full.trim_end();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let style_at = |pos: usize| {
        styles
            .iter()
            .rev()
            .find(|(start, ..)| *start <= pos)
            .map_or((style.bold, style.italic), |s| (s.1, s.2))
    };
    // Embedding levels (UAX #9 P2-W7, N1-I2), only for paragraphs that can have a right-to-left
    // piece: left-to-right text keeps its one pass.
    let bidi = needs_bidi(text, direction).then(|| {
        let base = match direction {
            Direction::Auto => None,
            Direction::Ltr => Some(Level::ltr()),
            Direction::Rtl => Some(Level::rtl()),
        };
        unicode_bidi::ParagraphBidiInfo::new(text, base)
    });
    let levels = bidi.as_ref().map(|b| b.levels.as_slice());
    let rtl = bidi.as_ref().is_some_and(|b| b.paragraph_level.is_rtl());

    let mut segments = Vec::new();
    let mut start = 0;
    for (end, opportunity) in unicode_linebreak::linebreaks(text) {
        if end <= start {
            continue;
        }
        let hard = opportunity == unicode_linebreak::BreakOpportunity::Mandatory;
        segments.push((
            start,
            end - start,
            make_segment(book, style, &text[start..end], start, &style_at, levels, hard)?,
        ));
        start = end;
    }

    let size = style.size;
    let mut lines: Vec<Vec<Segment>> = Vec::new();
    let mut current: Vec<Segment> = Vec::new();
    let mut current_width = 0.0f32; // including trailing spaces of all but the last segment
    for (segment_start, segment_len, segment) in segments {
        let fits = current_width + segment.width * size <= width + 0.01;
        if !fits && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
            current_width = 0.0;
        }
        if segment.width * size > width + 0.01 {
            // A word wider than the whole line: break it between characters.
            let (seg_start, seg_text) = (segment_start, &text[segment_start..segment_start + segment_len]);
            for piece in
                split_wide(book, style, seg_text, seg_start, &style_at, levels, segment.hard_break, width)?
            {
                if !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                }
                current_width = (piece.width + piece.trailing) * size;
                let hard = piece.hard_break;
                current.push(piece);
                if hard {
                    lines.push(std::mem::take(&mut current));
                    current_width = 0.0;
                }
            }
            continue;
        }
        current_width += (segment.width + segment.trailing) * size;
        let hard = segment.hard_break;
        current.push(segment);
        if hard {
            lines.push(std::mem::take(&mut current));
            current_width = 0.0;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    Ok(lines.iter().map(|line| position_line(line, style, width, rtl, levels.is_some())).collect())
}

/// Shapes the text between two break opportunities, in parts of one face, one embedding
/// level and one right-to-left script each (`levels` are the paragraph's, by byte, when it
/// has right-to-left text).
fn make_segment(
    book: &FontBook,
    style: &ParagraphStyle,
    text: &str,
    offset: usize,
    style_at: &dyn Fn(usize) -> (bool, bool),
    levels: Option<&[Level]>,
    hard_break: bool,
) -> Result<Segment, SetError> {
    let body = text.trim_end_matches('\n');
    let content_len = body.trim_end_matches(' ').len();
    // Split the segment into parts of one face each: by inline style, then by font fallback,
    // then by level and by script (Hebrew and Arabic in one font are shaped apart).
    struct Range {
        face: FaceId,
        start: usize,
        end: usize,
        level: Level,
        /// 0 until a letter of a right-to-left script: 1 for R (Hebrew), 2 for AL (Arabic).
        script: u8,
    }
    let mut parts: Vec<Range> = Vec::new();
    // The family's face for each of the four styles, looked up once.
    let mut faces: [Option<FaceId>; 4] = [None; 4];
    for (i, c) in body.char_indices() {
        let (bold, italic) = style_at(offset + i);
        let slot = &mut faces[usize::from(bold) * 2 + usize::from(italic)];
        let primary = match *slot {
            Some(face) => face,
            None => {
                let face = book
                    .select(&style.family, bold, italic)
                    .ok_or_else(|| SetError::UnknownFamily(style.family.clone()))?;
                *slot = Some(face);
                face
            }
        };
        let face = if fonts::default_ignorable(c) || c == ' ' {
            parts.last().map_or(primary, |p| p.face)
        } else {
            book.face_for(primary, c)
                .ok_or_else(|| SetError::MissingGlyph { character: c, family: style.family.clone() })?
        };
        let (level, script) = match levels {
            None => (Level::ltr(), 0),
            Some(levels) => (
                levels[offset + i],
                match unicode_bidi::bidi_class(c) {
                    unicode_bidi::BidiClass::R => 1,
                    unicode_bidi::BidiClass::AL => 2,
                    _ => 0,
                },
            ),
        };
        match parts.last_mut() {
            Some(last)
                if last.face == face
                    && last.end == i
                    && last.level == level
                    && (script == 0 || last.script == 0 || last.script == script) =>
            {
                last.end = i + c.len_utf8();
                last.script = last.script.max(script);
            }
            _ => parts.push(Range { face, start: i, end: i + c.len_utf8(), level, script }),
        }
    }
    let mut segment = Segment { parts: Vec::new(), width: 0.0, trailing: 0.0, hard_break };
    for Range { face, start, end, level, .. } in parts {
        let part_text = &body[start..end];
        let shaped = match levels {
            None => book.shape(face, part_text),
            Some(_) => book.shape_directed(face, part_text, level.is_rtl()),
        };
        let content_end = content_len.clamp(start, end) - start;
        for g in &shaped.glyphs {
            if (g.cluster as usize) < content_end {
                segment.width += g.advance;
            } else {
                segment.trailing += g.advance;
            }
        }
        segment.parts.push(SegmentPart { face, text: part_text.into(), shaped, content_end, level });
    }
    Ok(segment)
}

/// Breaks text wider than the line into segments that fit, between characters.
#[allow(clippy::too_many_arguments)]
fn split_wide(
    book: &FontBook,
    style: &ParagraphStyle,
    text: &str,
    offset: usize,
    style_at: &dyn Fn(usize) -> (bool, bool),
    levels: Option<&[Level]>,
    hard_break: bool,
    width: f32,
) -> Result<Vec<Segment>, SetError> {
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).skip(1).chain([text.len()]).collect();
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut k = 0;
    while k < bounds.len() {
        // Take at least one character, then grow the piece while it fits.
        let mut best =
            make_segment(book, style, &text[start..bounds[k]], offset + start, style_at, levels, false)?;
        let mut end_k = k;
        while end_k + 1 < bounds.len() {
            let next = make_segment(
                book,
                style,
                &text[start..bounds[end_k + 1]],
                offset + start,
                style_at,
                levels,
                false,
            )?;
            if next.width * style.size > width {
                break;
            }
            best = next;
            end_k += 1;
        }
        best.hard_break = hard_break && end_k + 1 == bounds.len();
        start = bounds[end_k];
        pieces.push(best);
        k = end_k + 1;
    }
    Ok(pieces)
}

/// Places a line's glyphs: alignment, justification, visual order, runs merged per face.
///
/// `rtl` is the paragraph's direction, which `Start`, `End` and `Justify` follow; `bidi` says
/// the parts have levels to be put in visual order by (UAX #9 L2). The line's trailing spaces
/// are not set, so they need no level of their own (L1).
fn position_line(segments: &[Segment], style: &ParagraphStyle, width: f32, rtl: bool, bidi: bool) -> SetLine {
    let size = style.size;
    let last = segments.len() - 1;
    let natural: f32 = segments
        .iter()
        .enumerate()
        .map(|(i, s)| s.width + if i < last { s.trailing } else { 0.0 })
        .sum::<f32>()
        * size;
    // The parts that show, in logical order, each with the length of its text that is set:
    // only the last segment's own trailing spaces are cut, not spaces inside it that end a
    // part (`*now*  !` has the part "now  " before "!").
    let parts = segments
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            s.parts.iter().map(move |p| (p, if i < last { p.text.len() } else { p.content_end }))
        })
        .filter(|(p, end)| p.glyphs_before(*end).next().is_some());
    let is_paragraph_end = segments[last].hard_break;
    // Space glyphs that may stretch: all spaces except the trailing ones of the line.
    let stretch_count: usize = if style.align == Align::Justify && !is_paragraph_end {
        parts.clone().map(|(p, end)| p.glyphs_before(end).filter(|g| is_space(p, g)).count()).sum()
    } else {
        0
    };
    let extra = if stretch_count > 0 { ((width - natural) / stretch_count as f32).max(0.0) } else { 0.0 };
    let line_width = if extra > 0.0 { width } else { natural };
    let start_x = match (style.align, rtl) {
        (Align::Left, _) | (Align::Start | Align::Justify, false) | (Align::End, true) => 0.0,
        (Align::Center, _) => (width - line_width) / 2.0,
        (Align::Right, _) | (Align::Start | Align::Justify, true) | (Align::End, false) => width - line_width,
    };

    let mut runs: Vec<LineRun> = Vec::new();
    let mut x = start_x;
    let mut place = |part: &SegmentPart, text_len: usize| {
        let run_text = &part.text[..text_len];
        let base = match runs.last() {
            Some(r) if r.face == part.face => r.text.len() as u32,
            _ => {
                runs.push(LineRun { face: part.face, x, glyphs: Vec::new(), text: String::new() });
                0
            }
        };
        let run = runs.last_mut().expect("a run was just pushed");
        run.text.push_str(run_text);
        // The glyphs kept: a prefix of a left-to-right part, a suffix of a right-to-left one
        // (its trailing spaces come first, reversed).
        let all = &part.shaped.glyphs;
        let keep = if text_len == part.text.len() { all.len() } else { part.glyphs_before(text_len).count() };
        let reversed = part.level.is_rtl();
        let glyphs = if reversed { &all[all.len() - keep..] } else { &all[..keep] };
        for (k, g) in glyphs.iter().enumerate() {
            // The cluster ends where the next glyph in logical order starts another.
            let next_cluster = if reversed {
                glyphs[..k].iter().rev().map(|n| n.cluster).find(|&c| c != g.cluster)
            } else {
                glyphs[k + 1..].iter().map(|n| n.cluster).find(|&c| c != g.cluster)
            };
            let cluster_end = next_cluster.unwrap_or(text_len as u32).max(g.cluster + 1).min(text_len as u32);
            let advance = g.advance * size + if extra > 0.0 && is_space(part, g) { extra } else { 0.0 };
            run.glyphs.push(GlyphPos {
                id: g.id,
                advance,
                x_offset: g.x_offset * size,
                y_offset: g.y_offset * size,
                cluster: base + g.cluster,
                cluster_end: base + cluster_end,
            });
            x += advance;
        }
    };
    if bidi {
        let parts: Vec<(&SegmentPart, usize)> = parts.collect();
        let levels: Vec<Level> = parts.iter().map(|(p, _)| p.level).collect();
        for k in unicode_bidi::ParagraphBidiInfo::reorder_visual(&levels) {
            place(parts[k].0, parts[k].1);
        }
    } else {
        for (part, text_len) in parts {
            place(part, text_len);
        }
    }
    SetLine { runs, width: line_width }
}

/// Whether a glyph of a part is a space (one justification may stretch).
fn is_space(part: &SegmentPart, g: &crate::text::fonts::ShapedGlyph) -> bool {
    part.text[g.cluster as usize..].starts_with(' ')
}

/// Values for placeholders: the job's data over the design's defaults.
pub type Data = BTreeMap<String, String>;

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Vec<StyledText> {
        vec![StyledText { text: text.into(), bold: false, italic: false }]
    }

    fn style(align: Align) -> ParagraphStyle {
        ParagraphStyle { family: "serif".into(), bold: false, italic: false, size: 11.0, align }
    }

    #[test]
    fn markup_and_fields_parse() {
        let t = Template::parse("Dear {name}, *truly* **bold** \\* {{x}}").unwrap();
        assert_eq!(t.fields(), vec!["name"]);
        let filled = t.fill(&|n| (n == "name").then(|| "A*B".to_string())).unwrap();
        let all: String = filled.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(all, "Dear A*B, truly bold * {x}");
        assert!(filled.iter().any(|s| s.italic && s.text == "truly"));
        assert!(Template::parse("*open").unwrap_err().contains("never closed"));
        assert!(Template::parse("{na me}").is_err());
        assert_eq!(t.fill(&|_| None).unwrap_err(), FillError::Missing("name".into()));
    }

    #[test]
    fn filling_stops_at_the_limit_before_the_memory_is_spent() {
        let t = Template::parse(&"{x}".repeat(1_000)).unwrap();
        let value = "a".repeat(96_000);
        assert_eq!(t.fill(&|_| Some(value.clone())).unwrap_err(), FillError::TooLong);
        let short = "a".repeat(MAX_FILLED_TEXT_CHARS / 1_000);
        assert_eq!(t.fill(&|_| Some(short.clone())).unwrap()[0].text.len(), MAX_FILLED_TEXT_CHARS);
    }

    #[test]
    fn lines_fit_and_justify() {
        let book = FontBook::bundled();
        let text = "The punitive system of unjust detentions must end. The standard for our immigration system should be freedom, not detention.";
        let lines = set_lines(&book, &plain(text), &style(Align::Justify), 200.0).unwrap();
        assert!(lines.len() >= 3);
        for l in &lines[..lines.len() - 1] {
            assert!((l.width - 200.0).abs() < 0.01, "justified width {}", l.width);
            let sum: f32 = l.runs.iter().flat_map(|r| &r.glyphs).map(|g| g.advance).sum();
            assert!((sum - 200.0).abs() < 0.05, "advances add up to the width: {sum}");
        }
        assert!(lines.last().unwrap().width < 200.0);
        let rebuilt: Vec<String> =
            lines.iter().map(|l| l.runs.iter().map(|r| r.text.as_str()).collect()).collect();
        assert_eq!(rebuilt.join(" "), text);
    }

    #[test]
    fn newlines_and_blank_lines_are_kept() {
        let book = FontBook::bundled();
        let lines = set_lines(&book, &plain("one\n\nthree"), &style(Align::Left), 300.0).unwrap();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].runs.is_empty());
    }

    #[test]
    fn long_words_break_and_fallback_fonts_apply() {
        let book = FontBook::bundled();
        let lines = set_lines(&book, &plain("Supercalifragilisticexpialidocious"), &style(Align::Left), 60.0)
            .unwrap();
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| l.width <= 60.01));
        let script = ParagraphStyle { family: "script".into(), ..style(Align::Left) };
        let lines = set_lines(&book, &plain("Nguyễn Łukasiewicz"), &script, 300.0).unwrap();
        let text: String = lines[0].runs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(text, "Nguyễn Łukasiewicz");
        let err = set_lines(&book, &plain("中"), &style(Align::Left), 300.0).unwrap_err();
        assert_eq!(err, SetError::MissingGlyph { character: '中', family: "serif".into() });
    }

    /// The bundled fonts and `hebrew`, Noto Sans Hebrew from the tests' fonts.
    fn hebrew_book() -> FontBook {
        let mut book = FontBook::bundled();
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fonts/NotoSansHebrew-Regular.ttf");
        book.add_family(
            "hebrew",
            &crate::text::fonts::FamilyFiles { regular: Some(path), ..Default::default() },
        )
        .unwrap();
        book
    }

    #[test]
    fn only_right_to_left_text_takes_the_bidirectional_pass() {
        assert!(!needs_bidi("It ensures people don’t get funneled — Nguyễn, Zoë, Ω, Ж", Direction::Auto));
        assert!(!needs_bidi("Hello", Direction::Ltr));
        assert!(needs_bidi("Hello", Direction::Rtl));
        assert!(needs_bidi("Yousef (يوسف)", Direction::Auto));
        assert!(needs_bidi("שלום", Direction::Ltr));
        assert!(needs_bidi("\u{2067}x\u{2069}", Direction::Auto), "an explicit isolate");
        assert!(needs_bidi("٣", Direction::Auto), "Arabic digits are shaped left to right");
        let err = set_lines(&FontBook::bundled(), &plain("שלום"), &style(Align::Left), 300.0).unwrap_err();
        assert_eq!(err, SetError::MissingGlyph { character: 'ש', family: "serif".into() });
    }

    #[test]
    fn right_to_left_paragraphs_start_at_the_right_and_keep_their_spaces() {
        let book = hebrew_book();
        let style = |align| ParagraphStyle { family: "hebrew".into(), ..style(align) };
        let text = "שלום, עולם.";
        let line = &set_lines(&book, &plain(text), &style(Align::Start), 300.0).unwrap()[0];
        let x = line.runs[0].x;
        assert!((x + line.width - 300.0).abs() < 0.01, "flush right: {x} + {}", line.width);
        // Every character is set, the space too, and the full stop stands leftmost.
        let chars: usize = line.runs.iter().map(|r| r.text.chars().count()).sum();
        assert_eq!(chars, text.chars().count());
        let first = &line.runs[0];
        assert_eq!(&first.text[first.glyphs[0].cluster as usize..first.glyphs[0].cluster_end as usize], ".");
        // Left stays left; auto finds Latin first and sets left to right.
        let left = &set_lines(&book, &plain(text), &style(Align::Left), 300.0).unwrap()[0];
        assert_eq!(left.runs[0].x, 0.0);
        let latin = &set_lines(&book, &plain("Hi שלום"), &style(Align::Start), 300.0).unwrap()[0];
        assert_eq!(latin.runs[0].x, 0.0);
        let forced =
            &set_lines_directed(&book, &plain("Hi שלום"), &style(Align::Start), Direction::Rtl, 300.0)
                .unwrap()[0];
        assert!(forced.runs[0].x > 0.0);
    }

    #[test]
    fn justified_right_to_left_lines_fill_the_width_and_end_at_the_right() {
        let book = hebrew_book();
        let style = ParagraphStyle { family: "hebrew".into(), ..style(Align::Justify) };
        let text = "אנו קוראים לשחרר את העצורים ולאחד משפחות. כל אדם זכאי ליחס של כבוד, הוגנות וחמלה.";
        let lines = set_lines(&book, &plain(text), &style, 150.0).unwrap();
        assert!(lines.len() >= 3);
        for l in &lines[..lines.len() - 1] {
            let sum: f32 = l.runs.iter().flat_map(|r| &r.glyphs).map(|g| g.advance).sum();
            assert!((sum - 150.0).abs() < 0.05, "advances add up to the width: {sum}");
            assert!(l.runs[0].x.abs() < 0.01);
        }
        let last = lines.last().unwrap();
        assert!(last.width < 150.0 && (last.runs[0].x + last.width - 150.0).abs() < 0.01);
    }
}
