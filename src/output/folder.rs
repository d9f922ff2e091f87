//! Where a kit may go. A new kit replaces its whole folder (see `swap.rs`), so the folder
//! must hold nothing but a kit: never one of the build's inputs, never the folder letterkit is
//! run from, and files letterkit did not make only with `--force`, which deletes them.

use std::path::Path;

use super::sys;
use crate::base::diag::{Diagnostic, Result, io_error};

/// Refuses an output folder that is one of the inputs (a campaign, its participants list), that
/// holds one of them, or that holds the current folder: a new kit replaces the whole folder.
pub fn output_folder(output: &Path, inputs: &[&Path]) -> Result<()> {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let Some(out) = canonical(output) else {
        return Ok(()); // a new folder cannot hold anything
    };
    for input in inputs {
        let Some(input_path) = canonical(input) else { continue };
        if input_path == out {
            return Err(Diagnostic::error(format!(
                "the output {} is one of the inputs; refusing to write over it",
                output.display()
            ))
            .code("output.kit-folder")
            .hint("choose another output folder with -o")
            .into());
        }
        if input_path.starts_with(&out) {
            return Err(Diagnostic::error(format!(
                "the output folder {} holds {}, an input of this build; a new kit replaces the whole folder",
                output.display(),
                input.display()
            ))
            .code("output.kit-folder")
            .hint("write the kit into a folder of its own, e.g. -o kit")
            .into());
        }
    }
    if std::env::current_dir().ok().and_then(|d| canonical(&d)).is_some_and(|cwd| cwd.starts_with(&out)) {
        return Err(Diagnostic::error(format!(
            "the output folder {} is the folder letterkit runs in (or holds it); a new kit replaces the whole folder",
            output.display()
        ))
        .code("output.kit-folder")
        .hint("write the kit into a folder of its own, e.g. -o kit")
        .into());
    }
    Ok(())
}

/// Refuses to replace an existing `folder` (named `shown` to the user) that holds files
/// letterkit did not make, unless `force`: they would be deleted with the earlier kit.
pub fn replaceable(folder: &Path, shown: &Path, force: bool) -> Result<()> {
    let foreign = foreign_entries(folder).map_err(|e| io_error(shown, "cannot read", &e))?;
    if foreign.is_empty() || force {
        return Ok(());
    }
    let mut list: Vec<String> = foreign.iter().take(4).cloned().collect();
    if foreign.len() > 4 {
        list.push(format!("and {} more", foreign.len() - 4));
    }
    Err(Diagnostic::error(format!(
        "{} holds files letterkit did not make ({}); a new kit replaces the whole folder, so they would be deleted",
        shown.display(),
        list.join(", ")
    ))
    .code("output.foreign-files")
    .hint("move them out, write the kit into another folder with -o, or add --force to replace the folder and delete them")
    .into())
}

/// The names in `folder` that are not part of a letterkit kit: a kit is `manifest.json` (made
/// by letterkit), the files it lists, and `participants/` with `NNN-name.pdf` files.
pub fn foreign_entries(folder: &Path) -> std::io::Result<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        generator: String,
        files: Vec<String>,
    }
    let mut names: Vec<(String, std::fs::FileType, std::path::PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        names.push((entry.file_name().to_string_lossy().into_owned(), entry.file_type()?, entry.path()));
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    let manifest: Option<Manifest> = sys::open_no_follow(&folder.join("manifest.json"))
        .ok()
        .and_then(|f| serde_json::from_reader(std::io::BufReader::new(f)).ok())
        .filter(|m: &Manifest| m.generator.starts_with("letterkit"));
    let made = |name: &str, kind: &std::fs::FileType, path: &Path| {
        let Some(manifest) = &manifest else { return false };
        if kind.is_file() {
            name == "manifest.json" || manifest.files.iter().any(|f| f == name) || is_old_temporary(name)
        } else if kind.is_dir() && name == "participants" {
            std::fs::read_dir(path).is_ok_and(|entries| {
                entries.flatten().all(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    e.file_type().is_ok_and(|t| t.is_file()) && (is_split_name(&n) || is_old_temporary(&n))
                })
            })
        } else {
            false
        }
    };
    Ok(names
        .into_iter()
        .filter(|(name, kind, path)| !made(name, kind, path))
        .map(|(name, ..)| name)
        .collect())
}

/// `001-ada-lovelace.pdf`: a participant's own PDF.
fn is_split_name(name: &str) -> bool {
    name.split_once('-').is_some_and(|(n, _)| n.len() >= 3 && n.bytes().all(|b| b.is_ascii_digit()))
        && name.ends_with(".pdf")
}

