//! Redis and PostgreSQL as a trader meets them: a server killed mid-run (calls fail as
//! `unavailable`, never a silent success; after a restart the next call works without
//! restarting the host, and every acknowledged write is there), two host processes sharing
//! one server, and buckets routed to different stores.

mod common;

use common::services::{PostgresTable, RedisPrefix};
use common::*;
use persist_host::{Error, Persist, StoreUrl, open_url};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what} did not come up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A private redis-server that fsyncs every write (appendonly, appendfsync always).
struct PrivateRedis {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start() -> PrivateRedis {
        let mut r = PrivateRedis {
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
            child: None,
        };
        r.restart();
        r
    }

    fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "yes", "--appendfsync", "always"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (Debian package redis-server)");
        self.child = Some(child);
        let port = self.port;
        wait_until("redis-server", || {
            redis::Client::open(format!("redis://127.0.0.1:{port}"))
                .and_then(|c| c.get_connection())
                .is_ok()
        });
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}?prefix=fault", self.port)
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A private PostgreSQL cluster in a temp folder (initdb + pg_ctl), run as the postgres
/// user when the tests run as root.
struct PrivatePostgres {
    port: u16,
    dir: tempfile::TempDir,
}

fn as_postgres(program: &str) -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let bin = Path::new("/usr/lib/postgresql")
        .read_dir()
        .ok()
        .and_then(|mut d| d.next())
        .and_then(|e| e.ok())
        .map(|e| e.path().join("bin").join(program))
        .filter(|p| p.exists())
        .unwrap_or_else(|| program.into());
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    }
}

impl PrivatePostgres {
    fn start() -> PrivatePostgres {
        let dir = tempfile::tempdir().unwrap();
        let _ = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(dir.path())
            .status();
        let data = dir.path().join("data");
        let ok = as_postgres("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("initdb runs")
            .success();
        assert!(ok, "initdb failed");
        let pg = PrivatePostgres {
            port: free_port(),
            dir,
        };
        pg.pg_ctl("start");
        pg
    }

    fn pg_ctl(&self, action: &str) {
        let data = self.dir.path().join("data");
        let mut c = as_postgres("pg_ctl");
        c.arg("-D").arg(&data).args(["-w", "-s"]);
        match action {
            "start" => {
                c.args([
                    "-o",
                    &format!(
                        "-p {} -c listen_addresses=127.0.0.1 -k {}",
                        self.port,
                        self.dir.path().display()
                    ),
                ]);
                c.arg("-l").arg(self.dir.path().join("log")).arg("start");
            }
            // A crash: no checkpoint, recovery from the WAL on the next start.
            "crash" => {
                c.args(["-m", "immediate", "stop"]);
            }
            _ => unreachable!(),
        }
        let ok = c
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("pg_ctl runs")
            .success();
        assert!(ok, "pg_ctl {action} failed");
    }

    fn url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?table=fault",
            self.port
        )
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = as_postgres("pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-s", "stop"])
            .status();
    }
}

fn store(url: &str) -> Persist {
    open(open_url(&url.parse::<StoreUrl>().unwrap(), 1 << 20).unwrap())
}

/// Writes in a loop while the server is killed under it at a random moment; checks the
/// failure, restarts the server and checks that the same `Persist` works again and every
/// acknowledged write is there.
fn survive_a_server_kill(url: &str, kill: impl FnOnce(), restart: impl FnOnce()) {
    let mut p = store(url);
    p.write_value("orders", "warm", "0").unwrap();
    let writer = std::thread::spawn(move || {
        let mut acked = Vec::new();
        for i in 0.. {
            match p.write_value("orders", &format!("o{i}"), &format!("{{\"n\":{i}}}")) {
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
        p.read_value("orders", "o0"),
        Err(Error::Storage {
            retryable: true,
            ..
        })
    ));
    restart();
    p.write_value("orders", "after-restart", "2").unwrap();
    for i in &acked {
        assert_eq!(
            p.read_value("orders", &format!("o{i}")).unwrap(),
            format!("{{\"n\":{i}}}"),
            "o{i}"
        );
    }
}

#[test]
fn a_killed_redis_fails_calls_and_the_next_call_after_its_restart_works() {
    let server = std::cell::RefCell::new(PrivateRedis::start());
    let url = server.borrow().url();
    survive_a_server_kill(
        &url,
        || server.borrow_mut().kill(),
        || server.borrow_mut().restart(),
    );
}

#[test]
fn a_crashed_postgres_fails_calls_and_the_next_call_after_its_restart_works() {
    let server = PrivatePostgres::start();
    survive_a_server_kill(
        &server.url(),
        || server.pg_ctl("crash"),
        || server.pg_ctl("start"),
    );
}

#[test]
fn two_host_processes_sharing_one_server_see_each_others_writes() {
    let redis = RedisPrefix::new();
    let pg = PostgresTable::new();
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

#[test]
fn buckets_routed_elsewhere_are_read_and_written_there() {
    let dir = tempfile::tempdir().unwrap();
    let redis = RedisPrefix::new();
    let file = format!("file:{}", dir.path().display());
    let route = format!("signal={}", redis.url());
    let sig = std::fs::read_to_string(
        fixture_dump().join("data/signal/BTCUSDT_my-strategy_binance/BTCUSDT.json"),
    )
    .unwrap();
    let ctx = ["--symbol", "BTCUSDT", "--strategy", "s", "--exchange", "e"];
    let w = run(persist_bin()
        .args(["--store", &file, "--route", &route, "signal", "write"])
        .args(ctx)
        .arg(&sig));
    assert_eq!(w.status.code(), Some(0), "{}", stderr(&w));
    let candles = r#"[{"timestamp":1704067200000,"open":1,"high":1,"low":1,"close":1,"volume":1}]"#;
    let c = run(persist_bin().args([
        "--store",
        &file,
        "--route",
        &route,
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
        .args(ctx));
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
    assert_eq!(bad.status.code(), Some(1));
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
fn one_built_guest_file_runs_unchanged_on_every_store() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("persist_guest.wasm");
    std::fs::write(&wasm, persist_host::EMBEDDED_GUEST).unwrap();
    let sha = runtime().guest_sha256().to_string();
    let from_file =
        persist_host::Runtime::new(&persist_host::GuestSource::File(wasm.clone())).unwrap();
    assert_eq!(
        from_file.guest_sha256(),
        sha,
        "the same bytes as the one cargo built"
    );
    let mut p = from_file.open(memory_backend()).unwrap();
    p.write_value("orders", "42", r#"{"qty": 1.0}"#).unwrap();
    assert_eq!(p.read_value("orders", "42").unwrap(), r#"{"qty":1}"#);
    // memory: lives in one process, so the CLI runs on the others.
    for fresh in common::services::Fresh::all()
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
