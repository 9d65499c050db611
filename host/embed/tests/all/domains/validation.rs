//! Invalid input named by field with nothing written, init once per context, quarantine at init, and the typed records' JSON round trip.

use super::*;

#[test]
fn invalid_input_names_the_field_and_writes_nothing() {
    let (dir, mut p) = file_store();
    let mut nan = row("a", "BTCUSDT");
    nan.price_open = f64::NAN;
    assert_eq!(
        invalid(
            p.signal("BTCUSDT", "s", "binance")
                .write_signal_data(Some(&nan))
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
            p.signal("BTCUSDT", "s", "binance")
                .write_signal_data(Some(&inf))
                .unwrap_err()
        )
        .0,
        "signal.priceTakeProfit"
    );
    let mut eta = row("a", "BTCUSDT");
    eta.minute_estimated_time = -5.0;
    assert_eq!(
        invalid(
            p.signal("BTCUSDT", "s", "binance")
                .write_signal_data(Some(&eta))
                .unwrap_err()
        )
        .0,
        "signal.minuteEstimatedTime"
    );
    let mut twice = row("a", "BTCUSDT");
    twice.extra = r#"{"priceOpen":1}"#.into();
    assert_eq!(
        invalid(
            p.signal("BTCUSDT", "s", "binance")
                .write_signal_data(Some(&twice))
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
            p.signal("BTCUSDT", "s", "binance")
                .write_signal_data(Some(&not_object))
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
            p.signal("BTCUSDT", "s", "binance")
                .write_signal_data(Some(&bad_entry))
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
            p.partial("BTCUSDT", "s", "binance")
                .write_partial_data(&levels, "sig-1", 0.0)
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
        action: CommitAction::AverageBuy,
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
            p.strategy("X", "s", "binance")
                .write_strategy_data(Some(&commit_data))
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
            p.candle("BTCUSDT", "1m", "binance")
                .write_candles_data(&[candle(T0), bad_candle])
                .unwrap_err()
        )
        .0,
        "candles[1].high"
    );
    assert_eq!(
        invalid(
            p.storage(false)
                .write_storage_data(&[storage_row("x", "lost")])
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
            p.log()
                .write_log_data(&[log_entry("l").replace(r#""type":"info""#, r#""type":"shout""#)])
                .unwrap_err()
        )
        .0,
        "log[0].type"
    );
    assert_eq!(
        invalid(
            p.notification(false)
                .write_notification_data(&["{".to_string()])
                .unwrap_err()
        )
        .0,
        "notification[0]"
    );
    assert_eq!(
        invalid(
            p.measure("b")
                .write_measure_data(r#"{"id":"k","data":1}"#, "k", 0.0)
                .unwrap_err()
        ),
        (
            "measure.removed".into(),
            "expected true or false, got nothing (the field is missing)".into()
        )
    );
    assert_eq!(
        invalid(
            p.memory("s", "b")
                .write_memory_data(
                    r#"{"priority":1,"data":[],"removed":false,"index":"x","when":1}"#,
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
            p.state("s", "b")
                .write_state_data(r#"{"id":"x","data":{},"when":"now"}"#, 0.0)
                .unwrap_err()
        )
        .0,
        "state.when"
    );
    assert_eq!(
        invalid(
            p.session("s", "e", "", "X", false)
                .write_session_data(r#"{"id":"x","data":5,"when":1}"#, 0.0)
                .unwrap_err()
        )
        .0,
        "session.data"
    );
    let data_files: Vec<String> = files_under(dir.path());
    assert!(data_files.is_empty(), "nothing was written: {data_files:?}");
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
    fn quarantine(&self, e: &str, id: &str, j: &[u8], r: &str) -> Result<bool, StorageError> {
        self.inner.quarantine(e, id, j, r)
    }
    fn read_many(&self, e: &str, ids: &[String]) -> Result<Vec<Option<Vec<u8>>>, StorageError> {
        self.inner.read_many(e, ids)
    }
    fn write_many(&self, docs: &[persist_embed::storage::Document]) -> Result<(), StorageError> {
        self.inner.write_many(docs)
    }
    fn remove_many(&self, keys: &[(String, String)]) -> Result<(), StorageError> {
        self.inner.remove_many(keys)
    }
    fn write_if_version(
        &self,
        e: &str,
        id: &str,
        expected: Option<&str>,
        v: &[u8],
    ) -> Result<persist_embed::storage::SwapOutcome, StorageError> {
        self.inner.write_if_version(e, id, expected, v)
    }
    fn quarantine_list(&self) -> Result<Vec<persist_embed::storage::Quarantined>, StorageError> {
        self.inner.quarantine_list()
    }
    fn quarantine_read(
        &self,
        q: &persist_embed::storage::Quarantined,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        self.inner.quarantine_read(q)
    }
    fn quarantine_restore(
        &self,
        q: &persist_embed::storage::Quarantined,
        replace: bool,
    ) -> Result<bool, StorageError> {
        self.inner.quarantine_restore(q, replace)
    }
    fn quarantine_purge(
        &self,
        q: &persist_embed::storage::Quarantined,
    ) -> Result<(), StorageError> {
        self.inner.quarantine_purge(q)
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
        p.signal("BTCUSDT", "s", "binance")
            .write_signal_data(Some(&row("a", "BTCUSDT")))
            .unwrap();
        p.signal("BTCUSDT", "s", "binance")
            .read_signal_data()
            .unwrap();
        p.signal("BTCUSDT", "s", "binance")
            .wait_for_init(true)
            .unwrap();
    }
    assert_eq!(
        counting.lists.load(Ordering::SeqCst),
        1,
        "one scan for one context"
    );
    p.signal("ETHUSDT", "s", "binance")
        .read_signal_data()
        .unwrap();
    p.schedule("BTCUSDT", "s", "binance")
        .read_schedule_data()
        .unwrap();
    assert_eq!(
        counting.lists.load(Ordering::SeqCst),
        3,
        "one more per new context"
    );
    p.clear(Domain::Signal).unwrap();
    p.signal("BTCUSDT", "s", "binance")
        .read_signal_data()
        .unwrap();
    assert_eq!(
        counting.lists.load(Ordering::SeqCst),
        4,
        "clear drops the memo"
    );
    p.memory("sig", "b").wait_for_init(true).unwrap();
    p.memory("sig", "b").dispose().unwrap();
    p.memory("sig", "b").read_memory_data("m").unwrap();
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
    let report = p
        .candle("BTCUSDT", "1m", "binance")
        .wait_for_init(true)
        .unwrap();
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
