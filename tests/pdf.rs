//! The PDF letterkit writes, read back the way an independent PDF reader reads it: page boxes,
//! embedded fonts, the exact text a reader extracts and where it sits, images, metadata, and
//! reproducibility.

mod common;

use common::*;

/// Tolerance for positions, in points.
const TOL: f32 = 0.5;

fn assert_box(actual: Option<BoxPt>, expected: BoxPt, what: &str) {
    let actual = actual.unwrap_or_else(|| panic!("{what}: missing"));
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() < 0.01, "{what}: {actual:?}, expected {expected:?}");
    }
}

fn letter() -> Rendered {
    render_path(&fixture("letter.toml"), &[], false)
}

/// The postcard fixture with its photo (a JPEG made here) in a temp folder.
fn postcard(dir: &TempDir) -> Rendered {
    dir.write("photo.jpg", jpeg_grey(40, 30));
    let path = dir.write("postcard.toml", std::fs::read(fixture("postcard.toml")).expect("fixture"));
    render_path(&path, &[], false)
}

fn envelope() -> Rendered {
    render_path(&fixture("envelope.toml"), &[], false)
}

const LETTER_LINES: [&str; 10] = [
    "Zoë O’Brien-Nguyễn",
    "12 Łukasiewicz Lane",
    "Boston, MA 02134",
    "The Honorable Secretary of Homeland Security",
    "US Department of Homeland Security",
    "Washington, DC 20528",
    "Dear Secretary,",
    "My neighbor Nguyễn Văn An has lived in Boston for twenty years. Please free people from",
    "immigration detention.",
    "Zoë O’Brien-Nguyễn",
];

/// Every extracted line matches a laid-out line: same text, same first-glyph origin, and the
/// same end (so glyph widths and justification made it into the PDF).
fn assert_positions_match_layout(r: &Rendered) {
    let layout = layout_lines(&r.pages);
    let pdf: Vec<(usize, &TextLine)> = r.doc.all_lines();
    let pdf_texts: Vec<&str> = pdf.iter().map(|(_, l)| l.text.as_str()).collect();
    let layout_texts: Vec<&str> = layout.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(pdf_texts, layout_texts, "extracted lines vs laid-out lines");
    for ((page, line), want) in pdf.iter().zip(&layout) {
        assert_eq!(*page, want.page, "page of {:?}", want.text);
        assert!(
            (line.x - want.x).abs() < TOL && (line.y - want.y).abs() < TOL,
            "{:?}: PDF origin ({}, {}), layout ({}, {})",
            want.text,
            line.x,
            line.y,
            want.x,
            want.y
        );
        assert!((line.size - want.size).abs() < 0.01, "{:?}: size {}", want.text, line.size);
    }
    // Line ends: the sum of the runs' advances.
    for (i, page) in r.pages.iter().enumerate() {
        for item in &page.items {
            if let letterkit::layout::Item::Text(run) = item {
                let end = run.x + run.width();
                let frag = r.doc.pages[i]
                    .fragments
                    .iter()
                    .find(|f| (f.x - run.x).abs() < TOL && (f.y - run.y).abs() < TOL)
                    .unwrap_or_else(|| panic!("no PDF text at the run {:?}", run.text));
                let frag_end = r.doc.pages[i]
                    .fragments
                    .iter()
                    .filter(|f| (f.y - run.y).abs() < TOL && f.x >= frag.x - 0.01 && f.x < end - 0.01)
                    .map(|f| f.x_end)
                    .fold(f32::NEG_INFINITY, f32::max);
                assert!(
                    (frag_end - end).abs() < TOL,
                    "{:?} ends at {frag_end} in the PDF, {end} in the layout",
                    run.text
                );
            }
        }
    }
}

#[test]
fn letter_page_is_us_letter_without_bleed_box() {
    let r = letter();
    assert_eq!(r.doc.pages.len(), 1);
    let page = &r.doc.pages[0];
    assert_eq!(page.media_box, [0.0, 0.0, 612.0, 792.0]);
    assert_box(page.trim_box, [0.0, 0.0, 612.0, 792.0], "TrimBox");
    assert_eq!(page.bleed_box, None, "no bleed, no BleedBox");
}

#[test]
fn postcard_has_trim_and_bleed_boxes() {
    let dir = TempDir::new("postcard-boxes");
    let r = postcard(&dir);
    assert_eq!(r.doc.pages.len(), 2, "front and back");
    for (i, page) in r.doc.pages.iter().enumerate() {
        // 6 x 4 in trimmed, 1/8 in bleed on every side.
        assert_eq!(page.media_box, [0.0, 0.0, 450.0, 306.0], "page {i}");
        assert_box(page.trim_box, [9.0, 9.0, 441.0, 297.0], "TrimBox");
        assert_box(page.bleed_box, [0.0, 0.0, 450.0, 306.0], "BleedBox");
    }
}

#[test]
fn page_sizes_follow_format_size_orientation_and_bleed() {
    let dir = TempDir::new("sizes");
    let text = "\n[[element]]\nkind = \"text\"\ntext = \"x\"\n";
    let cases: [(&str, BoxPt, BoxPt, Option<BoxPt>); 6] = [
        ("format = \"envelope-10\"", [0.0, 0.0, 684.0, 297.0], [0.0, 0.0, 684.0, 297.0], None),
        (
            "format = \"us-letter\"\norientation = \"landscape\"",
            [0.0, 0.0, 792.0, 612.0],
            [0.0, 0.0, 792.0, 612.0],
            None,
        ),
        ("format = \"a4\"", [0.0, 0.0, 595.2756, 841.8898], [0.0, 0.0, 595.2756, 841.8898], None),
        // A postcard without bleed: no BleedBox, the trim box is the whole page.
        (
            "format = \"postcard-4x6\"\nbleed = \"0in\"",
            [0.0, 0.0, 432.0, 288.0],
            [0.0, 0.0, 432.0, 288.0],
            None,
        ),
        // A custom size with 3 mm bleed.
        (
            "size = [\"5in\", \"7in\"]\nbleed = \"3mm\"",
            [0.0, 0.0, 360.0 + 2.0 * 8.503937, 504.0 + 2.0 * 8.503937],
            [8.503937, 8.503937, 368.50394, 512.50394],
            Some([0.0, 0.0, 360.0 + 2.0 * 8.503937, 504.0 + 2.0 * 8.503937]),
        ),
        (
            "format = \"postcard-4x6\"\norientation = \"portrait\"",
            [0.0, 0.0, 306.0, 450.0],
            [9.0, 9.0, 297.0, 441.0],
            Some([0.0, 0.0, 306.0, 450.0]),
        ),
    ];
    for (head, media, trim, bleed) in cases {
        let r = render_toml(&dir, &format!("{head}{text}"), &[]);
        let page = &r.doc.pages[0];
        for (a, e) in page.media_box.iter().zip(media) {
            assert!((a - e).abs() < 0.01, "{head}: MediaBox {:?}, expected {media:?}", page.media_box);
        }
        assert_box(page.trim_box, trim, &format!("{head}: TrimBox"));
        match bleed {
            Some(b) => assert_box(page.bleed_box, b, &format!("{head}: BleedBox")),
            None => assert_eq!(page.bleed_box, None, "{head}: no BleedBox"),
        }
    }
}

