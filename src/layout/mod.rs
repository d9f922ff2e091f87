//! Layout: a design and its data become pages of positioned glyph runs, paths and images,
//! in points with the origin at the top-left of the page. Nothing of units or defaults is left.

pub mod fold;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::base::diag::{Diagnostic, Error, Result, Warnings};
use crate::base::units::{Color, Rect};
use crate::input::limits::{MAX_PICTURE_BYTES, MAX_PICTURE_DECODED_BYTES, MAX_PICTURE_PIXELS};
use crate::mail::placement;
use crate::model::design::{Body, Design, Element, Fit, Overflow, Paint, TextSpec, VAlign, Wrap};
use crate::text::fonts::{Face, FontBook};
use crate::text::{FillError, GlyphPos, ParagraphStyle, SetError, SetLine, StyledText, set_lines};

/// A laid-out document, ready to render.
pub struct Document {
    /// Title for the PDF.
    pub title: String,
    /// The pages in order.
    pub pages: Vec<Page>,
}

/// One page: its boxes and what is drawn on it.
#[derive(Clone)]
pub struct Page {
    /// Media width in points (trim plus bleed on both sides).
    pub width: f32,
    /// Media height in points.
    pub height: f32,
    /// The finished size, in page coordinates.
    pub trim: Rect,
    /// Trim plus bleed, when the page has bleed.
    pub bleed: Option<Rect>,
    /// What is drawn, in order.
    pub items: Vec<Item>,
    /// Which design element made which items, in the order they were laid out. Items composed
    /// in code (kit pages, marks) have no entry; impose and render ignore this.
    pub made_by: Vec<Made>,
}

/// A run of a page's items that one design element made: `page.items[start..end]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Made {
    /// The element's index in [`Design::elements`] (its label and source line are there).
    pub element: u32,
    /// The first item it made.
    pub start: u32,
    /// One past the last item it made.
    pub end: u32,
}

impl Page {
    /// An empty page of a trim size with `bleed` on every side.
    pub fn new(trim_width: f32, trim_height: f32, bleed: f32) -> Page {
        let trim = Rect::new(bleed, bleed, trim_width, trim_height);
        Page {
            width: trim_width + 2.0 * bleed,
            height: trim_height + 2.0 * bleed,
            trim,
            bleed: (bleed > 0.0).then(|| trim.outset(bleed)),
            items: Vec::new(),
            made_by: Vec::new(),
        }
    }

    /// Appends items an element made and records that it made them.
    fn push_made(&mut self, element: usize, items: Vec<Item>) {
        let start = self.items.len();
        self.items.extend(items);
        let index = |i: usize| u32::try_from(i).expect("pages hold fewer than 2^32 items");
        self.made_by.push(Made {
            element: index(element),
            start: index(start),
            end: index(self.items.len()),
        });
    }

    /// The items each element made on this page, with the element's index.
    pub fn made(&self) -> impl Iterator<Item = (usize, &[Item])> {
        self.made_by.iter().map(|m| (m.element as usize, &self.items[m.start as usize..m.end as usize]))
    }
}

/// Something drawn on a page.
#[derive(Clone)]
pub enum Item {
    /// Glyphs in one face.
    Text(TextRun),
    /// A filled and/or stroked path.
    Shape(Shape),
    /// A picture.
    Image(ImageItem),
    /// Items under a transform and an optional clip (imposition, rotated panels).
    Group(Group),
}

/// A run of glyphs in one face, size and colour, starting at a baseline point.
#[derive(Clone)]
pub struct TextRun {
    /// The face.
    pub face: Arc<Face>,
    /// Font size in points.
    pub size: f32,
    /// x of the first glyph's origin.
    pub x: f32,
    /// y of the baseline.
    pub y: f32,
    /// Colour.
    pub color: Color,
    /// Glyphs with advances in points.
    pub glyphs: Vec<GlyphPos>,
    /// The text the glyphs stand for (what a PDF reader extracts).
    pub text: String,
}

impl TextRun {
    /// The run's extent: left, baseline, width.
    pub fn width(&self) -> f32 {
        self.glyphs.iter().map(|g| g.advance).sum()
    }

    /// The box the run's ink can reach: from ascent above to descent below the baseline.
    pub fn bounds(&self) -> Rect {
        let m = self.face.metrics;
        Rect::new(self.x, self.y - m.ascent * self.size, self.width(), (m.ascent + m.descent) * self.size)
    }
}

/// A path with its paint.
#[derive(Clone, Debug)]
pub struct Shape {
    /// The path.
    pub path: Vec<PathSeg>,
    /// Fill and stroke.
    pub paint: Paint,
}

/// A path segment, in points.
#[derive(Clone, Copy, Debug)]
pub enum PathSeg {
    /// Start a subpath.
    Move(f32, f32),
    /// Straight line.
    Line(f32, f32),
    /// Cubic Bézier curve: two control points and the end point.
    Cubic(f32, f32, f32, f32, f32, f32),
    /// Close the subpath.
    Close,
}

/// A picture drawn into a rectangle, optionally clipped.
#[derive(Clone)]
pub struct ImageItem {
    /// The picture.
    pub picture: Arc<Picture>,
    /// Where the whole picture is drawn.
    pub rect: Rect,
    /// The visible part, when the picture overflows its box (fit = cover).
    pub clip: Option<Rect>,
}

/// Items under a transform.
#[derive(Clone)]
pub struct Group {
    /// Affine transform [a, b, c, d, e, f] applied to the items.
    pub transform: [f32; 6],
    /// Clip, in the group's own coordinates.
    pub clip: Option<Rect>,
    /// The items.
    pub items: Vec<Item>,
}

/// Kinds of picture letterkit embeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PictureFormat {
    /// JPEG, embedded as it is (no recompression).
    Jpeg,
    /// PNG, embedded losslessly.
    Png,
}

/// A picture file read into memory; embedded once however many pages show it.
pub struct Picture {
    /// Where it came from.
    pub path: PathBuf,
    /// The file's bytes.
    pub data: Arc<Vec<u8>>,
    /// Its format.
    pub format: PictureFormat,
    /// Width in pixels, as the picture is shown (after its EXIF orientation).
    pub width_px: u32,
    /// Height in pixels, as shown.
    pub height_px: u32,
    /// How the stored picture is turned to be shown: EXIF orientation 1 (as stored) to 8.
    pub orientation: u8,
}

