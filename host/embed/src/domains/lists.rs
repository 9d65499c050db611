//! The domains that are lists: the signals store, notifications and the append-only log.

use crate::bindings::CheckReport;
use crate::error::Error;
use crate::session::Persist;

impl Persist {
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
}
