//! Golden-image tests: each case's design is laid out, written as PDF and rendered back to
//! pixels with `letterkit::render::png` at a low resolution, then compared with a reference PNG
//! pixel by pixel, with a tolerance for anti-aliasing.
//!
//! * Cases with a design of their own live in `tests/golden/<case>/design.toml`; the examples'
//!   first pages are cases too (`example-<name>`), rendered from `examples/<name>.toml`.
//!   References are `tests/golden/<case>/page-<n>.png` (n from 1).
//! * A pixel differs when any channel differs by more than [`CHANNEL_TOLERANCE`]; a page fails
//!   when more than [`MAX_DIFFERING`] of its pixels differ, or its size changed. The actual
//!   picture, the reference and a diff (differing pixels red over a faded reference) are then
//!   written to `<target>/golden-failures/<case>/`, and the panic message says where.
//! * `LETTERKIT_UPDATE_GOLDEN=1 cargo test --release --test golden` (re)writes the references
//!   instead of comparing. Look at every changed PNG before committing it.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use letterkit::base::diag::Warnings;
use letterkit::cli::commands::layout_file;
use letterkit::render::{self, PdfOptions};

/// A channel that differs by more than this makes the pixel count as different.
const CHANNEL_TOLERANCE: u8 = 40;
/// The share of differing pixels above which a page fails (0.5%).
const MAX_DIFFERING: f64 = 0.005;
/// Set to 1 to (re)write the reference pictures instead of comparing with them.
const UPDATE_ENV: &str = "LETTERKIT_UPDATE_GOLDEN";
/// The largest a reference PNG may be, to keep the repository small.
const MAX_REFERENCE_BYTES: u64 = 30 * 1024;

/// Which pages of a case are compared.
#[derive(Clone, Copy)]
enum Pages {
    /// Every page of the document.
    All,
    /// Only the first.
    First,
}

/// One golden case.
struct Case {
    /// Folder name under `tests/golden/`.
    name: &'static str,
    /// The design, relative to the crate root.
    design: &'static str,
    /// Resolution of the comparison; low, to keep references small and tolerant.
    dpi: f32,
    /// Which pages to compare.
    pages: Pages,
}

macro_rules! cases {
    ($($test:ident: $name:literal, $design:literal, $dpi:literal, $pages:ident;)*) => {
        const CASES: &[Case] = &[
            $(Case { name: $name, design: $design, dpi: $dpi, pages: Pages::$pages },)*
        ];
        $(
            #[test]
            fn $test() {
                check_case($name);
            }
        )*
    };
}

cases! {
    text_align: "text-align", "tests/golden/text-align/design.toml", 50.0, All;
    inline_emphasis: "inline-emphasis", "tests/golden/inline-emphasis/design.toml", 50.0, All;
    fallback_characters: "fallback-characters", "tests/golden/fallback-characters/design.toml", 50.0, All;
    shapes: "shapes", "tests/golden/shapes/design.toml", 50.0, All;
    image_fit: "image-fit", "tests/golden/image-fit/design.toml", 36.0, All;
    postcard_bleed: "postcard-bleed", "tests/golden/postcard-bleed/design.toml", 36.0, All;
    example_typed_letter: "example-typed-letter", "examples/typed-letter.toml", 36.0, First;
    example_handwritten_letter: "example-handwritten-letter", "examples/handwritten-letter.toml", 36.0, First;
    example_postcard_front: "example-postcard-front", "examples/postcard-front.toml", 30.0, First;
    example_postcard_address: "example-postcard-address", "examples/postcard-address.toml", 50.0, First;
    example_envelope_10: "example-envelope-10", "examples/envelope-10.toml", 40.0, First;
    example_postcard_draw_your_own: "example-postcard-draw-your-own", "examples/postcard-draw-your-own.toml", 36.0, First;
    example_card_quarter_fold: "example-card-quarter-fold", "examples/card-quarter-fold.toml", 24.0, First;
    sheet_postcards_letter_long: "sheet-postcards-letter-long", "sheet:letter:long:tests/golden/postcard-bleed/design.toml", 20.0, All;
    sheet_postcards_a4_short: "sheet-postcards-a4-short", "sheet:a4:short:tests/golden/postcard-bleed/design.toml", 20.0, All;
    sheet_fronts_letter: "sheet-fronts-letter", "sheet:letter:long:examples/postcard-draw-your-own.toml", 20.0, All;
    calibration_letter: "calibration-letter", "calibrate:letter", 24.0, All;
    example_card_half_fold: "example-card-half-fold", "examples/card-half-fold.toml", 24.0, All;
    rtl_lines: "rtl-lines", "tests/fonts/rtl-lines.toml", 50.0, All;
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden_dir() -> PathBuf {
    root().join("tests/golden")
}

/// `<target>/golden-failures`, next to the rest of the test output.
fn failures_dir() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(&tmp).join("golden-failures")
}

