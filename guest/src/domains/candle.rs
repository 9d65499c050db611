//! `data/candle/<exchange>/<symbol>/<interval>/<timestamp>.json`: one candle per file, first
//! write wins, unclosed candles never stored, any gap a cache miss.

use crate::adapter::{Handle, Instance, invalid_input};
use crate::backtest::persist::diagnostics::warn;
use crate::convert::{candle_in, candle_out};
use crate::exports::backtest::persist::candle::GuestCandleInstance;
use crate::exports::backtest::persist::records::{Candle, CandleWrite};
use crate::exports::backtest::persist::types::{CheckReport, FieldError, PersistError};
use persist_core::context::Context;
use persist_core::domain::{Domain, candle_id};
use persist_core::records::trading::{Candle as CoreCandle, interval_minutes};
use std::rc::Rc;

const DOMAIN: Domain = Domain::Candle;

crate::adapter::resource!(
    candle,
    DOMAIN,
    CandleInstance,
    "The resource: one symbol, interval and exchange."
);

impl CandleInstance {
    /// The context's instance and the interval in milliseconds; an unknown interval is
    /// `invalid-input`.
    fn instance(&self) -> Result<(Rc<Instance>, f64), PersistError> {
        let interval = self.0.context().interval;
        let minutes = interval_minutes(interval).ok_or_else(|| {
            PersistError::InvalidInput(FieldError {
                path: "interval".to_string(),
                reason: format!(
                    "expected one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 1d, got {interval:?}"
                ),
            })
        })?;
        Ok((self.0.instance()?, f64::from(minutes) * 60_000.0))
    }
}

fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64)
}

impl GuestCandleInstance for CandleInstance {
    fn new(symbol: String, interval: String, exchange_name: String) -> Self {
        let context = Context {
            symbol: &symbol,
            interval: &interval,
            exchange_name: &exchange_name,
            ..Context::default()
        };
        CandleInstance(Handle::new(DOMAIN, &context))
    }

    fn wait_for_init(&self, _initial: bool) -> Result<CheckReport, PersistError> {
        self.instance()?.0.wait_for_init()
    }

    fn read_candles_data(
        &self,
        limit: u32,
        since_timestamp: f64,
        _until_timestamp: f64,
    ) -> Result<Option<Vec<Candle>>, PersistError> {
        let (inst, step) = self.instance()?;
        let c = self.0.context();
        let mut candles = Vec::with_capacity(limit as usize);
        for i in 0..limit {
            let timestamp = since_timestamp + f64::from(i) * step;
            match inst.read_record(&candle_id(timestamp), CoreCandle::read) {
                Ok(Some(c)) => candles.push(candle_out(c)),
                Ok(None) => return Ok(None),
                Err(PersistError::Corrupt(reason)) => {
                    warn(&format!(
                        "found invalid candle symbol={} interval={} timestamp={}: {reason}",
                        c.symbol,
                        c.interval,
                        candle_id(timestamp)
                    ));
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Some(candles))
    }

    fn write_candles_data(&self, candles: Vec<Candle>) -> Result<CandleWrite, PersistError> {
        let (inst, step) = self.instance()?;
        let values = candles
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let path = persist_core::record::index("candles", i);
                let candle = candle_in(&path, c)?;
                Ok((candle.timestamp, candle.write(&path)?))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid_input)?;
        let now = now_ms();
        let (closed, unclosed): (Vec<_>, Vec<_>) = values
            .into_iter()
            .partition(|(timestamp, _)| timestamp + step <= now);
        // Which are stored already, in one call; the others in one batch. A candle another
        // writer stores between the two is written again (a closed candle is the same data).
        let mut items: Vec<(String, String)> = Vec::with_capacity(closed.len());
        let mut seen = std::collections::HashSet::new();
        let mut repeated = 0;
        for (timestamp, json) in closed {
            let id = candle_id(timestamp);
            // The same candle twice in one call: the first is kept, the second is existing.
            if seen.insert(id.clone()) {
                items.push((id, json));
            } else {
                repeated += 1;
            }
        }
        let ids: Vec<String> = items.iter().map(|(id, _)| id.clone()).collect();
        let stored = inst.stored_many(&ids)?;
        let fresh: Vec<(String, String)> = items
            .into_iter()
            .zip(&stored)
            .filter(|(_, stored)| !**stored)
            .map(|(item, _)| item)
            .collect();
        if !fresh.is_empty() {
            inst.write_many(&fresh)?;
        }
        Ok(CandleWrite {
            written: fresh.len() as u32,
            existing: stored.iter().filter(|s| **s).count() as u32 + repeated,
            unclosed: unclosed.len() as u32,
        })
    }
}
