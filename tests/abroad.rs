//! Writers outside the United States: return addresses in their country's order with the country last, the delivery address ending in UNITED STATES OF AMERICA, postal codes checked by country, and postage left to the local post office.

mod common;

use std::path::Path;

use common::{PdfDoc, TempDir, letterkit};
use letterkit::base::diag::{Source, Warnings};
use letterkit::base::formats::{self, Kind};
use letterkit::kit::pages::{EnvelopeContent, envelope};
use letterkit::mail::countries::{DESTINATION, from_abroad};
use letterkit::mail::{barcode_clear_zone, ocr_read_area};
use letterkit::model::participants::{self, Participant};
use letterkit::text::fonts::FontBook;

/// Writers in Canada, Mexico and the UK (with a flat: the longest return address), and one
/// in the US.
const PEOPLE: &str = "name,address1,address2,city,state,zip,country,letters,cards,postcards\n\
Jean Tremblay,100 Queen St W,,Toronto,Ontario,m5h2n2,Canada,1,1,0\n\
Ana Martínez,Calle Durango 245,Depto 3,Ciudad de México,CDMX,6600,México,1,0,1\n\
Priya Shah,10 Downing Street,Flat 2,London,,sw1a2aa,UK,1,0,1\n\
Zoë O'Brien,12 Elm Street,Apt 3,Boston,MA,02134,,1,0,0\n";

/// The return addresses as printed, by row.
const RETURNS: [&[&str]; 4] = [
    &["Jean Tremblay", "100 Queen St W", "Toronto ON  M5H 2N2", "CANADA"],
    &["Ana Martínez", "Calle Durango 245", "Depto 3", "06600 Ciudad de México, CDMX", "MEXICO"],
    &["Priya Shah", "10 Downing Street, Flat 2", "LONDON", "SW1A 2AA", "UNITED KINGDOM"],
    &["Zoë O'Brien", "12 Elm Street", "Apt 3", "Boston, MA 02134"],
];

fn read(text: &str) -> (participants::List, Vec<String>) {
    let mut warnings = Warnings::default();
    let list = participants::parse_list(&Source::builtin("people.csv", text), &mut warnings).unwrap();
    (list, warnings.0.iter().map(|d| d.to_string()).collect())
}

fn build(dir: &TempDir, list: &str) -> (String, String) {
    dir.write("people.csv", list);
    let out = letterkit(dir.path(), &["build", "--participants", "people.csv", "-o", "kit"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

fn doc(dir: &TempDir, file: &str) -> PdfDoc {
    PdfDoc::parse(&std::fs::read(dir.path().join("kit").join(file)).unwrap())
}

fn manifest(dir: &TempDir) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.path().join("kit/manifest.json")).unwrap()).unwrap()
}

#[test]
fn return_addresses_follow_the_country_and_end_with_it() {
    let (list, _) = read(PEOPLE);
    let got: Vec<Vec<String>> = list.people.iter().map(Participant::return_address).collect();
    assert_eq!(got, RETURNS.map(|r| r.iter().map(|s| s.to_string()).collect::<Vec<_>>()));
    let abroad: Vec<bool> = list.people.iter().map(Participant::abroad).collect();
    assert_eq!(abroad, [true, true, true, false]);
    assert_eq!(list.people[2].city_line(), "LONDON\nSW1A 2AA\nUNITED KINGDOM");
    // The `state` and `zip` columns abroad are the region and postal code: no US repairs.
    assert_eq!((list.people[0].state.as_str(), list.people[0].zip.as_str()), ("ON", "M5H 2N2"));
    assert_eq!((list.people[1].state.as_str(), list.people[1].zip.as_str()), ("CDMX", "06600"));
}

