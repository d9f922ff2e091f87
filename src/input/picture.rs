//! Picture files read before anything uses them: whether a JPEG or PNG is whole, and what
//! their headers say (size, channels, EXIF orientation, colour profile), read by zune-jpeg and
//! the png crate rather than by hand.

use std::path::{Path, PathBuf};

use zune_jpeg::JpegDecoder;
use zune_jpeg::errors::DecodeErrors;
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

/// Checks that a JPEG or PNG file is whole: every byte of the picture decodes, so a cut-off
/// download or a damaged file is found when it is loaded, with its name, instead of printing
/// grey (JPEG, which the PDF embeds undecoded) or failing when the PDF is finished (PNG).
pub fn verify_picture(data: &[u8], jpeg: bool) -> Result<(), String> {
    if jpeg { verify_jpeg(data) } else { verify_png(data) }
}

/// What [`verify_file`] found for one file, by its canonical path.
struct Verified {
    /// The file's identity when it was checked: device, inode, length, modification time.
    identity: Option<(u64, u64, u64, i128)>,
    /// A hash of the bytes checked, so a file changed under the same identity is checked again.
    hash: u64,
    result: Result<(), String>,
    /// How many times the file was decoded in this run.
    decodes: usize,
}

/// The pictures checked in this run.
fn verified() -> &'static std::sync::Mutex<std::collections::BTreeMap<PathBuf, Verified>> {
    static VERIFIED: std::sync::OnceLock<std::sync::Mutex<std::collections::BTreeMap<PathBuf, Verified>>> =
        std::sync::OnceLock::new();
    VERIFIED.get_or_init(Default::default)
}

/// A file's canonical path and identity (`None` for a bundled picture, which has no file).
fn identity(path: &Path) -> (PathBuf, Option<(u64, u64, u64, i128)>) {
    match (std::fs::canonicalize(path), std::fs::metadata(path)) {
        (Ok(canonical), Ok(m)) => (canonical, Some(file_identity(&m))),
        _ => (path.to_path_buf(), None),
    }
}

#[cfg(unix)]
fn file_identity(m: &std::fs::Metadata) -> (u64, u64, u64, i128) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino(), m.len(), i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()))
}

#[cfg(not(unix))]
fn file_identity(m: &std::fs::Metadata) -> (u64, u64, u64, i128) {
    let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    (0, 0, m.len(), mtime.map_or(0, |d| d.as_nanos() as i128))
}

/// [`verify_picture`] for the file at `path` whose bytes are `data`, once per run: a picture
/// shown on 2,000 postcards, or checked by the build and again by `check`'s own design checks,
/// is decoded once. The result is kept by the file's canonical path and identity (device,
/// inode, length, modification time) with a hash of its bytes; a file that changed is
/// decoded again.
pub fn verify_file(path: &Path, data: &[u8], jpeg: bool) -> Result<(), String> {
    use std::hash::BuildHasher;
    static HASHER: std::sync::OnceLock<std::hash::RandomState> = std::sync::OnceLock::new();
    let hash = HASHER.get_or_init(std::hash::RandomState::new).hash_one(data);
    let (key, identity) = identity(path);
    if let Some(seen) = verified().lock().expect("pictures").get(&key)
        && seen.identity == identity
        && seen.hash == hash
    {
        return seen.result.clone();
    }
    // Decoded outside the lock: other pictures are checked meanwhile.
    let result = verify_picture(data, jpeg);
    let mut all = verified().lock().expect("pictures");
    let decodes = all.get(&key).map_or(0, |v| v.decodes) + 1;
    all.insert(key, Verified { identity, hash, result: result.clone(), decodes });
    result
}

/// How many times [`verify_file`] decoded the file at `path` in this run (for tests: a
/// picture used on many pages is decoded once).
pub fn decodes(path: &Path) -> usize {
    let (key, _) = identity(path);
    verified().lock().expect("pictures").get(&key).map_or(0, |v| v.decodes)
}

/// zune-jpeg's options for letterkit: pictures up to 65,535 pixels a side (the most a JPEG
/// frame header can state; the megapixel limit is checked from the header before decoding).
fn jpeg_options() -> DecoderOptions {
    DecoderOptions::default().set_max_width(1 << 16).set_max_height(1 << 16)
}

