//! The domains of keyed values: measures (measure), intervals (interval), memory (memory), state (state) and sessions (session).

use crate::bindings::records::MemoryItem;
use crate::error::Error;

handle!(
    /// backtest-kit's `PersistMeasureInstance`: one bucket of cached measures.
    MeasureInstance,
    measure,
    backtest_persist_measure,
    measure_instance,
    (bucket: &str)
);

impl MeasureInstance<'_> {
    /// Reads the measure of the key (`readMeasureData`); None when missing or removed.
    pub fn read_measure_data(&mut self, key: &str) -> Result<Option<String>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_measure()
                .measure_instance()
                .call_read_measure_data(s, r, key)
        })
    }

    /// Writes the measure of the key (`writeMeasureData`); durable when it returns.
    pub fn write_measure_data(&mut self, data: &str, key: &str, when: f64) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_measure()
                .measure_instance()
                .call_write_measure_data(s, r, data, key, when)
        })
    }

    /// Removes the measure of the key (a soft delete: `removed: true`).
    pub fn remove_measure_data(&mut self, key: &str) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_measure()
                .measure_instance()
                .call_remove_measure_data(s, r, key)
        })
    }

    /// Lists the keys that are not removed, in natural order.
    pub fn list_measure_data(&mut self) -> Result<Vec<String>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_measure()
                .measure_instance()
                .call_list_measure_data(s, r)
        })
    }
}

handle!(
    /// backtest-kit's `PersistIntervalInstance`: one bucket of values cached per interval.
    IntervalInstance,
    interval,
    backtest_persist_interval,
    interval_instance,
    (bucket: &str)
);

impl IntervalInstance<'_> {
    /// Reads the value of the key (`readIntervalData`); None when missing or removed.
    pub fn read_interval_data(&mut self, key: &str) -> Result<Option<String>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_interval()
                .interval_instance()
                .call_read_interval_data(s, r, key)
        })
    }

    /// Writes the value of the key (`writeIntervalData`); durable when it returns.
    pub fn write_interval_data(&mut self, data: &str, key: &str, when: f64) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_interval()
                .interval_instance()
                .call_write_interval_data(s, r, data, key, when)
        })
    }

    /// Removes the value of the key (a soft delete: `removed: true`).
    pub fn remove_interval_data(&mut self, key: &str) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_interval()
                .interval_instance()
                .call_remove_interval_data(s, r, key)
        })
    }

    /// Lists the keys that are not removed, in natural order.
    pub fn list_interval_data(&mut self) -> Result<Vec<String>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_interval()
                .interval_instance()
                .call_list_interval_data(s, r)
        })
    }
}

handle!(
    /// backtest-kit's `PersistMemoryInstance`: one bucket of a signal's memory entries.
    MemoryInstance,
    memory,
    backtest_persist_memory,
    memory_instance,
    (signal_id: &str, bucket_name: &str)
);

impl MemoryInstance<'_> {
    /// Reads the memory entry (`readMemoryData`); None when missing or removed.
    pub fn read_memory_data(&mut self, memory_id: &str) -> Result<Option<String>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_memory()
                .memory_instance()
                .call_read_memory_data(s, r, memory_id)
        })
    }

    /// Whether the memory entry exists, removed or not (`hasMemoryData`).
    pub fn has_memory_data(&mut self, memory_id: &str) -> Result<bool, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_memory()
                .memory_instance()
                .call_has_memory_data(s, r, memory_id)
        })
    }

    /// Writes the memory entry (`writeMemoryData`); durable when it returns.
    pub fn write_memory_data(
        &mut self,
        data: &str,
        memory_id: &str,
        when: f64,
    ) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_memory()
                .memory_instance()
                .call_write_memory_data(s, r, data, memory_id, when)
        })
    }

    /// Removes the memory entry (a soft delete: `removed: true`).
    pub fn remove_memory_data(&mut self, memory_id: &str) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_memory()
                .memory_instance()
                .call_remove_memory_data(s, r, memory_id)
        })
    }

    /// Lists the entries that are not removed, in natural id order.
    pub fn list_memory_data(&mut self) -> Result<Vec<MemoryItem>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_memory()
                .memory_instance()
                .call_list_memory_data(s, r)
        })
    }

    /// Drops the context from the guest's memo (`dispose`): the next call re-reads and
    /// re-validates.
    pub fn dispose(&mut self) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_memory()
                .memory_instance()
                .call_dispose(s, r)
                .map(Ok)
        })
    }
}

handle!(
    /// backtest-kit's `PersistStateInstance`: one state value of a signal.
    StateInstance,
    state,
    backtest_persist_state,
    state_instance,
    (signal_id: &str, bucket_name: &str)
);

impl StateInstance<'_> {
    /// Reads the state value (`readStateData`); None when missing.
    pub fn read_state_data(&mut self) -> Result<Option<String>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_state()
                .state_instance()
                .call_read_state_data(s, r)
        })
    }

    /// Writes the state value (`writeStateData`); durable when it returns.
    pub fn write_state_data(&mut self, data: &str, when: f64) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_state()
                .state_instance()
                .call_write_state_data(s, r, data, when)
        })
    }

    /// Drops the context from the guest's memo (`dispose`): the next call re-reads and
    /// re-validates.
    pub fn dispose(&mut self) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_state()
                .state_instance()
                .call_dispose(s, r)
                .map(Ok)
        })
    }
}

handle!(
    /// backtest-kit's `PersistSessionInstance`: the session data of a strategy, exchange, frame, symbol and mode.
    SessionInstance,
    session,
    backtest_persist_session,
    session_instance,
    (strategy_name: &str, exchange_name: &str, frame_name: &str, symbol: &str, backtest: bool)
);

impl SessionInstance<'_> {
    /// Reads the session data (`readSessionData`); None when missing or when the stored record is another session's (with a warning).
    pub fn read_session_data(&mut self) -> Result<Option<String>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_session()
                .session_instance()
                .call_read_session_data(s, r)
        })
    }

    /// Writes the session data (`writeSessionData`); durable when it returns.
    pub fn write_session_data(&mut self, data: &str, when: f64) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_session()
                .session_instance()
                .call_write_session_data(s, r, data, when)
        })
    }

    /// Drops the context from the guest's memo (`dispose`): the next call re-reads and
    /// re-validates.
    pub fn dispose(&mut self) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_session()
                .session_instance()
                .call_dispose(s, r)
                .map(Ok)
        })
    }
}
