//! The file store's durability steps, observed from outside: the system calls of a real
//! `persist put`, recorded by strace, must be temp-file open, write, fsync of the temp file,
//! rename onto the document, then open and fsync of its folder, in that order.

use crate::persist;
use persist_test_support::*;

fn strace_available() -> bool {
    std::process::Command::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_write_is_tmp_write_fsync_rename_then_folder_fsync() {
    assert!(
        strace_available(),
        "this test needs strace (Debian package strace; .ci/run installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    run(persist(&store).args(["put", "orders", "warm", "1"]));
    let log = dir.path().join("strace.log");
    let mut cmd = std::process::Command::new("strace");
    cmd.args([
        "-f",
        "-qq",
        "-e",
        "trace=openat,openat2,write,fsync,fdatasync,rename,renameat,renameat2,close",
        "-o",
    ])
    .arg(&log)
    .arg(env!("CARGO_BIN_EXE_persist"))
    .env("PERSIST_CACHE_DIR", cache_dir())
    .args([
        "--store",
        &format!("file:{}", store.display()),
        "put",
        "orders",
        "42",
        r#"{"durable":true}"#,
    ]);
    let o = run(&mut cmd);
    assert!(o.status.success(), "{}", stderr(&o));
    let trace = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = trace.lines().collect();
    let find = |from: usize, pred: &dyn Fn(&str) -> bool, what: &str| -> usize {
        (from..lines.len())
            .find(|&i| pred(lines[i]))
            .unwrap_or_else(|| panic!("no {what} after line {from} in:\n{trace}"))
    };
    let fd_of = |line: &str| line.rsplit("= ").next().unwrap().trim().to_string();

    let open_tmp = find(
        0,
        &|l| {
            l.contains("\".tmp-")
                && l.contains("42.json")
                && l.contains("O_CREAT")
                && l.contains("O_EXCL")
        },
        "temp-file open",
    );
    let tmp_fd = fd_of(lines[open_tmp]);
    let write = find(
        open_tmp,
        &|l| l.contains(&format!("write({tmp_fd}, \"{{\\\"durable\\\":true}}\"")),
        "write of the document to the temp file",
    );
    let fsync_tmp = find(
        write,
        &|l| l.contains(&format!("fsync({tmp_fd})")),
        "fsync of the temp file",
    );
    let rename = find(
        fsync_tmp,
        &|l| l.contains("rename") && l.contains(".tmp-") && l.contains("\"42.json\""),
        "rename onto 42.json",
    );
    let open_dir = find(
        rename,
        &|l| l.contains("openat") && l.contains("\".\"") && l.contains("O_RDONLY"),
        "open of the folder",
    );
    let dir_fd = fd_of(lines[open_dir]);
    find(
        open_dir,
        &|l| l.contains(&format!("fsync({dir_fd})")),
        "fsync of the folder",
    );
    // No fsync-less shortcut: nothing wrote to 42.json directly.
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("\"42.json\"") && l.contains("O_CREAT")),
        "the document is never opened for writing:\n{trace}"
    );
}
