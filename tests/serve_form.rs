//! The campaign form and the participants table of `letterkit serve`: the form written into the
//! campaign's TOML with its comments kept, the table's issues as `check` gives them, and a
//! phone sign-in's problems in plain words.

mod common;

use std::path::Path;

use common::{TempDir, letterkit};
use letterkit::base::diag::Source;
use letterkit::check::table::{CellIssue, Severity, TableCampaign, check_new_row, table};
use letterkit::input::confine::Sandbox;
use letterkit::model::campaign::DEFAULT_CAMPAIGN;
use letterkit::model::campaign_form::{CampaignForm, ThemeForm, form_field};

/// A change made to a form.
type Edit = Box<dyn Fn(&mut CampaignForm)>;

fn default_source() -> Source {
    Source::builtin("campaign.toml", DEFAULT_CAMPAIGN)
}

fn default_form() -> CampaignForm {
    CampaignForm::read(&default_source()).unwrap()
}

/// The form written into the built-in campaign and read back.
fn round_trip(form: &CampaignForm) -> (String, CampaignForm) {
    let text = form.apply(&default_source()).unwrap_or_else(|e| panic!("{e}"));
    let back = CampaignForm::read(&Source::builtin("campaign.toml", &text))
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    (text, back)
}

/// The lines of `after` that differ from `before`'s, by number (both have as many lines).
fn changed_lines<'a>(before: &str, after: &'a str) -> Vec<&'a str> {
    let (old, new): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(old.len(), new.len(), "a value changed in place keeps the line count:\n{after}");
    old.iter().zip(&new).filter(|(a, b)| a != b).map(|(_, b)| *b).collect()
}

#[test]
fn the_form_reads_the_built_in_campaign() {
    let form = default_form();
    assert_eq!(form.name, "Free people from ICE detention");
    assert_eq!(form.organizer, "Amnesty International");
    assert_eq!(form.paper, "us-letter");
    assert_eq!(form.letter, "handwritten");
    assert_eq!(form.recipient.title, ["Secretary"]);
    assert_eq!(form.recipient.address, ["Washington, DC 20528"]);
    assert_eq!(form.defaults.letters, 1);
    assert_eq!(form.talking_points.len(), 7);
    assert_eq!(form.talking_points[6].points.len(), 1);
    assert!(form.problems().is_empty(), "{:?}", form.problems());
}

#[test]
fn applying_an_unchanged_form_changes_nothing() {
    let form = default_form();
    assert_eq!(form.apply(&default_source()).unwrap(), DEFAULT_CAMPAIGN);
}

#[test]
fn apply_keeps_every_comment_and_changes_only_the_values() {
    let mut form = default_form();
    form.paper = "a4".into();
    form.recipient.salutation = "Dear Secretary Noem,".into();
    form.defaults.cards = 2;
    form.talking_points[1].points[2] = "Detention is not the answer.".into();
    form.hashtags.push("#FreeThemAll".into());
    let (text, back) = round_trip(&form);
    assert_eq!(back, form);
    assert_eq!(
        changed_lines(DEFAULT_CAMPAIGN, &text),
        [
            "hashtags = [\"#LettersToMayorkas\", \"#FreeThemAll\"]",
            "paper = \"a4\"          # or \"a4\"",
            "salutation = \"Dear Secretary Mayorkas,\"".replace("Mayorkas", "Noem").as_str(),
            "cards = 2",
            "  \"Detention is not the answer.\",",
        ]
    );
}

