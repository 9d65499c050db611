//! `data/strategy/<symbol>_<strategy>_<exchange>/strategy.json`.

use crate::adapter::{Handle, invalid_input};
use crate::convert::{strategy_in, strategy_out};
use crate::exports::backtest::persist::records::StrategyData;
use crate::exports::backtest::persist::strategy::GuestStrategyInstance;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::record::optional;
use persist_core::records::strategy::StrategyData as CoreData;

const DOMAIN: Domain = Domain::Strategy;
const ID: &str = "strategy";

crate::adapter::resource!(
    strategy,
    DOMAIN,
    StrategyInstance,
    "The resource: one symbol, strategy and exchange."
);

impl GuestStrategyInstance for StrategyInstance {
    fn new(symbol: String, strategy_name: String, exchange_name: String) -> Self {
        StrategyInstance(Handle::new(
            DOMAIN,
            &Context::triple(&symbol, &strategy_name, &exchange_name),
        ))
    }

    fn wait_for_init(&self, _initial: bool) -> Result<CheckReport, PersistError> {
        self.0.wait_for_init()
    }

    fn read_strategy_data(&self) -> Result<Option<StrategyData>, PersistError> {
        Ok(self
            .0
            .instance()?
            .read_record(ID, |p, v| optional(p, v, CoreData::read))?
            .flatten()
            .map(strategy_out))
    }

    fn write_strategy_data(&self, data: Option<StrategyData>) -> Result<(), PersistError> {
        let inst = self.0.instance()?;
        let path = DOMAIN.name();
        let json = match data {
            None => "null".to_string(),
            Some(d) => strategy_in(path, d)
                .and_then(|d| d.write(path))
                .map_err(invalid_input)?,
        };
        inst.write(ID, &json)
    }
}
