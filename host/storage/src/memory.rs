//! `memory:`: documents in a map of this process. Same behaviour as the file store, no
//! durability: everything is gone when the process exits.

use super::{Backend, StorageError};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

/// `memory:`: documents in a map of this process, gone when it exits.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// entity path → id → document.
    entities: BTreeMap<String, BTreeMap<String, Vec<u8>>>,
    /// Quarantined documents: (entity, id, reason, bytes), oldest first.
    quarantine: Vec<(String, String, String, Vec<u8>)>,
}

impl MemoryStore {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-written document: every change
        // is a single map operation. Keep serving.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Quarantined documents as (entity, id, reason, bytes), for inspection.
    pub fn quarantined(&self) -> Vec<(String, String, String, Vec<u8>)> {
        self.state().quarantine.clone()
    }
}

impl Backend for MemoryStore {
    fn url(&self) -> String {
        "memory:".to_string()
    }

    fn read(&self, entity: &str, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self
            .state()
            .entities
            .get(entity)
            .and_then(|docs| docs.get(id))
            .cloned())
    }

    fn write(&self, entity: &str, id: &str, value: &[u8]) -> Result<(), StorageError> {
        self.state()
            .entities
            .entry(entity.to_string())
            .or_default()
            .insert(id.to_string(), value.to_vec());
        Ok(())
    }

    fn write_if_absent(&self, entity: &str, id: &str, value: &[u8]) -> Result<bool, StorageError> {
        let mut state = self.state();
        let docs = state.entities.entry(entity.to_string()).or_default();
        if docs.contains_key(id) {
            return Ok(false);
        }
        docs.insert(id.to_string(), value.to_vec());
        Ok(true)
    }

    fn remove(&self, entity: &str, id: &str) -> Result<(), StorageError> {
        let mut state = self.state();
        if let Some(docs) = state.entities.get_mut(entity) {
            docs.remove(id);
            if docs.is_empty() {
                state.entities.remove(entity);
            }
        }
        Ok(())
    }

    fn list_ids(&self, entity: &str) -> Result<Vec<String>, StorageError> {
        Ok(self
            .state()
            .entities
            .get(entity)
            .map(|docs| docs.keys().cloned().collect())
            .unwrap_or_default())
    }

    fn entities(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        Ok(self
            .state()
            .entities
            .iter()
            .filter(|(name, docs)| name.starts_with(prefix) && !docs.is_empty())
            .map(|(name, _)| name.clone())
            .collect())
    }

    fn quarantine(
        &self,
        entity: &str,
        id: &str,
        judged: &[u8],
        reason: &str,
    ) -> Result<bool, StorageError> {
        let mut state = self.state();
        let Some(docs) = state.entities.get_mut(entity) else {
            return Ok(false);
        };
        if docs.get(id).map(Vec::as_slice) != Some(judged) {
            return Ok(false);
        }
        let Some(bytes) = docs.remove(id) else {
            return Ok(false);
        };
        if state
            .entities
            .get(entity)
            .is_some_and(|docs| docs.is_empty())
        {
            state.entities.remove(entity);
        }
        state.quarantine.push((
            entity.to_string(),
            id.to_string(),
            reason.to_string(),
            bytes,
        ));
        Ok(true)
    }
}
