//! The commands behind the CLI: each takes plain arguments and returns what to print.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::design;
use crate::diag::{Diagnostic, Result, Warnings};
use crate::fonts::FontBook;
use crate::formats;
use crate::layout::{self, Page, Pictures};
use crate::output::{Staged, check_not_input};
use crate::render::{self, PdfOptions};

/// Lays out a design with its own `[data]` (plus `extra` values) into pages.
pub fn layout_file(
    path: &Path,
    extra: &BTreeMap<String, String>,
    warnings: &mut Warnings,
) -> Result<(design::Design, Vec<Page>)> {
    let design = design::load(path)?;
    let pictures = Pictures::default();
    let pages = layout::layout_design(&design, extra, &pictures, warnings)?;
    Ok((design, pages))
}

/// `letterkit render DESIGN -o OUT.pdf`: writes the design as a PDF.
pub fn render(
    path: &Path,
    output: &Path,
    pdf_a: bool,
    extra: &BTreeMap<String, String>,
    warnings: &mut Warnings,
) -> Result<String> {
    check_not_input(output, &[path])?;
    let (design, pages) = layout_file(path, extra, warnings)?;
    let bytes = render::pdf(
        &pages,
        &PdfOptions {
            title: design.title.clone(),
            pdf_a,
        },
    )?;
    let mut staged = Staged::default();
    staged.write(output, &bytes)?;
    staged.commit()?;
    Ok(format!(
        "wrote {} ({} page{})",
        output.display(),
        pages.len(),
        if pages.len() == 1 { "" } else { "s" }
    ))
}

/// `letterkit preview DESIGN -o page.png`: renders one page of the design's PDF to PNG.
pub fn preview(
    path: &Path,
    output: &Path,
    page: usize,
    dpi: f32,
    extra: &BTreeMap<String, String>,
    warnings: &mut Warnings,
) -> Result<String> {
    check_not_input(output, &[path])?;
    if !(10.0..=1200.0).contains(&dpi) {
        return Err(Diagnostic::error(format!("--dpi {dpi} is out of range; use 10 to 1200")).into());
    }
    if page == 0 {
        return Err(Diagnostic::error("pages are numbered from 1").into());
    }
    let (design, pages) = layout_file(path, extra, warnings)?;
    let bytes = render::pdf(
        &pages,
        &PdfOptions {
            title: design.title.clone(),
            pdf_a: false,
        },
    )?;
    let png = render::png(&bytes, page - 1, dpi)?;
    let mut staged = Staged::default();
    staged.write(output, &png)?;
    staged.commit()?;
    Ok(format!(
        "wrote {} (page {page} of {}, {dpi} dpi)",
        output.display(),
        pages.len()
    ))
}

/// `letterkit layouts`: the built-in page formats.
pub fn layouts() -> String {
    let mut out = String::new();
    let mut kind = None;
    for f in formats::all() {
        if kind != Some(f.kind) {
            kind = Some(f.kind);
            out.push_str(&format!(
                "{}{}:\n",
                if out.is_empty() { "" } else { "\n" },
                f.kind.name()
            ));
        }
        let [w, h] = f.size_in();
        let aliases = if f.aliases.is_empty() {
            String::new()
        } else {
            format!(" (also {})", f.aliases.join(", "))
        };
        out.push_str(&format!(
            "  {:<20} {:>6.3} x {:<6.3} in  {}{}\n",
            f.name, w, h, f.description, aliases
        ));
    }
    out
}

/// `letterkit fonts`: the bundled font families.
pub fn fonts() -> String {
    let mut out = String::from("bundled families (use the first name in a design's `font`):\n");
    for line in FontBook::bundled().describe() {
        out.push_str(&format!("  {line}\n"));
    }
    out.push_str("\nA design can add its own under [fonts], e.g. hand = \"fonts/MyHand.ttf\".\n");
    out
}

/// Parses `key=value` pairs given with `--set`.
pub fn parse_sets(sets: &[String]) -> Result<BTreeMap<String, String>> {
    let mut data = BTreeMap::new();
    for s in sets {
        let Some((k, v)) = s.split_once('=') else {
            return Err(Diagnostic::error(format!("--set {s}: write it as field=value")).into());
        };
        data.insert(k.trim().to_string(), v.to_string());
    }
    Ok(data)
}

/// The default output name for a design: the design's name with another extension.
pub fn default_output(design: &Path, extension: &str) -> PathBuf {
    design.with_extension(extension)
}
