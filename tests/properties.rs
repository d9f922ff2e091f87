//! Property tests: random designs (kinds, keys, lengths, unicode text and markup), designs
//! generated from the format's JSON schema, and random participants lists never make letterkit
//! panic, `letterkit check` finds errors whenever a design cannot be rendered, and every PDF it
//! makes reads back page by page (hayro). The work per design is the fuzz targets' own
//! (`fuzz/src/body.rs` and `fuzz/src/schema_design.rs`, included here so `cargo test` compiles
//! and runs them). Inputs that once crashed anything are kept in `tests/seeds/` and run on
//! every test. `check` is also held to what `render` and `build` stop on: random designs
//! through `render`, and campaigns with addressed, unaddressed and row-dependent envelope and
//! postcard designs and whole or damaged photos through `build` (the same mail and picture
//! check codes).
//!
//! The case counts keep the suite to a few seconds; `PROPTEST_CASES=2000 cargo test --release
//! --test properties` runs more.

use std::path::Path;

use letterkit::base::diag::{Source, Warnings};
use proptest::prelude::*;

include!("../fuzz/src/body.rs");
include!("../fuzz/src/files.rs");

/// The generator of designs from the schema, shared with the `design_schema` fuzz target.
mod schema_design {
    include!("../fuzz/src/schema_design.rs");
}
use schema_design::{KIND_KEYS, SchemaDesigns, Tape};

/// A TOML string literal.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn length() -> impl Strategy<Value = String> {
    prop_oneof![
        40 => (0.0f32..7.0).prop_map(|v| format!("{v:.2}in")),
        15 => (0.0f32..200.0).prop_map(|v| format!("{v:.1}pt")),
        15 => (0.0f32..100.0).prop_map(|v| format!("{v:.0}%")),
        5 => (0.0f32..150.0).prop_map(|v| format!("{v:.1}mm")),
        1 => prop::sample::select(vec!["-1in", "12", "1furlong", "0pt", "1e30in", "", "NaNpt", "-0%", "900in"])
            .prop_map(str::to_string),
    ]
}

fn font_size() -> impl Strategy<Value = String> {
    prop_oneof![
        30 => (4.0f32..40.0).prop_map(|v| format!("{v:.1}pt")),
        1 => prop::sample::select(vec!["0pt", "2000pt", "50%", "0.001pt", "11"]).prop_map(str::to_string),
    ]
}

fn color() -> impl Strategy<Value = String> {
    prop_oneof![
        40 => prop::sample::select(vec!["#14213d", "black", "white", "cmyk(0, 50, 100, 0)", "#fff", "#fcd34d"]),
        1 => prop::sample::select(vec!["#12", "purple", "cmyk(1,2,3)"]),
    ]
    .prop_map(str::to_string)
}

/// Text with markup, placeholders and characters from many scripts (a few that no font has).
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        12 => "[a-zA-Z ,.]{0,30}",
        3 => "[a-z ]{1,8}".prop_map(|t| format!("*{t}*")),
        3 => "[a-z ]{1,8}".prop_map(|t| format!("**{t}**")),
        1 => prop::sample::select(vec!["*", "**", "\\*"]).prop_map(str::to_string),
        2 => Just("{name}".to_string()),
        1 => Just("{missing}".to_string()),
        1 => Just("\\".to_string()),
        2 => Just("\n\n".to_string()),
        2 => Just("\n".to_string()),
        3 => prop::sample::select(vec!["Nguyễn", "Łukasz", "O’Brien", "Zoë", "Ærø", "ﬁ", "é", "\u{301}", "\u{200b}", " — "])
            .prop_map(str::to_string),
        1 => prop::sample::select(vec!["中文", "🙂", "مرحبا"]).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|p| p.concat())
}

type Entry = (String, String);

fn entry_len(key: &'static str) -> BoxedStrategy<Entry> {
    length().prop_map(move |v| (key.to_string(), quoted(&v))).boxed()
}

