//! Fuzz target: arbitrary bytes as a design, through reading, checking, layout and PDF.
//! Run with `cargo +nightly fuzz run design` (see docs/checks.md).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_design(data));

include!("../src/body.rs");
