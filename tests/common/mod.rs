//! Shared helpers for the integration tests: a small PDF reader built on `hayro_syntax`
//! (page boxes, fonts, metadata, images, and text extraction with positions, the way a PDF
//! reader sees it), temporary folders, test pictures, and running designs through the library.
//!
//! Not every test binary uses every helper.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use hayro::hayro_syntax::Pdf;
use hayro::hayro_syntax::content::UntypedIter;
use hayro::hayro_syntax::object::{Array, Dict, Name, Object, ObjectIdentifier, Rect, Stream};
use hayro::hayro_syntax::page::Resources;

// ---------------------------------------------------------------------------------------------
// Temporary folders and files
// ---------------------------------------------------------------------------------------------

/// A fresh folder under Cargo's per-target temporary folder, removed when dropped.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// A new empty folder whose name starts with `label`.
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `contents` to `name` in the folder and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, contents).expect("write temp file");
        path
    }

    /// The names of the files in the folder (not recursive), sorted.
    pub fn file_names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.path)
            .expect("read temp dir")
            .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The path of a fixture in `tests/designs/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/designs").join(name)
}

// ---------------------------------------------------------------------------------------------
// Running designs through the library
// ---------------------------------------------------------------------------------------------

/// A design laid out and rendered: the layout's pages, the PDF bytes and the parsed PDF.
pub struct Rendered {
    /// What layout produced.
    pub pages: Vec<letterkit::layout::Page>,
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// The PDF as a reader sees it.
    pub doc: PdfDoc,
    /// The title the design gives the PDF.
    pub title: String,
    /// Warnings from layout.
    pub warnings: Vec<String>,
}

/// Lays out and renders the design at `path` with extra placeholder values.
pub fn render_path(path: &Path, extra: &[(&str, &str)], pdf_a: bool) -> Rendered {
    let extra: BTreeMap<String, String> = extra.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut warnings = letterkit::base::diag::Warnings::default();
    let (design, pages) =
        letterkit::cli::commands::layout_file(path, &Default::default(), &extra, &mut warnings)
            .unwrap_or_else(|e| panic!("layout of {} failed:\n{e}", path.display()));
    let bytes = letterkit::render::pdf(
        &pages,
        &letterkit::render::PdfOptions { title: design.title.clone(), pdf_a, language: String::new() },
    )
    .unwrap_or_else(|e| panic!("render of {} failed:\n{e}", path.display()));
    let doc = PdfDoc::parse(&bytes);
    Rendered {
        pages,
        bytes,
        doc,
        title: design.title.clone(),
        warnings: warnings.0.iter().map(ToString::to_string).collect(),
    }
}

/// Writes `toml` as `design.toml` in `dir` and renders it.
pub fn render_toml(dir: &TempDir, toml: &str, extra: &[(&str, &str)]) -> Rendered {
    let path = dir.write("design.toml", toml);
    render_path(&path, extra, false)
}

/// A text line as layout placed it: the runs on one baseline of one page, joined.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutLine {
    /// 0-based page.
    pub page: usize,
    /// The runs' text, left to right.
    pub text: String,
    /// x of the first run's origin (points from the page's left edge).
    pub x: f32,
    /// The baseline (points from the page's top edge).
    pub y: f32,
    /// Font size of the first run.
    pub size: f32,
}

/// The text lines of laid-out pages, in reading order (top to bottom, left to right).
pub fn layout_lines(pages: &[letterkit::layout::Page]) -> Vec<LayoutLine> {
    use letterkit::layout::Item;
    let mut runs: Vec<(usize, f32, f32, f32, String)> = Vec::new();
    fn collect(items: &[Item], page: usize, out: &mut Vec<(usize, f32, f32, f32, String)>) {
        for item in items {
            match item {
                Item::Text(run) => out.push((page, run.y, run.x, run.size, run.text.clone())),
                Item::Group(g) => {
                    // Only translation groups are expected from plain designs.
                    let mut inner = Vec::new();
                    collect(&g.items, page, &mut inner);
                    for (p, y, x, s, t) in inner {
                        out.push((p, y + g.transform[5], x + g.transform[4], s, t));
                    }
                }
                _ => {}
            }
        }
    }
    for (i, page) in pages.iter().enumerate() {
        collect(&page.items, i, &mut runs);
    }
    runs.sort_by(|a, b| (a.0, a.1, a.2).partial_cmp(&(b.0, b.1, b.2)).expect("finite coordinates"));
    let mut lines: Vec<LayoutLine> = Vec::new();
    for (page, y, x, size, text) in runs {
        match lines.last_mut() {
            Some(l) if l.page == page && (l.y - y).abs() < 0.01 => l.text.push_str(&text),
            _ => lines.push(LayoutLine { page, text, x, y, size }),
        }
    }
    lines
}

/// Runs the real `letterkit` binary in `dir`.
pub fn letterkit(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_letterkit"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("letterkit runs")
}

// ---------------------------------------------------------------------------------------------
// Test pictures
// ---------------------------------------------------------------------------------------------

/// The CRC-32 PNG chunks carry.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &d in data {
        a = (a + u32::from(d)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = if data.is_empty() { vec![&[][..]] } else { data.chunks(65535).collect() };
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = chunk.len() as u16;
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend(*chunk);
    }
    out.extend(adler32(data).to_be_bytes());
    out
}

/// An RGB PNG, `width` x `height`, with a simple gradient (so it is not a flat colour).
pub fn png_rgb(width: u32, height: u32) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            raw.extend([(x * 255 / width.max(1)) as u8, (y * 255 / height.max(1)) as u8, 128]);
        }
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8; 4], data: &[u8]| {
        png.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        png.extend(&body);
        png.extend(crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit, truecolour, deflate, no filter, no interlace
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &zlib_stored(&raw));
    chunk(b"IEND", &[]);
    png
}

/// A baseline greyscale JPEG of mid-grey, `blocks_x` x `blocks_y` 8x8 blocks. Every block has
/// DC difference 0 and no AC coefficients, so one-symbol Huffman tables suffice.
pub fn jpeg_grey(blocks_x: u16, blocks_y: u16) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    // JFIF APP0.
    j.extend([0xFF, 0xE0, 0x00, 0x10]);
    j.extend(b"JFIF\0");
    j.extend([1, 1, 0, 0, 1, 0, 1, 0, 0]);
    // Quantisation table 0: all ones.
    j.extend([0xFF, 0xDB, 0x00, 0x43, 0x00]);
    j.extend([1u8; 64]);
    // Start of frame: 8-bit, height, width, one component (id 1, 1x1 sampling, table 0).
    let (w, h) = (blocks_x * 8, blocks_y * 8);
    j.extend([0xFF, 0xC0, 0x00, 0x0B, 0x08]);
    j.extend(h.to_be_bytes());
    j.extend(w.to_be_bytes());
    j.extend([0x01, 0x01, 0x11, 0x00]);
    // Huffman tables: DC 0 and AC 0, each one code of length 1 for symbol 0.
    for class in [0x00u8, 0x10] {
        j.extend([0xFF, 0xC4, 0x00, 0x14, class]);
        let mut counts = [0u8; 16];
        counts[0] = 1;
        j.extend(counts);
        j.push(0x00);
    }
    // Start of scan: one component, tables 0/0, full spectral range.
    j.extend([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    // Two bits ("0" DC category 0, "0" EOB) per block, padded with ones.
    let bits = usize::from(blocks_x) * usize::from(blocks_y) * 2;
    let mut data = vec![0u8; bits.div_ceil(8)];
    let pad = data.len() * 8 - bits;
    if pad > 0 {
        let last = data.len() - 1;
        data[last] = (1u8 << pad) - 1;
    }
    j.extend(data);
    j.extend([0xFF, 0xD9]);
    j
}

// ---------------------------------------------------------------------------------------------
// Reading PDFs
// ---------------------------------------------------------------------------------------------

/// A rectangle as written in the PDF: [x0, y0, x1, y1], y up.
pub type BoxPt = [f32; 4];

/// What a PDF reader sees in a file.
#[derive(Debug, Clone)]
pub struct PdfDoc {
    /// The pages in order.
    pub pages: Vec<PdfPage>,
    /// Every font the pages use (directly or in form XObjects), by object, in first use order.
    pub fonts: Vec<FontInfo>,
    /// Every image XObject drawn, by object, in first use order.
    pub images: Vec<ImageInfo>,
    /// Image XObjects in the whole file (soft masks not counted).
    pub image_objects_in_file: usize,
    /// The document information dictionary.
    pub info: DocInfo,
    /// The XMP metadata packet, if any.
    pub xmp: Option<String>,
}

/// One page.
#[derive(Debug, Clone)]
pub struct PdfPage {
    /// /MediaBox.
    pub media_box: BoxPt,
    /// /TrimBox, if written.
    pub trim_box: Option<BoxPt>,
    /// /BleedBox, if written.
    pub bleed_box: Option<BoxPt>,
    /// /CropBox, if written.
    pub crop_box: Option<BoxPt>,
    /// Pieces of text, in content-stream order.
    pub fragments: Vec<Fragment>,
    /// Text lines in reading order: fragments on one baseline, left to right.
    pub lines: Vec<TextLine>,
}

impl PdfPage {
    /// Width and height of the media box.
    pub fn size(&self) -> (f32, f32) {
        let b = self.media_box;
        (b[2] - b[0], b[3] - b[1])
    }

    /// The lines' text.
    pub fn texts(&self) -> Vec<String> {
        self.lines.iter().map(|l| l.text.clone()).collect()
    }
}

/// A piece of text shown by one text-showing operator (Tj, TJ, ', ").
#[derive(Debug, Clone)]
pub struct Fragment {
    /// The Unicode text, through the font's ToUnicode map (or the enclosing /ActualText).
    pub text: String,
    /// The text through ToUnicode alone, ignoring /ActualText.
    pub to_unicode_text: String,
    /// Whether the piece lies in a marked-content sequence with /ActualText.
    pub in_actual_text: bool,
    /// Origin of the first glyph, points from the page's top-left corner, y down.
    pub x: f32,
    /// Baseline of the first glyph, from the top edge.
    pub y: f32,
    /// Where the pen ends after the last glyph (x, from the left edge).
    pub x_end: f32,
    /// Effective font size in points (text size times the matrices' vertical scale).
    pub size: f32,
    /// The font's /BaseFont.
    pub font: String,
    /// Character codes that had no ToUnicode entry.
    pub unmapped: Vec<u32>,
}

/// A line of text as a reader assembles it.
#[derive(Debug, Clone)]
pub struct TextLine {
    /// The text.
    pub text: String,
    /// Origin of the first glyph, from the page's left edge.
    pub x: f32,
    /// The baseline, from the page's top edge.
    pub y: f32,
    /// Where the last glyph ends.
    pub x_end: f32,
    /// Size of the first fragment.
    pub size: f32,
    /// The fonts used, in order, without repeats.
    pub fonts: Vec<String>,
}

/// A font dictionary.
#[derive(Debug, Clone, PartialEq)]
pub struct FontInfo {
    /// /BaseFont of the font dictionary.
    pub base_font: String,
    /// /Subtype (Type0, TrueType, Type1, Type3).
    pub subtype: String,
    /// For Type0 fonts: the descendant's /Subtype (CIDFontType0 or CIDFontType2).
    pub descendant_subtype: Option<String>,
    /// /Encoding, when it is a name.
    pub encoding: Option<String>,
    /// Which font program is embedded: "FontFile", "FontFile2" or "FontFile3".
    pub font_file: Option<String>,
    /// /Subtype of a FontFile3 stream (e.g. OpenType, CIDFontType0C).
    pub font_file_subtype: Option<String>,
    /// Whether the font has a /ToUnicode CMap.
    pub to_unicode: bool,
    /// The six capital letters before `+` in the name of a subset font.
    pub subset_tag: Option<String>,
}

impl FontInfo {
    /// The name without the subset tag.
    pub fn plain_name(&self) -> &str {
        match &self.subset_tag {
            Some(_) => &self.base_font[7..],
            None => &self.base_font,
        }
    }
}

/// An image XObject.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageInfo {
    /// Object number.
    pub object: u32,
    /// /Width.
    pub width: u32,
    /// /Height.
    pub height: u32,
    /// /Filter names.
    pub filters: Vec<String>,
    /// The stream's bytes as stored (before decoding).
    pub raw: Vec<u8>,
    /// How many times a `Do` draws it, over all pages.
    pub draws: usize,
    /// The 0-based pages it is drawn on.
    pub pages: BTreeSet<usize>,
    /// Whether it has a soft mask (/SMask).
    pub has_smask: bool,
    /// Where each draw puts it: (page, [left, top, right, bottom]) in points from the page's
    /// top-left corner, y down.
    pub placements: Vec<(usize, [f32; 4])>,
}

/// The document information dictionary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocInfo {
    /// /Title, decoded.
    pub title: Option<String>,
    /// /Creator.
    pub creator: Option<String>,
    /// /Producer.
    pub producer: Option<String>,
    /// Whether the Info dictionary has a /CreationDate key (parsable or not).
    pub creation_date: bool,
    /// Whether it has a /ModDate key.
    pub mod_date: bool,
}

/// Decodes a PDF text string: UTF-16BE with a byte order mark, UTF-8 with one, or
/// PDFDocEncoding (here: Latin-1 plus the common punctuation of 0x80-0x9F).
pub fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> =
            rest.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes
        .iter()
        .map(|&b| match b {
            0x80 => '•',
            0x84 => '—',
            0x85 => '–',
            0x8D => '“',
            0x8E => '”',
            0x8F => '‘',
            0x90 => '’',
            0x91 => '‚',
            0x92 => '™',
            0xA0 => '€',
            _ => char::from(b),
        })
        .collect()
}

fn name_str(name: &Name<'_>) -> String {
    String::from_utf8_lossy(name.as_ref()).into_owned()
}

fn rect_of(dict: &Dict<'_>, key: &[u8]) -> Option<BoxPt> {
    let r = dict.get::<Rect>(key)?;
    Some([r.x0 as f32, r.y0 as f32, r.x1 as f32, r.y1 as f32])
}

/// A 2D affine matrix [a b c d e f] in PDF's row-vector convention.
type Matrix = [f64; 6];

const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m1 × m2`: first `m1`, then `m2`.
fn mul(m1: &Matrix, m2: &Matrix) -> Matrix {
    [
        m1[0] * m2[0] + m1[1] * m2[2],
        m1[0] * m2[1] + m1[1] * m2[3],
        m1[2] * m2[0] + m1[3] * m2[2],
        m1[2] * m2[1] + m1[3] * m2[3],
        m1[4] * m2[0] + m1[5] * m2[2] + m2[4],
        m1[4] * m2[1] + m1[5] * m2[3] + m2[5],
    ]
}

