//! The HTML pages: the organiser's page (a shell the page's script fills), the phones'
//! sign-in form, its thank-you page and the refusal pages; and the embedded styles and script.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::base::diag::{Diagnostic, Result};
use crate::check::table::{CellIssue, Severity, check_new_row};
use crate::serve::security::{self, key_cookie, random_hex, same};
use crate::serve::state::AppState;

/// The organiser page's script.
const APP_JS: &str = include_str!("../../assets/web/app.js");
/// The styles of every page.
const STYLE_CSS: &str = include_str!("../../assets/web/style.css");

/// A rendered page with a status; a template that fails to render gives a plain 500.
fn page(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("the page could not be made: {e}")).into_response()
        }
    }
}

/// The organiser's page: the shell with its sections, the key and the token for its script.
#[derive(Template)]
#[template(path = "organiser.html")]
pub struct OrganiserPage<'a> {
    /// The key the script sends in `X-Letterkit-Key`.
    key: &'a str,
    /// The token the script sends in `X-Letterkit-Token`.
    token: &'a str,
    /// The campaign folder, to say where things are saved.
    folder: String,
    /// The sign-in address and its QR code, with `--lan`.
    sign_in_url: Option<&'a str>,
    /// The QR code's SVG markup (made here, from the code's modules; no user text in it).
    qr_svg: Option<&'a str>,
}

/// `GET /`: the organiser's page; `?key=K` also sets the key cookie.
pub async fn organiser(State(state): State<Arc<AppState>>) -> Response {
    let sign_in = state.sign_in.as_ref();
    let template = OrganiserPage {
        key: &state.keys.organiser,
        token: &state.keys.organiser_token,
        folder: state.folder.dir.display().to_string(),
        sign_in_url: sign_in.map(|s| s.url.as_str()),
        qr_svg: sign_in.map(|s| s.qr_svg.as_str()),
    };
    let mut response = page(StatusCode::OK, &template);
    if let Ok(cookie) = HeaderValue::from_str(&key_cookie(&state.keys.organiser)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// A refusal: what was refused and what to do.
#[derive(Template)]
#[template(path = "refused.html")]
pub struct RefusedPage<'a> {
    /// The page's heading.
    title: &'a str,
    /// What to do about it.
    message: &'a str,
}

/// A refusal page with `status`.
pub fn refused(status: StatusCode, title: &str, message: &str) -> Response {
    page(status, &RefusedPage { title, message })
}

/// `/assets/app.js`.
pub async fn app_js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], APP_JS).into_response()
}

/// `/assets/style.css`.
pub async fn style_css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE_CSS).into_response()
}

/// One field of the sign-in form.
pub struct FormField {
    /// The column it fills.
    pub name: &'static str,
    /// Its label.
    pub label: &'static str,
    /// A line under the label.
    pub help: &'static str,
    /// The `autocomplete` token.
    pub autocomplete: &'static str,
    /// The `inputmode`.
    pub input_mode: &'static str,
    /// Whether it must be filled in.
    pub required: bool,
    /// What the person typed (kept when the form comes back with problems).
    pub value: String,
    /// The problems with it, in plain words.
    pub problems: Vec<String>,
}

/// The sign-in form's fields: (column, label, help, autocomplete, inputmode, required).
const SIGN_IN_FIELDS: [(&str, &str, &str, &str, &str, bool); 9] = [
    ("name", "Your name", "As it goes on your letters and the envelope.", "name", "text", true),
    ("address1", "Street address", "", "address-line1", "text", true),
    ("address2", "Apartment, suite, unit", "Leave empty if there is none.", "address-line2", "text", false),
    ("city", "City", "", "address-level2", "text", true),
    ("state", "State", "Two letters, like MA.", "address-level1", "text", true),
    ("zip", "ZIP code", "5 digits, like 02134.", "postal-code", "numeric", true),
    (
        "letters",
        "Letters",
        "How many letters you will write. Empty: the campaign's number.",
        "off",
        "numeric",
        false,
    ),
    ("cards", "Cards", "Empty: the campaign's number.", "off", "numeric", false),
    ("postcards", "Postcards", "Empty: the campaign's number.", "off", "numeric", false),
];

/// The columns whose empty value means "the campaign's default": left out of a new row.
const COUNT_FIELDS: [&str; 3] = ["letters", "cards", "postcards"];

/// The phones' sign-in form.
#[derive(Template)]
#[template(path = "signin.html")]
pub struct SignInForm<'a> {
    /// The sign-in key, sent back with the form.
    key: &'a str,
    /// The sign-in token, sent back with the form.
    token: &'a str,
    /// A new random value for each form shown: the same form sent twice adds one row.
    nonce: String,
    /// The fields with their values and problems.
    fields: Vec<FormField>,
    /// Problems that belong to no one field.
    problems: Vec<String>,
}

/// The fields of the form filled with `values` and the `issues` of a check.
fn form_fields(values: &HashMap<String, String>, issues: &[CellIssue]) -> Vec<FormField> {
    SIGN_IN_FIELDS
        .iter()
        .map(|&(name, label, help, autocomplete, input_mode, required)| FormField {
            name,
            label,
            help,
            autocomplete,
            input_mode,
            required,
            value: values.get(name).cloned().unwrap_or_default(),
            problems: issues
                .iter()
                .filter(|i| i.severity == Severity::Error && i.column.as_deref() == Some(name))
                .map(|i| i.message.clone())
                .collect(),
        })
        .collect()
}

