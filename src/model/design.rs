//! Designs: the TOML format, read into a typed model with the line of every element.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::base::diag::{Diagnostic, Error, Result, Source, nearest};
use crate::base::formats::{self, Format};
use crate::base::units::{Color, Length, Rect};
use crate::input::confine::Sandbox;
use crate::input::limits::{
    MAX_ELEMENTS, MAX_FONT_FAMILIES, MAX_PAGES, MAX_STYLE_CHAIN, MAX_STYLES, MAX_TEXT_CHARS,
};
use crate::text::fonts::{FamilyFiles, FontBook};
use crate::text::{Align, Direction, Template};

/// A design file as written: page format, styles, and the elements on each page.
///
/// Lengths take units (`pt`, `in`, `mm`, `cm`, or `%` of the page's trim box); positions are
/// measured from the top-left corner of the trim box.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DesignFile {
    /// Document title, written into the PDF.
    pub title: Option<String>,
    /// A built-in page format (see `letterkit layouts`), such as "us-letter", "postcard-4x6" or "envelope-10".
    #[schemars(with = "Option<String>")]
    pub format: Option<Spanned<String>>,
    /// A custom trim size, [width, height], instead of `format`.
    #[serde(default, deserialize_with = "pair")]
    pub size: Option<[Length; 2]>,
    /// "portrait" or "landscape"; swaps the format's width and height when it differs.
    pub orientation: Option<Orientation>,
    /// Margin on every side; the default box for text and the edge of the margin box. Default: the format's.
    pub margin: Option<Length>,
    /// Bleed beyond the trim edge on every side. Default: the format's (1/8 in for postcards, none for paper).
    pub bleed: Option<Length>,
    /// Safe-zone inset from the trim edge. Default: the format's.
    pub safe: Option<Length>,
    /// Names of the design's pages, in order (e.g. ["front", "back"]). Default: one page.
    #[serde(default)]
    pub pages: Vec<String>,
    /// For folded cards: "quarter" (one sheet folded twice) or "half" (folded once, printed two-sided).
    /// Needs pages = ["front", "inside-left", "inside-right", "back"], each at the finished card size.
    pub fold: Option<Fold>,
    /// Header for the pages a text continues onto (`overflow = "continue"`), e.g. "{name}, page {page}".
    pub continuation_header: Option<String>,
    /// Extra font families: a name and its files (paths relative to the design).
    #[serde(default)]
    pub fonts: BTreeMap<String, FontFilesDef>,
    /// Default values for `{field}` placeholders (a job's data overrides them).
    #[serde(default)]
    pub data: BTreeMap<String, String>,
    /// Named text styles that elements refer to with `style = "name"`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, StyleDef>")]
    pub styles: BTreeMap<String, Spanned<StyleDef>>,
    /// The elements, drawn in order (later ones on top).
    #[serde(default)]
    #[schemars(with = "Vec<ElementDef>")]
    pub element: Vec<Spanned<ElementDef>>,
}

/// How a card is folded from its flat sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Fold {
    /// Folded twice: four panels on one side of a sheet twice the card's width and height.
    Quarter,
    /// Folded once: a sheet twice the card's width, printed on both sides.
    Half,
}

/// The page names a folded card needs, in order.
pub const CARD_PANELS: [&str; 4] = ["front", "inside-left", "inside-right", "back"];

/// Page orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    /// Taller than wide.
    Portrait,
    /// Wider than tall.
    Landscape,
}

/// Font files for one family: one file for the regular style, or a table of styles.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FontFilesDef {
    /// A single file, used for every style.
    One(String),
    /// Files by style.
    Styles(FontStylesDef),
}

impl FontFilesDef {
    /// The family's files, their paths taken from `base_dir`.
    pub fn files(&self, base_dir: &Path) -> FamilyFiles {
        let rel = |p: &String| base_dir.join(p);
        match self {
            FontFilesDef::One(p) => FamilyFiles { regular: Some(rel(p)), ..FamilyFiles::default() },
            FontFilesDef::Styles(s) => FamilyFiles {
                regular: Some(rel(&s.regular)),
                italic: s.italic.as_ref().map(rel),
                bold: s.bold.as_ref().map(rel),
                bold_italic: s.bold_italic.as_ref().map(rel),
            },
        }
    }
}

/// Font files by style.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FontStylesDef {
    /// The regular (upright, normal weight) file.
    pub regular: String,
    /// The italic file.
    pub italic: Option<String>,
    /// The bold file.
    pub bold: Option<String>,
    /// The bold italic file.
    pub bold_italic: Option<String>,
}

/// Text properties shared by a style and a text element.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StyleDef {
    /// Another style this one starts from.
    pub extends: Option<String>,
    /// Font family: "serif" (Charis SIL), "sans" (Lato), "script" (Kaushan Script), or one from `fonts`.
    pub font: Option<String>,
    /// Font size, e.g. "11pt".
    pub size: Option<Length>,
    /// "regular" or "bold".
    pub weight: Option<Weight>,
    /// Italic.
    pub italic: Option<bool>,
    /// Text colour.
    pub color: Option<Color>,
    /// "start" (default: left, or right for right-to-left text), "end", "left", "center", "right" or "justify".
    pub align: Option<Align>,
    /// Distance from one baseline to the next. Default: 1.25 x size.
    pub leading: Option<Length>,
    /// Print the text in capitals (the filled-in data too).
    pub uppercase: Option<bool>,
    /// "auto" (default: each paragraph's first Hebrew, Arabic or Latin letter decides), "ltr" or "rtl".
    pub direction: Option<Direction>,
}

