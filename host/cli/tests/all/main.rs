//! The `persist` binary end to end: commands, files on disk, exit statuses, stores written by
//! earlier versions, durability under strace and kill, Redis and PostgreSQL servers killed
//! under it, migrate, the sample store, `persist run` with strategy plugins, and `persist ui`
//! in a real browser.

mod cli;
mod compatibility;
mod durability;
mod fixture;
mod hardening;
mod migrate;
mod network_stores;
mod reads_19_5;
mod run;
mod ui;

use persist_test_support::cache_dir;
use std::path::Path;
use std::process::Command;

/// The context flags of the signal the tests write: BTCUSDT, strategy `s`, exchange `binance`.
pub const SIGNAL: [&str; 6] = [
    "--symbol",
    "BTCUSDT",
    "--strategy",
    "s",
    "--exchange",
    "binance",
];

/// The `persist` binary with the test cache and no store chosen.
pub fn persist_bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_persist"));
    cmd.env("PERSIST_CACHE_DIR", cache_dir())
        .env_remove("PERSIST_STORE");
    cmd
}

/// The `persist` binary on a file store.
pub fn persist(store: &Path) -> Command {
    let mut cmd = persist_bin();
    cmd.arg("--store").arg(format!("file:{}", store.display()));
    cmd
}
