//! backtest-kit's JSON of the typed records, and back, by the guest's own rules.

use crate::bindings::records::{
    BreakevenLevel, Candle, PartialLevels, RiskEntry, SignalRow, StrategyData,
};
use crate::error::Error;
use crate::session::Persist;

impl Persist {
    // backtest-kit's JSON of the typed records, and back (the guest's own rules).

    /// Parses backtest-kit's JSON by the guest's rules; an invalid value is `InvalidInput` naming the field.
    pub fn signal_row_from_json(&mut self, json: &str) -> Result<SignalRow, Error> {
        self.call(|g, s| {
            g.backtest_persist_records()
                .call_signal_row_from_json(s, json)
        })
    }

    /// The record as backtest-kit's JSON text.
    pub fn signal_row_to_json(&mut self, row: &SignalRow) -> Result<String, Error> {
        self.call(|g, s| g.backtest_persist_records().call_signal_row_to_json(s, row))
    }

    /// Parses backtest-kit's JSON by the guest's rules; an invalid value is `InvalidInput` naming the field.
    pub fn strategy_data_from_json(&mut self, json: &str) -> Result<StrategyData, Error> {
        self.call(|g, s| {
            g.backtest_persist_records()
                .call_strategy_data_from_json(s, json)
        })
    }

    /// The record as backtest-kit's JSON text.
    pub fn strategy_data_to_json(&mut self, data: &StrategyData) -> Result<String, Error> {
        self.call(|g, s| {
            g.backtest_persist_records()
                .call_strategy_data_to_json(s, data)
        })
    }

    /// Parses backtest-kit's JSON by the guest's rules; an invalid value is `InvalidInput` naming the field.
    pub fn risk_from_json(&mut self, json: &str) -> Result<Vec<RiskEntry>, Error> {
        self.call(|g, s| g.backtest_persist_records().call_risk_from_json(s, json))
    }

    /// The record as backtest-kit's JSON text.
    pub fn risk_to_json(&mut self, data: &[RiskEntry]) -> Result<String, Error> {
        self.call(|g, s| g.backtest_persist_records().call_risk_to_json(s, data))
    }

    /// Parses backtest-kit's JSON by the guest's rules; an invalid value is `InvalidInput` naming the field.
    pub fn partial_from_json(&mut self, json: &str) -> Result<Vec<PartialLevels>, Error> {
        self.call(|g, s| g.backtest_persist_records().call_partial_from_json(s, json))
    }

    /// The record as backtest-kit's JSON text.
    pub fn partial_to_json(&mut self, data: &[PartialLevels]) -> Result<String, Error> {
        self.call(|g, s| g.backtest_persist_records().call_partial_to_json(s, data))
    }

    /// Parses backtest-kit's JSON by the guest's rules; an invalid value is `InvalidInput` naming the field.
    pub fn breakeven_from_json(&mut self, json: &str) -> Result<Vec<BreakevenLevel>, Error> {
        self.call(|g, s| {
            g.backtest_persist_records()
                .call_breakeven_from_json(s, json)
        })
    }

    /// The record as backtest-kit's JSON text.
    pub fn breakeven_to_json(&mut self, data: &[BreakevenLevel]) -> Result<String, Error> {
        self.call(|g, s| g.backtest_persist_records().call_breakeven_to_json(s, data))
    }

    /// Parses backtest-kit's JSON by the guest's rules; an invalid value is `InvalidInput` naming the field.
    pub fn candles_from_json(&mut self, json: &str) -> Result<Vec<Candle>, Error> {
        self.call(|g, s| g.backtest_persist_records().call_candles_from_json(s, json))
    }

    /// The record as backtest-kit's JSON text.
    pub fn candles_to_json(&mut self, candles: &[Candle]) -> Result<String, Error> {
        self.call(|g, s| {
            g.backtest_persist_records()
                .call_candles_to_json(s, candles)
        })
    }
}
