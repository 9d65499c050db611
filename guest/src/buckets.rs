//! The host's buckets, opened once per name for the life of the component instance.

use crate::backtest::persist::storage::{self, Bucket, StorageError};
use crate::errors::{read_failure, storage_failure};
use crate::exports::backtest::persist::types::PersistError;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// The bucket of the generic `persist-base` entities.
pub const BASE: &str = "base";

thread_local! {
    static OPEN: RefCell<HashMap<String, Rc<Bucket>>> = RefCell::new(HashMap::new());
}

/// The bucket called `name`, opening it on first use.
pub fn bucket(name: &str) -> Result<Rc<Bucket>, PersistError> {
    if let Some(b) = OPEN.with(|open| open.borrow().get(name).cloned()) {
        return Ok(b);
    }
    let opened = Rc::new(
        storage::open(name)
            .map_err(|e| storage_failure(format!("Failed to open bucket {name}"), e))?,
    );
    OPEN.with(|open| open.borrow_mut().insert(name.to_string(), opened.clone()));
    Ok(opened)
}

/// The bytes stored for an id, under the first of its stored names that exists
/// (`persist_core::keys::stored_names`); `at` names the document in errors (`entity:id`).
pub fn read_stored(
    bucket: &Bucket,
    entity: &str,
    names: Vec<String>,
    at: &str,
) -> Result<Option<Vec<u8>>, PersistError> {
    for name in names {
        let found = bucket
            .read(entity, &name)
            .map_err(|e| read_failure(format!("Failed to read entity {at}"), e))?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// Whether a read found the document: one larger than this process reads is there too.
pub fn exists(read: Result<Option<Vec<u8>>, PersistError>) -> Result<bool, PersistError> {
    match read {
        Ok(found) => Ok(found.is_some()),
        Err(PersistError::Storage(f)) if matches!(f.error, StorageError::TooLarge(_)) => Ok(true),
        Err(e) => Err(e),
    }
}
