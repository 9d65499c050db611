//! [`Persist`]: one guest instance on one store, with backtest-kit's `PersistBase` per
//! entity and the whole-store check, as a Rust API.

use crate::bindings::{self, CheckReport};
use crate::error::Error;
use crate::host_storage::HostState;
use std::collections::HashMap;
use wasmtime::Store;
use wasmtime::component::ResourceAny;

/// A guest instance on a store. Like backtest-kit's `Persist<X>Utils`, it keeps one
/// `persist-base` per entity name and runs its `wait-for-init` (validation and quarantine of
/// the entity's documents) before the first operation on it.
pub struct Persist {
    pub(crate) store: Store<HostState>,
    pub(crate) guest: bindings::Persist,
    bases: HashMap<String, ResourceAny>,
}

impl Persist {
    pub(crate) fn new(store: Store<HostState>, guest: bindings::Persist) -> Self {
        Persist {
            store,
            guest,
            bases: HashMap::new(),
        }
    }

    /// The warnings the guest reported since the last call (a skipped candle, an ignored
    /// session record); each was also logged with `tracing`.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.store.data_mut().warnings)
    }

    /// The ids stored under an escaped entity path of a bucket, unescaped, in natural order.
    /// Read from the store directly: nothing is validated.
    pub fn ids_in(&self, bucket: &str, entity: &str) -> Result<Vec<String>, Error> {
        let mut ids: Vec<String> = self
            .store
            .data()
            .routes
            .for_bucket(bucket)
            .list_ids(entity)
            .map_err(|e| Error::from(e).with_context(&format!("Failed to read keys for {entity}")))?
            .iter()
            .map(|id| persist_core::keys::unescape(id))
            .collect();
        persist_core::order::sort_natural(&mut ids);
        Ok(ids)
    }

    /// The store's URL, and the routed buckets' if any.
    pub fn store_url(&self) -> String {
        self.store.data().routes.describe()
    }

    /// The entity's `persist-base`, created and initialised on first use. An init that fails
    /// (storage down) is not remembered: the next call tries again.
    fn base(&mut self, entity: &str) -> Result<ResourceAny, Error> {
        if let Some(base) = self.bases.get(entity) {
            return Ok(*base);
        }
        let base = self
            .guest
            .backtest_persist_base()
            .persist_base()
            .call_constructor(&mut self.store, entity)
            .map_err(Error::guest)?;
        match self
            .guest
            .backtest_persist_base()
            .persist_base()
            .call_wait_for_init(&mut self.store, base, true)
        {
            Ok(Ok(report)) => {
                for f in &report.findings {
                    let action = if f.quarantined {
                        "moved to the quarantine"
                    } else {
                        "left in place"
                    };
                    tracing::warn!(
                        "invalid document {}:{} {action}: {}",
                        f.entity,
                        f.id,
                        f.reason
                    );
                }
                self.bases.insert(entity.to_string(), base);
                Ok(base)
            }
            Ok(Err(e)) => {
                let _ = base.resource_drop(&mut self.store);
                Err(e.into())
            }
            Err(trap) => Err(Error::guest(trap)),
        }
    }

    /// Validates the entity's documents once (quarantining bad ones) and returns what was
    /// found; later calls return the first report.
    pub fn wait_for_init(&mut self, entity: &str) -> Result<CheckReport, Error> {
        let base = self.base(entity)?;
        let r = self
            .guest
            .backtest_persist_base()
            .persist_base()
            .call_wait_for_init(&mut self.store, base, false);
        Ok(r.map_err(Error::guest)??)
    }

    /// The document as compact JSON text.
    pub fn read_value(&mut self, entity: &str, id: &str) -> Result<String, Error> {
        let base = self.base(entity)?;
        let r = self
            .guest
            .backtest_persist_base()
            .persist_base()
            .call_read_value(&mut self.store, base, id);
        Ok(r.map_err(Error::guest)??)
    }

    /// Whether the entity holds a document under `id`.
    pub fn has_value(&mut self, entity: &str, id: &str) -> Result<bool, Error> {
        let base = self.base(entity)?;
        let r = self
            .guest
            .backtest_persist_base()
            .persist_base()
            .call_has_value(&mut self.store, base, id);
        Ok(r.map_err(Error::guest)??)
    }

    /// Stores JSON text (re-serialised compactly), durable when it returns `Ok`.
    pub fn write_value(&mut self, entity: &str, id: &str, json: &str) -> Result<(), Error> {
        let base = self.base(entity)?;
        let r = self
            .guest
            .backtest_persist_base()
            .persist_base()
            .call_write_value(&mut self.store, base, id, json);
        Ok(r.map_err(Error::guest)??)
    }

    /// The entity's ids in natural order.
    pub fn keys(&mut self, entity: &str) -> Result<Vec<String>, Error> {
        let base = self.base(entity)?;
        let r = self
            .guest
            .backtest_persist_base()
            .persist_base()
            .call_keys(&mut self.store, base);
        Ok(r.map_err(Error::guest)??)
    }

    /// Removes the document (no error if absent).
    pub fn remove_value(&mut self, entity: &str, id: &str) -> Result<(), Error> {
        let base = self.base(entity)?;
        let r = self
            .guest
            .backtest_persist_base()
            .persist_base()
            .call_remove_value(&mut self.store, base, id);
        Ok(r.map_err(Error::guest)??)
    }

    /// Validates every document in the store; quarantines the invalid ones unless `dry_run`.
    pub fn check(&mut self, dry_run: bool) -> Result<CheckReport, Error> {
        let r = self
            .guest
            .backtest_persist_admin()
            .call_check(&mut self.store, dry_run);
        Ok(r.map_err(Error::guest)??)
    }
}
