//! The runner's write-ahead journal, kept in the Session domain
//! (`session/<strategy>/<exchange>/<symbol>_live.json`).
//!
//! Everything one candle changes is first written as one session document: the time of the
//! candle, the plugin's state after it, and the list of domain writes the candle causes. Then
//! the writes are made, in backtest-kit's order. A crash before the session document is
//! durable loses nothing (the candle runs again); a crash after it is mended at the next start
//! by making the listed writes again, which rewrites the same documents with the same values.
//! A candle that changes nothing writes nothing, and runs again after a crash with the same
//! outcome; every [`CHECKPOINT`] candles the progress is written anyway.

use super::Context;
use crate::RunError;
use crate::plugin::PluginState;
use persist_embed::error::Error;
use persist_embed::records::{BreakevenLevel, PartialLevels, RiskEntry, SignalRow, StrategyData};
use persist_embed::session::Persist;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Candles between two progress records when nothing else is written.
pub const CHECKPOINT: usize = 500;

/// One domain write, as backtest-kit's live mode makes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// The strategy domain's record (closed signals written ahead of clearing one).
    Strategy(Box<StrategyData>),
    /// The open signal, or none to clear it.
    Signal(Option<SignalRow>),
    /// The scheduled signal, or none to clear it.
    Schedule(Option<SignalRow>),
    /// The risk profile's open positions.
    Risk(Vec<RiskEntry>),
    /// A signal's partial-profit and partial-loss levels reached.
    Partial {
        /// The signal's id.
        signal_id: String,
        /// Its levels.
        levels: Vec<PartialLevels>,
    },
    /// A signal's breakeven state.
    Breakeven {
        /// The signal's id.
        signal_id: String,
        /// Its levels.
        levels: Vec<BreakevenLevel>,
    },
    /// A row of the live signals store (`data/storage/live/<id>.json`), as JSON text.
    Storage(String),
}

/// The runner's progress as the session document holds it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Open time of the last candle whose outcome is durable.
    pub last_candle: Option<i64>,
    /// The plugin's key-value state after that candle.
    pub plugin_state: PluginState,
    /// The domain writes of that candle, made again at the next start.
    pub writes: Vec<Write>,
    /// How many signals the run has put in the signals store, over all its starts: the report
    /// must find at least these, or the store lost some under the run.
    pub signals: u64,
}

/// The session document's `data`: the writes in backtest-kit's JSON (the guest's own
/// conversions, so `Infinity` travels as `null` as it does in every other document).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    last_candle: Option<i64>,
    plugin_state: PluginState,
    writes: Vec<StoredWrite>,
    #[serde(default)]
    signals: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum StoredWrite {
    Strategy(Value),
    Signal(Value),
    Schedule(Value),
    Risk(Value),
    #[serde(rename_all = "camelCase")]
    Partial {
        signal_id: String,
        data: Value,
    },
    #[serde(rename_all = "camelCase")]
    Breakeven {
        signal_id: String,
        data: Value,
    },
    Storage(Value),
}

fn parsed(text: String) -> Result<Value, RunError> {
    serde_json::from_str(&text).map_err(|e| Error::Guest(format!("the guest's JSON: {e}")).into())
}

fn encode(persist: &mut Persist, write: &Write) -> Result<StoredWrite, RunError> {
    let row = |persist: &mut Persist, row: &Option<SignalRow>| match row {
        Some(row) => parsed(persist.signal_row_to_json(row)?),
        None => Ok(Value::Null),
    };
    Ok(match write {
        Write::Strategy(data) => {
            StoredWrite::Strategy(parsed(persist.strategy_data_to_json(data)?)?)
        }
        Write::Signal(r) => StoredWrite::Signal(row(persist, r)?),
        Write::Schedule(r) => StoredWrite::Schedule(row(persist, r)?),
        Write::Risk(entries) => StoredWrite::Risk(parsed(persist.risk_to_json(entries)?)?),
        Write::Partial { signal_id, levels } => StoredWrite::Partial {
            signal_id: signal_id.clone(),
            data: parsed(persist.partial_to_json(levels)?)?,
        },
        Write::Breakeven { signal_id, levels } => StoredWrite::Breakeven {
            signal_id: signal_id.clone(),
            data: parsed(persist.breakeven_to_json(levels)?)?,
        },
        Write::Storage(text) => StoredWrite::Storage(parsed(text.clone())?),
    })
}

