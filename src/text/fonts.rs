//! Fonts: the bundled families, fonts a design adds, coverage checks, fallback and shaping.
//!
//! When no bundled family has a character, [`fallback`] finds a font that has it (in a
//! campaign's `[fonts]`, the `--font-path` folders, then the installed fonts) before anything is
//! laid out, and adds it to the book, so layout itself never reads a file.

pub mod fallback;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use skrifa::MetadataProvider;

use crate::base::diag::{Diagnostic, Result};

/// Index of a face in its [`FontBook`].
pub type FaceId = usize;

/// The bundled families: design name, full name, and the files for regular, italic, bold, bold italic.
struct Bundled {
    name: &'static str,
    full_name: &'static str,
    regular: &'static [u8],
    italic: Option<&'static [u8]>,
    bold: Option<&'static [u8]>,
    bold_italic: Option<&'static [u8]>,
}

const BUNDLED: &[Bundled] = &[
    Bundled {
        name: "serif",
        full_name: "Charis SIL",
        regular: include_bytes!("../../fonts/charis-sil/CharisSIL-Regular.ttf"),
        italic: Some(include_bytes!("../../fonts/charis-sil/CharisSIL-Italic.ttf")),
        bold: Some(include_bytes!("../../fonts/charis-sil/CharisSIL-Bold.ttf")),
        bold_italic: Some(include_bytes!("../../fonts/charis-sil/CharisSIL-BoldItalic.ttf")),
    },
    Bundled {
        name: "sans",
        full_name: "Lato",
        regular: include_bytes!("../../fonts/lato/Lato-Regular.ttf"),
        italic: Some(include_bytes!("../../fonts/lato/Lato-Italic.ttf")),
        bold: Some(include_bytes!("../../fonts/lato/Lato-Bold.ttf")),
        bold_italic: Some(include_bytes!("../../fonts/lato/Lato-BoldItalic.ttf")),
    },
    Bundled {
        name: "script",
        full_name: "Kaushan Script",
        regular: include_bytes!("../../fonts/kaushan-script/KaushanScript-Regular.otf"),
        italic: None,
        bold: None,
        bold_italic: None,
    },
];

/// Font bytes: bundled in the binary or read from a file a design names.
#[derive(Clone)]
enum FontData {
    Static(&'static [u8]),
    Owned(Arc<Vec<u8>>),
}

impl FontData {
    fn bytes(&self) -> &[u8] {
        match self {
            FontData::Static(b) => b,
            FontData::Owned(b) => b,
        }
    }
}

/// Vertical metrics, as fractions of the font size.
#[derive(Debug, Clone, Copy)]
pub struct VMetrics {
    /// Height above the baseline (positive).
    pub ascent: f32,
    /// Depth below the baseline (positive).
    pub descent: f32,
}

/// Most shaped texts one face remembers: memory stays bounded however many unique names a
/// national campaign has.
const MAX_CACHED_SHAPES: usize = 32_768;

/// One face of a font file, with what layout needs from it.
pub struct Face {
    /// The family name designs use.
    pub family: String,
    /// Whether this is the bold member of its family.
    pub bold: bool,
    /// Whether this is the italic member of its family.
    pub italic: bool,
    /// The PostScript or full name, for messages.
    pub name: String,
    /// Vertical metrics.
    pub metrics: VMetrics,
    data: FontData,
    /// The face's index in its file (0 unless the file is a `.ttc`/`.otc` collection).
    index: u32,
    units_per_em: f32,
    shaper_data: harfrust::ShaperData,
    coverage: OnceLock<Vec<u32>>,
    shape_cache: Mutex<HashMap<Box<str>, Arc<Shaped>>>,
    /// Shaping plans by direction and script: building one costs a third of shaping a word.
    plans: Mutex<Vec<Arc<harfrust::ShapePlan>>>,
    /// Whether any text was set in the face, for saying which fallback fonts a kit used.
    used: std::sync::atomic::AtomicBool,
}

impl Face {
    fn parse(
        family: &str,
        bold: bool,
        italic: bool,
        data: FontData,
        index: u32,
    ) -> std::result::Result<Face, String> {
        let font =
            skrifa::FontRef::from_index(data.bytes(), index).map_err(|e| format!("not a font file ({e})"))?;
        let metrics =
            font.metrics(skrifa::instance::Size::unscaled(), skrifa::instance::LocationRef::default());
        let upem = f32::from(metrics.units_per_em.max(1));
        let name = font
            .localized_strings(skrifa::string::StringId::FULL_NAME)
            .english_or_first()
            .map(|s| s.to_string())
            .unwrap_or_else(|| family.to_string());
        let shaper_font = harfrust::FontRef::from_index(data.bytes(), index)
            .map_err(|e| format!("not a font file ({e})"))?;
        Ok(Face {
            family: family.to_string(),
            bold,
            italic,
            name,
            metrics: VMetrics { ascent: metrics.ascent / upem, descent: -metrics.descent / upem },
            units_per_em: upem,
            shaper_data: harfrust::ShaperData::new(&shaper_font),
            coverage: OnceLock::new(),
            shape_cache: Mutex::default(),
            plans: Mutex::default(),
            used: std::sync::atomic::AtomicBool::new(false),
            data,
            index,
        })
    }

