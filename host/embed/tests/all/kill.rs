//! What survives `kill -9`: a child process writes numbered versions of three documents in a
//! loop through the library, one write each or all three as one batch (`write_many`), and
//! reports each acknowledged write; the test SIGKILLs it at a random moment, then checks the
//! store. 50 kills in the normal suite; the ignored
//! `kill_soak` runs 1,000 (`cargo test -p persist-embed --test all -- --ignored kill_soak`).
//!
//! The child is this test binary itself, re-run with `KILL_CHILD_STORE` set, running the
//! ignored test `kill_child_writer`.

use persist_test_support::*;
use rand::Rng;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const DOCS: [&str; 3] = ["alpha", "beta", "gamma"];
const ENTITY: &str = "kill/test";

/// The exact bytes of version `v` of a document: its size varies with the version so that
/// a mix of two versions cannot parse as either.
fn content(doc: &str, v: u64) -> String {
    let pad = "x".repeat(((v * 37) % 3000 + 50) as usize);
    format!(r#"{{"doc":"{doc}","version":{v},"pad":"{pad}"}}"#)
}

#[test]
#[ignore = "the child process of the kill tests; runs only when KILL_CHILD_STORE is set"]
fn kill_child_writer() {
    let Some(store) = std::env::var_os("KILL_CHILD_STORE") else {
        return;
    };
    let run: u64 = std::env::var("KILL_CHILD_RUN").unwrap().parse().unwrap();
    let batch = std::env::var_os("KILL_CHILD_BATCH").is_some();
    let mut p = open(file_backend(Path::new(&store)));
    println!("ready");
    for i in 0.. {
        let v = run * 1_000_000 + i;
        if batch {
            let values: Vec<(String, String)> = DOCS
                .iter()
                .map(|doc| (doc.to_string(), content(doc, v)))
                .collect();
            p.base(ENTITY).write_many(&values).unwrap();
            for doc in DOCS {
                println!("ack {doc} {v}");
            }
            continue;
        }
        for doc in DOCS {
            p.base(ENTITY).write_value(doc, &content(doc, v)).unwrap();
            println!("ack {doc} {v}");
        }
    }
}

/// Runs the child until a random moment, kills it, and returns the last acknowledged version
/// of each document.
fn run_and_kill(store: &Path, run: u64, batch: bool, rng: &mut impl Rng) -> HashMap<String, u64> {
    let mut child = Command::new(std::env::current_exe().unwrap());
    if batch {
        child.env("KILL_CHILD_BATCH", "1");
    }
    let mut child = child
        .args([
            "--exact",
            "kill::kill_child_writer",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env("KILL_CHILD_STORE", store)
        .env("KILL_CHILD_RUN", run.to_string())
        .env("PERSIST_CACHE_DIR", cache_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut acked = HashMap::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line == "ready" {
                let _ = ready_tx.send(());
            } else if let Some(rest) = line.strip_prefix("ack ") {
                let (doc, v) = rest.split_once(' ').unwrap();
                acked.insert(doc.to_string(), v.parse::<u64>().unwrap());
            }
        }
        acked
    });
    ready_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the child starts");
    std::thread::sleep(Duration::from_micros(rng.random_range(0..150_000)));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    reader.join().unwrap()
}

fn verify(store: &Path, acked_ever: &HashMap<String, u64>, kill: usize) {
    let folder = store.join(ENTITY);
    for doc in DOCS {
        let path = folder.join(format!("{doc}.json"));
        let acked = acked_ever.get(doc).copied();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && acked.is_none() => continue,
            Err(e) => {
                panic!("kill {kill}: {doc} (acknowledged up to {acked:?}) is unreadable: {e}")
            }
        };
        let value: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("kill {kill}: {doc} does not parse ({e}): {text:.80}"));
        let v = value["version"].as_u64().unwrap();
        assert_eq!(
            text,
            content(doc, v),
            "kill {kill}: {doc} is not exactly a version that was written"
        );
        if let Some(last) = acked {
            assert!(
                v >= last,
                "kill {kill}: {doc} is at version {v}, but {last} was acknowledged"
            );
        }
    }
    let mut fresh = open(file_backend(store));
    let keys = fresh.base(ENTITY).keys().unwrap();
    assert!(
        keys.iter().all(|k| DOCS.contains(&k.as_str())),
        "kill {kill}: temp files listed: {keys:?}"
    );
    let report = fresh.base(ENTITY).wait_for_init(true).unwrap();
    assert!(
        report.findings.is_empty(),
        "kill {kill}: a fresh init found {:?}",
        report.findings
    );
    let check = fresh.check(true).unwrap();
    assert!(
        check.findings.is_empty(),
        "kill {kill}: check found {:?}",
        check.findings
    );
}

fn kill_many(kills: usize, batch: bool) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let mut rng = rand::rng();
    let mut acked_ever: HashMap<String, u64> = HashMap::new();
    let mut total_acks = 0;
    for kill in 0..kills {
        let acked = run_and_kill(&store, kill as u64 + 1, batch, &mut rng);
        total_acks += acked.len();
        for (doc, v) in acked {
            acked_ever.insert(doc, v);
        }
        verify(&store, &acked_ever, kill);
    }
    assert!(total_acks > 0, "the children acknowledged no write at all");
}

#[test]
fn acknowledged_writes_survive_50_kills_and_nothing_reads_as_a_mix() {
    kill_many(50, false);
}

#[test]
fn acknowledged_batches_survive_30_kills_and_nothing_reads_as_a_mix() {
    kill_many(30, true);
}

#[test]
#[ignore = "soak: 1,000 kills, several minutes"]
fn kill_soak() {
    kill_many(1000, false);
    kill_many(1000, true);
}
