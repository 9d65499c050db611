//! Strategy plugins: components that target `wit/strategy/`, run untrusted.
//!
//! - [`sandbox`]: loading a plugin (its imports vetted), and calling it in a store of its own
//!   with fuel, an epoch deadline, and memory and stack caps.
//! - [`imports`]: what a plugin may import: its key-value state and a logger.
//! - [`bindings`]: the types generated from `wit/strategy/`.
//!
//! A plugin shares nothing with the persist guest: another engine, another store, another
//! memory, and no `storage` import. Its state reaches persist only through the runner
//! ([`crate::live`]), which keeps it beside its own progress.

pub mod bindings;
pub mod imports;
pub mod sandbox;

pub use bindings::backtest::strategy::types::{Candle, Position, Signal};
pub use imports::PluginState;
pub use sandbox::{Limits, Plugin};
