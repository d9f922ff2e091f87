//! Trust under faults (issue #15): a kit folder is always one whole kit, one build at a time
//! writes it, no write follows a planted symbolic link, and `check` leaves nothing behind.
//!
//! The kill tests use `LETTERKIT_FAULT=N`, which makes the writer abort at its Nth step
//! (`src/output/mod.rs`, `fault`), and, when `strace` is installed, strace's fault injection,
//! which kills the process at the Nth call of a file-system call. After every kill the folder
//! must hold exactly the earlier kit or exactly the new one, compared file by file with CRC-32s.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{TempDir, crc32};

fn letterkit(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_letterkit"));
    command.args(args).current_dir(dir);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("letterkit runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file and folder under `dir`, hidden ones included, with the CRC-32 of each file.
fn tree(dir: &Path) -> BTreeMap<String, u32> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, u32>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                out.insert(format!("{name}/"), 0);
                walk(&entry.path(), &format!("{name}/"), out);
            } else if kind.is_symlink() {
                out.insert(format!("{name} -> link"), 0);
            } else {
                out.insert(name, crc32(&std::fs::read(entry.path()).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

/// The names in `dir`, sorted, hidden ones included.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const PEOPLE: &str = "name,address1,city,state,zip,letters,cards,postcards\n\
Ada Lovelace,1 Main St,Boston,MA,02134,1,1,1\n\
Grace Hopper,2 Main St,Boston,MA,02134,2,0,1\n";

/// The earlier kit (cards, postcards, one PDF per participant) and the new one (letters only,
/// fewer files): which of the two is in `kit`?
struct Kits {
    dir: TempDir,
    old: BTreeMap<String, u32>,
    new: BTreeMap<String, u32>,
}

const OLD: &[&str] = &["build", "-p", "people.csv", "-o", "kit", "--split"];
const NEW: &[&str] = &["build", "-o", "kit", "--count", "2"];

impl Kits {
    fn new(label: &str) -> Kits {
        let dir = TempDir::new(label);
        dir.write("people.csv", PEOPLE);
        let run = letterkit(dir.path(), NEW, &[]);
        assert!(run.status.success(), "{}", stderr(&run));
        let new = tree(&dir.path().join("kit"));
        let run = letterkit(dir.path(), OLD, &[]);
        assert!(run.status.success(), "{}", stderr(&run));
        let old = tree(&dir.path().join("kit"));
        assert!(old.contains_key("cards.pdf") && old.contains_key("participants/"));
        assert!(!new.contains_key("cards.pdf") && !new.contains_key("participants/"), "{new:?}");
        Kits { dir, old, new }
    }

    /// Builds the earlier kit again (removing what a killed build left) and checks it.
    fn reset(&self) {
        let run = letterkit(self.dir.path(), OLD, &[]);
        assert!(run.status.success(), "{}", stderr(&run));
        assert_eq!(tree(&self.kit()), self.old);
        assert_eq!(names(self.dir.path()), ["kit", "people.csv"], "what the killed build left is gone");
    }

    fn kit(&self) -> std::path::PathBuf {
        self.dir.path().join("kit")
    }

    /// "old" or "new": the folder must be exactly one of them.
    fn which(&self, what: &str) -> &'static str {
        let now = tree(&self.kit());
        if now == self.old {
            "old"
        } else if now == self.new {
            "new"
        } else {
            panic!("after {what} the kit folder is neither kit: {now:#?}")
        }
    }
}

/// Runs the new build once per step of the writer, aborting at that step, until it runs
/// through; each time the folder is the old kit or the new one, and the switch happens once.
#[test]
fn a_kill_at_every_step_of_the_writer_leaves_the_old_or_the_new_kit() {
    let kits = Kits::new("fault-steps");
    let mut seen = Vec::new();
    for n in 1..=500 {
        kits.reset();
        let run = letterkit(kits.dir.path(), NEW, &[("LETTERKIT_FAULT", &n.to_string())]);
        if run.status.success() {
            assert_eq!(kits.which("the whole build"), "new");
            break;
        }
        assert_eq!(run.status.code(), None, "killed at step {n}: {}", stderr(&run));
        let step =
            stderr(&run).lines().find(|l| l.contains("LETTERKIT_FAULT")).unwrap_or_default().to_string();
        seen.push((kits.which(&step), step));
    }
    let first_new =
        seen.iter().position(|(which, _)| *which == "new").expect("some kills came after the switch");
    assert!(first_new > 0, "some kills came before the switch");
    assert!(seen[first_new..].iter().all(|(which, _)| *which == "new"), "one switch: {seen:#?}");
    assert!(
        seen[first_new - 1].1.contains("permissions set") && seen[first_new].1.contains("switched"),
        "{seen:#?}"
    );
    println!("{} steps: the old kit after steps 1-{first_new}, the new kit after the rest", seen.len());
    kits.reset();
}

/// The same with kills from outside the program, at each call of rename, fsync, unlink, rmdir
/// and mkdir, when strace is installed.
#[test]
fn a_kill_at_every_file_system_call_leaves_the_old_or_the_new_kit() {
    let has_strace = Command::new("strace").arg("-V").output().is_ok_and(|o| o.status.success());
    if !has_strace {
        eprintln!("skipped: strace is not installed");
        return;
    }
    let kits = Kits::new("fault-strace");
    let mut report = Vec::new();
    for call in ["renameat2", "fsync", "fdatasync", "unlink", "rmdir", "mkdir"] {
        let (mut old, mut new) = (0, 0);
        for n in 1..=200 {
            kits.reset();
            let inject = format!("inject={call}:signal=KILL:when={n}");
            let mut args =
                vec!["-f", "-qq", "-o", "/dev/null", "-e", &inject, env!("CARGO_BIN_EXE_letterkit")];
            args.extend(NEW);
            let run = Command::new("strace").args(&args).current_dir(kits.dir.path()).output().unwrap();
            if n == 1 && stderr(&run).contains("ptrace") {
                eprintln!("skipped: strace cannot trace here: {}", stderr(&run));
                return;
            }
            if run.status.success() {
                assert_eq!(kits.which("the whole build"), "new");
                break;
            }
            match kits.which(&format!("a kill at {call} {n}")) {
                "old" => old += 1,
                _ => new += 1,
            }
        }
        report.push(format!("{call}: {old} kills left the old kit, {new} the new"));
    }
    println!("{}", report.join("\n"));
    kits.reset();
}

#[test]
fn two_builds_racing_into_one_folder_leave_one_whole_kit() {
    let dir = TempDir::new("race");
    let mut people = String::from("name,address1,city,state,zip,letters,postcards\n");
    for i in 0..150 {
        people.push_str(&format!("Writer {i},{i} Elm Street,Boston,MA,02134,1,1\n"));
    }
    dir.write("people.csv", people);
    let a: &[&str] = &["build", "-p", "people.csv", "-o", "kit"];
    let b: &[&str] = &["build", "--count", "60", "-o", "kit"];
    let mut kits = Vec::new();
    for args in [a, b] {
        let run = letterkit(dir.path(), args, &[]);
        assert!(run.status.success(), "{}", stderr(&run));
        kits.push(tree(&dir.path().join("kit")));
    }
    let (mut conflicts, mut both) = (0, 0);
    for round in 0..20 {
        let spawn = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_letterkit"))
                .args(args)
                .current_dir(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (first, second) = if round % 2 == 0 { (a, b) } else { (b, a) };
        let runs = [spawn(first), spawn(second)].map(|c| c.wait_with_output().unwrap());
        let failed: Vec<&Output> = runs.iter().filter(|r| !r.status.success()).collect();
        match failed.as_slice() {
            [] => both += 1,
            [lost] => {
                conflicts += 1;
                assert_eq!(lost.status.code(), Some(1));
                let message = stderr(lost);
                assert!(
                    message.starts_with("error: another letterkit build is writing kit (pid "),
                    "{message}"
                );
            }
            _ => panic!("both builds failed: {} / {}", stderr(&runs[0]), stderr(&runs[1])),
        }
        let now = tree(&dir.path().join("kit"));
        assert!(now == kits[0] || now == kits[1], "round {round}: the folder is one whole kit");
        assert_eq!(names(dir.path()), ["kit", "people.csv"], "round {round}: nothing is left beside it");
    }
    println!(
        "20 rounds: {conflicts} times one build stopped at once, {both} times they ran one after the other"
    );
    assert!(conflicts > 0, "the builds never overlapped");

    // A build that holds the lock: the second stops at once, naming it, and does no harm. On a
    // loaded machine the long build may end before the second starts; only a second build that
    // ran wholly while the long one held the lock counts, and that is tried a few times.
    let mut refused = false;
    for _ in 0..5 {
        let mut long = Command::new(env!("CARGO_BIN_EXE_letterkit"))
            .args(["build", "--count", "10000", "-o", "kit"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        while !dir.path().join(".kit.letterkit-lock").exists() {
            assert!(
                started.elapsed().as_secs() < 60 && long.try_wait().unwrap().is_none(),
                "the lock appears"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let second = letterkit(dir.path(), b, &[]);
        let overlapped = long.try_wait().unwrap().is_none();
        if overlapped {
            assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
            assert_eq!(
                stderr(&second).lines().next().unwrap(),
                format!("error: another letterkit build is writing kit (pid {})", long.id())
            );
            refused = true;
        }
        assert!(long.wait().unwrap().success());
        if refused {
            break;
        }
    }
    assert!(refused, "the second build never ran while the first held the lock");
    assert_eq!(names(dir.path()), ["kit", "people.csv"]);
    assert!(tree(&dir.path().join("kit")).contains_key("letters.pdf"));
}

#[cfg(unix)]
#[test]
fn a_planted_link_at_any_name_the_writer_might_use_never_redirects_a_write() {
    use std::os::unix::fs::symlink;
    let dir = TempDir::new("links");
    let victim = dir.write("victim.txt", "precious");
    let victim_dir = dir.path().join("victim-folder");
    std::fs::create_dir(&victim_dir).unwrap();
    dir.write("victim-folder/keep.txt", "mine");
    let nowhere = dir.path().join("nowhere");
    let untouched = |when: &str| {
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious", "{when}");
        assert_eq!(names(&victim_dir), ["keep.txt"], "{when}");
        assert!(
            std::fs::symlink_metadata(&nowhere).is_err(),
            "{when}: nothing was made through a dangling link"
        );
    };

    // Beside the kit folder: the lock, staging folders and earlier kits.
    let beside =
        [".kit.letterkit-lock", ".kit.letterkit-new-0123456789abcdef", ".kit.letterkit-old-0123456789abcdef"];
    for (i, name) in beside.iter().enumerate() {
        symlink(if i == 0 { &victim } else { &victim_dir }, dir.path().join(name)).unwrap();
    }
    symlink(&nowhere, dir.path().join(".kit.letterkit-new-fedcba9876543210")).unwrap();
    let run = letterkit(dir.path(), &["build", "-o", "kit", "--count", "1", "--split"], &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    untouched("a build with links beside the folder");
    assert_eq!(
        names(dir.path()),
        ["kit", "victim-folder", "victim.txt"],
        "the links named like ours are gone"
    );

    // Inside an earlier kit: at its files' names, its participants folder, and the temporary
    // names older versions used. letterkit did not make links, so it takes --force.
    let kit = dir.path().join("kit");
    std::fs::remove_file(kit.join("letters.pdf")).unwrap();
    symlink(&victim, kit.join("letters.pdf")).unwrap();
    std::fs::remove_dir_all(kit.join("participants")).unwrap();
    symlink(&victim_dir, kit.join("participants")).unwrap();
    symlink(&victim, kit.join(".envelopes.pdf.letterkit-tmp")).unwrap();
    symlink(&nowhere, kit.join(".handout.pdf.letterkit-tmp")).unwrap();
    let run = letterkit(dir.path(), &["build", "-o", "kit", "--count", "1", "--split"], &[]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr(&run).contains("letterkit did not make (.envelopes.pdf.letterkit-tmp, .handout.pdf.letterkit-tmp, letters.pdf, participants)"), "{}", stderr(&run));
    let run = letterkit(dir.path(), &["build", "-o", "kit", "--count", "1", "--split", "--force"], &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    untouched("a build replacing links inside the folder");
    assert!(tree(&kit).keys().all(|k| !k.ends_with("-> link")), "{:?}", tree(&kit));

    // A dangling link as the kit folder itself is refused.
    symlink(&nowhere, dir.path().join("dangling")).unwrap();
    let run = letterkit(dir.path(), &["build", "-o", "dangling", "--count", "1"], &[]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    untouched("a build into a dangling link");

    // A single file: `render -o`, at the temporary, lock and final names.
    dir.write("card.toml", "format = \"postcard-4x6\"\n");
    for name in [".out.pdf.letterkit-tmp", ".out.pdf.letterkit-lock", ".out.pdf.letterkit-old", "out.pdf"] {
        symlink(&victim, dir.path().join(name)).unwrap();
    }
    symlink(&nowhere, dir.path().join(".out.pdf.letterkit-tmp-0123456789abcdef")).unwrap();
    let run = letterkit(dir.path(), &["render", "card.toml", "-o", "out.pdf"], &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    untouched("render -o");
    assert!(std::fs::symlink_metadata(dir.path().join("out.pdf")).unwrap().is_file());
    assert!(std::fs::read(dir.path().join("out.pdf")).unwrap().starts_with(b"%PDF"));
    assert!(names(dir.path()).iter().all(|n| !n.contains(".letterkit-")), "{:?}", names(dir.path()));
}

#[test]
fn a_smaller_kit_leaves_none_of_the_earlier_kits_files() {
    let dir = TempDir::new("stale");
    dir.write("people.csv", PEOPLE);
    let run = letterkit(dir.path(), OLD, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(names(&dir.path().join("kit/participants")).len() == 2);
    let run = letterkit(dir.path(), NEW, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("kit/manifest.json")).unwrap()).unwrap();
    let mut listed: Vec<String> =
        manifest["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
    listed.push("manifest.json".into());
    listed.sort();
    assert_eq!(names(&dir.path().join("kit")), listed, "the folder holds exactly what the manifest lists");
    assert_eq!(names(dir.path()), ["kit", "people.csv"]);
}

#[test]
fn a_folder_that_is_not_a_kit_is_replaced_only_with_force_and_never_over_inputs() {
    let dir = TempDir::new("foreign");
    dir.write("kit/notes.txt", "my notes");
    let run = letterkit(dir.path(), NEW, &[]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        stderr(&run),
        "error: kit holds files letterkit did not make (notes.txt); a new kit replaces the whole folder, so they would be deleted\n\
         hint: move them out, write the kit into another folder with -o, or add --force to replace the folder and delete them\n"
    );
    assert_eq!(names(dir.path()), ["kit"], "nothing beside it");
    assert_eq!(names(&dir.path().join("kit")), ["notes.txt"], "untouched");
    let run = letterkit(dir.path(), &["build", "-o", "kit", "--count", "2", "--force"], &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(!dir.path().join("kit/notes.txt").exists());
    // A kit made by letterkit is replaced without asking.
    let run = letterkit(dir.path(), NEW, &[]);
    assert!(run.status.success(), "{}", stderr(&run));

    // Never the folder of an input, nor the folder letterkit runs in, even with --force.
    dir.write("camp/people.csv", PEOPLE);
    let run = letterkit(dir.path(), &["build", "-p", "camp/people.csv", "-o", "camp", "--force"], &[]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr(&run).contains("holds camp/people.csv, an input of this build"), "{}", stderr(&run));
    let run = letterkit(&dir.path().join("kit"), &["build", "-o", ".", "--count", "1", "--force"], &[]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr(&run).contains("is the folder letterkit runs in"), "{}", stderr(&run));
    assert_eq!(names(&dir.path().join("camp")), ["people.csv"]);
}

#[cfg(unix)]
#[test]
fn check_of_a_kit_uses_a_private_folder_and_leaves_nothing_in_tmpdir() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("check-tmp");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let tmpdir = tmp.to_str().unwrap();
    dir.write("people.csv", PEOPLE);
    let run = letterkit(dir.path(), &["check", "-p", "people.csv"], &[("TMPDIR", tmpdir)]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(names(&tmp), Vec::<String>::new());
    assert_eq!(names(dir.path()), ["people.csv", "tmp"]);

    // Killed (SIGTERM) while it builds: its folder is private, and the next check removes it.
    let mut big = String::from("name,address1,city,state,zip,letters,postcards\n");
    for i in 0..3000 {
        big.push_str(&format!("Writer {i},{i} Elm Street,Boston,MA,02134,1,1\n"));
    }
    dir.write("big.csv", big);
    let mut child = Command::new(env!("CARGO_BIN_EXE_letterkit"))
        .args(["check", "-p", "big.csv"])
        .current_dir(dir.path())
        .env("TMPDIR", tmpdir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let folder = loop {
        if let Some(name) = names(&tmp).into_iter().next() {
            break tmp.join(name);
        }
        assert!(
            started.elapsed().as_secs() < 60 && child.try_wait().unwrap().is_none(),
            "the folder appears"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    };
    assert!(
        folder
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(&format!("letterkit-check-{}-", child.id()))
    );
    assert_eq!(std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777, 0o700, "private");
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let _ = child.wait();
    // Another user's folder, and one of a live process, are left alone; a dead one's goes.
    std::fs::create_dir(tmp.join("letterkit-check-999999999-0123456789abcdef")).unwrap();
    std::fs::create_dir(tmp.join(format!("letterkit-check-{}-live", std::process::id()))).unwrap();
    let run = letterkit(dir.path(), &["check", "-p", "people.csv"], &[("TMPDIR", tmpdir)]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(names(&tmp), [format!("letterkit-check-{}-live", std::process::id())]);
}