fn decode(persist: &mut Persist, stored: StoredWrite) -> Result<Write, RunError> {
    let row = |persist: &mut Persist, value: Value| match value {
        Value::Null => Ok(None),
        v => persist.signal_row_from_json(&v.to_string()).map(Some),
    };
    Ok(match stored {
        StoredWrite::Strategy(v) => {
            Write::Strategy(Box::new(persist.strategy_data_from_json(&v.to_string())?))
        }
        StoredWrite::Signal(v) => Write::Signal(row(persist, v)?),
        StoredWrite::Schedule(v) => Write::Schedule(row(persist, v)?),
        StoredWrite::Risk(v) => Write::Risk(persist.risk_from_json(&v.to_string())?),
        StoredWrite::Partial { signal_id, data } => Write::Partial {
            levels: persist.partial_from_json(&data.to_string())?,
            signal_id,
        },
        StoredWrite::Breakeven { signal_id, data } => Write::Breakeven {
            levels: persist.breakeven_from_json(&data.to_string())?,
            signal_id,
        },
        StoredWrite::Storage(v) => Write::Storage(v.to_string()),
    })
}

/// How many signals first reach the signals store in `writes`: rows whose id is none of
/// `known` (the signals the book held before the step).
pub fn new_signals(writes: &[Write], known: &[String]) -> u64 {
    let mut seen: Vec<String> = Vec::new();
    for w in writes {
        if let Write::Storage(text) = w
            && let Ok(row) = serde_json::from_str::<Value>(text)
            && let Some(id) = row.get("id").and_then(Value::as_str)
            && !known.iter().any(|k| k == id)
            && !seen.iter().any(|s| s == id)
        {
            seen.push(id.to_string());
        }
    }
    seen.len() as u64
}

/// Reads the progress of `ctx`'s run, and makes the writes of its last candle again (they
/// may have been cut short by a crash).
pub fn resume(persist: &mut Persist, ctx: &Context) -> Result<Progress, RunError> {
    let Some(text) = persist
        .session(
            &ctx.strategy_name,
            &ctx.exchange_name,
            "",
            &ctx.symbol,
            false,
        )
        .read_session_data()?
    else {
        return Ok(Progress::default());
    };
    let record: Value = serde_json::from_str(&text).map_err(|e| corrupt(ctx, &e))?;
    let stored: Stored = serde_json::from_value(record.get("data").cloned().unwrap_or(Value::Null))
        .map_err(|e| corrupt(ctx, &e))?;
    let mut writes = Vec::with_capacity(stored.writes.len());
    for w in stored.writes {
        writes.push(decode(persist, w).map_err(|e| corrupt(ctx, &e))?);
    }
    apply(persist, ctx, &writes)?;
    Ok(Progress {
        last_candle: stored.last_candle,
        plugin_state: stored.plugin_state,
        writes,
        signals: stored.signals,
    })
}

fn corrupt(ctx: &Context, e: &dyn std::fmt::Display) -> Error {
    Error::Corrupt(format!(
        "the runner's progress for {} {} {} (session/{}/{}/{}_live.json) is not one the \
         runner wrote: {e}; move it aside to start the run from the first candle",
        ctx.symbol,
        ctx.strategy_name,
        ctx.exchange_name,
        ctx.strategy_name,
        ctx.exchange_name,
        ctx.symbol
    ))
}

/// Makes `progress` durable, then its writes.
pub fn commit(persist: &mut Persist, ctx: &Context, progress: &Progress) -> Result<(), RunError> {
    let when = progress.last_candle.unwrap_or(0) as f64;
    let mut writes = Vec::with_capacity(progress.writes.len());
    for w in &progress.writes {
        writes.push(encode(persist, w)?);
    }
    let stored = Stored {
        last_candle: progress.last_candle,
        plugin_state: progress.plugin_state.clone(),
        writes,
        signals: progress.signals,
    };
    let record = json!({
        "id": format!("{}:{}:{}:live", ctx.symbol, ctx.strategy_name, ctx.exchange_name),
        "data": stored,
        "when": when,
    });
    persist
        .session(
            &ctx.strategy_name,
            &ctx.exchange_name,
            "",
            &ctx.symbol,
            false,
        )
        .write_session_data(&record.to_string(), when)?;
    apply(persist, ctx, &progress.writes)
}

