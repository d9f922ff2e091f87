//! Print sheets: N-up imposition keeps each back behind its own front (merged backs, both
//! flips, a partly filled last sheet), and print-shop pages carry the right boxes.

mod common;

use std::collections::BTreeMap;

use common::{PdfDoc, TempDir};
use letterkit::impose::{self, Duplex, PrintOptions, SheetOptions};
use letterkit::layout::{Page, Pictures, layout_design};

/// A 4.25 x 5.5 postcard whose front and back each say which piece they are, centred.
const POSTCARD: &str = r#"
format = "postcard-4.25x5.5"
orientation = "portrait"
pages = ["front", "back"]

[[element]]
kind = "text"
page = "front"
x = "0in"
y = "0in"
width = "100%"
height = "100%"
align = "center"
valign = "middle"
text = "FRONT {n}"

[[element]]
kind = "text"
page = "back"
x = "0in"
y = "0in"
width = "100%"
height = "100%"
align = "center"
valign = "middle"
text = "BACK {n}"
"#;

fn pieces(count: usize) -> Vec<Vec<Page>> {
    let dir = TempDir::new("sheets");
    let path = dir.write("postcard.toml", POSTCARD);
    let design = letterkit::model::design::load(&path, &Default::default()).expect("design");
    let pictures = Pictures::default();
    (1..=count)
        .map(|n| {
            let data: BTreeMap<String, String> = [("n".to_string(), n.to_string())].into();
            layout_design(&design, &data, &pictures, &mut Default::default()).expect("layout")
        })
        .collect()
}

fn sheet(duplex: Duplex) -> SheetOptions {
    SheetOptions {
        width: 612.0,
        height: 792.0,
        grid: None,
        gutter: None,
        marks: true,
        duplex,
        profile: Default::default(),
    }
}

/// The centre of the line saying `text`, and the page it is on.
fn centre_of(doc: &PdfDoc, text: &str) -> (usize, f32, f32) {
    for (i, page) in doc.pages.iter().enumerate() {
        if let Some(line) = page.lines.iter().find(|l| l.text == text) {
            return (i, (line.x + line.x_end) / 2.0, line.y);
        }
    }
    panic!("`{text}` is on no page");
}

#[test]
fn backs_land_behind_their_fronts_for_both_flips() {
    let pieces = pieces(7); // two sheets: four pieces, then three
    for duplex in [Duplex::Long, Duplex::Short] {
        let options = PrintOptions { sheet: Some(sheet(duplex)), shop_marks: false, duplex: None };
        let printed = impose::for_print(pieces.clone(), &options).expect("imposition");
        let plan = printed.plan.clone().expect("a sheet plan");
        assert_eq!((plan.cols, plan.rows), (2, 2), "4.25 x 5.5 goes 2 x 2 on Letter");
        assert_eq!(printed.pages.len(), 4, "two sheets, each front and back");
        let bytes = letterkit::render::pdf(&printed.pages, &Default::default()).expect("pdf");
        let doc = PdfDoc::parse(&bytes);
        for n in 1..=7 {
            let (front_page, fx, fy) = centre_of(&doc, &format!("FRONT {n}"));
            let (back_page, bx, by) = centre_of(&doc, &format!("BACK {n}"));
            assert_eq!(back_page, front_page + 1, "piece {n}: back on the next page");
            assert_eq!(printed.piece_pages[n - 1], vec![front_page + 1, back_page + 1]);
            // Turning the sheet over: long edge mirrors the columns, short edge the rows. The text
            // sits at its card's centre, so its position mirrors exactly.
            match duplex {
                Duplex::Long => {
                    assert!((bx - (612.0 - fx)).abs() < 0.5, "piece {n}: back x {bx}, front x {fx}");
                    assert!((by - fy).abs() < 0.5, "piece {n}: back y {by}, front y {fy}");
                }
                Duplex::Short => {
                    // The back is turned 180° in its place (tests/duplex.rs checks which way
                    // up); the text is centred, so its centre stays at the card's centre.
                    assert!((bx - fx).abs() < 0.5, "piece {n}: back x {bx}, front x {fx}");
                    let (front_row, back_row) = ((fy / 396.0).floor(), (by / 396.0).floor());
                    assert_eq!(back_row, 1.0 - front_row, "piece {n}: rows mirror");
                    assert!((by - 396.0 * back_row - (fy - 396.0 * front_row)).abs() < 12.0);
                }
            }
        }
    }
}

#[test]
fn sheets_have_crop_marks_and_keep_bleed_off_neighbours() {
    let pieces = pieces(4);
    let printed = impose::for_print(
        pieces.clone(),
        &PrintOptions { sheet: Some(sheet(Duplex::Long)), shop_marks: false, duplex: None },
    )
    .expect("imposition");
    let plan = printed.plan.expect("plan");
    assert!(plan.to_the_edge(), "2 x 2 quarter-letter cards fill the sheet");
    assert_eq!(plan.gutter, 0.0);
    // Nothing of a card's bleed reaches past its cut lines: each cell is clipped to its trim
    // where it meets a neighbour.
    let bytes = letterkit::render::pdf(&printed.pages, &Default::default()).expect("pdf");
    let doc = PdfDoc::parse(&bytes);
    assert_eq!(doc.pages[0].size(), (612.0, 792.0));
    assert_eq!(doc.pages[0].lines.len(), 4);
}

