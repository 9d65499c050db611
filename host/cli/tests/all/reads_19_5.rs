//! backtest-kit 19.5.0's reads, as the CLI does them: what a domain's init quarantines is said
//! on stderr, `ls` validates first and leaves soft-deleted records out, memory has `has`, and
//! `check --dry-run` changes nothing at all. (The record-level reads, `multiplier` and
//! `isolated` defaults and lone surrogate escapes, are shared cases in tests/behaviour.)

use crate::{SIGNAL, persist};
use persist_test_support::*;
use std::path::Path;
use std::time::{Duration, SystemTime};

const SIGNAL_DIR: &str = "data/signal/BTCUSDT_s_binance";

fn put(store: &Path, rel: &str, bytes: &str) {
    let path = store.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn invalid_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("invalid document"))
        .collect()
}

#[test]
fn a_document_a_domain_init_quarantines_is_said_on_stderr_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    put(s, &format!("{SIGNAL_DIR}/BTCUSDT.json"), "{\"id\":");
    let o = run(persist(s).args(["signal", "read"]).args(SIGNAL));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "null\n");
    let err = stderr(&o);
    let lines = invalid_lines(&err);
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].contains(&format!(
            "invalid document {SIGNAL_DIR}:BTCUSDT moved to the quarantine: not valid JSON"
        )),
        "{err}"
    );
    assert!(
        files_under(s)
            .iter()
            .any(|f| f.starts_with(&format!(".quarantine/{SIGNAL_DIR}/BTCUSDT."))),
        "{:?}",
        files_under(s)
    );
}

#[test]
fn ls_validates_the_context_first_and_leaves_out_soft_deleted_records() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    let measure = ["--bucket", "sma_1h_0"];
    for key in ["a", "b", "c"] {
        let o = run(persist(s)
            .args(["measure", "write", "--key", key])
            .args(measure)
            .arg("{\"id\":\"x\",\"data\":1,\"removed\":false}"));
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = run(persist(s)
        .args(["measure", "rm", "--key", "b"])
        .args(measure));
    assert!(o.status.success(), "{}", stderr(&o));
    put(s, "data/measure/sma_1h_0/d.json", "{\"id\":\"d\",");
    let o = run(persist(s).args(["measure", "ls"]).args(measure));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "a\nc\n", "b is soft-deleted, d is not valid");
    assert_eq!(invalid_lines(&stderr(&o)).len(), 1, "{}", stderr(&o));

    // The ids of a domain without a list of its own, after its init.
    put(s, &format!("{SIGNAL_DIR}/BTCUSDT.json"), "[1]");
    let o = run(persist(s).args(["signal", "ls"]).args(SIGNAL));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "the invalid row is not listed");
    assert_eq!(invalid_lines(&stderr(&o)).len(), 1, "{}", stderr(&o));
}

#[test]
fn memory_has_counts_soft_deleted_records_as_backtest_kit_does() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    let ctx = ["--signal-id", "sig-1", "--bucket", "notes"];
    let record = "{\"priority\":1,\"data\":{\"n\":1},\"removed\":false,\"index\":\"i\",\"when\":1}";
    for id in ["m1", "m2"] {
        let o = run(persist(s)
            .args(["memory", "write", "--memory-id", id])
            .args(ctx)
            .arg(record));
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = run(persist(s)
        .args(["memory", "rm", "--memory-id", "m2"])
        .args(ctx));
    assert!(o.status.success(), "{}", stderr(&o));
    let has = |id: &str| {
        stdout(&run(persist(s)
            .args(["memory", "has", "--memory-id", id])
            .args(ctx)))
    };
    assert_eq!(has("m1"), "true\n");
    assert_eq!(
        has("m2"),
        "true\n",
        "hasMemoryData is true for a soft-deleted record"
    );
    assert_eq!(has("m3"), "false\n");
    assert_eq!(
        stdout(&run(persist(s).args(["memory", "ls"]).args(ctx))),
        "m1\n"
    );
    let o = run(persist(s).args(["signal", "has"]).args(SIGNAL));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("signal has no has"), "{}", stderr(&o));
}

#[test]
fn check_dry_run_changes_nothing_not_even_stale_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    put(s, &format!("{SIGNAL_DIR}/BTCUSDT.json"), "{\"id\":");
    let stale = format!("{SIGNAL_DIR}/.tmp-0123456789ab-BTCUSDT.json");
    put(s, &stale, "{\"half");
    std::fs::File::options()
        .write(true)
        .open(s.join(&stale))
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(600))
        .unwrap();
    let before = snapshot_with_temp_files(s);
    let o = run(persist(s).args(["check", "--dry-run"]));
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert!(stdout(&o).contains("would quarantine"), "{}", stdout(&o));
    assert_eq!(
        snapshot_with_temp_files(s),
        before,
        "a dry run changed the store"
    );

    // A missing store is not created by a look at it.
    let missing = s.join("nothing-here");
    let o = run(persist(&missing).args(["check", "--dry-run"]));
    assert!(!o.status.success());
    assert!(!missing.exists());

    // The check that acts sweeps the stale temp file and moves the invalid document.
    let o = run(persist(s).arg("check"));
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert!(!s.join(&stale).exists(), "the stale temp file is swept");
    assert!(!s.join(format!("{SIGNAL_DIR}/BTCUSDT.json")).exists());
}

/// Every file with its bytes and modification time, temp files included.
fn snapshot_with_temp_files(store: &Path) -> Vec<(String, Vec<u8>, SystemTime)> {
    files_under(store)
        .into_iter()
        .map(|f| {
            let path = store.join(&f);
            let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
            (f, std::fs::read(&path).unwrap(), modified)
        })
        .collect()
}
