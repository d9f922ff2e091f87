//! `letterkit check`: everything `render` or `build` would do, without writing anything, and a
//! report of every problem found: the file's format (all errors at once), USPS mailability of
//! every piece, print preflight, the participants list, and limits on hostile input.
//!
//! Each check and the rule it comes from is listed in `docs/checks.md`.
//!
//! The guards every command runs (the sandbox, picture and font verification, size limits) live
//! in [`crate::input`]; this module only reports.

pub mod data;
pub mod keys;
pub mod preflight;
pub mod table;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::base::diag::{Diagnostic, Severity, Source, Warnings};
use crate::input::confine::Sandbox;
use crate::layout::{self, Pictures};
use crate::model::campaign::{self, Campaign, LoadedCampaign};
use crate::model::design::{self, DesignFile};
use crate::model::fields;
use crate::model::participants::{self, Participant};
use crate::render::{self, PdfOptions};

/// The arguments of `letterkit check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// A design file, a campaign file, or a participants list (.csv, .tsv or .txt; checked in a kit
    /// of the built-in campaign). Default: the built-in campaign.
    pub input: Option<PathBuf>,
    /// Check a kit for this participants list (CSV), as `letterkit build` would make it.
    #[arg(short, long)]
    pub participants: Option<PathBuf>,
    /// Without a participants list: how many unnamed kits, as `letterkit build --count`.
    #[arg(long, default_value_t = 10)]
    pub count: u32,
    /// Fill a placeholder of a design: --set name="Ada Lovelace" (repeatable).
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub sets: Vec<String>,
    /// A design filled as one piece of a kit (--participants is the list --row picks from).
    #[command(flatten)]
    pub piece: crate::kit::PieceArgs,
    /// Fail (exit status 1) on warnings too, not only on errors.
    #[arg(long)]
    pub strict: bool,
    /// How to print what was found: human (messages on stderr) or json (an array on stdout).
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

/// How `letterkit check` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Messages for people, on stderr, and a summary on stdout.
    Human,
    /// A JSON array of diagnostics on stdout, for tools.
    Json,
}

/// What a check found.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Every problem, errors and warnings, each once.
    pub diagnostics: Vec<Diagnostic>,
    /// One line per thing checked, for the summary.
    pub checked: Vec<String>,
    /// Notes for the summary (such as checks that could not run yet).
    pub notes: Vec<String>,
}

impl Report {
    /// Adds diagnostics, leaving out exact repeats (found by hash: a list of 100,000 rows may
    /// give as many warnings).
    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        use std::hash::{BuildHasher, RandomState};
        let hasher = RandomState::new();
        let mut seen: std::collections::HashSet<u64> =
            self.diagnostics.iter().map(|d| hasher.hash_one(d)).collect();
        for d in diagnostics {
            // A hash seen before is almost always a repeat; compare to be sure.
            if seen.insert(hasher.hash_one(&d)) || !self.diagnostics.contains(&d) {
                self.diagnostics.push(d);
            }
        }
    }

    /// The number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count()
    }

    /// The number of warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count()
    }

    /// 0 when clean, 1 with errors (or with warnings when `strict`).
    pub fn exit_code(&self, strict: bool) -> i32 {
        i32::from(self.errors() > 0 || (strict && self.warnings() > 0))
    }

    /// Sorts by file (in the order files were first named), then line and column.
    fn sort(&mut self) {
        let mut files: Vec<Option<PathBuf>> = Vec::new();
        for d in &self.diagnostics {
            if !files.contains(&d.file) {
                files.push(d.file.clone());
            }
        }
        let rank = |d: &Diagnostic| files.iter().position(|f| *f == d.file).unwrap_or(0);
        self.diagnostics.sort_by_key(|d| (rank(d), d.position.unwrap_or((0, 0))));
    }

    /// The diagnostics as a JSON array: severity, message, file, line, column, hints, code.
    pub fn json(&self) -> String {
        let items: Vec<serde_json::Value> = self
            .diagnostics
            .iter()
            .map(|d| {
                serde_json::json!({
                    "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                    "message": d.message,
                    "file": d.file.as_ref().map(|f| f.display().to_string()),
                    "line": d.position.map(|p| p.0),
                    "column": d.position.map(|p| p.1),
                    "hints": d.hints,
                    "code": d.code,
                })
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&items).expect("diagnostics serialize");
        text.push('\n');
        text
    }

    /// The summary for people: what was checked and how it went.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        for line in &self.checked {
            s.push_str(&format!("checked {line}\n"));
        }
        for note in &self.notes {
            s.push_str(&format!("note: {note}\n"));
        }
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        match (self.errors(), self.warnings()) {
            (0, 0) => s.push_str("no problems found\n"),
            (e, w) => s.push_str(&format!("{}, {}\n", plural(e, "error"), plural(w, "warning"))),
        }
        s
    }
}

