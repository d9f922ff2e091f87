//! The party kit end to end: the real binary, its files, its manifest and its errors.

mod common;

use common::letterkit;

use std::path::{Path, PathBuf};
use std::process::Output;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("letterkit-kit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn pdf_pages(path: &Path) -> usize {
    letterkit::render::page_count(&std::fs::read(path).unwrap()).unwrap()
}

const PEOPLE: &str = "name,address1,address2,city,state,zip,letters\n\
Zoë O’Brien,12 Elm Street,Apt 3,Boston,MA,02134,2\n\
\"Nguyễn, Văn An\",450 Oak Avenue,,Portland,ME,04101-1234,\n\
Łukasz *Star* {x},1 Main St,,Newark,NJ,07102,3\n";

#[test]
fn no_arguments_builds_the_default_kit() {
    let dir = scratch("default");
    let out = letterkit(&dir, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("10 letters"), "{summary}");
    assert!(
        summary.contains("2021 action guide"),
        "the summary says the recipient must be checked: {summary}"
    );
    let kit = dir.join("letterkit-out");
    for file in ["letters.pdf", "envelopes.pdf", "handout.pdf", "tally-sheet.pdf", "manifest.json"] {
        assert!(kit.join(file).is_file(), "{file} missing");
    }
    assert_eq!(pdf_pages(&kit.join("letters.pdf")), 10);
    assert_eq!(pdf_pages(&kit.join("envelopes.pdf")), 10);
    assert_eq!(pdf_pages(&kit.join("handout.pdf")), 1);
    let m = manifest(&kit);
    assert_eq!(m["totals"]["letters"], 10);
    assert_eq!(m["totals"]["envelopes"], 10);
    assert_eq!(m["totals"]["participants"], 10);
    assert_eq!(m["postage"]["total_usd"], 7.8);
    assert!(!out.stderr.iter().any(|_| true), "no warnings on the default build: {}", stderr(&out));
}

