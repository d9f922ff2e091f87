//! The PDF writer: pages go to the output as they are added (encoded and compressed on every
//! core), fonts are subset and written at the end, so memory does not grow with the page count.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use pdf_writer::{Chunk, Finish, Name, Rect as PdfRect, Ref, Str, TextStr};
use rayon::prelude::*;

use super::archival::{self, Day};
use super::content::{self, Resources};
use super::font::FontEmbed;
use super::image::image_objects;
use crate::base::diag::{Diagnostic, Result};
use crate::base::units::{Color, Rect};
use crate::layout::{Item, Page, Picture};

/// How to write the PDF.
#[derive(Debug, Clone, Default)]
pub struct PdfOptions {
    /// Title in the document's metadata.
    pub title: String,
    /// Write PDF/A-2b (archival).
    pub pdf_a: bool,
    /// The document's language, an IETF tag such as `es-MX`: the catalog's `/Lang`, and
    /// `dc:language` in PDF/A. Empty is English, `en`.
    pub language: String,
}

impl PdfOptions {
    /// The document's language tag as written: `en` when none is given.
    fn language(&self) -> &str {
        if self.language.is_empty() { "en" } else { &self.language }
    }
}

/// Writes pages as one PDF in memory. Same pages, same bytes: no clock time, a content-derived ID.
pub fn pdf<'a>(pages: impl IntoIterator<Item = &'a Page>, options: &PdfOptions) -> Result<Vec<u8>> {
    let mut writer = PdfWriter::new(Vec::new(), "the PDF", options)?;
    for page in pages {
        writer.add(page.clone())?;
    }
    writer.finish()
}

/// Pages encoded together: enough to keep every core busy, few enough to keep memory flat.
/// Measured on rayon's pool with the party-kit bench at N = 2000 (4,500 pages, 2 cores under
/// a load of 6 to 7, medians of 5): 64 pages 0.76 s CPU / 51 MB, 128 0.69-0.73 s / 52 MB, 256
/// 0.71-0.72 s / 55 MB, 512 0.73 s / 66 MB, 1024 0.72 s / 82 MB; the wall times differed by
/// less than the machine's noise. CPU is flat from 128 up and memory grows past 256.
const BATCH: usize = 256;

/// Page objects under one node of the page tree (PDF readers may limit arrays to 8191
/// elements, ISO 32000-1 annex C; a two-level tree keeps every `/Kids` array short).
const PAGES_PER_NODE: usize = 1024;

/// How hard page content is compressed. Measured on the party-kit bench at N = 2000 (4,500
/// pages): zlib level 6 makes 6.05 MB for 0.69 s of CPU; level 3 makes 6.15 MB in the same
/// time; level 1 makes 7.96 MB (+32 %) for 0.55 s (-20 %). Smaller files win.
const CONTENT_COMPRESSION: u32 = 6;

/// A PDF being written page by page to `W` (a file, or memory).
pub struct PdfWriter<W: Write> {
    out: Output<W>,
    options: PdfOptions,
    /// Byte offset of each object, by object number - 1 (`None` until it is written).
    offsets: Vec<Option<u64>>,
    next_ref: i32,
    /// The root of the page tree.
    page_tree: Ref,
    /// The resource dictionary every page shares.
    resources: Ref,
    /// Page-tree nodes, each with its pages.
    nodes: Vec<(Ref, Vec<Ref>)>,
    pages: usize,
    /// Fonts in resource order.
    fonts: Vec<FontEmbed>,
    /// Font number by the face's address (each `FontEmbed` holds its face, so the address stays taken).
    font_index: HashMap<usize, usize>,
    /// Picture objects in resource order, with the picture each embeds.
    images: Vec<(Ref, Arc<Picture>)>,
    /// Picture number by the picture's address.
    image_index: HashMap<usize, usize>,
    /// Picture number by a fingerprint of its bytes.
    image_by_content: HashMap<String, usize>,
    /// Every picture whose address is a key.
    kept: Vec<Arc<Picture>>,
    /// Pages added but not yet written.
    pending: Vec<Page>,
}

