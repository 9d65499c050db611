//! Turns the host's storage errors into `persist-error`s that say what failed and where,
//! keeping the backend's own words.

use crate::backtest::persist::storage::StorageError;
use crate::exports::backtest::persist::types::{FieldError, PersistError, StorageFailure};
use persist_core::keys::{KeyError, shown};

/// The backend's words for a storage error.
pub fn describe(e: &StorageError) -> String {
    match e {
        StorageError::InvalidKey(m) => format!("the store refused the key: {m}"),
        StorageError::TooLarge(cap) => {
            format!("the document is larger than the store's cap of {cap} bytes")
        }
        StorageError::Unavailable(m) => {
            format!("storage unavailable (retry when the backend is back): {m}")
        }
        StorageError::Io(m) => m.clone(),
    }
}

/// `context` is backtest-kit's wording of the operation, such as
/// `Failed to write entity orders:42`.
pub fn storage_failure(context: String, e: StorageError) -> PersistError {
    match e {
        StorageError::InvalidKey(_) => {
            PersistError::InvalidKey(format!("{context}: {}", describe(&e)))
        }
        StorageError::TooLarge(_) => PersistError::InvalidInput(FieldError {
            path: "value".to_string(),
            reason: format!("{context}: {}", describe(&e)),
        }),
        StorageError::Unavailable(_) | StorageError::Io(_) => {
            PersistError::Storage(StorageFailure {
                message: format!("{context}: {}", describe(&e)),
                error: e,
            })
        }
    }
}

/// A read that failed. A stored document over this process's size cap is not the caller's
/// input: it is a storage error that says the document was left in place and how to read it.
pub fn read_failure(context: String, e: StorageError) -> PersistError {
    match e {
        StorageError::TooLarge(cap) => PersistError::Storage(StorageFailure {
            message: format!(
                "{context}: the stored document is larger than this process's cap of {cap} bytes; \
                 it was left in place (raise --max-document-bytes to read it)"
            ),
            error: e,
        }),
        e => storage_failure(context, e),
    }
}

/// A caller-supplied name that cannot be stored.
pub fn invalid_key(what: &str, raw: &str, e: KeyError) -> PersistError {
    PersistError::InvalidKey(format!("{what} {:?} cannot be stored: it {e}", shown(raw)))
}
