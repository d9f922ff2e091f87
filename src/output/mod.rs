//! Writing outputs safely: nothing the user sees is ever half written, and no write can be
//! redirected.
//!
//! - A folder of outputs (a kit) is made in a private folder beside it and switched in whole
//!   ([`Staged::folder`], see `swap.rs`): a kill at any instant leaves the whole old folder or
//!   the whole new one, and files of the old one that the new one does not make are gone.
//! - A single file (`render -o`, `preview`, `share`, `calibrate`, `envelopes`) is written
//!   under a random temporary name beside it, fsynced, and renamed over the old one.
//! - One writer at a time per output (`lock.rs`); what a killed writer left beside an output is
//!   removed by the next writer of that output.
//! - Every file is created new (`O_EXCL | O_NOFOLLOW`), never through a symbolic link, and
//!   every temporary name is random.

pub mod folder;
mod lock;
pub mod scratch;
mod swap;
mod sys;
pub mod zip;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::base::diag::{Diagnostic, Result, io_error};
use lock::Lock;

/// Files written under temporary names, committed together: created with
/// [`Staged::default`] for single files beside their final names, or with [`Staged::folder`]
/// for a whole folder switched in at once.
#[derive(Default)]
pub struct Staged {
    /// (temporary name, final name) of each single file.
    files: Vec<(PathBuf, PathBuf)>,
    /// Files streamed into by their writers, fsynced at commit.
    open: Vec<File>,
    /// The locks of the single files' names.
    locks: Vec<Lock>,
    /// Folders made for the files, deepest first: removed again if the job fails.
    made: Vec<PathBuf>,
    /// A whole folder being written instead.
    folder: Option<swap::FolderJob>,
    committed: bool,
}

impl Staged {
    /// Starts writing the folder `out` as a whole: files written to paths inside `out` go to a
    /// private folder beside it, and [`Staged::commit`] switches that folder in with one step.
    /// Takes the folder's lock first ("another letterkit build is writing …" when it is held)
    /// and refuses to replace a folder holding files letterkit did not make unless `force`
    /// ([`folder::replaceable`]).
    pub fn folder(out: &Path, force: bool) -> Result<Staged> {
        let mut staged = Staged::default();
        staged.folder = Some(swap::FolderJob::begin(out, force)?);
        Ok(staged)
    }

    /// Writes `bytes` to a temporary file for `path`, flushed to disk.
    pub fn write(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        if let Some(folder) = &mut self.folder {
            return folder.write(path, bytes);
        }
        let (temp, mut file) = self.temp_file(path)?;
        file.write_all(bytes)
            .and_then(|()| file.sync_data())
            .map_err(|e| io_error(&temp, "cannot write", &e))?;
        fault::step("file written");
        Ok(())
    }

    /// Creates a temporary file for `path` for a file written as it is made (a long PDF); it
    /// is flushed to disk and put in place by [`Staged::commit`] with the others.
    pub fn create(&mut self, path: &Path) -> Result<File> {
        if let Some(folder) = &mut self.folder {
            return folder.create(path);
        }
        let (temp, file) = self.temp_file(path)?;
        self.open.push(file.try_clone().map_err(|e| io_error(&temp, "cannot write", &e))?);
        Ok(file)
    }

    /// A new temporary file beside `path`, under a random name, with its folder made and the
    /// name's lock taken.
    fn temp_file(&mut self, path: &Path) -> Result<(PathBuf, File)> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Diagnostic::error(format!("{} is not a file name", path.display())))?;
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        self.made.extend(create_folders(parent)?);
        if !self.files.iter().any(|(_, p)| p == path) {
            self.locks.push(Lock::take(parent, name, path)?);
            sweep_file(parent, name, path);
        }
        let temp = parent.join(format!(".{name}.letterkit-tmp-{}", sys::random_suffix()));
        let file = sys::create_new(&temp).map_err(|e| io_error(&temp, "cannot write", &e))?;
        self.files.push((temp.clone(), path.to_path_buf()));
        fault::step("file created");
        Ok((temp, file))
    }

    /// Puts every file in place, all or nothing. A folder is switched in with one step. Single
    /// files are flushed to disk, then renamed over the old ones; with several, the files being
    /// replaced are first moved aside, and moved back if any step fails, so the folder holds
    /// either the whole new job or the whole earlier one. The error names the file.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        if let Some(folder) = self.folder.take() {
            folder.commit()?;
            self.committed = true;
            return Ok(Vec::new());
        }
        let files = std::mem::take(&mut self.files);
        let fail = |path: &Path, e: &std::io::Error, files: &[(PathBuf, PathBuf)]| {
            for (temp, _) in files {
                let _ = std::fs::remove_file(temp);
            }
            let mut error = io_error(path, "cannot write", e);
            if path.is_dir() {
                error.0[0]
                    .hints
                    .push(format!("give a file name, e.g. -o {}", path.join("out.pdf").display()));
            }
            error
        };
        if let Some((_, dir)) = files.iter().find(|(_, path)| path.is_dir()) {
            let e = std::io::Error::from(std::io::ErrorKind::IsADirectory);
            return Err(fail(dir, &e, &files));
        }
        for file in std::mem::take(&mut self.open) {
            if let Err(e) = file.sync_data() {
                return Err(fail(&files[0].1, &e, &files));
            }
            fault::step("file synced");
        }
        // With several files, move the files being replaced aside.
        let mut aside: Vec<(PathBuf, PathBuf)> = Vec::new();
        for (_, path) in files.iter().filter(|_| files.len() > 1) {
            if std::fs::symlink_metadata(path).is_ok() {
                let old = aside_name(path);
                if let Err(e) = std::fs::rename(path, &old) {
                    restore(&aside, &[]);
                    return Err(fail(path, &e, &files));
                }
                aside.push((old, path.clone()));
                fault::step("earlier file moved aside");
            }
        }
        // Put the new files in place.
        let mut placed: Vec<PathBuf> = Vec::new();
        for (temp, path) in &files {
            if let Err(e) = std::fs::rename(temp, path) {
                restore(&aside, &placed);
                return Err(fail(path, &e, &files));
            }
            placed.push(path.clone());
            fault::step("file renamed");
        }
        let mut folders: Vec<&Path> = placed
            .iter()
            .map(|p| p.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))
            .collect();
        folders.dedup();
        for folder in folders {
            let _ = sys::sync_dir(folder);
        }
        fault::step("folder synced");
        for (old, _) in &aside {
            let _ = std::fs::remove_file(old);
        }
        self.committed = true;
        Ok(placed)
    }
}

