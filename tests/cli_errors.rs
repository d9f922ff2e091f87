//! The `letterkit` binary on bad input: exit codes, and messages that name the file, line and
//! column, say what is wrong and how to fix it. Every design is written to a temp folder and
//! the binary runs there, so messages name files as the user typed them.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

/// What a run of the binary did.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn letterkit(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_letterkit"))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run letterkit");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every line on stderr is a message or a hint, and nothing panicked.
fn assert_well_formed(run: &Run) {
    assert!(
        !run.stderr.contains("panicked") && run.code != Some(101) && run.code.is_some(),
        "crashed: {run:#?}"
    );
    for line in run.stderr.lines() {
        assert!(
            line.starts_with("error: ") || line.starts_with("warning: ") || line.starts_with("hint: "),
            "a line that is not `error:`, `warning:` or `hint:`: {line:?}\nin:\n{}",
            run.stderr
        );
    }
}

/// Renders `toml` (as design.toml) to out.pdf.
fn render(dir: &TempDir, toml: impl AsRef<[u8]>) -> Run {
    dir.write("design.toml", toml);
    let run = letterkit(dir.path(), &["render", "design.toml", "-o", "out.pdf"]);
    assert_well_formed(&run);
    run
}

/// Renders `toml` and expects failure with exactly `stderr` and no output file.
fn fails_with(toml: &str, stderr: &str) {
    let dir = TempDir::new("cli");
    let run = render(&dir, toml);
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert_eq!(run.stderr.trim_end(), stderr, "for design:\n{toml}");
    assert_eq!(run.stdout, "");
    assert_eq!(dir.file_names(), ["design.toml"], "nothing is written");
}

/// Renders `toml` and expects success.
fn succeeds(dir: &TempDir, toml: &str) -> Run {
    let run = render(dir, toml);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stdout.starts_with("wrote out.pdf ("), "{run:#?}");
    run
}

const LONG_MESSAGE: &str = "We ask you to free people from immigration detention and to reunite \
                            families who have been separated.";

fn fit_design(extra: &str) -> String {
    format!(
        "format = \"postcard-4x6\"\n\n[[element]]\nkind = \"text\"\nname = \"message\"\nx = \"0.5in\"\n\
         y = \"0.5in\"\nwidth = \"2in\"\nheight = \"0.5in\"\n{extra}text = \"{LONG_MESSAGE}\"\n"
    )
}

#[test]
fn unknown_key_gets_nearest_key_and_position() {
    fails_with(
        "format = \"us-letter\"\n\n[[element]]\nkind = \"rect\"\nheigth = \"2in\"\n",
        "error: design.toml:5:1: unknown key `heigth`\nhint: did you mean `height`?",
    );
    fails_with(
        "title = \"Letter\"\nfromat = \"us-letter\"\n",
        "error: design.toml:2:1: unknown key `fromat`\nhint: did you mean `format`?",
    );
    fails_with(
        "format = \"us-letter\"\n\n[styles.body]\nsize = \"11pt\"\n  colour = \"black\"\n",
        "error: design.toml:5:3: unknown key `colour`\nhint: did you mean `color`?",
    );
    // Nothing close: the hint lists the keys instead.
    let dir = TempDir::new("cli");
    let run = render(&dir, "format = \"us-letter\"\nzzzzzzzz = 1\n");
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.starts_with("error: design.toml:2:1: unknown key `zzzzzzzz`\nhint: the keys here are: ")
    );
    assert!(run.stderr.contains("format"), "{}", run.stderr);
}

#[test]
fn unknown_key_widht_suggests_width() {
    fails_with(
        "format = \"us-letter\"\n\n[[element]]\nkind = \"text\"\nwidht = \"2in\"\ntext = \"Hi\"\n",
        "error: design.toml:5:1: unknown key `widht`\nhint: did you mean `width`?",
    );
}

