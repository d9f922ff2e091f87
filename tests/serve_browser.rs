//! `letterkit serve` in headless Chromium: the organiser's page and a phone's sign-in, end to end.
//!
//! Skipped (with a message) when /usr/bin/chromium or chromedriver is missing. With
//! LETTERKIT_UPDATE_SCREENSHOTS=1 it also writes docs/images/serve-organiser.png and
//! docs/images/serve-signin.png, the README's pictures.

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{PdfDoc, TempDir};
use serde_json::json;
use webdriver::{Chromedriver, Session, base64_decode};

/// The participants list the organiser uploads: Ada's ZIP has a letter in it.
const PARTICIPANTS_CSV: &str = "name,address1,address2,city,state,zip,letters\n\
Ada Writer,12 Elm Street,Apt 3,Boston,MA,2134x,1\n\
Grace Penn,450 Oak Avenue,,Portland,ME,04101,2\n";

/// The recipient the organiser types into the campaign form.
const NEW_RECIPIENT: &str = "Senator Ada Lovelace";

/// The person who signs in from a phone.
const PHONE_NAME: &str = "Rosa Parkside";

/// WebDriver keys: Control+A (select the field's text, so typing replaces it), then Tab.
const SELECT_ALL: &str = "\u{E009}a\u{E009}";
const TAB: &str = "\u{E004}";

/// A `letterkit serve` process on a free port, killed on drop.
struct Server {
    process: Child,
    port: u16,
    organiser_url: String,
    signin_path: String,
}