#[test]
fn every_letter_gets_its_own_envelope_in_order() {
    let dir = scratch("people");
    std::fs::write(dir.join("people.csv"), PEOPLE).unwrap();
    let out = letterkit(&dir, &["build", "--participants", "people.csv", "-o", "kit", "--split"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let kit = dir.join("kit");
    let m = manifest(&kit);
    assert_eq!(m["totals"]["participants"], 3);
    assert_eq!(m["totals"]["letters"], 6);
    assert_eq!(m["totals"]["envelopes"], 6);
    let pieces = m["pieces"].as_array().unwrap();
    let expected = [
        ("Zoë O’Brien", 2),
        ("Zoë O’Brien", 2),
        ("Nguyễn, Văn An", 3),
        ("Łukasz *Star* {x}", 4),
        ("Łukasz *Star* {x}", 4),
        ("Łukasz *Star* {x}", 4),
    ];
    for (i, (piece, (name, row))) in pieces.iter().zip(expected).enumerate() {
        assert_eq!(piece["id"], format!("L-{:04}", i + 1));
        assert_eq!(piece["kind"], "letter");
        assert_eq!(piece["participant"], name);
        assert_eq!(piece["row"], row);
        assert_eq!(piece["pages"], serde_json::json!([i + 1]));
        assert_eq!(piece["size"], serde_json::json!([8.5, 11.0]));
        assert_eq!(piece["envelope"]["file"], "envelopes.pdf");
        assert_eq!(piece["envelope"]["page"], i + 1, "envelope {i} is the letter's own");
        assert_eq!(piece["envelope"]["size"], serde_json::json!([9.5, 4.125]));
    }
    assert_eq!(pdf_pages(&kit.join("envelopes.pdf")), 6);
    let split: Vec<String> = std::fs::read_dir(kit.join("participants"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(split.len(), 3);
    assert_eq!(pdf_pages(&kit.join("participants/003-łukasz-star-x.pdf")), 6, "3 letters and 3 envelopes");
}

#[test]
fn builds_are_byte_identical() {
    let dir = scratch("same");
    // Enough pieces that layout runs on several threads, with postcards whose photo every
    // thread loads: it must be embedded once, the same way, every run.
    let mut people = String::from("name,address1,city,state,zip,letters,postcards\n");
    for i in 0..300 {
        people.push_str(&format!("Writer {i},{i} Elm Street,Boston,MA,02134,1,1\n"));
    }
    std::fs::write(dir.join("people.csv"), people).unwrap();
    for out in ["a", "b"] {
        let o = letterkit(&dir, &["build", "-p", "people.csv", "-o", out]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let postcards = std::fs::read(dir.join("a/postcards.pdf")).unwrap();
    assert_eq!(count(&postcards, b"/Subtype /Image"), 1, "the postcard photo is embedded once");
    for file in
        ["letters.pdf", "envelopes.pdf", "postcards.pdf", "handout.pdf", "tally-sheet.pdf", "manifest.json"]
    {
        assert_eq!(
            std::fs::read(dir.join("a").join(file)).unwrap(),
            std::fs::read(dir.join("b").join(file)).unwrap(),
            "{file} differs"
        );
    }
}

#[test]
fn split_files_reuse_the_kits_pages_and_match_those_laid_out_alone() {
    // `--split` writes each participant's file from the pages laid out for the kit, in batches
    // of writers; with `--one-file` it lays each participant's pieces out on their own. Both
    // must give the same bytes, over several batches and with postcards N-up on sheets, and
    // the kit's own files must not change with `--split`.
    let dir = scratch("split");
    let mut people = String::from("name,address1,city,state,zip,letters,cards,postcards\n");
    for i in 0..150 {
        people.push_str(&format!(
            "Writer {i},{i} Elm Street,Boston,MA,02134,{},{},{}\n",
            1 + i % 2,
            i % 3 % 2,
            i % 2
        ));
    }
    std::fs::write(dir.join("people.csv"), people).unwrap();
    for (out, extra) in [("split", &["--split"][..]), ("alone", &["--split", "--one-file"]), ("plain", &[])] {
        let mut args = vec!["build", "-p", "people.csv", "-o", out, "--sheet", "letter"];
        args.extend(extra);
        let o = letterkit(&dir, &args);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    for i in [1, 2, 75, 150] {
        let file = format!("participants/{i:03}-writer-{}.pdf", i - 1);
        let split = std::fs::read(dir.join("split").join(&file)).unwrap();
        assert_eq!(split, std::fs::read(dir.join("alone").join(&file)).unwrap(), "{file} differs");
    }
    for file in ["letters.pdf", "envelopes.pdf", "cards.pdf", "postcards.pdf", "manifest.json"] {
        assert_eq!(
            std::fs::read(dir.join("split").join(file)).unwrap(),
            std::fs::read(dir.join("plain").join(file)).unwrap(),
            "{file} differs"
        );
    }
}

#[test]
fn bad_rows_are_errors_and_leave_the_earlier_kit_alone() {
    let dir = scratch("bad");
    std::fs::write(dir.join("people.csv"), PEOPLE).unwrap();
    assert!(letterkit(&dir, &["build", "-p", "people.csv", "-o", "kit"]).status.success());
    let before = std::fs::read(dir.join("kit/letters.pdf")).unwrap();
    std::fs::write(dir.join("bad.csv"), "name,address1,city,state,zip,letters\nAda,1 Main,Boston,MA,02134,two\n,2 Main,Boston,MA,02134,1\nBo,3 Main,Boston,MA,,1\n").unwrap();
    let out = letterkit(&dir, &["build", "-p", "bad.csv", "-o", "kit"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("error: bad.csv:2:6: column `letters`: `two` is not a whole number"), "{err}");
    assert!(err.contains("error: bad.csv:3:1: column `name`: the name is missing"), "{err}");
    assert!(err.contains("error: bad.csv:4:5: column `zip`: the ZIP code is missing"), "{err}");
    assert_eq!(std::fs::read(dir.join("kit/letters.pdf")).unwrap(), before, "the earlier kit is untouched");
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("kit"))
        .unwrap()
        .chain(std::fs::read_dir(&dir).unwrap())
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".letterkit-"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files are left behind");
}

#[test]
fn non_utf8_and_blank_lines() {
    let dir = scratch("enc");
    std::fs::write(dir.join("latin1.csv"), b"name,address1,city,state,zip\nZo\xeb,1 Main,Boston,MA,02134\n")
        .unwrap();
    let out = letterkit(&dir, &["build", "-p", "latin1.csv", "-o", "kit"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("error: latin1.csv:2:3: the file is not UTF-8 text"), "{}", stderr(&out));
    assert!(!dir.join("kit").exists());
    std::fs::write(dir.join("blank.csv"), "name,address1,city,state,zip\n\nAda,1 Main,Boston,MA,02134\n")
        .unwrap();
    let out = letterkit(&dir, &["build", "-p", "blank.csv", "-o", "kit"]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("warning: blank.csv:2:1: empty line skipped"), "{}", stderr(&out));
    assert_eq!(manifest(&dir.join("kit"))["pieces"][0]["row"], 3);
}

#[test]
fn envelopes_and_init() {
    let dir = scratch("env");
    let out = letterkit(&dir, &["envelopes", "--size", "A2", "--count", "3", "-o", "a2.pdf"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(dir.join("a2.pdf")).unwrap();
    assert_eq!(letterkit::render::page_count(&bytes).unwrap(), 3);
    let out = letterkit(&dir, &["envelopes", "--size", "A3"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unknown envelope format `A3`"), "{}", stderr(&out));

    let out = letterkit(&dir, &["init", "camp"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out =
        letterkit(&dir, &["build", "camp/campaign.toml", "-p", "camp/participants.csv", "-o", "camp/kit"]);
    assert!(out.status.success(), "the starter campaign builds as it is: {}", stderr(&out));
    assert_eq!(manifest(&dir.join("camp/kit"))["totals"]["letters"], 3);
    let again = letterkit(&dir, &["init", "camp"]);
    assert_eq!(again.status.code(), Some(1), "init never overwrites");
}

#[test]
fn typed_letters_and_a4() {
    let dir = scratch("typed");
    assert!(letterkit(&dir, &["init", "c"]).status.success());
    let campaign = std::fs::read_to_string(dir.join("c/campaign.toml")).unwrap();
    let campaign = campaign
        .replace("letter = \"handwritten-letter.toml\"", "letter = \"typed-letter.toml\"")
        .replace("paper = \"us-letter\"", "paper = \"a4\"")
        .replace("date = \"\"", "date = \"1 May 2026\"");
    std::fs::write(dir.join("c/campaign.toml"), campaign).unwrap();
    let out = letterkit(&dir, &["build", "c/campaign.toml", "-p", "c/participants.csv", "-o", "kit"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let m = manifest(&dir.join("kit"));
    assert_eq!(m["pieces"][0]["size"], serde_json::json!([8.268, 11.693]));
    assert_eq!(m["pieces"][0]["envelope"]["format"], "envelope-dl");
}

#[test]
fn cards_get_their_own_envelopes_and_postcards_none() {
    let dir = scratch("cards");
    std::fs::write(
        dir.join("mix.csv"),
        "name,address1,address2,city,state,zip,letters,cards,postcards\nZoë,1 Elm St,,Boston,MA,02134,1,2,1\nAn,2 Oak Ave,,Portland,ME,04101,0,1,3\n",
    )
    .unwrap();
    let out = letterkit(&dir, &["build", "-p", "mix.csv", "-o", "kit"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let kit = dir.join("kit");
    let m = manifest(&kit);
    assert_eq!(
        m["totals"],
        serde_json::json!({"participants": 2, "letters": 1, "cards": 3, "postcards": 4, "envelopes": 4})
    );
    let pieces = m["pieces"].as_array().unwrap();
    let ids: Vec<&str> = pieces.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["L-0001", "C-0001", "C-0002", "C-0003", "P-0001", "P-0002", "P-0003", "P-0004"]);
    for (i, card) in pieces[1..4].iter().enumerate() {
        assert_eq!(card["kind"], "card");
        assert_eq!(card["size"], serde_json::json!([4.25, 5.5]));
        assert_eq!(card["envelope"]["format"], "envelope-a2", "A2 holds 4.25 x 5.5");
        assert_eq!(card["envelope"]["page"], i + 2, "card envelopes follow the letter's");
        assert_eq!(card["pages"], serde_json::json!([i + 1]), "a quarter-fold card is one sheet");
    }
    for (i, postcard) in pieces[4..].iter().enumerate() {
        assert!(postcard.get("envelope").is_none(), "postcards are mailed bare");
        assert_eq!(postcard["pages"], serde_json::json!([2 * i + 1, 2 * i + 2]));
        assert_eq!(postcard["mail_class"], "postcard");
        assert_eq!(postcard["postage_usd"], 0.61);
    }
    assert_eq!(pdf_pages(&kit.join("cards.pdf")), 3);
    assert_eq!(pdf_pages(&kit.join("postcards.pdf")), 8);
    assert_eq!(pdf_pages(&kit.join("envelopes.pdf")), 4);
    assert_eq!(m["postage"]["total_usd"], 5.56);
}

/// A campaign's postcard of one page is a picture side, its back addressed by hand: it needs no
/// `address` element, and a caption at its foot is not in a barcode clear zone; a postcard of two
/// pages must have its address (docs/mail-rules.md 2.1).
#[test]
fn a_one_page_postcard_is_a_picture_side_and_needs_no_address() {
    let dir = scratch("picture-postcard");
    let campaign = letterkit::model::campaign::DEFAULT_CAMPAIGN.replacen(
        "postcard = \"postcard\"",
        "postcard = \"picture.toml\"",
        1,
    );
    std::fs::write(dir.join("campaign.toml"), campaign).unwrap();
    let caption = "[[element]]\nkind = \"text\"\nname = \"caption\"\ny = \"5.1in\"\nheight = \"0.3in\"\nalign = \"center\"\ntext = \"{hashtag}\"\n";
    std::fs::write(dir.join("picture.toml"), format!("size = [\"4.25in\", \"5.5in\"]\n\n{caption}")).unwrap();
    std::fs::write(
        dir.join("people.csv"),
        "name,address1,address2,city,state,zip,letters,postcards\nZoë,1 Elm St,,Boston,MA,02134,0,2\n",
    )
    .unwrap();
    let out = letterkit(&dir, &["build", "campaign.toml", "-p", "people.csv", "-o", "kit"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    assert_eq!(pdf_pages(&dir.join("kit/postcards.pdf")), 2);

    std::fs::write(
        dir.join("picture.toml"),
        format!("size = [\"6in\", \"4in\"]\npages = [\"front\", \"back\"]\n\n{caption}"),
    )
    .unwrap();
    let out = letterkit(&dir, &["build", "campaign.toml", "-p", "people.csv", "-o", "kit2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("postcard: the design picture.toml has no `address` element"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn envelope_sizes_by_their_short_names_and_large_envelopes_priced_as_flats() {
    let dir = scratch("sizes");
    for size in ["A6", "6x9", "10", "DL", "C6"] {
        let out = letterkit(&dir, &["envelopes", "--size", size, "--count", "1", "-o", "e.pdf"]);
        assert!(out.status.success(), "{size}: {}", stderr(&out));
    }
    assert!(letterkit(&dir, &["init", "c"]).status.success());
    let campaign = std::fs::read_to_string(dir.join("c/campaign.toml")).unwrap();
    let campaign = campaign
        .replace("paper = \"us-letter\"", "paper = \"a4\"")
        .replace("envelope = \"auto\"", "envelope = \"c5\"");
    std::fs::write(dir.join("c/campaign.toml"), campaign).unwrap();
    let out = letterkit(&dir, &["build", "c/campaign.toml", "-p", "c/participants.csv", "-o", "kit"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("larger than a letter"), "{}", stderr(&out));
    let m = manifest(&dir.join("kit"));
    assert_eq!(m["pieces"][0]["mail_class"], "flat");
    assert_eq!(m["pieces"][0]["postage_usd"], 1.63);
}

/// How many times `needle` occurs in `haystack`.
fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}