    /// Whether the font has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        let coverage = self.coverage.get_or_init(|| {
            let mut cps: Vec<u32> =
                self.font().map(|f| f.charmap().mappings().map(|(cp, _)| cp).collect()).unwrap_or_default();
            cps.sort_unstable();
            cps.dedup();
            cps
        });
        coverage.binary_search(&u32::from(c)).is_ok()
    }

    /// The font file's bytes (the whole file: for a collection, every face's).
    pub fn data(&self) -> &[u8] {
        self.data.bytes()
    }

    /// The face's index in its file: 0, or its place in a `.ttc`/`.otc` collection.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The face, read from its file's bytes.
    pub fn font(&self) -> std::result::Result<skrifa::FontRef<'_>, skrifa::raw::ReadError> {
        skrifa::FontRef::from_index(self.data.bytes(), self.index)
    }

    /// Shapes `text` with kerning and ligatures, reusing an earlier result for the same text.
    pub fn shape(&self, text: &str) -> Arc<Shaped> {
        self.used.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(hit) = self.shape_cache.lock().expect("shape cache").get(text) {
            return hit.clone();
        }
        let shaped = Arc::new(self.shape_uncached(text, None));
        // Words recur early (a kit's paragraphs, its common names); what keeps coming new (piece
        // numbers, addresses) is not worth holding once the cache is full.
        let mut cache = self.shape_cache.lock().expect("shape cache");
        if cache.len() < MAX_CACHED_SHAPES {
            cache.insert(text.into(), shaped.clone());
        }
        shaped
    }

    /// Shapes `text` in the direction the bidirectional algorithm gave its run (right to left
    /// with mirrored brackets, or left to right even for Arabic digits), cached apart from
    /// [`Face::shape`]'s guessed direction.
    pub fn shape_directed(&self, text: &str, rtl: bool) -> Arc<Shaped> {
        self.used.store(true, std::sync::atomic::Ordering::Relaxed);
        // No text starts with NUL: no font covers it, so the paragraph fails before shaping.
        let key = format!("\0{}{text}", if rtl { 'R' } else { 'L' });
        if let Some(hit) = self.shape_cache.lock().expect("shape cache").get(key.as_str()) {
            return hit.clone();
        }
        let direction = if rtl { harfrust::Direction::RightToLeft } else { harfrust::Direction::LeftToRight };
        let shaped = Arc::new(self.shape_uncached(text, Some(direction)));
        let mut cache = self.shape_cache.lock().expect("shape cache");
        if cache.len() < MAX_CACHED_SHAPES {
            cache.insert(key.into(), shaped.clone());
        }
        shaped
    }

    /// The shaping plan for a buffer's direction, script and language, made once per face.
    fn plan(&self, shaper: &harfrust::Shaper, buffer: &harfrust::UnicodeBuffer) -> Arc<harfrust::ShapePlan> {
        let script = Some(buffer.script()).filter(|&s| s != harfrust::script::UNKNOWN);
        let (direction, language) = (buffer.direction(), buffer.language());
        let matches = |p: &harfrust::ShapePlan| {
            p.direction() == direction && p.script() == script && p.language() == language.as_ref()
        };
        if let Some(plan) = self.plans.lock().expect("plans").iter().find(|p| matches(p)) {
            return plan.clone();
        }
        let plan = Arc::new(harfrust::ShapePlan::new(shaper, direction, script, language.as_ref(), &[]));
        self.plans.lock().expect("plans").push(plan.clone());
        plan
    }

    /// Shapes `text` in `direction`, or the one its script has; advances and offsets are in ems.
    fn shape_uncached(&self, text: &str, direction: Option<harfrust::Direction>) -> Shaped {
        let font = harfrust::FontRef::from_index(self.data.bytes(), self.index)
            .expect("the face was parsed when it was added");
        let shaper = self.shaper_data.shaper(&font).build();
        let mut buffer = harfrust::UnicodeBuffer::new();
        buffer.push_str(text);
        if let Some(direction) = direction {
            buffer.set_direction(direction);
        }
        buffer.guess_segment_properties();
        let plan = self.plan(&shaper, &buffer);
        let output = shaper.shape(buffer, harfrust::ShapeOptions::new().plan(Some(&plan)));
        let scale = 1.0 / self.units_per_em;
        let glyphs = output
            .glyph_infos()
            .iter()
            .zip(output.glyph_positions())
            .map(|(info, pos)| ShapedGlyph {
                id: info.glyph_id as u16,
                advance: pos.x_advance as f32 * scale,
                x_offset: pos.x_offset as f32 * scale,
                y_offset: pos.y_offset as f32 * scale,
                cluster: info.cluster,
            })
            .collect();
        Shaped { glyphs }
    }
}

