//! A folder (a built kit) as one zip file, byte for byte the same for the same files.

use std::io::{Cursor, Read, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::base::diag::{Diagnostic, Result, io_error};

/// The files of `dir` and its subfolders as a zip: names relative to `dir` with `/` between
/// folders, in sorted order, each deflated with the timestamp 1980-01-01 00:00 and mode 0644,
/// so the same files give the same bytes. Only regular files go in: symbolic links (to files
/// or folders) are left out, never followed.
pub fn zip_folder(dir: &Path) -> Result<Vec<u8>> {
    let mut names = Vec::new();
    collect_files(dir, "", &mut names)?;
    names.sort();
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::DEFAULT)
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let zip_error = |e: zip::result::ZipError| {
        Diagnostic::error(format!("cannot make the zip of {}: {e}", dir.display()))
    };
    for name in &names {
        let path = dir.join(name);
        let mut bytes = Vec::new();
        super::sys::open_no_follow(&path)
            .and_then(|mut file| file.read_to_end(&mut bytes))
            .map_err(|e| io_error(&path, "cannot read", &e))?;
        zip.start_file(name.as_str(), options).map_err(zip_error)?;
        zip.write_all(&bytes).map_err(|e| io_error(&path, "cannot add to the zip", &e))?;
    }
    Ok(zip.finish().map_err(zip_error)?.into_inner())
}

/// Adds the regular files under `dir` (named from `prefix`) to `names`, going into folders but
/// not through symbolic links.
fn collect_files(dir: &Path, prefix: &str, names: &mut Vec<String>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, "cannot read the folder", &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, "cannot read the folder", &e))?;
        let path = entry.path();
        // The entry's own type: a symbolic link reports as one, not as what it points to.
        let kind = entry.file_type().map_err(|e| io_error(&path, "cannot read", &e))?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            return Err(Diagnostic::error(format!(
                "{}: the file name is not valid Unicode, so it cannot go into the zip",
                path.display()
            ))
            .into());
        };
        let name = format!("{prefix}{name}");
        if kind.is_dir() {
            collect_files(&path, &format!("{name}/"), names)?;
        } else if kind.is_file() {
            names.push(name);
        }
    }
    Ok(())
}
