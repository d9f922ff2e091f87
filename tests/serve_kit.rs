//! The kit's library functions behind `letterkit serve`: one person's pieces, a draft's
//! preview, the counts without a build, the kit as a zip, a build's progress and the handout's
//! sign-in QR code.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use common::{PdfDoc, TempDir};
use letterkit::base::diag::Warnings;
use letterkit::kit::{self, BuildOptions, PreviewPiece, PreviewRequest, Progress};
use letterkit::model::campaign::DEFAULT_CAMPAIGN;

/// Three people: the first makes letters, a card and a postcard; the third only a postcard.
const PEOPLE: &str = "name,address1,address2,city,state,zip,letters,cards,postcards\n\
Zoë O’Brien,12 Elm Street,Apt 3,Boston,MA,02134,2,1,1\n\
Nguyễn Văn An,450 Oak Avenue,,Portland,ME,04101,1,0,0\n\
Ana Lima,7 Pine Road,,Newark,NJ,07102,0,0,1\n";

/// Build options for the built-in campaign and `people.csv` in `dir`, into `dir/kit`.
fn options(dir: &Path) -> BuildOptions {
    BuildOptions {
        participants: Some(dir.join("people.csv")),
        count: 1,
        ..BuildOptions::new(dir.join("kit"))
    }
}

fn manifest(kit: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(kit.join("manifest.json")).unwrap()).unwrap()
}

fn all_text(pdf: &[u8]) -> String {
    PdfDoc::parse(pdf).texts().into_iter().flatten().collect::<Vec<_>>().join("\n")
}

/// Whether a PNG's header gives the pixel size `(width, height)`, give or take the one pixel
/// of rounding.
fn png_size(png: &[u8], (width, height): (u32, u32)) -> bool {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let (w, h) = (be(&png[16..20]), be(&png[20..24]));
    eprintln!("{w} x {h} px");
    w.abs_diff(width) <= 1 && h.abs_diff(height) <= 1
}

#[test]
fn a_persons_pdf_is_their_pieces_and_envelopes_numbered_as_in_the_kit() {
    let dir = TempDir::new("serve-kit-person");
    dir.write("people.csv", PEOPLE);
    let mut build = options(dir.path());
    build.split = true;
    kit::build(&build, &mut Warnings::default()).expect("the kit builds");
    let m = manifest(&build.output);
    for (line, name, other) in [(2, "Zoë O’Brien", "Nguyễn"), (3, "Nguyễn Văn An", "Zoë")] {
        let pdf = kit::person_pdf(&build, line, &mut Warnings::default()).expect("the person's pieces");
        let mine: Vec<&serde_json::Value> =
            m["pieces"].as_array().unwrap().iter().filter(|p| p["row"] == line).collect();
        let pages: usize = mine.iter().map(|p| p["pages"].as_array().unwrap().len()).sum();
        let envelopes = mine.iter().filter(|p| p.get("envelope").is_some()).count();
        assert_eq!(letterkit::render::page_count(&pdf).unwrap(), pages + envelopes, "{name}");
        let text = all_text(&pdf);
        assert!(text.contains(name), "{name}: {text}");
        assert!(text.contains("WASHINGTON DC 20528"), "the DHS address: {text}");
        assert!(!text.contains(other), "{name}'s pieces hold {other}: {text}");
        for piece in &mine {
            let id = piece["id"].as_str().unwrap();
            if piece.get("envelope").is_some() {
                assert!(text.contains(id), "{name}: the envelope of {id}: {text}");
            }
        }
        // The same pages as the participant file `--split` writes.
        let split = std::fs::read_dir(build.output.join("participants"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("{:03}-", line - 1)))
            .expect("the participant file");
        assert_eq!(pdf, std::fs::read(split).unwrap(), "{name}: the --split file");
    }
    // Piece numbers as in the kit: the second person's letter is the kit's third.
    let text = all_text(&kit::person_pdf(&build, 3, &mut Warnings::default()).unwrap());
    assert!(text.contains("L-0003"), "{text}");
}

