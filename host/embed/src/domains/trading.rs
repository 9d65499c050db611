//! The domains of positions and prices: risk slots, partial-profit and breakeven levels, candles.

use crate::bindings::CheckReport;
use crate::bindings::records::{BreakevenLevel, Candle, CandleWrite, PartialLevels, RiskEntry};
use crate::error::Error;
use crate::session::Persist;

impl Persist {
    // risk: data/risk/<risk>_<exchange>/positions.json

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn risk_wait_for_init(
        &mut self,
        risk_name: &str,
        exchange_name: &str,
    ) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_risk()
                .call_wait_for_init(s, risk_name, exchange_name, true)
        })
    }

    /// Reads the risk profile's open positions (`readPositionData`).
    pub fn read_position_data(
        &mut self,
        risk_name: &str,
        exchange_name: &str,
        when: f64,
    ) -> Result<Vec<RiskEntry>, Error> {
        self.call(|g, s| {
            g.backtest_persist_risk()
                .call_read_position_data(s, risk_name, exchange_name, when)
        })
    }

    /// Writes the risk profile's open positions (`writePositionData`); durable when it returns.
    pub fn write_position_data(
        &mut self,
        risk_row: &[RiskEntry],
        risk_name: &str,
        exchange_name: &str,
        when: f64,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_risk().call_write_position_data(
                s,
                risk_row,
                risk_name,
                exchange_name,
                when,
            )
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn risk_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_risk().call_clear(s))
    }

    // partial: data/partial/<symbol>_<strategy>_<exchange>/<signal-id>.json

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn partial_wait_for_init(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
    ) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_partial().call_wait_for_init(
                s,
                symbol,
                strategy_name,
                exchange_name,
                true,
            )
        })
    }

    /// Reads the partial levels of the signal (`readPartialData`).
    pub fn read_partial_data(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        signal_id: &str,
        exchange_name: &str,
        when: f64,
    ) -> Result<Vec<PartialLevels>, Error> {
        self.call(|g, s| {
            g.backtest_persist_partial().call_read_partial_data(
                s,
                symbol,
                strategy_name,
                signal_id,
                exchange_name,
                when,
            )
        })
    }

    /// Writes the partial levels of the signal (`writePartialData`); durable when it returns.
    pub fn write_partial_data(
        &mut self,
        partial_data: &[PartialLevels],
        symbol: &str,
        strategy_name: &str,
        signal_id: &str,
        exchange_name: &str,
        when: f64,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_partial().call_write_partial_data(
                s,
                partial_data,
                symbol,
                strategy_name,
                signal_id,
                exchange_name,
                when,
            )
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn partial_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_partial().call_clear(s))
    }

    // breakeven: data/breakeven/<symbol>_<strategy>_<exchange>/<signal-id>.json

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn breakeven_wait_for_init(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
    ) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_breakeven().call_wait_for_init(
                s,
                symbol,
                strategy_name,
                exchange_name,
                true,
            )
        })
    }

    /// Reads the breakeven state of the signal (`readBreakevenData`).
    pub fn read_breakeven_data(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        signal_id: &str,
        exchange_name: &str,
        when: f64,
    ) -> Result<Vec<BreakevenLevel>, Error> {
        self.call(|g, s| {
            g.backtest_persist_breakeven().call_read_breakeven_data(
                s,
                symbol,
                strategy_name,
                signal_id,
                exchange_name,
                when,
            )
        })
    }

    /// Writes the breakeven state of the signal (`writeBreakevenData`); durable when it returns.
    pub fn write_breakeven_data(
        &mut self,
        breakeven_data: &[BreakevenLevel],
        symbol: &str,
        strategy_name: &str,
        signal_id: &str,
        exchange_name: &str,
        when: f64,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_breakeven().call_write_breakeven_data(
                s,
                breakeven_data,
                symbol,
                strategy_name,
                signal_id,
                exchange_name,
                when,
            )
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn breakeven_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_breakeven().call_clear(s))
    }

    // candle: data/candle/<exchange>/<symbol>/<interval>/<timestamp>.json

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn candle_wait_for_init(
        &mut self,
        symbol: &str,
        interval: &str,
        exchange_name: &str,
    ) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_candle()
                .call_wait_for_init(s, symbol, interval, exchange_name, true)
        })
    }

    /// Reads candles (`readCandlesData`).
    pub fn read_candles_data(
        &mut self,
        symbol: &str,
        interval: &str,
        exchange_name: &str,
        limit: u32,
        since_timestamp: f64,
        until_timestamp: f64,
    ) -> Result<Option<Vec<Candle>>, Error> {
        self.call(|g, s| {
            g.backtest_persist_candle().call_read_candles_data(
                s,
                symbol,
                interval,
                exchange_name,
                limit,
                since_timestamp,
                until_timestamp,
            )
        })
    }

    /// Writes candles (`writeCandlesData`); durable when it returns.
    pub fn write_candles_data(
        &mut self,
        candles: &[Candle],
        symbol: &str,
        interval: &str,
        exchange_name: &str,
    ) -> Result<CandleWrite, Error> {
        self.call(|g, s| {
            g.backtest_persist_candle().call_write_candles_data(
                s,
                candles,
                symbol,
                interval,
                exchange_name,
            )
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn candle_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_candle().call_clear(s))
    }
}
