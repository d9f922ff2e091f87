//! Sign-up lists as organisers have them: the repairs letterkit makes (and lists), lists
//! separated by semicolons or tabs or saved as UTF-16, `build --keep-going` and `--start`.
//!
//! `tests/signup/signup.csv` is a realistic list of 28 rows saved by Excel (UTF-8 byte order
//! mark, CRLF line ends) with the damage spreadsheets cause; `tests/signup/scripts.csv` has names
//! with a second script in parentheses, which the bundled fonts lack (built once system fonts
//! are looked up).

mod common;

use std::path::{Path, PathBuf};

use common::{PdfDoc, TempDir, letterkit};
use letterkit::base::diag::Warnings;
use letterkit::model::participants::{self, Separator};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/signup").join(name)
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// (line, column, before, after) of every repair in the sign-up list, in file order.
const SIGNUP_REPAIRS: &[(usize, &str, &str, &str)] = &[
    (3, "state", "Rhode Island", "RI"),
    (3, "zip", "2906", "02906"),
    (4, "state", "me", "ME"),
    (4, "zip", "4101", "04101"),
    (5, "state", "Vermont", "VT"),
    (6, "address1", "22 Elm St\nRear entrance", "22 Elm St"),
    (6, "address2", "", "Rear entrance"),
    (6, "zip", "554011234", "55401-1234"),
    (8, "state", "N.Y.", "NY"),
    (9, "state", "wa", "WA"),
    (10, "state", "Alaska", "AK"),
    (11, "name", "Ana  Lucía   Gómez", "Ana Lucía Gómez"),
    (12, "address1", "9 Water St\nApt 5\nBack door", "9 Water St"),
    (12, "address2", "", "Apt 5, Back door"),
    (12, "state", "massachusetts", "MA"),
    (12, "zip", "2740", "02740"),
    (15, "state", "D.C.", "DC"),
    (16, "state", "ma", "MA"),
    (16, "zip", "016091234", "01609-1234"),
    (17, "state", "Illinois", "IL"),
    (19, "state", "New Jersey", "NJ"),
    (19, "zip", "7102", "07102"),
    (20, "address1", "800 Main St\nApt 4B", "800 Main St"),
    (20, "address2", "", "Apt 4B"),
    (20, "state", "tx", "TX"),
    (23, "state", "California", "CA"),
    (24, "state", "Puerto Rico", "PR"),
    (26, "state", "Connecticut", "CT"),
    (26, "zip", "6103", "06103"),
    (27, "state", "Wash. D.C.", "DC"),
    (28, "name", "Kjersti\u{a0}\u{a0}Dahl", "Kjersti Dahl"),
    (28, "state", "Washington", "WA"),
    (29, "state", "fl", "FL"),
    (30, "zip", "2138-4455", "02138-4455"),
    (31, "state", "r.i.", "RI"),
    (33, "state", "Florida", "FL"),
];