#[test]
fn a_person_pdf_for_a_line_without_a_row_names_the_list_and_line() {
    let dir = TempDir::new("serve-kit-person-missing");
    dir.write("people.csv", PEOPLE);
    let e = kit::person_pdf(&options(dir.path()), 9, &mut Warnings::default()).unwrap_err();
    let message = e.to_string();
    assert!(message.contains("people.csv: line 9:"), "{message}");
    assert!(message.contains("no participant's row is on this line"), "{message}");
}

/// A preview of `piece` for Zoë's row from the built-in campaign's text, changed by `edit`.
fn preview_of(dir: &Path, campaign: &str, piece: PreviewPiece, page: usize) -> letterkit::kit::Preview {
    let csv = PEOPLE.lines().take(2).collect::<Vec<_>>().join("\n");
    let request = PreviewRequest {
        campaign_text: campaign,
        campaign_dir: dir,
        sandbox: &Default::default(),
        csv_text: &csv,
        piece,
        page,
        dpi: 50.0,
    };
    kit::preview(&request, &mut Warnings::default()).unwrap_or_else(|e| panic!("{piece:?}: {e}"))
}

#[test]
fn a_preview_is_a_png_of_the_piece_and_follows_the_draft() {
    let dir = TempDir::new("serve-kit-preview");
    // Warm up once (fonts, caches), then time a letter as the organiser page asks for it.
    preview_of(dir.path(), DEFAULT_CAMPAIGN, PreviewPiece::Letter, 1);
    let started = std::time::Instant::now();
    let letter = preview_of(dir.path(), DEFAULT_CAMPAIGN, PreviewPiece::Letter, 1);
    eprintln!("one letter preview: {:.0} ms", started.elapsed().as_secs_f64() * 1000.0);
    // US Letter at 50 dpi.
    assert!(png_size(&letter.png, (425, 550)));
    assert_eq!(letter.pages, 1);
    let envelope = preview_of(dir.path(), DEFAULT_CAMPAIGN, PreviewPiece::Envelope, 1);
    // A #10 envelope, 9.5 x 4.125 in, landscape.
    assert!(png_size(&envelope.png, (475, 207)));
    // The draft's recipient shows on the envelope.
    let draft = DEFAULT_CAMPAIGN.replace("The Honorable Alejandro Mayorkas", "The Honorable Jane Doe");
    assert_ne!(draft, DEFAULT_CAMPAIGN);
    let changed = preview_of(dir.path(), &draft, PreviewPiece::Envelope, 1);
    assert_ne!(changed.png, envelope.png, "the envelope follows the draft's recipient");
    assert_eq!(preview_of(dir.path(), DEFAULT_CAMPAIGN, PreviewPiece::Envelope, 1).png, envelope.png);
    // A postcard has two pages, a card's envelope one.
    let postcard = preview_of(dir.path(), DEFAULT_CAMPAIGN, PreviewPiece::Postcard, 2);
    assert_eq!(postcard.pages, 2);
    // 6 x 4 in with its 1/8 in bleed all round.
    assert!(png_size(&postcard.png, (312, 212)));
    assert_eq!(preview_of(dir.path(), DEFAULT_CAMPAIGN, PreviewPiece::CardEnvelope, 1).pages, 1);
    assert!(preview_of(dir.path(), DEFAULT_CAMPAIGN, PreviewPiece::Card, 1).pages >= 1);
}

#[test]
fn a_preview_finds_the_drafts_designs_in_its_folder() {
    // `letterkit init` makes a campaign whose letter is a design file beside it.
    let dir = TempDir::new("serve-kit-preview-folder");
    letterkit::cli::commands::init(dir.path()).unwrap();
    let text = std::fs::read_to_string(dir.path().join("campaign.toml")).unwrap();
    assert!(text.contains("letter = \"handwritten-letter.toml\""));
    let letter = preview_of(dir.path(), &text, PreviewPiece::Letter, 1);
    let draft = text.replace("Dear Secretary Mayorkas,", "Dear Secretary Noem,");
    assert_ne!(draft, text);
    let changed = preview_of(dir.path(), &draft, PreviewPiece::Letter, 1);
    assert_ne!(changed.png, letter.png, "the letter follows the draft's salutation");
    // A design the draft names that is not in the folder: the error names the campaign file.
    let missing = text.replace("handwritten-letter.toml", "no-such-letter.toml");
    let request = PreviewRequest {
        campaign_text: &missing,
        campaign_dir: dir.path(),
        sandbox: &Default::default(),
        csv_text: "name,address1,city,state,zip\nAna Lima,7 Pine Road,Newark,NJ,07102\n",
        piece: PreviewPiece::Letter,
        page: 1,
        dpi: 50.0,
    };
    let message = kit::preview(&request, &mut Warnings::default()).err().expect("an error").to_string();
    assert!(message.contains("no-such-letter.toml"), "{message}");
}