impl<W: Write> PdfWriter<W> {
    /// Starts a document; `label` names the output in messages ("letters.pdf").
    pub fn new(sink: W, label: &str, options: &PdfOptions) -> Result<PdfWriter<W>> {
        let mut writer = PdfWriter {
            out: Output { sink, written: 0, fingerprint: Fingerprint::default(), label: label.to_string() },
            options: options.clone(),
            // Objects 1 and 2, written last.
            offsets: vec![None, None],
            next_ref: 3,
            page_tree: Ref::new(1),
            resources: Ref::new(2),
            nodes: Vec::new(),
            pages: 0,
            fonts: Vec::new(),
            font_index: HashMap::new(),
            images: Vec::new(),
            image_index: HashMap::new(),
            image_by_content: HashMap::new(),
            kept: Vec::new(),
            pending: Vec::new(),
        };
        // ISO 32000-1 7.5.2: a comment of four bytes above 127 marks the file as binary
        // (required by PDF/A, ISO 19005-2 6.1.2).
        writer.out.write(b"%PDF-1.7\n%\x80\x80\x80\x80\n")?;
        Ok(writer)
    }

    /// Adds a page at the end.
    pub fn add(&mut self, page: Page) -> Result<()> {
        if page.width <= 0.0 || page.height <= 0.0 || !page.width.is_finite() || !page.height.is_finite() {
            return Err(Diagnostic::error("a page has no area").into());
        }
        self.pending.push(page);
        self.pages += 1;
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// How many pages were added so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Writes the pages waiting in the batch: fonts and pictures are registered in page order
    /// (so numbering is the same on every run), then pages are encoded and compressed on every
    /// core, then written in order.
    fn flush(&mut self) -> Result<()> {
        let pages = std::mem::take(&mut self.pending);
        for page in &pages {
            self.register(&page.items)?;
        }
        let mut refs = Vec::with_capacity(pages.len());
        for _ in &pages {
            if self.nodes.last().is_none_or(|(_, kids)| kids.len() >= PAGES_PER_NODE) {
                let node = self.alloc();
                self.nodes.push((node, Vec::new()));
            }
            let (page_ref, content_ref) = (self.alloc(), self.alloc());
            let (node, kids) = self.nodes.last_mut().expect("a node was just made");
            kids.push(page_ref);
            refs.push((page_ref, content_ref, *node));
        }
        let resources =
            Resources { fonts: &self.fonts, font_index: &self.font_index, image_index: &self.image_index };
        let shared = self.resources;
        // rayon's pool: each worker makes one compressor and reuses it for the pages it takes;
        // `collect` keeps page order.
        let encoded: Vec<(Chunk, Chunk)> = pages
            .into_par_iter()
            .zip(&refs)
            .map_init(
                || Deflater::new(CONTENT_COMPRESSION),
                |deflater, (page, &(page_ref, content_ref, parent))| {
                    let stream = deflater.compress(&content::encode(&page, &resources));
                    let mut content_chunk = Chunk::new();
                    content_chunk.stream(content_ref, &stream).filter(pdf_writer::Filter::FlateDecode);
                    let mut page_chunk = Chunk::new();
                    let mut pdf_page = page_chunk.page(page_ref);
                    pdf_page
                        .parent(parent)
                        .media_box(PdfRect::new(0.0, 0.0, page.width, page.height))
                        .trim_box(pdf_rect(page.trim, page.height))
                        .contents(content_ref);
                    if let Some(bleed) = page.bleed {
                        pdf_page.bleed_box(pdf_rect(bleed, page.height));
                    }
                    pdf_page.pair(Name(b"Resources"), shared);
                    pdf_page.finish();
                    (content_chunk, page_chunk)
                },
            )
            .collect();
        for ((page_ref, content_ref, _), (content_chunk, page_chunk)) in refs.into_iter().zip(encoded) {
            self.object(content_ref, &content_chunk)?;
            self.object(page_ref, &page_chunk)?;
        }
        Ok(())
    }

    /// Registers the fonts, glyphs and pictures a page uses; pictures are written at once.
    fn register(&mut self, items: &[Item]) -> Result<()> {
        for item in items {
            match item {
                Item::Text(run) => {
                    if self.options.pdf_a {
                        refuse_cmyk_in_pdf_a(run.color)?;
                    }
                    let key = Arc::as_ptr(&run.face) as usize;
                    let index = match self.font_index.get(&key) {
                        Some(&i) => i,
                        None => {
                            self.fonts.push(FontEmbed::new(run.face.clone()));
                            self.font_index.insert(key, self.fonts.len() - 1);
                            self.fonts.len() - 1
                        }
                    };
                    self.fonts[index].register(run);
                }
                Item::Shape(shape) => {
                    if self.options.pdf_a {
                        for color in shape.paint.fill.iter().chain(shape.paint.stroke.iter().map(|s| &s.0)) {
                            refuse_cmyk_in_pdf_a(*color)?;
                        }
                    }
                }
                Item::Image(image) => {
                    let key = Arc::as_ptr(&image.picture) as usize;
                    if !self.image_index.contains_key(&key) {
                        // The same bytes (another file, or another load of the same one) are
                        // embedded once.
                        let mut fingerprint = Fingerprint::default();
                        fingerprint.add(&image.picture.data);
                        let content = fingerprint.hex();
                        let index = match self.image_by_content.get(&content) {
                            Some(&index) if self.images[index].1.data == image.picture.data => index,
                            _ => {
                                let id = self.alloc();
                                let objects =
                                    image_objects(&image.picture, id, self.options.pdf_a, &mut || {
                                        self.alloc()
                                    })?;
                                self.objects(objects)?;
                                self.images.push((id, image.picture.clone()));
                                self.image_by_content.insert(content, self.images.len() - 1);
                                self.images.len() - 1
                            }
                        };
                        self.image_index.insert(key, index);
                        // Held so that no other picture takes its address while it is a key.
                        self.kept.push(image.picture.clone());
                    }
                }
                Item::Group(group) => self.register(&group.items)?,
            }
        }
        Ok(())
    }

    /// Finishes the document: fonts subset and embedded, page tree, catalog, cross-reference
    /// table. Returns the sink.
    pub fn finish(mut self) -> Result<W> {
        self.flush()?;
        if self.pages == 0 {
            return Err(Diagnostic::error("there are no pages to write").into());
        }
        // Fonts, subset to the glyphs the pages use.
        let mut font_refs = Vec::new();
        for font in std::mem::take(&mut self.fonts) {
            let type0 = self.alloc();
            let objects = font.objects(type0, &mut || self.alloc()).map_err(Diagnostic::error)?;
            self.objects(objects)?;
            font_refs.push(type0);
        }
        // One resource dictionary for every page: each font and picture once.
        let mut chunk = Chunk::new();
        {
            let mut dict = chunk.indirect(self.resources).dict();
            let mut fonts = dict.insert(Name(b"Font")).dict();
            for (i, font) in font_refs.iter().enumerate() {
                fonts.pair(Name(content::font_name(i).as_bytes()), *font);
            }
            fonts.finish();
            let mut objects = dict.insert(Name(b"XObject")).dict();
            for (i, (image, _)) in self.images.iter().enumerate() {
                objects.pair(Name(content::image_name(i).as_bytes()), *image);
            }
        }
        self.object(self.resources, &chunk)?;
        // The page tree: a root over nodes of up to PAGES_PER_NODE pages.
        let nodes = std::mem::take(&mut self.nodes);
        for (node, kids) in &nodes {
            let mut chunk = Chunk::new();
            chunk.pages(*node).parent(self.page_tree).kids(kids.iter().copied()).count(kids.len() as i32);
            self.object(*node, &chunk)?;
        }
        let mut chunk = Chunk::new();
        chunk.pages(self.page_tree).kids(nodes.iter().map(|(node, _)| *node)).count(self.pages as i32);
        self.object(self.page_tree, &chunk)?;

        // Everything above, and the title and conformance written below, identify the document.
        let mut identity = self.out.fingerprint;
        identity.add(self.options.title.as_bytes());
        identity.add(&[u8::from(self.options.pdf_a)]);
        let id = identity.hex();
        let creator = format!("letterkit {}", env!("CARGO_PKG_VERSION"));
        let day = self.options.pdf_a.then(Day::for_pdf_a);
        // In PDF/A the information dictionary's title is the XMP's, which XML limits.
        let title = if self.options.pdf_a {
            archival::xml_chars(&self.options.title)
        } else {
            self.options.title.clone()
        };
        let mut chunk = Chunk::new();
        let info = self.alloc();
        {
            let mut doc = chunk.indirect(info).start::<pdf_writer::writers::DocumentInfo>();
            doc.title(TextStr(&title)).creator(TextStr(&creator)).producer(TextStr(&creator));
            if let Some(day) = day {
                // The same day as the XMP's xmp:CreateDate and xmp:ModifyDate (ISO 19005-2 6.6.2.3.1).
                doc.pair(Name(b"CreationDate"), Str(day.pdf_string().as_bytes()));
                doc.pair(Name(b"ModDate"), Str(day.pdf_string().as_bytes()));
            }
        }
        self.object(info, &chunk)?;
        let catalog = self.alloc();
        let archive = if let Some(day) = day {
            // ISO 19005-2 6.2.3: an output intent with an embedded ICC profile; 6.6.2: XMP
            // metadata declaring the conformance, matching the information dictionary.
            let (profile, metadata) = (self.alloc(), self.alloc());
            let icc = compress(archival::SRGB_ICC_PROFILE, 9);
            let mut chunk = Chunk::new();
            chunk
                .icc_profile(profile, &icc)
                .n(3)
                .range([0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
                .filter(pdf_writer::Filter::FlateDecode);
            self.object(profile, &chunk)?;
            let xmp = archival::xmp_packet(&archival::XmpInfo {
                title: &title,
                creator_tool: &creator,
                producer: &creator,
                created: day,
                language: self.options.language(),
                document_id: &id,
                instance_id: &id,
            });
            let mut chunk = Chunk::new();
            chunk.metadata(metadata, xmp.as_bytes());
            self.object(metadata, &chunk)?;
            Some((profile, metadata))
        } else {
            None
        };
        let mut chunk = Chunk::new();
        {
            let mut cat = chunk.indirect(catalog).start::<pdf_writer::writers::Catalog>();
            cat.pages(self.page_tree);
            cat.lang(TextStr(self.options.language()));
            if let Some((profile, metadata)) = archive {
                cat.metadata(metadata);
                let mut intents = cat.insert(Name(b"OutputIntents")).array();
                let mut intent = intents.push().dict();
                intent
                    .pair(Name(b"Type"), Name(b"OutputIntent"))
                    .pair(Name(b"S"), Name(b"GTS_PDFA1"))
                    .pair(Name(b"OutputConditionIdentifier"), TextStr("sRGB IEC61966-2.1"))
                    .pair(Name(b"Info"), TextStr("sRGB IEC61966-2.1"))
                    .pair(Name(b"DestOutputProfile"), profile);
            }
        }
        self.object(catalog, &chunk)?;
        self.trailer(catalog, info, &id)?;
        self.out.sink.flush().map_err(|e| self.out.failed(&e))?;
        Ok(self.out.sink)
    }

    /// The cross-reference table and trailer (ISO 32000-1 7.5.4, 7.5.5).
    fn trailer(&mut self, catalog: Ref, info: Ref, id: &str) -> Result<()> {
        let start = self.out.written;
        let mut table = format!("xref\n0 {}\n0000000000 65535 f\r\n", self.offsets.len() + 1).into_bytes();
        for (i, offset) in self.offsets.iter().enumerate() {
            let offset = offset.ok_or_else(|| {
                Diagnostic::error(format!("internal error: PDF object {} was never written", i + 1))
            })?;
            table.extend_from_slice(format!("{offset:010} 00000 n\r\n").as_bytes());
        }
        table.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root {} 0 R /Info {} 0 R /ID [<{id}> <{id}>] >>\nstartxref\n{start}\n%%EOF\n",
                self.offsets.len() + 1,
                catalog.get(),
                info.get(),
            )
            .as_bytes(),
        );
        self.out.write(&table)
    }

    /// A new object number.
    fn alloc(&mut self) -> Ref {
        let id = Ref::new(self.next_ref);
        self.next_ref += 1;
        self.offsets.push(None);
        id
    }

    /// Writes a chunk holding exactly one object, `id`.
    fn object(&mut self, id: Ref, chunk: &Chunk) -> Result<()> {
        self.offsets[id.get() as usize - 1] = Some(self.out.written);
        self.out.write(chunk.as_bytes())
    }

    /// Writes objects, each a chunk of its own.
    fn objects(&mut self, objects: Vec<(Ref, Chunk)>) -> Result<()> {
        for (id, chunk) in objects {
            self.object(id, &chunk)?;
        }
        Ok(())
    }
}

/// PDF/A-2b with the sRGB output intent cannot carry device CMYK (ISO 19005-2 6.2.4.3).
fn refuse_cmyk_in_pdf_a(color: Color) -> Result<()> {
    match color {
        Color::Cmyk(..) => Err(Diagnostic::error(
            "cannot write PDF/A-2b: it has CMYK colours, which PDF/A only allows with an embedded CMYK profile; use #rrggbb colours",
        )
        .into()),
        Color::Rgb(..) => Ok(()),
    }
}

/// A rectangle in layout coordinates (top-left origin) as a PDF box (bottom-left origin).
fn pdf_rect(r: Rect, page_height: f32) -> PdfRect {
    PdfRect::new(r.x, page_height - r.y - r.height, r.x + r.width, page_height - r.y)
}

/// zlib-compresses `data` (FlateDecode, ISO 32000-1 7.4.4).
pub(super) fn compress(data: &[u8], level: u32) -> Vec<u8> {
    Deflater::new(level).compress(data)
}

/// A zlib compressor kept for many streams: making one costs more than compressing a page.
struct Deflater(flate2::Compress);

impl Deflater {
    fn new(level: u32) -> Deflater {
        Deflater(flate2::Compress::new(flate2::Compression::new(level), true))
    }

