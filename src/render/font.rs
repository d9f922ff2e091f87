//! Fonts in the PDF: each face used becomes a Type 0 font with Identity-H encoding, its glyphs
//! numbered in order of first use, subset to those glyphs, with widths and a ToUnicode map.

use std::sync::Arc;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Chunk, Filter, Finish, Name, Rect, Ref, Str};
use skrifa::MetadataProvider;
use skrifa::raw::TableProvider;

use super::pdf::compress;
use crate::layout::TextRun;
use crate::text::fonts::{Face, default_ignorable};

/// One face as the PDF embeds it. CIDs are the glyph numbers in the subset font, so content
/// can be written before the subset is made (subsetter numbers glyphs in the order given).
pub(super) struct FontEmbed {
    face: Arc<Face>,
    /// CID of each glyph id used so far (0 for unused; glyph 0, .notdef, is CID 0).
    cids: Vec<u16>,
    remapper: subsetter::GlyphRemapper,
    /// Advance of each CID in thousandths of an em, as the font's `hmtx` gives it.
    widths: Vec<f32>,
    /// The text each CID stands for, for the ToUnicode map.
    unicode: Vec<Option<Box<str>>>,
}

impl FontEmbed {
    pub(super) fn new(face: Arc<Face>) -> FontEmbed {
        let notdef_width = glyph_width(&face, 0);
        FontEmbed {
            face,
            cids: Vec::new(),
            remapper: subsetter::GlyphRemapper::new(),
            widths: vec![notdef_width],
            unicode: vec![None],
        }
    }

    /// The CID of a glyph registered before.
    pub(super) fn cid(&self, glyph: u16) -> u16 {
        self.cids.get(usize::from(glyph)).copied().unwrap_or(0)
    }

    /// A CID's advance in thousandths of an em.
    pub(super) fn width(&self, cid: u16) -> f32 {
        self.widths.get(usize::from(cid)).copied().unwrap_or(0.0)
    }

    /// Whether the ToUnicode map gives `text` for `cid`.
    pub(super) fn maps_to(&self, cid: u16, text: &str) -> bool {
        self.unicode.get(usize::from(cid)).and_then(|t| t.as_deref()) == Some(text)
    }

    /// Numbers the run's new glyphs and records the text of each glyph that stands alone for
    /// its cluster (the first text seen wins; content marks any other use with ActualText).
    pub(super) fn register(&mut self, run: &TextRun) {
        let glyphs = &run.glyphs;
        for (i, g) in glyphs.iter().enumerate() {
            let mut cid = self.cid(g.id);
            if cid == 0 && g.id != 0 {
                // First use decides the number, so numbering follows page order.
                cid = self.remapper.remap(g.id);
                let slot = usize::from(g.id);
                if self.cids.len() <= slot {
                    self.cids.resize(slot + 1, 0);
                }
                self.cids[slot] = cid;
                self.widths.push(glyph_width(&self.face, g.id));
                self.unicode.push(None);
                debug_assert_eq!(self.widths.len(), usize::from(cid) + 1);
            }
            let cid = usize::from(cid);
            if self.unicode[cid].is_some() {
                continue;
            }
            // The glyph stands alone for its cluster (the same test as [`clusters`]).
            let key = (g.cluster, g.cluster_end);
            let same = |other: &crate::text::GlyphPos| (other.cluster, other.cluster_end) == key;
            let alone = (i == 0 || !same(&glyphs[i - 1])) && glyphs.get(i + 1).is_none_or(|n| !same(n));
            let text = run.text.get(g.cluster as usize..g.cluster_end as usize).unwrap_or("");
            // Invisible characters (soft hyphen, zero-width space) are drawn with the space
            // glyph or another blank one: they must not become its text, or readers that ignore
            // ActualText would extract every later space as one; content marks them instead.
            if alone && !text.is_empty() && !text.chars().all(default_ignorable) {
                self.unicode[cid] = Some(text.into());
            } else if !alone {
                // A base letter and its combining marks shaped as one glyph each: content gives
                // the cluster ActualText, and the map gives each glyph its own character, for
                // readers that ignore ActualText.
                let first = (0..i).rev().take_while(|&j| same(&glyphs[j])).last().unwrap_or(i);
                let count = glyphs[first..].iter().take_while(|other| same(other)).count();
                let chars: Vec<char> = text.chars().collect();
                let marks_only = chars.iter().skip(1).all(|&c| {
                    unicode_linebreak::break_property(u32::from(c))
                        == unicode_linebreak::BreakClass::CombiningMark
                });
                if chars.len() == count && marks_only && !default_ignorable(chars[i - first]) {
                    self.unicode[cid] = Some(chars[i - first].to_string().into());
                }
            }
        }
    }

