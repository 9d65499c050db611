//! The `json-calls` interface: every domain operation by name, with backtest-kit's JSON text in
//! and out. Each call makes the typed resource of the context and runs its method, so the
//! adapters, memo, validation and errors are the typed interfaces' own; records cross as JSON
//! through the `records` interface's converters.

use crate::Component;
use crate::adapter::json_text;
use crate::domains::{
    breakeven::BreakevenInstance, candle::CandleInstance, interval::IntervalInstance,
    log::LogInstance, measure::MeasureInstance, memory::MemoryInstance,
    notification::NotificationInstance, partial::PartialInstance, recent::RecentInstance,
    risk::RiskInstance, schedule::ScheduleInstance, session::SessionInstance,
    signal::SignalInstance, state::StateInstance, storage_signals::StorageInstance,
    strategy::StrategyInstance,
};
use crate::exports::backtest::persist::breakeven::GuestBreakevenInstance;
use crate::exports::backtest::persist::candle::GuestCandleInstance;
use crate::exports::backtest::persist::interval::GuestIntervalInstance;
use crate::exports::backtest::persist::json_calls::Guest;
use crate::exports::backtest::persist::log::GuestLogInstance;
use crate::exports::backtest::persist::measure::GuestMeasureInstance;
use crate::exports::backtest::persist::memory::GuestMemoryInstance;
use crate::exports::backtest::persist::notification::GuestNotificationInstance;
use crate::exports::backtest::persist::partial::GuestPartialInstance;
use crate::exports::backtest::persist::recent::GuestRecentInstance;
use crate::exports::backtest::persist::records::{Guest as Records, SignalRow};
use crate::exports::backtest::persist::risk::GuestRiskInstance;
use crate::exports::backtest::persist::schedule::GuestScheduleInstance;
use crate::exports::backtest::persist::session::GuestSessionInstance;
use crate::exports::backtest::persist::signal::GuestSignalInstance;
use crate::exports::backtest::persist::state::GuestStateInstance;
use crate::exports::backtest::persist::storage_signals::GuestStorageInstance;
use crate::exports::backtest::persist::strategy::GuestStrategyInstance;
use crate::exports::backtest::persist::types::{CheckReport, FieldError, PersistError};
use persist_core::document::parse_json;
use serde_json::{Value, json};

fn bad(path: &str, reason: impl Into<String>) -> PersistError {
    PersistError::InvalidInput(FieldError {
        path: path.to_string(),
        reason: reason.into(),
    })
}

/// The arguments of a call, taken in order; a missing `when` is 0.
struct Args {
    what: &'static str,
    items: std::vec::IntoIter<Value>,
    at: usize,
}

impl Args {
    fn parse(what: &'static str, text: &str) -> Result<Args, PersistError> {
        match parse_json(text) {
            Ok(Value::Array(items)) => Ok(Args {
                what,
                items: items.into_iter(),
                at: 0,
            }),
            Ok(_) => Err(bad(what, "expected a JSON array")),
            Err(e) => Err(bad(what, persist_core::document::not_json(e))),
        }
    }

    fn next(&mut self) -> (String, Option<Value>) {
        let path = format!("{}[{}]", self.what, self.at);
        self.at += 1;
        (path, self.items.next())
    }

    fn string(&mut self) -> Result<String, PersistError> {
        match self.next() {
            (_, Some(Value::String(s))) => Ok(s),
            (path, other) => Err(bad(
                &path,
                format!("expected a string, got {}", shown(&other)),
            )),
        }
    }

    fn boolean(&mut self) -> Result<bool, PersistError> {
        match self.next() {
            (_, Some(Value::Bool(b))) => Ok(b),
            (path, other) => Err(bad(
                &path,
                format!("expected true or false, got {}", shown(&other)),
            )),
        }
    }

    fn number(&mut self) -> Result<f64, PersistError> {
        match self.next() {
            (_, Some(Value::Number(n))) => n
                .as_f64()
                .ok_or_else(|| bad(&format!("{}[{}]", self.what, self.at - 1), "not a number")),
            (path, other) => Err(bad(
                &path,
                format!("expected a number, got {}", shown(&other)),
            )),
        }
    }

