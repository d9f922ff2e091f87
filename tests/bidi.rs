//! Right-to-left text (#11): words stand where UAX #9 puts them, readers extract logical order.

mod common;

use common::{TempDir, render_toml};
use letterkit::layout::{Item, Page};
use unicode_bidi::BidiClass::{AL, R};
use unicode_bidi::{BidiInfo, Level};

const HEBREW: &[u8] = include_bytes!("fonts/NotoSansHebrew-Regular.ttf");
const ARABIC: &[u8] = include_bytes!("fonts/NotoNaskhArabic-Regular.ttf");

/// A folder with the two test fonts and a design of one text element per line of `lines`,
/// each `(font, direction, text)` in a box wide enough for one line, rendered.
fn render_lines(lines: &[(&str, &str, &str)]) -> (TempDir, common::Rendered) {
    let dir = TempDir::new("bidi");
    dir.write("hebrew.ttf", HEBREW);
    dir.write("arabic.ttf", ARABIC);
    let mut toml = String::from(
        "size = [\"11in\", \"8.5in\"]\nmargin = \"0.5in\"\n[fonts]\nhebrew = \"hebrew.ttf\"\narabic = \"arabic.ttf\"\n",
    );
    for (k, (font, direction, text)) in lines.iter().enumerate() {
        toml.push_str(&format!(
            "[[element]]\nkind = \"text\"\nfont = \"{font}\"\ndirection = \"{direction}\"\nsize = \"14pt\"\ny = \"{}in\"\nheight = \"0.5in\"\ntext = \"{text}\"\n",
            0.5 + 0.6 * k as f32
        ));
    }
    let rendered = render_toml(&dir, &toml, &[]);
    assert!(rendered.warnings.is_empty(), "{:?}", rendered.warnings);
    (dir, rendered)
}

/// Every glyph on the pages: page line (by baseline), x of its origin, and its cluster's text.
fn glyphs(pages: &[Page]) -> Vec<(f32, f32, String)> {
    let mut out = Vec::new();
    for page in pages {
        for item in &page.items {
            let Item::Text(run) = item else { continue };
            let mut x = run.x;
            for g in &run.glyphs {
                out.push((run.y, x, run.text[g.cluster as usize..g.cluster_end as usize].to_string()));
                x += g.advance;
            }
        }
    }
    out
}

/// The words (letters and digits) of a line as they stand on the page, left to right, each
/// with its letters left to right; `y` picks the line by its baseline.
fn words_on_page(all: &[(f32, f32, String)], y: f32) -> Vec<String> {
    let mut line: Vec<&(f32, f32, String)> = all.iter().filter(|g| (g.0 - y).abs() < 0.01).collect();
    line.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut words = vec![String::new()];
    for (_, _, text) in line {
        if text.chars().all(char::is_alphanumeric) {
            // A cluster of two letters in one glyph (Arabic lam-alef) stands for them in logical
            // order; on a right-to-left line they stand the other way round.
            let rtl = text.chars().next().is_some_and(|c| matches!(unicode_bidi::bidi_class(c), R | AL));
            let letters: String = if rtl { text.chars().rev().collect() } else { text.clone() };
            words.last_mut().expect("a word").push_str(&letters);
        } else if !words.last().expect("a word").is_empty() {
            words.push(String::new());
        }
    }
    words.retain(|w| !w.is_empty());
    words
}

/// The words of `text` in the visual order UAX #9 gives (unicode-bidi's visual runs over the
/// logical text), each with its letters in visual order: a right-to-left word reversed.
fn words_by_uax9(text: &str, level: Option<Level>) -> Vec<String> {
    let info = BidiInfo::new(text, level);
    let paragraph = &info.paragraphs[0];
    let (levels, runs) = info.visual_runs(paragraph, paragraph.range.clone());
    let mut words = Vec::new();
    for run in runs {
        let mut in_run: Vec<String> = text[run.clone()]
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        if levels[run.start].is_rtl() {
            in_run.reverse();
            for w in &mut in_run {
                *w = w.chars().rev().collect();
            }
        }
        words.extend(in_run);
    }
    words
}