/// Pictures loaded during a job, by path, so each is read and embedded once.
#[derive(Default)]
pub struct Pictures {
    loaded: Mutex<BTreeMap<PathBuf, Arc<Picture>>>,
}

impl Pictures {
    /// Loads a picture (or returns the one loaded before); errors name the file.
    pub fn load(&self, path: &Path) -> std::result::Result<Arc<Picture>, Diagnostic> {
        if let Some(p) = self.loaded.lock().expect("pictures").get(path) {
            return Ok(p.clone());
        }
        let name = path.display();
        let data = match crate::input::assets::get(path) {
            Some(bytes) => bytes.to_vec(),
            None => crate::input::read_limited(path, MAX_PICTURE_BYTES, "image")?,
        };
        let (format, width_px, height_px, orientation) = check_picture(&data).map_err(|m| {
            let hint = if m.starts_with("is not") {
                "save the picture as .jpg or .png"
            } else if m.contains("to decode") || m.contains("megapixels") {
                "scale it down in an image editor (300 dpi is plenty: 1800 x 1200 pixels for 6 x 4 in), as an 8-bit picture"
            } else {
                "open it in an image editor and save it again as .jpg or .png"
            };
            Diagnostic::error(format!("image {name} {m}")).hint(hint)
        })?;
        crate::input::picture::verify_file(path, &data, format == PictureFormat::Jpeg).map_err(|e| {
            Diagnostic::error(format!("image {name} is damaged: {e}")).code("input.damaged-picture")
        })?;
        let (width_px, height_px) =
            if orientation >= 5 { (height_px, width_px) } else { (width_px, height_px) };
        let picture = Arc::new(Picture {
            path: path.to_path_buf(),
            data: Arc::new(data),
            format,
            width_px,
            height_px,
            orientation,
        });
        // Two threads may load the same picture at once: the first one stored is the one used.
        let mut loaded = self.loaded.lock().expect("pictures");
        Ok(loaded.entry(path.to_path_buf()).or_insert(picture).clone())
    }
}

/// Checks a picture before anything decodes it: its format, and its size from the header, so a
/// decompression bomb is refused before memory is spent (whether the rest of the file is whole
/// is [`crate::input::picture::verify_picture`]'s job). Returns the format, the size in pixels
/// as stored, and the EXIF orientation (a phone photo taken upright is often stored sideways
/// with a note to turn it; 1 for PNG).
fn check_picture(data: &[u8]) -> std::result::Result<(PictureFormat, u32, u32, u8), String> {
    let (format, width, height, orientation) = if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let h =
            crate::input::picture::jpeg_header(data).map_err(|e| format!("is not a readable JPEG ({e})"))?;
        (PictureFormat::Jpeg, h.width, h.height, h.orientation)
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        let (w, h) =
            crate::input::picture::png_size(data).map_err(|e| format!("is not a readable PNG ({e})"))?;
        (PictureFormat::Png, w, h, 1)
    } else {
        return Err("is not a JPEG or PNG image".into());
    };
    if width == 0 || height == 0 || u64::from(width) * u64::from(height) > MAX_PICTURE_PIXELS {
        return Err(format!("is {width} x {height} pixels; letterkit takes up to 150 megapixels"));
    }
    // Decoding needs memory for every pixel, at the depth the file stores.
    let decoded = crate::input::picture::decoded_bytes(data).unwrap_or(u64::MAX);
    if decoded > MAX_PICTURE_DECODED_BYTES {
        return Err(format!(
            "is {width} x {height} pixels, {} MiB to decode; letterkit decodes pictures of up to {} MiB",
            decoded / (1024 * 1024),
            MAX_PICTURE_DECODED_BYTES / (1024 * 1024)
        ));
    }
    Ok((format, width, height, orientation))
}

/// Values for `{field}` placeholders.
pub trait Fields {
    /// The value of a field, if there is one.
    fn get(&self, name: &str) -> Option<String>;
    /// The names there are values for (for hints).
    fn names(&self) -> Vec<String>;
    /// The fonts of the campaign the values come from (its `[fonts]`), for characters the
    /// design's own fonts lack.
    fn fonts(&self) -> &[crate::text::fonts::SharedFamily] {
        &[]
    }
}

impl Fields for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        BTreeMap::get(self, name).cloned()
    }
    fn names(&self) -> Vec<String> {
        self.keys().cloned().collect()
    }
}

/// Lays out every page of a design with the given data (over the design's own defaults).
pub fn layout_design(
    design: &Design,
    data: &dyn Fields,
    pictures: &Pictures,
    warnings: &mut Warnings,
) -> Result<Vec<Page>> {
    let (pages, errors) = layout_pages(design, data, pictures, warnings);
    if errors.is_empty() { Ok(pages) } else { Err(Error(errors)) }
}

