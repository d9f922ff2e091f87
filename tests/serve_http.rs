//! `letterkit serve` over HTTP: the real program started on a free loopback port in a new
//! campaign folder, then every page and action, the key, token, origin, size and rate checks,
//! escaping, edit conflicts, the build and its downloads.

mod common;
#[path = "common/http.rs"]
mod http;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TempDir;
use http::{Request, Response, form_body};
use serde_json::{Value, json};

/// A running `letterkit serve`, killed when dropped.
struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    address: String,
    /// The organiser key from the first line.
    key: String,
    /// The sign-in address's path and query (`/signin?key=S`), with `--lan`.
    sign_in: Option<String>,
    /// The campaign folder.
    dir: PathBuf,
}

impl Server {
    /// Starts `letterkit serve DIR --port 0 EXTRA…` and reads its first line (and, with
    /// `--lan`, the sign-in address).
    fn start(dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_letterkit"))
            .arg("serve")
            .arg(dir)
            .args(["--port", "0", "--ignore-system-fonts"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start letterkit serve");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let first = first.trim_end().to_string();
        let rest = first.strip_prefix("http://127.0.0.1:").unwrap_or_else(|| panic!("first line: {first:?}"));
        let (port, key) = rest.split_once("/?key=").unwrap_or_else(|| panic!("first line: {first:?}"));
        assert!(port.parse::<u16>().is_ok(), "a port in {first:?}");
        assert_eq!(key.len(), 32, "a 128-bit hex key in {first:?}");
        let mut sign_in = None;
        if extra.contains(&"--lan") {
            for _ in 0..4 {
                let mut line = String::new();
                stdout.read_line(&mut line).unwrap();
                if let Some(at) = line.find("/signin?key=") {
                    sign_in = Some(line[at..].trim().to_string());
                    break;
                }
            }
            assert!(sign_in.is_some(), "--lan prints the sign-in address");
        }
        // The rest of standard output is read away so the server never blocks on it.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = stdout.read_to_end(&mut sink);
        });
        Server {
            child,
            address: format!("127.0.0.1:{port}"),
            key: key.to_string(),
            sign_in,
            dir: dir.to_path_buf(),
        }
    }

    /// The organiser page's same-origin token.
    fn token(&self) -> String {
        let page = self.get(&format!("/?key={}", self.key));
        assert_eq!(page.status, 200);
        meta(&page.text(), "letterkit-token")
    }

    /// A GET with no key.
    fn get(&self, path: &str) -> Response {
        Request::new("GET", path).send(&self.address)
    }

    /// A request with the organiser key in its header.
    fn organiser<'a>(&self, method: &'a str, path: &'a str) -> Request<'a> {
        Request::new(method, path).header("X-Letterkit-Key", &self.key)
    }

    /// A changing request with the key, the token and this server's origin.
    fn change<'a>(&self, method: &'a str, path: &'a str, token: &str) -> Request<'a> {
        self.organiser(method, path)
            .header("X-Letterkit-Token", token)
            .header("Origin", &format!("http://{}", self.address))
    }

    /// `GET /api/state`.
    fn state(&self) -> Value {
        let answer = self.organiser("GET", "/api/state").send(&self.address);
        assert_eq!(answer.status, 200, "{}", answer.text());
        answer.json()
    }

    /// A sign-in form's hidden fields: key, token and nonce.
    fn sign_in_form(&self) -> (String, String, String) {
        let form = self.get(self.sign_in.as_deref().expect("--lan"));
        assert_eq!(form.status, 200, "{}", form.text());
        let html = form.text();
        (input_value(&html, "key"), input_value(&html, "token"), input_value(&html, "nonce"))
    }

