//! `data/breakeven/<symbol>_<strategy>_<exchange>/<signal-id>.json`: the levels of each signal,
//! keyed by signal id, stored under the current signal's id.

use crate::Component;
use crate::adapter::{self, Instance, invalid_input};
use crate::convert::{breakeven_in, breakeven_out};
use crate::exports::backtest::persist::breakeven::Guest;
use crate::exports::backtest::persist::records::BreakevenLevel;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::records::trading::{read_breakeven, write_breakeven};
use std::rc::Rc;

const DOMAIN: Domain = Domain::Breakeven;

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

    fn read_breakeven_data(
        symbol: String,
        strategy_name: String,
        signal_id: String,
        exchange_name: String,
        _when: f64,
    ) -> Result<Vec<BreakevenLevel>, PersistError> {
        let inst = instance(&symbol, &strategy_name, &exchange_name)?;
        Ok(breakeven_out(
            inst.read_record(&signal_id, read_breakeven)?
                .unwrap_or_default(),
        ))
    }

    fn write_breakeven_data(
        breakeven_data: Vec<BreakevenLevel>,
        symbol: String,
        strategy_name: String,
        signal_id: String,
        exchange_name: String,
        _when: f64,
    ) -> Result<(), PersistError> {
        let inst = instance(&symbol, &strategy_name, &exchange_name)?;
        let path = DOMAIN.name();
        let json = breakeven_in(path, breakeven_data)
            .and_then(|data| write_breakeven(path, &data))
            .map_err(invalid_input)?;
        inst.write(&signal_id, &json)
    }

    fn clear() {
        adapter::clear(DOMAIN);
    }
}