/// A shaped piece of text in one face.
#[derive(Debug, Clone)]
pub struct Shaped {
    /// The glyphs in visual order (left to right).
    pub glyphs: Vec<ShapedGlyph>,
}

impl Shaped {
    /// The total advance in ems.
    pub fn advance(&self) -> f32 {
        self.glyphs.iter().map(|g| g.advance).sum()
    }
}

/// One shaped glyph; lengths in ems (multiply by the font size for points).
#[derive(Debug, Clone, Copy)]
pub struct ShapedGlyph {
    /// Glyph id in the face.
    pub id: u16,
    /// Horizontal advance.
    pub advance: f32,
    /// Horizontal offset from the pen position.
    pub x_offset: f32,
    /// Vertical offset (up is positive, as in the font).
    pub y_offset: f32,
    /// Byte offset in the shaped text where this glyph's cluster starts.
    pub cluster: u32,
}

/// The styles of one family.
#[derive(Debug, Clone, Default)]
struct Family {
    name: String,
    full_name: String,
    regular: Option<FaceId>,
    italic: Option<FaceId>,
    bold: Option<FaceId>,
    bold_italic: Option<FaceId>,
    /// Added by the design itself: a campaign's family of the same name does not replace it.
    own: bool,
}

/// A family's faces, read once and shared by every book it is added to (a campaign's family
/// goes into each of its designs, a fallback font into every book of a kit), so each PDF
/// embeds it once.
#[derive(Clone)]
pub struct SharedFamily {
    /// The name designs use (`font = "..."`).
    pub name: String,
    /// The font's own name, for messages.
    pub full_name: String,
    /// The faces by style: regular, italic, bold, bold italic.
    faces: [Option<Arc<Face>>; 4],
    /// The file and face index of each style, in the same order.
    files: [Option<(std::path::PathBuf, u32)>; 4],
}

