//! The domains that are lists: the signals store (storage), notifications (notification) and the append-only log (log).

use super::Handle;
use crate::bindings::CheckReport;
use crate::error::Error;
use crate::session::Persist;

/// backtest-kit's `PersistStorageInstance`: the signals store of backtest or live data. Made by [`Persist::storage`]; the guest's resource
/// is dropped with it.
pub struct StorageInstance<'p>(Handle<'p>);

impl Persist {
    /// The `PersistStorageInstance` of the context.
    pub fn storage(&mut self, backtest: bool) -> StorageInstance<'_> {
        StorageInstance(Handle::new(self, |g, s| {
            g.backtest_persist_storage_signals()
                .storage_instance()
                .call_constructor(s, backtest)
        }))
    }
}

impl StorageInstance<'_> {
    /// Validates the context's documents once for all its handles (`waitForInit`), moving
    /// invalid ones to the quarantine; returns the report of that pass.
    pub fn wait_for_init(&mut self, initial: bool) -> Result<CheckReport, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_storage_signals()
                .storage_instance()
                .call_wait_for_init(s, r, initial)
        })
    }

    /// Reads every stored row, in natural id order (`readStorageData`).
    pub fn read_storage_data(&mut self) -> Result<Vec<String>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_storage_signals()
                .storage_instance()
                .call_read_storage_data(s, r)
        })
    }

    /// Writes each row under its id (`writeStorageData`); durable when it returns.
    pub fn write_storage_data(&mut self, signal_data: &[String]) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_storage_signals()
                .storage_instance()
                .call_write_storage_data(s, r, signal_data)
        })
    }
}

/// backtest-kit's `PersistNotificationInstance`: the notifications of backtest or live data. Made by [`Persist::notification`]; the guest's resource
/// is dropped with it.
pub struct NotificationInstance<'p>(Handle<'p>);

impl Persist {
    /// The `PersistNotificationInstance` of the context.
    pub fn notification(&mut self, backtest: bool) -> NotificationInstance<'_> {
        NotificationInstance(Handle::new(self, |g, s| {
            g.backtest_persist_notification()
                .notification_instance()
                .call_constructor(s, backtest)
        }))
    }
}

impl NotificationInstance<'_> {
    /// Validates the context's documents once for all its handles (`waitForInit`), moving
    /// invalid ones to the quarantine; returns the report of that pass.
    pub fn wait_for_init(&mut self, initial: bool) -> Result<CheckReport, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_notification()
                .notification_instance()
                .call_wait_for_init(s, r, initial)
        })
    }

    /// Reads every stored notification, in natural id order (`readNotificationData`).
    pub fn read_notification_data(&mut self) -> Result<Vec<String>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_notification()
                .notification_instance()
                .call_read_notification_data(s, r)
        })
    }

    /// Writes each notification under its id (`writeNotificationData`); durable when it returns.
    pub fn write_notification_data(&mut self, notification_data: &[String]) -> Result<(), Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_notification()
                .notification_instance()
                .call_write_notification_data(s, r, notification_data)
        })
    }
}

/// backtest-kit's `PersistLogInstance`: the one log. Made by [`Persist::log`]; the guest's resource
/// is dropped with it.
pub struct LogInstance<'p>(Handle<'p>);

impl Persist {
    /// The `PersistLogInstance` of the context.
    pub fn log(&mut self) -> LogInstance<'_> {
        LogInstance(Handle::new(self, |g, s| {
            g.backtest_persist_log().log_instance().call_constructor(s)
        }))
    }
}

impl LogInstance<'_> {
    /// Validates the context's documents once for all its handles (`waitForInit`), moving
    /// invalid ones to the quarantine; returns the report of that pass.
    pub fn wait_for_init(&mut self, initial: bool) -> Result<CheckReport, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_log()
                .log_instance()
                .call_wait_for_init(s, r, initial)
        })
    }

    /// Reads every entry, in natural id order (`readLogData`).
    pub fn read_log_data(&mut self) -> Result<Vec<String>, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_log()
                .log_instance()
                .call_read_log_data(s, r)
        })
    }

    /// Writes the entries whose id is not stored yet (`writeLogData`); returns how many were new.
    pub fn write_log_data(&mut self, log_data: &[String]) -> Result<u32, Error> {
        self.0.call(|g, s, r| {
            g.backtest_persist_log()
                .log_instance()
                .call_write_log_data(s, r, log_data)
        })
    }
}
