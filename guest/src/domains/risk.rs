//! `data/risk/<risk>_<exchange>/positions.json`.

use crate::adapter::{Handle, invalid_input};
use crate::convert::{risk_in, risk_out};
use crate::exports::backtest::persist::records::{RiskEntry, RiskPosition};
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

    fn put_position(
        &self,
        key: String,
        position: Option<RiskPosition>,
        max_positions: Option<u32>,
    ) -> Result<bool, PersistError> {
        let inst = self.0.instance()?;
        let path = DOMAIN.name();
        let wanted = match position {
            Some(position) => {
                let entry = RiskEntry {
                    key: key.clone(),
                    position,
                };
                let mut data = risk_in(path, vec![entry]).map_err(invalid_input)?;
                data.pop().map(|(_, p)| p)
            }
            None => None,
        };
        let mut full = false;
        let written = inst.update(ID, |stored| {
            let mut data = match stored {
                None => Vec::new(),
                Some(v) => read_risk(path, v).map_err(|e| inst.corrupt(ID, &e.to_string()))?,
            };
            let held = data.iter().any(|(k, _)| *k == key);
            data.retain(|(k, _)| *k != key);
            full = !held
                && wanted.is_some()
                && max_positions.is_some_and(|max| data.len() >= max as usize);
            if full {
                return Ok(None);
            }
            if let Some(p) = &wanted {
                data.push((key.clone(), p.clone()));
            }
            write_risk(path, &data).map(Some).map_err(invalid_input)
        })?;
        Ok(written || !full)
    }
}
