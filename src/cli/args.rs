//! The command line: every argument letterkit takes, as clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::cli::commands;

/// Turns TOML designs into print-ready PDFs for letter-writing campaigns.
///
/// With no command, builds a party kit for the built-in campaign into ./letterkit-out/.
#[derive(Parser)]
#[command(name = "letterkit", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Let designs read pictures and fonts from this folder too (repeatable). A design may
    /// otherwise only use files in its own folder and the bundled ones.
    #[arg(long = "allow-path", value_name = "DIR", global = true)]
    pub allow_path: Vec<PathBuf>,
    /// Look for fonts in this folder (repeatable) for characters the bundled fonts and the
    /// campaign's [fonts] lack, before the fonts installed on this computer.
    #[arg(long = "font-path", value_name = "DIR", global = true)]
    pub font_path: Vec<PathBuf>,
    /// Leave the fonts installed on this computer out of the search for missing characters,
    /// so the same inputs make the same PDFs on every computer.
    #[arg(long, global = true)]
    pub ignore_system_fonts: bool,
}

impl Cli {
    /// Where designs may read files from and where fallback fonts may come from.
    pub fn sandbox(&self) -> crate::input::confine::Sandbox {
        crate::input::confine::Sandbox::new(&self.allow_path).with_font_dirs(
            crate::input::fontdirs::FontDirs {
                paths: self.font_path.clone(),
                system: !self.ignore_system_fonts,
            },
        )
    }
}

/// What `render` and `preview` fill a design with: `--set` values, and a campaign's fields and
/// one participant's row, or marked samples.
#[derive(Args, Clone, Default)]
pub struct FillArgs {
    /// Fill a placeholder: --set name="Ada Lovelace" (repeatable).
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    sets: Vec<String>,
    #[command(flatten)]
    piece: crate::kit::PieceArgs,
    /// The participants list --row and --participant pick from. Default: participants.csv
    /// beside the campaign.
    #[arg(short, long, value_name = "FILE")]
    participants: Option<PathBuf>,
}

impl FillArgs {
    /// The values to fill the design at `design` with ([`crate::kit::design_fields`]).
    pub fn fields(
        &self,
        design: &std::path::Path,
        sandbox: &crate::input::confine::Sandbox,
        warnings: &mut crate::base::diag::Warnings,
    ) -> crate::base::diag::Result<crate::kit::DesignFields> {
        let sets = crate::model::fields::parse_sets(&self.sets)?;
        crate::kit::design_fields(design, &self.piece, self.participants.as_deref(), &sets, sandbox, warnings)
    }
}

/// How pieces go onto paper.
#[derive(Args, Clone, Default)]
pub struct PrintArgs {
    /// Put postcards and cards N-up on sheets of this paper (letter or a4), with crop marks.
    #[arg(long, value_name = "PAPER")]
    sheet: Option<String>,
    /// With --sheet: columns x rows, e.g. 2x2. Default: as many as fit.
    #[arg(long, value_name = "CxR")]
    grid: Option<String>,
    /// With --sheet: space between pieces, e.g. 0.25in. Default: 1/4 in, or none when that fits fewer.
    #[arg(long, value_name = "LENGTH")]
    gutter: Option<String>,
    /// How your printer turns two-sided sheets over: each back is placed for this flip, on
    /// --sheet sheets (default: long) and one piece to a page alike.
    #[arg(long, value_enum, conflicts_with_all = ["print_shop", "print_shop_marks"])]
    duplex: Option<crate::impose::Duplex>,
    /// With --sheet: leave out the crop marks.
    #[arg(long)]
    no_marks: bool,
    /// With --sheet: your printer's offsets, from `letterkit calibrate` (a TOML file).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Print-shop files: one piece per page, front and back as separate pages, with its bleed
    /// (this is also what letterkit writes without --sheet).
    #[arg(long, conflicts_with = "sheet")]
    print_shop: bool,
    /// With --print-shop: crop marks outside the bleed box.
    #[arg(long, requires = "print_shop")]
    marks: bool,
    /// Print-shop files with crop marks (the same as --print-shop --marks).
    #[arg(long, conflicts_with = "sheet")]
    print_shop_marks: bool,
}