#[test]
fn postal_codes_are_repaired_and_checked_by_country() {
    let (_, warnings) = read(PEOPLE);
    assert_eq!(
        warnings,
        [
            "warning: people.csv:2:5: column `state`: `Ontario` became `ON`: a region of Canada is written as the code its post uses (layouts/countries.toml)",
            "warning: people.csv:2:6: column `zip`: `m5h2n2` became `M5H 2N2`: a postal code of Canada is written A9A 9A9 (9 is a digit, A a letter)",
            "warning: people.csv:3:6: column `zip`: `6600` became `06600`: a postal code of Mexico has 5 digits: the leading zero a spreadsheet drops was put back",
            "warning: people.csv:4:6: column `zip`: `sw1a2aa` became `SW1A 2AA`: a postal code of the United Kingdom is written A9 9AA, A99 9AA, AA9 9AA, AA99 9AA, A9A 9AA or AA9A 9AA (9 is a digit, A a letter)",
        ]
    );
    let (list, warnings) = read(
        "name,address1,city,state,zip,country\n\
         Jean,1 Main St,Toronto,ON,12345,CA\n\
         Ana,Calle 5,Puebla,,,Mexico\n\
         Priya,1 High St,Leeds,West Yorkshire,LS1 1UR,England\n\
         Ngozi,5 Marina Rd,Lagos,Lagos State,,Nigeria\n\
         Luis,Calle 8,La Paz,,,Bolivia\n\
         Eva,Av 9,Sucre,,1234,BO\n",
    );
    assert_eq!(list.people.len(), 6, "no row abroad is an error, not even without a postal code");
    let hints: Vec<&str> = warnings.iter().filter_map(|w| w.split_once("\nhint: ").map(|(_, h)| h)).collect();
    let messages: Vec<&str> = warnings.iter().map(|w| w.split('\n').next().unwrap()).collect();
    assert_eq!(
        messages,
        [
            "warning: people.csv:2:5: column `zip`: `12345` is not a postal code of Canada, written A9A 9A9 (9 is a digit, A a letter)",
            "warning: people.csv:3:5: column `zip`: no postal code; addresses in Mexico have one, written 99999 (9 is a digit)",
            "warning: people.csv:4:4: column `state`: `West Yorkshire` is not printed: addresses in the United Kingdom have no region line",
            "warning: people.csv:5:6: column `country`: `Nigeria` is not a country letterkit knows: the return address is printed as written, with NIGERIA as its last line, and its postal code is not checked",
            "warning: people.csv:7:5: column `zip`: `1234` is printed as written, but addresses in Bolivia have no postal code",
        ]
    );
    assert_eq!(
        hints,
        [
            "check it with the writer; it is printed as written",
            "ask the writer for it: mail returned to them is sorted by it",
            "leave `state` empty for this row, or put a locality it needs in `address2`",
            "write the country's name in English or its two-letter ISO code (CA, MX, GB); layouts/countries.toml lists the countries letterkit knows",
            "check it with the writer; it is printed as written",
        ]
    );
    assert_eq!(list.people[0].zip, "12345", "a code in none of the forms is printed as written");
    assert_eq!(list.people[2].return_address(), ["Priya", "1 High St", "LEEDS", "LS1 1UR", "UNITED KINGDOM"]);
    assert_eq!(list.people[3].return_address(), ["Ngozi", "5 Marina Rd", "Lagos, Lagos State", "NIGERIA"]);
    assert_eq!(list.people[4].return_address(), ["Luis", "Calle 8", "La Paz", "BOLIVIA"]);
    // A US row keeps its checks: a missing ZIP is still an error there.
    let mut warnings = Warnings::default();
    let list = participants::parse_list(
        &Source::builtin("people.csv", "name,address1,city,state,zip,country\nAda,1 Main,Boston,MA,,USA\n"),
        &mut warnings,
    )
    .unwrap();
    assert_eq!(
        list.bad_rows[0].errors[0].1.to_string(),
        "error: people.csv:2:5: column `zip`: the ZIP code is missing"
    );
}

/// Every standard envelope holds the longest cases: a five-line return address abroad (the
/// UK with a flat, the street lines joined) with long lines, and the delivery address with
/// its country line, inside the OCR read area, above the barcode clear zone, the return
/// address above the read area (DMM 202.2.1; Pub 28 A1).
#[test]
fn every_envelope_holds_the_longest_addresses_from_abroad() {
    let (list, _) = read(
        "name,address1,address2,city,state,zip,country\n\
         Priya Shah-Worthington,Flat 12 Kensington Court Mansions,Kensington Court Gardens,London,,W8 5DL,United Kingdom\n\
         Ana Martínez de la Concepción,Avenida Insurgentes Sur 1235,Departamento 402 Torre B,Ciudad de México,CDMX,03100,MX\n",
    );
    let fonts = FontBook::bundled();
    let recipient: Vec<String> = [
        "THE HONORABLE ALEJANDRO MAYORKAS",
        "SECRETARY",
        "US DEPARTMENT OF HOMELAND SECURITY",
        "WASHINGTON DC 20528",
    ]
    .map(String::from)
    .to_vec();
    let delivery = from_abroad(&recipient);
    assert_eq!(delivery.len(), 5);
    for p in &list.people {
        let returns = p.return_address();
        assert_eq!(returns.len(), 5, "{returns:?}");
        for format in formats::all().iter().filter(|f| f.kind == Kind::Envelope) {
            let content = EnvelopeContent {
                return_lines: Some(&returns),
                delivery_lines: &delivery,
                piece: Some("L-0001"),
                labels: letterkit::model::labels::Labels::english(),
            };
            let (page, placed) = envelope(&fonts, format, &content)
                .unwrap_or_else(|m| panic!("{}: {m} ({returns:?})", format.name));
            let (w, h) = (page.trim.width, page.trim.height);
            let ocr = ocr_read_area(w, h);
            assert!(
                ocr.outset(0.01).contains(&placed.address),
                "{}: {:?} {:?}",
                format.name,
                placed.address,
                ocr
            );
            assert!(!placed.address.intersects(&barcode_clear_zone(w, h)), "{}", format.name);
            assert!(
                placed.return_address.bottom() <= ocr.y,
                "{}: the return address reaches the read area",
                format.name
            );
            assert!(!placed.return_address.intersects(&placed.stamp), "{}", format.name);
        }
    }
}