/// Runs `letterkit check` and prints its report; returns the exit status.
pub fn cli(args: &CheckArgs, sandbox: &Sandbox) -> i32 {
    let report = run(args, sandbox);
    match args.format {
        OutputFormat::Json => print!("{}", report.json()),
        OutputFormat::Human => {
            for d in &report.diagnostics {
                eprintln!("{d}");
            }
            print!("{}", report.summary());
        }
    }
    report.exit_code(args.strict)
}

/// Checks what the arguments name: a design, or a kit (campaign and participants); designs
/// may read files from the folders `sandbox` allows.
pub fn run(args: &CheckArgs, sandbox: &Sandbox) -> Report {
    let mut report = Report::default();
    let data = match fields::parse_sets(&args.sets) {
        Ok(d) => d,
        Err(e) => {
            report.extend(e.0);
            return report;
        }
    };
    match &args.input {
        // `letterkit check participants.csv`: the list, in a kit of the built-in campaign.
        Some(path)
            if args.participants.is_none()
                && args.piece.campaign.is_none()
                && args.piece.row().is_none()
                && data::is_list(path) =>
        {
            report = check_kit(None, Some(path), args.count, sandbox);
        }
        Some(path) if (args.participants.is_none() || args.piece.row().is_some()) && !is_campaign(path) => {
            // Filled as `render` fills it: the campaign's and a row's values, or samples.
            let mut warnings = Warnings::default();
            match crate::kit::design_fields(
                path,
                &args.piece,
                args.participants.as_deref(),
                &data,
                sandbox,
                &mut warnings,
            ) {
                Ok(fields) => {
                    report = check_design(path, &fields, sandbox);
                    report.extend(warnings.0);
                    report.notes.extend(fields.note().map(|n| format!("{}: {n}", path.display())));
                }
                Err(e) => report.extend(warnings.0.into_iter().chain(e.0)),
            }
        }
        _ if args.piece.campaign.is_some() || args.piece.row().is_some() => {
            report.extend([Diagnostic::error(
                "--campaign, --row and --participant go with a design file, to check it as one piece of the kit",
            )
            .hint("to check a whole kit, give the campaign file itself: letterkit check campaign.toml -p participants.csv")]);
        }
        campaign => {
            report = check_kit(campaign.as_deref(), args.participants.as_deref(), args.count, sandbox);
        }
    }
    report.sort();
    report
}

/// Whether a TOML file is a campaign (it has a `[recipient]`) rather than a design.
fn is_campaign(path: &Path) -> bool {
    let Ok(source) = crate::input::read_text(path) else { return false };
    if crate::input::toml_size(&source).is_err() {
        return false; // reported when it is read as a design
    }
    let (table, _) = toml::de::DeTable::parse_recoverable(&source.text);
    table.get_ref().contains_key("recipient")
}

/// Checks a design file: format, layout, the PDF it makes (in memory), mail and print checks.
pub fn check_design(path: &Path, data: &dyn layout::Fields, sandbox: &Sandbox) -> Report {
    let mut report = Report::default();
    match crate::input::read_text(path) {
        Ok(source) => {
            let options = preflight::Options { mail_size: true };
            check_design_source(&source, data, options, sandbox, &mut report);
        }
        Err(e) => report.extend(e.0),
    }
    report
}

/// Checks a design held in memory (`name` stands for its file in messages; its pictures and
/// fonts resolve against the current folder), as [`check_design`] does a file.
pub fn check_design_text(name: &str, text: &str, data: &BTreeMap<String, String>) -> Report {
    let mut report = Report::default();
    let source = Source { path: PathBuf::from(name), text: text.to_string() };
    let options = preflight::Options { mail_size: true };
    check_design_source(&source, data, options, &Sandbox::default(), &mut report);
    report.sort();
    report
}

