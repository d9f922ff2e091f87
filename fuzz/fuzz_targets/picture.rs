//! Fuzz target: arbitrary bytes as a picture, through verification (as JPEG and as PNG), the
//! EXIF orientation, loading, layout and embedding in a PDF. See fuzz/README.md.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_picture(data);
});

include!("../src/body.rs");
include!("../src/files.rs");
