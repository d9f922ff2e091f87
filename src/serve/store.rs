//! The participants list `letterkit serve` edits: on disk after every change, written by one
//! writer that commits many changes together, each row with an id and a revision.
//!
//! One thread owns the writes. Each change waits in its queue; the writer takes every change
//! waiting, applies them in order to a copy of the list, writes the whole CSV under a
//! temporary name beside `participants.csv`, flushes it to disk, renames it over the list and
//! flushes the folder ([`crate::output::Staged`]), and only then makes the copy the list
//! everybody sees and answers every caller of the batch. When the write fails, every caller of
//! the batch gets the error and the list in memory stays as it was. Fifty phones signing in at
//! once cost a few writes, not fifty.
//!
//! Sign-ins carry a nonce (one per sign-in form) so a phone that sends its form again after a
//! lost answer is added once. The nonces are kept in memory for the server's life and in a
//! small file beside the list, `.participants.csv.letterkit-signins` (nonces only, no names or
//! addresses), written before the list in the same batch. It names the list it belongs with
//! by a checksum of the list's text and names the nonces of its last batch: when the server
//! was killed after that file was written but before the list was, the checksum does not
//! match the list and those nonces are forgotten (their rows never reached the list, and no
//! phone was told they did), so a phone's retry adds its row once.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::{oneshot, watch};

use crate::base::diag::{Diagnostic, Error, Result, Source};
use crate::input::limits::{MAX_COLUMNS, MAX_FIELD_BYTES, MAX_ROWS};
use crate::model::participants::{STANDARD_COLUMNS, csv_reader, separator};
use crate::output::Staged;

/// How many of the latest sign-in nonces the file beside the list keeps for after a restart
/// (memory keeps every one for the server's life). A phone retries within minutes; a party
/// has a few hundred sign-ins.
const NONCES_KEPT_ON_DISK: usize = 2_000;

/// Most changes the writer applies in one write (the rest wait for the next one).
const MAX_BATCH: usize = 1_000;

/// Longest sign-in nonce accepted, in characters.
const MAX_NONCE_CHARS: usize = 128;

/// One row of the list, as the organiser's page and the sign-in answer show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    /// Stable while the server runs (new ids for the rows of an uploaded list); never 0 for a
    /// row in the list.
    pub id: u64,
    /// Starts at 1, bumped on each change of the row.
    pub revision: u64,
    /// The row's line in [`Store::csv_text`] (the header is line 1), as `check` and `build`
    /// name it.
    pub line: usize,
    /// The values, raw as in the file, one per column of [`Snapshot::columns`] (a row the file
    /// gave more values than its header has keeps them after the last column).
    pub cells: Vec<String>,
}

/// The whole list at one version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Snapshot {
    /// Bumped by every write; starts at 1.
    pub version: u64,
    /// The header's column names as the file writes them.
    pub columns: Vec<String>,
    /// The rows, in file order.
    pub rows: Vec<Row>,
}