fn verify_jpeg(data: &[u8]) -> Result<(), String> {
    const CUT: &str = "the file is cut short (it has no end-of-image marker); download or export it again";
    // The compressed data starts after the first start-of-scan marker and ends with the
    // end-of-image marker; inside it, a 0xFF byte is always followed by 0x00 or a restart
    // marker, so FF D9 after the first scan is the real end.
    let scan = first_scan(data).ok_or("it has no picture data (no start of scan); the file is damaged")?;
    if !data.get(scan..).unwrap_or_default().windows(2).any(|w| w == [0xFF, 0xD9]) {
        return Err(CUT.into());
    }
    // Strict mode: what zune-jpeg would otherwise only log and paper over with grey (a
    // Huffman code no table has, a marker inside the compressed data, a missing restart
    // marker, data that runs out) is an error here.
    let mut options = jpeg_options().set_strict_mode(true);
    // A grey picture is checked as grey: one byte a pixel, as `decoded_bytes` counts it.
    if jpeg_header(data).is_ok_and(|h| h.components == 1) {
        options = options.jpeg_set_out_colorspace(ColorSpace::Luma);
    }
    match JpegDecoder::new_with_options(ZCursor::new(data), options).decode() {
        Ok(_) => {}
        Err(DecodeErrors::ExhaustedData) => return Err(CUT.into()),
        Err(e) => return Err(format!("its picture data is damaged ({})", reason(&e))),
    }
    // zune-jpeg pads compressed data that ends early with zeros, and stops reading when it has
    // every block, without a word: the walk below is what libjpeg does to say "Corrupt JPEG
    // data" (ITU-T T.81 F.2.2, E.2.4).
    entropy::check(data).map_err(|e| format!("its picture data is damaged ({e})"))
}

/// The compressed data of a sequential (baseline or extended) JPEG, walked code by code: every
/// block of every scan must be there, each restart marker in its place, and nothing but the
/// padding of the last byte between a scan's last block and the marker after it. Damage that
/// leaves the markers intact (a lost, doubled or zeroed stretch of bytes) changes how many bits
/// the blocks take, so the scan ends before its marker or runs into it. Progressive JPEGs are
/// left to the decoder's strict mode.
mod entropy {
    /// A Huffman table as T.81 Annex F.2.2.3 decodes it: the largest code of each length, and
    /// where that length's values start.
    #[derive(Clone)]
    struct Table {
        max: [i32; 17],
        offset: [i32; 17],
        values: Vec<u8>,
    }

    impl Table {
        fn new(counts: &[u8], values: &[u8]) -> Table {
            let mut t = Table { max: [-1; 17], offset: [0; 17], values: values.to_vec() };
            let (mut code, mut k) = (0i32, 0i32);
            for len in 1..=16 {
                let n = i32::from(counts[len - 1]);
                t.offset[len] = k - code;
                t.max[len] = if n > 0 { code + n - 1 } else { -1 };
                code = (code + n) << 1;
                k += n;
            }
            t
        }
    }

