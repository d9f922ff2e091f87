//! `--duplex` means what it says: for every kind of two-sided piece (postcards, half-fold cards,
//! letters with a back), N-up or one to a page, each back lands behind its own front and reads
//! the right way up once the sheet is turned over with the flip asked for. Each test reads the
//! written PDF back and turns the sheet over on paper: a known mark on each back must land on
//! the matching mark of its front.

mod common;

use std::collections::BTreeMap;

use common::{PdfDoc, TempDir};
use letterkit::impose::{self, Duplex, PrintOptions, SheetOptions};
use letterkit::layout::{self, Page, Pictures};

const FLIPS: [Duplex; 2] = [Duplex::Long, Duplex::Short];

/// Two marks on a panel of `w` x `h` points: `{tag}a` near the top-left, `{tag}b` near the
/// bottom-right; with `mirrored`, at the places that lie behind them when the piece is turned
/// over side to side (x becomes w - x), which is where a back's marks go.
fn marks(page: &str, tag: &str, w: f32, h: f32, mirrored: bool) -> String {
    let (ax, bx) = (34.0, w - 70.0);
    let x = |x: f32| if mirrored { w - x } else { x };
    let mut out = String::new();
    for (name, mx, my) in [("a", x(ax), 20.0), ("b", x(bx), h - 40.0)] {
        out.push_str(&format!(
            "\n[[element]]\nkind = \"text\"\npage = \"{page}\"\nx = \"{mx}pt\"\ny = \"{my}pt\"\nwidth = \"30pt\"\nheight = \"12pt\"\nsize = \"4pt\"\ntext = \"{tag}{{n}}{name}\"\n"
        ));
    }
    out
}

/// A two-page postcard (front, back) of `format`: marks F on the front, B behind them.
fn postcard(format: &str, orientation: &str, w: f32, h: f32) -> String {
    format!(
        "format = \"{format}\"\norientation = \"{orientation}\"\npages = [\"front\", \"back\"]\n{}{}",
        marks("front", "F", w, h, false),
        marks("back", "B", w, h, true)
    )
}

/// A half-fold card: marks F on the front cover, B on the inside-left panel (behind the front
/// cover once the flat card turns about its fold), G on the back cover and C on the
/// inside-right panel behind it.
fn half_fold(format: &str, w: f32, h: f32) -> String {
    format!(
        "format = \"{format}\"\nfold = \"half\"\npages = [\"front\", \"inside-left\", \"inside-right\", \"back\"]\n{}{}{}{}",
        marks("front", "F", w, h, false),
        marks("inside-left", "B", w, h, true),
        marks("back", "G", w, h, false),
        marks("inside-right", "C", w, h, true)
    )
}

/// `count` pieces of a design, as they print (a folded card's flat sheets), numbered from 1.
fn pieces(toml: &str, count: usize) -> Vec<Vec<Page>> {
    let dir = TempDir::new("duplex");
    let path = dir.write("piece.toml", toml);
    let design = letterkit::model::design::load(&path, &Default::default()).expect("design");
    (1..=count)
        .map(|n| {
            let data: BTreeMap<String, String> = [("n".to_string(), n.to_string())].into();
            let pages = layout::layout_design(&design, &data, &Pictures::default(), &mut Default::default())
                .expect("layout");
            layout::printed(&design, pages).expect("printed")
        })
        .collect()
}

/// Where the text `text` starts (its baseline origin, top-left page coordinates), and its page.
fn find(doc: &PdfDoc, text: &str) -> (usize, f32, f32) {
    for (i, page) in doc.pages.iter().enumerate() {
        if let Some(f) = page.fragments.iter().find(|f| f.text == text) {
            return (i, f.x, f.y);
        }
    }
    panic!("`{text}` is on no page");
}

/// Where a point of a back page lies in its front page's coordinates once a `w` x `h` sheet is
/// turned over with `flip`: about the axis parallel to its long or short edge.
fn turned_over(flip: Duplex, (w, h): (f32, f32), (x, y): (f32, f32)) -> (f32, f32) {
    let long_axis_vertical = h >= w;
    if (flip == Duplex::Long) == long_axis_vertical { (w - x, y) } else { (x, h - y) }
}