fn translate(tx: f64, ty: f64) -> Matrix {
    [1.0, 0.0, 0.0, 1.0, tx, ty]
}

/// What the text extractor needs from a font dictionary.
#[derive(Debug)]
struct FontRes {
    base_font: String,
    /// Bytes per character code.
    code_len: usize,
    /// Glyph widths in thousandths of the text size, by code.
    widths: HashMap<u32, f64>,
    default_width: f64,
    to_unicode: HashMap<u32, String>,
    has_to_unicode: bool,
}

impl FontRes {
    fn from_dict(dict: &Dict<'_>) -> FontRes {
        let subtype = dict.get::<Name>(b"Subtype").map(|n| name_str(&n)).unwrap_or_default();
        let base_font = dict.get::<Name>(b"BaseFont").map(|n| name_str(&n)).unwrap_or_default();
        let mut widths = HashMap::new();
        let mut default_width = 0.0;
        let mut code_len = 1;
        if subtype == "Type0" {
            code_len = 2;
            if let Some(cid) = dict.get::<Array>(b"DescendantFonts").and_then(|a| a.iter::<Dict>().next()) {
                default_width = cid.get::<f64>(b"DW").unwrap_or(1000.0);
                if let Some(w) = cid.get::<Array>(b"W") {
                    let items: Vec<Object> = w.iter::<Object>().collect();
                    let mut i = 0;
                    while i < items.len() {
                        let first = items[i].clone().into_number().map(|n| n.as_f64() as u32);
                        match (first, items.get(i + 1).cloned()) {
                            (Some(first), Some(Object::Array(list))) => {
                                for (k, width) in list.iter::<f64>().enumerate() {
                                    widths.insert(first + k as u32, width);
                                }
                                i += 2;
                            }
                            (Some(first), Some(Object::Number(last))) => {
                                let width = items.get(i + 2).cloned().and_then(|o| o.into_number());
                                if let Some(width) = width {
                                    for c in first..=last.as_f64() as u32 {
                                        widths.insert(c, width.as_f64());
                                    }
                                }
                                i += 3;
                            }
                            _ => break,
                        }
                    }
                }
            }
        } else {
            let first = dict.get::<f64>(b"FirstChar").unwrap_or(0.0) as u32;
            if let Some(list) = dict.get::<Array>(b"Widths") {
                for (k, width) in list.iter::<f64>().enumerate() {
                    widths.insert(first + k as u32, width);
                }
            }
        }
        let mut to_unicode = HashMap::new();
        let mut has_to_unicode = false;
        if let Some(stream) = dict.get::<Stream>(b"ToUnicode") {
            has_to_unicode = true;
            if let Ok(data) = stream.decoded_data() {
                let (map, len) = parse_to_unicode(&data);
                to_unicode = map;
                if let Some(len) = len {
                    code_len = len;
                }
            }
        }
        FontRes { base_font, code_len, widths, default_width, to_unicode, has_to_unicode }
    }

