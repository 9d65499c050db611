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
for f in "$dir"/*/redis.pid; do
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
        let mut child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(appendonly)
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
