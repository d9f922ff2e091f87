//! Seeing a real piece while editing: `render`, `preview` and `check` fill a design with a
//! campaign and one participant's row (`--campaign`, `--row`, `--participant`), or with marked
//! sample values; `init`'s designs preview as they are; `share` lays out the front alone, on
//! white paper.

mod common;

use std::io::Cursor;
use std::path::Path;

use common::{PdfDoc, TempDir};

/// Runs letterkit in `dir`: the exit status, stdout and stderr.
fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = common::letterkit(dir, args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A PNG's size and its pixels as RGB.
fn png_pixels(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buffer).expect("a frame");
    assert_eq!(info.color_type, png::ColorType::Rgb, "share and preview write RGB");
    buffer.truncate(info.buffer_size());
    (info.width, info.height, buffer)
}

/// The text of every page of a PDF file, as the test reader extracts it.
fn pdf_text(path: &Path) -> String {
    let doc = PdfDoc::parse(&std::fs::read(path).expect("the PDF"));
    doc.pages.iter().flat_map(|p| p.texts()).collect::<Vec<_>>().join("\n")
}

/// `init`'s folder: campaign.toml, participants.csv (Zoë O’Brien, Nguyễn Văn An) and designs.
fn init() -> (TempDir, std::path::PathBuf) {
    let dir = TempDir::new("preview");
    let (code, _, err) = run(dir.path(), &["init", "party"]);
    assert_eq!(code, Some(0), "{err}");
    let party = dir.path().join("party");
    (dir, party)
}

#[test]
fn init_designs_preview_render_and_check_as_they_are() {
    let (dir, party) = init();
    let mut designs: Vec<String> = std::fs::read_dir(&party)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml") && n != "campaign.toml")
        .collect();
    designs.sort();
    assert!(designs.len() >= 2, "{designs:?}");
    for design in &designs {
        let path = format!("party/{design}");
        let png = format!("party/{design}.png");
        let (code, out, err) = run(dir.path(), &["preview", &path, "-o", &png]);
        assert_eq!(code, Some(0), "preview {design}: {err}");
        assert!(
            out.contains("note: ") && out.contains("give --campaign FILE and --row N"),
            "{design}: {out}"
        );
        let (w, h, _) = png_pixels(&std::fs::read(dir.path().join(&png)).unwrap());
        assert!(
            w.abs_diff(850) <= 1 && h.abs_diff(1100) <= 1,
            "{design}: a Letter page at 100 dpi, not {w} x {h}"
        );
        let (code, _, err) = run(dir.path(), &["render", &path, "-o", "party/out.pdf"]);
        assert_eq!(code, Some(0), "render {design}: {err}");
        let (code, out, err) = run(dir.path(), &["check", &path]);
        assert_eq!(code, Some(0), "check {design}: {err}{out}");
        assert!(out.contains("note: "), "{out}");
    }
}