    fn width(&self, code: u32) -> f64 {
        self.widths.get(&code).copied().unwrap_or(self.default_width)
    }

    /// Splits a string operand into character codes.
    fn codes(&self, bytes: &[u8]) -> Vec<u32> {
        bytes
            .chunks(self.code_len)
            .map(|c| c.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
            .collect()
    }
}

/// Tokens of a CMap file, as far as bfchar/bfrange/codespacerange need.
#[derive(Debug, Clone, PartialEq)]
enum CmapToken {
    Hex(Vec<u8>),
    Open,
    Close,
    Word(String),
}

fn cmap_tokens(data: &[u8]) -> Vec<CmapToken> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let c = data[i];
        match c {
            b'%' => {
                while i < data.len() && data[i] != b'\n' && data[i] != b'\r' {
                    i += 1;
                }
            }
            b'<' if data.get(i + 1) == Some(&b'<') => i += 2,
            b'>' if data.get(i + 1) == Some(&b'>') => i += 2,
            b'<' => {
                let end = data[i..].iter().position(|&b| b == b'>').map_or(data.len(), |p| i + p);
                let digits: Vec<u8> = data[i + 1..end]
                    .iter()
                    .filter(|b| b.is_ascii_hexdigit())
                    .map(|&b| (b as char).to_digit(16).expect("hex digit") as u8)
                    .collect();
                let bytes = digits.chunks(2).map(|p| (p[0] << 4) | p.get(1).copied().unwrap_or(0)).collect();
                out.push(CmapToken::Hex(bytes));
                i = end + 1;
            }
            b'[' => {
                out.push(CmapToken::Open);
                i += 1;
            }
            b']' => {
                out.push(CmapToken::Close);
                i += 1;
            }
            b'(' => {
                // Literal strings (e.g. in CIDSystemInfo) are skipped, with nesting.
                let mut depth = 0;
                while i < data.len() {
                    match data[i] {
                        b'\\' => i += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            _ if c.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                while i < data.len() && !data[i].is_ascii_whitespace() && !b"<>[]()%/".contains(&data[i]) {
                    i += 1;
                }
                if i == start {
                    i += 1; // a lone `/` or other delimiter
                    continue;
                }
                out.push(CmapToken::Word(String::from_utf8_lossy(&data[start..i]).into_owned()));
            }
        }
    }
    out
}

fn utf16be(bytes: &[u8]) -> String {
    let units: Vec<u16> =
        bytes.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
    String::from_utf16_lossy(&units)
}

fn code_of(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
}

/// Parses a ToUnicode CMap: bfchar and bfrange (both destination forms). Returns the map and
/// the code length in bytes from the codespace range, if there is one.
pub fn parse_to_unicode(data: &[u8]) -> (HashMap<u32, String>, Option<usize>) {
    let tokens = cmap_tokens(data);
    let mut map = HashMap::new();
    let mut code_len = None;
    let mut i = 0;
    let word = |t: &CmapToken, w: &str| matches!(t, CmapToken::Word(x) if x == w);
    while i < tokens.len() {
        if word(&tokens[i], "begincodespacerange") {
            i += 1;
            while i + 1 < tokens.len() && !word(&tokens[i], "endcodespacerange") {
                if let CmapToken::Hex(lo) = &tokens[i] {
                    code_len = Some(lo.len());
                }
                i += 2;
            }
        } else if word(&tokens[i], "beginbfchar") {
            i += 1;
            while i + 1 < tokens.len() && !word(&tokens[i], "endbfchar") {
                if let (CmapToken::Hex(src), CmapToken::Hex(dst)) = (&tokens[i], &tokens[i + 1]) {
                    map.insert(code_of(src), utf16be(dst));
                }
                i += 2;
            }
        } else if word(&tokens[i], "beginbfrange") {
            i += 1;
            while i + 2 < tokens.len() && !word(&tokens[i], "endbfrange") {
                let (CmapToken::Hex(lo), CmapToken::Hex(hi)) = (&tokens[i], &tokens[i + 1]) else {
                    i += 1;
                    continue;
                };
                let (lo, hi) = (code_of(lo), code_of(hi));
                match &tokens[i + 2] {
                    CmapToken::Hex(dst) => {
                        let mut units: Vec<u16> = dst
                            .chunks(2)
                            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                            .collect();
                        for code in lo..=hi.min(lo + 0xFFFF) {
                            map.insert(code, String::from_utf16_lossy(&units));
                            if let Some(last) = units.last_mut() {
                                *last = last.wrapping_add(1);
                            }
                        }
                        i += 3;
                    }
                    CmapToken::Open => {
                        let mut j = i + 3;
                        let mut code = lo;
                        while j < tokens.len() && tokens[j] != CmapToken::Close {
                            if let CmapToken::Hex(dst) = &tokens[j] {
                                map.insert(code, utf16be(dst));
                                code += 1;
                            }
                            j += 1;
                        }
                        i = j + 1;
                    }
                    _ => i += 3,
                }
            }
        }
        i += 1;
    }
    (map, code_len)
}

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    font: Option<std::rc::Rc<FontRes>>,
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    h_scale: f64,
    leading: f64,
    rise: f64,
}

