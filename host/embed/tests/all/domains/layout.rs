//! Where every domain writes (backtest-kit's ./dump layout), unsafe context parts escaped inside the root, and contexts kept apart.

use super::*;

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
