//! Fuzz target: arbitrary bytes as a design, through reading, checking, layout and PDF.
//! Run with `cargo fuzz run design` (see fuzz/README.md).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_design(data);
});

include!("../src/body.rs");
