//! Every design in `examples/` lays out without warnings, renders to a PDF with the expected
//! number of pages, and renders to the same bytes twice. The mail pieces (the #10 envelope and
//! the postcard's address side) also keep to the USPS address-side zones: delivery address in
//! the OCR read area, return address and stamp box above it, nothing in the barcode clear zone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use letterkit::base::diag::Warnings;
use letterkit::base::units::Rect;
use letterkit::cli::commands::layout_file;
use letterkit::layout::{Item, Page, PathSeg};
use letterkit::model::design::Design;
use letterkit::render::{self, PdfOptions};

/// Each example and the number of pages it renders to. A new example needs a line here.
const EXPECTED_PAGES: &[(&str, usize)] = &[
    ("card-half-fold.toml", 2),
    ("card-quarter-fold.toml", 1),
    ("envelope-10.toml", 1),
    ("handwritten-letter.toml", 1),
    ("postcard-address.toml", 1),
    ("postcard-draw-your-own.toml", 1),
    ("postcard-front.toml", 1),
    ("typed-letter.toml", 1),
];

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn example_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("examples/ is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// Lays out a design with its own `[data]`; errors and warnings fail the test.
fn lay_out(path: &Path) -> (Design, Vec<Page>) {
    let mut warnings = Warnings::default();
    let laid = layout_file(path, &Default::default(), &BTreeMap::new(), &mut warnings)
        .unwrap_or_else(|e| panic!("{} does not lay out:\n{e}", path.display()));
    let messages: Vec<String> = warnings.0.iter().map(ToString::to_string).collect();
    assert!(messages.is_empty(), "{} has warnings:\n{}", path.display(), messages.join("\n"));
    laid
}

fn to_pdf(design: &Design, pages: &[Page]) -> Vec<u8> {
    render::pdf(pages, &PdfOptions { title: design.title.clone(), pdf_a: false, language: String::new() })
        .unwrap_or_else(|e| panic!("{}: no PDF: {e}", design.path.display()))
}

#[test]
fn every_example_is_expected() {
    let names: Vec<String> =
        example_files().iter().map(|p| p.file_name().expect("name").to_string_lossy().into_owned()).collect();
    for name in &names {
        assert!(
            EXPECTED_PAGES.iter().any(|(n, _)| n == name),
            "examples/{name} is not listed in EXPECTED_PAGES in tests/examples.rs"
        );
    }
    for (name, _) in EXPECTED_PAGES {
        assert!(
            names.iter().any(|n| n == name),
            "EXPECTED_PAGES lists examples/{name}, which does not exist"
        );
    }
}

#[test]
fn examples_render_without_warnings_and_reproducibly() {
    for path in example_files() {
        let name = path.file_name().expect("name").to_string_lossy().into_owned();
        let expected = EXPECTED_PAGES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, pages)| *pages)
            .unwrap_or_else(|| panic!("examples/{name} has no expected page count"));

        let (design, pages) = lay_out(&path);
        assert_eq!(pages.len(), expected, "examples/{name}: page count");
        let pdf = to_pdf(&design, &pages);
        assert!(pdf.starts_with(b"%PDF-"), "examples/{name}: not a PDF");
        assert_eq!(
            render::page_count(&pdf).expect("the PDF reads back"),
            expected,
            "examples/{name}: pages in the PDF"
        );

        // A second, independent run gives the same bytes: no clock time, no random IDs.
        let (design2, pages2) = lay_out(&path);
        assert!(to_pdf(&design2, &pages2) == pdf, "examples/{name}: two renders differ");
    }
}

// --- USPS address-side zones ---------------------------------------------------------------------

const IN: f32 = 72.0;

/// The extent of an item on the page, in points (strokes included).
fn bounds(item: &Item) -> Option<Rect> {
    match item {
        Item::Text(run) => Some(run.bounds()),
        Item::Image(image) => Some(image.clip.unwrap_or(image.rect)),
        Item::Shape(shape) => {
            let mut points = Vec::new();
            for seg in &shape.path {
                match *seg {
                    PathSeg::Move(x, y) | PathSeg::Line(x, y) => points.push((x, y)),
                    PathSeg::Cubic(a, b, c, d, e, f) => points.extend([(a, b), (c, d), (e, f)]),
                    PathSeg::Close => {}
                }
            }
            let (x0, x1) = points.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
            let (y0, y1) = points.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
            let half = shape.paint.stroke.map_or(0.0, |(_, w)| w / 2.0);
            (!points.is_empty())
                .then(|| Rect::new(x0 - half, y0 - half, x1 - x0 + 2.0 * half, y1 - y0 + 2.0 * half))
        }
        Item::Group(_) => None,
    }
}

fn inches(r: &Rect, bleed: f32) -> String {
    format!(
        "x {:.3}..{:.3} in, y {:.3}..{:.3} in",
        (r.x - bleed) / IN,
        (r.right() - bleed) / IN,
        (r.y - bleed) / IN,
        (r.bottom() - bleed) / IN
    )
}

