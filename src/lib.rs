//! letterkit turns TOML designs into print-ready PDFs for letter-writing campaigns.
//!
//! # Steps
//! 1. [`design`] reads a TOML design into a typed model, keeping the line of every element.
//! 2. [`layout`] fills placeholders, shapes and breaks text ([`text`], [`fonts`]) and places
//!    everything on pages, in points.
//! 3. [`render`] writes those pages as PDF, streaming them to disk as they come (its own
//!    writer on `pdf-writer` and `subsetter`), and renders PDF pages to PNG (hayro).
//!
//! [`formats`] holds the built-in page formats from `layouts/`; [`mail`] the USPS rules;
//! [`kit`] builds a whole party kit from a campaign and a participants list.

pub mod assets;
pub mod calibrate;
pub mod check;
pub mod commands;
pub mod design;
pub mod diag;
pub mod fonts;
pub mod formats;
pub mod impose;
pub mod kit;
pub mod layout;
pub mod mail;
pub mod output;
pub mod parallel;
pub mod render;
pub mod text;
pub mod units;
