//! Hostile inputs end in a clear error, not a hang or a full memory: each case in
//! `tests/limits/<case>/` is run as the real binary, from a scratch copy of its folder, with
//! the arguments in its `args` file, under a 500 MiB address-space cap (`ulimit -v`) and a
//! 20-second limit. It must exit with status 1, and every line of its `expected` file must be a
//! line of what it prints on stderr.
//!
//! Inputs too large (or too special) to keep in the repository are made by the lines of the
//! case's `make` file, each `WHAT FILE [NUMBERS]`:
//! - `fifo FILE`: a named pipe nobody writes to;
//! - `png-rgba16 FILE SIDE`: a SIDE x SIDE 16-bit RGBA PNG of zeros (about 1 MB for 12000);
//! - `elements FILE N`: a design of N `[[element]]` tables;
//! - `style-chain FILE N`: a design whose style `s0` extends `s1`, ..., `sN`;
//! - `placeholder-bomb FILE`: a `[data]` value of 96,000 characters used 1,000 times;
//! - `hashtags FILE N`, `points FILE N`: the built-in campaign with N hashtags, or a talking
//!   point theme of N points;
//! - `csv-field FILE COLUMN BYTES`: a participants list whose one row has a value of BYTES bytes
//!   in COLUMN;
//! - `csv-columns FILE N`: a participants list with N columns besides the six it needs;
//! - `csv-rows FILE N LETTERS`: a participants list of N people making LETTERS letters each.
//!
//! docs/checks.md lists the limits these cases meet.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The memory cap, in KiB (`ulimit -v`).
const MEMORY_KIB: u64 = 500 * 1024;
/// The time limit for one case.
const TIME_LIMIT: Duration = Duration::from_secs(20);

fn cases_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/limits")
}

