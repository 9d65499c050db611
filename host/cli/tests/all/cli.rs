//! The `persist` binary: round trips, output, and an exit status for each kind of failure.

use crate::{persist, persist_bin};
use persist_test_support::*;
use std::io::Write;
use std::process::Stdio;

#[test]
fn put_get_has_ls_rm_round_trip_on_files() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    let o = run(persist(s).args(["put", "orders", "42", r#"{"qty": 1.0}"#]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(s.join("orders/42.json")).unwrap(),
        r#"{"qty":1}"#
    );

    let o = run(persist(s).args(["get", "orders", "42"]));
    assert_eq!(
        (o.status.code(), stdout(&o).as_str()),
        (Some(0), "{\"qty\":1}\n")
    );

    let o = run(persist(s).args(["has", "orders", "42"]));
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(0), "true\n"));
    let o = run(persist(s).args(["has", "orders", "43"]));
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(3), "false\n"));

    run(persist(s).args(["put", "orders", "7", "[]"]));
    let o = run(persist(s).args(["ls", "orders"]));
    assert_eq!(stdout(&o), "7\n42\n");

    let o = run(persist(s).args(["rm", "orders", "42"]));
    assert_eq!(o.status.code(), Some(0));
    let o = run(persist(s).args(["rm", "orders", "42"]));
    assert_eq!(o.status.code(), Some(0), "rm is idempotent");
    assert_eq!(stdout(&run(persist(s).args(["ls", "orders"]))), "7\n");
}

#[test]
fn put_reads_stdin_when_the_document_is_omitted() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = persist(dir.path())
        .args(["put", "e", "from-stdin"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\n \"a\": [1, 2]\n}\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(
        stdout(&run(persist(dir.path()).args(["get", "e", "from-stdin"]))),
        "{\"a\":[1,2]}\n"
    );
}

#[test]
fn the_memory_store_lives_for_one_process() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(persist_bin()
        .current_dir(dir.path())
        .args(["--store", "memory:", "put", "e", "a", "1"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(persist_bin()
        .current_dir(dir.path())
        .args(["--store", "memory:", "get", "e", "a"]));
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "a memory store writes no files"
    );
}

#[test]
fn each_kind_of_failure_has_its_exit_status_and_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["frobnicate"], 2, "error: unrecognized subcommand"),
        (
            vec!["get", "orders"],
            2,
            "error: the following required arguments",
        ),
        (
            vec!["get", "orders", "404"],
            3,
            "persist: error: Entity orders:404 not found",
        ),
        (
            vec!["put", "orders", "1", "{not json"],
            4,
            "persist: error: value: not valid JSON: key must be a string at line 1 column 2",
        ),
        (
            vec!["put", "", "1", "1"],
            4,
            "persist: error: entity name \"\" cannot be stored: it must not be empty",
        ),
        (
            vec!["--store", "ftp://x", "ls", "e"],
            2,
            "unsupported store URL \"ftp://x\": unknown scheme \"ftp\"",
        ),
    ];
    for (args, code, first_line) in cases {
        let o = if args[0] == "--store" {
            run(persist_bin().args(&args))
        } else {
            run(persist(s).args(&args))
        };
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(first_line), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}: errors never go to stdout");
    }
    // A storage failure: the entity's folder is taken by a file.
    std::fs::write(s.join("blocked"), "x").unwrap();
    let o = run(persist(s).args(["put", "blocked", "1", "1"]));
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].starts_with("persist: error: Failed to write entity blocked:1: "),
        "{lines:?}"
    );
    assert_eq!(lines.len(), 1, "one line: {lines:?}");
    assert!(
        lines[0].ends_with(
            "(check the store: its URL and credentials, or its path, permissions and free space)"
        ),
        "{lines:?}"
    );
    // A corrupt document is quarantined by the entity's init before the read, and said so.
    std::fs::create_dir_all(s.join("c")).unwrap();
    std::fs::write(s.join("c/x.json"), "{").unwrap();
    let o = run(persist(s).args(["get", "c", "x"]));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("invalid document c:x moved to the quarantine: not valid JSON"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("persist: error: Entity c:x not found"),
        "{}",
        stderr(&o)
    );
    // A guest file that is not a component.
    std::fs::write(s.join("not.wasm"), "nope").unwrap();
    let o = run(persist(s).args(["--guest", s.join("not.wasm").to_str().unwrap(), "ls", "e"]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is not a WebAssembly file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_reports_and_its_exit_status_tells_whether_anything_was_found() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    run(persist(s).args(["put", "orders", "1", "1"]));
    let o = run(persist(s).args(["check"]));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("checked 1 documents: 1 valid, 0 invalid"),
        "{}",
        stdout(&o)
    );

    std::fs::write(s.join("orders/2.json"), "{\"trunc").unwrap();
    let o = run(persist(s).args(["check", "--dry-run", "--json"]));
    assert_eq!(o.status.code(), Some(6));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["checked"], 2);
    assert_eq!(report["findings"][0]["id"], "2");
    assert_eq!(report["findings"][0]["quarantined"], false);
    assert!(s.join("orders/2.json").exists(), "a dry run moves nothing");

    let o = run(persist(s).args(["check"]));
    assert_eq!(o.status.code(), Some(6));
    assert!(
        stdout(&o).contains("quarantined: orders:2 (base): not valid JSON"),
        "{}",
        stdout(&o)
    );
    assert!(!s.join("orders/2.json").exists());
    assert_eq!(
        run(persist(s).args(["check"])).status.code(),
        Some(0),
        "nothing left to find"
    );
}