/// `.letters.pdf.letterkit-tmp` and `.letters.pdf.letterkit-old`: what older versions of
/// letterkit left in a kit when killed.
fn is_old_temporary(name: &str) -> bool {
    name.starts_with('.') && (name.ends_with(".letterkit-tmp") || name.ends_with(".letterkit-old"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Staged;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("letterkit-outputs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The names in a folder, sorted, hidden ones included.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_folder_holding_an_input_is_always_refused() {
        let dir = scratch("folder");
        let campaign = dir.join("campaign.toml");
        std::fs::write(&campaign, "").unwrap();
        let e = output_folder(&dir, &[&campaign]).unwrap_err();
        assert!(
            e.0[0].message.contains("holds") && e.0[0].message.contains("replaces the whole folder"),
            "{e}"
        );
        let e = output_folder(dir.parent().unwrap(), &[&campaign]).unwrap_err();
        assert!(e.0[0].message.contains("holds"), "an ancestor of an input: {e}");
        assert!(output_folder(&dir.join("kit"), &[&campaign]).is_ok());
        std::fs::create_dir_all(dir.join("kit")).unwrap();
        assert!(output_folder(&dir.join("kit"), &[&campaign]).is_ok());
        assert!(output_folder(&campaign, &[&campaign]).is_err(), "never over an input");
        let cwd = std::env::current_dir().unwrap();
        let e = output_folder(&cwd, &[]).unwrap_err();
        assert!(e.0[0].message.contains("runs in"), "{e}");
    }

    #[test]
    fn only_a_kit_is_replaced_without_force() {
        let dir = scratch("replaceable");
        let kit = dir.join("kit");
        std::fs::create_dir_all(&kit).unwrap();
        assert!(replaceable(&kit, &kit, false).is_ok(), "an empty folder");
        std::fs::create_dir_all(kit.join("participants")).unwrap();
        std::fs::write(kit.join("letters.pdf"), "x").unwrap();
        std::fs::write(kit.join("participants/001-ada.pdf"), "x").unwrap();
        let e = replaceable(&kit, Path::new("kit"), false).unwrap_err();
        assert!(
            e.0[0].message.starts_with("kit holds files letterkit did not make (letters.pdf, participants)"),
            "{e}"
        );
        std::fs::write(
            kit.join("manifest.json"),
            r#"{"generator": "letterkit 0.1.0", "files": ["letters.pdf"]}"#,
        )
        .unwrap();
        assert!(replaceable(&kit, &kit, false).is_ok(), "a kit");
        std::fs::write(kit.join("notes.txt"), "mine").unwrap();
        std::fs::write(kit.join("participants/notes.txt"), "mine").unwrap();
        assert_eq!(foreign_entries(&kit).unwrap(), ["notes.txt", "participants"]);
        let e = replaceable(&kit, &kit, false).unwrap_err();
        assert!(e.0[0].hints[0].contains("--force"), "{e}");
        assert!(replaceable(&kit, &kit, true).is_ok());
        std::fs::write(kit.join("manifest.json"), r#"{"generator": "other", "files": ["letters.pdf"]}"#)
            .unwrap();
        assert!(
            foreign_entries(&kit).unwrap().contains(&"letters.pdf".to_string()),
            "not letterkit's manifest"
        );
    }

    #[test]
    fn a_folder_is_switched_in_whole_and_leaves_nothing_beside_it() {
        let dir = scratch("switch");
        let kit = dir.join("kit");
        let mut staged = Staged::folder(&kit, false).unwrap();
        staged.write(&kit.join("a.pdf"), b"a").unwrap();
        staged.write(&kit.join("participants/001-ada.pdf"), b"ada").unwrap();
        let during = names(&dir);
        assert_eq!(during.len(), 2, "the lock and the staging folder: {during:?}");
        assert!(during.iter().any(|n| n == ".kit.letterkit-lock"));
        let staging = dir.join(during.iter().find(|n| n.starts_with(".kit.letterkit-new-")).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&staging).unwrap().permissions().mode() & 0o777, 0o700);
        }
        assert!(!kit.exists(), "nothing in place before the commit");
        staged.commit().unwrap();
        assert_eq!(names(&dir), ["kit"]);
        assert_eq!(names(&kit), ["a.pdf", "participants"]);
        // The next job makes fewer files: the others are gone.
        std::fs::write(kit.join("manifest.json"), r#"{"generator": "letterkit", "files": ["a.pdf"]}"#)
            .unwrap();
        let mut staged = Staged::folder(&kit, false).unwrap();
        staged.write(&kit.join("b.pdf"), b"b").unwrap();
        staged.commit().unwrap();
        assert_eq!(names(&dir), ["kit"]);
        assert_eq!(names(&kit), ["b.pdf"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_ne!(
                std::fs::metadata(&kit).unwrap().permissions().mode() & 0o077,
                0,
                "a kit's usual permissions"
            );
        }
    }

    #[test]
    fn a_failed_job_leaves_the_folder_and_nothing_else() {
        let dir = scratch("failed-folder");
        let kit = dir.join("deeper/kit");
        {
            let mut staged = Staged::folder(&kit, false).unwrap();
            staged.write(&kit.join("a.pdf"), b"a").unwrap();
            assert!(staged.write(&dir.join("elsewhere.pdf"), b"x").is_err(), "only inside the folder");
        }
        assert_eq!(names(&dir), Vec::<String>::new(), "no folder, lock or staging folder is left");
    }

    #[test]
    fn one_writer_at_a_time_and_stale_remains_are_removed() {
        let dir = scratch("lock");
        let kit = dir.join("kit");
        let first = Staged::folder(&kit, false).unwrap();
        let e = Staged::folder(&kit, false).err().unwrap();
        assert_eq!(
            e.0[0].message,
            format!("another letterkit build is writing {} (pid {})", kit.display(), std::process::id())
        );
        drop(first);
        // What a killed build leaves: a lock nobody holds, a staging folder, an old kit aside.
        std::fs::write(dir.join(".kit.letterkit-lock"), "999999\n").unwrap();
        std::fs::create_dir_all(dir.join(".kit.letterkit-new-0123456789abcdef/participants")).unwrap();
        std::fs::write(dir.join(".kit.letterkit-new-0123456789abcdef/participants/001-a.pdf"), "x").unwrap();
        std::fs::create_dir_all(dir.join("kit")).unwrap();
        std::fs::create_dir_all(dir.join(".kit.letterkit-old-fedcba9876543210")).unwrap();
        std::fs::write(dir.join(".kit.other"), "not ours").unwrap();
        let mut staged = Staged::folder(&kit, false).unwrap();
        staged.write(&kit.join("a.pdf"), b"a").unwrap();
        staged.commit().unwrap();
        assert_eq!(names(&dir), [".kit.other", "kit"]);
    }

    #[test]
    fn an_earlier_kit_moved_aside_is_put_back_when_no_kit_is_in_place() {
        let dir = scratch("restore");
        let aside = dir.join(".kit.letterkit-old-0123456789abcdef");
        std::fs::create_dir_all(&aside).unwrap();
        std::fs::write(aside.join("manifest.json"), r#"{"generator": "letterkit", "files": []}"#).unwrap();
        let staged = Staged::folder(&dir.join("kit"), false).unwrap();
        assert_eq!(names(&dir.join("kit")), ["manifest.json"]);
        drop(staged);
        assert_eq!(names(&dir), ["kit"]);
    }

    #[test]
    fn a_failed_job_leaves_earlier_outputs_and_no_temporary_files() {
        let dir = scratch("staged");
        let a = dir.join("a.pdf");
        std::fs::write(&a, b"old a").unwrap();
        {
            let mut staged = Staged::default();
            staged.write(&a, b"new a").unwrap();
            // The job fails before commit: dropping the staged files removes them.
            assert!(staged.write(&a.join("inside-a-file.pdf"), b"x").is_err());
        }
        assert_eq!(std::fs::read(&a).unwrap(), b"old a");
        assert_eq!(names(&dir), ["a.pdf"], "no temporary or lock files are left");
    }

    #[cfg(unix)]
    #[test]
    fn a_single_file_never_writes_through_a_planted_link() {
        let dir = scratch("links");
        let victim = dir.join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        for name in [".out.pdf.letterkit-tmp", ".out.pdf.letterkit-old", ".out.pdf.letterkit-lock", "out.pdf"]
        {
            std::os::unix::fs::symlink(&victim, dir.join(name)).unwrap();
        }
        std::os::unix::fs::symlink(dir.join("nowhere"), dir.join(".out.pdf.letterkit-tmp-0123456789abcdef"))
            .unwrap();
        let mut staged = Staged::default();
        staged.write(&dir.join("out.pdf"), b"%PDF").unwrap();
        staged.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read(dir.join("out.pdf")).unwrap(), b"%PDF");
        assert!(!std::fs::symlink_metadata(dir.join("out.pdf")).unwrap().is_symlink());
        assert_eq!(names(&dir), ["out.pdf", "victim.txt"], "the planted links named like ours are removed");
    }
}
