//! The registry of checks: every problem letterkit reports by rule, each with a stable code,
//! its severity, where it runs and the rule it enforces.
//!
//! A diagnostic names its check with [`Diagnostic::code`](crate::base::diag::Diagnostic::code);
//! `letterkit check --format json` prints it as `"code"`. `docs/checks.md` has one table row
//! per entry (its Code column), and `tests/checks_registry.rs` fails when the two disagree, or
//! when a `.code("…")` anywhere in `src/` names a code that is not here.
//!
//! Adding a check: an entry here, `.code("…")` where the diagnostic is made, and its row in
//! `docs/checks.md`.
//!
//! It lives in `base` so that every layer that finds a problem can name it.

/// How serious the problems a check finds are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sev {
    /// Always an error: nothing is written.
    Error,
    /// Always a warning.
    Warning,
    /// An error or a warning, depending on what is found.
    Both,
}

impl Sev {
    /// As the `Sev.` column of `docs/checks.md` writes it: `E`, `W` or `E / W`.
    pub fn letter(self) -> &'static str {
        match self {
            Sev::Error => "E",
            Sev::Warning => "W",
            Sev::Both => "E / W",
        }
    }
}

/// One check letterkit makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// Stable short code, `area.name` (`mail.read-area`); never reused for another check.
    pub code: &'static str,
    /// Error, warning or either.
    pub severity: Sev,
    /// Where it runs, as the Where column of `docs/checks.md` says: `all` (every command that
    /// reads the file), `layout` (every command that lays out), `check` (`letterkit check`
    /// only), `build`, or a list of these.
    pub stage: &'static str,
    /// The rule it enforces (DMM section, docs/mail-rules.md section, print shops' rule, letterkit's own
    /// format); for a limit, the number.
    pub rule: &'static str,
}

/// Finds a check by its code.
pub fn find(code: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.code == code)
}

