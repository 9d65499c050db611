//! The Rust library over the guest: backtest-kit's PersistBase behaviour on both stores.

use persist_embed::{Error, Persist};
use persist_test_support::*;

/// The guest on every kind of store: file, memory, Redis and PostgreSQL.
fn each_store(test: impl Fn(&mut Persist, &str)) {
    services::each_store_kind(|fresh, b| test(&mut open(b), fresh.name()));
}

#[test]
fn values_round_trip_as_compact_json_on_both_stores() {
    each_store(|p, store| {
        p.base("orders")
            .write_value(
                "42",
                r#"{ "qty": 1.0, "price": 42000.50, "tags": ["a", "b"], "z": null }"#,
            )
            .unwrap();
        assert_eq!(
            p.base("orders").read_value("42").unwrap(),
            r#"{"qty":1,"price":42000.5,"tags":["a","b"],"z":null}"#,
            "{store}"
        );
        p.base("orders").write_value("42", "2").unwrap();
        assert_eq!(
            p.base("orders").read_value("42").unwrap(),
            "2",
            "{store}: a write replaces"
        );
        p.base("orders").write_value("null", "null").unwrap();
        assert_eq!(
            p.base("orders").read_value("null").unwrap(),
            "null",
            "{store}: null is a document"
        );
        assert!(p.base("orders").has_value("null").unwrap());
    });
}

#[test]
fn missing_documents_are_not_found_with_backtest_kits_message() {
    each_store(|p, store| {
        match p.base("orders").read_value("7") {
            Err(Error::NotFound(m)) => assert_eq!(m, "Entity orders:7 not found", "{store}"),
            other => panic!("{store}: {other:?}"),
        }
        assert!(!p.base("orders").has_value("7").unwrap());
    });
}

#[test]
fn keys_come_in_natural_order() {
    each_store(|p, store| {
        for id in ["item10", "item2", "Banana", "apple", "item1", "10", "9"] {
            p.base("k").write_value(id, "1").unwrap();
        }
        assert_eq!(
            p.base("k").keys().unwrap(),
            ["9", "10", "apple", "Banana", "item1", "item2", "item10"],
            "{store}"
        );
        assert!(
            p.base("empty").keys().unwrap().is_empty(),
            "{store}: an entity never written has no keys"
        );
    });
}

#[test]
fn remove_is_idempotent() {
    each_store(|p, store| {
        p.base("r").write_value("a", "1").unwrap();
        p.base("r").remove_value("a").unwrap();
        p.base("r").remove_value("a").unwrap();
        assert!(!p.base("r").has_value("a").unwrap(), "{store}");
        assert!(p.base("r").keys().unwrap().is_empty(), "{store}");
    });
}