    /// The font's objects: the Type 0 font `type0`, its CIDFont, descriptor, subset font
    /// program and ToUnicode map. `alloc` gives new object numbers.
    pub(super) fn objects(
        &self,
        type0: Ref,
        alloc: &mut dyn FnMut() -> Ref,
    ) -> std::result::Result<Vec<(Ref, Chunk)>, String> {
        let font = self.face.font().map_err(|e| self.failed(&e.to_string()))?;
        // A face of a collection (`.ttc`) is subset on its own: the subset is a single font.
        let subset = subsetter::subset(self.face.data(), self.face.index(), &self.remapper)
            .map_err(|e| self.failed(&e.to_string()))?;
        let is_cff = font.cff().is_ok();
        let program = if is_cff {
            // ISO 32000-1 9.9: a CIDFontType0 program is the bare CFF table (FontFile3 / CIDFontType0C).
            let subset_font = skrifa::FontRef::new(&subset).map_err(|e| self.failed(&e.to_string()))?;
            subset_font
                .table_data(skrifa::Tag::new(b"CFF "))
                .ok_or_else(|| self.failed("the subset has no CFF table"))?
                .as_bytes()
                .to_vec()
        } else {
            subset
        };
        let (cid_ref, descriptor_ref, program_ref, cmap_ref) = (alloc(), alloc(), alloc(), alloc());
        let name = format!("{}+{}", self.subset_tag(), postscript_name(&font, &self.face.name));
        let system_info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
        let mut objects = Vec::new();

        let mut chunk = Chunk::new();
        chunk
            .type0_font(type0)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_ref)
            .to_unicode(cmap_ref);
        objects.push((type0, chunk));

        let mut chunk = Chunk::new();
        {
            let mut cid = chunk.cid_font(cid_ref);
            cid.subtype(if is_cff { CidFontType::Type0 } else { CidFontType::Type2 })
                .base_font(Name(name.as_bytes()))
                .system_info(system_info)
                .font_descriptor(descriptor_ref)
                .default_width(0.0);
            if !is_cff {
                // ISO 19005-2 6.2.11.3.2: a Type 2 CIDFont names its CID-to-glyph map.
                cid.cid_to_gid_map_predefined(Name(b"Identity"));
            }
            cid.widths().consecutive(0, self.widths.iter().copied());
        }
        objects.push((cid_ref, chunk));

        let metrics =
            font.metrics(skrifa::instance::Size::unscaled(), skrifa::instance::LocationRef::default());
        let to_thousandths = 1000.0 / f32::from(metrics.units_per_em.max(1));
        let ascent = metrics.ascent * to_thousandths;
        let descent = metrics.descent * to_thousandths;
        let bbox = metrics.bounds.map_or(Rect::new(0.0, descent, 1000.0, ascent), |b| {
            Rect::new(
                b.x_min * to_thousandths,
                b.y_min * to_thousandths,
                b.x_max * to_thousandths,
                b.y_max * to_thousandths,
            )
        });
        let mut flags = FontFlags::SYMBOLIC;
        if metrics.is_monospace {
            flags |= FontFlags::FIXED_PITCH;
        }
        if metrics.italic_angle != 0.0 || self.face.italic {
            flags |= FontFlags::ITALIC;
        }
        let weight = font.os2().map_or(400.0, |os2| f32::from(os2.us_weight_class()));
        let mut chunk = Chunk::new();
        {
            let mut descriptor = chunk.font_descriptor(descriptor_ref);
            descriptor
                .name(Name(name.as_bytes()))
                .flags(flags)
                .bbox(bbox)
                .italic_angle(metrics.italic_angle)
                .ascent(ascent)
                .descent(descent)
                .cap_height(metrics.cap_height.map_or(ascent * 0.7, |c| c * to_thousandths))
                // No font carries a stem width; this is the usual estimate from the weight class.
                .stem_v(10.0 + 0.244 * (weight - 50.0));
            if is_cff {
                descriptor.font_file3(program_ref);
            } else {
                descriptor.font_file2(program_ref);
            }
        }
        objects.push((descriptor_ref, chunk));

