//! The adapter of a domain that keeps, per symbol, strategy and exchange, a record of levels
//! per signal, stored under the signal's id: partial and breakeven, which differ only in
//! their names and record types.

macro_rules! domain {
    ($interface:ident, $domain:ident, $resource:ident, $guest:ident, $record:ident,
     $read:ident, $write:ident,
     $to_core:ident, $from_core:ident, $read_core:ident, $write_core:ident) => {
        use crate::adapter::{Handle, invalid_input};
        use crate::convert::{$from_core, $to_core};
        use crate::exports::backtest::persist::records::$record;
        use crate::exports::backtest::persist::types::{CheckReport, PersistError};
        use crate::exports::backtest::persist::$interface::$guest;
        use persist_core::context::Context;
        use persist_core::domain::Domain;
        use persist_core::records::trading::{$read_core, $write_core};

        const DOMAIN: Domain = Domain::$domain;

        crate::adapter::resource!(
            $interface,
            DOMAIN,
            $resource,
            "The resource: one symbol, strategy and exchange."
        );

        impl $guest for $resource {
            fn new(symbol: String, strategy_name: String, exchange_name: String) -> Self {
                $resource(Handle::new(
                    DOMAIN,
                    &Context::triple(&symbol, &strategy_name, &exchange_name),
                ))
            }

            fn wait_for_init(&self, _initial: bool) -> Result<CheckReport, PersistError> {
                self.0.wait_for_init()
            }

            fn $read(&self, signal_id: String, _when: f64) -> Result<Vec<$record>, PersistError> {
                let inst = self.0.instance()?;
                Ok($from_core(
                    inst.read_record(&signal_id, $read_core)?
                        .unwrap_or_default(),
                ))
            }

            fn $write(
                &self,
                data: Vec<$record>,
                signal_id: String,
                _when: f64,
            ) -> Result<(), PersistError> {
                let inst = self.0.instance()?;
                let path = DOMAIN.name();
                let json = $to_core(path, data)
                    .and_then(|data| $write_core(path, &data))
                    .map_err(invalid_input)?;
                inst.write(&signal_id, &json)
            }
        }
    };
}
pub(crate) use domain;