#[test]
fn a_row_of_the_campaign_fills_the_design() {
    let (dir, _party) = init();
    let d = dir.path();
    let args = ["party/handwritten-letter.toml", "--campaign", "party/campaign.toml", "--row", "2"];
    let (code, out, err) = run(d, &[&["render"][..], &args, &["-o", "row2.pdf"]].concat());
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("note: filled from party/campaign.toml and row 2 of party/participants.csv (`Nguyễn Văn An`, line 3)"),
        "{out}"
    );
    let text = pdf_text(&d.join("row2.pdf"));
    assert!(text.contains("Nguyễn Văn An") && text.contains("450 Oak Avenue"), "{text}");
    assert!(text.contains("Dear Secretary") && !text.contains('['), "no sample values: {text}");
    // Poppler reads the same, where it is installed.
    match std::process::Command::new("pdftotext").arg(d.join("row2.pdf")).arg("-").output() {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            assert!(text.contains("Nguyễn Văn An"), "pdftotext: {text}");
        }
        _ => eprintln!("pdftotext is not installed; checked with the test's own PDF reader only"),
    }
    // preview takes the same options, and so does check.
    let (code, _, err) = run(d, &[&["preview"][..], &args, &["-o", "row2.png"]].concat());
    assert_eq!(code, Some(0), "{err}");
    assert!(d.join("row2.png").is_file());
    let (code, out, err) = run(d, &[&["check"][..], &args].concat());
    assert_eq!(code, Some(0), "{err}{out}");
    assert!(out.contains("row 2 of party/participants.csv"), "{out}");
    // By name, not minding case; the kit's own fields (piece number, prompts) come too.
    let (code, _, err) = run(
        d,
        &[
            "render",
            "party/typed-letter.toml",
            "--campaign",
            "party/campaign.toml",
            "--participant",
            "zoë o’brien",
            "-o",
            "zoe.pdf",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let text = pdf_text(&d.join("zoe.pdf"));
    assert!(text.contains("Zoë O’Brien") && text.contains("12 Elm Street"), "{text}");
    // The list can be named, and a campaign without a row fills an unnamed writer's piece.
    let (code, out, err) = run(
        d,
        &[
            "render",
            "party/handwritten-letter.toml",
            "--campaign",
            "party/campaign.toml",
            "-o",
            "unnamed.pdf",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("for an unnamed writer"), "{out}");
    assert!(!pdf_text(&d.join("unnamed.pdf")).contains('['));
}

#[test]
fn a_row_that_is_not_there_is_an_error_naming_the_list() {
    let (dir, _party) = init();
    let d = dir.path();
    let base = ["render", "party/typed-letter.toml", "--campaign", "party/campaign.toml", "-o", "x.pdf"];
    let (code, _, err) = run(d, &[&base[..], &["--row", "3"]].concat());
    assert_eq!(code, Some(1));
    assert!(
        err.contains(
            "error: party/participants.csv:3:1: --row 3: the list has 2 rows of people (numbered from 1, under the header)"
        ) && err.contains("hint: the last row is 2, `Nguyễn Văn An`"),
        "{err}"
    );
    let (code, _, err) = run(d, &[&base[..], &["--participant", "Zoe OBrien"]].concat());
    assert_eq!(code, Some(1));
    assert!(
        err.contains(
            "error: party/participants.csv: --participant \"Zoe OBrien\": no row of the list has this name"
        ) && err.contains("hint: did you mean `Zoë O’Brien` (line 2)?"),
        "{err}"
    );
    assert!(!d.join("x.pdf").exists(), "nothing written");
    // No list beside the campaign, none given.
    std::fs::create_dir(d.join("other")).unwrap();
    std::fs::copy(d.join("party/campaign.toml"), d.join("other/campaign.toml")).unwrap();
    std::fs::copy(d.join("party/handwritten-letter.toml"), d.join("other/handwritten-letter.toml")).unwrap();
    let (code, _, err) = run(
        d,
        &[
            "preview",
            "party/typed-letter.toml",
            "--campaign",
            "other/campaign.toml",
            "--row",
            "1",
            "-o",
            "x.png",
        ],
    );
    assert_eq!(code, Some(1));
    assert!(
        err.contains("error: --row 1: there is no participants list to pick from")
            && err.contains(
                "hint: give --participants FILE, or put participants.csv beside other/campaign.toml"
            ),
        "{err}"
    );
    // A list without a row.
    let (code, _, err) =
        run(d, &["render", "party/typed-letter.toml", "-p", "party/participants.csv", "-o", "x.pdf"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("--participants party/participants.csv: say whose row fills the design")
            && err.contains("hint: add --row N (from 1) or --participant NAME"),
        "{err}"
    );
    // --row and --participant together.
    let (code, _, err) = run(d, &[&base[..], &["--row", "1", "--participant", "Ada"]].concat());
    assert_eq!(code, Some(2), "{err}");
    // check reports the same as an error.
    let (code, _, err) =
        run(d, &["check", "party/typed-letter.toml", "--campaign", "party/campaign.toml", "--row", "7"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("--row 7: the list has 2 rows"), "{err}");
    // A campaign is checked as a whole kit: a row does not go with it.
    let (code, _, err) = run(d, &["check", "party/campaign.toml", "--row", "1"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("error: --campaign, --row and --participant go with a design file"), "{err}");
}

#[test]
fn writer_fields_get_marked_samples_that_real_values_override() {
    let dir = TempDir::new("preview-samples");
    let design = "format = \"us-letter\"\n\n[[element]]\nkind = \"text\"\nheight = \"3in\"\ntext = \"{name}\\n{return_address}\\n{prompt_1}\\n{piece}\\n{salutation}\"\n";
    dir.write("letter.toml", design);
    let d = dir.path();
    let (code, out, err) = run(d, &["render", "letter.toml", "-o", "a.pdf"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("note: {name}, {piece}, {prompt_1}, {return_address} show sample values in [brackets]; {salutation} come from the built-in campaign"),
        "{out}"
    );
    let text = pdf_text(&d.join("a.pdf"));
    for sample in
        ["[Your name]", "[123 Your Street]", "[Your town], [ST] [ZIP]", "[L-0001]", "[a talking point"]
    {
        assert!(text.contains(sample), "`{sample}` in {text}");
    }
    // --set and the design's own [data] win over samples.
    dir.write("letter.toml", format!("{design}\n[data]\nprompt_1 = \"Family unity\"\n"));
    let (code, out, err) = run(d, &["render", "letter.toml", "-o", "b.pdf", "--set", "name=Ada Lovelace"]);
    assert_eq!(code, Some(0), "{err}");
    let text = pdf_text(&d.join("b.pdf"));
    assert!(text.contains("Ada Lovelace") && text.contains("Family unity"), "{text}");
    assert!(text.starts_with("Ada Lovelace\n[Your name]") && !text.contains("[a talking point"), "{text}");
    assert!(out.contains("{piece}, {return_address} show sample values"), "{out}");
}

/// A postcard whose front is white card with a line of text, and whose back uses writer fields.
const WHITE_POSTCARD: &str = r##"
format = "postcard-4x6"
pages = ["front", "back"]

[[element]]
kind = "text"
page = "front"
x = "0.5in"
y = "0.5in"
width = "3in"
height = "0.5in"
text = "Hello from {campaign}"

[[element]]
kind = "text"
page = "back"
width = "3in"
height = "2in"
text = "{prompt_1} {return_address} {piece} {name}"
"##;

#[test]
fn share_lays_out_the_front_alone_on_white() {
    let dir = TempDir::new("share");
    let d = dir.path();
    dir.write("postcard.toml", WHITE_POSTCARD);
    let (code, out, err) = run(d, &["share", "postcard.toml", "-o", "share.png"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("1080 x 1080 px"), "{out}");
    let (w, h, pixels) = png_pixels(&std::fs::read(d.join("share.png")).unwrap());
    assert_eq!((w, h), (1080, 1080));
    let at = |x: u32, y: u32| {
        let i = 3 * (y * w + x) as usize;
        [pixels[i], pixels[i + 1], pixels[i + 2]]
    };
    // The 6 x 4 in front fills 920 px across, centred, from 80 px down: its unpainted card is
    // paper white; around it, the backdrop.
    for (x, y) in [(540, 500), (900, 700), (120, 740), (960, 200)] {
        assert_eq!(at(x, y), [255, 255, 255], "white front at ({x}, {y})");
    }
    assert_eq!(at(20, 20), [244, 241, 234], "backdrop");
    // A campaign whose card and postcard backs use writer fields shares too.
    dir.write("card.toml", "format = \"card-a2\"\nfold = \"half\"\npages = [\"front\", \"inside-left\", \"inside-right\", \"back\"]\n[[element]]\nkind = \"text\"\npage = \"front\"\ntext = \"{hashtag}\"\n[[element]]\nkind = \"text\"\npage = \"inside-right\"\ntext = \"{prompt_1} {return_address} {piece}\"\n");
    let campaign = letterkit::model::campaign::DEFAULT_CAMPAIGN
        .replacen("postcard = \"postcard\"", "postcard = \"postcard.toml\"", 1)
        .replacen("card = \"card\"", "card = \"card.toml\"", 1);
    dir.write("campaign.toml", campaign);
    let (code, _, err) = run(d, &["share", "campaign.toml", "-o", "campaign.png"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = run(d, &["share", "card.toml", "-o", "card.png"]);
    assert_eq!(code, Some(0), "{err}");
}