/// Font weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Weight {
    /// Normal weight.
    Regular,
    /// Bold.
    Bold,
}

/// What an element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ElementKind {
    /// Text flowed into a box.
    Text,
    /// The delivery address of a mail piece: text placed by USPS rules inside the OCR read
    /// area (right half by default), checked to stay there; the page's barcode clear zone is
    /// checked to stay empty. Default text: `{delivery_address}`.
    Address,
    /// A JPEG or PNG picture.
    Image,
    /// A rectangle, optionally with rounded corners.
    Rect,
    /// An ellipse inside the box.
    Ellipse,
    /// A straight line from (x, y) to (x2, y2).
    Line,
    /// Ruled lines to write on by hand, filling the box.
    Lines,
}

impl ElementKind {
    fn name(self) -> &'static str {
        match self {
            ElementKind::Text => "text",
            ElementKind::Address => "address",
            ElementKind::Image => "image",
            ElementKind::Rect => "rect",
            ElementKind::Ellipse => "ellipse",
            ElementKind::Line => "line",
            ElementKind::Lines => "lines",
        }
    }
}

/// How an image fills its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// The whole image, as large as fits, centred on the focus point.
    Contain,
    /// Fills the box; what overflows is cut off, keeping the focus point in view.
    Cover,
    /// Fills the box exactly, distorting the image.
    Stretch,
}

/// Vertical placement of text in its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VAlign {
    /// First line at the top.
    Top,
    /// Centred vertically.
    Middle,
    /// Last line at the bottom.
    Bottom,
}

/// What happens when text is longer than its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Overflow {
    /// Stop with an error naming the element (the default).
    Error,
    /// Continue on a new page, under the design's `continuation_header`.
    Continue,
}

/// Where a text's lines may be broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Wrap {
    /// Between words, as the Unicode line-breaking rules allow (the default for `text`).
    Words,
    /// As an address: every written line whole, shrinking first; a line still too long is
    /// broken after a comma or before Apt, Suite, Unit or #, into at most five lines (the
    /// default, and the only choice, for `address`).
    Address,
}

/// One element as written. Which keys apply depends on `kind`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ElementDef {
    /// "text", "address", "image", "rect", "ellipse", "line" or "lines".
    pub kind: ElementKind,
    /// A name for messages (e.g. "body").
    pub name: Option<String>,
    /// The page it is on, by name from `pages`. Default: the first page.
    pub page: Option<String>,
    /// Left edge, from the trim box's left edge. Default: the margin.
    pub x: Option<Length>,
    /// Top edge, from the trim box's top edge. Default: the margin.
    pub y: Option<Length>,
    /// Width. Default: to the right margin.
    pub width: Option<Length>,
    /// Height. Default: to the bottom margin.
    pub height: Option<Length>,
    /// Draw the element only when this `{field}` has a non-empty value (e.g. "return_address").
    pub when: Option<String>,
    /// Draw the element only when this `{field}` is empty or has no value.
    pub unless: Option<String>,
    /// For `line`: the end point's x.
    pub x2: Option<Length>,
    /// For `line`: the end point's y.
    pub y2: Option<Length>,
    /// Extend the element into the bleed on every side where it touches the trim edge (backgrounds, full-bleed photos).
    pub bleed: Option<bool>,
    /// For `text`: the text, with `*italic*`, `**bold**` and `{field}` placeholders; a blank line starts a new paragraph.
    pub text: Option<String>,
    /// For `text`: a style from `[styles]`.
    pub style: Option<String>,
    /// For `text`: font family.
    pub font: Option<String>,
    /// For `text`: font size.
    pub size: Option<Length>,
    /// For `text`: "regular" or "bold".
    pub weight: Option<Weight>,
    /// For `text`: italic.
    pub italic: Option<bool>,
    /// For `text`: colour.
    pub color: Option<Color>,
    /// For `text`: horizontal alignment.
    pub align: Option<Align>,
    /// For `text`: "auto" (default), "ltr" or "rtl".
    pub direction: Option<Direction>,
    /// For `text`: distance between baselines.
    pub leading: Option<Length>,
    /// For `text`: print in capitals.
    pub uppercase: Option<bool>,
    /// For `text`: "top" (default), "middle" or "bottom".
    pub valign: Option<VAlign>,
    /// For `text`: the smallest size the text may shrink to when it does not fit.
    pub shrink_to: Option<Length>,
    /// For `text`: "error" (default) or "continue" onto a new page.
    pub overflow: Option<Overflow>,
    /// For `text`: "words" (default) or "address": keep each line whole, shrink, then break only after a comma or before Apt, Suite, Unit or #.
    pub wrap: Option<Wrap>,
    /// For `image`: the file, relative to the design's folder (or a bundled asset by name).
    pub src: Option<String>,
    /// For `image`: "contain" (default), "cover" or "stretch".
    pub fit: Option<Fit>,
    /// For `image`: the point to keep in view, [x, y] as fractions of the image (0 to 1). Default [0.5, 0.5].
    #[serde(default, deserialize_with = "pair")]
    pub focus: Option<[f32; 2]>,
    /// For shapes: fill colour.
    pub fill: Option<Color>,
    /// For shapes and `lines`: stroke colour.
    pub stroke: Option<Color>,
    /// For shapes and `lines`: stroke width. Default 0.75pt.
    pub stroke_width: Option<Length>,
    /// For `rect`: corner radius.
    pub radius: Option<Length>,
    /// For `lines`: distance between ruled lines. Default 0.34in (wide rule, good for handwriting).
    pub spacing: Option<Length>,
}

