//! The small records of live trading: risk positions, partial-profit and breakeven levels,
//! and candles.

use super::signal::Position;
use crate::record::{FieldError, Fields, Result, Writer, array, index, join, push_string};
use serde_json::{Map, Value};

/// `IRiskActivePosition`.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskPosition {
    /// The strategy's name.
    pub strategy_name: String,
    /// The exchange's name.
    pub exchange_name: String,
    /// The backtest frame's name (empty in live mode).
    pub frame_name: String,
    /// The symbol.
    pub symbol: String,
    /// `long` or `short`.
    pub position: Position,
    /// The entry price.
    pub price_open: f64,
    /// The stop-loss price.
    pub price_stop_loss: f64,
    /// The take-profit price.
    pub price_take_profit: f64,
    /// Infinity when the position has no time limit (stored as `null`).
    pub minute_estimated_time: f64,
    /// When it opened, in ms.
    pub open_timestamp: f64,
    /// Fields the model does not know, kept as they were, in their order.
    pub extra: Map<String, Value>,
}

impl RiskPosition {
    fn read(path: &str, value: Value) -> Result<RiskPosition> {
        let mut f = Fields::new(path, value)?;
        Ok(RiskPosition {
            strategy_name: f.string("strategyName")?,
            exchange_name: f.string("exchangeName")?,
            frame_name: f.opt_string("frameName")?.unwrap_or_default(),
            symbol: f.string("symbol")?,
            position: Position::read(&mut f, "position")?,
            price_open: f.number("priceOpen")?,
            price_stop_loss: f.number("priceStopLoss")?,
            price_take_profit: f.number("priceTakeProfit")?,
            minute_estimated_time: f.eta("minuteEstimatedTime")?,
            open_timestamp: f.number("openTimestamp")?,
            extra: f.rest(),
        })
    }

    fn write(&self, path: &str) -> Result<String> {
        let mut w = Writer::new(path);
        w.string("strategyName", &self.strategy_name)
            .string("exchangeName", &self.exchange_name)
            .string("frameName", &self.frame_name)
            .string("symbol", &self.symbol)
            .string("position", self.position.as_str())
            .number("priceOpen", self.price_open)?
            .number("priceStopLoss", self.price_stop_loss)?
            .number("priceTakeProfit", self.price_take_profit)?
            .eta("minuteEstimatedTime", self.minute_estimated_time)?
            .number("openTimestamp", self.open_timestamp)?
            .extra(&self.extra)?;
        Ok(w.finish())
    }
}

/// `RiskData`: `Array<[key, IRiskActivePosition]>`, the key being
/// `${strategyName}_${exchangeName}_${symbol}`.
pub type RiskData = Vec<(String, RiskPosition)>;

/// Reads a stored `RiskData`; the error names the field under `path`.
pub fn read_risk(path: &str, value: Value) -> Result<RiskData> {
    // A missing or falsy document reads as no positions.
    let items = match value {
        Value::Null | Value::Bool(false) => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => {
            return Err(FieldError::new(
                path,
                format!(
                    "expected an array of [key, position] pairs, got {}",
                    crate::record::describe(&other)
                ),
            ));
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, pair)| {
            let at = index(path, i);
            match pair {
                Value::Array(mut kv) if kv.len() == 2 => {
                    let position = kv.pop().unwrap_or(Value::Null);
                    let key = match kv.pop() {
                        Some(Value::String(k)) => k,
                        other => {
                            return Err(FieldError::new(
                                index(&at, 0),
                                format!(
                                    "expected a string, got {}",
                                    other
                                        .as_ref()
                                        .map_or("nothing".into(), crate::record::describe)
                                ),
                            ));
                        }
                    };
                    Ok((key, RiskPosition::read(&index(&at, 1), position)?))
                }
                other => Err(FieldError::new(
                    at,
                    format!(
                        "expected a [key, position] pair, got {}",
                        crate::record::describe(&other)
                    ),
                )),
            }
        })
        .collect()
}

/// `RiskData` as backtest-kit's JSON text.
pub fn write_risk(path: &str, data: &RiskData) -> Result<String> {
    array(data.iter().enumerate().map(|(i, (key, position))| {
        let mut pair = Vec::with_capacity(256);
        pair.push(b'[');
        push_string(&mut pair, key);
        pair.push(b',');
        pair.extend_from_slice(position.write(&index(&index(path, i), 1))?.as_bytes());
        pair.push(b']');
        Ok(String::from_utf8(pair).unwrap_or_default())
    }))
}

/// `IPartialData`: the profit and loss levels reached (10, 20, … 100 percent).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PartialLevels {
    /// The profit levels reached (10 … 100).
    pub profit_levels: Vec<u8>,
    /// The loss levels reached (10 … 100).
    pub loss_levels: Vec<u8>,
    /// Fields the model does not know, kept as they were, in their order.
    pub extra: Map<String, Value>,
}

fn level(path: &str, value: Value) -> Result<u8> {
    match value.as_f64() {
        Some(n) if (10.0..=100.0).contains(&n) && n % 10.0 == 0.0 => Ok(n as u8),
        _ => Err(FieldError::new(
            path,
            format!(
                "expected a level of 10, 20, … or 100, got {}",
                crate::record::describe(&value)
            ),
        )),
    }
}

fn check_levels(path: &str, levels: &[u8]) -> Result<()> {
    for (i, &l) in levels.iter().enumerate() {
        level(&index(path, i), Value::from(l))?;
    }
    Ok(())
}

