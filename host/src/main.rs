//! The `persist` command line. See `persist --help` and README.md.

fn main() -> std::process::ExitCode {
    persist_host::cli::main()
}