impl ElementDef {
    /// The keys given that only some kinds accept, with the kinds that accept them.
    fn kind_specific_keys(&self) -> Vec<(&'static str, &'static [ElementKind])> {
        use ElementKind::*;
        const TEXT: &[ElementKind] = &[Text, Address];
        const SHAPES: &[ElementKind] = &[Rect, Ellipse, Line];
        const STROKED: &[ElementKind] = &[Rect, Ellipse, Line, Lines];
        let mut keys = Vec::new();
        let mut check = |present: bool, key: &'static str, kinds: &'static [ElementKind]| {
            if present {
                keys.push((key, kinds));
            }
        };
        check(self.text.is_some(), "text", TEXT);
        check(self.style.is_some(), "style", TEXT);
        check(self.font.is_some(), "font", TEXT);
        check(self.size.is_some(), "size", TEXT);
        check(self.weight.is_some(), "weight", TEXT);
        check(self.italic.is_some(), "italic", TEXT);
        check(self.color.is_some(), "color", TEXT);
        check(self.align.is_some(), "align", TEXT);
        check(self.direction.is_some(), "direction", TEXT);
        check(self.leading.is_some(), "leading", TEXT);
        check(self.uppercase.is_some(), "uppercase", TEXT);
        check(self.valign.is_some(), "valign", TEXT);
        check(self.shrink_to.is_some(), "shrink_to", TEXT);
        check(self.overflow.is_some(), "overflow", TEXT);
        check(self.wrap.is_some(), "wrap", TEXT);
        check(self.src.is_some(), "src", &[Image]);
        check(self.fit.is_some(), "fit", &[Image]);
        check(self.focus.is_some(), "focus", &[Image]);
        check(self.fill.is_some(), "fill", SHAPES);
        check(self.stroke.is_some(), "stroke", STROKED);
        check(self.stroke_width.is_some(), "stroke_width", STROKED);
        check(self.radius.is_some(), "radius", &[Rect]);
        check(self.spacing.is_some(), "spacing", &[Lines]);
        check(self.x2.is_some(), "x2", &[Line]);
        check(self.y2.is_some(), "y2", &[Line]);
        keys
    }
}

/// A design read and checked: sizes in points, styles resolved, every element placed on a page.
pub struct Design {
    /// Title for the PDF.
    pub title: String,
    /// Trim width in points.
    pub width: f32,
    /// Trim height in points.
    pub height: f32,
    /// Bleed in points (0 for none).
    pub bleed: f32,
    /// Margin in points.
    pub margin: f32,
    /// Safe-zone inset in points.
    pub safe: f32,
    /// The format it was made from, if a built-in one.
    pub format: Option<&'static Format>,
    /// Page names, in order.
    pub pages: Vec<String>,
    /// Header template for continuation pages.
    pub continuation_header: Option<Template>,
    /// How the card is folded, for card designs.
    pub fold: Option<Fold>,
    /// Placeholder defaults.
    pub data: BTreeMap<String, String>,
    /// Elements in drawing order.
    pub elements: Vec<Element>,
    /// The fonts: bundled plus the design's own.
    pub fonts: FontBook,
    /// The folder image paths resolve against.
    pub base_dir: PathBuf,
    /// The file it came from, for messages.
    pub path: PathBuf,
}

/// An element, resolved.
pub struct Element {
    /// Index into [`Design::pages`].
    pub page: usize,
    /// A label for messages, such as "text element `body`" (the line is given separately).
    pub label: String,
    /// Where it was written.
    pub line: usize,
    /// The box, in points relative to the trim box.
    pub rect: Rect,
    /// Whether to extend into the bleed where it touches the trim edge.
    pub bleed: bool,
    /// Drawn only when this field is non-empty.
    pub when: Option<String>,
    /// Drawn only when this field is empty.
    pub unless: Option<String>,
    /// What to draw.
    pub body: Body,
}

/// What an element draws.
pub enum Body {
    /// Text.
    Text(TextSpec),
    /// A delivery address, kept inside the OCR read area.
    Address(TextSpec),
    /// An image.
    Image(ImageSpec),
    /// A rectangle with optional rounded corners.
    Rect { radius: f32, paint: Paint },
    /// An ellipse in the box.
    Ellipse { paint: Paint },
    /// A line from the box's top-left to its (x2, y2) end.
    Line { x2: f32, y2: f32, paint: Paint },
    /// Ruled writing lines.
    Lines { spacing: f32, paint: Paint },
}

/// Fill and stroke of a shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paint {
    /// Fill colour.
    pub fill: Option<Color>,
    /// Stroke colour and width.
    pub stroke: Option<(Color, f32)>,
}

