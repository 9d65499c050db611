//! What a `persist` command can fail with: the library's errors, and writing to the terminal.

/// A command's failure; `exit::code` and `exit::hint` say what it means to the user.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Persist(#[from] persist_embed::Error),
    #[error(transparent)]
    Run(#[from] persist_runner::RunError),
    #[error("I/O on the terminal: {0}")]
    Terminal(#[from] std::io::Error),
}
