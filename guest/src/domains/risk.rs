//! `data/risk/<risk>_<exchange>/positions.json`.

use crate::adapter::{Handle, invalid_input};
use crate::convert::{risk_in, risk_out};
use crate::exports::backtest::persist::records::RiskEntry;
use crate::exports::backtest::persist::risk::GuestRiskInstance;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::records::trading::{read_risk, write_risk};

const DOMAIN: Domain = Domain::Risk;
const ID: &str = "positions";

crate::adapter::resource!(
    risk,
    DOMAIN,
    RiskInstance,
    "The resource: one risk profile on one exchange."
);

impl GuestRiskInstance for RiskInstance {
    fn new(risk_name: String, exchange_name: String) -> Self {
        let context = Context {
            risk_name: &risk_name,
            exchange_name: &exchange_name,
            ..Context::default()
        };
        RiskInstance(Handle::new(DOMAIN, &context))
    }

    fn wait_for_init(&self, _initial: bool) -> Result<CheckReport, PersistError> {
        self.0.wait_for_init()
    }

    fn read_position_data(&self, _when: f64) -> Result<Vec<RiskEntry>, PersistError> {
        let inst = self.0.instance()?;
        Ok(risk_out(
            inst.read_record(ID, read_risk)?.unwrap_or_default(),
        ))
    }

    fn write_position_data(
        &self,
        risk_row: Vec<RiskEntry>,
        _when: f64,
    ) -> Result<(), PersistError> {
        let inst = self.0.instance()?;
        let path = DOMAIN.name();
        let json = risk_in(path, risk_row)
            .and_then(|data| write_risk(path, &data))
            .map_err(invalid_input)?;
        inst.write(ID, &json)
    }
}
