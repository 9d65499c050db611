//! The domains of keyed values: measures, intervals, memory, state and sessions.

use crate::bindings::CheckReport;
use crate::bindings::records::MemoryItem;
use crate::error::Error;
use crate::session::Persist;

impl Persist {
    // measure: data/measure/<bucket>/<key>.json, soft delete

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn measure_wait_for_init(&mut self, bucket: &str) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_measure()
                .call_wait_for_init(s, bucket, true)
        })
    }

    /// Reads the measure of the key (`readMeasureData`).
    pub fn read_measure_data(&mut self, bucket: &str, key: &str) -> Result<Option<String>, Error> {
        self.call(|g, s| {
            g.backtest_persist_measure()
                .call_read_measure_data(s, bucket, key)
        })
    }

    /// Writes the measure of the key (`writeMeasureData`); durable when it returns.
    pub fn write_measure_data(
        &mut self,
        data: &str,
        bucket: &str,
        key: &str,
        when: f64,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_measure()
                .call_write_measure_data(s, data, bucket, key, when)
        })
    }

    /// Removes the measure of the key (a soft delete: `removed: true`).
    pub fn remove_measure_data(&mut self, bucket: &str, key: &str) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_measure()
                .call_remove_measure_data(s, bucket, key)
        })
    }

    /// Lists the keys of the context that are not removed.
    pub fn list_measure_data(&mut self, bucket: &str) -> Result<Vec<String>, Error> {
        self.call(|g, s| {
            g.backtest_persist_measure()
                .call_list_measure_data(s, bucket)
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn measure_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_measure().call_clear(s))
    }

    // interval: data/interval/<bucket>/<key>.json, soft delete

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn interval_wait_for_init(&mut self, bucket: &str) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_interval()
                .call_wait_for_init(s, bucket, true)
        })
    }

    /// Reads the value of the key (`readIntervalData`).
    pub fn read_interval_data(&mut self, bucket: &str, key: &str) -> Result<Option<String>, Error> {
        self.call(|g, s| {
            g.backtest_persist_interval()
                .call_read_interval_data(s, bucket, key)
        })
    }

    /// Writes the value of the key (`writeIntervalData`); durable when it returns.
    pub fn write_interval_data(
        &mut self,
        data: &str,
        bucket: &str,
        key: &str,
        when: f64,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_interval()
                .call_write_interval_data(s, data, bucket, key, when)
        })
    }

    /// Removes the value of the key (a soft delete: `removed: true`).
    pub fn remove_interval_data(&mut self, bucket: &str, key: &str) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_interval()
                .call_remove_interval_data(s, bucket, key)
        })
    }

    /// Lists the keys of the context that are not removed.
    pub fn list_interval_data(&mut self, bucket: &str) -> Result<Vec<String>, Error> {
        self.call(|g, s| {
            g.backtest_persist_interval()
                .call_list_interval_data(s, bucket)
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn interval_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_interval().call_clear(s))
    }

    // memory: memory/<signal-id>/<bucket-name>/<memory-id>.json, soft delete

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn memory_wait_for_init(
        &mut self,
        signal_id: &str,
        bucket_name: &str,
    ) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_memory()
                .call_wait_for_init(s, signal_id, bucket_name, true)
        })
    }

    /// Reads the memory entry (`readMemoryData`).
    pub fn read_memory_data(
        &mut self,
        signal_id: &str,
        bucket_name: &str,
        memory_id: &str,
    ) -> Result<Option<String>, Error> {
        self.call(|g, s| {
            g.backtest_persist_memory()
                .call_read_memory_data(s, signal_id, bucket_name, memory_id)
        })
    }

    /// Whether the memory entry exists, removed or not.
    pub fn has_memory_data(
        &mut self,
        signal_id: &str,
        bucket_name: &str,
        memory_id: &str,
    ) -> Result<bool, Error> {
        self.call(|g, s| {
            g.backtest_persist_memory()
                .call_has_memory_data(s, signal_id, bucket_name, memory_id)
        })
    }

    /// Writes the memory entry (`writeMemoryData`); durable when it returns.
    pub fn write_memory_data(
        &mut self,
        data: &str,
        signal_id: &str,
        bucket_name: &str,
        memory_id: &str,
        when: f64,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_memory().call_write_memory_data(
                s,
                data,
                signal_id,
                bucket_name,
                memory_id,
                when,
            )
        })
    }

    /// Removes the memory entry (a soft delete: `removed: true`).
    pub fn remove_memory_data(
        &mut self,
        signal_id: &str,
        bucket_name: &str,
        memory_id: &str,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_memory().call_remove_memory_data(
                s,
                signal_id,
                bucket_name,
                memory_id,
            )
        })
    }

    /// Lists the memory entries of the context that are not removed.
    pub fn list_memory_data(
        &mut self,
        signal_id: &str,
        bucket_name: &str,
    ) -> Result<Vec<MemoryItem>, Error> {
        self.call(|g, s| {
            g.backtest_persist_memory()
                .call_list_memory_data(s, signal_id, bucket_name)
        })
    }

    /// Drops the memo of one context: its next call re-reads and re-validates.
    pub fn memory_dispose(&mut self, signal_id: &str, bucket_name: &str) -> Result<(), Error> {
        self.call_infallible(|g, s| {
            g.backtest_persist_memory()
                .call_dispose(s, signal_id, bucket_name)
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn memory_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_memory().call_clear(s))
    }

    // state: state/<signal-id>/<bucket-name>/<bucket-name>.json

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn state_wait_for_init(
        &mut self,
        signal_id: &str,
        bucket_name: &str,
    ) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_state()
                .call_wait_for_init(s, signal_id, bucket_name, true)
        })
    }

    /// Reads the signal's state value (`readStateData`).
    pub fn read_state_data(
        &mut self,
        signal_id: &str,
        bucket_name: &str,
    ) -> Result<Option<String>, Error> {
        self.call(|g, s| {
            g.backtest_persist_state()
                .call_read_state_data(s, signal_id, bucket_name)
        })
    }

    /// Writes the signal's state value (`writeStateData`); durable when it returns.
    pub fn write_state_data(
        &mut self,
        data: &str,
        signal_id: &str,
        bucket_name: &str,
        when: f64,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_state()
                .call_write_state_data(s, data, signal_id, bucket_name, when)
        })
    }

    /// Drops the memo of one context: its next call re-reads and re-validates.
    pub fn state_dispose(&mut self, signal_id: &str, bucket_name: &str) -> Result<(), Error> {
        self.call_infallible(|g, s| {
            g.backtest_persist_state()
                .call_dispose(s, signal_id, bucket_name)
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn state_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_state().call_clear(s))
    }

    // session: session/<strategy>/<exchange>[/<frame>]/<symbol>_<mode>.json

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn session_wait_for_init(
        &mut self,
        strategy_name: &str,
        exchange_name: &str,
        frame_name: &str,
        symbol: &str,
        backtest: bool,
    ) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_session().call_wait_for_init(
                s,
                strategy_name,
                exchange_name,
                frame_name,
                true,
                symbol,
                backtest,
            )
        })
    }

    /// Reads the session's data (`readSessionData`).
    pub fn read_session_data(
        &mut self,
        strategy_name: &str,
        exchange_name: &str,
        frame_name: &str,
        symbol: &str,
        backtest: bool,
    ) -> Result<Option<String>, Error> {
        self.call(|g, s| {
            g.backtest_persist_session().call_read_session_data(
                s,
                strategy_name,
                exchange_name,
                frame_name,
                symbol,
                backtest,
            )
        })
    }

    #[allow(clippy::too_many_arguments)]
    /// Writes the session's data (`writeSessionData`); durable when it returns.
    pub fn write_session_data(
        &mut self,
        data: &str,
        strategy_name: &str,
        exchange_name: &str,
        frame_name: &str,
        when: f64,
        symbol: &str,
        backtest: bool,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_session().call_write_session_data(
                s,
                data,
                strategy_name,
                exchange_name,
                frame_name,
                when,
                symbol,
                backtest,
            )
        })
    }

    /// Drops the memo of one context: its next call re-reads and re-validates.
    pub fn session_dispose(
        &mut self,
        strategy_name: &str,
        exchange_name: &str,
        frame_name: &str,
        symbol: &str,
        backtest: bool,
    ) -> Result<(), Error> {
        self.call_infallible(|g, s| {
            g.backtest_persist_session().call_dispose(
                s,
                strategy_name,
                exchange_name,
                frame_name,
                symbol,
                backtest,
            )
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn session_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_session().call_clear(s))
    }
}
