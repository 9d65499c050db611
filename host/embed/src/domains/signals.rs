//! The domains of one signal: open (signal), scheduled (schedule), most recent (recent), and the strategy's state (strategy).

use super::Handle;
use crate::bindings::CheckReport;
use crate::bindings::records::{SignalRow, StrategyData};
use crate::error::Error;
use crate::session::Persist;

/// backtest-kit's `PersistSignalInstance`: the open signal of a symbol, strategy and exchange. Made by [`Persist::signal`]; the guest's resource
/// is dropped with it.
pub struct SignalInstance<'p>(Handle<'p>);

impl Persist {
    /// The `PersistSignalInstance` of the context.
    pub fn signal(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
    ) -> SignalInstance<'_> {
        SignalInstance(Handle::new(self, |g, s| {
            g.backtest_persist_signal()
                .signal_instance()
                .call_constructor(s, symbol, strategy_name, exchange_name)
        }))
    }
}

impl SignalInstance<'_> {
    /// Validates the context's documents once for all its handles (`waitForInit`), moving
    /// invalid ones to the quarantine; returns the report of that pass.
    pub fn wait_for_init(&mut self, initial: bool) -> Result<CheckReport, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_signal()
                .signal_instance()
                .call_wait_for_init(s, r, initial)
        })
    }

    /// Reads the open signal (`readSignalData`); None when nothing or `null` is stored.
    pub fn read_signal_data(&mut self) -> Result<Option<SignalRow>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_signal()
                .signal_instance()
                .call_read_signal_data(s, r)
        })
    }

    /// Writes the open signal (`writeSignalData`), None as `null`; durable when it returns.
    pub fn write_signal_data(&mut self, signal_row: Option<&SignalRow>) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_signal()
                .signal_instance()
                .call_write_signal_data(s, r, signal_row)
        })
    }
}

/// backtest-kit's `PersistScheduleInstance`: the scheduled signal of a symbol, strategy and exchange. Made by [`Persist::schedule`]; the guest's resource
/// is dropped with it.
pub struct ScheduleInstance<'p>(Handle<'p>);

impl Persist {
    /// The `PersistScheduleInstance` of the context.
    pub fn schedule(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
    ) -> ScheduleInstance<'_> {
        ScheduleInstance(Handle::new(self, |g, s| {
            g.backtest_persist_schedule()
                .schedule_instance()
                .call_constructor(s, symbol, strategy_name, exchange_name)
        }))
    }
}

impl ScheduleInstance<'_> {
    /// Validates the context's documents once for all its handles (`waitForInit`), moving
    /// invalid ones to the quarantine; returns the report of that pass.
    pub fn wait_for_init(&mut self, initial: bool) -> Result<CheckReport, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_schedule()
                .schedule_instance()
                .call_wait_for_init(s, r, initial)
        })
    }

    /// Reads the scheduled signal (`readScheduleData`); None when nothing or `null` is stored.
    pub fn read_schedule_data(&mut self) -> Result<Option<SignalRow>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_schedule()
                .schedule_instance()
                .call_read_schedule_data(s, r)
        })
    }

    /// Writes the scheduled signal (`writeScheduleData`), None as `null`; durable when it returns.
    pub fn write_schedule_data(&mut self, signal_row: Option<&SignalRow>) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_schedule()
                .schedule_instance()
                .call_write_schedule_data(s, r, signal_row)
        })
    }
}

/// backtest-kit's `PersistRecentInstance`: the most recent signal of a symbol, strategy, exchange, frame and mode. Made by [`Persist::recent`]; the guest's resource
/// is dropped with it.
pub struct RecentInstance<'p>(Handle<'p>);

impl Persist {
    /// The `PersistRecentInstance` of the context.
    pub fn recent(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
        frame_name: &str,
        backtest: bool,
    ) -> RecentInstance<'_> {
        RecentInstance(Handle::new(self, |g, s| {
            g.backtest_persist_recent()
                .recent_instance()
                .call_constructor(
                    s,
                    symbol,
                    strategy_name,
                    exchange_name,
                    frame_name,
                    backtest,
                )
        }))
    }
}

impl RecentInstance<'_> {
    /// Validates the context's documents once for all its handles (`waitForInit`), moving
    /// invalid ones to the quarantine; returns the report of that pass.
    pub fn wait_for_init(&mut self, initial: bool) -> Result<CheckReport, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_recent()
                .recent_instance()
                .call_wait_for_init(s, r, initial)
        })
    }

    /// Reads the most recent signal (`readRecentData`); None when nothing or `null` is stored.
    pub fn read_recent_data(&mut self) -> Result<Option<SignalRow>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_recent()
                .recent_instance()
                .call_read_recent_data(s, r)
        })
    }

    /// Writes the most recent signal (`writeRecentData`), None as `null`; durable when it returns.
    pub fn write_recent_data(
        &mut self,
        signal_row: Option<&SignalRow>,
        when: f64,
    ) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_recent()
                .recent_instance()
                .call_write_recent_data(s, r, signal_row, when)
        })
    }
}

/// backtest-kit's `PersistStrategyInstance`: the strategy's state for a symbol, strategy and exchange. Made by [`Persist::strategy`]; the guest's resource
/// is dropped with it.
pub struct StrategyInstance<'p>(Handle<'p>);

impl Persist {
    /// The `PersistStrategyInstance` of the context.
    pub fn strategy(
        &mut self,
        symbol: &str,
        strategy_name: &str,
        exchange_name: &str,
    ) -> StrategyInstance<'_> {
        StrategyInstance(Handle::new(self, |g, s| {
            g.backtest_persist_strategy()
                .strategy_instance()
                .call_constructor(s, symbol, strategy_name, exchange_name)
        }))
    }
}

impl StrategyInstance<'_> {
    /// Validates the context's documents once for all its handles (`waitForInit`), moving
    /// invalid ones to the quarantine; returns the report of that pass.
    pub fn wait_for_init(&mut self, initial: bool) -> Result<CheckReport, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_strategy()
                .strategy_instance()
                .call_wait_for_init(s, r, initial)
        })
    }

    /// Reads the strategy's state (`readStrategyData`); None when nothing or `null` is stored.
    pub fn read_strategy_data(&mut self) -> Result<Option<StrategyData>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_strategy()
                .strategy_instance()
                .call_read_strategy_data(s, r)
        })
    }

    /// Writes the strategy's state (`writeStrategyData`), None as `null`; durable when it returns.
    pub fn write_strategy_data(&mut self, data: Option<&StrategyData>) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_strategy()
                .strategy_instance()
                .call_write_strategy_data(s, r, data)
        })
    }
}
