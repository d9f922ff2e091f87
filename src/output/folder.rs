//! Where outputs may go: never over an input, and not into the campaign's (or design's) own
//! folder unless the user says so with `--force`, so a kit cannot overwrite the files it was
//! made from or mix its PDFs in among them.

use std::path::Path;

use crate::base::diag::{Diagnostic, Result};

/// Refuses an output folder that is the folder of one of the inputs (a campaign, its
/// participants list, a design) unless `force`; and always one that is an input file itself.
pub fn output_folder(output: &Path, inputs: &[&Path], force: bool) -> Result<()> {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let Some(out) = canonical(output) else {
        return Ok(()); // a new folder cannot be anyone's folder
    };
    for input in inputs {
        if canonical(input).as_ref() == Some(&out) {
            return Err(Diagnostic::error(format!(
                "the output {} is one of the inputs; refusing to write over it",
                output.display()
            ))
            .hint("choose another output folder with -o")
            .into());
        }
        let folder = input.parent().map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p });
        if !force && folder.and_then(canonical).as_ref() == Some(&out) {
            return Err(Diagnostic::error(format!(
                "the output folder {} is the folder {} is in; the kit's files would mix with (and could replace) yours",
                output.display(),
                input.display()
            ))
            .hint("write the kit into a folder of its own, e.g. -o kit, or add --force to write there anyway")
            .into());
        }
    }
    Ok(())
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

    #[test]
    fn the_inputs_folder_is_refused_unless_forced() {
        let dir = scratch("folder");
        let campaign = dir.join("campaign.toml");
        std::fs::write(&campaign, "").unwrap();
        let e = output_folder(&dir, &[&campaign], false).unwrap_err();
        assert!(e.0[0].message.contains("is the folder"), "{e}");
        assert!(e.0[0].hints[0].contains("--force"));
        assert!(output_folder(&dir, &[&campaign], true).is_ok());
        assert!(output_folder(&dir.join("kit"), &[&campaign], false).is_ok());
        std::fs::create_dir_all(dir.join("kit")).unwrap();
        assert!(output_folder(&dir.join("kit"), &[&campaign], false).is_ok());
        assert!(output_folder(&campaign, &[&campaign], true).is_err(), "never over an input");
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
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("a.pdf")], "no .letterkit-tmp files are left");
    }
}
