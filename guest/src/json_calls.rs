//! The `json-calls` interface: every domain operation by name, with backtest-kit's JSON text in
//! and out. Each call makes the typed resource of the context and runs its method, so the
//! adapters, memo, validation and errors are the typed interfaces' own; records cross as JSON
//! through the `records` interface's converters.

use crate::Component;
use crate::adapter::{Handle, invalid_input, json_text};
use crate::domains::signal_rows;
use crate::domains::{
    breakeven::BreakevenInstance, candle::CandleInstance, interval::IntervalInstance,
    log::LogInstance, measure::MeasureInstance, memory::MemoryInstance,
    notification::NotificationInstance, partial::PartialInstance, risk::RiskInstance,
    session::SessionInstance, state::StateInstance, storage_signals::StorageInstance,
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
use crate::exports::backtest::persist::records::Guest as Records;
use crate::exports::backtest::persist::risk::GuestRiskInstance;
use crate::exports::backtest::persist::session::GuestSessionInstance;
use crate::exports::backtest::persist::state::GuestStateInstance;
use crate::exports::backtest::persist::storage_signals::GuestStorageInstance;
use crate::exports::backtest::persist::strategy::GuestStrategyInstance;
use crate::exports::backtest::persist::types::{CheckReport, FieldError, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::json::without_lone_surrogates;
use persist_core::record::ParseError;
use persist_core::records::signal::SignalRow as CoreRow;
use serde_json::value::RawValue;
use serde_json::{Value, json};

fn bad(path: &str, reason: impl Into<String>) -> PersistError {
    PersistError::InvalidInput(FieldError {
        path: path.to_string(),
        reason: reason.into(),
    })
}

/// The arguments of a call, taken in order, each as the JSON text it was given in (nothing
/// is parsed twice); a missing `when` is 0.
struct Args {
    what: &'static str,
    items: std::vec::IntoIter<Box<RawValue>>,
    at: usize,
}

impl Args {
    fn parse(what: &'static str, text: &str) -> Result<Args, PersistError> {
        let text = without_lone_surrogates(text);
        match serde_json::from_str::<Vec<Box<RawValue>>>(&text) {
            Ok(items) => Ok(Args {
                what,
                items: items.into_iter(),
                at: 0,
            }),
            Err(e) if e.is_data() => Err(bad(what, "expected a JSON array")),
            Err(e) => Err(bad(what, persist_core::document::not_json(e))),
        }
    }

    fn next(&mut self) -> (String, Option<Box<RawValue>>) {
        let path = format!("{}[{}]", self.what, self.at);
        self.at += 1;
        (path, self.items.next())
    }

    fn typed<T>(
        &mut self,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<T, PersistError> {
        let (path, raw) = self.next();
        raw.as_deref().and_then(|r| parse(r.get())).ok_or_else(|| {
            bad(
                &path,
                format!("expected {expected}, got {}", shown(raw.as_deref())),
            )
        })
    }

    fn string(&mut self) -> Result<String, PersistError> {
        self.typed("a string", |t| serde_json::from_str::<String>(t).ok())
    }

    fn boolean(&mut self) -> Result<bool, PersistError> {
        self.typed("true or false", |t| serde_json::from_str::<bool>(t).ok())
    }

    fn number(&mut self) -> Result<f64, PersistError> {
        self.typed("a number", |t| serde_json::from_str::<f64>(t).ok())
    }

    /// A `when` (ms); left out or `null` is 0.
    fn when(&mut self) -> Result<f64, PersistError> {
        match self.next() {
            (_, None) => Ok(0.0),
            (path, Some(raw)) => serde_json::from_str::<Option<f64>>(raw.get())
                .map(|t| t.unwrap_or(0.0))
                .map_err(|_| {
                    bad(
                        &path,
                        format!("expected a time in ms, got {}", shown(Some(&raw))),
                    )
                }),
        }
    }

    /// A JSON value as text.
    fn json(&mut self) -> Result<String, PersistError> {
        match self.next() {
            (_, Some(raw)) => Ok(raw.get().to_string()),
            (path, None) => Err(bad(&path, "missing")),
        }
    }

    /// A whole number, or None when left out or `null`.
    fn limit(&mut self) -> Result<Option<u32>, PersistError> {
        match self.next() {
            (_, None) => Ok(None),
            (path, Some(raw)) => serde_json::from_str::<Option<u32>>(raw.get()).map_err(|_| {
                bad(
                    &path,
                    format!("expected a whole number or null, got {}", shown(Some(&raw))),
                )
            }),
        }
    }

    /// A record's JSON text, or None for `null`.
    fn record(&mut self) -> Result<Option<String>, PersistError> {
        self.json().map(|text| (text != "null").then_some(text))
    }

    /// A JSON array's items, each as JSON text.
    fn texts(&mut self) -> Result<Vec<String>, PersistError> {
        let (path, raw) = self.next();
        match raw
            .as_deref()
            .map(|r| serde_json::from_str::<Vec<Box<RawValue>>>(r.get()))
        {
            Some(Ok(items)) => Ok(items.iter().map(|i| i.get().to_string()).collect()),
            _ => Err(bad(
                &path,
                format!("expected an array, got {}", shown(raw.as_deref())),
            )),
        }
    }
}

fn shown(v: Option<&RawValue>) -> String {
    v.map_or("nothing".to_string(), |v| {
        let text = v.get();
        if text.len() > 40 {
            format!("{}…", &text[..text.floor_char_boundary(40)])
        } else {
            text.to_string()
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
            // The rows of signal, schedule and recent go from JSON text to persist-core's row
            // and back without the WIT record between (the same checks, fewer copies).
            "signal" | "schedule" | "recent" => {
                let (symbol, strategy, exchange) = (c.string()?, c.string()?, c.string()?);
                let (frame, backtest) = if d == "recent" {
                    (c.string()?, c.boolean()?)
                } else {
                    (String::new(), false)
                };
                let (domain, read, write) = match d {
                    "signal" => (Domain::Signal, "readSignalData", "writeSignalData"),
                    "schedule" => (Domain::Schedule, "readScheduleData", "writeScheduleData"),
                    _ => (Domain::Recent, "readRecentData", "writeRecentData"),
                };
                let handle = Handle::new(
                    domain,
                    &Context {
                        symbol: &symbol,
                        strategy_name: &strategy,
                        exchange_name: &exchange,
                        frame_name: &frame,
                        backtest,
                        ..Context::default()
                    },
                );
                if op == "waitForInit" {
                    return handle.wait_for_init().map(report);
                }
                let path = domain.name();
                if op == read {
                    let row = signal_rows::read_core(&*handle.instance()?, &symbol)?;
                    row.map(|r| r.write(path))
                        .transpose()
                        .map_err(invalid_input)
                        .map(optional)
                } else if op == write {
                    let row = match a.record()? {
                        None => None,
                        Some(text) => match CoreRow::parse_optional(path, &text) {
                            Ok(row) => row,
                            Err(ParseError::Field(e)) => return Err(invalid_input(e)),
                            Err(e) => return Err(bad(path, e.to_string())),
                        },
                    };
                    signal_rows::write_core(&*handle.instance()?, &symbol, row)
                        .map(|()| NULL.into())
                } else {
                    Err(unknown(d, op))
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
                    "putPosition" => {
                        let key = a.string()?;
                        let position = match a.record()? {
                            None => None,
                            Some(p) => {
                                let pair =
                                    format!("[[{},{p}]]", serde_json::Value::String(key.clone()));
                                Component::risk_from_json(pair)?.pop().map(|e| e.position)
                            }
                        };
                        let max = a.limit()?;
                        i.put_position(key, position, max)
                            .map(|done| done.to_string())
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
