//! `persist migrate` between every kind of store: file → Redis → PostgreSQL → file and
//! file → Redis Cluster → S3 → file give back the original folder byte for byte (temp files,
//! quarantine and invalid documents aside); a second run changes nothing; `--verify` finds
//! what differs.

use crate::persist_bin;
use persist_test_support::services::{ClusterPrefix, PostgresTable, RedisPrefix, S3Prefix};
use persist_test_support::*;

fn migrate(from: &str, to: &str, extra: &[&str]) -> (Option<i32>, String) {
    let o = run(persist_bin()
        .args(["migrate", "--from", from, "--to", to])
        .args(extra));
    assert!(
        stderr(&o).is_empty() || o.status.code() != Some(0),
        "{}",
        stderr(&o)
    );
    (o.status.code(), stdout(&o))
}

/// `back` holds every file of `source` byte for byte, and nothing else, but the truncated
/// candle (invalid, not copied) and the stale temp file (not a document).
fn assert_same_documents(source: &std::path::Path, back: &std::path::Path) {
    let mut expected = files_under(source);
    expected.retain(|f| f != TRUNCATED && f != STALE_TMP);
    assert_eq!(files_under(back), expected);
    for f in &expected {
        assert_eq!(
            std::fs::read(back.join(f)).unwrap(),
            std::fs::read(source.join(f)).unwrap(),
            "{f}"
        );
    }
}

const TRUNCATED: &str = "data/candle/binance/BTCUSDT/1m/1704067380000.json";
const STALE_TMP: &str = "data/signal/BTCUSDT_my-strategy_binance/.tmp-0123456789ab-BTCUSDT.json";

#[test]
fn file_to_redis_to_postgres_to_file_gives_back_the_same_bytes() {
    let source = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dump(), source.path());
    let redis = RedisPrefix::create();
    let pg = PostgresTable::create();
    let back = tempfile::tempdir().unwrap();
    let file_a = format!("file:{}", source.path().display());
    let file_b = format!("file:{}", back.path().display());

    let (code, out) = migrate(&file_a, &redis.url(), &[]);
    assert_eq!(code, Some(6), "the truncated candle is reported: {out}");
    assert!(
        out.contains("20 copied, 0 unchanged, 1 invalid (not copied)"),
        "{out}"
    );
    assert!(
        out.contains(
            "invalid, not copied: data/candle/binance/BTCUSDT/1m:1704067380000: not valid JSON"
        ),
        "{out}"
    );
    let (code, out) = migrate(&file_a, &redis.url(), &[]);
    assert_eq!(code, Some(6));
    assert!(
        out.contains("0 copied, 20 unchanged, 1 invalid"),
        "a second run changes nothing: {out}"
    );

    let (code, out) = migrate(&redis.url(), &pg.url(), &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("20 copied, 0 unchanged, 0 invalid"), "{out}");
    let (code, out) = migrate(&pg.url(), &file_b, &[]);
    assert_eq!(code, Some(0), "{out}");

    assert_same_documents(source.path(), back.path());
    assert!(
        source.path().join(TRUNCATED).exists(),
        "migrate changes nothing in the source"
    );

    let (code, out) = migrate(&file_a, &file_b, &["--verify"]);
    assert_eq!(code, Some(6), "the invalid candle is still reported: {out}");
    assert!(
        out.contains("20 identical, 0 different, 1 invalid"),
        "{out}"
    );
    std::fs::write(back.path().join("data/log/log/log-1.json"), "{}").unwrap();
    std::fs::remove_file(back.path().join("state/sig-1/trail/trail.json")).unwrap();
    let (code, out) = migrate(
        &file_a,
        &file_b,
        &["--verify", "--bucket", "log", "--bucket", "state"],
    );
    assert_eq!(code, Some(6), "{out}");
    assert!(out.contains("0 identical, 2 different"), "{out}");
    assert!(
        out.contains("data/log/log:log-1: different bytes in the target"),
        "{out}"
    );
    assert!(
        out.contains("state/sig-1/trail:trail: missing in the target"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(back.path().join("data/log/log/log-1.json")).unwrap(),
        "{}",
        "verify copies nothing"
    );
}

#[test]
fn file_to_redis_cluster_to_s3_to_file_gives_back_the_same_bytes() {
    let source = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dump(), source.path());
    let cluster = ClusterPrefix::create();
    let s3 = S3Prefix::create();
    let back = tempfile::tempdir().unwrap();
    let file_a = format!("file:{}", source.path().display());
    let file_b = format!("file:{}", back.path().display());

    let (code, out) = migrate(&file_a, &format!("{}&replicas=1", cluster.url()), &[]);
    assert_eq!(code, Some(6), "the truncated candle is reported: {out}");
    assert!(
        out.contains("20 copied, 0 unchanged, 1 invalid (not copied)"),
        "{out}"
    );
    let (code, out) = migrate(&cluster.url(), &s3.url(), &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("20 copied, 0 unchanged, 0 invalid"), "{out}");
    let (code, out) = migrate(&cluster.url(), &s3.url(), &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("0 copied, 20 unchanged"),
        "a second run changes nothing: {out}"
    );
    let (code, out) = migrate(&s3.url(), &file_b, &[]);
    assert_eq!(code, Some(0), "{out}");

    assert_same_documents(source.path(), back.path());
    let (code, out) = migrate(&s3.url(), &file_b, &["--verify"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("20 identical, 0 different"), "{out}");
}

#[test]
fn an_unknown_bucket_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file:{}", dir.path().display());
    let o = run(persist_bin().args([
        "migrate", "--from", &url, "--to", "memory:", "--bucket", "signals",
    ]));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown bucket \"signals\"; the buckets are base, signal,"),
        "{}",
        stderr(&o)
    );
}