#[test]
fn unknown_format_gets_a_suggestion() {
    let dir = TempDir::new("cli");
    let run = render(&dir, "title = \"Card\"\nformat = \"postcard-4x7\"\n");
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.starts_with("error: design.toml"), "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(lines[0].ends_with(": unknown page format `postcard-4x7`"), "{}", run.stderr);
    assert_eq!(
        &lines[1..],
        ["hint: did you mean `postcard-4x6`?", "hint: `letterkit layouts` lists the built-in formats"]
    );
    // An alias in another case still works; a name far from all gets only the list hint.
    // (An envelope is addressed, or render stops: mail.no-address.)
    succeeds(&dir, "format = \"#10\"\n\n[[element]]\nkind = \"address\"\ntext = \"WASHINGTON DC 20528\"\n");
    let run = render(&dir, "format = \"tabloid\"\n");
    assert_eq!(
        run.stderr.lines().skip(1).collect::<Vec<_>>(),
        ["hint: `letterkit layouts` lists the built-in formats"]
    );
}

#[test]
fn unknown_format_names_its_line_and_column() {
    fails_with(
        "title = \"Card\"\nformat = \"postcard-4x7\"\n",
        "error: design.toml:2:10: unknown page format `postcard-4x7`\nhint: did you mean `postcard-4x6`?\n\
         hint: `letterkit layouts` lists the built-in formats",
    );
}

#[test]
fn lengths_need_units() {
    fails_with(
        "format = \"us-letter\"\nmargin = \"12\"\n",
        "error: design.toml:2:10: `12` has no unit; write `12pt`, `12in`, `12mm` or `12%`",
    );
    fails_with(
        "format = \"us-letter\"\n[[element]]\nkind = \"rect\"\nx = 12\n",
        "error: design.toml:4:5: a length needs a unit in quotes, like \"12pt\" or \"12in\"",
    );
    fails_with(
        "format = \"us-letter\"\n[[element]]\nkind = \"rect\"\nwidth = \"3 furlongs\"\n",
        "error: design.toml:4:9: unknown unit `furlongs` in `3 furlongs`; use pt, in, mm, cm or %",
    );
}

#[test]
fn unknown_element_kind() {
    fails_with(
        "format = \"us-letter\"\n\n[[element]]\nkind = \"txt\"\ntext = \"Hi\"\n",
        "error: design.toml:4:8: unknown value `txt`\nhint: did you mean `text`?",
    );
    fails_with(
        "format = \"us-letter\"\n[[element]]\nkind = \"circle\"\n",
        "error: design.toml:3:8: unknown value `circle`\nhint: use one of: text, address, image, rect, ellipse, line, lines",
    );
    fails_with(
        "format = \"us-letter\"\n[[element]]\ntext = \"x\"\n",
        "error: design.toml:2:1: missing field `kind`",
    );
}

#[test]
fn key_that_does_not_apply_to_the_kind() {
    fails_with(
        "format = \"us-letter\"\n\n[[element]]\nkind = \"rect\"\ntext = \"Hi\"\n",
        "error: design.toml:3:1: rect element #1: `text` does not apply to a rect element (only to text, address)",
    );
    fails_with(
        "format = \"us-letter\"\n[[element]]\nkind = \"text\"\nname = \"greeting\"\ntext = \"Hi\"\nfill = \"red\"\n",
        "error: design.toml:2:1: text element `greeting`: `fill` does not apply to a text element (only to rect, ellipse, line)",
    );
}

#[test]
fn text_that_does_not_fit_names_the_element_and_suggests_shrink_to() {
    let dir = TempDir::new("cli");
    let run = render(&dir, fit_design(""));
    assert_eq!(run.code, Some(1), "{run:#?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert!(
        lines[0]
            .starts_with("error: design.toml:3:1: text element `message`: the text does not fit its box: "),
        "{}",
        run.stderr
    );
    assert!(lines[0].contains("the box is 36.0pt high"), "{}", run.stderr);
    assert!(lines[1].starts_with("hint: ") && lines[1].contains("shrink_to"), "{}", run.stderr);
    assert!(!dir.path().join("out.pdf").exists());

    // Allowed to shrink, it fits.
    succeeds(&dir, &fit_design("shrink_to = \"5pt\"\n"));
    let doc = PdfDoc::parse(&std::fs::read(dir.path().join("out.pdf")).expect("out.pdf"));
    let text: Vec<String> = doc.texts().concat();
    assert_eq!(text.join(" "), LONG_MESSAGE);
    assert!(doc.pages[0].lines.iter().all(|l| l.size < 11.0 && l.size >= 5.0), "{:?}", doc.pages[0].lines);

    // Not allowed to shrink far enough: the hint says so.
    let run = render(&dir, fit_design("shrink_to = \"10pt\"\n"));
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("text element `message`: the text does not fit its box"));
    assert!(run.stderr.contains("hint: even at the smallest size allowed (10pt)"), "{}", run.stderr);
}

