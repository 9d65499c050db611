//! `state/<signal-id>/<bucket-name>/<bucket-name>.json`.

use super::soft_delete;
use crate::Component;
use crate::adapter::{self, Instance, json_text};
use crate::exports::backtest::persist::state::Guest;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::records::payloads::Payload;
use std::rc::Rc;

const DOMAIN: Domain = Domain::State;
const PAYLOAD: Payload = Payload::State;

fn instance(signal_id: &str, bucket_name: &str) -> Result<Rc<Instance>, PersistError> {
    adapter::instance(DOMAIN, &Context::signal_bucket(signal_id, bucket_name))
}

impl Guest for Component {
    fn wait_for_init(
        signal_id: String,
        bucket_name: String,
        _initial: bool,
    ) -> Result<CheckReport, PersistError> {
        instance(&signal_id, &bucket_name)?.wait_for_init()
    }

    fn read_state_data(
        signal_id: String,
        bucket_name: String,
    ) -> Result<Option<String>, PersistError> {
        let inst = instance(&signal_id, &bucket_name)?;
        Ok(soft_delete::read_any(&inst, PAYLOAD, &bucket_name)?.map(|v| json_text(&v)))
    }

    fn write_state_data(
        data: String,
        signal_id: String,
        bucket_name: String,
        _when: f64,
    ) -> Result<(), PersistError> {
        let inst = instance(&signal_id, &bucket_name)?;
        soft_delete::write(&inst, PAYLOAD, &bucket_name, &data)
    }

    fn dispose(signal_id: String, bucket_name: String) {
        adapter::dispose(DOMAIN, &Context::signal_bucket(&signal_id, &bucket_name));
    }

    fn clear() {
        adapter::clear(DOMAIN);
    }
}