impl SharedFamily {
    /// Reads a family from font files (TTF, OTF, or a face of a TTC/OTC collection); a bad
    /// file is an error naming it.
    pub fn load(name: &str, files: &FamilyFiles) -> Result<SharedFamily> {
        let styled = [&files.regular, &files.italic, &files.bold, &files.bold_italic]
            .map(|f| f.as_ref().map(|path| (path.clone(), 0)));
        SharedFamily::load_faces(name, styled, None)
    }

    /// Reads a family whose styles are faces of font files: `(file, face index)` for regular,
    /// italic, bold and bold italic. A file two styles share (a collection) is read once. A
    /// large font taken `only` for some characters has only their glyphs checked
    /// ([`crate::input::font::verify_face`]).
    pub fn load_faces(
        name: &str,
        files: [Option<(std::path::PathBuf, u32)>; 4],
        only: Option<&std::collections::BTreeSet<char>>,
    ) -> Result<SharedFamily> {
        SharedFamily::read_faces(name, files, only).map_err(|(_, e)| e)
    }

    /// [`SharedFamily::load_faces`], with the file that failed when one does.
    fn read_faces(
        name: &str,
        files: [Option<(std::path::PathBuf, u32)>; 4],
        only: Option<&std::collections::BTreeSet<char>>,
    ) -> std::result::Result<SharedFamily, (std::path::PathBuf, crate::base::diag::Error)> {
        let mut family =
            SharedFamily { name: name.into(), full_name: name.into(), faces: Default::default(), files };
        let mut read: Vec<(std::path::PathBuf, Arc<Vec<u8>>)> = Vec::new();
        for (slot, (bold, italic)) in STYLES.into_iter().enumerate() {
            let Some((path, index)) = family.files[slot].clone() else { continue };
            let bytes = match read.iter().find(|(p, _)| *p == path) {
                Some((_, bytes)) => bytes.clone(),
                None => {
                    let bytes = Arc::new(read_font_file(&path).map_err(|e| (path.clone(), e))?);
                    read.push((path.clone(), bytes.clone()));
                    bytes
                }
            };
            let failed = |d: Diagnostic| (path.clone(), crate::base::diag::Error::from(d));
            crate::input::font::verify_face(&bytes, index, only).map_err(|e| {
                failed(Diagnostic::error(format!("font {} is damaged: {e}", path.display())).code(
                    if e.contains("cannot be embedded") || e.contains("CFF2") {
                        "input.font-embed"
                    } else {
                        "input.damaged-font"
                    },
                ))
            })?;
            let face = Face::parse(name, bold, italic, FontData::Owned(bytes), index)
                .map_err(|e| failed(Diagnostic::error(format!("{}: {e}", path.display()))))?;
            if slot == 0 {
                family.full_name = face.name.clone();
            }
            family.faces[slot] = Some(Arc::new(face));
        }
        Ok(family)
    }

    /// The faces of the family that text was set in so far (file and face index), each once,
    /// in style order (regular first).
    pub fn files_used(&self) -> Vec<(&std::path::Path, u32)> {
        let mut files: Vec<(&std::path::Path, u32)> = Vec::new();
        for (face, file) in self.faces.iter().zip(&self.files) {
            let (Some(face), Some((path, index))) = (face, file) else { continue };
            let used = face.used.load(std::sync::atomic::Ordering::Relaxed);
            if used && !files.contains(&(path.as_path(), *index)) {
                files.push((path, *index));
            }
        }
        files
    }

    /// Whether the family's regular face (or, without one, its first) has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.faces.iter().flatten().next().is_some_and(|f| f.covers(c))
    }
}

/// The styles in the order families list them: (bold, italic).
const STYLES: [(bool, bool); 4] = [(false, false), (false, true), (true, false), (true, true)];