/// Where a file being replaced waits until the new one is in place.
/// Creates `folder` and any folders above it that are missing; returns the ones it made,
/// deepest first, so that a failed job can remove them again.
fn create_folders(folder: &Path) -> Result<Vec<PathBuf>> {
    let missing: Vec<PathBuf> = folder
        .ancestors()
        .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(folder).map_err(|e| io_error(folder, "cannot create folder", &e))?;
    Ok(missing)
}

fn aside_name(path: &Path) -> PathBuf {
    let name = path.file_name().map_or_else(Default::default, |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.letterkit-old-{}", sys::random_suffix()))
}

/// Undoes a commit: removes the new files already placed and moves the earlier ones back.
fn restore(aside: &[(PathBuf, PathBuf)], placed: &[PathBuf]) {
    for path in placed {
        let _ = std::fs::remove_file(path);
    }
    for (old, path) in aside {
        let _ = std::fs::rename(old, path);
    }
}

/// Removes the temporary files a killed writer of `dir/name` left (run with the name's lock
/// held): `.NAME.letterkit-tmp-RANDOM`, and the names older versions used. An earlier file
/// moved aside while no file is in place is put back.
fn sweep_file(dir: &Path, name: &str, path: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let prefix = format!(".{name}.letterkit-");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else { continue };
        let stale = match rest.split_once('-') {
            Some(("tmp" | "old", suffix)) => sys::is_random_suffix(suffix),
            _ => rest == "tmp" || rest == "old",
        };
        if !stale || entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        if rest.starts_with("old") && std::fs::symlink_metadata(path).is_err() {
            let _ = std::fs::rename(entry.path(), path);
        } else {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Drop for Staged {
    /// Removes temporary files that were never committed (the job failed), and the folders
    /// made for them when they are left empty.
    fn drop(&mut self) {
        for (temp, _) in &self.files {
            let _ = std::fs::remove_file(temp);
        }
        if !self.committed {
            for folder in &self.made {
                let _ = std::fs::remove_dir(folder);
            }
        }
    }
}

/// Refuses to write over one of the job's inputs.
pub fn check_not_input(output: &Path, inputs: &[&Path]) -> Result<()> {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let out = canonical(output);
    for input in inputs {
        if out.is_some() && out == canonical(input) {
            return Err(Diagnostic::error(format!(
                "the output {} is one of the inputs; refusing to overwrite it",
                output.display()
            ))
            .hint("choose another output name with -o")
            .into());
        }
    }
    Ok(())
}

/// Test-only fault points: with `LETTERKIT_FAULT=N` in the environment, the process aborts at
/// the writers' Nth step (each file created, written, synced; the folder synced; the switch;
/// each earlier file removed …), with no clean-up, as a kill would leave it. `tests/faults.rs`
/// runs a build once for every step and checks that the folder is always one whole kit.
/// Unset (always, outside tests) it costs one look at the environment per process.
pub(crate) mod fault {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts a step; aborts the process if it is the one `LETTERKIT_FAULT` names.
    pub(crate) fn step(what: &str) {
        static AT: OnceLock<Option<usize>> = OnceLock::new();
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let at = AT.get_or_init(|| std::env::var("LETTERKIT_FAULT").ok().and_then(|v| v.trim().parse().ok()));
        if let Some(at) = at {
            let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
            if n == *at {
                eprintln!("letterkit: LETTERKIT_FAULT={at}: stopped at step {n} ({what})");
                std::process::abort();
            }
        }
    }
}
