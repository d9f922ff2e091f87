//! Fallback fonts for characters no bundled family has: a campaign's `[fonts]` first, then the
//! `--font-path` folders, then the installed fonts, chosen the same way every time.
//!
//! The characters a job's texts need are collected before anything is laid out; the ones the
//! bundled families lack are looked up once ([`Fallbacks::resolve`]) and the fonts that have
//! them are added to every book ([`Fallbacks::apply`]), so layout stays pure and the same
//! inputs and fonts make the same PDF, however many threads lay it out.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::base::diag::Result;
use crate::input::fontdirs::{FaceEntry, FontDirs, Origin};

use super::{FontBook, SharedFamily};

/// Where a book's fallback fonts were looked for, for the message when none has a character.
#[derive(Debug, Clone, Default)]
pub struct Searched {
    /// Whether fallback fonts were looked for at all (not for `calibrate`, which needs none).
    resolved: bool,
    /// A campaign's `[fonts]` were there to fall back on.
    campaign: bool,
    /// `--font-path` folders were searched.
    font_paths: bool,
    /// The installed fonts were searched (false with `--ignore-system-fonts`).
    system: bool,
}

impl Searched {
    /// The places, in words: "the bundled fonts, --font-path and the installed fonts".
    pub fn describe(&self) -> String {
        let mut places = vec!["the bundled fonts"];
        if self.campaign {
            places.push("the campaign's [fonts]");
        }
        if self.font_paths {
            places.push("the --font-path folders");
        }
        if self.system {
            places.push("the fonts installed on this computer");
        }
        match places.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => places[0].to_string(),
        }
    }
}

/// A font that a kit or design falls back on, and where it came from.
#[derive(Clone)]
pub struct Fallback {
    /// The family, read.
    pub family: SharedFamily,
    /// Where it was found.
    pub origin: Origin,
}

/// The fallback fonts for one job, in the order layout tries them (after the bundled families).
#[derive(Clone, Default)]
pub struct Fallbacks {
    list: Vec<Fallback>,
    searched: Searched,
    /// Fonts passed over because they are damaged, for a warning.
    pub passed_over: Vec<String>,
}

impl Fallbacks {
    /// Finds fonts for the characters of `chars` that neither the bundled families nor the
    /// campaign's `campaign` families have: in the `--font-path` folders, then the installed
    /// fonts (`dirs`). A family is chosen for the first character it is needed for, in order
    /// of code point; a family chosen already is used for every character it has, so a name
    /// is not set in several fonts when one has it all. Characters no font has are left for
    /// layout to report with the text they are in.
    pub fn resolve(campaign: &[SharedFamily], chars: &BTreeSet<char>, dirs: &FontDirs) -> Result<Fallbacks> {
        // A --font-path that is not a folder is an error even when nothing is missing.
        dirs.folders()?;
        let mut probe = FontBook::bundled();
        for family in campaign {
            probe.add_campaign_family(family);
        }
        let needed: BTreeSet<char> = chars.iter().copied().filter(|&c| probe.lacks(c)).collect();
        let mut fallbacks = Fallbacks {
            list: campaign.iter().map(|f| Fallback { family: f.clone(), origin: Origin::Campaign }).collect(),
            searched: Searched {
                resolved: true,
                campaign: !campaign.is_empty(),
                font_paths: !dirs.paths.is_empty(),
                system: dirs.system,
            },
            passed_over: Vec::new(),
        };
        if needed.is_empty() {
            return Ok(fallbacks);
        }
        let entries = dirs.faces_covering(&needed)?;
        let mut families = group(&entries);
        // A font that cannot be read is passed over and the choice made again without it.
        loop {
            let chosen = choose(&families, &needed);
            let mut found = Vec::new();
            let mut failed = None;
            for &i in &chosen {
                let (name, faces) = &families[i];
                match SharedFamily::read_faces(name, styles(faces), Some(&needed)) {
                    Ok(family) => found.push(Fallback { family, origin: faces[0].origin }),
                    Err((path, e)) => {
                        failed = Some((i, path, e.to_string()));
                        break;
                    }
                }
            }
            let Some((i, path, why)) = failed else {
                fallbacks.list.extend(found);
                return Ok(fallbacks);
            };
            fallbacks.passed_over.push(why.trim_start_matches("error: ").to_string());
            families[i].1.retain(|face| face.path != path);
            if families[i].1.is_empty() {
                families.remove(i);
            }
        }
    }