    /// Sends the sign-in form with `fields`.
    fn sign_in(&self, fields: &[(&str, &str)]) -> Response {
        let (key, token, nonce) = self.sign_in_form();
        let mut pairs = vec![("key", key.as_str()), ("token", token.as_str()), ("nonce", nonce.as_str())];
        pairs.extend_from_slice(fields);
        Request::new("POST", "/signin")
            .body("application/x-www-form-urlencoded", form_body(&pairs))
            .send(&self.address)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `content` of `<meta name="NAME" content="…">`.
fn meta(html: &str, name: &str) -> String {
    let at =
        html.find(&format!("<meta name=\"{name}\" content=\"")).unwrap_or_else(|| panic!("no meta {name}"));
    let rest = &html[at..];
    let start = rest.find("content=\"").unwrap() + 9;
    rest[start..].split('"').next().unwrap().to_string()
}

/// The `value` of `<input … name="NAME" value="…">`.
fn input_value(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("no input {name}"));
    let rest = &html[at..];
    let start = rest.find("value=\"").unwrap() + 7;
    rest[start..].split('"').next().unwrap().to_string()
}

/// A good sign-in.
const GRACE: [(&str, &str); 7] = [
    ("name", "Grace Hopper"),
    ("address1", "1 Navy Way"),
    ("address2", ""),
    ("city", "Arlington"),
    ("state", "VA"),
    ("zip", "22202"),
    ("letters", "1"),
];

#[test]
fn serve_makes_the_campaign_folder_and_prints_the_address_first() {
    let temp = TempDir::new("serve-new");
    let dir = temp.path().join("party");
    let server = Server::start(&dir, &[]);
    assert!(dir.join("campaign.toml").is_file());
    assert!(dir.join("participants.csv").is_file());
    let page = server.get(&format!("/?key={}", server.key));
    assert_eq!(page.status, 200);
    let html = page.text();
    for id in [
        "campaign",
        "participants",
        "csv-upload",
        "add-row",
        "preview",
        "preview-piece",
        "preview-image",
        "build",
        "build-kit",
        "build-progress",
        "build-files",
        "download-zip",
        "counts",
        "signin",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "the organiser page has #{id}");
    }
    assert_eq!(meta(&html, "letterkit-key"), server.key);
    assert_eq!(meta(&html, "letterkit-token").len(), 32);
    let cookie = page.header("set-cookie").expect("the key cookie");
    assert!(cookie.contains(&format!("letterkit_key={}", server.key)));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"));
    assert_eq!(page.header("referrer-policy"), Some("same-origin"));
    assert!(page.header("content-security-policy").is_some_and(|c| c.contains("script-src 'self'")));
    let script = server.get("/assets/app.js");
    assert_eq!(script.status, 200);
    assert!(script.header("content-type").unwrap().starts_with("text/javascript"));
    let style = server.get("/assets/style.css");
    assert!(style.header("content-type").unwrap().starts_with("text/css"));
    assert_eq!(server.get("/nothing-here").status, 404);
}

#[test]
fn a_second_run_reuses_the_folder() {
    let temp = TempDir::new("serve-reuse");
    std::fs::write(
        temp.path().join("participants.csv"),
        "name,address1,city,state,zip\nAda,1 Main St,Boston,MA,02134\n",
    )
    .unwrap();
    let server = Server::start(temp.path(), &[]);
    let csv = std::fs::read_to_string(server.dir.join("participants.csv")).unwrap();
    assert!(csv.contains("Ada"), "the list is kept: {csv}");
    assert!(server.dir.join("campaign.toml").is_file(), "the missing campaign is made");
}

#[test]
fn organiser_routes_need_the_organiser_key() {
    let temp = TempDir::new("serve-keys");
    let server = Server::start(temp.path(), &["--lan"]);
    let sign_in_key = server.sign_in.as_deref().unwrap().rsplit('=').next().unwrap().to_string();
    assert_ne!(sign_in_key, server.key);
    for key in [None, Some("0".repeat(32)), Some(sign_in_key.clone())] {
        let query = key.as_ref().map_or(String::new(), |k| format!("?key={k}"));
        let page = server.get(&format!("/{query}"));
        assert_eq!(page.status, 403, "GET / with {key:?}");
        assert!(page.text().contains("organiser key"));
        for path in ["/api/state", "/api/build", "/kit.zip", "/files/letters.pdf", "/api/rows/1/pieces.pdf"] {
            let answer = server.get(&format!("{path}{query}"));
            assert_eq!(answer.status, 403, "GET {path} with {key:?}");
        }
        let mut request = Request::new("POST", "/api/build");
        if let Some(k) = &key {
            request = request.header("X-Letterkit-Key", k);
        }
        let answer = request.send(&server.address);
        assert_eq!(answer.status, 403);
        assert!(answer.json()["error"].is_string(), "API refusals are JSON");
    }
    // The key works as ?key=, as the header and as the cookie.
    assert_eq!(server.get(&format!("/api/build?key={}", server.key)).status, 200);
    assert_eq!(server.organiser("GET", "/api/build").send(&server.address).status, 200);
    let by_cookie = Request::new("GET", "/api/build")
        .header("Cookie", &format!("letterkit_key={}", server.key))
        .send(&server.address);
    assert_eq!(by_cookie.status, 200);
}