#[test]
fn every_limit_case_ends_in_its_documented_error() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_root())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("args").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 30, "the limit cases are there");
    let scratch = std::env::temp_dir().join(format!("letterkit-limits-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let mut failures = Vec::new();
    let mut timings = String::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let dir = scratch.join(&name);
        copy_dir(case, &dir);
        if let Ok(make) = std::fs::read_to_string(case.join("make")) {
            for line in make.lines().filter(|l| !l.trim().is_empty()) {
                generate(&dir, line, &scratch);
            }
        }
        let args = std::fs::read_to_string(case.join("args")).unwrap();
        let args: Vec<&str> = args.split_whitespace().collect();
        let run = run_capped(&dir, &args);
        let _ = writeln!(timings, "{name}: {:.2} s", run.elapsed.as_secs_f64());
        let expected = std::fs::read_to_string(case.join("expected")).unwrap();
        let missing: Vec<&str> =
            expected.lines().filter(|l| !l.is_empty() && !run.stderr.lines().any(|s| s == *l)).collect();
        if run.timed_out || run.code != Some(1) || !missing.is_empty() {
            failures.push(format!(
                "{name}: exit {:?}{} after {:.1} s; missing {missing:?}\n--- stderr (first 2000 bytes)\n{}",
                run.code,
                if run.timed_out { " (killed: over the time limit)" } else { "" },
                run.elapsed.as_secs_f64(),
                run.stderr.chars().take(2000).collect::<String>()
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!("{timings}");
    assert!(failures.is_empty(), "{} case(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

struct Run {
    code: Option<i32>,
    stderr: String,
    elapsed: Duration,
    timed_out: bool,
}

/// Runs letterkit in `dir` under the memory cap, killing it at the time limit.
fn run_capped(dir: &Path, args: &[&str]) -> Run {
    let stderr_path = dir.join(".stderr");
    let stderr = std::fs::File::create(&stderr_path).unwrap();
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_letterkit"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("sh runs");
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code(),
        stderr: String::from_utf8_lossy(&std::fs::read(&stderr_path).unwrap()).into_owned(),
        elapsed: started.elapsed(),
        timed_out,
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Makes one input a `make` line describes (see the module's documentation).
fn generate(dir: &Path, line: &str, scratch: &Path) {
    let words: Vec<&str> = line.split_whitespace().collect();
    let file = dir.join(words[1]);
    let number = |i: usize| -> usize { words[i].parse().unwrap_or_else(|_| panic!("a number in `{line}`")) };
    let design = |body: &str| format!("format = \"us-letter\"\n{body}");
    let campaign = include_str!("../campaigns/default.toml");
    let text = match words[0] {
        "fifo" => {
            let made = Command::new("mkfifo").arg(&file).status().expect("mkfifo runs");
            assert!(made.success());
            return;
        }
        "png-rgba16" => {
            // Made once, however many cases use it.
            let side = number(2) as u32;
            let cached = scratch.join(format!("rgba16-{side}.png"));
            if !cached.exists() {
                png_rgba16(&cached, side);
            }
            std::fs::copy(&cached, &file).unwrap();
            return;
        }
        "elements" => design(&"[[element]]\nkind = \"rect\"\n".repeat(number(2))),
        "style-chain" => {
            let n = number(2);
            let mut styles = String::new();
            for i in 0..n {
                let _ = write!(styles, "[styles.s{i}]\nextends = \"s{}\"\n", i + 1);
            }
            let _ = write!(styles, "[styles.s{n}]\nsize = \"10pt\"\n");
            design(&format!("{styles}[[element]]\nkind = \"text\"\nstyle = \"s0\"\ntext = \"Hi\"\n"))
        }
        "placeholder-bomb" => design(&format!(
            "[data]\nx = \"{}\"\n[[element]]\nkind = \"text\"\noverflow = \"continue\"\ntext = \"{}\"\n",
            "a".repeat(96_000),
            "{x}".repeat(1_000)
        )),
        "hashtags" => {
            let tags: Vec<String> = (0..number(2)).map(|i| format!("\"#h{i}\"")).collect();
            let line = campaign.lines().find(|l| l.starts_with("hashtags = ")).unwrap();
            campaign.replacen(line, &format!("hashtags = [{}]", tags.join(",")), 1)
        }
        "points" => {
            let points: Vec<String> = (0..number(2)).map(|i| format!("\"point {i}\"")).collect();
            format!("{campaign}\n[[talking_points]]\ntheme = \"many\"\npoints = [{}]\n", points.join(","))
        }
        "csv-field" => {
            let mut row = ["Ada", "1 Main St", "", "Boston", "MA", "02134"].map(String::from);
            let columns = ["name", "address1", "address2", "city", "state", "zip"];
            let at = columns.iter().position(|c| *c == words[2]).expect("a column");
            row[at] = "x".repeat(number(3));
            format!("{}\n{}\n", columns.join(","), row.join(","))
        }
        "csv-columns" => {
            let extra: Vec<String> = (0..number(2)).map(|i| format!("c{i}")).collect();
            format!(
                "name,address1,address2,city,state,zip,{}\nAda,1 Main St,,Boston,MA,02134\n",
                extra.join(",")
            )
        }
        "csv-rows" => {
            let (n, letters) = (number(2), number(3));
            let mut text = String::from("name,address1,address2,city,state,zip,letters\n");
            for i in 0..n {
                let _ = writeln!(text, "Person {i},{i} Main St,,Boston,MA,02134,{letters}");
            }
            text
        }
        other => panic!("unknown input kind `{other}` in a make file"),
    };
    std::fs::write(&file, text).unwrap();
}

/// A `side` x `side` 16-bit RGBA PNG of zeros, written row by row (1.15 GB of pixels for 12000,
/// never in memory at once).
fn png_rgba16(path: &Path, side: u32) {
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut encoder = png::Encoder::new(file, side, side);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Sixteen);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let row = vec![0u8; side as usize * 8];
    for _ in 0..side {
        stream.write_all(&row).unwrap();
    }
    stream.finish().unwrap();
}
