//! The commands a user runs, on top of the library's layers: the arguments ([`args`]), what
//! each command does ([`commands`]), and the program's entry point ([`main`]).

pub mod args;
pub mod calibrate;
pub mod commands;
pub mod labels;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::base::diag::{Result, Warnings};
use args::{Cli, Command, PrintArgs};

/// Runs a command other than `check`; returns the summary to print. `status` becomes 2 when a
/// build left rows out (`--keep-going`).
fn run(cli: Cli, warnings: &mut Warnings, status: &mut u8) -> Result<String> {
    let sandbox = cli.sandbox();
    let command = cli.command.unwrap_or(Command::Build {
        campaign: None,
        participants: None,
        output: PathBuf::from("letterkit-out"),
        count: 10,
        split: false,
        one_file: false,
        timings: false,
        force: false,
        keep_going: false,
        start: 1,
        print: PrintArgs::default(),
    });
    match command {
        Command::Build {
            campaign,
            participants,
            output,
            count,
            split,
            one_file,
            timings,
            force,
            keep_going,
            start,
            print,
        } => {
            let print = commands::print_options(&print.request())?;
            let options = crate::kit::BuildOptions {
                campaign,
                participants,
                count,
                output,
                split,
                one_file,
                print,
                timings,
                force,
                sandbox,
                progress: None,
                sign_in_url: None,
            };
            let built =
                crate::kit::build_rows(&options, &crate::kit::RowOptions { keep_going, start }, warnings)?;
            if built.skipped > 0 {
                *status = 2;
            }
            Ok(built.summary)
        }
        Command::Envelopes { size, count, participants, campaign, output } => commands::envelopes(
            campaign.as_deref(),
            &sandbox,
            &size,
            count,
            participants.as_deref(),
            &output,
            warnings,
        ),
        Command::Init { dir } => commands::init(&dir),
        Command::Serve { dir, port, lan, open, sign_in_limit } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("letterkit-party"));
            commands::starter_folder(&dir)?;
            crate::serve::run(&crate::serve::ServeOptions { dir, port, lan, open, sign_in_limit, sandbox })
        }
        Command::Render { design, output, fill, pdf_a, print } => {
            let output = output.unwrap_or_else(|| commands::default_output(&design, "pdf"));
            let fields = fill.fields(&design, &sandbox, warnings)?;
            commands::render(&design, &sandbox, &output, pdf_a, &print.request(), &fields, warnings)
        }
        Command::Preview { design, output, page, dpi, fill } => {
            let output = output.unwrap_or_else(|| commands::default_output(&design, "png"));
            let fields = fill.fields(&design, &sandbox, warnings)?;
            commands::preview(&design, &sandbox, &output, page, dpi, &fields, warnings)
        }
        Command::Share { input, output } => commands::share(&input, &sandbox, &output, warnings),
        Command::Calibrate { paper, output } => commands::calibrate(&paper, &output),
        Command::Check(_) => unreachable!("`check` reports by itself; main runs it"),
        Command::Layouts => Ok(commands::layouts()),
        Command::Fonts => Ok(commands::fonts()),
        Command::Labels { language } => labels::labels(language.as_deref()),
    }
}

/// The `letterkit` program: parses the arguments, runs the command, prints its warnings and
/// summary or error, and gives the exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Check(args)) = &cli.command {
        let sandbox = cli.sandbox();
        return ExitCode::from(u8::try_from(crate::check::cli(args, &sandbox)).unwrap_or(1));
    }
    let mut warnings = Warnings::default();
    let mut status = 0;
    let result = run(cli, &mut warnings, &mut status);
    for w in &warnings.0 {
        eprintln!("{w}");
    }
    match result {
        Ok(summary) => {
            print!("{summary}");
            if !summary.ends_with('\n') {
                println!();
            }
            ExitCode::from(status)
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
