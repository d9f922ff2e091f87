//! The organiser's JSON API and downloads: thin handlers over the store, the campaign form,
//! the participants table, the kit's counts, previews and builds.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::base::diag::{Error, Source, Warnings};
use crate::check::table::{Table, table};
use crate::kit::counts::Counts;
use crate::kit::preview::{PreviewPiece, PreviewRequest};
use crate::kit::{Progress, RowOptions};
use crate::model::campaign_form::CampaignForm;
use crate::output::Staged;
use crate::serve::state::{AppState, BuildState, BuildStatus, kit_files};
use crate::serve::store::{Row, Snapshot, StoreError};

/// Shared state as the handlers take it.
pub type Shared = State<Arc<AppState>>;

/// The longest a `GET /api/rows?since=V` waits for a change.
const LONG_POLL: Duration = Duration::from_secs(25);
/// The resolution previews are drawn at.
const PREVIEW_DPI: f32 = 96.0;
/// What the organiser reads when a row changed under their edit.
pub const CONFLICT_MESSAGE: &str = "This row was changed in another tab or by a sign-in since you opened it. Look at it again and make your change once more.";

/// An answer with a status and `{"error": …, "field": …}` (and the current row for a conflict).
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: Value,
}

impl ApiError {
    /// An error with `status` and a message for the organiser.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, body: json!({ "error": message.into() }) }
    }

    /// Names the form field the error is about.
    fn field(mut self, field: Option<String>) -> ApiError {
        if let Some(field) = field {
            self.body["field"] = Value::String(field);
        }
        self
    }

    /// A job's error (an invalid campaign, list or preview) as 422; an error about one field
    /// of the campaign form names it in `field` and says the rest in `error`.
    fn invalid(error: &Error) -> ApiError {
        let field = form_field(error);
        let message = match (&field, error.diagnostics().first()) {
            (Some(field), Some(first)) => {
                first.message.strip_prefix(&format!("{field}: ")).unwrap_or(&first.message).to_string()
            }
            _ => plain(error),
        };
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message).field(field)
    }

    /// Something went wrong on this computer (a disk error) as 500.
    fn internal(error: &Error) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, plain(error))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// Handler results: a JSON answer or an [`ApiError`].
type ApiResult<T> = Result<T, ApiError>;

/// An error's diagnostics as the terminal would show them, without the `error: ` labels.
pub fn plain(error: &Error) -> String {
    error
        .diagnostics()
        .iter()
        .map(|d| {
            let text = d.to_string();
            text.strip_prefix("error: ").map(str::to_string).unwrap_or(text)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The form field an error of [`CampaignForm::apply`] names (`recipient.salutation`).
fn form_field(error: &Error) -> Option<String> {
    error.diagnostics().first().and_then(crate::model::campaign_form::form_field).map(str::to_string)
}

/// A store's refusal as an answer: a conflict is 409 with the row as it is now.
fn store_error(error: StoreError, state: &AppState) -> ApiError {
    match error {
        StoreError::Conflict { current } => {
            let row = match current {
                Some(row) => serde_json::to_value(row_view(state, &row)).unwrap_or(Value::Null),
                None => Value::Null,
            };
            ApiError { status: StatusCode::CONFLICT, body: json!({ "error": CONFLICT_MESSAGE, "row": row }) }
        }
        StoreError::Invalid(e) => ApiError::invalid(&e),
        StoreError::Io(e) => ApiError::internal(&e),
    }
}

/// Runs a slow job (layout, rendering, a build step) off the async threads.
async fn blocking<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("the job stopped: {e}")))
}

/// The participants table with every row's id and revision: `check::table` of the list on
/// disk, checked against the campaign on disk, with the store's ids put in row by row.
fn table_with_ids(state: &AppState) -> (u64, Value) {
    let (snapshot, text) = state.store.snapshot_and_text();
    let campaign = state.campaign_source().ok();
    let checked = table_of(state, &text, campaign.as_ref());
    (snapshot.version, add_ids(&checked, &snapshot))
}