#[test]
fn every_font_is_embedded_subset_and_has_to_unicode() {
    let dir = TempDir::new("fonts");
    for r in [letter(), postcard(&dir), envelope()] {
        assert!(!r.doc.fonts.is_empty(), "{}: no fonts", r.title);
        for f in &r.doc.fonts {
            assert_eq!(f.subtype, "Type0", "{f:?}");
            assert_eq!(f.encoding.as_deref(), Some("Identity-H"), "{f:?}");
            assert!(f.font_file.is_some(), "{}: {} is not embedded", r.title, f.base_font);
            assert!(f.subset_tag.is_some(), "{}: {} is not a subset", r.title, f.base_font);
            assert!(f.to_unicode, "{}: {} has no ToUnicode", r.title, f.base_font);
        }
        // Every glyph shown maps to Unicode (outside /ActualText spans, which carry their own).
        for page in &r.doc.pages {
            for frag in page.fragments.iter().filter(|f| !f.in_actual_text) {
                assert!(frag.unmapped.is_empty(), "{}: unmapped codes in {frag:?}", r.title);
            }
        }
    }
}

#[test]
fn fonts_are_the_expected_faces_and_formats() {
    let names = |r: &Rendered| {
        let mut n: Vec<String> = r.doc.fonts.iter().map(|f| f.plain_name().to_string()).collect();
        n.sort();
        n
    };
    assert_eq!(names(&letter()), ["CharisSIL"]);
    let env = envelope();
    // Kaushan Script lacks `ễ`: that one letter falls back to Charis SIL.
    assert_eq!(names(&env), ["CharisSIL", "KaushanScript-Regular", "Lato-Regular"]);
    for f in &env.doc.fonts {
        if f.plain_name().starts_with("Kaushan") {
            // An OpenType/CFF font: a CIDFontType0 with a FontFile3 program.
            assert_eq!(f.descendant_subtype.as_deref(), Some("CIDFontType0"));
            assert_eq!(f.font_file.as_deref(), Some("FontFile3"));
        } else {
            assert_eq!(f.descendant_subtype.as_deref(), Some("CIDFontType2"));
            assert_eq!(f.font_file.as_deref(), Some("FontFile2"));
        }
    }
    let name_line = &env.doc.pages[0].lines[0];
    assert_eq!(name_line.text, "Zoë Nguyễn");
    assert_eq!(name_line.fonts.len(), 2, "{name_line:?}");
}

#[test]
fn letter_text_extracts_exactly() {
    let r = letter();
    assert_eq!(r.doc.texts(), [LETTER_LINES.to_vec()]);
}

#[test]
fn envelope_and_postcard_text_extract_exactly() {
    assert_eq!(
        envelope().doc.texts(),
        [vec![
            "Zoë Nguyễn",
            "12 Łukasiewicz Lane",
            "Boston MA 02134",
            "SECRETARY OF HOMELAND SECURITY",
            "US DEPARTMENT OF HOMELAND SECURITY",
            "WASHINGTON DC 20528",
        ]]
    );
    let dir = TempDir::new("postcard-text");
    assert_eq!(
        postcard(&dir).doc.texts(),
        [
            vec!["Free them all"],
            vec![
                "End family detention. — Jan",
                "Łukasiewicz",
                "Secretary of Homeland Security",
                "2707 Martin Luther King Jr Ave SE",
                "Washington, DC 20528-0525",
            ]
        ]
    );
}

#[test]
fn placeholders_are_filled_from_data_and_job_values() {
    // The job's values override the design's [data]; a ZIP keeps its leading zeros.
    let r = render_path(
        &fixture("letter.toml"),
        &[("name", "Siobhán Ó Dálaigh"), ("city", "Holtsville"), ("state", "NY"), ("zip", "00501")],
        false,
    );
    let lines = &r.doc.texts()[0];
    assert_eq!(lines[0], "Siobhán Ó Dálaigh");
    assert_eq!(lines[2], "Holtsville, NY 00501");
    assert!(lines[7].contains("lived in Holtsville for"), "{lines:?}");
    assert_eq!(lines.last().map(String::as_str), Some("Siobhán Ó Dálaigh"));
    assert!(lines.iter().all(|l| !l.contains('{')), "no placeholder is left: {lines:?}");
    assert_positions_match_layout(&r);
}

#[test]
fn text_positions_match_the_layout() {
    let dir = TempDir::new("positions");
    let letter = letter();
    assert_positions_match_layout(&letter);
    assert_positions_match_layout(&envelope());
    assert_positions_match_layout(&postcard(&dir));

    // The first baseline: the box's left edge, and one ascent below its top (1 in, 1 in).
    let first = &letter.doc.pages[0].lines[0];
    let run = letter.pages[0]
        .items
        .iter()
        .find_map(|i| match i {
            letterkit::layout::Item::Text(run) => Some(run),
            _ => None,
        })
        .expect("a text run");
    assert!((first.x - 72.0).abs() < TOL, "x {}", first.x);
    let baseline = 72.0 + run.face.metrics.ascent * 11.0;
    assert!((first.y - baseline).abs() < TOL, "y {} vs {baseline}", first.y);
    assert!((first.y - run.y).abs() < TOL);
    // Justified lines end at the box's right edge (1 in + 6.5 in).
    let justified = &letter.doc.pages[0].lines[7];
    assert!((justified.x_end - 540.0).abs() < TOL, "justified line ends at {}", justified.x_end);

    // On a page with bleed, positions include the bleed: the postcard's back-side address
    // box is at 3.25 in + 1/8 in.
    let back = &postcard(&dir).doc.pages[1];
    let address = back.lines.iter().find(|l| l.text.starts_with("Secretary")).expect("address");
    assert!((address.x - (3.25 * 72.0 + 9.0)).abs() < TOL, "x {}", address.x);
}

