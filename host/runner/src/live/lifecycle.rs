//! backtest-kit's live signal lifecycle, one candle at a time.
//!
//! - No active signal: the plugin is asked. A signal without a price-open opens at the
//!   candle's close; one with a price-open the candle already reached opens too; any other is
//!   scheduled.
//! - A scheduled signal opens when a candle reaches its price-open, and is cancelled when a
//!   candle reaches its stop-loss first (or in the same candle), when it has waited
//!   [`SCHEDULE_AWAIT_MINUTES`], or when the risk limit has no free slot at activation.
//! - An open signal closes on its stop-loss (checked first: the cautious reading of a candle
//!   that touched both), its take-profit, or when its time is up (at the candle's close).
//!   Until then its partial profit and loss levels (10 % … 100 % of the way to the
//!   take-profit or the stop-loss, at the close) and its breakeven are tracked.
//!
//! Each change is returned as the domain writes backtest-kit's live mode makes, in its order:
//! the deferred row goes to the Strategy domain before the Signal or Schedule is cleared.

use super::Context;
use super::journal::{Close, Status, StorageRow, Write, storage_json};
use crate::RunError;
use crate::plugin::{self, Candle, Signal};
use persist_embed::records::{
    BreakevenLevel, PartialLevels, Position, RiskEntry, RiskPosition, SignalRow, StrategyData,
};
use persist_embed::session::Persist;

/// Minutes a scheduled signal waits for its price (backtest-kit's `CC_SCHEDULE_AWAIT_MINUTES`).
pub const SCHEDULE_AWAIT_MINUTES: f64 = 120.0;
/// Fee per side, in percent of the position.
pub const FEE_PERCENT: f64 = 0.1;
/// Money put into each position (backtest-kit's default entry cost).
pub const POSITION_COST: f64 = 100.0;
/// Breakeven is reached when the close is this far into profit: both fees covered.
const BREAKEVEN_PERCENT: f64 = 2.0 * FEE_PERCENT;

/// The signals of one symbol, strategy and exchange, as the domains hold them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Book {
    /// The open signal.
    pub pending: Option<SignalRow>,
    /// The scheduled signal, waiting for its entry price.
    pub scheduled: Option<SignalRow>,
    /// The open signal's partial levels reached.
    pub partial: Option<PartialLevels>,
    /// Whether the open signal reached breakeven.
    pub breakeven: bool,
}

impl Book {
    /// The ids of the signals the book holds (open, scheduled).
    pub fn signal_ids(&self) -> Vec<String> {
        self.pending
            .iter()
            .chain(self.scheduled.iter())
            .map(|row| row.id.clone())
            .collect()
    }

    /// The book as persisted.
    pub fn restore(persist: &mut Persist, ctx: &Context) -> Result<Book, RunError> {
        let (symbol, strategy, exchange) = (&ctx.symbol, &ctx.strategy_name, &ctx.exchange_name);
        let pending = persist
            .signal(symbol, strategy, exchange)
            .read_signal_data()?;
        let scheduled = persist
            .schedule(symbol, strategy, exchange)
            .read_schedule_data()?;
        let (mut partial, mut breakeven) = (None, false);
        if let Some(p) = &pending {
            partial = persist
                .partial(symbol, strategy, exchange)
                .read_partial_data(&p.id, 0.0)?
                .into_iter()
                .find(|l| l.signal_id == p.id);
            breakeven = persist
                .breakeven(symbol, strategy, exchange)
                .read_breakeven_data(&p.id, 0.0)?
                .iter()
                .any(|l| l.signal_id == p.id && l.reached);
        }
        Ok(Book {
            pending,
            scheduled,
            partial,
            breakeven,
        })
    }

    /// Whether the plugin is to be asked for a signal.
    pub fn is_idle(&self) -> bool {
        self.pending.is_none() && self.scheduled.is_none()
    }
}

/// Refuses a signal with nonsense prices, naming the plugin and the rule.
pub fn check_signal(plugin: &str, at: &str, s: &Signal, price: f64) -> Result<(), RunError> {
    let refuse = |rule: String| {
        Err(RunError::Plugin(format!(
            "plugin {plugin} returned a signal the runner refuses {at}: {rule}"
        )))
    };
    let open = s.price_open.unwrap_or(price);
    for (field, value) in [
        ("price-open", open),
        ("take-profit", s.take_profit),
        ("stop-loss", s.stop_loss),
    ] {
        if !(value.is_finite() && value > 0.0) {
            return refuse(format!("{field} {value} is not a price above zero"));
        }
    }
    let (tp, sl) = (s.take_profit, s.stop_loss);
    match s.position {
        plugin::Position::Long if !(sl < open && open < tp) => refuse(format!(
            "a long needs stop-loss < open < take-profit, got {sl} / {open} / {tp}"
        )),
        plugin::Position::Short if !(tp < open && open < sl) => refuse(format!(
            "a short needs take-profit < open < stop-loss, got {tp} / {open} / {sl}"
        )),
        _ => match s.minute_estimated_time {
            Some(0) => refuse("minute-estimated-time 0: a position needs at least a minute".into()),
            _ => Ok(()),
        },
    }
}

