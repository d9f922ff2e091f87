//! Fonts for any script a name is written in: a campaign's `[fonts]` on every page of the kit,
//! `--font-path`, the installed fonts, `--ignore-system-fonts`, `.ttc` collections, and what the
//! summary and manifest say about them.
//!
//! The tests that need no installed fonts use `tests/fonts/NotoSansHebrew-Regular.ttf` (OFL)
//! and leave the installed fonts out; the ones that search the installed fonts skip, saying
//! so, on a computer without the fonts they need.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use common::{PdfDoc, TempDir, letterkit};

const HEBREW_FONT: &[u8] = include_bytes!("fonts/NotoSansHebrew-Regular.ttf");
const LATO: &[u8] = include_bytes!("../fonts/lato/Lato-Regular.ttf");

const LIST: &str = "name,address1,address2,city,state,zip\n\
    Avi Cohen (אבי כהן),2 Main St,,Denver,CO,80202\n\
    Zoë O’Brien,12 Elm Street,Apt 3,Boston,MA,02134\n\
    Dana Levi (דנה לוי),3 Main St,,Denver,CO,80202\n";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn run_ok(dir: &Path, args: &[&str]) -> Output {
    let out = letterkit(dir, args);
    assert_eq!(out.status.code(), Some(0), "letterkit {args:?}:\n{}{}", stdout(&out), stderr(&out));
    out
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).expect("manifest.json")).unwrap()
}