/// `check::table` of `csv_text`, checked against `campaign` when it could be read.
fn table_of(state: &AppState, csv_text: &str, campaign: Option<&Source>) -> Table {
    let file = state.folder.participants.display().to_string();
    let against = campaign.map(|c| state.table_campaign(&c.text));
    table(&file, csv_text, against.as_ref())
}

/// The table as JSON with `"id"` and `"revision"` in each row: the store's row on the same
/// line of the same text.
fn add_ids(checked: &Table, snapshot: &Snapshot) -> Value {
    let mut value = serde_json::to_value(checked).unwrap_or(Value::Null);
    if let Some(rows) = value.get_mut("rows").and_then(Value::as_array_mut) {
        for row in rows.iter_mut() {
            let line = row["line"].as_u64();
            if let Some(stored) = snapshot.rows.iter().find(|r| Some(r.line as u64) == line) {
                row["id"] = json!(stored.id);
                row["revision"] = json!(stored.revision);
            }
        }
    }
    value
}

/// One row as the organiser's page shows it: the store's row, its line in the file and the
/// issues `check` and `build` give it.
#[derive(Debug, serde::Serialize)]
pub struct RowView {
    id: u64,
    revision: u64,
    line: usize,
    cells: Vec<String>,
    issues: Vec<crate::check::table::CellIssue>,
}

/// The row view of `row` in the list as it is on disk now.
fn row_view(state: &AppState, row: &Row) -> RowView {
    let (snapshot, text) = state.store.snapshot_and_text();
    let campaign = state.campaign_source().ok();
    let checked = table_of(state, &text, campaign.as_ref());
    // The row as it is now (a later change may have moved it), and its line's issues.
    let row = snapshot.rows.iter().find(|r| r.id == row.id).unwrap_or(row);
    let issues = checked.rows.iter().find(|r| r.line == row.line).map(|r| r.issues.clone());
    RowView {
        id: row.id,
        revision: row.revision,
        line: row.line,
        cells: row.cells.clone(),
        issues: issues.unwrap_or_default(),
    }
}

/// The report-back counts, or why they cannot be counted now.
fn counts(state: &AppState) -> (Option<Counts>, Option<String>) {
    let mut warnings = Warnings::default();
    match crate::kit::counts::counts(&state.build_options(None), &mut warnings) {
        Ok(counts) => (Some(counts), None),
        Err(e) => (None, Some(plain(&e))),
    }
}

/// The campaign form of the file on disk and the problems loading it as a campaign gives.
fn campaign_view(state: &AppState) -> (Value, Vec<Value>) {
    let source = match state.campaign_source() {
        Ok(source) => source,
        Err(e) => return (Value::Null, vec![json!({ "field": null, "message": plain(&e) })]),
    };
    let form = match CampaignForm::read(&source) {
        Ok(form) => serde_json::to_value(form).unwrap_or(Value::Null),
        Err(e) => return (Value::Null, vec![json!({ "field": form_field(&e), "message": plain(&e) })]),
    };
    let errors = match crate::model::campaign::load(Some(&state.folder.campaign), &state.sandbox) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .diagnostics()
            .iter()
            .map(|d| {
                let field = crate::model::campaign_form::form_field(d);
                json!({ "field": field, "message": plain(&d.clone().into()) })
            })
            .collect(),
    };
    (form, errors)
}

/// `GET /api/state`: everything the organiser's page shows.
pub async fn api_state(State(state): Shared) -> ApiResult<Json<Value>> {
    blocking(move || {
        let (version, table) = table_with_ids(&state);
        let (campaign, campaign_errors) = campaign_view(&state);
        let (counts, counts_error) = counts(&state);
        let lan = state.sign_in.as_ref().map(|s| json!({ "url": s.url, "qr_svg": s.qr_svg }));
        Json(json!({
            "version": version,
            "campaign": campaign,
            "campaign_errors": campaign_errors,
            "table": table,
            "counts": counts,
            "counts_error": counts_error,
            "lan": lan,
            "build": state.build_status(),
        }))
    })
    .await
}