impl Default for GState {
    fn default() -> Self {
        GState {
            ctm: IDENTITY,
            font: None,
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            h_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
        }
    }
}

/// Interprets content streams of one page.
struct Interpreter<'p> {
    page_index: usize,
    /// Page space to top-left coordinates: media box x0 and y1.
    origin: (f64, f64),
    fonts: HashMap<ObjectIdentifier, std::rc::Rc<FontRes>>,
    font_order: &'p mut Vec<(ObjectIdentifier, FontInfo)>,
    images: &'p mut Vec<ImageInfo>,
    fragments: Vec<Fragment>,
    /// /ActualText of the enclosing marked content, and whether it was emitted yet.
    actual: Option<(String, bool)>,
    marked: Vec<bool>,
    depth: usize,
}

fn operand_f64(o: &Object<'_>) -> f64 {
    o.clone().into_number().map_or(0.0, |n| n.as_f64())
}

impl Interpreter<'_> {
    fn font(&mut self, resources: &Resources<'_>, name: &Name<'_>) -> Option<std::rc::Rc<FontRes>> {
        let dict = resources.fonts.get::<Dict>(name.as_ref())?;
        let id = resources
            .fonts
            .get_ref(name.as_ref())
            .map(ObjectIdentifier::from)
            .or_else(|| dict.obj_id())
            .unwrap_or(ObjectIdentifier::new(u32::MAX - self.fonts.len() as u32, 0));
        if let Some(f) = self.fonts.get(&id) {
            return Some(f.clone());
        }
        let res = std::rc::Rc::new(FontRes::from_dict(&dict));
        if !self.font_order.iter().any(|(i, _)| *i == id) {
            self.font_order.push((id, font_info(&dict)));
        }
        self.fonts.insert(id, res.clone());
        Some(res)
    }

    fn run(&mut self, data: &[u8], resources: &Resources<'_>, initial: GState) {
        self.depth += 1;
        if self.depth > 16 {
            self.depth -= 1;
            return;
        }
        let mut stack: Vec<GState> = Vec::new();
        let mut gs = initial;
        let mut tm = IDENTITY;
        let mut tlm = IDENTITY;
        let mut ops = UntypedIter::new(data);
        while let Some(instr) = ops.next() {
            let op: &[u8] = instr.operator;
            let args: Vec<Object> = instr.operands().cloned().collect();
            let num = |i: usize| args.get(i).map_or(0.0, operand_f64);
            match op {
                b"q" => stack.push(gs.clone()),
                b"Q" => {
                    if let Some(g) = stack.pop() {
                        gs = g;
                    }
                }
                b"cm" => {
                    let m = [num(0), num(1), num(2), num(3), num(4), num(5)];
                    gs.ctm = mul(&m, &gs.ctm);
                }
                b"BT" => {
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                b"ET" => {}
                b"Tf" => {
                    if let Some(Object::Name(name)) = args.first() {
                        gs.font = self.font(resources, name);
                    }
                    gs.size = num(1);
                }
                b"Tc" => gs.char_spacing = num(0),
                b"Tw" => gs.word_spacing = num(0),
                b"Tz" => gs.h_scale = num(0) / 100.0,
                b"TL" => gs.leading = num(0),
                b"Ts" => gs.rise = num(0),
                b"Tm" => {
                    tm = [num(0), num(1), num(2), num(3), num(4), num(5)];
                    tlm = tm;
                }
                b"Td" | b"TD" => {
                    if op == b"TD" {
                        gs.leading = -num(1);
                    }
                    tlm = mul(&translate(num(0), num(1)), &tlm);
                    tm = tlm;
                }
                b"T*" => {
                    tlm = mul(&translate(0.0, -gs.leading), &tlm);
                    tm = tlm;
                }
                b"Tj" | b"'" | b"\"" | b"TJ" => {
                    let mut items: Vec<Object> = args.clone();
                    if op == b"'" || op == b"\"" {
                        if op == b"\"" {
                            gs.word_spacing = num(0);
                            gs.char_spacing = num(1);
                            items = args.get(2).cloned().into_iter().collect();
                        }
                        tlm = mul(&translate(0.0, -gs.leading), &tlm);
                        tm = tlm;
                    }
                    if op == b"TJ" {
                        items = match args.first() {
                            Some(Object::Array(a)) => a.iter::<Object>().collect(),
                            _ => Vec::new(),
                        };
                    }
                    self.show(&gs, &mut tm, &items);
                }
                b"BDC" | b"BMC" => {
                    let mut actual = None;
                    if op == b"BDC" {
                        let props = match args.get(1) {
                            Some(Object::Dict(d)) => Some(d.clone()),
                            Some(Object::Name(n)) => resources.properties.get::<Dict>(n.as_ref()),
                            _ => None,
                        };
                        actual = props
                            .and_then(|p| p.get::<hayro::hayro_syntax::object::String>(b"ActualText"))
                            .map(|s| decode_text_string(s.as_bytes()));
                    }
                    let starts = actual.is_some() && self.actual.is_none();
                    if starts {
                        self.actual = actual.map(|a| (a, false));
                    }
                    self.marked.push(starts);
                }
                b"EMC" => self.end_marked_content(),
                b"Do" => {
                    let Some(Object::Name(name)) = args.first() else {
                        continue;
                    };
                    let Some(stream) = resources.x_objects.get::<Stream>(name.as_ref()) else {
                        continue;
                    };
                    let dict = stream.dict().clone();
                    let subtype = dict.get::<Name>(b"Subtype").map(|n| name_str(&n)).unwrap_or_default();
                    if subtype == "Image" {
                        self.count_image(&stream, &dict, &gs.ctm);
                    } else if subtype == "Form" {
                        let matrix = dict
                            .get::<Array>(b"Matrix")
                            .map(|a| a.iter::<f64>().collect::<Vec<_>>())
                            .filter(|m| m.len() == 6)
                            .map_or(IDENTITY, |m| [m[0], m[1], m[2], m[3], m[4], m[5]]);
                        let inner_resources =
                            dict.get::<Dict>(b"Resources").map_or_else(|| resources.clone(), Resources::new);
                        let mut inner = gs.clone();
                        inner.ctm = mul(&matrix, &gs.ctm);
                        if let Ok(content) = stream.decoded_data() {
                            let content = content.to_vec();
                            self.run(&content, &inner_resources, inner);
                        }
                    }
                }
                _ => {}
            }
        }
        self.depth -= 1;
    }

    /// Ends a marked-content sequence, and the /ActualText span it started, if any.
    fn end_marked_content(&mut self) {
        if self.marked.pop() == Some(true) {
            self.actual = None;
        }
    }

    fn count_image(&mut self, stream: &Stream<'_>, dict: &Dict<'_>, ctm: &Matrix) {
        // The image fills the unit square in its user space.
        let corners = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)].map(|(x, y)| {
            let m = mul(&translate(x, y), ctm);
            ((m[4] - self.origin.0) as f32, (self.origin.1 - m[5]) as f32)
        });
        let placement = (
            self.page_index,
            [
                corners.iter().map(|c| c.0).fold(f32::INFINITY, f32::min),
                corners.iter().map(|c| c.1).fold(f32::INFINITY, f32::min),
                corners.iter().map(|c| c.0).fold(f32::NEG_INFINITY, f32::max),
                corners.iter().map(|c| c.1).fold(f32::NEG_INFINITY, f32::max),
            ],
        );
        let object = stream.obj_id().obj_number;
        if let Some(info) = self.images.iter_mut().find(|i| i.object == object) {
            info.draws += 1;
            info.pages.insert(self.page_index);
            info.placements.push(placement);
            return;
        }
        let filters = match dict.get::<Object>(b"Filter") {
            Some(Object::Name(n)) => vec![name_str(&n)],
            Some(Object::Array(a)) => a.iter::<Name>().map(|n| name_str(&n)).collect(),
            _ => Vec::new(),
        };
        self.images.push(ImageInfo {
            object,
            width: dict.get::<f64>(b"Width").unwrap_or(0.0) as u32,
            height: dict.get::<f64>(b"Height").unwrap_or(0.0) as u32,
            filters,
            raw: stream.raw_data().to_vec(),
            draws: 1,
            pages: BTreeSet::from([self.page_index]),
            has_smask: dict.contains_key(b"SMask"),
            placements: vec![placement],
        });
    }

    /// Shows strings (and TJ adjustments), advancing the text matrix.
    fn show(&mut self, gs: &GState, tm: &mut Matrix, items: &[Object<'_>]) {
        let Some(font) = gs.font.clone() else { return };
        let start = self.device_point(gs, tm);
        let mut to_unicode_text = String::new();
        let mut unmapped = Vec::new();
        // A TJ adjustment wider than 0.15 em between two glyphs reads as a space, as readers do.
        let mut gap = false;
        for item in items {
            match item {
                Object::String(s) => {
                    for code in font.codes(s.as_bytes()) {
                        let text = font.to_unicode.get(&code);
                        if std::mem::take(&mut gap)
                            && !to_unicode_text.is_empty()
                            && !to_unicode_text.ends_with(' ')
                            && !text.is_some_and(|t| t.starts_with(' '))
                        {
                            to_unicode_text.push(' ');
                        }
                        match text {
                            Some(t) => to_unicode_text.push_str(t),
                            None => {
                                unmapped.push(code);
                                to_unicode_text.push('\u{FFFD}');
                            }
                        }
                        let mut tx = font.width(code) / 1000.0 * gs.size + gs.char_spacing;
                        if font.code_len == 1 && code == 32 {
                            tx += gs.word_spacing;
                        }
                        *tm = mul(&translate(tx * gs.h_scale, 0.0), tm);
                    }
                }
                Object::Number(n) => {
                    gap |= -n.as_f64() > 150.0;
                    let tx = -n.as_f64() / 1000.0 * gs.size * gs.h_scale;
                    *tm = mul(&translate(tx, 0.0), tm);
                }
                _ => {}
            }
        }
        let end = self.device_point(gs, tm);
        let combined = mul(tm, &gs.ctm);
        let size = gs.size * (combined[2] * combined[2] + combined[3] * combined[3]).sqrt();
        let (text, in_actual_text) = match &mut self.actual {
            Some((actual, emitted)) => {
                let t = if *emitted { String::new() } else { actual.clone() };
                *emitted = true;
                (t, true)
            }
            None => (to_unicode_text.clone(), false),
        };
        self.fragments.push(Fragment {
            text,
            to_unicode_text,
            in_actual_text,
            x: start.0,
            y: start.1,
            x_end: end.0,
            size: size as f32,
            font: font.base_font.clone(),
            unmapped,
        });
    }

    /// The current text origin (with rise) in top-left page coordinates.
    fn device_point(&self, gs: &GState, tm: &Matrix) -> (f32, f32) {
        let m = mul(&mul(&translate(0.0, gs.rise), tm), &gs.ctm);
        ((m[4] - self.origin.0) as f32, (self.origin.1 - m[5]) as f32)
    }
}