#[test]
fn the_signup_list_reads_with_exactly_these_repairs() {
    let mut warnings = Warnings::default();
    let list = participants::read_list(&fixture("signup.csv"), &mut warnings).unwrap();
    assert_eq!(list.separator, Separator::Comma);
    assert!(list.bad_rows.is_empty());
    assert_eq!(list.people.len(), 28);
    let got: Vec<(usize, &str, &str, &str)> = list
        .repairs
        .iter()
        .map(|r| (r.line, r.column.as_str(), r.before.as_str(), r.after.as_str()))
        .collect();
    assert_eq!(got, SIGNUP_REPAIRS);
    let row = |line: usize| list.people.iter().find(|p| p.line == line).unwrap();
    // Names print as written, combining marks and all; only the spaces are cleaned.
    assert_eq!(row(4).name, "Nguye\u{302}\u{303}n Thi\u{323} Minh Khai");
    assert_eq!(row(2).name, "María de los Ángeles Fernández-Villaverde y Rodríguez");
    assert_eq!(
        row(12).return_address(),
        ["Luís Fernando Conceição", "9 Water St", "Apt 5, Back door", "New Bedford, MA 02740"]
    );
    assert_eq!(
        row(6).return_address(),
        ["Søren Østergård", "22 Elm St", "Rear entrance", "Minneapolis, MN 55401-1234"]
    );
    assert_eq!(row(33).address2, "Unit 2", "a tab at the start is trimmed");
    assert_eq!(row(25).state, "Mass", "a state that is not one stays a warning");
    // Every repair is a warning naming file, line and column; the one state left is a warning too.
    let repairs: Vec<String> =
        warnings.0.iter().filter(|d| d.code == Some("data.repaired")).map(|d| d.to_string()).collect();
    // Each repair is shown, or counted in a warning for the rest of its kind after the first five.
    let counted: usize = repairs
        .iter()
        .filter(|w| w.contains(" repaired the same way: "))
        .filter_map(|w| w.split(": ").nth(3)?.split(' ').next()?.parse::<usize>().ok())
        .sum();
    let shown = warnings.0.iter().filter(|d| d.code == Some("data.repaired") && d.position.is_some()).count();
    assert_eq!(shown + counted, SIGNUP_REPAIRS.len(), "{repairs:#?}");
    let file = fixture("signup.csv").display().to_string();
    for expected in [
        format!(
            "warning: {file}:3:6: column `zip`: `2906` became `02906`: no US ZIP Code has 4 digits: the leading zero a spreadsheet drops was put back"
        ),
        format!(
            "warning: {file}:6:2: column `address1`: `22 Elm St⏎Rear entrance` became `22 Elm St`: a line break inside the cell (Alt+Enter in a spreadsheet): the first line stays in `address1` and the rest goes to `address2`"
        ),
        format!(
            "warning: {file}:6:3: column `address2`: empty became `Rear entrance`: the second line of `address1` (a line break inside its cell) is the second street line"
        ),
        format!(
            "warning: {file}:12:3: column `address2`: empty became `Apt 5, Back door`: a line break inside the cell (Alt+Enter in a spreadsheet): the street lines after the first are joined with \", \", as a return address holds two street lines (name, two street lines, city line; USPS Publication 28)"
        ),
        format!(
            "warning: {file}:12:2: column `address1`: `9 Water St⏎Apt 5⏎Back door` became `9 Water St`: a line break inside the cell (Alt+Enter in a spreadsheet): the first line stays in `address1` and the rest is joined into `address2`"
        ),
        format!(
            "warning: {file}:6:6: column `zip`: `554011234` became `55401-1234`: 9 digits are a ZIP+4: the hyphen was put in"
        ),
        format!(
            "warning: {file}:3:5: column `state`: `Rhode Island` became `RI`: a state written out becomes its USPS two-letter code (Pub 28 Appendix B)"
        ),
        format!(
            "warning: {file}:4:5: column `state`: `me` became `ME`: a state is written as its USPS two-letter code, in capitals without dots (Pub 28 Appendix B)"
        ),
        format!(
            "warning: {file}:11:1: column `name`: `Ana  Lucía   Gómez` became `Ana Lucía Gómez`: extra spaces inside the value became one"
        ),
    ] {
        assert!(repairs.contains(&expected), "missing: {expected}\n{repairs:#?}");
    }
    let others: Vec<String> =
        warnings.0.iter().filter(|d| d.code != Some("data.repaired")).map(|d| d.to_string()).collect();
    assert_eq!(
        others,
        [format!("warning: {file}:25:5: column `state`: `Mass` is not a USPS state abbreviation")]
    );
}

#[test]
fn the_second_script_list_reads_as_written() {
    let list = participants::read_list(&fixture("scripts.csv"), &mut Warnings::default()).unwrap();
    let names: Vec<&str> = list.people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Wang Xiu Ying (王秀英)",
            "Kim Min-jun (김민준)",
            "Yousef Haddad (يوسف حداد)",
            "Noa Levi (נועה לוי)",
            "Ivan Petrov (Иван Петров)",
            "Giorgos Papadopoulos (Γιώργος Παπαδόπουλος)",
            "Priya Sharma (प्रिया शर्मा)",
            "Tanaka Yuki (田中 由紀)",
        ]
    );
    assert!(list.repairs.is_empty());
}

/// A list of three people, in the form a spreadsheet saves with each separator.
fn three(separator: &str, line_end: &str) -> String {
    [
        ["name", "address1", "address2", "city", "state", "zip"],
        ["Zoë O’Brien", "12 Elm Street", "Apt 3", "Boston", "MA", "02134"],
        ["Åsa Lindqvist", "77 Sunset Blvd", "", "Los Angeles", "CA", "90028"],
        ["Mateus Araújo", "4 Ocean Ave", "", "Newark", "NJ", "07102"],
    ]
    .map(|row| row.join(separator))
    .join(line_end)
        + line_end
}