#[test]
fn missing_glyph_names_the_character_and_code_point() {
    // Without the installed fonts, so the result is the same on every computer (tests/fonts.rs
    // has the search through them).
    let dir = TempDir::new("cli");
    dir.write(
        "design.toml",
        "format = \"us-letter\"\n\n[[element]]\nkind = \"text\"\nname = \"greeting\"\ntext = \"Hello 中 world\"\n",
    );
    let run = letterkit(dir.path(), &["render", "design.toml", "-o", "out.pdf", "--ignore-system-fonts"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr.trim_end(),
        "error: design.toml:3:1: text element `greeting`: no font has the character `中` (U+4E2D) in \"Hello 中 world\"; \
         the text's font is `serif`, and letterkit looked in the bundled fonts\n\
         hint: install a font with Chinese characters, such as Noto Sans CJK (Debian: fonts-noto-cjk) \
         (--ignore-system-fonts leaves the installed fonts out), or give letterkit a font file that has it: \
         under [fonts], or in a folder named with --font-path DIR; or leave the character out"
    );
    assert_eq!(dir.file_names(), ["design.toml"], "nothing is written");
    // The same from a placeholder's value.
    let dir = TempDir::new("cli");
    dir.write("design.toml", "format = \"us-letter\"\n[[element]]\nkind = \"text\"\ntext = \"{name}\"\n");
    let run = letterkit(
        dir.path(),
        &["render", "design.toml", "--set", "name=שלום", "-o", "out.pdf", "--ignore-system-fonts"],
    );
    assert_well_formed(&run);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("`ש` (U+05E9)"), "{}", run.stderr);
}

