//! What every domain adapter shares: one instance per context (backtest-kit's memo key), its
//! one-time `wait-for-init`, and reading and writing its documents with errors that name the
//! entity and id.

use crate::backtest::persist::storage::{Bucket, SwapOutcome};
use crate::buckets::{bucket, exists, read_stored, read_stored_many};
use crate::errors::{invalid_key, storage_failure};
use crate::exports::backtest::persist::types::{CheckReport, FieldError, PersistError};
use crate::scan::{empty_report, scan_entity, warn_findings};
use persist_core::context::{Context, OwnedContext};
use persist_core::domain::Domain;
use persist_core::json::to_js_string;
use persist_core::keys::{escape_id, stored_names, unescape};
use persist_core::order::sort_natural;
use persist_core::record;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// One context of one domain: where its documents live.
pub struct Instance {
    pub domain: Domain,
    pub bucket: Rc<Bucket>,
    /// The escaped entity path.
    pub entity: String,
    /// The first successful `wait-for-init` report.
    report: RefCell<Option<CheckReport>>,
}

thread_local! {
    static MEMO: RefCell<HashMap<(Domain, String), Rc<Instance>>> = RefCell::new(HashMap::new());
}

/// The instance of a context, created on first use and initialised (documents validated,
/// bad ones quarantined) once. An init that fails because storage failed is not remembered:
/// the next call tries again.
pub fn instance(domain: Domain, context: &Context) -> Result<Rc<Instance>, PersistError> {
    let key = domain.memo_key(context);
    let found = MEMO.with(|m| m.borrow().get(&(domain, key.clone())).cloned());
    let inst = match found {
        Some(inst) => inst,
        None => {
            let entity = domain.entity(context).map_err(|e| {
                invalid_key(
                    &format!("{} context", domain.name()),
                    &domain.entity_parts(context).join("/"),
                    e,
                )
            })?;
            let inst = Rc::new(Instance {
                domain,
                bucket: bucket(domain.name())?,
                entity,
                report: RefCell::new(None),
            });
            MEMO.with(|m| m.borrow_mut().insert((domain, key), inst.clone()));
            inst
        }
    };
    inst.wait_for_init()?;
    Ok(inst)
}

/// One context of one domain as the host holds it: the value behind each domain's
/// `<domain>-instance` resource. Handles of the same context share one [`Instance`] through
/// the memo, as backtest-kit's `Persist<X>Utils` share one `Persist<X>Instance`.
pub struct Handle {
    domain: Domain,
    context: OwnedContext,
}

impl Handle {
    /// A handle of the context; reads nothing (the instance is made on first use).
    pub fn new(domain: Domain, context: &Context) -> Self {
        Handle {
            domain,
            context: OwnedContext::new(context),
        }
    }

    /// The context's values.
    pub fn context(&self) -> Context<'_> {
        self.context.get()
    }

    /// The context's instance, initialised.
    pub fn instance(&self) -> Result<Rc<Instance>, PersistError> {
        instance(self.domain, &self.context.get())
    }

    /// `wait-for-init`: the report of the context's first successful validation pass.
    pub fn wait_for_init(&self) -> Result<CheckReport, PersistError> {
        self.instance()?.wait_for_init()
    }

    /// Drops the context's instance from the memo (`dispose`).
    pub fn dispose(&self) {
        let key = self.domain.memo_key(&self.context.get());
        MEMO.with(|m| m.borrow_mut().remove(&(self.domain, key)));
    }
}

/// A domain's resource type (a newtype of [`Handle`]) and its interface's `clear`.
macro_rules! resource {
    ($interface:ident, $domain:expr, $resource:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $resource($crate::adapter::Handle);

        impl $crate::exports::backtest::persist::$interface::Guest for $crate::Component {
            type $resource = $resource;

            fn clear() {
                $crate::adapter::clear($domain);
            }
        }
    };
}
pub(crate) use resource;

/// Drops every instance of the domain (`clear`).
pub fn clear(domain: Domain) {
    MEMO.with(|m| m.borrow_mut().retain(|(d, _), _| *d != domain));
}

/// An input that is not a valid record.
pub fn invalid_input(e: record::FieldError) -> PersistError {
    PersistError::InvalidInput(FieldError {
        path: e.path,
        reason: e.reason,
    })
}

impl Instance {
    pub fn wait_for_init(&self) -> Result<CheckReport, PersistError> {
        if let Some(report) = self.report.borrow().as_ref() {
            return Ok(report.clone());
        }
        let mut report = empty_report();
        scan_entity(
            &self.bucket,
            self.domain.name(),
            &self.entity,
            false,
            &mut report,
        )?;
        warn_findings(&report);
        *self.report.borrow_mut() = Some(report.clone());
        Ok(report)
    }

    fn key(&self, id: &str) -> Result<String, PersistError> {
        escape_id(id).map_err(|e| invalid_key(&format!("id in {}", self.entity), id, e))
    }

    /// The stored bytes of the id under the first of its stored names that exists.
    fn stored(&self, id: &str) -> Result<Option<Vec<u8>>, PersistError> {
        let names =
            stored_names(id).map_err(|e| invalid_key(&format!("id in {}", self.entity), id, e))?;
        read_stored(&self.bucket, &self.entity, names, &self.at(id))
    }

    fn at(&self, id: &str) -> String {
        format!("{}:{id}", self.entity)
    }

    /// The stored document as JSON, or None when absent. A document that is not JSON is an
    /// error (`corrupt`).
    pub fn read(&self, id: &str) -> Result<Option<Value>, PersistError> {
        let Some(bytes) = self.stored(id)? else {
            return Ok(None);
        };
        persist_core::document::parse_document(&bytes)
            .map(Some)
            .map_err(|reason| self.corrupt(id, &reason))
    }