fn font_info(dict: &Dict<'_>) -> FontInfo {
    let name = |d: &Dict<'_>, key: &[u8]| d.get::<Name>(key).map(|n| name_str(&n));
    let base_font = name(dict, b"BaseFont").unwrap_or_default();
    let subtype = name(dict, b"Subtype").unwrap_or_default();
    let descendant = dict.get::<Array>(b"DescendantFonts").and_then(|a| a.iter::<Dict>().next());
    let descriptor = descendant.as_ref().unwrap_or(dict).get::<Dict>(b"FontDescriptor");
    let mut font_file = None;
    let mut font_file_subtype = None;
    if let Some(d) = &descriptor {
        for key in ["FontFile", "FontFile2", "FontFile3"] {
            if let Some(s) = d.get::<Stream>(key.as_bytes()) {
                font_file = Some(key.to_string());
                font_file_subtype = s.dict().get::<Name>(b"Subtype").map(|n| name_str(&n));
            }
        }
    }
    let subset_tag = base_font
        .split_once('+')
        .map(|(tag, _)| tag)
        .filter(|tag| tag.len() == 6 && tag.bytes().all(|b| b.is_ascii_uppercase()))
        .map(str::to_string);
    FontInfo {
        base_font,
        subtype,
        descendant_subtype: descendant.as_ref().and_then(|d| name(d, b"Subtype")),
        encoding: name(dict, b"Encoding"),
        font_file,
        font_file_subtype,
        to_unicode: dict.contains_key(b"ToUnicode"),
        subset_tag,
    }
}

