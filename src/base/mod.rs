//! The vocabulary every other layer speaks: lengths and colours, diagnostics, the built-in
//! paper and envelope formats, and the worker pool. Imports nothing from letterkit.

pub mod diag;
pub mod formats;
pub mod parallel;
pub mod units;
