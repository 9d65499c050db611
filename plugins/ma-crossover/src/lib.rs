//! A moving-average crossover: when the mean of the last 10 closes crosses above the mean of
//! the last 30, go long; when it crosses below, go short. Take-profit and stop-loss sit at
//! 2 % and 1 % of the entry, and a position may stay open for 4 hours.
//!
//! The strategy is a pure function of the candles, so a replay after a crash asks the same
//! question and gets the same answer.

wit_bindgen::generate!({
    world: "plugin",
    path: "../../wit/strategy",
});

pub use backtest::strategy::types::{Candle, Position, Signal};
use exports::backtest::strategy::strategy::Guest;

const FAST: usize = 10;
const SLOW: usize = 30;
const TAKE_PROFIT: f64 = 0.02;
const STOP_LOSS: f64 = 0.01;
const MINUTES: u32 = 240;

pub struct MaCrossover;

impl Guest for MaCrossover {
    fn get_signal(
        _symbol: String,
        _when: i64,
        candles: Vec<Candle>,
    ) -> Result<Option<Signal>, String> {
        Ok(decide(&candles))
    }
}

/// The signal for the last of `candles`, if the averages crossed on it.
pub fn decide(candles: &[Candle]) -> Option<Signal> {
    if candles.len() < SLOW + 1 {
        return None;
    }
    let mean = |end: usize, n: usize| {
        candles[end - n..end].iter().map(|c| c.close).sum::<f64>() / n as f64
    };
    let now = candles.len();
    let before = now - 1;
    let above_now = mean(now, FAST) > mean(now, SLOW);
    let above_before = mean(before, FAST) > mean(before, SLOW);
    if above_now == above_before {
        return None;
    }
    let price = candles[now - 1].close;
    let (position, take_profit, stop_loss) = if above_now {
        (
            Position::Long,
            price * (1.0 + TAKE_PROFIT),
            price * (1.0 - STOP_LOSS),
        )
    } else {
        (
            Position::Short,
            price * (1.0 - TAKE_PROFIT),
            price * (1.0 + STOP_LOSS),
        )
    };
    Some(Signal {
        position,
        price_open: None,
        take_profit,
        stop_loss,
        minute_estimated_time: Some(MINUTES),
        note: format!(
            "ma{FAST} crossed {} ma{SLOW}",
            if above_now { "above" } else { "below" }
        ),
    })
}

#[cfg(target_arch = "wasm32")]
export!(MaCrossover);
