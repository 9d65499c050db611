//! `persist run`: a strategy plugin, run untrusted in a sandbox, driven over a candle feed
//! through backtest-kit's live signal lifecycle; every change is persisted through the guest.
//!
//! - [`plugin`]: strategy plugins, loaded and called in a sandbox.
//! - [`live`]: the runner: the candle feed, the lifecycle, the write-ahead journal, the report.
//! - [`error`]: what a run can fail with.

pub mod error;
pub mod live;
pub mod plugin;

pub use error::RunError;
