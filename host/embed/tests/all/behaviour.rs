//! The shared behaviour suite (tests/behaviour/cases.json) on the Rust host, on the memory and
//! file stores. The Node and Python hosts run the same cases on their own stores.

use persist_embed::{Backend, Error, Persist};
use persist_test_support::*;
use serde_json::Value;
use std::sync::Arc;

const CONTEXT: (&str, &str, &str) = ("BTCUSDT", "my-strategy", "binance");

fn cases() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/behaviour/cases.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn kind(e: &Error) -> &'static str {
    match e {
        Error::NotFound(_) => "not-found",
        Error::InvalidInput { .. } => "invalid-input",
        Error::InvalidKey(_) => "invalid-key",
        Error::Corrupt(_) => "corrupt",
        Error::Storage { .. } => "storage",
        _ => "other",
    }
}

/// Runs one step; `Ok(Some(text))` is the value it gives.
fn step(
    p: &mut Persist,
    store: &Arc<dyn Backend>,
    s: &Value,
    fill: &dyn Fn(&str) -> String,
) -> Result<Option<String>, Error> {
    let text = |k: &str| fill(s[k].as_str().unwrap_or_default());
    let (entity, id) = (text("entity"), text("id"));
    let (symbol, strategy, exchange) = CONTEXT;
    Ok(match s["op"].as_str().unwrap() {
        "base-write" => p
            .base(&entity)
            .write_value(&id, &text("json"))
            .map(|()| None)?,
        "base-read" => Some(p.base(&entity).read_value(&id)?),
        "base-has" => Some(p.base(&entity).has_value(&id)?.to_string()),
        "base-keys" => Some(serde_json::to_string(&p.base(&entity).keys()?).unwrap()),
        "base-remove" => p.base(&entity).remove_value(&id).map(|()| None)?,
        "base-init" => Some(format!(
            "{} invalid",
            p.base(&entity).wait_for_init(true)?.findings.len()
        )),
        "signal-write" => {
            let json = text("json");
            let row = match json.as_str() {
                "null" => None,
                j => Some(p.signal_row_from_json(j)?),
            };
            p.signal(symbol, strategy, exchange)
                .write_signal_data(row.as_ref())
                .map(|()| None)?
        }
        "signal-read" => {
            let row = p.signal(symbol, strategy, exchange).read_signal_data()?;
            Some(match row {
                Some(row) => p.signal_row_to_json(&row)?,
                None => "null".into(),
            })
        }
        "signal-minutes" => p
            .signal(symbol, strategy, exchange)
            .read_signal_data()?
            .map(|row| {
                let m = row.minute_estimated_time;
                if m.is_infinite() {
                    "Infinity".to_string()
                } else {
                    m.to_string()
                }
            }),
        "check" => Some(format!("{} invalid", p.check(false)?.findings.len())),
        "call" => call(p, s)?,
        "raw-put" => store
            .write(&entity, &id, text("bytes").as_bytes())
            .map(|()| None)?,
        "raw-get" => store
            .read(&entity, &id)?
            .map(|b| String::from_utf8(b).unwrap()),
        other => panic!("unknown op {other}"),
    })
}

