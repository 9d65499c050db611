//! Reading and writing one signal row or `null`: shared by signal, schedule and recent.

use crate::adapter::{Instance, invalid_input};
use crate::convert::{signal_in, signal_out};
use crate::exports::backtest::persist::records::SignalRow;
use crate::exports::backtest::persist::types::PersistError;
use persist_core::records::signal::SignalRow as CoreRow;

/// The stored row; None when nothing or `null` is stored. `minuteEstimatedTime` stored as
/// `null` reads as Infinity.
pub fn read(inst: &Instance, id: &str) -> Result<Option<SignalRow>, PersistError> {
    read_core(inst, id).map(|row| row.map(signal_out))
}

/// [`read`] as persist-core's record.
pub fn read_core(inst: &Instance, id: &str) -> Result<Option<CoreRow>, PersistError> {
    let Some(text) = inst.read_text(id)? else {
        return Ok(None);
    };
    CoreRow::parse_optional(inst.domain.name(), &text).map_err(|e| inst.corrupt(id, &e.to_string()))
}

/// Stores the row, or a `null` document for None. A row that is not valid is refused and
/// nothing is written.
pub fn write(inst: &Instance, id: &str, row: Option<SignalRow>) -> Result<(), PersistError> {
    let path = inst.domain.name();
    let row = row
        .map(|r| signal_in(path, r))
        .transpose()
        .map_err(invalid_input)?;
    write_core(inst, id, row)
}

/// [`write`] of persist-core's record.
pub fn write_core(inst: &Instance, id: &str, row: Option<CoreRow>) -> Result<(), PersistError> {
    let json = match row {
        None => "null".to_string(),
        Some(row) => row.write(inst.domain.name()).map_err(invalid_input)?,
    };
    inst.write(id, &json)
}

/// The adapter of a domain that keeps one signal row (or `null`) per symbol, strategy and
/// exchange, under the symbol: signal and schedule, which differ only in their names.
macro_rules! domain {
    ($interface:ident, $domain:ident, $resource:ident, $guest:ident, $read:ident, $write:ident) => {
        use super::signal_rows;
        use crate::adapter::Handle;
        use crate::exports::backtest::persist::records::SignalRow;
        use crate::exports::backtest::persist::types::{CheckReport, PersistError};
        use crate::exports::backtest::persist::$interface::$guest;
        use persist_core::context::Context;
        use persist_core::domain::Domain;

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

            fn $read(&self) -> Result<Option<SignalRow>, PersistError> {
                signal_rows::read(&*self.0.instance()?, self.0.context().symbol)
            }

            fn $write(&self, signal_row: Option<SignalRow>) -> Result<(), PersistError> {
                signal_rows::write(&*self.0.instance()?, self.0.context().symbol, signal_row)
            }
        }
    };
}
pub(crate) use domain;
