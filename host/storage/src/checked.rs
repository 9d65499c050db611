//! The host's own defence: every call is checked before any backend sees it, so a buggy or
//! hostile guest cannot address anything outside the store or store oversized documents.

use super::{Backend, Quarantined, StorageError};
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
        self.entity(entity)?;
        check_name(id).map_err(|e| StorageError::InvalidKey(format!("id {:?} {e}", shown(id))))
    }

    fn entity(&self, entity: &str) -> Result<(), StorageError> {
        check_entity(entity)
            .map_err(|e| StorageError::InvalidKey(format!("entity path {:?} {e}", shown(entity))))
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