/// Baselines of the text lines, top to bottom.
fn baselines(all: &[(f32, f32, String)]) -> Vec<f32> {
    let mut ys: Vec<f32> = all.iter().map(|g| g.0).collect();
    ys.sort_by(f32::total_cmp);
    ys.dedup_by(|a, b| (*a - *b).abs() < 0.01);
    ys
}

const LINES: &[(&str, &str, &str)] = &[
    ("hebrew", "auto", "שלום, עולם."),
    ("arabic", "auto", "مرحبا بالعالم، يوسف حداد."),
    ("hebrew", "auto", "כתבנו 25 מכתבים ל-DHS בשנת 2025!"),
    ("arabic", "auto", "Yousef Haddad (يوسف حداد) wrote 3 letters."),
    ("hebrew", "ltr", "Shalom (שלום עולם) means peace."),
    ("hebrew", "rtl", "Free people (שחררו את העצורים) now."),
    ("arabic", "auto", "رقم الهاتف 617-555-0100 من فضلك"),
    ("arabic", "auto", "لا للاحتجاز، الحرية للجميع."),
];

#[test]
fn words_stand_in_the_visual_order_uax9_gives() {
    let (_dir, rendered) = render_lines(LINES);
    let all = glyphs(&rendered.pages);
    let ys = baselines(&all);
    assert_eq!(ys.len(), LINES.len(), "one line each");
    for ((_, direction, text), y) in LINES.iter().zip(ys) {
        let level = match *direction {
            "ltr" => Some(Level::ltr()),
            "rtl" => Some(Level::rtl()),
            _ => None,
        };
        assert_eq!(words_on_page(&all, y), words_by_uax9(text, level), "{text}");
    }
}

#[test]
fn fixed_lines_read_as_a_browser_shows_them() {
    // Worked by hand: each list is the words from the left edge of the line to the right.
    let (_dir, rendered) = render_lines(&[
        ("hebrew", "auto", "שלום, עולם."),
        ("hebrew", "auto", "כתבנו 25 מכתבים ל-DHS"),
        ("arabic", "auto", "Yousef Haddad (يوسف حداد) wrote 3 letters."),
    ]);
    let all = glyphs(&rendered.pages);
    let ys = baselines(&all);
    assert_eq!(words_on_page(&all, ys[0]), [rev("עולם"), rev("שלום")]);
    assert_eq!(
        words_on_page(&all, ys[1]),
        ["DHS".into(), rev("ל"), rev("מכתבים"), "25".into(), rev("כתבנו")]
    );
    assert_eq!(
        words_on_page(&all, ys[2]),
        [
            "Yousef".into(),
            "Haddad".into(),
            rev("حداد"),
            rev("يوسف"),
            "wrote".to_string(),
            "3".into(),
            "letters".into()
        ]
    );
    // The punctuation of the Hebrew line is at its left end, the space kept between the words.
    let mut first: Vec<&(f32, f32, String)> = all.iter().filter(|g| (g.0 - ys[0]).abs() < 0.01).collect();
    first.sort_by(|a, b| a.1.total_cmp(&b.1));
    let visual: String = first.iter().map(|g| g.2.as_str()).collect();
    assert_eq!(visual, ".םלוע ,םולש");
}

#[test]
fn start_alignment_puts_right_to_left_lines_at_the_right() {
    let (_dir, rendered) = render_lines(&[("hebrew", "auto", "שלום"), ("hebrew", "auto", "Hello")]);
    let all = glyphs(&rendered.pages);
    let ys = baselines(&all);
    let extent = |y: f32| {
        let line: Vec<_> = all.iter().filter(|g| (g.0 - y).abs() < 0.01).collect();
        let left = line.iter().map(|g| g.1).fold(f32::INFINITY, f32::min);
        (left, line.len())
    };
    // The page is 11in wide with half-inch margins: the box runs from 36pt to 756pt.
    let (hebrew_left, _) = extent(ys[0]);
    let (latin_left, _) = extent(ys[1]);
    assert!(hebrew_left > 700.0, "a Hebrew line starts at the right: {hebrew_left}");
    assert!((latin_left - 36.0).abs() < 0.01, "a Latin line starts at the left: {latin_left}");
}

/// `text` as it shows on a line: UAX #9's visual order, the explicit direction marks left out.
fn shown(text: &str, level: Option<Level>) -> String {
    let info = BidiInfo::new(text, level);
    let paragraph = &info.paragraphs[0];
    let visual = info.reorder_line(paragraph, paragraph.range.clone());
    visual.chars().filter(|c| !('\u{202A}'..='\u{202E}').contains(c)).collect()
}