impl PartialLevels {
    fn read(path: &str, value: Value) -> Result<PartialLevels> {
        let mut f = Fields::new(path, value)?;
        Ok(PartialLevels {
            profit_levels: f.list("profitLevels", level)?,
            loss_levels: f.list("lossLevels", level)?,
            extra: f.rest(),
        })
    }

    fn write(&self, path: &str) -> Result<String> {
        let mut w = Writer::new(path);
        check_levels(&w.path("profitLevels"), &self.profit_levels)?;
        check_levels(&w.path("lossLevels"), &self.loss_levels)?;
        let list = |l: &[u8]| Value::Array(l.iter().map(|&n| Value::from(n)).collect());
        w.value("profitLevels", &list(&self.profit_levels))
            .value("lossLevels", &list(&self.loss_levels))
            .extra(&self.extra)?;
        Ok(w.finish())
    }
}

/// `IBreakevenData`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BreakevenLevel {
    /// Whether breakeven was reached.
    pub reached: bool,
    /// Fields the model does not know, kept as they were, in their order.
    pub extra: Map<String, Value>,
}

impl BreakevenLevel {
    fn read(path: &str, value: Value) -> Result<BreakevenLevel> {
        let mut f = Fields::new(path, value)?;
        Ok(BreakevenLevel {
            reached: f.boolean("reached")?,
            extra: f.rest(),
        })
    }

    fn write(&self, path: &str) -> Result<String> {
        let mut w = Writer::new(path);
        w.boolean("reached", self.reached).extra(&self.extra)?;
        Ok(w.finish())
    }
}

/// `Record<signalId, T>` as ordered pairs.
pub type ById<T> = Vec<(String, T)>;

fn read_by_id<T>(
    path: &str,
    value: Value,
    read: impl Fn(&str, Value) -> Result<T>,
) -> Result<ById<T>> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| {
                let item = read(&join(path, &k), v)?;
                Ok((k, item))
            })
            .collect(),
        other => Err(FieldError::new(
            path,
            format!(
                "expected an object keyed by signal id, got {}",
                crate::record::describe(&other)
            ),
        )),
    }
}

fn write_by_id<T>(
    path: &str,
    data: &ById<T>,
    write: impl Fn(&T, &str) -> Result<String>,
) -> Result<String> {
    let mut out = Vec::with_capacity(128);
    out.push(b'{');
    for (i, (k, v)) in data.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_string(&mut out, k);
        out.push(b':');
        out.extend_from_slice(write(v, &join(path, k))?.as_bytes());
    }
    out.push(b'}');
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// `PartialData`: `Record<signalId, IPartialData>`.
pub fn read_partial(path: &str, value: Value) -> Result<ById<PartialLevels>> {
    read_by_id(path, value, PartialLevels::read)
}

/// `PartialData` as backtest-kit's JSON text.
pub fn write_partial(path: &str, data: &ById<PartialLevels>) -> Result<String> {
    write_by_id(path, data, |v, p| v.write(p))
}

/// `BreakevenData`: `Record<signalId, IBreakevenData>`.
pub fn read_breakeven(path: &str, value: Value) -> Result<ById<BreakevenLevel>> {
    read_by_id(path, value, BreakevenLevel::read)
}

/// `BreakevenData` as backtest-kit's JSON text.
pub fn write_breakeven(path: &str, data: &ById<BreakevenLevel>) -> Result<String> {
    write_by_id(path, data, |v, p| v.write(p))
}

/// `ICandleData`, one file per candle, named by its open time.
#[derive(Debug, Clone, PartialEq)]
pub struct Candle {
    /// Open time, in ms.
    pub timestamp: f64,
    /// Open price.
    pub open: f64,
    /// Highest price.
    pub high: f64,
    /// Lowest price.
    pub low: f64,
    /// Close price.
    pub close: f64,
    /// Volume.
    pub volume: f64,
    /// Fields the model does not know, kept as they were, in their order.
    pub extra: Map<String, Value>,
}

impl Candle {
    /// Reads a stored candle; the error names the field under `path`.
    pub fn read(path: &str, value: Value) -> Result<Candle> {
        let mut f = Fields::new(path, value)?;
        Ok(Candle {
            timestamp: f.number("timestamp")?,
            open: f.number("open")?,
            high: f.number("high")?,
            low: f.number("low")?,
            close: f.number("close")?,
            volume: f.number("volume")?,
            extra: f.rest(),
        })
    }

    /// The candle as backtest-kit's JSON text.
    pub fn write(&self, path: &str) -> Result<String> {
        let mut w = Writer::new(path);
        w.number("timestamp", self.timestamp)?
            .number("open", self.open)?
            .number("high", self.high)?
            .number("low", self.low)?
            .number("close", self.close)?
            .number("volume", self.volume)?
            .extra(&self.extra)?;
        Ok(w.finish())
    }
}

/// Minutes per candle interval (`CandleInterval`).
pub fn interval_minutes(interval: &str) -> Option<u32> {
    Some(match interval {
        "1m" => 1,
        "3m" => 3,
        "5m" => 5,
        "15m" => 15,
        "30m" => 30,
        "1h" => 60,
        "2h" => 120,
        "4h" => 240,
        "6h" => 360,
        "8h" => 480,
        "1d" => 1440,
        _ => return None,
    })
}
