//! The records that cross as JSON text: the signals store (`IStorageSignalRow`),
//! notifications, log entries, and the measure / interval / memory / state / session
//! records. Each is checked against its schema; what it does not name is kept as it is.

use super::signal::{DEFAULT_ISOLATED, DEFAULT_MULTIPLIER, SignalRow};
use crate::record::{FieldError, Fields, Result, describe};
use serde_json::Value;

/// What a record of each payload kind must hold. Returns the value unchanged when it fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// `IStorageSignalRow`, by `status`.
    StorageSignal,
    /// `NotificationModel`: the common fields and the `type` discriminant.
    Notification,
    /// `ILogEntry`.
    Log,
    /// `MeasureData`: `{id, data, removed}`.
    Measure,
    /// `IntervalData`: `{id, data, when (ISO text), removed}`.
    Interval,
    /// `MemoryData`: `{priority, data (object), removed, index, when}`.
    Memory,
    /// `StateData`: `{id, data (object), when}`.
    State,
    /// `SessionData`: `{id, data (object or null), when}`.
    Session,
}

/// The `status` of a signals-store row.
pub const STORAGE_STATUSES: [&str; 4] = ["opened", "scheduled", "closed", "cancelled"];
/// The `closeReason` of a closed signals-store row.
pub const CLOSE_REASONS: [&str; 4] = ["time_expired", "take_profit", "stop_loss", "closed"];
/// The `type` of a log entry.
pub const LOG_TYPES: [&str; 5] = ["log", "debug", "info", "warn", "agent"];

impl Payload {
    /// Fills in a stored record what backtest-kit 19.5.0's readers fill: `multiplier` (1) and
    /// `isolated` (true), where missing or `null`, in a signals-store row and in a
    /// notification that has a `cost`. Other records are left as they are.
    pub fn restore(self, value: &mut Value) {
        let Value::Object(map) = value else {
            return;
        };
        let signal_like = match self {
            Payload::StorageSignal => true,
            Payload::Notification => map.contains_key("cost"),
            _ => false,
        };
        if !signal_like {
            return;
        }
        for (name, default) in [
            ("multiplier", Value::from(DEFAULT_MULTIPLIER)),
            ("isolated", Value::Bool(DEFAULT_ISOLATED)),
        ] {
            let slot = map.entry(name).or_insert(Value::Null);
            if slot.is_null() {
                *slot = default;
            }
        }
    }

    /// Checks `value` against the payload's schema; the error names the field under `path`.
    pub fn check(self, path: &str, value: &Value) -> Result<()> {
        let mut f = Fields::new(path, value.clone())?;
        match self {
            Payload::StorageSignal => {
                let status = f.one_of("status", &STORAGE_STATUSES)?;
                f.number("createdAt")?;
                f.number("updatedAt")?;
                f.number("priority")?;
                match status.as_str() {
                    "opened" | "scheduled" => {
                        f.number("currentPrice")?;
                    }
                    "closed" => {
                        f.number("currentPrice")?;
                        f.one_of("closeReason", &CLOSE_REASONS)?;
                        f.number("closeTimestamp")?;
                        f.object("pnl", |_| Ok(()))?;
                    }
                    _ => {}
                }
                SignalRow::read(path, Value::Object(f.rest()))?;
            }
            Payload::Notification => {
                f.string("id")?;
                let kind = f.string("type")?;
                let shape_ok = !kind.is_empty()
                    && kind
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || matches!(c, '.' | '_' | '-'));
                if !shape_ok {
                    return Err(FieldError::new(
                        f.path("type"),
                        format!(
                            "expected a notification type such as \"signal.opened\", got {kind:?}"
                        ),
                    ));
                }
                f.number("timestamp")?;
                f.boolean("backtest")?;
            }
            Payload::Log => {
                f.string("id")?;
                f.one_of("type", &LOG_TYPES)?;
                f.number("priority")?;
                f.string("createdAt")?;
                f.number("timestamp")?;
                f.opt_object("methodContext", |_| Ok(()))?;
                f.opt_object("executionContext", |_| Ok(()))?;
                f.string("topic")?;
                f.list("args", |_, _| Ok(()))?;
            }
            Payload::Measure => {
                f.string("id")?;
                f.any("data")?;
                f.boolean("removed")?;
            }
            Payload::Interval => {
                f.string("id")?;
                f.any("data")?;
                f.string("when")?;
                f.boolean("removed")?;
            }
            Payload::Memory => {
                f.number("priority")?;
                f.object("data", |_| Ok(()))?;
                f.boolean("removed")?;
                f.string("index")?;
                f.number("when")?;
            }
            Payload::State => {
                f.string("id")?;
                f.object("data", |_| Ok(()))?;
                f.number("when")?;
            }
            Payload::Session => {
                f.string("id")?;
                if !matches!(f.any("data")?, Value::Object(_) | Value::Null) {
                    return Err(FieldError::new(
                        f.path("data"),
                        format!(
                            "expected an object or null, got {}",
                            describe(&value["data"])
                        ),
                    ));
                }
                f.number("when")?;
            }
        }
        Ok(())
    }
}
