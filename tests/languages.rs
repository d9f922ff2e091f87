//! Kits in the writers' languages: every printed label from the translation tables, per-row
//! languages, the PDFs' /Lang, an organiser's own language file and its checks.

mod common;

use std::path::Path;

use common::{PdfDoc, TempDir, contains_bytes, letterkit};
use letterkit::input::confine::Sandbox;
use letterkit::model::campaign::DEFAULT_CAMPAIGN;
use letterkit::model::labels::{self, ENGLISH, Labels};

/// Labels the kits of these tests do not print: the `{number}` field (no built-in design
/// uses it), the handout's text for a campaign without hashtags, and its sign-in caption
/// (only `serve --lan` prints it).
const NOT_PRINTED: &[&str] = &["number", "handout_no_hashtag", "handout_sign_in"];

fn spanish() -> Labels {
    labels::find("es", None, &Sandbox::default()).unwrap().expect("Spanish ships")
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The built-in campaign with `language` set to `tag` and one letter, card and postcard each.
fn campaign(tag: &str) -> String {
    DEFAULT_CAMPAIGN
        .replacen("language = \"en\"", &format!("language = \"{tag}\""), 1)
        .replacen("cards = 0", "cards = 1", 1)
        .replacen("postcards = 0", "postcards = 1", 1)
}

/// A PDF's text in reading order: pdftotext's when it is installed (it reads the handout's
/// two columns one after the other), else this crate's reader's, its lines taken column by
/// column (by their left edge, then top to bottom).
fn pdf_text(path: &Path) -> String {
    if let Ok(out) = std::process::Command::new("pdftotext").arg(path).arg("-").output()
        && out.status.success()
    {
        return String::from_utf8_lossy(&out.stdout).into_owned();
    }
    let doc = PdfDoc::parse(&std::fs::read(path).unwrap());
    let mut text = String::new();
    for page in &doc.pages {
        let mut lines: Vec<_> = page.lines.iter().collect();
        lines.sort_by(|a, b| (a.x.round() as i32, a.y).partial_cmp(&(b.x.round() as i32, b.y)).unwrap());
        for line in lines {
            text.push_str(&line.text);
            text.push('\n');
        }
    }
    text
}

/// Every PDF's text in `folder`, its lines joined by spaces.
fn kit_text(folder: &Path) -> String {
    let mut names: Vec<_> = std::fs::read_dir(folder).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let texts: Vec<String> =
        names.iter().filter(|p| p.extension().is_some_and(|e| e == "pdf")).map(|p| pdf_text(p)).collect();
    collapse(&texts.join(" "))
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The literal parts of a label: its text without `{placeholders}`, by line.
fn pieces(label: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in label.split('\n') {
        let mut rest = line;
        while let Some(open) = rest.find('{') {
            out.push(rest[..open].trim().to_string());
            rest = rest[open..].split_once('}').map_or("", |(_, r)| r);
        }
        out.push(rest.trim().to_string());
    }
    out.retain(|p| !p.is_empty());
    out
}

/// Whether `word` is in `text` as a whole (not inside a longer word such as a hashtag).
fn has_whole(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

const PEOPLE: &str = "name,address1,address2,city,state,zip\n\
Ana Lima,12 Elm Street,Apt 3,Boston,MA,02134\n\
José García,450 Oak Avenue,,Portland,ME,04101\n";

#[test]
fn a_spanish_kit_prints_every_label_in_spanish_and_no_english_one() {
    let dir = TempDir::new("lang-es");
    dir.write("campaign.toml", campaign("es"));
    dir.write("people.csv", PEOPLE);
    // Without a list, the pieces leave lines to write the return address ("From:"); with one,
    // the tally sheet counts what each person plans.
    for args in [
        &["build", "campaign.toml", "--count", "1", "-o", "blank"][..],
        &["build", "campaign.toml", "-p", "people.csv", "-o", "named"],
    ] {
        let out = letterkit(dir.path(), args);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let text = format!("{} {}", kit_text(&dir.path().join("blank")), kit_text(&dir.path().join("named")));
    let (english, spanish) = (Labels::english(), spanish());
    let mut checked = 0;
    for key in english.keys().filter(|k| !NOT_PRINTED.contains(k)) {
        for piece in pieces(spanish.get(key)) {
            assert!(text.contains(&piece), "label `{key}`: {piece:?} is not in the Spanish kit:\n{text}");
        }
        if english.get(key) != spanish.get(key) {
            for piece in pieces(english.get(key)).iter().filter(|p| p.chars().count() > 2) {
                assert!(!has_whole(&text, piece), "label `{key}`: English {piece:?} is in the Spanish kit");
            }
        }
        checked += 1;
    }
    assert!(checked > 30, "{checked} labels");
    // The delivery address stays in the Postal Service's form.
    assert!(text.contains("WASHINGTON DC 20528"));
    // The campaign's Spanish text: salutation, sign-off and talking points.
    for spanish_text in
        ["Estimado Secretario Mayorkas:", "Atentamente,", "Es hora de recuperar nuestra humanidad"]
    {
        assert!(text.contains(spanish_text), "{spanish_text}");
    }
    for file in
        ["letters.pdf", "cards.pdf", "postcards.pdf", "envelopes.pdf", "handout.pdf", "tally-sheet.pdf"]
    {
        let bytes = std::fs::read(dir.path().join("named").join(file)).unwrap();
        assert!(contains_bytes(&bytes, b"/Lang (es)"), "{file} has /Lang (es)");
        assert!(!contains_bytes(&bytes, b"/Lang (en"), "{file}");
    }
    // A kit that prints an unofficial translation says so once.
    let out = letterkit(dir.path(), &["build", "campaign.toml", "-p", "people.csv", "-o", "again"]);
    let warnings = stderr(&out);
    assert_eq!(warnings.matches("unofficial translation").count(), 1, "{warnings}");
    assert!(
        warnings.contains("the kit prints the unofficial translation `es`: review its talking points, salutation and sign-off before printing"),
        "{warnings}"
    );
}

#[test]
fn a_mixed_list_prints_each_row_in_its_own_language() {
    let dir = TempDir::new("lang-mixed");
    dir.write("campaign.toml", campaign("en"));
    dir.write(
        "people.csv",
        "name,address1,address2,city,state,zip,language\n\
         Ana Lima,12 Elm Street,Apt 3,Boston,MA,02134,\n\
         José García,450 Oak Avenue,,Portland,ME,04101,es-MX\n",
    );
    let out = letterkit(dir.path(), &["build", "campaign.toml", "-p", "people.csv", "-o", "kit", "--split"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let kit = dir.path().join("kit");
    let read = |name: &str| PdfDoc::parse(&std::fs::read(kit.join(name)).unwrap());
    let page_text = |doc: &PdfDoc, page: usize| collapse(&doc.texts()[page].join(" "));
    for (file, english, spanish) in [
        ("letters.pdf", "Ideas to write about", "Ideas para escribir"),
        ("cards.pdf", "Made at a letter-writing party", "Hecha en una reunión para escribir cartas"),
        ("postcards.pdf", "Why does this matter to you?", "¿Por qué es importante esto para usted?"),
        ("envelopes.pdf", "PLACE STAMP HERE", "COLOQUE EL SELLO AQUÍ"),
    ] {
        // Ana's pieces come first, then José's: as many of his as of hers. Envelopes go by
        // letters first (L-0001 is Ana's, L-0002 José's), and the stamp box's lines stand
        // between the return address's: look for its words.
        let doc = read(file);
        let half = if file == "envelopes.pdf" { 1 } else { doc.pages.len() / 2 };
        let has = |text: &str, label: &str| label.split(' ').all(|w| text.contains(w));
        let (first, last) = (
            (0..half).map(|p| page_text(&doc, p)).collect::<Vec<_>>().join(" "),
            (half..2 * half).map(|p| page_text(&doc, p)).collect::<Vec<_>>().join(" "),
        );
        assert!(has(&first, english) && !has(&first, spanish), "{file}, Ana's: {first}");
        assert!(has(&last, spanish) && !has(&last, english), "{file}, José's: {last}");
    }
    // Ana's letter closes in English, José's in Spanish.
    let letters = read("letters.pdf");
    assert!(page_text(&letters, 0).contains("Dear Secretary Mayorkas, "));
    assert!(page_text(&letters, 1).contains("Estimado Secretario Mayorkas:"));
    // One handout page per language, the campaign's first; the tally sheet in the campaign's.
    let handout = read("handout.pdf");
    assert_eq!(handout.pages.len(), 2);
    assert!(page_text(&handout, 0).contains("Talking points for your letters, cards and postcards"));
    assert!(page_text(&handout, 1).contains("Puntos clave para sus cartas, tarjetas y postales"));
    assert!(page_text(&handout, 1).contains("Es hora de recuperar nuestra humanidad"));
    assert!(page_text(&read("tally-sheet.pdf"), 0).contains("Envelopes sealed"));
    // Each person's own file is in their language.
    let own = |n: &str| std::fs::read(kit.join("participants").join(n)).unwrap();
    assert!(contains_bytes(&own("001-ana-lima.pdf"), b"/Lang (en)"));
    assert!(contains_bytes(&own("002-josé-garcía.pdf"), b"/Lang (es-MX)"));
    assert!(contains_bytes(&std::fs::read(kit.join("letters.pdf")).unwrap(), b"/Lang (en)"));
}

#[test]
fn every_label_of_each_table_is_in_the_other() {
    let (english, spanish) = (Labels::english(), spanish());
    let a: Vec<&str> = english.keys().collect();
    let b: Vec<&str> = spanish.keys().collect();
    assert_eq!(a, b);
    assert_eq!((english.name.as_str(), spanish.name.as_str()), ("English", "Español"));
}

/// The English table as an organiser's `lang/fr.toml`, with `edit` applied.
fn french(edit: impl Fn(String) -> String) -> String {
    edit(
        ENGLISH
            .replace("language = \"en\"", "language = \"fr\"")
            .replace("name = \"English\"", "name = \"Français\""),
    )
}

fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].matches('\n').count() + 1
}

#[test]
fn an_organisers_language_file_is_checked() {
    let dir = TempDir::new("lang-fr");
    dir.write("campaign.toml", campaign("fr"));
    // Complete: the kit prints it, and its PDFs say French.
    dir.write("lang/fr.toml", french(|t| t.replace("\"Ideas to write about\"", "\"Idées pour écrire\"")));
    let out = letterkit(dir.path(), &["build", "campaign.toml", "--count", "1", "-o", "kit"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let letters = std::fs::read(dir.path().join("kit/letters.pdf")).unwrap();
    assert!(contains_bytes(&letters, b"/Lang (fr)"));
    assert!(PdfDoc::parse(&letters).texts()[0].iter().any(|l| l == "Idées pour écrire"));

    // A label missing.
    let text = french(|t| t.replace("date = \"Date:\"\n", ""));
    dir.write("lang/fr.toml", &text);
    let out = letterkit(dir.path(), &["build", "campaign.toml", "--count", "1", "-o", "kit2"]);
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out),
        format!(
            "error: lang/fr.toml:{}:1: labels: 1 label is missing: `date`\nhint: every label of `letterkit labels en` needs a translation\n",
            line_of(&text, "[labels]")
        )
    );

    // Two missing and one unknown, all in one run.
    let text = french(|t| {
        t.replace("date = \"Date:\"\n", "")
            .replace("from = \"From:\"\n", "")
            .replace("tally_total =", "tally_totl =")
    });
    dir.write("lang/fr.toml", &text);
    let out = letterkit(dir.path(), &["check", "campaign.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "error: lang/fr.toml:{}:1: labels: `tally_totl` is not a label letterkit prints\nhint: did you mean `tally_total`?\n",
            line_of(&text, "tally_totl")
        )),
        "{err}"
    );
    assert!(err.contains("labels: these labels are missing: `date`, `from`, `tally_total`"), "{err}");

    // A placeholder left out, and a table for another language.
    let text = french(|t| {
        t.replace("{page} of {pages}", "{page}").replace("language = \"fr\"", "language = \"fr-CA\"")
    });
    dir.write("lang/fr.toml", &text);
    let out = letterkit(dir.path(), &["build", "campaign.toml", "--count", "1", "-o", "kit3"]);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "error: lang/fr.toml:{}:",
            line_of(&text, "Page {page}.")
        )) && err.contains("labels: `tally_page` has the placeholders `{page}`; the English label has `{page}`, `{pages}`"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "error: lang/fr.toml:{}:12: language: the table says `fr-CA`, but its file is named for `fr`\nhint: write language = \"fr\", or name the file lang/fr-CA.toml\n",
            line_of(&text, "language = ")
        )),
        "{err}"
    );
}