/// Lays out every page of a design as far as it goes: the pages hold every element that
/// could be laid out, each page recording which element made which items
/// ([`Page::made_by`]), and the errors say what could not. Only [`layout_design`]'s pages
/// (no errors) are fit to print; these serve checks that look at each element.
pub fn layout_pages(
    design: &Design,
    data: &dyn Fields,
    pictures: &Pictures,
    warnings: &mut Warnings,
) -> (Vec<Page>, Vec<Diagnostic>) {
    // A design's `{label.KEY}` prints English when no campaign gives its labels.
    let lookup = |name: &str| {
        data.get(name)
            .or_else(|| design.data.get(name).cloned())
            .or_else(|| crate::model::labels::english_field(name))
    };
    // A `when`/`unless` naming a field nobody gives is most likely a typo: say so, since the
    // element would otherwise quietly never (or always) show.
    for element in &design.elements {
        for field in [&element.when, &element.unless].into_iter().flatten() {
            if lookup(field).is_none() {
                let mut names = data.names();
                names.extend(design.data.keys().cloned());
                let mut d =
                    Diagnostic::warning(format!("{}: no field `{field}` has a value here", element.label))
                        .in_file(&design.path)
                        .at(element.line, 1);
                if let Some(near) = crate::base::diag::nearest(field, names.iter().map(String::as_str)) {
                    d = d.hint(format!("did you mean `{near}`?"));
                }
                warnings.push(d);
            }
        }
    }
    let mut pages = Vec::new();
    let mut errors = Vec::new();
    for page_index in 0..design.pages.len() {
        let mut page = Page::new(design.width, design.height, design.bleed);
        // Continuation pages, each with the element whose text runs on.
        let mut continued: Vec<(usize, Vec<Item>)> = Vec::new();
        let shown = |e: &(usize, &Element)| {
            let e = e.1;
            let filled = |field: &String| lookup(field).is_some_and(|v| !v.trim().is_empty());
            e.page == page_index
                && e.when.as_ref().is_none_or(filled)
                && !e.unless.as_ref().is_some_and(filled)
        };
        for (index, element) in design.elements.iter().enumerate().filter(shown) {
            match layout_element(design, element, &lookup, data, pictures, warnings) {
                Ok((items, more)) => {
                    page.push_made(index, items);
                    if !more.is_empty() {
                        if !continued.is_empty() {
                            errors.push(element_error(
                                design,
                                element,
                                "only one text per page may continue onto further pages".into(),
                            ));
                        }
                        // Kept after the first one's pages: the pages are not printed then,
                        // but each element's checks still see all of its text.
                        continued.extend(more.into_iter().map(|items| (index, items)));
                    }
                }
                Err(d) => errors.push(d),
            }
        }
        let total = continued.len() + 1;
        pages.push(page);
        // An element whose continuation header cannot be filled made no pages that count.
        let mut unheaded = None;
        for (k, (index, items)) in continued.into_iter().enumerate() {
            let mut next = Page::new(design.width, design.height, design.bleed);
            let mut header_items = Vec::new();
            if let Some(header) = &design.continuation_header {
                let page_no = (k + 2).to_string();
                let total = total.to_string();
                let header_lookup = |name: &str| match name {
                    "page" => Some(page_no.clone()),
                    "pages" => Some(total.clone()),
                    _ => lookup(name),
                };
                match header.fill(&header_lookup) {
                    Ok(spans) => {
                        let style = ParagraphStyle {
                            family: "serif".into(),
                            bold: false,
                            italic: false,
                            size: 9.0,
                            align: crate::text::Align::Left,
                        };
                        let width = design.width - 2.0 * design.margin;
                        if let Ok(lines) = set_lines(&design.fonts, &spans, &style, width) {
                            let baseline = design.margin * 0.6;
                            push_lines(
                                &design.fonts,
                                &mut header_items,
                                &lines,
                                design.bleed + design.margin,
                                design.bleed + baseline,
                                9.0,
                                11.0,
                                Color::Rgb(80, 80, 80),
                            );
                        }
                    }
                    Err(e) => {
                        errors.push(
                            Diagnostic::error(format!("continuation_header: {}", e.message()))
                                .in_file(&design.path),
                        );
                        unheaded = Some(index);
                    }
                }
            }
            // The header is there because the element runs on: it counts as the element's.
            header_items.extend(items);
            next.push_made(index, header_items);
            pages.push(next);
        }
        if let Some(index) = unheaded {
            for page in &mut pages {
                page.made_by.retain(|m| m.element as usize != index);
            }
        }
    }
    (pages, errors)
}

/// Lays out a design as it prints: a folded card's panels imposed on their flat sheet(s).
pub fn layout_printed(
    design: &Design,
    data: &dyn Fields,
    pictures: &Pictures,
    warnings: &mut Warnings,
) -> Result<Vec<Page>> {
    let pages = layout_design(design, data, pictures, warnings)?;
    printed(design, pages)
}

/// A design's laid-out pages as they print: a folded card's four panels imposed on their flat
/// sheet(s), other designs' pages as they are.
pub fn printed(design: &Design, pages: Vec<Page>) -> Result<Vec<Page>> {
    match design.fold {
        None => Ok(pages),
        Some(_) if pages.len() != crate::model::design::CARD_PANELS.len() => Err(Diagnostic::error(
            "a card panel's text continues onto another page; a folded card has exactly four panels",
        )
        .in_file(&design.path)
        .hint("shorten the text or let it shrink with shrink_to")
        .into()),
        Some(fold) => Ok(fold::fold_card(fold, &pages)),
    }
}

fn element_error(design: &Design, element: &Element, message: String) -> Diagnostic {
    Diagnostic::error(format!("{}: {message}", element.label)).in_file(&design.path).at(element.line, 1)
}

/// The element's box in page coordinates, extended into the bleed where asked and touching.
fn page_rect(design: &Design, element: &Element) -> Rect {
    let b = design.bleed;
    let mut r = Rect::new(element.rect.x + b, element.rect.y + b, element.rect.width, element.rect.height);
    if element.bleed && b > 0.0 {
        const TOUCH: f32 = 0.5;
        if element.rect.x <= TOUCH {
            r.width += r.x;
            r.x = 0.0;
        }
        if element.rect.y <= TOUCH {
            r.height += r.y;
            r.y = 0.0;
        }
        if element.rect.right() >= design.width - TOUCH {
            r.width = design.width + 2.0 * b - r.x;
        }
        if element.rect.bottom() >= design.height - TOUCH {
            r.height = design.height + 2.0 * b - r.y;
        }
    }
    r
}

type Laid = (Vec<Item>, Vec<Vec<Item>>);

