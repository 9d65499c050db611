//! Corrupt and mistyped documents: quarantined with their reasons by `wait-for-init` and by
//! the whole-store check, never deleted, never fatal; every other document untouched.

use persist_embed::Error;
use persist_test_support::*;
use std::path::Path;

const SIGNAL: &str = "data/signal/BTCUSDT_s_binance";

/// A store with one good document beside each kind of bad one. Returns (entity, id, reason prefix).
fn seed(root: &Path) -> Vec<(&'static str, &'static str, &'static str)> {
    let put = |entity: &str, id: &str, bytes: &[u8]| {
        std::fs::create_dir_all(root.join(entity)).unwrap();
        std::fs::write(root.join(entity).join(format!("{id}.json")), bytes).unwrap();
    };
    put("orders", "good", br#"{"qty":1}"#);
    put("orders", "null", b"null");
    put("orders", "truncated", br#"{"qty":1,"pri"#);
    put("orders", "empty", b"");
    put("orders", "garbage", &[0x00, 0xff, 0x13, 0x37, 0xde, 0xad]);
    put(SIGNAL, "BTCUSDT", signal_row("ok").as_bytes());
    put(
        SIGNAL,
        "ETHUSDT",
        br#"{"id":"x","position":"long","priceOpen":"abc"}"#,
    );
    put(SIGNAL, "XRPUSDT", b"[1,2,3]");
    vec![
        ("orders", "truncated", "not valid JSON: EOF while parsing"),
        ("orders", "empty", "empty document (0 bytes)"),
        ("orders", "garbage", "not UTF-8 text"),
        (
            SIGNAL,
            "ETHUSDT",
            "signal.priceOpen: expected a number, got \"abc\"",
        ),
        (
            SIGNAL,
            "XRPUSDT",
            "signal: expected an object or null, got [1,2,3]",
        ),
    ]
}

fn assert_quarantined(root: &Path, entity: &str, id: &str, original: &[u8]) {
    assert!(
        !root.join(entity).join(format!("{id}.json")).exists(),
        "{entity}:{id} left its folder"
    );
    let qdir = root.join(".quarantine").join(entity);
    let kept = files_under(&qdir)
        .into_iter()
        .find(|f| f.starts_with(&format!("{id}.")) && !f.contains(".reason."))
        .unwrap_or_else(|| panic!("{entity}:{id} is not in the quarantine"));
    assert_eq!(
        std::fs::read(qdir.join(kept)).unwrap(),
        original,
        "{entity}:{id} kept byte for byte"
    );
}

#[test]
fn check_quarantines_each_kind_of_bad_document_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let bad = seed(root);
    let originals: Vec<Vec<u8>> = bad
        .iter()
        .map(|(e, i, _)| std::fs::read(root.join(e).join(format!("{i}.json"))).unwrap())
        .collect();

    let report = open(file_backend(root)).check(false).unwrap();
    assert_eq!((report.checked, report.valid), (8, 3));
    assert_eq!(report.findings.len(), bad.len());
    for ((entity, id, reason), original) in bad.iter().zip(&originals) {
        let f = report
            .findings
            .iter()
            .find(|f| f.entity == *entity && f.id == *id)
            .unwrap_or_else(|| panic!("{entity}:{id} not reported"));
        assert!(f.reason.starts_with(reason), "{entity}:{id}: {}", f.reason);
        assert!(f.quarantined);
        assert_quarantined(root, entity, id, original);
    }
    // The good ones are untouched and readable.
    let mut p = open(file_backend(root));
    assert_eq!(p.base("orders").read_value("good").unwrap(), r#"{"qty":1}"#);
    assert_eq!(p.base("orders").read_value("null").unwrap(), "null");
    assert_eq!(
        std::fs::read_to_string(root.join(SIGNAL).join("BTCUSDT.json")).unwrap(),
        signal_row("ok")
    );
    // A second check finds nothing.
    let again = open(file_backend(root)).check(false).unwrap();
    assert_eq!(
        (again.checked, again.valid, again.findings.len()),
        (3, 3, 0)
    );
}

#[test]
fn a_dry_run_reports_the_same_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = seed(dir.path());
    let before: Vec<(String, Vec<u8>)> = files_under(dir.path())
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(dir.path().join(&f)).unwrap()))
        .collect();
    let report = open(file_backend(dir.path())).check(true).unwrap();
    assert_eq!(report.findings.len(), bad.len());
    assert!(report.findings.iter().all(|f| !f.quarantined));
    let after: Vec<(String, Vec<u8>)> = files_under(dir.path())
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(dir.path().join(&f)).unwrap()))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn wait_for_init_quarantines_the_entitys_bad_documents_and_never_fails() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    seed(root);
    let truncated = std::fs::read(root.join("orders/truncated.json")).unwrap();
    let mut p = open(file_backend(root));
    let report = p.base("orders").wait_for_init(true).unwrap();
    assert_eq!(
        (report.checked, report.valid, report.findings.len()),
        (5, 2, 3)
    );
    assert_quarantined(root, "orders", "truncated", &truncated);
    assert_eq!(p.base("orders").keys().unwrap(), ["good", "null"]);
    // Other entities are not touched by this entity's init.
    assert!(root.join(SIGNAL).join("ETHUSDT.json").exists());
}

