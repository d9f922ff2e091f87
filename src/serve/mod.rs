//! `letterkit serve`: the party as a web app on this computer. The organiser's page edits the
//! campaign and the participants, previews pieces, builds the kit and downloads it; with
//! `--lan`, phones on the local network sign in from a form of their own.
//!
//! - `security.rs`: the run's keys and tokens, the checks every request passes, the limits;
//! - `state.rs`: what the handlers share;
//! - `routes.rs`: the organiser's JSON API and downloads;
//! - `pages.rs`: the HTML pages and the embedded styles and script;
//! - `store.rs`: the participants list on disk, every change written before it is answered.

pub mod pages;
pub mod routes;
pub mod security;
pub mod state;
pub mod store;

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};

use crate::base::diag::{Diagnostic, Result};
use crate::input::confine::Sandbox;
use security::{CSV_LIMIT, JSON_LIMIT, Keys, RateLimit, SIGN_IN_LIMIT};
use state::{AppState, BuildJob, BuildState, BuildStatus, CampaignFolder, SignInPage, kit_files};
use store::Store;

/// The port `serve` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8470;

/// What `letterkit serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The campaign folder, holding `campaign.toml` and `participants.csv` already.
    pub dir: PathBuf,
    /// The port; 0 takes any free one.
    pub port: u16,
    /// Listen on every network address and serve the phones' sign-in page.
    pub lan: bool,
    /// Open the organiser's page in the browser.
    pub open: bool,
    /// Sign-ins per minute per client address; 0 for no limit.
    pub sign_in_limit: u32,
    /// Where designs may read files from.
    pub sandbox: Sandbox,
}

/// Runs the server until Ctrl-C or SIGTERM; prints the organiser's address as the first line
/// of standard output. Returns what to print when it has stopped.
pub fn run(options: &ServeOptions) -> Result<String> {
    let folder = CampaignFolder::new(&options.dir);
    let store = Arc::new(Store::open(&folder.participants)?);
    let keys = Keys::new()?;
    let bind = if options.lan { IpAddr::V4(Ipv4Addr::UNSPECIFIED) } else { IpAddr::V4(Ipv4Addr::LOCALHOST) };
    let listener = TcpListener::bind(SocketAddr::new(bind, options.port)).map_err(|e| {
        Diagnostic::error(format!("cannot listen on port {}: {e}", options.port))
            .hint("another program (or another letterkit serve) may use it: choose another with --port N, or --port 0 for any free one")
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| Diagnostic::error(format!("cannot read the server's port: {e}")))?
        .port();
    listener
        .set_nonblocking(true)
        .map_err(|e| Diagnostic::error(format!("cannot set up the server: {e}")))?;
    let organiser_url = format!("http://127.0.0.1:{port}/?key={}", keys.organiser);
    let sign_in = if options.lan {
        let address = lan_address().unwrap_or_else(|| {
            let warning = Diagnostic::warning(
                "cannot find this computer's address on the local network; the sign-in address uses 127.0.0.1, which phones cannot open",
            )
            .hint("connect to the party's Wi-Fi and start letterkit serve --lan again");
            eprintln!("{warning}");
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        });
        let url = format!("http://{address}:{port}/signin?key={}", keys.sign_in);
        Some(SignInPage { qr_svg: pages::qr_svg(&url)?, url })
    } else {
        None
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Diagnostic::error(format!("cannot start the server: {e}")))?;
    // Signals are caught from here on: a stop asked for as soon as the address is out is a
    // clean stop.
    let stop_signal = {
        let _runtime = runtime.enter();
        stop_signal()?
    };

    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{organiser_url}");
    if let Some(sign_in) = &sign_in {
        let _ = writeln!(
            out,
            "warning: with --lan the sign-in page is reachable by anyone on your local network who has its address:"
        );
        let _ = writeln!(out, "  {}", sign_in.url);
    }
    let _ = writeln!(
        out,
        "Open the first address in your browser; it holds your organiser key, so do not share it."
    );
    let _ = writeln!(out, "Press Ctrl-C to stop.");
    let _ = out.flush();
    drop(out);
    if options.open {
        open_browser(&organiser_url);
    }

    let (stop, stopping) = tokio::sync::watch::channel(false);
    let files = kit_files(&folder.kit);
    let state = Arc::new(AppState {
        folder: folder.clone(),
        sandbox: options.sandbox.clone(),
        keys,
        store,
        sign_in,
        rate_limit: RateLimit::new(options.sign_in_limit),
        build: Mutex::new(BuildJob {
            status: BuildStatus {
                state: BuildState::Idle,
                done: 0,
                total: 0,
                files,
                summary: String::new(),
                error: None,
            },
            progress: None,
        }),
        campaign_write: tokio::sync::Mutex::new(()),
        stopping,
    });
    let served: std::io::Result<()> = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                stop_signal.await;
                let _ = stop.send(true);
            })
            .await
    });
    // A kit build still running finishes (its folder is switched in whole or not at all).
    runtime.shutdown_timeout(Duration::from_secs(60));
    served.map_err(|e| Diagnostic::error(format!("the server stopped: {e}")))?;
    Ok(format!("stopped; the participants are in {}", folder.participants.display()))
}

