//! `session/<strategy>/<exchange>[/<frame>]/<symbol>_<backtest|live>.json`. A stored record
//! whose id is not this session's is ignored with a warning.

use super::soft_delete;
use crate::Component;
use crate::adapter::{self, Instance, json_text};
use crate::backtest::persist::diagnostics::warn;
use crate::exports::backtest::persist::session::Guest;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use persist_core::context::Context;
use persist_core::domain::{Domain, mode};
use persist_core::records::payloads::Payload;
use serde_json::Value;
use std::rc::Rc;

const DOMAIN: Domain = Domain::Session;
const PAYLOAD: Payload = Payload::Session;

struct Session<'a> {
    strategy: &'a str,
    exchange: &'a str,
    frame: &'a str,
    symbol: &'a str,
    backtest: bool,
}

impl Session<'_> {
    fn context(&self) -> Context<'_> {
        Context {
            strategy_name: self.strategy,
            exchange_name: self.exchange,
            frame_name: self.frame,
            symbol: self.symbol,
            backtest: self.backtest,
            ..Context::default()
        }
    }

    /// The file's id: `${symbol}_${mode}`.
    fn id(&self) -> String {
        format!("{}_{}", self.symbol, mode(self.backtest))
    }

    /// The record's own id: `[symbol, strategy, exchange, frame?, mode].join(":")`.
    fn session_id(&self) -> String {
        let mut parts = vec![self.symbol, self.strategy, self.exchange];
        if !self.frame.is_empty() {
            parts.push(self.frame);
        }
        parts.push(mode(self.backtest));
        parts.join(":")
    }

    fn instance(&self) -> Result<Rc<Instance>, PersistError> {
        adapter::instance(DOMAIN, &self.context())
    }
}

impl Guest for Component {
    fn wait_for_init(
        strategy_name: String,
        exchange_name: String,
        frame_name: String,
        _initial: bool,
        symbol: String,
        backtest: bool,
    ) -> Result<CheckReport, PersistError> {
        Session {
            strategy: &strategy_name,
            exchange: &exchange_name,
            frame: &frame_name,
            symbol: &symbol,
            backtest,
        }
        .instance()?
        .wait_for_init()
    }

    fn read_session_data(
        strategy_name: String,
        exchange_name: String,
        frame_name: String,
        symbol: String,
        backtest: bool,
    ) -> Result<Option<String>, PersistError> {
        let ctx = Session {
            strategy: &strategy_name,
            exchange: &exchange_name,
            frame: &frame_name,
            symbol: &symbol,
            backtest,
        };
        let Some(record) = soft_delete::read_any(&*ctx.instance()?, PAYLOAD, &ctx.id())? else {
            return Ok(None);
        };
        let expected = ctx.session_id();
        let got = record.get("id").and_then(Value::as_str).unwrap_or_default();
        if got != expected {
            warn(&format!(
                "SessionPersistInstance: persisted session id mismatch, ignoring record (expected={expected}, got={got})"
            ));
            return Ok(None);
        }
        Ok(Some(json_text(&record)))
    }

    fn write_session_data(
        data: String,
        strategy_name: String,
        exchange_name: String,
        frame_name: String,
        _when: f64,
        symbol: String,
        backtest: bool,
    ) -> Result<(), PersistError> {
        let ctx = Session {
            strategy: &strategy_name,
            exchange: &exchange_name,
            frame: &frame_name,
            symbol: &symbol,
            backtest,
        };
        soft_delete::write(&*ctx.instance()?, PAYLOAD, &ctx.id(), &data)
    }

    fn dispose(
        strategy_name: String,
        exchange_name: String,
        frame_name: String,
        symbol: String,
        backtest: bool,
    ) {
        let ctx = Session {
            strategy: &strategy_name,
            exchange: &exchange_name,
            frame: &frame_name,
            symbol: &symbol,
            backtest,
        };
        adapter::dispose(DOMAIN, &ctx.context());
    }

    fn clear() {
        adapter::clear(DOMAIN);
    }
}