#[test]
fn changes_need_the_token_and_this_origin() {
    let temp = TempDir::new("serve-token");
    let server = Server::start(temp.path(), &[]);
    let token = server.token();
    let row = json!({ "cells": { "name": "Ada Lovelace", "address1": "1 Main St", "city": "Boston", "state": "MA", "zip": "02134" } });
    let no_token = server.organiser("POST", "/api/rows").json(&row).send(&server.address);
    assert_eq!(no_token.status, 403);
    let wrong_token = server
        .organiser("POST", "/api/rows")
        .header("X-Letterkit-Token", &"f".repeat(32))
        .json(&row)
        .send(&server.address);
    assert_eq!(wrong_token.status, 403);
    let foreign = server
        .organiser("POST", "/api/rows")
        .header("X-Letterkit-Token", &token)
        .header("Origin", "http://evil.example")
        .json(&row)
        .send(&server.address);
    assert_eq!(foreign.status, 403);
    assert_eq!(server.state()["table"]["rows"].as_array().unwrap().len(), 2, "nothing was added");
    let not_json =
        server.change("POST", "/api/rows", &token).body("application/json", "{").send(&server.address);
    assert_eq!(not_json.status, 400);
    assert!(not_json.json()["error"].is_string());
    let no_number = server.change("PUT", "/api/rows/first", &token).json(&row).send(&server.address);
    assert_eq!(no_number.status, 400);
    assert!(no_number.json()["error"].is_string());
    let added = server.change("POST", "/api/rows", &token).json(&row).send(&server.address);
    assert_eq!(added.status, 201, "{}", added.text());
    assert_eq!(added.json()["row"]["cells"][0], "Ada Lovelace");
}

#[test]
fn bodies_over_the_limits_are_refused() {
    let temp = TempDir::new("serve-limits");
    let server = Server::start(temp.path(), &["--lan"]);
    let token = server.token();
    let big_json = format!("{{\"cells\":{{\"name\":\"{}\"}}}}", "a".repeat(1024 * 1024 + 10));
    let answer =
        server.change("POST", "/api/rows", &token).body("application/json", big_json).send(&server.address);
    assert_eq!(answer.status, 413);
    assert!(answer.json()["error"].is_string(), "API refusals are JSON");
    let big_csv = format!("name\n{}", "b,\n".repeat(3 * 1024 * 1024));
    let answer =
        server.change("PUT", "/api/participants", &token).body("text/csv", big_csv).send(&server.address);
    assert_eq!(answer.status, 413);
    let (key, sign_in_token, nonce) = server.sign_in_form();
    let long_name = "c".repeat(17 * 1024);
    let body =
        form_body(&[("key", &key), ("token", &sign_in_token), ("nonce", &nonce), ("name", &long_name)]);
    let answer =
        Request::new("POST", "/signin").body("application/x-www-form-urlencoded", body).send(&server.address);
    assert_eq!(answer.status, 413);
}