/// What one candle does to the book, as writes; `signal` is the plugin's answer when the
/// book was idle (already checked).
pub fn step(
    persist: &mut Persist,
    ctx: &Context,
    book: &mut Book,
    candle: &Candle,
    when: i64,
    signal: Option<Signal>,
) -> Result<Vec<Write>, RunError> {
    let mut writes = Vec::new();
    let now = when as f64;
    if let Some(signal) = signal {
        let row = new_row(ctx, &signal, candle.close, now);
        let reached = signal.price_open.is_none_or(|open| match signal.position {
            plugin::Position::Long => candle.low <= open,
            plugin::Position::Short => candle.high >= open,
        });
        if reached {
            open(
                persist,
                ctx,
                book,
                row,
                candle.close,
                now,
                None,
                &mut writes,
            )?;
        } else {
            let mut row = row;
            row.is_scheduled = Some(true);
            writes.push(Write::Schedule(Some(row.clone())));
            writes.push(storage(
                persist,
                &row,
                Status::Scheduled,
                candle.close,
                now,
                None,
            )?);
            book.scheduled = Some(row);
        }
    } else if let Some(row) = book.scheduled.clone() {
        let long = row.position == Position::Long;
        let stop_hit = if long {
            candle.low <= row.price_stop_loss
        } else {
            candle.high >= row.price_stop_loss
        };
        let open_hit = if long {
            candle.low <= row.price_open
        } else {
            candle.high >= row.price_open
        };
        let waited = now - row.scheduled_at.unwrap_or(now) >= SCHEDULE_AWAIT_MINUTES * 60_000.0;
        if stop_hit || (!open_hit && waited) {
            cancel(persist, ctx, book, row, candle.close, now, &mut writes)?;
        } else if open_hit {
            let mut active = row.clone();
            active.is_scheduled = Some(false);
            active.pending_at = Some(now);
            let opened = open(
                persist,
                ctx,
                book,
                active,
                candle.close,
                now,
                Some(row.clone()),
                &mut writes,
            )?;
            if !opened {
                cancel(persist, ctx, book, row, candle.close, now, &mut writes)?;
            }
        }
    } else if let Some(row) = book.pending.clone() {
        let long = row.position == Position::Long;
        let (tp, sl) = (row.price_take_profit, row.price_stop_loss);
        let exit = if (long && candle.low <= sl) || (!long && candle.high >= sl) {
            Some(("stop_loss", sl))
        } else if (long && candle.high >= tp) || (!long && candle.low <= tp) {
            Some(("take_profit", tp))
        } else if now >= row.pending_at.unwrap_or(now) + row.minute_estimated_time * 60_000.0 {
            Some(("time_expired", candle.close))
        } else {
            None
        };
        match exit {
            Some((reason, price)) => close(persist, book, row, reason, price, now, &mut writes)?,
            None => track(ctx, book, &row, candle.close, &mut writes),
        }
    }
    Ok(writes)
}

fn new_row(ctx: &Context, s: &Signal, price: f64, now: f64) -> SignalRow {
    SignalRow {
        id: format!(
            "{}-{}-{}-{}",
            ctx.strategy_name, ctx.exchange_name, ctx.symbol, now as i64
        ),
        position: match s.position {
            plugin::Position::Long => Position::Long,
            plugin::Position::Short => Position::Short,
        },
        note: (!s.note.is_empty()).then(|| s.note.clone()),
        price_open: s.price_open.unwrap_or(price),
        price_take_profit: s.take_profit,
        price_stop_loss: s.stop_loss,
        minute_estimated_time: s.minute_estimated_time.map_or(f64::INFINITY, f64::from),
        cost: Some(POSITION_COST),
        multiplier: persist_core::records::signal::DEFAULT_MULTIPLIER,
        isolated: persist_core::records::signal::DEFAULT_ISOLATED,
        exchange_name: ctx.exchange_name.clone(),
        strategy_name: ctx.strategy_name.clone(),
        frame_name: Some(String::new()),
        scheduled_at: Some(now),
        pending_at: Some(now),
        symbol: ctx.symbol.clone(),
        is_scheduled: Some(false),
        peak: None,
        fall: None,
        timestamp: Some(now),
        partial: None,
        trailing_price_stop_loss: None,
        trailing_price_take_profit: None,
        entry: None,
        extra: String::new(),
    }
}