/// Reads a design for every format problem, then resolves it; `None` when it has errors
/// that stop the checks after reading. Problems go into `report`.
fn read_design(source: &Source, sandbox: &Sandbox, report: &mut Report) -> Option<design::Design> {
    let outcome = keys::check::<DesignFile>(source);
    report.extend(outcome.problems.iter().cloned());
    if outcome.syntax {
        return None;
    }
    let text = if outcome.problems.is_empty() {
        source.text.clone()
    } else {
        match &outcome.patched {
            Some(t) => t.clone(),
            None => {
                report.notes.push(format!(
                    "{}: fix these and check again; the layout, mail and print checks run once the file reads without errors",
                    source.path.display()
                ));
                return None;
            }
        }
    };
    let readable = Source { path: source.path.clone(), text };
    let result = design::parse(&readable, sandbox);
    let follows = |d: &Diagnostic| match d.position {
        Some((line, _)) => outcome.tainted.iter().any(|r| r.contains(&line)),
        None => outcome.tainted_top,
    };
    match result {
        Err(e) => {
            report.extend(e.0.into_iter().filter(|d| !follows(d)));
            None
        }
        Ok(_) if !outcome.problems.is_empty() => {
            report.notes.push(format!(
                "{}: fix these and check again; the layout, mail and print checks run once the file reads without errors",
                source.path.display()
            ));
            None
        }
        Ok(design) => Some(design),
    }
}

fn check_design_source(
    source: &Source,
    data: &dyn layout::Fields,
    options: preflight::Options,
    sandbox: &Sandbox,
    report: &mut Report,
) {
    let Some(mut design) = read_design(source, sandbox, report) else { return };
    let mut warnings = Warnings::default();
    if let Err(e) = crate::model::fallback::prepare_design(
        &mut design,
        &|n| data.get(n),
        &[],
        data.fonts(),
        sandbox,
        &mut warnings,
    ) {
        report.extend(e.0);
        return;
    }
    let pictures = Pictures::default();
    // One layout serves the PDF and the print checks.
    let (pages, errors) = layout::layout_pages(&design, data, &pictures, &mut warnings);
    let complete = errors.is_empty();
    let laid = if errors.is_empty() {
        layout::printed(&design, pages.clone())
    } else {
        Err(crate::base::diag::Error(errors))
    };
    report.extend(warnings.0);
    let mut printed = design.pages.len();
    match laid {
        Ok(pages) => {
            printed = pages.len();
            if pages.len() > crate::input::limits::MAX_LAID_OUT_PAGES {
                report.extend([Diagnostic::error(format!(
                    "the design lays out to {} pages; letterkit makes up to {} from one design",
                    pages.len(),
                    crate::input::limits::MAX_LAID_OUT_PAGES
                ))
                .code("limit.checked-pages")
                .in_file(&design.path)]);
            } else if let Err(e) = render::pdf(
                &pages,
                &PdfOptions { title: design.title.clone(), pdf_a: false, language: String::new() },
            ) {
                report.extend(e.0.into_iter().map(|d| Diagnostic { file: Some(design.path.clone()), ..d }));
            }
        }
        Err(e) => report.extend(e.0),
    }
    report.extend(preflight::mail_checks(&design, printed, options));
    // The address sides by the Postal Service's rules, as `render` and `build` check them.
    let mailed =
        crate::kit::audit_mail(&design, &pages, crate::kit::Mailed::AsDesigned, Some(&source.text), complete);
    report.extend(mailed);
    report.extend(preflight::print_checks(&design, &pages));
    let what = match preflight::piece_of(&design) {
        preflight::Piece::Bare => "a piece mailed bare",
        preflight::Piece::Envelope => "an envelope",
        preflight::Piece::Letter => "a letter",
        preflight::Piece::FoldedCard => "a folded card",
        preflight::Piece::Other => "a design",
    };
    report.checked.push(format!(
        "{}: {what}, {:.3} x {:.3} in, {printed} page{}",
        source.path.display(),
        design.width / crate::base::units::PT_PER_IN,
        design.height / crate::base::units::PT_PER_IN,
        if printed == 1 { "" } else { "s" }
    ));
}

