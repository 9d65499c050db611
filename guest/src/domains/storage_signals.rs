//! `data/storage/<backtest|live>/<signal-id>.json`: the signals store. Never deletes.

use super::notification::{read_all, write_all};
use crate::Component;
use crate::adapter::{self, Instance};
use crate::exports::backtest::persist::storage_signals::Guest;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::records::payloads::Payload;
use std::rc::Rc;

const DOMAIN: Domain = Domain::Storage;

fn instance(backtest: bool) -> Result<Rc<Instance>, PersistError> {
    let context = Context {
        backtest,
        ..Context::default()
    };
    adapter::instance(DOMAIN, &context)
}

impl Guest for Component {
    fn wait_for_init(backtest: bool, _initial: bool) -> Result<CheckReport, PersistError> {
        instance(backtest)?.wait_for_init()
    }

    fn read_storage_data(backtest: bool) -> Result<Vec<String>, PersistError> {
        read_all(&*instance(backtest)?, Payload::StorageSignal)
    }

    fn write_storage_data(signal_data: Vec<String>, backtest: bool) -> Result<(), PersistError> {
        write_all(
            &*instance(backtest)?,
            Payload::StorageSignal,
            signal_data,
            false,
        )
        .map(drop)
    }

    fn clear() {
        adapter::clear(DOMAIN);
    }
}
