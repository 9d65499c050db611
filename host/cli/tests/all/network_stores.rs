//! Redis and PostgreSQL as a trader meets them: a server killed mid-run (calls fail as
//! `unavailable`, never a silent success; after a restart the next call works without
//! restarting the host, and every acknowledged write is there), two host processes sharing
//! one server, and buckets routed to different stores.

use crate::persist_bin;
use persist_embed::{Error, Persist, StoreUrl, open_url};
use persist_test_support::servers::{self, PostgresServer, RedisServer, free_port};
use persist_test_support::services::{PostgresTable, RedisPrefix};
use persist_test_support::*;
use std::process::Command;
use std::time::{Duration, Instant};

fn store(url: &str) -> Persist {
    open(open_url(&url.parse::<StoreUrl>().unwrap(), 1 << 20).unwrap())
}

/// Writes in a loop while the server is killed under it at a random moment; checks the
/// failure, restarts the server and checks that the same `Persist` works again and every
/// acknowledged write is there.
fn survive_a_server_kill(url: &str, kill: impl FnOnce(), restart: impl FnOnce()) {
    let mut p = store(url);
    p.base("orders").write_value("warm", "0").unwrap();
    let writer = std::thread::spawn(move || {
        let mut acked = Vec::new();
        for i in 0.. {
            match p
                .base("orders")
                .write_value(&format!("o{i}"), &format!("{{\"n\":{i}}}"))
            {
                Ok(()) => acked.push(i),
                Err(e) => return (p, acked, e),
            }
        }
        unreachable!()
    });
    std::thread::sleep(Duration::from_millis(50 + u64::from(rand::random::<u8>())));
    kill();
    let (mut p, acked, err) = writer.join().unwrap();
    assert!(!acked.is_empty(), "some writes landed before the kill");
    match &err {
        Error::Storage { retryable, message } => {
            assert!(
                *retryable,
                "a dead server is unavailable, retryable: {message}"
            );
            assert!(
                message.contains("check that the server is running"),
                "{message}"
            );
        }
        other => panic!("expected a storage error, got {other:?}"),
    }
    assert!(matches!(
        p.base("orders").read_value("o0"),
        Err(Error::Storage {
            retryable: true,
            ..
        })
    ));
    restart();
    p.base("orders").write_value("after-restart", "2").unwrap();
    for i in &acked {
        assert_eq!(
            p.base("orders").read_value(&format!("o{i}")).unwrap(),
            format!("{{\"n\":{i}}}"),
            "o{i}"
        );
    }
}

#[test]
fn a_killed_redis_fails_calls_and_the_next_call_after_its_restart_works() {
    let server = std::cell::RefCell::new(RedisServer::start(true));
    let url = format!("{}?prefix=fault", server.borrow().url());
    survive_a_server_kill(
        &url,
        || server.borrow_mut().kill(),
        || server.borrow_mut().restart(),
    );
}

#[test]
fn a_crashed_postgres_fails_calls_and_the_next_call_after_its_restart_works() {
    let server = PostgresServer::start();
    survive_a_server_kill(
        &format!("{}?table=fault", server.url("postgres")),
        || server.pg_ctl("crash"),
        || server.pg_ctl("start"),
    );
}

