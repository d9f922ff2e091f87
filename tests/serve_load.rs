//! `letterkit serve` under a party's load: 50 phones signing in at once, 20 times each, and the
//! server killed in the middle; every sign-in a phone was told about is in the list once.

mod common;
// The server tests' client; this test uses part of it.
#[allow(dead_code)]
#[path = "common/http.rs"]
mod http;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::TempDir;
use http::{Request, Response, form_body};

const PHONES: usize = 50;
const ROUNDS: usize = 20;

/// A running `letterkit serve` and what the tests need to talk to it.
struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    address: String,
    /// The sign-in key and the sign-in form's token.
    sign_in_key: String,
    sign_in_token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of the hidden input `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let at = page.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no `{name}` field in {page}"));
    let tag_start = page[..at].rfind('<').expect("a tag");
    let tag_end = at + page[at..].find('>').expect("a tag end");
    let tag = &page[tag_start..tag_end];
    let value = tag.split("value=\"").nth(1).unwrap_or_else(|| panic!("no value in {tag}"));
    value[..value.find('"').expect("a closing quote")].to_string()
}

/// Starts `letterkit serve` on a campaign folder (made when new) with the sign-in page on and
/// no rate limit.
fn start(folder: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_letterkit"))
        .args([
            "serve",
            folder.to_str().expect("a UTF-8 path"),
            "--lan",
            "--port",
            "0",
            "--sign-in-limit",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start letterkit serve");
    let stdout = child.stdout.take().expect("stdout");
    // Killed when anything below fails.
    let mut server =
        Server { child, address: String::new(), sign_in_key: String::new(), sign_in_token: String::new() };
    let mut stdout = BufReader::new(stdout);
    let mut first = String::new();
    stdout.read_line(&mut first).expect("the first line");
    let url = first.trim().strip_prefix("http://").unwrap_or_else(|| panic!("not a URL: {first:?}"));
    let (address, _key) = url.split_once("/?key=").unwrap_or_else(|| panic!("no key in {first:?}"));
    server.address = address.to_string();
    // With --lan a later line gives the sign-in page's address.
    for _ in 0..4 {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("a line");
        if let Some(at) = line.find("/signin?key=") {
            server.sign_in_key = line[at + "/signin?key=".len()..].trim().to_string();
            break;
        }
    }
    assert!(!server.sign_in_key.is_empty(), "--lan prints the sign-in address");
    // The rest of its output is not needed, but must not fill the pipe.
    std::thread::spawn(move || for _ in stdout.lines() {});
    let path = format!("/signin?key={}", server.sign_in_key);
    let answer = Request::new("GET", &path).send(&server.address);
    let page = answer.text();
    assert_eq!(answer.status, 200, "{page}");
    server.sign_in_token = hidden(&page, "token");
    assert_eq!(hidden(&page, "key"), server.sign_in_key);
    server
}

/// The name phone `phone` signs in with in round `round`.
fn name_of(phone: usize, round: usize) -> String {
    format!("Guest {phone:02} round {round:02}")
}

/// The form of phone `phone`'s sign-in in round `round`, urlencoded; its nonce is the same
/// each time it is sent.
fn form_of(server: &Server, phone: usize, round: usize) -> String {
    let name = name_of(phone, round);
    let nonce = format!("{:032x}", (phone * 1000 + round) as u128 * 7919 + 1);
    let fields = [
        ("key", server.sign_in_key.as_str()),
        ("token", server.sign_in_token.as_str()),
        ("nonce", nonce.as_str()),
        ("name", name.as_str()),
        ("address1", "12 Elm St"),
        ("address2", ""),
        ("city", "Boston"),
        ("state", "MA"),
        ("zip", "02134"),
        ("letters", "1"),
        ("cards", ""),
        ("postcards", ""),
    ];
    form_body(&fields)
}

/// Sends a sign-in form.
fn post_sign_in(server: &Server, form: &str) -> Result<Response, String> {
    Request::new("POST", "/signin").body("application/x-www-form-urlencoded", form).try_send(&server.address)
}

/// Runs the load: `PHONES` threads each sign in `ROUNDS` times with distinct names; a phone
/// whose request fails (the server is gone) stops. Calls `after_ack` with the number of
/// acknowledged sign-ins after each one. Returns the (phone, round) of each sign-in answered
/// 200.
fn sign_in_load(server: &Server, after_ack: impl Fn(usize) + Send + Sync) -> Vec<(usize, usize)> {
    let acknowledged = Mutex::new(Vec::new());
    let count = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for phone in 0..PHONES {
            let (acknowledged, count, stop, after_ack) = (&acknowledged, &count, &stop, &after_ack);
            scope.spawn(move || {
                for round in 0..ROUNDS {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    match post_sign_in(server, &form_of(server, phone, round)) {
                        Ok(answer) if answer.status == 200 => {
                            acknowledged.lock().expect("acknowledged").push((phone, round));
                            after_ack(count.fetch_add(1, Ordering::SeqCst) + 1);
                        }
                        Ok(answer) => panic!(
                            "sign-in of {}: status {}: {}",
                            name_of(phone, round),
                            answer.status,
                            answer.text()
                        ),
                        Err(error) => {
                            if !stop.swap(true, Ordering::SeqCst) {
                                eprintln!("phone {phone} round {round}: {error}; the phones stop");
                            }
                            return;
                        }
                    }
                }
            });
        }
    });
    acknowledged.into_inner().expect("acknowledged")
}

/// How many times each guest's name is in the list at `path` (the new campaign's example
/// rows left out), read as `build` reads it; panics when it does not read.
fn names_in_list(path: &Path) -> BTreeMap<String, usize> {
    let mut warnings = letterkit::base::diag::Warnings::default();
    let people = letterkit::model::participants::read(path, &mut warnings)
        .unwrap_or_else(|e| panic!("{} does not read as a list: {e}", path.display()));
    let mut names = BTreeMap::new();
    for person in people.into_iter().filter(|p| p.name.starts_with("Guest ")) {
        *names.entry(person.name).or_insert(0) += 1;
    }
    names
}

/// Every acknowledged name is in the list exactly once, and no name twice.
fn assert_each_once(names: &BTreeMap<String, usize>, acknowledged: &[(usize, usize)]) {
    for &(phone, round) in acknowledged {
        let name = name_of(phone, round);
        assert_eq!(
            names.get(&name),
            Some(&1),
            "{name} was acknowledged; in the list {:?} times",
            names.get(&name)
        );
    }
    let twice: Vec<_> = names.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "in the list more than once: {twice:?}");
}

/// Stops the server with SIGTERM; it finishes what it is writing and exits 0.
fn stop(server: &mut Server) {
    let status = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let status = server.child.wait().expect("wait");
    assert!(status.success(), "letterkit serve exited with {status} after SIGTERM");
}

#[cfg(unix)]
#[test]
fn fifty_phones_signing_in_at_once_are_each_in_the_list_once() {
    let folder = TempDir::new("serve-load");
    let mut server = start(folder.path());
    let acknowledged = sign_in_load(&server, |_| {});
    assert_eq!(acknowledged.len(), PHONES * ROUNDS, "every sign-in was acknowledged");
    stop(&mut server);
    let names = names_in_list(&folder.path().join("participants.csv"));
    assert_each_once(&names, &acknowledged);
    assert_eq!(names.values().sum::<usize>(), PHONES * ROUNDS);
}

#[cfg(unix)]
#[test]
fn killed_mid_party_every_acknowledged_sign_in_is_in_the_list_once() {
    let folder = TempDir::new("serve-load");
    let list = folder.path().join("participants.csv");
    let server = start(folder.path());
    let pid = server.child.id();
    let killed = AtomicBool::new(false);
    let acknowledged = sign_in_load(&server, |acks| {
        if acks >= 300 && !killed.swap(true, Ordering::SeqCst) {
            // SIGKILL: no clean-up at all, as `kill -9` or a crash leaves it.
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    });
    drop(server);
    assert!(killed.load(Ordering::SeqCst), "the server was killed");
    assert!(acknowledged.len() >= 300, "{} acknowledged", acknowledged.len());
    let names = names_in_list(&list);
    assert_each_once(&names, &acknowledged);
    let in_list: usize = names.values().sum();
    assert!(in_list < PHONES * ROUNDS, "killed before the end: {in_list} in the list");

    // Started again on the same folder: a phone sending an acknowledged form again (its answer
    // lost) is not added twice; a new one is added.
    let mut server = start(folder.path());
    let &(phone, round) = acknowledged.last().expect("an acknowledged sign-in");
    let answer = post_sign_in(&server, &form_of(&server, phone, round)).expect("sent again");
    assert_eq!(answer.status, 200, "{}", answer.text());
    let answer = post_sign_in(&server, &form_of(&server, PHONES, 0)).expect("a new one");
    assert_eq!(answer.status, 200, "{}", answer.text());
    stop(&mut server);
    let names = names_in_list(&list);
    assert_each_once(&names, &acknowledged);
    assert_eq!(names.get(&name_of(PHONES, 0)), Some(&1));
    assert_eq!(names.values().sum::<usize>(), in_list + 1);
}