fn entry_word(key: &'static str, words: Vec<&'static str>) -> BoxedStrategy<Entry> {
    prop::sample::select(words).prop_map(move |v| (key.to_string(), quoted(v))).boxed()
}

fn entry_bool(key: &'static str) -> BoxedStrategy<Entry> {
    any::<bool>().prop_map(move |b| (key.to_string(), b.to_string())).boxed()
}

/// Keys every element takes.
fn common_entry() -> BoxedStrategy<Entry> {
    prop_oneof![
        entry_len("x"),
        entry_len("y"),
        entry_len("width"),
        entry_len("height"),
        entry_word(
            "page",
            vec!["front", "back", "front", "back", "front", "back", "front", "back", "nowhere"]
        ),
        entry_word("when", vec!["name", "missing"]),
        entry_word("unless", vec!["name", "missing"]),
        entry_bool("bleed"),
        "[a-zA-Z ]{1,12}".prop_map(|n| ("name".to_string(), quoted(&n))),
    ]
    .boxed()
}

/// Keys for one kind of element (and, rarely, one it does not take or a misspelt one).
fn kind_entry(kind: &'static str) -> BoxedStrategy<Entry> {
    let text_keys = || {
        prop_oneof![
            font_size().prop_map(|v| ("size".to_string(), quoted(&v))),
            (4.0f32..9.0).prop_map(|v| ("shrink_to".to_string(), quoted(&format!("{v:.1}pt")))),
            entry_len("leading"),
            entry_word("font", vec!["serif", "sans", "script", "serif", "nope"]),
            entry_word("align", vec!["left", "center", "right", "justify"]),
            entry_word("valign", vec!["top", "middle", "bottom"]),
            entry_word("weight", vec!["regular", "bold"]),
            entry_word("overflow", vec!["error", "continue"]),
            entry_word("style", vec!["small", "small", "nope"]),
            color().prop_map(|c| ("color".to_string(), quoted(&c))),
            entry_bool("italic"),
            entry_bool("uppercase"),
        ]
        .boxed()
    };
    let paint = || {
        prop_oneof![
            color().prop_map(|c| ("fill".to_string(), quoted(&c))),
            color().prop_map(|c| ("stroke".to_string(), quoted(&c))),
            (0.0f32..6.0).prop_map(|w| ("stroke_width".to_string(), quoted(&format!("{w:.2}pt")))),
        ]
        .boxed()
    };
    let own: BoxedStrategy<Entry> = match kind {
        "text" | "address" => text_keys(),
        "image" => prop_oneof![
            entry_word("fit", vec!["contain", "cover", "stretch"]),
            (0.0f32..1.0, 0.0f32..1.0).prop_map(|(a, b)| ("focus".to_string(), format!("[{a}, {b}]"))),
        ]
        .boxed(),
        "lines" => prop_oneof![
            (4.0f32..40.0).prop_map(|v| ("spacing".to_string(), quoted(&format!("{v:.1}pt")))),
            color().prop_map(|c| ("stroke".to_string(), quoted(&c))),
        ]
        .boxed(),
        "rect" => prop_oneof![3 => paint(), 1 => entry_len("radius")].boxed(),
        _ => paint(),
    };
    prop_oneof![
        40 => own,
        40 => common_entry(),
        1 => "[a-z_]{1,10}".prop_map(|k| (k, "\"typo\"".to_string())),
        1 => any::<i32>().prop_map(|n| ("x".to_string(), n.to_string())),
    ]
    .boxed()
}