fn layout_element(
    design: &Design,
    element: &Element,
    lookup: &dyn Fn(&str) -> Option<String>,
    data: &dyn Fields,
    pictures: &Pictures,
    warnings: &mut Warnings,
) -> std::result::Result<Laid, Diagnostic> {
    let r = page_rect(design, element);
    let single = |item: Item| Ok((vec![item], Vec::new()));
    match &element.body {
        Body::Text(spec) => layout_text(design, element, spec, r, lookup, data),
        Body::Address(spec) => {
            let laid = layout_text(design, element, spec, r, lookup, data)?;
            // The whole delivery address must lie in the OCR read area (DMM 202.2.1).
            let trim = Rect::new(design.bleed, design.bleed, design.width, design.height);
            let ocr = crate::mail::ocr_read_area(design.width, design.height);
            let ocr = Rect::new(ocr.x + trim.x, ocr.y + trim.y, ocr.width, ocr.height);
            if let Some(ink) = ink_bounds(&laid.0)
                && !ocr.contains(&ink)
            {
                return Err(element_error(
                        design,
                        element,
                        format!(
                            "the address reaches outside the USPS OCR read area (1/2 in from the left and right edges, 5/8 to 2 3/4 in above the bottom): it spans x {:.2}-{:.2} in, {:.2}-{:.2} in above the bottom",
                            (ink.x - trim.x) / 72.0,
                            (ink.right() - trim.x) / 72.0,
                            (trim.bottom() - ink.bottom()) / 72.0,
                            (trim.bottom() - ink.y) / 72.0
                        ),
                    )
                    .code("mail.read-area").hint("leave x, y, width and height out to let letterkit place it, or make the text smaller"));
            }
            Ok(laid)
        }
        Body::Image(spec) => {
            let picture = pictures.load(&spec.path).map_err(|d| {
                let message = format!("{}: {}", element.label, d.message);
                Diagnostic { message, ..d }.in_file(&design.path).at(element.line, 1)
            })?;
            let (iw, ih) = (picture.width_px as f32, picture.height_px as f32);
            let (rect, clip) = match spec.fit {
                Fit::Stretch => (r, None),
                Fit::Contain => {
                    let scale = (r.width / iw).min(r.height / ih);
                    let (w, h) = (iw * scale, ih * scale);
                    (
                        Rect::new(
                            r.x + (r.width - w) * spec.focus[0],
                            r.y + (r.height - h) * spec.focus[1],
                            w,
                            h,
                        ),
                        None,
                    )
                }
                Fit::Cover => {
                    let scale = (r.width / iw).max(r.height / ih);
                    let (w, h) = (iw * scale, ih * scale);
                    // Centre the focus point in the box as far as the picture's edges allow.
                    let x = (r.width / 2.0 - spec.focus[0] * w).clamp((r.width - w).min(0.0), 0.0);
                    let y = (r.height / 2.0 - spec.focus[1] * h).clamp((r.height - h).min(0.0), 0.0);
                    (Rect::new(r.x + x, r.y + y, w, h), Some(r))
                }
            };
            let visible = clip.unwrap_or(rect);
            let dpi = print_dpi(iw, ih, rect);
            if blurry(dpi, visible) {
                warnings.push(
                    Diagnostic::warning(format!(
                        "{}: {} prints at {dpi:.0} dpi; it will look blurry (300 dpi is what print shops ask for)",
                        element.label,
                        spec.path.display()
                    )).code("print.blurry")
                    .in_file(&design.path)
                    .at(element.line, 1),
                );
            }
            single(Item::Image(ImageItem { picture, rect, clip }))
        }
        Body::Rect { radius, paint } => {
            single(Item::Shape(Shape { path: rect_path(r, *radius), paint: *paint }))
        }
        Body::Ellipse { paint } => single(Item::Shape(Shape { path: ellipse_path(r), paint: *paint })),
        Body::Line { x2, y2, paint } => {
            let path = vec![PathSeg::Move(r.x, r.y), PathSeg::Line(x2 + design.bleed, y2 + design.bleed)];
            single(Item::Shape(Shape { path, paint: *paint }))
        }
        Body::Lines { spacing, paint } => {
            let mut path = Vec::new();
            let mut y = r.y + spacing;
            while y <= r.bottom() + 0.01 {
                path.push(PathSeg::Move(r.x, y));
                path.push(PathSeg::Line(r.right(), y));
                y += spacing;
            }
            single(Item::Shape(Shape { path, paint: *paint }))
        }
    }
}