#[test]
fn each_field_round_trips() {
    const ODD: &str = "She said \"no\" \\ then left\tagain — 王秀英, Nguyễn, مرحبا";
    let edits: Vec<(&str, Edit)> = vec![
        ("name", Box::new(|f| f.name = ODD.into())),
        ("organizer", Box::new(|f| f.organizer = ODD.into())),
        ("no organizer", Box::new(|f| f.organizer = String::new())),
        ("recipient.name", Box::new(|f| f.recipient.name = ODD.into())),
        ("recipient.title", Box::new(|f| f.recipient.title = vec!["Secretary".into(), ODD.into()])),
        ("no title", Box::new(|f| f.recipient.title.clear())),
        ("recipient.organization", Box::new(|f| f.recipient.organization = ODD.into())),
        (
            "recipient.address",
            Box::new(|f| {
                f.recipient.address = vec!["2707 MLK Jr Ave SE".into(), "Washington, DC 20528".into()]
            }),
        ),
        ("recipient.salutation", Box::new(|f| f.recipient.salutation = ODD.into())),
        ("sign_off", Box::new(|f| f.sign_off = "With hope,\nand love".into())),
        ("hashtags", Box::new(|f| f.hashtags = vec!["#a".into(), ODD.into()])),
        ("no hashtags", Box::new(|f| f.hashtags.clear())),
        ("paper", Box::new(|f| f.paper = "a4".into())),
        ("letter", Box::new(|f| f.letter = "typed".into())),
        (
            "defaults",
            Box::new(|f| {
                f.defaults.letters = 0;
                f.defaults.cards = 3;
                f.defaults.postcards = 100;
            }),
        ),
        ("a point", Box::new(|f| f.talking_points[3].points[1] = format!("{ODD}\nsecond line"))),
        ("a theme", Box::new(|f| f.talking_points[0].theme = ODD.into())),
        ("a point added", Box::new(|f| f.talking_points[0].points.insert(1, ODD.into()))),
        (
            "a point removed",
            Box::new(|f| {
                f.talking_points[1].points.remove(0);
            }),
        ),
        (
            "a theme removed",
            Box::new(|f| {
                f.talking_points.remove(2);
            }),
        ),
        (
            "a theme added",
            Box::new(|f| {
                f.talking_points.push(ThemeForm { theme: ODD.into(), points: vec![ODD.into(), "x".into()] })
            }),
        ),
        (
            "a theme added first",
            Box::new(|f| f.talking_points.insert(0, ThemeForm { theme: "First".into(), points: vec![] })),
        ),
        ("no themes", Box::new(|f| f.talking_points.clear())),
    ];
    for (what, edit) in edits {
        let mut form = default_form();
        edit(&mut form);
        let (text, back) = round_trip(&form);
        assert_eq!(back, form, "{what}:\n{text}");
        // Everything the form does not hold is kept.
        for kept in [
            "mentions = [\"@POTUS\", \"@SecMayorkas\"]",
            "reimburse_above = 10.0",
            "note = ",
            "[typed]",
            "# The date printed on typed letters",
        ] {
            assert!(text.contains(kept), "{what}: {kept} lost:\n{text}");
        }
    }
}

#[test]
fn removing_and_adding_themes_keeps_the_others_as_written() {
    let mut form = default_form();
    form.talking_points.remove(0);
    form.talking_points
        .insert(3, ThemeForm { theme: "Something new".into(), points: vec!["A point.".into()] });
    let (text, _) = round_trip(&form);
    assert!(!text.contains("It's time to restore our humanity"));
    // The comment above the list stays at its top.
    let comment = text.find("# The guide's talking points.").unwrap();
    let first = text.find("[[talking_points]]").unwrap();
    assert!(comment < first, "{text}");
    assert!(text[first..].starts_with("[[talking_points]]\ntheme = \"No one should be detained"), "{text}");
    // The new theme sits between its neighbours, before [typed].
    let new = text.find("theme = \"Something new\"").unwrap();
    let before = text.find("theme = \"Alternatives to detention must be the norm\"").unwrap();
    let after = text.find("theme = \"Families should be free and together\"").unwrap();
    assert!(before < new && new < after && after < text.find("[typed]").unwrap(), "{text}");
    // Untouched themes keep their points written one a line.
    assert!(text.contains("points = [\n  \"Children should never be detained"), "{text}");
}