fn updating() -> bool {
    std::env::var(UPDATE_ENV).is_ok_and(|v| v == "1")
}

/// An 8-bit RGB picture.
struct Rgb {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl Rgb {
    fn pixel(&self, i: usize) -> [u8; 3] {
        [self.data[3 * i], self.data[3 * i + 1], self.data[3 * i + 2]]
    }
}

/// Decodes a PNG of any colour type to RGB, compositing transparency on white.
fn decode_png(bytes: &[u8]) -> Result<Rgb, String> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let size = reader.output_buffer_size().ok_or("the PNG is too large")?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let mut data = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        let row = &buf[y * info.line_size..y * info.line_size + w * channels];
        for px in row.chunks_exact(channels) {
            let (rgb, alpha) = match px {
                [g] => ([*g; 3], 255),
                [g, a] => ([*g; 3], *a),
                [r, g, b] => ([*r, *g, *b], 255),
                [r, g, b, a] => ([*r, *g, *b], *a),
                _ => return Err(format!("unexpected PNG colour type {:?}", info.color_type)),
            };
            for c in rgb {
                let over_white = (u32::from(c) * u32::from(alpha) + 255 * (255 - u32::from(alpha))) / 255;
                data.push(over_white as u8);
            }
        }
    }
    Ok(Rgb { width: info.width, height: info.height, data })
}

/// Encodes an RGB picture as a compact PNG.
fn encode_png(image: &Rgb) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, image.width, image.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header().expect("PNG header");
        writer.write_image_data(&image.data).expect("PNG data");
        writer.finish().expect("PNG end");
    }
    out
}

/// Lays out and renders a design; every page as RGB at `dpi`. Warnings fail the case.
///
/// Two kinds of case are made by commands rather than read from a design alone:
/// `sheet:PAPER:FLIP:DESIGN` puts four copies of a design's piece N-up on sheets, and
/// `calibrate:PAPER` is the printer calibration sheet.
fn render_case(case: &Case) -> Vec<Rgb> {
    let pages = case_pages(case);
    let pdf =
        render::pdf(&pages, &PdfOptions { title: case.name.into(), pdf_a: false, language: String::new() })
            .unwrap_or_else(|e| panic!("golden case `{}`: no PDF: {e}", case.name));
    let count = match case.pages {
        Pages::All => pages.len(),
        Pages::First => 1,
    };
    (0..count)
        .map(|i| {
            let png = render::png(&pdf, i, case.dpi).unwrap_or_else(|e| {
                panic!("golden case `{}`: page {} does not render: {e}", case.name, i + 1)
            });
            decode_png(&png)
                .unwrap_or_else(|e| panic!("golden case `{}`: page {}: bad PNG: {e}", case.name, i + 1))
        })
        .collect()
}

/// The design file a case renders, if it has one.
fn design_file(case: &Case) -> Option<&'static str> {
    if case.design.starts_with("calibrate:") {
        return None;
    }
    Some(
        case.design
            .strip_prefix("sheet:")
            .map_or(case.design, |rest| rest.splitn(3, ':').nth(2).expect("sheet:PAPER:FLIP:DESIGN")),
    )
}

