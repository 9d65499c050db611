//! What the test suites of the workspace share (persist-storage's, persist-embed's and the
//! `persist` binary's): the compiled guest, stores of each kind, the servers the tests start
//! (`servers`, `services`), a real browser (`browser`), fixtures and file helpers.

pub mod browser;
pub mod servers;
pub mod services;

use persist_embed::{Backend, DEFAULT_MAX_DOCUMENT_BYTES, Persist, Runtime, StoreUrl, open_url};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock};

/// The compiled guest, once per test binary.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        set_cache_dir();
        Runtime::new(&persist_embed::GuestSource::Embedded).expect("the embedded guest loads")
    })
}

/// Compiled-guest cache of the tests, so they never touch the user's cache.
pub fn cache_dir() -> PathBuf {
    std::env::temp_dir()
        .join("persist-tests")
        .join("guest-cache")
}

fn set_cache_dir() {
    // SAFETY: called before any test thread reads the environment through the runtime.
    unsafe { std::env::set_var("PERSIST_CACHE_DIR", cache_dir()) };
}

/// A file store under `root`, behind the host's checks.
pub fn file_backend(root: &Path) -> Arc<dyn Backend> {
    open_url(
        &StoreUrl::File(root.to_path_buf()),
        DEFAULT_MAX_DOCUMENT_BYTES,
    )
    .expect("file store opens")
}

/// A fresh memory store, behind the host's checks.
pub fn memory_backend() -> Arc<dyn Backend> {
    open_url(&StoreUrl::Memory, DEFAULT_MAX_DOCUMENT_BYTES).expect("memory store opens")
}

/// The guest on `backend`.
pub fn open(backend: Arc<dyn Backend>) -> Persist {
    runtime().open(backend).expect("guest instantiates")
}

/// Runs a command to its end, with its output captured.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("persist runs")
}

/// What a command printed on stdout.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What a command printed on stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir`, relative, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Every file of the store with its bytes, relative paths sorted, temp files of interrupted
/// writes aside.
pub fn snapshot(store: &Path) -> Vec<(String, Vec<u8>)> {
    files_under(store)
        .into_iter()
        .filter(|f| {
            !f.rsplit('/')
                .next()
                .unwrap_or_default()
                .starts_with(".tmp-")
        })
        .map(|f| {
            let bytes = std::fs::read(store.join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

/// A valid signal row for `data/signal/…` entities.
pub fn signal_row(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","symbol":"BTCUSDT","exchangeName":"binance","strategyName":"s","position":"long","priceOpen":100,"priceTakeProfit":110,"priceStopLoss":95,"minuteEstimatedTime":null}}"#
    )
}

/// The hand-built backtest-kit `./dump` in tests/fixtures.
pub fn fixture_dump() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/dump")
}

/// Copies a folder recursively (the fixture into a temp folder, so tests never change it).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}