impl Server {
    /// Starts `letterkit serve DIR --port 0 --lan --sign-in-limit 0` and reads its URLs.
    fn start(dir: &Path) -> Server {
        let mut process = Command::new(env!("CARGO_BIN_EXE_letterkit"))
            .arg("serve")
            .arg(dir)
            .args(["--port", "0", "--lan", "--sign-in-limit", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start letterkit serve");
        let stdout = process.stdout.take().expect("the server's stdout");
        let (lines_tx, lines_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let next_line = || {
            lines_rx
                .recv_timeout(Duration::from_secs(60))
                .expect("letterkit serve prints its address within 60 s")
        };
        let organiser_url = next_line();
        let port = organiser_url
            .strip_prefix("http://127.0.0.1:")
            .and_then(|rest| rest.split('/').next())
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("the first line is not the organiser's URL: {organiser_url:?}"));
        let signin_path = loop {
            let line = next_line();
            if let Some(at) = line.find("/signin?key=") {
                break line[at..].split_whitespace().next().unwrap_or_default().to_string();
            }
        };
        std::thread::spawn(move || for _ in lines_rx {});
        Server { process, port, organiser_url, signin_path }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Waits until `check` gives a value, polling; panics with `what` after `timeout`.
fn eventually<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "after {timeout:?}, still not: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Fetches `path` from the page (with its cookie), the body as bytes; `None` unless 200.
fn fetch_bytes(session: &Session, path: &str) -> Option<Vec<u8>> {
    let script = r#"
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], { credentials: "same-origin" })
          .then(async (r) => {
            if (!r.ok) return done(null);
            const bytes = new Uint8Array(await r.arrayBuffer());
            let text = "";
            for (let i = 0; i < bytes.length; i += 32768) {
              text += String.fromCharCode.apply(null, bytes.subarray(i, i + 32768));
            }
            done(btoa(text));
          })
          .catch(() => done(null));
    "#;
    session.execute_async(script, json!([path])).as_str().map(base64_decode)
}

/// The preview image's pixels, as a PNG the page's canvas makes of them, once the image shows
/// and no newer preview is on its way. (The page's content policy lets scripts fetch only from
/// the server, so the image's blob URL is read through a canvas.)
fn settled_preview(session: &Session) -> Vec<u8> {
    session.wait_until(
        "the preview image shows",
        r#"const img = document.getElementById("preview-image");
           return img && img.src.startsWith("blob:") && img.complete && img.naturalWidth > 0
             && !document.getElementById("preview").hasAttribute("aria-busy");"#,
        json!([]),
        Duration::from_secs(60),
    );
    let data_url = session.execute(
        r#"const img = document.getElementById("preview-image");
           const canvas = document.createElement("canvas");
           canvas.width = img.naturalWidth;
           canvas.height = img.naturalHeight;
           canvas.getContext("2d").drawImage(img, 0, 0);
           return canvas.toDataURL("image/png");"#,
        json!([]),
    );
    let data_url = data_url.as_str().expect("a data URL");
    base64_decode(data_url.split_once(',').expect("data URL").1)
}

/// Every page's text of a PDF, joined by newlines.
fn pdf_text(bytes: &[u8]) -> String {
    let doc = PdfDoc::parse(bytes);
    doc.pages.iter().flat_map(|page| page.texts()).collect::<Vec<_>>().join("\n")
}

fn screenshot_path(name: &str) -> Option<PathBuf> {
    (std::env::var("LETTERKIT_UPDATE_SCREENSHOTS").as_deref() == Ok("1"))
        .then(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/images").join(name))
}

#[test]
fn an_organiser_and_a_phone_run_a_party_in_the_browser() {
    let temp = TempDir::new("serve-browser");
    let Some(driver) = Chromedriver::start(temp.path()) else { return };
    let party = temp.path().join("party");
    let server = Server::start(&party);
    let csv_path = temp.write("guests.csv", PARTICIPANTS_CSV);

    // The organiser opens the page and uploads the list.
    let organiser = driver.session();
    organiser.set_window_size(1200, 1000);
    organiser.goto(&server.organiser_url);
    organiser.wait_for("#participants table.participants", Duration::from_secs(30));
    let upload = organiser.wait_for("#csv-upload", Duration::from_secs(5));
    organiser.send_keys(&upload, csv_path.to_str().expect("a UTF-8 temp path"));

    // Ada's ZIP is flagged next to its cell, in check's words.
    let zip_issue = r#"const input = [...document.querySelectorAll('tr[data-id] input[data-column="zip"]')]
          .find((i) => i.value === arguments[0]);
        const issue = input && input.closest("td").querySelector(".issue");
        return issue ? issue.textContent : null;"#;
    let message = eventually("the bad ZIP is flagged in the table", Duration::from_secs(20), || {
        organiser.execute(zip_issue, json!(["2134x"])).as_str().map(str::to_string)
    });
    assert!(message.contains("2134x") && message.contains("ZIP"), "the ZIP cell says: {message}");

    // The organiser fixes it in the table: the message goes, the file on disk has the fix.
    let zip_input = organiser.find(r#"tr[data-id] input[data-column="zip"]"#).expect("Ada's ZIP cell");
    assert_eq!(organiser.property(&zip_input, "value"), json!("2134x"));
    organiser.send_keys(&zip_input, &format!("{SELECT_ALL}02134{TAB}"));
    organiser.wait_until(
        "the fixed ZIP shows without its message",
        r#"const input = [...document.querySelectorAll('tr[data-id] input[data-column="zip"]')]
             .find((i) => i.value === "02134");
           return input && !input.closest("td").querySelector(".issue");"#,
        json!([]),
        Duration::from_secs(20),
    );
    let csv_on_disk = std::fs::read_to_string(party.join("participants.csv")).expect("participants.csv");
    assert!(
        csv_on_disk.contains("02134") && !csv_on_disk.contains("2134x"),
        "participants.csv:\n{csv_on_disk}"
    );

    // A new recipient in the form changes the preview and is saved, comments kept.
    let before = settled_preview(&organiser);
    let recipient = organiser.find("#campaign input[name='recipient.name']").expect("the recipient field");
    organiser.send_keys(&recipient, &format!("{SELECT_ALL}{NEW_RECIPIENT}"));
    let after = eventually("the preview changes with the recipient", Duration::from_secs(60), || {
        let now = settled_preview(&organiser);
        (now != before).then_some(now)
    });
    assert!(after.starts_with(b"\x89PNG"), "the preview is a PNG");
    let campaign = eventually("campaign.toml has the new recipient", Duration::from_secs(20), || {
        let text = std::fs::read_to_string(party.join("campaign.toml")).ok()?;
        text.contains(NEW_RECIPIENT).then_some(text)
    });
    assert!(campaign.contains("# The built-in campaign"), "the file's comments are kept:\n{campaign}");

    // Build: progress, then the files to download.
    let build = organiser.find("#build-kit").expect("the build button");
    organiser.click(&build);
    organiser.wait_until(
        "the build finishes",
        r#"return document.getElementById("build-progress").dataset.state === "done";"#,
        json!([]),
        Duration::from_secs(240),
    );
    let progress = organiser.execute(
        r#"const bar = document.getElementById("build-progress");
           return [bar.value, bar.max];"#,
        json!([]),
    );
    assert!(
        progress[1].as_f64() > Some(0.0) && progress[0] == progress[1],
        "progress at the end: {progress}"
    );
    let files = organiser.execute(
        r#"return [...document.getElementById("build-files").querySelectorAll("a")].map((a) => a.textContent);"#,
        json!([]),
    );
    let files: Vec<&str> = files.as_array().expect("a list").iter().filter_map(|f| f.as_str()).collect();
    assert!(files.contains(&"letters.pdf") && files.contains(&"envelopes.pdf"), "files listed: {files:?}");
    let zip_visible =
        organiser.execute(r#"return !document.getElementById("download-zip").hidden;"#, json!([]));
    assert_eq!(zip_visible, json!(true), "the zip link shows after the build");

    // The zip the page offers holds the kit's PDFs, with the new recipient and the fixed ZIP.
    let zip_bytes = fetch_bytes(&organiser, "/kit.zip").expect("/kit.zip downloads");
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).expect("kit.zip is a zip");
    let mut names = Vec::new();
    let mut pdfs = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("a zip entry");
        let name = entry.name().expect("a UTF-8 name").to_string();
        if name.ends_with(".pdf") {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read a zip entry");
            pdfs.push((name.clone(), bytes));
        }
        names.push(name);
    }
    for listed in &files {
        assert!(names.iter().any(|name| name.ends_with(listed)), "{listed} is in kit.zip: {names:?}");
    }
    for (name, bytes) in &pdfs {
        assert!(!PdfDoc::parse(bytes).pages.is_empty(), "{name} has pages");
    }
    let text_of = |file: &str| {
        let (_, bytes) = pdfs.iter().find(|(name, _)| name.ends_with(file)).expect("in the zip");
        pdf_text(bytes).to_lowercase()
    };
    assert!(text_of("letters.pdf").contains("ada lovelace"), "the letters name the new recipient");
    assert!(text_of("envelopes.pdf").contains("02134"), "the envelopes have Ada's fixed ZIP");

    // "Print this person's pieces" gives Ada's letter and envelope as one PDF.
    let pieces_link = organiser.execute(
        r#"const input = [...document.querySelectorAll('tr[data-id] input[data-column="name"]')]
             .find((i) => i.value === "Ada Writer");
           const link = input.closest("tr").querySelector('a[href$="/pieces.pdf"]');
           return link.getAttribute("href");"#,
        json!([]),
    );
    let pieces = fetch_bytes(&organiser, pieces_link.as_str().expect("a link")).expect("the pieces PDF");
    let pieces_doc = PdfDoc::parse(&pieces);
    assert!(pieces_doc.pages.len() >= 2, "a letter and an envelope: {} pages", pieces_doc.pages.len());
    let pieces_text = pdf_text(&pieces).to_lowercase();
    assert!(pieces_text.contains("ada writer") && !pieces_text.contains("grace penn"), "only Ada's pieces");

    // A phone signs in.
    let phone = driver.session();
    phone.set_window_size(390, 844);
    phone.goto(&format!("http://127.0.0.1:{}{}", server.port, server.signin_path));
    let fields = [
        ("name", PHONE_NAME),
        ("address1", "7 Harbor Road"),
        ("city", "Salem"),
        ("state", "MA"),
        ("zip", "01970"),
    ];
    for (name, value) in fields {
        let field = phone.wait_for(&format!("form [name='{name}']"), Duration::from_secs(10));
        if phone.property(&field, "tagName") == json!("SELECT") {
            phone.set_value(&field, value);
        } else {
            phone.clear(&field);
            phone.send_keys(&field, value);
        }
    }
    if let Some(path) = screenshot_path("serve-signin.png") {
        phone.execute("window.scrollTo(0, 0);", json!([]));
        std::fs::write(&path, phone.screenshot()).expect("write the sign-in screenshot");
    }
    let submit = phone.find("form [type='submit']").expect("the sign-in button");
    phone.click(&submit);
    phone.wait_until(
        "the thank-you page shows the entry",
        r#"return document.body.innerText.includes(arguments[0])
             && ![...document.querySelectorAll("input")].some((i) => i.value === arguments[0]);"#,
        json!([PHONE_NAME]),
        Duration::from_secs(30),
    );
    let thanks = phone.execute("return document.body.textContent;", json!([]));
    assert!(!thanks.as_str().unwrap_or("").contains("Grace Penn"), "the phone sees only its own entry");
    let signed_in = Instant::now();

    // The organiser's page shows the new row without a reload, within 2 seconds.
    organiser.wait_until(
        "the phone's row shows on the organiser's page",
        r#"return [...document.querySelectorAll('tr[data-id] input[data-column="name"]')]
             .some((i) => i.value === arguments[0]);"#,
        json!([PHONE_NAME]),
        Duration::from_secs(5),
    );
    let waited = signed_in.elapsed();
    assert!(waited < Duration::from_secs(2), "the sign-in showed after {waited:?}");
    let csv_on_disk = std::fs::read_to_string(party.join("participants.csv")).expect("participants.csv");
    assert_eq!(csv_on_disk.matches(PHONE_NAME).count(), 1, "the sign-in is on disk once:\n{csv_on_disk}");

    if let Some(path) = screenshot_path("serve-organiser.png") {
        organiser.set_window_size(1200, 1500);
        organiser.execute("window.scrollTo(0, 0); document.activeElement.blur();", json!([]));
        std::thread::sleep(Duration::from_millis(300));
        std::fs::write(&path, organiser.screenshot()).expect("write the organiser screenshot");
    }
}
