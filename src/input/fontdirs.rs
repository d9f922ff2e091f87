//! Font folders: the fonts installed on the computer and those `--font-path` names, listed in
//! sorted order and indexed by reading only each face's character map, name and style.

use std::collections::BTreeSet;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use skrifa::raw::tables::cmap::Cmap;
use skrifa::raw::tables::name::Name;
use skrifa::raw::tables::os2::Os2;
use skrifa::raw::{FontData, FontRead};

use crate::base::diag::Diagnostic;
use crate::input::limits::{MAX_FONT_BYTES, MAX_FONT_DIR_DEPTH, MAX_FONT_DIR_FILES, MAX_FONT_FACES};

/// Where fallback fonts may come from besides a campaign's own: the `--font-path` folders in
/// the order given, then the system's font folders. The default searches no folder, so a
/// library caller's output does not depend on the computer; the command line searches the
/// system's folders unless `--ignore-system-fonts`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FontDirs {
    /// The `--font-path` folders, in the order given.
    pub paths: Vec<PathBuf>,
    /// Whether to search the fonts installed on the computer (`--ignore-system-fonts` leaves
    /// them out, for builds that must come out the same on every computer).
    pub system: bool,
}

/// Where a face was found, for messages, the build summary and the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// A campaign's `[fonts]`.
    Campaign,
    /// A `--font-path` folder.
    FontPath,
    /// The system's installed fonts.
    System,
}

impl Origin {
    /// How the manifest names it: `campaign`, `font-path` or `system`.
    pub fn key(self) -> &'static str {
        match self {
            Origin::Campaign => "campaign",
            Origin::FontPath => "font-path",
            Origin::System => "system",
        }
    }
}

/// One face of a font file, as the index knows it: enough to choose it, not to draw with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceEntry {
    /// The file.
    pub path: PathBuf,
    /// The face's index in its file (0 unless the file is a `.ttc`/`.otc` collection).
    pub index: u32,
    /// Where the file was found.
    pub origin: Origin,
    /// The typographic family name (name ID 16, else 1), as the font gives it.
    pub family: String,
    /// The weight class (400 regular, 700 bold).
    pub weight: u16,
    /// Whether the face is italic or oblique.
    pub italic: bool,
    /// The characters asked about that the face maps, in order.
    pub covers: Vec<char>,
}

impl FontDirs {
    /// The folders to look in, in order: `--font-path` first, then the system's (each with
    /// where it came from). A `--font-path` that is not a folder is an error.
    pub fn folders(&self) -> Result<Vec<(PathBuf, Origin)>, Diagnostic> {
        let mut folders = Vec::new();
        for path in &self.paths {
            if !path.is_dir() {
                return Err(Diagnostic::error(format!("--font-path {}: no such folder", path.display()))
                    .hint("give a folder that holds .ttf, .otf or .ttc font files"));
            }
            folders.push((path.clone(), Origin::FontPath));
        }
        if self.system {
            folders.extend(system_font_dirs().into_iter().map(|d| (d, Origin::System)));
        }
        Ok(folders)
    }

    /// Every face in the folders that maps at least one of `wanted`, in search order: folder by
    /// folder, each folder's files in sorted path order, faces in file order. Files that are
    /// not fonts or cannot be read are passed over; only the tables that say what a face maps
    /// and what it is called are read, so a folder of large fonts is indexed in milliseconds.
    pub fn faces_covering(&self, wanted: &BTreeSet<char>) -> Result<Vec<FaceEntry>, Diagnostic> {
        let mut found = Vec::new();
        if wanted.is_empty() {
            return Ok(found);
        }
        let mut seen = BTreeSet::new();
        let mut faces = 0usize;
        for (folder, origin) in self.folders()? {
            for path in font_files(&folder) {
                // A file reached twice (a link, or a folder listed twice) counts once.
                let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                if !seen.insert(real) {
                    continue;
                }
                let Ok(entries) = index_file(&path, origin, wanted) else { continue };
                for entry in entries {
                    faces += 1;
                    if faces > MAX_FONT_FACES {
                        return Ok(found);
                    }
                    if !entry.covers.is_empty() {
                        found.push(entry);
                    }
                }
            }
        }
        Ok(found)
    }
}

