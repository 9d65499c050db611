//! Loading a plugin and calling it under limits.
//!
//! Each plugin gets an engine and a store of its own: an empty WASI context (no files,
//! network, environment or inherited stdio), fuel per call, a wall-clock deadline per call
//! (epoch interruption), a memory cap and a stack cap. Its imports are checked before it is
//! instantiated: anything beyond its state, its logger and WASI's basic interfaces refuses the
//! plugin, naming the import. A call that breaks a limit is an error naming the plugin and
//! the limit; the plugin is not called again.

use super::Signal;
use super::bindings::{self, backtest::strategy::types::Candle};
use super::imports::{MemoryCap, PluginHost, PluginState};
use crate::RunError;
use persist_embed::component_cache;
use persist_embed::error::Error;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, Store, Trap};
use wasmtime_wasi::WasiCtx;

/// The limits of one plugin call.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Fuel per call (roughly one unit per wasm instruction); 0 turns the fuel limit off.
    pub fuel: u64,
    /// Most linear memory the plugin may have, in bytes.
    pub memory_bytes: usize,
    /// Wall-clock time a call may take.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 100_000_000,
            memory_bytes: 64 << 20,
            timeout: Duration::from_millis(1000),
        }
    }
}

/// The wasm stack a plugin call may use.
const STACK_BYTES: usize = 512 << 10;
/// How often the deadline clock ticks.
const TICK: Duration = Duration::from_millis(10);

/// Interfaces a plugin may import (versions aside). WASI's are served from an empty context.
const OFFERED: [&str; 3] = [
    "backtest:strategy/state",
    "backtest:strategy/log",
    "backtest:strategy/types",
];
const OFFERED_WASI: [&str; 5] = [
    "wasi:cli/",
    "wasi:io/",
    "wasi:clocks/",
    "wasi:random/",
    "wasi:filesystem/",
];

/// A loaded plugin, ready to be asked for signals.
pub struct Plugin {
    name: String,
    limits: Limits,
    store: Store<PluginHost>,
    instance: bindings::Plugin,
    ticker: Arc<AtomicBool>,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        self.ticker.store(true, Ordering::Relaxed);
    }
}

fn refused(name: &str, why: String) -> RunError {
    RunError::Plugin(format!("plugin {name} refused: {why}"))
}

/// Whether a plugin may import `import` (an instance name such as `wasi:io/streams@0.2.6`).
fn offered(import: &str) -> bool {
    let unversioned = import.split('@').next().unwrap_or(import);
    OFFERED.contains(&unversioned) || OFFERED_WASI.iter().any(|p| unversioned.starts_with(p))
}

impl Plugin {
    /// Loads the plugin component at `path`; its name in messages is the file's stem.
    pub fn load(path: &Path, limits: Limits) -> Result<Plugin, RunError> {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let wasm = std::fs::read(path)
            .map_err(|e| Error::Setup(format!("cannot read the plugin {}: {e}", path.display())))?;
        Plugin::from_bytes(&name, &wasm, limits)
    }

    /// Loads a plugin component from its bytes.
    pub fn from_bytes(name: &str, wasm: &[u8], limits: Limits) -> Result<Plugin, RunError> {
        let mut config = Config::new();
        config
            .consume_fuel(true)
            .epoch_interruption(true)
            .max_wasm_stack(STACK_BYTES);
        let engine = Engine::new(&config)
            .map_err(|e| Error::Setup(format!("cannot create the plugin engine: {e:#}")))?;
        let sha256: String = Sha256::digest(wasm)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let component = component_cache::load_or_compile(&engine, wasm, &sha256)
            .map_err(|e| refused(name, format!("not a valid component: {e:#}")))?;
        for (import, _) in component.component_type().imports(&engine) {
            if !offered(import) {
                return Err(refused(
                    name,
                    format!(
                        "it imports `{import}`, which plugins are not given. A plugin may \
                         import only {}, and WASI's cli, io, clocks, random and filesystem \
                         interfaces (with no files, network or environment)",
                        OFFERED[..2].join(", ")
                    ),
                ));
            }
        }
        let mut linker: Linker<PluginHost> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(Error::guest)?;
        bindings::Plugin::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(Error::guest)?;
        let pre = linker.instantiate_pre(&component).map_err(|e| {
            refused(
                name,
                format!("its imports do not fit the strategy world: {e:#}"),
            )
        })?;
        let pre = bindings::PluginPre::new(pre).map_err(|e| {
            refused(
                name,
                format!("it does not export the strategy world: {e:#}"),
            )
        })?;
        let host = PluginHost {
            name: name.to_string(),
            wasi: WasiCtx::builder().build(),
            table: wasmtime::component::ResourceTable::new(),
            limits: MemoryCap {
                max_bytes: limits.memory_bytes,
                hit: false,
            },
            state: PluginState::new(),
        };
        let mut store = Store::new(&engine, host);
        store.limiter(|h| &mut h.limits);
        let ticker = start_ticker(&engine);
        arm(&mut store, &limits)?;
        let instance = match pre.instantiate(&mut store) {
            Ok(instance) => instance,
            Err(e) => {
                ticker.store(true, Ordering::Relaxed);
                return Err(stopped(name, &limits, &store, "while starting", e));
            }
        };
        Ok(Plugin {
            name: name.to_string(),
            limits,
            store,
            instance,
            ticker,
        })
    }