#[test]
fn invalid_values_name_the_field_and_nothing_is_written() {
    let cases: Vec<(&str, Edit)> = vec![
        ("name", Box::new(|f| f.name = " ".into())),
        ("paper", Box::new(|f| f.paper = "a44".into())),
        ("letter", Box::new(|f| f.letter = String::new())),
        ("recipient.name", Box::new(|f| f.recipient.name = String::new())),
        ("recipient.address", Box::new(|f| f.recipient.address = vec![String::new()])),
        ("recipient.salutation", Box::new(|f| f.recipient.salutation = "Dear\nSecretary".into())),
        ("recipient.title[1]", Box::new(|f| f.recipient.title = vec!["a".into(), "b\nc".into()])),
        ("defaults.letters", Box::new(|f| f.defaults.letters = 500)),
        ("talking_points[2].points[0]", Box::new(|f| f.talking_points[2].points[0] = "  ".into())),
        ("talking_points[1].theme", Box::new(|f| f.talking_points[1].theme = String::new())),
        ("hashtags", Box::new(|f| f.hashtags = (0..101).map(|i| format!("#t{i}")).collect())),
    ];
    for (field, edit) in cases {
        let mut form = default_form();
        edit(&mut form);
        let problems = form.problems();
        assert_eq!(problems.first().map(|p| p.field.as_str()), Some(field), "{problems:?}");
        let e = form.apply(&default_source()).unwrap_err();
        assert_eq!(form_field(&e.0[0]), Some(field), "{e}");
        assert!(e.0[0].message.starts_with(&format!("{field}: ")), "{e}");
        assert!(e.0[0].message.len() > field.len() + 10, "{e}");
    }
}

#[test]
fn a_file_with_other_keys_and_missing_tables_gets_them() {
    let text = "# mine\nname = \"Small\"   # short\n\n[recipient]\nname = \"Ada\"\norganization = \"\"\naddress = [\"Boston, MA 02134\"]\nsalutation = \"Hi,\"\n";
    let source = Source::builtin("campaign.toml", text);
    let mut form = CampaignForm::read(&source).unwrap();
    assert!(form.talking_points.is_empty());
    assert_eq!(form.apply(&source).unwrap(), text, "unchanged defaults add nothing");
    form.defaults.postcards = 1;
    form.talking_points.push(ThemeForm { theme: "T".into(), points: vec!["P".into()] });
    form.name = "Bigger".into();
    let written = form.apply(&source).unwrap();
    assert!(written.starts_with("# mine\nname = \"Bigger\"   # short\n"), "{written}");
    assert!(written.contains("[defaults]\npostcards = 1\n"), "{written}");
    assert!(written.contains("[[talking_points]]\ntheme = \"T\"\npoints = [\n  \"P\",\n]\n"), "{written}");
    assert_eq!(CampaignForm::read(&Source::builtin("c.toml", &written)).unwrap(), form);
}

// ---------------------------------------------------------------------------------------------
// The participants table.

fn signup_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/signup/signup.csv")).unwrap()
}

#[test]
fn the_signup_table_has_every_record_and_cell_as_written() {
    let text = signup_text();
    let t = table("signup.csv", &text, None);
    assert_eq!(t.columns, ["name", "address1", "address2", "city", "state", "zip", "letters", "cards"]);
    assert_eq!(t.rows.len(), 28);
    assert!(t.rows.iter().all(|r| r.cells.len() == 8));
    let row = |line: usize| t.rows.iter().find(|r| r.line == line).unwrap();
    assert_eq!(row(3).cells[4], "Rhode Island");
    assert_eq!(row(6).cells[1], "22 Elm St\nRear entrance");
    let zip = row(3).issues.iter().find(|i| i.column.as_deref() == Some("zip")).unwrap();
    assert_eq!((zip.severity, zip.repaired.as_deref()), (Severity::Repair, Some("02906")));
    assert_eq!(
        zip.message,
        "column `zip`: `2906` became `02906`: no US ZIP Code has 4 digits: the leading zero a spreadsheet drops was put back"
    );
    let repairs = t.rows.iter().flat_map(|r| &r.issues).filter(|i| i.severity == Severity::Repair).count();
    assert_eq!(repairs, 36, "every repair, not only the first few of a kind");
}

