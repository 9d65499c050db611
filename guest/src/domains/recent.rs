//! `data/recent/<symbol>_<strategy>_<exchange>[_<frame>]_<backtest|live>/<symbol>.json`.

use super::signal_rows;
use crate::Component;
use crate::adapter::{self, Instance};
use crate::exports::backtest::persist::recent::Guest;
use crate::exports::backtest::persist::records::SignalRow;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use std::rc::Rc;

const DOMAIN: Domain = Domain::Recent;

fn instance(
    symbol: &str,
    strategy: &str,
    exchange: &str,
    frame: &str,
    backtest: bool,
) -> Result<Rc<Instance>, PersistError> {
    let context = Context {
        symbol,
        strategy_name: strategy,
        exchange_name: exchange,
        frame_name: frame,
        backtest,
        ..Context::default()
    };
    adapter::instance(DOMAIN, &context)
}

impl Guest for Component {
    fn wait_for_init(
        symbol: String,
        strategy_name: String,
        exchange_name: String,
        frame_name: String,
        backtest: bool,
        _initial: bool,
    ) -> Result<CheckReport, PersistError> {
        instance(
            &symbol,
            &strategy_name,
            &exchange_name,
            &frame_name,
            backtest,
        )?
        .wait_for_init()
    }

    fn read_recent_data(
        symbol: String,
        strategy_name: String,
        exchange_name: String,
        frame_name: String,
        backtest: bool,
    ) -> Result<Option<SignalRow>, PersistError> {
        let inst = instance(
            &symbol,
            &strategy_name,
            &exchange_name,
            &frame_name,
            backtest,
        )?;
        signal_rows::read(&inst, &symbol)
    }

    fn write_recent_data(
        signal_row: Option<SignalRow>,
        symbol: String,
        strategy_name: String,
        exchange_name: String,
        frame_name: String,
        backtest: bool,
        _when: f64,
    ) -> Result<(), PersistError> {
        let inst = instance(
            &symbol,
            &strategy_name,
            &exchange_name,
            &frame_name,
            backtest,
        )?;
        signal_rows::write(&inst, &symbol, signal_row)
    }

    fn clear() {
        adapter::clear(DOMAIN);
    }
}
