//! `data/recent/<symbol>_<strategy>_<exchange>[_<frame>]_<backtest|live>/<symbol>.json`.

use super::signal_rows;
use crate::adapter::Handle;
use crate::exports::backtest::persist::recent::GuestRecentInstance;
use crate::exports::backtest::persist::records::SignalRow;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;

const DOMAIN: Domain = Domain::Recent;

crate::adapter::resource!(
    recent,
    DOMAIN,
    RecentInstance,
    "The resource: one symbol, strategy, exchange, frame and mode."
);

impl GuestRecentInstance for RecentInstance {
    fn new(
        symbol: String,
        strategy_name: String,
        exchange_name: String,
        frame_name: String,
        backtest: bool,
    ) -> Self {
        let context = Context {
            symbol: &symbol,
            strategy_name: &strategy_name,
            exchange_name: &exchange_name,
            frame_name: &frame_name,
            backtest,
            ..Context::default()
        };
        RecentInstance(Handle::new(DOMAIN, &context))
    }

    fn wait_for_init(&self, _initial: bool) -> Result<CheckReport, PersistError> {
        self.0.wait_for_init()
    }

    fn read_recent_data(&self) -> Result<Option<SignalRow>, PersistError> {
        signal_rows::read(&*self.0.instance()?, self.0.context().symbol)
    }

    fn write_recent_data(
        &self,
        signal_row: Option<SignalRow>,
        _when: f64,
    ) -> Result<(), PersistError> {
        signal_rows::write(&*self.0.instance()?, self.0.context().symbol, signal_row)
    }
}