/// The pages of a case: a design's own, a sheet of pieces, or the calibration sheet.
fn case_pages(case: &Case) -> Vec<letterkit::layout::Page> {
    let paper_size = |paper: &str| {
        let f = letterkit::base::formats::find(paper, Some(letterkit::base::formats::Kind::Paper))
            .expect("paper");
        (f.width, f.height)
    };
    if let Some(paper) = case.design.strip_prefix("calibrate:") {
        let (w, h) = paper_size(paper);
        return letterkit::cli::calibrate::sheet(&letterkit::text::fonts::FontBook::bundled(), w, h)
            .expect("calibration sheet");
    }
    let (sheet, design) = match case.design.strip_prefix("sheet:") {
        Some(rest) => {
            let mut parts = rest.splitn(3, ':');
            let (paper, flip, design) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
            (Some((paper, flip)), design)
        }
        None => (None, case.design),
    };
    let path = root().join(design);
    let mut warnings = Warnings::default();
    let (_, pages) = layout_file(&path, &Default::default(), &BTreeMap::new(), &mut warnings)
        .unwrap_or_else(|e| panic!("golden case `{}`: {} does not lay out:\n{e}", case.name, path.display()));
    let messages: Vec<String> = warnings.0.iter().map(ToString::to_string).collect();
    assert!(messages.is_empty(), "golden case `{}`: warnings:\n{}", case.name, messages.join("\n"));
    let Some((paper, flip)) = sheet else { return pages };
    let (w, h) = paper_size(paper);
    let options = letterkit::impose::PrintOptions {
        sheet: Some(letterkit::impose::SheetOptions {
            width: w,
            height: h,
            grid: None,
            gutter: None,
            marks: true,
            duplex: if flip == "short" {
                letterkit::impose::Duplex::Short
            } else {
                letterkit::impose::Duplex::Long
            },
            profile: Default::default(),
        }),
        shop_marks: false,
        duplex: None,
    };
    let pieces: Vec<Vec<letterkit::layout::Page>> = (0..4).map(|_| pages.clone()).collect();
    letterkit::impose::for_print(pieces.clone(), &options)
        .unwrap_or_else(|e| panic!("golden case `{}`: {e}", case.name))
        .pages
}