#[test]
fn unknown_placeholder_gets_a_hint() {
    fails_with(
        "format = \"us-letter\"\n\n[data]\nname = \"Zoë\"\n\n[[element]]\nkind = \"text\"\ntext = \"Dear {nmae}\"\n",
        "error: design.toml:6:1: text element #1: no value for the placeholder `{nmae}`\nhint: did you mean `{name}`?",
    );
    // Fields a kit fills ({name}, {recipient}...) have sample values here (tests/preview.rs);
    // the hint lists them with the design's own.
    fails_with(
        "format = \"us-letter\"\n[data]\ncity = \"Boston\"\nzip = \"02134\"\n[[element]]\nkind = \"text\"\ntext = \"{favourite_colour}\"\n",
        "error: design.toml:5:1: text element #1: no value for the placeholder `{favourite_colour}`\n\
         hint: the fields with values are: address1, address2, body, campaign, caption, city, city_line, country, date, delivery_address, hashtag, hashtags, label.*, language, mentions, name, number, piece, prompt_1, prompt_2, recipient, recipient_name, return_address, salutation, sign_off, state, zip",
    );
    // A value given with --set fills it.
    let dir = TempDir::new("cli");
    dir.write(
        "design.toml",
        "format = \"us-letter\"\n[[element]]\nkind = \"text\"\ntext = \"Dear {name}\"\n",
    );
    let run = letterkit(dir.path(), &["render", "design.toml", "--set", "name=Zoë", "-o", "out.pdf"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    let doc = PdfDoc::parse(&std::fs::read(dir.path().join("out.pdf")).expect("out.pdf"));
    assert_eq!(doc.texts(), [vec!["Dear Zoë"]]);
    // Values are literal text: no markup, no placeholders, leading zeros kept.
    let run = letterkit(
        dir.path(),
        &["render", "design.toml", "--set", "name=**Zoë** {zip} 02134", "-o", "out.pdf"],
    );
    assert_eq!(run.code, Some(0), "{run:#?}");
    let doc = PdfDoc::parse(&std::fs::read(dir.path().join("out.pdf")).expect("out.pdf"));
    assert_eq!(doc.texts(), [vec!["Dear **Zoë** {zip} 02134"]]);
}

#[test]
fn missing_image_names_the_file() {
    let dir = TempDir::new("cli");
    let run = render(
        &dir,
        "format = \"us-letter\"\n\n[[element]]\nkind = \"image\"\nname = \"photo\"\nsrc = \"pictures/missing.jpg\"\n",
    );
    assert_eq!(run.code, Some(1));
    let first = run.stderr.lines().next().unwrap_or("");
    assert!(first.starts_with("error: design.toml:3:1: image element `photo`"), "{}", run.stderr);
    assert!(first.contains("pictures/missing.jpg") && first.contains("no such file"), "{}", run.stderr);
    assert_eq!(dir.file_names(), ["design.toml"]);

    // A file that is not a picture.
    dir.write("notes.jpg", "these are notes");
    let run = render(&dir, "format = \"us-letter\"\n[[element]]\nkind = \"image\"\nsrc = \"notes.jpg\"\n");
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("notes.jpg is not a JPEG or PNG image\nhint: save the picture as .jpg or .png")
    );
}

#[test]
fn image_messages_do_not_repeat_the_line() {
    let dir = TempDir::new("cli");
    let run = render(
        &dir,
        "format = \"us-letter\"\n\n[[element]]\nkind = \"image\"\nname = \"photo\"\nsrc = \"missing.jpg\"\n",
    );
    assert!(!run.stderr.contains("(line 3)"), "{}", run.stderr);
    dir.write("small.png", png_rgb(20, 20));
    let run = render(&dir, "format = \"us-letter\"\n[[element]]\nkind = \"image\"\nsrc = \"small.png\"\n");
    assert!(run.stderr.starts_with("warning: design.toml:2:1: "), "{}", run.stderr);
    assert!(!run.stderr.contains("(line 2)"), "{}", run.stderr);
}

#[test]
fn damaged_pictures_are_named_in_one_message() {
    let dir = TempDir::new("cli");
    let png = png_rgb(16, 16);
    dir.write("cut.png", &png[..60]);
    dir.write("cut.jpg", &jpeg_grey(2, 2)[..30]);
    for name in ["cut.png", "cut.jpg"] {
        let run = render(
            &dir,
            format!("format = \"us-letter\"\n[[element]]\nkind = \"image\"\nsrc = \"{name}\"\n"),
        );
        assert_eq!(run.code, Some(1));
        let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error: ")).collect();
        assert_eq!(errors.len(), 1, "{}", run.stderr);
        assert!(
            errors[0].starts_with("error: design.toml:2:1: ") && errors[0].contains(name),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn picture_bombs_are_refused_before_decoding() {
    let dir = TempDir::new("cli");
    let mut png = png_rgb(1, 1);
    // Rewrite the IHDR's width and height (and its CRC) to 100000 x 100000.
    png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    dir.write("bomb.png", png);
    let run = render(&dir, "format = \"us-letter\"\n[[element]]\nkind = \"image\"\nsrc = \"bomb.png\"\n");
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert!(run.stderr.contains("150 megapixels"), "{}", run.stderr);
}

#[test]
fn file_that_is_not_utf8() {
    fails_with_bytes(
        b"title = \"caf\xe9\"\nformat = \"us-letter\"\n",
        "error: design.toml:1:13: the file is not UTF-8 text\n\
         hint: save it as UTF-8 (in a spreadsheet: \"CSV UTF-8\"; in an editor: encoding UTF-8)",
    );
    // UTF-16 (what some editors save as "Unicode").
    let utf16: Vec<u8> =
        "\u{feff}format = \"us-letter\"\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let dir = TempDir::new("cli");
    let run = render(&dir, utf16);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.starts_with("error: design.toml:1:1: the file is not UTF-8 text"), "{}", run.stderr);
}

fn fails_with_bytes(bytes: &[u8], stderr: &str) {
    let dir = TempDir::new("cli");
    let run = render(&dir, bytes);
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert_eq!(run.stderr.trim_end(), stderr);
    assert_eq!(dir.file_names(), ["design.toml"]);
}

#[test]
fn design_file_that_does_not_exist() {
    let dir = TempDir::new("cli");
    let run = letterkit(dir.path(), &["render", "nope.toml", "-o", "out.pdf"]);
    assert_well_formed(&run);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stderr.trim_end(), "error: cannot read nope.toml: no such file or folder");
    let run = letterkit(dir.path(), &["preview", "nope.toml", "-o", "out.png"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stderr.trim_end(), "error: cannot read nope.toml: no such file or folder");
    assert!(dir.file_names().is_empty());
}

#[test]
fn usage_errors_exit_2() {
    let dir = TempDir::new("cli");
    dir.write("design.toml", "format = \"us-letter\"\n");
    for args in [
        &["render"][..],
        &["render", "design.toml", "--bogus"][..],
        &["frobnicate"][..],
        &["preview", "design.toml", "--dpi", "abc"][..],
        &["preview", "design.toml", "--page", "-1"][..],
        &["render", "design.toml", "-o"][..],
        // --count is for unnamed kits; with a participants list it would be ignored.
        &["build", "--participants", "people.csv", "--count", "3"][..],
    ] {
        let run = letterkit(dir.path(), args);
        assert_eq!(run.code, Some(2), "{args:?}: {run:#?}");
        assert!(run.stderr.contains("Usage:") || run.stderr.contains("--help"), "{args:?}: {run:#?}");
        assert!(run.stderr.starts_with("error: "), "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "");
    }
    assert_eq!(dir.file_names(), ["design.toml"]);
    // Errors in values the program checks itself are errors (1), not usage (2).
    for (args, message) in [
        (&["render", "design.toml", "--set", "name"][..], "error: --set name: write it as field=value"),
        (&["preview", "design.toml", "--dpi", "5"][..], "error: --dpi 5 is out of range; use 10 to 1200"),
        (&["preview", "design.toml", "--page", "0"][..], "error: pages are numbered from 1"),
    ] {
        let run = letterkit(dir.path(), args);
        assert_well_formed(&run);
        assert_eq!((run.code, run.stderr.trim_end()), (Some(1), message), "{args:?}");
    }
}

#[test]
fn success_exits_0_and_says_what_it_wrote() {
    let dir = TempDir::new("cli");
    let run = succeeds(&dir, "format = \"us-letter\"\n[[element]]\nkind = \"text\"\ntext = \"Hello\"\n");
    assert_eq!(run.stdout, "wrote out.pdf (1 page)\n");
    assert_eq!(run.stderr, "");
    assert!(std::fs::read(dir.path().join("out.pdf")).expect("out.pdf").starts_with(b"%PDF-"));

    let run = succeeds(&dir, "format = \"postcard-4x6\"\npages = [\"front\", \"back\"]\n");
    assert_eq!(run.stdout, "wrote out.pdf (2 pages)\n");

    // Without -o: the design's name with .pdf; into a folder that does not exist yet.
    let run = letterkit(dir.path(), &["render", "design.toml"]);
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), "wrote design.pdf (2 pages)\n"));
    let run = letterkit(dir.path(), &["render", "design.toml", "-o", "new/folder/card.pdf"]);
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(dir.path().join("new/folder/card.pdf").exists());

    // A preview, and the listing commands.
    let run = letterkit(dir.path(), &["preview", "design.toml", "-o", "front.png", "--dpi", "20"]);
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), "wrote front.png (page 1 of 2, 20 dpi)\n"));
    assert!(std::fs::read(dir.path().join("front.png")).expect("png").starts_with(b"\x89PNG"));
    let run = letterkit(dir.path(), &["layouts"]);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout.contains("postcard-4x6") && run.stdout.contains("envelope-10"));
    let run = letterkit(dir.path(), &["fonts"]);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout.contains("Charis SIL"));
    assert!(dir.file_names().iter().all(|n| !n.contains(".letterkit-")));
}