#[test]
fn the_signup_table_shows_what_check_shows() {
    let dir = TempDir::new("serve-form-signup");
    let mut text = signup_text();
    // Damage beyond the repairs: a missing name, a bad count, a state that is none.
    text.push_str(",1 Main St,,Boston,MA,02134,,\r\nBo,2 Main St,,Boston,MA,02134,x,\r\nCy,3 Main St,,Boston,Bostn,213,,\r\n");
    dir.write("signup.csv", &text);
    let out = letterkit(dir.path(), &["check", "signup.csv", "--format", "json"]);
    let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let t = table("signup.csv", &text, None);
    let all: Vec<&CellIssue> = t.rows.iter().flat_map(|r| &r.issues).collect();
    let mut matched = 0;
    for d in &found {
        let Some(line) = d["line"].as_u64() else { continue };
        if d["file"].as_str() != Some("signup.csv") {
            continue;
        }
        let row =
            t.rows.iter().find(|r| r.line as u64 == line).unwrap_or_else(|| panic!("no row at line {line}"));
        let message = d["message"].as_str().unwrap();
        let issue = row
            .issues
            .iter()
            .find(|i| i.message == message)
            .unwrap_or_else(|| panic!("line {line}: {message} not in {:?}", row.issues));
        if let Some(code) = d["code"].as_str() {
            assert_eq!(issue.code, code);
        }
        let severity = if d["severity"] == "error" {
            Severity::Error
        } else if issue.code == "data.repaired" {
            Severity::Repair
        } else {
            Severity::Warning
        };
        assert_eq!(issue.severity, severity, "{message}");
        let column = d["column"].as_u64().unwrap() as usize;
        if let Some(c) = &issue.column {
            assert_eq!(t.columns[column - 1], *c, "{message}");
        }
        matched += 1;
    }
    // Everything but the repairs `check` counts instead of listing is in its report.
    for issue in all.iter().filter(|i| i.severity != Severity::Repair) {
        assert!(
            found.iter().any(|d| d["message"] == issue.message.as_str()),
            "{issue:?} not in check's report"
        );
    }
    assert!(matched > 20, "{found:?}");
    let by_line = |line: usize| &t.rows.iter().find(|r| r.line == line).unwrap().issues;
    let codes = |line: usize| {
        by_line(line).iter().map(|i| (i.column.clone(), i.severity, i.code.clone())).collect::<Vec<_>>()
    };
    let col = |c: &str| Some(c.to_string());
    assert_eq!(codes(34), [(col("name"), Severity::Error, "data.row".to_string())]);
    assert_eq!(codes(35), [(col("letters"), Severity::Error, "data.row".to_string())]);
    assert_eq!(
        codes(36),
        [
            (col("state"), Severity::Warning, "data.state".to_string()),
            (col("zip"), Severity::Warning, "data.zip".to_string()),
        ]
    );
}

#[test]
fn a_bad_header_is_a_problem_of_the_list_and_rows_stay() {
    let t = table("people.csv", "name,adress1,city,state\nAda,1 Main,Boston,MA\n", None);
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0].cells, ["Ada", "1 Main", "Boston", "MA"]);
    assert!(t.problems.iter().any(|p| p.contains("unknown column `adress1`")), "{:?}", t.problems);
    assert!(t.problems.iter().any(|p| p.contains("no `zip` column")), "{:?}", t.problems);
}

#[test]
fn rows_map_one_to_one_to_records_even_blank_ones() {
    let text = "name,address1,city,state,zip\n\nAda,1 Main,Boston,MA,02134\n,,,,\n\"Bo\nLee\",2 Main,Boston,ma,2134\n";
    let t = table("people.csv", text, None);
    let lines: Vec<usize> = t.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [3, 4, 5]);
    assert_eq!(t.rows[1].issues[0].message, "this row has no values; skipped");
    assert_eq!(t.rows[1].issues[0].column, None);
    assert!(t.problems.iter().any(|p| p == "line 2: empty line skipped"), "{:?}", t.problems);
    assert_eq!(t.rows[2].issues.len(), 3, "{:?}", t.rows[2].issues);
}

#[test]
fn a_table_of_300_rows_without_a_campaign_is_quick() {
    let signup = signup_text();
    let (header, body) = signup.split_once('\n').unwrap();
    let mut text = format!("{header}\n");
    for _ in 0..11 {
        text.push_str(body);
    }
    let start = std::time::Instant::now();
    let t = table("big.csv", &text, None);
    let took = start.elapsed();
    assert!(t.rows.len() >= 300);
    eprintln!("{} rows without a campaign: {took:?}", t.rows.len());
    assert!(took.as_millis() < 100, "{took:?}");
}

const LONG_STREET: &str =
    "Pneumonoultramicroscopicsilicovolcanoconiosis Pneumonoultramicroscopicsilicovolcanoconiosis Boulevard";

