//! Mean reversion with limit entries: when a close falls more than two standard deviations
//! below the mean of the last 20 closes, place a long a little below it (a scheduled signal)
//! with the mean as take-profit; the mirror image for a short. After each signal the strategy
//! rests for an hour, and that cool-down lives in the plugin's persisted state, so it
//! survives a restart of the runner.

wit_bindgen::generate!({
    world: "plugin",
    path: "../../wit/strategy",
});

use backtest::strategy::log::{Level, log};
use backtest::strategy::state;
pub use backtest::strategy::types::{Candle, Position, Signal};
use exports::backtest::strategy::strategy::Guest;

const WINDOW: usize = 20;
const BAND: f64 = 2.0;
const ENTRY_OFFSET: f64 = 0.002;
const STOP_LOSS: f64 = 0.015;
const MINUTES: u32 = 120;
const COOL_DOWN_MS: i64 = 60 * 60_000;
const COOL_DOWN_KEY: &str = "cool-down-until";

pub struct MeanReversion;

impl Guest for MeanReversion {
    fn get_signal(
        symbol: String,
        when: i64,
        candles: Vec<Candle>,
    ) -> Result<Option<Signal>, String> {
        let resting_until = state::get(COOL_DOWN_KEY)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|e| format!("state {COOL_DOWN_KEY}={v:?}: {e}"))
            })
            .transpose()?
            .unwrap_or(i64::MIN);
        if when < resting_until {
            return Ok(None);
        }
        let Some(signal) = decide(&candles) else {
            return Ok(None);
        };
        state::set(COOL_DOWN_KEY, &(when + COOL_DOWN_MS).to_string())?;
        log(Level::Info, &format!("{symbol}: {}", signal.note));
        Ok(Some(signal))
    }
}

/// The signal for the last of `candles`, if its close left the band.
pub fn decide(candles: &[Candle]) -> Option<Signal> {
    if candles.len() < WINDOW {
        return None;
    }
    let closes: Vec<f64> = candles[candles.len() - WINDOW..]
        .iter()
        .map(|c| c.close)
        .collect();
    let mean = closes.iter().sum::<f64>() / WINDOW as f64;
    let sd = (closes.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / WINDOW as f64).sqrt();
    let close = closes[WINDOW - 1];
    if sd == 0.0 {
        return None;
    }
    let z = (close - mean) / sd;
    if z < -BAND {
        let open = close * (1.0 - ENTRY_OFFSET);
        Some(Signal {
            position: Position::Long,
            price_open: Some(open),
            take_profit: mean,
            stop_loss: open * (1.0 - STOP_LOSS),
            minute_estimated_time: Some(MINUTES),
            note: format!("close {close:.2} is {:.1} sd below the mean {mean:.2}", -z),
        })
    } else if z > BAND {
        let open = close * (1.0 + ENTRY_OFFSET);
        Some(Signal {
            position: Position::Short,
            price_open: Some(open),
            take_profit: mean,
            stop_loss: open * (1.0 + STOP_LOSS),
            minute_estimated_time: Some(MINUTES),
            note: format!("close {close:.2} is {z:.1} sd above the mean {mean:.2}"),
        })
    } else {
        None
    }
}

#[cfg(target_arch = "wasm32")]
export!(MeanReversion);
