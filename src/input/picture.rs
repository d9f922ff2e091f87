//! Picture files read before anything uses them: whether a JPEG or PNG is whole, a JPEG's frame
//! size and EXIF orientation.

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
    let mut options = zune_jpeg::zune_core::options::DecoderOptions::default()
        .set_max_width(1 << 16)
        .set_max_height(1 << 16);
    // A grey picture is checked as grey: one byte a pixel, as `decoded_bytes` counts it.
    if jpeg_frame(data).is_some_and(|f| f.components == 1) {
        options = options.jpeg_set_out_colorspace(zune_jpeg::zune_core::colorspace::ColorSpace::Luma);
    }
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
    /// Whether the picture is progressive (decoders then keep every coefficient, 2 bytes a
    /// channel, for the whole picture until the last scan).
    pub progressive: bool,
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
            progressive: matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE),
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

/// The memory decoding a picture needs, in bytes, from its header: width × height × channels ×
/// bytes per channel of the decoded pixels, plus, for a progressive JPEG, the 2-byte
/// coefficients decoders keep for every channel. A palette PNG counts as 4 channels (it is
/// expanded to colour and alpha when decoded); a JPEG's output has at least 3 channels unless it
/// is grey (see [`verify_picture`]).
pub fn decoded_bytes(data: &[u8]) -> Option<u64> {
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let frame = jpeg_frame(data)?;
        let pixels = u64::from(frame.width) * u64::from(frame.height);
        let depth = if frame.precision > 8 { 2 } else { 1 };
        let out = if frame.components <= 1 { 1 } else { u64::from(frame.components).max(3) };
        let coefficients = if frame.progressive { 2 * u64::from(frame.components.max(1)) } else { 0 };
        return Some(pixels * (out * depth + coefficients));
    }
    if data.starts_with(b"\x89PNG\r\n\x1a\n") && data.len() >= 26 {
        let width = u64::from(u32::from_be_bytes([data[16], data[17], data[18], data[19]]));
        let height = u64::from(u32::from_be_bytes([data[20], data[21], data[22], data[23]]));
        let (depth, colour) = (data[24], data[25]);
        let channels = match colour {
            0 => 1,
            4 => 2,
            2 => 3,
            _ => 4,
        };
        return Some(width * height * channels * if depth > 8 { 2 } else { 1 });
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
    fn decoded_bytes_come_from_the_header() {
        let png =
            crate::input::assets::get(&crate::input::assets::lookup("star-sticker.png").unwrap()).unwrap();
        let jpeg = crate::input::assets::get(&crate::input::assets::lookup("landmark.jpg").unwrap()).unwrap();
        let mut deep = png.to_vec();
        (deep[24], deep[25]) = (16, 6);
        assert_eq!(decoded_bytes(&deep), Some(600 * 600 * 8));
        assert!(matches!(decoded_bytes(jpeg), Some(n) if n >= 1800 * 1200 * 3));
        assert_eq!(decoded_bytes(b"GIF89a"), None);
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
}