/// The letters-and-digits words of `text`, in order.
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect()
}

#[test]
fn pdftotext_extracts_words_in_logical_order() {
    if std::process::Command::new("pdftotext").arg("-v").output().is_err() {
        eprintln!("skipped: pdftotext (poppler-utils) is not installed");
        return;
    }
    // One line a document: Poppler guesses a page's direction from all its letters. The phone
    // number is left out: Poppler splits "617-555-0100" at the hyphens inside right-to-left
    // text (it does not join numbers by UAX #9 W4), a reader's limit; its order on the page is
    // tested above.
    for line in LINES.iter().filter(|l| !l.2.contains("617")) {
        let (dir, rendered) = render_lines(&[*line]);
        let pdf = dir.write("out.pdf", &rendered.bytes);
        let out =
            std::process::Command::new("pdftotext").arg(&pdf).arg("-").output().expect("pdftotext runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let extracted = String::from_utf8(out.stdout).expect("UTF-8");
        let extracted = extracted.trim_matches(|c: char| c.is_whitespace() || c == '\u{c}');
        let (_, direction, text) = line;
        // Words come out in the order they were written, each letter in its place; Poppler
        // wraps neutral characters in direction marks (LRE ... PDF) so that what it gives
        // shows as the line does.
        assert_eq!(words(extracted), words(text), "pdftotext gave {extracted:?} for {text:?}");
        let level = match *direction {
            "rtl" => Some(Level::rtl()),
            "ltr" => Some(Level::ltr()),
            _ => None,
        };
        assert_eq!(shown(extracted, level), shown(text, level), "pdftotext gave {extracted:?} for {text:?}");
    }
}

/// The error laying out the design at `path` gives, as printed.
fn layout_error(path: &std::path::Path) -> String {
    letterkit::cli::commands::layout_file(
        path,
        &Default::default(),
        &Default::default(),
        &mut Default::default(),
    )
    .err()
    .expect("an error")
    .to_string()
}

#[test]
fn a_bad_direction_is_an_error_naming_the_values() {
    let dir = TempDir::new("bidi-bad");
    let path = dir.write(
        "design.toml",
        "size = [\"4in\", \"2in\"]\n[[element]]\nkind = \"text\"\ndirection = \"sideways\"\ntext = \"x\"\n",
    );
    let err = layout_error(&path);
    assert!(err.contains("design.toml:4"), "{err}");
    assert!(err.contains("unknown value `sideways`") && err.contains("use one of: auto, ltr, rtl"), "{err}");

    let path = dir.write(
        "design.toml",
        "size = [\"4in\", \"2in\"]\n[[element]]\nkind = \"rect\"\ndirection = \"rtl\"\n",
    );
    let err = layout_error(&path);
    assert!(err.contains("`direction`"), "{err}");
}

#[test]
fn address_lines_stay_flush_left_in_every_script() {
    let dir = TempDir::new("bidi-address");
    dir.write("hebrew.ttf", HEBREW);
    let toml = "size = [\"9.5in\", \"4.125in\"]\nmargin = \"0.5in\"\n[fonts]\nhebrew = \"hebrew.ttf\"\n\
        [[element]]\nkind = \"address\"\nfont = \"hebrew\"\nx = \"4in\"\ny = \"1.5in\"\nwidth = \"4in\"\nheight = \"1in\"\n\
        text = \"יוסף חדד\\n12 MAIN ST\\nBOSTON MA 02108\"\n";
    let rendered = render_toml(&dir, toml, &[]);
    let all = glyphs(&rendered.pages);
    let ys = baselines(&all);
    for y in ys {
        let left = all.iter().filter(|g| (g.0 - y).abs() < 0.01).map(|g| g.1).fold(f32::INFINITY, f32::min);
        assert!(
            (left - 4.0 * 72.0).abs() < 0.01,
            "a line at {y} starts at {left}, not at the box's left edge"
        );
    }
    assert_eq!(words_on_page(&all, baselines(&all)[0]), [rev("חדד"), rev("יוסף")]);
}

fn rev(s: &str) -> String {
    s.chars().rev().collect()
}
