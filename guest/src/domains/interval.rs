//! `data/interval/<bucket>/<key>.json`: soft-deleted records.

use super::soft_delete;
use crate::Component;
use crate::adapter::{self, Instance};
use crate::exports::backtest::persist::interval::Guest;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::records::payloads::Payload;
use std::rc::Rc;

const DOMAIN: Domain = Domain::Interval;
const PAYLOAD: Payload = Payload::Interval;

fn instance(bucket: &str) -> Result<Rc<Instance>, PersistError> {
    let context = Context {
        bucket,
        ..Context::default()
    };
    adapter::instance(DOMAIN, &context)
}

impl Guest for Component {
    fn wait_for_init(bucket: String, _initial: bool) -> Result<CheckReport, PersistError> {
        instance(&bucket)?.wait_for_init()
    }

    fn read_interval_data(bucket: String, key: String) -> Result<Option<String>, PersistError> {
        soft_delete::read(&*instance(&bucket)?, PAYLOAD, &key)
    }

    fn write_interval_data(
        data: String,
        bucket: String,
        key: String,
        _when: f64,
    ) -> Result<(), PersistError> {
        soft_delete::write(&*instance(&bucket)?, PAYLOAD, &key, &data)
    }

    fn remove_interval_data(bucket: String, key: String) -> Result<(), PersistError> {
        soft_delete::remove(&*instance(&bucket)?, PAYLOAD, &key)
    }

    fn list_interval_data(bucket: String) -> Result<Vec<String>, PersistError> {
        Ok(soft_delete::list(&*instance(&bucket)?, PAYLOAD)?
            .into_iter()
            .map(|(id, _)| id)
            .collect())
    }

    fn clear() {
        adapter::clear(DOMAIN);
    }
}