#[test]
fn continued_text_reads_in_order_under_a_header() {
    let r = render_path(&fixture("long-letter.toml"), &[], false);
    assert_eq!(r.doc.pages.len(), 2);
    let texts = r.doc.texts();
    assert_eq!(texts[1][0], "Zoë O’Brien-Nguyễn, letter to DHS, page 2 of 2");
    assert_eq!(texts[0][0], "Dear Secretary,");
    assert_eq!(texts[1].last().map(String::as_str), Some("Zoë O’Brien-Nguyễn"));
    // The body, read across both pages without the header, is the text as written.
    let source = std::fs::read_to_string(fixture("long-letter.toml")).expect("fixture");
    let body = source.split("text = \"\"\"\n").nth(1).expect("body").trim_end().trim_end_matches("\"\"\"");
    let expected_words: Vec<String> =
        body.replace("{name}", "Zoë O’Brien-Nguyễn").split_whitespace().map(str::to_owned).collect();
    let read: Vec<String> = texts[0]
        .iter()
        .chain(&texts[1][1..])
        .flat_map(|l| l.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .collect();
    assert_eq!(read, expected_words);
    // The header sits in the top margin (1 in on US Letter); the continued text starts below.
    let header = &r.doc.pages[1].lines[0];
    assert!((header.x - 72.0).abs() < TOL && header.y < 72.0, "{header:?}");
    assert!((header.size - 9.0).abs() < 0.01);
    assert!(r.doc.pages[1].lines[1].y > 72.0 + 11.0, "{:?}", r.doc.pages[1].lines[1]);
    assert_positions_match_layout(&r);
}

#[test]
fn the_shipped_example_reads_back() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/typed-letter.toml");
    let r = render_path(&path, &[], false);
    let lines = &r.doc.texts()[0];
    assert_eq!(
        lines[..7],
        [
            "Zoë O’Brien-Nguyễn",
            "12 Łukasiewicz Lane",
            "Boston, MA 02134",
            "May 1, 2026",
            "The Honorable Markwayne Mullin",
            "Secretary of Homeland Security",
            "US Department of Homeland Security",
        ]
    );
    // The italic words sit on a line with upright ones: two faces, one line of text.
    let mixed = r.doc.pages[0]
        .lines
        .iter()
        .find(|l| l.text.contains("dignity, respect, and fairness"))
        .expect("the italic line");
    assert!(
        mixed.text.ends_with("treated with dignity, respect, and fairness, no matter their"),
        "{mixed:?}"
    );
    assert_eq!(mixed.fonts.len(), 2, "{mixed:?}");
    assert!(mixed.fonts.iter().any(|f| f.ends_with("+CharisSIL-Italic")), "{mixed:?}");
    assert_positions_match_layout(&r);
}

#[test]
fn unusual_code_points_round_trip() {
    // Decomposed accents (NFD), a no-break space and a ligature-prone word come back exactly
    // as they were typed.
    let dir = TempDir::new("codepoints");
    for (font, text) in [
        ("serif", "Nguye\u{302}\u{303}n Zoe\u{308} office"),
        ("sans", "Zoe\u{308} 20528\u{A0}DC affluent"),
        ("script", "O’Brien Żółć Nguyễn"),
        // Two clusters in a row with the same text, each a base and a mark (no precomposed
        // q-acute): each needs its own ActualText span.
        ("serif", "xq\u{301}q\u{301}y"),
        // A mark raised over a capital: the cluster's glyphs have two rises, in one span.
        ("serif", "xQ\u{301}y"),
    ] {
        let toml = format!(
            "format = \"us-letter\"\n[[element]]\nkind = \"text\"\nfont = \"{font}\"\ntext = {}\n",
            toml_string(text)
        );
        let r = render_toml(&dir, &toml, &[]);
        assert_eq!(r.doc.texts(), [vec![text.to_string()]], "{font}");
        assert_positions_match_layout(&r);
        // Readers that ignore /ActualText (MuPDF, Ghostscript) read the ToUnicode map: a base
        // letter and its marks, each its own glyph, map to their own characters.
        let plain: String =
            r.doc.pages[0].fragments.iter().map(|f| f.to_unicode_text.as_str()).collect::<String>();
        assert!(r.doc.pages[0].fragments.iter().all(|f| f.unmapped.is_empty()), "{font}: {plain:?}");
        if text.starts_with('x') {
            assert_eq!(plain.replace(' ', ""), text, "{font}: through ToUnicode alone");
        }
    }
}

#[test]
fn invisible_characters_do_not_claim_the_space_glyphs_text() {
    // Shaping draws a soft hyphen or a zero-width space with the font's space glyph. Were its
    // character the glyph's ToUnicode text, readers that ignore /ActualText (MuPDF, Ghostscript)
    // would extract every later space as that invisible character.
    let dir = TempDir::new("ignorables");
    for text in ["Zoe\u{AD}ll and Maria", "Zoe\u{200B}ll and Maria", "Zoe\u{2060}ll and Maria"] {
        let toml =
            format!("format = \"us-letter\"\n[[element]]\nkind = \"text\"\ntext = {}\n", toml_string(text));
        let r = render_toml(&dir, &toml, &[]);
        assert_eq!(r.doc.texts(), [vec![text.to_string()]]);
        let plain: String = r.doc.pages[0].fragments.iter().map(|f| f.to_unicode_text.as_str()).collect();
        assert!(plain.contains("ll and Maria"), "{text:?} reads {plain:?} through ToUnicode alone");
    }
}

