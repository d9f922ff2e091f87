//! One writer at a time per output: an advisory lock (`flock`) on a small file beside it,
//! `.NAME.letterkit-lock`, holding the writer's pid. The kernel releases the lock when the
//! process ends in any way, a kill included; a lock file left by a killed writer is taken over
//! by the next one, and the holder removes the file when it is done.

use std::fs::{File, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::sys;
use crate::base::diag::{Diagnostic, Result, io_error};

/// The name of the lock file for the output `name`.
pub(crate) fn lock_name(name: &str) -> String {
    format!(".{name}.letterkit-lock")
}

/// A held lock; dropping it removes the lock file and releases the lock.
pub(crate) struct Lock {
    path: PathBuf,
    _file: File,
}

impl Lock {
    /// Takes the lock for the output `name` in the folder `dir`, or fails at once when another
    /// process holds it: "another letterkit build is writing SHOWN (pid N)".
    pub(crate) fn take(dir: &Path, name: &str, shown: &Path) -> Result<Lock> {
        let path = dir.join(lock_name(name));
        let fail = |e: &std::io::Error| io_error(&path, "cannot lock", e);
        // Each turn either takes the lock, reports its holder, or clears something that was in
        // the way; another writer doing the same at once only costs a turn.
        for _ in 0..64 {
            match sys::create_new(&path) {
                Ok(mut file) => {
                    match file.try_lock() {
                        Ok(()) => {}
                        Err(TryLockError::WouldBlock) => continue,
                        Err(TryLockError::Error(e)) => return Err(fail(&e)),
                    }
                    // Still the file at that name (not removed as stale by another writer)?
                    if !holds_name(&file, &path) {
                        continue;
                    }
                    let _ = writeln!(file, "{}", std::process::id());
                    return Ok(Lock { path, _file: file });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let file = match sys::open_no_follow(&path) {
                        Ok(file) => file,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        // A symbolic link planted at the name: never followed, removed.
                        Err(e) if sys::is_symlink_error(&e) => {
                            std::fs::remove_file(&path).map_err(|e| fail(&e))?;
                            continue;
                        }
                        Err(e) => return Err(fail(&e)),
                    };
                    if !file.metadata().is_ok_and(|m| m.is_file()) {
                        return Err(Diagnostic::error(format!(
                            "cannot lock {}: something that is not a file is in the way",
                            path.display()
                        ))
                        .hint("remove it and run letterkit again")
                        .into());
                    }
                    match file.try_lock() {
                        // Nobody holds it: a writer was killed. Remove it (while holding it, so
                        // nobody else takes it meanwhile) and start over.
                        Ok(()) => {
                            if holds_name(&file, &path) {
                                std::fs::remove_file(&path).map_err(|e| fail(&e))?;
                            }
                        }
                        Err(TryLockError::WouldBlock) => return Err(busy(&path, shown)),
                        Err(TryLockError::Error(e)) => return Err(fail(&e)),
                    }
                }
                Err(e) => return Err(fail(&e)),
            }
        }
        Err(busy(&path, shown))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Still held here, so the name is still this lock's.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether the open `file` is still the one at `path`.
fn holds_name(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => sys::same_file(&a, &b),
        _ => false,
    }
}

/// The error for a lock another process holds, naming its pid when the file says it.
fn busy(path: &Path, shown: &Path) -> crate::base::diag::Error {
    // The holder writes its pid just after it takes the lock: give it a moment.
    let mut pid = None;
    for _ in 0..20 {
        let mut text = String::new();
        if let Ok(file) = sys::open_no_follow(path) {
            let _ = file.take(32).read_to_string(&mut text);
        }
        pid = text.trim().parse::<u32>().ok();
        if pid.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let who = pid.map_or_else(String::new, |pid| format!(" (pid {pid})"));
    Diagnostic::error(format!("another letterkit build is writing {}{who}", shown.display()))
        .code("output.locked")
        .hint("wait for it to finish, or write to another place with -o")
        .into()
}