fn element() -> impl Strategy<Value = String> {
    let kind = prop_oneof![
        100 => prop::sample::select(vec!["text", "text", "address", "image", "rect", "ellipse", "line", "lines"]),
        1 => Just("txt"),
    ];
    kind.prop_flat_map(|kind| {
        let needed: BoxedStrategy<Vec<Entry>> = match kind {
            "text" => text().prop_map(|t| vec![("text".to_string(), quoted(&t))]).boxed(),
            "image" => prop::sample::select(vec![
                "landmark.jpg",
                "star-sticker.png",
                "landmark.jpg",
                "star-sticker.png",
                "assets/landmark.jpg",
                "missing.jpg",
                "../outside.jpg",
            ])
            .prop_map(|s| vec![("src".to_string(), quoted(s))])
            .boxed(),
            "line" => (length(), length())
                .prop_map(|(a, b)| vec![("x2".to_string(), quoted(&a)), ("y2".to_string(), quoted(&b))])
                .boxed(),
            _ => Just(Vec::new()).boxed(),
        };
        (Just(kind), needed, prop::collection::vec(kind_entry(kind), 0..7))
    })
    .prop_map(|(kind, needed, entries)| {
        let mut s = format!("[[element]]\nkind = \"{kind}\"\n");
        let mut seen: Vec<String> = Vec::new();
        for (k, v) in needed.into_iter().chain(entries) {
            if !seen.contains(&k) {
                s.push_str(&format!("{} = {v}\n", quoted(&k)));
                seen.push(k);
            }
        }
        s
    })
}

fn design() -> impl Strategy<Value = String> {
    let format = prop_oneof![
        30 => prop::sample::select(vec![
            "format = \"postcard-4x6\"\npages = [\"front\", \"back\"]",
            "format = \"us-letter\"\npages = [\"front\", \"back\"]",
            "format = \"a4\"\npages = [\"front\", \"back\"]",
            "format = \"envelope-10\"\npages = [\"front\", \"back\"]",
            "format = \"postcard-4.25x6\"\npages = [\"front\", \"back\"]",
            "format = \"half-letter\"\npages = [\"front\", \"back\"]",
            "format = \"card-a2\"\nfold = \"quarter\"\npages = [\"front\", \"inside-left\", \"inside-right\", \"back\"]",
            "format = \"card-a9\"\nfold = \"half\"\npages = [\"front\", \"inside-left\", \"inside-right\", \"back\"]",
            "format = \"postcard-4x6\"",
        ])
        .prop_map(str::to_string),
        4 => ((1.0f32..12.0), (1.0f32..12.0))
            .prop_map(|(w, h)| format!("size = [\"{w:.2}in\", \"{h:.2}in\"]\npages = [\"front\", \"back\"]")),
        1 => prop::sample::select(vec!["format = \"nope\"", "", "size = [\"0in\", \"5in\"]"]).prop_map(str::to_string),
    ];
    let extra = prop::sample::select(vec![
        "",
        "",
        "",
        "orientation = \"landscape\"",
        "orientation = \"portrait\"",
        "bleed = \"0.125in\"",
        "margin = \"0.5in\"",
        "margin = \"3in\"",
        "safe = \"0.25in\"",
        "continuation_header = \"{name}, page {page} of {pages}\"",
    ]);
    let data = text().prop_map(|t| {
        format!("[data]\nname = {}\ndelivery_address = \"DHS\\nWASHINGTON DC 20528\"\n", quoted(&t))
    });
    let style = prop_oneof![
        40 => Just("[styles.small]\nfont = \"sans\"\nsize = \"7pt\"\n".to_string()),
        1 => Just("[styles.small]\nextends = \"small\"\n".to_string()),
        1 => Just("[styles.small]\nextends = \"other\"\n[styles.other]\nitalic = true\n".to_string()),
    ];
    (format, extra, data, style, prop::collection::vec(element(), 0..7)).prop_map(
        |(format, extra, data, style, elements)| {
            format!("{format}\n{extra}\n\n{data}\n{style}\n{}", elements.join("\n"))
        },
    )
}

