//! The persist host: loads the guest component into wasmtime and gives it storage.
//!
//! ```no_run
//! use persist_host::{open_url, GuestSource, Runtime, StoreUrl, DEFAULT_MAX_DOCUMENT_BYTES};
//! let runtime = Runtime::new(&GuestSource::Embedded)?;
//! let store = open_url(&"file:./dump".parse::<StoreUrl>()?, DEFAULT_MAX_DOCUMENT_BYTES)?;
//! let mut persist = runtime.open(store)?;
//! persist.write_value("orders", "42", r#"{"qty": 1.0}"#)?;
//! assert_eq!(persist.read_value("orders", "42")?, r#"{"qty":1}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - [`runtime`]: the compiled guest and its instances.
//! - [`session`]: [`Persist`], the Rust API over one guest instance (persist-base, check).
//! - [`domains`]: the 16 domain adapters on [`Persist`] (signal, risk, candle, …).
//! - [`storage`]: the backends (`file:`, `memory:`, `redis://`, `postgres://`) and the
//!   routing of buckets to them, behind the WIT `storage` import.
//! - [`host_storage`]: the WIT `storage` import, served from a backend.
//! - [`bindings`]: the types generated from `wit/persist.wit`.
//! - [`error`]: the library's errors and their CLI exit statuses.
//! - [`migrate`]: copying a store into another, validated through the guest.
//! - [`plugin`]: strategy plugins, loaded and called in a sandbox.
//! - [`live`]: `persist run`, a plugin driven over a candle feed through the live lifecycle.
//! - [`cli`]: the `persist` command line.
//! - [`bench`]: `persist bench`; [`bench_network`] its Redis and PostgreSQL part,
//!   [`bench_plugin`] its plugin part.

pub mod bench;
pub mod bench_network;
pub mod bench_plugin;
pub mod bindings;
pub mod cli;
pub mod component_cache;
pub mod domains;
pub mod error;
pub mod host_storage;
pub mod live;
pub mod migrate;
pub mod plugin;
pub mod runtime;
pub mod session;
pub mod storage;

pub use bindings::{CheckReport, Finding, records};
pub use error::Error;
pub use runtime::{EMBEDDED_GUEST, GuestSource, Runtime};
pub use session::Persist;
pub use storage::{Backend, DEFAULT_MAX_DOCUMENT_BYTES, Routes, StorageError, StoreUrl, open_url};
