//! [`Persist`]: one guest instance on one store, with backtest-kit's `PersistBase` per
//! entity and the whole-store check, as a Rust API.

use crate::bindings::exports::backtest::persist::base::GuestPersistBase;
use crate::bindings::{self, CheckReport, PersistError};
use crate::error::Error;
use crate::host_storage::HostState;
use std::collections::HashMap;
use wasmtime::Store;
use wasmtime::component::ResourceAny;

/// A guest instance on a store: the handles of the domains' contexts ([`crate::domains`]),
/// [`Persist::base`] for entities of your own, and the whole-store check.
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

    /// The warnings the guest reported since the last call, oldest first: a document an init
    /// found invalid (`invalid document <entity>:<id> moved to the quarantine: <reason>`), a
    /// skipped candle, an ignored session record. Each was also logged with `tracing` at warn
    /// level as it happened, so a subscriber the embedder installs sees them at once.
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
        // A raw name and the escape of the same id list as that id once.
        ids.dedup();
        Ok(ids)
    }

    /// Runs `f` as one batch: every write and removal it makes through any adapter is held
    /// by the host (reads inside `f` see them) and written when `f` returns `Ok`, as one
    /// storage batch per store, durable when `batch` returns `Ok`: all or nothing on memory,
    /// Redis and PostgreSQL, each document atomic on files. When `f` fails, nothing it wrote
    /// is stored. Creates, compare-and-swaps and quarantines inside `f` first write what is
    /// held, then go to the store at once. A batch inside a batch is part of the outer one.
    pub fn batch<T, E: From<Error>>(
        &mut self,
        f: impl FnOnce(&mut Persist) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.store.data().pending.is_some() {
            return f(self);
        }
        self.store.data_mut().pending = Some(crate::batch::Pending::default());
        let result = f(self);
        let pending = self.store.data_mut().pending.take();
        let value = result?;
        if let Some(pending) = pending {
            pending.write().map_err(Error::from)?;
        }
        Ok(value)
    }

    /// The store's URL, and the routed buckets' if any.
    pub fn store_url(&self) -> String {
        self.store.data().routes.describe()
    }

    /// backtest-kit's `PersistBase` of an entity of your own. Like backtest-kit's
    /// `Persist<X>Utils`, the Persist keeps one guest `persist-base` per entity name and runs
    /// its `wait-for-init` (validation and quarantine of the entity's documents, each finding
    /// a warning: see [`Persist::take_warnings`]) before the first operation on it.
    pub fn base<'a>(&'a mut self, entity_name: &'a str) -> PersistBase<'a> {
        PersistBase {
            persist: self,
            entity: entity_name,
        }
    }

    /// The entity's `persist-base`, created and initialised on first use. An init that fails
    /// (storage down) is not remembered: the next call tries again.
    fn base_resource(&mut self, entity: &str) -> Result<ResourceAny, Error> {
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
            // The guest reported each finding through `diagnostics.warn`.
            Ok(Ok(_report)) => {
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

    /// Validates every document in the store; quarantines the invalid ones unless `dry_run`.
    pub fn check(&mut self, dry_run: bool) -> Result<CheckReport, Error> {
        let r = self
            .guest
            .backtest_persist_admin()
            .call_check(&mut self.store, dry_run);
        Ok(r.map_err(Error::guest)??)
    }
}

/// backtest-kit's `PersistBase` of one entity: a folder of JSON documents, one per id. Made by
/// [`Persist::base`].
pub struct PersistBase<'a> {
    persist: &'a mut Persist,
    entity: &'a str,
}

impl PersistBase<'_> {
    fn call<T>(
        &mut self,
        f: impl FnOnce(
            &GuestPersistBase,
            &mut Store<HostState>,
            ResourceAny,
        ) -> wasmtime::Result<Result<T, PersistError>>,
    ) -> Result<T, Error> {
        let base = self.persist.base_resource(self.entity)?;
        let p = &mut *self.persist;
        let guest = p.guest.backtest_persist_base().persist_base();
        Ok(f(&guest, &mut p.store, base).map_err(Error::guest)??)
    }

    /// Validates the entity's documents once (quarantining bad ones) and returns what was
    /// found; later calls return the first report.
    pub fn wait_for_init(&mut self, initial: bool) -> Result<CheckReport, Error> {
        self.call(|b, s, r| b.call_wait_for_init(s, r, initial))
    }

    /// The document as compact JSON text.
    pub fn read_value(&mut self, id: &str) -> Result<String, Error> {
        self.call(|b, s, r| b.call_read_value(s, r, id))
    }

    /// Whether the entity holds a document under `id`.
    pub fn has_value(&mut self, id: &str) -> Result<bool, Error> {
        self.call(|b, s, r| b.call_has_value(s, r, id))
    }

    /// Stores JSON text (re-serialised compactly), durable when it returns `Ok`.
    pub fn write_value(&mut self, id: &str, json: &str) -> Result<(), Error> {
        self.call(|b, s, r| b.call_write_value(s, r, id, json))
    }

    /// The documents of `ids` in their order as compact JSON text, `None` where absent, read
    /// in one storage call.
    pub fn read_many(&mut self, ids: &[String]) -> Result<Vec<Option<String>>, Error> {
        self.call(|b, s, r| b.call_read_many(s, r, ids))
    }

    /// Stores every (id, JSON text) as one storage batch, durable when it returns `Ok`: all
    /// or nothing on memory, Redis and PostgreSQL, each document atomic on files. Every value
    /// is checked first; an invalid one (`values[i]`) writes nothing.
    pub fn write_many(&mut self, values: &[(String, String)]) -> Result<(), Error> {
        self.call(|b, s, r| b.call_write_many(s, r, values))
    }

    /// The entity's ids in natural order.
    pub fn keys(&mut self) -> Result<Vec<String>, Error> {
        self.call(|b, s, r| b.call_keys(s, r))
    }

    /// Removes the document (no error if absent).
    pub fn remove_value(&mut self, id: &str) -> Result<(), Error> {
        self.call(|b, s, r| b.call_remove_value(s, r, id))
    }
}
