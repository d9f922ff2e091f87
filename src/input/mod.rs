//! Reading untrusted files: the sandbox a design may read from, the limits on what is read, and
//! the checks that a picture or font is whole before anything uses it.

pub mod assets;
pub mod confine;
pub mod font;
pub mod limits;
pub mod picture;

use std::path::Path;

use crate::base::diag::{Result, Source, io_error};

/// Reads a UTF-8 text file (a design, campaign or participants list); a missing, oversized or
/// non-UTF-8 file is an error naming it.
pub fn read_text(path: &Path) -> Result<Source> {
    limits::text_file(path)?;
    let bytes = std::fs::read(path).map_err(|e| io_error(path, "cannot read", &e))?;
    Source::from_bytes(path, bytes)
}
