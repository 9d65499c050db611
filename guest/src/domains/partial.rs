//! `data/partial/<symbol>_<strategy>_<exchange>/<signal-id>.json`: the levels of each signal,
//! keyed by signal id, stored under the current signal's id.

use crate::Component;
use crate::adapter::{self, Instance, invalid_input};
use crate::convert::{partial_in, partial_out};
use crate::exports::backtest::persist::partial::Guest;
use crate::exports::backtest::persist::records::PartialLevels;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::records::trading::{read_partial, write_partial};
use std::rc::Rc;

const DOMAIN: Domain = Domain::Partial;

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

    fn read_partial_data(
        symbol: String,
        strategy_name: String,
        signal_id: String,
        exchange_name: String,
        _when: f64,
    ) -> Result<Vec<PartialLevels>, PersistError> {
        let inst = instance(&symbol, &strategy_name, &exchange_name)?;
        Ok(partial_out(
            inst.read_record(&signal_id, read_partial)?
                .unwrap_or_default(),
        ))
    }

    fn write_partial_data(
        partial_data: Vec<PartialLevels>,
        symbol: String,
        strategy_name: String,
        signal_id: String,
        exchange_name: String,
        _when: f64,
    ) -> Result<(), PersistError> {
        let inst = instance(&symbol, &strategy_name, &exchange_name)?;
        let path = DOMAIN.name();
        let json = partial_in(path, partial_data)
            .and_then(|data| write_partial(path, &data))
            .map_err(invalid_input)?;
        inst.write(&signal_id, &json)
    }

    fn clear() {
        adapter::clear(DOMAIN);
    }
}
