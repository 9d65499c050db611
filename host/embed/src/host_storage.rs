//! The host's implementation of the WIT `storage` interface: buckets are handles in the
//! store's resource table, each pointing at the backend that serves it.

use crate::bindings::WitStorageError;
use crate::bindings::backtest::persist::storage::{Host, HostBucket};
use crate::storage::{Backend, Routes, StorageError};
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
        self.bucket(&b)?.read(&entity, &id)
    }

    fn write(
        &mut self,
        b: Resource<BucketHandle>,
        entity: String,
        id: String,
        value: Vec<u8>,
    ) -> Result<(), StorageError> {
        self.bucket(&b)?.write(&entity, &id, &value)
    }

    fn write_if_absent(
        &mut self,
        b: Resource<BucketHandle>,
        entity: String,
        id: String,
        value: Vec<u8>,
    ) -> Result<bool, StorageError> {
        self.bucket(&b)?.write_if_absent(&entity, &id, &value)
    }

    fn remove(
        &mut self,
        b: Resource<BucketHandle>,
        entity: String,
        id: String,
    ) -> Result<(), StorageError> {
        self.bucket(&b)?.remove(&entity, &id)
    }

    fn list_ids(
        &mut self,
        b: Resource<BucketHandle>,
        entity: String,
    ) -> Result<Vec<String>, StorageError> {
        self.bucket(&b)?.list_ids(&entity)
    }

    fn entities(
        &mut self,
        b: Resource<BucketHandle>,
        prefix: String,
    ) -> Result<Vec<String>, StorageError> {
        self.bucket(&b)?.entities(&prefix)
    }

    fn quarantine(
        &mut self,
        b: Resource<BucketHandle>,
        entity: String,
        id: String,
        judged: Vec<u8>,
        reason: String,
    ) -> Result<bool, StorageError> {
        self.bucket(&b)?.quarantine(&entity, &id, &judged, &reason)
    }

    fn drop(&mut self, b: Resource<BucketHandle>) -> wasmtime::Result<()> {
        self.table.delete(b)?;
        Ok(())
    }
}