#[test]
fn with_a_campaign_a_long_address_gets_its_fit_error_on_its_column() {
    let dir = TempDir::new("serve-form-fit");
    let sandbox = Sandbox::default();
    let campaign =
        TableCampaign { campaign_text: DEFAULT_CAMPAIGN, campaign_dir: dir.path(), sandbox: &sandbox };
    let text = format!(
        "name,address1,address2,city,state,zip,cards\nAna Lima,12 Elm St,,Boston,MA,02134,\nBo Chen,{LONG_STREET},,Boston,MA,02134,\nWang Xiu Ying (王秀英),3 Elm St,,Boston,MA,02134,\nCy,4 Elm St,{LONG_STREET},Boston,MA,02134,1\n"
    );
    let start = std::time::Instant::now();
    let t = table("people.csv", &text, Some(&campaign));
    eprintln!("4 rows with the built-in campaign: {:?}", start.elapsed());
    assert!(t.rows[0].issues.is_empty(), "{:?}", t.rows[0].issues);
    let bo = &t.rows[1].issues;
    assert!(!bo.is_empty());
    for issue in bo {
        assert_eq!(
            (issue.column.as_deref(), issue.severity),
            (Some("address1"), Severity::Error),
            "{issue:?}"
        );
        assert!(issue.message.starts_with("`Bo Chen`: "), "{issue:?}");
    }
    assert!(bo.iter().any(|i| i.message.contains(&format!("the address line \"{LONG_STREET}\""))), "{bo:?}");
    let wang = &t.rows[2].issues;
    assert!(
        wang.iter().any(|i| i.column.as_deref() == Some("name")
            && i.code == "print.missing-glyph"
            && i.message.contains(
                "handwritten-letter, text element `return address`: no font has the character `王`"
            )),
        "{wang:?}"
    );
    // The card's smaller envelope too, for the one who makes a card; blamed on address2.
    let cy = &t.rows[3].issues;
    assert!(
        cy.iter()
            .any(|i| i.column.as_deref() == Some("address2") && i.message.contains("envelope for a card")),
        "{cy:?}"
    );
    // Without a campaign the same rows are only read.
    assert!(table("people.csv", &text, None).rows.iter().all(|r| r.issues.is_empty()));
}

#[test]
fn a_table_of_300_rows_with_a_campaign_reports_its_cost() {
    let dir = TempDir::new("serve-form-fit-300");
    let sandbox = Sandbox::default();
    let campaign =
        TableCampaign { campaign_text: DEFAULT_CAMPAIGN, campaign_dir: dir.path(), sandbox: &sandbox };
    let signup = signup_text();
    let (header, body) = signup.split_once('\n').unwrap();
    let mut text = format!("{header}\n");
    for _ in 0..11 {
        text.push_str(body);
    }
    let start = std::time::Instant::now();
    let t = table("big.csv", &text, Some(&campaign));
    let took = start.elapsed();
    eprintln!("{} rows with the built-in campaign: {took:?}", t.rows.len());
    assert!(t.rows.len() >= 300);
    assert!(took.as_secs() < 20, "{took:?}");
}

fn sign_in(cells: &[(&str, &str)]) -> Vec<CellIssue> {
    let cells: Vec<(String, String)> = cells.iter().map(|(c, v)| (c.to_string(), v.to_string())).collect();
    check_new_row(&cells, None)
}

fn good_row() -> Vec<(&'static str, &'static str)> {
    vec![
        ("name", "Ana Lima"),
        ("address1", "12 Elm St"),
        ("address2", ""),
        ("city", "Boston"),
        ("state", "MA"),
        ("zip", "02134"),
        ("letters", "1"),
        ("cards", ""),
        ("postcards", ""),
    ]
}

fn with(column: &'static str, value: &'static str) -> Vec<CellIssue> {
    let mut row = good_row();
    row.iter_mut().find(|(c, _)| *c == column).unwrap().1 = value;
    sign_in(&row)
}

/// The one issue of a row, as (column, severity, message).
fn only(issues: Vec<CellIssue>) -> (String, Severity, String) {
    assert_eq!(issues.len(), 1, "{issues:?}");
    let i = &issues[0];
    (i.column.clone().unwrap_or_default(), i.severity, i.message.clone())
}

#[test]
fn a_good_sign_in_has_no_issues() {
    assert_eq!(sign_in(&good_row()), []);
}

