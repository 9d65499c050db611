//! [`Persist::batch`](crate::Persist::batch): the writes and removals a closure makes through
//! any adapter are held by the host and written, when it returns `Ok`, as one storage batch
//! per store (`write_many`, then `remove_many`). Reads inside the closure see its own
//! changes. An error in the closure writes nothing. A create, compare-and-swap or quarantine
//! inside it first writes what is held, then goes to the store as usual.

use crate::storage::{Backend, StorageError};
use std::collections::HashMap;
use std::sync::Arc;

/// The changes of a batch in progress: the last value of each document (`None`: removed),
/// in the order they were first changed.
#[derive(Default)]
pub(crate) struct Pending {
    changes: Vec<Change>,
    /// (store, entity, id) → position in `changes`.
    index: HashMap<(usize, String, String), usize>,
}

struct Change {
    store: Arc<dyn Backend>,
    entity: String,
    id: String,
    value: Option<Vec<u8>>,
}

/// One store's share of a batch: its writes and its removals.
type StoreChanges = (
    Arc<dyn Backend>,
    Vec<crate::storage::Document>,
    Vec<(String, String)>,
);

/// The identity of a store object, to group a batch's changes by store.
fn store_key(store: &Arc<dyn Backend>) -> usize {
    Arc::as_ptr(store) as *const () as usize
}

impl Pending {
    /// Holds a write (`Some`) or a removal (`None`) until the batch is written.
    pub(crate) fn change(
        &mut self,
        store: &Arc<dyn Backend>,
        entity: &str,
        id: &str,
        value: Option<Vec<u8>>,
    ) -> Result<(), StorageError> {
        persist_storage::checked::check_key(entity, id)?;
        let key = (store_key(store), entity.to_string(), id.to_string());
        match self.index.get(&key) {
            Some(&at) => self.changes[at].value = value,
            None => {
                self.index.insert(key, self.changes.len());
                self.changes.push(Change {
                    store: store.clone(),
                    entity: entity.to_string(),
                    id: id.to_string(),
                    value,
                });
            }
        }
        Ok(())
    }

    /// What the batch holds for a document: `None` when it does not touch it, `Some(None)`
    /// when it removes it.
    pub(crate) fn get(
        &self,
        store: &Arc<dyn Backend>,
        entity: &str,
        id: &str,
    ) -> Option<Option<Vec<u8>>> {
        self.index
            .get(&(store_key(store), entity.to_string(), id.to_string()))
            .map(|&at| self.changes[at].value.clone())
    }

    /// `ids` of a listing of the store, with the batch's creations and removals applied.
    pub(crate) fn list_ids(
        &self,
        store: &Arc<dyn Backend>,
        entity: &str,
        mut ids: Vec<String>,
    ) -> Vec<String> {
        let at = store_key(store);
        for c in &self.changes {
            if store_key(&c.store) != at || c.entity != entity {
                continue;
            }
            let listed = ids.iter().position(|id| *id == c.id);
            match (&c.value, listed) {
                (Some(_), None) => ids.push(c.id.clone()),
                (None, Some(i)) => {
                    ids.swap_remove(i);
                }
                _ => {}
            }
        }
        ids
    }

    /// Entity paths of a listing of the store, with those the batch writes to added.
    pub(crate) fn entities(
        &self,
        store: &Arc<dyn Backend>,
        prefix: &str,
        mut entities: Vec<String>,
    ) -> Vec<String> {
        let at = store_key(store);
        for c in &self.changes {
            if store_key(&c.store) == at
                && c.value.is_some()
                && c.entity.starts_with(prefix)
                && !entities.contains(&c.entity)
            {
                entities.push(c.entity.clone());
            }
        }
        entities
    }

    /// Writes what is held: per store, one `write_many` and one `remove_many`.
    pub(crate) fn write(self) -> Result<(), StorageError> {
        let mut stores: Vec<StoreChanges> = Vec::new();
        for c in self.changes {
            let at = match stores
                .iter()
                .position(|(s, _, _)| store_key(s) == store_key(&c.store))
            {
                Some(at) => at,
                None => {
                    stores.push((c.store.clone(), Vec::new(), Vec::new()));
                    stores.len() - 1
                }
            };
            match c.value {
                Some(v) => stores[at].1.push((c.entity, c.id, v)),
                None => stores[at].2.push((c.entity, c.id)),
            }
        }
        for (store, writes, removes) in stores {
            store.write_many(&writes)?;
            store.remove_many(&removes)?;
        }
        Ok(())
    }
}
