//! letterkit turns TOML designs into print-ready PDFs for letter-writing campaigns.
//!
//! # Layers
//! Each module imports only from the modules above it in this list (`tests/layers.rs` fails
//! when an import runs back up):
//! 1. [`base`]: units, diagnostics, the built-in paper and envelope formats.
//! 2. [`input`]: reading untrusted files: the sandbox, limits, picture and font verification.
//! 3. [`output`]: writing files and kit folders whole: one writer at a time, made aside, switched in
//!    with one step, never through a symbolic link.
//! 4. [`mail`]: the Postal Service's rules: address zones, sizes, classification, postage.
//! 5. [`text`]: templates and markup, fonts, shaping and line breaking.
//! 6. [`model`]: designs, campaigns and participants lists read into typed values.
//! 7. [`layout`]: pages of positioned items, folded cards' panels.
//! 8. [`impose`]: pages onto sheets: N-up, crop marks, duplex backs.
//! 9. [`render`]: PDF (a streaming writer on `pdf-writer` and `subsetter`) and PNG (hayro).
//! 10. [`kit`]: a whole party kit from a campaign and a participants list.
//! 11. [`check`]: what would go wrong in print or in the mail, as a report.
//! 12. [`serve`]: `letterkit serve`, the party as a web app: the organiser's page and the phones'
//!     sign-in.
//! 13. [`cli`]: the commands.

pub mod base;
pub mod check;
pub mod cli;
pub mod impose;
pub mod input;
pub mod kit;
pub mod layout;
pub mod mail;
pub mod model;
pub mod output;
pub mod render;
pub mod serve;
pub mod text;
