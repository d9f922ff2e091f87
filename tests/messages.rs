//! Error messages for mistakes organisers make in designs: one clear message each, with a hint,
//! and no second message that follows from the first.

mod common;

use common::{TempDir, letterkit};

/// Renders `toml` as `design.toml` in a fresh folder: exit status and stderr.
fn render(name: &str, toml: &str) -> (Option<i32>, String) {
    let dir = TempDir::new(name);
    dir.write("design.toml", toml);
    let out = letterkit(dir.path(), &["render", "design.toml", "-o", "out.pdf"]);
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_backslash_in_a_double_quoted_string_gets_a_hint() {
    let (code, err) =
        render("backslash", "format = \"us-letter\"\n[[element]]\nkind = \"text\"\ntext = \"5 \\* 3\"\n");
    assert_eq!(code, Some(1));
    assert!(err.contains("hint: in a \"...\" string a backslash starts an escape"), "{err}");
}

#[test]
fn a_duplicate_key_is_named() {
    let (code, err) = render("dup", "format = \"us-letter\"\nformat = \"a4\"\n");
    assert_eq!(code, Some(1));
    assert!(err.starts_with("error: design.toml:2:1: the key `format` is given twice here"), "{err}");
}

#[test]
fn a_broken_font_file_gives_one_error() {
    let (code, err) = render(
        "font",
        "format = \"us-letter\"\n[fonts]\nhand = \"missing.ttf\"\n[[element]]\nkind = \"text\"\nfont = \"hand\"\ntext = \"Hi\"\n",
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("missing.ttf"), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "no follow-on error for the element: {err}");
}

#[test]
fn a_style_cycle_gives_one_error() {
    let (code, err) = render(
        "cycle",
        "format = \"us-letter\"\n[styles.a]\nextends = \"b\"\n[styles.b]\nextends = \"a\"\n[[element]]\nkind = \"text\"\nstyle = \"a\"\ntext = \"Hi\"\n",
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("extends itself"), "{err}");
    assert!(!err.contains("no style named"), "{err}");
}

#[test]
fn full_family_names_work_and_lengths_explain_themselves() {
    let (code, err) = render(
        "full",
        "format = \"us-letter\"\n[[element]]\nkind = \"text\"\nfont = \"Charis SIL\"\ntext = \"Hi\"\n",
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = render("exp", "format = \"us-letter\"\nmargin = \"1e2pt\"\n");
    assert_eq!(code, Some(1));
    assert!(err.contains("without an exponent"), "{err}");
    let (code, err) = render("huge", "format = \"us-letter\"\nmargin = 99999999999999999999\n");
    assert_eq!(code, Some(1));
    assert!(err.contains("a length needs a unit"), "{err}");
}

#[test]
fn a_design_reusing_a_bundled_family_name_still_falls_back() {
    let dir = TempDir::new("shadow");
    // Kaushan Script (the bundled script face) under the name `serif`: it lacks `ễ`, which must
    // still come from the bundled Charis SIL.
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fonts/kaushan-script/KaushanScript-Regular.otf");
    dir.write("k.otf", std::fs::read(script).unwrap());
    dir.write("design.toml", "format = \"us-letter\"\n[fonts]\nserif = \"k.otf\"\n[[element]]\nkind = \"text\"\ntext = \"Nguyễn\"\n");
    let out = letterkit(dir.path(), &["render", "design.toml", "-o", "out.pdf"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_font_outside_the_design_folder_gives_one_error() {
    let (code, err) = render(
        "outside",
        "format = \"us-letter\"\n[fonts]\nhand = \"../hand.ttf\"\n[[element]]\nkind = \"text\"\nfont = \"hand\"\ntext = \"Hi\"\n",
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("outside the design's folder"), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "no follow-on error for the element: {err}");
}

#[test]
fn a_when_naming_no_field_is_a_warning_with_a_suggestion() {
    let (code, err) = render(
        "when",
        "format = \"us-letter\"\n[data]\nname = \"Ada\"\n[[element]]\nkind = \"text\"\nwhen = \"nme\"\ntext = \"Hi {name}\"\n",
    );
    assert_eq!(code, Some(0));
    assert!(
        err.starts_with("warning: design.toml:4:1: text element #1: no field `nme` has a value here"),
        "{err}"
    );
    assert!(err.contains("hint: did you mean `name`?"), "{err}");
}

#[test]
fn render_and_check_refuse_a_list_of_the_wrong_length_alike() {
    for (toml, at) in [
        (
            "format = \"us-letter\"\n[[element]]\nkind = \"image\"\nsrc = \"landmark.jpg\"\nfocus = [0.1, 0.2, 0.3]\n",
            "design.toml:5:9:",
        ),
        ("size = [\"5in\", \"7in\", \"9in\"]\n", "design.toml:1:8:"),
    ] {
        let (code, err) = render("pair", toml);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains(at) && err.contains("this takes a list of 2 values"), "{err}");
        let dir = TempDir::new("pair-check");
        dir.write("design.toml", toml);
        let out = letterkit(dir.path(), &["check", "design.toml"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(at) && err.contains("this takes a list of 2 values"), "{err}");
    }
}
