//! The file store's durability steps, observed from outside: the system calls of a real
//! `persist put`, recorded by strace, must be temp-file open, write, fsync of the temp file,
//! rename onto the document, then fsync of its folder, in that order; and a batch (what
//! `persist migrate` writes) must fsync every temp file before the first rename, and every
//! folder after the last.

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
    // The folder is opened (for its lock) before the rename and fsynced after it.
    let open_dir = find(
        fsync_tmp,
        &|l| l.contains("openat") && l.contains("\".\"") && l.contains("O_RDONLY"),
        "open of the folder",
    );
    let dir_fd = fd_of(lines[open_dir]);
    let rename = find(
        open_dir,
        &|l| l.contains("rename") && l.contains(".tmp-") && l.contains("\"42.json\""),
        "rename onto 42.json",
    );
    find(
        rename,
        &|l| l.contains(&format!("fsync({dir_fd})")),
        "fsync of the folder after the rename",
    );
    // No fsync-less shortcut: nothing wrote to 42.json directly.
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("\"42.json\"") && l.contains("O_CREAT")),
        "the document is never opened for writing:\n{trace}"
    );
}

/// `persist migrate` of `docs` documents into a fresh file store under strace: the trace.
fn traced_batch(docs: usize) -> String {
    assert!(
        strace_available(),
        "this test needs strace (Debian package strace; .ci/run installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("from");
    for i in 0..docs {
        run(persist(&from).args(["put", "orders", &format!("{i}"), &format!(r#"{{"n":{i}}}"#)]));
    }
    let to = dir.path().join("to");
    let log = dir.path().join("strace.log");
    let mut cmd = std::process::Command::new("strace");
    cmd.args([
        "-f",
        "-qq",
        "-e",
        "trace=openat,openat2,fsync,syncfs,rename,renameat,renameat2",
        "-o",
    ])
    .arg(&log)
    .arg(env!("CARGO_BIN_EXE_persist"))
    .env("PERSIST_CACHE_DIR", cache_dir())
    .args([
        "migrate",
        "--from",
        &format!("file:{}", from.display()),
        "--to",
        &format!("file:{}", to.display()),
    ]);
    let o = run(&mut cmd);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        snapshot(&from),
        snapshot(&to),
        "the batch copied every document"
    );
    std::fs::read_to_string(&log).unwrap()
}

/// Checks a batch's trace: every temp file made durable (its own fsync, or a syncfs) before
/// the first rename, and the folder fsynced after the last.
fn check_batch_order(trace: &str, docs: usize, by_syncfs: bool) {
    // strace -f: "<pid> syscall(...) = result"; a call another thread interrupts is split
    // into "<unfinished ...>" and "<... resumed>", the result on the second line.
    let result = |l: &str| l.rsplit("= ").next().unwrap_or("").trim().to_string();
    let lines: Vec<&str> = trace.lines().collect();
    let fsync_of = |l: &str, fd: &str| {
        l.contains(&format!("fsync({fd})")) || l.contains(&format!("fsync({fd} <unfinished"))
    };
    let temps: Vec<(usize, String)> = (0..lines.len())
        .filter(|&i| {
            let l = lines[i];
            l.contains("openat") && l.contains(".tmp-") && l.contains("O_CREAT")
        })
        .map(|i| (i, result(lines[i])))
        .collect();
    assert_eq!(temps.len(), docs, "one temp file per document:\n{trace}");
    let renames: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains("rename") && lines[i].contains(".tmp-"))
        .collect();
    assert_eq!(renames.len(), docs, "one rename per document:\n{trace}");
    let (last_temp, first_rename) = (temps[docs - 1].0, renames[0]);
    let last_rename = renames[docs - 1];
    if by_syncfs {
        assert!(
            (last_temp..first_rename).any(|i| lines[i].contains("syncfs(")),
            "one syncfs after the last temp file and before the first rename:\n{trace}"
        );
    } else {
        for (open, fd) in &temps {
            assert!(
                (*open..first_rename).any(|i| fsync_of(lines[i], fd)),
                "temp file fd {fd} (line {open}) is fsynced before the first rename:\n{trace}"
            );
        }
    }
    // The folder, opened for its lock before the renames, fsynced after the last.
    let folders: std::collections::BTreeSet<String> = (0..first_rename)
        .filter(|&i| {
            let l = lines[i];
            l.contains("openat") && l.contains("\".\"") && l.contains("O_RDONLY")
        })
        .map(|i| result(lines[i]))
        .collect();
    assert!(
        folders
            .iter()
            .any(|fd| (last_rename..lines.len()).any(|i| fsync_of(lines[i], fd))),
        "the folder is fsynced after the last rename ({folders:?}):\n{trace}"
    );
}

#[test]
fn a_batch_makes_every_temp_file_durable_before_any_rename_and_the_folder_after() {
    // Small batches fsync their own temp files together; from 16 documents on, one syncfs.
    check_batch_order(&traced_batch(5), 5, false);
    check_batch_order(&traced_batch(40), 40, true);
}