/// Checks a kit: the campaign's format, the participants list, the designs the campaign
/// names, then the whole build (every piece and envelope laid out and written as PDF into a
/// private temporary folder that is removed again), then the designs' mail and print checks.
pub fn check_kit(
    campaign_path: Option<&Path>,
    participants_path: Option<&Path>,
    count: u32,
    sandbox: &Sandbox,
) -> Report {
    let mut report = Report::default();
    // The participants list first: its problems are reported even when the campaign has some.
    let people = match participants_path {
        Some(path) => match crate::input::read_list_text(path) {
            Ok(source) => {
                let mut warnings = Warnings::default();
                let result = participants::parse(&source, &mut warnings);
                report.extend(warnings.0);
                report.extend(data::short_rows(&source));
                match result {
                    Ok(people) => {
                        report.extend(data::participants(&source, &people));
                        report.checked.push(format!("{}: {} participants", path.display(), people.len()));
                        Some(people)
                    }
                    Err(e) => {
                        report.extend(e.0);
                        None
                    }
                }
            }
            Err(e) => {
                report.extend(e.0);
                None
            }
        },
        None => None,
    };
    if let Some(path) = campaign_path {
        match crate::input::read_text(path) {
            Ok(source) => {
                let outcome = keys::check::<Campaign>(&source);
                if !outcome.problems.is_empty() {
                    report.extend(outcome.problems);
                    report.notes.push(format!(
                        "{}: fix these and check again; the kit is checked once the campaign reads without errors",
                        path.display()
                    ));
                    return report;
                }
            }
            Err(e) => {
                report.extend(e.0);
                return report;
            }
        }
    }
    if participants_path.is_some() && people.is_none() {
        return report;
    }
    let loaded = match campaign::load(campaign_path, sandbox) {
        Ok(c) => c,
        Err(e) => {
            report.extend(e.0);
            return report;
        }
    };
    let defaults = &loaded.campaign.defaults;
    let pieces = match &people {
        Some(p) => data::piece_count(p, defaults),
        None => u64::from(count) * u64::from(defaults.letters + defaults.cards + defaults.postcards),
    };
    if pieces > crate::input::limits::MAX_PIECES {
        let mut d = Diagnostic::error(format!(
            "the kit would have {pieces} pieces; letterkit makes up to {} in one run",
            crate::input::limits::MAX_PIECES
        ))
        .code("limit.kit-pieces")
        .hint("split the participants list into several lists and build a kit for each");
        if let Some(p) = participants_path {
            d = d.in_file(p);
        }
        report.extend([d]);
        return report;
    }
    let used = |kind: usize| match &people {
        Some(people) => people.iter().any(|p| {
            [
                p.letters.unwrap_or(defaults.letters),
                p.cards.unwrap_or(defaults.cards),
                p.postcards.unwrap_or(defaults.postcards),
            ][kind]
                > 0
        }),
        None => [defaults.letters, defaults.cards, defaults.postcards][kind] > 0,
    };
    let c = &loaded.campaign;
    let named = [
        ("letter", c.letter.clone(), used(0)),
        ("card", c.card.clone(), used(1)),
        ("postcard", c.postcard.clone(), used(2)),
    ];
    let mut designs_read = true;
    for (key, name, used) in &named {
        if !used || crate::kit::BUILTIN_DESIGNS.iter().any(|(n, ..)| n == name) {
            continue;
        }
        let base = loaded.base_dir.clone().unwrap_or_default();
        let path = base.join(name);
        if let Err(refused) = loaded.sandbox.confine_in(&path, &base, "campaign") {
            let offset = loaded_offset(&loaded, key);
            report.extend([Diagnostic {
                message: format!("{key}: the design {}", refused.message),
                ..refused
            }
            .at_offset(&campaign_source(&loaded), offset)]);
            designs_read = false;
            continue;
        }
        if let Ok(source) = crate::input::read_text(&path)
            && read_design(&source, sandbox, &mut report).is_none()
        {
            designs_read = false;
        }
    }
    if !designs_read {
        report
            .notes
            .push("fix these and check again; the kit is built once its designs read without errors".into());
        return report;
    }

    // The build itself, into a private folder (0700) that is removed again; one left by a
    // check that was killed is removed by the next check.
    let scratch = match crate::output::scratch::Scratch::new("check") {
        Ok(scratch) => scratch,
        Err(e) => {
            report.extend(e.0);
            return report;
        }
    };
    let options = crate::kit::BuildOptions {
        campaign: campaign_path.map(Path::to_path_buf),
        participants: participants_path.map(Path::to_path_buf),
        count,
        output: scratch.path().join("kit"),
        split: false,
        one_file: false,
        print: crate::impose::PrintOptions::default(),
        timings: false,
        force: false,
        sandbox: sandbox.clone(),
        progress: None,
        sign_in_url: None,
    };
    let mut warnings = Warnings::default();
    let built = crate::kit::build(&options, &mut warnings);
    report.extend(warnings.0);
    let manifest = std::fs::read(options.output.join("manifest.json")).ok();
    drop(scratch);
    match built {
        Ok(_) => report.checked.push(format!(
            "the kit for \"{}\": {pieces} pieces and their envelopes laid out and made into PDFs (in a temporary folder, removed again)",
            c.name
        )),
        Err(e) => report.extend(e.0),
    }
    if let Some(note) = &c.recipient.note {
        report.notes.push(note.clone());
    }
    if let Some(manifest) = manifest.and_then(|m| serde_json::from_slice::<serde_json::Value>(&m).ok()) {
        report.extend(heavy_pieces(&manifest, &report.diagnostics));
    }

    // The designs' own checks, once each, with the first participant's data.
    let first = people.as_ref().and_then(|p| p.first());
    for (kind, (key, name, used)) in named.iter().enumerate() {
        if !used {
            continue;
        }
        let paper = (kind == 0).then_some(loaded.paper);
        if let Ok(design) = crate::kit::campaign_design(&loaded, key, name, paper) {
            let fields = sample_fields(&loaded, first, key);
            let pictures = Pictures::default();
            let options = preflight::Options { mail_size: false };
            report.extend(preflight::mail_checks(&design, design.pages.len(), options));
            // The build reported the layout's warnings and errors.
            let (pages, _) = layout::layout_pages(&design, &fields, &pictures, &mut Warnings::default());
            report.extend(preflight::print_checks(&design, &pages));
        }
    }
    report
}