/// A text element, resolved.
pub struct TextSpec {
    /// The template to fill.
    pub template: Template,
    /// Family.
    pub family: String,
    /// Bold.
    pub bold: bool,
    /// Italic.
    pub italic: bool,
    /// Size in points.
    pub size: f32,
    /// Colour.
    pub color: Color,
    /// Alignment.
    pub align: Align,
    /// Base direction of its paragraphs.
    pub direction: Direction,
    /// Baseline distance as a multiple of the size.
    pub leading: f32,
    /// Capitals.
    pub uppercase: bool,
    /// Vertical placement.
    pub valign: VAlign,
    /// Smallest size to shrink to, if shrinking is allowed.
    pub shrink_to: Option<f32>,
    /// What to do when it is too long.
    pub overflow: Overflow,
    /// Where its lines may be broken.
    pub wrap: Wrap,
}

/// An image element, resolved.
pub struct ImageSpec {
    /// The file.
    pub path: PathBuf,
    /// Fit.
    pub fit: Fit,
    /// Focus point, fractions of the image.
    pub focus: [f32; 2],
}

/// Reads `[a, b]` and nothing longer: serde reads a fixed-size array's first items and would
/// let a third pass, so `render` would take a design `check` refuses.
fn pair<'de, D, T>(d: D) -> std::result::Result<Option<[T; 2]>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items: Vec<T> = Vec::deserialize(d)?;
    let count = items.len();
    <[T; 2]>::try_from(items)
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("this takes a list of 2 values; it has {count}")))
}

/// Reads and checks a design file; its pictures and fonts may come from its own folder, the
/// bundled files and the folders `sandbox` allows.
pub fn load(path: &Path, sandbox: &Sandbox) -> Result<Design> {
    let source = crate::input::read_text(path)?;
    parse(&source, sandbox)
}

/// Parses a design from source text; `source.path` names the file and its folder.
pub fn parse(source: &Source, sandbox: &Sandbox) -> Result<Design> {
    parse_with(source, None, sandbox)
}

/// Parses a design, replacing its paper format with `paper` when the design is on paper
/// (a campaign printed on A4 uses the built-in letter designs made for US Letter).
pub fn parse_with(source: &Source, paper: Option<&'static Format>, sandbox: &Sandbox) -> Result<Design> {
    let mut file: DesignFile = from_toml(source)?;
    if let (Some(paper), Some(name)) = (paper, &file.format)
        && formats::find(name.get_ref(), Some(formats::Kind::Paper)).is_ok()
    {
        file.format = Some(Spanned::new(name.span(), paper.name.clone()));
    }
    let base_dir = source.path.parent().map(Path::to_path_buf).unwrap_or_default();
    resolve(file, source, base_dir, sandbox)
}

/// Deserializes TOML, turning parse errors into diagnostics with line, column and a suggestion.
pub fn from_toml<T: serde::de::DeserializeOwned>(source: &Source) -> Result<T> {
    crate::input::toml_size(source)?;
    toml::from_str(&source.text).map_err(|e| toml_error(source, &e))
}

fn toml_error(source: &Source, e: &toml::de::Error) -> Error {
    let offset = e.span().map_or(0, |s| s.start);
    let message = e.message().trim().to_string();
    let mut diagnostic = Diagnostic::error(message.clone()).at_offset(source, offset);
    // "unknown field `x`, expected one of `a`, `b`": suggest the nearest.
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((field, expected)) = rest.split_once('`') {
            let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            diagnostic = diagnostic.code("format.unknown-key");
            if let Some(near) = nearest(field, names.iter().copied()) {
                diagnostic.message = format!("unknown key `{field}`");
                diagnostic = diagnostic.hint(format!("did you mean `{near}`?"));
            } else {
                diagnostic.message = format!("unknown key `{field}`");
                diagnostic = diagnostic.hint(format!("the keys here are: {}", names.join(", ")));
            }
        }
    } else if let Some(rest) = message.strip_prefix("unknown variant `")
        && let Some((value, expected)) = rest.split_once('`')
    {
        let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        diagnostic.message = format!("unknown value `{value}`");
        diagnostic = diagnostic.code("format.unknown-choice");
        diagnostic = match nearest(value, names.iter().copied()) {
            Some(near) => diagnostic.hint(format!("did you mean `{near}`?")),
            None => diagnostic.hint(format!("use one of: {}", names.join(", "))),
        };
    } else if message.starts_with("invalid type") {
        diagnostic = diagnostic.code("format.wrong-type");
    } else if message.starts_with("invalid length") {
        diagnostic = diagnostic.code("format.list-length");
    } else if message.starts_with("missing field") {
        diagnostic = diagnostic.code("format.missing-key");
    } else if message.starts_with("duplicate key") {
        diagnostic = diagnostic.code("format.toml-syntax");
        let key = e.span().and_then(|s| source.text.get(s)).map(str::trim).unwrap_or("");
        if !key.is_empty() {
            diagnostic.message = format!("the key `{key}` is given twice here");
        }
    } else if message.contains("escaped") || message.contains("escape") {
        diagnostic = diagnostic.hint(
            "in a \"...\" string a backslash starts an escape: write \\\\ for a backslash (so \\\\* for a literal *), or use a '...' string",
        );
    }
    diagnostic.into()
}

