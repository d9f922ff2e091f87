//! Limits on hostile or broken input, each with its number, checked before the cost.
//!
//! A design or participants list shared by someone else may be made to exhaust memory or time,
//! or to crash a library: these limits turn that into a clear error naming the file (and the
//! line, element, row or column where there is one) and what to change. Each is checked before
//! the work it guards: file sizes from the file's metadata before it is read, and reads bounded
//! too ([`crate::input::read_limited`]); a picture's pixels and decoded size from its header
//! before it is decoded; counts as the file is parsed. docs/checks.md lists them all.

/// Largest design, campaign, participants or printer profile file letterkit reads.
pub const MAX_TEXT_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Largest TOML text (a design, campaign or printer profile) letterkit parses: the TOML parser
/// holds about 40 times a file's size while it reads a list of many small items (a 60 MB
/// campaign of 15 million hashtags took 2.3 GB), so TOML files have a lower limit than CSV.
/// The largest real design is well under 1 MiB.
pub const MAX_TOML_BYTES: usize = 4 * 1024 * 1024;
/// Largest picture file letterkit reads.
pub const MAX_PICTURE_BYTES: u64 = 64 * 1024 * 1024;
/// Largest picture, in pixels (a guard against decompression bombs).
pub const MAX_PICTURE_PIXELS: u64 = 150_000_000;
/// Most memory decoding a picture may need, in bytes: width × height × channels × bytes per
/// channel, as the file stores them, plus a progressive JPEG's coefficients
/// ([`crate::input::picture::decoded_bytes`]). 320 MiB: a 100-megapixel 8-bit colour photo
/// fits; a 12000 × 12000 16-bit RGBA PNG, 1.15 GB decoded, does not.
pub const MAX_PICTURE_DECODED_BYTES: u64 = 320 * 1024 * 1024;
/// Largest font file letterkit reads.
pub const MAX_FONT_BYTES: u64 = 64 * 1024 * 1024;

/// Most characters in one element's text (or one `[data]` value).
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Most characters a text may have once its placeholders are filled (`{x}` repeated is
/// otherwise a way to make gigabytes of text from a small file).
pub const MAX_FILLED_TEXT_CHARS: usize = 200_000;
/// Most elements in one design.
pub const MAX_ELEMENTS: usize = 2_000;
/// Most styles in one design.
pub const MAX_STYLES: usize = 1_000;
/// Most styles one `extends` chain may go through (a style, its parent, its parent's parent…).
pub const MAX_STYLE_CHAIN: usize = 32;
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
/// Most folders deep the search for a fallback font goes below a font folder.
pub const MAX_FONT_DIR_DEPTH: usize = 16;
/// Most font files the search for a fallback font lists in one font folder (a computer with
/// every Noto font has about 4,000).
pub const MAX_FONT_DIR_FILES: usize = 50_000;
/// Most faces the search for a fallback font indexes in all (a `.ttc` file holds several).
pub const MAX_FONT_FACES: usize = 200_000;

/// Most hashtags (and, separately, mentions) one campaign may have.
pub const MAX_HASHTAGS: usize = 100;
/// Most talking-point themes one campaign may have.
pub const MAX_THEMES: usize = 100;
/// Photos a campaign may name.
pub const MAX_PHOTOS: usize = 100;
/// Most points one talking-point theme may have.
pub const MAX_POINTS_PER_THEME: usize = 100;

/// Most rows one participants list may have.
pub const MAX_ROWS: usize = 100_000;
/// Most columns one participants list may have.
pub const MAX_COLUMNS: usize = 100;
/// Most bytes in one value of a participants list (an address line is under 100).
pub const MAX_FIELD_BYTES: usize = 10_000;
/// Most letters, cards or postcards one participant may make.
pub const MAX_PER_PERSON: u32 = 100;
