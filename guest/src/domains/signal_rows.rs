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