/// A `call` step: one method of a context's resource by its WIT names, with the Rust API's
/// typed calls.
fn call(p: &mut Persist, s: &Value) -> Result<Option<String>, Error> {
    let context = s["context"].as_array().unwrap();
    let args = s["args"].as_array().unwrap();
    let c = |i: usize| context[i].as_str().unwrap();
    let cb = |i: usize| context[i].as_bool().unwrap();
    let st = |i: usize| args[i].as_str().unwrap();
    let f = |i: usize| args[i]["f64"].as_f64().unwrap();
    let json = |i: usize| args[i]["json"].as_str().unwrap();
    let texts = |i: usize| -> Vec<String> {
        args[i]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let list = |v: Vec<String>| Some(serde_json::to_string(&v).unwrap());
    Ok(match s["function"].as_str().unwrap() {
        "write-signal-data" => {
            let row = p.signal_row_from_json(json(0))?;
            p.signal(c(0), c(1), c(2))
                .write_signal_data(Some(&row))
                .map(|()| None)?
        }
        "read-signal-data" => {
            let row = p.signal(c(0), c(1), c(2)).read_signal_data()?;
            row.map(|row| p.signal_row_to_json(&row)).transpose()?
        }
        "write-schedule-data" => {
            let row = p.signal_row_from_json(json(0))?;
            p.schedule(c(0), c(1), c(2))
                .write_schedule_data(Some(&row))
                .map(|()| None)?
        }
        "read-schedule-data" => {
            let row = p.schedule(c(0), c(1), c(2)).read_schedule_data()?;
            row.map(|row| p.signal_row_to_json(&row)).transpose()?
        }
        "write-strategy-data" => {
            let data = p.strategy_data_from_json(json(0))?;
            p.strategy(c(0), c(1), c(2))
                .write_strategy_data(Some(&data))
                .map(|()| None)?
        }
        "read-strategy-data" => {
            let data = p.strategy(c(0), c(1), c(2)).read_strategy_data()?;
            data.map(|data| p.strategy_data_to_json(&data))
                .transpose()?
        }
        "write-position-data" => {
            let rows = p.risk_from_json(json(0))?;
            p.risk(c(0), c(1))
                .write_position_data(&rows, f(1))
                .map(|()| None)?
        }
        "read-position-data" => {
            let rows = p.risk(c(0), c(1)).read_position_data(f(0))?;
            Some(p.risk_to_json(&rows)?)
        }
        "write-partial-data" => {
            let levels = p.partial_from_json(json(0))?;
            p.partial(c(0), c(1), c(2))
                .write_partial_data(&levels, st(1), f(2))
                .map(|()| None)?
        }
        "read-partial-data" => {
            let levels = p.partial(c(0), c(1), c(2)).read_partial_data(st(0), f(1))?;
            Some(p.partial_to_json(&levels)?)
        }
        "write-breakeven-data" => {
            let levels = p.breakeven_from_json(json(0))?;
            p.breakeven(c(0), c(1), c(2))
                .write_breakeven_data(&levels, st(1), f(2))
                .map(|()| None)?
        }
        "read-breakeven-data" => {
            let levels = p
                .breakeven(c(0), c(1), c(2))
                .read_breakeven_data(st(0), f(1))?;
            Some(p.breakeven_to_json(&levels)?)
        }
        "write-candles-data" => {
            let candles = p.candles_from_json(json(0))?;
            p.candle(c(0), c(1), c(2))
                .write_candles_data(&candles)
                .map(|_| None)?
        }
        "read-candles-data" => {
            let limit = args[0]["u32"].as_u64().unwrap() as u32;
            let candles = p
                .candle(c(0), c(1), c(2))
                .read_candles_data(limit, f(1), f(2))?;
            candles.map(|c| p.candles_to_json(&c)).transpose()?
        }
        "write-storage-data" => p
            .storage(cb(0))
            .write_storage_data(&texts(0))
            .map(|()| None)?,
        "read-storage-data" => list(p.storage(cb(0)).read_storage_data()?),
        "write-notification-data" => p
            .notification(cb(0))
            .write_notification_data(&texts(0))
            .map(|()| None)?,
        "read-notification-data" => list(p.notification(cb(0)).read_notification_data()?),
        "write-log-data" => p
            .log()
            .write_log_data(&texts(0))
            .map(|n| Some(n.to_string()))?,
        "read-log-data" => list(p.log().read_log_data()?),
        "write-measure-data" => p
            .measure(c(0))
            .write_measure_data(st(0), st(1), f(2))
            .map(|()| None)?,
        "read-measure-data" => p.measure(c(0)).read_measure_data(st(0))?,
        "list-measure-data" => list(p.measure(c(0)).list_measure_data()?),
        "remove-measure-data" => p.measure(c(0)).remove_measure_data(st(0)).map(|()| None)?,
        "write-interval-data" => p
            .interval(c(0))
            .write_interval_data(st(0), st(1), f(2))
            .map(|()| None)?,
        "read-interval-data" => p.interval(c(0)).read_interval_data(st(0))?,
        "write-memory-data" => p
            .memory(c(0), c(1))
            .write_memory_data(st(0), st(1), f(2))
            .map(|()| None)?,
        "read-memory-data" => p.memory(c(0), c(1)).read_memory_data(st(0))?,
        "has-memory-data" => Some(p.memory(c(0), c(1)).has_memory_data(st(0))?.to_string()),
        "write-recent-data" => {
            let row = p.signal_row_from_json(json(0))?;
            p.recent(c(0), c(1), c(2), c(3), cb(4))
                .write_recent_data(Some(&row), f(1))
                .map(|()| None)?
        }
        "read-recent-data" => {
            let row = p.recent(c(0), c(1), c(2), c(3), cb(4)).read_recent_data()?;
            row.map(|row| p.signal_row_to_json(&row)).transpose()?
        }
        "write-state-data" => p
            .state(c(0), c(1))
            .write_state_data(st(0), f(1))
            .map(|()| None)?,
        "read-state-data" => p.state(c(0), c(1)).read_state_data()?,
        "write-session-data" => p
            .session(c(0), c(1), c(2), c(3), cb(4))
            .write_session_data(st(0), f(1))
            .map(|()| None)?,
        "read-session-data" => p
            .session(c(0), c(1), c(2), c(3), cb(4))
            .read_session_data()?,
        other => panic!("no call for {other} in tests/behaviour.rs"),
    })
}

fn run_all(new_store: &dyn Fn() -> Arc<dyn Backend>) {
    let cases = cases();
    let signal = cases["signal"].as_str().unwrap().to_string();
    let fill = move |t: &str| {
        if t == "$signal" {
            signal.clone()
        } else {
            t.to_string()
        }
    };
    for case in cases["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let store = new_store();
        let mut p = open(store.clone());
        for (i, s) in case["steps"].as_array().unwrap().iter().enumerate() {
            let at = format!("{name}, step {}: {s}", i + 1);
            match (step(&mut p, &store, s, &fill), s.get("error")) {
                (Ok(got), None) => {
                    if let Some(expected) = s.get("expect") {
                        let expected = expected.as_str().map(&fill);
                        assert_eq!(got, expected, "{at}");
                    }
                }
                (Ok(got), Some(_)) => panic!("{at}: expected an error, got {got:?}"),
                (Err(e), Some(k)) => {
                    assert_eq!(kind(&e), k.as_str().unwrap(), "{at}: {e}");
                    let contains = s["contains"].as_str().unwrap();
                    assert!(e.to_string().contains(contains), "{at}: {e}");
                }
                (Err(e), None) => panic!("{at}: {e}"),
            }
        }
    }
}

#[test]
fn the_shared_cases_hold_on_the_memory_store() {
    run_all(&memory_backend);
}

#[test]
fn the_shared_cases_hold_on_the_file_store() {
    let dir = tempfile::tempdir().unwrap();
    let n = std::cell::Cell::new(0);
    run_all(&|| {
        n.set(n.get() + 1);
        file_backend(&dir.path().join(n.get().to_string()))
    });
}

#[test]
fn the_embedded_guest_is_the_wasm_cargo_built_that_node_and_python_load() {
    let built = persist_embed::BUILT_GUEST_PATH;
    if std::env::var_os("PERSIST_GUEST_WASM").is_some() {
        return; // a prebuilt guest was embedded instead
    }
    let bytes = std::fs::read(built).expect("cargo built the guest");
    assert!(
        bytes == persist_embed::EMBEDDED_GUEST,
        "the embedded guest differs from {built}"
    );
    println!("guest sha256 {}", runtime().guest_sha256());
}
