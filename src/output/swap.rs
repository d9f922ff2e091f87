//! A whole folder written as one: the kit is made in a private folder beside the one the user
//! named, then switched in with one atomic step.
//!
//! What is beside `kit/` (in its parent folder) while `letterkit build -o kit` runs:
//! 1. `.kit.letterkit-lock`: the lock, holding the build's pid (see [`super::lock`]); a second
//!    build into `kit` stops at once.
//! 2. `.kit.letterkit-new-RANDOM/`: the new kit, private (0700), filling up; `kit/` is still
//!    the old kit, untouched. Each file is fsynced, then the folder.
//! 3. One step (Linux: `renameat2(RENAME_EXCHANGE)`): `kit/` is the new kit and the old kit is
//!    at `.kit.letterkit-new-RANDOM/`. The parent folder is fsynced.
//! 4. The old kit is removed, then the lock file.
//!
//! A kill before step 3 leaves the old kit, after it the new one; what else it leaves beside
//! the folder is removed by the next build into it. Where the exchange is not available (other
//! systems, some network file systems) step 3 is two renames: the old kit to
//! `.kit.letterkit-old-RANDOM/`, the new one into place; a kill between them leaves no `kit/`
//! for an instant, and the next build puts the old one back before it starts.

use std::fs::File;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use super::lock::Lock;
use super::{fault, sys};
use crate::base::diag::{Diagnostic, Result, io_error};

/// A folder being written: files go into the private staging folder, [`FolderJob::commit`]
/// switches it in.
pub(crate) struct FolderJob {
    /// The folder as the user named it (in messages, and the prefix of the paths written).
    shown: PathBuf,
    /// Where it really is: `dir/name`.
    dir: PathBuf,
    name: String,
    /// The private folder the files go into.
    staging: PathBuf,
    /// Files streamed into by their writers, to be fsynced at commit.
    open: Vec<File>,
    /// Folders made inside the staging folder.
    subfolders: Vec<PathBuf>,
    /// The permissions the finished folder gets: the old one's, or a new folder's.
    mode: u32,
    /// Parent folders made for the output, removed again if the job fails.
    made: Vec<PathBuf>,
    done: bool,
    /// Held until the old folder is gone; released last.
    lock: Option<Lock>,
}

impl FolderJob {
    /// Starts writing the folder `out`: takes its lock, removes what a killed build left, makes
    /// sure the folder may be replaced (see [`super::folder::replaceable`]), and makes the
    /// private staging folder beside it.
    pub(crate) fn begin(out: &Path, force: bool) -> Result<FolderJob> {
        let mut made = Vec::new();
        let (dir, name) = resolve(out, &mut made)?;
        let job = (|| {
            let lock = Lock::take(&dir, &name, out)?;
            fault::step("lock taken");
            let target = dir.join(&name);
            sweep(&dir, &name, &target);
            let mode = match std::fs::symlink_metadata(&target) {
                Ok(metadata) => {
                    super::folder::replaceable(&target, out, force)?;
                    sys::mode_of(&metadata)
                }
                Err(_) => sys::default_dir_mode(),
            };
            let staging = dir.join(format!(".{name}.letterkit-new-{}", sys::random_suffix()));
            sys::create_private_dir(&staging).map_err(|e| io_error(&staging, "cannot create folder", &e))?;
            fault::step("staging folder made");
            Ok(FolderJob {
                shown: out.to_path_buf(),
                dir: dir.clone(),
                name: name.clone(),
                staging,
                open: Vec::new(),
                subfolders: Vec::new(),
                mode,
                made: Vec::new(),
                done: false,
                lock: Some(lock),
            })
        })();
        match job {
            Ok(mut job) => {
                job.made = made;
                Ok(job)
            }
            Err(e) => {
                remove_made(&made);
                Err(e)
            }
        }
    }

