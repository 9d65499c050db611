//! The domains of positions and prices: risk slots (risk), partial-profit and breakeven levels (partial, breakeven), candles (candle).

use crate::bindings::records::{
    BreakevenLevel, Candle, CandleWrite, PartialLevels, RiskEntry, RiskPosition,
};
use crate::error::Error;

handle!(
    /// backtest-kit's `PersistRiskInstance`: a risk profile's open positions on an exchange.
    RiskInstance,
    risk,
    backtest_persist_risk,
    risk_instance,
    (risk_name: &str, exchange_name: &str)
);

impl RiskInstance<'_> {
    /// Reads the open positions (`readPositionData`); empty when nothing is stored.
    pub fn read_position_data(&mut self, when: f64) -> Result<Vec<RiskEntry>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_risk()
                .risk_instance()
                .call_read_position_data(s, r, when)
        })
    }

    /// Writes the open positions (`writePositionData`); durable when it returns.
    pub fn write_position_data(&mut self, risk_row: &[RiskEntry], when: f64) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_risk()
                .risk_instance()
                .call_write_position_data(s, r, risk_row, when)
        })
    }

    /// Sets one key's position (`None` removes it) by compare-and-swap, leaving every other
    /// key as stored; with `max_positions`, a key without a position gets one only while
    /// fewer than that many other keys hold one (`Ok(false)`, nothing written, otherwise).
    pub fn put_position(
        &mut self,
        key: &str,
        position: Option<&RiskPosition>,
        max_positions: Option<u32>,
    ) -> Result<bool, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_risk().risk_instance().call_put_position(
                s,
                r,
                key,
                position,
                max_positions,
            )
        })
    }
}

handle!(
    /// backtest-kit's `PersistPartialInstance`: the partial-profit and partial-loss levels each signal of a symbol, strategy and exchange reached.
    PartialInstance,
    partial,
    backtest_persist_partial,
    partial_instance,
    (symbol: &str, strategy_name: &str, exchange_name: &str)
);

impl PartialInstance<'_> {
    /// Reads the levels stored under the signal's id (`readPartialData`); empty when nothing is stored.
    pub fn read_partial_data(
        &mut self,
        signal_id: &str,
        when: f64,
    ) -> Result<Vec<PartialLevels>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_partial()
                .partial_instance()
                .call_read_partial_data(s, r, signal_id, when)
        })
    }

    /// Writes the levels under the signal's id (`writePartialData`); durable when it returns.
    pub fn write_partial_data(
        &mut self,
        partial_data: &[PartialLevels],
        signal_id: &str,
        when: f64,
    ) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_partial()
                .partial_instance()
                .call_write_partial_data(s, r, partial_data, signal_id, when)
        })
    }
}

handle!(
    /// backtest-kit's `PersistBreakevenInstance`: whether each signal of a symbol, strategy and exchange reached breakeven.
    BreakevenInstance,
    breakeven,
    backtest_persist_breakeven,
    breakeven_instance,
    (symbol: &str, strategy_name: &str, exchange_name: &str)
);

impl BreakevenInstance<'_> {
    /// Reads the levels stored under the signal's id (`readBreakevenData`); empty when nothing is stored.
    pub fn read_breakeven_data(
        &mut self,
        signal_id: &str,
        when: f64,
    ) -> Result<Vec<BreakevenLevel>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_breakeven()
                .breakeven_instance()
                .call_read_breakeven_data(s, r, signal_id, when)
        })
    }

    /// Writes the levels under the signal's id (`writeBreakevenData`); durable when it returns.
    pub fn write_breakeven_data(
        &mut self,
        breakeven_data: &[BreakevenLevel],
        signal_id: &str,
        when: f64,
    ) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_breakeven()
                .breakeven_instance()
                .call_write_breakeven_data(s, r, breakeven_data, signal_id, when)
        })
    }
}

handle!(
    /// backtest-kit's `PersistCandleInstance`: the cached candles of a symbol, interval and exchange.
    CandleInstance,
    candle,
    backtest_persist_candle,
    candle_instance,
    (symbol: &str, interval: &str, exchange_name: &str)
);

impl CandleInstance<'_> {
    /// Reads `limit` candles one interval apart from `since_timestamp` (`readCandlesData`); None (a cache miss) when one is missing or unreadable.
    pub fn read_candles_data(
        &mut self,
        limit: u32,
        since_timestamp: f64,
        until_timestamp: f64,
    ) -> Result<Option<Vec<Candle>>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_candle()
                .candle_instance()
                .call_read_candles_data(s, r, limit, since_timestamp, until_timestamp)
        })
    }

    /// Stores each closed candle not stored yet (`writeCandlesData`); durable when it returns.
    pub fn write_candles_data(&mut self, candles: &[Candle]) -> Result<CandleWrite, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_candle()
                .candle_instance()
                .call_write_candles_data(s, r, candles)
        })
    }
}