/// A participants list: a header of known and other columns, rows of awkward values.
fn participants() -> impl Strategy<Value = String> {
    let cell = prop_oneof![
        4 => "[A-Za-z ]{0,12}",
        1 => Just(String::new()),
        1 => prop::sample::select(vec!["02134", "4101", "02134-1234", "MA", "Mass", "0", "1", "2", "x", "\"a, b\"", "\"", "Zoë", "中", "{x}", "*b*"])
            .prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string().replace(['\n', '\r'], " ")),
    ];
    let header = prop::sample::select(vec![
        "name,address1,address2,city,state,zip",
        "name,address1,address2,city,state,zip,letters",
        "name,address1,city,state,zip,letters,cards,postcards,note",
        "name,zip",
        "nom,adresse",
    ]);
    let row = prop::collection::vec(cell, 0..10).prop_map(|cells| cells.join(","));
    (header, prop::collection::vec(row, 0..6)).prop_map(|(h, rows)| format!("{h}\n{}\n", rows.join("\n")))
}

/// `cases` cases, or as many as `PROPTEST_CASES` says.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn random_designs_never_panic_and_their_pdfs_read_back(design in design()) {
        fuzz_design(design.as_bytes());
    }
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn random_participants_lists_never_panic_and_their_kits_read_back(csv in participants()) {
        let source = Source::builtin("people.csv", &csv);
        let _ = letterkit::check::data::short_rows(&source);
        let mut warnings = Warnings::default();
        let Ok(people) = letterkit::model::participants::parse(&source, &mut warnings) else { return Ok(()) };
        let _ = letterkit::check::data::participants(&source, &people);
        let defaults = letterkit::model::campaign::Defaults { letters: 1, cards: 0, postcards: 0 };
        if people.is_empty() || letterkit::check::data::piece_count(&people, &defaults) > 12 {
            return Ok(());
        }
        let dir = std::env::temp_dir().join(format!("letterkit-prop-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).unwrap();
        let list = dir.join("people.csv");
        std::fs::write(&list, &csv).unwrap();
        let options = letterkit::kit::BuildOptions {
            participants: Some(list),
            count: 1,
            split: true,
            ..letterkit::kit::BuildOptions::new(dir.join("kit"))
        };
        let built = letterkit::kit::build(&options, &mut warnings);
        if built.is_ok() {
            for pdf in pdfs(&dir.join("kit")) {
                let bytes = std::fs::read(&pdf).unwrap();
                prop_assert!(pdf_pages(&bytes).is_ok(), "{} reads back", pdf.display());
            }
        }
        let report = letterkit::check::check_kit(None, Some(&dir.join("people.csv")), 1, &Default::default());
        prop_assert_eq!(report.errors() > 0, built.is_err(), "check finds errors exactly when build fails: {:?}", report.diagnostics);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn pdfs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(pdfs(&path));
        } else if path.extension().is_some_and(|e| e == "pdf") {
            out.push(path);
        }
    }
    out
}

/// Inputs that once crashed something (found by these tests, the fuzzer or by hand).
#[test]
fn regression_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/seeds");
    let mut seeds: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    seeds.sort();
    for seed in seeds {
        fuzz_design(&std::fs::read(&seed).unwrap());
    }
}

/// The examples and built-in designs go through the fuzz target's work cleanly too.
#[test]
fn the_fuzz_target_takes_the_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for folder in ["examples", "designs"] {
        for entry in std::fs::read_dir(root.join(folder)).unwrap().flatten() {
            fuzz_design(&std::fs::read(entry.path()).unwrap());
        }
    }
}

/// The design format's JSON schema, read now (not built in) so the generator follows the file.
fn schema() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/letterkit.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("the schema")).expect("the schema is JSON")
}

