//! Limits on hostile or broken input, and the checks that a picture or font file is whole.
//!
//! A design or participants list shared by someone else may be made to exhaust memory or time,
//! or to crash a library: these limits turn that into a clear error naming the file and what
//! to change. Picture size limits (64 MiB, 150 megapixels) live in [`crate::layout::Pictures`];
//! the participants list's row limit in [`crate::model::participants`].

use crate::base::diag::Diagnostic;

/// Most characters in one element's text (or one `[data]` value).
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Most elements in one design.
pub const MAX_ELEMENTS: usize = 2_000;
/// Most named pages in one design.
pub const MAX_PAGES: usize = 100;
/// Most continuation pages one text may run onto.
pub const MAX_CONTINUATION_PAGES: usize = 200;
/// Most pages a checked design may lay out to, continuation pages included.
pub const MAX_LAID_OUT_PAGES: usize = 1_000;
/// Most pieces (letters, cards and postcards) one kit may have.
pub const MAX_PIECES: u64 = 50_000;
/// Most font families a design may add.
pub const MAX_FONT_FAMILIES: usize = 32;

/// Largest design, campaign or participants file letterkit reads.
pub const MAX_TEXT_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Refuses a text input (design, campaign, participants list) larger than
/// [`MAX_TEXT_FILE_BYTES`] before reading it. A file that cannot be looked at passes here and
/// fails when it is read, with the reason.
pub fn text_file(path: &std::path::Path) -> crate::base::diag::Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() > MAX_TEXT_FILE_BYTES => Err(Diagnostic::error(format!(
            "{} is {} MiB; letterkit reads design, campaign and participants files up to 64 MiB",
            path.display(),
            meta.len() / (1024 * 1024)
        ))
        .hint("is it the right file? a participants list of 100,000 people is about 10 MiB")
        .into()),
        _ => Ok(()),
    }
}

/// Checks that a JPEG or PNG file is whole: every byte of the picture decodes, so a cut-off
/// download or a damaged file is found when it is loaded, with its name, instead of printing
/// grey (JPEG, which the PDF embeds undecoded) or failing when the PDF is finished (PNG).
pub fn verify_picture(data: &[u8], jpeg: bool) -> Result<(), String> {
    if jpeg { verify_jpeg(data) } else { verify_png(data) }
}

fn verify_jpeg(data: &[u8]) -> Result<(), String> {
    // The compressed data starts after the first start-of-scan marker and ends with the
    // end-of-image marker; inside it, a 0xFF byte is always followed by 0x00 or a restart
    // marker, so FF D9 after the first scan is the real end.
    let scan = first_scan(data).ok_or("it has no picture data (no start of scan); the file is damaged")?;
    if !data[scan..].windows(2).any(|w| w == [0xFF, 0xD9]) {
        return Err(
            "the file is cut short (it has no end-of-image marker); download or export it again".into()
        );
    }
    let options = zune_jpeg::zune_core::options::DecoderOptions::default()
        .set_max_width(1 << 16)
        .set_max_height(1 << 16);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(std::io::Cursor::new(data), options);
    decoder.decode().map(|_| ()).map_err(|e| format!("its picture data is damaged ({e})"))
}

/// The offset just past the first start-of-scan marker.
fn first_scan(data: &[u8]) -> Option<usize> {
    walk_jpeg(data, |marker, at, length| (marker == 0xDA).then(|| (at + 2 + length).min(data.len())))
}

/// What a JPEG's frame header and Adobe segment say (read before anything decodes it).
pub(crate) struct JpegFrame {
    /// Width in pixels, as stored.
    pub width: u32,
    /// Height in pixels, as stored.
    pub height: u32,
    /// Colour channels: 1 grey, 3 colour, 4 CMYK.
    pub components: u8,
    /// Bits per channel.
    pub precision: u8,
    /// Whether an Adobe segment comes first (Photoshop's CMYK is stored inverted).
    pub adobe: bool,
}

/// A JPEG's frame header.
pub(crate) fn jpeg_frame(data: &[u8]) -> Option<JpegFrame> {
    let mut adobe = false;
    walk_jpeg(data, |marker, at, _| {
        if marker == 0xEE && data.get(at + 4..at + 9) == Some(b"Adobe") {
            adobe = true;
        }
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        (is_frame && at + 10 <= data.len()).then(|| JpegFrame {
            precision: data[at + 4],
            height: u32::from(u16::from_be_bytes([data[at + 5], data[at + 6]])),
            width: u32::from(u16::from_be_bytes([data[at + 7], data[at + 8]])),
            components: data[at + 9],
            adobe,
        })
    })
}