#[test]
fn an_image_on_several_pages_is_embedded_once() {
    let dir = TempDir::new("image-once");
    let jpeg = jpeg_grey(40, 30);
    let r = postcard(&dir);
    assert_eq!(r.doc.images.len(), 1, "{:?}", r.doc.images);
    assert_eq!(r.doc.image_objects_in_file, 1);
    let image = &r.doc.images[0];
    assert_eq!((image.width, image.height), (320, 240));
    assert_eq!(image.draws, 2);
    assert_eq!(image.pages, [0, 1].into());
    // A JPEG goes in as it is: DCTDecode with the file's own bytes.
    assert_eq!(image.filters, ["DCTDecode"]);
    assert!(image.raw == jpeg, "the JPEG was re-encoded");
    // The front photo fills the page to the bleed edge (fit = cover); the back one sits in its
    // 1 in box at 0.25 in from the trim edge (fit = contain, 4:3 so 72 x 54 pt, centred).
    let (page, front) = image.placements[0];
    assert_eq!(page, 0);
    assert!(front[0] <= 0.01 && front[1] <= 0.01 && front[2] >= 449.99 && front[3] >= 305.99, "{front:?}");
    let (page, back) = image.placements[1];
    assert_eq!(page, 1);
    let expected = [27.0, 27.0 + 9.0, 99.0, 27.0 + 9.0 + 54.0];
    for (a, e) in back.iter().zip(expected) {
        assert!((a - e).abs() < TOL, "back photo at {back:?}, expected {expected:?}");
    }
}

#[test]
fn a_png_on_three_pages_is_embedded_once() {
    let dir = TempDir::new("png-once");
    dir.write("art/logo.png", png_rgb(30, 20));
    let mut toml = String::from("format = \"half-letter\"\npages = [\"a\", \"b\", \"c\"]\n");
    for page in ["a", "b", "c"] {
        toml.push_str(&format!(
            "\n[[element]]\nkind = \"image\"\npage = \"{page}\"\nsrc = \"art/logo.png\"\nwidth = \"0.5in\"\nheight = \"0.5in\"\n"
        ));
    }
    let r = render_toml(&dir, &toml, &[]);
    assert_eq!(r.doc.pages.len(), 3);
    assert_eq!(r.doc.images.len(), 1, "{:?}", r.doc.images);
    assert_eq!(r.doc.image_objects_in_file, 1);
    assert_eq!(r.doc.images[0].draws, 3);
    assert_eq!((r.doc.images[0].width, r.doc.images[0].height), (30, 20));
    assert_eq!(r.doc.images[0].pages, [0, 1, 2].into());
}

#[test]
fn metadata_has_title_and_creator_and_no_dates() {
    let r = letter();
    let info = &r.doc.info;
    assert_eq!(info.title.as_deref(), Some("Letter to the Secretary of Homeland Security"));
    assert_eq!(info.creator.as_deref(), Some(concat!("letterkit ", env!("CARGO_PKG_VERSION"))));
    assert!(!info.creation_date, "a CreationDate makes renders differ");
    assert!(!info.mod_date);
    // A plain PDF has only the information dictionary: no XMP packet, so no dates there either.
    assert_eq!(r.doc.xmp, None, "an XMP packet in a plain PDF");
    assert!(Archival::read(&r.bytes).metadata.is_none());
    // A PDF/A has both, and they agree (and carry the same title).
    let a = render_path(&fixture("letter.toml"), &[], true);
    let xmp = assert_pdf_a_2b(&a);
    assert_eq!(xmp[&(DC.to_string(), "title".to_string())], ["Letter to the Secretary of Homeland Security"]);

    // A non-ASCII title survives; without a title the file's name is used.
    let dir = TempDir::new("titles");
    let r = render_toml(&dir, "title = \"Brief – Zoë Łukasiewicz\"\nformat = \"a5\"\n", &[]);
    assert_eq!(r.doc.info.title.as_deref(), Some("Brief – Zoë Łukasiewicz"));
    let path = dir.write("Card for DHS.toml", "format = \"card-a2\"\n");
    let r = render_path(&path, &[], false);
    assert_eq!(r.doc.info.title.as_deref(), Some("Card for DHS"));
}

#[test]
fn renders_are_byte_identical() {
    let a = letter();
    let b = letter();
    assert!(a.bytes == b.bytes, "two renders of the letter differ");
    let dir = TempDir::new("repro");
    let a = postcard(&dir);
    let b = postcard(&dir);
    assert!(a.bytes == b.bytes, "two renders of the postcard differ");

    // Also across processes (hash seeds differ), through the command line.
    let out1 = dir.path().join("one.pdf");
    let out2 = dir.path().join("two.pdf");
    for out in [&out1, &out2] {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_letterkit"))
            .arg("render")
            .arg(dir.path().join("postcard.toml"))
            .arg("-o")
            .arg(out)
            .output()
            .expect("run letterkit");
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    }
    let (one, two) = (std::fs::read(&out1).expect("one"), std::fs::read(&out2).expect("two"));
    assert!(one == two, "two runs of the CLI wrote different files");
    assert!(one == a.bytes, "the CLI and the library wrote different files");
}

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const XMP: &str = "http://ns.adobe.com/xap/1.0/";
const PDF: &str = "http://ns.adobe.com/pdf/1.3/";
const PDFAID: &str = "http://www.aiim.org/pdfa/ns/id/";

/// The properties of an XMP packet as an RDF reader finds them: (namespace, name) to values.
/// A property is an element or an attribute of an `rdf:Description`; for an `rdf:Alt`,
/// `rdf:Bag` or `rdf:Seq` the values are its items'. Panics when the packet is not XML or its
/// `xpacket` header is not what ISO 19005-2 6.6.2.1 asks for.
fn xmp_properties(packet: &str) -> std::collections::BTreeMap<(String, String), Vec<String>> {
    let doc =
        roxmltree::Document::parse(packet).unwrap_or_else(|e| panic!("the XMP is not XML ({e}):\n{packet}"));
    let header = doc.root().first_child().and_then(|n| n.pi()).expect("an xpacket header first");
    assert_eq!(header.target, "xpacket");
    let header = header.value.unwrap_or("");
    assert!(header.contains("id=\"W5M0MpCehiHzreSzNTczkc9d\""), "xpacket id: {header}");
    assert!(!header.contains("bytes") && !header.contains("encoding"), "xpacket header: {header}");
    let mut properties = std::collections::BTreeMap::new();
    for description in doc.descendants().filter(|n| n.has_tag_name((RDF, "Description"))) {
        for a in description.attributes() {
            if let Some(ns) = a.namespace().filter(|ns| *ns != RDF) {
                properties.insert((ns.to_string(), a.name().to_string()), vec![a.value().to_string()]);
            }
        }
        for p in description.children().filter(roxmltree::Node::is_element) {
            let items: Vec<String> = p
                .descendants()
                .filter(|n| n.has_tag_name((RDF, "li")))
                .map(|li| li.text().unwrap_or("").to_string())
                .collect();
            let values = if items.is_empty() { vec![p.text().unwrap_or("").to_string()] } else { items };
            let ns = p.tag_name().namespace().unwrap_or("").to_string();
            properties.insert((ns, p.tag_name().name().to_string()), values);
        }
    }
    properties
}

