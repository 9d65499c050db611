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