/// Asserts that for each piece 1..=count, every back mark (`back` tags) lands on its front mark
/// (`front` tags) when its sheet is turned over with `flip`.
fn assert_behind(doc: &PdfDoc, count: usize, flip: Duplex, pairs: &[(&str, &str)], what: &str) {
    for n in 1..=count {
        for (front, back) in pairs {
            for corner in ["a", "b"] {
                let (fp, fx, fy) = find(doc, &format!("{front}{n}{corner}"));
                let (bp, bx, by) = find(doc, &format!("{back}{n}{corner}"));
                assert_eq!(
                    bp,
                    fp + 1,
                    "{what}, {flip:?}, piece {n}: the back is on the page after its front"
                );
                assert_eq!(fp % 2, 0, "{what}, {flip:?}, piece {n}: fronts are on odd pages");
                let size = doc.pages[bp].size();
                assert_eq!(size, doc.pages[fp].size());
                let (x, y) = turned_over(flip, size, (bx, by));
                assert!(
                    (x - fx).abs() < 0.6 && (y - fy).abs() < 0.6,
                    "{what}, {flip:?}, piece {n}: mark {back}{n}{corner} at ({bx}, {by}) lands at ({x}, {y}) once turned over, not on {front}{n}{corner} at ({fx}, {fy})"
                );
            }
        }
    }
}

fn sheet(width: f32, height: f32, duplex: Duplex) -> SheetOptions {
    SheetOptions { width, height, grid: None, gutter: None, marks: true, duplex, profile: Default::default() }
}

/// Imposes `pieces`, writes the PDF and reads it back.
fn printed(pieces: &[Vec<Page>], options: &PrintOptions) -> (PdfDoc, Option<impose::SheetPlan>) {
    let printed = impose::for_print(pieces.to_vec(), options).expect("imposition");
    let bytes = letterkit::render::pdf(&printed.pages, &Default::default()).expect("pdf");
    (PdfDoc::parse(&bytes), printed.plan)
}

const LETTER: (f32, f32) = (612.0, 792.0);
const A4: (f32, f32) = (595.28, 841.89);

#[test]
fn postcards_on_sheets_upright_and_turned() {
    // 4 x 6 in landscape: 1 x 2 on Letter, upright; 5.5 x 4.25 in: 2 x 2, turned.
    let cases = [
        (postcard("postcard-4x6", "landscape", 432.0, 288.0), false),
        (postcard("postcard-4.25x5.5", "landscape", 396.0, 306.0), true),
    ];
    for (toml, turned) in cases {
        let pieces = pieces(&toml, 5); // a full sheet and a part-filled one
        for flip in FLIPS {
            let options = PrintOptions { sheet: Some(sheet(LETTER.0, LETTER.1, flip)), ..Default::default() };
            let (doc, plan) = printed(&pieces, &options);
            assert_eq!(plan.expect("plan").rotated, turned);
            assert_behind(&doc, 5, flip, &[("F", "B")], &format!("postcards (turned: {turned})"));
        }
    }
}

#[test]
fn postcards_one_to_a_page() {
    for (toml, what) in [
        (postcard("postcard-4x6", "landscape", 432.0, 288.0), "landscape postcard"),
        (postcard("postcard-4x6", "portrait", 288.0, 432.0), "portrait postcard"),
    ] {
        let pieces = pieces(&toml, 3);
        for flip in FLIPS {
            let options = PrintOptions { duplex: Some(flip), ..Default::default() };
            let (doc, _) = printed(&pieces, &options);
            assert_eq!(doc.pages.len(), 6);
            assert_behind(&doc, 3, flip, &[("F", "B")], what);
        }
    }
    // Without --duplex, print-shop pages: every back upright, as the shop takes them.
    let pieces = pieces(&postcard("postcard-4x6", "landscape", 432.0, 288.0), 1);
    let (doc, _) = printed(&pieces, &PrintOptions::default());
    let (_, bx, _) = find(&doc, "B1a");
    assert!(
        (bx - (432.0 - 34.0 + 9.0)).abs() < 0.6,
        "the back's mark where the design puts it (1/8 in of bleed in): {bx}"
    );
}

#[test]
fn half_fold_cards_on_sheets_and_alone() {
    // card-a2: flat 8.5 x 5.5 in, 1 x 2 on Letter (folds up and down the sheet), turned on A4.
    let card = half_fold("card-a2", 306.0, 396.0);
    let pieces = pieces(&card, 3);
    let pairs = [("F", "B"), ("G", "C")];
    for (paper, turned) in [(LETTER, false), (A4, true)] {
        for flip in FLIPS {
            let options = PrintOptions { sheet: Some(sheet(paper.0, paper.1, flip)), ..Default::default() };
            let (doc, plan) = printed(&pieces, &options);
            assert_eq!(plan.expect("plan").rotated, turned);
            assert_behind(&doc, 3, flip, &pairs, &format!("half-fold cards on {paper:?}"));
        }
    }
    // One to a page: the flat card is the sheet (8.5 x 5.5 in, landscape).
    for flip in FLIPS {
        let (doc, _) = printed(&pieces, &PrintOptions { duplex: Some(flip), ..Default::default() });
        assert_behind(&doc, 3, flip, &pairs, "half-fold cards one to a page");
    }
}

