//! `letterkit check` on bad inputs, and the protections every command has: each case in
//! `tests/bad_inputs/<case>/` is run as the real binary would be, from inside its folder, with
//! the arguments in its `args` file; what it prints on stderr and its exit status must be
//! exactly what `expected` says (`{dir}` stands for the case's folder, `{root}` for
//! `tests/bad_inputs`). To (re)write the expectations after changing a message:
//! `LETTERKIT_UPDATE_BAD_INPUTS=1 cargo test --release --test check`, then read every change.
//!
//! Cases that need files made at run time (damaged pictures and fonts, huge inputs) are tests
//! of their own below.

mod common;

use common::letterkit;

use std::path::{Path, PathBuf};
use std::process::Output;

const UPDATE_ENV: &str = "LETTERKIT_UPDATE_BAD_INPUTS";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn bad_inputs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("letterkit-check-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::canonicalize(&dir).unwrap()
}

#[test]
fn every_bad_input_gets_its_expected_messages() {
    let root = std::fs::canonicalize(bad_inputs()).unwrap();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("args").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "the bad inputs are there");
    let update = std::env::var_os(UPDATE_ENV).is_some();
    let mut failures = Vec::new();
    for case in &cases {
        let args = std::fs::read_to_string(case.join("args")).unwrap();
        let args: Vec<&str> = args.split_whitespace().collect();
        let out = letterkit(case, &args);
        let actual = format!(
            "{}--- exit status {}\n",
            stderr(&out)
                .replace(&case.display().to_string(), "{dir}")
                .replace(&root.display().to_string(), "{root}"),
            out.status.code().unwrap_or(-1)
        );
        let expected_path = case.join("expected");
        if update {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if actual != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{actual}",
                case.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ (set {UPDATE_ENV}=1 to rewrite):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const POSTCARD_WITH_PICTURE: &str =
    "format = \"postcard-4x6\"\n\n[[element]]\nkind = \"image\"\nname = \"photo\"\nsrc = \"photo.jpg\"\n";

/// The bundled pictures and a bundled font, cut short as an interrupted download leaves them.
fn damaged_files(dir: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let jpeg = std::fs::read(root.join("assets/landmark.jpg")).unwrap();
    std::fs::write(dir.join("photo.jpg"), &jpeg[..jpeg.len() / 3]).unwrap();
    let png = std::fs::read(root.join("assets/star-sticker.png")).unwrap();
    std::fs::write(dir.join("sticker.png"), &png[..png.len() / 2]).unwrap();
    let font = std::fs::read(root.join("fonts/lato/Lato-Regular.ttf")).unwrap();
    std::fs::write(dir.join("hand.ttf"), &font[..60_000]).unwrap();
}

#[test]
fn a_cut_off_jpeg_is_an_error_naming_it_in_check_and_render() {
    let dir = scratch("jpeg");
    damaged_files(&dir);
    std::fs::write(dir.join("card.toml"), POSTCARD_WITH_PICTURE).unwrap();
    for args in [&["check", "card.toml"][..], &["render", "card.toml", "-o", "card.pdf"]] {
        let out = letterkit(&dir, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains(
                "error: card.toml:3:1: image element `photo`: image photo.jpg is damaged: the file is cut short (it has no end-of-image marker); download or export it again"
            ),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert!(!dir.join("card.pdf").exists(), "nothing is written");
}

#[test]
fn a_cut_off_png_is_an_error_naming_it_before_the_pdf_is_made() {
    let dir = scratch("png");
    damaged_files(&dir);
    std::fs::write(dir.join("card.toml"), POSTCARD_WITH_PICTURE.replace("photo.jpg", "sticker.png")).unwrap();
    let out = letterkit(&dir, &["render", "card.toml", "-o", "card.pdf"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("image element `photo`: image sticker.png is damaged: the file is cut short; download or export it again"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_cut_off_font_is_an_error_naming_it() {
    let dir = scratch("font");
    damaged_files(&dir);
    std::fs::write(
        dir.join("card.toml"),
        "format = \"postcard-4x6\"\n[fonts]\nhand = \"hand.ttf\"\n\n[[element]]\nkind = \"text\"\nfont = \"hand\"\ntext = \"Hello\"\n",
    )
    .unwrap();
    for args in [&["check", "card.toml"][..], &["render", "card.toml", "-o", "card.pdf"]] {
        let out = letterkit(&dir, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains("font hand.ttf is damaged: the file is cut short"), "{}", stderr(&out));
    }
}

#[test]
fn allow_path_lets_a_trusted_design_use_a_folder_outside_its_own() {
    let dir = scratch("allow");
    std::fs::create_dir_all(dir.join("design")).unwrap();
    std::fs::create_dir_all(dir.join("shared")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/landmark.jpg"),
        dir.join("shared/photo.jpg"),
    )
    .unwrap();
    let design = POSTCARD_WITH_PICTURE.replace("photo.jpg", "../shared/photo.jpg");
    std::fs::write(dir.join("design/card.toml"), design).unwrap();
    let refused = letterkit(&dir, &["render", "design/card.toml", "-o", "card.pdf"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("is outside the design's folder"), "{}", stderr(&refused));
    assert!(stderr(&refused).contains(&format!("--allow-path {}", dir.join("shared").display())));
    let allowed =
        letterkit(&dir, &["render", "design/card.toml", "-o", "card.pdf", "--allow-path", "shared"]);
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    let checked = letterkit(&dir, &["--allow-path", "shared", "check", "design/card.toml"]);
    assert!(!stderr(&checked).contains("outside"), "{}", stderr(&checked));
}

#[test]
fn json_lists_every_diagnostic_and_strict_fails_on_warnings() {
    let case = bad_inputs().join("print-preflight");
    let out = letterkit(&case, &["check", "design.toml", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "warnings alone pass");
    assert!(out.stderr.is_empty(), "json mode prints only json: {}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[1]["severity"], "warning");
    assert_eq!(items[1]["file"], "design.toml");
    assert_eq!(items[1]["line"], 14);
    assert_eq!(items[1]["column"], 1);
    assert!(items[1]["message"].as_str().unwrap().contains("outside the safe zone"));
    assert_eq!(items[1]["hints"][0], "keep it at least 0.125 in from every edge");
    assert_eq!(items[1]["code"], "print.safe-zone", "json names the check by its code");
    let strict = letterkit(&case, &["check", "design.toml", "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    let clean = letterkit(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["check", "examples/postcard-address.toml", "--strict"],
    );
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    assert!(String::from_utf8_lossy(&clean.stdout).contains("no problems found"));
    let errors = letterkit(&bad_inputs().join("design-typos"), &["check", "design.toml", "--format", "json"]);
    assert_eq!(errors.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&errors.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 10, "every format error of the file in one run");
}

#[test]
fn check_writes_nothing() {
    let dir = scratch("nothing");
    std::fs::write(
        dir.join("people.csv"),
        "name,address1,address2,city,state,zip,letters\nAda,1 Main St,,Boston,MA,02134,2\n",
    )
    .unwrap();
    let out = letterkit(&dir, &["check", "--participants", "people.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 pieces"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(files, vec![std::ffi::OsString::from("people.csv")]);
}

#[test]
fn huge_inputs_get_clear_limits() {
    let dir = scratch("huge");
    let long = "word ".repeat(25_000);
    std::fs::write(
        dir.join("long.toml"),
        format!("format = \"us-letter\"\n\n[[element]]\nkind = \"text\"\noverflow = \"continue\"\ntext = \"{long}\"\n"),
    )
    .unwrap();
    let out = letterkit(&dir, &["render", "long.toml", "-o", "long.pdf"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "long.toml:3:1: element #1: the text is 125000 characters long; letterkit takes up to 100000 in one element"
        ),
        "{}",
        stderr(&out)
    );

    let many = "[[element]]\nkind = \"rect\"\n".repeat(2_001);
    std::fs::write(dir.join("many.toml"), format!("format = \"us-letter\"\n{many}")).unwrap();
    let out = letterkit(&dir, &["check", "many.toml"]);
    assert!(
        stderr(&out).contains("the design has 2001 elements; letterkit takes up to 2000"),
        "{}",
        stderr(&out)
    );

    let deep = format!("format = \"us-letter\"\ntitle = {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    std::fs::write(dir.join("deep.toml"), deep).unwrap();
    let out = letterkit(&dir, &["check", "deep.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("deep.toml:2:"), "{}", stderr(&out));

    let huge = std::fs::File::create(dir.join("huge.csv")).unwrap();
    huge.set_len(65 * 1024 * 1024).unwrap(); // sparse: takes no room on disk
    let out = letterkit(&dir, &["check", "--participants", "huge.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "huge.csv is 65 MiB; letterkit reads design, campaign and participants files up to 64 MiB"
        ),
        "{}",
        stderr(&out)
    );

    let mut people = String::from("name,address1,address2,city,state,zip,letters\n");
    for i in 0..501 {
        people.push_str(&format!("Person {i},1 Main St,,Boston,MA,02134,100\n"));
    }
    std::fs::write(dir.join("people.csv"), people).unwrap();
    let out = letterkit(&dir, &["check", "--participants", "people.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("people.csv: the kit would have 50100 pieces; letterkit makes up to 50000 in one run"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_output_never_overwrites_an_input() {
    let dir = scratch("input");
    std::fs::write(dir.join("card.toml"), "format = \"postcard-4x6\"\n").unwrap();
    let out = letterkit(&dir, &["render", "card.toml", "-o", "card.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("the output card.toml is one of the inputs; refusing to overwrite it"));
    assert_eq!(std::fs::read_to_string(dir.join("card.toml")).unwrap(), "format = \"postcard-4x6\"\n");
}

/// Copies a case of `tests/bad_inputs` into a scratch folder, to run commands that write.
fn case_copy(case: &str) -> PathBuf {
    let dir = scratch(case);
    for entry in std::fs::read_dir(bad_inputs().join(case)).unwrap().flatten() {
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    dir
}

/// `render` and `build` stop on the mail-piece and picture cases with the message `check`
/// gives (the first line of the case's `expected`), and write nothing.
#[test]
fn render_and_build_stop_where_check_finds_an_unaddressed_piece_or_a_damaged_picture() {
    let cases: &[(&str, &[&str])] = &[
        ("envelope-no-address", &["render", "design.toml", "-o", "out.pdf"]),
        ("envelope-empty-address", &["render", "design.toml", "-o", "out.pdf"]),
        ("envelope-empty-address", &["preview", "design.toml", "-o", "out.png"]),
        ("postcard-no-address", &["build", "campaign.toml", "-o", "out"]),
        ("jpeg-damaged-data", &["render", "design.toml", "-o", "out.pdf"]),
        ("png-bad-crc", &["render", "design.toml", "-o", "out.pdf"]),
        ("png-broken-zlib", &["render", "design.toml", "-o", "out.pdf"]),
    ];
    for (case, args) in cases {
        let dir = case_copy(case);
        let expected = std::fs::read_to_string(dir.join("expected")).unwrap();
        let first = expected.lines().next().unwrap();
        assert!(first.starts_with("error: "), "{case}: {first}");
        let out = letterkit(&dir, args);
        assert_eq!(out.status.code(), Some(1), "{case} {args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(first), "{case} {args:?}: expected `{first}` in:\n{}", stderr(&out));
        assert!(!dir.join(args[3]).exists(), "{case} {args:?}: nothing is written");
    }
    // A return address in the read area is a warning in `build` too (and an error only with
    // `check --strict`).
    let dir = case_copy("return-address-in-read-area");
    let out = letterkit(&dir, &["build", "campaign.toml", "-o", "kit"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = std::fs::read_to_string(dir.join("expected")).unwrap();
    assert!(stderr(&out).contains(expected.lines().next().unwrap()), "{}", stderr(&out));
}

/// A kit with one photo on many postcards decodes it once, in `build` and in `check` (which
/// builds the kit and then checks each design again), counted, not timed.
#[test]
fn a_picture_on_many_postcards_is_decoded_once() {
    let dir = scratch("decode-once");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("assets/landmark.jpg"), dir.join("photo.jpg")).unwrap();
    let postcard = std::fs::read_to_string(root.join("designs/postcard.toml"))
        .unwrap()
        .replace("src = \"landmark.jpg\"", "src = \"photo.jpg\"");
    assert!(postcard.contains("photo.jpg"));
    std::fs::write(dir.join("postcard.toml"), postcard).unwrap();
    let campaign = std::fs::read_to_string(root.join("campaigns/default.toml")).unwrap().replacen(
        "postcard = \"postcard\"",
        "postcard = \"postcard.toml\"",
        1,
    );
    std::fs::write(dir.join("campaign.toml"), campaign).unwrap();
    let mut people = String::from("name,address1,city,state,zip,letters,postcards\n");
    for i in 0..40 {
        people.push_str(&format!("Writer {i},{i} Main St,Boston,MA,02134,0,5\n"));
    }
    std::fs::write(dir.join("people.csv"), people).unwrap();
    let photo = dir.join("photo.jpg");
    let options = letterkit::kit::BuildOptions {
        campaign: Some(dir.join("campaign.toml")),
        participants: Some(dir.join("people.csv")),
        count: 1,
        split: true,
        ..letterkit::kit::BuildOptions::new(dir.join("kit"))
    };
    let mut warnings = letterkit::base::diag::Warnings::default();
    letterkit::kit::build(&options, &mut warnings).expect("the kit builds");
    assert_eq!(letterkit::input::picture::decodes(&photo), 1, "200 postcards, one decode");
    let report = letterkit::check::check_kit(
        Some(&dir.join("campaign.toml")),
        Some(&dir.join("people.csv")),
        1,
        &Default::default(),
    );
    assert_eq!(report.errors(), 0, "{:?}", report.diagnostics);
    assert_eq!(
        letterkit::input::picture::decodes(&photo),
        1,
        "check's build and design checks decode it no more"
    );
}
