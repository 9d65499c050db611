//! What an adversary tried against the release binary, one test per finding: nothing valid and
//! acknowledged ever leaves the live store.

use crate::{SIGNAL, persist};
use persist_test_support::*;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

/// The child's output, or a failure naming `what` when it runs for more than 20 s.
fn within_20_s(mut child: Child, what: &str) -> Output {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("{what} hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A lower `--max-document-bytes` is a setting of this process, not a fault of the documents:
/// a read of a larger one fails naming the cap, `check` reports it, and nothing is moved.
#[test]
fn a_lower_document_cap_never_quarantines_a_valid_document() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    let o = run(persist(s)
        .args(["signal", "write"])
        .args(SIGNAL)
        .arg(signal_row("s1")));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = snapshot(s);

    let o = run(persist(s)
        .args(["--max-document-bytes", "100", "signal", "read"])
        .args(SIGNAL));
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "a document over the cap is not `null`");
    let err = stderr(&o);
    assert!(
        err.contains("larger than this process's cap of 100 bytes")
            && err.contains("left in place (raise --max-document-bytes to read it)"),
        "{err}"
    );
    assert_eq!(snapshot(s), before, "the read moved or changed a document");

    let o = run(persist(s).args(["--max-document-bytes", "100", "check"]));
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("NOT quarantined: data/signal/BTCUSDT_s_binance:BTCUSDT"),
        "{out}"
    );
    assert!(
        out.contains("0 moved to the quarantine, 1 left in place"),
        "{out}"
    );
    assert_eq!(snapshot(s), before, "check moved or changed a document");

    let o = run(persist(s).args(["signal", "read"]).args(SIGNAL));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains(r#""id":"s1""#));
}