#[test]
fn an_unknown_language_is_an_error_at_its_line() {
    let dir = TempDir::new("lang-unknown");
    let text = campaign("xx");
    dir.write("campaign.toml", &text);
    let out = letterkit(dir.path(), &["build", "campaign.toml", "--count", "1", "-o", "kit"]);
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out),
        format!(
            "error: campaign.toml:{}:1: language: no printed labels for the language `xx`; letterkit has en (English), es (Español)\nhint: to add it, save `letterkit labels en` as lang/xx.toml next to the campaign and translate each label\n",
            line_of(&text, "language = ")
        )
    );
    // Not a tag at all.
    dir.write("campaign.toml", campaign("Spanish"));
    let out = letterkit(dir.path(), &["build", "campaign.toml", "--count", "1", "-o", "kit"]);
    assert!(
        stderr(&out).contains(": language: `Spanish` is not a language tag: write an IETF (BCP 47) tag, a language of 2 or 3 letters and perhaps a region, e.g. \"en\", \"es\" or \"es-MX\"\n"),
        "{}",
        stderr(&out)
    );
    // A translation for a language with no labels.
    dir.write(
        "campaign.toml",
        format!("{}\n[translations.de]\nsign_off = \"Mit freundlichen Grüßen\"\n", campaign("en")),
    );
    let out = letterkit(dir.path(), &["check", "campaign.toml"]);
    assert!(
        stderr(&out).contains("translations.de: no printed labels for the language `de`"),
        "{}",
        stderr(&out)
    );
    // A row's language: an error at its line and the `language` column.
    dir.write("campaign.toml", campaign("en"));
    dir.write(
        "people.csv",
        "name,address1,city,state,zip,language\nAna Lima,12 Elm Street,Boston,MA,02134,es\nJo Park,1 Main St,Newark,NJ,07102,zz\n",
    );
    let out = letterkit(dir.path(), &["build", "campaign.toml", "-p", "people.csv", "-o", "kit"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("error: people.csv:3:6: language: no printed labels for the language `zz`; letterkit has en (English), es (Español)\n"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_labels_command_prints_a_table_to_translate() {
    let dir = TempDir::new("lang-command");
    let out = letterkit(dir.path(), &["labels"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), ENGLISH);
    let out = letterkit(dir.path(), &["labels", "es-MX"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), labels::SPANISH);
    let out = letterkit(dir.path(), &["labels", "fr"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: labels fr: no printed labels for the language `fr`; letterkit has en (English), es (Español)\nhint: `letterkit labels en > lang/fr.toml` writes the English table to translate, next to your campaign\n"
    );
    let out = letterkit(dir.path(), &["labels", "Spanish"]);
    assert_eq!(
        stderr(&out),
        "error: labels Spanish: `Spanish` is not a language tag: write an IETF (BCP 47) tag, a language of 2 or 3 letters and perhaps a region, e.g. \"en\", \"es\" or \"es-MX\"\n"
    );
    // The table it prints, saved as an organiser's file, is one letterkit reads.
    dir.write("campaign.toml", campaign("fr"));
    dir.write("lang/fr.toml", french(|t| t));
    let out = letterkit(dir.path(), &["check", "campaign.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // `check` notes an unofficial translation, as `build` does.
    dir.write("campaign.toml", campaign("es"));
    let out = letterkit(dir.path(), &["check", "campaign.toml"]);
    assert!(out.status.success());
    assert_eq!(
        stderr(&out).matches("the kit prints the unofficial translation `es`").count(),
        1,
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_pdf_language_is_the_catalogs_and_the_archival_metadatas() {
    let page = letterkit::layout::Page::new(200.0, 100.0, 0.0);
    let options = letterkit::render::PdfOptions { title: "t".into(), pdf_a: true, language: "es-MX".into() };
    let bytes = letterkit::render::pdf([&page], &options).unwrap();
    assert!(contains_bytes(&bytes, b"/Lang (es-MX)"));
    let xmp = PdfDoc::parse(&bytes).xmp.expect("PDF/A has XMP metadata");
    assert!(xmp.contains("<dc:language><rdf:Bag><rdf:li>es-MX</rdf:li></rdf:Bag></dc:language>"), "{xmp}");
    // No language given: English.
    let bytes = letterkit::render::pdf([&page], &letterkit::render::PdfOptions::default()).unwrap();
    assert!(contains_bytes(&bytes, b"/Lang (en)"));
}