/// Designs generated from the schema (`fuzz/src/schema_design.rs`): page settings, styles
/// extending each other, elements of every kind with keys of the right type and sometimes of
/// the wrong one, unknown keys, out-of-range values, placeholders, markup and folded cards.
/// Each goes through `letterkit check`, reading, layout and PDF (`design_text`).
///
/// Most of them must reach layout, or the test would only exercise the format checks. Measured
/// over 2,000 cases (`PROPTEST_CASES=2000`): 66% are read without errors and go to layout, 59%
/// make a PDF. Two thirds of the designs are careful (no mistakes on purpose; those that fail
/// mostly fail layout or the mail checks, say on a text that does not fit its box); the others
/// have a few mistakes, which usually stop them before layout. The test counts both and asserts
/// that at least half reach layout. (Random bytes, which this test replaces, reached the design
/// parser in about 0.5% of cases.)
#[test]
fn designs_from_the_schema_are_checked_laid_out_and_rendered() {
    use proptest::test_runner::{TestError, TestRunner};
    use std::cell::Cell;
    let schema = schema();
    let designs = SchemaDesigns::new(&schema);
    let (cases, laid_out, rendered) = (Cell::new(0usize), Cell::new(0usize), Cell::new(0usize));
    let mut runner = TestRunner::new(config(300));
    let result = runner.run(&prop::collection::vec(any::<u8>(), 0..1500), |bytes| {
        let reached = design_text(&designs.design(&mut Tape::new(&bytes)));
        cases.set(cases.get() + 1);
        laid_out.set(laid_out.get() + usize::from(reached.layout));
        rendered.set(rendered.get() + usize::from(reached.pdf));
        Ok(())
    });
    if let Err(TestError::Fail(why, bytes)) = &result {
        panic!("{why}\nthe design:\n{}", designs.design(&mut Tape::new(bytes)));
    }
    result.unwrap();
    let (cases, laid_out, rendered) = (cases.get(), laid_out.get(), rendered.get());
    eprintln!("{cases} designs from the schema: {laid_out} reached layout, {rendered} made a PDF");
    assert!(laid_out * 2 >= cases, "only {laid_out} of {cases} designs reached layout");
    assert!(rendered > 0);
}

/// The generator's table of keys that apply to some element kinds only names keys and kinds
/// the schema has, so a renamed key fails here rather than quietly no longer being generated.
#[test]
fn the_generators_element_keys_are_in_the_schema() {
    let schema = schema();
    let element = &schema["$defs"]["ElementDef"]["properties"];
    let kinds: Vec<&str> = schema["$defs"]["ElementKind"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["const"].as_str())
        .collect();
    for (key, on) in KIND_KEYS {
        assert!(element.get(key).is_some(), "`{key}` is not an element key in the schema");
        for kind in *on {
            assert!(kinds.contains(kind), "`{kind}` is not an element kind in the schema");
        }
    }
    // With no bytes every choice is the plain one: a design that reads and renders.
    let text = SchemaDesigns::new(&schema).design(&mut Tape::new(&[]));
    assert_eq!(design_text(&text), Reached { layout: true, pdf: true }, "{text}");
}

/// The `participants`, `picture` and `font` fuzz targets' work, on good files and on damaged
/// ones (cut short, bytes flipped), so `cargo test` compiles and runs it.
#[test]
fn the_file_fuzz_targets_take_good_and_damaged_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let damaged = |good: &[u8]| -> Vec<Vec<u8>> {
        let mut out =
            vec![good.to_vec(), Vec::new(), good[..good.len() / 2].to_vec(), good[..good.len() - 3].to_vec()];
        for at in [good.len() / 7, good.len() / 3, good.len() * 4 / 5] {
            let mut flipped = good.to_vec();
            flipped[at] ^= 0x5A;
            out.push(flipped);
        }
        out
    };
    let read = |path: &str| std::fs::read(root.join(path)).unwrap();

    for list in [
        ".ci/fixtures/participants.csv",
        "tests/bad_inputs/csv-errors/rows.csv",
        "tests/bad_inputs/csv-header/people.csv",
        "tests/bad_inputs/csv-latin1/people.csv",
        "tests/bad_inputs/csv-warnings/people.csv",
    ] {
        for bytes in damaged(&read(list)) {
            fuzz_participants(&bytes);
        }
    }
    fuzz_participants(b"name,zip\n\"unclosed,02134\n");
    fuzz_participants(b"\xEF\xBB\xBFname\n\xff\n");

    for picture in ["assets/landmark.jpg", "assets/star-sticker.png"] {
        let cases = damaged(&read(picture));
        assert!(fuzz_picture(&cases[0]), "{picture} makes a PDF");
        for bytes in &cases[1..] {
            fuzz_picture(bytes);
        }
    }

    for font in ["fonts/lato/Lato-Regular.ttf", "fonts/kaushan-script/KaushanScript-Regular.otf"] {
        let cases = damaged(&read(font));
        assert!(fuzz_font(&cases[0]), "{font} makes a PDF");
        for bytes in &cases[1..] {
            fuzz_font(bytes);
        }
    }
}