        let compressed = compress(&program, 9);
        let mut chunk = Chunk::new();
        {
            let mut stream = chunk.stream(program_ref, &compressed);
            stream.filter(Filter::FlateDecode);
            if is_cff {
                stream.pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
            } else {
                stream.pair(Name(b"Length1"), program.len() as i32);
            }
        }
        objects.push((program_ref, chunk));

        let mut cmap = UnicodeCmap::new(
            Name(b"Custom"),
            SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"UCS"), supplement: 0 },
        );
        for (cid, text) in self.unicode.iter().enumerate() {
            if let Some(text) = text {
                cmap.pair_with_multiple(cid as u16, text.chars());
            }
        }
        let cmap = compress(&cmap.finish().into_vec(), 9);
        let mut chunk = Chunk::new();
        chunk.cmap(cmap_ref, &cmap).filter(Filter::FlateDecode).finish();
        objects.push((cmap_ref, chunk));
        Ok(objects)
    }

    fn failed(&self, why: &str) -> String {
        format!("the font {} could not be embedded: {why}", self.face.name)
    }

    /// Six capitals naming the subset (ISO 32000-1 9.6.4), derived from the glyphs it holds.
    fn subset_tag(&self) -> String {
        let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
        for glyph in self.remapper.remapped_gids() {
            for byte in glyph.to_le_bytes() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3);
            }
        }
        (0..6).map(|i| char::from(b'A' + ((hash >> (i * 8)) % 26) as u8)).collect()
    }
}

/// The run's clusters (glyphs made from the same text, in order) with their text.
pub(super) fn clusters(run: &TextRun) -> impl Iterator<Item = (std::ops::Range<usize>, &str)> {
    let glyphs = &run.glyphs;
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= glyphs.len() {
            return None;
        }
        let key = (glyphs[start].cluster, glyphs[start].cluster_end);
        let end = glyphs[start..]
            .iter()
            .position(|g| (g.cluster, g.cluster_end) != key)
            .map_or(glyphs.len(), |n| start + n);
        let text = run.text.get(key.0 as usize..key.1 as usize).unwrap_or("");
        let range = start..end;
        start = end;
        Some((range, text))
    })
}

/// A glyph's advance in thousandths of an em, as the font's `hmtx` gives it (0 when unknown).
fn glyph_width(face: &Face, glyph: u16) -> f32 {
    let Ok(font) = face.font() else {
        return 0.0;
    };
    let upem = f32::from(font.head().map_or(1000, |h| h.units_per_em()).max(1));
    let metrics =
        font.glyph_metrics(skrifa::instance::Size::unscaled(), skrifa::instance::LocationRef::default());
    metrics.advance_width(skrifa::GlyphId::new(u32::from(glyph))).unwrap_or(0.0) * 1000.0 / upem
}

/// The font's PostScript name, reduced to the characters a PDF name may hold unescaped.
fn postscript_name(font: &skrifa::FontRef, fallback: &str) -> String {
    let name = font
        .localized_strings(skrifa::string::StringId::POSTSCRIPT_NAME)
        .english_or_first()
        .map(|s| s.to_string())
        .unwrap_or_else(|| fallback.to_string());
    let clean: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(63).collect();
    if clean.is_empty() { "Font".into() } else { clean }
}