/// A JPEG's EXIF orientation (1 to 8, TIFF 6.0 tag 274; 1 is upright), from its APP1 segment:
/// phone cameras store the picture as the sensor saw it and say here how to turn it.
pub fn jpeg_orientation(data: &[u8]) -> u8 {
    walk_jpeg(data, |marker, at, length| {
        if marker != 0xE1 || data.get(at + 4..at + 10) != Some(b"Exif\0\0") {
            return None;
        }
        let tiff = data.get(at + 10..(at + 2 + length).min(data.len()))?;
        let big = match tiff.get(..2)? {
            b"MM" => true,
            b"II" => false,
            _ => return Some(1),
        };
        let u16_at = |o: usize| {
            tiff.get(o..o + 2).map(|b| {
                if big { u16::from_be_bytes([b[0], b[1]]) } else { u16::from_le_bytes([b[0], b[1]]) }
            })
        };
        let u32_at = |o: usize| {
            tiff.get(o..o + 4).map(|b| {
                let b = [b[0], b[1], b[2], b[3]];
                if big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
            })
        };
        let ifd = u32_at(4)? as usize;
        let entries = usize::from(u16_at(ifd)?);
        let orientation = (0..entries)
            .map(|i| ifd + 2 + 12 * i)
            .find(|&entry| u16_at(entry) == Some(0x0112) && u16_at(entry + 2) == Some(3))
            .and_then(|entry| u16_at(entry + 8));
        Some(orientation.filter(|o| (1..=8).contains(o)).map_or(1, |o| o as u8))
    })
    .unwrap_or(1)
}

/// Walks a JPEG's marker segments up to the start of scan, calling `visit(marker, offset,
/// segment length)` on each until it returns something.
pub(crate) fn walk_jpeg<T>(data: &[u8], mut visit: impl FnMut(u8, usize, usize) -> Option<T>) -> Option<T> {
    let mut at = 2;
    while at + 4 <= data.len() {
        if data[at] != 0xFF {
            return None;
        }
        let marker = data[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        if (0xD0..=0xD8).contains(&marker) || marker == 0x01 {
            at += 2;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([data[at + 2], data[at + 3]]));
        if let Some(found) = visit(marker, at, length) {
            return Some(found);
        }
        if marker == 0xDA {
            return None;
        }
        at += 2 + length;
    }
    None
}

fn verify_png(data: &[u8]) -> Result<(), String> {
    let damaged = |e: png::DecodingError| match e {
        png::DecodingError::LimitsExceeded => "it is too large to decode".to_string(),
        png::DecodingError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the file is cut short; download or export it again".to_string()
        }
        e => format!("its picture data is damaged ({e})"),
    };
    let mut decoder = png::Decoder::new(std::io::Cursor::new(data));
    decoder.set_limits(png::Limits { bytes: 1 << 30 });
    let mut reader = decoder.read_info().map_err(damaged)?;
    // Row by row: the whole picture is decoded and checked without holding it in memory.
    while reader.next_row().map_err(damaged)?.is_some() {}
    Ok(())
}

/// Checks that a font file is whole: every table lies inside the file, the tables text needs
/// are there, it maps some characters, and every glyph's outline reads. A cut-off font would
/// otherwise be accepted and every character silently drawn with a fallback font.
pub fn verify_font(data: &[u8]) -> Result<(), String> {
    use skrifa::MetadataProvider;
    use skrifa::outline::{DrawSettings, OutlinePen};
    let font = skrifa::FontRef::new(data).map_err(|e| format!("it is not a font file ({e})"))?;
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
    for (id, glyph) in font.outline_glyphs().iter() {
        glyph
            .draw(settings(), &mut NoPen)
            .map_err(|e| format!("glyph {} is damaged ({e}); download the font again", id.to_u32()))?;
    }
    // The PDF embeds a subset of the font: find out now, with the file's name, rather than
    // when the PDF is finished.
    subsetter::subset(data, 0, &subsetter::GlyphRemapper::new())
        .map_err(|e| format!("it cannot be embedded in a PDF ({e}); try a .ttf version of the font"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_pictures_pass_cut_ones_fail() {
        let jpeg = crate::input::assets::get(&crate::input::assets::lookup("landmark.jpg").unwrap()).unwrap();
        let png =
            crate::input::assets::get(&crate::input::assets::lookup("star-sticker.png").unwrap()).unwrap();
        assert_eq!(verify_picture(jpeg, true), Ok(()));
        assert_eq!(verify_picture(png, false), Ok(()));
        let cut = verify_picture(&jpeg[..jpeg.len() / 2], true).unwrap_err();
        assert!(cut.contains("cut short"), "{cut}");
        let cut = verify_picture(&png[..png.len() / 2], false).unwrap_err();
        assert!(cut.contains("cut short"), "{cut}");
        assert!(verify_picture(&jpeg[..200], true).is_err());
        assert!(verify_picture(&png[..30], false).is_err());
    }

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
    fn reads_the_exif_orientation_in_either_byte_order() {
        let jpeg = |tiff: &[u8]| {
            let mut data = vec![0xFF, 0xD8, 0xFF, 0xE1];
            data.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
            data.extend(b"Exif\0\0");
            data.extend(tiff);
            data.extend([0xFF, 0xDA, 0x00, 0x02]);
            data
        };
        let little = b"II\x2a\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x08\x00\x00\x00";
        assert_eq!(jpeg_orientation(&jpeg(little)), 8);
        let big = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x03\x00\x00";
        assert_eq!(jpeg_orientation(&jpeg(big)), 3);
        // No EXIF, a cut EXIF, an orientation out of range: shown as stored.
        assert_eq!(jpeg_orientation(&[0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02]), 1);
        assert_eq!(jpeg_orientation(&jpeg(&big[..12])), 1);
        let mut odd = big.to_vec();
        odd[19] = 9;
        assert_eq!(jpeg_orientation(&jpeg(&odd)), 1);
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
}