    /// The plugin's name in messages (its file's stem).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Asks the plugin for a signal. `state` is the plugin's state before the call; the
    /// state after it is returned with the answer. A broken limit, a trap or an error the
    /// plugin returns is a [`RunError::Plugin`]; the plugin must not be called again then.
    pub fn get_signal(
        &mut self,
        symbol: &str,
        when: i64,
        candles: &[Candle],
        state: &PluginState,
    ) -> Result<(Option<Signal>, PluginState), RunError> {
        self.store.data_mut().state = state.clone();
        arm(&mut self.store, &self.limits)?;
        let answer = self.instance.backtest_strategy_strategy().call_get_signal(
            &mut self.store,
            symbol,
            when,
            candles,
        );
        let at = format!("in get-signal for {symbol} at {when}");
        match answer {
            Ok(Ok(signal)) => Ok((signal, std::mem::take(&mut self.store.data_mut().state))),
            Ok(Err(words)) => Err(RunError::Plugin(format!(
                "plugin {} failed {at}: {words}",
                self.name
            ))),
            Err(e) => Err(stopped(&self.name, &self.limits, &self.store, &at, e)),
        }
    }

    /// Fuel used by the last call.
    pub fn fuel_used(&self) -> Option<u64> {
        let left = self.store.get_fuel().ok()?;
        (self.limits.fuel > 0).then(|| self.limits.fuel - left)
    }
}

/// Fills the store's fuel and sets its deadline for the next call.
fn arm(store: &mut Store<PluginHost>, limits: &Limits) -> Result<(), RunError> {
    store
        .set_fuel(if limits.fuel == 0 {
            u64::MAX
        } else {
            limits.fuel
        })
        .map_err(Error::guest)?;
    let ticks = limits.timeout.as_millis().div_ceil(TICK.as_millis()) + 1;
    store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
    Ok(())
}

/// The error for a call that trapped: which limit it broke, or the trap itself.
fn stopped(
    name: &str,
    limits: &Limits,
    store: &Store<PluginHost>,
    at: &str,
    e: wasmtime::Error,
) -> RunError {
    let why = if store.data().limits.hit {
        format!(
            "reached its memory limit of {} MiB (--memory-mb)",
            limits.memory_bytes >> 20
        )
    } else {
        match e.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => {
                format!("ran out of fuel: {} units per call (--fuel)", limits.fuel)
            }
            Some(Trap::Interrupt) => format!(
                "ran past its time limit of {} ms per call (--timeout-ms)",
                limits.timeout.as_millis()
            ),
            Some(Trap::StackOverflow) => {
                format!("overflowed its stack of {} KiB", STACK_BYTES >> 10)
            }
            Some(trap) => {
                let top = e.downcast_ref::<wasmtime::WasmBacktrace>().and_then(|bt| {
                    bt.frames()
                        .first()
                        .and_then(|f| f.func_name().map(str::to_string))
                });
                match top {
                    Some(func) => format!("trapped: {trap} (in {func})"),
                    None => format!("trapped: {trap}"),
                }
            }
            None => format!("trapped: {e:#}"),
        }
    };
    RunError::Plugin(format!("plugin {name} stopped {at}: it {why}"))
}

/// A thread that moves the engine's epoch every [`TICK`] until the flag is set.
fn start_ticker(engine: &Engine) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let (engine, flag) = (engine.clone(), stop.clone());
    std::thread::spawn(move || {
        while !flag.load(Ordering::Relaxed) {
            std::thread::sleep(TICK);
            engine.increment_epoch();
        }
    });
    stop
}