/// Asserts what PDF/A-2b asks of the metadata and colour of a file: an XMP packet in an
/// uncompressed metadata stream (ISO 19005-2 6.6.2.1) saying part 2, conformance B (6.6.4),
/// agreeing with the information dictionary (6.6.2.3.1), and a PDF/A output intent with an RGB
/// ICC profile (6.2.3). Returns the XMP's properties.
fn assert_pdf_a_2b(r: &Rendered) -> std::collections::BTreeMap<(String, String), Vec<String>> {
    let archival = Archival::read(&r.bytes);
    let stream = archival.metadata.as_ref().expect("a /Metadata stream in the catalog");
    assert_eq!(stream.kind.as_deref(), Some("Metadata"));
    assert_eq!(stream.subtype.as_deref(), Some("XML"));
    assert!(stream.filters.is_empty(), "the metadata stream is compressed: {:?}", stream.filters);
    let packet = std::str::from_utf8(&stream.raw).expect("the XMP is UTF-8");
    assert_eq!(Some(packet), r.doc.xmp.as_deref(), "the stored packet is the packet read");
    let xmp = xmp_properties(packet);
    let get = |ns: &str, name: &str| -> Vec<String> {
        xmp.get(&(ns.to_string(), name.to_string()))
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in the XMP:\n{packet}"))
    };
    assert_eq!(get(PDFAID, "part"), ["2"]);
    assert_eq!(get(PDFAID, "conformance"), ["B"]);

    // The information dictionary and the XMP say the same.
    let info = &r.doc.info;
    assert_eq!(Some(get(DC, "title")[0].as_str()), info.title.as_deref(), "title");
    assert_eq!(Some(get(XMP, "CreatorTool")[0].as_str()), info.creator.as_deref(), "creator");
    assert_eq!(Some(get(PDF, "Producer")[0].as_str()), info.producer.as_deref(), "producer");
    let iso = |d: (u16, u8, u8, u8, u8, u8)| {
        format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", d.0, d.1, d.2, d.3, d.4, d.5)
    };
    let created = archival.creation_date.expect("a CreationDate (PDF/A needs one)");
    let modified = archival.mod_date.expect("a ModDate");
    assert_eq!(get(XMP, "CreateDate"), [iso(created)]);
    assert_eq!(get(XMP, "ModifyDate"), [iso(modified)]);

    // One output intent, for PDF/A, with an ICC profile of three components (RGB).
    assert_eq!(archival.intents.len(), 1, "{:?}", archival.intents);
    let intent = &archival.intents[0];
    assert_eq!(intent.kind.as_deref(), Some("OutputIntent"));
    assert_eq!(intent.subtype.as_deref(), Some("GTS_PDFA1"));
    assert!(intent.condition.as_deref().is_some_and(|c| !c.is_empty()), "OutputConditionIdentifier");
    assert_eq!(intent.profile_components, Some(3));
    let icc = intent.profile.as_deref().expect("a DestOutputProfile that decodes");
    // ICC.1 "Profile header": the size, the signature `acsp`, and an RGB data colour space.
    assert!(icc.len() >= 128, "the profile is {} bytes", icc.len());
    assert_eq!(u32::from_be_bytes(icc[0..4].try_into().unwrap()) as usize, icc.len(), "profile size");
    assert_eq!(&icc[36..40], b"acsp");
    assert_eq!(&icc[16..20], b"RGB ");
    assert!([&b"mntr"[..], b"prtr", b"scnr", b"spac"].contains(&&icc[12..16]), "device class");
    xmp
}