#[test]
fn each_sign_in_mistake_is_said_in_plain_words_next_to_its_field() {
    let e = Severity::Error;
    let s = |x: &str| x.to_string();
    assert_eq!(only(with("zip", "213")), (s("zip"), e, s("The ZIP code should be 5 digits, like 02134.")));
    assert_eq!(only(with("zip", "")), (s("zip"), e, s("Please write your ZIP code, like 02134.")));
    assert_eq!(
        only(with("state", "Bostn")),
        (s("state"), e, s("We could not find a state called 'Bostn'. Use the two-letter code, like MA."))
    );
    assert_eq!(only(with("name", "  ")), (s("name"), e, s("Please write your name.")));
    assert_eq!(only(with("address1", "")), (s("address1"), e, s("Please write your street address.")));
    assert_eq!(only(with("city", "")), (s("city"), e, s("Please write your town or city.")));
    assert_eq!(
        only(with("letters", "x")),
        (s("letters"), e, s("Write how many letters as a whole number from 0 to 20."))
    );
    assert_eq!(
        only(with("cards", "21")),
        (s("cards"), e, s("Write how many cards as a whole number from 0 to 20."))
    );
    assert_eq!(only(with("postcards", "-1")).0, "postcards");
    assert_eq!(
        only(with("address1", LONG_STREET)),
        (
            s("address1"),
            e,
            s(
                "This address line is too long to fit on the envelope. Shorten it, for example 'Apt' for 'Apartment'."
            )
        )
    );
    assert_eq!(
        only(with("name", "Wang Xiu Ying (王秀英)")),
        (
            s("name"),
            e,
            s("We cannot print the character '王' with our fonts. Please write this with other letters.")
        )
    );
    // What build repairs is no mistake: the person sees what will be printed.
    assert_eq!(
        only(with("state", "massachusetts")),
        (s("state"), Severity::Repair, s("We will print this as 'MA'."))
    );
    assert_eq!(only(with("zip", "2134")), (s("zip"), Severity::Repair, s("We will print this as '02134'.")));
}

#[test]
fn a_sign_in_without_some_columns_still_gets_checked() {
    let issues = sign_in(&[("name", "Ana"), ("zip", "2134"), ("email", "a@example.org")]);
    let columns: Vec<&str> = issues.iter().filter_map(|i| i.column.as_deref()).collect();
    assert_eq!(columns, ["address1", "city", "state", "zip"], "{issues:?}");
}

#[test]
fn a_problem_the_file_already_has_names_where_it_is() {
    let text = DEFAULT_CAMPAIGN.replace("[recipient]\n", "[recipient]\nfax = \"555\"\n");
    let source = Source::builtin("campaign.toml", &text);
    let mut form = default_form();
    form.name = "New".into();
    let e = form.apply(&source).unwrap_err();
    assert_eq!(form_field(&e.0[0]), Some("recipient.fax"), "{e}");
    assert!(e.0[0].message.starts_with("recipient.fax: unknown key `fax`"), "{e}");
    let text = format!("colour = 1\n{DEFAULT_CAMPAIGN}");
    let e = form.apply(&Source::builtin("campaign.toml", &text)).unwrap_err();
    assert_eq!(form_field(&e.0[0]), Some("campaign"), "{e}");
    assert_eq!(e.0[0].position.map(|p| p.0), Some(1), "{e}");
}

/// The built-in campaign with its own #10 envelope design in `dir`, whose return address box
/// is `height` tall.
fn with_envelope_design(dir: &TempDir, height: &str) -> String {
    dir.write(
        "envelope.toml",
        format!(
            "format = \"envelope-10\"\n\n[[element]]\nkind = \"text\"\nname = \"from\"\nx = \"0.375in\"\ny = \"0.375in\"\nwidth = \"2.5in\"\nheight = \"{height}\"\nfont = \"sans\"\nsize = \"9pt\"\ntext = \"{{return_address}}\"\n\n[[element]]\nkind = \"address\"\nname = \"delivery address\"\n"
        ),
    );
    DEFAULT_CAMPAIGN.replacen("envelope = \"auto\"", "envelope_design = \"envelope.toml\"", 1)
}