fn layout_text(
    design: &Design,
    element: &Element,
    spec: &TextSpec,
    r: Rect,
    lookup: &dyn Fn(&str) -> Option<String>,
    data: &dyn Fields,
) -> std::result::Result<Laid, Diagnostic> {
    let err = |message: String| element_error(design, element, message);
    let mut spans: Vec<StyledText> = spec.template.fill(lookup).map_err(|e| {
        let FillError::Missing(name) = e else {
            return err(e.message()).hint("a placeholder is repeated too often, or its value is too long");
        };
        let mut names = data.names();
        names.extend(design.data.keys().cloned());
        names.sort();
        names.dedup();
        let d = err(format!("no value for the placeholder `{{{name}}}`"));
        match crate::base::diag::nearest(&name, names.iter().map(String::as_str)) {
            Some(n) => d.hint(format!("did you mean `{{{n}}}`?")),
            None if names.is_empty() => d.hint(format!("give it a value under [data]: {name} = \"...\"")),
            None => d.hint(format!(
                "the fields with values are: {}",
                crate::model::labels::hint_names(names).join(", ")
            )),
        }
    })?;
    if spec.uppercase {
        for s in &mut spans {
            s.text = s.text.to_uppercase();
        }
    }
    let fonts: &FontBook = &design.fonts;
    let primary = fonts
        .select(&spec.family, spec.bold, spec.italic)
        .ok_or_else(|| err(format!("no font family `{}`", spec.family)))?;
    let metrics = fonts.face(primary).metrics;
    let set_at = |size: f32| -> std::result::Result<Vec<SetLine>, Diagnostic> {
        let style = ParagraphStyle {
            family: spec.family.clone(),
            bold: spec.bold,
            italic: spec.italic,
            size,
            align: spec.align,
        };
        crate::text::set_lines_directed(fonts, &spans, &style, spec.direction, r.width).map_err(|e| match e {
            SetError::MissingGlyph { character, family } => {
                let text: String = spans.iter().map(|s| s.text.as_str()).collect();
                let (message, hint) = fonts.missing_glyph(character, &family, &text);
                err(message).hint(hint).code("print.missing-glyph")
            }
            SetError::UnknownFamily(f) => err(format!("no font family `{f}`")),
        })
    };
    let height_for = |lines: usize, size: f32| {
        if lines == 0 {
            0.0
        } else {
            (metrics.ascent + metrics.descent) * size + (lines - 1) as f32 * size * spec.leading
        }
    };
    let (size, lines) = if spec.wrap == Wrap::Address {
        address_text(design, element, spec, r, &spans, metrics, lookup)?
    } else {
        let mut size = spec.size;
        let mut lines = set_at(size)?;
        if let Some(min) = spec.shrink_to {
            while height_for(lines.len(), size) > r.height + 0.01 && size > min {
                size = (size - 0.25).max(min);
                lines = set_at(size)?;
            }
        }
        (size, lines)
    };
    let pitch = size * spec.leading;
    let fits = |n: usize| height_for(n, size) <= r.height + 0.01;
    let mut first_page_lines = lines.len();
    if !fits(lines.len()) {
        let capacity = (0..=lines.len()).take_while(|&n| fits(n)).last().unwrap_or(0);
        if spec.overflow == Overflow::Continue && capacity > 0 {
            first_page_lines = capacity;
        } else {
            let needed = height_for(lines.len(), size);
            let mut d = err(format!(
                "the text does not fit its box: it needs {} lines ({needed:.1}pt) but the box is {:.1}pt high and holds {capacity}{}",
                lines.len(),
                r.height,
                filled_from(spec)
            ));
            d = match spec.shrink_to {
                Some(min) => d.hint(format!(
                    "even at the smallest size allowed ({min}pt); shorten the text or make the box larger"
                )),
                None => {
                    d.hint("shorten the text, make the box larger, or let it shrink with shrink_to = \"8pt\"")
                }
            };
            return Err(d);
        }
    }
    let block = height_for(first_page_lines, size);
    let top = match spec.valign {
        VAlign::Top => r.y,
        VAlign::Middle => r.y + (r.height - block) / 2.0,
        VAlign::Bottom => r.bottom() - block,
    };
    let mut items = Vec::new();
    push_lines(
        fonts,
        &mut items,
        &lines[..first_page_lines],
        r.x,
        top + metrics.ascent * size,
        size,
        pitch,
        spec.color,
    );

    // Lines that did not fit go onto continuation pages: same column, from the top margin.
    let mut more = Vec::new();
    let mut rest = &lines[first_page_lines..];
    let column_top = design.bleed + design.margin + 18.0;
    let column_height = design.height + design.bleed - design.margin - column_top;
    loop {
        // A continuation page starts with text, not with the blank lines of a paragraph break.
        while rest.first().is_some_and(|l| l.runs.is_empty()) {
            rest = &rest[1..];
        }
        if rest.is_empty() {
            break;
        }
        if more.len() >= crate::input::limits::MAX_CONTINUATION_PAGES {
            return Err(err(format!(
                "the text runs onto more than {} continuation pages",
                crate::input::limits::MAX_CONTINUATION_PAGES
            ))
            .code("limit.continuation-pages")
            .hint("shorten the text or make it smaller"));
        }
        let capacity =
            (1..=rest.len()).take_while(|&n| height_for(n, size) <= column_height + 0.01).last().unwrap_or(1);
        let mut page_items = Vec::new();
        push_lines(
            fonts,
            &mut page_items,
            &rest[..capacity],
            r.x,
            column_top + metrics.ascent * size,
            size,
            pitch,
            spec.color,
        );
        more.push(page_items);
        rest = &rest[capacity..];
    }
    Ok((items, more))
}

/// Names the placeholders a text is filled from, for a message: " (filled from `{name}`)".
fn filled_from(spec: &TextSpec) -> String {
    let fields = spec.template.fields();
    if fields.is_empty() {
        return String::new();
    }
    let names: Vec<String> = fields.iter().map(|f| format!("`{{{f}}}`")).collect();
    format!(" (filled from {})", names.join(", "))
}

/// Sets a text that wraps as an address ([`Wrap::Address`]): see [`fit_address`]. The floor is
/// `shrink_to`, or for an `address` element 8 pt ([`placement::DELIVERY_FLOOR`]); an
/// `address` element's last line (city, state, ZIP) is never broken.
fn address_text(
    design: &Design,
    element: &Element,
    spec: &TextSpec,
    r: Rect,
    spans: &[StyledText],
    metrics: crate::text::fonts::VMetrics,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<(f32, Vec<SetLine>), Diagnostic> {
    let delivery = matches!(element.body, Body::Address(_));
    let floor = spec.shrink_to.unwrap_or(if delivery { placement::DELIVERY_FLOOR } else { spec.size });
    let style = ParagraphStyle {
        family: spec.family.clone(),
        bold: spec.bold,
        italic: spec.italic,
        size: spec.size,
        align: spec.align,
    };
    let fit = AddressFit {
        floor: floor.min(spec.size),
        leading: spec.leading,
        height: r.height,
        keep_last: delivery,
    };
    let err = |message: String| element_error(design, element, message);
    fit_address(&design.fonts, spans, &style, r.width, metrics, &fit).map_err(|misfit| match misfit {
        AddressMisfit::Set(message, hint) => err(message).hint(hint).code("print.missing-glyph"),
        misfit => {
            let field = misfit_field(spec, &misfit, lookup);
            err(misfit.describe(r.width, fit.floor, &field)).code(misfit.code()).hint(misfit.hint(delivery))
        }
    })
}

/// Where a misfit address came from, as " (from `{name}`)": the placeholder whose value holds
/// the line that does not fit, else every placeholder of the text; empty for a text without any.
fn misfit_field(spec: &TextSpec, misfit: &AddressMisfit, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let fields = spec.template.fields();
    let value = |name: &str| {
        let v = lookup(name).unwrap_or_default();
        if spec.uppercase { v.to_uppercase() } else { v }
    };
    let holder = match misfit {
        AddressMisfit::Line(line) | AddressMisfit::LastLine(line) => {
            fields.iter().find(|f| value(f).contains(line.as_str()))
        }
        _ => None,
    };
    match (holder, fields.as_slice()) {
        (_, []) => String::new(),
        (Some(one), _) | (None, [one]) => format!(" (from `{{{one}}}`)"),
        (None, many) => {
            let names: Vec<String> = many.iter().map(|f| format!("`{{{f}}}`")).collect();
            format!(" (from {})", names.join(", "))
        }
    }
}

/// How [`fit_address`] may fit an address block.
#[derive(Debug, Clone, Copy)]
pub struct AddressFit {
    /// The smallest size it may shrink to, in points.
    pub floor: f32,
    /// Baseline distance as a multiple of the size.
    pub leading: f32,
    /// The height of the box, in points.
    pub height: f32,
    /// Whether the last line stays whole (a delivery address's city, state and ZIP: nothing
    /// may go below it, docs/mail-rules.md 2.4).
    pub keep_last: bool,
}

/// Why an address block does not fit, at the floor size.
#[derive(Debug, Clone, PartialEq)]
pub enum AddressMisfit {
    /// This line is too long for the width and cannot be broken where an address may be.
    Line(String),
    /// This last line (city, state, ZIP) is too long for the width; it is never broken.
    LastLine(String),
    /// Broken where it may be, the block would have this many lines, over
    /// [`placement::MAX_ADDRESS_LINES`].
    Lines(usize),
    /// The block's lines need this height (lines, points), more than the box has.
    Height(usize, f32),
    /// The text cannot be set at all (a character no font has): the message and its hint.
    Set(String, String),
}

impl AddressMisfit {
    /// The problem in words, for a message that names the text first; `field` names where the
    /// text came from (" (from `{return_address}`)") or is empty.
    pub fn describe(&self, width: f32, floor: f32, field: &str) -> String {
        match self {
            AddressMisfit::Line(line) => format!(
                "the address line \"{line}\"{field} is too long for the {:.2} in wide box even at {floor}pt, and has no place to break it (after a comma, or before Apt, Suite, Unit or #)",
                width / 72.0
            ),
            AddressMisfit::LastLine(line) => format!(
                "the last address line \"{line}\"{field} is too long for the {:.2} in wide box even at {floor}pt; the city, state and ZIP line is never broken",
                width / 72.0
            ),
            AddressMisfit::Lines(n) => format!(
                "the address{field} would need {n} lines with its long lines broken, even at {floor}pt; an address has at most {} lines",
                placement::MAX_ADDRESS_LINES
            ),
            AddressMisfit::Height(n, needed) => format!(
                "the address{field} needs {n} lines ({needed:.1}pt) even at {floor}pt, more than its box holds"
            ),
            AddressMisfit::Set(message, _) => message.clone(),
        }
    }

    /// The check the misfit fails.
    pub fn code(&self) -> &'static str {
        match self {
            AddressMisfit::Line(_) | AddressMisfit::LastLine(_) | AddressMisfit::Lines(_) => {
                "mail.address-wrap"
            }
            AddressMisfit::Set(..) => "print.missing-glyph",
            _ => "print.overflow",
        }
    }

    /// What to do about it.
    pub fn hint(&self, delivery: bool) -> &'static str {
        match (self, delivery) {
            (AddressMisfit::Height(..), _) => "make the box taller, or shorten the address",
            (AddressMisfit::Lines(_), _) => "shorten the longest lines, or leave a line out",
            (_, true) => "shorten the line (USPS abbreviations: ST, AVE, APT, STE), or widen the box",
            (_, false) => {
                "shorten the line (abbreviations such as St, Ave, Apt, Ste help), write it as two lines, or widen the box"
            }
        }
    }
}