impl PrintArgs {
    /// The print options as the commands take them.
    pub fn request(self) -> commands::PrintRequest {
        commands::PrintRequest {
            sheet: self.sheet,
            grid: self.grid,
            gutter: self.gutter,
            duplex: self.duplex,
            no_marks: self.no_marks,
            profile: self.profile,
            shop_marks: self.print_shop_marks || (self.print_shop && self.marks),
        }
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Build a party kit: a letter and its own addressed envelope for every participant.
    Build {
        /// The campaign file (TOML). Default: the built-in "Free people from ICE detention" campaign.
        campaign: Option<PathBuf>,
        /// The participants list: CSV with name,address1,address2,city,state,zip and, optionally, letters,cards,postcards.
        #[arg(short, long)]
        participants: Option<PathBuf>,
        /// The folder to write the kit into.
        #[arg(short, long, default_value = "letterkit-out")]
        output: PathBuf,
        /// Without a participants list: how many unnamed kits to make.
        #[arg(long, default_value_t = 10, conflicts_with = "participants")]
        count: u32,
        /// Also write one PDF per participant (their letters and envelopes) for printing at home.
        #[arg(long)]
        split: bool,
        /// Write the mailed pieces as one PDF, kit.pdf: letters, envelopes, cards, postcards.
        #[arg(long)]
        one_file: bool,
        /// Print where the time went.
        #[arg(long)]
        timings: bool,
        /// Replace the output folder even if it holds files letterkit did not make (they are
        /// deleted); a kit always replaces its whole folder.
        #[arg(long)]
        force: bool,
        /// With a participants list: build every row that can be built and leave out the rest,
        /// listed in the summary, manifest.json and problems.txt (exit status 2 when rows are left out).
        #[arg(long)]
        keep_going: bool,
        /// Number the pieces from N (L-0101 … with --start 101), to go on from an earlier build.
        #[arg(long, value_name = "N", default_value_t = 1,
              value_parser = clap::value_parser!(u32).range(1..=999_999_999))]
        start: u32,
        #[command(flatten)]
        print: PrintArgs,
    },
    /// Write addressed envelopes only (for letters on your own paper or bought cards).
    Envelopes {
        /// Envelope size: 10, 9, A2, A6, A7, A9, DL, C6, C5, 6x9, 6-3/4.
        #[arg(long, default_value = "10")]
        size: String,
        /// How many envelopes, with the return address left blank.
        #[arg(long, default_value_t = 10, conflicts_with = "participants")]
        count: u32,
        /// One envelope per letter for each participant, with their return address.
        #[arg(short, long)]
        participants: Option<PathBuf>,
        /// The campaign file. Default: the built-in campaign.
        #[arg(long)]
        campaign: Option<PathBuf>,
        /// Where to write the PDF.
        #[arg(short, long, default_value = "envelopes.pdf")]
        output: PathBuf,
    },
    /// Write a starter campaign folder (campaign, participants, letter designs) to edit.
    Init {
        /// The folder to create.
        dir: PathBuf,
    },
    /// Run the party in a browser: a page on this computer to edit the campaign and the
    /// participants, preview pieces and build the kit; with --lan, a sign-in page for phones.
    ///
    /// Prints the organiser's address (with its key) as the first line. The folder holds
    /// campaign.toml and participants.csv; it is made as `letterkit init` makes one when it is
    /// new, and the kit is built into its kit/ folder.
    Serve {
        /// The campaign folder. Default: ./letterkit-party/.
        dir: Option<PathBuf>,
        /// The port to listen on; 0 takes any free port.
        #[arg(long, default_value_t = crate::serve::DEFAULT_PORT)]
        port: u16,
        /// Also serve the sign-in page to phones on the local network (listens on every
        /// address of this computer).
        #[arg(long)]
        lan: bool,
        /// Open the organiser's page in the browser.
        #[arg(long)]
        open: bool,
        /// Sign-ins per minute from one phone (0: no limit).
        #[arg(long, value_name = "N", default_value_t = 10)]
        sign_in_limit: u32,
    },
    /// Write a design as a PDF.
    Render {
        /// The design file (TOML).
        design: PathBuf,
        /// Where to write the PDF. Default: the design's name with .pdf.
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        fill: FillArgs,
        /// Write an archival PDF/A-2b file, dated 1970-01-01 or the day of SOURCE_DATE_EPOCH.
        #[arg(long)]
        pdf_a: bool,
        #[command(flatten)]
        print: PrintArgs,
    },
    /// Render one page of a design to PNG, from the PDF it prints as.
    Preview {
        /// The design file (TOML).
        design: PathBuf,
        /// Where to write the PNG. Default: the design's name with .png.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The page to show, from 1.
        #[arg(long, default_value_t = 1)]
        page: usize,
        /// Resolution in dots per inch.
        #[arg(long, default_value_t = 100.0)]
        dpi: f32,
        #[command(flatten)]
        fill: FillArgs,
    },
    /// Make a square picture (1080 x 1080 px) of a postcard front or card cover with the hashtag, to share.
    Share {
        /// A postcard or card design, or a campaign file (its postcard is used).
        input: PathBuf,
        /// Where to write the PNG.
        #[arg(short, long, default_value = "share.png")]
        output: PathBuf,
    },
    /// Write a two-sided test sheet to measure your printer's offsets for --profile.
    Calibrate {
        /// The paper: letter or a4.
        #[arg(long, default_value = "letter")]
        paper: String,
        /// Where to write the PDF.
        #[arg(short, long, default_value = "calibrate.pdf")]
        output: PathBuf,
    },
    /// Check a design or a kit for what would go wrong in print or in the mail; writes nothing.
    ///
    /// Exit status 0 when there are no errors (warnings pass unless --strict), 1 when there are.
    /// docs/checks.md lists every check and the rule it comes from.
    Check(crate::check::CheckArgs),
    /// List the built-in page formats.
    Layouts,
    /// List the bundled fonts.
    Fonts,
    /// Print a language's table of printed labels (default: English, the one to start a new
    /// language from): save it as lang/<tag>.toml next to your campaign and translate it.
    Labels {
        /// The language, an IETF tag such as "en" or "es".
        language: Option<String>,
    },
}
