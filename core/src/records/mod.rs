//! The typed records of backtest-kit's domains, read from and written to backtest-kit's own
//! JSON (Infinity as `null`), with every refusal naming the field path.
//!
//! - [`signal`]: signal rows, pending and scheduled.
//! - [`strategy`]: `StrategyData` and its commit queue.
//! - [`trading`]: risk positions, partial and breakeven levels, candles.
//! - [`payloads`]: the records that cross as JSON text, checked against their schema.

pub mod payloads;
pub mod signal;
pub mod strategy;
pub mod trading;
