//! Fuzz target: designs generated from the format's JSON schema, the fuzzer's bytes choosing
//! every key and value (`fuzz/src/schema_design.rs`), through checking, layout and PDF. Most of
//! them get past reading, where random bytes seldom do. See fuzz/README.md.

#![no_main]

use std::sync::OnceLock;

fn schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::from_str(include_str!("../../docs/letterkit.schema.json")).expect("the schema is JSON")
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let design = SchemaDesigns::new(schema()).design(&mut Tape::new(data));
    static PRINT: OnceLock<bool> = OnceLock::new();
    if *PRINT.get_or_init(|| std::env::var_os("LETTERKIT_FUZZ_PRINT").is_some()) {
        eprintln!("{design}");
    }
    design_text(&design);
});

include!("../src/body.rs");
include!("../src/schema_design.rs");
