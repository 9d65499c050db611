//! `memory/<signal-id>/<bucket-name>/<memory-id>.json`: soft-deleted memory records.

use super::soft_delete;
use crate::adapter::Handle;
use crate::exports::backtest::persist::memory::GuestMemoryInstance;
use crate::exports::backtest::persist::records::MemoryItem;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::records::payloads::Payload;

const DOMAIN: Domain = Domain::Memory;
const PAYLOAD: Payload = Payload::Memory;

crate::adapter::resource!(
    memory,
    DOMAIN,
    MemoryInstance,
    "The resource: one bucket of one signal."
);

impl GuestMemoryInstance for MemoryInstance {
    fn new(signal_id: String, bucket_name: String) -> Self {
        MemoryInstance(Handle::new(
            DOMAIN,
            &Context::signal_bucket(&signal_id, &bucket_name),
        ))
    }

    fn wait_for_init(&self, _initial: bool) -> Result<CheckReport, PersistError> {
        self.0.wait_for_init()
    }

    fn read_memory_data(&self, memory_id: String) -> Result<Option<String>, PersistError> {
        soft_delete::read(&*self.0.instance()?, PAYLOAD, &memory_id)
    }

    fn has_memory_data(&self, memory_id: String) -> Result<bool, PersistError> {
        self.0.instance()?.has(&memory_id)
    }

    fn write_memory_data(
        &self,
        data: String,
        memory_id: String,
        _when: f64,
    ) -> Result<(), PersistError> {
        soft_delete::write(&*self.0.instance()?, PAYLOAD, &memory_id, &data)
    }

    fn remove_memory_data(&self, memory_id: String) -> Result<(), PersistError> {
        soft_delete::remove(&*self.0.instance()?, PAYLOAD, &memory_id)
    }

    fn list_memory_data(&self) -> Result<Vec<MemoryItem>, PersistError> {
        Ok(soft_delete::list(&*self.0.instance()?, PAYLOAD)?
            .into_iter()
            .map(|(memory_id, data)| MemoryItem { memory_id, data })
            .collect())
    }

    fn dispose(&self) {
        self.0.dispose();
    }
}