    /// Reads compressed data bit by bit; a marker where a bit is needed is an error.
    struct Bits<'a> {
        data: &'a [u8],
        at: usize,
        byte: u8,
        left: u8,
    }

    const SHORT: &str = "its compressed data ends before the picture does";

    impl Bits<'_> {
        fn bit(&mut self) -> Result<i32, String> {
            if self.left == 0 {
                let byte = *self.data.get(self.at).ok_or(SHORT)?;
                if byte == 0xFF {
                    if self.data.get(self.at + 1) != Some(&0x00) {
                        return Err(SHORT.into());
                    }
                    self.at += 1; // a stuffed zero
                }
                self.at += 1;
                self.byte = byte;
                self.left = 8;
            }
            self.left -= 1;
            Ok(i32::from((self.byte >> self.left) & 1))
        }

        fn skip(&mut self, n: u8) -> Result<(), String> {
            for _ in 0..n {
                self.bit()?;
            }
            Ok(())
        }

        fn decode(&mut self, table: &Table) -> Result<u8, String> {
            let mut code = 0;
            for len in 1..=16 {
                code = (code << 1) | self.bit()?;
                if code <= table.max[len] {
                    let k = usize::try_from(code + table.offset[len]).map_err(|_| "a bad Huffman table")?;
                    return table.values.get(k).copied().ok_or_else(|| "a bad Huffman table".into());
                }
            }
            Err("a code no Huffman table has".into())
        }

        /// Drops the rest of the byte, then skips fill bytes to the marker that must come
        /// next; returns it. Anything else first is damage.
        fn marker(&mut self) -> Result<u8, String> {
            self.left = 0;
            let start = self.at;
            while self.data.get(self.at) == Some(&0xFF) && self.data.get(self.at + 1) == Some(&0xFF) {
                self.at += 1;
            }
            match self.data.get(self.at..self.at + 2) {
                Some(&[0xFF, m]) if m != 0 => {
                    self.at += 2;
                    Ok(m)
                }
                _ => {
                    let end =
                        self.data[start..].windows(2).position(|w| w[0] == 0xFF && w[1] != 0 && w[1] != 0xFF);
                    Err(format!(
                        "{} extra bytes of compressed data after the last block",
                        end.map_or("some".into(), |n| n.to_string())
                    ))
                }
            }
        }
    }

    /// One block: a DC difference and up to 63 AC coefficients (T.81 F.2.2).
    fn block(bits: &mut Bits, dc: &Table, ac: &Table) -> Result<(), String> {
        let s = bits.decode(dc)?;
        bits.skip(s.min(16))?;
        let mut k = 1;
        while k < 64 {
            let rs = bits.decode(ac)?;
            let (r, s) = (rs >> 4, rs & 15);
            if s == 0 {
                if r != 15 {
                    break; // end of block
                }
                k += 16;
                continue;
            }
            k += usize::from(r);
            if k > 63 {
                return Err("a block with more than 64 coefficients".into());
            }
            bits.skip(s)?;
            k += 1;
        }
        Ok(())
    }

    /// Walks every scan of a sequential JPEG; `Ok` for other kinds (and for headers zune-jpeg
    /// already read and refused).
    pub(super) fn check(data: &[u8]) -> Result<(), String> {
        let u16_at = |o: usize| data.get(o..o + 2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])));
        let mut dc: Vec<Option<Table>> = vec![None; 4];
        let mut ac: Vec<Option<Table>> = vec![None; 4];
        // Frame: size, and each component's id and sampling factors.
        let (mut width, mut height) = (0usize, 0usize);
        let mut components: Vec<(u8, usize, usize)> = Vec::new();
        let mut restart = 0usize;
        let mut at = 2;
        loop {
            let Some(&[0xFF, marker]) = data.get(at..at + 2) else { return Ok(()) };
            if marker == 0xFF {
                at += 1;
                continue;
            }
            if marker == 0xD9 {
                return Ok(());
            }
            if matches!(marker, 0x01 | 0xD0..=0xD8) {
                at += 2;
                continue;
            }
            let Some(length) = u16_at(at + 2) else { return Ok(()) };
            let body = data.get(at + 4..(at + 2 + length).min(data.len())).unwrap_or_default();
            at += 2 + length;
            match marker {
                0xC0 | 0xC1 => {
                    if body.len() < 6 {
                        return Ok(());
                    }
                    height = usize::from(u16::from_be_bytes([body[1], body[2]]));
                    width = usize::from(u16::from_be_bytes([body[3], body[4]]));
                    components = body[6..]
                        .chunks_exact(3)
                        .take(usize::from(body[5]))
                        .map(|c| (c[0], usize::from(c[1] >> 4).max(1), usize::from(c[1] & 15).max(1)))
                        .collect();
                }
                0xC2..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => return Ok(()), // not sequential Huffman
                0xC4 => {
                    let mut rest = body;
                    while rest.len() >= 17 {
                        let (class, id) = (rest[0] >> 4, usize::from(rest[0] & 3));
                        let n: usize = rest[1..17].iter().map(|&c| usize::from(c)).sum();
                        let Some(values) = rest.get(17..17 + n) else { return Ok(()) };
                        let table = Some(Table::new(&rest[1..17], values));
                        if class == 0 {
                            dc[id] = table
                        } else {
                            ac[id] = table
                        }
                        rest = &rest[17 + n..];
                    }
                }
                0xDD if body.len() >= 2 => restart = usize::from(u16::from_be_bytes([body[0], body[1]])),
                0xDA => {
                    if components.is_empty() || body.is_empty() {
                        return Ok(());
                    }
                    let count = usize::from(body[0]);
                    let mut scan = Vec::new();
                    for c in body[1..].chunks_exact(2).take(count) {
                        let Some(&(_, h, v)) = components.iter().find(|k| k.0 == c[0]) else { return Ok(()) };
                        let (Some(Some(d)), Some(Some(a))) =
                            (dc.get(usize::from(c[1] >> 4)), ac.get(usize::from(c[1] & 3)))
                        else {
                            return Ok(());
                        };
                        scan.push((h, v, d.clone(), a.clone()));
                    }
                    let hmax = components.iter().map(|c| c.1).max().unwrap_or(1);
                    let vmax = components.iter().map(|c| c.2).max().unwrap_or(1);
                    // One component alone is scanned block by block over its own size;
                    // several go in MCUs of h x v blocks each (T.81 A.2).
                    let (units, per) = if scan.len() == 1 {
                        let (h, v) = (scan[0].0, scan[0].1);
                        let w = (width * h).div_ceil(hmax).div_ceil(8);
                        let hh = (height * v).div_ceil(vmax).div_ceil(8);
                        (w * hh, vec![1])
                    } else {
                        let mcus = width.div_ceil(8 * hmax) * height.div_ceil(8 * vmax);
                        (mcus, scan.iter().map(|s| s.0 * s.1).collect())
                    };
                    let mut bits = Bits { data, at, byte: 0, left: 0 };
                    let mut expected_rst = 0u8;
                    for unit in 0..units {
                        if restart > 0 && unit > 0 && unit % restart == 0 {
                            let m = bits.marker().map_err(|_| "a restart marker is missing".to_string())?;
                            if m != 0xD0 + expected_rst {
                                return Err("a restart marker is missing or out of order".into());
                            }
                            expected_rst = (expected_rst + 1) % 8;
                        }
                        for ((_, _, d, a), &n) in scan.iter().zip(&per) {
                            for _ in 0..n {
                                block(&mut bits, d, a)?;
                            }
                        }
                    }
                    bits.marker()?;
                    at = bits.at - 2;
                }
                _ => {}
            }
        }
    }
}