#[test]
fn warnings_do_not_stop_the_render() {
    let dir = TempDir::new("cli");
    dir.write("small.png", png_rgb(20, 20));
    let run = render(&dir, "format = \"us-letter\"\n[[element]]\nkind = \"image\"\nsrc = \"small.png\"\n");
    assert_eq!(run.code, Some(0), "{run:#?}");
    assert!(run.stderr.starts_with("warning: design.toml:2:1: "), "{}", run.stderr);
    assert!(run.stderr.contains("small.png prints at") && run.stderr.contains("dpi"), "{}", run.stderr);
    assert_eq!(run.stdout, "wrote out.pdf (1 page)\n");
}

#[test]
fn failed_render_leaves_existing_output_untouched() {
    let dir = TempDir::new("cli");
    dir.write("out.pdf", "the letter from yesterday");
    for bad in [
        "format = \"us-leter\"\n".to_string(),
        fit_design(""),
        "format = \"us-letter\"\n[[element]]\nkind = \"image\"\nsrc = \"missing.png\"\n".to_string(),
    ] {
        let run = render(&dir, &bad);
        assert_eq!(run.code, Some(1), "{run:#?}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("out.pdf")).expect("out.pdf"),
            "the letter from yesterday"
        );
        assert_eq!(dir.file_names(), ["design.toml", "out.pdf"], "no temp files left behind");
    }
    // Refusing to write over the design itself.
    let run = letterkit(dir.path(), &["render", "design.toml", "-o", "design.toml"]);
    assert_well_formed(&run);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr.trim_end(),
        "error: the output design.toml is one of the inputs; refusing to overwrite it\n\
         hint: choose another output name with -o"
    );
    assert_eq!(dir.file_names(), ["design.toml", "out.pdf"]);
}