/// Every route: the organiser's behind the key check, the sign-in pages with `--lan`, the
/// embedded assets for all.
pub fn router(state: Arc<AppState>) -> Router {
    let organiser = Router::new()
        .route("/", get(pages::organiser))
        .route("/api/state", get(routes::api_state))
        .route("/api/rows", get(routes::rows_since).post(routes::add_row))
        .route("/api/rows/{id}", put(routes::update_row).delete(routes::remove_row))
        .route("/api/rows/{id}/pieces.pdf", get(routes::person_pieces))
        .route("/api/campaign", put(routes::save_campaign))
        .route("/api/participants", put(routes::upload_participants).layer(DefaultBodyLimit::max(CSV_LIMIT)))
        .route("/api/preview", post(routes::preview))
        .route("/api/build", get(routes::build_status).post(routes::start_build))
        .route("/files/{name}", get(routes::kit_file))
        .route("/kit.zip", get(routes::kit_zip))
        .route_layer(middleware::from_fn(api_errors_as_json))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&state), organiser_only));
    let mut app = Router::new()
        .route("/assets/app.js", get(pages::app_js))
        .route("/assets/style.css", get(pages::style_css))
        .merge(organiser);
    if state.sign_in.is_some() {
        app = app.route(
            "/signin",
            get(pages::sign_in_form).post(pages::sign_in).layer(DefaultBodyLimit::max(SIGN_IN_LIMIT)),
        );
    }
    app.fallback(not_found)
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
        .layer(middleware::map_response(safety_headers))
        .with_state(state)
}

/// Lets a request through only with the organiser key, and a changing one only from the
/// organiser's own page (the token, and the origin when the browser names it).
async fn organiser_only(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let refuse = |message: &str| {
        if api {
            (StatusCode::FORBIDDEN, axum::Json(serde_json::json!({ "error": message }))).into_response()
        } else {
            pages::refused(StatusCode::FORBIDDEN, "This page needs the organiser key", message)
        }
    };
    if !state.keys.is_organiser(request.uri(), request.headers()) {
        return refuse(
            "Open the address letterkit serve printed (it ends in ?key=…); the key changes each time letterkit serve starts.",
        );
    }
    if security::is_change(request.method()) && !state.keys.is_same_origin_change(request.headers()) {
        return refuse("This change did not come from the organiser's page; reload the page and try again.");
    }
    next.run(request).await
}

/// 404 for every other address (as JSON under `/api/`).
async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({ "error": "there is no such API address" })),
        )
            .into_response();
    }
    pages::refused(StatusCode::NOT_FOUND, "There is no such page", "Check the address.")
}

/// The longest refusal text of axum's own (a body that is not JSON, a bad number in the
/// address) that is passed on.
const REFUSAL_TEXT_LIMIT: usize = 16 * 1024;

/// Gives the API's refusals that axum makes itself (a body too large, not JSON, of the wrong
/// shape; an id that is no number) as `{"error": …}`, like the API's own.
async fn api_errors_as_json(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.to_str().is_ok_and(|t| t.starts_with("application/json")));
    if !api || is_json || !(response.status().is_client_error() || response.status().is_server_error()) {
        return response;
    }
    let status = response.status();
    let text = match axum::body::to_bytes(response.into_body(), REFUSAL_TEXT_LIMIT).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    };
    let message = if text.trim().is_empty() {
        status.canonical_reason().unwrap_or("refused").to_string()
    } else {
        text
    };
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

/// Headers every answer carries: no caching of private pages, no address (with its key) sent
/// as the referrer to another site (a same-origin referrer keeps browsers sending `Origin` on
/// the sign-in form), no framing, and only this server's scripts and styles.
async fn safety_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; \
             font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A future that ends on Ctrl-C or, on Unix, SIGTERM; the handlers are in place when it is
/// returned (call it inside the runtime).
fn stop_signal() -> Result<impl Future<Output = ()>> {
    let cannot = |e: std::io::Error| Diagnostic::error(format!("cannot catch Ctrl-C: {e}"));
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).map_err(cannot)?;
        let mut terminate = signal(SignalKind::terminate()).map_err(cannot)?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        let _ = cannot;
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// This computer's address on the local network: the one the system would send from to a
/// documentation address (no packet is sent).
fn lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 80)).ok()?;
    let address = socket.local_addr().ok()?.ip();
    (!address.is_loopback() && !address.is_unspecified()).then_some(address)
}

/// Opens `url` in the default browser; a failure is a warning on standard error.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    match std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => {
            eprintln!("warning: cannot open the browser with {opener}: {e}; open the address above yourself")
        }
    }
}