/// Font files a design adds for one family, by style.
#[derive(Debug, Clone, Default)]
pub struct FamilyFiles {
    /// The upright, regular-weight file.
    pub regular: Option<std::path::PathBuf>,
    /// The italic file.
    pub italic: Option<std::path::PathBuf>,
    /// The bold file.
    pub bold: Option<std::path::PathBuf>,
    /// The bold italic file.
    pub bold_italic: Option<std::path::PathBuf>,
}

/// All the faces a job can use: the bundled families and any a design adds.
///
/// Faces are shared: the bundled ones are parsed once per process, and each face caches its
/// shaping results, so a word that appears on a thousand letters is shaped once.
#[derive(Clone)]
pub struct FontBook {
    faces: Vec<Arc<Face>>,
    families: Vec<Family>,
    /// Paragraphs set before, by [`crate::text`]'s key; shared by clones of this book.
    paragraphs: Arc<Mutex<HashMap<String, Arc<Vec<crate::text::SetLine>>>>>,
    /// The families to fall back on, in order: the bundled ones (even when a design reuses
    /// one of their names), then a campaign's, then fonts found in font folders.
    fallback: Vec<Family>,
    /// Where fallback fonts were looked for, for the message when none has a character.
    searched: fallback::Searched,
}

/// The bundled faces and families, parsed once per process.
fn bundled_book() -> &'static FontBook {
    static BOOK: OnceLock<FontBook> = OnceLock::new();
    BOOK.get_or_init(|| {
        let mut book = FontBook {
            faces: Vec::new(),
            families: Vec::new(),
            fallback: Vec::new(),
            paragraphs: Arc::default(),
            searched: fallback::Searched::default(),
        };
        for b in BUNDLED {
            let mut family =
                Family { name: b.name.into(), full_name: b.full_name.into(), ..Family::default() };
            let styles = [
                (Some(b.regular), false, false),
                (b.italic, false, true),
                (b.bold, true, false),
                (b.bold_italic, true, true),
            ];
            for (data, bold, italic) in styles {
                if let Some(data) = data {
                    let face = Face::parse(b.name, bold, italic, FontData::Static(data), 0)
                        .expect("bundled fonts parse");
                    *family.slot(bold, italic) = Some(book.faces.len());
                    book.faces.push(Arc::new(face));
                }
            }
            book.families.push(family);
        }
        book.fallback = book.families.clone();
        book
    })
}

impl FontBook {
    /// A book with the bundled families: `serif` (Charis SIL), `sans` (Lato), `script` (Kaushan Script).
    pub fn bundled() -> FontBook {
        // A fresh paragraph cache: a design may give a bundled family's name to its own font.
        FontBook { paragraphs: Arc::default(), ..bundled_book().clone() }
    }

    /// Most paragraphs one book remembers (a kit's letters share a few dozen).
    const MAX_CACHED_PARAGRAPHS: usize = 4096;

    /// A paragraph set before with the same key.
    pub(crate) fn cached_paragraph(&self, key: &str) -> Option<Arc<Vec<crate::text::SetLine>>> {
        self.paragraphs.lock().expect("paragraph cache").get(key).cloned()
    }

    /// Remembers a set paragraph, while there is room.
    pub(crate) fn cache_paragraph(&self, key: String, lines: Vec<crate::text::SetLine>) {
        let mut cache = self.paragraphs.lock().expect("paragraph cache");
        if cache.len() < Self::MAX_CACHED_PARAGRAPHS {
            cache.insert(key, Arc::new(lines));
        }
    }

    /// Adds a family from font files (TTF or OTF); a bad file is an error naming it.
    pub fn add_family(&mut self, name: &str, files: &FamilyFiles) -> Result<()> {
        let family = self.push_faces(&SharedFamily::load(name, files)?, true);
        self.families.retain(|f| f.name != name);
        self.families.push(family);
        self.paragraphs = Arc::default();
        Ok(())
    }

