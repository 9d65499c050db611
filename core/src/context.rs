//! A domain context: the values one `Persist<X>Instance` of backtest-kit is keyed by, and
//! what follows from them: the memo key and the entity path. The one place these rules live;
//! the guest's adapters and the CLI both use it.

use crate::domain::{Domain, entity_path, mode};
use crate::keys::KeyError;

/// A value a domain context is keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The symbol (`BTCUSDT`).
    Symbol,
    /// The strategy's name.
    StrategyName,
    /// The exchange's name.
    ExchangeName,
    /// The risk profile's name.
    RiskName,
    /// A signal's id.
    SignalId,
    /// A candle interval (`1m`).
    Interval,
    /// The backtest frame's name; empty in live mode.
    FrameName,
    /// Backtest data or live data.
    Backtest,
    /// A bucket of measures, intervals, memory or state.
    Bucket,
}

/// The values of one context. A domain reads only its own [`Domain::fields`]; the others
/// may stay empty.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// See [`Field::Symbol`].
    pub symbol: &'a str,
    /// See [`Field::StrategyName`].
    pub strategy_name: &'a str,
    /// See [`Field::ExchangeName`].
    pub exchange_name: &'a str,
    /// See [`Field::RiskName`].
    pub risk_name: &'a str,
    /// See [`Field::SignalId`].
    pub signal_id: &'a str,
    /// See [`Field::Interval`].
    pub interval: &'a str,
    /// See [`Field::FrameName`].
    pub frame_name: &'a str,
    /// See [`Field::Backtest`].
    pub backtest: bool,
    /// See [`Field::Bucket`].
    pub bucket: &'a str,
}

impl<'a> Context<'a> {
    /// The context of the domains keyed by a signal and a bucket (memory, state).
    pub fn signal_bucket(signal_id: &'a str, bucket: &'a str) -> Self {
        Context {
            signal_id,
            bucket,
            ..Context::default()
        }
    }

    /// The context of the domains keyed by symbol, strategy and exchange.
    pub fn triple(symbol: &'a str, strategy_name: &'a str, exchange_name: &'a str) -> Self {
        Context {
            symbol,
            strategy_name,
            exchange_name,
            ..Context::default()
        }
    }
}

/// A [`Context`] that owns its values: what a handle of one context (a WIT resource) keeps.
#[derive(Debug, Clone, Default)]
pub struct OwnedContext {
    symbol: String,
    strategy_name: String,
    exchange_name: String,
    risk_name: String,
    signal_id: String,
    interval: String,
    frame_name: String,
    backtest: bool,
    bucket: String,
}

impl OwnedContext {
    /// The values of `c`, copied.
    pub fn new(c: &Context) -> Self {
        OwnedContext {
            symbol: c.symbol.to_string(),
            strategy_name: c.strategy_name.to_string(),
            exchange_name: c.exchange_name.to_string(),
            risk_name: c.risk_name.to_string(),
            signal_id: c.signal_id.to_string(),
            interval: c.interval.to_string(),
            frame_name: c.frame_name.to_string(),
            backtest: c.backtest,
            bucket: c.bucket.to_string(),
        }
    }

    /// The values, borrowed.
    pub fn get(&self) -> Context<'_> {
        Context {
            symbol: &self.symbol,
            strategy_name: &self.strategy_name,
            exchange_name: &self.exchange_name,
            risk_name: &self.risk_name,
            signal_id: &self.signal_id,
            interval: &self.interval,
            frame_name: &self.frame_name,
            backtest: self.backtest,
            bucket: &self.bucket,
        }
    }
}

