//! The adapter of a domain that keeps, per symbol, strategy and exchange, a record of levels
//! per signal, stored under the signal's id: partial and breakeven, which differ only in
//! their names and record types.

macro_rules! domain {
    ($interface:ident, $domain:ident, $record:ident, $read:ident, $write:ident,
     $to_core:ident, $from_core:ident, $read_core:ident, $write_core:ident) => {
        use crate::Component;
        use crate::adapter::{self, invalid_input};
        use crate::convert::{$from_core, $to_core};
        use crate::exports::backtest::persist::records::$record;
        use crate::exports::backtest::persist::types::{CheckReport, PersistError};
        use crate::exports::backtest::persist::$interface::Guest;
        use persist_core::domain::Domain;
        use persist_core::records::trading::{$read_core, $write_core};

        const DOMAIN: Domain = Domain::$domain;

        impl Guest for Component {
            fn wait_for_init(
                symbol: String,
                strategy_name: String,
                exchange_name: String,
                _initial: bool,
            ) -> Result<CheckReport, PersistError> {
                adapter::triple(DOMAIN, &symbol, &strategy_name, &exchange_name)?.wait_for_init()
            }

            fn $read(
                symbol: String,
                strategy_name: String,
                signal_id: String,
                exchange_name: String,
                _when: f64,
            ) -> Result<Vec<$record>, PersistError> {
                let inst = adapter::triple(DOMAIN, &symbol, &strategy_name, &exchange_name)?;
                Ok($from_core(
                    inst.read_record(&signal_id, $read_core)?
                        .unwrap_or_default(),
                ))
            }

            fn $write(
                data: Vec<$record>,
                symbol: String,
                strategy_name: String,
                signal_id: String,
                exchange_name: String,
                _when: f64,
            ) -> Result<(), PersistError> {
                let inst = adapter::triple(DOMAIN, &symbol, &strategy_name, &exchange_name)?;
                let path = DOMAIN.name();
                let json = $to_core(path, data)
                    .and_then(|data| $write_core(path, &data))
                    .map_err(invalid_input)?;
                inst.write(&signal_id, &json)
            }

            fn clear() {
                adapter::clear(DOMAIN);
            }
        }
    };
}
pub(crate) use domain;
