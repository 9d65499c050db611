//! `state/<signal-id>/<bucket-name>/<bucket-name>.json`.

use super::soft_delete;
use crate::adapter::{Handle, json_text};
use crate::exports::backtest::persist::state::GuestStateInstance;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::Domain;
use persist_core::records::payloads::Payload;

const DOMAIN: Domain = Domain::State;
const PAYLOAD: Payload = Payload::State;

crate::adapter::resource!(
    state,
    DOMAIN,
    StateInstance,
    "The resource: one state value of one signal, stored under the bucket's name."
);

impl GuestStateInstance for StateInstance {
    fn new(signal_id: String, bucket_name: String) -> Self {
        StateInstance(Handle::new(
            DOMAIN,
            &Context::signal_bucket(&signal_id, &bucket_name),
        ))
    }

    fn wait_for_init(&self, _initial: bool) -> Result<CheckReport, PersistError> {
        self.0.wait_for_init()
    }

    fn read_state_data(&self) -> Result<Option<String>, PersistError> {
        let inst = self.0.instance()?;
        Ok(soft_delete::read_any(&inst, PAYLOAD, self.0.context().bucket)?.map(|v| json_text(&v)))
    }

    fn write_state_data(&self, data: String, _when: f64) -> Result<(), PersistError> {
        let inst = self.0.instance()?;
        soft_delete::write(&inst, PAYLOAD, self.0.context().bucket, &data)
    }

    fn dispose(&self) {
        self.0.dispose();
    }
}