fn strategy_data(pending: Option<&str>, last_pending: Option<&str>) -> StrategyData {
    StrategyData {
        pending_signal_id: pending.map(str::to_string),
        last_pending_id: last_pending.map(str::to_string),
        created_signal: None,
        commit_queue: Vec::new(),
        closed_signal: None,
        cancelled_signal: None,
        activated_signal: None,
        take_profit_signal: None,
        stop_loss_signal: None,
        retry_open_signal: None,
        retry_open_count: 0.0,
        retry_close_count: 0.0,
        is_paused: false,
        extra: String::new(),
    }
}

fn storage(
    persist: &mut Persist,
    row: &SignalRow,
    status: Status,
    price: f64,
    now: f64,
    close: Option<Close>,
) -> Result<Write, RunError> {
    let created_at = row.scheduled_at.unwrap_or(now);
    let text = storage_json(
        persist,
        &StorageRow {
            row: row.clone(),
            status,
            created_at,
            updated_at: now,
            current_price: price,
            close,
        },
    )?;
    Ok(Write::Storage(text))
}

fn risk_key(ctx: &Context) -> String {
    format!("{}_{}_{}", ctx.strategy_name, ctx.exchange_name, ctx.symbol)
}

/// Takes this run's slot in the shared risk profile by compare-and-swap, only while fewer
/// than `max_positions` other runs hold one; `None` when the profile is full. Runs sharing
/// the profile from other processes never lose each other's slots.
fn take_slot(
    persist: &mut Persist,
    ctx: &Context,
    row: &SignalRow,
    now: f64,
) -> Result<Option<RiskEntry>, RunError> {
    let entry = RiskEntry {
        key: risk_key(ctx),
        position: RiskPosition {
            strategy_name: ctx.strategy_name.clone(),
            exchange_name: ctx.exchange_name.clone(),
            frame_name: String::new(),
            symbol: ctx.symbol.clone(),
            position: row.position,
            price_open: row.price_open,
            price_stop_loss: row.price_stop_loss,
            price_take_profit: row.price_take_profit,
            minute_estimated_time: row.minute_estimated_time,
            open_timestamp: now,
            extra: String::new(),
        },
    };
    let max = u32::try_from(ctx.max_positions).unwrap_or(u32::MAX);
    let taken = persist
        .risk(&ctx.risk_name, &ctx.exchange_name)
        .put_position(&entry.key, Some(&entry.position), Some(max))?;
    Ok(taken.then_some(entry))
}

