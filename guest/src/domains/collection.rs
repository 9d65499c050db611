//! Whole collections of JSON-text records by id: the signals store, notifications and the
//! log. Storage and notification are one adapter each of a collection per mode (backtest or
//! live), which differ only in their names.

use crate::adapter::{Instance, invalid_input, json_text, parse_input};
use crate::exports::backtest::persist::types::PersistError;
use persist_core::record::FieldError;
use persist_core::records::payloads::Payload;
use serde_json::Value;

/// Every stored record, in natural id order, as JSON text.
pub fn read_all(inst: &Instance, payload: Payload) -> Result<Vec<String>, PersistError> {
    let mut out = Vec::new();
    for id in inst.ids()? {
        let record = inst.read_record(&id, |p, v| payload.check(p, &v).map(|()| v))?;
        // Gone since it was listed: skip it.
        if let Some(mut v) = record {
            payload.restore(&mut v);
            out.push(json_text(&v));
        }
    }
    Ok(out)
}

/// Checks every record (nothing is written if one is invalid), then writes each under its
/// `id`, all in one storage batch; with `append_only`, ids already stored are left as they
/// are (one create each). Returns how many were
/// written.
pub fn write_all(
    inst: &Instance,
    payload: Payload,
    records: Vec<String>,
    append_only: bool,
) -> Result<u32, PersistError> {
    let name = inst.domain.name();
    let mut checked = Vec::with_capacity(records.len());
    for (i, text) in records.iter().enumerate() {
        let path = format!("{name}[{i}]");
        let value = parse_input(&path, text)?;
        payload.check(&path, &value).map_err(invalid_input)?;
        let id = match value.get("id") {
            Some(Value::String(id)) => id.clone(),
            _ => {
                return Err(invalid_input(FieldError::new(
                    format!("{path}.id"),
                    "expected a string id to store the record under",
                )));
            }
        };
        checked.push((id, value));
    }
    if !append_only {
        // One storage batch: durable together on `ok`.
        let items: Vec<(String, String)> = checked
            .into_iter()
            .map(|(id, value)| (id, json_text(&value)))
            .collect();
        inst.write_many(&items)?;
        return Ok(items.len() as u32);
    }
    let mut written = 0;
    for (id, value) in checked {
        written += u32::from(inst.write_if_absent(&id, &json_text(&value))?);
    }
    Ok(written)
}

/// The adapter of a collection per mode that never deletes: storage and notification.
macro_rules! by_mode_domain {
    ($interface:ident, $domain:ident, $payload:ident, $resource:ident, $guest:ident,
     $read:ident, $write:ident) => {
        use super::collection::{read_all, write_all};
        use crate::adapter::Handle;
        use crate::exports::backtest::persist::types::{CheckReport, PersistError};
        use crate::exports::backtest::persist::$interface::$guest;
        use persist_core::context::Context;
        use persist_core::domain::Domain;
        use persist_core::records::payloads::Payload;

        const DOMAIN: Domain = Domain::$domain;

        crate::adapter::resource!(
            $interface,
            DOMAIN,
            $resource,
            "The resource: backtest or live data."
        );

        impl $guest for $resource {
            fn new(backtest: bool) -> Self {
                let context = Context {
                    backtest,
                    ..Context::default()
                };
                $resource(Handle::new(DOMAIN, &context))
            }

            fn wait_for_init(&self, _initial: bool) -> Result<CheckReport, PersistError> {
                self.0.wait_for_init()
            }

            fn $read(&self) -> Result<Vec<String>, PersistError> {
                read_all(&*self.0.instance()?, Payload::$payload)
            }

            fn $write(&self, records: Vec<String>) -> Result<(), PersistError> {
                write_all(&*self.0.instance()?, Payload::$payload, records, false).map(drop)
            }
        }
    };
}
pub(crate) use by_mode_domain;
