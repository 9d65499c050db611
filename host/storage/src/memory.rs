//! `memory:`: documents in a map of this process. Same behaviour as the file store, no
//! durability: everything is gone when the process exits.

use super::{
    Backend, Document, Quarantined, StorageError, SwapOutcome, Versioned, now_ms, version_of,
};
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
    /// Quarantined documents, oldest first.
    quarantine: Vec<Entry>,
    /// The key of the next quarantined document.
    next_key: u64,
}

/// A quarantined document.
#[derive(Clone)]
struct Entry {
    entity: String,
    id: String,
    reason: String,
    bytes: Vec<u8>,
    at_ms: u64,
    key: u64,
}

impl MemoryStore {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-written document: every change
        // is a single map operation. Keep serving.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Quarantined documents as (entity, id, reason, bytes), oldest first, for inspection.
    pub fn quarantined(&self) -> Vec<(String, String, String, Vec<u8>)> {
        self.state()
            .quarantine
            .iter()
            .map(|e| {
                (
                    e.entity.clone(),
                    e.id.clone(),
                    e.reason.clone(),
                    e.bytes.clone(),
                )
            })
            .collect()
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

    fn read_many(
        &self,
        entity: &str,
        ids: &[String],
    ) -> Result<Vec<Option<Vec<u8>>>, StorageError> {
        let state = self.state();
        let docs = state.entities.get(entity);
        Ok(ids
            .iter()
            .map(|id| docs.and_then(|d| d.get(id)).cloned())
            .collect())
    }

    fn write_many(&self, documents: &[Document]) -> Result<(), StorageError> {
        let mut state = self.state();
        for (entity, id, value) in documents {
            state
                .entities
                .entry(entity.clone())
                .or_default()
                .insert(id.clone(), value.clone());
        }
        Ok(())
    }

    fn remove_many(&self, keys: &[(String, String)]) -> Result<(), StorageError> {
        let mut state = self.state();
        for (entity, id) in keys {
            if let Some(docs) = state.entities.get_mut(entity) {
                docs.remove(id);
                if docs.is_empty() {
                    state.entities.remove(entity);
                }
            }
        }
        Ok(())
    }

    fn write_if_version(
        &self,
        entity: &str,
        id: &str,
        expected: Option<&str>,
        value: &[u8],
    ) -> Result<SwapOutcome, StorageError> {
        let mut state = self.state();
        let docs = state.entities.entry(entity.to_string()).or_default();
        let current = docs.get(id).map(|v| Versioned::of(v.clone()));
        if current.as_ref().map(|c| c.version.as_str()) != expected {
            if docs.is_empty() {
                state.entities.remove(entity);
            }
            return Ok(SwapOutcome::Stale(current));
        }
        docs.insert(id.to_string(), value.to_vec());
        Ok(SwapOutcome::Swapped(version_of(value)))
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
        let key = state.next_key;
        state.next_key += 1;
        state.quarantine.push(Entry {
            entity: entity.to_string(),
            id: id.to_string(),
            reason: reason.to_string(),
            bytes,
            at_ms: now_ms(),
            key,
        });
        Ok(true)
    }

    fn quarantine_list(&self) -> Result<Vec<Quarantined>, StorageError> {
        Ok(self
            .state()
            .quarantine
            .iter()
            .map(|e| Quarantined {
                entity: e.entity.clone(),
                id: e.id.clone(),
                at_ms: e.at_ms,
                reason: e.reason.clone(),
                size: e.bytes.len() as u64,
                key: e.key.to_string(),
            })
            .collect())
    }

    fn quarantine_read(&self, q: &Quarantined) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self
            .state()
            .quarantine
            .iter()
            .find(|e| e.key.to_string() == q.key)
            .map(|e| e.bytes.clone()))
    }

    fn quarantine_restore(&self, q: &Quarantined, replace: bool) -> Result<bool, StorageError> {
        let mut state = self.state();
        let Some(at) = state
            .quarantine
            .iter()
            .position(|e| e.key.to_string() == q.key)
        else {
            return Ok(false);
        };
        let live = state
            .entities
            .get(&q.entity)
            .is_some_and(|docs| docs.contains_key(&q.id));
        if live && !replace {
            return Ok(false);
        }
        let entry = state.quarantine.remove(at);
        state
            .entities
            .entry(entry.entity)
            .or_default()
            .insert(entry.id, entry.bytes);
        Ok(true)
    }

    fn quarantine_purge(&self, q: &Quarantined) -> Result<(), StorageError> {
        self.state()
            .quarantine
            .retain(|e| e.key.to_string() != q.key);
        Ok(())
    }
}
