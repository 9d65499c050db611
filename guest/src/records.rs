//! The `records` interface: backtest-kit's JSON of each typed record and back.

use crate::Component;
use crate::adapter::{invalid_input, parse_input};
use crate::convert::*;
use crate::exports::backtest::persist::records::{
    BreakevenLevel, Candle, Guest, PartialLevels, RiskEntry, SignalRow, StrategyData,
};
use crate::exports::backtest::persist::types::PersistError;
use persist_core::record::{FieldError, ParseError};
use persist_core::records::signal::SignalRow as CoreRow;
use persist_core::records::strategy::StrategyData as CoreStrategy;
use persist_core::records::trading::{
    Candle as CoreCandle, read_breakeven, read_partial, read_risk, write_breakeven, write_partial,
    write_risk,
};
use serde_json::Value;

fn from_json<T>(
    path: &str,
    json: &str,
    read: impl FnOnce(&str, Value) -> persist_core::record::Result<T>,
) -> Result<T, PersistError> {
    read(path, parse_input(path, json)?).map_err(invalid_input)
}

fn to_json(json: persist_core::record::Result<String>) -> Result<String, PersistError> {
    json.map_err(invalid_input)
}

impl Guest for Component {
    fn signal_row_from_json(json: String) -> Result<SignalRow, PersistError> {
        match CoreRow::parse_optional("signal", &json) {
            Ok(Some(row)) => Ok(signal_out(row)),
            Ok(None) => Err(invalid_input(FieldError::new(
                "signal",
                "expected an object, got null",
            ))),
            Err(ParseError::Field(e)) => Err(invalid_input(e)),
            Err(e @ ParseError::Json(_)) => {
                Err(invalid_input(FieldError::new("signal", e.to_string())))
            }
        }
    }

    fn signal_row_to_json(row: SignalRow) -> Result<String, PersistError> {
        to_json(signal_in("signal", row).and_then(|r| r.write("signal")))
    }

    fn strategy_data_from_json(json: String) -> Result<StrategyData, PersistError> {
        from_json("strategy", &json, CoreStrategy::read).map(strategy_out)
    }

    fn strategy_data_to_json(data: StrategyData) -> Result<String, PersistError> {
        to_json(strategy_in("strategy", data).and_then(|d| d.write("strategy")))
    }

    fn risk_from_json(json: String) -> Result<Vec<RiskEntry>, PersistError> {
        from_json("risk", &json, read_risk).map(risk_out)
    }

    fn risk_to_json(data: Vec<RiskEntry>) -> Result<String, PersistError> {
        to_json(risk_in("risk", data).and_then(|d| write_risk("risk", &d)))
    }

    fn partial_from_json(json: String) -> Result<Vec<PartialLevels>, PersistError> {
        from_json("partial", &json, read_partial).map(partial_out)
    }

    fn partial_to_json(data: Vec<PartialLevels>) -> Result<String, PersistError> {
        to_json(partial_in("partial", data).and_then(|d| write_partial("partial", &d)))
    }

    fn breakeven_from_json(json: String) -> Result<Vec<BreakevenLevel>, PersistError> {
        from_json("breakeven", &json, read_breakeven).map(breakeven_out)
    }

    fn breakeven_to_json(data: Vec<BreakevenLevel>) -> Result<String, PersistError> {
        to_json(breakeven_in("breakeven", data).and_then(|d| write_breakeven("breakeven", &d)))
    }

    fn candles_from_json(json: String) -> Result<Vec<Candle>, PersistError> {
        from_json("candles", &json, |path, value| match value {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    CoreCandle::read(&persist_core::record::index(path, i), v).map(candle_out)
                })
                .collect(),
            other => Err(FieldError::new(
                path,
                format!(
                    "expected an array of candles, got {}",
                    persist_core::record::describe(&other)
                ),
            )),
        })
    }

    fn candles_to_json(candles: Vec<Candle>) -> Result<String, PersistError> {
        to_json(persist_core::record::array(
            candles.into_iter().enumerate().map(|(i, c)| {
                let path = persist_core::record::index("candles", i);
                candle_in(&path, c).and_then(|c| c.write(&path))
            }),
        ))
    }
}
