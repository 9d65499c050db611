//! The host side of a plugin's imports: its key-value state, a logger, and WASI with an empty
//! context.

use super::bindings::backtest::strategy::{log, state, types};
use std::collections::BTreeMap;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Longest state key, in bytes.
pub const MAX_KEY_BYTES: usize = 256;
/// Most bytes of keys and values a plugin may keep.
pub const MAX_STATE_BYTES: usize = 64 << 10;
/// Longest log line kept, in bytes; longer ones are cut.
const MAX_LOG_BYTES: usize = 1024;

/// A plugin's key-value state: what it reads with `state.get` and changes with `state.set`.
pub type PluginState = BTreeMap<String, String>;

/// The data of a plugin's wasmtime store.
pub struct PluginHost {
    pub(crate) name: String,
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limits: MemoryCap,
    /// The state as the current call sees it; the runner keeps it only if the call succeeds.
    pub(crate) state: PluginState,
}

/// The memory cap, remembering whether a plugin hit it, so that the trap can say so.
pub struct MemoryCap {
    pub(crate) max_bytes: usize,
    pub(crate) hit: bool,
}

impl wasmtime::ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.hit = true;
            wasmtime::bail!("memory cap of {} bytes reached", self.max_bytes);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

fn state_bytes(state: &PluginState) -> usize {
    state.iter().map(|(k, v)| k.len() + v.len()).sum()
}

impl state::Host for PluginHost {
    fn get(&mut self, key: String) -> Option<String> {
        self.state.get(&key).cloned()
    }

    fn set(&mut self, key: String, value: String) -> Result<(), String> {
        if key.is_empty() || key.len() > MAX_KEY_BYTES {
            return Err(format!(
                "state key of {} bytes refused: a key has 1 to {MAX_KEY_BYTES} bytes",
                key.len()
            ));
        }
        let old = self.state.get(&key).map_or(0, |v| key.len() + v.len());
        let total = state_bytes(&self.state) - old + key.len() + value.len();
        if total > MAX_STATE_BYTES {
            return Err(format!(
                "state {key:?} refused: the plugin's state would hold {total} bytes, over its \
                 cap of {MAX_STATE_BYTES}"
            ));
        }
        self.state.insert(key, value);
        Ok(())
    }

    fn remove(&mut self, key: String) {
        self.state.remove(&key);
    }
}

impl log::Host for PluginHost {
    fn log(&mut self, level: log::Level, mut message: String) {
        if message.len() > MAX_LOG_BYTES {
            let mut cut = MAX_LOG_BYTES;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push('…');
        }
        let plugin = self.name.as_str();
        match level {
            log::Level::Debug => tracing::debug!(plugin, "{message}"),
            log::Level::Info => tracing::info!(plugin, "{message}"),
            log::Level::Warn => tracing::warn!(plugin, "{message}"),
            log::Level::Error => tracing::error!(plugin, "{message}"),
        }
    }
}

impl types::Host for PluginHost {}

impl WasiView for PluginHost {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use state::Host as _;

    fn host() -> PluginHost {
        PluginHost {
            name: "p".into(),
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
            limits: MemoryCap {
                max_bytes: 1 << 20,
                hit: false,
            },
            state: PluginState::new(),
        }
    }

    #[test]
    fn state_keys_and_size_are_capped_and_a_refused_set_changes_nothing() {
        let mut h = host();
        assert_eq!(h.set("k".into(), "v".into()), Ok(()));
        assert_eq!(h.get("k".into()), Some("v".into()));

        let err = h.set(String::new(), "v".into()).unwrap_err();
        assert!(err.contains("a key has 1 to 256 bytes"), "{err}");
        let err = h.set("x".repeat(257), "v".into()).unwrap_err();
        assert!(err.contains("state key of 257 bytes refused"), "{err}");

        let big = "x".repeat(MAX_STATE_BYTES);
        let err = h.set("big".into(), big).unwrap_err();
        assert!(err.contains("over its cap of 65536"), "{err}");
        assert_eq!(h.state.len(), 1);

        // Replacing a value counts the new size only.
        let fits = "y".repeat(MAX_STATE_BYTES - 1);
        assert_eq!(h.set("k".into(), fits), Ok(()));
        h.remove("k".into());
        assert_eq!(h.get("k".into()), None);
    }
}
