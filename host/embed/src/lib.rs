//! The persist guest component embedded in wasmtime: loads it and gives it storage.
//!
//! ```no_run
//! use persist_embed::{open_url, GuestSource, Runtime, StoreUrl, DEFAULT_MAX_DOCUMENT_BYTES};
//! let runtime = Runtime::new(&GuestSource::Embedded)?;
//! let store = open_url(&"file:./dump".parse::<StoreUrl>()?, DEFAULT_MAX_DOCUMENT_BYTES)?;
//! let mut persist = runtime.open(store)?;
//! persist.base("orders").write_value("42", r#"{"qty": 1.0}"#)?;
//! assert_eq!(persist.base("orders").read_value("42")?, r#"{"qty":1}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - [`runtime`]: the compiled guest and its instances.
//! - [`session`]: [`Persist`], the Rust API over one guest instance (persist-base, check).
//! - [`domains`]: the 16 domain adapters: one handle per context, made by [`Persist`]
//!   (`persist.signal(symbol, strategy, exchange).read_signal_data()`).
//! - [`storage`]: the backends (`file:`, `memory:`, `redis://`, `postgres://`) and the
//!   routing of buckets to them (the `persist-storage` crate), behind the WIT `storage` import.
//! - [`host_storage`]: the WIT `storage` import, served from a backend.
//! - [`bindings`]: the types generated from `wit/persist/`.
//! - [`error`]: the library's errors.
//! - [`migrate`]: copying a store into another, validated through the guest.
//! - [`component_cache`]: compiled components kept on disk between processes.

mod batch;
pub mod bindings;
pub mod component_cache;
pub mod domains;
pub mod error;
pub mod host_storage;
pub mod migrate;
pub mod runtime;
pub mod session;
pub use persist_storage as storage;

pub use bindings::{CheckReport, Finding, records};
pub use error::Error;
pub use persist_core::domain::Domain;
pub use runtime::{BUILT_GUEST_PATH, EMBEDDED_GUEST, GuestSource, Runtime};
pub use session::Persist;
pub use storage::{Backend, DEFAULT_MAX_DOCUMENT_BYTES, Routes, StorageError, StoreUrl, open_url};