    /// Adds the fallbacks to a book: a campaign's families by name and as fallbacks, fonts
    /// found in folders as fallbacks.
    pub fn apply(&self, book: &mut FontBook) {
        for fallback in &self.list {
            match fallback.origin {
                Origin::Campaign => book.add_campaign_family(&fallback.family),
                Origin::FontPath | Origin::System => book.add_fallback(&fallback.family),
            }
        }
        book.searched = self.searched.clone();
    }

    /// The fallback that draws `c` where no bundled family has it (the first that has it, as
    /// layout takes it); `None` when a bundled family has it or no fallback does.
    pub fn source_of(&self, c: char) -> Option<&Fallback> {
        if !super::bundled_book().lacks(c) {
            return None;
        }
        self.list.iter().find(|f| f.family.covers(c))
    }

    /// The fallbacks, in order.
    pub fn list(&self) -> &[Fallback] {
        &self.list
    }
}

/// The faces found, by family name, families in the order their first face was found.
fn group(entries: &[FaceEntry]) -> Vec<(String, Vec<&FaceEntry>)> {
    let mut families: Vec<(String, Vec<&FaceEntry>)> = Vec::new();
    for entry in entries {
        match families.iter_mut().find(|(name, _)| *name == entry.family) {
            Some((_, faces)) => faces.push(entry),
            None => families.push((entry.family.clone(), vec![entry])),
        }
    }
    families
}

