//! Who may do what: the run's random keys and tokens, the organiser-key and same-origin checks,
//! the request body limits and the sign-in rate limit.

use std::collections::HashMap;
use std::io::Read;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use axum::http::{HeaderMap, Method, Uri, header};

use crate::base::diag::{Diagnostic, Result};

/// The largest JSON body the organiser's page may send (a campaign, a row, a preview request).
pub const JSON_LIMIT: usize = 1024 * 1024;
/// The largest participants CSV the organiser may upload.
pub const CSV_LIMIT: usize = 8 * 1024 * 1024;
/// The largest sign-in form a phone may send.
pub const SIGN_IN_LIMIT: usize = 16 * 1024;

/// The header that carries the organiser key for requests made by the page's script.
pub const KEY_HEADER: &str = "x-letterkit-key";
/// The header that carries the same-origin token on changing requests.
pub const TOKEN_HEADER: &str = "x-letterkit-token";
/// The cookie `GET /?key=K` sets so that links and downloads need no key in their address.
pub const KEY_COOKIE: &str = "letterkit_key";

/// The secrets of one run of `letterkit serve`, new each time it starts.
#[derive(Debug, Clone)]
pub struct Keys {
    /// The organiser key K: every organiser page and action needs it.
    pub organiser: String,
    /// The sign-in key S: the phones' sign-in page needs it; it opens nothing else.
    pub sign_in: String,
    /// The same-origin token T the organiser page carries for its changing requests.
    pub organiser_token: String,
    /// The token the sign-in form carries back.
    pub sign_in_token: String,
}

impl Keys {
    /// Four new secrets of 128 random bits each, from the system's random source.
    pub fn new() -> Result<Keys> {
        Ok(Keys {
            organiser: random_hex()?,
            sign_in: random_hex()?,
            organiser_token: random_hex()?,
            sign_in_token: random_hex()?,
        })
    }

    /// Whether a request carries the organiser key: as `?key=K`, in the `X-Letterkit-Key`
    /// header, or in the `letterkit_key` cookie.
    pub fn is_organiser(&self, uri: &Uri, headers: &HeaderMap) -> bool {
        let from_query = query_value(uri, "key");
        let from_header = headers.get(KEY_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
        let from_cookie = cookie(headers, KEY_COOKIE);
        [from_query, from_header, from_cookie].into_iter().flatten().any(|key| same(&key, &self.organiser))
    }

    /// Whether a request that changes something comes from the organiser's own page: it
    /// carries the token T in `X-Letterkit-Token` and, when the browser names its origin, that
    /// origin is this server's.
    pub fn is_same_origin_change(&self, headers: &HeaderMap) -> bool {
        let token = headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        same(token, &self.organiser_token) && origin_is_host(headers)
    }
}

/// Whether a method changes something (and so needs the same-origin token).
pub fn is_change(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// 16 bytes from `/dev/urandom`, as 32 lower-case hex digits.
pub fn random_hex() -> Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).map_err(|e| {
        Diagnostic::error(format!("cannot read random bytes from /dev/urandom for the server's keys: {e}"))
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares two secrets in time that depends only on their lengths, not on where they differ.
pub fn same(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// When the request has an `Origin` header, whether it is `http://<Host>`; true without one
/// (a request made by no browser, or a same-origin GET).
pub fn origin_is_host(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    !host.is_empty() && origin.to_str().is_ok_and(|o| o == format!("http://{host}"))
}

/// The value of `name` in the request's query string, decoded.
pub fn query_value(uri: &Uri, name: &str) -> Option<String> {
    let query: axum::extract::Query<HashMap<String, String>> =
        axum::extract::Query::try_from_uri(uri).ok()?;
    query.0.get(name).cloned()
}

/// The value of the cookie `name`, if the request sends it.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

/// The `Set-Cookie` value that keeps the organiser key in the browser for this server's pages.
pub fn key_cookie(key: &str) -> String {
    format!("{KEY_COOKIE}={key}; HttpOnly; SameSite=Strict; Path=/")
}

/// Sign-ins per minute per client address: a token bucket for each address that holds up to
/// `per_minute` sign-ins and fills again at `per_minute` a minute. `0` lets every sign-in in.
#[derive(Debug)]
pub struct RateLimit {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// How many addresses the limiter remembers before it forgets the ones whose buckets are full.
const REMEMBERED_ADDRESSES: usize = 4096;

impl RateLimit {
    /// A limit of `per_minute` sign-ins a minute per address (`0`: no limit).
    pub fn new(per_minute: u32) -> RateLimit {
        RateLimit { per_minute, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one sign-in from `address`'s bucket; false when it is empty.
    pub fn allow(&self, address: IpAddr) -> bool {
        self.allow_at(address, Instant::now())
    }

    fn allow_at(&self, address: IpAddr, now: Instant) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= REMEMBERED_ADDRESSES {
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.updated).as_secs_f64() * per_second < capacity
            });
        }
        let bucket = buckets.entry(address).or_insert(Bucket { tokens: capacity, updated: now });
        let refill = now.saturating_duration_since(bucket.updated).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refill).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn keys_are_random_and_different() {
        let keys = Keys::new().unwrap();
        assert_eq!(keys.organiser.len(), 32);
        assert!(keys.organiser.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(keys.organiser, keys.sign_in);
        assert_ne!(keys.organiser_token, keys.sign_in_token);
    }

    #[test]
    fn comparison_needs_the_whole_secret() {
        assert!(same("abc", "abc"));
        assert!(!same("abd", "abc"));
        assert!(!same("ab", "abc"));
        assert!(!same("", "abc"));
    }

    #[test]
    fn the_key_comes_from_query_header_or_cookie() {
        let keys = Keys::new().unwrap();
        let none = HeaderMap::new();
        let uri: Uri = format!("/?key={}", keys.organiser).parse().unwrap();
        assert!(keys.is_organiser(&uri, &none));
        let plain: Uri = "/api/state".parse().unwrap();
        assert!(!keys.is_organiser(&plain, &none));
        let mut header = HeaderMap::new();
        header.insert(KEY_HEADER, keys.organiser.parse().unwrap());
        assert!(keys.is_organiser(&plain, &header));
        let mut cookies = HeaderMap::new();
        cookies.insert(header::COOKIE, format!("a=b; {KEY_COOKIE}={}", keys.organiser).parse().unwrap());
        assert!(keys.is_organiser(&plain, &cookies));
        let signin: Uri = format!("/?key={}", keys.sign_in).parse().unwrap();
        assert!(!keys.is_organiser(&signin, &none));
    }

    #[test]
    fn a_foreign_origin_is_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "127.0.0.1:8470".parse().unwrap());
        assert!(origin_is_host(&headers));
        headers.insert(header::ORIGIN, "http://127.0.0.1:8470".parse().unwrap());
        assert!(origin_is_host(&headers));
        headers.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(!origin_is_host(&headers));
    }

    #[test]
    fn the_bucket_empties_and_fills_again() {
        let limit = RateLimit::new(3);
        let address: IpAddr = "192.168.1.20".parse().unwrap();
        let start = Instant::now();
        assert!((0..3).all(|_| limit.allow_at(address, start)));
        assert!(!limit.allow_at(address, start));
        assert!(limit.allow_at("192.168.1.21".parse().unwrap(), start), "another phone has its own bucket");
        assert!(limit.allow_at(address, start + Duration::from_secs(20)), "one sign-in back after 20 s");
        assert!(!limit.allow_at(address, start + Duration::from_secs(20)));
        let off = RateLimit::new(0);
        assert!((0..1000).all(|_| off.allow_at(address, start)));
    }
}