fn resolve(file: DesignFile, source: &Source, base_dir: PathBuf, sandbox: &Sandbox) -> Result<Design> {
    let mut errors: Vec<Diagnostic> = Vec::new();
    let at = |span: std::ops::Range<usize>, message: String| {
        Diagnostic::error(message).at_offset(source, span.start)
    };
    let top = |message: String| Diagnostic::error(message).in_file(&source.path);
    // Over a limit, nothing more is looked at: the work the limit guards is not done.
    let over_limits = design_limits(&file, source);
    if !over_limits.is_empty() {
        return Err(Error(over_limits));
    }

    // Page size.
    let format = match &file.format {
        Some(name) => match formats::find(name.get_ref(), None) {
            Ok(f) => Some(f),
            Err(d) => {
                let (line, column) = source.line_column(name.span().start);
                return Err(Diagnostic {
                    file: Some(source.path.clone()),
                    position: Some((line, column)),
                    ..d
                }
                .into());
            }
        },
        None => None,
    };
    let (mut width, mut height) = match (&file.size, format) {
        (Some(_), Some(_)) => return Err(top("give `format` or `size`, not both".into()).into()),
        (Some([w, h]), None) => match (w.absolute(), h.absolute()) {
            (Some(w), Some(h)) if w > 0.0 && h > 0.0 => (w, h),
            _ => {
                return Err(
                    top("`size` takes two positive absolute lengths, like [\"5in\", \"7in\"]".into()).into(),
                );
            }
        },
        (None, Some(f)) => (f.width, f.height),
        (None, None) => {
            return Err(top("the design has no page size".into())
                .hint("add `format = \"us-letter\"` (see `letterkit layouts`) or `size = [\"5in\", \"7in\"]`")
                .into());
        }
    };
    if let Some(o) = file.orientation
        && (o == Orientation::Landscape) != (width > height)
        && width != height
    {
        std::mem::swap(&mut width, &mut height);
    }
    const MAX_PAGE: f32 = 14400.0; // the PDF limit: 200 in
    if width > MAX_PAGE || height > MAX_PAGE {
        return Err(top("the page is larger than 200 in, the largest a PDF page can be".into()).into());
    }
    let abs = |l: Option<Length>, of: f32, default: f32| l.map_or(default, |l| l.resolve(of));
    let margin = abs(file.margin, width.min(height), format.map_or(36.0, |f| f.margin));
    let bleed = abs(file.bleed, width.min(height), format.map_or(0.0, |f| f.bleed));
    let safe = abs(file.safe, width.min(height), format.map_or(9.0, |f| f.safe));
    if margin < 0.0 || safe < 0.0 {
        errors.push(top("`margin` and `safe` must be zero or more".into()));
    }
    // Bleed: print shops ask for 1/8 in (3 mm); more than 1 in is a mistake, and the page with
    // its bleed must stay within the PDF's 200 in.
    if !(0.0..=72.0).contains(&bleed) {
        errors.push(top(format!(
            "`bleed` of {bleed}pt is out of range; use 0 to 1in (print shops ask for 0.125in)"
        )));
    }
    if margin * 2.0 >= width.min(height) {
        errors.push(top(format!("the margin ({margin}pt) leaves no room on a {width} x {height}pt page")));
    }

    // Fonts. A family whose files failed is remembered, so its users get no second error.
    let mut fonts = FontBook::bundled();
    let mut failed_families: Vec<String> = Vec::new();
    for (name, def) in &file.fonts {
        let files = def.files(&base_dir);
        let refused = confine_fonts(name, &files, &base_dir, sandbox);
        if !refused.is_empty() {
            failed_families.push(name.clone());
            errors.extend(refused.into_iter().map(|d| Diagnostic { file: Some(source.path.clone()), ..d }));
            continue;
        }
        if let Err(e) = fonts.add_family(name, &files) {
            failed_families.push(name.clone());
            errors.extend(e.0.into_iter().map(|d| Diagnostic { file: Some(source.path.clone()), ..d }));
        }
    }

    // Styles, resolved through `extends`.
    let mut styles: BTreeMap<String, StyleDef> = BTreeMap::new();
    // A chain that is too long is reported once, at its first style (the one no style extends),
    // not again for every style along it.
    let extended: Vec<&str> = file.styles.values().filter_map(|s| s.get_ref().extends.as_deref()).collect();
    for name in file.styles.keys() {
        match resolve_style(name, &file.styles) {
            Ok(s) => {
                styles.insert(name.clone(), s);
            }
            Err((_, true)) if extended.contains(&name.as_str()) => {}
            Err((message, _)) => errors.push(at(file.styles[name].span(), message)),
        }
    }

    if file.fold.is_some() && file.pages != CARD_PANELS {
        errors.push(top(format!(
            "a folded card needs pages = [\"{}\"], in that order",
            CARD_PANELS.join("\", \"")
        )));
    }
    let pages = if file.pages.is_empty() { vec!["page 1".to_string()] } else { file.pages.clone() };
    let continuation_header = match &file.continuation_header {
        Some(t) => match Template::parse(t) {
            Ok(t) => Some(t),
            Err(e) => {
                errors.push(top(format!("continuation_header: {e}")));
                None
            }
        },
        None => None,
    };

    // Names whose own errors were reported above: elements using them get no second error.
    let broken: Vec<String> = failed_families
        .iter()
        .chain(file.styles.keys().filter(|k| !styles.contains_key(*k)))
        .cloned()
        .collect();
    let mut elements = Vec::new();
    for (index, spanned) in file.element.iter().enumerate() {
        let span = spanned.span();
        let def = spanned.get_ref();
        let (line, _) = source.line_column(span.start);
        let label = match &def.name {
            Some(n) => format!("{} element `{n}`", def.kind.name()),
            None => format!("{} element #{}", def.kind.name(), index + 1),
        };
        let err = |message: String| at(span.clone(), format!("{label}: {message}"));
        for (key, kinds) in def.kind_specific_keys() {
            if !kinds.contains(&def.kind) {
                let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                errors.push(err(format!(
                    "`{key}` does not apply to a {} element (only to {})",
                    def.kind.name(),
                    names.join(", ")
                )));
            }
        }
        let page = match &def.page {
            None => 0,
            Some(p) => match pages.iter().position(|n| n == p) {
                Some(i) => i,
                None => {
                    let mut d = err(format!("no page named `{p}`"));
                    if let Some(near) = nearest(p, pages.iter().map(String::as_str)) {
                        d = d.hint(format!("did you mean `{near}`?"));
                    } else if file.pages.is_empty() {
                        d = d.hint("name the pages first, e.g. pages = [\"front\", \"back\"]");
                    }
                    errors.push(d);
                    continue;
                }
            },
        };
        // An address box defaults to the right part of the OCR read area (mail's placement).
        let (default_x, default_y, default_right, default_bottom) = if def.kind == ElementKind::Address {
            let [left, top, right, bottom] = crate::mail::placement::address_box(width, height);
            (left, top, right, bottom)
        } else {
            (margin, margin, width - margin, height - margin)
        };
        let x = abs(def.x, width, default_x);
        let y = abs(def.y, height, default_y);
        let rect = Rect::new(
            x,
            y,
            def.width.map_or(default_right - x, |l| l.resolve(width)),
            def.height.map_or(default_bottom - y, |l| l.resolve(height)),
        );
        if def.kind != ElementKind::Line && (rect.width <= 0.0 || rect.height <= 0.0) {
            errors.push(err(format!(
                "the box is empty ({:.2} x {:.2}pt); give it a positive width and height",
                rect.width, rect.height
            )));
            continue;
        }
        let stroke_width = match def.stroke_width.map(|l| l.absolute()) {
            Some(None) => {
                errors.push(err("`stroke_width` must be an absolute length, not a percentage".into()));
                continue;
            }
            Some(Some(w)) if w > 0.0 && w <= 72.0 => w,
            Some(Some(w)) => {
                errors.push(err(format!(
                    "`stroke_width` of {w}pt is out of range; use more than 0 and at most 1in"
                )));
                continue;
            }
            None => 0.75,
        };
        let paint = Paint { fill: def.fill, stroke: def.stroke.map(|c| (c, stroke_width)) };
        let body = match def.kind {
            ElementKind::Text | ElementKind::Address => match text_spec(def, &styles, &fonts, &broken) {
                Ok(spec) if def.kind == ElementKind::Address => Body::Address(spec),
                Ok(spec) => Body::Text(spec),
                Err(message) if message.0.is_empty() => continue,
                Err(message) => {
                    let mut d = err(message.0);
                    if let Some(h) = message.1 {
                        d = d.hint(h);
                    }
                    errors.push(d);
                    continue;
                }
            },
            ElementKind::Image => {
                let Some(src) = &def.src else {
                    errors.push(err("an image needs `src`, the picture's file".into()));
                    continue;
                };
                let focus = def.focus.unwrap_or([0.5, 0.5]);
                if focus.iter().any(|f| !(0.0..=1.0).contains(f)) {
                    errors.push(err("`focus` takes two fractions from 0 to 1, like [0.5, 0.3]".into()));
                    continue;
                }
                let on_disk = base_dir.join(src);
                let path = if on_disk.exists() {
                    on_disk
                } else {
                    crate::input::assets::lookup(src).unwrap_or(on_disk)
                };
                if let Err(refused) = sandbox.confine(&path, &base_dir) {
                    errors.push(Diagnostic { hints: refused.hints, ..err(refused.message) });
                    continue;
                }
                Body::Image(ImageSpec { path, fit: def.fit.unwrap_or(Fit::Contain), focus })
            }
            ElementKind::Rect => Body::Rect {
                radius: match def.radius.map(|r| r.resolve(rect.width.min(rect.height))) {
                    Some(r) if r < 0.0 => {
                        errors.push(err("`radius` must be zero or more".into()));
                        continue;
                    }
                    r => r.unwrap_or(0.0).min(rect.width.min(rect.height) / 2.0),
                },
                paint: default_stroke(paint),
            },
            ElementKind::Ellipse => Body::Ellipse { paint: default_stroke(paint) },
            ElementKind::Line => {
                let (Some(x2), Some(y2)) = (def.x2, def.y2) else {
                    errors.push(err("a line needs `x2` and `y2`, its end point".into()));
                    continue;
                };
                Body::Line {
                    x2: x2.resolve(width),
                    y2: y2.resolve(height),
                    paint: Paint {
                        fill: None,
                        stroke: Some(paint.stroke.unwrap_or((Color::BLACK, stroke_width))),
                    },
                }
            }
            ElementKind::Lines => {
                let spacing = def.spacing.map_or(0.34 * 72.0, |s| s.resolve(height));
                if spacing < 6.0 {
                    errors.push(err(format!(
                        "`spacing` of {spacing}pt is too tight to write on; use at least 6pt"
                    )));
                    continue;
                }
                Body::Lines {
                    spacing,
                    paint: Paint {
                        fill: None,
                        stroke: Some(
                            paint.stroke.unwrap_or((Color::Rgb(160, 160, 160), stroke_width.min(0.5))),
                        ),
                    },
                }
            }
        };
        elements.push(Element {
            page,
            label,
            line,
            rect,
            bleed: def.bleed.unwrap_or(false),
            when: def.when.clone(),
            unless: def.unless.clone(),
            body,
        });
    }
    if !errors.is_empty() {
        return Err(Error(errors));
    }
    Ok(Design {
        title: file.title.unwrap_or_else(|| {
            source.path.file_stem().map_or("letterkit".into(), |s| s.to_string_lossy().into_owned())
        }),
        width,
        height,
        bleed,
        margin,
        safe,
        format,
        pages,
        continuation_header,
        fold: file.fold,
        data: file.data,
        elements,
        fonts,
        base_dir,
        path: source.path.clone(),
    })
}

