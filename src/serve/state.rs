//! What the handlers share: the campaign folder, the participants store, the run's keys, the
//! sign-in address and the kit build's status.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::base::diag::{Result, Source};
use crate::check::table::TableCampaign;
use crate::input::confine::Sandbox;
use crate::kit::{BuildOptions, Progress};
use crate::serve::security::{Keys, RateLimit};
use crate::serve::store::Store;

/// The files of the campaign folder `serve` works on.
#[derive(Debug, Clone)]
pub struct CampaignFolder {
    /// The folder itself.
    pub dir: PathBuf,
    /// `campaign.toml` in it.
    pub campaign: PathBuf,
    /// `participants.csv` in it.
    pub participants: PathBuf,
    /// `kit/` in it: where the kit is built.
    pub kit: PathBuf,
}

impl CampaignFolder {
    /// The files of the campaign folder `dir`.
    pub fn new(dir: &Path) -> CampaignFolder {
        CampaignFolder {
            dir: dir.to_path_buf(),
            campaign: dir.join("campaign.toml"),
            participants: dir.join("participants.csv"),
            kit: dir.join("kit"),
        }
    }
}

/// The phones' sign-in page, when the server runs with `--lan`.
#[derive(Debug, Clone)]
pub struct SignInPage {
    /// Its address on the local network, with the sign-in key.
    pub url: String,
    /// A QR code of `url`, as SVG markup made by [`crate::serve::pages::qr_svg`].
    pub qr_svg: String,
}

/// Where the kit build is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildState {
    /// No build has run since the server started.
    Idle,
    /// A build is running.
    Running,
    /// The last build finished; its files can be downloaded.
    Done,
    /// The last build failed; `error` says why.
    Failed,
}

/// One file of the built kit, as the organiser's page lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KitFile {
    /// Its name in the kit folder (`letters.pdf`).
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
}

/// The kit build as `GET /api/build` reports it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BuildStatus {
    /// Idle, running, done or failed.
    pub state: BuildState,
    /// Pieces laid out so far.
    pub done: u64,
    /// Pieces in the kit (0 until the build knows).
    pub total: u64,
    /// The files of the last kit built, the only ones `/files/{name}` serves.
    pub files: Vec<KitFile>,
    /// What `letterkit build` would have printed.
    pub summary: String,
    /// Why the last build failed.
    pub error: Option<String>,
}

/// The build job: its status and, while it runs, its progress counters.
#[derive(Debug)]
pub struct BuildJob {
    /// The status as last recorded.
    pub status: BuildStatus,
    /// The running build's counters.
    pub progress: Option<Progress>,
}

/// Everything the handlers share, behind an `Arc`.
pub struct AppState {
    /// The campaign folder.
    pub folder: CampaignFolder,
    /// Where designs may read files from (`--allow-path`, `--font-path`).
    pub sandbox: Sandbox,
    /// The run's keys and tokens.
    pub keys: Keys,
    /// The participants list on disk.
    pub store: Arc<Store>,
    /// The sign-in page, with `--lan`.
    pub sign_in: Option<SignInPage>,
    /// Sign-ins per minute per address.
    pub rate_limit: RateLimit,
    /// The kit build.
    pub build: Mutex<BuildJob>,
    /// Held while `campaign.toml` is being rewritten, so two saves do not cross.
    pub campaign_write: tokio::sync::Mutex<()>,
    /// Becomes true when the server is stopping: long polls answer at once.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

impl AppState {
    /// The build options of this campaign folder's kit, as `letterkit build` would take them
    /// (rows that cannot be built are left out and listed, as with `--keep-going`).
    pub fn build_options(&self, progress: Option<Progress>) -> BuildOptions {
        BuildOptions {
            campaign: Some(self.folder.campaign.clone()),
            participants: Some(self.folder.participants.clone()),
            count: 0,
            output: self.folder.kit.clone(),
            split: false,
            one_file: false,
            print: crate::impose::PrintOptions::default(),
            timings: false,
            force: false,
            sandbox: self.sandbox.clone(),
            progress,
            sign_in_url: self.sign_in.as_ref().map(|s| s.url.clone()),
        }
    }

    /// The campaign file's text as it is on disk now.
    pub fn campaign_source(&self) -> Result<Source> {
        crate::input::read_text(&self.folder.campaign)
    }

    /// The campaign the participants' rows are checked against.
    pub fn table_campaign<'a>(&'a self, campaign_text: &'a str) -> TableCampaign<'a> {
        TableCampaign { campaign_text, campaign_dir: &self.folder.dir, sandbox: &self.sandbox }
    }

    /// The build job, even if a handler panicked while holding it.
    pub fn build_job(&self) -> MutexGuard<'_, BuildJob> {
        self.build.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The build status with the running build's progress read in.
    pub fn build_status(&self) -> BuildStatus {
        let job = self.build_job();
        let mut status = job.status.clone();
        if let Some(progress) = &job.progress {
            status.done = progress.done();
            status.total = progress.total();
        }
        status
    }
}

/// The files of a kit folder, sorted by name (none when it does not exist yet). Hidden files
/// (a build's leftovers) and folders are left out.
pub fn kit_files(kit: &Path) -> Vec<KitFile> {
    let Ok(entries) = std::fs::read_dir(kit) else { return Vec::new() };
    let mut files: Vec<KitFile> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let bytes = e.metadata().ok()?.len();
            (!name.starts_with('.')).then_some(KitFile { name, bytes })
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}