/// Why a change was not made.
#[derive(Debug, Clone)]
pub enum StoreError {
    /// The row was changed or removed since the caller read it: `current` is the row as it is
    /// now, `None` when it is gone.
    Conflict {
        /// The row now, if it is still in the list.
        current: Option<Row>,
    },
    /// The change itself is wrong (a column name, a value too long, a list with no header);
    /// the diagnostic says which field.
    Invalid(Error),
    /// The list could not be written; nothing changed.
    Io(Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Conflict { current: Some(_) } => {
                write!(f, "this row was changed in another tab or by a sign-in")
            }
            StoreError::Conflict { current: None } => {
                write!(f, "this row was removed in another tab")
            }
            StoreError::Invalid(e) | StoreError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// The list everybody reads: replaced whole after each write.
#[derive(Debug)]
struct Published {
    snapshot: Snapshot,
    /// The text on disk (or, before the first write, the text read, decoded).
    text: String,
}

/// A change waiting for the writer, with where its answer goes.
enum Request {
    Add {
        cells: Vec<(String, String)>,
        reply: oneshot::Sender<std::result::Result<Row, StoreError>>,
    },
    Update {
        id: u64,
        revision: u64,
        cells: Vec<(String, String)>,
        reply: oneshot::Sender<std::result::Result<Row, StoreError>>,
    },
    Remove {
        id: u64,
        revision: u64,
        reply: oneshot::Sender<std::result::Result<(), StoreError>>,
    },
    Replace {
        text: String,
        reply: oneshot::Sender<std::result::Result<Snapshot, StoreError>>,
    },
    SignIn {
        nonce: String,
        cells: Vec<(String, String)>,
        reply: oneshot::Sender<std::result::Result<(Row, bool), StoreError>>,
    },
}

/// The participants list of a running server. `Send + Sync`; share it as `Arc<Store>`.
pub struct Store {
    /// The list file.
    path: PathBuf,
    published: Arc<RwLock<Arc<Published>>>,
    version: watch::Sender<u64>,
    /// The writer's queue; taken on drop so the writer ends.
    requests: Mutex<Option<mpsc::Sender<Request>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

/// The columns of a new list, as `letterkit init` writes them.
fn standard_columns() -> Vec<String> {
    STANDARD_COLUMNS.iter().map(|c| c.to_string()).collect()
}

impl Store {
    /// Opens the list at `path` as `build` reads it (UTF-8 with or without a byte order mark,
    /// UTF-16 with one; commas, semicolons or tabs), keeping its columns and raw values. A
    /// missing or empty file is an empty list with the standard header
    /// (`name,address1,address2,city,state,zip,letters,cards,postcards`); it is written at the
    /// first change. Starts the writer thread.
    pub fn open(path: &Path) -> Result<Store> {
        let text = match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            _ => crate::input::read_list_text(path)?.text,
        };
        let source = Source { path: path.to_path_buf(), text };
        let (columns, rows, lines) = parse(&source, Limits::None)?;
        let (columns, text) = if columns.is_empty() {
            let columns = standard_columns();
            let (text, _) = serialize(&columns, &[]);
            (columns, text)
        } else {
            (columns, source.text)
        };
        let rows: Vec<Row> = rows
            .into_iter()
            .zip(lines)
            .enumerate()
            .map(|(i, (cells, line))| Row { id: i as u64 + 1, revision: 1, line, cells })
            .collect();
        let next_id = rows.len() as u64 + 1;
        let sidecar = sidecar_path(path);
        let nonces = read_sidecar(&sidecar, &text);
        let snapshot = Snapshot { version: 1, columns, rows };
        let published = Arc::new(RwLock::new(Arc::new(Published { snapshot, text })));
        let (version, _) = watch::channel(1);
        let (sender, receiver) = mpsc::channel();
        let mut writer = Writer {
            path: path.to_path_buf(),
            sidecar,
            published: Arc::clone(&published),
            version: version.clone(),
            next_id,
            nonces: nonces.iter().map(|n| (n.clone(), None)).collect(),
            nonce_order: nonces.into_iter().collect(),
        };
        let thread = std::thread::Builder::new()
            .name("letterkit-store".into())
            .spawn(move || writer.run(&receiver))
            .map_err(|e| Diagnostic::error(format!("cannot start the participants list's writer: {e}")))?;
        Ok(Store {
            path: path.to_path_buf(),
            published,
            version,
            requests: Mutex::new(Some(sender)),
            writer: Mutex::new(Some(thread)),
        })
    }

    /// The list file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The list now.
    pub fn snapshot(&self) -> Snapshot {
        self.current().snapshot.clone()
    }

    /// The list's text now, as `build` and `check` read it: the file on disk (decoded to
    /// UTF-8), or for a missing or empty file the standard header. Row lines
    /// ([`Row::line`]) are lines of this text.
    pub fn csv_text(&self) -> String {
        self.current().text.clone()
    }

    /// The list and its text at the same version (the rows' lines are lines of the text).
    pub fn snapshot_and_text(&self) -> (Snapshot, String) {
        let current = self.current();
        (current.snapshot.clone(), current.text.clone())
    }

    /// The list's version now.
    pub fn version(&self) -> u64 {
        *self.version.borrow()
    }

    fn current(&self) -> Arc<Published> {
        Arc::clone(&self.published.read().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Adds a row at the end: `cells` are (column, value) pairs; columns not named are empty,
    /// columns the list lacks are added to its header.
    pub async fn add(&self, cells: Vec<(String, String)>) -> std::result::Result<Row, StoreError> {
        self.ask(|reply| Request::Add { cells, reply }).await
    }

    /// Changes the values of the columns `cells` names in the row `id`, if it is still at
    /// `revision`; otherwise [`StoreError::Conflict`] with the row as it is now.
    pub async fn update(
        &self,
        id: u64,
        revision: u64,
        cells: Vec<(String, String)>,
    ) -> std::result::Result<Row, StoreError> {
        self.ask(|reply| Request::Update { id, revision, cells, reply }).await
    }

    /// Removes the row `id` if it is still at `revision`; otherwise [`StoreError::Conflict`].
    pub async fn remove(&self, id: u64, revision: u64) -> std::result::Result<(), StoreError> {
        self.ask(|reply| Request::Remove { id, revision, reply }).await
    }

    /// Replaces the whole list with an uploaded one (read as [`Store::open`] reads a file);
    /// its rows get new ids.
    pub async fn replace(&self, csv_text: &str) -> std::result::Result<Snapshot, StoreError> {
        let text = csv_text.to_string();
        self.ask(|reply| Request::Replace { text, reply }).await
    }

    /// A phone's sign-in: on disk (written to a temp file, flushed, renamed, folder synced)
    /// before it returns. The same nonce twice gives the same row, added once: the answer's
    /// `bool` is true when this call added it. For a nonce seen before whose row has since
    /// been removed (or, after a restart, cannot be told apart), the answer is the row as
    /// `cells` give it, with id 0.
    pub async fn sign_in(
        &self,
        nonce: &str,
        cells: Vec<(String, String)>,
    ) -> std::result::Result<(Row, bool), StoreError> {
        let nonce = nonce.to_string();
        self.ask(|reply| Request::SignIn { nonce, cells, reply }).await
    }

    /// Waits until the version passes `since` or `timeout` ends; returns the version.
    pub async fn changed(&self, since: u64, timeout: Duration) -> u64 {
        let mut receiver = self.version.subscribe();
        let _ = tokio::time::timeout(timeout, receiver.wait_for(|version| *version > since)).await;
        *receiver.borrow()
    }

    /// Queues a change and waits for the writer's answer.
    async fn ask<T>(
        &self,
        request: impl FnOnce(oneshot::Sender<std::result::Result<T, StoreError>>) -> Request,
    ) -> std::result::Result<T, StoreError> {
        let stopped = || {
            StoreError::Io(
                Diagnostic::error(format!(
                    "cannot write {}: the list's writer has stopped",
                    self.path.display()
                ))
                .into(),
            )
        };
        let (reply, answer) = oneshot::channel();
        {
            let requests = self.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let sender = requests.as_ref().ok_or_else(stopped)?;
            sender.send(request(reply)).map_err(|_| stopped())?;
        }
        answer.await.unwrap_or_else(|_| Err(stopped()))
    }
}

impl Drop for Store {
    /// Lets the writer finish the batch it is writing, then ends it.
    fn drop(&mut self) {
        self.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some(thread) = self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take() {
            let _ = thread.join();
        }
    }
}

/// The writer thread's state.
struct Writer {
    path: PathBuf,
    sidecar: PathBuf,
    published: Arc<RwLock<Arc<Published>>>,
    version: watch::Sender<u64>,
    next_id: u64,
    /// Every sign-in nonce seen, with the id of the row it added (`None` for nonces read back
    /// from the file beside the list after a restart).
    nonces: HashMap<String, Option<u64>>,
    /// The nonces, oldest first, for the file beside the list.
    nonce_order: VecDeque<String>,
}

/// A change applied to the working copy, waiting for the write before it is answered.
enum Applied {
    Row(oneshot::Sender<std::result::Result<Row, StoreError>>, u64),
    Removed(oneshot::Sender<std::result::Result<(), StoreError>>),
    Replaced(oneshot::Sender<std::result::Result<Snapshot, StoreError>>),
    SignedIn(oneshot::Sender<std::result::Result<(Row, bool), StoreError>>, u64),
    /// A nonce seen before: the row it added, found again when the batch is written.
    SignedInBefore(oneshot::Sender<std::result::Result<(Row, bool), StoreError>>, Option<u64>, Row),
}

/// The list being changed by one batch.
struct Working {
    columns: Vec<String>,
    rows: Vec<Row>,
    next_id: u64,
    /// Nonces of this batch's sign-ins, with their rows.
    new_nonces: Vec<(String, u64)>,
    changed: bool,
}

impl Writer {
    /// Takes every change waiting, applies, writes and answers them; ends when the store is
    /// dropped.
    fn run(&mut self, requests: &mpsc::Receiver<Request>) {
        while let Ok(first) = requests.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match requests.try_recv() {
                    Ok(request) => batch.push(request),
                    Err(_) => break,
                }
            }
            self.commit(batch);
        }
    }

    /// Applies a batch in order to a copy of the list, writes it, then publishes it and
    /// answers; when the write fails, every change of the batch is answered with the error.
    fn commit(&mut self, batch: Vec<Request>) {
        let current = Arc::clone(&self.published.read().unwrap_or_else(|poisoned| poisoned.into_inner()));
        let mut work = Working {
            columns: current.snapshot.columns.clone(),
            rows: current.snapshot.rows.clone(),
            next_id: self.next_id,
            new_nonces: Vec::new(),
            changed: false,
        };
        let mut applied = Vec::with_capacity(batch.len());
        for request in batch {
            if let Some(done) = self.apply(&mut work, request) {
                applied.push(done);
            }
        }
        if !work.changed {
            let rows = &current.snapshot.rows;
            for done in applied {
                answer(done, rows, &current.snapshot);
            }
            return;
        }
        let (text, lines) = serialize(&work.columns, &work.rows);
        if let Err(error) = self.write(&text, &work.new_nonces) {
            for done in applied {
                fail(done, &error);
            }
            return;
        }
        for (row, line) in work.rows.iter_mut().zip(lines) {
            row.line = line;
        }
        let snapshot =
            Snapshot { version: current.snapshot.version + 1, columns: work.columns, rows: work.rows };
        let version = snapshot.version;
        let published = Arc::new(Published { snapshot, text });
        *self.published.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::clone(&published);
        self.next_id = work.next_id;
        for (nonce, id) in work.new_nonces {
            self.nonce_order.push_back(nonce.clone());
            self.nonces.insert(nonce, Some(id));
        }
        self.version.send_replace(version);
        for done in applied {
            answer(done, &published.snapshot.rows, &published.snapshot);
        }
    }

    /// Applies one change to the working copy; a change that cannot be made is answered at
    /// once (nothing of it is applied).
    fn apply(&self, work: &mut Working, request: Request) -> Option<Applied> {
        match request {
            Request::Add { cells, reply } => match work.add(&cells) {
                Ok(id) => Some(Applied::Row(reply, id)),
                Err(e) => {
                    let _ = reply.send(Err(e));
                    None
                }
            },
            Request::Update { id, revision, cells, reply } => match work.update(id, revision, &cells) {
                Ok(()) => Some(Applied::Row(reply, id)),
                Err(e) => {
                    let _ = reply.send(Err(e));
                    None
                }
            },
            Request::Remove { id, revision, reply } => match work.remove(id, revision) {
                Ok(()) => Some(Applied::Removed(reply)),
                Err(e) => {
                    let _ = reply.send(Err(e));
                    None
                }
            },
            Request::Replace { text, reply } => match work.replace(&self.path, &text) {
                Ok(()) => Some(Applied::Replaced(reply)),
                Err(e) => {
                    let _ = reply.send(Err(e));
                    None
                }
            },
            Request::SignIn { nonce, cells, reply } => {
                if let Err(e) = check_nonce(&nonce) {
                    let _ = reply.send(Err(e));
                    return None;
                }
                let seen =
                    self.nonces.get(&nonce).copied().or_else(|| {
                        work.new_nonces.iter().find(|(n, _)| *n == nonce).map(|(_, id)| Some(*id))
                    });
                if let Some(id) = seen {
                    return match work.row_as_given(&cells) {
                        Ok(given) => Some(Applied::SignedInBefore(reply, id, given)),
                        Err(e) => {
                            let _ = reply.send(Err(e));
                            None
                        }
                    };
                }
                match work.add(&cells) {
                    Ok(id) => {
                        work.new_nonces.push((nonce, id));
                        Some(Applied::SignedIn(reply, id))
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                        None
                    }
                }
            }
        }
    }

    /// Writes the nonces file (when there are sign-ins to remember), then the list; each is
    /// written aside, flushed, renamed into place and its folder flushed.
    fn write(&self, text: &str, new_nonces: &[(String, u64)]) -> Result<()> {
        if !new_nonces.is_empty() || !self.nonce_order.is_empty() {
            let skip = (self.nonce_order.len() + new_nonces.len()).saturating_sub(NONCES_KEPT_ON_DISK);
            let nonces: Vec<&str> = self
                .nonce_order
                .iter()
                .map(String::as_str)
                .chain(new_nonces.iter().map(|(n, _)| n.as_str()))
                .skip(skip)
                .collect();
            let sidecar = SignIns {
                list: checksum(text),
                last_batch: new_nonces.iter().map(|(n, _)| n.clone()).collect(),
                nonces: nonces.into_iter().map(str::to_string).collect(),
            };
            let json = serde_json::to_string(&sidecar)
                .map_err(|e| Diagnostic::error(format!("cannot write {}: {e}", self.sidecar.display())))?;
            let mut staged = Staged::default();
            staged.write(&self.sidecar, json.as_bytes())?;
            staged.commit()?;
        }
        let mut staged = Staged::default();
        staged.write(&self.path, text.as_bytes())?;
        staged.commit()?;
        Ok(())
    }
}

/// Sends a committed change's answer, with the row as the written list has it.
fn answer(done: Applied, rows: &[Row], snapshot: &Snapshot) {
    let find = |id: u64| rows.iter().find(|r| r.id == id).cloned();
    let gone = || StoreError::Conflict { current: None };
    match done {
        Applied::Row(reply, id) => {
            let _ = reply.send(find(id).ok_or_else(gone));
        }
        Applied::Removed(reply) => {
            let _ = reply.send(Ok(()));
        }
        Applied::Replaced(reply) => {
            let _ = reply.send(Ok(snapshot.clone()));
        }
        Applied::SignedIn(reply, id) => {
            let _ = reply.send(find(id).map(|row| (row, true)).ok_or_else(gone));
        }
        Applied::SignedInBefore(reply, id, given) => {
            let row = id
                .and_then(find)
                .or_else(|| rows.iter().find(|r| same_values(&r.cells, &given.cells)).cloned())
                .unwrap_or(given);
            let _ = reply.send(Ok((row, false)));
        }
    }
}

/// Answers a change whose batch could not be written.
fn fail(done: Applied, error: &Error) {
    let error = || StoreError::Io(error.clone());
    match done {
        Applied::Row(reply, _) => {
            let _ = reply.send(Err(error()));
        }
        Applied::Removed(reply) => {
            let _ = reply.send(Err(error()));
        }
        Applied::Replaced(reply) => {
            let _ = reply.send(Err(error()));
        }
        Applied::SignedIn(reply, _) | Applied::SignedInBefore(reply, _, _) => {
            let _ = reply.send(Err(error()));
        }
    }
}

/// Whether two rows hold the same values (trailing empty values aside).
fn same_values(a: &[String], b: &[String]) -> bool {
    let trimmed = |cells: &[String]| cells.len() - cells.iter().rev().take_while(|c| c.is_empty()).count();
    a[..trimmed(a)] == b[..trimmed(b)]
}

/// A nonce: 1 to 128 ASCII letters, digits, `-` or `_`.
fn check_nonce(nonce: &str) -> std::result::Result<(), StoreError> {
    if nonce.is_empty()
        || nonce.len() > MAX_NONCE_CHARS
        || !nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(StoreError::Invalid(
            Diagnostic::error("the sign-in form is incomplete (its `nonce` field is missing or wrong)")
                .hint("reload the sign-in page and send it again")
                .into(),
        ));
    }
    Ok(())
}

/// The column matching `name`: compared as the reader compares headers (trimmed, any case).
fn column_index(columns: &[String], name: &str) -> Option<usize> {
    let wanted = name.trim().to_lowercase();
    columns.iter().position(|c| c.trim().to_lowercase() == wanted)
}

fn invalid(message: String) -> StoreError {
    StoreError::Invalid(Diagnostic::error(message).into())
}

impl Working {
    /// Checks a change's (column, value) pairs; returns the columns to add to the header.
    fn check_cells(&self, cells: &[(String, String)]) -> std::result::Result<Vec<String>, StoreError> {
        let mut new_columns: Vec<String> = Vec::new();
        for (i, (name, value)) in cells.iter().enumerate() {
            let name = name.trim();
            if name.is_empty() || name.chars().any(char::is_control) || name.len() > MAX_FIELD_BYTES {
                return Err(invalid(format!("`{}` cannot be a column name", name.escape_debug())));
            }
            if cells[..i].iter().any(|(other, _)| other.trim().eq_ignore_ascii_case(name)) {
                return Err(invalid(format!("the column `{name}` is named twice in one change")));
            }
            if value.len() > MAX_FIELD_BYTES {
                return Err(StoreError::Invalid(
                    Diagnostic::error(format!(
                        "column `{name}`: the value is {} bytes long; letterkit takes up to {MAX_FIELD_BYTES} in one value",
                        value.len()
                    ))
                    .code("limit.csv-value")
                    .into(),
                ));
            }
            if column_index(&self.columns, name).is_none() && column_index(&new_columns, name).is_none() {
                new_columns.push(name.to_string());
            }
        }
        if self.columns.len() + new_columns.len() > MAX_COLUMNS {
            return Err(StoreError::Invalid(
                Diagnostic::error(format!(
                    "the list would have {} columns; letterkit takes up to {MAX_COLUMNS}",
                    self.columns.len() + new_columns.len()
                ))
                .code("limit.csv-columns")
                .into(),
            ));
        }
        Ok(new_columns)
    }