fn default_stroke(paint: Paint) -> Paint {
    if paint.fill.is_none() && paint.stroke.is_none() {
        Paint { fill: None, stroke: Some((Color::BLACK, 0.75)) }
    } else {
        paint
    }
}

/// A style with everything it inherits through `extends` (at most [`MAX_STYLE_CHAIN`] styles
/// deep), walked in a loop: a long chain needs no stack. An error comes with whether the chain
/// was too long.
fn resolve_style(
    name: &str,
    all: &BTreeMap<String, Spanned<StyleDef>>,
) -> std::result::Result<StyleDef, (String, bool)> {
    let mut chain: Vec<&StyleDef> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut next = name;
    loop {
        if seen.contains(&next) {
            return Err((format!("style `{next}` extends itself (through {})", seen.join(" -> ")), false));
        }
        if chain.len() == MAX_STYLE_CHAIN {
            return Err((
                format!(
                    "style `{name}` extends a chain of more than {MAX_STYLE_CHAIN} styles; letterkit follows up to {MAX_STYLE_CHAIN}"
                ),
                true,
            ));
        }
        let Some(style) = all.get(next) else {
            let hint = nearest(next, all.keys().map(String::as_str))
                .map_or(String::new(), |n| format!("; did you mean `{n}`?"));
            return Err((format!("no style named `{next}`{hint}"), false));
        };
        let style = style.get_ref();
        chain.push(style);
        seen.push(next);
        match &style.extends {
            Some(parent) => next = parent,
            None => break,
        }
    }
    // From the root of the chain down, each style's own properties over what it inherits.
    let mut resolved = StyleDef { extends: None, ..chain.pop().cloned().unwrap_or_default() };
    while let Some(over) = chain.pop() {
        resolved = merge_style(&resolved, over);
    }
    Ok(resolved)
}