#[test]
fn invalid_json_is_refused_and_nothing_is_written() {
    each_store(|p, store| {
        p.base("j").write_value("a", r#"{"keep":true}"#).unwrap();
        for bad in ["{x", "", "1 2", "[1,]", "NaN"] {
            match p.base("j").write_value("a", bad) {
                Err(Error::InvalidInput { path, reason }) => {
                    assert_eq!(path, "value");
                    assert!(
                        reason.starts_with("not valid JSON"),
                        "{store} {bad:?}: {reason}"
                    );
                }
                other => panic!("{store} {bad:?}: {other:?}"),
            }
        }
        assert_eq!(
            p.base("j").read_value("a").unwrap(),
            r#"{"keep":true}"#,
            "{store}: the old value is intact"
        );
    });
}

#[test]
fn domain_paths_refuse_invalid_records() {
    each_store(|p, store| {
        let entity = "data/signal/BTCUSDT_s_binance";
        p.base(entity)
            .write_value("BTCUSDT", &signal_row("a"))
            .unwrap();
        let bad = signal_row("b").replace(r#""priceOpen":100"#, r#""priceOpen":"abc""#);
        match p.base(entity).write_value("BTCUSDT", &bad) {
            Err(Error::InvalidInput { reason, .. }) => {
                assert_eq!(
                    reason, r#"signal.priceOpen: expected a number, got "abc""#,
                    "{store}"
                )
            }
            other => panic!("{store}: {other:?}"),
        }
        assert!(
            p.base(entity)
                .read_value("BTCUSDT")
                .unwrap()
                .contains(r#""id":"a""#),
            "{store}"
        );
    });
}

#[test]
fn wait_for_init_runs_once_and_its_report_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("e")).unwrap();
    std::fs::write(dir.path().join("e/good.json"), "1").unwrap();
    std::fs::write(dir.path().join("e/bad.json"), "{").unwrap();
    let mut p = open(file_backend(dir.path()));
    let first = p.base("e").wait_for_init(true).unwrap();
    assert_eq!(
        (first.checked, first.valid, first.findings.len()),
        (2, 1, 1)
    );
    // A bad document appearing later is not seen by the same instance's init...
    std::fs::write(dir.path().join("e/later.json"), "{").unwrap();
    let again = p.base("e").wait_for_init(true).unwrap();
    assert_eq!(
        (again.checked, again.valid, again.findings.len()),
        (2, 1, 1)
    );
    assert!(dir.path().join("e/later.json").exists());
    // ...but a new instance's is.
    let fresh = open(file_backend(dir.path()))
        .base("e")
        .wait_for_init(true)
        .unwrap();
    assert_eq!(
        (fresh.checked, fresh.valid, fresh.findings.len()),
        (2, 1, 1)
    );
    assert_eq!(fresh.findings[0].id, "later");
}

#[test]
fn file_store_layout_is_backtest_kits_dump() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = open(file_backend(dir.path()));
    p.base("data/signal/BTCUSDT_my-strategy_binance")
        .write_value("BTCUSDT", &signal_row("s1"))
        .unwrap();
    // Under a domain's folder, persist-base checks the domain's record too.
    let refused = p
        .base("data/candle/binance/BTCUSDT/1m")
        .write_value("1700000000000", r#"{"open":1}"#)
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "value: candle.timestamp: expected a number, got nothing (the field is missing)"
    );
    p.base("data/candle/binance/BTCUSDT/1m")
        .write_value(
            "1700000000000",
            r#"{"timestamp":1700000000000,"open":1,"high":1,"low":1,"close":1,"volume":1}"#,
        )
        .unwrap();
    assert_eq!(
        files_under(dir.path()),
        [
            "data/candle/binance/BTCUSDT/1m/1700000000000.json",
            "data/signal/BTCUSDT_my-strategy_binance/BTCUSDT.json"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(
            dir.path()
                .join("data/candle/binance/BTCUSDT/1m/1700000000000.json")
        )
        .unwrap(),
        r#"{"timestamp":1700000000000,"open":1,"high":1,"low":1,"close":1,"volume":1}"#
    );
}

#[test]
fn documents_written_by_another_tool_are_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("ext")).unwrap();
    std::fs::write(
        dir.path().join("ext/a.json"),
        "{\n  \"pretty\": [1, 2.0]\n}\n",
    )
    .unwrap();
    let mut p = open(file_backend(dir.path()));
    assert_eq!(
        p.base("ext").read_value("a").unwrap(),
        "{\n  \"pretty\": [1, 2.0]\n}\n",
        "returned as stored"
    );
    assert_eq!(p.base("ext").keys().unwrap(), ["a"]);
}

#[test]
fn another_build_of_the_guest_serves_the_same_store() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("guest.wasm");
    std::fs::write(&wasm, persist_embed::EMBEDDED_GUEST).unwrap();
    let store = dir.path().join("store");
    open(file_backend(&store))
        .base("x")
        .write_value("1", r#"{"a":1}"#)
        .unwrap();
    let other = persist_embed::Runtime::new(&persist_embed::GuestSource::File(wasm)).unwrap();
    let mut p = other.open(file_backend(&store)).unwrap();
    assert_eq!(p.base("x").read_value("1").unwrap(), r#"{"a":1}"#);
}
