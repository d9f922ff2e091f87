//! The characters a design's texts need, and the fallback fonts that give them, added to the
//! design's book before it is laid out ([`crate::text::fonts::fallback`] finds them).

use std::collections::BTreeSet;

use crate::base::diag::{Diagnostic, Result, Warnings};
use crate::input::confine::Sandbox;
use crate::model::design::{Body, Design};
use crate::text::Piece;
use crate::text::fonts::SharedFamily;
use crate::text::fonts::fallback::Fallbacks;

/// Adds to `out` every character of `text` that needs a glyph, and those of its capitals (an
/// address printed in capitals may need letters the text does not have: `ß` becomes `SS`,
/// Greek and Cyrillic letters change).
pub fn text_chars(text: &str, out: &mut BTreeSet<char>) {
    out.extend(text.chars().filter(|&c| crate::text::fonts::needs_glyph(c)));
    if text.chars().any(|c| !c.is_ascii() && c.is_lowercase()) {
        out.extend(text.to_uppercase().chars().filter(|&c| crate::text::fonts::needs_glyph(c)));
    }
}

/// Adds to `out` every character a design may print by itself: its elements' texts, its
/// continuation header and its `[data]` values.
pub fn design_chars(design: &Design, out: &mut BTreeSet<char>) {
    let mut template = |t: &crate::text::Template| {
        for piece in &t.pieces {
            if let Piece::Text { text, .. } = piece {
                text_chars(text, out);
            }
        }
    };
    for element in &design.elements {
        if let Body::Text(spec) | Body::Address(spec) = &element.body {
            template(&spec.template);
        }
    }
    if let Some(header) = &design.continuation_header {
        template(header);
    }
    for value in design.data.values() {
        text_chars(value, out);
    }
}

/// Adds to `out` the characters a design filled with `data` prints that the font of the
/// element they are in lacks (in some style): the ones to look for elsewhere.
fn design_needs(design: &Design, data: &dyn Fn(&str) -> Option<String>, out: &mut BTreeSet<char>) {
    let book = &design.fonts;
    for element in &design.elements {
        let (Body::Text(spec) | Body::Address(spec)) = &element.body else { continue };
        let mut chars = BTreeSet::new();
        for piece in &spec.template.pieces {
            match piece {
                Piece::Text { text, .. } => text_chars(text, &mut chars),
                Piece::Field { name, .. } => {
                    if let Some(value) = data(name).or_else(|| design.data.get(name).cloned()) {
                        text_chars(&value, &mut chars);
                    }
                }
            }
        }
        let faces: Vec<_> = [(false, false), (false, true), (true, false), (true, true)]
            .into_iter()
            .filter_map(|(bold, italic)| book.select(&spec.family, bold, italic))
            .collect();
        out.extend(chars.into_iter().filter(|&c| faces.iter().any(|&f| !book.face(f).covers(c))));
    }
    if let Some(header) = &design.continuation_header {
        for piece in &header.pieces {
            if let Piece::Text { text, .. } = piece {
                text_chars(text, out);
            }
        }
    }
}

/// For `render`, `preview`, `share` and `check`: finds fonts for the characters the design
/// (filled with `data`) needs that its elements' fonts lack, in a campaign's `campaign`
/// families, the `--font-path` folders and the installed fonts (as `sandbox` says), and adds
/// them to its book; `also` are texts printed beside the design in a bundled family (the share
/// picture's hashtag). A character no font has is left for layout to report, with the
/// element it is in.
pub fn prepare_design(
    design: &mut Design,
    data: &dyn Fn(&str) -> Option<String>,
    also: &[&str],
    campaign: &[SharedFamily],
    sandbox: &Sandbox,
    warnings: &mut Warnings,
) -> Result<()> {
    let mut chars = BTreeSet::new();
    design_needs(design, data, &mut chars);
    for text in also {
        text_chars(text, &mut chars);
    }
    let fallbacks = Fallbacks::resolve(campaign, &chars, sandbox.font_dirs())?;
    warn_passed_over(&fallbacks, warnings);
    fallbacks.apply(&mut design.fonts);
    Ok(())
}

/// A warning for each font the search passed over because it is damaged.
pub fn warn_passed_over(fallbacks: &Fallbacks, warnings: &mut Warnings) {
    for why in &fallbacks.passed_over {
        warnings.push(Diagnostic::warning(format!("a fallback font was passed over: {why}")));
    }
}