/// `over`'s properties where set, else `base`'s.
fn merge_style(base: &StyleDef, over: &StyleDef) -> StyleDef {
    StyleDef {
        extends: None,
        font: over.font.clone().or_else(|| base.font.clone()),
        size: over.size.or(base.size),
        weight: over.weight.or(base.weight),
        italic: over.italic.or(base.italic),
        color: over.color.or(base.color),
        align: over.align.or(base.align),
        direction: over.direction.or(base.direction),
        leading: over.leading.or(base.leading),
        uppercase: over.uppercase.or(base.uppercase),
    }
}

type Problem = (String, Option<String>);

/// A text element's spec. An error with an empty message means "already reported" (the
/// element uses a style or font family that failed on its own).
fn text_spec(
    def: &ElementDef,
    styles: &BTreeMap<String, StyleDef>,
    fonts: &FontBook,
    broken: &[String],
) -> std::result::Result<TextSpec, Problem> {
    let address = def.kind == ElementKind::Address;
    let default_text = "{delivery_address}".to_string();
    let text = match (&def.text, address) {
        (Some(t), _) => t,
        (None, true) => &default_text,
        (None, false) => return Err(("a text element needs `text`".into(), None)),
    };
    let base = match &def.style {
        Some(name) => match styles.get(name) {
            Some(s) => s.clone(),
            None if broken.contains(name) => return Err((String::new(), None)),
            None => {
                let hint =
                    nearest(name, styles.keys().map(String::as_str)).map(|n| format!("did you mean `{n}`?"));
                return Err((format!("no style named `{name}`"), hint));
            }
        },
        None => StyleDef::default(),
    };
    let own = StyleDef {
        extends: None,
        font: def.font.clone(),
        size: def.size,
        weight: def.weight,
        italic: def.italic,
        color: def.color,
        align: def.align,
        direction: def.direction,
        leading: def.leading,
        uppercase: def.uppercase,
    };
    let s = merge_style(&base, &own);
    let template = Template::parse(text).map_err(|e| (e, None))?;
    let family = s.font.unwrap_or_else(|| if address { "sans".into() } else { "serif".into() });
    if broken.contains(&family) {
        return Err((String::new(), None));
    }
    if !fonts.has_family(&family) {
        let families: Vec<&str> = fonts.family_names().collect();
        let hint = nearest(&family, families.iter().copied()).map(|n| format!("did you mean `{n}`?"));
        return Err((format!("no font family `{family}` (families: {})", families.join(", ")), hint));
    }
    let size = match s.size.map(Length::absolute) {
        None if address => 10.0,
        None => 11.0,
        Some(Some(size)) if size > 0.0 && size <= 1000.0 => size,
        _ => {
            return Err((
                "`size` must be an absolute length between 0 and 1000pt, like \"11pt\"".into(),
                None,
            ));
        }
    };
    let leading = match s.leading {
        None => 1.25,
        Some(l) => l.resolve(size) / size,
    };
    if leading <= 0.0 {
        return Err(("`leading` must be positive".into(), None));
    }
    let shrink_to = match def.shrink_to.map(Length::absolute) {
        None => None,
        Some(Some(min)) if min > 0.0 && min <= size => Some(min),
        _ => {
            return Err((
                format!("`shrink_to` must be an absolute size between 0 and the text size ({size}pt)"),
                None,
            ));
        }
    };
    let wrap = def.wrap.unwrap_or(if address { Wrap::Address } else { Wrap::Words });
    if address && wrap == Wrap::Words {
        return Err(("an `address` element wraps only as an address; leave `wrap` out".into(), None));
    }
    if wrap == Wrap::Address && def.overflow == Some(Overflow::Continue) {
        return Err(("an address cannot continue onto another page; leave `overflow` out".into(), None));
    }
    Ok(TextSpec {
        template,
        family,
        bold: s.weight == Some(Weight::Bold),
        italic: s.italic.unwrap_or(false),
        size,
        color: s.color.unwrap_or(Color::BLACK),
        // Address lines stay flush left whatever their script (docs/mail-rules.md 2.4).
        align: s.align.unwrap_or(if address { Align::Left } else { Align::Start }),
        direction: s.direction.unwrap_or_default(),
        leading,
        uppercase: s.uppercase.unwrap_or(false),
        valign: def.valign.unwrap_or(if address { VAlign::Middle } else { VAlign::Top }),
        shrink_to,
        overflow: def.overflow.unwrap_or(Overflow::Error),
        wrap,
    })
}

