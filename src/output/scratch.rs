//! A private scratch folder for work nobody else may see (the kit `letterkit check` builds, with
//! names and addresses): `$TMPDIR/letterkit-LABEL-PID-RANDOM`, made new with owner-only
//! permissions (0700), removed when dropped. A process killed by a signal cannot remove it; the
//! next one with the same label removes those whose process is gone.

use std::path::{Path, PathBuf};

use super::sys;
use crate::base::diag::{Result, io_error};

/// A private folder, removed with everything in it when dropped.
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// Makes a new private folder in the system's temporary folder, after removing the ones an
    /// earlier process with the same `label` left when it was killed.
    pub fn new(label: &str) -> Result<Scratch> {
        let temp = std::env::temp_dir();
        let prefix = format!("letterkit-{label}-");
        let path = temp.join(format!("{prefix}{}-{}", std::process::id(), sys::random_suffix()));
        sys::create_private_dir(&path).map_err(|e| io_error(&path, "cannot create folder", &e))?;
        sweep(&temp, &prefix, &path);
        Ok(Scratch { path })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Removes `PREFIX-PID-…` folders in `temp` of this user whose process is no longer running.
fn sweep(temp: &Path, prefix: &str, mine: &Path) {
    let Ok(me) = std::fs::symlink_metadata(mine) else { return };
    let Ok(entries) = std::fs::read_dir(temp) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(metadata) = std::fs::symlink_metadata(entry.path()) else { continue };
        if metadata.is_dir() && sys::owner(&metadata) == sys::owner(&me) && !sys::pid_alive(pid) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_folder_is_private_removed_when_dropped_and_sweeps_dead_ones() {
        let temp = std::env::temp_dir();
        let dead = temp.join("letterkit-scratchtest-999999999-0123456789abcdef");
        let _ = std::fs::create_dir(&dead);
        let scratch = Scratch::new("scratchtest").unwrap();
        let path = scratch.path().to_path_buf();
        assert!(path.starts_with(&temp));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o700);
        }
        if Path::new("/proc/self").exists() {
            assert!(!dead.exists(), "the folder of a process that is gone is removed");
        }
        std::fs::write(path.join("kit.pdf"), "x").unwrap();
        drop(scratch);
        assert!(!path.exists());
    }
}
