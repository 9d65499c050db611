//! The errors of the embedding library. The CLI maps them to exit statuses and hints.

use crate::bindings::{PersistError, WitStorageError};

/// What a call of the embedding library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The entity or id does not exist (`Entity X:Y not found`).
    #[error("{0}")]
    NotFound(String),
    /// The value given was refused; nothing was written.
    #[error("{path}: {reason}")]
    InvalidInput {
        /// The field: `signal.priceOpen`, `value`.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The entity name or id cannot be stored; nothing was read or written.
    #[error("{0}")]
    InvalidKey(String),
    /// A stored document is invalid.
    #[error("{0}")]
    Corrupt(String),
    /// The storage backend failed. `retryable` when it was unavailable.
    #[error("{message}")]
    Storage {
        /// What failed, where, in the backend's words.
        message: String,
        /// The backend was unavailable: the same call may succeed later.
        retryable: bool,
    },
    /// The guest component trapped or could not be loaded: a bug or a bad `--guest` file.
    #[error("guest component: {0}")]
    Guest(String),
    /// The command line is missing something (a context argument, say).
    #[error("{0}")]
    Usage(String),
    /// The store could not be opened or the host could not be set up.
    #[error("{0}")]
    Setup(String),
}

impl Error {
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

    /// A trap or load failure of a component.
    pub fn guest(e: wasmtime::Error) -> Error {
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
