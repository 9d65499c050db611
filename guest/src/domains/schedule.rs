//! `data/schedule/<symbol>_<strategy>_<exchange>/<symbol>.json`.

use super::signal_rows;
use crate::Component;
use crate::adapter::{self, Instance};
use crate::exports::backtest::persist::records::SignalRow;
use crate::exports::backtest::persist::schedule::Guest;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use std::rc::Rc;

const DOMAIN: Domain = Domain::Schedule;

fn instance(symbol: &str, strategy: &str, exchange: &str) -> Result<Rc<Instance>, PersistError> {
    adapter::instance(DOMAIN, &Context::triple(symbol, strategy, exchange))
}

impl Guest for Component {
    fn wait_for_init(
        symbol: String,
        strategy_name: String,
        exchange_name: String,
        _initial: bool,
    ) -> Result<CheckReport, PersistError> {
        instance(&symbol, &strategy_name, &exchange_name)?.wait_for_init()
    }

    fn read_schedule_data(
        symbol: String,
        strategy_name: String,
        exchange_name: String,
    ) -> Result<Option<SignalRow>, PersistError> {
        signal_rows::read(
            &*instance(&symbol, &strategy_name, &exchange_name)?,
            &symbol,
        )
    }

    fn write_schedule_data(
        signal_row: Option<SignalRow>,
        symbol: String,
        strategy_name: String,
        exchange_name: String,
    ) -> Result<(), PersistError> {
        signal_rows::write(
            &*instance(&symbol, &strategy_name, &exchange_name)?,
            &symbol,
            signal_row,
        )
    }

    fn clear() {
        adapter::clear(DOMAIN);
    }
}
