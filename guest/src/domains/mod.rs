//! The 16 domain adapters, one module each, all built on [`crate::adapter`]:
//! typed records ([`signal`], [`schedule`], [`recent`], [`strategy`], [`risk`], [`partial`],
//! [`breakeven`], [`candle`]) and JSON-text records checked against their schema
//! ([`storage_signals`], [`notification`], [`log`], [`measure`], [`interval`], [`memory`],
//! [`state`], [`session`]).

// signal and schedule share signal_rows' adapter, partial and breakeven levels', measure and
// interval soft_delete's, storage and notification collection's: each pair differs only in
// names and record types.
pub mod breakeven;
pub mod candle;
pub mod collection;
pub mod interval;
pub mod levels;
pub mod log;
pub mod measure;
pub mod memory;
pub mod notification;
pub mod partial;
pub mod recent;
pub mod risk;
pub mod schedule;
pub mod session;
pub mod signal;
pub mod signal_rows;
pub mod soft_delete;
pub mod state;
pub mod storage_signals;
pub mod strategy;