/// zune-jpeg's reason for refusing a JPEG, as one line of a message (its text may be quoted
/// or end in a line break).
fn reason(e: &DecodeErrors) -> String {
    let text = match e {
        DecodeErrors::Format(text) => text.clone(),
        DecodeErrors::FormatStatic(text) => (*text).to_string(),
        // Reading from memory fails only at the end of the bytes.
        DecodeErrors::IoErrors(_) | DecodeErrors::ExhaustedData => "the file is cut short".into(),
        e => e.to_string(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a JPEG's headers say, as zune-jpeg reads them (the markers up to the first scan;
/// nothing is decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JpegHeader {
    /// Width in pixels, as stored.
    pub width: u32,
    /// Height in pixels, as stored.
    pub height: u32,
    /// Colour channels: 1 grey, 3 colour, 4 CMYK.
    pub components: u8,
    /// Whether an Adobe segment comes before the frame (Photoshop's CMYK is stored inverted).
    pub adobe: bool,
    /// The EXIF orientation, 1 to 8 (TIFF 6.0 tag 274; 1 is upright): phone cameras store
    /// the picture as the sensor saw it and say here how to turn it.
    pub orientation: u8,
    /// The ICC profile of its APP2 `ICC_PROFILE` segments (ICC.1 annex B.4), joined in
    /// sequence order, when every part is there.
    pub icc_profile: Option<Vec<u8>>,
}

/// Reads a JPEG's headers with zune-jpeg. zune-jpeg reads 8-bit baseline and progressive
/// JPEGs only, so any other kind (12-bit, lossless, arithmetic-coded) is refused here, with
/// its reason.
pub fn jpeg_header(data: &[u8]) -> Result<JpegHeader, String> {
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(data), jpeg_options());
    decoder.decode_headers().map_err(|e| reason(&e))?;
    let info = decoder.info().ok_or("it has no frame header")?;
    Ok(JpegHeader {
        width: u32::from(info.width),
        height: u32::from(info.height),
        components: info.components,
        // zune-jpeg reads the Adobe segment's colour transform (YCCK is Adobe's alone) but
        // does not say whether a CMYK picture had the segment at all, which decides the
        // inversion: that one fact is looked up here.
        adobe: decoder.input_colorspace() == Some(ColorSpace::YCCK) || has_adobe_segment(data),
        orientation: decoder.exif().map_or(1, |tiff| exif_orientation(tiff)),
        icc_profile: decoder.icc_profile(),
    })
}

/// The orientation in EXIF data that starts at its TIFF header (as zune-jpeg gives it): the
/// Orientation entry (tag 0x0112, type SHORT) of the first image file directory, 1 when there
/// is none or it is out of range. Every read is bounds-checked.
fn exif_orientation(tiff: &[u8]) -> u8 {
    let big = match tiff.get(..2) {
        Some(b"MM") => true,
        Some(b"II") => false,
        _ => return 1,
    };
    let u16_at = |o: usize| {
        let b: [u8; 2] = tiff.get(o..o.checked_add(2)?)?.try_into().ok()?;
        Some(if big { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) })
    };
    let u32_at = |o: usize| {
        let b: [u8; 4] = tiff.get(o..o.checked_add(4)?)?.try_into().ok()?;
        Some(if big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    };
    let Some(ifd) = u32_at(4).and_then(|o| usize::try_from(o).ok()) else { return 1 };
    let entries = u16_at(ifd).map_or(0, usize::from);
    (0..entries)
        .map(|i| ifd.saturating_add(2 + 12 * i))
        .find(|&entry| u16_at(entry) == Some(0x0112) && u16_at(entry + 2) == Some(3))
        .and_then(|entry| u16_at(entry + 8))
        .filter(|o| (1..=8).contains(o))
        .map_or(1, |o| o as u8)
}

/// A JPEG's marker segments before its first scan, as (marker, payload) with the payload cut
/// to the bytes the file has; ends at the start of scan (yielded, with an empty payload) or
/// at anything that is not a marker. Used only for what zune-jpeg does not report: whether an
/// Adobe segment is there, and where the compressed data starts.
fn segments(data: &[u8]) -> impl Iterator<Item = (u8, usize, &[u8])> {
    let mut at = 2;
    let mut done = !data.starts_with(&[0xFF, 0xD8]);
    std::iter::from_fn(move || {
        while !done {
            let &[0xFF, marker] = data.get(at..at + 2)? else { return None };
            match marker {
                // Fill bytes, and markers that stand alone without a length.
                0xFF => at += 1,
                0x01 | 0xD0..=0xD8 => at += 2,
                _ => {
                    let length = usize::from(u16::from_be_bytes(data.get(at + 2..at + 4)?.try_into().ok()?));
                    let end = (at + 2 + length).min(data.len());
                    let payload = data.get(at + 4..end).unwrap_or_default();
                    done = marker == 0xDA;
                    let found = (marker, end, payload);
                    at = end;
                    return Some(found);
                }
            }
        }
        None
    })
}

/// Whether an Adobe APP14 segment comes before the frame header.
fn has_adobe_segment(data: &[u8]) -> bool {
    segments(data)
        .take_while(|&(marker, ..)| !is_frame(marker))
        .any(|(marker, _, payload)| marker == 0xEE && payload.starts_with(b"Adobe"))
}

/// Whether `marker` starts a frame (SOF0 to SOF15, less DHT, JPG and DAC).
fn is_frame(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// Whether the JPEG is progressive (SOF2, 6, 10 or 14): decoders then keep every coefficient,
/// 2 bytes a channel, for the whole picture until the last scan.
fn is_progressive(data: &[u8]) -> bool {
    segments(data)
        .find(|&(marker, ..)| is_frame(marker))
        .is_some_and(|(marker, ..)| matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE))
}

/// The offset just past the first start-of-scan header.
fn first_scan(data: &[u8]) -> Option<usize> {
    segments(data).find(|&(marker, ..)| marker == 0xDA).map(|(_, end, _)| end)
}

/// A PNG's width and height from its IHDR chunk, read by the png crate.
pub fn png_size(data: &[u8]) -> Result<(u32, u32), String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(data));
    let info = decoder.read_header_info().map_err(|e| e.to_string())?;
    Ok((info.width, info.height))
}