/// Assembles fragments into lines: the same baseline (within 0.5 pt) and touching or close
/// (a gap of more than 0.15 em becomes a space; more than 3 em starts another line).
fn assemble_lines(fragments: &[Fragment]) -> Vec<TextLine> {
    // A span's text comes with its first fragment; the rest (say, a raised mark, shown with
    // a text rise) add nothing to read.
    let mut sorted: Vec<&Fragment> = fragments.iter().filter(|f| !f.text.is_empty()).collect();
    // Stable sort by baseline, then x; fragments within 0.5 pt of a baseline share a line.
    sorted.sort_by(|a, b| a.y.partial_cmp(&b.y).expect("finite"));
    let mut rows: Vec<Vec<&Fragment>> = Vec::new();
    for f in sorted {
        match rows.last_mut() {
            Some(row) if (row[0].y - f.y).abs() <= 0.5 => row.push(f),
            _ => rows.push(vec![f]),
        }
    }
    let mut lines = Vec::new();
    for mut row in rows {
        row.sort_by(|a, b| a.x.partial_cmp(&b.x).expect("finite"));
        let mut current: Option<TextLine> = None;
        for f in row {
            if let Some(line) = &mut current {
                let gap = f.x - line.x_end;
                if gap > 3.0 * f.size {
                    lines.push(current.take().expect("line"));
                } else {
                    if gap > 0.15 * f.size && !line.text.ends_with(' ') && !f.text.starts_with(' ') {
                        line.text.push(' ');
                    }
                    line.text.push_str(&f.text);
                    line.x_end = line.x_end.max(f.x_end);
                    if !line.fonts.contains(&f.font) {
                        line.fonts.push(f.font.clone());
                    }
                    continue;
                }
            }
            current = Some(TextLine {
                text: f.text.clone(),
                x: f.x,
                y: f.y,
                x_end: f.x_end,
                size: f.size,
                fonts: vec![f.font.clone()],
            });
        }
        lines.extend(current);
    }
    lines
}