#[test]
fn pdf_a_2b_has_pdfaid_and_passes_the_checks() {
    let a = render_path(&fixture("letter.toml"), &[], true);
    assert_pdf_a_2b(&a);
    assert_eq!(a.doc.texts(), [LETTER_LINES.to_vec()]);
    assert_positions_match_layout(&a);
    for f in &a.doc.fonts {
        assert!(f.font_file.is_some() && f.subset_tag.is_some() && f.to_unicode, "{f:?}");
    }
    assert_eq!(a.doc.info.title.as_deref(), Some("Letter to the Secretary of Homeland Security"));
    assert!(a.doc.info.creator.is_some());
    // PDF/A needs dates, but they must not come from the clock: renders stay reproducible.
    let b = render_path(&fixture("letter.toml"), &[], true);
    assert!(a.bytes == b.bytes, "two PDF/A renders differ");
    assert!(contains_bytes(&a.bytes, b"/CreationDate (D:19700101000000Z)"), "not the fixed date");

    // A postcard with bleed and an image is valid PDF/A too.
    let dir = TempDir::new("pdfa");
    dir.write("photo.jpg", jpeg_grey(40, 30));
    let postcard = std::fs::read_to_string(fixture("postcard.toml")).expect("fixture");
    let path = dir.write("postcard.toml", postcard.clone());
    let p = render_path(&path, &[], true);
    assert_pdf_a_2b(&p);
    assert_box(p.doc.pages[0].bleed_box, [0.0, 0.0, 450.0, 306.0], "BleedBox");

    // The information dictionary and the XMP give the same title (ISO 19005-2 6.6.2.3.1), also
    // when it has characters XML cannot carry (left out of both) or a carriage return (which
    // XML would read back as a line feed if it were not written as a reference).
    let path = dir.write("titled.toml", "title = \"Bell\\u0007 and CR\\r\\nnext\"\nformat = \"a6\"\n");
    let t = render_path(&path, &[], true);
    assert_eq!(t.doc.info.title.as_deref(), Some("Bell and CR\r\nnext"));
    let xmp = t.doc.xmp.clone().expect("XMP metadata");
    assert!(xmp.contains(">Bell and CR&#xD;\nnext</rdf:li>"), "{xmp}");
    assert_pdf_a_2b(&t);

    // CMYK colours need an output profile letterkit does not ship: a clear error, not a bad file.
    let cmyk = postcard
        + "\n[[element]]\nkind = \"rect\"\npage = \"back\"\nfill = \"cmyk(0, 80, 100, 0)\"\nwidth = \"1in\"\nheight = \"0.1in\"\n";
    dir.write("cmyk.toml", cmyk);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_letterkit"))
        .args(["render", "cmyk.toml", "-o", "cmyk.pdf", "--pdf-a"])
        .current_dir(dir.path())
        .output()
        .expect("letterkit runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("\nerror: cannot write PDF/A-2b: it has CMYK colours"), "{stderr}");
}

/// `render --pdf-a` of the letter fixture, with `SOURCE_DATE_EPOCH` as given (never inherited),
/// under `faketime DAY` when a day is given.
fn render_pdf_a_cli(dir: &TempDir, source_date_epoch: Option<&str>, faketime: Option<&str>) -> Vec<u8> {
    let bin = env!("CARGO_BIN_EXE_letterkit");
    let mut command = match faketime {
        Some(day) => {
            let mut c = std::process::Command::new("faketime");
            c.args([day, bin]);
            c
        }
        None => std::process::Command::new(bin),
    };
    command.args(["render", "design.toml", "-o", "out.pdf", "--pdf-a"]).current_dir(dir.path());
    command.env_remove("SOURCE_DATE_EPOCH");
    if let Some(value) = source_date_epoch {
        command.env("SOURCE_DATE_EPOCH", value);
    }
    let out = command.output().expect("letterkit runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read(dir.path().join("out.pdf")).expect("out.pdf")
}

#[test]
fn pdf_a_is_the_same_on_any_day_unless_a_date_is_given() {
    let dir = TempDir::new("pdfa-day");
    dir.write("design.toml", std::fs::read(fixture("letter.toml")).expect("fixture"));
    // No date given: the fixed day, 1970-01-01, in the information dictionary and the XMP alike.
    let plain = render_pdf_a_cli(&dir, None, None);
    assert!(contains_bytes(&plain, b"/CreationDate (D:19700101000000Z)"));
    assert!(contains_bytes(&plain, b"/ModDate (D:19700101000000Z)"));
    assert!(contains_bytes(&plain, b"<xmp:CreateDate>1970-01-01T00:00:00Z</xmp:CreateDate>"));
    // A day the user gives with SOURCE_DATE_EPOCH is the one written.
    let given = render_pdf_a_cli(&dir, Some("1796083200"), None);
    assert!(contains_bytes(&given, b"/CreationDate (D:20261201000000Z)"));
    assert!(contains_bytes(&given, b"<xmp:ModifyDate>2026-12-01T00:00:00Z</xmp:ModifyDate>"));
    // Two renders with the clock set to two different days (libfaketime, where it is
    // installed: `apt-get install faketime`): the same bytes, the fixed day's.
    let faked = std::process::Command::new("faketime").args(["2020-02-29 12:00:00", "true"]).status();
    if !faked.is_ok_and(|s| s.success()) {
        eprintln!("faketime is not installed: the render on other days was not tried");
        return;
    }
    let leap_day = render_pdf_a_cli(&dir, None, Some("2020-02-29 12:00:00"));
    let later = render_pdf_a_cli(&dir, None, Some("2031-07-15 23:59:00"));
    assert!(leap_day == later, "the PDF/A file changed with the day it was made");
    assert!(leap_day == plain, "the PDF/A file under a faked clock differs from the plain one");
}

// ---------------------------------------------------------------------------------------------
// The reader itself, on input letterkit's writer never makes
// ---------------------------------------------------------------------------------------------

/// Builds a PDF from object bodies (numbered from 1), with a correct xref table.
fn build_pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1)
            .as_bytes(),
    );
    out
}

fn stream(dict: &str, data: &str) -> Vec<u8> {
    format!("<< {dict} /Length {} >>\nstream\n{data}\nendstream", data.len()).into_bytes()
}

#[test]
fn reader_follows_text_operators_and_cmaps() {
    // A simple font whose ToUnicode maps A-Z to lower case (so the test sees the CMap at work,
    // not the raw bytes), every glyph 500 units wide.
    let cmap = "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
        1 begincodespacerange <00> <FF> endcodespacerange\n\
        2 beginbfrange <41> <5A> <0061> <20> <20> [<0020>] endbfrange\n\
        1 beginbfchar <31> <00E9> endbfchar\n\
        endcmap CMapName currentdict /CMap defineresource pop end end";
    let widths = vec!["500"; 95].join(" ");
    let content = "q 1 0 0 1 10 20 cm\n\
        BT /F1 10 Tf 1 0 0 1 0 250 Tm (AB) Tj ET\n\
        BT /F1 10 Tf 0 200 Td (CD) Tj 0 -14 TD (EF) Tj (GH) ' 2 1 (IJ) \" [(K) -1000 (L)] TJ\n\
        T* 0 Tc (A B1) Tj ET\n\
        /Span << /ActualText (Zo\\353) >> BDC BT /F1 10 Tf 1 0 0 1 0 100 Tm (ZOE) Tj ET EMC\n\
        q 2 0 0 2 0 0 cm BT /F1 10 Tf 1 0 0 1 0 20 Tm 50 Tz (MN) Tj ET Q\n\
        /Fm1 Do /Im1 Do /Im1 Do Q";
    let form = "BT /F1 10 Tf 0 0 Td (XY) Tj ET";
    let pdf = build_pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 300] /TrimBox [5 5 195 295] \
           /Resources << /Font << /F1 4 0 R >> /XObject << /Fm1 7 0 R /Im1 8 0 R >> >> /Contents 5 0 R >>"
            .to_vec(),
        format!(
            "<< /Type /Font /Subtype /Type1 /BaseFont /ABCDEF+Helvetica /FirstChar 32 /LastChar 126 \
             /Widths [{widths}] /ToUnicode 6 0 R >>"
        )
        .into_bytes(),
        stream("", content),
        stream("", cmap),
        stream("/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Matrix [1 0 0 1 100 0]", form),
        stream(
            "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8",
            "\u{7f}",
        ),
    ]);
    let doc = PdfDoc::parse(&pdf);
    let page = &doc.pages[0];
    assert_eq!(page.media_box, [0.0, 0.0, 200.0, 300.0]);
    assert_box(page.trim_box, [5.0, 5.0, 195.0, 295.0], "TrimBox");
    assert_eq!(page.bleed_box, None);
    let got: Vec<(String, f32, f32)> = page.lines.iter().map(|l| (l.text.clone(), l.x, l.y)).collect();
    let want = [
        ("ab", 10.0, 30.0),
        ("cd", 10.0, 80.0),
        ("ef", 10.0, 94.0),
        ("gh", 10.0, 108.0),
        // Tc 1 widens each glyph; a -1000 TJ adjustment is a gap a reader shows as a space.
        ("ijk l", 10.0, 122.0),
        // Tw applies to the space (code 32): A 5, space 5 + 2, B 5.
        ("a bé", 10.0, 136.0),
        // /ActualText replaces what the glyphs map to.
        ("Zoë", 10.0, 180.0),
        // Under `2 0 0 2 0 0 cm` after the translation: (0, 20) doubled, then moved by (10, 20).
        ("mn", 10.0, 240.0),
        // The form XObject's /Matrix moves its text by 100.
        ("xy", 110.0, 280.0),
    ];
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for ((text, x, y), (wt, wx, wy)) in got.iter().zip(want) {
        assert_eq!(text, wt);
        assert!((x - wx).abs() < 1e-3 && (y - wy).abs() < 1e-3, "{text}: ({x}, {y}) vs ({wx}, {wy})");
    }
    let ends: Vec<f32> = page.lines.iter().map(|l| l.x_end).collect();
    assert!((ends[4] - 44.0).abs() < 1e-3, "ij kl ends at {}", ends[4]);
    assert!((ends[5] - 32.0).abs() < 1e-3, "a b1 ends at {}", ends[5]);
    // Tz 50 halves the advances, the matrix doubles them: 2 x 5 pt.
    assert!((ends[7] - 20.0).abs() < 1e-3, "50% scaled mn ends at {}", ends[7]);
    assert!((page.lines[7].size - 20.0).abs() < 1e-3);
    let zoe = page.fragments.iter().find(|f| f.in_actual_text).expect("actual text");
    assert_eq!(zoe.to_unicode_text, "zoe");
    assert_eq!(doc.fonts.len(), 1);
    assert_eq!(doc.fonts[0].subset_tag.as_deref(), Some("ABCDEF"));
    assert_eq!(doc.fonts[0].font_file, None, "not embedded");
    assert_eq!(doc.images.len(), 1);
    assert_eq!(doc.images[0].draws, 2);
    assert_eq!(doc.image_objects_in_file, 1);
    assert_eq!(doc.images[0].placements[0], (0, [10.0, 279.0, 11.0, 280.0]));
}