#[test]
fn a_preview_gives_builds_errors() {
    let dir = TempDir::new("serve-kit-preview-errors");
    let run = |campaign: &str, csv: &str, page: usize| {
        let request = PreviewRequest {
            campaign_text: campaign,
            campaign_dir: dir.path(),
            sandbox: &Default::default(),
            csv_text: csv,
            piece: PreviewPiece::Letter,
            page,
            dpi: 50.0,
        };
        kit::preview(&request, &mut Warnings::default()).err().expect("an error").to_string()
    };
    let no_zip = "name,address1,city,state,zip\nZoë O’Brien,12 Elm Street,Boston,MA,\n";
    let message = run(DEFAULT_CAMPAIGN, no_zip, 1);
    assert!(message.contains("participants.csv:2"), "{message}");
    assert!(message.contains("zip"), "{message}");
    let row = "name,address1,city,state,zip\nZoë O’Brien,12 Elm Street,Boston,MA,02134\n";
    let message = run(&DEFAULT_CAMPAIGN.replace("paper = \"us-letter\"", "paper = \"us-legl\""), row, 1);
    assert!(message.contains("campaign.toml"), "{message}");
    assert!(message.contains("paper"), "{message}");
    let message = run(DEFAULT_CAMPAIGN, row, 3);
    assert!(message.contains("the letter has 1 page"), "{message}");
}

#[test]
fn a_preview_without_a_row_is_an_unnamed_writers_piece() {
    let dir = TempDir::new("serve-kit-preview-unnamed");
    let sandbox = Default::default();
    let draw = |csv_text: &str| {
        let request = PreviewRequest {
            campaign_text: DEFAULT_CAMPAIGN,
            campaign_dir: dir.path(),
            sandbox: &sandbox,
            csv_text,
            piece: PreviewPiece::Envelope,
            page: 1,
            dpi: 50.0,
        };
        kit::preview(&request, &mut Warnings::default()).expect("a preview")
    };
    let header = "name,address1,address2,city,state,zip\n";
    let unnamed = draw(header);
    let named = draw(&format!("{header}Ana Lima,7 Pine Road,,Newark,NJ,07102\n"));
    assert_eq!(unnamed.pages, 1);
    assert_ne!(unnamed.png, named.png, "the return address is left to write by hand");
}

#[test]
fn counts_are_the_numbers_the_build_gives() {
    let dir = TempDir::new("serve-kit-counts");
    dir.write("people.csv", PEOPLE);
    let build = options(dir.path());
    let counts = kit::counts(&build, &mut Warnings::default()).expect("counts");
    let summary = kit::build(&build, &mut Warnings::default()).expect("the kit builds");
    let m = manifest(&build.output);
    let totals = &m["totals"];
    assert_eq!(counts.letters, totals["letters"].as_u64().unwrap());
    assert_eq!(counts.cards, totals["cards"].as_u64().unwrap());
    assert_eq!(counts.postcards, totals["postcards"].as_u64().unwrap());
    assert_eq!(counts.envelopes, totals["envelopes"].as_u64().unwrap());
    assert_eq!(counts.pieces, m["pieces"].as_array().unwrap().len() as u64);
    assert_eq!((counts.letters, counts.cards, counts.postcards, counts.envelopes), (3, 1, 2, 4));
    assert_eq!(counts.postage, format!("${:.2}", m["postage"]["total_usd"].as_f64().unwrap()));
    assert!(summary.contains(&format!("Postage: about {} for 6 pieces", counts.postage)), "{summary}");
    assert!(counts.postage_note.contains("prices as of"), "{}", counts.postage_note);
    // Without a list: the unnamed kits.
    let unnamed = BuildOptions { participants: None, count: 10, ..options(dir.path()) };
    let counts = kit::counts(&unnamed, &mut Warnings::default()).unwrap();
    assert_eq!((counts.letters, counts.envelopes, counts.postage.as_str()), (10, 10, "$7.80"));
}

