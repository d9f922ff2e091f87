//! Limits on hostile or broken input, each with its number, checked before the cost.
//!
//! A design or participants list shared by someone else may be made to exhaust memory or time,
//! or to crash a library: these limits turn that into a clear error naming the file and what
//! to change. Picture size limits (64 MiB, 150 megapixels) live in [`crate::layout::Pictures`];
//! the participants list's row limit in [`crate::model::participants`].

use crate::base::diag::Diagnostic;

/// Most characters in one element's text (or one `[data]` value).
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Most elements in one design.
pub const MAX_ELEMENTS: usize = 2_000;
/// Most named pages in one design.
pub const MAX_PAGES: usize = 100;
/// Most continuation pages one text may run onto.
pub const MAX_CONTINUATION_PAGES: usize = 200;
/// Most pages a checked design may lay out to, continuation pages included.
pub const MAX_LAID_OUT_PAGES: usize = 1_000;
/// Most pieces (letters, cards and postcards) one kit may have.
pub const MAX_PIECES: u64 = 50_000;
/// Most font families a design may add.
pub const MAX_FONT_FAMILIES: usize = 32;

/// Largest design, campaign or participants file letterkit reads.
pub const MAX_TEXT_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Refuses a text input (design, campaign, participants list) larger than
/// [`MAX_TEXT_FILE_BYTES`] before reading it. A file that cannot be looked at passes here and
/// fails when it is read, with the reason.
pub fn text_file(path: &std::path::Path) -> crate::base::diag::Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() > MAX_TEXT_FILE_BYTES => Err(Diagnostic::error(format!(
            "{} is {} MiB; letterkit reads design, campaign and participants files up to 64 MiB",
            path.display(),
            meta.len() / (1024 * 1024)
        ))
        .hint("is it the right file? a participants list of 100,000 people is about 10 MiB")
        .into()),
        _ => Ok(()),
    }
}
