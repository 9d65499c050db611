//! The domain adapters as a Rust API, in the shape of the WIT: one handle per context, made by
//! [`Persist`] (`persist.signal("BTCUSDT", "my-strategy", "binance")`), with backtest-kit's
//! `Persist<X>Instance` operations and names. The records are the WIT records of
//! [`crate::bindings::records`]; the JSON-text domains take and return backtest-kit's JSON.
//! One module per family of domains, as in `wit/persist/`.

/// A context's handle type: the struct, the [`Persist`] method that makes it, and its
/// `wait_for_init`. The other methods are written out in each family's module.
macro_rules! handle {
    ($(#[$doc:meta])* $handle:ident, $factory:ident, $interface:ident, $resource:ident,
     ($($arg:ident: $ty:ty),*)) => {
        $(#[$doc])*
        ///
        /// Made by [`Persist`](crate::session::Persist); the guest's resource is dropped with it.
        pub struct $handle<'p>(super::Handle<'p>);

        impl crate::session::Persist {
            #[doc = concat!("The [`", stringify!($handle), "`] of the context.")]
            pub fn $factory(&mut self, $($arg: $ty),*) -> $handle<'_> {
                $handle(super::Handle::new(self, |g, s| {
                    g.$interface().$resource().call_constructor(s, $($arg),*)
                }))
            }
        }

        impl $handle<'_> {
            /// Validates the context's documents once for all its handles (`waitForInit`),
            /// moving invalid ones to the quarantine; returns the report of that pass.
            pub fn wait_for_init(
                &mut self,
                initial: bool,
            ) -> Result<crate::bindings::CheckReport, crate::error::Error> {
                self.0
                    .call(|g, s, r| g.$interface().$resource().call_wait_for_init(s, r, initial))
            }
        }
    };
}

mod json;
mod keyed;
mod lists;
mod signals;
mod trading;

pub use keyed::{
    IntervalInstance, MeasureInstance, MemoryInstance, SessionInstance, StateInstance,
};
pub use lists::{LogInstance, NotificationInstance, StorageInstance};
pub use signals::{RecentInstance, ScheduleInstance, SignalInstance, StrategyInstance};
pub use trading::{BreakevenInstance, CandleInstance, PartialInstance, RiskInstance};

use crate::bindings::{self, PersistError};
use crate::error::Error;
use crate::host_storage::HostState;
use crate::session::Persist;
use persist_core::context::Context;
use persist_core::domain::Domain;
use wasmtime::Store;
use wasmtime::component::ResourceAny;

type Guest = bindings::Persist;

/// One context's resource in the guest, borrowed from its [`Persist`] and dropped with it.
/// Making it cannot fail: a constructor that trapped is reported by the first call.
struct Handle<'p> {
    persist: &'p mut Persist,
    resource: Result<ResourceAny, String>,
}

impl<'p> Handle<'p> {
    fn new(
        persist: &'p mut Persist,
        new: impl FnOnce(&Guest, &mut Store<HostState>) -> wasmtime::Result<ResourceAny>,
    ) -> Self {
        let resource = new(&persist.guest, &mut persist.store).map_err(|e| format!("{e:#}"));
        Handle { persist, resource }
    }

    fn call<T>(
        &mut self,
        f: impl FnOnce(
            &Guest,
            &mut Store<HostState>,
            ResourceAny,
        ) -> wasmtime::Result<Result<T, PersistError>>,
    ) -> Result<T, Error> {
        let resource = self.resource.clone().map_err(Error::Guest)?;
        let p = &mut *self.persist;
        Ok(f(&p.guest, &mut p.store, resource).map_err(Error::guest)??)
    }
}

impl Drop for Handle<'_> {
    fn drop(&mut self) {
        if let Ok(resource) = self.resource {
            // A guest that trapped cannot drop anything; nothing else can fail here.
            let _ = resource.resource_drop(&mut self.persist.store);
        }
    }
}

impl Persist {
    /// Calls a function of the guest that is not a method of a context (the records' JSON).
    pub(crate) fn call<T>(
        &mut self,
        f: impl FnOnce(&Guest, &mut Store<HostState>) -> wasmtime::Result<Result<T, PersistError>>,
    ) -> Result<T, Error> {
        Ok(f(&self.guest, &mut self.store).map_err(Error::guest)??)
    }

    /// `waitForInit` of any domain's context, given as persist-core's [`Context`] (the fields
    /// the domain does not use are ignored): validates the context's documents once, moving
    /// invalid ones to the quarantine, each reported as a warning.
    pub fn wait_for_init(
        &mut self,
        domain: Domain,
        c: &Context,
    ) -> Result<bindings::CheckReport, Error> {
        let (sym, strat, exch) = (c.symbol, c.strategy_name, c.exchange_name);
        match domain {
            Domain::Signal => self.signal(sym, strat, exch).wait_for_init(true),
            Domain::Schedule => self.schedule(sym, strat, exch).wait_for_init(true),
            Domain::Strategy => self.strategy(sym, strat, exch).wait_for_init(true),
            Domain::Risk => self.risk(c.risk_name, exch).wait_for_init(true),
            Domain::Partial => self.partial(sym, strat, exch).wait_for_init(true),
            Domain::Breakeven => self.breakeven(sym, strat, exch).wait_for_init(true),
            Domain::Candle => self.candle(sym, c.interval, exch).wait_for_init(true),
            Domain::Storage => self.storage(c.backtest).wait_for_init(true),
            Domain::Notification => self.notification(c.backtest).wait_for_init(true),
            Domain::Log => self.log().wait_for_init(true),
            Domain::Measure => self.measure(c.bucket).wait_for_init(true),
            Domain::Interval => self.interval(c.bucket).wait_for_init(true),
            Domain::Memory => self.memory(c.signal_id, c.bucket).wait_for_init(true),
            Domain::Recent => self
                .recent(sym, strat, exch, c.frame_name, c.backtest)
                .wait_for_init(true),
            Domain::State => self.state(c.signal_id, c.bucket).wait_for_init(true),
            Domain::Session => self
                .session(strat, exch, c.frame_name, sym, c.backtest)
                .wait_for_init(true),
        }
    }

    /// Drops the domain's memo of contexts (`clear`): the next call through any handle
    /// re-reads and re-validates.
    pub fn clear(&mut self, domain: Domain) -> Result<(), Error> {
        let (g, s) = (&self.guest, &mut self.store);
        match domain {
            Domain::Signal => g.backtest_persist_signal().call_clear(s),
            Domain::Schedule => g.backtest_persist_schedule().call_clear(s),
            Domain::Strategy => g.backtest_persist_strategy().call_clear(s),
            Domain::Risk => g.backtest_persist_risk().call_clear(s),
            Domain::Partial => g.backtest_persist_partial().call_clear(s),
            Domain::Breakeven => g.backtest_persist_breakeven().call_clear(s),
            Domain::Candle => g.backtest_persist_candle().call_clear(s),
            Domain::Storage => g.backtest_persist_storage_signals().call_clear(s),
            Domain::Notification => g.backtest_persist_notification().call_clear(s),
            Domain::Log => g.backtest_persist_log().call_clear(s),
            Domain::Measure => g.backtest_persist_measure().call_clear(s),
            Domain::Interval => g.backtest_persist_interval().call_clear(s),
            Domain::Memory => g.backtest_persist_memory().call_clear(s),
            Domain::Recent => g.backtest_persist_recent().call_clear(s),
            Domain::State => g.backtest_persist_state().call_clear(s),
            Domain::Session => g.backtest_persist_session().call_clear(s),
        }
        .map_err(Error::guest)
    }
}
