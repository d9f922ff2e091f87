//! Writing outputs safely: every file goes to a temporary name first and is renamed into place
//! only when all of a job's files are written, so a failed job leaves earlier outputs intact.

pub mod folder;

use std::path::{Path, PathBuf};

use crate::base::diag::{Diagnostic, Result, io_error};

/// Files written under temporary names, committed together.
#[derive(Default)]
pub struct Staged {
    /// (temporary name, final name) of each file.
    files: Vec<(PathBuf, PathBuf)>,
    /// Folders made for the files, deepest first: removed again if the job fails.
    made: Vec<PathBuf>,
    committed: bool,
}

impl Staged {
    /// Writes `bytes` to a temporary file next to `path`.
    pub fn write(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        let temp = self.temp_name(path)?;
        std::fs::write(&temp, bytes).map_err(|e| io_error(&temp, "cannot write", &e))?;
        self.files.push((temp, path.to_path_buf()));
        Ok(())
    }

    /// Creates a temporary file next to `path` for a file written as it is made (a long PDF);
    /// it is put in place by [`Staged::commit`] with the others.
    pub fn create(&mut self, path: &Path) -> Result<std::fs::File> {
        let temp = self.temp_name(path)?;
        let file = std::fs::File::create(&temp).map_err(|e| io_error(&temp, "cannot write", &e))?;
        self.files.push((temp, path.to_path_buf()));
        Ok(file)
    }

    /// The temporary name for `path`, with its folder made.
    fn temp_name(&mut self, path: &Path) -> Result<PathBuf> {
        let name = path
            .file_name()
            .ok_or_else(|| Diagnostic::error(format!("{} is not a file name", path.display())))?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let missing: Vec<PathBuf> = parent
                .ancestors()
                .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
                .map(Path::to_path_buf)
                .collect();
            std::fs::create_dir_all(parent).map_err(|e| io_error(parent, "cannot create folder", &e))?;
            self.made.extend(missing);
        }
        Ok(path.with_file_name(format!(".{}.letterkit-tmp", name.to_string_lossy())))
    }

    /// Puts every temporary file in place, all or nothing: the files being replaced are first
    /// moved aside, and if any step fails they are moved back, so the folder holds either the
    /// whole new job or the whole earlier one. The error names the file.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
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
        // Move the files being replaced aside.
        let mut aside: Vec<(PathBuf, PathBuf)> = Vec::new();
        for (_, path) in &files {
            if path.exists() {
                let old = backup_name(path);
                if let Err(e) = std::fs::rename(path, &old) {
                    restore(&aside, &[]);
                    return Err(fail(path, &e, &files));
                }
                aside.push((old, path.clone()));
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
        }
        for (old, _) in &aside {
            let _ = std::fs::remove_file(old);
        }
        self.committed = true;
        Ok(placed)
    }
}

/// Removes temporary files an earlier job left in `folder` and its `participants` subfolder
/// when it was killed before it could clean up (a long kit streams into them for a while).
pub fn sweep_stale(folder: &Path) {
    for dir in [folder.to_path_buf(), folder.join("participants")] {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.ends_with(".letterkit-tmp") && entry.path().is_file() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Where a file being replaced waits until the new one is in place.
fn backup_name(path: &Path) -> PathBuf {
    let name = path.file_name().map_or_else(Default::default, |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.letterkit-old"))
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