    /// The stored document's text, or None when absent; bytes that are not text are an
    /// error (`corrupt`).
    pub fn read_text(&self, id: &str) -> Result<Option<String>, PersistError> {
        let Some(bytes) = self.stored(id)? else {
            return Ok(None);
        };
        String::from_utf8(bytes).map(Some).map_err(|e| {
            self.corrupt(
                id,
                &format!(
                    "not UTF-8 text: invalid byte at offset {}",
                    e.utf8_error().valid_up_to()
                ),
            )
        })
    }

    /// A stored document that does not hold what its domain requires.
    pub fn corrupt(&self, id: &str, reason: &str) -> PersistError {
        PersistError::Corrupt(format!(
            "Failed to read entity {}: {reason}; `persist check` moves it to the quarantine",
            self.at(id)
        ))
    }

    /// Reads a stored document into a record; a stored document that does not fit is
    /// `corrupt`.
    pub fn read_record<T>(
        &self,
        id: &str,
        read: impl FnOnce(&str, Value) -> record::Result<T>,
    ) -> Result<Option<T>, PersistError> {
        match self.read(id)? {
            None => Ok(None),
            Some(v) => read(self.domain.name(), v)
                .map(Some)
                .map_err(|e| self.corrupt(id, &e.to_string())),
        }
    }

    pub fn has(&self, id: &str) -> Result<bool, PersistError> {
        exists(self.stored(id))
    }

    /// Writes a document's JSON text, atomically.
    pub fn write(&self, id: &str, json: &str) -> Result<(), PersistError> {
        let key = self.key(id)?;
        self.bucket
            .write(&self.entity, &key, json.as_bytes())
            .map_err(|e| storage_failure(format!("Failed to write entity {}", self.at(id)), e))
    }

    /// Writes the document unless the id is stored already; true when written.
    pub fn write_if_absent(&self, id: &str, json: &str) -> Result<bool, PersistError> {
        let key = self.key(id)?;
        self.bucket
            .write_if_absent(&self.entity, &key, json.as_bytes())
            .map_err(|e| storage_failure(format!("Failed to write entity {}", self.at(id)), e))
    }

    /// Read-modify-write of one document by compare-and-swap: `change` gets the stored
    /// document (None when absent) and returns the new JSON text, or None to write nothing;
    /// when another writer changed the document in between, it runs again on the new one.
    /// True when the document holds what `change` returned (written, or already so).
    pub fn update(
        &self,
        id: &str,
        mut change: impl FnMut(Option<Value>) -> Result<Option<String>, PersistError>,
    ) -> Result<bool, PersistError> {
        let key = self.key(id)?;
        let fail = |e| storage_failure(format!("Failed to write entity {}", self.at(id)), e);
        let mut current = self
            .bucket
            .read_versioned(&self.entity, &key)
            .map_err(fail)?;
        loop {
            let value = match &current {
                None => None,
                Some(v) => Some(
                    persist_core::document::parse_document(&v.value)
                        .map_err(|reason| self.corrupt(id, &reason))?,
                ),
            };
            let Some(json) = change(value)? else {
                return Ok(false);
            };
            // Already so: nothing to write.
            if current.as_ref().is_some_and(|v| v.value == json.as_bytes()) {
                return Ok(true);
            }
            let expected = current.as_ref().map(|v| v.version.clone());
            match self
                .bucket
                .write_if_version(&self.entity, &key, expected.as_deref(), json.as_bytes())
                .map_err(fail)?
            {
                SwapOutcome::Swapped(_) => return Ok(true),
                SwapOutcome::Stale(now) => current = now,
            }
        }
    }

    /// Writes documents' (id, JSON text) as one storage batch: durable on `ok`, a later item
    /// for the same id wins.
    pub fn write_many(&self, items: &[(String, String)]) -> Result<(), PersistError> {
        let documents = items
            .iter()
            .map(|(id, json)| Ok((self.entity.clone(), self.key(id)?, json.as_bytes().to_vec())))
            .collect::<Result<Vec<_>, PersistError>>()?;
        self.bucket.write_many(&documents).map_err(|e| {
            storage_failure(
                format!(
                    "Failed to write {} entities of {}",
                    items.len(),
                    self.entity
                ),
                e,
            )
        })
    }

    /// Which of the ids are stored, in one storage call.
    pub fn stored_many(&self, ids: &[String]) -> Result<Vec<bool>, PersistError> {
        let names = ids
            .iter()
            .map(|id| {
                stored_names(id).map_err(|e| invalid_key(&format!("id in {}", self.entity), id, e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(
            read_stored_many(&self.bucket, &self.entity, names, &self.entity)?
                .iter()
                .map(Option::is_some)
                .collect(),
        )
    }

    /// The stored ids, unescaped, in backtest-kit's natural order.
    pub fn ids(&self) -> Result<Vec<String>, PersistError> {
        let mut ids: Vec<String> = self
            .bucket
            .list_ids(&self.entity)
            .map_err(|e| storage_failure(format!("Failed to read keys for {}", self.entity), e))?
            .iter()
            .map(|id| unescape(id))
            .collect();
        sort_natural(&mut ids);
        // A raw name and the escape of the same id list as that id once.
        ids.dedup();
        Ok(ids)
    }
}

/// Parses JSON text given by the caller for a domain record.
pub fn parse_input(path: &str, text: &str) -> Result<Value, PersistError> {
    persist_core::document::parse_json(text).map_err(|e| {
        PersistError::InvalidInput(FieldError {
            path: path.to_string(),
            reason: persist_core::document::not_json(e),
        })
    })
}

/// JSON text of a stored value, for the domains that return JSON text.
pub fn json_text(value: &Value) -> String {
    to_js_string(value).unwrap_or_else(|_| "null".to_string())
}
