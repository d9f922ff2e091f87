// The work of the `design` fuzz target, shared with `tests/properties.rs` (which includes this
// file), so the fuzz target's code is compiled and run by `cargo test` too.

/// A design from arbitrary bytes through everything `letterkit check` and `render` do. It
/// must never panic, and every PDF it makes must read back, page by page.
pub fn fuzz_design(data: &[u8]) {
    use std::collections::BTreeMap;
    let Ok(text) = std::str::from_utf8(data) else { return };
    if text.len() > 64 * 1024 {
        return;
    }
    let none = BTreeMap::new();
    let report = letterkit::check::check_design_text("fuzz.toml", text, &none);
    let json: serde_json::Value = serde_json::from_str(&report.json()).expect("the report is JSON");
    assert!(json.is_array());
    let source = letterkit::base::diag::Source { path: "fuzz.toml".into(), text: text.to_string() };
    let Ok(design) = letterkit::model::design::parse(&source, &Default::default()) else { return };
    let pictures = letterkit::layout::Pictures::default();
    let mut warnings = letterkit::base::diag::Warnings::default();
    let Ok(pages) = letterkit::layout::layout_printed(&design, &none, &pictures, &mut warnings) else { return };
    if pages.len() > 50 {
        return;
    }
    let options = letterkit::render::PdfOptions { title: design.title.clone(), pdf_a: false };
    let bytes = letterkit::render::pdf(&pages, &options).expect("laid-out pages make a PDF");
    assert_eq!(pdf_pages(&bytes), Ok(pages.len()), "the PDF reads back with every page");
}

/// Re-opens a PDF with hayro and reads every page's box and content stream; the page count.
pub fn pdf_pages(bytes: &[u8]) -> Result<usize, String> {
    let pdf = hayro::hayro_syntax::Pdf::new(bytes.to_vec()).map_err(|e| format!("cannot open: {e:?}"))?;
    for (i, page) in pdf.pages().iter().enumerate() {
        let media = page.media_box();
        if !(media.x1 - media.x0 > 0.0 && media.y1 - media.y0 > 0.0) {
            return Err(format!("page {} has an empty media box", i + 1));
        }
        page.page_stream().ok_or_else(|| format!("page {} has no content stream", i + 1))?;
        let mut operations = page.typed_operations();
        let mut count = 0usize;
        while operations.next().is_some() {
            count += 1;
        }
        if count == 0 && page.page_stream().is_some_and(|s| !s.is_empty()) {
            return Err(format!("page {}: its content stream has no operators", i + 1));
        }
    }
    Ok(pdf.pages().len())
}