/// Checks a mail piece's address side; `address` are the delivery-address lines as printed.
fn check_address_side(file: &str, address: &[&str], return_last_line: &str) {
    let (design, pages) = lay_out(&examples_dir().join(file));
    let page = &pages[0];
    let (w, h, b) = (design.width, design.height, design.bleed);
    // Page coordinates: the trim box starts at (bleed, bleed).
    let ocr = Rect::new(b + 0.5 * IN, b + h - 2.75 * IN, w - 1.0 * IN, (2.75 - 0.625) * IN);
    let barcode = Rect::new(b + w - 4.75 * IN, b + h - 0.625 * IN, 4.75 * IN, 0.625 * IN + b);

    for item in &page.items {
        if let Some(r) = bounds(item) {
            let what = match item {
                Item::Text(run) => format!("text `{}`", run.text),
                Item::Image(_) => "an image".into(),
                _ => "a shape".into(),
            };
            assert!(
                !r.intersects(&barcode),
                "{file}: {what} ({}) is in the barcode clear zone",
                inches(&r, b)
            );
        }
    }

    let runs: Vec<_> = page
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Text(run) => Some(run),
            _ => None,
        })
        .collect();
    let mut address_runs = Vec::new();
    for line in address {
        let run = runs
            .iter()
            .find(|r| r.text.trim() == *line)
            .unwrap_or_else(|| panic!("{file}: no address line `{line}` (printed in one run)"));
        assert!(
            ocr.contains(&run.bounds()),
            "{file}: address line `{line}` ({}) is outside the OCR read area ({})",
            inches(&run.bounds(), b),
            inches(&ocr, b)
        );
        address_runs.push(run);
    }
    // Lines in order, flush left, and the city/state/ZIP line last.
    for pair in address_runs.windows(2) {
        assert!(pair[0].y < pair[1].y, "{file}: address lines out of order");
        assert!((pair[0].x - pair[1].x).abs() < 0.01, "{file}: address lines not flush left");
    }
    let left = address_runs[0].x;
    let top = address_runs[0].bounds().y;
    let last = address_runs.last().expect("lines").y;
    for run in &runs {
        let below_in_block = run.x >= left - 0.01 && run.y > last + 0.01 && run.bounds().y < ocr.bottom();
        assert!(!below_in_block, "{file}: `{}` is printed below the address's last line", run.text);
    }

    // Return address: upper left, entirely above the OCR read area.
    let ret = runs
        .iter()
        .find(|r| r.text.contains(return_last_line))
        .unwrap_or_else(|| panic!("{file}: no return address line with `{return_last_line}`"));
    assert!(
        ret.bounds().bottom() <= ocr.y && ret.x < b + w / 2.0,
        "{file}: return address ({}) must be upper left, above the OCR read area",
        inches(&ret.bounds(), b)
    );
    assert!(ret.bounds().bottom() < top, "{file}: return address below the delivery address");

    // Stamp box: a shape at least 3/4 in square in the upper right, above the OCR read area.
    let stamp = page.items.iter().filter_map(bounds).any(|r| {
        r.width >= 0.75 * IN && r.height >= 0.75 * IN && r.right() > b + w - 1.0 * IN && r.bottom() <= ocr.y
    });
    assert!(stamp, "{file}: no stamp box in the upper right above the OCR read area");
}

/// The recipient block the address-side examples print, as USPS style writes it.
const EXAMPLE_RECIPIENT: &[&str] = &[
    "THE HONORABLE MARKWAYNE MULLIN",
    "SECRETARY OF HOMELAND SECURITY",
    "US DEPARTMENT OF HOMELAND SECURITY",
    "WASHINGTON DC 20528",
];

#[test]
fn envelope_keeps_to_usps_zones() {
    check_address_side("envelope-10.toml", EXAMPLE_RECIPIENT, "02134");
}

#[test]
fn postcard_address_side_keeps_to_usps_zones() {
    check_address_side("postcard-address.toml", EXAMPLE_RECIPIENT, "02134");
}

/// A longer name shrinks the postcard's address block instead of wrapping it out of the OCR area.
#[test]
fn postcard_address_shrinks_for_a_long_name() {
    let path = examples_dir().join("postcard-address.toml");
    let mut data = BTreeMap::new();
    data.insert("secretary".to_string(), "Christopher Montgomery".to_string());
    let mut warnings = Warnings::default();
    let (_, pages) = layout_file(&path, &Default::default(), &data, &mut warnings).expect("lays out");
    let line = pages[0]
        .items
        .iter()
        .find_map(|i| match i {
            Item::Text(run) if run.text.starts_with("THE HONORABLE") => Some(run),
            _ => None,
        })
        .expect("the name line");
    assert!(line.size < 9.0, "the block should shrink below 9pt, got {}", line.size);
    assert!(
        line.text.trim() == "THE HONORABLE CHRISTOPHER MONTGOMERY",
        "the name line should not wrap: `{}`",
        line.text
    );
}
