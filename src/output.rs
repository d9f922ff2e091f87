//! Writing outputs safely: every file goes to a temporary name first and is renamed into place
//! only when all of a job's files are written, so a failed job leaves earlier outputs intact.

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Result, io_error};

/// Files written under temporary names, committed together.
#[derive(Default)]
pub struct Staged {
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    /// Writes `bytes` to a temporary file next to `path`.
    pub fn write(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        let name = path
            .file_name()
            .ok_or_else(|| Diagnostic::error(format!("{} is not a file name", path.display())))?;
        let temp = path.with_file_name(format!(".{}.letterkit-tmp", name.to_string_lossy()));
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| io_error(parent, "cannot create folder", &e))?;
        }
        std::fs::write(&temp, bytes).map_err(|e| io_error(&temp, "cannot write", &e))?;
        self.files.push((temp, path.to_path_buf()));
        Ok(())
    }

    /// Renames every temporary file into place. If a rename fails, the files not yet renamed
    /// are removed (by `Drop`) and the error names the file.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        let mut done = Vec::new();
        while !self.files.is_empty() {
            let (temp, path) = self.files.remove(0);
            if let Err(e) = std::fs::rename(&temp, &path) {
                let _ = std::fs::remove_file(&temp);
                let mut error = io_error(&path, "cannot write", &e);
                if path.is_dir() {
                    error.0[0]
                        .hints
                        .push(format!("give a file name, e.g. -o {}", path.join("out.pdf").display()));
                }
                return Err(error);
            }
            done.push(path);
        }
        Ok(done)
    }
}

impl Drop for Staged {
    /// Removes temporary files that were never committed (the job failed).
    fn drop(&mut self) {
        for (temp, _) in &self.files {
            let _ = std::fs::remove_file(temp);
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