fn apply(persist: &mut Persist, ctx: &Context, writes: &[Write]) -> Result<(), RunError> {
    let (symbol, strategy, exchange) = (&ctx.symbol, &ctx.strategy_name, &ctx.exchange_name);
    for write in writes {
        match write {
            Write::Strategy(data) => persist
                .strategy(symbol, strategy, exchange)
                .write_strategy_data(Some(data))?,
            Write::Signal(row) => persist
                .signal(symbol, strategy, exchange)
                .write_signal_data(row.as_ref())?,
            Write::Schedule(row) => persist
                .schedule(symbol, strategy, exchange)
                .write_schedule_data(row.as_ref())?,
            Write::Risk(entries) => persist
                .risk(&ctx.risk_name, exchange)
                .write_position_data(entries, 0.0)?,
            Write::Partial { signal_id, levels } => persist
                .partial(symbol, strategy, exchange)
                .write_partial_data(levels, signal_id, 0.0)?,
            Write::Breakeven { signal_id, levels } => persist
                .breakeven(symbol, strategy, exchange)
                .write_breakeven_data(levels, signal_id, 0.0)?,
            Write::Storage(text) => persist
                .storage(false)
                .write_storage_data(std::slice::from_ref(text))?,
        }
    }
    Ok(())
}

/// backtest-kit's `IStorageSignalRow`: the signal row with its status.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageRow {
    /// The signal.
    pub row: SignalRow,
    /// Where it is in its life.
    pub status: Status,
    /// When the row was first written, in ms.
    pub created_at: f64,
    /// When the row was last written, in ms.
    pub updated_at: f64,
    /// The price at the last write.
    pub current_price: f64,
    /// How it closed, once closed.
    pub close: Option<Close>,
}

/// A signal's status in the signals store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Open: a position is held.
    Opened,
    /// Waiting for its entry price.
    Scheduled,
    /// Closed on take-profit, stop-loss or time.
    Closed,
    /// Cancelled before it opened.
    Cancelled,
}

/// How a signal closed.
#[derive(Debug, Clone, PartialEq)]
pub struct Close {
    /// `take_profit`, `stop_loss` or `time_expired`.
    pub reason: &'static str,
    /// When it closed, in ms.
    pub timestamp: f64,
    /// Its profit or loss in percent, fees included.
    pub pnl_percentage: f64,
    /// Its profit or loss in money, on a position of `POSITION_COST`.
    pub pnl_cost: f64,
}

/// The JSON text of a live signals-store row.
pub fn storage_json(persist: &mut Persist, row: &StorageRow) -> Result<String, RunError> {
    let mut value: Value = serde_json::from_str(&persist.signal_row_to_json(&row.row)?)
        .map_err(|e| Error::Guest(format!("signal row JSON: {e}")))?;
    let object = value
        .as_object_mut()
        .ok_or_else(|| Error::Guest("signal row JSON is not an object".into()))?;
    object.insert("status".into(), json!(row.status));
    object.insert("createdAt".into(), json!(row.created_at));
    object.insert("updatedAt".into(), json!(row.updated_at));
    object.insert("priority".into(), json!(row.updated_at));
    object.insert("currentPrice".into(), json!(row.current_price));
    if let Some(close) = &row.close {
        object.insert("closeReason".into(), json!(close.reason));
        object.insert("closeTimestamp".into(), json!(close.timestamp));
        object.insert(
            "pnl".into(),
            json!({
                "pnlPercentage": close.pnl_percentage,
                "priceOpen": row.row.price_open,
                "priceClose": row.current_price,
                "pnlCost": close.pnl_cost,
                "pnlEntries": row.row.cost.unwrap_or(0.0),
            }),
        );
    }
    Ok(value.to_string())
}