/// Whether a request carries the sign-in key as `?key=S`.
fn has_sign_in_key(state: &AppState, key: Option<&String>) -> bool {
    key.is_some_and(|k| same(k, &state.keys.sign_in))
}

/// The refusal a phone sees with a wrong or old key.
fn wrong_key() -> Response {
    refused(
        StatusCode::FORBIDDEN,
        "This sign-in link does not work",
        "Scan the QR code on the organiser's screen or on the handout again: the link changes each time the organiser starts letterkit.",
    )
}

/// `GET /signin?key=S`: the empty sign-in form.
pub async fn sign_in_form(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !has_sign_in_key(&state, query.get("key")) {
        return wrong_key();
    }
    let Ok(nonce) = random_hex() else {
        return refused(StatusCode::INTERNAL_SERVER_ERROR, "Sign-in is not working", "Ask the organiser.");
    };
    let form = SignInForm {
        key: &state.keys.sign_in,
        token: &state.keys.sign_in_token,
        nonce,
        fields: form_fields(&HashMap::new(), &[]),
        problems: Vec::new(),
    };
    page(StatusCode::OK, &form)
}

/// The thank-you page: the entry just saved, and nothing else from the list.
#[derive(Template)]
#[template(path = "thanks.html")]
pub struct ThanksPage {
    /// The lines of the entry: label and value.
    entry: Vec<(&'static str, String)>,
    /// A link back to an empty form, for the next person on this phone.
    again: String,
}

/// `POST /signin`: checks the form as `build` would check the row; saves it (on disk before
/// the answer) and thanks the person, or shows the form again with each problem by its field.
pub async fn sign_in(
    State(state): State<Arc<AppState>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !state.rate_limit.allow(client.ip()) {
        return refused(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-ins from this phone",
            "Wait a minute, then send the form again.",
        );
    }
    let token_ok = form.get("token").is_some_and(|t| same(t, &state.keys.sign_in_token));
    if !has_sign_in_key(&state, form.get("key")) || !token_ok || !security::origin_is_host(&headers) {
        return wrong_key();
    }
    let cells: Vec<(String, String)> = SIGN_IN_FIELDS
        .iter()
        .map(|f| f.0)
        .map(|name| (name.to_string(), form.get(name).map_or("", |v| v.trim()).to_string()))
        .filter(|(name, value)| !(COUNT_FIELDS.contains(&name.as_str()) && value.is_empty()))
        .collect();
    let issues = match state.campaign_source() {
        Ok(source) => check_new_row(&cells, Some(&state.table_campaign(&source.text))),
        Err(_) => check_new_row(&cells, None),
    };
    let mut problems: Vec<String> = issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .filter(|i| i.column.as_deref().is_none_or(|c| !SIGN_IN_FIELDS.iter().any(|f| f.0 == c)))
        .map(|i| i.message.clone())
        .collect();
    let blocked = issues.iter().any(|i| i.severity == Severity::Error);
    let nonce = form.get("nonce").cloned().unwrap_or_default();
    if !blocked && nonce.is_empty() {
        problems.push("The form was missing a part. Please send it again.".into());
    }
    if blocked || !problems.is_empty() {
        let again = SignInForm {
            key: &state.keys.sign_in,
            token: &state.keys.sign_in_token,
            nonce: if nonce.is_empty() { random_hex().unwrap_or_default() } else { nonce },
            fields: form_fields(&form, &issues),
            problems,
        };
        return page(StatusCode::UNPROCESSABLE_ENTITY, &again);
    }
    match state.store.sign_in(&nonce, cells.clone()).await {
        Ok(_) => {
            let entry = SIGN_IN_FIELDS
                .iter()
                .filter_map(|f| {
                    let value = cells.iter().find(|(n, _)| n == f.0).map(|(_, v)| v.clone())?;
                    (!value.is_empty()).then_some((f.1, value))
                })
                .collect();
            page(StatusCode::OK, &ThanksPage { entry, again: format!("/signin?key={}", state.keys.sign_in) })
        }
        Err(_) => refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Your sign-in was not saved",
            "Please send the form again, or tell the organiser.",
        ),
    }
}

/// A QR code of `text` as SVG: one square per dark module, with the four-module quiet zone.
pub fn qr_svg(text: &str) -> Result<String> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| Diagnostic::error(format!("cannot make a QR code of {text}: {e}")))?;
    let width = code.width();
    let side = width + 8;
    let mut path = String::new();
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            path.push_str(&format!("M{} {}h1v1h-1z", i % width + 4, i / width + 4));
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" role=\"img\" \
         aria-label=\"QR code of the sign-in page\" shape-rendering=\"crispEdges\">\
         <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_svg_of_squares() {
        let svg = qr_svg("http://192.168.1.5:8470/signin?key=0123456789abcdef0123456789abcdef").unwrap();
        assert!(svg.starts_with("<svg "));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.matches("h1v1h-1z").count() > 100);
        assert!(!svg.contains("signin"), "the address is drawn, not written into the markup");
    }
}
