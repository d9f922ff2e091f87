//! Rendering: laid-out pages to PDF with krilla, and PDF pages to PNG with hayro, so a
//! preview shows exactly what prints.

use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::text::KrillaGlyph;

use crate::design::Paint;
use crate::diag::{Diagnostic, Result};
use crate::layout::{Item, Page, PathSeg};
use crate::text::GlyphPos;
use crate::units::{Color, Rect};

/// How to write the PDF.
#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    /// Title in the document's metadata.
    pub title: String,
    /// Write PDF/A-2b (archival), validated by krilla.
    pub pdf_a: bool,
}

/// Writes pages as one PDF. Same pages, same bytes: no clock time, a content-derived ID.
pub fn pdf<'a>(pages: impl IntoIterator<Item = &'a Page>, options: &PdfOptions) -> Result<Vec<u8>> {
    let mut writer = PdfWriter::new(options)?;
    for page in pages {
        writer.add(page)?;
    }
    writer.finish()
}

/// A PDF being written page by page, so a long job never holds all its laid-out pages.
pub struct PdfWriter {
    document: krilla::Document,
    pages: usize,
    pdf_a: bool,
}

impl PdfWriter {
    /// Starts a document.
    pub fn new(options: &PdfOptions) -> Result<PdfWriter> {
        let mut settings = krilla::SerializeSettings::default();
        if options.pdf_a {
            settings.configuration = krilla::configure::ConfigurationBuilder::new()
                .with_archival_validator(krilla::configure::Archival::A2_B)
                .finish()
                .map_err(|e| Diagnostic::error(format!("cannot configure PDF/A-2b: {e:?}")))?;
        }
        let mut document = krilla::Document::new_with(settings);
        let mut metadata = krilla::metadata::Metadata::new()
            .title(options.title.clone())
            .creator(format!("letterkit {}", env!("CARGO_PKG_VERSION")))
            .producer(format!("letterkit {}", env!("CARGO_PKG_VERSION")));
        if options.pdf_a {
            // PDF/A requires a creation date: SOURCE_DATE_EPOCH when set (reproducible builds), else today.
            metadata = metadata.language("en-US".into()).creation_date(pdf_a_date());
        }
        document.set_metadata(metadata);
        Ok(PdfWriter { document, pages: 0, pdf_a: options.pdf_a })
    }

    /// Adds a page at the end.
    pub fn add(&mut self, page: &Page) -> Result<()> {
        let mut settings = PageSettings::from_wh(page.width, page.height)
            .ok_or_else(|| Diagnostic::error("a page has no area"))?
            .with_trim_box(krect(page.trim));
        if let Some(bleed) = page.bleed {
            settings = settings.with_bleed_box(krect(bleed));
        }
        let mut pdf_page = self.document.start_page_with(settings);
        let mut surface = pdf_page.surface();
        draw_items(&mut surface, &page.items);
        surface.finish();
        pdf_page.finish();
        self.pages += 1;
        Ok(())
    }

    /// How many pages were added so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Finishes the document: fonts subset and embedded, everything compressed.
    pub fn finish(self) -> Result<Vec<u8>> {
        let pdf_a = self.pdf_a;
        self.document.finish().map_err(|e| describe_krilla_error(&e, pdf_a).into())
    }
}

/// A readable message for what krilla refused.
fn describe_krilla_error(error: &krilla::error::KrillaError, pdf_a: bool) -> Diagnostic {
    use krilla::configure::ValidationError as V;
    use krilla::error::KrillaError as K;
    match error {
        K::Validation(problems) => {
            let mut reasons: Vec<String> = problems
                .iter()
                .map(|(problem, _)| match problem {
                    V::MissingCMYKProfile => "it has CMYK colours, which PDF/A only allows with an embedded CMYK profile; use #rrggbb colours".into(),
                    V::ImageInterpolation(_) => "an image asks for interpolation, which PDF/A forbids".into(),
                    V::MissingDocumentDate => "it has no creation date".into(),
                    other => format!("{other:?}"),
                })
                .collect();
            reasons.dedup();
            let what = if pdf_a { "PDF/A-2b" } else { "this PDF" };
            Diagnostic::error(format!("cannot write {what}: {}", reasons.join("; ")))
        }
        K::Image(_, _, message) => Diagnostic::error(format!(
            "an image could not be embedded: {}",
            message.trim().replace('\n', " ")
        )),
        K::Font(_, message) => Diagnostic::error(format!("a font could not be embedded: {}", message.trim())),
        other => Diagnostic::error(format!("the PDF could not be written: {other:?}")),
    }
}

/// The date PDF/A files carry: the day of `SOURCE_DATE_EPOCH` (seconds since 1970, UTC) when
/// set, else today (UTC).
fn pdf_a_date() -> krilla::metadata::DateTime {
    let seconds =
        std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse::<u64>().ok()).unwrap_or_else(
            || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        );
    let days = (seconds / 86_400) as i64;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    // The day only: two renders on the same day give the same bytes.
    krilla::metadata::DateTime::new(year).month(month).day(day)
}

fn krect(r: Rect) -> Option<krilla::geom::Rect> {
    krilla::geom::Rect::from_xywh(r.x, r.y, r.width, r.height)
}

fn paint(color: Color) -> krilla::paint::Paint {
    match color {
        Color::Rgb(r, g, b) => krilla::color::rgb::Color::new(r, g, b).into(),
        Color::Cmyk(c, m, y, k) => krilla::color::cmyk::Color::new(c, m, y, k).into(),
    }
}