/// The envelope page's lines, top to bottom: the return address (above the read area, the
/// stamp box's label left out) and the delivery address (inside it, the piece number left out).
fn envelope_blocks(page: &common::PdfPage) -> (Vec<String>, Vec<String>) {
    let ocr_top = page.size().1 - 2.75 * 72.0;
    let texts = |above: bool| -> Vec<String> {
        page.lines
            .iter()
            .filter(|l| (l.y < ocr_top) == above)
            .map(|l| l.text.clone())
            .filter(|t| !["PLACE", "STAMP", "HERE"].contains(&t.as_str()))
            .filter(|t| !["L-", "C-", "E-"].iter().any(|p| t.starts_with(p)))
            .collect()
    };
    (texts(true), texts(false))
}

#[test]
fn a_kit_for_writers_abroad() {
    let dir = TempDir::new("abroad-kit");
    let (summary, _) = build(&dir, PEOPLE);
    // Envelopes: letters L-0001..4 then the card's C-0001 (Jean, in Canada).
    let envelopes = doc(&dir, "envelopes.pdf");
    assert_eq!(envelopes.pages.len(), 5);
    let writer_of_page = [0, 1, 2, 3, 0];
    for (page, &writer) in envelopes.pages.iter().zip(&writer_of_page) {
        let (returns, delivery) = envelope_blocks(page);
        let expected: Vec<String> = RETURNS[writer].iter().map(|s| s.to_string()).collect();
        assert_eq!(returns, expected, "page of writer {writer}: {:?}", page.texts());
        let last = delivery.last().map(String::as_str);
        if writer == 3 {
            assert_eq!(last, Some("WASHINGTON DC 20528"), "a US writer's envelope is as before");
        } else {
            assert_eq!(last, Some(DESTINATION), "{:?}", page.texts());
            assert_eq!(delivery[delivery.len() - 2], "WASHINGTON DC 20528");
        }
    }
    // The postcards (Ana in Mexico, Priya in the UK): the address side ends with the country.
    let postcards = doc(&dir, "postcards.pdf");
    let address_sides: Vec<&common::PdfPage> =
        postcards.pages.iter().filter(|p| p.texts().iter().any(|t| t == "WASHINGTON DC 20528")).collect();
    assert_eq!(address_sides.len(), 2);
    for (side, country) in address_sides.iter().zip(["MEXICO", "UNITED KINGDOM"]) {
        let texts = side.texts();
        let at = |text: &str| {
            side.lines.iter().find(|l| l.text == text).unwrap_or_else(|| panic!("{text}: {texts:?}"))
        };
        let (city, usa) = (at("WASHINGTON DC 20528"), at(DESTINATION));
        assert!(usa.y > city.y && (usa.x - city.x).abs() < 0.01, "{texts:?}");
        let below = side.lines.iter().filter(|l| l.y > usa.y + 1.0 && l.x >= usa.x - 1.0).count();
        assert_eq!(below, 0, "nothing under the address's last line: {texts:?}");
        assert!(texts.iter().any(|t| t == country), "{texts:?}");
    }
    // Postage: only the US writer's letter is in the USPS estimate.
    assert!(
        summary.contains("Postage: about $0.78 for 1 piece mailed in the United States (prices as of "),
        "{summary}"
    );
    assert!(
        summary.contains("note: 6 pieces mailed from outside the United States (Canada, Mexico, United Kingdom) are not in the USPS postage estimate: ask the local post office for the postage of an international letter or postcard to the United States.\n"),
        "{summary}"
    );
    let m = manifest(&dir);
    assert_eq!(m["postage"]["total_usd"], 0.78);
    assert_eq!(m["postage"]["mailed_abroad"], 6);
    assert!(m["postage"]["abroad_note"].as_str().unwrap().starts_with("6 pieces mailed from outside"));
    let pieces = m["pieces"].as_array().unwrap();
    let from: Vec<(&str, Option<&str>, Option<f64>)> = pieces
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["mailed_from"].as_str(), p["postage_usd"].as_f64()))
        .collect();
    assert_eq!(
        from,
        [
            ("L-0001", Some("Canada"), None),
            ("L-0002", Some("Mexico"), None),
            ("L-0003", Some("United Kingdom"), None),
            ("L-0004", None, Some(0.78)),
            ("C-0001", Some("Canada"), None),
            ("P-0001", Some("Mexico"), None),
            ("P-0002", Some("United Kingdom"), None),
        ]
    );
    // The counts the organiser's page shows say the same.
    let mut options = letterkit::kit::BuildOptions::new(dir.path().join("unused"));
    options.participants = Some(dir.path().join("people.csv"));
    let counts = letterkit::kit::counts(&options, &mut Warnings::default()).unwrap();
    assert_eq!((counts.postage.as_str(), counts.mailed_abroad), ("$0.78", 6));
    assert!(
        counts.postage_note.starts_with("for 1 piece mailed in the United States (prices as of "),
        "{}",
        counts.postage_note
    );
    assert!(
        counts
            .postage_note
            .contains("; 6 pieces mailed from outside the United States (Canada, Mexico, United Kingdom)")
    );
    check_envelopes(&dir.path().join("kit/envelopes.pdf"));
}