    /// A `when` (ms); left out or `null` is 0.
    fn when(&mut self) -> Result<f64, PersistError> {
        match self.next() {
            (_, None | Some(Value::Null)) => Ok(0.0),
            (_, Some(Value::Number(n))) => Ok(n.as_f64().unwrap_or(0.0)),
            (path, other) => Err(bad(
                &path,
                format!("expected a time in ms, got {}", shown(&other)),
            )),
        }
    }

    /// A JSON value as text.
    fn json(&mut self) -> Result<String, PersistError> {
        match self.next() {
            (_, Some(v)) => Ok(json_text(&v)),
            (path, None) => Err(bad(&path, "missing")),
        }
    }

    /// A record's JSON text, or None for `null`.
    fn record(&mut self) -> Result<Option<String>, PersistError> {
        match self.next() {
            (_, Some(Value::Null)) => Ok(None),
            (_, Some(v)) => Ok(Some(json_text(&v))),
            (path, None) => Err(bad(&path, "missing")),
        }
    }

    /// A JSON array's items, each as JSON text.
    fn texts(&mut self) -> Result<Vec<String>, PersistError> {
        match self.next() {
            (_, Some(Value::Array(items))) => Ok(items.iter().map(json_text).collect()),
            (path, other) => Err(bad(
                &path,
                format!("expected an array, got {}", shown(&other)),
            )),
        }
    }
}

fn shown(v: &Option<Value>) -> String {
    v.as_ref().map_or("nothing".to_string(), |v| {
        let text = json_text(v);
        if text.len() > 40 {
            format!("{}…", &text[..text.floor_char_boundary(40)])
        } else {
            text
        }
    })
}

fn report(r: CheckReport) -> String {
    let findings: Vec<Value> = r
        .findings
        .into_iter()
        .map(|f| {
            json!({"bucket": f.bucket, "entity": f.entity, "id": f.id, "reason": f.reason,
                   "quarantined": f.quarantined})
        })
        .collect();
    json_text(&json!({"checked": r.checked, "valid": r.valid, "findings": findings}))
}

const NULL: &str = "null";

fn optional(text: Option<String>) -> String {
    text.unwrap_or_else(|| NULL.to_string())
}

fn strings(items: Vec<String>) -> String {
    json_text(&Value::from(items))
}

/// A list of JSON texts as one JSON array.
fn array(items: Vec<String>) -> String {
    format!("[{}]", items.join(","))
}

fn row_out(row: Option<SignalRow>) -> Result<String, PersistError> {
    row.map(Component::signal_row_to_json)
        .transpose()
        .map(optional)
}

fn row_in(text: Option<String>) -> Result<Option<SignalRow>, PersistError> {
    text.map(Component::signal_row_from_json).transpose()
}

fn unknown(domain: &str, operation: &str) -> PersistError {
    bad(
        "operation",
        format!(
            "{domain} has no operation {operation:?} (backtest-kit's names: waitForInit, read…Data, write…Data, …)"
        ),
    )
}

