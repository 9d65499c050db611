//! The errors of the host library, each with the CLI exit status it maps to.

use crate::bindings::{PersistError, WitStorageError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The entity or id does not exist (`Entity X:Y not found`).
    #[error("{0}")]
    NotFound(String),
    /// The value given was refused; nothing was written.
    #[error("{path}: {reason}")]
    InvalidInput { path: String, reason: String },
    /// The entity name or id cannot be stored; nothing was read or written.
    #[error("{0}")]
    InvalidKey(String),
    /// A stored document is invalid.
    #[error("{0}")]
    Corrupt(String),
    /// The storage backend failed. `retryable` when it was unavailable.
    #[error("{message}")]
    Storage { message: String, retryable: bool },
    /// The guest component trapped or could not be loaded: a bug or a bad `--guest` file.
    #[error("guest component: {0}")]
    Guest(String),
    /// The command line is missing something (a context argument, say).
    #[error("{0}")]
    Usage(String),
    /// The store could not be opened or the host could not be set up.
    #[error("{0}")]
    Setup(String),
    /// A strategy plugin was refused at load, broke a limit, trapped, failed, or answered
    /// something the runner refuses. Nothing of the candle it was asked about was persisted.
    #[error("{0}")]
    Plugin(String),
}

impl Error {
    /// The exit status of the `persist` CLI for this error (see README, "Exit status").
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::NotFound(_) => 3,
            Error::InvalidInput { .. } | Error::InvalidKey(_) => 4,
            Error::Storage { .. } => 5,
            Error::Corrupt(_) => 6,
            Error::Guest(_) | Error::Setup(_) => 1,
            Error::Usage(_) => 2,
            Error::Plugin(_) => 7,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "check the entity and id (`persist ls ENTITY` lists the ids)",
            Error::InvalidInput { .. } => "fix the value; nothing was written",
            Error::InvalidKey(_) => "use a shorter or non-empty name; nothing was read or written",
            Error::Corrupt(_) => "run `persist check` to move invalid documents to the quarantine",
            Error::Storage {
                retryable: true, ..
            } => "the backend is unavailable; retry when it is back",
            Error::Storage { .. } => "check the store's path, permissions and free space",
            Error::Guest(_) => "the guest component failed; if you passed --guest, check that file",
            Error::Setup(_) => "check --store and --guest",
            Error::Usage(_) => "see `persist help` for the arguments each command needs",
            Error::Plugin(_) => {
                "nothing of that candle was persisted; fix the plugin (or raise the limit) and \
                 run the same command again to resume"
            }
        }
    }

    /// The same error with what was being done in front of its message.
    pub(crate) fn with_context(self, context: &str) -> Error {
        match self {
            Error::Storage { message, retryable } => Error::Storage {
                message: format!("{context}: {message}"),
                retryable,
            },
            other => other,
        }
    }

    pub(crate) fn guest(e: wasmtime::Error) -> Error {
        Error::Guest(format!("{e:#}"))
    }
}

impl From<PersistError> for Error {
    fn from(e: PersistError) -> Self {
        match e {
            PersistError::NotFound(m) => Error::NotFound(m),
            PersistError::InvalidInput(f) => Error::InvalidInput {
                path: f.path,
                reason: f.reason,
            },
            PersistError::InvalidKey(m) => Error::InvalidKey(m),
            PersistError::Corrupt(m) => Error::Corrupt(m),
            PersistError::Storage(f) => Error::Storage {
                message: f.message,
                retryable: matches!(f.error, WitStorageError::Unavailable(_)),
            },
        }
    }
}

impl From<crate::storage::StorageError> for Error {
    /// A backend called directly by the host (listing, migrate), not through the guest.
    fn from(e: crate::storage::StorageError) -> Self {
        Error::Storage {
            retryable: matches!(e, crate::storage::StorageError::Unavailable(_)),
            message: e.to_string(),
        }
    }
}
