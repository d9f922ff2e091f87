// The work of the `design` and `design_schema` fuzz targets, shared with `tests/properties.rs`
// (which includes this file), so the fuzz targets' code is compiled and run by `cargo test` too.

/// How far a design got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reached {
    /// It was read without errors and went to layout.
    pub layout: bool,
    /// It was laid out and made a PDF, which read back.
    pub pdf: bool,
}

/// Errors about the design as a whole, which have no one line to point at (every other error
/// comes from a key or a table and names its line).
const WHOLE_FILE: &[&str] = &[
    "the design has no page size",
    "give `format` or `size`, not both",
    "the page is larger than 200 in",
    "piece is too small to mail",
    "card fits no standard envelope",
    "card is larger than a letter",
    "the design lays out to",
    "the design has",
    "the design names",
    "the design adds",
];

/// Errors that come from one key but are reported for the whole file, without the key's line
/// (the file's top-level settings are not read with their places yet): to be given lines.
const NO_LINE_YET: &[&str] = &[
    "`size` takes two positive absolute lengths",
    "the margin (",
    "`margin` and `safe` must be zero or more",
    "`bleed` of",
    "a folded card needs pages",
    "continuation_header",
    // A `[fonts]` file that is refused, cannot be read, is damaged or cannot be embedded.
    "font ",
    "cannot read font",
    "[data] `",
    // From a text on a folded card with `overflow = "continue"`: the check after layout does
    // not know which text ran on.
    "a card panel's text continues onto another page",
];

/// A design from arbitrary bytes through everything `letterkit check` and `render` do. It
/// must never panic, and every PDF it makes must read back, page by page.
pub fn fuzz_design(data: &[u8]) -> Reached {
    match std::str::from_utf8(data) {
        Ok(text) if text.len() <= 64 * 1024 => design_text(text),
        _ => Reached::default(),
    }
}

/// A design's text through `letterkit check`, then through reading, layout and PDF as
/// `letterkit render` does them. Checks that:
/// - nothing panics;
/// - check's report is JSON, each of its diagnostics names the file, and each error its line
///   (but for the errors in `WHOLE_FILE` and `NO_LINE_YET`);
/// - when reading, layout or the PDF fails, check reported errors (so when check finds
///   none, the design renders);
/// - every PDF made reads back (hayro) with as many pages as layout made.
pub fn design_text(text: &str) -> Reached {
    use std::collections::BTreeMap;
    let mut reached = Reached::default();
    let none = BTreeMap::new();
    let report = letterkit::check::check_design_text("fuzz.toml", text, &none);
    let json: serde_json::Value = serde_json::from_str(&report.json()).expect("the report is JSON");
    assert!(json.is_array());
    for d in &report.diagnostics {
        assert_eq!(d.file.as_deref(), Some(std::path::Path::new("fuzz.toml")), "no file: {d:?}");
        let whole_file = WHOLE_FILE.iter().chain(NO_LINE_YET).any(|m| d.message.contains(m));
        let error = d.severity == letterkit::base::diag::Severity::Error;
        assert!(!error || d.position.is_some() || whole_file, "an error with no line: {d:?}");
    }
    let errors = report.errors();
    let source = letterkit::base::diag::Source { path: "fuzz.toml".into(), text: text.to_string() };
    let design = match letterkit::model::design::parse(&source, &Default::default()) {
        Ok(design) => design,
        Err(e) => {
            assert!(errors > 0, "reading failed but check found no errors: {:?}", e.0);
            return reached;
        }
    };
    reached.layout = true;
    let pictures = letterkit::layout::Pictures::default();
    let mut warnings = letterkit::base::diag::Warnings::default();
    let pages = match letterkit::layout::layout_printed(&design, &none, &pictures, &mut warnings) {
        Ok(pages) => pages,
        Err(e) => {
            assert!(errors > 0, "layout failed but check found no errors: {:?}", e.0);
            return reached;
        }
    };
    if pages.len() > 50 {
        return reached;
    }
    let options = letterkit::render::PdfOptions { title: design.title.clone(), pdf_a: false, language: String::new() };
    let bytes = letterkit::render::pdf(&pages, &options).expect("laid-out pages make a PDF");
    assert_eq!(pdf_pages(&bytes), Ok(pages.len()), "the PDF reads back with every page");
    reached.pdf = true;
    reached
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
