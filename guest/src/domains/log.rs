//! `data/log/log/<id>.json`: log entries, append-only.

use super::collection::{read_all, write_all};
use crate::adapter::Handle;
use crate::exports::backtest::persist::log::GuestLogInstance;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::records::payloads::Payload;

const DOMAIN: Domain = Domain::Log;

crate::adapter::resource!(log, DOMAIN, LogInstance, "The resource: the one log.");

impl GuestLogInstance for LogInstance {
    fn new() -> Self {
        LogInstance(Handle::new(DOMAIN, &Context::default()))
    }

    fn wait_for_init(&self, _initial: bool) -> Result<CheckReport, PersistError> {
        self.0.wait_for_init()
    }

    fn read_log_data(&self) -> Result<Vec<String>, PersistError> {
        read_all(&*self.0.instance()?, Payload::Log)
    }

    fn write_log_data(&self, log_data: Vec<String>) -> Result<u32, PersistError> {
        write_all(&*self.0.instance()?, Payload::Log, log_data, true)
    }
}
