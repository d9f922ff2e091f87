//! The vocabulary every other layer speaks: lengths and colours, diagnostics, the built-in
//! paper and envelope formats. Imports nothing from letterkit.

pub mod checks;
pub mod diag;
pub mod formats;
pub mod units;
