//! The `letterkit` command: parses arguments and dispatches to [`letterkit::commands`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use letterkit::commands;
use letterkit::diag::{Result, Warnings};

/// Turns TOML designs into print-ready PDFs for letter-writing campaigns.
#[derive(Parser)]
#[command(name = "letterkit", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a design as a PDF.
    Render {
        /// The design file (TOML).
        design: PathBuf,
        /// Where to write the PDF. Default: the design's name with .pdf.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Fill a placeholder: --set name="Ada Lovelace" (repeatable).
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        sets: Vec<String>,
        /// Write an archival PDF/A-2b file.
        #[arg(long)]
        pdf_a: bool,
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
        /// Fill a placeholder: --set name="Ada Lovelace" (repeatable).
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        sets: Vec<String>,
    },
    /// List the built-in page formats.
    Layouts,
    /// List the bundled fonts.
    Fonts,
}

fn run(cli: Cli, warnings: &mut Warnings) -> Result<String> {
    match cli.command {
        Command::Render {
            design,
            output,
            sets,
            pdf_a,
        } => {
            let output = output.unwrap_or_else(|| commands::default_output(&design, "pdf"));
            commands::render(&design, &output, pdf_a, &commands::parse_sets(&sets)?, warnings)
        }
        Command::Preview {
            design,
            output,
            page,
            dpi,
            sets,
        } => {
            let output = output.unwrap_or_else(|| commands::default_output(&design, "png"));
            commands::preview(
                &design,
                &output,
                page,
                dpi,
                &commands::parse_sets(&sets)?,
                warnings,
            )
        }
        Command::Layouts => Ok(commands::layouts()),
        Command::Fonts => Ok(commands::fonts()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut warnings = Warnings::default();
    let result = run(cli, &mut warnings);
    for w in &warnings.0 {
        eprintln!("{w}");
    }
    match result {
        Ok(summary) => {
            print!("{summary}");
            if !summary.ends_with('\n') {
                println!();
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