/// The servers a test run starts stop, and their folder goes, when the run ends, however it
/// ends (here a stand-in run, a `sleep`, is killed): no server is left behind.
#[test]
fn the_servers_of_a_test_run_stop_when_the_run_ends() {
    let mut anchor = Command::new("sleep").arg("600").spawn().unwrap();
    let start = servers::start_time(anchor.id()).unwrap();
    let dir = servers::run_dir_of(anchor.id(), &start);
    let redis = RedisServer::start_in(dir.join("redis"), false).leave_running();
    let postgres = PostgresServer::start_in(dir.join("postgres")).leave_running();
    assert!(servers::process_alive(redis) && servers::process_alive(postgres));
    anchor.kill().unwrap();
    anchor.wait().unwrap();
    let since = Instant::now();
    while dir.exists() || servers::process_alive(redis) || servers::process_alive(postgres) {
        assert!(
            since.elapsed() < Duration::from_secs(30),
            "30 s after the run ended: folder {} exists: {}, redis-server {redis} runs: {}, \
             postgres {postgres} runs: {}",
            dir.display(),
            dir.exists(),
            servers::process_alive(redis),
            servers::process_alive(postgres)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn two_host_processes_sharing_one_server_see_each_others_writes() {
    let redis = RedisPrefix::create();
    let pg = PostgresTable::create();
    for url in [redis.url(), pg.url()] {
        let put =
            run(persist_bin().args(["--store", &url, "put", "shared", "k", r#"{"from":"first"}"#]));
        assert_eq!(put.status.code(), Some(0), "{}", stderr(&put));
        let get = run(persist_bin().args(["--store", &url, "get", "shared", "k"]));
        assert_eq!(stdout(&get).trim(), r#"{"from":"first"}"#, "{url}");
        let sig = std::fs::read_to_string(
            fixture_dump().join("data/signal/BTCUSDT_my-strategy_binance/BTCUSDT.json"),
        )
        .unwrap();
        let w = run(persist_bin().args([
            "--store",
            &url,
            "signal",
            "write",
            "--symbol",
            "BTCUSDT",
            "--strategy",
            "s",
            "--exchange",
            "e",
            &sig,
        ]));
        assert_eq!(w.status.code(), Some(0), "{}", stderr(&w));
        let r = run(persist_bin().args([
            "--store",
            &url,
            "signal",
            "read",
            "--symbol",
            "BTCUSDT",
            "--strategy",
            "s",
            "--exchange",
            "e",
        ]));
        assert!(
            stdout(&r).contains(r#""id":"sig-1""#),
            "{url}: {}",
            stdout(&r)
        );
    }
}

/// The context of the signal `write_signal_and_candle` writes.
const SIGNAL_CONTEXT: [&str; 6] = ["--symbol", "BTCUSDT", "--strategy", "s", "--exchange", "e"];

/// Writes the fixture's signal (BTCUSDT, strategy `s`, exchange `e`) and one 1m candle of
/// BTCUSDT on `e` through `persist` with `store_args` (`--store`, `--route`…).
fn write_signal_and_candle<S: AsRef<std::ffi::OsStr>>(store_args: &[S]) {
    let sig = std::fs::read_to_string(
        fixture_dump().join("data/signal/BTCUSDT_my-strategy_binance/BTCUSDT.json"),
    )
    .unwrap();
    let w = run(persist_bin()
        .args(store_args)
        .args(["signal", "write"])
        .args(SIGNAL_CONTEXT)
        .arg(&sig));
    assert_eq!(w.status.code(), Some(0), "{}", stderr(&w));
    let candles = r#"[{"timestamp":1704067200000,"open":1,"high":1,"low":1,"close":1,"volume":1}]"#;
    let c = run(persist_bin().args(store_args).args([
        "candle",
        "write",
        "--symbol",
        "BTCUSDT",
        "--interval",
        "1m",
        "--exchange",
        "e",
        candles,
    ]));
    assert_eq!(c.status.code(), Some(0), "{}", stderr(&c));
}

#[test]
fn buckets_routed_elsewhere_are_read_and_written_there() {
    let dir = tempfile::tempdir().unwrap();
    let redis = RedisPrefix::create();
    let file = format!("file:{}", dir.path().display());
    let route = format!("signal={}", redis.url());
    write_signal_and_candle(&["--store", &file, "--route", &route]);
    assert_eq!(
        redis.keys(),
        [format!("{}:data/signal/BTCUSDT_s_e:BTCUSDT", redis.prefix)],
        "the signal is in Redis"
    );
    assert_eq!(
        files_under(dir.path()),
        ["data/candle/e/BTCUSDT/1m/1704067200000.json"],
        "the candle is on files"
    );

    // The same routes from a config file; --route wins over it.
    let config = dir.path().join("persist.toml");
    std::fs::write(
        &config,
        format!(
            "store = \"{file}\"\n[routes]\nsignal = \"{}\"\n",
            redis.url()
        ),
    )
    .unwrap();
    let r = run(persist_bin()
        .arg("--config")
        .arg(&config)
        .args(["signal", "read"])
        .args(SIGNAL_CONTEXT));
    assert!(stdout(&r).contains(r#""id":"sig-1""#), "{}", stderr(&r));
    let check = run(persist_bin().arg("--config").arg(&config).arg("check"));
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    assert!(
        stdout(&check).contains("checked 2 documents: 2 valid"),
        "{}",
        stdout(&check)
    );
    assert!(
        stdout(&check).contains("signal → redis://"),
        "{}",
        stdout(&check)
    );

    let bad = run(persist_bin().args(["--store", &file, "--route", "signals=memory:", "check"]));
    assert_eq!(bad.status.code(), Some(2), "a usage error");
    assert!(
        stderr(&bad).contains("unknown bucket \"signals\""),
        "{}",
        stderr(&bad)
    );
    std::fs::write(&config, "store = \"file:x\"\nstorage = 1\n").unwrap();
    let bad = run(persist_bin().arg("--config").arg(&config).arg("check"));
    assert!(
        stderr(&bad).contains("unknown field `storage`"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn candles_routed_to_s3_and_signals_to_a_redis_cluster_land_there() {
    let cluster = services::ClusterPrefix::create();
    let s3 = services::S3Prefix::create();
    let routes = [
        "--store",
        "memory:",
        "--route",
        &format!("signal={}", cluster.url()),
        "--route",
        &format!("candle={}", s3.url()),
    ]
    .map(String::from);
    write_signal_and_candle(&routes);
    assert_eq!(
        cluster.keys(),
        [format!(
            "{}:{{data/signal/BTCUSDT_s_e}}:BTCUSDT",
            cluster.prefix
        )],
        "the signal is in the cluster"
    );
    let on_s3 = open_url(&s3.url().parse().unwrap(), 1 << 20).unwrap();
    assert_eq!(
        on_s3.list_ids("data/candle/e/BTCUSDT/1m").unwrap(),
        ["1704067200000"],
        "the candle is in the bucket"
    );
    let r = run(persist_bin()
        .args(&routes)
        .args(["signal", "read"])
        .args(SIGNAL_CONTEXT));
    assert!(stdout(&r).contains(r#""id":"sig-1""#), "{}", stderr(&r));
}

#[test]
fn wrong_s3_credentials_are_a_clear_error_that_never_shows_them() {
    let s3 = services::S3Prefix::create();
    let o = run(persist_bin()
        .env("AWS_ACCESS_KEY_ID", "not-a-key")
        .env("AWS_SECRET_ACCESS_KEY", "not-the-secret-4711")
        .args(["--store", &s3.url(), "check"]));
    assert_ne!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains("check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and region="),
        "{err}"
    );
    assert!(!err.contains("not-the-secret-4711"), "{err}");
    let o = run(persist_bin()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["--store", &s3.url(), "check"]));
    assert!(
        stderr(&o).contains("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn one_built_guest_file_runs_unchanged_on_every_store() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("persist_guest.wasm");
    std::fs::write(&wasm, persist_embed::EMBEDDED_GUEST).unwrap();
    let sha = runtime().guest_sha256().to_string();
    let from_file =
        persist_embed::Runtime::new(&persist_embed::GuestSource::File(wasm.clone())).unwrap();
    assert_eq!(
        from_file.guest_sha256(),
        sha,
        "the same bytes as the one cargo built"
    );
    let mut p = from_file.open(memory_backend()).unwrap();
    p.base("orders")
        .write_value("42", r#"{"qty": 1.0}"#)
        .unwrap();
    assert_eq!(p.base("orders").read_value("42").unwrap(), r#"{"qty":1}"#);
    // memory: lives in one process, so the CLI runs on the others.
    for fresh in persist_test_support::services::Fresh::all()
        .into_iter()
        .filter(|f| f.name() != "memory")
    {
        let url = fresh.url();
        let cli = |args: &[&str]| {
            run(persist_bin()
                .arg("--guest")
                .arg(&wasm)
                .args(["--store", &url])
                .args(args))
        };
        let put = cli(&["put", "orders", "42", r#"{"qty": 1.0}"#]);
        assert_eq!(put.status.code(), Some(0), "{url}: {}", stderr(&put));
        assert_eq!(
            stdout(&cli(&["get", "orders", "42"])).trim(),
            r#"{"qty":1}"#,
            "{url}"
        );
        let check = cli(&["check"]);
        assert_eq!(check.status.code(), Some(0), "{url}: {}", stdout(&check));
    }
}

#[test]
fn passwords_never_appear_in_errors_or_logs() {
    for url in [
        format!("redis://:hunter2@127.0.0.1:{}", free_port()),
        format!("postgres://postgres:hunter2@127.0.0.1:{}/test", free_port()),
    ] {
        let o = run(persist_bin()
            .env("PERSIST_LOG", "debug")
            .args(["--store", &url, "get", "e", "a"]));
        assert_eq!(
            o.status.code(),
            Some(5),
            "a dead server is a storage failure: {}",
            stderr(&o)
        );
        let err = stderr(&o);
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains(":***@127.0.0.1"), "{err}");
        assert!(
            err.contains("check that the server is running and reachable"),
            "{err}"
        );
    }
    let o = run(persist_bin().args([
        "--store",
        "redis://:hunter2@127.0.0.1:6379?ttl=soon",
        "check",
    ]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains("hunter2"), "{}", stderr(&o));
}
