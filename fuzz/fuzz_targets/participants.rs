//! Fuzz target: arbitrary bytes as a participants list (CSV), through reading and the list
//! checks of `letterkit check`. See fuzz/README.md.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_participants(data));

include!("../src/body.rs");
include!("../src/files.rs");