    /// Adds checked columns to the header, each row getting an empty value for them.
    fn add_columns(&mut self, new_columns: Vec<String>) {
        if new_columns.is_empty() {
            return;
        }
        self.columns.extend(new_columns);
        let width = self.columns.len();
        for row in &mut self.rows {
            if row.cells.len() < width {
                row.cells.resize(width, String::new());
            }
        }
        self.changed = true;
    }

    /// Writes checked (column, value) pairs into `cells`.
    fn set(columns: &[String], cells: &mut Vec<String>, values: &[(String, String)]) {
        if cells.len() < columns.len() {
            cells.resize(columns.len(), String::new());
        }
        for (name, value) in values {
            if let Some(i) = column_index(columns, name) {
                cells[i] = value.clone();
            }
        }
    }

    /// The row `cells` would make, not added (columns it names that the list lacks left out).
    fn row_as_given(&self, cells: &[(String, String)]) -> std::result::Result<Row, StoreError> {
        self.check_cells(cells)?;
        let mut values = vec![String::new(); self.columns.len()];
        Working::set(&self.columns, &mut values, cells);
        Ok(Row { id: 0, revision: 0, line: 0, cells: values })
    }

    fn add(&mut self, cells: &[(String, String)]) -> std::result::Result<u64, StoreError> {
        let new_columns = self.check_cells(cells)?;
        if self.rows.len() >= MAX_ROWS {
            return Err(StoreError::Invalid(
                Diagnostic::error(format!("the list has {MAX_ROWS} rows, as many as letterkit takes"))
                    .code("limit.csv-rows")
                    .into(),
            ));
        }
        self.add_columns(new_columns);
        let mut values = vec![String::new(); self.columns.len()];
        Working::set(&self.columns, &mut values, cells);
        let id = self.next_id;
        self.next_id += 1;
        self.rows.push(Row { id, revision: 1, line: 0, cells: values });
        self.changed = true;
        Ok(id)
    }

