//! `persist run`: a strategy plugin driven over a candle feed through backtest-kit's live
//! signal lifecycle, every change persisted through the domains, so that a killed run picks
//! up where it stopped.
//!
//! - [`candles`]: reading and checking the feed.
//! - [`lifecycle`]: what a candle does to the signals, as domain writes.
//! - [`journal`]: the write-ahead record that makes each candle's writes all-or-nothing.
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
    let mut since_commit = 0;
    for (i, candle) in candles.iter().enumerate().skip(start) {
        let when = candle.timestamp + ctx.interval_ms;
        let mut signal = None;
        let mut state_changed = false;
        if book.is_idle() {
            let window = &candles[(i + 1).saturating_sub(WINDOW)..=i];
            let (answer, state) =
                strategy.get_signal(&ctx.symbol, when, window, &progress.plugin_state)?;
            if let Some(s) = &answer {
                let at = format!("for {} at {when}", ctx.symbol);
                lifecycle::check_signal(strategy.name(), &at, s, candle.close)?;
            }
            state_changed = state != progress.plugin_state;
            progress.plugin_state = state;
            signal = answer;
        }
        let known = book.signal_ids();
        let writes = lifecycle::step(persist, ctx, &mut book, candle, when, signal)?;
        progress.signals += journal::new_signals(&writes, &known);
        since_commit += 1;
        let last = i + 1 == candles.len();
        if !writes.is_empty() || state_changed || last || since_commit >= journal::CHECKPOINT {
            progress.last_candle = Some(candle.timestamp);
            progress.writes = writes;
            progress.book = Some(book.clone());
            journal::commit(persist, ctx, &progress)?;
            since_commit = 0;
        }
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