/// The `since` of a long poll.
#[derive(Debug, serde::Deserialize)]
pub struct Since {
    #[serde(default)]
    since: u64,
}

/// `GET /api/rows?since=V`: waits (up to 25 s) for the list to pass version V, then answers
/// with the table and the counts.
pub async fn rows_since(State(state): Shared, Query(since): Query<Since>) -> ApiResult<Json<Value>> {
    let mut stopping = state.stopping.clone();
    tokio::select! {
        _ = state.store.changed(since.since, LONG_POLL) => {}
        _ = stopping.wait_for(|stop| *stop) => {}
    }
    blocking(move || {
        let (version, table) = table_with_ids(&state);
        let (counts, counts_error) = counts(&state);
        Json(json!({ "version": version, "table": table, "counts": counts, "counts_error": counts_error }))
    })
    .await
}

/// A row's cells as the page sends them: `{"name": "Ada", "letters": 2}`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Cells(BTreeMap<String, Value>);

impl Cells {
    /// The cells as (column, text) pairs; numbers become their digits, `null` an empty cell.
    fn pairs(&self) -> ApiResult<Vec<(String, String)>> {
        self.0
            .iter()
            .map(|(column, value)| {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Null => String::new(),
                    _ => {
                        return Err(ApiError::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            format!("the cell `{column}` should be text or a number"),
                        )
                        .field(Some(column.clone())));
                    }
                };
                Ok((column.clone(), text))
            })
            .collect()
    }
}

/// The body of `POST /api/rows`.
#[derive(Debug, serde::Deserialize)]
pub struct NewRow {
    cells: Cells,
}

/// `POST /api/rows`: adds a row → 201 `{"row": RowView}`.
pub async fn add_row(State(state): Shared, Json(new): Json<NewRow>) -> ApiResult<Response> {
    let row = state.store.add(new.cells.pairs()?).await.map_err(|e| store_error(e, &state))?;
    let view = blocking(move || row_view(&state, &row)).await?;
    Ok((StatusCode::CREATED, Json(json!({ "row": view }))).into_response())
}

/// The body of `PUT /api/rows/{id}`.
#[derive(Debug, serde::Deserialize)]
pub struct RowEdit {
    revision: u64,
    cells: Cells,
}

/// `PUT /api/rows/{id}`: changes a row if it is still at `revision` (409 otherwise).
pub async fn update_row(
    State(state): Shared,
    UrlPath(id): UrlPath<u64>,
    Json(edit): Json<RowEdit>,
) -> ApiResult<Json<Value>> {
    let row = state.store.update(id, edit.revision, edit.cells.pairs()?).await;
    let row = row.map_err(|e| store_error(e, &state))?;
    let view = blocking(move || row_view(&state, &row)).await?;
    Ok(Json(json!({ "row": view })))
}

/// The `revision` of `DELETE /api/rows/{id}?revision=R`.
#[derive(Debug, serde::Deserialize)]
pub struct Revision {
    revision: u64,
}