#[test]
fn failed_commit_leaves_no_temp_files() {
    let dir = TempDir::new("cli");
    std::fs::create_dir(dir.path().join("outdir")).expect("mkdir");
    dir.write("design.toml", "format = \"us-letter\"\n");
    let run = letterkit(dir.path(), &["render", "design.toml", "-o", "outdir"]);
    assert_well_formed(&run);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.starts_with("error: ") && run.stderr.contains("outdir"), "{}", run.stderr);
    assert_eq!(dir.file_names(), ["design.toml", "outdir"], "temp files left behind");
}

#[test]
fn pdf_a_renders() {
    let dir = TempDir::new("cli");
    dir.write("design.toml", std::fs::read(fixture("letter.toml")).expect("fixture"));
    let run = letterkit(dir.path(), &["render", "design.toml", "-o", "out.pdf", "--pdf-a"]);
    assert_well_formed(&run);
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), "wrote out.pdf (1 page)\n"), "{run:#?}");
    assert!(contains_bytes(&std::fs::read(dir.path().join("out.pdf")).expect("out.pdf"), b"pdfaid:part"));
}

/// Odd inputs: each must end in a clean error (or a PDF), never a panic.
#[test]
fn no_panics_on_odd_inputs() {
    let dir = TempDir::new("cli");
    dir.write("empty.png", "");
    let mut garbage = Vec::new();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        garbage.push((x >> 24) as u8);
    }
    let el = |body: &str| format!("format = \"us-letter\"\n[[element]]\n{body}\n");
    let cases: Vec<Vec<u8>> = [
        String::new(),
        "\u{feff}".into(),
        "\n\n   \n".into(),
        "format = ".into(),
        "[[element]]\n".into(),
        "format = \"us-letter\"\nelement = 5\n".into(),
        "format = \"us-letter\"\nformat = \"a4\"\n".into(),
        "format = 12\n".into(),
        "size = [\"0in\", \"0in\"]\n".into(),
        "size = [\"-5in\", \"7in\"]\n".into(),
        "size = [\"5in\"]\n".into(),
        "size = [\"50%\", \"5in\"]\n".into(),
        "size = [\"201in\", \"5in\"]\n".into(),
        "size = [\"1e39in\", \"5in\"]\n".into(),
        "size = [\"99999999999999999999999999999999999999999in\", \"5in\"]\n".into(),
        "size = [\"5in\", \"7in\"]\nformat = \"a4\"\n".into(),
        "format = \"us-letter\"\nmargin = \"5in\"\n".into(),
        "format = \"us-letter\"\nmargin = \"-1in\"\n".into(),
        el("kind = \"rect\"\nx = 99999999999999999999999999"),
        el("kind = \"rect\"\nwidth = \"-2in\""),
        el("kind = \"rect\"\nwidth = \"0pt\""),
        el("kind = \"rect\"\nradius = \"-5in\""),
        el("kind = \"rect\"\nx = \"1000in\"\ny = \"-1000in\""),
        el("kind = \"text\"\ntext = \"\""),
        el("kind = \"text\"\ntext = \"\\n\\n  \\n\""),
        el("kind = \"text\"\ntext = \"a { b\""),
        el("kind = \"text\"\ntext = \"{}\""),
        el("kind = \"text\"\ntext = \"**bold\""),
        el("kind = \"text\"\ntext = \"x\\\\\""),
        el("kind = \"text\"\ntext = \"a\\u0000b\\u0007c\""),
        el("kind = \"text\"\ntext = \"😀\""),
        el("kind = \"text\"\ntext = \"x\"\nsize = \"0pt\""),
        el("kind = \"text\"\ntext = \"x\"\nsize = \"-11pt\""),
        el("kind = \"text\"\ntext = \"x\"\nsize = \"5000pt\""),
        el("kind = \"text\"\ntext = \"x\"\nsize = \"50%\""),
        el("kind = \"text\"\ntext = \"x\"\nleading = \"-5pt\""),
        el("kind = \"text\"\ntext = \"x\"\nshrink_to = \"-1pt\""),
        el("kind = \"text\"\ntext = \"Supercalifragilistic\"\nwidth = \"0.001pt\""),
        el("kind = \"text\"\ntext = \"Free them all, now and forever\"\nsize = \"1000pt\"\nshrink_to = \"0.5pt\"\nheight = \"1in\""),
        el("kind = \"text\"\ntext = \"x\"\nheight = \"-1pt\""),
        el("kind = \"text\"\ntext = \"x\"\npage = \"nope\""),
        el("kind = \"text\"\ntext = \"x\"\nstyle = \"nope\""),
        el("kind = \"text\"\ntext = \"x\"\ncolor = \"#12345g\""),
        el("kind = \"text\"\ntext = \"x\"\ncolor = \"cmyk(0, 0, 0, 200)\""),
        el("kind = \"line\""),
        el("kind = \"line\"\nx2 = \"100%\"\ny2 = \"-100%\""),
        el("kind = \"lines\"\nspacing = \"0pt\""),
        el("kind = \"lines\"\nspacing = \"-1in\""),
        el("kind = \"image\""),
        el("kind = \"image\"\nsrc = \"empty.png\""),
        el("kind = \"image\"\nsrc = \".\""),
        el("kind = \"image\"\nsrc = \"empty.png\"\nfocus = [nan, 0.5]"),
        el("kind = \"image\"\nsrc = \"empty.png\"\nfocus = [2, 2, 2]"),
        el("kind = 5"),
        "format = \"us-letter\"\n[styles.a]\nextends = \"b\"\n[styles.b]\nextends = \"a\"\n".into(),
        "format = \"us-letter\"\n[fonts]\nhand = \"nofont.ttf\"\n".into(),
        "format = \"us-letter\"\n[fonts]\nhand = \"design.toml\"\n".into(),
        "format = \"us-letter\"\ncontinuation_header = \"{\"\n".into(),
        format!("a = {}{}\n", "[".repeat(5000), "]".repeat(5000)),
    ]
    .into_iter()
    .map(String::into_bytes)
    .chain([garbage, b"\xff\xfe\x00\x00".to_vec(), b"format = \"us-letter\"\x00\n".to_vec()])
    .collect();
    for case in cases {
        let run = render(&dir, &case);
        assert!(
            matches!(run.code, Some(0 | 1)),
            "exit {:?} for {:?}:\n{}",
            run.code,
            String::from_utf8_lossy(&case),
            run.stderr
        );
        if run.code == Some(1) {
            assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
        }
        let _ = std::fs::remove_file(dir.path().join("out.pdf"));
        assert!(
            dir.file_names().iter().all(|n| !n.contains(".letterkit-")),
            "temp file left by {:?}",
            String::from_utf8_lossy(&case)
        );
    }
}

#[test]
fn negative_stroke_width_is_an_error() {
    let dir = TempDir::new("cli");
    for (kind, extra) in [
        ("rect", "stroke = \"black\"\n"),
        ("ellipse", ""),
        ("lines", ""),
        ("line", "x2 = \"1in\"\ny2 = \"1in\"\n"),
    ] {
        let run = render(
            &dir,
            format!(
                "format = \"us-letter\"\n[[element]]\nkind = \"{kind}\"\n{extra}stroke_width = \"-1pt\"\n"
            ),
        );
        assert_eq!(run.code, Some(1), "{kind}: {run:#?}");
        assert!(run.stderr.contains("stroke_width"), "{}", run.stderr);
    }
}

#[test]
fn bleed_must_be_sensible() {
    for bleed in ["-1in", "1000in"] {
        let dir = TempDir::new("cli");
        let run = render(&dir, format!("format = \"us-letter\"\nbleed = \"{bleed}\"\n"));
        assert_eq!(run.code, Some(1), "bleed {bleed}: {run:#?}");
        assert!(
            run.stderr.starts_with("error: design.toml") && run.stderr.contains("bleed"),
            "{}",
            run.stderr
        );
    }
}