impl PdfDoc {
    /// Parses a PDF; panics with a message if a reader could not open it.
    pub fn parse(bytes: &[u8]) -> PdfDoc {
        let pdf = Pdf::new(bytes.to_vec()).unwrap_or_else(|e| panic!("not a readable PDF: {e:?}"));
        let mut fonts = Vec::new();
        let mut images = Vec::new();
        let mut pages = Vec::new();
        for (index, page) in pdf.pages().iter().enumerate() {
            let raw = page.raw();
            let media_box = rect_of(raw, b"MediaBox").unwrap_or_else(|| {
                let r = page.media_box();
                [r.x0 as f32, r.y0 as f32, r.x1 as f32, r.y1 as f32]
            });
            let mut interpreter = Interpreter {
                page_index: index,
                origin: (f64::from(media_box[0]), f64::from(media_box[3])),
                fonts: HashMap::new(),
                font_order: &mut fonts,
                images: &mut images,
                fragments: Vec::new(),
                actual: None,
                marked: Vec::new(),
                depth: 0,
            };
            if let Some(content) = page.page_stream() {
                let content = content.to_vec();
                interpreter.run(&content, page.resources(), GState::default());
            }
            let fragments = interpreter.fragments;
            pages.push(PdfPage {
                media_box,
                trim_box: rect_of(raw, b"TrimBox"),
                bleed_box: rect_of(raw, b"BleedBox"),
                crop_box: rect_of(raw, b"CropBox"),
                lines: assemble_lines(&fragments),
                fragments,
            });
        }

        let mut info = DocInfo::default();
        let mut xmp = None;
        let mut smasks = BTreeSet::new();
        let mut image_streams = BTreeSet::new();
        for object in pdf.objects() {
            match object {
                Object::Stream(s) => {
                    let d = s.dict();
                    if let Some(r) = d.get_ref(b"SMask") {
                        smasks.insert(r.obj_number);
                    }
                    let subtype = d.get::<Name>(b"Subtype").map(|n| name_str(&n));
                    if subtype.as_deref() == Some("Image") {
                        image_streams.insert(s.obj_id().obj_number);
                    }
                }
                Object::Dict(_) => {}
                _ => {}
            }
        }
        let catalog = pdf.xref().get::<Dict>(pdf.xref().root_id());
        if let Some(meta) = catalog.as_ref().and_then(|c| c.get::<Stream>(b"Metadata"))
            && let Ok(data) = meta.decoded_data()
        {
            xmp = Some(String::from_utf8_lossy(&data).into_owned());
        }
        // The Info dictionary: hayro reads it from the trailer; look for its keys too, so an
        // unparsable date still counts as present.
        let m = pdf.metadata();
        info.title = m.title.as_deref().map(decode_text_string);
        info.creator = m.creator.as_deref().map(decode_text_string);
        info.producer = m.producer.as_deref().map(decode_text_string);
        info.creation_date = m.creation_date.is_some();
        info.mod_date = m.modification_date.is_some();
        for object in pdf.objects() {
            if let Object::Dict(d) = object
                && (d.contains_key(b"Producer") || d.contains_key(b"Creator"))
                && !d.contains_key(b"Type")
            {
                info.creation_date |= d.contains_key(b"CreationDate");
                info.mod_date |= d.contains_key(b"ModDate");
            }
        }
        PdfDoc {
            pages,
            fonts: fonts.into_iter().map(|(_, f)| f).collect(),
            images,
            image_objects_in_file: image_streams.difference(&smasks).count(),
            info,
            xmp,
        }
    }

    /// The text of every page's lines.
    pub fn texts(&self) -> Vec<Vec<String>> {
        self.pages.iter().map(PdfPage::texts).collect()
    }

    /// All lines of all pages with their 0-based page.
    pub fn all_lines(&self) -> Vec<(usize, &TextLine)> {
        self.pages.iter().enumerate().flat_map(|(i, p)| p.lines.iter().map(move |l| (i, l))).collect()
    }
}