#[test]
fn a_csv_upload_under_8_mib_replaces_the_list() {
    let temp = TempDir::new("serve-upload");
    let server = Server::start(temp.path(), &[]);
    let token = server.token();
    let mut csv = String::from("name,address1,address2,city,state,zip\n");
    for i in 0..3 {
        csv.push_str(&format!("Person {i},{i} Main St,,Boston,MA,0213{i}\n"));
    }
    csv.push_str("Bad Zip,5 Main St,,Boston,MA,1\n");
    let answer =
        server.change("PUT", "/api/participants", &token).body("text/csv", csv).send(&server.address);
    assert_eq!(answer.status, 200, "{}", answer.text());
    let table = &answer.json()["table"];
    let rows = table["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r["id"].is_u64() && r["revision"].is_u64()));
    assert!(!rows[3]["issues"].as_array().unwrap().is_empty(), "the bad ZIP is flagged: {}", rows[3]);
    let on_disk = std::fs::read_to_string(server.dir.join("participants.csv")).unwrap();
    assert!(on_disk.contains("Person 2"));
}

#[test]
fn sign_in_is_off_without_lan() {
    let temp = TempDir::new("serve-nolan");
    let server = Server::start(temp.path(), &[]);
    assert_eq!(server.get("/signin?key=whatever").status, 404);
    let answer = Request::new("POST", "/signin")
        .body("application/x-www-form-urlencoded", "name=x")
        .send(&server.address);
    assert_eq!(answer.status, 404);
    assert!(server.state()["lan"].is_null());
}

#[test]
fn a_phone_signs_in_and_the_row_is_on_disk() {
    let temp = TempDir::new("serve-signin");
    let server = Server::start(temp.path(), &["--lan"]);
    let state = server.state();
    assert!(state["lan"]["url"].as_str().unwrap().contains("/signin?key="));
    assert!(state["lan"]["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let page = server.get(&format!("/?key={}", server.key)).text();
    assert!(page.contains("<svg"), "the organiser page shows the QR code");
    let form = server.get(server.sign_in.as_deref().unwrap()).text();
    for field in ["name", "address1", "address2", "city", "state", "zip", "letters", "cards", "postcards"] {
        assert!(form.contains(&format!("name=\"{field}\"")), "the form asks for {field}");
    }
    assert!(form.contains("autocomplete=\"postal-code\"") && form.contains("inputmode=\"numeric\""));
    assert!(!form.contains("Zoë"), "the form shows no one's entry");
    let thanks = server.sign_in(&GRACE);
    assert_eq!(thanks.status, 200, "{}", thanks.text());
    let html = thanks.text();
    assert!(html.contains("Grace Hopper") && html.contains("22202"));
    assert!(!html.contains("Zoë") && !html.contains("Nguyễn"), "only this entry is shown");
    let on_disk = std::fs::read_to_string(server.dir.join("participants.csv")).unwrap();
    assert!(on_disk.contains("Grace Hopper"), "on disk before the thank-you: {on_disk}");
    // A wrong key, a wrong token or a foreign origin are refused.
    let (key, token, nonce) = server.sign_in_form();
    let mut bad = vec![("key", "0".repeat(32)), ("token", token.clone()), ("nonce", nonce.clone())];
    let send = |pairs: &[(&str, String)], origin: Option<&str>| {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (*n, v.as_str())).chain(GRACE).collect();
        let mut request =
            Request::new("POST", "/signin").body("application/x-www-form-urlencoded", form_body(&pairs));
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        request.send(&server.address).status
    };
    assert_eq!(send(&bad, None), 403);
    bad[0].1 = server.key.clone();
    assert_eq!(send(&bad, None), 403, "the organiser key is no sign-in key");
    bad[0].1 = key.clone();
    bad[1].1 = "f".repeat(32);
    assert_eq!(send(&bad, None), 403);
    bad[1].1 = token;
    assert_eq!(send(&bad, Some("http://evil.example")), 403);
    assert_eq!(server.get(&format!("/signin?key={}", server.key)).status, 403);
}

#[test]
fn a_bad_sign_in_comes_back_with_the_problem_by_its_field() {
    let temp = TempDir::new("serve-signin-bad");
    let server = Server::start(temp.path(), &["--lan"]);
    let mut fields = GRACE.to_vec();
    fields[5] = ("zip", "ABC");
    let answer = server.sign_in(&fields);
    assert_eq!(answer.status, 422, "{}", answer.text());
    let html = answer.text();
    assert!(html.contains("id=\"problem-zip\""), "the problem is next to the ZIP field");
    assert!(html.contains("value=\"Grace Hopper\""), "what was typed is kept");
    let on_disk = std::fs::read_to_string(server.dir.join("participants.csv")).unwrap();
    assert!(!on_disk.contains("Grace Hopper"));
}

#[test]
fn sign_ins_are_rate_limited() {
    let temp = TempDir::new("serve-rate");
    let server = Server::start(temp.path(), &["--lan", "--sign-in-limit", "2"]);
    assert_eq!(server.sign_in(&GRACE).status, 200);
    assert_eq!(server.sign_in(&GRACE).status, 200);
    let third = server.sign_in(&GRACE);
    assert_eq!(third.status, 429);
    assert!(third.text().contains("Wait a minute"));
}

#[test]
fn a_script_as_a_name_comes_back_escaped_everywhere() {
    let temp = TempDir::new("serve-escape");
    let server = Server::start(temp.path(), &["--lan"]);
    let script = "<script>alert(1)</script>";
    let mut fields = GRACE.to_vec();
    fields[0] = ("name", script);
    let thanks = server.sign_in(&fields);
    let mut bad_zip = fields.clone();
    bad_zip[5] = ("zip", "ABC");
    let again = server.sign_in(&bad_zip);
    assert_eq!(again.status, 422);
    let organiser_page = server.get(&format!("/?key={}", server.key));
    for page in [&thanks, &again, &organiser_page] {
        let html = page.text();
        assert!(!html.contains(script), "raw script in {html}");
    }
    assert_eq!(thanks.status, 200, "{}", thanks.text());
    // askama writes `<` and `>` as character references.
    let escaped = |html: &str| {
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    };
    assert!(escaped(&thanks.text()), "{}", thanks.text());
    assert!(escaped(&again.text()), "the form given back keeps the name, escaped");
    let state = server.state();
    let rows = state["table"]["rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["cells"][0] == script), "the JSON holds the name as a plain string");
}

#[test]
fn a_stale_edit_is_a_conflict() {
    let temp = TempDir::new("serve-conflict");
    let server = Server::start(temp.path(), &[]);
    let token = server.token();
    let state = server.state();
    let first = &state["table"]["rows"][0];
    let (id, revision) = (first["id"].as_u64().unwrap(), first["revision"].as_u64().unwrap());
    let path = format!("/api/rows/{id}");
    let edit = |revision: u64, name: &str| {
        server
            .change("PUT", &path, &token)
            .json(&json!({ "revision": revision, "cells": { "name": name } }))
            .send(&server.address)
    };
    let tab_one = edit(revision, "Zoë Edited");
    assert_eq!(tab_one.status, 200, "{}", tab_one.text());
    let row = &tab_one.json()["row"];
    assert_eq!(row["cells"][0], "Zoë Edited");
    assert!(row["revision"].as_u64().unwrap() > revision);
    let tab_two = edit(revision, "Zoë Other");
    assert_eq!(tab_two.status, 409);
    let answer = tab_two.json();
    assert!(answer["error"].as_str().unwrap().contains("changed in another tab"));
    assert_eq!(answer["row"]["cells"][0], "Zoë Edited", "the row as it is now");
    let stale_delete =
        server.change("DELETE", &format!("{path}?revision={revision}"), &token).send(&server.address);
    assert_eq!(stale_delete.status, 409);
    let current = answer["row"]["revision"].as_u64().unwrap();
    let delete = server.change("DELETE", &format!("{path}?revision={current}"), &token).send(&server.address);
    assert_eq!(delete.status, 204);
    assert_eq!(server.state()["table"]["rows"].as_array().unwrap().len(), 1);
}

#[test]
fn a_long_poll_answers_when_a_row_is_added() {
    let temp = TempDir::new("serve-poll");
    let server = Server::start(temp.path(), &[]);
    let token = server.token();
    let version = server.state()["version"].as_u64().unwrap();
    let address = server.address.clone();
    let key = server.key.clone();
    let poll = std::thread::spawn(move || {
        let started = Instant::now();
        let answer = Request::new("GET", &format!("/api/rows?since={version}"))
            .header("X-Letterkit-Key", &key)
            .send(&address);
        (answer, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(300));
    let row = json!({ "cells": { "name": "Late Arrival", "address1": "2 Main St", "city": "Boston", "state": "MA", "zip": "02134" } });
    assert_eq!(server.change("POST", "/api/rows", &token).json(&row).send(&server.address).status, 201);
    let (answer, waited) = poll.join().unwrap();
    assert_eq!(answer.status, 200);
    let body = answer.json();
    assert!(body["version"].as_u64().unwrap() > version);
    assert_eq!(body["table"]["rows"].as_array().unwrap().len(), 3);
    assert!(waited < Duration::from_secs(10), "answered on the change, not at the timeout: {waited:?}");
}

#[test]
fn the_campaign_form_saves_and_keeps_comments() {
    let temp = TempDir::new("serve-campaign");
    let server = Server::start(temp.path(), &[]);
    let token = server.token();
    let state = server.state();
    let mut form = state["campaign"].clone();
    assert!(form.is_object(), "the campaign as a form: {state}");
    let before = std::fs::read_to_string(server.dir.join("campaign.toml")).unwrap();
    let comments = before.lines().filter(|l| l.trim_start().starts_with('#')).count();
    form["recipient"]["salutation"] = json!("Dear Senator Example,");
    let saved = server.change("PUT", "/api/campaign", &token).json(&form).send(&server.address);
    assert_eq!(saved.status, 200, "{}", saved.text());
    assert_eq!(saved.json()["campaign"]["recipient"]["salutation"], "Dear Senator Example,");
    let after = std::fs::read_to_string(server.dir.join("campaign.toml")).unwrap();
    assert!(after.contains("Dear Senator Example,"));
    assert_eq!(after.lines().filter(|l| l.trim_start().starts_with('#')).count(), comments, "comments kept");
    form["paper"] = json!("papyrus");
    let refused = server.change("PUT", "/api/campaign", &token).json(&form).send(&server.address);
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.json()["error"].is_string());
    assert_eq!(std::fs::read_to_string(server.dir.join("campaign.toml")).unwrap(), after, "nothing saved");
}

#[test]
fn previews_are_pngs() {
    let temp = TempDir::new("serve-preview");
    let server = Server::start(temp.path(), &[]);
    let token = server.token();
    let id = server.state()["table"]["rows"][0]["id"].as_u64().unwrap();
    for piece in ["letter", "envelope"] {
        let answer = server
            .change("POST", "/api/preview", &token)
            .json(&json!({ "piece": piece, "row_id": id, "page": 1 }))
            .send(&server.address);
        assert_eq!(answer.status, 200, "{piece}: {}", answer.text());
        assert_eq!(answer.header("content-type"), Some("image/png"));
        assert!(answer.body.starts_with(b"\x89PNG"));
        assert!(answer.header("x-letterkit-pages").unwrap().parse::<usize>().unwrap() >= 1);
    }
    let draft = server
        .change("POST", "/api/preview", &token)
        .json(&json!({ "piece": "envelope", "cells": { "name": "Draft Person", "zip": "02134" }, "page": 1 }))
        .send(&server.address);
    assert_eq!(draft.status, 200, "{}", draft.text());
}

#[test]
fn the_kit_builds_and_downloads() {
    let temp = TempDir::new("serve-build");
    let server = Server::start(temp.path(), &[]);
    let token = server.token();
    let started = server.change("POST", "/api/build", &token).send(&server.address);
    assert_eq!(started.status, 202, "{}", started.text());
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        let status = server.organiser("GET", "/api/build").send(&server.address).json();
        if status["state"] != "running" {
            break status;
        }
        assert!(Instant::now() < deadline, "the build takes too long");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(status["state"], "done", "{status}");
    let names: Vec<&str> =
        status["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"letters.pdf") && names.contains(&"envelopes.pdf"), "{names:?}");
    let letters = server.organiser("GET", "/files/letters.pdf").send(&server.address);
    assert_eq!(letters.status, 200);
    assert!(letters.body.starts_with(b"%PDF"));
    for sneaky in ["/files/..%2Fcampaign.toml", "/files/campaign.toml", "/files/.letterkit-lock"] {
        assert_eq!(server.organiser("GET", sneaky).send(&server.address).status, 404, "{sneaky}");
    }
    let zip = server.organiser("GET", "/kit.zip").send(&server.address);
    assert_eq!(zip.status, 200);
    assert_eq!(zip.header("content-type"), Some("application/zip"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.body)).expect("the zip opens");
    let mut pdfs = 0;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().expect("a file name").to_string();
        if name.ends_with(".pdf") {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            assert!(bytes.starts_with(b"%PDF"), "{name}");
            pdfs += 1;
        }
    }
    assert!(pdfs >= 3, "the zip holds the kit's PDFs");
}

#[test]
fn a_persons_pieces_are_one_pdf() {
    let temp = TempDir::new("serve-person");
    let server = Server::start(temp.path(), &[]);
    let rows = server.state()["table"]["rows"].clone();
    // The starter list: Zoë writes 1 letter, Nguyễn Văn An 2; each letter has its envelope.
    for (row, letters) in [(&rows[0], 1), (&rows[1], 2)] {
        let id = row["id"].as_u64().unwrap();
        let answer = server.organiser("GET", &format!("/api/rows/{id}/pieces.pdf")).send(&server.address);
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert_eq!(answer.header("content-type"), Some("application/pdf"));
        let pdf = hayro::hayro_syntax::Pdf::new(answer.body).expect("a PDF");
        assert_eq!(pdf.pages().len(), 2 * letters, "a letter page and an envelope per letter");
    }
    assert_eq!(server.organiser("GET", "/api/rows/999999/pieces.pdf").send(&server.address).status, 404);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_cleanly() {
    let temp = TempDir::new("serve-stop");
    let mut server = Server::start(temp.path(), &[]);
    let pid = i32::try_from(server.child.id()).unwrap();
    // SAFETY: sends a signal to the child this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
}