/// The system's font folders that exist, in a fixed order (Linux, macOS and Windows places).
pub fn system_font_dirs() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut dirs: Vec<PathBuf> = Vec::new();
    if cfg!(target_os = "macos") {
        dirs.extend(["/System/Library/Fonts", "/Library/Fonts"].map(PathBuf::from));
        dirs.extend(home.iter().map(|h| h.join("Library/Fonts")));
    } else if cfg!(windows) {
        let windir = std::env::var_os("WINDIR").map_or_else(|| PathBuf::from("C:\\Windows"), PathBuf::from);
        dirs.push(windir.join("Fonts"));
        if let Some(local) = std::env::var_os("LOCALAPPDATA") {
            dirs.push(PathBuf::from(local).join("Microsoft\\Windows\\Fonts"));
        }
    } else {
        dirs.extend(["/usr/share/fonts", "/usr/local/share/fonts"].map(PathBuf::from));
        if let Some(data) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
            dirs.push(PathBuf::from(data).join("fonts"));
        }
        dirs.extend(home.iter().flat_map(|h| [h.join(".local/share/fonts"), h.join(".fonts")]));
    }
    let mut unique: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        if dir.is_dir() && !unique.contains(&dir) {
            unique.push(dir);
        }
    }
    unique
}

/// The font files (`.ttf`, `.otf`, `.ttc`, `.otc`) in a folder and its subfolders, in sorted
/// path order. Links are followed, each real folder once, at most
/// [`MAX_FONT_DIR_DEPTH`] folders deep and [`MAX_FONT_DIR_FILES`] files in all.
pub fn font_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut visited = BTreeSet::new();
    walk(folder, 0, &mut visited, &mut files);
    files
}

fn walk(folder: &Path, depth: usize, visited: &mut BTreeSet<PathBuf>, files: &mut Vec<PathBuf>) {
    if depth > MAX_FONT_DIR_DEPTH || files.len() >= MAX_FONT_DIR_FILES {
        return;
    }
    let Ok(real) = std::fs::canonicalize(folder) else { return };
    if !visited.insert(real) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        if meta.is_dir() {
            walk(&path, depth + 1, visited, files);
        } else if meta.is_file() && is_font_name(&path) {
            if files.len() >= MAX_FONT_DIR_FILES {
                return;
            }
            files.push(path);
        }
    }
}

/// Whether a file's name says it is a font letterkit can use.
fn is_font_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["ttf", "otf", "ttc", "otc"].iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Reads parts of a file by offset, never past [`MAX_FONT_BYTES`].
struct Parts {
    file: std::fs::File,
    len: u64,
}

impl Parts {
    fn open(path: &Path) -> std::io::Result<Parts> {
        let meta = std::fs::metadata(path)?;
        if !meta.is_file() || meta.len() > MAX_FONT_BYTES {
            return Err(std::io::Error::other("not a regular font file"));
        }
        let file = super::open_nonblocking(path)?;
        let len = file.metadata()?.len();
        if !file.metadata()?.is_file() || len > MAX_FONT_BYTES {
            return Err(std::io::Error::other("not a regular font file"));
        }
        Ok(Parts { file, len })
    }

