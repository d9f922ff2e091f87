//! What the user describes: designs, campaigns and participants lists, read from TOML and CSV
//! into typed values with the source line of every part.

pub mod campaign;
pub mod campaign_form;
pub mod design;
pub mod fallback;
pub mod fields;
pub mod labels;
pub mod participants;