#[test]
fn counts_leave_out_the_rows_build_keep_going_leaves_out() {
    let dir = TempDir::new("serve-kit-counts-bad");
    let no_zip = "Bo Chen,3 Birch Lane,,Salem,OR,,1,0,0\n";
    dir.write("people.csv", format!("{PEOPLE}{no_zip}"));
    let build = options(dir.path());
    let counts = kit::counts(&build, &mut Warnings::default()).expect("counts");
    let rows = kit::RowOptions { keep_going: true, start: 1 };
    let built = kit::build_rows(&build, &rows, &mut Warnings::default()).expect("the kit builds");
    assert_eq!(built.skipped, 1);
    let m = manifest(&build.output);
    assert_eq!(counts.letters, m["totals"]["letters"].as_u64().unwrap());
    assert_eq!(counts.pieces, m["pieces"].as_array().unwrap().len() as u64);
    assert_eq!(counts.postage, format!("${:.2}", m["postage"]["total_usd"].as_f64().unwrap()));
    // No row left to build: the build's error.
    dir.write(
        "people.csv",
        format!("name,address1,address2,city,state,zip,letters,cards,postcards\n{no_zip}"),
    );
    let e = kit::counts(&build, &mut Warnings::default()).unwrap_err().to_string();
    assert!(e.contains("no row of the participants list can be built"), "{e}");
}

/// Every file under `dir`, by its name relative to it with `/` between folders.
fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut todo = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = todo.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let entry = entry.unwrap();
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                todo.push((entry.path(), format!("{name}/")));
            } else if kind.is_file() {
                files.insert(name, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    files
}

#[test]
fn the_kit_zip_is_the_same_bytes_twice_and_unzips_to_the_kit() {
    let dir = TempDir::new("serve-kit-zip");
    dir.write("people.csv", PEOPLE);
    let mut build = options(dir.path());
    build.split = true;
    kit::build(&build, &mut Warnings::default()).expect("the kit builds");
    let first = letterkit::output::zip::zip_folder(&build.output).unwrap();
    let second = letterkit::output::zip::zip_folder(&build.output).unwrap();
    assert_eq!(first, second);
    // A symbolic link in the folder is left out, not followed.
    #[cfg(unix)]
    {
        let outside = dir.write("secret.txt", "not part of the kit");
        std::os::unix::fs::symlink(&outside, build.output.join("link.txt")).unwrap();
        std::os::unix::fs::symlink(dir.path(), build.output.join("linked-folder")).unwrap();
        assert_eq!(letterkit::output::zip::zip_folder(&build.output).unwrap(), first);
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(first)).unwrap();
    let mut names = Vec::new();
    let mut unzipped = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        assert_eq!(file.compression(), zip::CompressionMethod::Deflated);
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        let name = file.name().unwrap().to_string();
        names.push(name.clone());
        unzipped.insert(name, bytes);
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "names in sorted order");
    assert!(names.iter().any(|n| n.starts_with("participants/")), "{names:?}");
    let on_disk: BTreeMap<String, Vec<u8>> =
        files_under(&build.output).into_iter().filter(|(n, _)| n != "link.txt").collect();
    assert_eq!(unzipped, on_disk);
}

#[test]
fn progress_reaches_its_total_when_the_kit_is_built() {
    let dir = TempDir::new("serve-kit-progress");
    dir.write("people.csv", PEOPLE);
    let progress = Progress::new();
    assert_eq!((progress.done(), progress.total()), (0, 0));
    let mut build = options(dir.path());
    build.progress = Some(progress.clone());
    build.split = true;
    kit::build(&build, &mut Warnings::default()).expect("the kit builds");
    let m = manifest(&build.output);
    let totals = &m["totals"];
    let pieces = m["pieces"].as_array().unwrap().len() as u64;
    let expected = pieces + totals["envelopes"].as_u64().unwrap();
    assert_eq!((progress.done(), progress.total()), (expected, expected));
}

