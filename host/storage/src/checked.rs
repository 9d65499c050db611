//! The host's own defence: every call is checked before any backend sees it, so a buggy or
//! hostile guest cannot address anything outside the store or store oversized documents.

use super::{Backend, Document, Quarantined, StorageError, SwapOutcome, Versioned};
use persist_core::keys::{check_entity, check_name, shown};

/// Longest quarantine reason kept, in bytes; longer ones are cut.
const MAX_REASON_BYTES: usize = 4096;

/// A backend behind the host's checks: safe names, the document size cap, bounded reasons.
pub struct Checked {
    inner: Box<dyn Backend>,
    max_document_bytes: u64,
}

impl Checked {
    /// `inner`, refusing documents over `max_document_bytes`.
    pub fn new(inner: Box<dyn Backend>, max_document_bytes: u64) -> Self {
        Checked {
            inner,
            max_document_bytes,
        }
    }

    fn key(&self, entity: &str, id: &str) -> Result<(), StorageError> {
        check_key(entity, id)
    }

    fn entity(&self, entity: &str) -> Result<(), StorageError> {
        check_entity_path(entity)
    }

    fn size(&self, value: &[u8]) -> Result<(), StorageError> {
        if value.len() as u64 > self.max_document_bytes {
            return Err(StorageError::TooLarge(self.max_document_bytes));
        }
        Ok(())
    }
}

impl Backend for Checked {
    fn url(&self) -> String {
        self.inner.url()
    }

    fn read(&self, entity: &str, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        self.key(entity, id)?;
        let value = self.inner.read(entity, id)?;
        if let Some(v) = &value {
            self.size(v)?;
        }
        Ok(value)
    }

    fn write(&self, entity: &str, id: &str, value: &[u8]) -> Result<(), StorageError> {
        self.key(entity, id)?;
        self.size(value)?;
        self.inner.write(entity, id, value)
    }

    fn write_if_absent(&self, entity: &str, id: &str, value: &[u8]) -> Result<bool, StorageError> {
        self.key(entity, id)?;
        self.size(value)?;
        self.inner.write_if_absent(entity, id, value)
    }

    fn remove(&self, entity: &str, id: &str) -> Result<(), StorageError> {
        self.key(entity, id)?;
        self.inner.remove(entity, id)
    }

    fn list_ids(&self, entity: &str) -> Result<Vec<String>, StorageError> {
        self.entity(entity)?;
        self.inner.list_ids(entity)
    }

    fn entities(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        // A prefix only filters names; it addresses nothing, but it is bounded all the same.
        if prefix.len() > persist_core::keys::MAX_ENTITY_BYTES || prefix.contains('\0') {
            return Err(StorageError::InvalidKey(format!(
                "entity prefix {:?} is not a possible entity path",
                shown(prefix)
            )));
        }
        self.inner.entities(prefix)
    }

    fn read_many(
        &self,
        entity: &str,
        ids: &[String],
    ) -> Result<Vec<Option<Vec<u8>>>, StorageError> {
        for id in ids {
            self.key(entity, id)?;
        }
        let values = self.inner.read_many(entity, ids)?;
        for v in values.iter().flatten() {
            self.size(v)?;
        }
        Ok(values)
    }

    fn write_many(&self, documents: &[Document]) -> Result<(), StorageError> {
        // Every item is checked before any is written: a bad one fails the whole batch.
        for (i, (entity, id, value)) in documents.iter().enumerate() {
            self.key(entity, id)
                .and_then(|()| self.size(value))
                .map_err(|e| in_batch(e, i))?;
        }
        self.inner.write_many(documents)
    }

    fn write_many_changed(&self, documents: &[Document]) -> Result<Vec<bool>, StorageError> {
        for (i, (entity, id, value)) in documents.iter().enumerate() {
            self.key(entity, id)
                .and_then(|()| self.size(value))
                .map_err(|e| in_batch(e, i))?;
        }
        self.inner.write_many_changed(documents)
    }

    fn remove_many(&self, keys: &[(String, String)]) -> Result<(), StorageError> {
        for (i, (entity, id)) in keys.iter().enumerate() {
            self.key(entity, id).map_err(|e| in_batch(e, i))?;
        }
        self.inner.remove_many(keys)
    }

    fn read_versioned(&self, entity: &str, id: &str) -> Result<Option<Versioned>, StorageError> {
        self.key(entity, id)?;
        let value = self.inner.read_versioned(entity, id)?;
        if let Some(v) = &value {
            self.size(&v.value)?;
        }
        Ok(value)
    }

    fn write_if_version(
        &self,
        entity: &str,
        id: &str,
        expected: Option<&str>,
        value: &[u8],
    ) -> Result<SwapOutcome, StorageError> {
        self.key(entity, id)?;
        self.size(value)?;
        self.inner.write_if_version(entity, id, expected, value)
    }

    fn quarantine(
        &self,
        entity: &str,
        id: &str,
        judged: &[u8],
        reason: &str,
    ) -> Result<bool, StorageError> {
        self.key(entity, id)?;
        let mut cut = reason.len().min(MAX_REASON_BYTES);
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        self.inner.quarantine(entity, id, judged, &reason[..cut])
    }

    fn quarantine_list(&self) -> Result<Vec<Quarantined>, StorageError> {
        self.inner.quarantine_list()
    }

    fn quarantine_read(&self, q: &Quarantined) -> Result<Option<Vec<u8>>, StorageError> {
        self.inner.quarantine_read(q)
    }

    fn quarantine_restore(&self, q: &Quarantined, replace: bool) -> Result<bool, StorageError> {
        self.key(&q.entity, &q.id)?;
        self.inner.quarantine_restore(q, replace)
    }

    fn quarantine_purge(&self, q: &Quarantined) -> Result<(), StorageError> {
        self.inner.quarantine_purge(q)
    }
}

/// The host's check of an entity path and id: `invalid-key` naming what is wrong.
pub fn check_key(entity: &str, id: &str) -> Result<(), StorageError> {
    check_entity_path(entity)?;
    check_name(id).map_err(|e| StorageError::InvalidKey(format!("id {:?} {e}", shown(id))))
}

fn check_entity_path(entity: &str) -> Result<(), StorageError> {
    check_entity(entity)
        .map_err(|e| StorageError::InvalidKey(format!("entity path {:?} {e}", shown(entity))))
}

/// A batch item's error, naming its position in the batch.
fn in_batch(e: StorageError, index: usize) -> StorageError {
    match e {
        StorageError::InvalidKey(m) => {
            StorageError::InvalidKey(format!("batch item {index}: {m}; nothing was written"))
        }
        other => other,
    }
}