#[test]
fn a_kit_written_in_the_us_has_no_international_note() {
    let dir = TempDir::new("abroad-us-only");
    let (summary, stderr) = build(
        &dir,
        "name,address1,city,state,zip,country\nAda,1 Main St,Boston,MA,02134,USA\nBo,2 Main St,Boston,MA,02134,\n",
    );
    assert!(summary.contains("Postage: about $1.56 for 2 pieces (prices as of "), "{summary}");
    assert!(!summary.contains("outside the United States"), "{summary}");
    assert!(stderr.is_empty(), "{stderr}");
    let m = manifest(&dir);
    assert!(m["postage"].get("mailed_abroad").is_none() && m["postage"].get("abroad_note").is_none());
    assert!(m["pieces"][0].get("mailed_from").is_none());
    let envelopes = doc(&dir, "envelopes.pdf");
    assert!(envelopes.pages.iter().all(|p| !p.texts().iter().any(|t| t == DESTINATION)));
}

/// `.ci/check_envelopes.py` on the kit's envelopes: the whole delivery address, its country
/// line included, inside the read area and the barcode clear zone empty.
fn check_envelopes(pdf: &Path) {
    let Some(report) = common::check_envelopes_py(pdf) else { return };
    assert_eq!(report.matches("5-line address").count(), 4, "the country line is checked too: {report}");
}

#[test]
fn envelopes_alone_and_check_know_writers_abroad() {
    let dir = TempDir::new("abroad-envelopes");
    dir.write("people.csv", PEOPLE);
    let out = letterkit(dir.path(), &["envelopes", "--participants", "people.csv", "-o", "env.pdf"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let envelopes = PdfDoc::parse(&std::fs::read(dir.path().join("env.pdf")).unwrap());
    // One envelope per letter and card: Jean's letter and card, then Ana, Priya and Zoë.
    let last_lines: Vec<String> =
        envelopes.pages.iter().map(|p| envelope_blocks(p).1.last().cloned().unwrap_or_default()).collect();
    assert_eq!(last_lines, [DESTINATION, DESTINATION, DESTINATION, DESTINATION, "WASHINGTON DC 20528"]);
    // `check`: a region is no part of a UK address, so its absence is no incomplete return address.
    let out = letterkit(dir.path(), &["check", "--participants", "people.csv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("return address on their envelopes will be incomplete"), "{stderr}");
    dir.write("people.csv", "name,address1,city,state,zip,country\nPriya,,London,,SW1A 2AA,UK\n");
    let out = letterkit(dir.path(), &["check", "--participants", "people.csv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "people.csv:2:1: Priya: no `address1`; the return address on their envelopes will be incomplete"
        ),
        "{stderr}"
    );
}

#[test]
fn a_kit_mailed_only_from_abroad_has_no_usps_estimate() {
    let dir = TempDir::new("abroad-only");
    let list =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/abroad/participants.csv"))
            .unwrap();
    let (summary, stderr) = build(&dir, &list);
    assert!(stderr.is_empty(), "the CI list reads without a warning: {stderr}");
    assert!(!summary.contains("Postage: about"), "{summary}");
    assert!(summary.contains("note: 9 pieces mailed from outside the United States (Canada, Mexico, United Kingdom) are not in the USPS postage estimate"), "{summary}");
    let m = manifest(&dir);
    assert_eq!(
        (m["postage"]["total_usd"].as_f64(), m["postage"]["mailed_abroad"].as_u64()),
        (Some(0.0), Some(9))
    );
}
