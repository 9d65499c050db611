//! The WIT records to and from `persist-core`'s typed records. Only the `extra` texts can be
//! refused here; every other rule is checked when the core record is written.

use crate::exports::backtest::persist::records as wit;
use persist_core::record::{Result, extra_text, index, join, parse_extra};
use persist_core::records::signal::{self as core_signal, PartialKind, Position};
use persist_core::records::strategy as core_strategy;
use persist_core::records::trading as core_trading;

fn position_in(p: wit::Position) -> Position {
    match p {
        wit::Position::Long => Position::Long,
        wit::Position::Short => Position::Short,
    }
}

fn position_out(p: Position) -> wit::Position {
    match p {
        Position::Long => wit::Position::Long,
        Position::Short => wit::Position::Short,
    }
}

fn extreme_in(path: &str, e: wit::Extreme) -> Result<core_signal::Extreme> {
    Ok(core_signal::Extreme {
        price: e.price,
        timestamp: e.timestamp,
        pnl: e.pnl.map(|p| core_signal::Pnl {
            pnl_percentage: p.pnl_percentage,
            price_open: p.price_open,
            price_close: p.price_close,
            pnl_cost: p.pnl_cost,
            pnl_entries: p.pnl_entries,
        }),
        extra: parse_extra(path, &e.extra)?,
    })
}

fn extreme_out(e: core_signal::Extreme) -> wit::Extreme {
    wit::Extreme {
        price: e.price,
        timestamp: e.timestamp,
        pnl: e.pnl.map(|p| wit::Pnl {
            pnl_percentage: p.pnl_percentage,
            price_open: p.price_open,
            price_close: p.price_close,
            pnl_cost: p.pnl_cost,
            pnl_entries: p.pnl_entries,
        }),
        extra: extra_text(&e.extra),
    }
}