    /// The index of row `id` if it is at `revision`; a conflict otherwise.
    fn find(&self, id: u64, revision: u64) -> std::result::Result<usize, StoreError> {
        match self.rows.iter().position(|r| r.id == id) {
            Some(i) if self.rows[i].revision == revision => Ok(i),
            Some(i) => Err(StoreError::Conflict { current: Some(self.rows[i].clone()) }),
            None => Err(StoreError::Conflict { current: None }),
        }
    }

    fn update(
        &mut self,
        id: u64,
        revision: u64,
        cells: &[(String, String)],
    ) -> std::result::Result<(), StoreError> {
        let at = self.find(id, revision)?;
        let new_columns = self.check_cells(cells)?;
        self.add_columns(new_columns);
        let row = &mut self.rows[at];
        Working::set(&self.columns, &mut row.cells, cells);
        row.revision += 1;
        self.changed = true;
        Ok(())
    }

    fn remove(&mut self, id: u64, revision: u64) -> std::result::Result<(), StoreError> {
        let at = self.find(id, revision)?;
        self.rows.remove(at);
        self.changed = true;
        Ok(())
    }

    fn replace(&mut self, path: &Path, text: &str) -> std::result::Result<(), StoreError> {
        let source = Source { path: path.to_path_buf(), text: text.to_string() };
        let (columns, rows, _) = parse(&source, Limits::Enforced).map_err(StoreError::Invalid)?;
        if columns.is_empty() {
            return Err(StoreError::Invalid(
                Diagnostic::error("the uploaded list is empty; it needs a header row")
                    .hint("the first line names the columns: name,address1,address2,city,state,zip")
                    .into(),
            ));
        }
        self.columns = columns;
        self.rows = rows
            .into_iter()
            .map(|cells| {
                let id = self.next_id;
                self.next_id += 1;
                Row { id, revision: 1, line: 0, cells }
            })
            .collect();
        self.changed = true;
        Ok(())
    }
}

/// Whether [`parse`] refuses lists over the row and column limits (an upload) or keeps
/// whatever the file on disk has (`check` and `build` report it).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Limits {
    None,
    Enforced,
}

