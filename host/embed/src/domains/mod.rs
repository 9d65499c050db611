//! The domain adapters as a Rust API: backtest-kit's `Persist<X>Utils` operations, same
//! names and argument order, on a [`Persist`] session. The records are the WIT records of
//! [`crate::bindings::records`]; the JSON-text domains take and return backtest-kit's JSON.
//! One module per family of domains, as in `wit/persist/`.

mod json;
mod keyed;
mod lists;
mod signals;
mod trading;

use crate::bindings::{self, PersistError};
use crate::error::Error;
use crate::host_storage::HostState;
use crate::session::Persist;
use wasmtime::Store;

type Guest = bindings::Persist;

impl Persist {
    pub(crate) fn call<T>(
        &mut self,
        f: impl FnOnce(&Guest, &mut Store<HostState>) -> wasmtime::Result<Result<T, PersistError>>,
    ) -> Result<T, Error> {
        Ok(f(&self.guest, &mut self.store).map_err(Error::guest)??)
    }

    pub(crate) fn call_infallible(
        &mut self,
        f: impl FnOnce(&Guest, &mut Store<HostState>) -> wasmtime::Result<()>,
    ) -> Result<(), Error> {
        f(&self.guest, &mut self.store).map_err(Error::guest)
    }
}
