//! backtest-kit's 16 domains: where each keeps its documents in `./dump` (entity path and id,
//! exactly as its adapter builds them, with caller-supplied parts escaped), and what a valid
//! record of each is.
//!
//! Paths outside every domain (the caller's own `persist-base` entities) are JSON only.

use crate::json::js_number;
use crate::keys::{KeyError, check_entity, escape, escape_id};
use crate::record::{FieldError, optional};
use crate::records::payloads::Payload;
use crate::records::signal::SignalRow;
use crate::records::strategy::StrategyData;
use crate::records::trading::{Candle, read_breakeven, read_partial, read_risk};
use serde_json::Value;

/// One of backtest-kit's 16 persistence domains (`Persist<X>Adapter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    /// `data/signal/`: the open signal of a symbol, strategy and exchange.
    Signal,
    /// `data/schedule/`: the scheduled signal, waiting for its entry price.
    Schedule,
    /// `data/strategy/`: the strategy's state (commit queue, deferred closes, pause).
    Strategy,
    /// `data/risk/`: a risk profile's open positions.
    Risk,
    /// `data/partial/`: the partial-profit and partial-loss levels each signal reached.
    Partial,
    /// `data/breakeven/`: whether each signal reached breakeven.
    Breakeven,
    /// `data/candle/`: cached candles, one file each.
    Candle,
    /// `data/storage/`: the signals store (every signal and its status).
    Storage,
    /// `data/notification/`: notifications.
    Notification,
    /// `data/log/`: the append-only log.
    Log,
    /// `data/measure/`: cached measures, soft-deleted.
    Measure,
    /// `data/interval/`: values cached per interval, soft-deleted.
    Interval,
    /// `memory/`: a signal's memory entries, soft-deleted.
    Memory,
    /// `data/recent/`: the most recent signal of a context.
    Recent,
    /// `state/`: a signal's state value.
    State,
    /// `session/`: a session's data.
    Session,
}

impl Domain {
    /// Every domain, in backtest-kit's order.
    pub const ALL: [Domain; 16] = [
        Domain::Signal,
        Domain::Schedule,
        Domain::Strategy,
        Domain::Risk,
        Domain::Partial,
        Domain::Breakeven,
        Domain::Candle,
        Domain::Storage,
        Domain::Notification,
        Domain::Log,
        Domain::Measure,
        Domain::Interval,
        Domain::Memory,
        Domain::Recent,
        Domain::State,
        Domain::Session,
    ];

    /// The domain's name: its bucket, its folder under `data/`, and its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Domain::Signal => "signal",
            Domain::Schedule => "schedule",
            Domain::Strategy => "strategy",
            Domain::Risk => "risk",
            Domain::Partial => "partial",
            Domain::Breakeven => "breakeven",
            Domain::Candle => "candle",
            Domain::Storage => "storage",
            Domain::Notification => "notification",
            Domain::Log => "log",
            Domain::Measure => "measure",
            Domain::Interval => "interval",
            Domain::Memory => "memory",
            Domain::Recent => "recent",
            Domain::State => "state",
            Domain::Session => "session",
        }
    }

    /// The folder (with its trailing `/`) under which the domain's entities live in `./dump`.
    pub fn folder(self) -> &'static str {
        match self {
            Domain::Signal => "data/signal/",
            Domain::Schedule => "data/schedule/",
            Domain::Strategy => "data/strategy/",
            Domain::Risk => "data/risk/",
            Domain::Partial => "data/partial/",
            Domain::Breakeven => "data/breakeven/",
            Domain::Candle => "data/candle/",
            Domain::Storage => "data/storage/",
            Domain::Notification => "data/notification/",
            Domain::Log => "data/log/",
            Domain::Measure => "data/measure/",
            Domain::Interval => "data/interval/",
            Domain::Memory => "memory/",
            Domain::Recent => "data/recent/",
            Domain::State => "state/",
            Domain::Session => "session/",
        }
    }

    /// The domain of an (escaped) entity path, if it has one.
    pub fn of(entity: &str) -> Option<Domain> {
        if !entity.contains('/') {
            return None;
        }
        Domain::ALL.into_iter().find(|d| {
            entity
                .strip_prefix(d.folder())
                .is_some_and(|rest| !rest.is_empty())
        })
    }

    /// Checks a stored value against the domain's record type. The error names the field
    /// path and the reason: `signal.priceOpen: expected a number, got "abc"`.
    pub fn check(self, value: &Value) -> Result<(), String> {
        let path = self.name();
        let v = || value.clone();
        let result: Result<(), FieldError> = match self {
            Domain::Signal | Domain::Schedule | Domain::Recent => {
                SignalRow::read_optional(path, v()).map(drop)
            }
            Domain::Strategy => optional(path, v(), StrategyData::read).map(drop),
            Domain::Risk => read_risk(path, v()).map(drop),
            Domain::Partial => read_partial(path, v()).map(drop),
            Domain::Breakeven => read_breakeven(path, v()).map(drop),
            Domain::Candle => Candle::read(path, v()).map(drop),
            Domain::Storage => Payload::StorageSignal.check(path, value),
            Domain::Notification => Payload::Notification.check(path, value),
            Domain::Log => Payload::Log.check(path, value),
            Domain::Measure => Payload::Measure.check(path, value),
            Domain::Interval => Payload::Interval.check(path, value),
            Domain::Memory => Payload::Memory.check(path, value),
            Domain::State => Payload::State.check(path, value),
            Domain::Session => Payload::Session.check(path, value),
        };
        result.map_err(|e| e.to_string())
    }
}