#[test]
fn a_grid_that_does_not_fit_is_an_error() {
    let pieces = pieces(1);
    let mut options = sheet(Duplex::Long);
    options.grid = Some((3, 3));
    let err = impose::for_print(
        pieces.clone(),
        &PrintOptions { sheet: Some(options), shop_marks: false, duplex: None },
    )
    .err()
    .expect("an error");
    assert_eq!(err, "a 3 x 3 grid of 4.250 x 5.500 in pieces does not fit on a 8.500 x 11.000 in sheet");
}

#[test]
fn print_shop_pages_keep_trim_and_bleed_boxes_with_marks_outside() {
    let pieces = pieces(1);
    let printed =
        impose::for_print(pieces.clone(), &PrintOptions { sheet: None, shop_marks: true, duplex: None })
            .expect("pages");
    let bytes = letterkit::render::pdf(&printed.pages, &Default::default()).expect("pdf");
    let doc = PdfDoc::parse(&bytes);
    assert_eq!(doc.pages.len(), 2, "front and back as separate pages");
    for page in &doc.pages {
        let (w, h) = page.size();
        // 4.25 x 5.5 in trim, 1/8 in bleed, 3/8 in room for marks on every side.
        assert_eq!((w, h), (306.0 + 18.0 + 54.0, 396.0 + 18.0 + 54.0));
        let trim = page.trim_box.expect("TrimBox");
        let bleed = page.bleed_box.expect("BleedBox");
        assert_eq!(trim, [36.0, 36.0, 342.0, 432.0]);
        assert_eq!(bleed, [27.0, 27.0, 351.0, 441.0]);
    }
}

#[test]
fn the_cli_makes_sheets_and_calibration() {
    let dir = TempDir::new("sheets-cli");
    dir.write("postcard.toml", POSTCARD);
    let run = |args: &[&str]| common::letterkit(dir.path(), args);
    let out = run(&[
        "render",
        "postcard.toml",
        "-o",
        "sheet.pdf",
        "--sheet",
        "a4",
        "--set",
        "n=1",
        "--duplex",
        "short",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("print two-sided, flip on short edge"), "{summary}");
    let doc = PdfDoc::parse(&std::fs::read(dir.path().join("sheet.pdf")).unwrap());
    assert_eq!(doc.pages.len(), 2);
    assert_eq!(doc.pages[0].size().0.round(), 595.0);
    let out = run(&["render", "postcard.toml", "--grid", "2x2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("go with --sheet"));
    let out = run(&["calibrate", "--paper", "a4", "-o", "cal.pdf"]);
    assert!(out.status.success());
    let doc = PdfDoc::parse(&std::fs::read(dir.path().join("cal.pdf")).unwrap());
    assert_eq!(doc.pages.len(), 2);
    assert!(doc.pages[1].texts().iter().any(|t| t.contains("BACK")));
    // The instructions name the paper as --sheet takes it.
    let out = run(&["calibrate", "-o", "cal.pdf"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("--sheet letter") && !said.contains("us-letter"), "{said}");
}

#[test]
fn every_example_piece_goes_on_letter_and_a4_sheets_with_both_flips() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut imposed = 0;
    for entry in std::fs::read_dir(examples).unwrap() {
        let path = entry.unwrap().path();
        let mut warnings = Default::default();
        let (_, pages) = letterkit::cli::commands::layout_file(
            &path,
            &Default::default(),
            &BTreeMap::new(),
            &mut warnings,
        )
        .expect("example lays out");
        let (w, h) = (pages[0].trim.width, pages[0].trim.height);
        // Letters and envelopes are printed as they are; pieces smaller than half a sheet go N-up.
        if pages.len() > 2 || w.max(h) > 612.0 || w * h > 612.0 * 792.0 / 2.0 {
            continue;
        }
        for (paper_w, paper_h) in [(612.0, 792.0), (595.28, 841.89)] {
            for duplex in [Duplex::Long, Duplex::Short] {
                let options = SheetOptions { width: paper_w, height: paper_h, ..sheet(duplex) };
                let pieces = vec![pages.clone(); 3];
                let printed = impose::for_print(
                    pieces.clone(),
                    &PrintOptions { sheet: Some(options), shop_marks: false, duplex: None },
                )
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let plan = printed.plan.expect("plan");
                let per_sheet = plan.cols * plan.rows;
                assert!(per_sheet >= 2, "{}: {per_sheet} per sheet", path.display());
                let sheets = 3usize.div_ceil(per_sheet);
                assert_eq!(printed.pages.len(), sheets * pages.len(), "{}", path.display());
                letterkit::render::pdf(&printed.pages, &Default::default()).expect("renders");
            }
        }
        imposed += 1;
    }
    assert!(imposed >= 3, "the example postcards are imposed ({imposed})");
}

#[test]
fn half_fold_cards_on_sheets_get_the_flip_asked_for() {
    let dir = TempDir::new("half-fold");
    dir.write(
        "card.toml",
        "format = \"card-a2\"\nfold = \"half\"\npages = [\"front\", \"inside-left\", \"inside-right\", \"back\"]\n\
         [[element]]\nkind = \"text\"\npage = \"front\"\ntext = \"Front\"\n",
    );
    let run = |args: &[&str]| common::letterkit(dir.path(), args);
    // Flat 8.5 x 5.5 in: two per Letter sheet, upright, folds parallel to the sheet's long edge.
    let out = run(&[
        "render",
        "card.toml",
        "-o",
        "a.pdf",
        "--sheet",
        "letter",
        "--duplex",
        "short",
        "--gutter",
        "0",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("flip on short edge"), "the flip asked for: {summary}");
    assert!(!summary.contains("flip on long edge"), "one flip only: {summary}");
}
