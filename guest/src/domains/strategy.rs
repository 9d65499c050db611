//! `data/strategy/<symbol>_<strategy>_<exchange>/strategy.json`.

use crate::Component;
use crate::adapter::{self, invalid_input};
use crate::convert::{strategy_in, strategy_out};
use crate::exports::backtest::persist::records::StrategyData;
use crate::exports::backtest::persist::strategy::Guest;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::domain::Domain;
use persist_core::record::optional;
use persist_core::records::strategy::StrategyData as CoreData;

const DOMAIN: Domain = Domain::Strategy;
const ID: &str = "strategy";

impl Guest for Component {
    fn wait_for_init(
        symbol: String,
        strategy_name: String,
        exchange_name: String,
        _initial: bool,
    ) -> Result<CheckReport, PersistError> {
        adapter::triple(DOMAIN, &symbol, &strategy_name, &exchange_name)?.wait_for_init()
    }

    fn read_strategy_data(
        symbol: String,
        strategy_name: String,
        exchange_name: String,
    ) -> Result<Option<StrategyData>, PersistError> {
        let inst = adapter::triple(DOMAIN, &symbol, &strategy_name, &exchange_name)?;
        Ok(inst
            .read_record(ID, |p, v| optional(p, v, CoreData::read))?
            .flatten()
            .map(strategy_out))
    }

    fn write_strategy_data(
        data: Option<StrategyData>,
        symbol: String,
        strategy_name: String,
        exchange_name: String,
    ) -> Result<(), PersistError> {
        let inst = adapter::triple(DOMAIN, &symbol, &strategy_name, &exchange_name)?;
        let path = DOMAIN.name();
        let json = match data {
            None => "null".to_string(),
            Some(d) => strategy_in(path, d)
                .and_then(|d| d.write(path))
                .map_err(invalid_input)?,
        };
        inst.write(ID, &json)
    }

    fn clear() {
        adapter::clear(DOMAIN);
    }
}
