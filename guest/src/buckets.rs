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

/// [`read_stored`] of many ids of one entity in one storage call: `names` holds each id's
/// stored names (persist's first); an id absent under its first name is looked up under the
/// others one by one. `at` names the entity in errors.
pub fn read_stored_many(
    bucket: &Bucket,
    entity: &str,
    names: Vec<Vec<String>>,
    at: &str,
) -> Result<Vec<Option<Vec<u8>>>, PersistError> {
    let first: Vec<String> = names
        .iter()
        .map(|n| n.first().cloned().unwrap_or_default())
        .collect();
    let found = bucket
        .read_many(entity, &first)
        .map_err(|e| read_failure(format!("Failed to read entities of {at}"), e))?;
    found
        .into_iter()
        .zip(names)
        .map(|(found, names)| match found {
            Some(bytes) => Ok(Some(bytes)),
            None if names.len() > 1 => read_stored(
                bucket,
                entity,
                names[1..].to_vec(),
                &format!("{at}:{}", names[0]),
            ),
            None => Ok(None),
        })
        .collect()
}

/// Whether a read found the document: one larger than this process reads is there too.
pub fn exists(read: Result<Option<Vec<u8>>, PersistError>) -> Result<bool, PersistError> {
    match read {
        Ok(found) => Ok(found.is_some()),
        Err(PersistError::Storage(f)) if matches!(f.error, StorageError::TooLarge(_)) => Ok(true),
        Err(e) => Err(e),
    }
}
