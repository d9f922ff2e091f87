//! The `letterkit` command; everything it does is in [`letterkit::cli`].

fn main() -> std::process::ExitCode {
    letterkit::cli::main()
}
