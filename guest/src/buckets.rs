//! The host's buckets, opened once per name for the life of the component instance.

use crate::backtest::persist::storage::{self, Bucket};
use crate::errors::storage_failure;
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
