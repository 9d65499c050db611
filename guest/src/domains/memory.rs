//! `memory/<signal-id>/<bucket-name>/<memory-id>.json`: soft-deleted memory records.

use super::soft_delete;
use crate::Component;
use crate::adapter::{self, Instance};
use crate::exports::backtest::persist::memory::Guest;
use crate::exports::backtest::persist::records::MemoryItem;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::records::payloads::Payload;
use std::rc::Rc;

const DOMAIN: Domain = Domain::Memory;
const PAYLOAD: Payload = Payload::Memory;

fn instance(signal_id: &str, bucket_name: &str) -> Result<Rc<Instance>, PersistError> {
    adapter::instance(DOMAIN, &Context::signal_bucket(signal_id, bucket_name))
}

impl Guest for Component {
    fn wait_for_init(
        signal_id: String,
        bucket_name: String,
        _initial: bool,
    ) -> Result<CheckReport, PersistError> {
        instance(&signal_id, &bucket_name)?.wait_for_init()
    }

    fn read_memory_data(
        signal_id: String,
        bucket_name: String,
        memory_id: String,
    ) -> Result<Option<String>, PersistError> {
        soft_delete::read(&*instance(&signal_id, &bucket_name)?, PAYLOAD, &memory_id)
    }

    fn has_memory_data(
        signal_id: String,
        bucket_name: String,
        memory_id: String,
    ) -> Result<bool, PersistError> {
        instance(&signal_id, &bucket_name)?.has(&memory_id)
    }

    fn write_memory_data(
        data: String,
        signal_id: String,
        bucket_name: String,
        memory_id: String,
        _when: f64,
    ) -> Result<(), PersistError> {
        soft_delete::write(
            &*instance(&signal_id, &bucket_name)?,
            PAYLOAD,
            &memory_id,
            &data,
        )
    }

    fn remove_memory_data(
        signal_id: String,
        bucket_name: String,
        memory_id: String,
    ) -> Result<(), PersistError> {
        soft_delete::remove(&*instance(&signal_id, &bucket_name)?, PAYLOAD, &memory_id)
    }

    fn list_memory_data(
        signal_id: String,
        bucket_name: String,
    ) -> Result<Vec<MemoryItem>, PersistError> {
        Ok(
            soft_delete::list(&*instance(&signal_id, &bucket_name)?, PAYLOAD)?
                .into_iter()
                .map(|(memory_id, data)| MemoryItem { memory_id, data })
                .collect(),
        )
    }

    fn dispose(signal_id: String, bucket_name: String) {
        adapter::dispose(DOMAIN, &Context::signal_bucket(&signal_id, &bucket_name));
    }

    fn clear() {
        adapter::clear(DOMAIN);
    }
}