#[test]
fn a_letter_with_a_back_printed_two_sided() {
    let pieces = pieces(&postcard("us-letter", "portrait", 612.0, 792.0), 1);
    for flip in FLIPS {
        let (doc, _) = printed(&pieces, &PrintOptions { duplex: Some(flip), ..Default::default() });
        assert_behind(&doc, 1, flip, &[("F", "B")], "letter");
    }
}

/// Runs letterkit in `dir`; the exit status, stdout and stderr.
fn run(dir: &TempDir, args: &[&str]) -> (Option<i32>, String, String) {
    let out = common::letterkit(dir.path(), args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn render_places_and_states_the_flip_asked_for() {
    let dir = TempDir::new("duplex-render");
    dir.write("card.toml", half_fold("card-a2", 306.0, 396.0).replace("{n}", "1"));
    dir.write("postcard.toml", postcard("postcard-4x6", "landscape", 432.0, 288.0).replace("{n}", "1"));
    for flip in FLIPS {
        let name = flip.name();
        // Two half-fold cards per Letter sheet: the sheet's note names the flip asked for.
        let (code, out, err) =
            run(&dir, &["render", "card.toml", "-o", "sheet.pdf", "--sheet", "letter", "--duplex", name]);
        assert_eq!(code, Some(0), "{err}");
        assert!(out.contains(&format!("flip on {name} edge")), "{out}");
        assert!(
            !out.contains(&format!("flip on {} edge", if name == "long" { "short" } else { "long" })),
            "{out}"
        );
        let doc = PdfDoc::parse(&std::fs::read(dir.path().join("sheet.pdf")).unwrap());
        assert_behind(&doc, 1, flip, &[("F", "B"), ("G", "C")], "rendered half-fold card on a sheet");
        // The card alone, and a postcard alone.
        let (code, out, err) = run(&dir, &["render", "card.toml", "-o", "card.pdf", "--duplex", name]);
        assert_eq!(code, Some(0), "{err}");
        assert!(out.contains(&format!("this card: print two-sided, flip on {name} edge")), "{out}");
        let doc = PdfDoc::parse(&std::fs::read(dir.path().join("card.pdf")).unwrap());
        assert_behind(&doc, 1, flip, &[("F", "B"), ("G", "C")], "rendered half-fold card");
        let (code, out, err) = run(&dir, &["render", "postcard.toml", "-o", "pc.pdf", "--duplex", name]);
        assert_eq!(code, Some(0), "{err}");
        assert!(out.contains(&format!("pages: print two-sided, flip on {name} edge")), "{out}");
        let doc = PdfDoc::parse(&std::fs::read(dir.path().join("pc.pdf")).unwrap());
        assert_behind(&doc, 1, flip, &[("F", "B")], "rendered postcard");
    }
    // Without --duplex, a half-fold card alone names the flip its upright pages need.
    let (code, out, _) = run(&dir, &["render", "card.toml", "-o", "card.pdf"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("flip on short edge"), "{out}");
}

#[test]
fn a_one_sided_piece_refuses_a_flip() {
    let dir = TempDir::new("duplex-one-sided");
    dir.write(
        "quarter.toml",
        "format = \"card-a2\"\nfold = \"quarter\"\npages = [\"front\", \"inside-left\", \"inside-right\", \"back\"]\n",
    );
    let (code, _, err) = run(&dir, &["render", "quarter.toml", "-o", "q.pdf", "--duplex", "short"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("quarter.toml")
            && err.contains(
                "--duplex short: a quarter-fold card prints on one side of its sheet, so there is no back to place for the flip"
            )
            && err.contains("hint: leave out --duplex"),
        "{err}"
    );
    assert!(!dir.path().join("q.pdf").exists(), "nothing written");
    let (code, out, err) = run(&dir, &["render", "quarter.toml", "-o", "q.pdf"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("print one-sided"), "{out}");
    // --duplex and print-shop files do not go together: a shop wants every page upright.
    let (code, _, err) = run(&dir, &["render", "quarter.toml", "--print-shop", "--duplex", "long"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--duplex") && err.contains("--print-shop"), "{err}");
}

/// A campaign whose writers make one card and one postcard each, from the given designs.
fn kit_campaign(dir: &TempDir, card: &str) -> std::path::PathBuf {
    dir.write("card.toml", card);
    let address = "\n[[element]]\nkind = \"address\"\npage = \"back\"\nx = \"3.05in\"\nwidth = \"2.45in\"\n";
    let postcard = postcard("postcard-4x6", "landscape", 432.0, 288.0).replace("{n}", "{piece}") + address;
    dir.write("postcard.toml", &postcard);
    let campaign = letterkit::model::campaign::DEFAULT_CAMPAIGN
        .replacen("card = \"card\"", "card = \"card.toml\"", 1)
        .replacen("postcard = \"postcard\"", "postcard = \"postcard.toml\"", 1);
    dir.write("campaign.toml", campaign)
}

#[test]
fn build_places_and_states_the_flip_for_cards_and_postcards() {
    let dir = TempDir::new("duplex-kit");
    let campaign = kit_campaign(&dir, &half_fold("card-a2", 306.0, 396.0).replace("{n}", "{piece}"));
    let campaign = campaign.to_str().unwrap();
    dir.write(
        "people.csv",
        "name,address1,city,state,zip,letters,cards,postcards\nAda,1 Main St,Boston,MA,02134,0,3,3\n",
    );
    for flip in FLIPS {
        let name = flip.name();
        for sheet in [Some("letter"), None] {
            let out_dir = format!("kit-{name}-{}", sheet.unwrap_or("single"));
            let mut args = vec!["build", campaign, "-p", "people.csv", "-o", &out_dir, "--duplex", name];
            if let Some(s) = sheet {
                args.extend(["--sheet", s]);
            }
            let (code, out, err) = run(&dir, &args);
            assert_eq!(code, Some(0), "{err}");
            let other = if name == "long" { "short" } else { "long" };
            assert!(
                out.contains(&format!("flip on {name} edge"))
                    && !out.contains(&format!("flip on {other} edge")),
                "{out}"
            );
            let read =
                |file: &str| PdfDoc::parse(&std::fs::read(dir.path().join(&out_dir).join(file)).unwrap());
            let pieces_named = |prefix: &str, doc: &PdfDoc| {
                // The marks read `F` + piece id + corner; check pieces 1 to 3 of this kind.
                for n in 1..=3 {
                    let id = format!("{prefix}-{n:04}");
                    let pairs: Vec<(String, String)> = if prefix == "C" {
                        vec![(format!("F{id}"), format!("B{id}")), (format!("G{id}"), format!("C{id}"))]
                    } else {
                        vec![(format!("F{id}"), format!("B{id}"))]
                    };
                    let pairs: Vec<(&str, &str)> =
                        pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
                    assert_behind_one(doc, flip, &pairs, &format!("kit {out_dir}, {id}"));
                }
            };
            pieces_named("C", &read("cards.pdf"));
            pieces_named("P", &read("postcards.pdf"));
        }
    }
}

/// [`assert_behind`] for marks whose tags already name the piece.
fn assert_behind_one(doc: &PdfDoc, flip: Duplex, pairs: &[(&str, &str)], what: &str) {
    for (front, back) in pairs {
        for corner in ["a", "b"] {
            let (fp, fx, fy) = find(doc, &format!("{front}{corner}"));
            let (bp, bx, by) = find(doc, &format!("{back}{corner}"));
            assert_eq!(bp, fp + 1, "{what}: the back is on the page after its front");
            let (x, y) = turned_over(flip, doc.pages[bp].size(), (bx, by));
            assert!(
                (x - fx).abs() < 0.6 && (y - fy).abs() < 0.6,
                "{what}, {flip:?}: {back}{corner} lands at ({x}, {y}), not on ({fx}, {fy})"
            );
        }
    }
}

#[test]
fn build_stops_when_nothing_prints_two_sided() {
    let dir = TempDir::new("duplex-kit-one-sided");
    let campaign = kit_campaign(
        &dir,
        "format = \"card-a2\"\nfold = \"quarter\"\npages = [\"front\", \"inside-left\", \"inside-right\", \"back\"]\n",
    );
    dir.write(
        "people.csv",
        "name,address1,city,state,zip,letters,cards,postcards\nAda,1 Main St,Boston,MA,02134,1,1,0\n",
    );
    let (code, _, err) = run(
        &dir,
        &["build", campaign.to_str().unwrap(), "-p", "people.csv", "-o", "kit", "--duplex", "short"],
    );
    assert_eq!(code, Some(1));
    assert!(
        err.contains("campaign.toml") && err.contains("--duplex short: nothing in this kit prints two-sided"),
        "{err}"
    );
    assert!(!dir.path().join("kit").exists(), "nothing written");
}
