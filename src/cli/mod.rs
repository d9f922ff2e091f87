//! The commands a user runs, on top of the library's layers.

pub mod calibrate;
pub mod commands;
