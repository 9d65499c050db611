//! The plugin part of `persist bench`: candles per second through `persist run`'s lifecycle
//! with the example moving-average plugin, beside the same strategy compiled natively into
//! this binary, on the memory store and on the file store, in the same run; and the cost of
//! one plugin call.

use crate::bench::Report;
use persist_embed::error::Error;
use persist_embed::runtime::Runtime;
use persist_embed::storage::{DEFAULT_MAX_DOCUMENT_BYTES, StoreUrl, open_url};
use persist_runner::RunError;
use persist_runner::live::{self, Context, Strategy};
use persist_runner::plugin::{Candle, Limits, Plugin, PluginState, Position, Signal};
use std::path::Path;
use std::time::Instant;

/// The example plugin the measurements run.
const PLUGIN: &[u8] = persist_plugins::MA_CROSSOVER_WASM;
/// The sample feed of the README: 4,320 one-minute candles.
const CANDLES: &str = include_str!("../../../examples/candles/BTCUSDT-1m.csv");
/// Runs of each kind; the median is reported.
const RUNS: usize = 3;
/// Plugin calls timed for the per-call cost.
const CALLS: u32 = 5_000;

fn setup(e: impl std::fmt::Display) -> Error {
    Error::Setup(format!("bench: {e}"))
}

/// The moving-average crossover compiled natively (the plugins/ma-crossover crate).
struct Native;

impl Strategy for Native {
    fn name(&self) -> &str {
        "ma_crossover"
    }

    fn get_signal(
        &mut self,
        _symbol: &str,
        _when: i64,
        candles: &[Candle],
        state: &PluginState,
    ) -> Result<(Option<Signal>, PluginState), RunError> {
        let window: Vec<ma_crossover::Candle> = candles
            .iter()
            .map(|c| ma_crossover::Candle {
                timestamp: c.timestamp,
                open: c.open,
                high: c.high,
                low: c.low,
                close: c.close,
                volume: c.volume,
            })
            .collect();
        let signal = ma_crossover::decide(&window).map(|s| Signal {
            position: match s.position {
                ma_crossover::Position::Long => Position::Long,
                ma_crossover::Position::Short => Position::Short,
            },
            price_open: s.price_open,
            take_profit: s.take_profit,
            stop_loss: s.stop_loss,
            minute_estimated_time: s.minute_estimated_time,
            note: s.note,
        });
        Ok((signal, state.clone()))
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub(crate) fn run(runtime: &Runtime, dir: &Path, report: &mut Report) -> Result<(), RunError> {
    let candles = live::candles::parse("the sample candles", CANDLES)?;
    let ctx = Context {
        symbol: "BTCUSDT".into(),
        strategy_name: "ma_crossover".into(),
        exchange_name: "binance".into(),
        risk_name: "bench".into(),
        max_positions: 1,
        interval_ms: 60_000,
        interval: "1m".into(),
    };
    for store in ["memory", "file"] {
        let (mut plugin_rates, mut native_rates) = (Vec::new(), Vec::new());
        for run in 0..RUNS {
            for native in [false, true] {
                let url = match store {
                    "memory" => StoreUrl::Memory,
                    _ => StoreUrl::File(dir.join(format!("plugin-{run}-{native}"))),
                };
                let backend = open_url(&url, DEFAULT_MAX_DOCUMENT_BYTES).map_err(setup)?;
                let mut persist = runtime.open(backend)?;
                let mut strategy: Box<dyn Strategy> = if native {
                    Box::new(Native)
                } else {
                    Box::new(Plugin::from_bytes(
                        "ma_crossover",
                        PLUGIN,
                        Limits::default(),
                    )?)
                };
                let t = Instant::now();
                let done = live::run(&mut persist, strategy.as_mut(), &candles, &ctx)?;
                let rate = candles.len() as f64 / t.elapsed().as_secs_f64();
                if done.trades.is_empty() {
                    return Err(setup("the example plugin made no trade on the sample").into());
                }
                if native {
                    &mut native_rates
                } else {
                    &mut plugin_rates
                }
                .push(rate);
            }
        }
        let (plugin, native) = (median(plugin_rates), median(native_rates));
        report.row(
            store,
            &format!(
                "persist run over {} candles: plugin vs native",
                candles.len()
            ),
            format!(
                "{plugin:.0} candles/s vs {native:.0} candles/s = {:.2}×",
                plugin / native
            ),
            &[
                (&format!("{store}.run_plugin.candles_per_s"), plugin),
                (&format!("{store}.run_native.candles_per_s"), native),
            ],
        );
    }

    // One call: a window of 100 candles in, no signal out (the usual answer).
    let mut plugin = Plugin::from_bytes("ma_crossover", PLUGIN, Limits::default())?;
    let state = PluginState::new();
    let window = &candles[..live::WINDOW];
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        for _ in 0..CALLS {
            plugin.get_signal("BTCUSDT", 0, window, &state)?;
        }
        times.push(t.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS));
    }
    let mut native = Native;
    let t = Instant::now();
    for _ in 0..CALLS {
        native.get_signal("BTCUSDT", 0, window, &state)?;
    }
    let native_call = t.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS);
    report.row(
        "plugin",
        &format!("one get-signal call with {} candles", live::WINDOW),
        format!(
            "{:.2} µs ({} fuel units; natively {native_call:.2} µs)",
            median(times.clone()),
            plugin.fuel_used().unwrap_or(0)
        ),
        &[
            ("plugin.get_signal.us", median(times)),
            ("plugin.get_signal_native.us", native_call),
        ],
    );
    Ok(())
}
