//! Reading and writing one signal row or `null`: shared by signal, schedule and recent.

use crate::adapter::{Instance, invalid_input};
use crate::convert::{signal_in, signal_out};
use crate::exports::backtest::persist::records::SignalRow;
use crate::exports::backtest::persist::types::PersistError;
use persist_core::records::signal::SignalRow as CoreRow;
use serde_json::Value;

/// The stored row; None when nothing or `null` is stored. `minuteEstimatedTime` stored as
/// `null` reads as Infinity.
pub fn read(inst: &Instance, id: &str) -> Result<Option<SignalRow>, PersistError> {
    Ok(inst
        .read_record(id, CoreRow::read_optional)?
        .flatten()
        .map(signal_out))
}

/// Stores the row, or a `null` document for None. A row that is not valid is refused and
/// nothing is written.
pub fn write(inst: &Instance, id: &str, row: Option<SignalRow>) -> Result<(), PersistError> {
    let path = inst.domain.name();
    let value = match row {
        None => Value::Null,
        Some(row) => signal_in(path, row)
            .and_then(|r| r.write(path))
            .map_err(invalid_input)?,
    };
    inst.write(id, &value)
}
