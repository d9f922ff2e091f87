//! Rendering: laid-out pages to PDF with letterkit's own streaming writer, and PDF pages to
//! PNG with hayro, so a preview shows exactly what prints.

mod archival;
mod content;
mod font;
mod image;
mod pdf;

pub use pdf::{PdfOptions, PdfWriter, pdf};

use crate::base::diag::{Diagnostic, Result};

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
