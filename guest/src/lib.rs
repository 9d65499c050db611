//! The persist guest: all of the adapter logic, compiled to a WASI component. It does no I/O
//! of its own; every byte goes through the host's `storage` import.
//!
//! - [`domains`]: the 16 domain adapters (signal, schedule, strategy, risk, …).
//! - [`adapter`]: what they share: one instance per context, init once, documents by id.
//! - [`convert`]: the WIT records to and from persist-core's typed records.
//! - [`records`]: backtest-kit's JSON of each typed record and back.
//! - [`json_calls`]: every domain operation by name, with JSON text in and out.
//! - [`base`]: backtest-kit's `PersistBase` as the `persist-base` resource.
//! - [`admin`]: the whole-store check.
//! - [`scan`]: the validation pass shared by `wait-for-init` and the check.
//! - [`buckets`]: the storage buckets, opened once per name.
//! - [`errors`]: storage errors turned into `persist-error`s with their context.
//!
//! The rules themselves (safe names, JSON text, key order, document validity) live in the
//! native crate `persist-core`.

wit_bindgen::generate!({
    world: "persist",
    path: "../wit/persist",
});

pub mod adapter;
pub mod admin;
pub mod base;
pub mod buckets;
pub mod convert;
pub mod domains;
pub mod errors;
pub mod json_calls;
pub mod records;
pub mod scan;

struct Component;

export!(Component);