/// Sets this run's slot in the shared risk profile to what `positions` holds for it (none:
/// frees it), by compare-and-swap, leaving the other runs' slots as they are.
pub fn set_slot(
    persist: &mut Persist,
    ctx: &Context,
    positions: &[RiskEntry],
) -> Result<(), RunError> {
    let key = risk_key(ctx);
    let own = positions.iter().find(|e| e.key == key).map(|e| &e.position);
    persist
        .risk(&ctx.risk_name, &ctx.exchange_name)
        .put_position(&key, own, None)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn open(
    persist: &mut Persist,
    ctx: &Context,
    book: &mut Book,
    row: SignalRow,
    price: f64,
    now: f64,
    activated: Option<SignalRow>,
    writes: &mut Vec<Write>,
) -> Result<bool, RunError> {
    let Some(slot) = take_slot(persist, ctx, &row, now)? else {
        tracing::info!(symbol = %ctx.symbol, "risk limit {} reached: signal not opened", ctx.max_positions);
        return Ok(false);
    };
    if let Some(scheduled) = &activated {
        let mut deferred = strategy_data(None, None);
        deferred.activated_signal = Some(scheduled.clone());
        writes.push(Write::Strategy(Box::new(deferred)));
        writes.push(Write::Schedule(None));
        book.scheduled = None;
    }
    writes.push(Write::Risk(vec![slot]));
    writes.push(Write::Signal(Some(row.clone())));
    writes.push(storage(persist, &row, Status::Opened, price, now, None)?);
    writes.push(Write::Strategy(Box::new(strategy_data(
        Some(&row.id),
        Some(&row.id),
    ))));
    book.pending = Some(row);
    book.partial = None;
    book.breakeven = false;
    Ok(true)
}

fn cancel(
    persist: &mut Persist,
    _ctx: &Context,
    book: &mut Book,
    row: SignalRow,
    price: f64,
    now: f64,
    writes: &mut Vec<Write>,
) -> Result<(), RunError> {
    let mut deferred = strategy_data(None, None);
    deferred.cancelled_signal = Some(row.clone());
    writes.push(Write::Strategy(Box::new(deferred)));
    writes.push(Write::Schedule(None));
    writes.push(storage(persist, &row, Status::Cancelled, price, now, None)?);
    writes.push(Write::Strategy(Box::new(strategy_data(None, None))));
    book.scheduled = None;
    Ok(())
}

/// PnL in percent of the position, fees of both sides taken off.
pub fn pnl_percent(position: Position, open: f64, close: f64) -> f64 {
    let gross = match position {
        Position::Long => (close / open - 1.0) * 100.0,
        Position::Short => (1.0 - close / open) * 100.0,
    };
    gross - 2.0 * FEE_PERCENT
}

#[allow(clippy::too_many_arguments)]
fn close(
    persist: &mut Persist,
    book: &mut Book,
    row: SignalRow,
    reason: &'static str,
    price: f64,
    now: f64,
    writes: &mut Vec<Write>,
) -> Result<(), RunError> {
    let mut deferred = strategy_data(Some(&row.id), Some(&row.id));
    match reason {
        "take_profit" => deferred.take_profit_signal = Some(row.clone()),
        "stop_loss" => deferred.stop_loss_signal = Some(row.clone()),
        _ => deferred.closed_signal = Some(row.clone()),
    }
    // Write-ahead: the close is on record before the signal is cleared.
    writes.push(Write::Strategy(Box::new(deferred)));
    let pnl_percentage = pnl_percent(row.position, row.price_open, price);
    let closing = Close {
        reason,
        timestamp: now,
        pnl_percentage,
        pnl_cost: row.cost.unwrap_or(POSITION_COST) * pnl_percentage / 100.0,
    };
    writes.push(storage(
        persist,
        &row,
        Status::Closed,
        price,
        now,
        Some(closing),
    )?);
    writes.push(Write::Signal(None));
    // This run's slot freed; the other runs' are left as they are.
    writes.push(Write::Risk(Vec::new()));
    writes.push(Write::Partial {
        signal_id: row.id.clone(),
        levels: Vec::new(),
    });
    writes.push(Write::Breakeven {
        signal_id: row.id.clone(),
        levels: Vec::new(),
    });
    writes.push(Write::Strategy(Box::new(strategy_data(
        None,
        Some(&row.id),
    ))));
    book.pending = None;
    book.partial = None;
    book.breakeven = false;
    Ok(())
}

/// Partial levels and breakeven of an open signal at `price`.
fn track(_ctx: &Context, book: &mut Book, row: &SignalRow, price: f64, writes: &mut Vec<Write>) {
    let toward = |target: f64| ((price - row.price_open) / (target - row.price_open)).max(0.0);
    let reached = |share: f64| -> Vec<u8> {
        let top = ((share * 10.0).floor() as i64).clamp(0, 10) as u8;
        (1..=top).map(|l| l * 10).collect()
    };
    let profit = reached(toward(row.price_take_profit));
    let loss = reached(toward(row.price_stop_loss));
    let mut levels = book.partial.clone().unwrap_or(PartialLevels {
        signal_id: row.id.clone(),
        profit_levels: Vec::new(),
        loss_levels: Vec::new(),
        extra: String::new(),
    });
    let mut changed = false;
    for (have, now) in [
        (&mut levels.profit_levels, profit),
        (&mut levels.loss_levels, loss),
    ] {
        for level in now {
            if !have.contains(&level) {
                have.push(level);
                changed = true;
            }
        }
    }
    if changed {
        writes.push(Write::Partial {
            signal_id: row.id.clone(),
            levels: vec![levels.clone()],
        });
        book.partial = Some(levels);
    }
    if !book.breakeven
        && pnl_percent(row.position, row.price_open, price) + 2.0 * FEE_PERCENT >= BREAKEVEN_PERCENT
    {
        writes.push(Write::Breakeven {
            signal_id: row.id.clone(),
            levels: vec![BreakevenLevel {
                signal_id: row.id.clone(),
                reached: true,
                extra: String::new(),
            }],
        });
        book.breakeven = true;
    }
}