    fn compress(&mut self, data: &[u8]) -> Vec<u8> {
        self.0.reset();
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        loop {
            let read = self.0.total_in() as usize;
            let status = self
                .0
                .compress_vec(&data[read..], &mut out, flate2::FlushCompress::Finish)
                .expect("compressing in memory does not fail");
            if status == flate2::Status::StreamEnd {
                return out;
            }
            out.reserve(out.capacity().max(64));
        }
    }
}

/// The sink with a byte count (for offsets) and a fingerprint of everything written (the ID).
struct Output<W> {
    sink: W,
    written: u64,
    fingerprint: Fingerprint,
    label: String,
}

impl<W: Write> Output<W> {
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.sink.write_all(bytes).map_err(|e| self.failed(&e))?;
        self.written += bytes.len() as u64;
        self.fingerprint.add(bytes);
        Ok(())
    }

    fn failed(&self, e: &std::io::Error) -> crate::base::diag::Error {
        Diagnostic::error(format!("cannot write {}: {e}", self.label)).into()
    }
}

/// A 128-bit fingerprint of a byte stream, for the document ID (ISO 32000-1 14.4): the same
/// bytes give the same ID on every machine and run.
#[derive(Clone, Copy)]
struct Fingerprint {
    a: u64,
    b: u64,
    length: u64,
}

impl Default for Fingerprint {
    fn default() -> Fingerprint {
        Fingerprint { a: 0x243F_6A88_85A3_08D3, b: 0x1319_8A2E_0370_7344, length: 0 }
    }
}

impl Fingerprint {
    fn add(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.mix(u64::from_le_bytes(word.try_into().expect("eight bytes")));
        }
        for &byte in words.remainder() {
            self.mix(u64::from(byte) | 0x100);
        }
        self.length += bytes.len() as u64;
    }

    fn mix(&mut self, word: u64) {
        self.a = (self.a ^ word).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
        self.b = (self.b ^ word ^ self.a).wrapping_mul(0xC2B2_AE3D_27D4_EB4F).rotate_left(31);
    }

    /// The fingerprint as 32 hex digits.
    fn hex(&self) -> String {
        let mut done = *self;
        done.mix(self.length);
        done.mix(0x5851_F42D_4C95_7F2D);
        format!("{:016x}{:016x}", done.a, done.b)
    }
}
