//! How fast `letterkit serve` answers at a party: the preview of one letter (50 requests in a
//! row) and sign-ins from 50 phones at once (20 each), with the median and 95th percentile of
//! each and how many writes the sign-ins cost. Run with `cargo bench --bench serve` (after
//! `cargo build --release`); not a timed test.

// The servers' tests' client; the bench uses part of it.
#[allow(dead_code)]
#[path = "../tests/common/http.rs"]
mod http;

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use http::{Request, form_body};
use serde_json::json;

const PREVIEWS: usize = 50;
const PHONES: usize = 50;
const ROUNDS: usize = 20;

/// A running server, stopped when dropped, and its campaign folder, removed then.
struct Server {
    child: Child,
    folder: PathBuf,
    address: String,
    key: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

impl Server {
    /// Starts `letterkit serve --lan` on a new campaign folder with no sign-in limit.
    fn start() -> Server {
        let folder = std::env::temp_dir().join(format!("letterkit-bench-serve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        let mut child = Command::new(env!("CARGO_BIN_EXE_letterkit"))
            .arg("serve")
            .arg(&folder)
            .args(["--lan", "--port", "0", "--sign-in-limit", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start letterkit serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        stdout.read_line(&mut first).expect("the first line");
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = stdout.read_to_end(&mut sink);
        });
        let rest = first.trim().strip_prefix("http://").unwrap_or_else(|| panic!("first line: {first:?}"));
        let (address, key) = rest.split_once("/?key=").unwrap_or_else(|| panic!("first line: {first:?}"));
        Server { child, folder, address: address.to_string(), key: key.to_string() }
    }

    /// The `content` of `<meta name="NAME">` or `value` of `<input name="NAME">` in a page.
    fn attribute(page: &str, name: &str, attribute: &str) -> String {
        let at = page.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no {name} in {page}"));
        let tag = &page[page[..at].rfind('<').expect("a tag")..at + page[at..].find('>').expect("a tag end")];
        let value =
            tag.split(&format!("{attribute}=\"")).nth(1).unwrap_or_else(|| panic!("no {attribute} in {tag}"));
        value[..value.find('"').expect("a closing quote")].to_string()
    }

    fn state(&self) -> serde_json::Value {
        let answer =
            Request::new("GET", "/api/state").header("X-Letterkit-Key", &self.key).send(&self.address);
        assert_eq!(answer.status, 200, "{}", answer.text());
        answer.json()
    }
}

/// The median and 95th percentile of some durations, in milliseconds.
fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "{what}: {} requests, median {:.1} ms, p95 {:.1} ms, slowest {:.1} ms",
        times.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}

fn main() {
    let server = Server::start();

    // The preview of one letter, as the organiser's page asks for it after each edit.
    let page = Request::new("GET", &format!("/?key={}", server.key)).send(&server.address);
    assert_eq!(page.status, 200, "{}", page.text());
    let token = Server::attribute(&page.text(), "letterkit-token", "content");
    let preview = || {
        let started = Instant::now();
        let answer = Request::new("POST", "/api/preview")
            .header("X-Letterkit-Key", &server.key)
            .header("X-Letterkit-Token", &token)
            .json(&json!({
                "piece": "letter",
                "row_id": null,
                "cells": { "name": "Ana Lee", "address1": "12 Elm St", "city": "Boston", "state": "MA", "zip": "02134" },
                "campaign": null,
                "page": 1
            }))
            .send(&server.address);
        assert_eq!(answer.status, 200, "{}", answer.text());
        started.elapsed()
    };
    preview();
    report("preview of one letter", (0..PREVIEWS).map(|_| preview()).collect());

    // Sign-ins from 50 phones at once.
    let lan = server.state()["lan"]["url"].as_str().expect("lan.url with --lan").to_string();
    let sign_in_key = lan.split("key=").nth(1).expect("the sign-in key").to_string();
    let form = Request::new("GET", &format!("/signin?key={sign_in_key}")).send(&server.address);
    assert_eq!(form.status, 200, "{}", form.text());
    let sign_in_token = Server::attribute(&form.text(), "token", "value");
    let version_before = server.state()["version"].as_u64().expect("version");
    let times = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for phone in 0..PHONES {
            let (server, times, sign_in_key, sign_in_token) = (&server, &times, &sign_in_key, &sign_in_token);
            scope.spawn(move || {
                for round in 0..ROUNDS {
                    let name = format!("Guest {phone} {round}");
                    let nonce = format!("bench{phone:03}{round:03}");
                    let body = form_body(&[
                        ("key", sign_in_key),
                        ("token", sign_in_token),
                        ("nonce", &nonce),
                        ("name", &name),
                        ("address1", "12 Elm St"),
                        ("city", "Boston"),
                        ("state", "MA"),
                        ("zip", "02134"),
                    ]);
                    let sent = Instant::now();
                    let answer = Request::new("POST", "/signin")
                        .body("application/x-www-form-urlencoded", body)
                        .send(&server.address);
                    assert_eq!(answer.status, 200, "{}", answer.text());
                    times.lock().expect("times").push(sent.elapsed());
                }
            });
        }
    });
    let wall = started.elapsed();
    let writes = server.state()["version"].as_u64().expect("version") - version_before;
    report(&format!("sign-in, {PHONES} phones at once"), times.into_inner().expect("times"));
    println!(
        "{} sign-ins in {:.1} s ({:.0} a second), written to disk in {writes} writes",
        PHONES * ROUNDS,
        wall.as_secs_f64(),
        (PHONES * ROUNDS) as f64 / wall.as_secs_f64()
    );
}
