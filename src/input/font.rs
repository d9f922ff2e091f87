//! Font files read before anything uses them: whether a font is whole and can be embedded.

use std::collections::BTreeSet;

/// Checks that a font file is whole: every table lies inside the file, the tables text needs
/// are there, it maps some characters, and every glyph's outline reads. A cut-off font would
/// otherwise be accepted and every character silently drawn with a fallback font.
pub fn verify_font(data: &[u8]) -> Result<(), String> {
    verify_face(data, 0, None)
}

/// Most glyphs a fallback font may have for every glyph to be checked; a larger one (a
/// Chinese, Japanese or Korean font has 65,000, which take seconds) has only the glyphs of the
/// characters it is taken for checked.
const CHECK_EVERY_GLYPH_UP_TO: u16 = 6_000;

/// [`verify_font`] for face `index` of a file: a `.ttc` or `.otc` collection holds several
/// faces (a single font has face 0 only). With `only`, a font of more than
/// [`CHECK_EVERY_GLYPH_UP_TO`] glyphs has only the glyphs of those characters drawn and
/// subset: a fallback font found on the computer is used for those characters alone.
pub fn verify_face(data: &[u8], index: u32, only: Option<&BTreeSet<char>>) -> Result<(), String> {
    use skrifa::MetadataProvider;
    use skrifa::outline::{DrawSettings, OutlinePen};
    let font = skrifa::FontRef::from_index(data, index).map_err(|e| match e {
        skrifa::raw::ReadError::InvalidCollectionIndex(_) => {
            format!("it has no face {index} (a single font has face 0; a .ttc collection has one per family)")
        }
        e => format!("it is not a font file ({e})"),
    })?;
    let directory = 12 + 16 * usize::from(font.table_directory.num_tables());
    if directory > data.len() {
        return Err(format!(
            "the file is cut short: it has {} bytes, fewer than its list of tables takes; download it again",
            data.len()
        ));
    }
    for record in font.table_directory.table_records() {
        let end = u64::from(record.offset()) + u64::from(record.length());
        if end > data.len() as u64 {
            return Err(format!(
                "the file is cut short: its `{}` table ends at byte {end} but the file has {} bytes; download it again",
                record.tag(),
                data.len()
            ));
        }
    }
    let has = |tag: &[u8; 4]| font.table_data(skrifa::Tag::new(tag)).is_some();
    for tag in [b"cmap", b"head", b"hhea", b"hmtx", b"maxp"] {
        if !has(tag) {
            return Err(format!(
                "it has no `{}` table, which text needs; it is damaged or not a text font",
                String::from_utf8_lossy(tag)
            ));
        }
    }
    let outlines = (has(b"glyf") && has(b"loca")) || has(b"CFF ") || has(b"CFF2");
    if !outlines {
        return Err(
            "it has no glyph outlines (no `glyf` or `CFF` table); it is damaged or a bitmap font".into()
        );
    }
    if font.charmap().mappings().next().is_none() {
        return Err(
            "it maps no characters to glyphs; it is damaged or a symbol font letterkit cannot use".into()
        );
    }
    if has(b"CFF2") {
        return Err("it is a variable OpenType font (CFF2), which letterkit cannot embed in a PDF; use a static .otf or a .ttf version".into());
    }
    struct NoPen;
    impl OutlinePen for NoPen {
        fn move_to(&mut self, _: f32, _: f32) {}
        fn line_to(&mut self, _: f32, _: f32) {}
        fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {}
        fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {}
        fn close(&mut self) {}
    }
    let settings = || {
        DrawSettings::unhinted(skrifa::instance::Size::unscaled(), skrifa::instance::LocationRef::default())
    };
    use skrifa::raw::TableProvider;
    let count = font.maxp().map(|maxp| maxp.num_glyphs()).unwrap_or(0);
    let glyphs: Vec<u16> = match only {
        Some(chars) if count > CHECK_EVERY_GLYPH_UP_TO => {
            let charmap = font.charmap();
            let mut ids: Vec<u16> = std::iter::once(0)
                .chain(
                    chars
                        .iter()
                        .filter_map(|&c| charmap.map(c))
                        .filter_map(|g| u16::try_from(g.to_u32()).ok()),
                )
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        }
        _ => (0..count).collect(),
    };
    let outlines = font.outline_glyphs();
    for &id in &glyphs {
        let id = skrifa::GlyphId::new(u32::from(id));
        if let Some(glyph) = outlines.get(id) {
            glyph
                .draw(settings(), &mut NoPen)
                .map_err(|e| format!("glyph {} is damaged ({e}); download the font again", id.to_u32()))?;
        }
    }
    // The PDF embeds a subset of the font: find out now, with the file's name, rather than
    // when the PDF is finished. Every glyph checked goes into this trial subset, since the
    // subsetter reads a glyph's data only when the glyph is used (fuzzing found fonts whose
    // outlines draw but whose glyph data the subsetter refuses).
    let mut every_glyph = subsetter::GlyphRemapper::new();
    for &glyph in &glyphs {
        every_glyph.remap(glyph);
    }
    subsetter::subset(data, index, &every_glyph)
        .map_err(|e| format!("it cannot be embedded in a PDF ({e}); try a .ttf version of the font"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_fonts_pass_cut_ones_fail() {
        let lato = include_bytes!("../../fonts/lato/Lato-Regular.ttf");
        assert_eq!(verify_font(lato), Ok(()));
        let kaushan = include_bytes!("../../fonts/kaushan-script/KaushanScript-Regular.otf");
        assert_eq!(verify_font(kaushan), Ok(()));
        for cut in [100, 2_000, 30_000, lato.len() - 1000] {
            let e = verify_font(&lato[..cut]).unwrap_err();
            assert!(e.contains("cut short") || e.contains("not a font"), "{cut}: {e}");
        }
        assert!(verify_font(b"hello, I am not a font").is_err());
    }

    #[test]
    fn fonts_that_cannot_be_embedded_are_refused_when_read() {
        // Kaushan Script with its `CFF ` table relabelled `CFF2`: a variable OpenType font.
        let mut font = include_bytes!("../../fonts/kaushan-script/KaushanScript-Regular.otf").to_vec();
        let tables = usize::from(u16::from_be_bytes([font[4], font[5]]));
        let record = (0..tables).map(|i| 12 + 16 * i).find(|&at| &font[at..at + 4] == b"CFF ").unwrap();
        font[record..record + 4].copy_from_slice(b"CFF2");
        let e = verify_font(&font).unwrap_err();
        assert!(e.contains("variable OpenType font (CFF2)"), "{e}");
    }

    #[test]
    fn fonts_whose_glyph_data_the_subsetter_refuses_are_refused_when_read() {
        // Lato Bold with two bytes of its `loca` table changed, found by the font fuzz target:
        // every outline still draws, but the subsetter refuses the glyph data, which once
        // surfaced only when the PDF was finished, without the file's name.
        let mut font = include_bytes!("../../fonts/lato/Lato-Bold.ttf").to_vec();
        font[22011] = 96;
        font[28131] = 58;
        let e = verify_font(&font).unwrap_err();
        assert!(e.contains("cannot be embedded"), "{e}");
    }
}
