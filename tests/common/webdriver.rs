//! A small WebDriver client for the browser tests: chromedriver over HTTP on std's TcpStream.
//!
//! `Chromedriver::start` returns `None` (after printing why) when /usr/bin/chromium or
//! chromedriver is missing, so tests skip on machines without a browser.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The browser the tests drive.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The key W3C WebDriver names element references by.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// An HTTP answer: status and body.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The body, chunked transfer decoded.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request to `host:port` (`Connection: close`), answer read whole.
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<HttpResponse> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    stream.write_all(body)?;
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP status line: {status_line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let header =
        |wanted: &str| headers.iter().find(|(name, _)| name == wanted).map(|(_, value)| value.as_str());
    // Read by the length the server gives: some keep the connection open despite `close`.
    let body = if let Some(length) = header("content-length").and_then(|l| l.parse::<usize>().ok()) {
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    } else if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        read_chunked(&mut reader)?
    } else {
        let mut body = Vec::new();
        reader.read_to_end(&mut body)?;
        body
    };
    Ok(HttpResponse { status, body })
}

/// The body of a chunked transfer, read up to its last (empty) chunk.
fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size_line = String::new();
        reader.read_line(&mut size_line)?;
        let size_text = size_line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| std::io::Error::other(format!("not a chunk size: {size_line:?}")))?;
        let mut chunk = vec![0; size + 2]; // the chunk and its CRLF
        reader.read_exact(&mut chunk)?;
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

/// Standard base64 (with padding) decoded; whitespace ignored.
pub fn base64_decode(text: &str) -> Vec<u8> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut count) = (0u32, 0);
    for v in text.bytes().filter_map(value) {
        bits = (bits << 6) | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

/// A free loopback port (free when asked; chromedriver takes it a moment later).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// The chromedriver on this machine, if any.
fn chromedriver_path() -> Option<PathBuf> {
    let candidates = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];
    candidates.iter().map(PathBuf::from).find(|p| p.exists()).or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths).map(|dir| dir.join("chromedriver")).find(|p| p.exists())
        })
    })
}

/// A running chromedriver, killed on drop.
pub struct Chromedriver {
    process: Child,
    port: u16,
    profiles: PathBuf,
}

