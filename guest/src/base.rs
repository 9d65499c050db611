//! backtest-kit's `PersistBase` as the `persist-base` resource.

use crate::Component;
use crate::backtest::persist::storage::Bucket;
use crate::buckets::{self, bucket};
use crate::errors::{invalid_key, storage_failure};
use crate::exports::backtest::persist::base::{Guest, GuestPersistBase};
use crate::exports::backtest::persist::types::{CheckReport, FieldError, PersistError};
use crate::scan::{empty_report, scan_entity};
use persist_core::document::{into_json_text, not_json, validate};
use persist_core::domain::Domain;
use persist_core::json::canonicalize;
use persist_core::keys::{escape_entity, escape_id, stored_names, unescape};
use persist_core::order::sort_natural;
use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

impl Guest for Component {
    type PersistBase = PersistBase;
}

/// One entity of the caller's own type.
pub struct PersistBase {
    /// The entity name as the caller gave it, for messages.
    name: String,
    /// The escaped entity path, or why the name cannot be stored.
    path: Result<String, PersistError>,
    /// The first successful `wait-for-init` report.
    init: RefCell<Option<CheckReport>>,
    /// The `base` bucket, once opened.
    bucket: OnceCell<Rc<Bucket>>,
}

impl PersistBase {
    fn path(&self) -> Result<&str, PersistError> {
        self.path.as_deref().map_err(Clone::clone)
    }

    fn bucket(&self) -> Result<&Bucket, PersistError> {
        if let Some(b) = self.bucket.get() {
            return Ok(b);
        }
        let opened = bucket(buckets::BASE)?;
        Ok(self.bucket.get_or_init(|| opened))
    }

    fn id(&self, id: &str) -> Result<String, PersistError> {
        escape_id(id).map_err(|e| invalid_key(&format!("id of entity {}", self.name), id, e))
    }

    /// Every name the id may be stored under, the one persist writes first.
    fn names(&self, id: &str) -> Result<Vec<String>, PersistError> {
        stored_names(id).map_err(|e| invalid_key(&format!("id of entity {}", self.name), id, e))
    }

    /// `json` as it is stored (see `write-value`), or `invalid-input` at `path`.
    fn checked_text(&self, json: String, path: &str) -> Result<String, PersistError> {
        let entity = self.path()?;
        let text = canonicalize(json).map_err(|e| {
            PersistError::InvalidInput(FieldError {
                path: path.to_string(),
                reason: not_json(e),
            })
        })?;
        if Domain::of(entity).is_some() {
            validate(entity, text.as_bytes()).map_err(|reason| {
                PersistError::InvalidInput(FieldError {
                    path: path.to_string(),
                    reason,
                })
            })?;
        }
        Ok(text)
    }

    /// The stored bytes of the id under the first of its names that exists.
    fn stored(&self, id: &str) -> Result<Option<Vec<u8>>, PersistError> {
        let at = format!("{}:{id}", self.name);
        buckets::read_stored(self.bucket()?, self.path()?, self.names(id)?, &at)
    }
}

impl GuestPersistBase for PersistBase {
    fn new(entity_name: String) -> Self {
        let path =
            escape_entity(&entity_name).map_err(|e| invalid_key("entity name", &entity_name, e));
        PersistBase {
            name: entity_name,
            path,
            init: RefCell::new(None),
            bucket: OnceCell::new(),
        }
    }

    fn wait_for_init(&self, _initial: bool) -> Result<CheckReport, PersistError> {
        if let Some(report) = self.init.borrow().as_ref() {
            return Ok(report.clone());
        }
        let mut report = empty_report();
        scan_entity(
            self.bucket()?,
            buckets::BASE,
            self.path()?,
            false,
            &mut report,
        )?;
        crate::scan::warn_findings(&report);
        *self.init.borrow_mut() = Some(report.clone());
        Ok(report)
    }