impl Domain {
    /// The values its contexts are keyed by, in the order of backtest-kit's arguments.
    pub fn fields(self) -> &'static [Field] {
        use Field::*;
        match self {
            Domain::Signal
            | Domain::Schedule
            | Domain::Strategy
            | Domain::Partial
            | Domain::Breakeven => &[Symbol, StrategyName, ExchangeName],
            Domain::Risk => &[RiskName, ExchangeName],
            Domain::Candle => &[Symbol, Interval, ExchangeName],
            Domain::Storage | Domain::Notification => &[Backtest],
            Domain::Log => &[],
            Domain::Measure | Domain::Interval => &[Bucket],
            Domain::Memory | Domain::State => &[SignalId, Bucket],
            Domain::Recent => &[Symbol, StrategyName, ExchangeName, FrameName, Backtest],
            Domain::Session => &[StrategyName, ExchangeName, FrameName, Symbol, Backtest],
        }
    }

    /// backtest-kit's memo key of the context: one instance per key.
    pub fn memo_key(self, c: &Context) -> String {
        match self {
            Domain::Signal
            | Domain::Schedule
            | Domain::Strategy
            | Domain::Partial
            | Domain::Breakeven => [c.symbol, c.strategy_name, c.exchange_name].join(":"),
            Domain::Risk => [c.risk_name, c.exchange_name].join(":"),
            Domain::Candle => [c.symbol, c.interval, c.exchange_name].join(":"),
            Domain::Storage | Domain::Notification => mode(c.backtest).to_string(),
            Domain::Log => "log".to_string(),
            Domain::Measure | Domain::Interval => c.bucket.to_string(),
            Domain::Memory | Domain::State => [c.signal_id, c.bucket].join(":"),
            Domain::Recent => recent_parts(c).join(":"),
            Domain::Session => [
                c.strategy_name,
                c.exchange_name,
                c.frame_name,
                c.symbol,
                mode(c.backtest),
            ]
            .join(":"),
        }
    }

    /// The parts of the context's entity path below the domain's folder, as given (each is
    /// escaped into one segment by [`Domain::entity`]).
    pub fn entity_parts(self, c: &Context) -> Vec<String> {
        match self {
            Domain::Signal
            | Domain::Schedule
            | Domain::Strategy
            | Domain::Partial
            | Domain::Breakeven => vec![[c.symbol, c.strategy_name, c.exchange_name].join("_")],
            Domain::Risk => vec![[c.risk_name, c.exchange_name].join("_")],
            Domain::Candle => vec![
                c.exchange_name.to_string(),
                c.symbol.to_string(),
                c.interval.to_string(),
            ],
            Domain::Storage | Domain::Notification => vec![mode(c.backtest).to_string()],
            Domain::Log => vec!["log".to_string()],
            Domain::Measure | Domain::Interval => vec![c.bucket.to_string()],
            Domain::Memory | Domain::State => vec![c.signal_id.to_string(), c.bucket.to_string()],
            Domain::Recent => vec![recent_parts(c).join("_")],
            Domain::Session => {
                let mut parts = vec![c.strategy_name.to_string(), c.exchange_name.to_string()];
                // The live frame is "": its files sit directly in the exchange's folder.
                if !c.frame_name.is_empty() {
                    parts.push(c.frame_name.to_string());
                }
                parts
            }
        }
    }

    /// The escaped entity path of the context.
    pub fn entity(self, c: &Context) -> Result<String, KeyError> {
        let parts = self.entity_parts(c);
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        entity_path(self, &parts)
    }
}

/// `[symbol, strategy, exchange, frame?, mode]`: the frame only when it is not empty.
fn recent_parts<'a>(c: &Context<'a>) -> Vec<&'a str> {
    let mut parts = vec![c.symbol, c.strategy_name, c.exchange_name];
    if !c.frame_name.is_empty() {
        parts.push(c.frame_name);
    }
    parts.push(mode(c.backtest));
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context<'static> {
        Context {
            symbol: "BTCUSDT",
            strategy_name: "s",
            exchange_name: "e",
            risk_name: "r",
            signal_id: "sig",
            interval: "1m",
            frame_name: "",
            backtest: false,
            bucket: "b",
        }
    }

    #[test]
    fn entity_paths_are_backtest_kits() {
        let c = context();
        let cases = [
            (Domain::Signal, "data/signal/BTCUSDT_s_e"),
            (Domain::Risk, "data/risk/r_e"),
            (Domain::Candle, "data/candle/e/BTCUSDT/1m"),
            (Domain::Storage, "data/storage/live"),
            (Domain::Log, "data/log/log"),
            (Domain::Measure, "data/measure/b"),
            (Domain::Memory, "memory/sig/b"),
            (Domain::Recent, "data/recent/BTCUSDT_s_e_live"),
            (Domain::Session, "session/s/e"),
        ];
        for (domain, path) in cases {
            assert_eq!(domain.entity(&c).unwrap(), path, "{domain:?}");
        }
        let framed = Context {
            frame_name: "f",
            backtest: true,
            ..c
        };
        assert_eq!(
            Domain::Recent.entity(&framed).unwrap(),
            "data/recent/BTCUSDT_s_e_f_backtest"
        );
        assert_eq!(Domain::Session.entity(&framed).unwrap(), "session/s/e/f");
        assert_eq!(Domain::Session.memo_key(&framed), "s:e:f:BTCUSDT:backtest");
    }

    #[test]
    fn an_empty_strategy_name_is_refused_not_dropped() {
        let c = Context {
            strategy_name: "",
            ..context()
        };
        assert!(Domain::Session.entity(&c).is_err());
    }
}