#[test]
fn another_guest_build_runs_with_guest() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("copy.wasm");
    std::fs::write(&wasm, persist_embed::EMBEDDED_GUEST).unwrap();
    let s = dir.path().join("s");
    run(persist(&s).args(["put", "e", "a", "[1]"]));
    let o = run(persist(&s).args(["--guest", wasm.to_str().unwrap(), "get", "e", "a"]));
    assert_eq!(
        (o.status.code(), stdout(&o).as_str()),
        (Some(0), "[1]\n"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_store_can_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = persist_bin();
    cmd.env("PERSIST_STORE", format!("file:{}", dir.path().display()));
    assert!(run(cmd.args(["put", "e", "a", "1"])).status.success());
    assert!(dir.path().join("e/a.json").exists());
}

#[test]
fn the_sample_store_check_in_the_readme_finds_the_corrupt_document_and_changes_nothing() {
    let sample =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sample-store");
    let before = files_under(&sample);
    let o = run(persist(&sample).args(["check", "--dry-run"]));
    assert_eq!(o.status.code(), Some(6), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("would quarantine: data/signal/BTCUSDT_my-strategy_binance:BTCUSDT"),
        "{}",
        stdout(&o)
    );
    assert_eq!(files_under(&sample), before);
}

/// The keys the guest refuses (see persist-embed's hostile_keys tests) are refused by the CLI
/// with exit status 4.
#[test]
fn the_cli_refuses_the_same_keys_with_exit_status_4() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(persist(&dir.path().join("s")).args(["put", "e", &"x".repeat(10_000), "1"]));
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("persist: error: id of entity e \"xxxx"),
        "{}",
        stderr(&o)
    );
}

/// The domain commands follow persist-core's table of the domains: every domain is a
/// subcommand of its name, and a context flag it needs and was not given is named.
#[test]
fn every_domain_is_a_subcommand_and_names_the_context_it_needs() {
    use persist_core::context::Field;
    use persist_core::domain::Domain;
    let dir = tempfile::tempdir().unwrap();
    for domain in Domain::ALL {
        let help = run(persist_bin().args([domain.name(), "read", "--help"]));
        assert_eq!(
            help.status.code(),
            Some(0),
            "{}: {}",
            domain.name(),
            stderr(&help)
        );
        let first = domain
            .fields()
            .iter()
            .find(|f| !matches!(f, Field::FrameName | Field::Backtest));
        let ls = run(persist(dir.path()).args([domain.name(), "ls"]));
        match first {
            Some(field) => {
                assert_eq!(
                    ls.status.code(),
                    Some(2),
                    "{}: {}",
                    domain.name(),
                    stderr(&ls)
                );
                let flag = format!("{field:?}")
                    .replace("StrategyName", "strategy")
                    .replace("ExchangeName", "exchange")
                    .replace("RiskName", "risk")
                    .replace("SignalId", "signal-id")
                    .to_lowercase();
                assert!(
                    stderr(&ls).contains(&format!("{} needs --{flag}", domain.name())),
                    "{}",
                    stderr(&ls)
                );
            }
            None => assert_eq!(
                ls.status.code(),
                Some(0),
                "{}: {}",
                domain.name(),
                stderr(&ls)
            ),
        }
    }
}

#[test]
fn bench_json_prints_one_object_with_stable_keys_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(persist_bin()
        .args([
            "bench",
            "--json",
            "--memory-ops",
            "50",
            "--file-ops",
            "3",
            "--docs",
            "10",
            "--network-ops",
            "5",
            "--redis",
            "off",
            "--postgres",
            "off",
            "--dir",
        ])
        .arg(dir.path()));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 1, "one line of JSON: {text}");
    let figures: serde_json::Value = serde_json::from_str(&text).unwrap();
    for key in [
        "memory.round_trip.us",
        "file.write.us",
        "file.batch_100.docs_per_s",
        "file.single_writes.docs_per_s",
        "file.batch_100.vs_singles",
        "file.run_plugin.candles_per_s",
        "memory.run_plugin.candles_per_s",
        "plugin.get_signal.us",
    ] {
        assert!(
            figures[key].as_f64().is_some_and(|v| v > 0.0),
            "{key} is a positive number in {figures}"
        );
    }
    assert_eq!(figures["guest_sha256"].as_str().map(str::len), Some(64));
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "the bench removed its files"
    );
}