/// Every check, in the order of `docs/checks.md`.
pub const CHECKS: &[Check] = &[
    Check { code: "format.toml-syntax", severity: Sev::Error, stage: "all", rule: "TOML 1.0" },
    Check {
        code: "format.unknown-key",
        severity: Sev::Error,
        stage: "check (first one: all)",
        rule: "letterkit design format (`src/model/design.rs`)",
    },
    Check {
        code: "format.wrong-type",
        severity: Sev::Error,
        stage: "check (first: all)",
        rule: "letterkit design format",
    },
    Check {
        code: "format.unknown-choice",
        severity: Sev::Error,
        stage: "check (first: all)",
        rule: "letterkit design format",
    },
    Check {
        code: "format.bad-value",
        severity: Sev::Error,
        stage: "check (first: all)",
        rule: "letterkit design format",
    },
    Check {
        code: "format.list-length",
        severity: Sev::Error,
        stage: "check (first: all)",
        rule: "letterkit design format",
    },
    Check {
        code: "format.missing-key",
        severity: Sev::Error,
        stage: "check (first: all)",
        rule: "letterkit design format",
    },
    Check { code: "format.resolve", severity: Sev::Error, stage: "all", rule: "letterkit design format" },
    Check {
        code: "lang.unknown",
        severity: Sev::Error,
        stage: "all",
        rule: "IETF BCP 47 tags; letterkit translation tables (docs/campaign.md 11)",
    },
    Check {
        code: "lang.labels",
        severity: Sev::Error,
        stage: "all",
        rule: "letterkit translation tables (`lang/en.toml`; docs/campaign.md 11)",
    },
    Check {
        code: "lang.unofficial",
        severity: Sev::Warning,
        stage: "check; build",
        rule: "letterkit campaign format (`unofficial` translations; docs/campaign.md 11)",
    },
    Check {
        code: "mail.too-small",
        severity: Sev::Error,
        stage: "check; build (postcards)",
        rule: "DMM 601.1.2, DMM 101.1.1a (mail-rules 1.1)",
    },
    Check {
        code: "mail.card-price",
        severity: Sev::Warning,
        stage: "check",
        rule: "DMM 201.1.2.1, QSG 201 (mail-rules 1.2)",
    },
    Check {
        code: "mail.card-too-large",
        severity: Sev::Error,
        stage: "check; build (postcards)",
        rule: "DMM 101.1.1b (mail-rules 1.3)",
    },
    Check {
        code: "mail.flat-envelope",
        severity: Sev::Warning,
        stage: "check",
        rule: "DMM 101.1.1b (mail-rules 1.3)",
    },
    Check {
        code: "mail.aspect-ratio",
        severity: Sev::Warning,
        stage: "check; build (envelopes)",
        rule: "DMM 101.1.2a; PB 22212 (mail-rules 1.4, 1.2)",
    },
    Check {
        code: "mail.address-orientation",
        severity: Sev::Error,
        stage: "check",
        rule: "QSG 201 (\"length is the dimension parallel to the address\"); DMM 101.1.2g (mail-rules 1.1, 1.4)",
    },
    Check {
        code: "mail.read-area",
        severity: Sev::Error,
        stage: "layout",
        rule: "DMM 202.2.1; Pub 28 A1 (mail-rules 2.1)",
    },
    Check {
        code: "mail.address-wrap",
        severity: Sev::Error,
        stage: "layout",
        rule: "Pub 28 A1, 2.4 (mail-rules 2.4)",
    },
    Check {
        code: "mail.no-address",
        severity: Sev::Error,
        stage: "render, preview, check, build",
        rule: "DMM 202.2.1; Pub 28 A1 (mail-rules 2.1)",
    },
    Check {
        code: "mail.empty-address",
        severity: Sev::Error,
        stage: "render, preview, check, build",
        rule: "DMM 202.2.1; Pub 28 A1 (mail-rules 2.1)",
    },
    Check {
        code: "mail.read-area-ink",
        severity: Sev::Warning,
        stage: "render, preview, check, build",
        rule: "Pub 28 A1; DMM 202.2.1 (mail-rules 2.1, 2.5)",
    },
    Check {
        code: "mail.barcode-zone",
        severity: Sev::Warning,
        stage: "render, preview, check, build",
        rule: "Pub 28 A1 (mail-rules 2.2)",
    },
    Check {
        code: "mail.weight",
        severity: Sev::Warning,
        stage: "check; build (over 4 sheets)",
        rule: "mail-rules 6 (weights, postage)",
    },
    Check {
        code: "mail.envelope-fit",
        severity: Sev::Both,
        stage: "check; build",
        rule: "vendors' fit rule (mail-rules 3.1); DMM 101.1.2a",
    },
    Check {
        code: "print.overflow",
        severity: Sev::Error,
        stage: "layout",
        rule: "letterkit (`overflow`, `shrink_to`)",
    },
    Check {
        code: "print.missing-glyph",
        severity: Sev::Error,
        stage: "layout",
        rule: "letterkit font fallback",
    },
    Check {
        code: "print.resolution",
        severity: Sev::Warning,
        stage: "check",
        rule: "print shops: 300 dpi (mail-rules 5, Resolution)",
    },
    Check {
        code: "print.blurry",
        severity: Sev::Warning,
        stage: "layout",
        rule: "letterkit (\"will look blurry\")",
    },
    Check {
        code: "print.photo-resolution",
        severity: Sev::Warning,
        stage: "build; check",
        rule: "print shops: 300 dpi (mail-rules 5, Resolution)",
    },
    Check {
        code: "print.safe-zone",
        severity: Sev::Warning,
        stage: "check",
        rule: "print shops: 1/8 in minimum (mail-rules 5, Safe zone)",
    },
    Check {
        code: "print.bleed",
        severity: Sev::Warning,
        stage: "check",
        rule: "print shops: 1/8 in bleed (mail-rules 5, Bleed)",
    },
    Check {
        code: "print.small-text",
        severity: Sev::Warning,
        stage: "check",
        rule: "print shops: 6–7 pt minimum (mail-rules 5, Fonts)",
    },
    Check { code: "print.pdf", severity: Sev::Error, stage: "check", rule: "—" },
    Check {
        code: "data.utf8",
        severity: Sev::Error,
        stage: "all",
        rule: "letterkit (spreadsheets: \"CSV UTF-8\")",
    },
    Check { code: "data.header", severity: Sev::Error, stage: "all", rule: "letterkit participants format" },
    Check { code: "data.row", severity: Sev::Error, stage: "all", rule: "letterkit participants format" },
    Check { code: "data.extra-values", severity: Sev::Error, stage: "all", rule: "CSV (RFC 4180)" },
    Check {
        code: "data.zip",
        severity: Sev::Warning,
        stage: "all",
        rule: "Pub 28 (ZIP Code, ZIP+4) (mail-rules 2.4)",
    },
    Check { code: "data.state", severity: Sev::Warning, stage: "all", rule: "Pub 28 Appendix B" },
    Check {
        code: "data.country",
        severity: Sev::Warning,
        stage: "all",
        rule: "layouts/countries.toml; UPU addressing (mail-rules 10)",
    },
    Check {
        code: "data.postal-code",
        severity: Sev::Warning,
        stage: "all",
        rule: "national posts via the UPU (mail-rules 10)",
    },
    Check {
        code: "data.return-address",
        severity: Sev::Warning,
        stage: "check",
        rule: "DMM 202.1.2 / 602.1.5; return address recommended (mail-rules 2.3)",
    },
    Check { code: "data.duplicate", severity: Sev::Warning, stage: "check", rule: "—" },
    Check { code: "data.shifted-row", severity: Sev::Warning, stage: "check", rule: "CSV (RFC 4180)" },
    Check { code: "data.empty-lines", severity: Sev::Warning, stage: "all", rule: "—" },
    Check {
        code: "data.repaired",
        severity: Sev::Warning,
        stage: "all",
        rule: "Pub 28 Appendix A2 and B, ZIP Code (mail-rules 2.4)",
    },
    Check {
        code: "kit.row-skipped",
        severity: Sev::Warning,
        stage: "build",
        rule: "letterkit (`--keep-going`)",
    },
    Check {
        code: "input.outside-folder",
        severity: Sev::Error,
        stage: "all",
        rule: "letterkit: a shared design reads only its own folder and the bundled files, unless `--allow-path DIR`",
    },
    Check { code: "input.campaign-design-outside", severity: Sev::Error, stage: "check", rule: "same rule" },
    Check {
        code: "input.damaged-picture",
        severity: Sev::Error,
        stage: "all",
        rule: "ITU-T T.81 (JPEG); ISO/IEC 15948 (PNG)",
    },
    Check {
        code: "input.damaged-font",
        severity: Sev::Error,
        stage: "all",
        rule: "OpenType (table directory, `cmap`, `glyf`/`CFF`)",
    },
    Check {
        code: "input.font-embed",
        severity: Sev::Error,
        stage: "all",
        rule: "the PDF embeds a subset of every font (ISO 32000-1 9.9)",
    },
    Check {
        code: "input.not-regular-file",
        severity: Sev::Error,
        stage: "all",
        rule: "letterkit: refused by type before it is read (see [Limits](#limits))",
    },
    Check { code: "input.over-limit", severity: Sev::Error, stage: "all (as listed)", rule: "limits" },
    Check {
        code: "input.toml-depth",
        severity: Sev::Error,
        stage: "all",
        rule: "the TOML parser's recursion limit",
    },
    Check {
        code: "output.is-input",
        severity: Sev::Error,
        stage: "render, preview, build, envelopes, share",
        rule: "letterkit (`check_not_input`)",
    },
    Check {
        code: "output.kit-folder",
        severity: Sev::Error,
        stage: "build",
        rule: "letterkit (`output::folder::output_folder`): a new kit replaces its whole folder",
    },
    Check {
        code: "output.foreign-files",
        severity: Sev::Error,
        stage: "build",
        rule: "letterkit (`output::folder::replaceable`)",
    },
    Check {
        code: "output.locked",
        severity: Sev::Error,
        stage: "build, and every single-file output",
        rule: "letterkit (`output::lock`)",
    },
    Check {
        code: "limit.file-size",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 64 MiB",
    },
    Check {
        code: "limit.toml-size",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 4 MiB",
    },
    Check {
        code: "limit.picture-file",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 64 MiB",
    },
    Check {
        code: "limit.picture-pixels",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 150 megapixels",
    },
    Check {
        code: "limit.picture-memory",
        severity: Sev::Error,
        stage: "all (`render`, `preview`, `share`, `check`, `build`)",
        rule: "limits (`src/input/limits.rs`): 320 MiB (a 100-megapixel 8-bit colour photo fits; a 12000 × 12000 16-bit RGBA PNG needs 1,098 MiB)",
    },
    Check {
        code: "limit.font-file",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 64 MiB",
    },
    Check {
        code: "limit.text-chars",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 100,000",
    },
    Check {
        code: "limit.filled-chars",
        severity: Sev::Error,
        stage: "layout",
        rule: "limits (`src/input/limits.rs`): 200,000",
    },
    Check {
        code: "limit.elements",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 2,000",
    },
    Check {
        code: "limit.styles",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 1,000",
    },
    Check {
        code: "limit.extends-chain",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 32",
    },
    Check {
        code: "limit.named-pages",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 100",
    },
    Check {
        code: "limit.font-families",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 32",
    },
    Check {
        code: "limit.continuation-pages",
        severity: Sev::Error,
        stage: "layout",
        rule: "limits (`src/input/limits.rs`): 200",
    },
    Check {
        code: "limit.checked-pages",
        severity: Sev::Error,
        stage: "check",
        rule: "limits (`src/input/limits.rs`): 1,000",
    },
    Check {
        code: "limit.hashtags",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 100 each",
    },
    Check {
        code: "limit.themes",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 100",
    },
    Check {
        code: "limit.theme-points",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 100",
    },
    Check {
        code: "limit.csv-columns",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 100",
    },
    Check {
        code: "limit.csv-value",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 10,000",
    },
    Check {
        code: "limit.csv-rows",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 100,000",
    },
    Check {
        code: "limit.participant-pieces",
        severity: Sev::Error,
        stage: "all",
        rule: "limits (`src/input/limits.rs`): 100",
    },
    Check {
        code: "limit.kit-pieces",
        severity: Sev::Error,
        stage: "check; build",
        rule: "limits (`src/input/limits.rs`): 50,000",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for check in CHECKS {
            assert!(seen.insert(check.code), "`{}` is in the registry twice", check.code);
            let (area, name) = check.code.split_once('.').expect("a code is area.name");
            let ok = |s: &str| {
                !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            };
            assert!(ok(area) && ok(name), "`{}`: lower case, digits and `-` only", check.code);
            assert!(!check.stage.is_empty() && !check.rule.is_empty(), "`{}` says where and why", check.code);
        }
    }
}