/// The header, the rows (each padded to the header's width) and each row's line, read as
/// `build` reads a list. No header (an empty text) gives no columns.
type Parsed = (Vec<String>, Vec<Vec<String>>, Vec<usize>);

fn parse(source: &Source, limits: Limits) -> Result<Parsed> {
    let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
    let offset = source.text.len() - text.len();
    let mut reader = csv_reader(text, separator(text));
    let cannot = |line: usize, e: csv::Error| {
        Diagnostic::error(format!("this row cannot be read as CSV: {e}")).in_file(&source.path).at(line, 1)
    };
    let columns: Vec<String> =
        reader.headers().map_err(|e| cannot(1, e))?.iter().map(str::to_string).collect();
    if limits == Limits::Enforced && columns.len() > MAX_COLUMNS {
        return Err(Diagnostic::error(format!(
            "the header has {} columns; letterkit takes up to {MAX_COLUMNS}",
            columns.len()
        ))
        .code("limit.csv-columns")
        .in_file(&source.path)
        .at(1, MAX_COLUMNS + 1)
        .into());
    }
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for record in reader.records() {
        let line_of = |byte: u64| line_at(&source.text, offset + byte as usize);
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| line_of(p.byte()));
            cannot(line, e)
        })?;
        let line = record.position().map_or(0, |p| line_of(p.byte()));
        if limits == Limits::Enforced && rows.len() >= MAX_ROWS {
            return Err(Diagnostic::error(format!(
                "the list has more than {MAX_ROWS} rows; split it into several lists"
            ))
            .code("limit.csv-rows")
            .in_file(&source.path)
            .at(line, 1)
            .into());
        }
        let mut cells: Vec<String> = record.iter().map(str::to_string).collect();
        if cells.len() < columns.len() {
            cells.resize(columns.len(), String::new());
        }
        rows.push(cells);
        lines.push(line);
    }
    Ok((columns, rows, lines))
}