/// [`Sandbox::confine`] for the font files of one family a design adds, with the family named.
fn confine_fonts(family: &str, files: &FamilyFiles, base_dir: &Path, sandbox: &Sandbox) -> Vec<Diagnostic> {
    [&files.regular, &files.italic, &files.bold, &files.bold_italic]
        .into_iter()
        .flatten()
        .filter_map(|p| sandbox.confine(p, base_dir).err())
        .map(|d| Diagnostic { message: format!("font `{family}`: {}", d.message), ..d })
        .collect()
}

/// Checks a design file's sizes against the limits in [`crate::input::limits`]; every problem is reported.
fn design_limits(file: &DesignFile, source: &Source) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let top = |message: String| Diagnostic::error(message).in_file(&source.path);
    let chars = |s: &str| s.chars().count();
    if let Some(first_over) = file.element.get(MAX_ELEMENTS) {
        problems.push(
            Diagnostic::error(format!(
                "the design has {} elements; letterkit takes up to {MAX_ELEMENTS} in one design",
                file.element.len()
            ))
            .code("limit.elements")
            .at_offset(source, first_over.span().start)
            .hint("split it into several designs"),
        );
        // Each element's own checks below would cost time for nothing.
        return problems;
    }
    if file.styles.len() > MAX_STYLES {
        // The first style over the limit, in the file's order.
        let mut starts: Vec<usize> = file.styles.values().map(|s| s.span().start).collect();
        starts.sort_unstable();
        problems.push(
            Diagnostic::error(format!(
                "the design has {} styles; letterkit takes up to {MAX_STYLES} in one design",
                file.styles.len()
            ))
            .code("limit.styles")
            .at_offset(source, starts[MAX_STYLES])
            .hint("split it into several designs"),
        );
    }
    if file.pages.len() > MAX_PAGES {
        problems.push(
            top(format!(
                "the design names {} pages; letterkit takes up to {MAX_PAGES} in one design",
                file.pages.len()
            ))
            .code("limit.named-pages")
            .hint("split it into several designs"),
        );
    }
    if file.fonts.len() > MAX_FONT_FAMILIES {
        problems.push(
            top(format!(
                "the design adds {} font families; letterkit takes up to {MAX_FONT_FAMILIES}",
                file.fonts.len()
            ))
            .code("limit.font-families"),
        );
    }
    for (index, element) in file.element.iter().enumerate() {
        let def = element.get_ref();
        if let Some(text) = &def.text
            && chars(text) > MAX_TEXT_CHARS
        {
            let label = match &def.name {
                Some(n) => format!("element `{n}`"),
                None => format!("element #{}", index + 1),
            };
            problems.push(
                Diagnostic::error(format!(
                    "{label}: the text is {} characters long; letterkit takes up to {MAX_TEXT_CHARS} in one element",
                    chars(text)
                ))
                .code("limit.text-chars")
                .at_offset(source, element.span().start)
                .hint("split the text over several elements or designs"),
            );
        }
    }
    for (key, value) in &file.data {
        if chars(value) > MAX_TEXT_CHARS {
            problems.push(
                top(format!(
                    "[data] `{key}` is {} characters long; letterkit takes up to {MAX_TEXT_CHARS}",
                    chars(value)
                ))
                .code("limit.text-chars"),
            );
        }
    }
    if let Some(header) = &file.continuation_header
        && chars(header) > MAX_TEXT_CHARS
    {
        problems.push(top(format!("`continuation_header` is longer than {MAX_TEXT_CHARS} characters")));
    }
    problems
}
