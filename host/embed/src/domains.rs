//! The domain adapters as a Rust API: backtest-kit's `Persist<X>Utils` operations, same
//! names and argument order, on a [`Persist`] session. The records are the WIT records of
//! [`crate::bindings::records`]; the JSON-text domains take and return backtest-kit's JSON.

use crate::bindings::records::{
    BreakevenLevel, Candle, CandleWrite, MemoryItem, PartialLevels, RiskEntry, SignalRow,
    StrategyData,
};
use crate::bindings::{self, CheckReport, PersistError};
use crate::error::Error;
use crate::host_storage::HostState;
use crate::session::Persist;
use wasmtime::Store;

type Guest = bindings::Persist;

impl Persist {
    fn call<T>(
        &mut self,
        f: impl FnOnce(&Guest, &mut Store<HostState>) -> wasmtime::Result<Result<T, PersistError>>,
    ) -> Result<T, Error> {
        Ok(f(&self.guest, &mut self.store).map_err(Error::guest)??)
    }

    fn call_infallible(
        &mut self,
        f: impl FnOnce(&Guest, &mut Store<HostState>) -> wasmtime::Result<()>,
    ) -> Result<(), Error> {
        f(&self.guest, &mut self.store).map_err(Error::guest)
    }

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

    // storage (the signals store): data/storage/<backtest|live>/<signal-id>.json

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn storage_wait_for_init(&mut self, backtest: bool) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_storage_signals()
                .call_wait_for_init(s, backtest, true)
        })
    }

    /// Reads the signals store (`readStorageData`).
    pub fn read_storage_data(&mut self, backtest: bool) -> Result<Vec<String>, Error> {
        self.call(|g, s| {
            g.backtest_persist_storage_signals()
                .call_read_storage_data(s, backtest)
        })
    }

    /// Writes the signals store (`writeStorageData`); durable when it returns.
    pub fn write_storage_data(
        &mut self,
        signal_data: &[String],
        backtest: bool,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_storage_signals()
                .call_write_storage_data(s, signal_data, backtest)
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn storage_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_storage_signals().call_clear(s))
    }

    // notification: data/notification/<backtest|live>/<id>.json

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn notification_wait_for_init(&mut self, backtest: bool) -> Result<CheckReport, Error> {
        self.call(|g, s| {
            g.backtest_persist_notification()
                .call_wait_for_init(s, backtest, true)
        })
    }

    /// Reads the notifications (`readNotificationData`).
    pub fn read_notification_data(&mut self, backtest: bool) -> Result<Vec<String>, Error> {
        self.call(|g, s| {
            g.backtest_persist_notification()
                .call_read_notification_data(s, backtest)
        })
    }

    /// Writes the notifications (`writeNotificationData`); durable when it returns.
    pub fn write_notification_data(
        &mut self,
        notification_data: &[String],
        backtest: bool,
    ) -> Result<(), Error> {
        self.call(|g, s| {
            g.backtest_persist_notification()
                .call_write_notification_data(s, notification_data, backtest)
        })
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn notification_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_notification().call_clear(s))
    }

    // log: data/log/log/<id>.json, append-only

    /// Validates the context's documents once (backtest-kit's `waitForInit`), moving invalid ones to the quarantine; returns the report of that pass.
    pub fn log_wait_for_init(&mut self) -> Result<CheckReport, Error> {
        self.call(|g, s| g.backtest_persist_log().call_wait_for_init(s, true))
    }

    /// Reads the log (`readLogData`).
    pub fn read_log_data(&mut self) -> Result<Vec<String>, Error> {
        self.call(|g, s| g.backtest_persist_log().call_read_log_data(s))
    }

    /// Returns how many entries were new.
    pub fn write_log_data(&mut self, log_data: &[String]) -> Result<u32, Error> {
        self.call(|g, s| g.backtest_persist_log().call_write_log_data(s, log_data))
    }

    /// Drops the domain's memo of contexts: the next call re-reads and re-validates.
    pub fn log_clear(&mut self) -> Result<(), Error> {
        self.call_infallible(|g, s| g.backtest_persist_log().call_clear(s))
    }

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
