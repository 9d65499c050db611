//! `data/notification/<backtest|live>/<id>.json`. Never deletes. Also the reading and
//! writing of whole collections of JSON-text records by id, shared with the signals store and
//! the log.

use crate::Component;
use crate::adapter::{self, Instance, invalid_input, json_text, parse_input};
use crate::exports::backtest::persist::notification::Guest;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::record::FieldError;
use persist_core::records::payloads::Payload;
use serde_json::Value;
use std::rc::Rc;

const DOMAIN: Domain = Domain::Notification;

fn instance(backtest: bool) -> Result<Rc<Instance>, PersistError> {
    let context = Context {
        backtest,
        ..Context::default()
    };
    adapter::instance(DOMAIN, &context)
}

/// Every stored record, in natural id order, as JSON text.
pub fn read_all(inst: &Instance, payload: Payload) -> Result<Vec<String>, PersistError> {
    let mut out = Vec::new();
    for id in inst.ids()? {
        let record = inst.read_record(&id, |p, v| payload.check(p, &v).map(|()| v))?;
        // Gone since it was listed: skip it.
        if let Some(v) = record {
            out.push(json_text(&v));
        }
    }
    Ok(out)
}

/// Checks every record (nothing is written if one is invalid), then writes each under its
/// `id`; with `append_only`, ids already stored are left as they are. Returns how many were
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
    let mut written = 0;
    for (id, value) in checked {
        let json = json_text(&value);
        let stored = if append_only {
            inst.write_if_absent(&id, &json)?
        } else {
            inst.write(&id, &json)?;
            true
        };
        written += u32::from(stored);
    }
    Ok(written)
}

impl Guest for Component {
    fn wait_for_init(backtest: bool, _initial: bool) -> Result<CheckReport, PersistError> {
        instance(backtest)?.wait_for_init()
    }

    fn read_notification_data(backtest: bool) -> Result<Vec<String>, PersistError> {
        read_all(&*instance(backtest)?, Payload::Notification)
    }

    fn write_notification_data(
        notification_data: Vec<String>,
        backtest: bool,
    ) -> Result<(), PersistError> {
        write_all(
            &*instance(backtest)?,
            Payload::Notification,
            notification_data,
            false,
        )
        .map(drop)
    }

    fn clear() {
        adapter::clear(DOMAIN);
    }
}