    fn read_value(&self, id: String) -> Result<String, PersistError> {
        let bytes = self.stored(&id)?.ok_or_else(|| {
            PersistError::NotFound(format!("Entity {}:{id} not found", self.name))
        })?;
        into_json_text(bytes).map_err(|reason| {
            PersistError::Corrupt(format!(
                "Failed to read entity {}:{id}: {reason}; `persist check` moves it to the quarantine",
                self.name
            ))
        })
    }

    fn has_value(&self, id: String) -> Result<bool, PersistError> {
        buckets::exists(self.stored(&id))
    }

    fn write_value(&self, id: String, json: String) -> Result<(), PersistError> {
        let key = self.id(&id)?;
        let text = self.checked_text(json, "value")?;
        self.bucket()?
            .write(self.path()?, &key, text.as_bytes())
            .map_err(|e| storage_failure(format!("Failed to write entity {}:{id}", self.name), e))
    }

    fn read_many(&self, ids: Vec<String>) -> Result<Vec<Option<String>>, PersistError> {
        let names = ids
            .iter()
            .map(|id| self.names(id))
            .collect::<Result<Vec<_>, _>>()?;
        let found = buckets::read_stored_many(self.bucket()?, self.path()?, names, &self.name)?;
        found
            .into_iter()
            .zip(&ids)
            .map(|(bytes, id)| {
                bytes
                    .map(|b| {
                        into_json_text(b).map_err(|reason| {
                            PersistError::Corrupt(format!(
                                "Failed to read entity {}:{id}: {reason}; `persist check` moves it to the quarantine",
                                self.name
                            ))
                        })
                    })
                    .transpose()
            })
            .collect()
    }

    fn write_many(&self, values: Vec<(String, String)>) -> Result<(), PersistError> {
        let path = self.path()?.to_string();
        let mut documents = Vec::with_capacity(values.len());
        for (i, (id, json)) in values.into_iter().enumerate() {
            let key = self.id(&id).map_err(|e| in_item(e, i))?;
            let text = self.checked_text(json, &format!("values[{i}]"))?;
            documents.push((path.clone(), key, text.into_bytes()));
        }
        let n = documents.len();
        self.bucket()?.write_many(&documents).map_err(|e| {
            storage_failure(format!("Failed to write {n} entities of {}", self.name), e)
        })
    }

    fn keys(&self) -> Result<Vec<String>, PersistError> {
        let mut ids: Vec<String> = self
            .bucket()?
            .list_ids(self.path()?)
            .map_err(|e| storage_failure(format!("Failed to read keys for {}", self.name), e))?
            .iter()
            .map(|id| unescape(id))
            .collect();
        sort_natural(&mut ids);
        // A raw name and the escape of the same id list as that id once.
        ids.dedup();
        Ok(ids)
    }

    fn remove_value(&self, id: String) -> Result<(), PersistError> {
        // A domain's records are removed only by the domain's own rules (the log is
        // append-only, storage and notification never delete, the soft deletes keep the
        // record): never by a plain remove from outside.
        if let Some(domain) = Domain::of(self.path()?) {
            return Err(PersistError::InvalidInput(FieldError {
                path: "id".to_string(),
                reason: format!(
                    "{}:{id} is a record of the {} domain, which is never removed from outside \
                     it; nothing was removed",
                    self.name,
                    domain.name()
                ),
            }));
        }
        // Under every name it may have, so that it is gone, not just shadowed.
        for name in self.names(&id)? {
            self.bucket()?.remove(self.path()?, &name).map_err(|e| {
                storage_failure(format!("Failed to remove entity {}:{id}", self.name), e)
            })?;
        }
        Ok(())
    }
}

/// An invalid id of a batch: the error names the item.
fn in_item(e: PersistError, index: usize) -> PersistError {
    match e {
        PersistError::InvalidKey(m) => {
            PersistError::InvalidKey(format!("values[{index}]: {m}; nothing was written"))
        }
        other => other,
    }
}
