//! The JSON schema in `docs/letterkit.schema.json` must match the design format in the code.
//!
//! Editors (Taplo, Even Better TOML) use the schema to complete and check design files, so it
//! is generated from the Rust types and checked in. When the format changes, regenerate it with
//! `LETTERKIT_UPDATE_SCHEMA=1 cargo test --release --test schema` and commit the result.

use std::path::PathBuf;

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/letterkit.schema.json")
}

fn generated_schema() -> String {
    let schema = schemars::schema_for!(letterkit::model::design::DesignFile);
    let mut text = serde_json::to_string_pretty(&schema).expect("the schema serializes to JSON");
    text.push('\n');
    text
}

#[test]
fn checked_in_schema_matches_the_design_format() {
    let path = schema_path();
    let generated = generated_schema();
    if std::env::var_os("LETTERKIT_UPDATE_SCHEMA").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{} is out of date with the design format in src/model/design.rs.\n\
         Update it with:\n\n    LETTERKIT_UPDATE_SCHEMA=1 cargo test --release --test schema\n\n\
         then review and commit the changed file.",
        path.display()
    );
}

#[test]
fn schema_describes_every_top_level_key() {
    let schema: serde_json::Value = serde_json::from_str(&generated_schema()).expect("valid JSON");
    let properties = schema["properties"].as_object().expect("the schema has properties");
    for key in [
        "title",
        "format",
        "size",
        "orientation",
        "margin",
        "bleed",
        "safe",
        "pages",
        "continuation_header",
        "fonts",
        "data",
        "styles",
        "element",
    ] {
        let property =
            properties.get(key).unwrap_or_else(|| panic!("the schema has no top-level key `{key}`"));
        assert!(
            property.get("description").is_some(),
            "top-level key `{key}` has no description in the schema"
        );
    }
    assert_eq!(
        schema["additionalProperties"],
        serde_json::Value::Bool(false),
        "unknown top-level keys are errors, and the schema should say so"
    );
}