#[test]
fn cmap_parser_reads_bfchar_and_both_bfrange_forms() {
    let cmap = b"%!PS comment <00> <FF>\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) >> def\n\
        1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
        2 beginbfchar <0003> <00EB> <0010> <D83DDE00> endbfchar\n\
        2 beginbfrange <0020> <0022> <0041> <0030> <0031> [<0066 0066 0069> <2019>] endbfrange\n\
        1 beginbfrange <00FE> <0100> <00FE> endbfrange";
    let (map, len) = parse_to_unicode(cmap);
    assert_eq!(len, Some(2));
    let get = |c: u32| map.get(&c).map(String::as_str);
    assert_eq!(get(0x03), Some("ë"));
    assert_eq!(get(0x10), Some("😀"));
    assert_eq!((get(0x20), get(0x21), get(0x22)), (Some("A"), Some("B"), Some("C")));
    assert_eq!((get(0x30), get(0x31)), (Some("ffi"), Some("’")));
    assert_eq!((get(0xFE), get(0xFF), get(0x100)), (Some("þ"), Some("ÿ"), Some("Ā")));
    assert_eq!(get(0x23), None);
}

/// A PNG with an alpha channel: a transparent field with one opaque red pixel.
fn png_rgba_with_hole(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("png header");
        let mut pixels = vec![0u8; (width * height * 4) as usize];
        pixels[..4].copy_from_slice(&[255, 0, 0, 255]);
        writer.write_image_data(&pixels).expect("png data");
    }
    out
}

#[test]
fn a_transparent_png_gets_a_soft_mask_and_an_opaque_one_does_not() {
    let dir = TempDir::new("png-alpha");
    dir.write("sticker.png", png_rgba_with_hole(4, 3));
    dir.write("flat.png", png_rgb(4, 3));
    let toml = "format = \"half-letter\"\n\n[[element]]\nkind = \"image\"\nsrc = \"sticker.png\"\nwidth = \"1in\"\nheight = \"0.75in\"\n\n[[element]]\nkind = \"image\"\nsrc = \"flat.png\"\ny = \"2in\"\nwidth = \"1in\"\nheight = \"0.75in\"\n";
    let r = render_toml(&dir, toml, &[]);
    let by_size: Vec<(u32, bool, Vec<String>)> =
        r.doc.images.iter().map(|i| (i.width, i.has_smask, i.filters.clone())).collect();
    assert_eq!(by_size.len(), 2, "{by_size:?}");
    assert!(by_size.iter().any(|(w, mask, _)| *w == 4 && *mask), "the sticker has no soft mask: {by_size:?}");
    assert!(by_size.iter().any(|(w, mask, _)| *w == 4 && !*mask), "the opaque PNG got a mask: {by_size:?}");
    assert!(by_size.iter().all(|(_, _, f)| f == &["FlateDecode"]), "{by_size:?}");
    // Rendered back, the sticker's one opaque pixel is red and the rest shows the page.
    let png = letterkit::render::png(&r.bytes, 0, 72.0).expect("render");
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("png");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    let channels = info.line_size / info.width as usize;
    let pixel = |x: usize, y: usize| &buf[y * info.line_size + x * channels..][..3];
    // 1 in = 72 px wide over 4 pixels: 18 px each. The image sits at the top-left margin-free origin.
    let origin = r.doc.images.iter().find(|i| i.has_smask).expect("sticker").placements[0].1;
    let (x0, y0) = (origin[0] as usize, origin[1] as usize);
    assert_eq!(pixel(x0 + 9, y0 + 9), [255, 0, 0], "the opaque pixel");
    assert_eq!(pixel(x0 + 40, y0 + 30), [255, 255, 255], "a transparent pixel");
}

