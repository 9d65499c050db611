//! The exit statuses of `persist` (README, "Exit status") and what the user can do about each
//! error: the one place both are defined.

use super::error::CliError;
use persist_embed::Error;
use persist_runner::RunError;

/// Success.
pub const OK: u8 = 0;
/// The host could not be set up, or the guest failed.
pub const SETUP: u8 = 1;
/// A usage error (clap's own status).
pub const USAGE: u8 = 2;
/// What was asked for does not exist.
pub const NOT_FOUND: u8 = 3;
/// Bad input: invalid JSON, an invalid record, a name that cannot be stored, a bad candle row.
pub const BAD_INPUT: u8 = 4;
/// The store failed.
pub const STORAGE: u8 = 5;
/// `persist check` found invalid documents, or a stored document read is invalid.
pub const FOUND_INVALID: u8 = 6;
/// A strategy plugin was refused or stopped.
pub const PLUGIN: u8 = 7;

/// The statuses, as `persist --help` lists them.
pub const SUMMARY: &str = "Exit status: 0 ok, 1 internal or setup failure, 2 usage error, \
3 not found, 4 bad input (invalid JSON or key, a bad candle row), 5 storage failure, \
6 invalid documents found, 7 plugin refused or stopped.";

/// The exit status for an error.
pub fn code(e: &CliError) -> u8 {
    let e = match e {
        CliError::Persist(e) | CliError::Run(RunError::Persist(e)) => e,
        CliError::Run(RunError::Plugin(_)) => return PLUGIN,
        CliError::Terminal(_) => return SETUP,
    };
    match e {
        Error::NotFound(_) => NOT_FOUND,
        Error::InvalidInput { .. } | Error::InvalidKey(_) => BAD_INPUT,
        Error::Storage { .. } => STORAGE,
        Error::Corrupt(_) => FOUND_INVALID,
        Error::Guest(_) | Error::Setup(_) => SETUP,
        Error::Usage(_) => USAGE,
    }
}

/// What the user can do about an error.
pub fn hint(e: &CliError) -> &'static str {
    let e = match e {
        CliError::Persist(e) | CliError::Run(RunError::Persist(e)) => e,
        CliError::Run(RunError::Plugin(_)) => {
            return "nothing of that candle was persisted; fix the plugin (or raise the limit) \
                    and run the same command again to resume";
        }
        CliError::Terminal(_) => return "check where the output goes",
    };
    match e {
        Error::NotFound(_) => "check the entity and id (`persist ls ENTITY` lists the ids)",
        Error::InvalidInput { .. } => "fix what was given; nothing was changed",
        Error::InvalidKey(_) => "use a shorter or non-empty name; nothing was read or written",
        Error::Corrupt(_) => "run `persist check` to move invalid documents to the quarantine",
        Error::Storage {
            retryable: true, ..
        } => "the backend is unavailable; retry when it is back",
        Error::Storage { .. } => {
            "check the store: its URL and credentials, or its path, permissions and free space"
        }
        Error::Guest(_) => "the guest component failed; if you passed --guest, check that file",
        Error::Setup(_) => "check --store and --guest",
        Error::Usage(_) => "see `persist help` for the arguments each command needs",
    }
}