/// Why a text cannot be set, in words, with what to do about it.
fn set_error(fonts: &FontBook, e: SetError, spans: &[StyledText]) -> AddressMisfit {
    match e {
        SetError::MissingGlyph { character, family } => {
            let text: String = spans.iter().map(|s| s.text.as_str()).collect();
            let (message, hint) = fonts.missing_glyph(character, &family, &text);
            AddressMisfit::Set(message, hint)
        }
        SetError::UnknownFamily(f) => AddressMisfit::Set(format!("no font family `{f}`"), String::new()),
    }
}

/// Fits an address block into a box `width` points wide and `fit.height` high, the text's
/// written lines kept whole where they can be (docs/mail-rules.md 2.6):
/// 1. the largest size from `style.size` down to `fit.floor`, in quarter points, at which every
///    written line fits on one line and the block fits the box;
/// 2. failing that, the largest size at which breaking each line that is too long, after a comma
///    or before a secondary unit ([`placement::address_breaks`], never inside a word, never the
///    last line when `fit.keep_last`), gives at most [`placement::MAX_ADDRESS_LINES`] lines that
///    fit the box. Broken lines start at the same left edge as the others (Pub 28 A1);
/// 3. failing that, why it does not fit at the floor.
///
/// Returns the size and the set lines.
pub fn fit_address(
    fonts: &FontBook,
    spans: &[StyledText],
    style: &ParagraphStyle,
    width: f32,
    metrics: crate::text::fonts::VMetrics,
    fit: &AddressFit,
) -> std::result::Result<(f32, Vec<SetLine>), AddressMisfit> {
    let written = split_lines(spans);
    let height_for = |lines: usize, size: f32| {
        if lines == 0 {
            0.0
        } else {
            (metrics.ascent + metrics.descent) * size + (lines - 1) as f32 * size * fit.leading
        }
    };
    let set = |spans: &[StyledText], size: f32| {
        set_lines(fonts, spans, &ParagraphStyle { size, ..style.clone() }, width)
            .map_err(|e| set_error(fonts, e, spans))
    };
    let one_line = |spans: &[StyledText], size: f32| Ok::<bool, AddressMisfit>(set(spans, size)?.len() <= 1);
    let mut sizes = Vec::new();
    let mut size = style.size;
    loop {
        sizes.push(size);
        if size <= fit.floor {
            break;
        }
        size = (size - 0.25).max(fit.floor);
    }
    // 1. Shrink, every line whole.
    for &size in &sizes {
        let mut whole = true;
        for line in &written {
            if !one_line(line, size)? {
                whole = false;
                break;
            }
        }
        if whole && height_for(written.len(), size) <= fit.height + 0.01 {
            return Ok((size, set(spans, size)?));
        }
    }
    // 2. Break long lines where an address may be broken.
    let mut misfit = AddressMisfit::Lines(0);
    for &size in &sizes {
        let mut pieces: Vec<Vec<StyledText>> = Vec::new();
        let mut broken = Ok(());
        for (i, line) in written.iter().enumerate() {
            if one_line(line, size)? {
                pieces.push(line.clone());
                continue;
            }
            let text: String = line.iter().map(|s| s.text.as_str()).collect();
            if fit.keep_last && i + 1 == written.len() {
                broken = Err(AddressMisfit::LastLine(text));
                break;
            }
            let mut rest = 0;
            'line: loop {
                let tail = slice_spans(line, rest, text.len());
                if one_line(&tail, size)? {
                    pieces.push(tail);
                    break;
                }
                for &(end, start) in placement::address_breaks(&text).iter().rev() {
                    if end > rest && start > rest {
                        let head = slice_spans(line, rest, end);
                        if one_line(&head, size)? {
                            pieces.push(head);
                            rest = start;
                            continue 'line;
                        }
                    }
                }
                broken = Err(AddressMisfit::Line(text.clone()));
                break;
            }
            if broken.is_err() {
                break;
            }
        }
        misfit = match broken {
            Err(m) => m,
            Ok(()) if pieces.len() > placement::MAX_ADDRESS_LINES => AddressMisfit::Lines(pieces.len()),
            Ok(()) if height_for(pieces.len(), size) > fit.height + 0.01 => {
                AddressMisfit::Height(pieces.len(), height_for(pieces.len(), size))
            }
            Ok(()) => {
                let mut joined: Vec<StyledText> = Vec::new();
                for (k, piece) in pieces.into_iter().enumerate() {
                    if k > 0 {
                        joined.push(StyledText { text: "\n".into(), bold: false, italic: false });
                    }
                    joined.extend(piece);
                }
                return Ok((size, set(&joined, size)?));
            }
        };
    }
    Err(misfit)
}