/// The line (from 1) a record starting at byte `at` of `text` is on: blank lines before it
/// skipped, as `build` counts.
fn line_at(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = at.min(bytes.len());
    while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
        at += 1;
    }
    1 + bytes[..at].iter().filter(|&&b| b == b'\n').count()
}

/// The list as written: UTF-8, comma-separated, `\n` line ends, quoted where needed (as the
/// csv crate quotes); and each row's line in it.
fn serialize(columns: &[String], rows: &[Row]) -> (String, Vec<usize>) {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut lines = Vec::with_capacity(rows.len());
    let mut line = 1;
    let mut counted = 0;
    // Writing into memory cannot fail.
    let _ = writer.write_record(columns);
    for row in rows {
        let _ = writer.flush();
        let written = writer.get_ref();
        line += written[counted..].iter().filter(|&&b| b == b'\n').count();
        counted = written.len();
        lines.push(line);
        let _ = writer.write_record(&row.cells);
    }
    let bytes = writer.into_inner().expect("writing into memory cannot fail");
    (String::from_utf8(bytes).expect("the values are UTF-8 text"), lines)
}

/// The file of sign-in nonces beside the list `path`.
fn sidecar_path(path: &Path) -> PathBuf {
    let name =
        path.file_name().map_or_else(|| "participants.csv".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.letterkit-signins"))
}

/// The file of sign-in nonces, as written.
#[derive(serde::Serialize, serde::Deserialize)]
struct SignIns {
    /// The [`checksum`] of the list text written after this file.
    list: String,
    /// The nonces of the batch this file was written for.
    last_batch: Vec<String>,
    /// The latest nonces, oldest first (the last batch's included).
    nonces: Vec<String>,
}

/// The nonces to remember after a restart, from the file beside the list: all of them when
/// the list is the one written with it; without the last batch's when it is not (the server
/// stopped between the two writes, so those rows are not in the list). A missing or unreadable
/// file remembers none.
fn read_sidecar(sidecar: &Path, list_text: &str) -> Vec<String> {
    let Ok(bytes) = crate::input::read_limited(sidecar, 1024 * 1024, "") else { return Vec::new() };
    let Ok(sign_ins) = serde_json::from_slice::<SignIns>(&bytes) else { return Vec::new() };
    let written_with_list = sign_ins.list == checksum(list_text);
    sign_ins.nonces.into_iter().filter(|n| written_with_list || !sign_ins.last_batch.contains(n)).collect()
}

/// A checksum of a list's text (64-bit FNV-1a and the length): tells whether the list on disk
/// is the one the nonces file was written with.
fn checksum(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in text.as_bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}-{}", text.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::scratch::Scratch;

    fn cells(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(c, v)| (c.to_string(), v.to_string())).collect()
    }

    fn person(name: &str) -> Vec<(String, String)> {
        cells(&[
            ("name", name),
            ("address1", "1 Main St"),
            ("city", "Boston"),
            ("state", "MA"),
            ("zip", "02134"),
        ])
    }

    /// A value of `row` by column name.
    fn value<'a>(snapshot: &'a Snapshot, row: &'a Row, column: &str) -> &'a str {
        &row.cells[column_index(&snapshot.columns, column).expect("column")]
    }

    #[tokio::test]
    async fn odd_values_and_extra_columns_survive_open_change_and_reopen() {
        let dir = Scratch::new("store-test").expect("scratch");
        let path = dir.path().join("participants.csv");
        // Semicolons, as a spreadsheet in a European language saves; a BOM; CRLF line ends.
        let original = "\u{feff}Name;address1;address2;city;state;zip;Notes\r\n\
            \"Lee, \"\"Sam\"\"\";\"12 Elm St\r\nApt 3\";;Boston;MA;02134;likes ; semicolons\r\n\
            Zoë Ωmega 李小龍;1 Main St;;Québec;;;  spaces kept  \r\n\
            short;row\r\n";
        std::fs::write(&path, original).expect("write");
        let store = Store::open(&path).expect("open");
        let before = store.snapshot();
        assert_eq!(before.columns, ["Name", "address1", "address2", "city", "state", "zip", "Notes"]);
        assert_eq!(before.rows.len(), 3);
        assert_eq!(before.rows[0].cells[0], "Lee, \"Sam\"");
        assert_eq!(before.rows[0].cells[1], "12 Elm St\r\nApt 3");
        assert_eq!(before.rows[1].cells[0], "Zoë Ωmega 李小龍");
        assert_eq!(before.rows[1].cells[6], "  spaces kept  ");
        assert_eq!(before.rows[2].cells, ["short", "row", "", "", "", "", ""]);
        assert_eq!(before.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4, 5]);
        assert_eq!(store.csv_text(), original.trim_start_matches('\u{feff}'));

        let added = store.add(person("Ana\nBanana")).await.expect("add");
        assert_eq!(added.line, 6);
        let after = store.snapshot();
        assert_eq!(after.version, before.version + 1);
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text, store.csv_text());
        assert!(text.starts_with("Name,address1,address2,city,state,zip,Notes\n"), "{text}");
        assert!(!text.contains(";;"), "written with commas: {text}");
        drop(store);

        let reopened = Store::open(&path).expect("reopen");
        let again = reopened.snapshot();
        assert_eq!(again.columns, after.columns);
        let values = |s: &Snapshot| s.rows.iter().map(|r| (r.line, r.cells.clone())).collect::<Vec<_>>();
        assert_eq!(values(&again), values(&after));
        assert_eq!(value(&again, &again.rows[3], "name"), "Ana\nBanana");
    }

    #[tokio::test]
    async fn a_utf16_list_is_read_as_build_reads_it() {
        let dir = Scratch::new("store-test").expect("scratch");
        let path = dir.path().join("participants.csv");
        let text = "name\taddress1\tcity\tstate\tzip\nJosé\t1 Main St\tBoston\tMA\t02134\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        std::fs::write(&path, bytes).expect("write");
        let store = Store::open(&path).expect("open");
        let snapshot = store.snapshot();
        assert_eq!(snapshot.columns, ["name", "address1", "city", "state", "zip"]);
        assert_eq!(snapshot.rows[0].cells, ["José", "1 Main St", "Boston", "MA", "02134"]);
    }

    #[tokio::test]
    async fn a_missing_list_has_the_standard_header_and_a_change_adds_missing_columns() {
        let dir = Scratch::new("store-test").expect("scratch");
        let path = dir.path().join("participants.csv");
        let store = Store::open(&path).expect("open");
        assert_eq!(store.snapshot().columns, STANDARD_COLUMNS);
        assert!(store.snapshot().rows.is_empty());
        assert_eq!(store.csv_text(), format!("{}\n", STANDARD_COLUMNS.join(",")));
        assert!(!path.exists(), "nothing is written before the first change");

        let mut with_extra = person("Ana");
        with_extra.push(("Party table".into(), "3".into()));
        store.add(with_extra).await.expect("add");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(
            text,
            "name,address1,address2,city,state,zip,letters,cards,postcards,Party table\n\
             Ana,1 Main St,,Boston,MA,02134,,,,3\n"
        );
    }

    #[tokio::test]
    async fn stale_revisions_are_conflicts_with_the_row_as_it_is_now() {
        let dir = Scratch::new("store-test").expect("scratch");
        let store = Store::open(&dir.path().join("participants.csv")).expect("open");
        let row = store.add(person("Ana")).await.expect("add");
        assert_eq!(row.revision, 1);
        let changed = store.update(row.id, 1, cells(&[("city", "Cambridge")])).await.expect("update");
        assert_eq!(changed.revision, 2);
        assert_eq!(changed.cells[0], "Ana", "columns not named keep their values");

        match store.update(row.id, 1, cells(&[("city", "Somerville")])).await {
            Err(StoreError::Conflict { current: Some(current) }) => assert_eq!(current, changed),
            other => panic!("expected a conflict, got {other:?}"),
        }
        match store.remove(row.id, 1).await {
            Err(StoreError::Conflict { current: Some(current) }) => assert_eq!(current.revision, 2),
            other => panic!("expected a conflict, got {other:?}"),
        }
        store.remove(row.id, 2).await.expect("remove");
        match store.update(row.id, 2, cells(&[("city", "Somerville")])).await {
            Err(StoreError::Conflict { current: None }) => {}
            other => panic!("expected a conflict with no row, got {other:?}"),
        }
        assert!(store.snapshot().rows.is_empty());
    }

    #[tokio::test]
    async fn wrong_changes_are_refused_and_change_nothing() {
        let dir = Scratch::new("store-test").expect("scratch");
        let store = Store::open(&dir.path().join("participants.csv")).expect("open");
        let version = store.version();
        let too_long = "x".repeat(MAX_FIELD_BYTES + 1);
        for change in [
            cells(&[("name", &too_long)]),
            cells(&[("name", "a"), ("NAME", "b")]),
            cells(&[("bad\ncolumn", "a")]),
            cells(&[("", "a")]),
        ] {
            assert!(matches!(store.add(change).await, Err(StoreError::Invalid(_))));
        }
        assert!(matches!(store.sign_in("", person("Ana")).await, Err(StoreError::Invalid(_))));
        assert!(matches!(store.sign_in("a b", person("Ana")).await, Err(StoreError::Invalid(_))));
        assert!(matches!(store.replace("").await, Err(StoreError::Invalid(_))));
        assert_eq!(store.version(), version);
        assert_eq!(store.snapshot().columns, STANDARD_COLUMNS);
    }

    #[tokio::test]
    async fn an_upload_replaces_the_list_with_new_ids() {
        let dir = Scratch::new("store-test").expect("scratch");
        let store = Store::open(&dir.path().join("participants.csv")).expect("open");
        let old = store.add(person("Ana")).await.expect("add");
        let snapshot = store.replace("name;zip\nBo;02134\nCy;\"10001\"\n").await.expect("replace");
        assert_eq!(snapshot.columns, ["name", "zip"]);
        assert_eq!(
            snapshot.rows.iter().map(|r| r.cells.clone()).collect::<Vec<_>>(),
            [["Bo", "02134"], ["Cy", "10001"]]
        );
        assert!(snapshot.rows.iter().all(|r| r.id != old.id));
        assert_eq!(store.csv_text(), "name,zip\nBo,02134\nCy,10001\n");
        assert!(matches!(
            store.update(old.id, 1, person("Ana")).await,
            Err(StoreError::Conflict { current: None })
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_same_nonce_twice_adds_one_row_even_at_once_and_after_a_restart() {
        let dir = Scratch::new("store-test").expect("scratch");
        let path = dir.path().join("participants.csv");
        let store = Arc::new(Store::open(&path).expect("open"));
        // 50 phones at once, each sending its form twice.
        let mut tasks = Vec::new();
        for i in 0..100 {
            let store = Arc::clone(&store);
            tasks.push(tokio::spawn(async move {
                store.sign_in(&format!("nonce-{}", i % 50), person(&format!("Person {}", i % 50))).await
            }));
        }
        let mut added = 0;
        for task in tasks {
            let (row, new) = task.await.expect("task").expect("sign-in");
            assert!(row.id > 0);
            added += usize::from(new);
        }
        assert_eq!(added, 50);
        let snapshot = store.snapshot();
        assert_eq!(snapshot.rows.len(), 50);
        assert!(snapshot.version < 51, "written together: {} writes for 50 sign-ins", snapshot.version - 1);

        let (row, new) = store.sign_in("nonce-7", person("Person 7")).await.expect("again");
        assert!(!new);
        assert_eq!(value(&snapshot, &row, "name"), "Person 7");
        drop(tasks_done(store));

        let reopened = Store::open(&path).expect("reopen");
        let (row, new) = reopened.sign_in("nonce-7", person("Person 7")).await.expect("after restart");
        assert!(!new, "remembered after a restart");
        assert_eq!(row.cells[0], "Person 7");
        assert_eq!(reopened.snapshot().rows.len(), 50);
        let (_, new) = reopened.sign_in("nonce-new", person("Someone new")).await.expect("new one");
        assert!(new);
    }

    /// The store, once every task holding it is done.
    fn tasks_done(store: Arc<Store>) -> Store {
        Arc::try_unwrap(store).ok().expect("no task holds the store")
    }

    #[tokio::test]
    async fn nonces_of_a_batch_whose_list_never_reached_the_disk_are_forgotten() {
        let dir = Scratch::new("store-test").expect("scratch");
        let path = dir.path().join("participants.csv");
        let store = Store::open(&path).expect("open");
        store.sign_in("earlier", person("Ana")).await.expect("sign in");
        drop(store);
        // As if killed after the nonces file of the next batch was written, before its list.
        let list = std::fs::read_to_string(&path).expect("read");
        let sidecar = SignIns {
            list: checksum(&format!("{list}Bo,,,,,,,,\n")),
            last_batch: vec!["lost".into()],
            nonces: vec!["earlier".into(), "lost".into()],
        };
        std::fs::write(sidecar_path(&path), serde_json::to_string(&sidecar).expect("json")).expect("write");

        let store = Store::open(&path).expect("reopen");
        assert!(!store.sign_in("earlier", person("Ana")).await.expect("earlier").1);
        assert!(store.sign_in("lost", person("Bo")).await.expect("lost").1, "the lost sign-in is added");
        assert_eq!(store.snapshot().rows.len(), 2);
    }

    #[tokio::test]
    async fn a_failed_write_answers_the_error_and_leaves_the_list_as_it_was() {
        let dir = Scratch::new("store-test").expect("scratch");
        let path = dir.path().join("participants.csv");
        let store = Store::open(&path).expect("open");
        let ana = store.add(person("Ana")).await.expect("add");
        let before = store.snapshot();
        let text = store.csv_text();
        // A folder where the list should be: the rename over it fails.
        std::fs::remove_file(&path).expect("remove");
        std::fs::create_dir(&path).expect("folder");
        let error = store.add(person("Bo")).await.expect_err("cannot write");
        assert!(matches!(&error, StoreError::Io(_)), "{error:?}");
        assert!(error.to_string().contains("participants.csv"), "{error}");
        assert!(matches!(store.sign_in("n1", person("Cy")).await, Err(StoreError::Io(_))));
        assert!(matches!(store.update(ana.id, 1, person("Ana B")).await, Err(StoreError::Io(_))));
        assert_eq!(store.snapshot(), before);
        assert_eq!(store.csv_text(), text);

        std::fs::remove_dir(&path).expect("remove folder");
        let (row, new) = store.sign_in("n1", person("Cy")).await.expect("written now");
        assert!(new, "the failed sign-in's nonce was not remembered");
        assert_eq!(row.revision, 1);
        let written = std::fs::read_to_string(&path).expect("read");
        assert_eq!(written.lines().count(), 3, "{written}");
        assert!(written.contains("Ana,") && written.contains("Cy,") && !written.contains("Bo,"));
    }

    #[tokio::test]
    async fn changed_waits_for_the_next_write_or_the_timeout() {
        let dir = Scratch::new("store-test").expect("scratch");
        let store = Arc::new(Store::open(&dir.path().join("participants.csv")).expect("open"));
        let version = store.version();
        assert_eq!(store.changed(version, Duration::from_millis(20)).await, version);
        assert_eq!(store.changed(version - 1, Duration::from_secs(5)).await, version, "already past");
        let waiter = {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.changed(version, Duration::from_secs(30)).await })
        };
        store.add(person("Ana")).await.expect("add");
        assert_eq!(waiter.await.expect("waiter"), version + 1);
    }
}
