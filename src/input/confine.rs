//! Keeping a design to its own folder: a design someone shared may read pictures and fonts from
//! its own folder (and below) and the bundled ones, nothing else, unless the user allows more
//! folders with `--allow-path DIR`.

use std::path::{Component, Path, PathBuf};
use std::sync::RwLock;

use crate::base::diag::Diagnostic;

/// Folders the user allowed with `--allow-path`, for the whole process (the CLI sets them once).
static ALLOWED: RwLock<Vec<PathBuf>> = RwLock::new(Vec::new());

/// Sets the folders designs may read from besides their own (`--allow-path`).
pub fn allow_paths(dirs: &[PathBuf]) {
    let dirs = dirs.iter().map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| lexical(d))).collect();
    *ALLOWED.write().unwrap_or_else(|e| e.into_inner()) = dirs;
}

/// The folders set with [`allow_paths`].
pub fn allowed_paths() -> Vec<PathBuf> {
    ALLOWED.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Checks that `path` (a picture or font a design names, already joined to `base_dir`) lies
/// inside `base_dir`, inside one of `allowed`, or is a bundled picture. Symbolic links are
/// followed, so a link inside the folder that points outside it is refused too.
///
/// The error has the message and a hint, but no file or position: the caller knows those.
pub fn confine(path: &Path, base_dir: &Path, allowed: &[PathBuf]) -> Result<(), Diagnostic> {
    confine_in(path, base_dir, allowed, "design")
}

/// [`confine`] for a file that `owner` (a "design" or a "campaign") names, in messages.
pub fn confine_in(path: &Path, base_dir: &Path, allowed: &[PathBuf], owner: &str) -> Result<(), Diagnostic> {
    if crate::input::assets::get(path).is_some() {
        return Ok(());
    }
    let base_lexical = lexical(base_dir);
    let target_lexical = lexical(path);
    let inside = |root_lexical: &Path, root: &Path| {
        // A file that exists is judged by where it really is (links resolved); one that does
        // not is judged by its name, and reading it fails later with "no such file".
        match std::fs::canonicalize(path) {
            Ok(real) => {
                let root_real = std::fs::canonicalize(root).unwrap_or_else(|_| root_lexical.to_path_buf());
                real.starts_with(&root_real)
            }
            Err(_) => target_lexical.starts_with(root_lexical),
        }
    };
    if inside(&base_lexical, base_dir) || allowed.iter().any(|a| inside(&lexical(a), a)) {
        return Ok(());
    }
    let shown_base = std::fs::canonicalize(base_dir).unwrap_or(base_lexical);
    let folder = target_lexical.parent().map_or_else(|| target_lexical.clone(), Path::to_path_buf);
    Err(Diagnostic::error(format!(
        "{} is outside the {owner}'s folder ({}); a {owner} may only use files in its own folder and the bundled ones",
        path.display(),
        shown_base.display()
    ))
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
        std::os::unix::fs::symlink(dir.join("secret.jpg"), base.join("innocent.jpg")).unwrap();
        assert!(confine(&base.join("innocent.jpg"), &base, &[]).is_err());
    }
}