impl Guest for Component {
    fn call(
        domain: String,
        context: String,
        operation: String,
        args: String,
    ) -> Result<String, PersistError> {
        let mut c = Args::parse("context", &context)?;
        let mut a = Args::parse("args", &args)?;
        let op = operation.as_str();
        let d = domain.as_str();
        macro_rules! init {
            ($inst:expr) => {
                if op == "waitForInit" {
                    return $inst.wait_for_init(a.boolean().unwrap_or(true)).map(report);
                }
            };
        }
        match d {
            "signal" | "schedule" => {
                let (symbol, strategy, exchange) = (c.string()?, c.string()?, c.string()?);
                if d == "signal" {
                    let i = SignalInstance::new(symbol, strategy, exchange);
                    init!(i);
                    match op {
                        "readSignalData" => row_out(i.read_signal_data()?),
                        "writeSignalData" => i
                            .write_signal_data(row_in(a.record()?)?)
                            .map(|()| NULL.into()),
                        _ => Err(unknown(d, op)),
                    }
                } else {
                    let i = ScheduleInstance::new(symbol, strategy, exchange);
                    init!(i);
                    match op {
                        "readScheduleData" => row_out(i.read_schedule_data()?),
                        "writeScheduleData" => i
                            .write_schedule_data(row_in(a.record()?)?)
                            .map(|()| NULL.into()),
                        _ => Err(unknown(d, op)),
                    }
                }
            }
            "recent" => {
                let i = RecentInstance::new(
                    c.string()?,
                    c.string()?,
                    c.string()?,
                    c.string()?,
                    c.boolean()?,
                );
                init!(i);
                match op {
                    "readRecentData" => row_out(i.read_recent_data()?),
                    "writeRecentData" => {
                        let row = row_in(a.record()?)?;
                        i.write_recent_data(row, a.when()?).map(|()| NULL.into())
                    }
                    _ => Err(unknown(d, op)),
                }
            }
            "strategy" => {
                let i = StrategyInstance::new(c.string()?, c.string()?, c.string()?);
                init!(i);
                match op {
                    "readStrategyData" => i
                        .read_strategy_data()?
                        .map(Component::strategy_data_to_json)
                        .transpose()
                        .map(optional),
                    "writeStrategyData" => {
                        let data = a
                            .record()?
                            .map(Component::strategy_data_from_json)
                            .transpose()?;
                        i.write_strategy_data(data).map(|()| NULL.into())
                    }
                    _ => Err(unknown(d, op)),
                }
            }
            "risk" => {
                let i = RiskInstance::new(c.string()?, c.string()?);
                init!(i);
                match op {
                    "readPositionData" => Component::risk_to_json(i.read_position_data(a.when()?)?),
                    "writePositionData" => {
                        let rows = Component::risk_from_json(a.json()?)?;
                        i.write_position_data(rows, a.when()?).map(|()| NULL.into())
                    }
                    _ => Err(unknown(d, op)),
                }
            }
            "partial" => {
                let i = PartialInstance::new(c.string()?, c.string()?, c.string()?);
                init!(i);
                match op {
                    "readPartialData" => {
                        let id = a.string()?;
                        Component::partial_to_json(i.read_partial_data(id, a.when()?)?)
                    }
                    "writePartialData" => {
                        let data = Component::partial_from_json(a.json()?)?;
                        let id = a.string()?;
                        i.write_partial_data(data, id, a.when()?)
                            .map(|()| NULL.into())
                    }
                    _ => Err(unknown(d, op)),
                }
            }
            "breakeven" => {
                let i = BreakevenInstance::new(c.string()?, c.string()?, c.string()?);
                init!(i);
                match op {
                    "readBreakevenData" => {
                        let id = a.string()?;
                        Component::breakeven_to_json(i.read_breakeven_data(id, a.when()?)?)
                    }
                    "writeBreakevenData" => {
                        let data = Component::breakeven_from_json(a.json()?)?;
                        let id = a.string()?;
                        i.write_breakeven_data(data, id, a.when()?)
                            .map(|()| NULL.into())
                    }
                    _ => Err(unknown(d, op)),
                }
            }
            "candle" => {
                let i = CandleInstance::new(c.string()?, c.string()?, c.string()?);
                init!(i);
                match op {
                    "readCandlesData" => {
                        let limit = a.number()?;
                        let since = a.number()?;
                        let candles = i.read_candles_data(limit as u32, since, a.when()?)?;
                        candles
                            .map(Component::candles_to_json)
                            .transpose()
                            .map(optional)
                    }
                    "writeCandlesData" => {
                        let w = i.write_candles_data(Component::candles_from_json(a.json()?)?)?;
                        Ok(json_text(
                            &json!({"written": w.written, "existing": w.existing, "unclosed": w.unclosed}),
                        ))
                    }
                    _ => Err(unknown(d, op)),
                }
            }
            "storage" => {
                let i = StorageInstance::new(c.boolean()?);
                init!(i);
                match op {
                    "readStorageData" => i.read_storage_data().map(array),
                    "writeStorageData" => i.write_storage_data(a.texts()?).map(|()| NULL.into()),
                    _ => Err(unknown(d, op)),
                }
            }
            "notification" => {
                let i = NotificationInstance::new(c.boolean()?);
                init!(i);
                match op {
                    "readNotificationData" => i.read_notification_data().map(array),
                    "writeNotificationData" => {
                        i.write_notification_data(a.texts()?).map(|()| NULL.into())
                    }
                    _ => Err(unknown(d, op)),
                }
            }
            "log" => {
                let i = LogInstance::new();
                init!(i);
                match op {
                    "readLogData" => i.read_log_data().map(array),
                    "writeLogData" => i.write_log_data(a.texts()?).map(|n| n.to_string()),
                    _ => Err(unknown(d, op)),
                }
            }
            "measure" => {
                let i = MeasureInstance::new(c.string()?);
                init!(i);
                match op {
                    "readMeasureData" => i.read_measure_data(a.string()?).map(optional),
                    "writeMeasureData" => {
                        let data = a.json()?;
                        let key = a.string()?;
                        i.write_measure_data(data, key, a.when()?)
                            .map(|()| NULL.into())
                    }
                    "removeMeasureData" => i.remove_measure_data(a.string()?).map(|()| NULL.into()),
                    "listMeasureData" => i.list_measure_data().map(strings),
                    _ => Err(unknown(d, op)),
                }
            }
            "interval" => {
                let i = IntervalInstance::new(c.string()?);
                init!(i);
                match op {
                    "readIntervalData" => i.read_interval_data(a.string()?).map(optional),
                    "writeIntervalData" => {
                        let data = a.json()?;
                        let key = a.string()?;
                        i.write_interval_data(data, key, a.when()?)
                            .map(|()| NULL.into())
                    }
                    "removeIntervalData" => {
                        i.remove_interval_data(a.string()?).map(|()| NULL.into())
                    }
                    "listIntervalData" => i.list_interval_data().map(strings),
                    _ => Err(unknown(d, op)),
                }
            }
            "memory" => {
                let i = MemoryInstance::new(c.string()?, c.string()?);
                init!(i);
                match op {
                    "readMemoryData" => i.read_memory_data(a.string()?).map(optional),
                    "hasMemoryData" => i.has_memory_data(a.string()?).map(|b| b.to_string()),
                    "writeMemoryData" => {
                        let data = a.json()?;
                        let id = a.string()?;
                        i.write_memory_data(data, id, a.when()?)
                            .map(|()| NULL.into())
                    }
                    "removeMemoryData" => i.remove_memory_data(a.string()?).map(|()| NULL.into()),
                    "listMemoryData" => i.list_memory_data().map(|items| {
                        array(
                            items
                                .into_iter()
                                .map(|m| {
                                    format!(
                                        "{{\"memoryId\":{},\"data\":{}}}",
                                        json_text(&Value::from(m.memory_id)),
                                        m.data
                                    )
                                })
                                .collect(),
                        )
                    }),
                    "dispose" => {
                        i.dispose();
                        Ok(NULL.into())
                    }
                    _ => Err(unknown(d, op)),
                }
            }
            "state" => {
                let i = StateInstance::new(c.string()?, c.string()?);
                init!(i);
                match op {
                    "readStateData" => i.read_state_data().map(optional),
                    "writeStateData" => {
                        let data = a.json()?;
                        i.write_state_data(data, a.when()?).map(|()| NULL.into())
                    }
                    "dispose" => {
                        i.dispose();
                        Ok(NULL.into())
                    }
                    _ => Err(unknown(d, op)),
                }
            }
            "session" => {
                let i = SessionInstance::new(
                    c.string()?,
                    c.string()?,
                    c.string()?,
                    c.string()?,
                    c.boolean()?,
                );
                init!(i);
                match op {
                    "readSessionData" => i.read_session_data().map(optional),
                    "writeSessionData" => {
                        let data = a.json()?;
                        i.write_session_data(data, a.when()?).map(|()| NULL.into())
                    }
                    "dispose" => {
                        i.dispose();
                        Ok(NULL.into())
                    }
                    _ => Err(unknown(d, op)),
                }
            }
            _ => Err(bad(
                "domain",
                format!(
                    "no domain {d:?}: expected signal, schedule, strategy, risk, partial, breakeven, candle, storage, notification, log, measure, interval, memory, recent, state or session"
                ),
            )),
        }
    }
}
