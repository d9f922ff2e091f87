//! Fuzz target: arbitrary bytes as a font file, through verification, loading, shaping (with
//! fallback), layout and subsetting into a PDF. See fuzz/README.md.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_font(data);
});

include!("../src/body.rs");
include!("../src/files.rs");