/// Styled text split at its line breaks: one list of spans per written line (one at least).
fn split_lines(spans: &[StyledText]) -> Vec<Vec<StyledText>> {
    let mut lines = crate::text::paragraphs(spans);
    if lines.is_empty() {
        lines.push(Vec::new());
    }
    lines
}

/// The part of a line's spans from byte `from` to byte `to` of its text.
fn slice_spans(line: &[StyledText], from: usize, to: usize) -> Vec<StyledText> {
    let mut out = Vec::new();
    let mut at = 0;
    for span in line {
        let (start, end) = (at, at + span.text.len());
        at = end;
        let (a, b) = (from.max(start), to.min(end));
        if a < b {
            out.push(StyledText { text: span.text[a - start..b - start].into(), ..span.clone() });
        }
    }
    out
}

/// The resolution a picture of `px_w` x `px_h` pixels prints at when drawn into `rect`: the
/// lower of its two directions (docs/mail-rules.md 5: print shops ask for 300 dpi).
pub fn print_dpi(px_w: f32, px_h: f32, rect: Rect) -> f32 {
    (px_w / (rect.width / crate::base::units::PT_PER_IN))
        .min(px_h / (rect.height / crate::base::units::PT_PER_IN))
}

/// The resolution under which a picture looks blurry in print.
pub const BLURRY_DPI: f32 = 150.0;

/// Whether a picture printing at `dpi`, of which `visible` shows, looks blurry: under
/// [`BLURRY_DPI`] and wider than an inch (smaller pictures pass). Layout warns about these;
/// `check` asks for 300 dpi of the rest.
pub fn blurry(dpi: f32, visible: Rect) -> bool {
    dpi < BLURRY_DPI && visible.width > crate::base::units::PT_PER_IN
}

/// The union of the ink extents of text runs and shapes (images count by their visible box).
pub fn ink_bounds(items: &[Item]) -> Option<Rect> {
    let mut all: Option<Rect> = None;
    let mut add = |r: Rect| {
        all = Some(match all {
            None => r,
            Some(a) => {
                let (x0, y0) = (a.x.min(r.x), a.y.min(r.y));
                Rect::new(x0, y0, a.right().max(r.right()) - x0, a.bottom().max(r.bottom()) - y0)
            }
        });
    };
    for item in items {
        match item {
            Item::Text(run) => add(run.bounds()),
            Item::Shape(shape) => {
                if let Some(r) = path_bounds(&shape.path) {
                    let half = shape.paint.stroke.map_or(0.0, |s| s.1 / 2.0);
                    add(r.outset(half));
                }
            }
            Item::Image(image) => add(image.clip.unwrap_or(image.rect)),
            Item::Group(_) => {}
        }
    }
    all
}

/// The bounding box of a path's points (control points included: a safe over-estimate).
pub fn path_bounds(path: &[PathSeg]) -> Option<Rect> {
    let points = path.iter().flat_map(|s| match *s {
        PathSeg::Move(x, y) | PathSeg::Line(x, y) => vec![(x, y)],
        PathSeg::Cubic(a, b, c, d, e, f) => vec![(a, b), (c, d), (e, f)],
        PathSeg::Close => vec![],
    });
    let mut r: Option<(f32, f32, f32, f32)> = None;
    for (x, y) in points {
        r = Some(match r {
            None => (x, y, x, y),
            Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
        });
    }
    r.map(|(x0, y0, x1, y1)| Rect::new(x0, y0, x1 - x0, y1 - y0))
}

/// Adds text runs for set lines, the first baseline at `baseline`.
#[allow(clippy::too_many_arguments)]
fn push_lines(
    fonts: &FontBook,
    items: &mut Vec<Item>,
    lines: &[SetLine],
    x: f32,
    baseline: f32,
    size: f32,
    pitch: f32,
    color: Color,
) {
    for (i, line) in lines.iter().enumerate() {
        let y = baseline + i as f32 * pitch;
        for run in &line.runs {
            items.push(Item::Text(TextRun {
                face: fonts.face(run.face).clone(),
                size,
                x: x + run.x,
                y,
                color,
                glyphs: run.glyphs.clone(),
                text: run.text.clone(),
            }));
        }
    }
}

/// A rectangle path, with rounded corners when `radius` > 0.
pub fn rect_path(r: Rect, radius: f32) -> Vec<PathSeg> {
    if radius <= 0.0 {
        return vec![
            PathSeg::Move(r.x, r.y),
            PathSeg::Line(r.right(), r.y),
            PathSeg::Line(r.right(), r.bottom()),
            PathSeg::Line(r.x, r.bottom()),
            PathSeg::Close,
        ];
    }
    let k = radius * (1.0 - KAPPA);
    let (l, t, rt, b) = (r.x, r.y, r.right(), r.bottom());
    vec![
        PathSeg::Move(l + radius, t),
        PathSeg::Line(rt - radius, t),
        PathSeg::Cubic(rt - k, t, rt, t + k, rt, t + radius),
        PathSeg::Line(rt, b - radius),
        PathSeg::Cubic(rt, b - k, rt - k, b, rt - radius, b),
        PathSeg::Line(l + radius, b),
        PathSeg::Cubic(l + k, b, l, b - k, l, b - radius),
        PathSeg::Line(l, t + radius),
        PathSeg::Cubic(l, t + k, l + k, t, l + radius, t),
        PathSeg::Close,
    ]
}

