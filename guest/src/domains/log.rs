//! `data/log/log/<id>.json`: log entries, append-only.

use super::notification::{read_all, write_all};
use crate::Component;
use crate::adapter::{self, Instance};
use crate::exports::backtest::persist::log::Guest;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::records::payloads::Payload;
use std::rc::Rc;

const DOMAIN: Domain = Domain::Log;

fn instance() -> Result<Rc<Instance>, PersistError> {
    adapter::instance(DOMAIN, &Context::default())
}

impl Guest for Component {
    fn wait_for_init(_initial: bool) -> Result<CheckReport, PersistError> {
        instance()?.wait_for_init()
    }

    fn read_log_data() -> Result<Vec<String>, PersistError> {
        read_all(&*instance()?, Payload::Log)
    }

    fn write_log_data(log_data: Vec<String>) -> Result<u32, PersistError> {
        write_all(&*instance()?, Payload::Log, log_data, true)
    }

    fn clear() {
        adapter::clear(DOMAIN);
    }
}
