//! The signal, schedule and strategy domains: round trips, Infinity, unknown fields kept, contexts kept apart, the strategy's commit queue and deferred rows.

use super::*;

#[test]
fn a_signal_round_trips_with_infinity_stored_as_null_and_unknown_fields_kept() {
    let (dir, mut p) = file_store();
    assert_eq!(
        p.signal("BTCUSDT", "my-strategy", "binance")
            .read_signal_data()
            .unwrap(),
        None
    );
    let signal = row("sig-1", "BTCUSDT");
    p.signal("BTCUSDT", "my-strategy", "binance")
        .write_signal_data(Some(&signal))
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
        .signal("BTCUSDT", "my-strategy", "binance")
        .read_signal_data()
        .unwrap()
        .unwrap();
    assert_eq!(back.minute_estimated_time, f64::INFINITY);
    assert_eq!(back, signal);
    // None stores a null document; the file stays.
    fresh
        .signal("BTCUSDT", "my-strategy", "binance")
        .write_signal_data(None)
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
            .signal("BTCUSDT", "my-strategy", "binance")
            .read_signal_data()
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
        p.signal("BTCUSDT", "s1", "binance")
            .write_signal_data(Some(&row("a", "BTCUSDT")))
            .unwrap();
        p.schedule("BTCUSDT", "s1", "binance")
            .write_schedule_data(Some(&row("b", "BTCUSDT")))
            .unwrap();
        for (symbol, strategy, exchange) in [
            ("ETHUSDT", "s1", "binance"),
            ("BTCUSDT", "s2", "binance"),
            ("BTCUSDT", "s1", "bybit"),
        ] {
            assert_eq!(
                p.signal(symbol, strategy, exchange)
                    .read_signal_data()
                    .unwrap(),
                None,
                "{symbol} {strategy} {exchange}"
            );
            assert_eq!(
                p.schedule(symbol, strategy, exchange)
                    .read_schedule_data()
                    .unwrap(),
                None
            );
        }
        assert_eq!(
            p.signal("BTCUSDT", "s1", "binance")
                .read_signal_data()
                .unwrap()
                .unwrap()
                .id,
            "a"
        );
        assert_eq!(
            p.schedule("BTCUSDT", "s1", "binance")
                .read_schedule_data()
                .unwrap()
                .unwrap()
                .id,
            "b"
        );
        assert_eq!(
            p.recent("BTCUSDT", "s1", "binance", "", false)
                .read_recent_data()
                .unwrap(),
            None
        );
        p.recent("BTCUSDT", "s1", "binance", "", false)
            .write_recent_data(Some(&row("r", "BTCUSDT")), 0.0)
            .unwrap();
        assert_eq!(
            p.recent("BTCUSDT", "s1", "binance", "", true)
                .read_recent_data()
                .unwrap(),
            None,
            "backtest and live are apart"
        );
        assert_eq!(
            p.recent("BTCUSDT", "s1", "binance", "", false)
                .read_recent_data()
                .unwrap()
                .unwrap()
                .id,
            "r"
        );
    }
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
            action: CommitAction::PartialProfit,
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
    p.strategy("BTCUSDT", "s", "binance")
        .write_strategy_data(Some(&data))
        .unwrap();
    let text = read(dir.path(), "data/strategy/BTCUSDT_s_binance/strategy.json");
    assert!(text.contains(r#""commitQueue":[{"action":"partial-profit","symbol":"BTCUSDT","backtest":false,"percentToClose":25,"currentPrice":43000}]"#), "{text}");
    assert!(text.contains(r#""closeId":"c-1""#), "{text}");
    let back = open(file_backend(dir.path()))
        .strategy("BTCUSDT", "s", "binance")
        .read_strategy_data()
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
        .strategy("BTCUSDT", "s", "binance")
        .read_strategy_data()
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