    /// Adds a campaign's family: it replaces a bundled family of its name (not a family the
    /// design adds itself), and after the bundled families it is a fallback for characters
    /// they lack.
    pub fn add_campaign_family(&mut self, shared: &SharedFamily) {
        let family = self.push_faces(shared, false);
        if !self.families.iter().any(|f| f.own && f.name.eq_ignore_ascii_case(&shared.name)) {
            self.families.retain(|f| !f.name.eq_ignore_ascii_case(&shared.name));
            self.families.push(family.clone());
        }
        self.fallback.push(family);
        self.paragraphs = Arc::default();
    }

    /// Adds a fallback family for characters no family before it has (found by [`fallback`]).
    pub fn add_fallback(&mut self, shared: &SharedFamily) {
        let family = self.push_faces(shared, false);
        self.fallback.push(family);
        self.paragraphs = Arc::default();
    }

    /// Puts a shared family's faces into the book (each face once: a book that has it already
    /// reuses it) and returns the family that names them.
    fn push_faces(&mut self, shared: &SharedFamily, own: bool) -> Family {
        let mut family = Family {
            name: shared.name.clone(),
            full_name: shared.full_name.clone(),
            own,
            ..Family::default()
        };
        for (face, (bold, italic)) in shared.faces.iter().zip(STYLES) {
            let Some(face) = face else { continue };
            let id = match self.faces.iter().position(|f| Arc::ptr_eq(f, face)) {
                Some(id) => id,
                None => {
                    self.faces.push(face.clone());
                    self.faces.len() - 1
                }
            };
            *family.slot(bold, italic) = Some(id);
        }
        family
    }

    /// Whether some style of the families this book falls back on lacks `c`: a character that
    /// needs a font from further away ([`fallback`]). Spaces and characters that draw nothing
    /// need none.
    pub fn lacks(&self, c: char) -> bool {
        needs_glyph(c)
            && STYLES.iter().any(|&(bold, italic)| {
                !self.fallback.iter().filter_map(|f| f.pick(bold, italic)).any(|id| self.faces[id].covers(c))
            })
    }

    /// The face for a family and style; a missing style falls back to the nearest one present.
    pub fn select(&self, family: &str, bold: bool, italic: bool) -> Option<FaceId> {
        self.families
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(family) || f.full_name.eq_ignore_ascii_case(family))?
            .pick(bold, italic)
    }

    /// Whether `family` names a family in the book (short or full name).
    pub fn has_family(&self, family: &str) -> bool {
        self.select(family, false, false).is_some()
    }

    /// The family names designs can use.
    pub fn family_names(&self) -> impl Iterator<Item = &str> {
        self.families.iter().map(|f| f.name.as_str())
    }

    /// One line per family for `letterkit fonts`: name, full name, styles.
    pub fn describe(&self) -> Vec<String> {
        self.families
            .iter()
            .map(|f| {
                let styles: Vec<&str> = [
                    (f.regular, "regular"),
                    (f.italic, "italic"),
                    (f.bold, "bold"),
                    (f.bold_italic, "bold italic"),
                ]
                .into_iter()
                .filter_map(|(id, n)| id.map(|_| n))
                .collect();
                format!("{:<8} {:<16} {}", f.name, f.full_name, styles.join(", "))
            })
            .collect()
    }

    /// A face by id.
    pub fn face(&self, id: FaceId) -> &Arc<Face> {
        &self.faces[id]
    }

    /// The message and hint for a character no face of the book has, in `text` (a text of the
    /// family `family`): the character, its code point, the line of the text it is in, where
    /// letterkit looked, and what to install.
    pub fn missing_glyph(&self, c: char, family: &str, text: &str) -> (String, String) {
        let message = format!(
            "no font has the character `{}` (U+{:04X}) in \"{}\"; the text's font is `{family}`, and letterkit looked in {}",
            c.escape_debug(),
            u32::from(c),
            fallback::excerpt(text, c),
            self.searched.describe()
        );
        (message, fallback::install_hint(c, &self.searched))
    }

    /// The face to draw `c` with: `primary` if it has the glyph, else the same style of the
    /// bundled families in order (serif, sans, script), then of the fallback families added
    /// ([`FontBook::add_campaign_family`], [`FontBook::add_fallback`]); `None` when no face has it.
    pub fn face_for(&self, primary: FaceId, c: char) -> Option<FaceId> {
        if self.faces[primary].covers(c) {
            return Some(primary);
        }
        let (bold, italic) = (self.faces[primary].bold, self.faces[primary].italic);
        self.fallback.iter().filter_map(|f| f.pick(bold, italic)).find(|&id| self.faces[id].covers(c))
    }

    /// Shapes `text` in a face (cached in the face).
    pub fn shape(&self, face: FaceId, text: &str) -> Arc<Shaped> {
        self.faces[face].shape(text)
    }

    /// Shapes `text` in a face in a given direction ([`Face::shape_directed`]).
    pub fn shape_directed(&self, face: FaceId, text: &str, rtl: bool) -> Arc<Shaped> {
        self.faces[face].shape_directed(text, rtl)
    }
}