/// `DELETE /api/rows/{id}?revision=R`: removes a row if it is still at `revision`.
pub async fn remove_row(
    State(state): Shared,
    UrlPath(id): UrlPath<u64>,
    Query(revision): Query<Revision>,
) -> ApiResult<StatusCode> {
    state.store.remove(id, revision.revision).await.map_err(|e| store_error(e, &state))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/participants`: the CSV body replaces the list.
pub async fn upload_participants(State(state): Shared, body: String) -> ApiResult<Json<Value>> {
    state.store.replace(&body).await.map_err(|e| store_error(e, &state))?;
    blocking(move || {
        let (version, table) = table_with_ids(&state);
        Json(json!({ "version": version, "table": table }))
    })
    .await
}

/// `PUT /api/campaign`: the form written into `campaign.toml` (its comments kept), or 422
/// naming the field when the campaign would not load (nothing is saved then).
pub async fn save_campaign(State(state): Shared, Json(form): Json<CampaignForm>) -> ApiResult<Json<Value>> {
    let _writing = state.campaign_write.lock().await;
    let job_state = Arc::clone(&state);
    blocking(move || {
        let state = job_state;
        let source = state.campaign_source().map_err(|e| ApiError::internal(&e))?;
        let text = form.apply(&source).map_err(|e| ApiError::invalid(&e))?;
        let mut staged = Staged::default();
        staged.write(&state.folder.campaign, text.as_bytes()).map_err(|e| ApiError::internal(&e))?;
        staged.commit().map_err(|e| ApiError::internal(&e))?;
        let saved = CampaignForm::read(&Source { path: state.folder.campaign.clone(), text })
            .map_err(|e| ApiError::internal(&e))?;
        let (counts, counts_error) = counts(&state);
        Ok(Json(json!({ "campaign": saved, "counts": counts, "counts_error": counts_error })))
    })
    .await?
}

/// The body of `POST /api/preview`.
#[derive(Debug, serde::Deserialize)]
pub struct PreviewAsk {
    piece: PreviewPiece,
    #[serde(default)]
    row_id: Option<u64>,
    #[serde(default)]
    cells: Option<Cells>,
    #[serde(default)]
    campaign: Option<CampaignForm>,
    #[serde(default = "first_page")]
    page: usize,
}

fn first_page() -> usize {
    1
}

/// A participants CSV of the header `columns` and one row of `values`.
fn one_row_csv(columns: &[String], values: Option<&[String]>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(columns);
    if let Some(values) = values {
        let _ = writer.write_record(values);
    }
    writer.into_inner().map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default()
}

/// `POST /api/preview`: a PNG of one page of a piece, for a stored row or a draft one, with
/// the campaign on disk or a draft form; `X-Letterkit-Pages` says how many pages it has.
pub async fn preview(State(state): Shared, Json(ask): Json<PreviewAsk>) -> ApiResult<Response> {
    let snapshot = state.store.snapshot();
    let csv_text = match (&ask.cells, ask.row_id) {
        (Some(cells), _) => {
            let pairs = cells.pairs()?;
            let mut columns = snapshot.columns.clone();
            for (column, _) in &pairs {
                if !columns.contains(column) {
                    columns.push(column.clone());
                }
            }
            let values: Vec<String> = columns
                .iter()
                .map(|c| pairs.iter().find(|(n, _)| n == c).map(|(_, v)| v.clone()).unwrap_or_default())
                .collect();
            one_row_csv(&columns, Some(&values))
        }
        (None, Some(id)) => {
            let row = snapshot.rows.iter().find(|r| r.id == id).ok_or_else(|| {
                ApiError::new(StatusCode::NOT_FOUND, format!("there is no row {id} in the list now"))
            })?;
            one_row_csv(&snapshot.columns, Some(&row.cells))
        }
        (None, None) => one_row_csv(&snapshot.columns, None),
    };
    let drawn = blocking(move || {
        let source = state.campaign_source().map_err(|e| ApiError::internal(&e))?;
        let campaign_text = match &ask.campaign {
            Some(form) => form.apply(&source).map_err(|e| ApiError::invalid(&e))?,
            None => source.text,
        };
        let request = PreviewRequest {
            campaign_text: &campaign_text,
            campaign_dir: &state.folder.dir,
            sandbox: &state.sandbox,
            csv_text: &csv_text,
            piece: ask.piece,
            page: ask.page.max(1),
            dpi: PREVIEW_DPI,
        };
        crate::kit::preview::preview(&request, &mut Warnings::default()).map_err(|e| ApiError::invalid(&e))
    })
    .await??;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (header::HeaderName::from_static("x-letterkit-pages"), HeaderValue::from(drawn.pages)),
        ],
        drawn.png,
    )
        .into_response())
}

/// `GET /api/rows/{id}/pieces.pdf`: that person's pieces and envelopes in one PDF.
pub async fn person_pieces(State(state): Shared, UrlPath(id): UrlPath<u64>) -> ApiResult<Response> {
    let pdf = blocking(move || {
        let snapshot = state.store.snapshot();
        let line = snapshot.rows.iter().find(|r| r.id == id).map(|r| r.line).ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, format!("there is no row {id} in the list now"))
        })?;
        crate::kit::person::person_pdf(&state.build_options(None), line, &mut Warnings::default())
            .map_err(|e| ApiError::invalid(&e))
    })
    .await??;
    Ok(download(pdf, "application/pdf", &format!("pieces-{id}.pdf"), true))
}

/// A file answer with its content type; `inline` shows it in the browser, else it downloads.
fn download(bytes: Vec<u8>, content_type: &'static str, name: &str, inline: bool) -> Response {
    let disposition = format!("{}; filename=\"{name}\"", if inline { "inline" } else { "attachment" });
    let disposition = HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment"));
    let mut response = Body::from(bytes).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response.headers_mut().insert(header::CONTENT_DISPOSITION, disposition);
    response
}

/// `GET /api/build`: the build's status and progress.
pub async fn build_status(State(state): Shared) -> Json<BuildStatus> {
    Json(state.build_status())
}

/// `POST /api/build`: starts building the kit into `kit/` → 202 (409 while one runs).
pub async fn start_build(State(state): Shared) -> ApiResult<Response> {
    let progress = Progress::new();
    {
        let mut job = state.build_job();
        if job.status.state == BuildState::Running {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "the kit is being built already; wait for it to finish",
            ));
        }
        job.status.state = BuildState::Running;
        job.status.error = None;
        job.status.summary = String::new();
        job.progress = Some(progress.clone());
    }
    let job_state = Arc::clone(&state);
    tokio::task::spawn_blocking(move || {
        let state = job_state;
        let mut warnings = Warnings::default();
        let options = state.build_options(Some(progress.clone()));
        let rows = RowOptions { keep_going: true, start: 1 };
        let result = crate::kit::build_rows(&options, &rows, &mut warnings);
        let files = kit_files(&state.folder.kit);
        let mut job = state.build_job();
        job.progress = None;
        job.status.done = progress.done();
        job.status.total = progress.total();
        job.status.files = files;
        match result {
            Ok(built) => {
                let notes: String = warnings.0.iter().map(|w| format!("{w}\n")).collect();
                job.status.state = BuildState::Done;
                job.status.summary = format!("{notes}{}", built.summary);
            }
            Err(e) => {
                job.status.state = BuildState::Failed;
                job.status.error = Some(plain(&e));
            }
        }
    });
    Ok((StatusCode::ACCEPTED, Json(state.build_status())).into_response())
}

/// `GET /files/{name}`: one file of the last kit built, by a name the build status lists.
pub async fn kit_file(State(state): Shared, UrlPath(name): UrlPath<String>) -> ApiResult<Response> {
    let listed = state.build_job().status.files.iter().any(|f| f.name == name);
    if !listed {
        return Err(ApiError::new(StatusCode::NOT_FOUND, format!("the kit has no file named {name}")));
    }
    let path = state.folder.kit.join(&name);
    let bytes = blocking(move || {
        std::fs::read(&path).map_err(|e| crate::base::diag::io_error(&path, "cannot read", &e))
    })
    .await?
    .map_err(|e| ApiError::internal(&e))?;
    let content_type = match name.rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    Ok(download(bytes, content_type, &name, false))
}

/// `GET /kit.zip`: the last kit built, as one zip.
pub async fn kit_zip(State(state): Shared) -> ApiResult<Response> {
    if state.build_job().status.files.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no kit has been built yet: press “Build the kit” first",
        ));
    }
    let bytes = blocking(move || crate::output::zip::zip_folder(&state.folder.kit))
        .await?
        .map_err(|e| ApiError::internal(&e))?;
    Ok(download(bytes, "application/zip", "kit.zip", false))
}
