//! The domains of one signal: open (signal), scheduled (schedule), most recent (recent), and the strategy's state (strategy).

use crate::bindings::CheckReport;
use crate::bindings::records::{SignalRow, StrategyData};
use crate::error::Error;
use crate::session::Persist;

impl Persist {
    // signal: data/signal/<symbol>_<strategy>_<exchange>/<symbol>.json

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn signal_wait_for_init(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
    ) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_signal().call_wait_for_init(
                s,
                symbol,
                strategy_name,
                exchange_name,
                true,
            )
        })
    }

    /// Reads the open signal (`readSignalData`).
    pub fn read_signal_data(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
    ) -> Result<Option<SignalRow>, Error> {
        self.call(|g, s| {
            g.backtest_persist_signal().call_read_signal_data(
                s,
                symbol,
                strategy_name,
                exchange_name,
            )
        })
    }

    /// Writes the open signal (`writeSignalData`); durable when it returns.
    pub fn write_signal_data(
        &mut self,
        signal_row: Option<&SignalRow>,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_signal().call_write_signal_data(
                s,
                signal_row,
                symbol,
                strategy_name,
                exchange_name,
            )
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn signal_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_signal().call_clear(s))
    }

    // schedule: data/schedule/<symbol>_<strategy>_<exchange>/<symbol>.json

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn schedule_wait_for_init(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
    ) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_schedule().call_wait_for_init(
                s,
                symbol,
                strategy_name,
                exchange_name,
                true,
            )
        })
    }

    /// Reads the scheduled signal (`readScheduleData`).
    pub fn read_schedule_data(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
    ) -> Result<Option<SignalRow>, Error> {
        self.call(|g, s| {
            g.backtest_persist_schedule().call_read_schedule_data(
                s,
                symbol,
                strategy_name,
                exchange_name,
            )
        })
    }

    /// Writes the scheduled signal (`writeScheduleData`); durable when it returns.
    pub fn write_schedule_data(
        &mut self,
        signal_row: Option<&SignalRow>,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_schedule().call_write_schedule_data(
                s,
                signal_row,
                symbol,
                strategy_name,
                exchange_name,
            )
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn schedule_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_schedule().call_clear(s))
    }

    // recent: data/recent/<symbol>_<strategy>_<exchange>[_<frame>]_<mode>/<symbol>.json

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn recent_wait_for_init(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
        frame_name: &str,
        backtest: bool,
    ) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_recent().call_wait_for_init(
                s,
                symbol,
                strategy_name,
                exchange_name,
                frame_name,
                backtest,
                true,
            )
        })
    }

    /// Reads the most recent signal (`readRecentData`).
    pub fn read_recent_data(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
        frame_name: &str,
        backtest: bool,
    ) -> Result<Option<SignalRow>, Error> {
        self.call(|g, s| {
            g.backtest_persist_recent().call_read_recent_data(
                s,
                symbol,
                strategy_name,
                exchange_name,
                frame_name,
                backtest,
            )
        })
    }

    #[allow(clippy::too_many_arguments)]
    /// Writes the most recent signal (`writeRecentData`); durable when it returns.
    pub fn write_recent_data(
        &mut self,
        signal_row: Option<&SignalRow>,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
        frame_name: &str,
        backtest: bool,
        when: f64,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_recent().call_write_recent_data(
                s,
                signal_row,
                symbol,
                strategy_name,
                exchange_name,
                frame_name,
                backtest,
                when,
            )
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn recent_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_recent().call_clear(s))
    }

    // strategy: data/strategy/<symbol>_<strategy>_<exchange>/strategy.json

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn strategy_wait_for_init(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
    ) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_strategy().call_wait_for_init(
                s,
                symbol,
                strategy_name,
                exchange_name,
                true,
            )
        })
    }

    /// Reads the strategy's state (`readStrategyData`).
    pub fn read_strategy_data(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
    ) -> Result<Option<StrategyData>, Error> {
        self.call(|g, s| {
            g.backtest_persist_strategy().call_read_strategy_data(
                s,
                symbol,
                strategy_name,
                exchange_name,
            )
        })
    }

    /// Writes the strategy's state (`writeStrategyData`); durable when it returns.
    pub fn write_strategy_data(
        &mut self,
        data: Option<&StrategyData>,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_strategy().call_write_strategy_data(
                s,
                data,
                symbol,
                strategy_name,
                exchange_name,
            )
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn strategy_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_strategy().call_clear(s))
    }
}
