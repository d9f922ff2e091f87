//! `letterkit labels [LANG]`: a language's table of printed labels, to translate.

use crate::base::diag::{Diagnostic, Result};
use crate::model::labels;

/// The built-in table of `language` (English when `None`) as its file reads, comments and
/// all: the English one is the starting point of an organiser's `lang/<tag>.toml`.
pub fn labels(language: Option<&str>) -> Result<String> {
    let tag = language.unwrap_or("en");
    labels::check_tag(tag)
        .map_err(|m| Diagnostic::error(format!("labels {tag}: {m}")).code("lang.unknown"))?;
    match labels::builtin_text(tag).or_else(|| labels::builtin_text(labels::primary(tag))) {
        Some(text) => Ok(text.to_string()),
        None => {
            let (message, _) = labels::not_found(tag, None);
            Err(Diagnostic::error(format!("labels {tag}: {message}"))
                .hint(format!(
                    "`letterkit labels en > lang/{}.toml` writes the English table to translate, next to your campaign",
                    labels::primary(tag)
                ))
                .code("lang.unknown")
                .into())
        }
    }
}