    fn read(&mut self, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
        if offset.checked_add(len).is_none_or(|end| end > self.len) {
            return Err(std::io::Error::other("past the end of the file"));
        }
        self.file.seek(SeekFrom::Start(offset))?;
        let mut bytes = vec![0; len as usize];
        self.file.read_exact(&mut bytes)?;
        Ok(bytes)
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn malformed() -> std::io::Error {
    std::io::Error::other("malformed font")
}

/// Indexes every face of a font file: its family, weight, slant and which of `wanted` it maps.
pub fn index_file(path: &Path, origin: Origin, wanted: &BTreeSet<char>) -> std::io::Result<Vec<FaceEntry>> {
    let mut parts = Parts::open(path)?;
    let head = parts.read(0, 12.min(parts.len))?;
    let offsets: Vec<u32> = if head.starts_with(b"ttcf") {
        let count = be32(&head, 8).ok_or_else(malformed)?;
        if count == 0 || count as usize > MAX_FONT_FACES {
            return Err(malformed());
        }
        let list = parts.read(12, 4 * u64::from(count))?;
        (0..count as usize).map(|i| be32(&list, 4 * i).ok_or_else(malformed)).collect::<Result<_, _>>()?
    } else {
        vec![0]
    };
    // Faces of a collection usually share their tables: each is read once.
    let mut tables: Vec<((u32, u32), Vec<u8>)> = Vec::new();
    let mut entries = Vec::new();
    for (index, &offset) in offsets.iter().enumerate() {
        let directory = parts.read(u64::from(offset), 12)?;
        let tag = be32(&directory, 0).ok_or_else(malformed)?;
        if ![0x0001_0000, u32::from_be_bytes(*b"OTTO"), u32::from_be_bytes(*b"true")].contains(&tag) {
            return Err(malformed());
        }
        let count = be16(&directory, 4).ok_or_else(malformed)?;
        let records = parts.read(u64::from(offset) + 12, 16 * u64::from(count))?;
        let mut table = |wanted_tag: &[u8; 4]| -> std::io::Result<Option<Vec<u8>>> {
            let Some(at) =
                (0..usize::from(count)).map(|i| 16 * i).find(|&at| &records[at..at + 4] == wanted_tag)
            else {
                return Ok(None);
            };
            let place = (
                be32(&records, at + 8).ok_or_else(malformed)?,
                be32(&records, at + 12).ok_or_else(malformed)?,
            );
            if let Some((_, bytes)) = tables.iter().find(|(p, _)| *p == place) {
                return Ok(Some(bytes.clone()));
            }
            let bytes = parts.read(u64::from(place.0), u64::from(place.1))?;
            tables.push((place, bytes.clone()));
            Ok(Some(bytes))
        };
        let (Some(cmap), Some(name)) = (table(b"cmap")?, table(b"name")?) else { continue };
        let os2 = table(b"OS/2")?;
        let Ok(cmap) = Cmap::read(FontData::new(&cmap)) else { continue };
        let Some((_, _, subtable)) = cmap.best_subtable() else { continue };
        let covers = wanted
            .iter()
            .copied()
            .filter(|&c| subtable.map_codepoint(c).is_some_and(|g| g.to_u32() != 0))
            .collect();
        let Some(family) = family_name(&name) else { continue };
        let (weight, italic) = os2
            .as_deref()
            .and_then(|b| Os2::read(FontData::new(b)).ok())
            .map_or((400, false), |os2| (os2.us_weight_class(), os2.fs_selection().bits() & 0x0201 != 0));
        entries.push(FaceEntry {
            path: path.to_path_buf(),
            index: index as u32,
            origin,
            family,
            weight,
            italic,
            covers,
        });
    }
    Ok(entries)
}

/// The family name a `name` table gives: the typographic family (ID 16), else the family (ID 1),
/// in English where there is a choice.
fn family_name(table: &[u8]) -> Option<String> {
    let name = Name::read(FontData::new(table)).ok()?;
    let data = name.string_data();
    for id in [16u16, 1] {
        let records: Vec<_> = name.name_record().iter().filter(|r| r.name_id().to_u16() == id).collect();
        // Windows English first, then any Unicode record, then any record.
        let ranked = records
            .iter()
            .find(|r| r.platform_id() == 3 && r.language_id() == 0x409)
            .or_else(|| records.iter().find(|r| r.is_unicode()))
            .or_else(|| records.first());
        if let Some(record) = ranked
            && let Ok(string) = record.string(data)
        {
            let text: String = string.chars().collect();
            let text = text.trim();
            if !text.is_empty() {
                return Some(text.to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_listed_in_sorted_order_with_fonts_only() {
        let dir = std::env::temp_dir().join(format!("letterkit-fontdirs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("b/inner")).unwrap();
        std::fs::create_dir_all(dir.join("a")).unwrap();
        let lato = include_bytes!("../../fonts/lato/Lato-Regular.ttf");
        for name in ["b/inner/z.TTF", "a/y.otf", "c.ttc", "a/readme.txt", "b/x.ttf"] {
            std::fs::write(dir.join(name), lato).unwrap();
        }
        let names: Vec<String> = font_files(&dir)
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/"))
            .collect();
        assert_eq!(names, ["a/y.otf", "b/inner/z.TTF", "b/x.ttf", "c.ttc"]);
        let wanted: BTreeSet<char> = "Aé中".chars().collect();
        let entries = index_file(&dir.join("b/x.ttf"), Origin::FontPath, &wanted).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].family, "Lato");
        assert_eq!((entries[0].weight, entries[0].italic), (400, false));
        assert_eq!(entries[0].covers, ['A', 'é']);
        // A text file named like a font is passed over.
        std::fs::write(dir.join("b/x.ttf"), b"not a font at all").unwrap();
        assert!(index_file(&dir.join("b/x.ttf"), Origin::FontPath, &wanted).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_font_path_that_is_not_a_folder_is_an_error() {
        let dirs = FontDirs { paths: vec![PathBuf::from("/no/such/fonts")], system: false };
        let e = dirs.folders().unwrap_err();
        assert_eq!(e.message, "--font-path /no/such/fonts: no such folder");
    }
}