/// Entries a backtest-kit `./dump` can hold that this store cannot read as documents (a name
/// over 200 bytes, a backslash, a newline, a FIFO): each is a finding of `check` and of init,
/// left in place; every other document of the entity still reads, and `check` goes on.
#[test]
fn one_unreadable_entry_never_blocks_the_rest_of_its_entity_or_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    let entity = s.join("data/signal/BTCUSDT_s_binance");
    std::fs::create_dir_all(&entity).unwrap();
    std::fs::write(entity.join("BTCUSDT.json"), signal_row("s1")).unwrap();
    let long = "x".repeat(240);
    for name in [long.as_str(), "a\\b", "new\nline"] {
        std::fs::write(entity.join(format!("{name}.json")), signal_row("other")).unwrap();
    }
    let fifo = entity.join("pipe.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::create_dir_all(s.join("orders")).unwrap();
    std::fs::write(s.join("orders/1.json"), "{}").unwrap();
    let before = files_under(s);

    let o = run(persist(s).args(["signal", "read"]).args(SIGNAL));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains(r#""id":"s1""#), "{}", stdout(&o));
    let o = run(persist(s).args(["put", "orders", "2", "{}"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let o = run(persist(s).arg("check"));
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("checked 7 documents: 3 valid, 4 invalid"),
        "{out}"
    );
    assert!(
        out.contains(
            "NOT quarantined: data/signal/BTCUSDT_s_binance:pipe (signal): cannot be read:"
        ) && out.contains("is not a regular file, so not a document (a FIFO, socket or device)"),
        "{out}"
    );
    assert_eq!(out.matches("cannot be read:").count(), 4, "{out}");
    assert!(
        out.contains("0 moved to the quarantine, 4 left in place"),
        "{out}"
    );
    let mut after = files_under(s);
    after.retain(|f| f != "orders/2.json");
    assert_eq!(after, before, "an entry was moved");
}

/// A FIFO under a document's name is never opened for a blocking read: `get` and `has` fail at
/// once naming it.
#[test]
fn a_fifo_named_like_a_document_never_hangs_a_read() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    std::fs::create_dir_all(s.join("orders")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(s.join("orders/x.json"))
        .status()
        .unwrap();
    assert!(made.success());
    for command in ["get", "has"] {
        let child = persist(s)
            .args([command, "orders", "x"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let o = within_20_s(child, &format!("`persist {command} orders x` on a FIFO"));
        assert_eq!(o.status.code(), Some(5), "{command}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("orders/x.json is not a regular file, so not a document"),
            "{command}: {}",
            stderr(&o)
        );
    }
}

/// Names and reasons reach the terminal with their control characters escaped: an id holding
/// ESC, BEL or a newline can neither drive the terminal nor print a line of its own.
#[test]
fn control_characters_in_ids_are_escaped_in_every_human_readable_output() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    let evil = "evil\u{1b}[2J\u{7}\n  quarantined: orders:fake (base): forged";
    std::fs::create_dir_all(s.join("orders")).unwrap();
    std::fs::write(s.join(format!("orders/{evil}.json")), "{oops").unwrap();
    let escaped = r"evil\u{1b}[2J\u{7}\n  quarantined: orders:fake (base): forged";

    let o = run(persist(s).args(["ls", "orders"]));
    assert_eq!(stdout(&o), format!("{escaped}\n"));
    let o = run(persist(s).args(["get", "orders", evil]));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 2, "a warning and the error: {err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err}");

    let o = run(persist(s).args(["check", "--dry-run"]));
    let out = stdout(&o);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out}");
    assert_eq!(
        out.lines().count(),
        2,
        "one summary line, one finding: {out}"
    );
    assert!(
        out.contains(&format!("would quarantine: orders:{escaped} (base)")),
        "{out}"
    );
}

/// A config file that does not parse is reported on one line, with where and what, and never
/// with its text, which may hold a password.
#[test]
fn a_malformed_config_file_never_prints_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("persist.toml");
    std::fs::write(
        &config,
        "# stores\nstore = \"postgres://trader:hunter2@db.example/persist\n[routes]\n",
    )
    .unwrap();
    let o = run(crate::persist_bin()
        .arg("--config")
        .arg(&config)
        .args(["ls", "orders"]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(!err.contains("hunter2"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("persist.toml at line 2, column"), "{err}");
}

/// A reader that stops early (`persist ls … | head -3`) ends the listing quietly.
#[test]
fn a_closed_stdout_is_a_quiet_exit() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    std::fs::create_dir_all(s.join("orders")).unwrap();
    for i in 0..20_000 {
        std::fs::write(s.join(format!("orders/{i}.json")), "{}").unwrap();
    }
    let mut child = persist(s)
        .args(["ls", "orders"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
}

/// A document on stdin is read only up to the store's cap: an endless or huge one is refused
/// with the size error before it reaches the guest, and nothing is written.
#[test]
fn stdin_is_read_only_up_to_the_document_cap() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    for args in [
        vec!["put", "orders", "x"],
        [&["signal", "write"][..], &SIGNAL[..]].concat(),
    ] {
        let child = persist(s)
            .args(["--max-document-bytes", "100000"])
            .args(&args)
            .stdin(std::fs::File::open("/dev/zero").unwrap())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let o = within_20_s(
            child,
            &format!("`persist {}` from /dev/zero", args.join(" ")),
        );
        assert_eq!(o.status.code(), Some(4), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("the document on stdin is larger than the cap of 100000 bytes"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    assert!(files_under(s).is_empty(), "{:?}", files_under(s));
}

/// An endless candle file is refused once it passes the size limit, not read until memory
/// runs out.
#[test]
fn an_endless_candle_file_is_refused_at_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let child = persist(&dir.path().join("store"))
        .arg("run")
        .arg(persist_plugins::MA_CROSSOVER)
        .args(["--candles", "/dev/zero"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let o = within_20_s(child, "`persist run --candles /dev/zero`");
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("/dev/zero: the candle file is larger than 256 MiB"),
        "{}",
        stderr(&o)
    );
    let written = files_under(&dir.path().join("store"));
    assert!(written.is_empty(), "{written:?}");
}

/// `persist quarantine`: the way back, on the file store, Redis and PostgreSQL (the memory
/// store's quarantine lives and dies with its process; the storage suite covers it).
#[test]
fn the_quarantine_is_listed_shown_restored_and_purged_on_every_store() {
    for fresh in services::Fresh::all() {
        let name = fresh.name();
        if name == "memory" {
            continue;
        }
        let url = fresh.url();
        let persist = |args: &[&str]| run(crate::persist_bin().args(["--store", &url]).args(args));
        let b = fresh.backend();
        // One that is really invalid, found by check; one that is valid (moved under an older
        // rule, say).
        b.write("orders", "7", b"{oops").unwrap();
        assert_eq!(persist(&["check"]).status.code(), Some(6), "{name}");
        b.write("orders", "8", b"{\"qty\":8}").unwrap();
        assert!(
            b.quarantine("orders", "8", b"{\"qty\":8}", "older rule")
                .unwrap()
        );

        let o = persist(&["quarantine", "ls"]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        let out = stdout(&o);
        assert_eq!(out.lines().count(), 2, "{name}: {out}");
        assert!(
            out.contains("orders:7  5 bytes  not valid JSON"),
            "{name}: {out}"
        );
        assert!(
            out.contains("orders:8  9 bytes  older rule"),
            "{name}: {out}"
        );
        let o = persist(&["quarantine", "ls", "--json"]);
        let list: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(list[0]["entity"], "orders", "{name}");
        assert_eq!(list[0]["id"], "7", "{name}");
        assert_eq!(list[0]["size"], 5, "{name}");

        let o = persist(&["quarantine", "show", "orders", "7"]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert_eq!(o.stdout, b"{oops", "{name}: the bytes as they were");
        assert!(
            stderr(&o).contains("(5 bytes): not valid JSON"),
            "{name}: {}",
            stderr(&o)
        );
        let o = persist(&["quarantine", "show", "orders", "9"]);
        assert_eq!(o.status.code(), Some(3), "{name}: {}", stderr(&o));

        let o = persist(&["quarantine", "restore", "orders", "7"]);
        assert_eq!(o.status.code(), Some(4), "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("still invalid (not valid JSON"),
            "{name}: {}",
            stderr(&o)
        );

        b.write("orders", "8", b"{\"qty\":80}").unwrap();
        let o = persist(&["quarantine", "restore", "orders", "8"]);
        assert_eq!(o.status.code(), Some(4), "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("a live document holds this id"),
            "{name}: {}",
            stderr(&o)
        );
        assert_eq!(
            stdout(&persist(&["get", "orders", "8"])),
            "{\"qty\":80}\n",
            "{name}"
        );
        b.remove("orders", "8").unwrap();
        let o = persist(&["quarantine", "restore", "orders", "8"]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert_eq!(
            stdout(&persist(&["get", "orders", "8"])),
            "{\"qty\":8}\n",
            "{name}"
        );

        let o = persist(&["quarantine", "purge", "--older-than", "1"]);
        assert_eq!(
            stdout(&o),
            "purged 0 quarantined document(s) older than 1 day(s)\n"
        );
        let o = persist(&["quarantine", "purge", "--older-than", "0"]);
        assert_eq!(
            stdout(&o),
            "purged 1 quarantined document(s) older than 0 day(s)\n"
        );
        assert_eq!(stdout(&persist(&["quarantine", "ls"])), "", "{name}");
        assert_eq!(
            persist(&["get", "orders", "7"]).status.code(),
            Some(3),
            "{name}"
        );
    }
}

/// Entries a Redis prefix or a PostgreSQL table can hold that no client of this store writes
/// (a key that is not UTF-8, a key of another type, a row with an empty id or an entity
/// `../x`) never block the other documents or stop `check`.
#[test]
fn foreign_entries_in_redis_or_postgres_never_block_the_rest() {
    let redis = services::RedisPrefix::create();
    let pg = services::PostgresTable::create();
    for url in [redis.url(), pg.url()] {
        let persist = |args: &[&str]| run(crate::persist_bin().args(["--store", &url]).args(args));
        let o = persist(&[
            "signal",
            "write",
            "--symbol",
            "BTCUSDT",
            "--strategy",
            "s",
            "--exchange",
            "binance",
            &signal_row("s1"),
        ]);
        assert_eq!(o.status.code(), Some(0), "{url}: {}", stderr(&o));
        let foreign = if url.starts_with("redis") {
            let entity = format!("{}:data/signal/BTCUSDT_s_binance:", redis.prefix);
            let mut not_utf8 = entity.clone().into_bytes();
            not_utf8.push(0xff);
            redis.command("SET", &[&not_utf8, b"{}"]);
            redis.command("HSET", &[format!("{entity}ETHUSDT").as_bytes(), b"f", b"v"]);
            1
        } else {
            pg.batch(&format!(
                "INSERT INTO {t} (entity, id, value) VALUES
                   ('data/signal/BTCUSDT_s_binance', '', '{{}}'), ('../x', 'a', '{{}}')",
                t = pg.table
            ));
            2
        };
        let o = persist(&[
            "signal",
            "read",
            "--symbol",
            "BTCUSDT",
            "--strategy",
            "s",
            "--exchange",
            "binance",
        ]);
        assert_eq!(o.status.code(), Some(0), "{url}: {}", stderr(&o));
        assert!(stdout(&o).contains(r#""id":"s1""#), "{url}: {}", stdout(&o));
        assert_eq!(
            persist(&["put", "orders", "1", "{}"]).status.code(),
            Some(0),
            "{url}"
        );

        let o = persist(&["check"]);
        assert_eq!(o.status.code(), Some(6), "{url}: {}", stderr(&o));
        let out = stdout(&o);
        assert_eq!(
            out.matches("NOT quarantined").count(),
            foreign,
            "{url}: {out}"
        );
        assert!(
            out.contains(&format!(
                "0 moved to the quarantine, {foreign} left in place"
            )),
            "{url}: {out}"
        );
        assert!(out.contains("2 valid"), "{url}: {out}");
    }
}

/// `migrate` from a folder that does not exist is an error (not "0 copied"), and into a folder
/// inside the source (or holding it) is refused instead of nesting one level deeper each run.
#[test]
fn migrate_refuses_a_missing_source_and_a_target_inside_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    let missing = s.join("nothing-here");
    let o = run(crate::persist_bin().args([
        "migrate",
        "--from",
        &format!("file:{}", missing.display()),
        "--to",
        &format!("file:{}", s.join("copy").display()),
    ]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("name the folder of an existing store"),
        "{}",
        stderr(&o)
    );
    assert!(!missing.exists() && !s.join("copy").exists());

    let source = s.join("dump");
    std::fs::create_dir_all(source.join("orders")).unwrap();
    std::fs::write(source.join("orders/1.json"), "{}").unwrap();
    for to in [source.join("backup"), source.clone(), s.to_path_buf()] {
        let o = run(crate::persist_bin().args([
            "migrate",
            "--from",
            &format!("file:{}", source.display()),
            "--to",
            &format!("file:{}", to.display()),
        ]));
        assert_eq!(o.status.code(), Some(2), "{}: {}", to.display(), stderr(&o));
        assert!(stderr(&o).contains("one holds the other"), "{}", stderr(&o));
    }
    assert_eq!(files_under(&source), ["orders/1.json"]);
}

/// A domain's records are removed only by its own rules: `persist rm` of a record of the
/// append-only log (or any domain) is refused and removes nothing.
#[test]
fn rm_never_removes_a_record_of_a_domain() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    let entry = r#"[{"id":"l1","type":"info","priority":1,"createdAt":"2024-01-01T00:00:00.000Z","timestamp":1,"methodContext":null,"executionContext":null,"topic":"t","args":[]}]"#;
    let o = run(persist(s).args(["log", "write", entry]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(persist(s).args(["rm", "data/log/log", "l1"]));
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "data/log/log:l1 is a record of the log domain, which is never removed from outside it"
        ),
        "{}",
        stderr(&o)
    );
    assert_eq!(files_under(s), ["data/log/log/l1.json"]);
}

/// Mistakes in what was given get one clear line with the right status: an unknown route
/// bucket is a usage error (2); a `--guest` file that is not WebAssembly says so without a
/// dump of bytes.
#[test]
fn setup_mistakes_get_one_line_and_the_right_status() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(crate::persist_bin().args(["--route", "nosuch=memory:", "ls", "orders"]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(r#"unknown bucket "nosuch" in a route"#),
        "{}",
        stderr(&o)
    );

    let not_wasm = dir.path().join("guest.wasm");
    std::fs::write(&not_wasm, "not wasm").unwrap();
    let o = run(crate::persist_bin()
        .arg("--guest")
        .arg(&not_wasm)
        .args(["--store", "memory:", "ls", "orders"]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("is not a WebAssembly file (it does not start with \\0asm)"),
        "{err}"
    );
    assert!(!err.contains("0x"), "{err}");
}

/// A number beyond what JavaScript holds (`1e400`) is JSON: a stored one is valid to `check`
/// and reads back as stored; a write of one is refused saying why (JSON.stringify would write
/// it as null), rather than stored as something else.
#[test]
fn numbers_beyond_javascripts_range_are_json_but_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path();
    std::fs::create_dir_all(s.join("orders")).unwrap();
    std::fs::write(s.join("orders/1.json"), r#"{"a":1e400}"#).unwrap();
    let o = run(persist(s).arg("check"));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(
        stdout(&run(persist(s).args(["get", "orders", "1"]))),
        "{\"a\":1e400}\n"
    );
    let o = run(persist(s).args(["put", "orders", "2", r#"{"a":1e400}"#]));
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("a number beyond what JavaScript holds (±1.8e308) at line 1 column 10"),
        "{}",
        stderr(&o)
    );
    assert_eq!(files_under(s), ["orders/1.json"]);
}

/// A name a backtest-kit dump can hold that is not persist's escape of anything (a raw `%`)
/// reads, lists and migrates as what it is on disk; a raw name and the escape of the same id
/// list once, and `rm` removes both.
#[test]
fn names_that_are_not_a_canonical_escape_read_list_and_migrate_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("dump");
    std::fs::create_dir_all(s.join("orders")).unwrap();
    std::fs::write(s.join("orders/pnl%_1h.json"), r#"{"raw":1}"#).unwrap();
    std::fs::write(s.join("orders/a%41.json"), r#"{"raw":2}"#).unwrap();
    std::fs::write(s.join("orders/a%2541.json"), r#"{"escaped":2}"#).unwrap();

    assert_eq!(
        stdout(&run(persist(&s).args(["ls", "orders"]))),
        "a%41\npnl%_1h\n"
    );
    let o = run(persist(&s).args(["get", "orders", "pnl%_1h"]));
    assert_eq!(
        (o.status.code(), stdout(&o)),
        (Some(0), "{\"raw\":1}\n".into()),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        stdout(&run(persist(&s).args(["get", "orders", "a%41"]))),
        "{\"escaped\":2}\n"
    );
    let o = run(persist(&s).arg("check"));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    let copy = dir.path().join("copy");
    let o = run(crate::persist_bin().args([
        "migrate",
        "--from",
        &format!("file:{}", s.display()),
        "--to",
        &format!("file:{}", copy.display()),
    ]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        files_under(&copy),
        files_under(&s),
        "migrate keeps the names on disk"
    );

    let o = run(persist(&s).args(["rm", "orders", "a%41"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(files_under(&s), ["orders/pnl%_1h.json"]);
}

/// One rule for symbolic links, everywhere: a link to a document inside the store is that
/// document to `get`, `ls` and `check`; a link leading outside the store is never followed,
/// and `check` reports it and goes on.
#[test]
fn a_symlinked_document_is_one_thing_to_get_ls_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("dump");
    std::fs::create_dir_all(s.join("orders")).unwrap();
    std::fs::write(s.join("orders/1.json"), r#"{"qty":1}"#).unwrap();
    std::os::unix::fs::symlink("1.json", s.join("orders/2.json")).unwrap();
    std::fs::write(dir.path().join("outside.json"), r#"{"secret":1}"#).unwrap();
    std::os::unix::fs::symlink("../../outside.json", s.join("orders/3.json")).unwrap();

    assert_eq!(
        stdout(&run(persist(&s).args(["ls", "orders"]))),
        "1\n2\n3\n"
    );
    assert_eq!(
        stdout(&run(persist(&s).args(["get", "orders", "2"]))),
        "{\"qty\":1}\n"
    );
    let o = run(persist(&s).args(["get", "orders", "3"]));
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(!stdout(&o).contains("secret"));
    let o = run(persist(&s).args(["check", "--dry-run"]));
    let out = stdout(&o);
    assert!(
        out.contains("checked 3 documents: 2 valid, 1 invalid"),
        "{out}"
    );
    assert!(out.contains("orders:3 (base): cannot be read:"), "{out}");
}

/// A folder of the store this process may not read is reported by `check` as an entity that
/// cannot be listed; the other entities are still checked and read. (Run as another user when
/// the tests run as root, who may read everything.)
#[test]
fn an_unreadable_folder_is_a_finding_not_the_end_of_the_check() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("dump");
    let good = s.join("data/signal/BTCUSDT_s_binance");
    let locked = s.join("data/signal/locked_s_binance");
    std::fs::create_dir_all(&good).unwrap();
    std::fs::create_dir_all(&locked).unwrap();
    std::fs::write(good.join("BTCUSDT.json"), signal_row("s1")).unwrap();
    std::fs::write(locked.join("locked.json"), signal_row("s2")).unwrap();
    for folder in [
        dir.path(),
        &s,
        &s.join("data"),
        &s.join("data/signal"),
        &good,
    ] {
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let as_another_user = |args: &[&str]| {
        let is_root = std::fs::metadata("/proc/self")
            .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
            .unwrap_or(false);
        let mut cmd = if is_root {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(env!("CARGO_BIN_EXE_persist"));
            c
        } else {
            std::process::Command::new(env!("CARGO_BIN_EXE_persist"))
        };
        cmd.env("PERSIST_CACHE_DIR", "off")
            .args(["--store", &format!("file:{}", s.display())])
            .args(args);
        run(&mut cmd)
    };
    let o = as_another_user(&["check", "--dry-run"]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("checked 1 documents: 1 valid, 1 invalid"),
        "{out}"
    );
    assert!(
        out.contains("data/signal/locked_s_binance: (signal): the entity cannot be listed:"),
        "{out}"
    );
}

/// A run whose store lost signals under it (deleted or changed by another process) fails with
/// exit 5 instead of reporting fewer trades as if nothing happened.
#[test]
fn a_run_whose_store_lost_signals_fails_instead_of_reporting_less() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let run_it = || {
        run(persist(&store)
            .arg("run")
            .arg(persist_plugins::MA_CROSSOVER)
            .arg("--candles")
            .arg(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/candles/BTCUSDT-1m.csv"),
            ))
    };
    let o = run_it();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("32 trades"), "{}", stdout(&o));
    // Another process removes a few rows of the signals store.
    let rows = store.join("data/storage/live");
    for id in files_under(&rows).iter().take(3) {
        std::fs::remove_file(rows.join(id)).unwrap();
    }
    let o = run_it();
    assert_eq!(o.status.code(), Some(5), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("lost 3 of the 32 signals this run wrote"),
        "{}",
        stderr(&o)
    );
}

/// A Redis that wants a password is a permanent error that says what to check (URL and
/// credentials), not "unavailable … retry", and not a hint about files.
#[test]
fn a_redis_refusing_the_credentials_is_told_as_such() {
    let server = persist_test_support::servers::RedisServer::start(false);
    let port = server.url().rsplit(':').next().unwrap().to_string();
    let set = std::process::Command::new("redis-cli")
        .args(["-p", &port, "CONFIG", "SET", "requirepass", "s3cret"])
        .output()
        .unwrap();
    assert!(set.status.success(), "{set:?}");
    let o = run(crate::persist_bin().args([
        "--store",
        &format!("{}?prefix=p", server.url()),
        "ls",
        "orders",
    ]));
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("NOAUTH") || err.contains("Authentication required"),
        "{err}"
    );
    assert!(
        !err.contains("retry when it is back") && !err.contains("check that the server is running"),
        "{err}"
    );
    assert!(
        err.ends_with(
            "(check the store: its URL and credentials, or its path, permissions and free space)\n"
        ),
        "{err}"
    );
}
