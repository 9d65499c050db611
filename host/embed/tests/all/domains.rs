//! The 16 domain adapters through the component: round trips, isolation, the memo, every
//! domain rule and every kind of invalid input, on the file store (what backtest-kit reads)
//! and the memory store.

use persist_embed::records::{
    BreakevenLevel, Candle, Commit, Extreme, PartialLevels, Pnl, Position, RiskEntry, RiskPosition,
    SignalRow, StrategyData,
};
use persist_embed::{Backend, Error, Persist, StorageError};
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

#[test]
fn a_signal_round_trips_with_infinity_stored_as_null_and_unknown_fields_kept() {
    let (dir, mut p) = file_store();
    assert_eq!(
        p.read_signal_data("BTCUSDT", "my-strategy", "binance")
            .unwrap(),
        None
    );
    let signal = row("sig-1", "BTCUSDT");
    p.write_signal_data(Some(&signal), "BTCUSDT", "my-strategy", "binance")
        .unwrap();
    let on_disk = read(
        dir.path(),
        "data/signal/BTCUSDT_my-strategy_binance/BTCUSDT.json",
    );
    assert!(
        on_disk.contains(r#""minuteEstimatedTime":null"#),
        "{on_disk}"
    );
    assert!(
        on_disk
            .contains(r#""_peak":{"price":42890.5,"timestamp":1700003600000,"pnlPercentage":1.75"#),
        "{on_disk}"
    );
    assert!(
        on_disk.ends_with(r#""futureField":{"kept":true}}"#),
        "{on_disk}"
    );
    // A fresh instance reads what the file says.
    let mut fresh = open(file_backend(dir.path()));
    let back = fresh
        .read_signal_data("BTCUSDT", "my-strategy", "binance")
        .unwrap()
        .unwrap();
    assert_eq!(back.minute_estimated_time, f64::INFINITY);
    assert_eq!(back, signal);
    // None stores a null document; the file stays.
    fresh
        .write_signal_data(None, "BTCUSDT", "my-strategy", "binance")
        .unwrap();
    assert_eq!(
        read(
            dir.path(),
            "data/signal/BTCUSDT_my-strategy_binance/BTCUSDT.json"
        ),
        "null"
    );
    assert_eq!(
        fresh
            .read_signal_data("BTCUSDT", "my-strategy", "binance")
            .unwrap(),
        None
    );
}

#[test]
fn contexts_never_see_each_others_data() {
    for backend in [
        memory_backend(),
        file_backend(tempfile::tempdir().unwrap().keep().as_path()),
    ] {
        let mut p = open(backend);
        p.write_signal_data(Some(&row("a", "BTCUSDT")), "BTCUSDT", "s1", "binance")
            .unwrap();
        p.write_schedule_data(Some(&row("b", "BTCUSDT")), "BTCUSDT", "s1", "binance")
            .unwrap();
        for (symbol, strategy, exchange) in [
            ("ETHUSDT", "s1", "binance"),
            ("BTCUSDT", "s2", "binance"),
            ("BTCUSDT", "s1", "bybit"),
        ] {
            assert_eq!(
                p.read_signal_data(symbol, strategy, exchange).unwrap(),
                None,
                "{symbol} {strategy} {exchange}"
            );
            assert_eq!(
                p.read_schedule_data(symbol, strategy, exchange).unwrap(),
                None
            );
        }
        assert_eq!(
            p.read_signal_data("BTCUSDT", "s1", "binance")
                .unwrap()
                .unwrap()
                .id,
            "a"
        );
        assert_eq!(
            p.read_schedule_data("BTCUSDT", "s1", "binance")
                .unwrap()
                .unwrap()
                .id,
            "b"
        );
        assert_eq!(
            p.read_recent_data("BTCUSDT", "s1", "binance", "", false)
                .unwrap(),
            None
        );
        p.write_recent_data(
            Some(&row("r", "BTCUSDT")),
            "BTCUSDT",
            "s1",
            "binance",
            "",
            false,
            0.0,
        )
        .unwrap();
        assert_eq!(
            p.read_recent_data("BTCUSDT", "s1", "binance", "", true)
                .unwrap(),
            None,
            "backtest and live are apart"
        );
        assert_eq!(
            p.read_recent_data("BTCUSDT", "s1", "binance", "", false)
                .unwrap()
                .unwrap()
                .id,
            "r"
        );
    }
}

#[test]
fn every_domain_writes_where_backtest_kit_does() {
    let (dir, mut p) = file_store();
    p.write_signal_data(Some(&row("a", "BTCUSDT")), "BTCUSDT", "s", "binance")
        .unwrap();
    p.write_schedule_data(None, "BTCUSDT", "s", "binance")
        .unwrap();
    p.write_strategy_data(
        Some(&StrategyData {
            pending_signal_id: None,
            last_pending_id: None,
            created_signal: None,
            commit_queue: vec![],
            closed_signal: None,
            cancelled_signal: None,
            activated_signal: None,
            take_profit_signal: None,
            stop_loss_signal: None,
            retry_open_signal: None,
            retry_open_count: 0.0,
            retry_close_count: 0.0,
            is_paused: false,
            extra: String::new(),
        }),
        "BTCUSDT",
        "s",
        "binance",
    )
    .unwrap();
    p.write_position_data(&[], "my-risk", "binance", 0.0)
        .unwrap();
    p.write_partial_data(&[], "BTCUSDT", "s", "sig-1", "binance", 0.0)
        .unwrap();
    p.write_breakeven_data(&[], "BTCUSDT", "s", "sig-1", "binance", 0.0)
        .unwrap();
    p.write_candles_data(&[candle(1_704_067_200_000.0)], "BTCUSDT", "1m", "binance")
        .unwrap();
    p.write_storage_data(&[storage_row("sig-1", "opened")], false)
        .unwrap();
    p.write_notification_data(&[notification("n-1")], true)
        .unwrap();
    p.write_log_data(&[log_entry("l-1")]).unwrap();
    p.write_measure_data(
        r#"{"id":"k","data":1,"removed":false}"#,
        "m_1h_0",
        "BTCUSDT_0",
        0.0,
    )
    .unwrap();
    p.write_interval_data(
        r#"{"id":"k","data":1,"when":"2024-01-01T00:00:00.000Z","removed":false}"#,
        "i_1h_0",
        "k",
        0.0,
    )
    .unwrap();
    p.write_memory_data(&memory_record(), "sig-1", "notes", "m-1", 0.0)
        .unwrap();
    p.write_recent_data(None, "BTCUSDT", "s", "binance", "", false, 0.0)
        .unwrap();
    p.write_state_data(
        r#"{"id":"sig-1_st","data":{},"when":1}"#,
        "sig-1",
        "st",
        0.0,
    )
    .unwrap();
    p.write_session_data(
        r#"{"id":"BTCUSDT:s:binance:live","data":null,"when":1}"#,
        "s",
        "binance",
        "",
        0.0,
        "BTCUSDT",
        false,
    )
    .unwrap();
    p.write_session_data(
        r#"{"id":"BTCUSDT:s:binance:f1:backtest","data":{},"when":1}"#,
        "s",
        "binance",
        "f1",
        0.0,
        "BTCUSDT",
        true,
    )
    .unwrap();
    assert_eq!(
        files_under(dir.path()),
        [
            "data/breakeven/BTCUSDT_s_binance/sig-1.json",
            "data/candle/binance/BTCUSDT/1m/1704067200000.json",
            "data/interval/i_1h_0/k.json",
            "data/log/log/l-1.json",
            "data/measure/m_1h_0/BTCUSDT_0.json",
            "data/notification/backtest/n-1.json",
            "data/partial/BTCUSDT_s_binance/sig-1.json",
            "data/recent/BTCUSDT_s_binance_live/BTCUSDT.json",
            "data/risk/my-risk_binance/positions.json",
            "data/schedule/BTCUSDT_s_binance/BTCUSDT.json",
            "data/signal/BTCUSDT_s_binance/BTCUSDT.json",
            "data/storage/live/sig-1.json",
            "data/strategy/BTCUSDT_s_binance/strategy.json",
            "memory/sig-1/notes/m-1.json",
            "session/s/binance/BTCUSDT_live.json",
            "session/s/binance/f1/BTCUSDT_backtest.json",
            "state/sig-1/st/st.json",
        ]
    );
    assert_eq!(
        read(dir.path(), "data/risk/my-risk_binance/positions.json"),
        "[]"
    );
    assert_eq!(
        read(dir.path(), "data/partial/BTCUSDT_s_binance/sig-1.json"),
        "{}"
    );
    assert_eq!(
        p.check(true).unwrap().findings.len(),
        0,
        "everything written is valid"
    );
}

#[test]
fn strategy_data_keeps_its_commit_queue_and_deferred_rows() {
    let (dir, mut p) = file_store();
    let mut closed = row("sig-9", "BTCUSDT");
    closed.extra = r#"{"closeId":"c-1","closeNote":"tp"}"#.to_string();
    let data = StrategyData {
        pending_signal_id: Some("sig-9".to_string()),
        last_pending_id: Some("sig-8".to_string()),
        created_signal: Some(
            r#"{"position":"short","priceTakeProfit":1,"priceStopLoss":2}"#.to_string(),
        ),
        commit_queue: vec![Commit {
            action: "partial-profit".to_string(),
            symbol: "BTCUSDT".to_string(),
            backtest: false,
            percent_to_close: Some(25.0),
            current_price: Some(43000.0),
            cost: None,
            total_entries: None,
            percent_shift: None,
            signal_id: None,
            activate_id: None,
            extra: "{}".to_string(),
        }],
        closed_signal: Some(closed),
        cancelled_signal: None,
        activated_signal: None,
        take_profit_signal: None,
        stop_loss_signal: None,
        retry_open_signal: None,
        retry_open_count: 1.0,
        retry_close_count: 0.0,
        is_paused: true,
        extra: String::new(),
    };
    p.write_strategy_data(Some(&data), "BTCUSDT", "s", "binance")
        .unwrap();
    let text = read(dir.path(), "data/strategy/BTCUSDT_s_binance/strategy.json");
    assert!(text.contains(r#""commitQueue":[{"action":"partial-profit","symbol":"BTCUSDT","backtest":false,"percentToClose":25,"currentPrice":43000}]"#), "{text}");
    assert!(text.contains(r#""closeId":"c-1""#), "{text}");
    let back = open(file_backend(dir.path()))
        .read_strategy_data("BTCUSDT", "s", "binance")
        .unwrap()
        .unwrap();
    assert_eq!(
        back.closed_signal.as_ref().unwrap().minute_estimated_time,
        f64::INFINITY
    );
    assert_eq!(back.commit_queue, data.commit_queue);
    assert!(back.is_paused);
    // An old snapshot without the later fields reads with their defaults.
    std::fs::write(
        dir.path()
            .join("data/strategy/BTCUSDT_s_binance/strategy.json"),
        r#"{"pendingSignalId":null,"lastPendingId":null,"createdSignal":null,"commitQueue":[]}"#,
    )
    .unwrap();
    let old = open(file_backend(dir.path()))
        .read_strategy_data("BTCUSDT", "s", "binance")
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            old.retry_open_count,
            old.retry_close_count,
            old.is_paused,
            old.closed_signal
        ),
        (0.0, 0.0, false, None)
    );
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

#[test]
fn risk_positions_live_under_the_id_positions() {
    let (dir, mut p) = file_store();
    assert_eq!(
        p.read_position_data("my-risk", "binance", 0.0).unwrap(),
        vec![]
    );
    let rows = vec![risk_entry("BTCUSDT"), risk_entry("ETHUSDT")];
    p.write_position_data(&rows, "my-risk", "binance", 0.0)
        .unwrap();
    let text = read(dir.path(), "data/risk/my-risk_binance/positions.json");
    assert!(
        text.starts_with(r#"[["s_binance_BTCUSDT",{"strategyName":"s","#),
        "{text}"
    );
    assert!(text.contains(r#""minuteEstimatedTime":null"#));
    assert_eq!(
        open(file_backend(dir.path()))
            .read_position_data("my-risk", "binance", 0.0)
            .unwrap(),
        rows
    );
    assert_eq!(
        p.read_position_data("other-risk", "binance", 0.0).unwrap(),
        vec![]
    );
}

#[test]
fn partial_and_breakeven_levels_are_stored_per_signal_id() {
    let (dir, mut p) = file_store();
    let levels = vec![PartialLevels {
        signal_id: "sig-1".into(),
        profit_levels: vec![10, 20],
        loss_levels: vec![],
        extra: "{}".into(),
    }];
    p.write_partial_data(&levels, "BTCUSDT", "s", "sig-1", "binance", 0.0)
        .unwrap();
    assert_eq!(
        read(dir.path(), "data/partial/BTCUSDT_s_binance/sig-1.json"),
        r#"{"sig-1":{"profitLevels":[10,20],"lossLevels":[]}}"#
    );
    assert_eq!(
        p.read_partial_data("BTCUSDT", "s", "sig-1", "binance", 0.0)
            .unwrap(),
        levels
    );
    assert_eq!(
        p.read_partial_data("BTCUSDT", "s", "sig-2", "binance", 0.0)
            .unwrap(),
        vec![]
    );
    let reached = vec![BreakevenLevel {
        signal_id: "sig-1".into(),
        reached: true,
        extra: "{}".into(),
    }];
    p.write_breakeven_data(&reached, "BTCUSDT", "s", "sig-1", "binance", 0.0)
        .unwrap();
    assert_eq!(
        read(dir.path(), "data/breakeven/BTCUSDT_s_binance/sig-1.json"),
        r#"{"sig-1":{"reached":true}}"#
    );
    assert_eq!(
        p.read_breakeven_data("BTCUSDT", "s", "sig-1", "binance", 0.0)
            .unwrap(),
        reached
    );
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

#[test]
fn candles_are_first_write_wins_skip_unclosed_and_miss_on_any_gap() {
    let dir = tempfile::tempdir().unwrap();
    // The clock stands 3.5 minutes after T0: candles at T0, T0+1m and T0+2m are closed.
    let now = UNIX_EPOCH + Duration::from_millis((T0 + 3.5 * MINUTE) as u64);
    let mut p = runtime().open_at(file_backend(dir.path()), now).unwrap();
    let written = p
        .write_candles_data(
            &[candle(T0), candle(T0 + MINUTE), candle(T0 + 3.0 * MINUTE)],
            "BTCUSDT",
            "1m",
            "binance",
        )
        .unwrap();
    assert_eq!(
        (written.written, written.existing, written.unclosed),
        (2, 0, 1)
    );
    let mut changed = candle(T0);
    changed.close = 9.0;
    let again = p
        .write_candles_data(
            &[changed, candle(T0 + 2.0 * MINUTE)],
            "BTCUSDT",
            "1m",
            "binance",
        )
        .unwrap();
    assert_eq!((again.written, again.existing, again.unclosed), (1, 1, 0));
    let three = p
        .read_candles_data("BTCUSDT", "1m", "binance", 3, T0, 0.0)
        .unwrap()
        .unwrap();
    assert_eq!(
        three.iter().map(|c| c.close).collect::<Vec<_>>(),
        [1.75, 1.75, 1.75],
        "never overwritten"
    );
    assert_eq!(
        p.read_candles_data("BTCUSDT", "1m", "binance", 4, T0, 0.0)
            .unwrap(),
        None,
        "a gap is a miss"
    );
    assert_eq!(
        p.read_candles_data("BTCUSDT", "5m", "binance", 1, T0, 0.0)
            .unwrap(),
        None,
        "intervals are apart"
    );
    // An unreadable candle is a miss with a warning.
    std::fs::write(
        dir.path()
            .join("data/candle/binance/BTCUSDT/1m/1704067260000.json"),
        "{\"timestamp\":",
    )
    .unwrap();
    assert_eq!(
        p.read_candles_data("BTCUSDT", "1m", "binance", 3, T0, 0.0)
            .unwrap(),
        None
    );
    let warnings = p.take_warnings();
    assert!(
        warnings.iter().any(
            |w| w.contains("invalid candle symbol=BTCUSDT interval=1m timestamp=1704067260000")
        ),
        "{warnings:?}"
    );
    let bad = p
        .write_candles_data(&[], "BTCUSDT", "7m", "binance")
        .unwrap_err();
    assert_eq!(invalid(bad).0, "interval");
}

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

#[test]
fn signals_store_and_notifications_never_delete_and_read_in_natural_order() {
    let mut p = open(memory_backend());
    p.write_storage_data(
        &[
            storage_row("sig-10", "opened"),
            storage_row("sig-9", "scheduled"),
        ],
        false,
    )
    .unwrap();
    p.write_storage_data(&[storage_row("sig-10", "cancelled")], false)
        .unwrap();
    let rows = p.read_storage_data(false).unwrap();
    assert_eq!(rows.len(), 2, "writing fewer rows deletes nothing");
    assert!(
        rows[0].contains(r#""id":"sig-9""#) && rows[1].contains(r#""status":"cancelled""#),
        "{rows:?}"
    );
    assert_eq!(p.read_storage_data(true).unwrap(), Vec::<String>::new());
    p.write_notification_data(&[notification("n-2"), notification("n-1")], false)
        .unwrap();
    let notes = p.read_notification_data(false).unwrap();
    assert!(notes[0].contains("n-1") && notes[1].contains("n-2"));
}

#[test]
fn the_log_is_append_only() {
    let (dir, mut p) = file_store();
    assert_eq!(
        p.write_log_data(&[log_entry("l-1"), log_entry("l-2")])
            .unwrap(),
        2
    );
    let changed = log_entry("l-1").replace(r#""topic":"t""#, r#""topic":"changed""#);
    assert_eq!(p.write_log_data(&[changed, log_entry("l-3")]).unwrap(), 1);
    assert!(read(dir.path(), "data/log/log/l-1.json").contains(r#""topic":"t""#));
    assert_eq!(p.read_log_data().unwrap().len(), 3);
}

#[test]
fn measure_interval_and_memory_deletes_are_soft() {
    let (dir, mut p) = file_store();
    p.write_measure_data(
        r#"{"id":"k","data":{"v":1},"removed":false}"#,
        "b",
        "k",
        0.0,
    )
    .unwrap();
    p.write_measure_data(r#"{"id":"j","data":2,"removed":false}"#, "b", "j", 0.0)
        .unwrap();
    assert_eq!(p.list_measure_data("b").unwrap(), ["j", "k"]);
    p.remove_measure_data("b", "k").unwrap();
    p.remove_measure_data("b", "missing").unwrap();
    assert_eq!(p.read_measure_data("b", "k").unwrap(), None);
    assert_eq!(
        read(dir.path(), "data/measure/b/k.json"),
        r#"{"id":"k","data":{"v":1},"removed":true}"#
    );
    assert_eq!(p.list_measure_data("b").unwrap(), ["j"]);
    assert!(!dir.path().join("data/measure/b/missing.json").exists());

    p.write_interval_data(
        r#"{"id":"k","data":1,"when":"2024-01-01T00:00:00.000Z","removed":false}"#,
        "b",
        "k",
        0.0,
    )
    .unwrap();
    p.remove_interval_data("b", "k").unwrap();
    assert_eq!(p.read_interval_data("b", "k").unwrap(), None);
    assert_eq!(p.list_interval_data("b").unwrap(), Vec::<String>::new());
    assert!(read(dir.path(), "data/interval/b/k.json").contains(r#""removed":true"#));

    p.write_memory_data(&memory_record(), "sig-1", "notes", "m-1", 0.0)
        .unwrap();
    p.write_memory_data(&memory_record(), "sig-1", "notes", "m-2", 0.0)
        .unwrap();
    p.remove_memory_data("sig-1", "notes", "m-1").unwrap();
    assert_eq!(p.read_memory_data("sig-1", "notes", "m-1").unwrap(), None);
    assert!(
        p.has_memory_data("sig-1", "notes", "m-1").unwrap(),
        "has is true for a removed record"
    );
    let items = p.list_memory_data("sig-1", "notes").unwrap();
    assert_eq!(
        items
            .iter()
            .map(|i| i.memory_id.as_str())
            .collect::<Vec<_>>(),
        ["m-2"]
    );
    assert_eq!(p.list_memory_data("sig-2", "notes").unwrap().len(), 0);
}

#[test]
fn state_round_trips_and_a_session_with_another_id_is_ignored_with_a_warning() {
    let (dir, mut p) = file_store();
    p.write_state_data(
        r#"{"id":"sig-1_st","data":{"step":2},"when":5}"#,
        "sig-1",
        "st",
        5.0,
    )
    .unwrap();
    assert_eq!(
        p.read_state_data("sig-1", "st").unwrap().unwrap(),
        r#"{"id":"sig-1_st","data":{"step":2},"when":5}"#
    );
    assert_eq!(p.read_state_data("sig-2", "st").unwrap(), None);

    let session = r#"{"id":"BTCUSDT:s:binance:live","data":{"n":1},"when":1}"#;
    p.write_session_data(session, "s", "binance", "", 1.0, "BTCUSDT", false)
        .unwrap();
    assert_eq!(
        p.read_session_data("s", "binance", "", "BTCUSDT", false)
            .unwrap()
            .unwrap(),
        session
    );
    std::fs::write(
        dir.path().join("session/s/binance/BTCUSDT_live.json"),
        r#"{"id":"ETHUSDT:s:binance:live","data":{},"when":1}"#,
    )
    .unwrap();
    assert_eq!(
        p.read_session_data("s", "binance", "", "BTCUSDT", false)
            .unwrap(),
        None
    );
    let warnings = p.take_warnings();
    assert!(warnings.iter().any(|w| w.contains("persisted session id mismatch, ignoring record (expected=BTCUSDT:s:binance:live, got=ETHUSDT:s:binance:live)")), "{warnings:?}");
}

#[test]
fn invalid_input_names_the_field_and_writes_nothing() {
    let (dir, mut p) = file_store();
    let mut nan = row("a", "BTCUSDT");
    nan.price_open = f64::NAN;
    assert_eq!(
        invalid(
            p.write_signal_data(Some(&nan), "BTCUSDT", "s", "binance")
                .unwrap_err()
        ),
        (
            "signal.priceOpen".into(),
            "expected a finite number, got NaN".into()
        )
    );
    let mut inf = row("a", "BTCUSDT");
    inf.price_take_profit = f64::INFINITY;
    assert_eq!(
        invalid(
            p.write_signal_data(Some(&inf), "BTCUSDT", "s", "binance")
                .unwrap_err()
        )
        .0,
        "signal.priceTakeProfit"
    );
    let mut eta = row("a", "BTCUSDT");
    eta.minute_estimated_time = -5.0;
    assert_eq!(
        invalid(
            p.write_signal_data(Some(&eta), "BTCUSDT", "s", "binance")
                .unwrap_err()
        )
        .0,
        "signal.minuteEstimatedTime"
    );
    let mut twice = row("a", "BTCUSDT");
    twice.extra = r#"{"priceOpen":1}"#.into();
    assert_eq!(
        invalid(
            p.write_signal_data(Some(&twice), "BTCUSDT", "s", "binance")
                .unwrap_err()
        ),
        (
            "signal.priceOpen".into(),
            "given twice: as a field of the record and in its extra".into()
        )
    );
    let mut not_object = row("a", "BTCUSDT");
    not_object.extra = "[1]".into();
    assert_eq!(
        invalid(
            p.write_signal_data(Some(&not_object), "BTCUSDT", "s", "binance")
                .unwrap_err()
        ),
        (
            "signal.extra".into(),
            "expected a JSON object, got [1]".into()
        )
    );
    let mut bad_entry = row("a", "BTCUSDT");
    bad_entry.entry = Some(vec![persist_embed::records::Entry {
        price: 1.0,
        cost: f64::NAN,
        timestamp: 1.0,
        extra: String::new(),
    }]);
    assert_eq!(
        invalid(
            p.write_signal_data(Some(&bad_entry), "BTCUSDT", "s", "binance")
                .unwrap_err()
        )
        .0,
        "signal._entry[0].cost"
    );
    let levels = vec![PartialLevels {
        signal_id: "sig-1".into(),
        profit_levels: vec![15],
        loss_levels: vec![],
        extra: String::new(),
    }];
    assert_eq!(
        invalid(
            p.write_partial_data(&levels, "BTCUSDT", "s", "sig-1", "binance", 0.0)
                .unwrap_err()
        ),
        (
            "partial.sig-1.profitLevels[0]".into(),
            "expected a level of 10, 20, … or 100, got 15".into()
        )
    );
    let mut commit_data = StrategyData {
        pending_signal_id: None,
        last_pending_id: None,
        created_signal: None,
        commit_queue: vec![],
        closed_signal: None,
        cancelled_signal: None,
        activated_signal: None,
        take_profit_signal: None,
        stop_loss_signal: None,
        retry_open_signal: None,
        retry_open_count: 0.0,
        retry_close_count: 0.0,
        is_paused: false,
        extra: String::new(),
    };
    commit_data.commit_queue.push(Commit {
        action: "average-buy".into(),
        symbol: "X".into(),
        backtest: false,
        percent_to_close: None,
        current_price: Some(1.0),
        cost: None,
        total_entries: Some(2.0),
        percent_shift: None,
        signal_id: None,
        activate_id: None,
        extra: String::new(),
    });
    assert_eq!(
        invalid(
            p.write_strategy_data(Some(&commit_data), "X", "s", "binance")
                .unwrap_err()
        ),
        (
            "strategy.commitQueue[0].cost".into(),
            "required by action \"average-buy\"".into()
        )
    );
    let mut bad_candle = candle(T0);
    bad_candle.high = f64::NAN;
    assert_eq!(
        invalid(
            p.write_candles_data(&[candle(T0), bad_candle], "BTCUSDT", "1m", "binance")
                .unwrap_err()
        )
        .0,
        "candles[1].high"
    );
    assert_eq!(
        invalid(
            p.write_storage_data(&[storage_row("x", "lost")], false)
                .unwrap_err()
        ),
        (
            "storage[0].status".into(),
            "expected \"opened\" or \"scheduled\" or \"closed\" or \"cancelled\", got \"lost\""
                .into()
        )
    );
    assert_eq!(
        invalid(
            p.write_log_data(&[log_entry("l").replace(r#""type":"info""#, r#""type":"shout""#)])
                .unwrap_err()
        )
        .0,
        "log[0].type"
    );
    assert_eq!(
        invalid(
            p.write_notification_data(&["{".to_string()], false)
                .unwrap_err()
        )
        .0,
        "notification[0]"
    );
    assert_eq!(
        invalid(
            p.write_measure_data(r#"{"id":"k","data":1}"#, "b", "k", 0.0)
                .unwrap_err()
        ),
        (
            "measure.removed".into(),
            "expected true or false, got nothing (the field is missing)".into()
        )
    );
    assert_eq!(
        invalid(
            p.write_memory_data(
                r#"{"priority":1,"data":[],"removed":false,"index":"x","when":1}"#,
                "s",
                "b",
                "m",
                0.0
            )
            .unwrap_err()
        )
        .0,
        "memory.data"
    );
    assert_eq!(
        invalid(
            p.write_state_data(r#"{"id":"x","data":{},"when":"now"}"#, "s", "b", 0.0)
                .unwrap_err()
        )
        .0,
        "state.when"
    );
    assert_eq!(
        invalid(
            p.write_session_data(
                r#"{"id":"x","data":5,"when":1}"#,
                "s",
                "e",
                "",
                0.0,
                "X",
                false
            )
            .unwrap_err()
        )
        .0,
        "session.data"
    );
    let data_files: Vec<String> = files_under(dir.path());
    assert!(data_files.is_empty(), "nothing was written: {data_files:?}");
}

#[test]
fn a_context_part_that_is_not_a_safe_name_is_escaped_inside_the_root() {
    let (dir, mut p) = file_store();
    p.write_signal_data(Some(&row("a", "../../etc")), "../../etc", "s", "binance")
        .unwrap();
    p.write_candles_data(&[candle(T0)], "a/b", "1m", "..")
        .unwrap();
    assert_eq!(
        files_under(dir.path()),
        [
            "data/candle/%2E./a%2Fb/1m/1704067200000.json",
            "data/signal/%2E.%2F..%2Fetc_s_binance/%2E.%2F..%2Fetc.json",
        ]
    );
    assert_eq!(
        p.read_signal_data("../../etc", "s", "binance")
            .unwrap()
            .unwrap()
            .symbol,
        "../../etc"
    );
}

/// A store that counts the folder listings of the guest's init scans.
struct Counting {
    inner: Arc<dyn Backend>,
    lists: AtomicUsize,
}

impl Backend for Counting {
    fn url(&self) -> String {
        self.inner.url()
    }
    fn read(&self, e: &str, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        self.inner.read(e, id)
    }
    fn write(&self, e: &str, id: &str, v: &[u8]) -> Result<(), StorageError> {
        self.inner.write(e, id, v)
    }
    fn write_if_absent(&self, e: &str, id: &str, v: &[u8]) -> Result<bool, StorageError> {
        self.inner.write_if_absent(e, id, v)
    }
    fn remove(&self, e: &str, id: &str) -> Result<(), StorageError> {
        self.inner.remove(e, id)
    }
    fn list_ids(&self, e: &str) -> Result<Vec<String>, StorageError> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        self.inner.list_ids(e)
    }
    fn entities(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        self.inner.entities(prefix)
    }
    fn quarantine(&self, e: &str, id: &str, r: &str) -> Result<(), StorageError> {
        self.inner.quarantine(e, id, r)
    }
}

#[test]
fn wait_for_init_scans_each_context_once_until_clear() {
    let counting = Arc::new(Counting {
        inner: memory_backend(),
        lists: AtomicUsize::new(0),
    });
    let mut p = open(counting.clone());
    for _ in 0..5 {
        p.write_signal_data(Some(&row("a", "BTCUSDT")), "BTCUSDT", "s", "binance")
            .unwrap();
        p.read_signal_data("BTCUSDT", "s", "binance").unwrap();
        p.signal_wait_for_init("BTCUSDT", "s", "binance").unwrap();
    }
    assert_eq!(
        counting.lists.load(Ordering::SeqCst),
        1,
        "one scan for one context"
    );
    p.read_signal_data("ETHUSDT", "s", "binance").unwrap();
    p.read_schedule_data("BTCUSDT", "s", "binance").unwrap();
    assert_eq!(
        counting.lists.load(Ordering::SeqCst),
        3,
        "one more per new context"
    );
    p.signal_clear().unwrap();
    p.read_signal_data("BTCUSDT", "s", "binance").unwrap();
    assert_eq!(
        counting.lists.load(Ordering::SeqCst),
        4,
        "clear drops the memo"
    );
    p.memory_wait_for_init("sig", "b").unwrap();
    p.memory_dispose("sig", "b").unwrap();
    p.read_memory_data("sig", "b", "m").unwrap();
    assert_eq!(
        counting.lists.load(Ordering::SeqCst),
        6,
        "dispose drops one context"
    );
}

#[test]
fn init_quarantines_documents_that_are_json_but_not_records_of_their_domain() {
    let (dir, mut p) = file_store();
    let folder = dir.path().join("data/candle/binance/BTCUSDT/1m");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("1704067200000.json"),
        r#"{"timestamp":1704067200000,"open":"1"}"#,
    )
    .unwrap();
    std::fs::write(
        folder.join("1704067260000.json"),
        r#"{"timestamp":1704067260000,"open":1,"high":1,"low":1,"close":1,"volume":1}"#,
    )
    .unwrap();
    let report = p.candle_wait_for_init("BTCUSDT", "1m", "binance").unwrap();
    assert_eq!((report.checked, report.valid), (2, 1));
    assert_eq!(
        report.findings[0].reason,
        "candle.open: expected a number, got \"1\""
    );
    assert!(report.findings[0].quarantined);
    assert!(!folder.join("1704067200000.json").exists());
    assert!(
        files_under(dir.path())
            .iter()
            .any(|f| f.starts_with(".quarantine/data/candle/binance/BTCUSDT/1m/1704067200000."))
    );
}

#[test]
fn the_json_of_typed_records_round_trips_through_the_guest() {
    let mut p = open(memory_backend());
    let json = p.signal_row_to_json(&row("a", "BTCUSDT")).unwrap();
    assert!(json.contains(r#""minuteEstimatedTime":null"#));
    assert_eq!(p.signal_row_from_json(&json).unwrap(), row("a", "BTCUSDT"));
    let (path, reason) = invalid(
        p.signal_row_from_json(r#"{"id":"a","position":"long","priceOpen":"abc"}"#)
            .unwrap_err(),
    );
    assert_eq!(
        format!("{path}: {reason}"),
        r#"signal.priceOpen: expected a number, got "abc""#
    );
    let candles = p
        .candles_from_json(
            r#"[{"timestamp":1,"open":1,"high":1,"low":1,"close":1,"volume":1,"trades":7}]"#,
        )
        .unwrap();
    assert_eq!(candles[0].extra, r#"{"trades":7}"#);
    assert_eq!(
        p.candles_to_json(&candles).unwrap(),
        r#"[{"timestamp":1,"open":1,"high":1,"low":1,"close":1,"volume":1,"trades":7}]"#
    );
}

#[test]
fn every_domain_keeps_its_contexts_apart() {
    let dir = tempfile::tempdir().unwrap();
    let now = UNIX_EPOCH + Duration::from_millis((T0 + 10.0 * MINUTE) as u64);
    let mut p = runtime().open_at(file_backend(dir.path()), now).unwrap();
    let strategy = StrategyData {
        pending_signal_id: Some("sig-1".into()),
        last_pending_id: None,
        created_signal: None,
        commit_queue: vec![],
        closed_signal: None,
        cancelled_signal: None,
        activated_signal: None,
        take_profit_signal: None,
        stop_loss_signal: None,
        retry_open_signal: None,
        retry_open_count: 0.0,
        retry_close_count: 0.0,
        is_paused: false,
        extra: "{}".into(),
    };
    p.write_strategy_data(Some(&strategy), "BTCUSDT", "s1", "binance")
        .unwrap();
    p.write_position_data(&[risk_entry("BTCUSDT")], "r", "binance", 0.0)
        .unwrap();
    let levels = vec![PartialLevels {
        signal_id: "sig-1".into(),
        profit_levels: vec![10],
        loss_levels: vec![],
        extra: String::new(),
    }];
    p.write_partial_data(&levels, "BTCUSDT", "s1", "sig-1", "binance", 0.0)
        .unwrap();
    let reached = vec![BreakevenLevel {
        signal_id: "sig-1".into(),
        reached: true,
        extra: String::new(),
    }];
    p.write_breakeven_data(&reached, "BTCUSDT", "s1", "sig-1", "binance", 0.0)
        .unwrap();
    p.write_candles_data(&[candle(T0)], "BTCUSDT", "1m", "binance")
        .unwrap();
    p.write_measure_data(r#"{"id":"k","data":1,"removed":false}"#, "b1", "k", 0.0)
        .unwrap();
    p.write_interval_data(
        r#"{"id":"k","data":1,"when":"2024-01-01T00:00:00.000Z","removed":false}"#,
        "b1",
        "k",
        0.0,
    )
    .unwrap();
    p.write_memory_data(&memory_record(), "sig-1", "notes", "m", 0.0)
        .unwrap();
    p.write_state_data(
        r#"{"id":"sig-1_st","data":{},"when":1}"#,
        "sig-1",
        "st",
        0.0,
    )
    .unwrap();
    p.write_session_data(
        r#"{"id":"BTCUSDT:s1:binance:live","data":{},"when":1}"#,
        "s1",
        "binance",
        "",
        0.0,
        "BTCUSDT",
        false,
    )
    .unwrap();

    for (symbol, strat, exchange) in [
        ("ETHUSDT", "s1", "binance"),
        ("BTCUSDT", "s2", "binance"),
        ("BTCUSDT", "s1", "bybit"),
    ] {
        assert_eq!(
            p.read_strategy_data(symbol, strat, exchange).unwrap(),
            None,
            "{symbol} {strat} {exchange}"
        );
        assert_eq!(
            p.read_partial_data(symbol, strat, "sig-1", exchange, 0.0)
                .unwrap(),
            vec![]
        );
        assert_eq!(
            p.read_breakeven_data(symbol, strat, "sig-1", exchange, 0.0)
                .unwrap(),
            vec![]
        );
        assert_eq!(
            p.read_session_data(strat, exchange, "", symbol, false)
                .unwrap(),
            None
        );
    }
    assert_eq!(
        p.read_partial_data("BTCUSDT", "s1", "sig-2", "binance", 0.0)
            .unwrap(),
        vec![],
        "another signal id"
    );
    assert_eq!(p.read_position_data("r", "bybit", 0.0).unwrap(), vec![]);
    assert_eq!(p.read_position_data("r2", "binance", 0.0).unwrap(), vec![]);
    assert_eq!(
        p.read_candles_data("BTCUSDT", "1m", "bybit", 1, T0, 0.0)
            .unwrap(),
        None
    );
    assert_eq!(
        p.read_candles_data("ETHUSDT", "1m", "binance", 1, T0, 0.0)
            .unwrap(),
        None
    );
    assert_eq!(p.read_measure_data("b2", "k").unwrap(), None);
    assert_eq!(p.read_interval_data("b2", "k").unwrap(), None);
    assert!(p.read_measure_data("b1", "k").unwrap().is_some());
    assert_eq!(p.read_memory_data("sig-2", "notes", "m").unwrap(), None);
    assert_eq!(p.read_memory_data("sig-1", "other", "m").unwrap(), None);
    assert_eq!(p.read_state_data("sig-1", "other").unwrap(), None);
    assert_eq!(
        p.read_session_data("s1", "binance", "", "BTCUSDT", true)
            .unwrap(),
        None,
        "backtest and live are apart"
    );
    assert_eq!(
        p.read_session_data("s1", "binance", "f1", "BTCUSDT", false)
            .unwrap(),
        None,
        "frames are apart"
    );
    assert_eq!(
        p.read_strategy_data("BTCUSDT", "s1", "binance").unwrap(),
        Some(strategy)
    );
}
