//! The `persist` command line. See `persist --help` and README.md.
//!
//! - [`cli`]: argument parsing, one function per command, errors as one line and an exit status.
//! - [`bench`]: `persist bench`; [`bench_network`] its Redis and PostgreSQL part,
//!   [`bench_plugin`] its plugin part.
//! - [`ui`]: `persist ui`, the local web pages over the stores.

mod bench;
mod bench_network;
mod bench_plugin;
mod cli;
mod ui;

fn main() -> std::process::ExitCode {
    cli::main()
}
