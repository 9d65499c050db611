//! Risk positions, partial and breakeven levels, and candles.

use super::*;

#[test]
fn risk_positions_live_under_the_id_positions() {
    let (dir, mut p) = file_store();
    assert_eq!(
        p.risk("my-risk", "binance")
            .read_position_data(0.0)
            .unwrap(),
        vec![]
    );
    let rows = vec![risk_entry("BTCUSDT"), risk_entry("ETHUSDT")];
    p.risk("my-risk", "binance")
        .write_position_data(&rows, 0.0)
        .unwrap();
    let text = read(dir.path(), "data/risk/my-risk_binance/positions.json");
    assert!(
        text.starts_with(r#"[["s_binance_BTCUSDT",{"strategyName":"s","#),
        "{text}"
    );
    assert!(text.contains(r#""minuteEstimatedTime":null"#));
    assert_eq!(
        open(file_backend(dir.path()))
            .risk("my-risk", "binance")
            .read_position_data(0.0)
            .unwrap(),
        rows
    );
    assert_eq!(
        p.risk("other-risk", "binance")
            .read_position_data(0.0)
            .unwrap(),
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
    p.partial("BTCUSDT", "s", "binance")
        .write_partial_data(&levels, "sig-1", 0.0)
        .unwrap();
    assert_eq!(
        read(dir.path(), "data/partial/BTCUSDT_s_binance/sig-1.json"),
        r#"{"sig-1":{"profitLevels":[10,20],"lossLevels":[]}}"#
    );
    assert_eq!(
        p.partial("BTCUSDT", "s", "binance")
            .read_partial_data("sig-1", 0.0)
            .unwrap(),
        levels
    );
    assert_eq!(
        p.partial("BTCUSDT", "s", "binance")
            .read_partial_data("sig-2", 0.0)
            .unwrap(),
        vec![]
    );
    let reached = vec![BreakevenLevel {
        signal_id: "sig-1".into(),
        reached: true,
        extra: "{}".into(),
    }];
    p.breakeven("BTCUSDT", "s", "binance")
        .write_breakeven_data(&reached, "sig-1", 0.0)
        .unwrap();
    assert_eq!(
        read(dir.path(), "data/breakeven/BTCUSDT_s_binance/sig-1.json"),
        r#"{"sig-1":{"reached":true}}"#
    );
    assert_eq!(
        p.breakeven("BTCUSDT", "s", "binance")
            .read_breakeven_data("sig-1", 0.0)
            .unwrap(),
        reached
    );
}

#[test]
fn candles_are_first_write_wins_skip_unclosed_and_miss_on_any_gap() {
    let dir = tempfile::tempdir().unwrap();
    // The clock stands 3.5 minutes after T0: candles at T0, T0+1m and T0+2m are closed.
    let now = UNIX_EPOCH + Duration::from_millis((T0 + 3.5 * MINUTE) as u64);
    let mut p = runtime().open_at(file_backend(dir.path()), now).unwrap();
    let written = p
        .candle("BTCUSDT", "1m", "binance")
        .write_candles_data(&[candle(T0), candle(T0 + MINUTE), candle(T0 + 3.0 * MINUTE)])
        .unwrap();
    assert_eq!(
        (written.written, written.existing, written.unclosed),
        (2, 0, 1)
    );
    let mut changed = candle(T0);
    changed.close = 9.0;
    let again = p
        .candle("BTCUSDT", "1m", "binance")
        .write_candles_data(&[changed, candle(T0 + 2.0 * MINUTE)])
        .unwrap();
    assert_eq!((again.written, again.existing, again.unclosed), (1, 1, 0));
    let three = p
        .candle("BTCUSDT", "1m", "binance")
        .read_candles_data(3, T0, 0.0)
        .unwrap()
        .unwrap();
    assert_eq!(
        three.iter().map(|c| c.close).collect::<Vec<_>>(),
        [1.75, 1.75, 1.75],
        "never overwritten"
    );
    assert_eq!(
        p.candle("BTCUSDT", "1m", "binance")
            .read_candles_data(4, T0, 0.0)
            .unwrap(),
        None,
        "a gap is a miss"
    );
    assert_eq!(
        p.candle("BTCUSDT", "5m", "binance")
            .read_candles_data(1, T0, 0.0)
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
        p.candle("BTCUSDT", "1m", "binance")
            .read_candles_data(3, T0, 0.0)
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
        .candle("BTCUSDT", "7m", "binance")
        .write_candles_data(&[])
        .unwrap_err();
    assert_eq!(invalid(bad).0, "interval");
}

#[test]
fn put_position_sets_one_key_keeps_the_others_and_respects_the_limit() {
    let (dir, mut p) = file_store();
    let (btc, eth, sol) = (
        risk_entry("BTCUSDT"),
        risk_entry("ETHUSDT"),
        risk_entry("SOLUSDT"),
    );
    let mut risk = p.risk("shared", "binance");
    assert!(
        risk.put_position(&btc.key, Some(&btc.position), Some(2))
            .unwrap()
    );
    assert!(
        risk.put_position(&eth.key, Some(&eth.position), Some(2))
            .unwrap()
    );
    // Full: a third key gets no slot and nothing is written.
    let before = read(dir.path(), "data/risk/shared_binance/positions.json");
    assert!(
        !risk
            .put_position(&sol.key, Some(&sol.position), Some(2))
            .unwrap()
    );
    assert_eq!(
        read(dir.path(), "data/risk/shared_binance/positions.json"),
        before
    );
    // A key holding a slot may change it while full.
    let mut moved = btc.clone();
    moved.position.price_open = 101.0;
    assert!(
        risk.put_position(&moved.key, Some(&moved.position), Some(2))
            .unwrap()
    );
    assert_eq!(
        risk.read_position_data(0.0).unwrap(),
        vec![eth.clone(), moved]
    );
    // Freeing one leaves the other; freeing an absent key changes nothing.
    assert!(risk.put_position(&btc.key, None, None).unwrap());
    assert!(risk.put_position("never", None, None).unwrap());
    assert_eq!(risk.read_position_data(0.0).unwrap(), vec![eth]);
    assert!(
        risk.put_position(&sol.key, Some(&sol.position), Some(2))
            .unwrap()
    );
}

#[test]
fn concurrent_put_position_never_exceeds_the_limit_nor_loses_a_slot() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..5 {
        let profile = format!("race{round}");
        // Eight writers, each with its own guest and store object, as separate runs are.
        let taken: Vec<bool> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let profile = profile.clone();
                    let root = dir.path().to_path_buf();
                    scope.spawn(move || {
                        let entry = risk_entry(&format!("S{i}"));
                        open(file_backend(&root))
                            .risk(&profile, "binance")
                            .put_position(&entry.key, Some(&entry.position), Some(3))
                            .unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let held = open(file_backend(dir.path()))
            .risk(&profile, "binance")
            .read_position_data(0.0)
            .unwrap();
        assert_eq!(
            taken.iter().filter(|t| **t).count(),
            3,
            "round {round}: {taken:?}"
        );
        assert_eq!(
            held.len(),
            3,
            "round {round}: every slot taken is stored: {held:?}"
        );
    }
}
