//! Where every domain writes (backtest-kit's ./dump layout), unsafe context parts escaped inside the root, and contexts kept apart.

use super::*;

#[test]
fn every_domain_writes_where_backtest_kit_does() {
    let (dir, mut p) = file_store();
    p.signal("BTCUSDT", "s", "binance")
        .write_signal_data(Some(&row("a", "BTCUSDT")))
        .unwrap();
    p.schedule("BTCUSDT", "s", "binance")
        .write_schedule_data(None)
        .unwrap();
    p.strategy("BTCUSDT", "s", "binance")
        .write_strategy_data(Some(&StrategyData {
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
        }))
        .unwrap();
    p.risk("my-risk", "binance")
        .write_position_data(&[], 0.0)
        .unwrap();
    p.partial("BTCUSDT", "s", "binance")
        .write_partial_data(&[], "sig-1", 0.0)
        .unwrap();
    p.breakeven("BTCUSDT", "s", "binance")
        .write_breakeven_data(&[], "sig-1", 0.0)
        .unwrap();
    p.candle("BTCUSDT", "1m", "binance")
        .write_candles_data(&[candle(1_704_067_200_000.0)])
        .unwrap();
    p.storage(false)
        .write_storage_data(&[storage_row("sig-1", "opened")])
        .unwrap();
    p.notification(true)
        .write_notification_data(&[notification("n-1")])
        .unwrap();
    p.log().write_log_data(&[log_entry("l-1")]).unwrap();
    p.measure("m_1h_0")
        .write_measure_data(r#"{"id":"k","data":1,"removed":false}"#, "BTCUSDT_0", 0.0)
        .unwrap();
    p.interval("i_1h_0")
        .write_interval_data(
            r#"{"id":"k","data":1,"when":"2024-01-01T00:00:00.000Z","removed":false}"#,
            "k",
            0.0,
        )
        .unwrap();
    p.memory("sig-1", "notes")
        .write_memory_data(&memory_record(), "m-1", 0.0)
        .unwrap();
    p.recent("BTCUSDT", "s", "binance", "", false)
        .write_recent_data(None, 0.0)
        .unwrap();
    p.state("sig-1", "st")
        .write_state_data(r#"{"id":"sig-1_st","data":{},"when":1}"#, 0.0)
        .unwrap();
    p.session("s", "binance", "", "BTCUSDT", false)
        .write_session_data(
            r#"{"id":"BTCUSDT:s:binance:live","data":null,"when":1}"#,
            0.0,
        )
        .unwrap();
    p.session("s", "binance", "f1", "BTCUSDT", true)
        .write_session_data(
            r#"{"id":"BTCUSDT:s:binance:f1:backtest","data":{},"when":1}"#,
            0.0,
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
    p.signal("../../etc", "s", "binance")
        .write_signal_data(Some(&row("a", "../../etc")))
        .unwrap();
    p.candle("a/b", "1m", "..")
        .write_candles_data(&[candle(T0)])
        .unwrap();
    assert_eq!(
        files_under(dir.path()),
        [
            "data/candle/%2E./a%2Fb/1m/1704067200000.json",
            "data/signal/%2E.%2F..%2Fetc_s_binance/%2E.%2F..%2Fetc.json",
        ]
    );
    assert_eq!(
        p.signal("../../etc", "s", "binance")
            .read_signal_data()
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
    p.strategy("BTCUSDT", "s1", "binance")
        .write_strategy_data(Some(&strategy))
        .unwrap();
    p.risk("r", "binance")
        .write_position_data(&[risk_entry("BTCUSDT")], 0.0)
        .unwrap();
    let levels = vec![PartialLevels {
        signal_id: "sig-1".into(),
        profit_levels: vec![10],
        loss_levels: vec![],
        extra: String::new(),
    }];
    p.partial("BTCUSDT", "s1", "binance")
        .write_partial_data(&levels, "sig-1", 0.0)
        .unwrap();
    let reached = vec![BreakevenLevel {
        signal_id: "sig-1".into(),
        reached: true,
        extra: String::new(),
    }];
    p.breakeven("BTCUSDT", "s1", "binance")
        .write_breakeven_data(&reached, "sig-1", 0.0)
        .unwrap();
    p.candle("BTCUSDT", "1m", "binance")
        .write_candles_data(&[candle(T0)])
        .unwrap();
    p.measure("b1")
        .write_measure_data(r#"{"id":"k","data":1,"removed":false}"#, "k", 0.0)
        .unwrap();
    p.interval("b1")
        .write_interval_data(
            r#"{"id":"k","data":1,"when":"2024-01-01T00:00:00.000Z","removed":false}"#,
            "k",
            0.0,
        )
        .unwrap();
    p.memory("sig-1", "notes")
        .write_memory_data(&memory_record(), "m", 0.0)
        .unwrap();
    p.state("sig-1", "st")
        .write_state_data(r#"{"id":"sig-1_st","data":{},"when":1}"#, 0.0)
        .unwrap();
    p.session("s1", "binance", "", "BTCUSDT", false)
        .write_session_data(
            r#"{"id":"BTCUSDT:s1:binance:live","data":{},"when":1}"#,
            0.0,
        )
        .unwrap();

    for (symbol, strat, exchange) in [
        ("ETHUSDT", "s1", "binance"),
        ("BTCUSDT", "s2", "binance"),
        ("BTCUSDT", "s1", "bybit"),
    ] {
        assert_eq!(
            p.strategy(symbol, strat, exchange)
                .read_strategy_data()
                .unwrap(),
            None,
            "{symbol} {strat} {exchange}"
        );
        assert_eq!(
            p.partial(symbol, strat, exchange)
                .read_partial_data("sig-1", 0.0)
                .unwrap(),
            vec![]
        );
        assert_eq!(
            p.breakeven(symbol, strat, exchange)
                .read_breakeven_data("sig-1", 0.0)
                .unwrap(),
            vec![]
        );
        assert_eq!(
            p.session(strat, exchange, "", symbol, false)
                .read_session_data()
                .unwrap(),
            None
        );
    }
    assert_eq!(
        p.partial("BTCUSDT", "s1", "binance")
            .read_partial_data("sig-2", 0.0)
            .unwrap(),
        vec![],
        "another signal id"
    );
    assert_eq!(
        p.risk("r", "bybit").read_position_data(0.0).unwrap(),
        vec![]
    );
    assert_eq!(
        p.risk("r2", "binance").read_position_data(0.0).unwrap(),
        vec![]
    );
    assert_eq!(
        p.candle("BTCUSDT", "1m", "bybit")
            .read_candles_data(1, T0, 0.0)
            .unwrap(),
        None
    );
    assert_eq!(
        p.candle("ETHUSDT", "1m", "binance")
            .read_candles_data(1, T0, 0.0)
            .unwrap(),
        None
    );
    assert_eq!(p.measure("b2").read_measure_data("k").unwrap(), None);
    assert_eq!(p.interval("b2").read_interval_data("k").unwrap(), None);
    assert!(p.measure("b1").read_measure_data("k").unwrap().is_some());
    assert_eq!(
        p.memory("sig-2", "notes").read_memory_data("m").unwrap(),
        None
    );
    assert_eq!(
        p.memory("sig-1", "other").read_memory_data("m").unwrap(),
        None
    );
    assert_eq!(p.state("sig-1", "other").read_state_data().unwrap(), None);
    assert_eq!(
        p.session("s1", "binance", "", "BTCUSDT", true)
            .read_session_data()
            .unwrap(),
        None,
        "backtest and live are apart"
    );
    assert_eq!(
        p.session("s1", "binance", "f1", "BTCUSDT", false)
            .read_session_data()
            .unwrap(),
        None,
        "frames are apart"
    );
    assert_eq!(
        p.strategy("BTCUSDT", "s1", "binance")
            .read_strategy_data()
            .unwrap(),
        Some(strategy)
    );
}