/// Control-point distance for a quarter circle drawn with one cubic Bézier.
const KAPPA: f32 = 0.552_284_8;

/// An ellipse filling `r`.
pub fn ellipse_path(r: Rect) -> Vec<PathSeg> {
    let (cx, cy, rx, ry) = (r.x + r.width / 2.0, r.y + r.height / 2.0, r.width / 2.0, r.height / 2.0);
    let (kx, ky) = (rx * KAPPA, ry * KAPPA);
    vec![
        PathSeg::Move(cx + rx, cy),
        PathSeg::Cubic(cx + rx, cy + ky, cx + kx, cy + ry, cx, cy + ry),
        PathSeg::Cubic(cx - kx, cy + ry, cx - rx, cy + ky, cx - rx, cy),
        PathSeg::Cubic(cx - rx, cy - ky, cx - kx, cy - ry, cx, cy - ry),
        PathSeg::Cubic(cx + kx, cy - ry, cx + rx, cy - ky, cx + rx, cy),
        PathSeg::Close,
    ]
}

/// The look of text on pages letterkit composes in code (envelopes, handouts, tally sheets).
#[derive(Debug, Clone)]
pub struct BlockStyle {
    /// Family name in the font book.
    pub family: String,
    /// Bold base weight.
    pub bold: bool,
    /// Size in points.
    pub size: f32,
    /// Baseline distance in points.
    pub leading: f32,
    /// Alignment within the width.
    pub align: crate::text::Align,
    /// Colour.
    pub color: Color,
}

impl BlockStyle {
    /// The style its lines are set in: upright, at its size.
    fn paragraph(&self) -> ParagraphStyle {
        ParagraphStyle {
            family: self.family.clone(),
            bold: self.bold,
            italic: false,
            size: self.size,
            align: self.align,
        }
    }

    /// A left-aligned black style.
    pub fn new(family: &str, size: f32, leading: f32) -> BlockStyle {
        BlockStyle {
            family: family.into(),
            bold: false,
            size,
            leading,
            align: crate::text::Align::Left,
            color: Color::BLACK,
        }
    }
}

/// A block of set text: its items and its extent.
pub struct Block {
    /// Text runs.
    pub items: Vec<Item>,
    /// Ink extent: from the first line's ascent to the last line's descent, and the widest line.
    pub rect: Rect,
    /// Number of lines.
    pub lines: usize,
}

/// Sets markup (`*italic*`, `**bold**`, no placeholders) into lines `width` wide, the top of the
/// first line at `top`. Errors are messages (a missing glyph, a placeholder).
pub fn text_block(
    fonts: &FontBook,
    markup: &str,
    style: &BlockStyle,
    x: f32,
    top: f32,
    width: f32,
) -> std::result::Result<Block, String> {
    let template = crate::text::Template::parse(markup)?;
    let spans = template.fill(&|_| None).map_err(|e| match e {
        FillError::Missing(name) => format!("unexpected placeholder `{{{name}}}`"),
        e => e.message(),
    })?;
    let paragraph = style.paragraph();
    let lines = set_lines(fonts, &spans, &paragraph, width).map_err(|e| match e {
        SetError::MissingGlyph { character, family } => fonts.missing_glyph(character, &family, markup).0,
        SetError::UnknownFamily(f) => format!("no font family `{f}`"),
    })?;
    let primary = fonts
        .select(&style.family, style.bold, false)
        .ok_or_else(|| format!("no font family `{}`", style.family))?;
    let m = fonts.face(primary).metrics;
    let mut items = Vec::new();
    push_lines(
        fonts,
        &mut items,
        &lines,
        x,
        top + m.ascent * style.size,
        style.size,
        style.leading,
        style.color,
    );
    let height = if lines.is_empty() {
        0.0
    } else {
        (m.ascent + m.descent) * style.size + (lines.len() - 1) as f32 * style.leading
    };
    let widest = lines.iter().map(|l| l.width).fold(0.0, f32::max);
    let left = match style.align {
        crate::text::Align::Center => x + (width - widest) / 2.0,
        crate::text::Align::Right => x + width - widest,
        _ => x,
    };
    Ok(Block { items, rect: Rect::new(left, top, widest, height), lines: lines.len() })
}

/// Sets address lines (plain text, printed as given) as a block the way [`fit_address`] fits
/// them into a box `width` wide and `fit.height` high, the top of the first line at `top`:
/// `style` gives the largest size and the leading; `fit.leading` is ignored. Returns the block
/// and the size it is set in.
pub fn address_block(
    fonts: &FontBook,
    lines: &[String],
    style: &BlockStyle,
    x: f32,
    top: f32,
    width: f32,
    fit: &AddressFit,
) -> std::result::Result<(Block, f32), AddressMisfit> {
    let spans = [StyledText { text: lines.join("\n"), bold: false, italic: false }];
    let paragraph = style.paragraph();
    let primary = fonts
        .select(&style.family, style.bold, false)
        .ok_or_else(|| set_error(fonts, SetError::UnknownFamily(style.family.clone()), &spans))?;
    let m = fonts.face(primary).metrics;
    let fit = AddressFit { leading: style.leading / style.size, ..*fit };
    let (size, set) = fit_address(fonts, &spans, &paragraph, width, m, &fit)?;
    let mut items = Vec::new();
    let pitch = size * fit.leading;
    push_lines(fonts, &mut items, &set, x, top + m.ascent * size, size, pitch, style.color);
    let height =
        if set.is_empty() { 0.0 } else { (m.ascent + m.descent) * size + (set.len() - 1) as f32 * pitch };
    let widest = set.iter().map(|l| l.width).fold(0.0, f32::max);
    let left = match style.align {
        crate::text::Align::Center => x + (width - widest) / 2.0,
        crate::text::Align::Right => x + width - widest,
        _ => x,
    };
    Ok((Block { items, rect: Rect::new(left, top, widest, height), lines: set.len() }, size))
}

/// Escapes text so [`text_block`] prints it literally (names with `*` or braces).
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '{' | '}') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
