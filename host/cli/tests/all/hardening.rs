//! What an adversary tried against the release binary, one test per finding: nothing valid and
//! acknowledged ever leaves the live store.

use crate::persist;
use persist_test_support::*;

const SIGNAL: [&str; 6] = [
    "--symbol",
    "BTCUSDT",
    "--strategy",
    "s",
    "--exchange",
    "binance",
];

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
