//! `session/<strategy>/<exchange>[/<frame>]/<symbol>_<backtest|live>.json`. A stored record
//! whose id is not this session's is ignored with a warning.

use super::soft_delete;
use crate::adapter::{Handle, json_text};
use crate::backtest::persist::diagnostics::warn;
use crate::exports::backtest::persist::session::GuestSessionInstance;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::{Domain, mode};
use persist_core::records::payloads::Payload;
use serde_json::Value;

const DOMAIN: Domain = Domain::Session;
const PAYLOAD: Payload = Payload::Session;

crate::adapter::resource!(
    session,
    DOMAIN,
    SessionInstance,
    "The resource: one strategy, exchange, frame, symbol and mode."
);

impl SessionInstance {
    /// The file's id: `${symbol}_${mode}`.
    fn id(&self) -> String {
        let c = self.0.context();
        format!("{}_{}", c.symbol, mode(c.backtest))
    }

    /// The record's own id: `[symbol, strategy, exchange, frame?, mode].join(":")`.
    fn session_id(&self) -> String {
        let c = self.0.context();
        let mut parts = vec![c.symbol, c.strategy_name, c.exchange_name];
        if !c.frame_name.is_empty() {
            parts.push(c.frame_name);
        }
        parts.push(mode(c.backtest));
        parts.join(":")
    }
}

impl GuestSessionInstance for SessionInstance {
    fn new(
        strategy_name: String,
        exchange_name: String,
        frame_name: String,
        symbol: String,
        backtest: bool,
    ) -> Self {
        let context = Context {
            strategy_name: &strategy_name,
            exchange_name: &exchange_name,
            frame_name: &frame_name,
            symbol: &symbol,
            backtest,
            ..Context::default()
        };
        SessionInstance(Handle::new(DOMAIN, &context))
    }

    fn wait_for_init(&self, _initial: bool) -> Result<CheckReport, PersistError> {
        self.0.wait_for_init()
    }

    fn read_session_data(&self) -> Result<Option<String>, PersistError> {
        let Some(record) = soft_delete::read_any(&*self.0.instance()?, PAYLOAD, &self.id())? else {
            return Ok(None);
        };
        let expected = self.session_id();
        let got = record.get("id").and_then(Value::as_str).unwrap_or_default();
        if got != expected {
            warn(&format!(
                "SessionPersistInstance: persisted session id mismatch, ignoring record (expected={expected}, got={got})"
            ));
            return Ok(None);
        }
        Ok(Some(json_text(&record)))
    }

    fn write_session_data(&self, data: String, _when: f64) -> Result<(), PersistError> {
        soft_delete::write(&*self.0.instance()?, PAYLOAD, &self.id(), &data)
    }

    fn dispose(&self) {
        self.0.dispose();
    }
}
