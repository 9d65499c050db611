//! The 16 domain adapters through the component: round trips, isolation, the memo, every
//! domain rule and every kind of invalid input, on the file store (what backtest-kit reads)
//! and the memory store.
//!
//! This module holds the records the tests build; each area is a module of its own.

mod layout;
mod lists;
mod signals;
mod trading;
mod validation;

use persist_embed::records::{
    BreakevenLevel, Candle, Commit, CommitAction, Extreme, PartialLevels, Pnl, Position, RiskEntry,
    RiskPosition, SignalRow, StrategyData,
};
use persist_embed::{Backend, Domain, Error, Persist, StorageError};
use persist_test_support::*;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, UNIX_EPOCH};

fn row(id: &str, symbol: &str) -> SignalRow {
    SignalRow {
        id: id.to_string(),
        position: Position::Long,
        note: Some("breakout".to_string()),
        price_open: 42150.25,
        price_take_profit: 43500.5,
        price_stop_loss: 41200.75,
        minute_estimated_time: f64::INFINITY,
        cost: Some(100.0),
        multiplier: 1.0,
        isolated: true,
        exchange_name: "binance".to_string(),
        strategy_name: "my-strategy".to_string(),
        frame_name: Some(String::new()),
        scheduled_at: Some(1_700_000_000_000.0),
        pending_at: Some(1_700_000_060_000.0),
        symbol: symbol.to_string(),
        is_scheduled: Some(false),
        peak: Some(Extreme {
            price: 42890.5,
            timestamp: 1_700_003_600_000.0,
            pnl: Some(Pnl {
                pnl_percentage: 1.75,
                price_open: 42150.25,
                price_close: 42890.5,
                pnl_cost: 1.75,
                pnl_entries: 1.0,
            }),
            extra: "{}".to_string(),
        }),
        fall: None,
        timestamp: Some(1_700_000_060_000.0),
        partial: None,
        trailing_price_stop_loss: None,
        trailing_price_take_profit: None,
        entry: None,
        extra: r#"{"futureField":{"kept":true}}"#.to_string(),
    }
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn file_store() -> (tempfile::TempDir, Persist) {
    let dir = tempfile::tempdir().unwrap();
    let p = open(file_backend(dir.path()));
    (dir, p)
}

fn invalid(e: Error) -> (String, String) {
    match e {
        Error::InvalidInput { path, reason } => (path, reason),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn risk_entry(symbol: &str) -> RiskEntry {
    RiskEntry {
        key: format!("s_binance_{symbol}"),
        position: RiskPosition {
            strategy_name: "s".into(),
            exchange_name: "binance".into(),
            frame_name: String::new(),
            symbol: symbol.into(),
            position: Position::Short,
            price_open: 100.0,
            price_stop_loss: 110.0,
            price_take_profit: 90.0,
            minute_estimated_time: f64::INFINITY,
            open_timestamp: 1_700_000_000_000.0,
            extra: "{}".into(),
        },
    }
}

fn candle(timestamp: f64) -> Candle {
    Candle {
        timestamp,
        open: 1.5,
        high: 2.0,
        low: 1.0,
        close: 1.75,
        volume: 1000.0,
        extra: "{}".into(),
    }
}

const T0: f64 = 1_704_067_200_000.0;
const MINUTE: f64 = 60_000.0;

fn storage_row(id: &str, status: &str) -> String {
    format!(
        r#"{{"id":"{id}","position":"long","priceOpen":100,"priceTakeProfit":110,"priceStopLoss":95,"minuteEstimatedTime":null,"exchangeName":"binance","strategyName":"s","symbol":"BTCUSDT","status":"{status}","createdAt":1,"updatedAt":2,"priority":3,"currentPrice":101}}"#
    )
}

fn notification(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","type":"signal.opened","timestamp":1,"backtest":true,"symbol":"BTCUSDT"}}"#
    )
}

fn log_entry(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","type":"info","priority":1,"createdAt":"2024-01-01T00:00:00.000Z","timestamp":1,"methodContext":null,"executionContext":null,"topic":"t","args":[1,"x"]}}"#
    )
}

fn memory_record() -> String {
    r#"{"priority":1,"data":{"note":"x"},"removed":false,"index":"x","when":1}"#.to_string()
}
