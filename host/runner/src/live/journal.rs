//! The runner's progress, kept in the Session domain
//! (`session/<strategy>/<exchange>/<symbol>_live.json`): the time of a candle, the plugin's
//! state, the run's signals and signal count after it, and that candle's domain writes.
//!
//! Each candle's domain writes are one storage batch, then this run's risk slot by
//! compare-and-swap (other runs share the profile). The progress is written every
//! [`CHECKPOINT`] candles and after the last one, in the same batch as that candle's writes.
//! After a crash the runner starts from the progress it finds: it makes that candle's writes
//! again, takes the signals from the progress (not from the domains, which may hold the
//! writes of later candles, or part of a batch a crash cut short on files), and runs the
//! candles after it again. A plugin is deterministic and the runner's lifecycle too, so those
//! candles make the same writes, rewriting the same documents with the same values: the
//! store ends as an uninterrupted run leaves it.

use super::Context;
use super::lifecycle::Book;
use crate::RunError;
use crate::plugin::PluginState;
use persist_embed::error::Error;
use persist_embed::records::{BreakevenLevel, PartialLevels, RiskEntry, SignalRow, StrategyData};
use persist_embed::session::Persist;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Candles between two progress records: at most this many run again after a crash.
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
    /// This run's slot in the risk profile, as the entry under its key in the list (none:
    /// freed); the other entries are not written. (Journals of earlier versions hold the
    /// whole profile here; only this run's entry is taken from it.)
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
    /// The signals after that candle; `None` in a session document of an earlier version
    /// (they are then read from the domains).
    pub book: Option<Book>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    book: Option<StoredBook>,
}

/// The book in the session document: the rows in backtest-kit's JSON.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredBook {
    pending: Value,
    scheduled: Value,
    partial: Value,
    breakeven: bool,
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
    let row = row_json;
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

fn row_json(persist: &mut Persist, row: &Option<SignalRow>) -> Result<Value, RunError> {
    match row {
        Some(row) => parsed(persist.signal_row_to_json(row)?),
        None => Ok(Value::Null),
    }
}

fn row_from_json(persist: &mut Persist, value: Value) -> Result<Option<SignalRow>, RunError> {
    match value {
        Value::Null => Ok(None),
        v => Ok(Some(persist.signal_row_from_json(&v.to_string())?)),
    }
}

fn encode_book(persist: &mut Persist, book: &Book) -> Result<StoredBook, RunError> {
    let partial: Vec<PartialLevels> = book.partial.iter().cloned().collect();
    Ok(StoredBook {
        pending: row_json(persist, &book.pending)?,
        scheduled: row_json(persist, &book.scheduled)?,
        partial: parsed(persist.partial_to_json(&partial)?)?,
        breakeven: book.breakeven,
    })
}

fn decode_book(persist: &mut Persist, stored: StoredBook) -> Result<Book, RunError> {
    Ok(Book {
        pending: row_from_json(persist, stored.pending)?,
        scheduled: row_from_json(persist, stored.scheduled)?,
        partial: persist
            .partial_from_json(&stored.partial.to_string())?
            .into_iter()
            .next(),
        breakeven: stored.breakeven,
    })
}

fn decode(persist: &mut Persist, stored: StoredWrite) -> Result<Write, RunError> {
    let row = row_from_json;
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
    let book = match stored.book {
        Some(b) => Some(decode_book(persist, b).map_err(|e| corrupt(ctx, &e))?),
        None => None,
    };
    apply(persist, ctx, &writes)?;
    Ok(Progress {
        last_candle: stored.last_candle,
        plugin_state: stored.plugin_state,
        writes,
        signals: stored.signals,
        book,
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

/// Makes `progress` and its writes durable, as one batch; then this run's risk slot.
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
        book: match &progress.book {
            Some(b) => Some(encode_book(persist, b)?),
            None => None,
        },
    };
    let record = json!({
        "id": format!("{}:{}:{}:live", ctx.symbol, ctx.strategy_name, ctx.exchange_name),
        "data": stored,
        "when": when,
    });
    persist.batch(|p| {
        p.session(
            &ctx.strategy_name,
            &ctx.exchange_name,
            "",
            &ctx.symbol,
            false,
        )
        .write_session_data(&record.to_string(), when)?;
        apply_domains(p, ctx, &progress.writes)
    })?;
    apply_slots(persist, ctx, &progress.writes)
}

/// Makes a candle's writes without recording progress: one storage batch, then this run's
/// risk slot.
pub fn apply(persist: &mut Persist, ctx: &Context, writes: &[Write]) -> Result<(), RunError> {
    persist.batch(|p| apply_domains(p, ctx, writes))?;
    apply_slots(persist, ctx, writes)
}

/// This run's risk slot as the writes leave it, by compare-and-swap (the profile is shared
/// with other runs).
fn apply_slots(persist: &mut Persist, ctx: &Context, writes: &[Write]) -> Result<(), RunError> {
    for write in writes {
        if let Write::Risk(positions) = write {
            super::lifecycle::set_slot(persist, ctx, positions)?;
        }
    }
    Ok(())
}

/// Every write but the risk slot's (they go into the caller's batch).
fn apply_domains(persist: &mut Persist, ctx: &Context, writes: &[Write]) -> Result<(), RunError> {
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
            Write::Risk(_) => {}
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