#[test]
fn a_campaigns_own_envelope_design_is_laid_out_for_each_row() {
    let dir = TempDir::new("serve-form-envelope-design");
    let campaign_text = with_envelope_design(&dir, "0.55in");
    let sandbox = Sandbox::default();
    let campaign =
        TableCampaign { campaign_text: &campaign_text, campaign_dir: dir.path(), sandbox: &sandbox };
    let text = "name,address1,address2,city,state,zip\nAna Lima,12 Elm St,,Boston,MA,02134\nBo Chen,12 Elm St,Riverside Gardens Cooperative Building 7,Boston,MA,02134\n";
    let t = table("people.csv", text, Some(&campaign));
    assert!(t.rows[0].issues.is_empty(), "{:?}", t.rows[0].issues);
    let bo = &t.rows[1].issues;
    assert!(
        bo.iter().any(|i| i.column.as_deref() == Some("address2")
            && i.code == "print.overflow"
            && i.message.starts_with("`Bo Chen`: text element `from`: the text does not fit its box")),
        "{bo:?}"
    );
}

#[test]
fn names_in_other_scripts_are_laid_out_with_the_fonts_build_would_find() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/signup/scripts.csv"))
            .unwrap();
    let dir = TempDir::new("serve-form-scripts");
    let sandbox = Sandbox::default()
        .with_font_dirs(letterkit::input::fontdirs::FontDirs { paths: Vec::new(), system: true });
    let campaign =
        TableCampaign { campaign_text: DEFAULT_CAMPAIGN, campaign_dir: dir.path(), sandbox: &sandbox };
    let start = std::time::Instant::now();
    let t = table("scripts.csv", &text, Some(&campaign));
    eprintln!("{} rows in other scripts, system fonts searched: {:?}", t.rows.len(), start.elapsed());
    // Build's check of the same list says the same: where the computer has the fonts, nothing.
    let out = letterkit(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["check", "tests/signup/scripts.csv", "--format", "json"],
    );
    let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let from_check: std::collections::BTreeSet<u64> = found
        .iter()
        .filter(|d| d["message"].as_str().unwrap_or("").contains("no font has"))
        .filter_map(|d| d["line"].as_u64())
        .collect();
    let from_table: std::collections::BTreeSet<u64> = t
        .rows
        .iter()
        .filter(|r| r.issues.iter().any(|i| i.code == "print.missing-glyph"))
        .map(|r| r.line as u64)
        .collect();
    assert_eq!(from_table, from_check, "table: {:?}\ncheck: {found:?}", t.rows);
    // The same messages, but for the envelope's piece number (the table does not number pieces).
    for d in found.iter().filter(|d| d["line"].as_u64().is_some()) {
        let row = t.rows.iter().find(|r| Some(r.line as u64) == d["line"].as_u64()).unwrap();
        let message = d["message"].as_str().unwrap().replace("envelope for L-0001", "envelope for a letter");
        let message = unnumbered(&message);
        assert!(
            row.issues.iter().any(|i| unnumbered(&i.message) == message),
            "{message} not in {:?}",
            row.issues
        );
    }
    for row in &t.rows {
        for issue in &row.issues {
            assert_eq!(issue.column.as_deref(), Some("name"), "{issue:?}");
        }
    }
}

/// A message with any envelope's piece number (`envelope for L-0004`) said as the table says it.
fn unnumbered(message: &str) -> String {
    match message.split_once("envelope for L-") {
        Some((before, after)) => {
            let rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
            format!("{before}envelope for a letter{rest}")
        }
        None => message.to_string(),
    }
}

#[test]
fn a_design_too_small_for_anyone_does_not_stop_a_sign_in() {
    let dir = TempDir::new("serve-form-small-design");
    let campaign_text = with_envelope_design(&dir, "0.2in");
    let sandbox = Sandbox::default();
    let campaign =
        TableCampaign { campaign_text: &campaign_text, campaign_dir: dir.path(), sandbox: &sandbox };
    let cells: Vec<(String, String)> =
        good_row().iter().map(|(c, v)| (c.to_string(), v.to_string())).collect();
    assert_eq!(check_new_row(&cells, Some(&campaign)), []);
    // The organiser's table still shows it, as build would stop on it.
    let t = table(
        "people.csv",
        "name,address1,city,state,zip\nAna Lima,12 Elm St,Boston,MA,02134\n",
        Some(&campaign),
    );
    assert!(t.rows[0].issues.iter().any(|i| i.code == "print.overflow"), "{:?}", t.rows[0].issues);
}