/// Every character of every page's text, and the fonts the PDF embeds.
fn pdf(path: &Path) -> (BTreeSet<char>, PdfDoc) {
    let doc = PdfDoc::parse(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
    let chars = doc.all_lines().iter().flat_map(|(_, l)| l.text.chars().collect::<Vec<_>>()).collect();
    (chars, doc)
}

/// Whether the PDF embeds a subset of a font whose name starts with `name`.
fn embeds_subset(doc: &PdfDoc, name: &str) -> bool {
    doc.fonts
        .iter()
        .any(|f| f.plain_name().starts_with(name) && f.subset_tag.is_some() && f.font_file.is_some())
}

fn has_all(chars: &BTreeSet<char>, text: &str) -> bool {
    text.chars().filter(|c| !c.is_whitespace()).all(|c| chars.contains(&c))
}

/// A tool from Poppler or qpdf, or `None` (with a note) when it is not installed.
fn tool(name: &str) -> Option<&str> {
    let found = std::process::Command::new(name).arg("-v").output().is_ok();
    if !found {
        eprintln!("note: {name} is not installed; the checks with it are skipped");
    }
    found.then_some(name)
}

/// `pdffonts` on a PDF: whether a font whose name holds `name` is embedded and subset.
fn pdffonts_embedded_subset(path: &Path, name: &str) -> Option<bool> {
    let pdffonts = tool("pdffonts")?;
    let out = std::process::Command::new(pdffonts).arg(path).output().unwrap();
    assert!(out.status.success(), "pdffonts {}: {}", path.display(), stderr(&out));
    let listing = stdout(&out);
    let line = listing.lines().find(|l| l.contains(name))?;
    // name type [type] encoding emb sub uni object id: "yes yes yes" for embedded, subset, Unicode.
    Some(line.contains("yes yes yes") && line.split_whitespace().next()?.chars().nth(6) == Some('+'))
}

fn qpdf_accepts(path: &Path) {
    let Some(qpdf) = tool("qpdf") else { return };
    let out = std::process::Command::new(qpdf).arg("--check").arg(path).output().unwrap();
    assert!(out.status.success(), "qpdf --check {}: {}{}", path.display(), stdout(&out), stderr(&out));
}

/// A `.ttc` collection of the given fonts, in order (OpenType's TTC header, version 1.0): each
/// font's table directory with its offsets moved to where its tables are in the collection.
fn collection(fonts: &[&[u8]]) -> Vec<u8> {
    let be16 = |b: &[u8], at: usize| u16::from_be_bytes([b[at], b[at + 1]]) as usize;
    let be32 = |b: &[u8], at: usize| u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize;
    let directory_len = |f: &[u8]| 12 + 16 * be16(f, 4);
    let header = 12 + 4 * fonts.len();
    let mut directories = Vec::new();
    let mut at = header;
    for f in fonts {
        directories.push(at);
        at += directory_len(f);
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"ttcf");
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    out.extend_from_slice(&(fonts.len() as u32).to_be_bytes());
    for d in &directories {
        out.extend_from_slice(&(*d as u32).to_be_bytes());
    }
    // The directories first, the tables after them, each on four bytes.
    let mut tables = Vec::new();
    let mut table_at = at;
    for f in fonts {
        let mut directory = f[..directory_len(f)].to_vec();
        for i in 0..be16(f, 4) {
            let record = 12 + 16 * i;
            let (offset, len) = (be32(f, record + 8), be32(f, record + 12));
            directory[record + 8..record + 12].copy_from_slice(&(table_at as u32).to_be_bytes());
            tables.extend_from_slice(&f[offset..offset + len]);
            while tables.len() % 4 != 0 {
                tables.push(0);
            }
            table_at = at + tables.len();
        }
        out.extend_from_slice(&directory);
    }
    out.extend_from_slice(&tables);
    out
}

/// A campaign folder: the built-in campaign with `extra` added, and the participants list.
fn campaign(dir: &TempDir, extra: &str, list: &str) {
    let text = letterkit::model::campaign::DEFAULT_CAMPAIGN.replacen(
        "organizer = \"Amnesty International\"",
        "organizer = \"Amnesty International (אמנסטי)\"",
        1,
    );
    dir.write("campaign.toml", format!("{text}\n{extra}"));
    dir.write("people.csv", list);
}

/// `render`, `preview` and `check` of a design filled from a campaign and a row use the
/// campaign's `[fonts]` too, as `build` does.
#[test]
fn a_campaigns_fonts_reach_a_design_filled_from_it() {
    let dir = TempDir::new("fonts-campaign-piece");
    dir.write("fonts/NotoSansHebrew-Regular.ttf", HEBREW_FONT);
    campaign(&dir, "[fonts]\nhebrew = \"fonts/NotoSansHebrew-Regular.ttf\"\n", LIST);
    run_ok(dir.path(), &["init", "party"]);
    let design = "party/handwritten-letter.toml";
    let piece = ["--campaign", "campaign.toml", "-p", "people.csv", "--row", "1", "--ignore-system-fonts"];
    run_ok(dir.path(), &[&["render", design, "-o", "one.pdf"][..], &piece].concat());
    let (chars, doc) = pdf(&dir.path().join("one.pdf"));
    assert!(has_all(&chars, "Avi Cohen (אבי כהן)"), "{:?}", doc.texts());
    assert!(embeds_subset(&doc, "NotoSansHebrew"), "{:?}", doc.fonts);
    run_ok(dir.path(), &[&["preview", design, "-o", "one.png"][..], &piece].concat());
    run_ok(dir.path(), &[&["check", design][..], &piece].concat());
    // Without the campaign's fonts, the same row has no font for its Hebrew letters.
    let out = letterkit(
        dir.path(),
        &[
            "render",
            design,
            "-o",
            "two.pdf",
            "--campaign",
            "party/campaign.toml",
            "-p",
            "people.csv",
            "--row",
            "1",
            "--ignore-system-fonts",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no font has the character `א`"), "{}", stderr(&out));
}

#[test]
fn a_campaigns_fonts_reach_every_page_of_the_kit() {
    let dir = TempDir::new("fonts-campaign");
    dir.write("fonts/NotoSansHebrew-Regular.ttf", HEBREW_FONT);
    campaign(&dir, "[fonts]\nhebrew = \"fonts/NotoSansHebrew-Regular.ttf\"\n", LIST);
    let out = run_ok(
        dir.path(),
        &["build", "campaign.toml", "-p", "people.csv", "-o", "kit", "--ignore-system-fonts"],
    );
    let kit = dir.path().join("kit");
    for (file, texts) in [
        ("letters.pdf", &["Avi Cohen (אבי כהן)", "Dana Levi (דנה לוי)"][..]),
        ("envelopes.pdf", &["Avi Cohen (אבי כהן)", "Dana Levi (דנה לוי)"]),
        ("tally-sheet.pdf", &["Avi Cohen (אבי כהן)", "Dana Levi (דנה לוי)"]),
        ("handout.pdf", &["Amnesty International (אמנסטי)"]),
    ] {
        let (chars, doc) = pdf(&kit.join(file));
        for text in texts {
            assert!(has_all(&chars, text), "{file} lacks letters of {text}: {:?}", doc.texts());
        }
        assert!(embeds_subset(&doc, "NotoSansHebrew"), "{file}: {:?}", doc.fonts);
        qpdf_accepts(&kit.join(file));
    }
    let fonts = &manifest(&kit)["fonts"];
    assert_eq!(fonts.as_array().map(Vec::len), Some(1), "{fonts}");
    assert!(fonts[0]["file"].as_str().unwrap().ends_with("NotoSansHebrew-Regular.ttf"), "{fonts}");
    assert_eq!(fonts[0]["family"], "hebrew");
    assert_eq!(fonts[0]["source"], "campaign");
    assert_eq!(fonts[0]["rows"], serde_json::json!([2, 4]));
    assert_eq!(fonts[0]["campaign_text"], true);
    let summary = stdout(&out);
    assert!(
        summary.contains("NotoSansHebrew-Regular.ttf (hebrew, the campaign's [fonts]): rows at lines 2, 4; the campaign's texts"),
        "{summary}"
    );
}

#[test]
fn a_bad_campaign_font_is_an_error_naming_the_campaign() {
    let dir = TempDir::new("fonts-campaign-bad");
    dir.write("broken.ttf", &HEBREW_FONT[..5000]);
    campaign(&dir, "[fonts]\nhebrew = \"broken.ttf\"\n", LIST);
    let out = letterkit(dir.path(), &["build", "campaign.toml", "-p", "people.csv", "-o", "kit"]);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(e.starts_with("error: campaign.toml:"), "{e}");
    assert!(
        e.contains(": font `hebrew`: font ") && e.contains("broken.ttf is damaged: the file is cut short"),
        "{e}"
    );
    assert!(!dir.path().join("kit").exists());

    let dir = TempDir::new("fonts-campaign-outside");
    campaign(&dir, "[fonts]\nhebrew = \"/etc/passwd\"\n", LIST);
    let out = letterkit(dir.path(), &["build", "campaign.toml", "-p", "people.csv", "-o", "kit"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("font `hebrew`: /etc/passwd is outside the campaign's folder"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn without_a_font_for_a_character_the_error_says_what_to_install() {
    let dir = TempDir::new("fonts-missing");
    campaign(&dir, "", LIST);
    let out = letterkit(
        dir.path(),
        &["build", "campaign.toml", "-p", "people.csv", "-o", "kit", "--ignore-system-fonts"],
    );
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(
        e.contains(
            "people.csv:2:1: `Avi Cohen (אבי כהן)`: handwritten-letter, text element `return address`: \
             no font has the character `א` (U+05D0) in \"Avi Cohen (אבי כהן)\"; the text's font is `serif`, \
             and letterkit looked in the bundled fonts\n"
        ),
        "{e}"
    );
    assert!(
        e.contains(
            "hint: install a font with Hebrew letters, such as Noto Sans Hebrew (Debian: fonts-noto-core) \
             (--ignore-system-fonts leaves the installed fonts out), or give letterkit a font file that has it"
        ),
        "{e}"
    );
    assert!(!dir.path().join("kit").exists(), "nothing is written");
}

#[test]
fn font_path_fonts_are_found_listed_and_give_the_same_pdfs_every_time() {
    let dir = TempDir::new("fonts-path");
    dir.write("more-fonts/deeper/NotoSansHebrew-Regular.ttf", HEBREW_FONT);
    dir.write("more-fonts/README.txt", "not a font");
    campaign(&dir, "", LIST);
    let build = |out: &str| {
        run_ok(
            dir.path(),
            &[
                "build",
                "campaign.toml",
                "-p",
                "people.csv",
                "-o",
                out,
                "--font-path",
                "more-fonts",
                "--ignore-system-fonts",
            ],
        )
    };
    let first = build("kit1");
    build("kit2");
    let (chars, doc) = pdf(&dir.path().join("kit1/envelopes.pdf"));
    assert!(has_all(&chars, "Avi Cohen (אבי כהן)"), "{:?}", doc.texts());
    assert!(embeds_subset(&doc, "NotoSansHebrew"), "{:?}", doc.fonts);
    let fonts = &manifest(&dir.path().join("kit1"))["fonts"];
    assert_eq!(fonts[0]["file"], "more-fonts/deeper/NotoSansHebrew-Regular.ttf");
    assert_eq!(fonts[0]["family"], "Noto Sans Hebrew");
    assert_eq!(fonts[0]["source"], "font-path");
    assert_eq!(fonts[0]["rows"], serde_json::json!([2, 4]));
    assert!(
        stdout(&first).contains(
            "Fonts for characters the bundled fonts lack (manifest.json lists them with every row):\n  \
             more-fonts/deeper/NotoSansHebrew-Regular.ttf (Noto Sans Hebrew, --font-path): rows at lines 2, 4; \
             the campaign's texts\n"
        ),
        "{}",
        stdout(&first)
    );
    for file in ["letters.pdf", "envelopes.pdf", "handout.pdf", "tally-sheet.pdf", "manifest.json"] {
        let a = std::fs::read(dir.path().join("kit1").join(file)).unwrap();
        let b = std::fs::read(dir.path().join("kit2").join(file)).unwrap();
        assert!(a == b, "{file} differs between two builds");
    }

    // The other commands take --font-path too.
    dir.write(
        "design.toml",
        "format = \"postcard-4x6\"\n[[element]]\nkind = \"text\"\ntext = \"Shalom {name}\"\n",
    );
    let fonts = ["--font-path", "more-fonts", "--ignore-system-fonts"];
    fn with<'a>(args: &[&'a str], fonts: &[&'a str]) -> Vec<&'a str> {
        [args, fonts].concat()
    }
    run_ok(dir.path(), &with(&["render", "design.toml", "--set", "name=שלום", "-o", "d.pdf"], &fonts));
    let (chars, doc) = pdf(&dir.path().join("d.pdf"));
    assert!(has_all(&chars, "Shalom שלום"), "{:?}", doc.texts());
    run_ok(dir.path(), &with(&["preview", "design.toml", "--set", "name=שלום", "-o", "d.png"], &fonts));
    run_ok(dir.path(), &with(&["check", "design.toml", "--set", "name=שלום"], &fonts));
    run_ok(dir.path(), &with(&["check", "campaign.toml", "-p", "people.csv"], &fonts));
    run_ok(
        dir.path(),
        &with(&["envelopes", "--campaign", "campaign.toml", "-p", "people.csv", "-o", "e.pdf"], &fonts),
    );
    let (chars, doc) = pdf(&dir.path().join("e.pdf"));
    assert!(has_all(&chars, "Dana Levi (דנה לוי)"), "{:?}", doc.texts());
    // Without it, check finds the missing letters.
    let out = letterkit(dir.path(), &["check", "design.toml", "--set", "name=שלום", "--ignore-system-fonts"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no font has the character `ש` (U+05E9)"), "{}", stderr(&out));

    let out = letterkit(
        dir.path(),
        &with(&["render", "design.toml", "-o", "x.pdf", "--font-path", "nope"], &fonts),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: --font-path nope: no such folder\nhint: give a folder that holds .ttf, .otf or .ttc font files\n"
    );
}

#[test]
fn a_damaged_font_is_passed_over_for_the_next_one() {
    let dir = TempDir::new("fonts-damaged");
    // Sorted first, its character map reads but its glyphs are cut off.
    let mut cut = HEBREW_FONT.to_vec();
    cut.truncate(HEBREW_FONT.len() - 4000);
    dir.write("more/a-cut.ttf", &cut);
    dir.write("more/b/NotoSansHebrew-Regular.ttf", HEBREW_FONT);
    campaign(&dir, "", LIST);
    let args = [
        "build",
        "campaign.toml",
        "-p",
        "people.csv",
        "-o",
        "kit",
        "--font-path",
        "more",
        "--ignore-system-fonts",
    ];
    let out = run_ok(dir.path(), &args);
    assert!(
        stderr(&out).contains("warning: a fallback font was passed over: font more/a-cut.ttf is damaged"),
        "{}",
        stderr(&out)
    );
    assert_eq!(manifest(&dir.path().join("kit"))["fonts"][0]["file"], "more/b/NotoSansHebrew-Regular.ttf");
}

#[test]
fn a_face_of_a_ttc_collection_is_embedded_and_subset() {
    let dir = TempDir::new("fonts-ttc");
    // Lato is face 0; the Hebrew font, face 1, is the one the names need.
    dir.write("ttc/pair.ttc", collection(&[LATO, HEBREW_FONT]));
    campaign(&dir, "", LIST);
    run_ok(
        dir.path(),
        &[
            "build",
            "campaign.toml",
            "-p",
            "people.csv",
            "-o",
            "kit",
            "--font-path",
            "ttc",
            "--ignore-system-fonts",
        ],
    );
    let fonts = &manifest(&dir.path().join("kit"))["fonts"];
    assert_eq!(fonts[0]["file"], "ttc/pair.ttc");
    assert_eq!(fonts[0]["face"], 1);
    let envelopes = dir.path().join("kit/envelopes.pdf");
    let (chars, doc) = pdf(&envelopes);
    assert!(has_all(&chars, "Avi Cohen (אבי כהן)"), "{:?}", doc.texts());
    assert!(embeds_subset(&doc, "NotoSansHebrew"), "{:?}", doc.fonts);
    qpdf_accepts(&envelopes);
    if let Some(ok) = pdffonts_embedded_subset(&envelopes, "NotoSansHebrew") {
        assert!(ok, "pdffonts does not list the face embedded and subset");
    }
}

/// The installed fonts this test needs: one for Chinese and one for Arabic.
fn system_has_fonts() -> bool {
    let dirs = letterkit::input::fontdirs::FontDirs { paths: Vec::new(), system: true };
    let wanted: BTreeSet<char> = "王ي김".chars().collect();
    let found: BTreeSet<char> =
        dirs.faces_covering(&wanted).unwrap().into_iter().flat_map(|f| f.covers).collect();
    if found != wanted {
        eprintln!(
            "note: no installed fonts for Chinese, Korean and Arabic (fonts-noto-cjk, fonts-noto-core); skipped"
        );
    }
    found == wanted
}

#[test]
fn installed_fonts_give_names_in_seven_scripts() {
    if !system_has_fonts() {
        return;
    }
    let dir = TempDir::new("fonts-system");
    let names = [
        "Wang Xiu Ying (王秀英)",
        "Kim Min-jun (김민준)",
        "Yousef Haddad (يوسف حداد)",
        "Avi Cohen (אבי כהן)",
        "Ivan Petrov (Иван Петров)",
        "Eleni Papadopoulou (Ελένη Παπαδοπούλου)",
        "Priya Sharma (प्रिया शर्मा)",
    ];
    let list: String =
        names.iter().enumerate().map(|(i, n)| format!("{n},{} Main St,,Denver,CO,80202\n", i + 1)).collect();
    campaign(&dir, "", &format!("name,address1,address2,city,state,zip\n{list}"));
    run_ok(dir.path(), &["build", "campaign.toml", "-p", "people.csv", "-o", "kit"]);
    run_ok(dir.path(), &["build", "campaign.toml", "-p", "people.csv", "-o", "again"]);
    for file in ["letters.pdf", "envelopes.pdf", "tally-sheet.pdf"] {
        let path = dir.path().join("kit").join(file);
        let (chars, doc) = pdf(&path);
        for name in names {
            assert!(has_all(&chars, name), "{file} lacks letters of {name}: {:?}", doc.texts());
        }
        // Names in left-to-right scripts read back whole.
        let lines: Vec<String> = doc.all_lines().iter().map(|(_, l)| l.text.clone()).collect();
        for name in &names[..2] {
            assert!(lines.iter().any(|l| l.contains(name)), "{file}: {name} in {lines:?}");
        }
        qpdf_accepts(&path);
        assert!(std::fs::read(&path).unwrap() == std::fs::read(dir.path().join("again").join(file)).unwrap());
    }
    let fonts = manifest(&dir.path().join("kit"))["fonts"].as_array().unwrap().clone();
    assert!(fonts.iter().all(|f| f["source"] == "system"), "{fonts:?}");
    let cjk =
        fonts.iter().find(|f| f["rows"].as_array().unwrap().contains(&2.into())).expect("a font for row 2");
    assert!(
        cjk["rows"].as_array().unwrap().contains(&3.into()),
        "Chinese and Korean from one font: {fonts:?}"
    );
    // A CFF-outline face of a .ttc (Noto Sans CJK) is embedded and subset.
    let envelopes = dir.path().join("kit/envelopes.pdf");
    let (_, doc) = pdf(&envelopes);
    let cjk_font = doc.fonts.iter().find(|f| f.plain_name().contains("CJK"));
    if let Some(font) = cjk_font {
        assert!(font.subset_tag.is_some() && font.font_file.is_some(), "{font:?}");
        if let Some(ok) = pdffonts_embedded_subset(&envelopes, "CJK") {
            assert!(ok, "pdffonts does not list the CJK face embedded and subset");
        }
    }
}

#[test]
fn a_campaign_family_named_like_a_bundled_one_replaces_it_in_the_designs() {
    let dir = TempDir::new("fonts-by-name");
    dir.write("NotoSansHebrew-Regular.ttf", HEBREW_FONT);
    dir.write(
        "letter.toml",
        "format = \"us-letter\"\n\n[[element]]\nkind = \"text\"\nfont = \"sans\"\nheight = \"1in\"\ntext = \"שלום {name}\"\n",
    );
    let text = letterkit::model::campaign::DEFAULT_CAMPAIGN.replacen(
        "letter = \"handwritten\"",
        "letter = \"letter.toml\"",
        1,
    );
    dir.write("campaign.toml", format!("{text}\n[fonts]\nsans = \"NotoSansHebrew-Regular.ttf\"\n"));
    dir.write("people.csv", LIST);
    run_ok(dir.path(), &["build", "campaign.toml", "-p", "people.csv", "-o", "kit", "--ignore-system-fonts"]);
    let (chars, doc) = pdf(&dir.path().join("kit/letters.pdf"));
    assert!(has_all(&chars, "שלום Avi Cohen (אבי כהן)"), "{:?}", doc.texts());
    // The design's text is set in the campaign's font, not taken from it letter by letter.
    let first = &doc.pages[0].lines[0];
    // (The line is right to left: its first run on the page is the parenthesised name's end.)
    assert!(first.fonts.iter().any(|f| f.contains("NotoSansHebrew")), "{first:?}");
}