pub fn signal_in(path: &str, r: wit::SignalRow) -> Result<core_signal::SignalRow> {
    Ok(core_signal::SignalRow {
        id: r.id,
        position: position_in(r.position),
        note: r.note,
        price_open: r.price_open,
        price_take_profit: r.price_take_profit,
        price_stop_loss: r.price_stop_loss,
        minute_estimated_time: r.minute_estimated_time,
        cost: r.cost,
        multiplier: r.multiplier,
        isolated: r.isolated,
        exchange_name: r.exchange_name,
        strategy_name: r.strategy_name,
        frame_name: r.frame_name,
        scheduled_at: r.scheduled_at,
        pending_at: r.pending_at,
        symbol: r.symbol,
        is_scheduled: r.is_scheduled,
        peak: r
            .peak
            .map(|e| extreme_in(&join(path, "_peak"), e))
            .transpose()?,
        fall: r
            .fall
            .map(|e| extreme_in(&join(path, "_fall"), e))
            .transpose()?,
        timestamp: r.timestamp,
        partial: r
            .partial
            .map(|items| {
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| {
                        Ok(core_signal::PartialClose {
                            kind: match p.kind {
                                wit::PartialKind::Profit => PartialKind::Profit,
                                wit::PartialKind::Loss => PartialKind::Loss,
                            },
                            percent: p.percent,
                            current_price: p.current_price,
                            cost_basis_at_close: p.cost_basis_at_close,
                            entry_count_at_close: p.entry_count_at_close,
                            timestamp: p.timestamp,
                            extra: parse_extra(&index(&join(path, "_partial"), i), &p.extra)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?,
        trailing_price_stop_loss: r.trailing_price_stop_loss,
        trailing_price_take_profit: r.trailing_price_take_profit,
        entry: r
            .entry
            .map(|items| {
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, e)| {
                        Ok(core_signal::Entry {
                            price: e.price,
                            cost: e.cost,
                            timestamp: e.timestamp,
                            extra: parse_extra(&index(&join(path, "_entry"), i), &e.extra)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?,
        extra: parse_extra(path, &r.extra)?,
    })
}

pub fn signal_out(r: core_signal::SignalRow) -> wit::SignalRow {
    wit::SignalRow {
        id: r.id,
        position: position_out(r.position),
        note: r.note,
        price_open: r.price_open,
        price_take_profit: r.price_take_profit,
        price_stop_loss: r.price_stop_loss,
        minute_estimated_time: r.minute_estimated_time,
        cost: r.cost,
        multiplier: r.multiplier,
        isolated: r.isolated,
        exchange_name: r.exchange_name,
        strategy_name: r.strategy_name,
        frame_name: r.frame_name,
        scheduled_at: r.scheduled_at,
        pending_at: r.pending_at,
        symbol: r.symbol,
        is_scheduled: r.is_scheduled,
        peak: r.peak.map(extreme_out),
        fall: r.fall.map(extreme_out),
        timestamp: r.timestamp,
        partial: r.partial.map(|items| {
            items
                .into_iter()
                .map(|p| wit::PartialClose {
                    kind: match p.kind {
                        PartialKind::Profit => wit::PartialKind::Profit,
                        PartialKind::Loss => wit::PartialKind::Loss,
                    },
                    percent: p.percent,
                    current_price: p.current_price,
                    cost_basis_at_close: p.cost_basis_at_close,
                    entry_count_at_close: p.entry_count_at_close,
                    timestamp: p.timestamp,
                    extra: extra_text(&p.extra),
                })
                .collect()
        }),
        trailing_price_stop_loss: r.trailing_price_stop_loss,
        trailing_price_take_profit: r.trailing_price_take_profit,
        entry: r.entry.map(|items| {
            items
                .into_iter()
                .map(|e| wit::Entry {
                    price: e.price,
                    cost: e.cost,
                    timestamp: e.timestamp,
                    extra: extra_text(&e.extra),
                })
                .collect()
        }),
        extra: extra_text(&r.extra),
    }
}

fn commit_action_in(a: wit::CommitAction) -> core_strategy::CommitAction {
    use core_strategy::CommitAction as Core;
    use wit::CommitAction as Wit;
    match a {
        Wit::PartialProfit => Core::PartialProfit,
        Wit::PartialLoss => Core::PartialLoss,
        Wit::Breakeven => Core::Breakeven,
        Wit::AverageBuy => Core::AverageBuy,
        Wit::TrailingStop => Core::TrailingStop,
        Wit::TrailingTake => Core::TrailingTake,
        Wit::ActivateScheduled => Core::ActivateScheduled,
    }
}

fn commit_action_out(a: core_strategy::CommitAction) -> wit::CommitAction {
    use core_strategy::CommitAction as Core;
    use wit::CommitAction as Wit;
    match a {
        Core::PartialProfit => Wit::PartialProfit,
        Core::PartialLoss => Wit::PartialLoss,
        Core::Breakeven => Wit::Breakeven,
        Core::AverageBuy => Wit::AverageBuy,
        Core::TrailingStop => Wit::TrailingStop,
        Core::TrailingTake => Wit::TrailingTake,
        Core::ActivateScheduled => Wit::ActivateScheduled,
    }
}

fn commit_in(path: &str, c: wit::Commit) -> Result<core_strategy::Commit> {
    Ok(core_strategy::Commit {
        action: commit_action_in(c.action),
        symbol: c.symbol,
        backtest: c.backtest,
        percent_to_close: c.percent_to_close,
        current_price: c.current_price,
        cost: c.cost,
        total_entries: c.total_entries,
        percent_shift: c.percent_shift,
        signal_id: c.signal_id,
        activate_id: c.activate_id,
        extra: parse_extra(path, &c.extra)?,
    })
}

fn commit_out(c: core_strategy::Commit) -> wit::Commit {
    wit::Commit {
        action: commit_action_out(c.action),
        symbol: c.symbol,
        backtest: c.backtest,
        percent_to_close: c.percent_to_close,
        current_price: c.current_price,
        cost: c.cost,
        total_entries: c.total_entries,
        percent_shift: c.percent_shift,
        signal_id: c.signal_id,
        activate_id: c.activate_id,
        extra: extra_text(&c.extra),
    }
}

pub fn strategy_in(path: &str, s: wit::StrategyData) -> Result<core_strategy::StrategyData> {
    let row = |name: &str, r: Option<wit::SignalRow>| {
        r.map(|r| signal_in(&join(path, name), r)).transpose()
    };
    Ok(core_strategy::StrategyData {
        pending_signal_id: s.pending_signal_id,
        last_pending_id: s.last_pending_id,
        created_signal: s
            .created_signal
            .map(|text| parse_extra(&join(path, "createdSignal"), &text))
            .transpose()?,
        commit_queue: s
            .commit_queue
            .into_iter()
            .enumerate()
            .map(|(i, c)| commit_in(&index(&join(path, "commitQueue"), i), c))
            .collect::<Result<Vec<_>>>()?,
        closed_signal: row("closedSignal", s.closed_signal)?,
        cancelled_signal: row("cancelledSignal", s.cancelled_signal)?,
        activated_signal: row("activatedSignal", s.activated_signal)?,
        take_profit_signal: row("takeProfitSignal", s.take_profit_signal)?,
        stop_loss_signal: row("stopLossSignal", s.stop_loss_signal)?,
        retry_open_signal: row("retryOpenSignal", s.retry_open_signal)?,
        retry_open_count: s.retry_open_count,
        retry_close_count: s.retry_close_count,
        is_paused: s.is_paused,
        extra: parse_extra(path, &s.extra)?,
    })
}

pub fn strategy_out(s: core_strategy::StrategyData) -> wit::StrategyData {
    wit::StrategyData {
        pending_signal_id: s.pending_signal_id,
        last_pending_id: s.last_pending_id,
        created_signal: s.created_signal.as_ref().map(extra_text),
        commit_queue: s.commit_queue.into_iter().map(commit_out).collect(),
        closed_signal: s.closed_signal.map(signal_out),
        cancelled_signal: s.cancelled_signal.map(signal_out),
        activated_signal: s.activated_signal.map(signal_out),
        take_profit_signal: s.take_profit_signal.map(signal_out),
        stop_loss_signal: s.stop_loss_signal.map(signal_out),
        retry_open_signal: s.retry_open_signal.map(signal_out),
        retry_open_count: s.retry_open_count,
        retry_close_count: s.retry_close_count,
        is_paused: s.is_paused,
        extra: extra_text(&s.extra),
    }
}

pub fn risk_in(path: &str, entries: Vec<wit::RiskEntry>) -> Result<core_trading::RiskData> {
    entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let p = e.position;
            Ok((
                e.key,
                core_trading::RiskPosition {
                    strategy_name: p.strategy_name,
                    exchange_name: p.exchange_name,
                    frame_name: p.frame_name,
                    symbol: p.symbol,
                    position: position_in(p.position),
                    price_open: p.price_open,
                    price_stop_loss: p.price_stop_loss,
                    price_take_profit: p.price_take_profit,
                    minute_estimated_time: p.minute_estimated_time,
                    open_timestamp: p.open_timestamp,
                    extra: parse_extra(&index(&index(path, i), 1), &p.extra)?,
                },
            ))
        })
        .collect()
}

pub fn risk_out(data: core_trading::RiskData) -> Vec<wit::RiskEntry> {
    data.into_iter()
        .map(|(key, p)| wit::RiskEntry {
            key,
            position: wit::RiskPosition {
                strategy_name: p.strategy_name,
                exchange_name: p.exchange_name,
                frame_name: p.frame_name,
                symbol: p.symbol,
                position: position_out(p.position),
                price_open: p.price_open,
                price_stop_loss: p.price_stop_loss,
                price_take_profit: p.price_take_profit,
                minute_estimated_time: p.minute_estimated_time,
                open_timestamp: p.open_timestamp,
                extra: extra_text(&p.extra),
            },
        })
        .collect()
}

pub fn partial_in(
    path: &str,
    items: Vec<wit::PartialLevels>,
) -> Result<core_trading::ById<core_trading::PartialLevels>> {
    items
        .into_iter()
        .map(|l| {
            let extra = parse_extra(&join(path, &l.signal_id), &l.extra)?;
            Ok((
                l.signal_id,
                core_trading::PartialLevels {
                    profit_levels: l.profit_levels,
                    loss_levels: l.loss_levels,
                    extra,
                },
            ))
        })
        .collect()
}

pub fn partial_out(
    data: core_trading::ById<core_trading::PartialLevels>,
) -> Vec<wit::PartialLevels> {
    data.into_iter()
        .map(|(signal_id, l)| wit::PartialLevels {
            signal_id,
            profit_levels: l.profit_levels,
            loss_levels: l.loss_levels,
            extra: extra_text(&l.extra),
        })
        .collect()
}

pub fn breakeven_in(
    path: &str,
    items: Vec<wit::BreakevenLevel>,
) -> Result<core_trading::ById<core_trading::BreakevenLevel>> {
    items
        .into_iter()
        .map(|l| {
            let extra = parse_extra(&join(path, &l.signal_id), &l.extra)?;
            Ok((
                l.signal_id,
                core_trading::BreakevenLevel {
                    reached: l.reached,
                    extra,
                },
            ))
        })
        .collect()
}

pub fn breakeven_out(
    data: core_trading::ById<core_trading::BreakevenLevel>,
) -> Vec<wit::BreakevenLevel> {
    data.into_iter()
        .map(|(signal_id, l)| wit::BreakevenLevel {
            signal_id,
            reached: l.reached,
            extra: extra_text(&l.extra),
        })
        .collect()
}

pub fn candle_in(path: &str, c: wit::Candle) -> Result<core_trading::Candle> {
    Ok(core_trading::Candle {
        timestamp: c.timestamp,
        open: c.open,
        high: c.high,
        low: c.low,
        close: c.close,
        volume: c.volume,
        extra: parse_extra(path, &c.extra)?,
    })
}

pub fn candle_out(c: core_trading::Candle) -> wit::Candle {
    wit::Candle {
        timestamp: c.timestamp,
        open: c.open,
        high: c.high,
        low: c.low,
        close: c.close,
        volume: c.volume,
        extra: extra_text(&c.extra),
    }
}