/// Pieces the manifest estimates at over one ounce that the build did not warn about.
fn heavy_pieces(manifest: &serde_json::Value, said: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for piece in manifest["pieces"].as_array().into_iter().flatten() {
        let (Some(id), Some(ounces)) = (piece["id"].as_str(), piece["weight_oz"].as_f64()) else { continue };
        if crate::mail::over_one_ounce(ounces) && !said.iter().any(|d| d.message.contains(id)) {
            out.push(Diagnostic::warning(format!(
                "{id}: about {ounces:.2} oz with its envelope, over one ounce: it needs ${:.2} postage (docs/mail-rules.md 6)",
                piece["postage_usd"].as_f64().unwrap_or(0.0)
            )));
        }
    }
    out
}

/// The campaign's text, to place messages about its keys.
fn campaign_source(loaded: &LoadedCampaign) -> Source {
    if loaded.builtin {
        Source::builtin(campaign::DEFAULT_CAMPAIGN_PATH, campaign::DEFAULT_CAMPAIGN)
    } else {
        crate::input::read_text(&loaded.path)
            .unwrap_or_else(|_| Source::builtin(&loaded.path.to_string_lossy(), ""))
    }
}

/// The offset of a top-level key in the campaign's text (0 if not found).
fn loaded_offset(loaded: &LoadedCampaign, key: &str) -> usize {
    let source = campaign_source(loaded);
    let (table, _) = toml::de::DeTable::parse_recoverable(&source.text);
    table
        .get_ref()
        .iter()
        .find(|(k, _)| <str as AsRef<str>>::as_ref(k.get_ref()) == key)
        .map_or(0, |(k, _)| k.span().start)
}

/// Values for a design's placeholders like the ones the kit fills in for one piece.
fn sample_fields(
    loaded: &LoadedCampaign,
    person: Option<&Participant>,
    key: &str,
) -> BTreeMap<String, String> {
    let mut fields = loaded.fields();
    // The participant's values before the campaign's, as the kit looks them up.
    for name in fields::participant_field_names(person) {
        if let Some(value) = fields::participant_field(person, &name) {
            fields.insert(name, value);
        }
    }
    let prefix = match key {
        "card" => "C",
        "postcard" => "P",
        _ => "L",
    };
    fields.insert("piece".into(), format!("{prefix}-0001"));
    fields.insert("number".into(), "1 of 1".into());
    let points = loaded.points();
    if let Some((_, p)) = points.first() {
        fields.insert("prompt_1".into(), p.to_string());
        fields.insert("prompt_2".into(), points.get(1).map_or(*p, |(_, q)| q).to_string());
    }
    if let Some(typed) = &loaded.campaign.typed {
        let fill = |t: Option<&toml::Spanned<String>>| {
            let template = t.and_then(|t| crate::text::Template::parse(t.get_ref()).ok())?;
            let spans = template.fill(&|n| fields.get(n).cloned()).ok()?;
            Some(spans.into_iter().map(|s| s.text).collect::<String>())
        };
        let body: Vec<String> = [typed.opening.first(), typed.middle.first(), typed.closing.first()]
            .into_iter()
            .filter_map(fill)
            .collect();
        fields.insert("body".into(), body.join("\n\n"));
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_fills_every_participant_column_as_the_kit_does() {
        let (person, columns) = fields::sample_row();
        let loaded = campaign::load(None, &crate::input::confine::Sandbox::default()).unwrap();
        for key in ["letter", "card", "postcard"] {
            let sample = sample_fields(&loaded, Some(&person), key);
            for (column, value) in &columns {
                assert_eq!(sample.get(column), Some(value), "{key}: column `{column}`");
            }
        }
    }
}