/// Where one document lives: the escaped entity path and id, as the host stores them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    /// The escaped entity path.
    pub entity: String,
    /// The escaped id.
    pub id: String,
}

/// An entity path from the domain's folder and caller-supplied parts, each escaped into one
/// path segment (so `/` or `..` in a symbol never nests or escapes).
pub fn entity_path(domain: Domain, parts: &[&str]) -> Result<String, KeyError> {
    let mut path = domain.folder().trim_end_matches('/').to_string();
    for part in parts {
        path.push('/');
        path.push_str(&escape(part));
    }
    check_entity(&path)?;
    Ok(path)
}

/// `${a}_${b}_${c}`: the entity name of the symbol/strategy/exchange domains.
pub fn joined(parts: &[&str]) -> String {
    parts.join("_")
}

/// An id as the adapter writes it (`String(x)` in JavaScript), escaped.
pub fn id(raw: &str) -> Result<String, KeyError> {
    escape_id(raw)
}

/// A candle's id: its open time as JavaScript's `String(timestamp)` writes it.
pub fn candle_id(timestamp: f64) -> String {
    js_number(timestamp)
}

/// `"backtest"` or `"live"`.
pub fn mode(backtest: bool) -> &'static str {
    if backtest { "backtest" } else { "live" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn domains_are_found_by_path() {
        for d in Domain::ALL {
            let path = format!("{}x", d.folder());
            assert_eq!(Domain::of(&path), Some(d), "{path}");
            assert_eq!(Domain::of(d.folder().trim_end_matches('/')), None);
        }
        assert_eq!(
            Domain::of("data/candle/binance/BTCUSDT/1m"),
            Some(Domain::Candle)
        );
        assert_eq!(Domain::of("orders"), None);
        assert_eq!(Domain::of("data/other/x"), None);
    }

    #[test]
    fn entity_paths_escape_each_part_into_one_segment() {
        assert_eq!(
            entity_path(
                Domain::Signal,
                &[&joined(&["BTCUSDT", "my-strategy", "binance"])]
            )
            .unwrap(),
            "data/signal/BTCUSDT_my-strategy_binance"
        );
        assert_eq!(
            entity_path(Domain::Candle, &["binance", "BTCUSDT", "1m"]).unwrap(),
            "data/candle/binance/BTCUSDT/1m"
        );
        assert_eq!(
            entity_path(Domain::Memory, &["sig-1", "notes"]).unwrap(),
            "memory/sig-1/notes"
        );
        assert_eq!(
            entity_path(Domain::Candle, &["..", "a/b", "1m"]).unwrap(),
            "data/candle/%2E./a%2Fb/1m"
        );
        assert!(entity_path(Domain::Candle, &["", "x", "1m"]).is_err());
        assert_eq!(candle_id(1_704_067_200_000.0), "1704067200000");
    }

    #[test]
    fn signal_rows_are_checked_with_field_paths() {
        let ok = json!({"id":"a","symbol":"BTCUSDT","exchangeName":"binance","strategyName":"s","position":"long",
            "priceOpen":1.5,"priceTakeProfit":2,"priceStopLoss":1,"minuteEstimatedTime":null});
        assert_eq!(Domain::Signal.check(&ok), Ok(()));
        assert_eq!(Domain::Signal.check(&Value::Null), Ok(()));
        let mut bad = ok.clone();
        bad["priceOpen"] = json!("abc");
        assert_eq!(
            Domain::Signal.check(&bad),
            Err("signal.priceOpen: expected a number, got \"abc\"".into())
        );
        bad = ok.clone();
        bad["position"] = json!("sideways");
        assert_eq!(
            Domain::Signal.check(&bad),
            Err("signal.position: expected \"long\" or \"short\", got \"sideways\"".into())
        );
        assert_eq!(
            Domain::Schedule.check(&json!([1])),
            Err("schedule: expected an object or null, got [1]".into())
        );
    }
}