#[test]
fn semicolons_tabs_bom_crlf_and_utf16_read_the_same() {
    let dir = TempDir::new("signup-separators");
    let read = |name: &str, bytes: Vec<u8>| {
        let path = dir.write(name, bytes);
        participants::read_list(&path, &mut Warnings::default()).unwrap()
    };
    let comma = read("comma.csv", three(",", "\n").into_bytes());
    let semicolon = read("semicolon.csv", format!("\u{feff}{}", three(";", "\r\n")).into_bytes());
    let tab = read("tab.txt", three("\t", "\r\n").into_bytes());
    // Excel's "Unicode text": UTF-16 little-endian with a byte order mark, tabs, CRLF.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(three("\t", "\r\n").encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let unicode = read("unicode.txt", utf16);
    assert_eq!(
        [comma.separator, semicolon.separator, tab.separator, unicode.separator],
        [Separator::Comma, Separator::Semicolon, Separator::Tab, Separator::Tab]
    );
    for other in [&semicolon, &tab, &unicode] {
        assert_eq!(other.people, comma.people);
        assert!(other.repairs.is_empty());
    }
    assert_eq!(comma.people[0].name, "Zoë O’Brien");

    // A build says which separator it read, and the manifest records it.
    let path = dir.write("people.csv", format!("\u{feff}{}", three(";", "\r\n")));
    let out = letterkit(dir.path(), &["build", "--participants", "people.csv", "-o", "kit"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("Read people.csv: columns separated by semicolons.\n"), "{summary}");
    assert_eq!(manifest(&dir.path().join("kit"))["separator"], "semicolons");
    assert!(path.exists());

    // A header run together with another character: the error names it.
    dir.write("pipes.csv", three("|", "\n"));
    let out = letterkit(dir.path(), &["build", "--participants", "pipes.csv", "-o", "kit2"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: pipes.csv:1:1: the header row has none of letterkit's columns; it looks separated by `|`, and letterkit reads columns separated by commas, semicolons or tabs\n\
         hint: save the sheet as \"CSV UTF-8\" from the spreadsheet, or replace each `|` between columns with a comma\n"
    );
    // Broken UTF-16: a clear error pointing at CSV UTF-8.
    dir.write("broken.txt", [0xFF, 0xFE, 0x41]);
    let out = letterkit(dir.path(), &["build", "--participants", "broken.txt", "-o", "kit3"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: broken.txt: the file starts as UTF-16 text (\"Unicode text\") but has an odd number of bytes\n\
         hint: save it as UTF-8 (in a spreadsheet: \"CSV UTF-8\"; in an editor: encoding UTF-8)\n"
    );
}

#[test]
fn the_signup_list_builds_with_its_repairs_in_summary_and_manifest() {
    let dir = TempDir::new("signup-build");
    std::fs::copy(fixture("signup.csv"), dir.path().join("signup.csv")).unwrap();
    let out = letterkit(
        dir.path(),
        &["build", "--participants", "signup.csv", "-o", "kit", "--ignore-system-fonts"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let kit = dir.path().join("kit");
    let m = manifest(&kit);
    assert_eq!(m["skipped"], serde_json::json!([]));
    let skipped = 0;
    assert!(summary.contains("Read signup.csv: columns separated by commas.\n"), "{summary}");
    assert!(
        summary.contains(&format!(
            "Repaired {} values in signup.csv (also listed in manifest.json, under \"repairs\"):\n  line 3, column `state`: `Rhode Island` became `RI`: a state written out becomes its USPS two-letter code (Pub 28 Appendix B)\n",
            SIGNUP_REPAIRS.len()
        )),
        "{summary}"
    );
    assert!(summary.contains("  line 12, column `address2`: empty became `Apt 5, Back door`: "), "{summary}");
    let repairs = m["repairs"].as_array().unwrap();
    assert_eq!(repairs.len(), SIGNUP_REPAIRS.len());
    assert_eq!(
        repairs[5],
        serde_json::json!({
            "line": 6, "column": "address1", "before": "22 Elm St\nRear entrance", "after": "22 Elm St",
            "reason": "a line break inside the cell (Alt+Enter in a spreadsheet): the first line stays in `address1` and the rest goes to `address2`"
        })
    );
    assert_eq!(m["start"], 1);
    assert_eq!(m["totals"]["participants"], 28 - skipped);
    // The repaired return address is on the envelope, one street line each.
    let envelopes = PdfDoc::parse(&std::fs::read(kit.join("envelopes.pdf")).unwrap()).texts();
    let luis = envelopes.iter().find(|page| page.iter().any(|l| l == "Luís Fernando Conceição")).unwrap();
    for line in ["9 Water St", "Apt 5, Back door", "New Bedford, MA 02740"] {
        assert!(luis.iter().any(|l| l == line), "{line}: {luis:?}");
    }
}

/// Builds `list` into `dir/kit` and checks that every participant's name and return address
/// lines read back from letters.pdf and from their envelope in envelopes.pdf, and, where Python
/// and Poppler are installed, that CI's envelope checker passes every envelope.
fn builds_and_reads_back(dir: &TempDir, list: &str, extra: &[&str]) {
    dir.write("list.csv", list);
    let args = [&["build", "--participants", "list.csv", "-o", "kit"][..], extra].concat();
    let out = letterkit(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let read = |file: &str| PdfDoc::parse(&std::fs::read(dir.path().join("kit").join(file)).unwrap());
    let (letters, envelopes) = (read("letters.pdf"), read("envelopes.pdf"));
    let people =
        participants::read_list(&dir.path().join("list.csv"), &mut Warnings::default()).unwrap().people;
    let pages = |doc: &PdfDoc| -> Vec<Vec<String>> {
        doc.pages.iter().map(|p| p.lines.iter().map(|l| l.text.clone()).collect()).collect()
    };
    let (letter_pages, envelope_pages) = (pages(&letters), pages(&envelopes));
    // A right-to-left name is set in visual order: its letters are on the page, not its string.
    let rtl = |s: &str| s.chars().any(|c| matches!(c, '\u{0590}'..='\u{08FF}'));
    for p in &people {
        for (what, pages) in [("letters.pdf", &letter_pages), ("envelopes.pdf", &envelope_pages)] {
            let found = pages.iter().any(|page| {
                p.return_address().iter().all(|line| {
                    if rtl(line) {
                        let text: String = page.concat();
                        line.chars().filter(|c| !c.is_whitespace()).all(|c| text.contains(c))
                    } else {
                        common::reads_back(page, line).is_ok()
                    }
                })
            });
            assert!(
                found,
                "{what}: no page has the return address of {} whole: {:?}",
                p.name,
                p.return_address()
            );
        }
    }
    common::check_envelopes_py(&dir.path().join("kit/envelopes.pdf"));
}

#[test]
fn the_signup_list_builds_whole() {
    let dir = TempDir::new("signup-whole");
    let list = std::fs::read_to_string(fixture("signup.csv")).unwrap();
    builds_and_reads_back(&dir, &list, &["--ignore-system-fonts"]);
}

/// The sign-up list with the names in other scripts, through the installed fonts (CI installs
/// fonts-noto-cjk and fonts-noto-core); skipped where those fonts are missing.
#[test]
fn the_signup_list_in_every_script_builds_through_the_installed_fonts() {
    let dirs = letterkit::input::fontdirs::FontDirs { paths: Vec::new(), system: true };
    let scripts = std::fs::read_to_string(fixture("scripts.csv")).unwrap();
    let scripts = scripts.trim_start_matches('\u{feff}');
    let wanted: std::collections::BTreeSet<char> =
        scripts.lines().skip(1).flat_map(|l| l.chars()).filter(|c| !c.is_ascii()).collect();
    let found: std::collections::BTreeSet<char> =
        dirs.faces_covering(&wanted).unwrap().into_iter().flat_map(|f| f.covers).collect();
    if found != wanted {
        eprintln!(
            "note: the installed fonts lack {} of the scripts' characters (install fonts-noto-cjk and fonts-noto-core); skipped",
            wanted.len() - found.len()
        );
        return;
    }
    let dir = TempDir::new("signup-scripts");
    let latin = std::fs::read_to_string(fixture("signup.csv")).unwrap();
    // Both lists have the same first six columns; the scripts' rows leave the counts empty.
    let header = latin.trim_start_matches('\u{feff}').lines().next().unwrap().to_string();
    let extra_columns = header.split(',').count() - 6;
    let mut list = latin.trim_end().to_string();
    for row in scripts.lines().skip(1).filter(|l| !l.is_empty()) {
        list.push_str("\r\n");
        list.push_str(row);
        list.push_str(&",".repeat(extra_columns));
    }
    list.push_str("\r\n");
    builds_and_reads_back(&dir, &list, &[]);
}

/// A list with the same damage on many rows shows the first few repairs of each kind one by
/// one and counts the rest; manifest.json lists them all.
#[test]
fn many_repairs_of_one_kind_are_counted_not_listed() {
    let dir = TempDir::new("signup-many");
    let rows: String = (0..8).map(|i| format!("Writer {i},{i} Main St,,Boston,ma,02134\n")).collect();
    dir.write("people.csv", format!("name,address1,address2,city,state,zip\n{rows}"));
    let out = letterkit(dir.path(), &["build", "--participants", "people.csv", "-o", "kit"]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("became `MA`").count(), 5, "{stderr}");
    assert!(
        stderr.contains("warning: people.csv: column `state`: 3 more values repaired the same way: a state is written as its USPS two-letter code"),
        "{stderr}"
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert_eq!(summary.matches("became `MA`").count(), 5, "{summary}");
    assert!(summary.contains("  and 3 more in column `state` repaired the same way: "), "{summary}");
    assert_eq!(manifest(&dir.path().join("kit"))["repairs"].as_array().unwrap().len(), 8);
}

const GOOD: &str = "name,address1,address2,city,state,zip,letters\n\
                    Zoë O’Brien,12 Elm Street,Apt 3,Boston,MA,02134,2\n\
                    Åsa Lindqvist,77 Sunset Blvd,,Los Angeles,CA,90028,1\n\
                    Mateus Araújo,4 Ocean Ave,,Newark,NJ,07102,1\n";

#[test]
fn keep_going_leaves_out_bad_rows_and_the_rest_is_byte_identical() {
    // The installed fonts are left out: a machine with a Chinese font would build every row.
    let letterkit = |dir: &std::path::Path, args: &[&str]| {
        letterkit(dir, &[args, &["--ignore-system-fonts"][..]].concat())
    };
    let dir = TempDir::new("signup-keep-going");
    let bad = format!(
        "{GOOD}Cy Young,5 Main St,,Boston,MA,,1\nWang Xiu Ying (王秀英),6 Main St,,Boston,MA,02134,1\n"
    );
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    dir.write("a/people.csv", &bad);
    dir.write("b/people.csv", GOOD);

    // Without --keep-going: errors naming file, line and column, and nothing written.
    let out = letterkit(&dir.path().join("a"), &["build", "--participants", "people.csv", "-o", "kit"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: people.csv:5:6: column `zip`: the ZIP code is missing\n"
    );
    assert!(!dir.path().join("a/kit").exists());
    dir.write("a/only-font.csv", GOOD.to_string() + "Wang Xiu Ying (王秀英),6 Main St,,Boston,MA,02134,1\n");
    let out = letterkit(&dir.path().join("a"), &["build", "--participants", "only-font.csv", "-o", "kit"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: only-font.csv:5:1: `Wang Xiu Ying (王秀英)`: handwritten-letter, text element `return address`: no font has the character `王` (U+738B) in \"Wang Xiu Ying (王秀英)\"; the text's font is `serif`, and letterkit looked in the bundled fonts\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: only-font.csv:5:1: `Wang Xiu Ying (王秀英)`: envelope for L-0005: no font has the character `王` (U+738B) in \"Wang Xiu Ying (王秀英)\"; the text's font is `sans`, and letterkit looked in the bundled fonts\n"),
        "{stderr}"
    );
    assert!(!dir.path().join("a/kit").exists());

    // With it: the good rows, exit status 2, and the bad rows listed three ways.
    let out = letterkit(
        &dir.path().join("a"),
        &["build", "--participants", "people.csv", "-o", "kit", "--keep-going"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("warning: people.csv:5:1: `Cy Young` left out of the kit (--keep-going): column `zip`: the ZIP code is missing\n"), "{stderr}");
    assert!(stderr.contains("warning: people.csv:6:1: `Wang Xiu Ying (王秀英)` left out of the kit (--keep-going): handwritten-letter, text element `return address`: no font has the character `王` (U+738B) in \"Wang Xiu Ying (王秀英)\""), "{stderr}");
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("for 3 participants:"), "{summary}");
    assert!(
        summary.contains("Left out 2 rows of people.csv that cannot be built (--keep-going); problems.txt lists them to hand back:\n  line 5, Cy Young: column `zip`: the ZIP code is missing\n  line 6, Wang Xiu Ying (王秀英): handwritten-letter, text element `return address`: no font has the character `王` (U+738B) in \"Wang Xiu Ying (王秀英)\"; the text's font is `serif`, and letterkit looked in the bundled fonts; "),
        "{summary}"
    );
    let problems = std::fs::read_to_string(dir.path().join("a/kit/problems.txt")).unwrap();
    assert_eq!(
        problems,
        "These rows of people.csv were left out of the kit, because letterkit could not make their pieces.\n\
         Fix each row in the list (or ask the person), then build a kit for them, with --start to go on from\n\
         the last piece number of this kit.\n\n\
         line 5, Cy Young: column \"zip\": the ZIP code is missing\n\
         line 6, Wang Xiu Ying (王秀英): handwritten-letter, text element \"return address\": no font has the character \"王\" (U+738B) in \"Wang Xiu Ying (王秀英)\"; the text's font is \"serif\", and letterkit looked in the bundled fonts; handwritten-letter, text element \"signature name\": no font has the character \"王\" (U+738B) in \"Wang Xiu Ying (王秀英)\"; the text's font is \"sans\", and letterkit looked in the bundled fonts; envelope: no font has the character \"王\" (U+738B) in \"Wang Xiu Ying (王秀英)\"; the text's font is \"sans\", and letterkit looked in the bundled fonts\n"
    );
    let mut with = manifest(&dir.path().join("a/kit"));
    assert_eq!(
        with["skipped"][0],
        serde_json::json!({"row": 5, "participant": "Cy Young", "problems": [{"field": "column `zip`", "reason": "the ZIP code is missing"}]})
    );
    assert_eq!(with["skipped"][1]["row"], 6);
    assert_eq!(
        with["skipped"][1]["problems"][2],
        serde_json::json!({"field": "envelope", "reason": "no font has the character `王` (U+738B) in \"Wang Xiu Ying (王秀英)\"; the text's font is `sans`, and letterkit looked in the bundled fonts"})
    );

    // The kit is the kit of the list without those rows, byte for byte (but for `skipped`).
    let out = letterkit(&dir.path().join("b"), &["build", "--participants", "people.csv", "-o", "kit"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    for file in ["letters.pdf", "envelopes.pdf", "handout.pdf", "tally-sheet.pdf"] {
        let a = std::fs::read(dir.path().join("a/kit").join(file)).unwrap();
        let b = std::fs::read(dir.path().join("b/kit").join(file)).unwrap();
        assert!(a == b, "{file} differs from the build without the bad rows");
    }
    let mut without = manifest(&dir.path().join("b/kit"));
    assert_eq!(without["skipped"], serde_json::json!([]));
    with.as_object_mut().unwrap().remove("skipped");
    without.as_object_mut().unwrap().remove("skipped");
    assert_eq!(with, without);
    assert!(!dir.path().join("b/kit/problems.txt").exists());

    // When no row can be built, --keep-going is an error, as without it.
    dir.write(
        "a/none.csv",
        "name,address1,city,state,zip\nWang Xiu Ying (王秀英),6 Main St,Boston,MA,02134\n",
    );
    let out = letterkit(
        &dir.path().join("a"),
        &["build", "--participants", "none.csv", "-o", "kit4", "--keep-going"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.path().join("a/kit4").exists());
    dir.write("a/bad.csv", "name,address1,city,state,zip\n,6 Main St,Boston,MA,02134\n");
    let out = letterkit(
        &dir.path().join("a"),
        &["build", "--participants", "bad.csv", "-o", "kit5", "--keep-going"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("error: bad.csv: no row of the participants list can be built\nhint: fix the rows listed above and build again\n"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn start_numbers_the_pieces_from_n() {
    let dir = TempDir::new("signup-start");
    let out = letterkit(dir.path(), &["build", "--count", "2", "--start", "9999", "-o", "kit"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("Pieces numbered from 9999 (--start 9999): L-9999, C-9999, P-9999 …\n"),
        "{summary}"
    );
    let m = manifest(&dir.path().join("kit"));
    assert_eq!(m["start"], 9999);
    let ids: Vec<&str> = m["pieces"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["L-9999", "L-10000"]);
    // The numbers are printed on the letters and their envelopes.
    for file in ["letters.pdf", "envelopes.pdf"] {
        let pages = PdfDoc::parse(&std::fs::read(dir.path().join("kit").join(file)).unwrap()).texts();
        for (page, id) in pages.iter().zip(["L-9999", "L-10000"]) {
            assert!(page.iter().any(|l| l.contains(id)), "{file}: {id} not in {page:?}");
        }
    }
    if let Ok(text) =
        std::process::Command::new("pdftotext").arg(dir.path().join("kit/envelopes.pdf")).arg("-").output()
    {
        assert!(String::from_utf8_lossy(&text.stdout).contains("L-10000"));
    } else {
        eprintln!(
            "pdftotext is not installed: the envelope numbers were read with the test's own reader only"
        );
    }
    // A participants list too.
    dir.write("people.csv", GOOD);
    let out =
        letterkit(dir.path(), &["build", "--participants", "people.csv", "--start", "101", "-o", "kit2"]);
    assert_eq!(out.status.code(), Some(0));
    let ids: Vec<String> = manifest(&dir.path().join("kit2"))["pieces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["L-0101", "L-0102", "L-0103", "L-0104"]);

    // 0 and numbers past 999999999 are usage errors.
    for bad in ["0", "1000000000"] {
        let out = letterkit(dir.path(), &["build", "--start", bad, "-o", "kit3"]);
        assert_eq!(out.status.code(), Some(2), "--start {bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--start <N>"), "{stderr}");
    }
    assert!(!dir.path().join("kit3").exists());
}

#[test]
fn start_from_the_library_is_checked_too() {
    let dir = TempDir::new("signup-start-lib");
    let options = |start: u32| {
        (
            letterkit::kit::BuildOptions {
                count: 2,
                sandbox: letterkit::input::confine::Sandbox::new(&[]),
                ..letterkit::kit::BuildOptions::new(dir.path().join("kit"))
            },
            letterkit::kit::RowOptions { keep_going: false, start },
        )
    };
    let (o, r) = options(0);
    let e = letterkit::kit::build_rows(&o, &r, &mut Warnings::default()).unwrap_err();
    assert_eq!(e.to_string(), "error: --start 0: pieces are numbered from 1");
    let (o, r) = options(u32::MAX);
    let e = letterkit::kit::build_rows(&o, &r, &mut Warnings::default()).unwrap_err();
    assert_eq!(e.to_string(), "error: --start 4294967295: the last piece's number would pass 4294967295");
    assert!(!dir.path().join("kit").exists());
}

#[test]
fn check_reports_the_same_repairs() {
    let dir = TempDir::new("signup-check");
    dir.write("people.csv", "name,address1,address2,city,state,zip\nZoë O’Brien,\"12 Elm St\nApt 3\",,Boston,massachusetts,2134\n");
    for args in [&["check", "--participants", "people.csv"][..], &["check", "people.csv"]] {
        let out = letterkit(dir.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        for line in [
            "warning: people.csv:2:2: column `address1`: `12 Elm St⏎Apt 3` became `12 Elm St`:",
            "warning: people.csv:2:3: column `address2`: empty became `Apt 3`:",
            "warning: people.csv:2:5: column `state`: `massachusetts` became `MA`:",
            "warning: people.csv:2:6: column `zip`: `2134` became `02134`:",
        ] {
            assert!(stderr.contains(line), "{line}\n{stderr}");
        }
    }
}

#[test]
fn keep_going_does_not_leave_out_rows_for_the_campaigns_own_mistake() {
    let dir = TempDir::new("signup-campaign-mistake");
    // The second opening paragraph names a field no row has: it fails for whichever letter
    // takes it, so leaving that row out would only move the failure to the next one.
    let campaign = letterkit::model::campaign::DEFAULT_CAMPAIGN
        .replacen("letter = \"handwritten\"", "letter = \"typed\"", 1)
        .replacen("\"As a member of my community in {city}", "\"As a member of {team} in {city}", 1);
    dir.write("campaign.toml", campaign);
    dir.write("people.csv", GOOD);
    let out = letterkit(
        dir.path(),
        &["build", "campaign.toml", "--participants", "people.csv", "-o", "kit", "--keep-going"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("typed.opening[2]: the paragraph uses `{team}`, which has no value"), "{stderr}");
    assert!(!stderr.contains("left out of the kit"), "{stderr}");
    assert!(!dir.path().join("kit").exists());
}
