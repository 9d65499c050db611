//! A store written by persist 0.1.0 (tests/fixtures/store-0.1: every domain and a `PersistBase`
//! entity, written by its `write.py` with the 0.1.0 binary) reads back the same with this
//! version, is valid to `persist check`, and the same writes made now give the same files: the
//! file layout and the documents' text did not change, except for what backtest-kit 19.5.0
//! adds to every signal-like row it reads (`multiplier` 1, `isolated` true where a row has
//! none), which this version adds where 19.5.0 does, and nothing else.

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

/// The text with the 19.5.0 defaults (`"multiplier":1,"isolated":true` in one object) taken
/// out again, as JSON, and how many objects had them. Text that is not JSON comes back as is.
fn without_19_5_defaults(text: &str) -> (String, usize) {
    fn strip(v: &mut Value) -> usize {
        match v {
            Value::Object(map) => {
                let mut n = 0;
                if map.get("multiplier") == Some(&Value::from(1))
                    && map.get("isolated") == Some(&Value::Bool(true))
                {
                    map.shift_remove("multiplier");
                    map.shift_remove("isolated");
                    n += 1;
                }
                n + map.values_mut().map(strip).sum::<usize>()
            }
            Value::Array(items) => items.iter_mut().map(strip).sum(),
            // A JSON-text domain's rows print as JSON text inside a list.
            Value::String(s) if s.starts_with('{') => match serde_json::from_str::<Value>(s) {
                Ok(mut inner) => {
                    let n = strip(&mut inner);
                    *s = inner.to_string();
                    n
                }
                Err(_) => 0,
            },
            _ => 0,
        }
    }
    match serde_json::from_str::<Value>(text) {
        Ok(mut v) => {
            let n = strip(&mut v);
            (v.to_string(), n)
        }
        Err(_) => (text.to_string(), 0),
    }
}

/// What 0.1 printed or wrote, in the same form as [`without_19_5_defaults`] gives.
fn as_0_1(text: &str) -> String {
    without_19_5_defaults(text).0
}

#[test]
fn a_store_written_by_0_1_reads_the_same_and_the_same_writes_give_the_same_files() {
    let steps = json("writes.json")["steps"].as_array().unwrap().clone();
    let reads = strings(&json("reads.json"));
    assert_eq!(steps.len(), reads.len());
    let written_by_0_1 = fixture().join("store");

    let old = tempfile::tempdir().unwrap();
    copy_dir(&written_by_0_1, old.path());
    let mut filled = 0;
    for (step, expected) in steps.iter().zip(&reads) {
        assert!(!expected.contains("multiplier"), "0.1 wrote no multiplier");
        let (now, n) = without_19_5_defaults(&read(old.path(), step));
        assert_eq!(now, as_0_1(expected), "{step}");
        filled += n;
    }
    // signal, schedule, recent, the strategy's closed row and the signals store.
    assert!(filled >= 5, "19.5.0's defaults filled in {filled} reads");
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
    let mut added = 0;
    for ((name, now), (_, then)) in snapshot(new.path()).iter().zip(snapshot(&written_by_0_1)) {
        let (now, n) = without_19_5_defaults(&String::from_utf8_lossy(now));
        assert_eq!(now, as_0_1(&String::from_utf8_lossy(&then)), "{name}");
        added += n;
    }
    // The typed rows written now carry them: signal, schedule, recent, strategy.closedSignal.
    assert!(
        added >= 4,
        "the writes added 19.5.0's fields to {added} rows"
    );
}
