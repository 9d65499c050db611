//! A `./dump` folder built by hand from backtest-kit's reference (tests/fixtures/dump): all
//! 16 domains, a `null` signal, Infinity stored as `null`, nested candle folders, a
//! soft-deleted measure, a stale temp file and a truncated candle. Every domain reads back
//! what backtest-kit wrote, and `persist check` finds exactly the truncated candle.

use crate::{SIGNAL, persist};
use persist_test_support::*;
use std::time::{Duration, SystemTime};

const STALE_TMP: &str = "data/signal/BTCUSDT_my-strategy_binance/.tmp-0123456789ab-BTCUSDT.json";
const TRUNCATED: &str = "data/candle/binance/BTCUSDT/1m/1704067380000.json";
const T0: f64 = 1_704_067_200_000.0;

/// A copy of the fixture (the repository's files are never touched), with the temp file's
/// mtime ten minutes old, as git does not keep mtimes.
fn dump() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dump(), dir.path());
    let tmp = std::fs::File::options()
        .write(true)
        .open(dir.path().join(STALE_TMP))
        .unwrap();
    tmp.set_modified(SystemTime::now() - Duration::from_secs(600))
        .unwrap();
    dir
}

#[test]
fn every_domain_reads_back_what_backtest_kit_wrote() {
    let dir = dump();
    let mut p = open(file_backend(dir.path()));
    let (s, st, ex) = ("BTCUSDT", "my-strategy", "binance");

    let signal = p
        .signal(s, st, ex)
        .read_signal_data()
        .unwrap()
        .expect("a pending signal");
    assert_eq!(signal.id, "sig-1");
    assert_eq!(
        signal.minute_estimated_time,
        f64::INFINITY,
        "null reads as Infinity"
    );
    assert_eq!(
        signal
            .peak
            .as_ref()
            .unwrap()
            .pnl
            .as_ref()
            .unwrap()
            .price_close,
        42890.5
    );
    assert_eq!(signal.entry.as_ref().unwrap().len(), 1);
    assert_eq!(
        p.signal("ETHUSDT", st, ex).read_signal_data().unwrap(),
        None,
        "a null document"
    );
    assert!(
        !dir.path().join(STALE_TMP).exists(),
        "the stale temp file was swept"
    );

    assert_eq!(
        p.schedule(s, st, ex)
            .read_schedule_data()
            .unwrap()
            .unwrap()
            .minute_estimated_time,
        120.0
    );
    let strategy = p.strategy(s, st, ex).read_strategy_data().unwrap().unwrap();
    assert_eq!(strategy.commit_queue.len(), 2);
    assert_eq!(strategy.commit_queue[1].signal_id.as_deref(), Some("sig-2"));
    let closed = strategy.closed_signal.unwrap();
    assert_eq!(
        closed.extra,
        r#"{"closeId":"close-1","closeNote":"take profit hit"}"#
    );
    assert_eq!(closed.minute_estimated_time, f64::INFINITY);

    let risk = p.risk("my-risk", ex).read_position_data(0.0).unwrap();
    assert_eq!(risk[0].key, "my-strategy_binance_BTCUSDT");
    assert_eq!(risk[0].position.minute_estimated_time, f64::INFINITY);
    assert_eq!(
        p.partial(s, st, ex)
            .read_partial_data("sig-1", 0.0)
            .unwrap()[0]
            .profit_levels,
        [10, 20]
    );
    assert!(
        p.breakeven(s, st, ex)
            .read_breakeven_data("sig-1", 0.0)
            .unwrap()[0]
            .reached
    );

    let candles = p
        .candle(s, "1m", ex)
        .read_candles_data(3, T0, 0.0)
        .unwrap()
        .expect("three candles");
    assert_eq!(
        candles.iter().map(|c| c.close).collect::<Vec<_>>(),
        [42050.5, 42150.25, 42100.0]
    );

    let storage = p.storage(false).read_storage_data().unwrap();
    assert_eq!(storage.len(), 1);
    assert!(storage[0].contains(r#""closeReason":"take_profit""#));
    assert_eq!(
        p.notification(false)
            .read_notification_data()
            .unwrap()
            .len(),
        1
    );
    assert!(p.log().read_log_data().unwrap()[0].contains(r#""topic":"signal opened""#));

    assert_eq!(
        p.measure("sma_1h_0")
            .read_measure_data("BTCUSDT_1704063600000")
            .unwrap(),
        None,
        "soft-deleted"
    );
    assert!(
        p.measure("sma_1h_0")
            .read_measure_data("BTCUSDT_1704067200000")
            .unwrap()
            .unwrap()
            .contains("42075.3")
    );
    assert_eq!(
        p.measure("sma_1h_0").list_measure_data().unwrap(),
        ["BTCUSDT_1704067200000"]
    );
    assert!(
        p.interval("daily_1d_0")
            .read_interval_data("BTCUSDT_1704067200000")
            .unwrap()
            .is_some()
    );
    assert_eq!(
        p.memory("sig-1", "notes").list_memory_data().unwrap()[0].memory_id,
        "m-1"
    );
    let recent = p
        .recent(s, st, ex, "", false)
        .read_recent_data()
        .unwrap()
        .unwrap();
    assert!(
        recent.extra.contains(r#""originalPriceOpen":42150.25"#),
        "{}",
        recent.extra
    );
    assert!(
        p.state("sig-1", "trail")
            .read_state_data()
            .unwrap()
            .unwrap()
            .contains(r#""stop":41500"#)
    );
    assert!(
        p.session(st, ex, "", s, false)
            .read_session_data()
            .unwrap()
            .unwrap()
            .contains(r#""trades":3"#)
    );

    // The truncated candle was quarantined by its context's init; a read across it misses.
    assert!(!dir.path().join(TRUNCATED).exists());
    assert_eq!(
        p.candle(s, "1m", ex).read_candles_data(4, T0, 0.0).unwrap(),
        None
    );
}

#[test]
fn check_finds_exactly_the_truncated_candle_and_changes_nothing_in_a_dry_run() {
    let dir = dump();
    let o = run(persist(dir.path()).args(["check", "--dry-run"]));
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("checked 21 documents: 20 valid, 1 invalid"),
        "{out}"
    );
    assert!(
        out.contains("data/candle/binance/BTCUSDT/1m:1704067380000 (candle): not valid JSON"),
        "{out}"
    );
    assert!(
        dir.path().join(TRUNCATED).exists(),
        "a dry run moves nothing"
    );
}

#[test]
fn the_cli_reads_every_domain_with_the_librarys_context_arguments() {
    let dir = dump();
    let read = |args: &[&str]| {
        let o = run(persist(dir.path()).args(args));
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        stdout(&o).trim().to_string()
    };
    let ctx = [
        "--symbol",
        "BTCUSDT",
        "--strategy",
        "my-strategy",
        "--exchange",
        "binance",
    ];
    let signal = read(&[&["signal", "read"][..], &ctx].concat());
    assert!(
        signal.starts_with(
            r#"{"id":"sig-1","position":"long","note":"ema cross","priceOpen":42150.25"#
        ),
        "{signal}"
    );
    assert!(signal.contains(r#""minuteEstimatedTime":null"#));
    assert_eq!(
        read(&[
            "signal",
            "read",
            "--symbol",
            "ETHUSDT",
            "--strategy",
            "my-strategy",
            "--exchange",
            "binance"
        ]),
        "null"
    );
    assert!(
        read(&[&["strategy", "read"][..], &ctx].concat())
            .contains(r#""commitQueue":[{"action":"partial-profit""#)
    );
    assert!(
        read(&["risk", "read", "--risk", "my-risk", "--exchange", "binance"])
            .starts_with(r#"[["my-strategy_binance_BTCUSDT","#)
    );
    assert_eq!(
        read(&[&["partial", "read"][..], &ctx, &["--signal-id", "sig-1"]].concat()),
        r#"{"sig-1":{"profitLevels":[10,20],"lossLevels":[]}}"#
    );
    assert_eq!(
        read(&[
            "candle",
            "read",
            "--symbol",
            "BTCUSDT",
            "--interval",
            "1m",
            "--exchange",
            "binance",
            "--since",
            "1704067200000",
            "--limit",
            "1"
        ]),
        r#"[{"timestamp":1704067200000,"open":42000,"high":42100,"low":41950,"close":42050.5,"volume":12.5}]"#
    );
    assert_eq!(
        read(&[
            "candle",
            "ls",
            "--symbol",
            "BTCUSDT",
            "--interval",
            "1m",
            "--exchange",
            "binance"
        ]),
        "1704067200000\n1704067260000\n1704067320000",
        "the candle read above quarantined the truncated candle"
    );
    assert_eq!(
        read(&["measure", "ls", "--bucket", "sma_1h_0"]),
        "BTCUSDT_1704067200000",
        "listMeasureData leaves out the soft-deleted BTCUSDT_1704063600000"
    );
    assert_eq!(
        read(&[
            "measure",
            "read",
            "--bucket",
            "sma_1h_0",
            "--key",
            "BTCUSDT_1704063600000"
        ]),
        "null"
    );
    assert!(read(&["storage", "read"]).starts_with(r#"[{"id":"sig-1""#));
    assert!(
        read(&[
            "memory",
            "read",
            "--signal-id",
            "sig-1",
            "--bucket",
            "notes",
            "--memory-id",
            "m-1"
        ])
        .contains("ema cross")
    );
    assert!(
        read(&[
            "session",
            "read",
            "--strategy",
            "my-strategy",
            "--exchange",
            "binance",
            "--symbol",
            "BTCUSDT"
        ])
        .contains(r#""trades":3"#)
    );
}

#[test]
fn files_written_through_the_cli_are_backtest_kits_compact_json() {
    let dir = tempfile::tempdir().unwrap();
    let row = std::fs::read_to_string(
        fixture_dump().join("data/signal/BTCUSDT_my-strategy_binance/BTCUSDT.json"),
    )
    .unwrap();
    let o = run(persist(dir.path())
        .args(["signal", "write"])
        .args(SIGNAL)
        .arg(&row));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written = std::fs::read_to_string(
        dir.path()
            .join("data/signal/BTCUSDT_s_binance/BTCUSDT.json"),
    )
    .unwrap();
    let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap();
    // The row predates backtest-kit 19.5: it reads, and so is written, with 19.5.0's defaults.
    let mut expected = parse(&row);
    expected["multiplier"] = 1.into();
    expected["isolated"] = true.into();
    assert_eq!(
        parse(&written),
        expected,
        "the same document, as JSON.parse sees it"
    );
    assert!(
        !written.contains(' ') || written.contains("ema cross"),
        "compact"
    );
    let bad = run(persist(dir.path()).args([
        "signal",
        "write",
        "--symbol",
        "X",
        "--strategy",
        "s",
        "--exchange",
        "b",
        r#"{"id":"a","position":"up"}"#,
    ]));
    assert_eq!(bad.status.code(), Some(4));
    assert!(
        stderr(&bad).contains(r#"signal.position: expected "long" or "short", got "up""#),
        "{}",
        stderr(&bad)
    );
    let usage = run(persist(dir.path()).args(["signal", "read", "--symbol", "X"]));
    assert_eq!(usage.status.code(), Some(2));
    assert!(
        stderr(&usage).contains("signal needs --strategy"),
        "{}",
        stderr(&usage)
    );
}