fn fill(color: Color) -> Fill {
    Fill { paint: paint(color), opacity: NormalizedF32::ONE, rule: FillRule::NonZero }
}

fn draw_items(surface: &mut krilla::surface::Surface, items: &[Item]) {
    for item in items {
        match item {
            Item::Text(run) => {
                surface.set_fill(Some(fill(run.color)));
                surface.set_stroke(None);
                // krilla wants advances and offsets in ems; layout keeps them in points.
                let em = 1.0 / run.size;
                let glyphs: Vec<KrillaGlyph> = run.glyphs.iter().map(|g| to_krilla(g, em)).collect();
                surface.draw_glyphs(
                    Point::from_xy(run.x, run.y),
                    &glyphs,
                    run.face.pdf_font(),
                    &run.text,
                    run.size,
                    false,
                );
            }
            Item::Shape(shape) => {
                let Some(path) = build_path(&shape.path) else {
                    continue;
                };
                draw_path(surface, &path, &shape.paint);
            }
            Item::Image(image) => {
                if let Some(clip) = image.clip {
                    let Some(clip_path) = build_path(&crate::layout::rect_path(clip, 0.0)) else {
                        continue;
                    };
                    surface.push_clip_path(&clip_path, &FillRule::NonZero);
                }
                surface.push_transform(&Transform::from_translate(image.rect.x, image.rect.y));
                if let Some(size) = Size::from_wh(image.rect.width, image.rect.height) {
                    surface.draw_image(image.picture.pdf_image(), size);
                }
                surface.pop();
                if image.clip.is_some() {
                    surface.pop();
                }
            }
            Item::Group(group) => {
                let [a, b, c, d, e, f] = group.transform;
                surface.push_transform(&Transform::from_row(a, b, c, d, e, f));
                let clipped = group.clip.and_then(|r| build_path(&crate::layout::rect_path(r, 0.0)));
                if let Some(clip) = &clipped {
                    surface.push_clip_path(clip, &FillRule::NonZero);
                }
                draw_items(surface, &group.items);
                if clipped.is_some() {
                    surface.pop();
                }
                surface.pop();
            }
        }
    }
}

fn draw_path(surface: &mut krilla::surface::Surface, path: &krilla::geom::Path, p: &Paint) {
    surface.set_fill(p.fill.map(fill));
    surface.set_stroke(p.stroke.map(|(color, width)| Stroke {
        paint: paint(color),
        width,
        opacity: NormalizedF32::ONE,
        ..Stroke::default()
    }));
    surface.draw_path(path);
    surface.set_stroke(None);
}

fn to_krilla(g: &GlyphPos, em: f32) -> KrillaGlyph {
    KrillaGlyph::new(
        krilla::text::GlyphId::new(u32::from(g.id)),
        g.advance * em,
        g.x_offset * em,
        g.y_offset * em,
        0.0,
        g.cluster as usize..g.cluster_end as usize,
        None,
    )
}

fn build_path(segments: &[PathSeg]) -> Option<krilla::geom::Path> {
    let mut builder = PathBuilder::new();
    for seg in segments {
        match *seg {
            PathSeg::Move(x, y) => builder.move_to(x, y),
            PathSeg::Line(x, y) => builder.line_to(x, y),
            PathSeg::Cubic(a, b, c, d, e, f) => builder.cubic_to(a, b, c, d, e, f),
            PathSeg::Close => builder.close(),
        }
    }
    builder.finish()
}

/// Renders one page (0-based) of a PDF to PNG at `dpi`, on white.
pub fn png(pdf_bytes: &[u8], page: usize, dpi: f32) -> Result<Vec<u8>> {
    let pdf = hayro::hayro_syntax::Pdf::new(pdf_bytes.to_vec())
        .map_err(|e| Diagnostic::error(format!("the PDF could not be read back for the preview: {e:?}")))?;
    let pages = pdf.pages();
    let Some(pdf_page) = pages.get(page) else {
        return Err(Diagnostic::error(format!(
            "page {} does not exist; the document has {} page{}",
            page + 1,
            pages.len(),
            if pages.len() == 1 { "" } else { "s" }
        ))
        .into());
    };
    let scale = dpi / 72.0;
    let (w, h) = pdf_page.render_dimensions();
    if (w * scale).ceil() > f32::from(u16::MAX) || (h * scale).ceil() > f32::from(u16::MAX) {
        return Err(
            Diagnostic::error(format!("{dpi} dpi makes the picture too large; use a lower --dpi")).into()
        );
    }
    let pixmap = hayro::render(
        pdf_page,
        &hayro::RenderCache::new(),
        &hayro::hayro_interpret::InterpreterSettings::default(),
        &hayro::RenderSettings::default(),
        &hayro::PixmapSettings {
            x_scale: scale,
            y_scale: scale,
            bg_color: hayro::vello_cpu::color::palette::css::WHITE,
        },
    );
    pixmap.into_png().map_err(|e| Diagnostic::error(format!("cannot encode the PNG: {e}")).into())
}

/// The number of pages in a PDF.
pub fn page_count(pdf_bytes: &[u8]) -> Result<usize> {
    let pdf = hayro::hayro_syntax::Pdf::new(pdf_bytes.to_vec())
        .map_err(|e| Diagnostic::error(format!("the PDF could not be read: {e:?}")))?;
    Ok(pdf.pages().len())
}
