//! Keeping a design to its own folder: a design someone shared may read pictures and fonts from
//! its own folder (and below) and the bundled ones, nothing else, unless the user allows more
//! folders with `--allow-path DIR`.

use std::path::{Component, Path, PathBuf};

use crate::base::diag::Diagnostic;

/// Where a design may read files from besides its own folder and the bundled files: the folders
/// the user allowed with `--allow-path`, canonicalised; and where fallback fonts may come from
/// (`--font-path`, the installed fonts unless `--ignore-system-fonts`). Made once by the command
/// line and passed down to whatever loads designs and campaigns; the default allows no extra
/// folder and looks for fallback fonts in none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sandbox {
    allowed: Vec<PathBuf>,
    fonts: crate::input::fontdirs::FontDirs,
}

impl Sandbox {
    /// A sandbox that also allows `dirs` (each canonicalised; one that does not exist is taken
    /// by its name).
    pub fn new(dirs: &[PathBuf]) -> Sandbox {
        Sandbox {
            allowed: dirs.iter().map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| lexical(d))).collect(),
            fonts: Default::default(),
        }
    }

    /// The same sandbox, looking for fallback fonts in `fonts`.
    pub fn with_font_dirs(self, fonts: crate::input::fontdirs::FontDirs) -> Sandbox {
        Sandbox { fonts, ..self }
    }

    /// Where fallback fonts may come from.
    pub fn font_dirs(&self) -> &crate::input::fontdirs::FontDirs {
        &self.fonts
    }

    /// The folders allowed besides a design's own.
    pub fn allowed(&self) -> &[PathBuf] {
        &self.allowed
    }

    /// Checks that `path` (a picture or font a design names, already joined to `base_dir`)
    /// lies inside `base_dir`, inside an allowed folder, or is a bundled picture. Symbolic links
    /// are followed, so a link inside the folder that points outside it is refused too.
    ///
    /// The error has the message and a hint, but no file or position: the caller knows those.
    pub fn confine(&self, path: &Path, base_dir: &Path) -> Result<(), Diagnostic> {
        self.confine_in(path, base_dir, "design")
    }

    /// [`Sandbox::confine`] for a file that `owner` (a "design" or a "campaign") names, in
    /// messages.
    pub fn confine_in(&self, path: &Path, base_dir: &Path, owner: &str) -> Result<(), Diagnostic> {
        confine_in(path, base_dir, &self.allowed, owner)
    }
}

fn confine_in(path: &Path, base_dir: &Path, allowed: &[PathBuf], owner: &str) -> Result<(), Diagnostic> {
    if crate::input::assets::get(path).is_some() {
        return Ok(());
    }
    let base_lexical = lexical(base_dir);
    let target_lexical = lexical(path);
    // A file that exists is judged by where it really is (links resolved); one that does not
    // is judged by its name, and reading it fails later with "no such file".
    let real = std::fs::canonicalize(path).ok();
    let inside = |root_lexical: &Path, root: &Path| match &real {
        Some(real) => {
            let root_real = std::fs::canonicalize(root).unwrap_or_else(|_| root_lexical.to_path_buf());
            real.starts_with(&root_real)
        }
        None => target_lexical.starts_with(root_lexical),
    };
    if inside(&base_lexical, base_dir) || allowed.iter().any(|a| inside(&lexical(a), a)) {
        return Ok(());
    }
    let shown_base = std::fs::canonicalize(base_dir).unwrap_or(base_lexical);
    // The folder to allow is the one the file really is in: for a link, where it points.
    let really_at = real.as_deref().unwrap_or(&target_lexical);
    let folder = really_at.parent().map_or_else(|| really_at.to_path_buf(), Path::to_path_buf);
    // Where the name leads without following a link at its last step: if the file really is
    // elsewhere, a link brought it there, and the message says so.
    let by_name = target_lexical
        .parent()
        .and_then(|p| std::fs::canonicalize(p).ok())
        .zip(target_lexical.file_name())
        .map(|(p, name)| p.join(name));
    let points = match &real {
        Some(real) if by_name.as_ref() != Some(real) => format!(" (it is a link to {})", real.display()),
        _ => String::new(),
    };
    Err(Diagnostic::error(format!(
        "{}{points} is outside the {owner}'s folder ({}); a {owner} may only use files in its own folder and the bundled ones",
        path.display(),
        shown_base.display()
    )).code("input.outside-folder")
    .hint(format!(
        "copy the file into {}, or, if you trust this {owner}, allow its folder with --allow-path {}",
        shown_base.display(),
        folder.display()
    )))
}

/// An absolute form of `path` with `.` and `..` worked out by name (no file system access
/// beyond the current folder); an empty path is the current folder.
fn lexical(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() { Path::new(".") } else { path };
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("letterkit-confine-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("design/pictures")).unwrap();
        std::fs::write(dir.join("design/pictures/ok.jpg"), b"x").unwrap();
        std::fs::write(dir.join("secret.jpg"), b"x").unwrap();
        dir
    }

    #[test]
    fn inside_is_allowed_outside_is_refused() {
        let dir = scratch("basic");
        let base = dir.join("design");
        let strict = Sandbox::default();
        let confine = |p: &Path, b: &Path, allowed: &[PathBuf]| {
            if allowed.is_empty() { strict.confine(p, b) } else { Sandbox::new(allowed).confine(p, b) }
        };
        assert!(confine(&base.join("pictures/ok.jpg"), &base, &[]).is_ok());
        assert!(confine(&base.join("pictures/../pictures/ok.jpg"), &base, &[]).is_ok());
        assert!(
            confine(&base.join("missing.jpg"), &base, &[]).is_ok(),
            "a missing file fails later, when read"
        );
        let refused = confine(&base.join("../secret.jpg"), &base, &[]).unwrap_err();
        assert!(refused.message.contains("is outside the design's folder"), "{}", refused.message);
        assert!(refused.hints[0].contains("--allow-path"), "{:?}", refused.hints);
        assert!(confine(&base.join("../missing.jpg"), &base, &[]).is_err());
        assert!(confine(Path::new("/etc/passwd"), &base, &[]).is_err());
        assert!(confine(&base.join("../secret.jpg"), &base, std::slice::from_ref(&dir)).is_ok());
        let bundled = crate::input::assets::lookup("landmark.jpg").unwrap();
        assert!(confine(&bundled, &base, &[]).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_pointing_outside_is_refused() {
        let dir = scratch("link");
        let base = dir.join("design");
        std::fs::create_dir_all(dir.join("elsewhere")).unwrap();
        std::fs::write(dir.join("elsewhere/secret.jpg"), b"x").unwrap();
        std::os::unix::fs::symlink(dir.join("elsewhere/secret.jpg"), base.join("innocent.jpg")).unwrap();
        let refused = Sandbox::default().confine(&base.join("innocent.jpg"), &base).unwrap_err();
        assert!(refused.message.contains("it is a link to"), "{}", refused.message);
        // The hint names the folder the link points into, which is the one to allow.
        let elsewhere = std::fs::canonicalize(dir.join("elsewhere")).unwrap();
        assert!(
            refused.hints[0].ends_with(&format!("--allow-path {}", elsewhere.display())),
            "{:?}",
            refused.hints
        );
        assert!(Sandbox::new(&[elsewhere]).confine(&base.join("innocent.jpg"), &base).is_ok());
    }
}