/// A campaign's own envelope design, in one of the ways a mail piece can be addressed or not:
/// an address element, none, one filled from a column that some rows leave empty, and a
/// return address large enough to reach into the read area.
fn envelope_design() -> impl Strategy<Value = Option<String>> {
    let head = "format = \"envelope-10\"\n\n[[element]]\nkind = \"text\"\nname = \"return address\"\nx = \"0.375in\"\ny = \"0.375in\"\nwidth = \"3.5in\"\nheight = \"1.6in\"\nfont = \"sans\"\n";
    prop_oneof![
        Just(None),
        Just(Some(format!("{head}size = \"9pt\"\ntext = \"{{name}}\"\n\n[[element]]\nkind = \"address\"\n"))),
        Just(Some(format!("{head}size = \"9pt\"\ntext = \"{{name}}\"\n"))),
        Just(Some(format!(
            "{head}size = \"9pt\"\ntext = \"{{name}}\"\n\n[[element]]\nkind = \"address\"\ntext = \"{{address2}}\"\n"
        ))),
        Just(Some(format!(
            "{head}size = \"16pt\"\ntext = \"A\\nB\\nC\\nD\\nE\"\n\n[[element]]\nkind = \"address\"\n"
        ))),
    ]
}

/// A campaign's postcard: the built-in one, or one of its own with or without an address, and
/// with a whole or a damaged photo (a stretch of its compressed data lost, markers intact).
fn postcard_design() -> impl Strategy<Value = (Option<String>, bool)> {
    let front = "format = \"postcard-4x6\"\npages = [\"front\", \"address\"]\n\n[[element]]\nkind = \"image\"\npage = \"front\"\nsrc = \"photo.jpg\"\nx = \"1in\"\ny = \"1in\"\nwidth = \"1.5in\"\nheight = \"1in\"\n";
    (
        prop_oneof![
            Just(None),
            Just(Some(format!("{front}\n[[element]]\nkind = \"address\"\npage = \"address\"\n"))),
            Just(Some(format!(
                "{front}\n[[element]]\nkind = \"text\"\npage = \"address\"\ntext = \"Hello\"\n"
            ))),
        ],
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(config(24))]

    /// `check` of a kit reports errors exactly when `build` stops, for campaigns whose own
    /// envelope and postcard designs are addressed or not and whose pictures are whole or
    /// damaged; and it names the same mail and picture checks.
    #[test]
    fn check_reports_what_build_stops_on_for_mail_pieces_and_pictures(
        envelope in envelope_design(),
        (postcard, damaged) in postcard_design(),
        rows in prop::collection::vec((any::<bool>(), 0u32..2, 0u32..2), 1..4),
    ) {
        let dir = std::env::temp_dir().join(format!("letterkit-prop-mail-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut photo = std::fs::read(root.join("assets/landmark.jpg")).unwrap();
        if damaged {
            let n = photo.len();
            photo.drain(n / 2..n / 2 + 1000);
        }
        std::fs::write(dir.join("photo.jpg"), photo).unwrap();
        let mut campaign = std::fs::read_to_string(root.join("campaigns/default.toml")).unwrap();
        if let Some(text) = &envelope {
            std::fs::write(dir.join("envelope.toml"), text).unwrap();
            campaign = campaign.replacen("envelope = \"auto\"", "envelope = \"auto\"\nenvelope_design = \"envelope.toml\"", 1);
        }
        if let Some(text) = &postcard {
            std::fs::write(dir.join("postcard.toml"), text).unwrap();
            campaign = campaign.replacen("postcard = \"postcard\"", "postcard = \"postcard.toml\"", 1);
        }
        std::fs::write(dir.join("campaign.toml"), campaign).unwrap();
        let mut csv = String::from("name,address1,address2,city,state,zip,letters,postcards\n");
        for (i, (apartment, letters, postcards)) in rows.iter().enumerate() {
            let address2 = if *apartment { "Apt 2" } else { "" };
            csv.push_str(&format!("Writer {i},{i} Main St,{address2},Boston,MA,02134,{letters},{postcards}\n"));
        }
        std::fs::write(dir.join("people.csv"), csv).unwrap();
        let options = letterkit::kit::BuildOptions {
            campaign: Some(dir.join("campaign.toml")),
            participants: Some(dir.join("people.csv")),
            count: 1,
            ..letterkit::kit::BuildOptions::new(dir.join("kit"))
        };
        let mut warnings = Warnings::default();
        let built = letterkit::kit::build(&options, &mut warnings);
        let report = letterkit::check::check_kit(
            Some(&dir.join("campaign.toml")),
            Some(&dir.join("people.csv")),
            1,
            &Default::default(),
        );
        prop_assert_eq!(report.errors() > 0, built.is_err(), "check finds errors exactly when build fails: {:?}", report.diagnostics);
        let codes = |ds: &mut dyn Iterator<Item = &letterkit::base::diag::Diagnostic>| {
            let mut c: Vec<&str> = ds
                .filter(|d| d.severity == letterkit::base::diag::Severity::Error)
                .filter_map(|d| d.code)
                .filter(|c| c.starts_with("mail.") || *c == "input.damaged-picture")
                .collect();
            c.sort_unstable();
            c.dedup();
            c
        };
        if let Err(e) = &built {
            prop_assert_eq!(codes(&mut e.0.iter()), codes(&mut report.diagnostics.iter()));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

proptest! {
    #![proptest_config(config(100))]

    /// `render` (which lays a design out and checks its address sides) fails only where
    /// `check` of the same file finds errors, and check names each address-side error render
    /// stops on.
    #[test]
    fn check_finds_what_render_stops_on(design in design()) {
        let dir = std::env::temp_dir().join(format!("letterkit-prop-render-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("design.toml");
        std::fs::write(&path, &design).unwrap();
        let none = std::collections::BTreeMap::new();
        let out = dir.join("out.pdf");
        let print = letterkit::cli::commands::PrintRequest::default();
        // Both fill the design as `render` and `check` do from the command line: samples for
        // the writer's fields.
        let fields = letterkit::kit::design_fields(
            &path, &Default::default(), None, &none, &Default::default(), &mut Warnings::default(),
        )
        .expect("a design on its own gets sample values");
        let rendered = letterkit::cli::commands::render(
            &path, &Default::default(), &out, false, &print, &fields, &mut Warnings::default(),
        );
        let report = letterkit::check::check_design(&path, &fields, &Default::default());
        if let Err(e) = &rendered {
            prop_assert!(report.errors() > 0, "render failed but check found no errors: {:?}", e.0);
            let mail = |d: &&letterkit::base::diag::Diagnostic| {
                matches!(d.code, Some("mail.no-address" | "mail.empty-address"))
            };
            let checked: Vec<String> = report.diagnostics.iter().filter(mail).map(ToString::to_string).collect();
            for said in e.0.iter().filter(mail).map(ToString::to_string) {
                prop_assert!(checked.contains(&said), "render: {said}\ncheck: {:?}", report.diagnostics);
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