/// The families to use, by index into `families`, in search order.
fn choose(families: &[(String, Vec<&FaceEntry>)], needed: &BTreeSet<char>) -> Vec<usize> {
    let has = |i: usize, c: char| families[i].1.iter().any(|f| f.covers.contains(&c));
    let mut chosen: Vec<usize> = Vec::new();
    for &c in needed {
        if chosen.iter().any(|&i| has(i, c)) {
            continue;
        }
        if let Some(i) = (0..families.len()).find(|&i| has(i, c)) {
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    chosen
}

/// The face for each style of a family (regular, italic, bold, bold italic): the upright or
/// italic face whose weight is nearest 400, or 700 for bold (600 and up); `None` where the
/// family has no such face, so layout takes the nearest style it has.
fn styles(faces: &[&FaceEntry]) -> [Option<(PathBuf, u32)>; 4] {
    let pick = |italic: bool, bold: bool| {
        let target: i32 = if bold { 700 } else { 400 };
        faces
            .iter()
            .filter(|f| f.italic == italic && (f.weight >= 600) == bold)
            .min_by_key(|f| (i32::from(f.weight) - target).abs())
            .map(|f| (f.path.clone(), f.index))
    };
    [pick(false, false), pick(true, false), pick(false, true), pick(true, true)]
}

/// The line of `text` that holds `c`, cut to about 60 characters around it.
pub fn excerpt(text: &str, c: char) -> String {
    let line = text.lines().find(|l| l.contains(c)).unwrap_or(text);
    let chars: Vec<char> = line.trim().chars().collect();
    let at = chars.iter().position(|&x| x == c).unwrap_or(0);
    let start = at.saturating_sub(30);
    let end = (start + 60).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    for &c in &chars[start..end] {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// Scripts by Unicode block: what the characters are called, and a font that has them with
/// the Debian package it comes in.
const SCRIPTS: &[(u32, u32, &str, &str, &str)] = &[
    (0x0370, 0x03FF, "Greek letters", "Noto Sans", "fonts-noto-core"),
    (0x1F00, 0x1FFF, "Greek letters", "Noto Sans", "fonts-noto-core"),
    (0x0400, 0x052F, "Cyrillic letters", "Noto Sans", "fonts-noto-core"),
    (0x1C80, 0x1C8F, "Cyrillic letters", "Noto Sans", "fonts-noto-core"),
    (0x2DE0, 0x2DFF, "Cyrillic letters", "Noto Sans", "fonts-noto-core"),
    (0xA640, 0xA69F, "Cyrillic letters", "Noto Sans", "fonts-noto-core"),
    (0x0530, 0x058F, "Armenian letters", "Noto Sans Armenian", "fonts-noto-core"),
    (0x0590, 0x05FF, "Hebrew letters", "Noto Sans Hebrew", "fonts-noto-core"),
    (0xFB1D, 0xFB4F, "Hebrew letters", "Noto Sans Hebrew", "fonts-noto-core"),
    (0x0600, 0x06FF, "Arabic letters", "Noto Sans Arabic or Noto Naskh Arabic", "fonts-noto-core"),
    (0x0750, 0x077F, "Arabic letters", "Noto Sans Arabic or Noto Naskh Arabic", "fonts-noto-core"),
    (0x08A0, 0x08FF, "Arabic letters", "Noto Sans Arabic or Noto Naskh Arabic", "fonts-noto-core"),
    (0xFB50, 0xFDFF, "Arabic letters", "Noto Sans Arabic or Noto Naskh Arabic", "fonts-noto-core"),
    (0xFE70, 0xFEFF, "Arabic letters", "Noto Sans Arabic or Noto Naskh Arabic", "fonts-noto-core"),
    (0x0700, 0x074F, "Syriac letters", "Noto Sans Syriac", "fonts-noto-core"),
    (0x0780, 0x07BF, "Thaana letters", "Noto Sans Thaana", "fonts-noto-core"),
    (0x0900, 0x097F, "Devanagari letters", "Noto Sans Devanagari", "fonts-noto-core"),
    (0xA8E0, 0xA8FF, "Devanagari letters", "Noto Sans Devanagari", "fonts-noto-core"),
    (0x0980, 0x09FF, "Bengali letters", "Noto Sans Bengali", "fonts-noto-core"),
    (0x0A00, 0x0A7F, "Gurmukhi letters", "Noto Sans Gurmukhi", "fonts-noto-core"),
    (0x0A80, 0x0AFF, "Gujarati letters", "Noto Sans Gujarati", "fonts-noto-core"),
    (0x0B00, 0x0B7F, "Odia letters", "Noto Sans Oriya", "fonts-noto-core"),
    (0x0B80, 0x0BFF, "Tamil letters", "Noto Sans Tamil", "fonts-noto-core"),
    (0x0C00, 0x0C7F, "Telugu letters", "Noto Sans Telugu", "fonts-noto-core"),
    (0x0C80, 0x0CFF, "Kannada letters", "Noto Sans Kannada", "fonts-noto-core"),
    (0x0D00, 0x0D7F, "Malayalam letters", "Noto Sans Malayalam", "fonts-noto-core"),
    (0x0D80, 0x0DFF, "Sinhala letters", "Noto Sans Sinhala", "fonts-noto-core"),
    (0x0E00, 0x0E7F, "Thai letters", "Noto Sans Thai", "fonts-noto-core"),
    (0x0E80, 0x0EFF, "Lao letters", "Noto Sans Lao", "fonts-noto-core"),
    (0x0F00, 0x0FFF, "Tibetan letters", "Noto Serif Tibetan", "fonts-noto-core"),
    (0x1000, 0x109F, "Myanmar letters", "Noto Sans Myanmar", "fonts-noto-core"),
    (0x10A0, 0x10FF, "Georgian letters", "Noto Sans Georgian", "fonts-noto-core"),
    (0x1100, 0x11FF, "Korean letters (Hangul)", "Noto Sans CJK", "fonts-noto-cjk"),
    (0x1200, 0x139F, "Ethiopic letters", "Noto Sans Ethiopic", "fonts-noto-core"),
    (0x13A0, 0x13FF, "Cherokee letters", "Noto Sans Cherokee", "fonts-noto-core"),
    (0x1780, 0x17FF, "Khmer letters", "Noto Sans Khmer", "fonts-noto-core"),
    (0x1800, 0x18AF, "Mongolian letters", "Noto Sans Mongolian", "fonts-noto-core"),
    (0x2E80, 0x2FDF, "Chinese characters", "Noto Sans CJK", "fonts-noto-cjk"),
    (0x3000, 0x303F, "Chinese, Japanese and Korean punctuation", "Noto Sans CJK", "fonts-noto-cjk"),
    (0x3040, 0x30FF, "Japanese kana", "Noto Sans CJK", "fonts-noto-cjk"),
    (0x3100, 0x312F, "Bopomofo", "Noto Sans CJK", "fonts-noto-cjk"),
    (0x3130, 0x318F, "Korean letters (Hangul)", "Noto Sans CJK", "fonts-noto-cjk"),
    (0x31F0, 0x31FF, "Japanese kana", "Noto Sans CJK", "fonts-noto-cjk"),
    (0x3400, 0x4DBF, "Chinese characters", "Noto Sans CJK", "fonts-noto-cjk"),
    (0x4E00, 0x9FFF, "Chinese characters", "Noto Sans CJK", "fonts-noto-cjk"),
    (0xA960, 0xA97F, "Korean letters (Hangul)", "Noto Sans CJK", "fonts-noto-cjk"),
    (0xAC00, 0xD7FF, "Korean letters (Hangul)", "Noto Sans CJK", "fonts-noto-cjk"),
    (0xF900, 0xFAFF, "Chinese characters", "Noto Sans CJK", "fonts-noto-cjk"),
    (0xFF00, 0xFFEF, "full-width and half-width forms", "Noto Sans CJK", "fonts-noto-cjk"),
    (0x20000, 0x3134F, "Chinese characters", "Noto Sans CJK", "fonts-noto-cjk"),
    (0x1F000, 0x1FAFF, "emoji and pictographs", "Noto Emoji or Symbola", "fonts-symbola"),
    (0x2600, 0x27BF, "symbols and dingbats", "DejaVu Sans", "fonts-dejavu-core"),
];

/// What to install for a character no font has: a font for its script (say "a font with
/// Chinese characters, such as Noto Sans CJK (Debian: fonts-noto-cjk)"), or where to give
/// letterkit one.
pub fn install_hint(c: char, searched: &Searched) -> String {
    let code = u32::from(c);
    let script = SCRIPTS.iter().find(|(from, to, ..)| (*from..=*to).contains(&code));
    let install = match script {
        Some((_, _, what, font, package)) => {
            format!("install a font with {what}, such as {font} (Debian: {package})")
        }
        None => {
            "install a font that has it (the Noto fonts cover most scripts; Debian: fonts-noto-core)".into()
        }
    };
    let ignored = if searched.resolved && !searched.system {
        " (--ignore-system-fonts leaves the installed fonts out)"
    } else {
        ""
    };
    format!(
        "{install}{ignored}, or give letterkit a font file that has it: under [fonts], or in a folder named with --font-path DIR; or leave the character out"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_a_font_for_the_script() {
        let searched = Searched { resolved: true, system: false, ..Searched::default() };
        let hint = install_hint('王', &searched);
        assert!(hint.starts_with("install a font with Chinese characters, such as Noto Sans CJK (Debian: fonts-noto-cjk) (--ignore-system-fonts leaves the installed fonts out)"), "{hint}");
        for (c, words) in [
            ('ي', "Arabic letters"),
            ('ש', "Hebrew letters"),
            ('न', "Devanagari letters"),
            ('ไ', "Thai letters"),
            ('한', "Korean letters"),
            ('の', "Japanese kana"),
            ('Ж', "Cyrillic letters"),
            ('Ω', "Greek letters"),
        ] {
            assert!(install_hint(c, &Searched::default()).contains(words), "{c}");
        }
        assert_eq!(Searched::default().describe(), "the bundled fonts");
        let all = Searched { resolved: true, campaign: true, font_paths: true, system: true };
        assert_eq!(
            all.describe(),
            "the bundled fonts, the campaign's [fonts], the --font-path folders and the fonts installed on this computer"
        );
    }

    #[test]
    fn excerpts_show_the_line_around_the_character() {
        assert_eq!(excerpt("Dear friend,\nWang Xiu Ying (王秀英)\n", '王'), "Wang Xiu Ying (王秀英)");
        let long = format!("{}王{}", "a".repeat(50), "b".repeat(50));
        let cut = excerpt(&long, '王');
        assert!(cut.starts_with('…') && cut.ends_with('…') && cut.contains('王'), "{cut}");
    }

    #[test]
    fn styles_take_the_nearest_weight() {
        let face = |weight, italic, index| FaceEntry {
            path: PathBuf::from("f.ttc"),
            index,
            origin: Origin::System,
            family: "F".into(),
            weight,
            italic,
            covers: vec!['王'],
        };
        let faces = [face(300, false, 0), face(500, false, 1), face(900, false, 2), face(700, false, 3)];
        let refs: Vec<&FaceEntry> = faces.iter().collect();
        let picked = styles(&refs).map(|s| s.map(|(_, i)| i));
        assert_eq!(picked, [Some(0), None, Some(3), None]);
    }
}