/// The memory decoding a picture needs, in bytes, from its header: width × height × channels ×
/// bytes per channel of the decoded pixels, plus, for a progressive JPEG, the 2-byte
/// coefficients decoders keep for every channel. A palette PNG counts as 4 channels (it is
/// expanded to colour and alpha when decoded); a JPEG's output has at least 3 channels unless it
/// is grey (see [`verify_picture`]).
pub fn decoded_bytes(data: &[u8]) -> Option<u64> {
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        // zune-jpeg decodes 8-bit JPEGs only (jpeg_header refuses the others).
        let header = jpeg_header(data).ok()?;
        let pixels = u64::from(header.width) * u64::from(header.height);
        let components = u64::from(header.components.max(1));
        let out = if components == 1 { 1 } else { components.max(3) };
        let coefficients = if is_progressive(data) { 2 * components } else { 0 };
        return Some(pixels * (out + coefficients));
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
        // The png crate names the chunk as Rust debug output: say it in words.
        e if e.to_string().starts_with("CRC error") => {
            "its picture data is damaged (a chunk's checksum does not match its data)".to_string()
        }
        e if e.to_string().contains("WrongChecksum") => {
            "its picture data is damaged (the compressed data does not match its checksum)".to_string()
        }
        e => format!("its picture data is damaged ({})", e.to_string().trim_end_matches('.')),
    };
    // Both checksums: each chunk's CRC, and the zlib stream's Adler-32, without which a
    // damaged compressed stream (with its chunk CRC made to match) can decode to wrong pixels.
    let mut options = png::DecodeOptions::default();
    options.set_ignore_adler32(false);
    options.set_ignore_crc(false);
    let mut decoder = png::Decoder::new_with_options(std::io::Cursor::new(data), options);
    decoder.set_limits(png::Limits { bytes: 1 << 30 });
    let mut reader = decoder.read_info().map_err(damaged)?;
    // Row by row: the whole picture is decoded and checked without holding it in memory.
    while reader.next_row().map_err(damaged)?.is_some() {}
    // To the end of the file, through the end of the compressed data and its checksum.
    reader.finish().map_err(damaged)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_pictures_pass_cut_ones_fail() {
        let jpeg = landmark();
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

    fn landmark() -> &'static [u8] {
        crate::input::assets::get(&crate::input::assets::lookup("landmark.jpg").unwrap()).unwrap()
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
    fn damaged_compressed_data_is_found() {
        let jpeg = landmark();
        // Markers intact, 256 bytes of noise in the middle of the compressed data, as a bad
        // copy makes: a code no Huffman table has, or a stray marker, which zune-jpeg would
        // otherwise paint over with grey.
        let mut damaged = jpeg.to_vec();
        let mid = damaged.len() / 2;
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for b in &mut damaged[mid..mid + 256] {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = (x >> 24) as u8;
        }
        assert_eq!(jpeg_header(&damaged).map(|h| (h.width, h.height)), Ok((2100, 1400)));
        let error = verify_picture(&damaged, true).unwrap_err();
        assert!(error.contains("damaged"), "{error}");
        // A stray marker alone is enough.
        let mut marked = jpeg.to_vec();
        marked[mid..mid + 2].copy_from_slice(&[0xFF, 0x02]);
        assert!(verify_picture(&marked, true).unwrap_err().contains("damaged"));
        // Cut just before its end-of-image marker.
        let cut = verify_picture(&jpeg[..jpeg.len() - 2], true).unwrap_err();
        assert!(cut.contains("cut short"), "{cut}");
    }

    #[test]
    fn damage_that_leaves_the_markers_intact_is_found_by_walking_the_scan() {
        let jpeg = landmark();
        let n = jpeg.len();
        // A zeroed stretch, a lost stretch, a flipped byte, the data cut short with its
        // end-of-image marker kept: zune-jpeg decodes all of them without a word.
        let mut zeroed = jpeg.to_vec();
        zeroed[n / 2..n / 2 + 4096].fill(0);
        let lost = [&jpeg[..n / 2], &jpeg[n / 2 + 1000..]].concat();
        let mut flipped = jpeg.to_vec();
        flipped[n / 2] ^= 0x10;
        let cut = [&jpeg[..n * 2 / 3], &[0xFF, 0xD9][..]].concat();
        for (what, data) in [("zeroed", zeroed), ("lost", lost), ("flipped", flipped), ("cut", cut)] {
            let error = verify_picture(&data, true).unwrap_err();
            assert!(error.starts_with("its picture data is damaged ("), "{what}: {error}");
        }
        assert_eq!(
            entropy::check(&[&jpeg[..n / 2], &jpeg[n / 2 + 1000..]].concat()),
            Err("its compressed data ends before the picture does".into())
        );
        assert!(entropy::check(&zeroed_end(jpeg)).unwrap_err().contains("extra bytes"));
        assert_eq!(entropy::check(jpeg), Ok(()));
    }

    /// The picture with 64 more bytes of compressed data before its end-of-image marker.
    fn zeroed_end(jpeg: &[u8]) -> Vec<u8> {
        let n = jpeg.len();
        [&jpeg[..n - 2], &[0u8; 64][..], &jpeg[n - 2..]].concat()
    }

    #[test]
    fn a_png_with_a_bad_checksum_is_damaged() {
        let png =
            crate::input::assets::get(&crate::input::assets::lookup("star-sticker.png").unwrap()).unwrap();
        // The first IDAT chunk: a byte of its compressed data changed, its CRC left, then made
        // to match (only the zlib stream's Adler-32 finds that).
        let at = png.windows(4).position(|w| w == b"IDAT").unwrap() - 4;
        let length = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        let mut bad = png.to_vec();
        bad[at + 8 + length / 2] ^= 0x20;
        assert!(verify_picture(&bad, false).unwrap_err().starts_with("its picture data is damaged"));
        let crc = crc32(&bad[at + 4..at + 8 + length]);
        bad[at + 8 + length..at + 12 + length].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(
            verify_picture(&bad, false),
            Err("its picture data is damaged (the compressed data does not match its checksum)".into())
        );
    }

    /// CRC-32 as PNG computes it (ISO/IEC 15948 annex D).
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn a_file_is_decoded_once_until_it_changes() {
        let dir = std::env::temp_dir().join(format!("letterkit-verify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("photo.jpg");
        std::fs::write(&path, landmark()).unwrap();
        for _ in 0..3 {
            assert_eq!(verify_file(&path, landmark(), true), Ok(()));
        }
        assert_eq!(decodes(&path), 1);
        let damaged = zeroed_end(landmark());
        std::fs::write(&path, &damaged).unwrap();
        assert!(verify_file(&path, &damaged, true).is_err());
        assert!(verify_file(&path, &damaged, true).is_err());
        assert_eq!(decodes(&path), 2, "a changed file is decoded again, once");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_the_frame_and_the_exif_orientation_in_either_byte_order() {
        // landmark.jpg with an EXIF segment after its start-of-image marker.
        let jpeg = |tiff: &[u8]| {
            let mut data = vec![0xFF, 0xD8, 0xFF, 0xE1];
            data.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
            data.extend(b"Exif\0\0");
            data.extend(tiff);
            data.extend(&landmark()[2..]);
            data
        };
        let orientation = |data: &[u8]| jpeg_header(data).expect("header").orientation;
        let little = b"II\x2a\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x08\x00\x00\x00";
        assert_eq!(orientation(&jpeg(little)), 8);
        let big = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x03\x00\x00";
        assert_eq!(orientation(&jpeg(big)), 3);
        // No EXIF, a cut EXIF, an offset past the end, an orientation out of range: shown as stored.
        assert_eq!(orientation(landmark()), 1);
        assert_eq!(orientation(&jpeg(&big[..12])), 1);
        let mut far = big.to_vec();
        far[4..8].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xF0]);
        assert_eq!(orientation(&jpeg(&far)), 1);
        let mut odd = big.to_vec();
        odd[19] = 9;
        assert_eq!(orientation(&jpeg(&odd)), 1);
        let header = jpeg_header(&jpeg(little)).expect("header");
        assert_eq!((header.width, header.height, header.components, header.adobe), (2100, 1400, 3, false));
        assert_eq!(exif_orientation(&[]), 1);
    }

    #[test]
    fn reads_a_pngs_size_from_its_header() {
        let png =
            crate::input::assets::get(&crate::input::assets::lookup("star-sticker.png").unwrap()).unwrap();
        let (w, h) = png_size(png).expect("size");
        assert_eq!(
            (w, h),
            (
                u32::from_be_bytes(png[16..20].try_into().unwrap()),
                u32::from_be_bytes(png[20..24].try_into().unwrap())
            )
        );
        assert!(png_size(&png[..20]).is_err());
        assert!(png_size(b"\x89PNG\r\n\x1a\nnot a chunk").is_err());
    }

    #[test]
    fn jpeg_errors_are_one_plain_line() {
        for data in [&landmark()[..30], &landmark()[..200], &[0xFF, 0xD8, 0xFF, 0xC0, 0x00]] {
            let error = jpeg_header(data).unwrap_err();
            assert!(!error.contains(['\n', '"']) && !error.is_empty(), "{error:?}");
        }
        assert_eq!(jpeg_header(&landmark()[..30]).unwrap_err(), "the file is cut short");
    }
}