#[test]
fn a_long_document_has_a_shallow_page_tree_and_reads_back_whole() {
    // 2,500 pages: more than one page-tree node holds (readers may cap arrays at 8,191 and
    // the writer keeps every /Kids array at 1,024 or fewer).
    let dir = TempDir::new("long");
    let path =
        dir.write("one.toml", "format = \"a6\"\n\n[[element]]\nkind = \"text\"\ntext = \"Page {n}\"\n");
    let mut pages = Vec::new();
    for n in 1..=2500 {
        let fields = [("n".to_string(), n.to_string())].into();
        let mut warnings = letterkit::base::diag::Warnings::default();
        pages.extend(
            letterkit::cli::commands::layout_file(&path, &Default::default(), &fields, &mut warnings)
                .expect("layout")
                .1,
        );
    }
    let bytes = letterkit::render::pdf(
        &pages,
        &letterkit::render::PdfOptions { title: "long".into(), pdf_a: false, language: String::new() },
    )
    .expect("pdf");
    assert_eq!(letterkit::render::page_count(&bytes).expect("count"), 2500);
    let text = String::from_utf8_lossy(&bytes);
    let mut longest = 0;
    for kids in text.split("/Kids [").skip(1) {
        let array = &kids[..kids.find(']').expect("array end")];
        longest = longest.max(array.matches(" R").count());
    }
    assert!(longest > 0 && longest <= 1024, "a /Kids array holds {longest} pages");
    let doc = PdfDoc::parse(&bytes);
    assert_eq!(doc.pages[2499].texts(), ["Page 2500"]);
}

#[test]
fn the_same_picture_under_two_names_is_embedded_once() {
    let dir = TempDir::new("same-bytes");
    let jpeg = jpeg_grey(4, 3);
    dir.write("a.jpg", &jpeg);
    dir.write("copy of a.jpg", &jpeg);
    let toml = "format = \"half-letter\"\n\n[[element]]\nkind = \"image\"\nsrc = \"a.jpg\"\nwidth = \"1in\"\nheight = \"0.75in\"\n\n[[element]]\nkind = \"image\"\nsrc = \"copy of a.jpg\"\ny = \"2in\"\nwidth = \"1in\"\nheight = \"0.75in\"\n";
    let r = render_toml(&dir, toml, &[]);
    assert_eq!(r.doc.image_objects_in_file, 1, "{:?}", r.doc.images);
    assert_eq!(r.doc.images[0].draws, 2);
}

#[test]
fn the_document_id_follows_content_and_title() {
    let r = letter();
    let id = |title: &str| {
        let bytes = letterkit::render::pdf(
            &r.pages,
            &letterkit::render::PdfOptions { title: title.into(), pdf_a: false, language: String::new() },
        )
        .expect("pdf");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let start = text.rfind("/ID [<").expect("an /ID in the trailer") + 6;
        text[start..start + 32].to_string()
    };
    assert_eq!(id("A"), id("A"), "the same pages and title give the same ID");
    assert_ne!(id("A"), id("B"), "another title, another document");
}

#[test]
fn a_phone_photo_is_turned_as_its_exif_orientation_says() {
    // The landmark photo is wider than tall, with sky above; stored with orientation 6 ("turn
    // a quarter clockwise to show") it shows taller than wide, with the sky on the right.
    let photo =
        letterkit::input::assets::get(&letterkit::input::assets::lookup("landmark.jpg").unwrap()).unwrap();
    let dir = TempDir::new("exif");
    dir.write("turned.jpg", with_exif_orientation(photo, 6));
    let toml = "format = \"us-letter\"\n\n[[element]]\nkind = \"image\"\nsrc = \"turned.jpg\"\nx = \"0in\"\ny = \"0in\"\nwidth = \"4in\"\nheight = \"6in\"\nfit = \"contain\"\n";
    let r = render_toml(&dir, toml, &[]);
    let placed = r.doc.images[0].placements[0].1;
    let (w, h) = (placed[2] - placed[0], placed[3] - placed[1]);
    assert!((w / h - 1400.0 / 2100.0).abs() < 0.01, "shown {w} x {h}: not turned to portrait");
    let png = letterkit::render::png(&r.bytes, 0, 18.0).expect("render");
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().expect("png");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    let channels = info.line_size / info.width as usize;
    // Mean blue minus red over a column band of the shown photo (18 px per inch).
    let band = |from: f32, to: f32| {
        let (mut sum, mut n) = (0.0, 0.0);
        for y in (placed[1] * 0.25) as usize + 2..(placed[3] * 0.25) as usize - 2 {
            for x in
                (placed[0] * 0.25 + from * w * 0.25) as usize..(placed[0] * 0.25 + to * w * 0.25) as usize
            {
                let p = &buf[y * info.line_size + x * channels..];
                sum += f32::from(p[2]) - f32::from(p[0]);
                n += 1.0;
            }
        }
        sum / n
    };
    assert!(band(0.8, 0.95) > band(0.05, 0.2) + 10.0, "the sky is not on the right");
}

#[test]
fn a_pictures_own_colour_profile_goes_with_it() {
    // A PNG with an iCCP chunk (a profile header for RGB) and one without.
    let mut profile = vec![0u8; 200];
    profile[..4].copy_from_slice(&200u32.to_be_bytes());
    profile[16..20].copy_from_slice(b"RGB ");
    profile[36..40].copy_from_slice(b"acsp");
    let mut tagged = Vec::new();
    {
        let mut info = png::Info::with_size(4, 3);
        info.color_type = png::ColorType::Rgb;
        info.bit_depth = png::BitDepth::Eight;
        info.icc_profile = Some(std::borrow::Cow::Owned(profile.clone()));
        let mut writer =
            png::Encoder::with_info(&mut tagged, info).expect("info").write_header().expect("header");
        writer.write_image_data(&[90; 36]).expect("data");
    }
    let dir = TempDir::new("icc");
    dir.write("tagged.png", &tagged);
    dir.write("plain.png", png_rgb(4, 3));
    let toml = "format = \"half-letter\"\n\n[[element]]\nkind = \"image\"\nsrc = \"tagged.png\"\nwidth = \"1in\"\nheight = \"0.75in\"\n\n[[element]]\nkind = \"image\"\nsrc = \"plain.png\"\ny = \"2in\"\nwidth = \"1in\"\nheight = \"0.75in\"\n";
    let r = render_toml(&dir, toml, &[]);
    let text = String::from_utf8_lossy(&r.bytes);
    assert_eq!(text.matches("/ColorSpace [/ICCBased").count(), 1, "only the tagged picture has a profile");
    assert_eq!(text.matches("/ColorSpace /DeviceRGB").count(), 1, "the other stays device RGB");
    assert!(text.contains("/Alternate /DeviceRGB"), "the profile names its device space");
}