impl Family {
    /// The face for a style; a missing style falls back to the nearest one present.
    fn pick(&self, bold: bool, italic: bool) -> Option<FaceId> {
        let order = match (bold, italic) {
            (false, false) => [self.regular, self.bold, self.italic, self.bold_italic],
            (false, true) => [self.italic, self.regular, self.bold_italic, self.bold],
            (true, false) => [self.bold, self.regular, self.bold_italic, self.italic],
            (true, true) => [self.bold_italic, self.bold, self.italic, self.regular],
        };
        order.into_iter().flatten().next()
    }

    fn slot(&mut self, bold: bool, italic: bool) -> &mut Option<FaceId> {
        match (bold, italic) {
            (false, false) => &mut self.regular,
            (false, true) => &mut self.italic,
            (true, false) => &mut self.bold,
            (true, true) => &mut self.bold_italic,
        }
    }
}

/// Whether `c` is drawn with a glyph: not a space, line break, control character or a
/// character that draws nothing (soft hyphen, zero-width and direction marks, joiners).
pub fn needs_glyph(c: char) -> bool {
    !(c.is_control() || c == ' ' || default_ignorable(c))
}

/// Whether `c` is a default-ignorable code point (Unicode's DerivedCoreProperties.txt,
/// Default_Ignorable_Code_Point), which shaping shows with a blank glyph or none.
pub fn default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{34F}'
            | '\u{61C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

fn read_font_file(path: &Path) -> Result<Vec<u8>> {
    Ok(crate::input::read_limited(path, crate::input::limits::MAX_FONT_BYTES, "font")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_families_cover_names_from_many_languages() {
        let book = FontBook::bundled();
        let serif = book.select("serif", false, false).unwrap();
        for c in "Nguyễn Łukasiewicz O’Brien Zoë Şahin €".chars() {
            assert!(book.face(serif).covers(c), "serif lacks {c}");
        }
        assert!(!book.face(serif).covers('中'));
        assert_eq!(book.face_for(serif, '中'), None);
    }

    #[test]
    fn missing_styles_fall_back_and_script_falls_back_per_character() {
        let book = FontBook::bundled();
        let script_bold = book.select("script", true, false).unwrap();
        assert_eq!(book.face(script_bold).family, "script");
        assert!(book.select("Charis SIL", true, true).is_some());
        assert!(book.select("nope", false, false).is_none());
    }

    #[test]
    fn shaping_kerns_and_caches() {
        let book = FontBook::bundled();
        let serif = book.select("sans", false, false).unwrap();
        let av = book.shape(serif, "AV").advance();
        let a = book.shape(serif, "A").advance();
        let v = book.shape(serif, "V").advance();
        assert!(av < a + v, "AV should kern: {av} vs {}", a + v);
        assert!(Arc::ptr_eq(&book.shape(serif, "AV"), &book.shape(serif, "AV")));
    }
}
