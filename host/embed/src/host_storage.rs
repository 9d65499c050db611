//! The host's implementation of the WIT `storage` interface: buckets are handles in the
//! store's resource table, each pointing at the backend that serves it.

use crate::batch::Pending;
use crate::bindings::WitStorageError;
use crate::bindings::backtest::persist::storage::{Host, HostBucket, SwapOutcome, Versioned};
use crate::storage::{self, Backend, Routes, StorageError};
use std::sync::Arc;
use wasmtime::component::{Resource, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// What the guest's `bucket` resource stands for.
pub struct BucketHandle {
    backend: Arc<dyn Backend>,
}

/// The data of one wasmtime `Store`: an empty WASI context (no files, env, sockets or
/// inherited stdio), the resource table and the stores by bucket.
pub struct HostState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limits: wasmtime::StoreLimits,
    pub(crate) routes: Routes,
    /// Warnings the guest reported, oldest first (the last [`MAX_WARNINGS`] are kept).
    pub(crate) warnings: Vec<String>,
    /// The changes of a [`crate::Persist::batch`] in progress.
    pub(crate) pending: Option<Pending>,
}

/// Warnings kept for [`crate::Persist::take_warnings`].
pub const MAX_WARNINGS: usize = 1000;

impl crate::bindings::backtest::persist::diagnostics::Host for HostState {
    fn warn(&mut self, message: String) -> wasmtime::Result<()> {
        tracing::warn!("{}", persist_core::keys::printable(&message));
        if self.warnings.len() == MAX_WARNINGS {
            self.warnings.remove(0);
        }
        self.warnings.push(message);
        Ok(())
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl HostState {
    fn bucket(&self, handle: &Resource<BucketHandle>) -> Result<&Arc<dyn Backend>, StorageError> {
        self.table
            .get(handle)
            .map(|b| &b.backend)
            .map_err(|e| StorageError::Io(format!("unknown bucket handle: {e}")))
    }

    /// The bucket's store, after writing what a batch in progress holds: for the calls that
    /// must see the store as it is (creates, compare-and-swap, quarantine).
    fn bucket_flushed(
        &mut self,
        handle: &Resource<BucketHandle>,
    ) -> Result<Arc<dyn Backend>, StorageError> {
        if let Some(pending) = self.pending.take() {
            self.pending = Some(Pending::default());
            pending.write()?;
        }
        self.bucket(handle).cloned()
    }
}

impl Host for HostState {
    fn open(&mut self, name: String) -> Result<Resource<BucketHandle>, StorageError> {
        let handle = BucketHandle {
            backend: self.routes.for_bucket(&name).clone(),
        };
        self.table
            .push(handle)
            .map_err(|e| StorageError::Io(format!("cannot open bucket: {e}")))
    }

    fn convert_storage_error(&mut self, err: StorageError) -> wasmtime::Result<WitStorageError> {
        Ok(match err {
            StorageError::InvalidKey(m) => WitStorageError::InvalidKey(m),
            StorageError::TooLarge(n) => WitStorageError::TooLarge(n),
            StorageError::Unavailable(m) => WitStorageError::Unavailable(m),
            StorageError::Io(m) => WitStorageError::Io(m),
        })
    }
}

impl HostBucket for HostState {
    fn read(
        &mut self,
        b: Resource<BucketHandle>,
        entity: String,
        id: String,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        let store = self.bucket(&b)?;
        if let Some(held) = self
            .pending
            .as_ref()
            .and_then(|p| p.get(store, &entity, &id))
        {
            return Ok(held);
        }
        store.read(&entity, &id)
    }

    fn write(
        &mut self,
        b: Resource<BucketHandle>,
        entity: String,
        id: String,
        value: Vec<u8>,
    ) -> Result<(), StorageError> {
        let store = self.bucket(&b)?.clone();
        match self.pending.as_mut() {
            Some(p) => p.change(&store, &entity, &id, Some(value)),
            None => store.write(&entity, &id, &value),
        }
    }

    fn write_if_absent(
        &mut self,
        b: Resource<BucketHandle>,
        entity: String,
        id: String,
        value: Vec<u8>,
    ) -> Result<bool, StorageError> {
        self.bucket_flushed(&b)?
            .write_if_absent(&entity, &id, &value)
    }

    fn remove(
        &mut self,
        b: Resource<BucketHandle>,
        entity: String,
        id: String,
    ) -> Result<(), StorageError> {
        let store = self.bucket(&b)?.clone();
        match self.pending.as_mut() {
            Some(p) => p.change(&store, &entity, &id, None),
            None => store.remove(&entity, &id),
        }
    }

    fn list_ids(
        &mut self,
        b: Resource<BucketHandle>,
        entity: String,
    ) -> Result<Vec<String>, StorageError> {
        let store = self.bucket(&b)?;
        let ids = store.list_ids(&entity)?;
        Ok(match &self.pending {
            Some(p) => p.list_ids(store, &entity, ids),
            None => ids,
        })
    }

    fn entities(
        &mut self,
        b: Resource<BucketHandle>,
        prefix: String,
    ) -> Result<Vec<String>, StorageError> {
        let store = self.bucket(&b)?;
        let entities = store.entities(&prefix)?;
        Ok(match &self.pending {
            Some(p) => p.entities(store, &prefix, entities),
            None => entities,
        })
    }

    fn read_many(
        &mut self,
        b: Resource<BucketHandle>,
        entity: String,
        ids: Vec<String>,
    ) -> Result<Vec<Option<Vec<u8>>>, StorageError> {
        let store = self.bucket(&b)?;
        let Some(pending) = &self.pending else {
            return store.read_many(&entity, &ids);
        };
        let mut found = store.read_many(&entity, &ids)?;
        for (slot, id) in found.iter_mut().zip(&ids) {
            if let Some(held) = pending.get(store, &entity, id) {
                *slot = held;
            }
        }
        Ok(found)
    }

    fn write_many(
        &mut self,
        b: Resource<BucketHandle>,
        documents: Vec<(String, String, Vec<u8>)>,
    ) -> Result<(), StorageError> {
        let store = self.bucket(&b)?.clone();
        match self.pending.as_mut() {
            Some(p) => {
                for (entity, id, value) in documents {
                    p.change(&store, &entity, &id, Some(value))?;
                }
                Ok(())
            }
            None => store.write_many(&documents),
        }
    }

    fn remove_many(
        &mut self,
        b: Resource<BucketHandle>,
        keys: Vec<(String, String)>,
    ) -> Result<(), StorageError> {
        let store = self.bucket(&b)?.clone();
        match self.pending.as_mut() {
            Some(p) => {
                for (entity, id) in keys {
                    p.change(&store, &entity, &id, None)?;
                }
                Ok(())
            }
            None => store.remove_many(&keys),
        }
    }

    fn read_versioned(
        &mut self,
        b: Resource<BucketHandle>,
        entity: String,
        id: String,
    ) -> Result<Option<Versioned>, StorageError> {
        Ok(self
            .bucket_flushed(&b)?
            .read_versioned(&entity, &id)?
            .map(versioned_out))
    }

    fn write_if_version(
        &mut self,
        b: Resource<BucketHandle>,
        entity: String,
        id: String,
        expected: Option<String>,
        value: Vec<u8>,
    ) -> Result<SwapOutcome, StorageError> {
        Ok(
            match self.bucket_flushed(&b)?.write_if_version(
                &entity,
                &id,
                expected.as_deref(),
                &value,
            )? {
                storage::SwapOutcome::Swapped(v) => SwapOutcome::Swapped(v),
                storage::SwapOutcome::Stale(current) => {
                    SwapOutcome::Stale(current.map(versioned_out))
                }
            },
        )
    }

    fn quarantine(
        &mut self,
        b: Resource<BucketHandle>,
        entity: String,
        id: String,
        judged: Vec<u8>,
        reason: String,
    ) -> Result<bool, StorageError> {
        self.bucket_flushed(&b)?
            .quarantine(&entity, &id, &judged, &reason)
    }

    fn drop(&mut self, b: Resource<BucketHandle>) -> wasmtime::Result<()> {
        self.table.delete(b)?;
        Ok(())
    }
}

fn versioned_out(v: storage::Versioned) -> Versioned {
    Versioned {
        value: v.value,
        version: v.version,
    }
}
