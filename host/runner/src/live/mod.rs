//! `persist run`: a strategy plugin driven over a candle feed through backtest-kit's live
//! signal lifecycle, every change persisted through the domains, so that a killed run picks
//! up where it stopped.
//!
//! - [`candles`]: reading and checking the feed.
//! - [`lifecycle`]: what a candle does to the signals, as domain writes.
//! - [`journal`]: each candle's writes as one batch, and the progress a killed run resumes from.
//! - [`report`]: the trades, read back from the persisted signals store.

pub mod candles;
pub mod journal;
pub mod lifecycle;
pub mod report;

use crate::RunError;
use crate::plugin::{Candle, Plugin, PluginState, Signal};
use lifecycle::Book;
use persist_embed::error::Error;
use persist_embed::session::Persist;
pub use report::Report;

/// Candles the plugin sees per call: the current one and those before it.
pub const WINDOW: usize = 100;

/// Who runs, on what: the keys of every document the run writes.
#[derive(Debug, Clone)]
pub struct Context {
    /// The symbol traded (`BTCUSDT`).
    pub symbol: String,
    /// The strategy's name, part of every signal's context.
    pub strategy_name: String,
    /// The exchange's name, part of every signal's context.
    pub exchange_name: String,
    /// The risk profile whose positions count against `max_positions`.
    pub risk_name: String,
    /// Most positions open at once in the risk profile (over every symbol and strategy).
    pub max_positions: usize,
    /// Length of one candle in milliseconds.
    pub interval_ms: i64,
    /// The candles' interval as backtest-kit names it (`1m`), the candle domain's key.
    pub interval: String,
}

/// Stores `candles` in the candle domain (`data/candle/<exchange>/<symbol>/<interval>/`), as
/// backtest-kit's candle cache holds the candles a live run saw: each is written once, a
/// candle already stored is left as it is.
fn store_candles(persist: &mut Persist, ctx: &Context, candles: &[Candle]) -> Result<(), RunError> {
    let records: Vec<persist_embed::records::Candle> = candles
        .iter()
        .map(|c| persist_embed::records::Candle {
            timestamp: c.timestamp as f64,
            open: c.open,
            high: c.high,
            low: c.low,
            close: c.close,
            volume: c.volume,
            extra: String::new(),
        })
        .collect();
    persist
        .candle(&ctx.symbol, &ctx.interval, &ctx.exchange_name)
        .write_candles_data(&records)?;
    Ok(())
}

/// Something that answers `get-signal`: a plugin, or (in `persist bench`) a native strategy.
pub trait Strategy {
    /// Its name, for messages.
    fn name(&self) -> &str;
    /// The signal to open now, if any, for the window of `candles` ending at `when` (the
    /// current candle's close time), and the plugin's state after the call.
    fn get_signal(
        &mut self,
        symbol: &str,
        when: i64,
        candles: &[Candle],
        state: &PluginState,
    ) -> Result<(Option<Signal>, PluginState), RunError>;
}

impl Strategy for Plugin {
    fn name(&self) -> &str {
        Plugin::name(self)
    }

    fn get_signal(
        &mut self,
        symbol: &str,
        when: i64,
        candles: &[Candle],
        state: &PluginState,
    ) -> Result<(Option<Signal>, PluginState), RunError> {
        Plugin::get_signal(self, symbol, when, candles, state)
    }
}

/// A run stopped by `error` at a candle: the progress of the last candle done is written
/// first (when it is not yet), so that the plugin's state and the signals are as before the
/// failing candle and the next run starts right after it. A failure to write it is left to
/// the next run, which then runs those candles again.
fn stop(
    persist: &mut Persist,
    ctx: &Context,
    done: &journal::Progress,
    since_commit: usize,
    error: RunError,
) -> RunError {
    if since_commit > 0
        && let Err(e) = journal::commit(persist, ctx, done)
    {
        tracing::warn!("the progress before the failing candle was not written: {e}");
    }
    error
}

/// Runs `strategy` over `candles` from where the persisted progress of `ctx` stops, and
/// returns the report of the whole run.
pub fn run(
    persist: &mut Persist,
    strategy: &mut dyn Strategy,
    candles: &[Candle],
    ctx: &Context,
) -> Result<Report, RunError> {
    let mut progress = journal::resume(persist, ctx)?;
    let mut book = match progress.book.take() {
        Some(book) => book,
        None => Book::restore(persist, ctx)?,
    };
    let start = match progress.last_candle {
        Some(last) => candles.partition_point(|c| c.timestamp <= last),
        None => 0,
    };
    // Candles done since the progress was last written.
    let mut since_commit = 0;
    // The first candle not yet in the candle domain: every candle up to the progress is.
    let mut unstored = start;
    for (i, candle) in candles.iter().enumerate().skip(start) {
        let when = candle.timestamp + ctx.interval_ms;
        let mut next_book = book.clone();
        let mut state = progress.plugin_state.clone();
        let outcome = (|| {
            let mut signal = None;
            if next_book.is_idle() {
                let window = &candles[(i + 1).saturating_sub(WINDOW)..=i];
                let (answer, after) =
                    strategy.get_signal(&ctx.symbol, when, window, &progress.plugin_state)?;
                if let Some(s) = &answer {
                    let at = format!("for {} at {when}", ctx.symbol);
                    lifecycle::check_signal(strategy.name(), &at, s, candle.close)?;
                }
                state = after;
                signal = answer;
            }
            lifecycle::step(persist, ctx, &mut next_book, candle, when, signal)
        })();
        let writes = match outcome {
            Ok(writes) => writes,
            Err(e) => return Err(stop(persist, ctx, &progress, since_commit, e)),
        };
        let next = journal::Progress {
            last_candle: Some(candle.timestamp),
            plugin_state: state,
            signals: progress.signals + journal::new_signals(&writes, &book.signal_ids()),
            writes,
            book: Some(next_book.clone()),
        };
        let checkpoint = i + 1 == candles.len() || since_commit + 1 >= journal::CHECKPOINT;
        // The candles since the last checkpoint are stored before it, so that every candle
        // up to the progress is in the store (a kill in between stores them again: no-op).
        let made = if checkpoint {
            store_candles(persist, ctx, &candles[unstored..=i])
                .and_then(|()| journal::commit(persist, ctx, &next))
        } else if !next.writes.is_empty() {
            journal::apply(persist, ctx, &next.writes)
        } else {
            Ok(())
        };
        if let Err(e) = made {
            return Err(stop(persist, ctx, &progress, since_commit, e));
        }
        since_commit = if checkpoint { 0 } else { since_commit + 1 };
        if checkpoint {
            unstored = i + 1;
        }
        progress = next;
        book = next_book;
    }
    let report = report::build(persist, ctx, candles.len())?;
    let found = report.signals() as u64;
    if found < progress.signals {
        return Err(Error::Storage {
            message: format!(
                "the store {} lost {} of the {} signals this run wrote: it was deleted or \
                 changed by another process while the run went on, so there is no report",
                persist.store_url(),
                progress.signals - found,
                progress.signals
            ),
            retryable: false,
        }
        .into());
    }
    Ok(report)
}