/// A domain's init that quarantines is never silent: each document is a warning the
/// embedder receives (`take_warnings`, and `tracing` as it happens), whichever call ran it.
#[test]
fn what_a_domain_init_quarantines_is_reported_as_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    seed(root);
    let mut p = open(file_backend(root));
    let row = p
        .signal("BTCUSDT", "s", "binance")
        .read_signal_data()
        .unwrap();
    assert!(row.is_some(), "the good row reads");
    let mut warnings = p.take_warnings();
    warnings.sort();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(
        warnings[0],
        format!(
            "invalid document {SIGNAL}:ETHUSDT moved to the quarantine: signal.priceOpen: \
             expected a number, got \"abc\""
        ),
    );
    assert!(warnings[1].starts_with(&format!("invalid document {SIGNAL}:XRPUSDT moved")));
    p.base("orders").keys().unwrap();
    assert_eq!(
        p.take_warnings().len(),
        3,
        "the base entity's three bad documents"
    );
    assert!(p.take_warnings().is_empty());
}

#[test]
fn reading_a_document_corrupted_after_init_is_a_corrupt_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = open(file_backend(dir.path()));
    p.base("orders").write_value("a", "1").unwrap();
    std::fs::write(dir.path().join("orders/a.json"), "{").unwrap();
    match p.base("orders").read_value("a") {
        Err(Error::Corrupt(m)) => assert!(
            m.starts_with("Failed to read entity orders:a: not valid JSON"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("orders/a.json")).unwrap(),
        "{",
        "reading never deletes"
    );
}

#[test]
fn the_memory_store_quarantines_too() {
    let b = memory_backend();
    b.write("orders", "bad", b"{").unwrap();
    b.write("orders", "good", b"1").unwrap();
    let report = open(b.clone()).check(false).unwrap();
    assert_eq!(
        (report.checked, report.valid, report.findings.len()),
        (2, 1, 1)
    );
    assert_eq!(b.read("orders", "bad").unwrap(), None);
    assert_eq!(b.list_ids("orders").unwrap(), ["good"]);
}

/// A store where a writer replaces a document in the instant between `check` reading it and
/// moving it: the writer's valid document must stay live.
struct RacingWriter {
    inner: std::sync::Arc<dyn persist_embed::Backend>,
}

impl persist_embed::Backend for RacingWriter {
    fn url(&self) -> String {
        self.inner.url()
    }
    fn read(&self, e: &str, id: &str) -> Result<Option<Vec<u8>>, persist_embed::StorageError> {
        self.inner.read(e, id)
    }
    fn write(&self, e: &str, id: &str, v: &[u8]) -> Result<(), persist_embed::StorageError> {
        self.inner.write(e, id, v)
    }
    fn write_if_absent(
        &self,
        e: &str,
        id: &str,
        v: &[u8],
    ) -> Result<bool, persist_embed::StorageError> {
        self.inner.write_if_absent(e, id, v)
    }
    fn remove(&self, e: &str, id: &str) -> Result<(), persist_embed::StorageError> {
        self.inner.remove(e, id)
    }
    fn list_ids(&self, e: &str) -> Result<Vec<String>, persist_embed::StorageError> {
        self.inner.list_ids(e)
    }
    fn entities(&self, prefix: &str) -> Result<Vec<String>, persist_embed::StorageError> {
        self.inner.entities(prefix)
    }
    fn quarantine(
        &self,
        e: &str,
        id: &str,
        judged: &[u8],
        reason: &str,
    ) -> Result<bool, persist_embed::StorageError> {
        self.inner.write(e, id, signal_row("new").as_bytes())?;
        self.inner.quarantine(e, id, judged, reason)
    }
    fn read_many(
        &self,
        e: &str,
        ids: &[String],
    ) -> Result<Vec<Option<Vec<u8>>>, persist_embed::StorageError> {
        self.inner.read_many(e, ids)
    }
    fn write_many(
        &self,
        docs: &[persist_embed::storage::Document],
    ) -> Result<(), persist_embed::StorageError> {
        self.inner.write_many(docs)
    }
    fn remove_many(&self, keys: &[(String, String)]) -> Result<(), persist_embed::StorageError> {
        self.inner.remove_many(keys)
    }
    fn write_if_version(
        &self,
        e: &str,
        id: &str,
        expected: Option<&str>,
        v: &[u8],
    ) -> Result<persist_embed::storage::SwapOutcome, persist_embed::StorageError> {
        self.inner.write_if_version(e, id, expected, v)
    }
    fn quarantine_list(
        &self,
    ) -> Result<Vec<persist_embed::storage::Quarantined>, persist_embed::StorageError> {
        self.inner.quarantine_list()
    }
    fn quarantine_read(
        &self,
        q: &persist_embed::storage::Quarantined,
    ) -> Result<Option<Vec<u8>>, persist_embed::StorageError> {
        self.inner.quarantine_read(q)
    }
    fn quarantine_restore(
        &self,
        q: &persist_embed::storage::Quarantined,
        replace: bool,
    ) -> Result<bool, persist_embed::StorageError> {
        self.inner.quarantine_restore(q, replace)
    }
    fn quarantine_purge(
        &self,
        q: &persist_embed::storage::Quarantined,
    ) -> Result<(), persist_embed::StorageError> {
        self.inner.quarantine_purge(q)
    }
}

#[test]
fn check_never_moves_a_document_a_writer_replaced_after_it_was_judged() {
    services::each_store_kind(|fresh, store| {
        let name = fresh.name();
        store.write(SIGNAL, "BTCUSDT", b"{oops").unwrap();
        let mut p = open(std::sync::Arc::new(RacingWriter {
            inner: store.clone(),
        }));
        let report = p.check(false).unwrap();
        assert_eq!(report.findings.len(), 1, "{name}: {report:?}");
        let finding = &report.findings[0];
        assert!(!finding.quarantined, "{name}: {finding:?}");
        assert!(
            finding
                .reason
                .ends_with("it changed while being checked, so it was left in place (check again)"),
            "{name}: {}",
            finding.reason
        );
        assert_eq!(
            store.read(SIGNAL, "BTCUSDT").unwrap().as_deref(),
            Some(signal_row("new").as_bytes()),
            "{name}: the writer's document left the live store"
        );
    });
}
