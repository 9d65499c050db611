//! `data/risk/<risk>_<exchange>/positions.json`.

use crate::Component;
use crate::adapter::{self, Instance, invalid_input};
use crate::convert::{risk_in, risk_out};
use crate::exports::backtest::persist::records::RiskEntry;
use crate::exports::backtest::persist::risk::Guest;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::records::trading::{read_risk, write_risk};
use std::rc::Rc;

const DOMAIN: Domain = Domain::Risk;
const ID: &str = "positions";

fn instance(risk: &str, exchange: &str) -> Result<Rc<Instance>, PersistError> {
    let context = Context {
        risk_name: risk,
        exchange_name: exchange,
        ..Context::default()
    };
    adapter::instance(DOMAIN, &context)
}

impl Guest for Component {
    fn wait_for_init(
        risk_name: String,
        exchange_name: String,
        _initial: bool,
    ) -> Result<CheckReport, PersistError> {
        instance(&risk_name, &exchange_name)?.wait_for_init()
    }

    fn read_position_data(
        risk_name: String,
        exchange_name: String,
        _when: f64,
    ) -> Result<Vec<RiskEntry>, PersistError> {
        let inst = instance(&risk_name, &exchange_name)?;
        Ok(risk_out(
            inst.read_record(ID, read_risk)?.unwrap_or_default(),
        ))
    }

    fn write_position_data(
        risk_row: Vec<RiskEntry>,
        risk_name: String,
        exchange_name: String,
        _when: f64,
    ) -> Result<(), PersistError> {
        let inst = instance(&risk_name, &exchange_name)?;
        let path = DOMAIN.name();
        let json = risk_in(path, risk_row)
            .and_then(|data| write_risk(path, &data))
            .map_err(invalid_input)?;
        inst.write(ID, &json)
    }

    fn clear() {
        adapter::clear(DOMAIN);
    }
}