impl Chromedriver {
    /// Starts chromedriver on a free port, or says why not (and returns `None`) when the
    /// browser or the driver is missing.
    pub fn start(profiles: &Path) -> Option<Chromedriver> {
        if !Path::new(CHROMIUM).exists() {
            eprintln!("skipped: {CHROMIUM} is missing (apt-get install chromium chromium-driver)");
            return None;
        }
        let Some(driver) = chromedriver_path() else {
            eprintln!("skipped: chromedriver is missing (apt-get install chromium-driver)");
            return None;
        };
        let port = free_port();
        let process = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let chromedriver = Chromedriver { process, port, profiles: profiles.to_path_buf() };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(status) = http_request(port, "GET", "/status", &[], b"")
                && serde_json::from_slice::<Value>(&status.body)
                    .is_ok_and(|v| v["value"]["ready"].as_bool() == Some(true))
            {
                return Some(chromedriver);
            }
            assert!(Instant::now() < deadline, "chromedriver did not start within 20 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A new headless Chromium session, its profile in a fresh folder.
    pub fn session(&self) -> Session {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let profile = self.profiles.join(format!("chromium-profile-{n}"));
        std::fs::create_dir_all(&profile).expect("create the browser profile folder");
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--disable-quic".to_string(),
            "--no-first-run".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            "--hide-scrollbars".to_string(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        }}});
        let mut session = Session { port: self.port, id: String::new() };
        let value = session.command("POST", "/session", Some(capabilities));
        session.id = value["sessionId"].as_str().expect("a session id").to_string();
        session.command("POST", "/timeouts", Some(json!({"script": 60_000, "pageLoad": 60_000})));
        session
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A browser session: one window, ended on drop.
pub struct Session {
    port: u16,
    id: String,
}

/// An element of the page, by its WebDriver reference.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Session {
    /// Sends a WebDriver command (`path` under the session, or `/session` to make one) and
    /// returns its `value`; panics with the driver's message on an error.
    fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_command(method, path, body).unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))
    }

    /// As `command`, the driver's error as `Err`.
    fn try_command(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let full = if self.id.is_empty() { path.to_string() } else { format!("/session/{}{path}", self.id) };
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let headers: &[(&str, &str)] =
            if body.is_empty() { &[] } else { &[("Content-Type", "application/json; charset=utf-8")] };
        let response =
            http_request(self.port, method, &full, headers, body.as_bytes()).map_err(|e| e.to_string())?;
        let json: Value =
            serde_json::from_slice(&response.body).map_err(|e| format!("{e}: {}", response.text()))?;
        if response.status >= 400 {
            return Err(format!(
                "{} {}: {}",
                response.status,
                json["value"]["error"].as_str().unwrap_or(""),
                json["value"]["message"].as_str().unwrap_or("")
            ));
        }
        Ok(json["value"].clone())
    }

    /// Opens `url`, waiting for the page to load.
    pub fn goto(&self, url: &str) {
        self.command("POST", "/url", Some(json!({"url": url})));
    }

    /// Sets the window's outer size in CSS pixels.
    pub fn set_window_size(&self, width: u32, height: u32) {
        self.command("POST", "/window/rect", Some(json!({"width": width, "height": height})));
    }

    /// The first element matching the CSS selector, if any.
    pub fn find(&self, css: &str) -> Option<Element> {
        self.try_command("POST", "/element", Some(json!({"using": "css selector", "value": css})))
            .ok()
            .and_then(|v| v[ELEMENT_KEY].as_str().map(|id| Element(id.to_string())))
    }

    /// The first element matching the CSS selector, waiting up to `timeout` for it.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(element) = self.find(css) {
                return element;
            }
            assert!(
                Instant::now() < deadline,
                "no element matches {css:?} after {timeout:?}\n{}",
                self.describe()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the script (a function body, `arguments` holding `args`) returns a truthy value.
    pub fn wait_until(&self, what: &str, script: &str, args: Value, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.execute(script, args.clone());
            if !(value.is_null() || value == json!(false) || value == json!("") || value == json!(0)) {
                return;
            }
            assert!(Instant::now() < deadline, "after {timeout:?}, still not: {what}\n{}", self.describe());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The page's address and the start of its text, for a failing test's message.
    pub fn describe(&self) -> String {
        let script = "return location.href + '\\n' + document.body.innerText.slice(0, 3000);";
        match self.try_command("POST", "/execute/sync", Some(json!({"script": script, "args": []}))) {
            Ok(value) => format!("the page now: {}", value.as_str().unwrap_or_default()),
            Err(error) => format!("the page cannot be read: {error}"),
        }
    }

    /// Types `text` into the element (WebDriver key codes such as `\u{E004}`, Tab, allowed).
    pub fn send_keys(&self, element: &Element, text: &str) {
        self.command("POST", &format!("/element/{}/value", element.0), Some(json!({"text": text})));
    }

    /// Empties an input or text area.
    pub fn clear(&self, element: &Element) {
        self.command("POST", &format!("/element/{}/clear", element.0), Some(json!({})));
    }

    /// Sets a form control's value by script (a select, say) and fires `input` and `change`.
    pub fn set_value(&self, element: &Element, value: &str) {
        let mut reference = serde_json::Map::new();
        reference.insert(ELEMENT_KEY.to_string(), Value::String(element.0.clone()));
        self.execute(
            "const [control, value] = arguments; control.value = value;\n\
             control.dispatchEvent(new Event('input', { bubbles: true }));\n\
             control.dispatchEvent(new Event('change', { bubbles: true }));",
            json!([reference, value]),
        );
    }

    /// Clicks the element.
    pub fn click(&self, element: &Element) {
        self.command("POST", &format!("/element/{}/click", element.0), Some(json!({})));
    }

    /// A DOM property of the element (`value`, `checked`, …) as JSON.
    pub fn property(&self, element: &Element, name: &str) -> Value {
        self.command("GET", &format!("/element/{}/property/{name}", element.0), None)
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its result.
    pub fn execute(&self, script: &str, args: Value) -> Value {
        self.command("POST", "/execute/sync", Some(json!({"script": script, "args": args})))
    }

    /// Runs `script`, which calls `arguments[arguments.length - 1]` with its result.
    pub fn execute_async(&self, script: &str, args: Value) -> Value {
        self.command("POST", "/execute/async", Some(json!({"script": script, "args": args})))
    }

    /// A PNG of the window's viewport.
    pub fn screenshot(&self) -> Vec<u8> {
        let value = self.command("GET", "/screenshot", None);
        base64_decode(value.as_str().expect("a base64 screenshot"))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.id.is_empty() {
            let _ = self.try_command("DELETE", "", None);
        }
    }
}
