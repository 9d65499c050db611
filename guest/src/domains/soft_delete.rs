//! Records with a `removed` flag (measure, interval, memory): reads skip removed ones, and a
//! remove rewrites the record with `removed: true` instead of deleting it.

use crate::adapter::{Instance, invalid_input, json_text, parse_input};
use crate::exports::backtest::persist::types::PersistError;
use persist_core::records::payloads::Payload;
use serde_json::Value;

/// The stored record, checked; None when missing.
pub fn read_any(
    inst: &Instance,
    payload: Payload,
    id: &str,
) -> Result<Option<Value>, PersistError> {
    inst.read_record(id, |p, v| payload.check(p, &v).map(|()| v))
}

fn removed(v: &Value) -> bool {
    v.get("removed") == Some(&Value::Bool(true))
}

/// The record as JSON text; None when missing or removed.
pub fn read(inst: &Instance, payload: Payload, id: &str) -> Result<Option<String>, PersistError> {
    Ok(read_any(inst, payload, id)?
        .filter(|v| !removed(v))
        .map(|v| json_text(&v)))
}

/// Checks and stores the caller's record.
pub fn write(inst: &Instance, payload: Payload, id: &str, data: &str) -> Result<(), PersistError> {
    let path = inst.domain.name();
    let value = parse_input(path, data)?;
    payload.check(path, &value).map_err(invalid_input)?;
    inst.write(id, &json_text(&value))
}

/// Rewrites the record with `removed: true`; nothing when missing.
pub fn remove(inst: &Instance, payload: Payload, id: &str) -> Result<(), PersistError> {
    if let Some(mut v) = read_any(inst, payload, id)? {
        if let Value::Object(map) = &mut v {
            map.insert("removed".to_string(), Value::Bool(true));
        }
        inst.write(id, &json_text(&v))?;
    }
    Ok(())
}

/// The ids of records not removed, in natural order, with their JSON text.
pub fn list(inst: &Instance, payload: Payload) -> Result<Vec<(String, String)>, PersistError> {
    let mut out = Vec::new();
    for id in inst.ids()? {
        if let Some(text) = read(inst, payload, &id)? {
            out.push((id, text));
        }
    }
    Ok(out)
}

/// The adapter of a domain of soft-deleted records by bucket and key: measure and interval,
/// which differ only in their names.
macro_rules! keyed_domain {
    ($interface:ident, $domain:ident, $resource:ident, $guest:ident,
     $read:ident, $write:ident, $remove:ident, $list:ident) => {
        use super::soft_delete;
        use crate::adapter::Handle;
        use crate::exports::backtest::persist::types::{CheckReport, PersistError};
        use crate::exports::backtest::persist::$interface::$guest;
        use persist_core::context::Context;
        use persist_core::domain::Domain;
        use persist_core::records::payloads::Payload;

        const DOMAIN: Domain = Domain::$domain;
        const PAYLOAD: Payload = Payload::$domain;

        crate::adapter::resource!($interface, DOMAIN, $resource, "The resource: one bucket.");

        impl $guest for $resource {
            fn new(bucket: String) -> Self {
                let context = Context {
                    bucket: &bucket,
                    ..Context::default()
                };
                $resource(Handle::new(DOMAIN, &context))
            }

            fn wait_for_init(&self, _initial: bool) -> Result<CheckReport, PersistError> {
                self.0.wait_for_init()
            }

            fn $read(&self, key: String) -> Result<Option<String>, PersistError> {
                soft_delete::read(&*self.0.instance()?, PAYLOAD, &key)
            }

            fn $write(&self, data: String, key: String, _when: f64) -> Result<(), PersistError> {
                soft_delete::write(&*self.0.instance()?, PAYLOAD, &key, &data)
            }

            fn $remove(&self, key: String) -> Result<(), PersistError> {
                soft_delete::remove(&*self.0.instance()?, PAYLOAD, &key)
            }

            fn $list(&self) -> Result<Vec<String>, PersistError> {
                Ok(soft_delete::list(&*self.0.instance()?, PAYLOAD)?
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect())
            }
        }
    };
}
pub(crate) use keyed_domain;