    /// Where the file `path` (inside the folder as the user named it) is written meanwhile;
    /// makes its subfolders.
    fn staged_path(&mut self, path: &Path) -> Result<PathBuf> {
        let outside =
            || Diagnostic::error(format!("{} is not inside {}", path.display(), self.shown.display()));
        let relative = path.strip_prefix(&self.shown).map_err(|_| outside())?;
        if relative.as_os_str().is_empty()
            || relative.components().any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(outside().into());
        }
        let mut at = self.staging.clone();
        let parts: Vec<_> = relative.components().collect();
        for part in &parts[..parts.len() - 1] {
            at.push(part);
            if !self.subfolders.contains(&at) {
                std::fs::create_dir(&at)
                    .map_err(|e| io_error(&self.shown.join(relative), "cannot create folder", &e))?;
                self.subfolders.push(at.clone());
            }
        }
        at.push(parts[parts.len() - 1]);
        Ok(at)
    }

    /// Writes a whole file and flushes it to disk.
    pub(crate) fn write(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        let at = self.staged_path(path)?;
        let mut file = sys::create_new(&at).map_err(|e| io_error(path, "cannot write", &e))?;
        fault::step("file created");
        file.write_all(bytes)
            .and_then(|()| file.sync_data())
            .map_err(|e| io_error(path, "cannot write", &e))?;
        fault::step("file written");
        Ok(())
    }

    /// Creates a file its writer streams into; it is flushed to disk at commit.
    pub(crate) fn create(&mut self, path: &Path) -> Result<File> {
        let at = self.staged_path(path)?;
        let file = sys::create_new(&at).map_err(|e| io_error(path, "cannot write", &e))?;
        fault::step("file created");
        let keep = file.try_clone().map_err(|e| io_error(path, "cannot write", &e))?;
        self.open.push(keep);
        Ok(file)
    }

    /// Flushes everything to disk and switches the new folder in; then removes the old one.
    pub(crate) fn commit(mut self) -> Result<()> {
        let failed = |e: &std::io::Error| io_error(&self.shown, "cannot write", e);
        for file in std::mem::take(&mut self.open) {
            file.sync_data().map_err(|e| failed(&e))?;
            fault::step("file synced");
        }
        for folder in self.subfolders.iter().rev().chain([&self.staging]) {
            sys::sync_dir(folder).map_err(|e| failed(&e))?;
        }
        fault::step("folder synced");
        sys::set_mode(&self.staging, self.mode).map_err(|e| failed(&e))?;
        fault::step("permissions set");
        let target = self.dir.join(&self.name);
        let old = if std::fs::symlink_metadata(&target).is_ok() {
            match sys::exchange(&self.staging, &target) {
                Ok(()) => Some(self.staging.clone()),
                Err(e) if e.kind() == std::io::ErrorKind::Unsupported => {
                    // Two steps: the old folder aside, the new one in its place.
                    let aside =
                        self.dir.join(format!(".{}.letterkit-old-{}", self.name, sys::random_suffix()));
                    std::fs::rename(&target, &aside).map_err(|e| failed(&e))?;
                    fault::step("old folder moved aside");
                    if let Err(e) = std::fs::rename(&self.staging, &target) {
                        let _ = std::fs::rename(&aside, &target);
                        return Err(failed(&e));
                    }
                    Some(aside)
                }
                Err(e) => return Err(failed(&e)),
            }
        } else {
            sys::rename_no_replace(&self.staging, &target).map_err(|e| failed(&e))?;
            None
        };
        self.done = true;
        fault::step("switched");
        // The new folder is in place: what follows cannot undo that, so it does not fail the
        // job. The switch is made durable, and the earlier folder removed (else the next
        // build removes it).
        let _ = sys::sync_dir(&self.dir);
        fault::step("parent folder synced");
        if let Some(old) = old {
            let _ = remove_folder(&old);
        }
        fault::step("earlier folder removed");
        Ok(())
    }
}

impl Drop for FolderJob {
    /// A job that did not finish leaves no staging folder, and no parent folders it made.
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.staging);
            drop(self.lock.take());
            remove_made(&self.made);
        }
    }
}

/// The real folder and name of the output `out`, making its parent folders (recorded in
/// `made`). An existing `out` is followed if it is a symbolic link the user made; it must be a
/// folder.
fn resolve(out: &Path, made: &mut Vec<PathBuf>) -> Result<(PathBuf, String)> {
    let real = if std::fs::symlink_metadata(out).is_ok() {
        let real = std::fs::canonicalize(out).map_err(|e| io_error(out, "cannot write the kit into", &e))?;
        if !real.is_dir() {
            return Err(Diagnostic::error(format!("{} is not a folder", out.display()))
                .hint("give the kit a folder of its own with -o, e.g. -o kit")
                .into());
        }
        real
    } else {
        let name = out
            .file_name()
            .ok_or_else(|| Diagnostic::error(format!("{} is not a folder name", out.display())))?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        made.extend(super::create_folders(parent)?);
        let parent = std::fs::canonicalize(parent).map_err(|e| io_error(parent, "cannot write into", &e))?;
        parent.join(name)
    };
    match (real.parent(), real.file_name().and_then(|n| n.to_str())) {
        (Some(dir), Some(name)) => Ok((dir.to_path_buf(), name.to_string())),
        _ => Err(Diagnostic::error(format!("{} cannot be replaced by a kit", out.display()))
            .hint("give the kit a folder of its own with -o, e.g. -o kit")
            .into()),
    }
}

/// Removes parent folders made for a job that failed, deepest first, if empty.
fn remove_made(made: &[PathBuf]) {
    for folder in made {
        let _ = std::fs::remove_dir(folder);
    }
}

/// Removes what killed builds into `dir/name` left beside it (run with the lock held, so no
/// live build is using them): staging folders and earlier kits. An earlier kit moved aside
/// while no kit is in place (a kill between the two renames of the fallback) is put back.
fn sweep(dir: &Path, name: &str, target: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let prefix = format!(".{name}.letterkit-");
    let mut stale: Vec<(PathBuf, bool)> = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else { continue };
        let kind = rest.split_once('-');
        if let Some((kind @ ("new" | "old"), suffix)) = kind
            && sys::is_random_suffix(suffix)
        {
            stale.push((entry.path(), kind == "old"));
        }
    }
    stale.sort();
    if std::fs::symlink_metadata(target).is_err()
        && let Some(i) = stale
            .iter()
            .position(|(path, old)| *old && std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()))
        && std::fs::rename(&stale[i].0, target).is_ok()
    {
        stale.remove(i);
    }
    for (path, _) in stale {
        let _ = remove_folder(&path);
    }
}

/// Removes a folder and everything in it without following symbolic links, or a file.
fn remove_folder(path: &Path) -> std::io::Result<()> {
    if !std::fs::symlink_metadata(path)?.is_dir() {
        return std::fs::remove_file(path);
    }
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
        fault::step("earlier file removed");
    }
    std::fs::remove_dir(path)
}