/// How many pixels differ by more than the tolerance, and the diff picture.
fn compare(actual: &Rgb, expected: &Rgb) -> (usize, Rgb) {
    let n = (actual.width * actual.height) as usize;
    let mut differing = 0;
    let mut diff = Vec::with_capacity(n * 3);
    for i in 0..n {
        let (a, e) = (actual.pixel(i), expected.pixel(i));
        if a.iter().zip(e).any(|(x, y)| x.abs_diff(y) > CHANNEL_TOLERANCE) {
            differing += 1;
            diff.extend([255, 0, 0]);
        } else {
            // The reference, faded to light grey, so the red stands out but the page is recognisable.
            let luma = (299 * u32::from(e[0]) + 587 * u32::from(e[1]) + 114 * u32::from(e[2])) / 1000;
            let faded = (255 - (255 - luma) / 4) as u8;
            diff.extend([faded; 3]);
        }
    }
    let diff = Rgb { width: actual.width, height: actual.height, data: diff };
    (differing, diff)
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

fn check_case(name: &str) {
    let case = CASES.iter().find(|c| c.name == name).expect("the case is listed");
    let rendered = render_case(case);
    let case_dir = golden_dir().join(case.name);
    let fail_dir = failures_dir().join(case.name);
    // Leftovers from an earlier failed run would only mislead.
    let _ = std::fs::remove_dir_all(&fail_dir);

    if updating() {
        for (i, image) in rendered.iter().enumerate() {
            write(&case_dir.join(format!("page-{}.png", i + 1)), &encode_png(image));
        }
        // References for pages the case no longer has.
        for k in rendered.len() + 1.. {
            let stale = case_dir.join(format!("page-{k}.png"));
            if std::fs::remove_file(&stale).is_err() {
                break;
            }
        }
        return;
    }

    let mut failures = Vec::new();
    for (i, actual) in rendered.iter().enumerate() {
        let page = i + 1;
        let reference = case_dir.join(format!("page-{page}.png"));
        let actual_path = fail_dir.join(format!("page-{page}-actual.png"));
        let expected = match std::fs::read(&reference) {
            Ok(bytes) => decode_png(&bytes).unwrap_or_else(|e| {
                panic!("golden case `{name}`: {} is not a PNG: {e}", reference.display())
            }),
            Err(_) => {
                write(&actual_path, &encode_png(actual));
                failures.push(format!(
                    "page {page}: no reference {} (the actual picture is {}); \
                     run `{UPDATE_ENV}=1 cargo test --release --test golden` to create it",
                    reference.display(),
                    actual_path.display()
                ));
                continue;
            }
        };
        if (actual.width, actual.height) != (expected.width, expected.height) {
            write(&actual_path, &encode_png(actual));
            failures.push(format!(
                "page {page}: the picture is {} x {} px but the reference is {} x {} px; actual: {}",
                actual.width,
                actual.height,
                expected.width,
                expected.height,
                actual_path.display()
            ));
            continue;
        }
        let (differing, diff) = compare(actual, &expected);
        let total = (actual.width * actual.height) as usize;
        let share = differing as f64 / total as f64;
        if share > MAX_DIFFERING {
            let diff_path = fail_dir.join(format!("page-{page}-diff.png"));
            let expected_path = fail_dir.join(format!("page-{page}-expected.png"));
            write(&actual_path, &encode_png(actual));
            write(&diff_path, &encode_png(&diff));
            write(&expected_path, &encode_png(&expected));
            failures.push(format!(
                "page {page}: {differing} of {total} pixels ({:.2}%) differ by more than {CHANNEL_TOLERANCE} \
                 (at most {:.1}% may); see {} (red = differing), {} and {}",
                share * 100.0,
                MAX_DIFFERING * 100.0,
                diff_path.display(),
                actual_path.display(),
                expected_path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "golden case `{name}` ({}) does not match its references:\n  {}\n\
         If the change is intended, look at the pictures, then run \
         `{UPDATE_ENV}=1 cargo test --release --test golden` and commit the new references.",
        case.design,
        failures.join("\n  ")
    );
}

/// Every case folder and every example is covered, and every listed design exists.
#[test]
fn every_case_is_listed() {
    for case in CASES {
        if let Some(design) = design_file(case) {
            assert!(root().join(design).is_file(), "case `{}`: no design {design}", case.name);
        }
    }
    let mut dirs: Vec<String> = std::fs::read_dir(golden_dir())
        .expect("tests/golden")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    for dir in &dirs {
        assert!(
            CASES.iter().any(|c| c.name == dir),
            "tests/golden/{dir} is not a case listed in tests/golden.rs"
        );
        let own_design = golden_dir().join(dir).join("design.toml");
        if own_design.is_file() {
            let case = CASES.iter().find(|c| c.name == dir).expect("listed");
            assert_eq!(
                case.design,
                format!("tests/golden/{dir}/design.toml"),
                "case `{dir}` has a design.toml but renders another file"
            );
        }
    }
    for entry in std::fs::read_dir(root().join("examples")).expect("examples") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let stem = path.file_stem().expect("stem").to_string_lossy().into_owned();
            assert!(
                CASES.iter().any(|c| c.name == format!("example-{stem}")),
                "examples/{stem}.toml has no golden case `example-{stem}` in tests/golden.rs"
            );
        }
    }
}

/// References stay small (the low resolution is what keeps them so).
#[test]
fn references_are_small() {
    for case in CASES {
        let dir = golden_dir().join(case.name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "png") {
                let size = entry.metadata().expect("metadata").len();
                assert!(
                    size <= MAX_REFERENCE_BYTES,
                    "{} is {size} bytes; references must stay under {MAX_REFERENCE_BYTES} (lower the case's dpi)",
                    path.display()
                );
            }
        }
    }
}

/// The comparison itself: identical pictures pass, a changed block is found and drawn red.
#[test]
fn comparison_counts_only_real_differences() {
    let (w, h) = (20u32, 10u32);
    let base = Rgb { width: w, height: h, data: (0..w * h * 3).map(|i| (i % 251) as u8).collect() };
    let (n, _) = compare(&base, &base);
    assert_eq!(n, 0);
    // Small differences (anti-aliasing) are tolerated.
    let mut near =
        Rgb { data: base.data.iter().map(|&v| v.saturating_add(CHANNEL_TOLERANCE)).collect(), ..base };
    assert_eq!(compare(&near, &base).0, 0);
    // A 3 x 2 block that changed colour counts six pixels and is red in the diff.
    for y in 2..4 {
        for x in 5..8 {
            let i = 3 * (y * w as usize + x);
            near.data[i] = near.data[i].wrapping_add(128);
        }
    }
    let (n, diff) = compare(&near, &base);
    assert_eq!(n, 6);
    assert_eq!(diff.pixel(2 * w as usize + 5), [255, 0, 0]);
    assert_ne!(diff.pixel(0), [255, 0, 0]);
    // The PNG round trip keeps pixels exactly.
    let back = decode_png(&encode_png(&near)).expect("round trip");
    assert_eq!((back.width, back.height), (w, h));
    assert_eq!(back.data, near.data);
}
