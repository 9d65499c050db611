//! The domains of one signal: open (signal), scheduled (schedule), most recent (recent), and the strategy's state (strategy).

use crate::bindings::records::{SignalRow, StrategyData};
use crate::error::Error;

handle!(
    /// backtest-kit's `PersistSignalInstance`: the open signal of a symbol, strategy and exchange.
    SignalInstance,
    signal,
    backtest_persist_signal,
    signal_instance,
    (symbol: &str, strategy_name: &str, exchange_name: &str)
);

impl SignalInstance<'_> {
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

handle!(
    /// backtest-kit's `PersistScheduleInstance`: the scheduled signal of a symbol, strategy and exchange.
    ScheduleInstance,
    schedule,
    backtest_persist_schedule,
    schedule_instance,
    (symbol: &str, strategy_name: &str, exchange_name: &str)
);

impl ScheduleInstance<'_> {
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

handle!(
    /// backtest-kit's `PersistRecentInstance`: the most recent signal of a symbol, strategy, exchange, frame and mode.
    RecentInstance,
    recent,
    backtest_persist_recent,
    recent_instance,
    (symbol: &str, strategy_name: &str, exchange_name: &str, frame_name: &str, backtest: bool)
);

impl RecentInstance<'_> {
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

handle!(
    /// backtest-kit's `PersistStrategyInstance`: the strategy's state for a symbol, strategy and exchange.
    StrategyInstance,
    strategy,
    backtest_persist_strategy,
    strategy_instance,
    (symbol: &str, strategy_name: &str, exchange_name: &str)
);

impl StrategyInstance<'_> {
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