/// The first corners of the squares of side `side` (within 0.01 pt) drawn as closed
/// four-corner paths on the first page of `pdf`, in the page's own coordinates (letterkit flips
/// the whole page once, so y runs down).
fn squares(pdf: &[u8], side: f32) -> Vec<(f32, f32)> {
    let doc = hayro::hayro_syntax::Pdf::new(pdf.to_vec()).unwrap();
    let pages = doc.pages();
    let content = pages.first().unwrap().page_stream().unwrap().to_vec();
    let text = String::from_utf8_lossy(&content);
    let mut numbers: Vec<f32> = Vec::new();
    let mut corners: Vec<(f32, f32)> = Vec::new();
    let mut found = Vec::new();
    for token in text.split_ascii_whitespace() {
        if let Ok(n) = token.parse::<f32>() {
            numbers.push(n);
            continue;
        }
        match token {
            "m" => corners = numbers.last_chunk::<2>().map(|&[x, y]| vec![(x, y)]).unwrap_or_default(),
            "l" => corners.extend(numbers.last_chunk::<2>().map(|&[x, y]| (x, y))),
            "h" => {
                if let [a, b, c, d] = corners[..] {
                    let near = |u: f32, v: f32| (u - v).abs() < 0.01;
                    if near((b.0 - a.0).abs(), side)
                        && near(b.1, a.1)
                        && near(c.0, b.0)
                        && near((c.1 - b.1).abs(), side)
                        && near(d.1, c.1)
                        && near(d.0, a.0)
                    {
                        found.push(a);
                    }
                }
                corners.clear();
            }
            _ => corners.clear(),
        }
        numbers.clear();
    }
    found
}

#[test]
fn the_handout_prints_a_qr_code_of_the_sign_in_address() {
    let dir = TempDir::new("serve-kit-qr");
    dir.write("people.csv", PEOPLE);
    let url = "http://192.168.1.23:8470/signin?key=0123456789abcdef0123456789abcdef";
    let mut build = options(dir.path());
    build.sign_in_url = Some(url.to_string());
    kit::build(&build, &mut Warnings::default()).expect("the kit builds");
    let handout = std::fs::read(build.output.join("handout.pdf")).unwrap();
    let doc = PdfDoc::parse(&handout);
    assert_eq!(doc.pages.len(), 1);
    let lines = doc.texts().remove(0);
    assert!(lines.iter().any(|l| l == url), "{lines:?}");
    assert!(
        lines.iter().any(|l| l == letterkit::model::labels::Labels::english().get("handout_sign_in")),
        "{lines:?}"
    );
    // The squares are the code's dark modules, each in its place (a finder pattern's corner
    // is dark, so the top-left square is module (0, 0)).
    let code = qrcode::QrCode::new(url.as_bytes()).unwrap();
    let n = code.width();
    let dark: std::collections::BTreeSet<(usize, usize)> = code
        .to_colors()
        .into_iter()
        .enumerate()
        .filter(|(_, c)| *c == qrcode::Color::Dark)
        .map(|(i, _)| (i % n, i / n))
        .collect();
    let module = 1.25 * 72.0 / n as f32;
    let found = squares(&handout, module);
    assert_eq!(found.len(), dark.len());
    let left = found.iter().map(|c| c.0).fold(f32::INFINITY, f32::min);
    let top = found.iter().map(|c| c.1).fold(f32::INFINITY, f32::min);
    let drawn: std::collections::BTreeSet<(usize, usize)> = found
        .iter()
        .map(|&(x, y)| (((x - left) / module).round() as usize, ((y - top) / module).round() as usize))
        .collect();
    assert_eq!(drawn, dark, "the squares draw the QR code's modules");
    // Without the address, no code.
    let plain: PathBuf = dir.path().join("plain");
    let build = BuildOptions { output: plain.clone(), ..options(dir.path()) };
    kit::build(&build, &mut Warnings::default()).expect("the kit builds");
    let handout = std::fs::read(plain.join("handout.pdf")).unwrap();
    assert!(squares(&handout, module).is_empty());
    assert!(
        !PdfDoc::parse(&handout).texts()[0]
            .iter()
            .any(|l| l == letterkit::model::labels::Labels::english().get("handout_sign_in"))
    );
}
