//! A plugin for the sandbox tests. On every call it first records the call in its state; from
//! the 40th candle on it misbehaves in the way its symbol names:
//!
//! - `LOOP`: never returns; `ALLOC`: allocates without end; `STACK`: recurses without end;
//! - `TRAP`: panics; `ERROR`: returns an error;
//! - `NAN`, `NEGATIVE`, `WRONG-SIDE`: returns a signal with nonsense prices;
//! - `SNOOP`: returns an error telling what of the machine it could see.
//!
//! Any other symbol behaves: it never signals.

wit_bindgen::generate!({
    world: "plugin",
    path: "../../../wit/strategy",
});

use backtest::strategy::state;
use backtest::strategy::types::{Candle, Position, Signal};
use exports::backtest::strategy::strategy::Guest;

/// Candles seen before the plugin misbehaves.
const GOOD_CALLS: usize = 40;

struct Misbehaving;

impl Guest for Misbehaving {
    fn get_signal(
        symbol: String,
        when: i64,
        candles: Vec<Candle>,
    ) -> Result<Option<Signal>, String> {
        state::set("last-call", &when.to_string())?;
        if candles.len() < GOOD_CALLS {
            return Ok(None);
        }
        let close = candles.last().map_or(100.0, |c| c.close);
        let signal = |take_profit: f64, stop_loss: f64| Signal {
            position: Position::Long,
            price_open: None,
            take_profit,
            stop_loss,
            minute_estimated_time: None,
            note: symbol.clone(),
        };
        match symbol.as_str() {
            "LOOP" => {
                let mut n = 0u64;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "ALLOC" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "STACK" => Ok(Some(signal(
                recurse(std::hint::black_box(1.0)),
                close * 0.9,
            ))),
            "TRAP" => panic!("the misbehaving plugin traps on purpose"),
            "ERROR" => Err("no data for this market".to_string()),
            "SNOOP" => Err(format!(
                "saw {} environment variables, {} arguments, {}",
                std::env::vars().count(),
                std::env::args().count(),
                match std::fs::read_dir("/") {
                    Ok(_) => "the file system",
                    Err(_) => "no file system",
                }
            )),
            "NAN" => Ok(Some(signal(f64::NAN, close * 0.9))),
            "NEGATIVE" => Ok(Some(signal(close * 1.1, -5.0))),
            "WRONG-SIDE" => Ok(Some(signal(close * 0.95, close * 0.9))),
            _ => Ok(None),
        }
    }
}

/// Recursion without end on the wasm stack (no frame in linear memory).
#[allow(unconditional_recursion)]
fn recurse(x: f64) -> f64 {
    recurse(std::hint::black_box(x) + 1.0) * x
}

#[cfg(target_arch = "wasm32")]
export!(Misbehaving);
