//! Reading and writing one signal row or `null`: shared by signal, schedule and recent.

use crate::adapter::{Instance, invalid_input};
use crate::convert::{signal_in, signal_out};
use crate::exports::backtest::persist::records::SignalRow;
use crate::exports::backtest::persist::types::PersistError;
use persist_core::records::signal::SignalRow as CoreRow;

/// The stored row; None when nothing or `null` is stored. `minuteEstimatedTime` stored as
/// `null` reads as Infinity.
pub fn read(inst: &Instance, id: &str) -> Result<Option<SignalRow>, PersistError> {
    let Some(text) = inst.read_text(id)? else {
        return Ok(None);
    };
    CoreRow::parse_optional(inst.domain.name(), &text)
        .map(|row| row.map(signal_out))
        .map_err(|e| inst.corrupt(id, &e.to_string()))
}

/// Stores the row, or a `null` document for None. A row that is not valid is refused and
/// nothing is written.
pub fn write(inst: &Instance, id: &str, row: Option<SignalRow>) -> Result<(), PersistError> {
    let path = inst.domain.name();
    let json = match row {
        None => "null".to_string(),
        Some(row) => signal_in(path, row)
            .and_then(|r| r.write(path))
            .map_err(invalid_input)?,
    };
    inst.write(id, &json)
}

/// The adapter of a domain that keeps one signal row (or `null`) per symbol, strategy and
/// exchange, under the symbol: signal and schedule, which differ only in their names.
macro_rules! domain {
    ($interface:ident, $domain:ident, $read:ident, $write:ident) => {
        use super::signal_rows;
        use crate::Component;
        use crate::adapter;
        use crate::exports::backtest::persist::records::SignalRow;
        use crate::exports::backtest::persist::types::{CheckReport, PersistError};
        use crate::exports::backtest::persist::$interface::Guest;
        use persist_core::domain::Domain;

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
                exchange_name: String,
            ) -> Result<Option<SignalRow>, PersistError> {
                signal_rows::read(
                    &*adapter::triple(DOMAIN, &symbol, &strategy_name, &exchange_name)?,
                    &symbol,
                )
            }

            fn $write(
                signal_row: Option<SignalRow>,
                symbol: String,
                strategy_name: String,
                exchange_name: String,
            ) -> Result<(), PersistError> {
                signal_rows::write(
                    &*adapter::triple(DOMAIN, &symbol, &strategy_name, &exchange_name)?,
                    &symbol,
                    signal_row,
                )
            }

            fn clear() {
                adapter::clear(DOMAIN);
            }
        }
    };
}
pub(crate) use domain;
