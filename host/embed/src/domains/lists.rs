//! The domains that are lists: the signals store (storage), notifications (notification) and the append-only log (log).

use crate::error::Error;

handle!(
    /// backtest-kit's `PersistStorageInstance`: the signals store of backtest or live data.
    StorageInstance,
    storage,
    backtest_persist_storage_signals,
    storage_instance,
    (backtest: bool)
);

impl StorageInstance<'_> {
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

handle!(
    /// backtest-kit's `PersistNotificationInstance`: the notifications of backtest or live data.
    NotificationInstance,
    notification,
    backtest_persist_notification,
    notification_instance,
    (backtest: bool)
);

impl NotificationInstance<'_> {
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

handle!(
    /// backtest-kit's `PersistLogInstance`: the one log.
    LogInstance,
    log,
    backtest_persist_log,
    log_instance,
    ()
);

impl LogInstance<'_> {
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