/// Whether `haystack` contains `needle`.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `s` as a TOML basic string, with every non-ASCII or special character escaped, so a test
/// can hold exact code points (combining marks, invisible characters) without ambiguity.
pub fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            ' '..='~' if c != '"' && c != '\\' => out.push(c),
            _ => out.push_str(&format!("\\U{:08X}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------------------------
// PDF/A: the metadata stream, the output intents and the information dictionary's dates
// ---------------------------------------------------------------------------------------------

/// What PDF/A-2b (ISO 19005-2) asks of a file's catalog, as a reader finds it.
#[derive(Debug, Clone, Default)]
pub struct Archival {
    /// The catalog's /Metadata stream, if any.
    pub metadata: Option<MetadataStream>,
    /// The catalog's /OutputIntents, in order.
    pub intents: Vec<OutputIntent>,
    /// The information dictionary's /CreationDate, as (year, month, day, hour, minute, second).
    pub creation_date: Option<(u16, u8, u8, u8, u8, u8)>,
    /// Its /ModDate.
    pub mod_date: Option<(u16, u8, u8, u8, u8, u8)>,
}

/// A /Metadata stream.
#[derive(Debug, Clone, Default)]
pub struct MetadataStream {
    /// Its dictionary's /Type.
    pub kind: Option<String>,
    /// Its dictionary's /Subtype.
    pub subtype: Option<String>,
    /// The names of its filters (none when it is stored uncompressed).
    pub filters: Vec<String>,
    /// The bytes as stored in the file.
    pub raw: Vec<u8>,
}

/// One output intent dictionary.
#[derive(Debug, Clone, Default)]
pub struct OutputIntent {
    /// /Type.
    pub kind: Option<String>,
    /// /S, the subtype (GTS_PDFA1 for PDF/A).
    pub subtype: Option<String>,
    /// /OutputConditionIdentifier.
    pub condition: Option<String>,
    /// /N of the /DestOutputProfile stream: the profile's number of colour components.
    pub profile_components: Option<i32>,
    /// The /DestOutputProfile ICC profile, decoded.
    pub profile: Option<Vec<u8>>,
}

impl Archival {
    /// Reads the parts of `bytes` PDF/A is about.
    pub fn read(bytes: &[u8]) -> Archival {
        let pdf = Pdf::new(bytes.to_vec()).unwrap_or_else(|e| panic!("not a readable PDF: {e:?}"));
        let catalog = pdf.xref().get::<Dict>(pdf.xref().root_id()).expect("a catalog");
        let name = |d: &Dict, key: &[u8]| d.get::<Name>(key).map(|n| name_str(&n));
        let text = |d: &Dict, key: &[u8]| {
            d.get::<hayro::hayro_syntax::object::String>(key).map(|s| decode_text_string(s.as_bytes()))
        };
        let metadata = catalog.get::<Stream>(b"Metadata").map(|s| MetadataStream {
            kind: name(s.dict(), b"Type"),
            subtype: name(s.dict(), b"Subtype"),
            filters: match s.dict().get::<Object>(b"Filter") {
                Some(Object::Name(n)) => vec![name_str(&n)],
                Some(Object::Array(a)) => a.iter::<Name>().map(|n| name_str(&n)).collect(),
                _ => Vec::new(),
            },
            raw: s.raw_data().to_vec(),
        });
        let intents = catalog
            .get::<Array>(b"OutputIntents")
            .map(|a| {
                a.iter::<Dict>()
                    .map(|d| {
                        let profile = d.get::<Stream>(b"DestOutputProfile");
                        OutputIntent {
                            kind: name(&d, b"Type"),
                            subtype: name(&d, b"S"),
                            condition: text(&d, b"OutputConditionIdentifier"),
                            profile_components: profile.as_ref().and_then(|p| p.dict().get::<i32>(b"N")),
                            profile: profile.and_then(|p| p.decoded().ok().map(|d| d.to_vec())),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let m = pdf.metadata();
        let date =
            |d: &hayro::hayro_syntax::object::DateTime| (d.year, d.month, d.day, d.hour, d.minute, d.second);
        Archival {
            metadata,
            intents,
            creation_date: m.creation_date.as_ref().map(date),
            mod_date: m.modification_date.as_ref().map(date),
        }
    }
}

/// Whether every line of `block` reads back from `lines`: whole, or as consecutive lines that
/// join with spaces into it (a line broken where an address may be).
pub fn reads_back(lines: &[String], block: &str) -> Result<(), String> {
    for want in block.lines() {
        let found = (0..lines.len()).any(|i| {
            let mut joined = String::new();
            for line in &lines[i..] {
                if !joined.is_empty() {
                    joined.push(' ');
                }
                joined.push_str(line);
                if joined == want {
                    return true;
                }
                if !want.starts_with(&joined) {
                    return false;
                }
            }
            false
        });
        if !found {
            return Err(format!("{want:?} does not read back from {lines:?}"));
        }
    }
    Ok(())
}

/// `jpeg` with an EXIF segment saying how to turn it (TIFF tag 274), as phones write it.
pub fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01".to_vec();
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0, 0, 0, 0, 0]);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
    segment.extend(b"Exif\0\0");
    segment.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend(segment);
    out.extend(&jpeg[2..]);
    out
}

/// Runs `.ci/check_envelopes.py` on `pdf` and asserts it passes; its report, or `None` (with a
/// note) when python3 or poppler is not installed.
pub fn check_envelopes_py(pdf: &std::path::Path) -> Option<String> {
    let tools = ["python3", "pdftotext", "pdfinfo"];
    if let Some(missing) = tools.iter().find(|t| std::process::Command::new(t).arg("-v").output().is_err()) {
        eprintln!("note: {missing} is not installed; the USPS zone check of the envelopes is skipped");
        return None;
    }
    let check = std::process::Command::new("python3")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/check_envelopes.py"))
        .arg(pdf)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(check.status.success(), "{report}{}", String::from_utf8_lossy(&check.stderr));
    Some(report)
}
