//! A store written by persist 0.1.0 (tests/fixtures/store-0.1: every domain and a `PersistBase`
//! entity, written by its `write.py` with the 0.1.0 binary) reads back the same with this
//! version, is valid to `persist check`, and the same writes made now give the same files byte
//! for byte: the file layout and the documents' text did not change.

use crate::persist;
use persist_test_support::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/store-0.1")
}

fn json(file: &str) -> Value {
    let path = fixture().join(file);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Runs one step's write (and soft delete) as write.py does.
fn write(store: &Path, step: &Value) {
    let data = step["json"].as_str().unwrap();
    if let Some(put) = step.get("put") {
        let out = run(persist(store).arg("put").args(strings(put)).arg(data));
        assert!(out.status.success(), "{step}: {}", stderr(&out));
        return;
    }
    let domain = step["domain"].as_str().unwrap();
    let flags = strings(&step["flags"]);
    let out = run(persist(store)
        .args([domain, "write"])
        .args(&flags)
        .arg(data));
    assert!(out.status.success(), "{step}: {}", stderr(&out));
    if step.get("rm").is_some() {
        let out = run(persist(store).args([domain, "rm"]).args(&flags));
        assert!(out.status.success(), "{step}: {}", stderr(&out));
    }
}

/// What the step's read prints, as write.py recorded it.
fn read(store: &Path, step: &Value) -> String {
    let out = match step.get("put") {
        Some(put) => run(persist(store).arg("get").args(strings(put))),
        None => run(persist(store)
            .args([step["domain"].as_str().unwrap(), "read"])
            .args(strings(&step["flags"]))
            .args(step.get("read").map(strings).unwrap_or_default())),
    };
    assert!(out.status.success(), "{step}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn a_store_written_by_0_1_reads_the_same_and_the_same_writes_give_the_same_files() {
    let steps = json("writes.json")["steps"].as_array().unwrap().clone();
    let reads = strings(&json("reads.json"));
    assert_eq!(steps.len(), reads.len());
    let written_by_0_1 = fixture().join("store");

    let old = tempfile::tempdir().unwrap();
    copy_dir(&written_by_0_1, old.path());
    for (step, expected) in steps.iter().zip(&reads) {
        assert_eq!(&read(old.path(), step), expected, "{step}");
    }
    let check = run(persist(old.path()).arg("check"));
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(stdout(&check).contains(" 0 invalid"), "{}", stdout(&check));
    assert_eq!(
        snapshot(old.path()),
        snapshot(&written_by_0_1),
        "reading changed the store"
    );

    let new = tempfile::tempdir().unwrap();
    for step in &steps {
        write(new.path(), step);
    }
    assert_eq!(
        files_under(new.path()),
        files_under(&written_by_0_1),
        "the same writes made other files"
    );
    assert_eq!(snapshot(new.path()), snapshot(&written_by_0_1));
}
