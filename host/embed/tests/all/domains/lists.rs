//! The list domains (signals store, notifications, the append-only log) and the keyed ones (measure, interval, memory, state, session).

use super::*;

#[test]
fn signals_store_and_notifications_never_delete_and_read_in_natural_order() {
    let mut p = open(memory_backend());
    p.storage(false)
        .write_storage_data(&[
            storage_row("sig-10", "opened"),
            storage_row("sig-9", "scheduled"),
        ])
        .unwrap();
    p.storage(false)
        .write_storage_data(&[storage_row("sig-10", "cancelled")])
        .unwrap();
    let rows = p.storage(false).read_storage_data().unwrap();
    assert_eq!(rows.len(), 2, "writing fewer rows deletes nothing");
    assert!(
        rows[0].contains(r#""id":"sig-9""#) && rows[1].contains(r#""status":"cancelled""#),
        "{rows:?}"
    );
    assert_eq!(
        p.storage(true).read_storage_data().unwrap(),
        Vec::<String>::new()
    );
    p.notification(false)
        .write_notification_data(&[notification("n-2"), notification("n-1")])
        .unwrap();
    let notes = p.notification(false).read_notification_data().unwrap();
    assert!(notes[0].contains("n-1") && notes[1].contains("n-2"));
}

#[test]
fn the_log_is_append_only() {
    let (dir, mut p) = file_store();
    assert_eq!(
        p.log()
            .write_log_data(&[log_entry("l-1"), log_entry("l-2")])
            .unwrap(),
        2
    );
    let changed = log_entry("l-1").replace(r#""topic":"t""#, r#""topic":"changed""#);
    assert_eq!(
        p.log()
            .write_log_data(&[changed, log_entry("l-3")])
            .unwrap(),
        1
    );
    assert!(read(dir.path(), "data/log/log/l-1.json").contains(r#""topic":"t""#));
    assert_eq!(p.log().read_log_data().unwrap().len(), 3);
}

#[test]
fn measure_interval_and_memory_deletes_are_soft() {
    let (dir, mut p) = file_store();
    p.measure("b")
        .write_measure_data(r#"{"id":"k","data":{"v":1},"removed":false}"#, "k", 0.0)
        .unwrap();
    p.measure("b")
        .write_measure_data(r#"{"id":"j","data":2,"removed":false}"#, "j", 0.0)
        .unwrap();
    assert_eq!(p.measure("b").list_measure_data().unwrap(), ["j", "k"]);
    p.measure("b").remove_measure_data("k").unwrap();
    p.measure("b").remove_measure_data("missing").unwrap();
    assert_eq!(p.measure("b").read_measure_data("k").unwrap(), None);
    assert_eq!(
        read(dir.path(), "data/measure/b/k.json"),
        r#"{"id":"k","data":{"v":1},"removed":true}"#
    );
    assert_eq!(p.measure("b").list_measure_data().unwrap(), ["j"]);
    assert!(!dir.path().join("data/measure/b/missing.json").exists());

    p.interval("b")
        .write_interval_data(
            r#"{"id":"k","data":1,"when":"2024-01-01T00:00:00.000Z","removed":false}"#,
            "k",
            0.0,
        )
        .unwrap();
    p.interval("b").remove_interval_data("k").unwrap();
    assert_eq!(p.interval("b").read_interval_data("k").unwrap(), None);
    assert_eq!(
        p.interval("b").list_interval_data().unwrap(),
        Vec::<String>::new()
    );
    assert!(read(dir.path(), "data/interval/b/k.json").contains(r#""removed":true"#));

    p.memory("sig-1", "notes")
        .write_memory_data(&memory_record(), "m-1", 0.0)
        .unwrap();
    p.memory("sig-1", "notes")
        .write_memory_data(&memory_record(), "m-2", 0.0)
        .unwrap();
    p.memory("sig-1", "notes")
        .remove_memory_data("m-1")
        .unwrap();
    assert_eq!(
        p.memory("sig-1", "notes").read_memory_data("m-1").unwrap(),
        None
    );
    assert!(
        p.memory("sig-1", "notes").has_memory_data("m-1").unwrap(),
        "has is true for a removed record"
    );
    let items = p.memory("sig-1", "notes").list_memory_data().unwrap();
    assert_eq!(
        items
            .iter()
            .map(|i| i.memory_id.as_str())
            .collect::<Vec<_>>(),
        ["m-2"]
    );
    assert_eq!(
        p.memory("sig-2", "notes").list_memory_data().unwrap().len(),
        0
    );
}

#[test]
fn state_round_trips_and_a_session_with_another_id_is_ignored_with_a_warning() {
    let (dir, mut p) = file_store();
    p.state("sig-1", "st")
        .write_state_data(r#"{"id":"sig-1_st","data":{"step":2},"when":5}"#, 5.0)
        .unwrap();
    assert_eq!(
        p.state("sig-1", "st").read_state_data().unwrap().unwrap(),
        r#"{"id":"sig-1_st","data":{"step":2},"when":5}"#
    );
    assert_eq!(p.state("sig-2", "st").read_state_data().unwrap(), None);

    let session = r#"{"id":"BTCUSDT:s:binance:live","data":{"n":1},"when":1}"#;
    p.session("s", "binance", "", "BTCUSDT", false)
        .write_session_data(session, 1.0)
        .unwrap();
    assert_eq!(
        p.session("s", "binance", "", "BTCUSDT", false)
            .read_session_data()
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
        p.session("s", "binance", "", "BTCUSDT", false)
            .read_session_data()
            .unwrap(),
        None
    );
    let warnings = p.take_warnings();
    assert!(warnings.iter().any(|w| w.contains("persisted session id mismatch, ignoring record (expected=BTCUSDT:s:binance:live, got=ETHUSDT:s:binance:live)")), "{warnings:?}");
}
