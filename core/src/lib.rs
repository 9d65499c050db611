//! The plain-Rust rules of persist, with no I/O and no WebAssembly: compiled into the guest
//! component and used by the host, and unit-tested natively.
//!
//! - [`keys`]: what an entity path and an id may be, and the reversible escape.
//! - [`fast_json`]: the one-pass shortcut of both for ordinary documents.
//! - [`json`]: JSON text exactly as backtest-kit's `JSON.stringify` writes it.
//! - [`order`]: backtest-kit's natural key order.
//! - [`document`]: what makes a stored document valid.
//! - [`record`]: reading and writing records field by field, errors with field paths.
//! - [`records`]: the typed records of backtest-kit's domains.
//! - [`domain`]: the 16 domains: where each keeps its documents and what is valid there.
//! - [`context`]: a domain context: the values it is keyed by, its memo key and entity path.
//! - [`time`]: UTC dates of millisecond timestamps, for people.

pub mod context;
pub mod document;
pub mod domain;
pub mod fast_json;
pub mod json;
pub mod keys;
pub mod order;
pub mod record;
pub mod records;
pub mod time;
