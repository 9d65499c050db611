//! `s3://`: the objects are the file store's layout, the URL's refusals, and a SeaweedFS
//! SIGKILLed in the middle of a write loop and started again: no acknowledged write lost, no
//! partial object visible. The shared store suite (backends.rs, batches.rs) runs on S3 too.

use persist_storage::{Backend, DEFAULT_MAX_DOCUMENT_BYTES, StorageError, StoreUrl, open_url};
use persist_test_support::servers::SeaweedFs;
use persist_test_support::services::S3Prefix;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn open(url: &str) -> Arc<dyn Backend> {
    open_url(&url.parse().expect("store URL"), DEFAULT_MAX_DOCUMENT_BYTES).expect("store opens")
}

#[test]
fn a_bucket_holds_the_file_stores_layout() {
    let s3 = S3Prefix::create();
    let b = open(&s3.url());
    let dir = tempfile::tempdir().unwrap();
    let files = persist_test_support::file_backend(dir.path());
    for store in [&b, &files] {
        store
            .write("data/signal/BTCUSDT_s_e", "BTCUSDT", b"{\"a\":1}")
            .unwrap();
        store
            .write("data/signal/BTCUSDT_s_e/nested", "x", b"2")
            .unwrap();
        assert!(
            store
                .quarantine("data/signal/BTCUSDT_s_e", "BTCUSDT", b"{\"a\":1}", "bad")
                .unwrap()
        );
        store
            .write("data/signal/BTCUSDT_s_e", "kept", b"3")
            .unwrap();
    }
    let q_s3 = b.quarantine_list().unwrap();
    let q_files = files.quarantine_list().unwrap();
    assert_eq!(q_s3.len(), 1);
    assert_eq!(
        (
            q_s3[0].entity.as_str(),
            q_s3[0].id.as_str(),
            q_s3[0].reason.as_str()
        ),
        (
            q_files[0].entity.as_str(),
            q_files[0].id.as_str(),
            q_files[0].reason.as_str()
        )
    );
    // The quarantine key names the same place under `.quarantine/` (the stamp differs).
    let shape = |k: &str| {
        k.rsplit_once('/')
            .map(|(e, n)| (e.to_string(), n.split('.').next().map(str::to_string)))
    };
    assert_eq!(shape(&q_s3[0].key), shape(&q_files[0].key));
    assert_eq!(b.entities("").unwrap(), files.entities("").unwrap());
    assert_eq!(b.list_ids("data/signal/BTCUSDT_s_e").unwrap(), ["kept"]);
}

#[test]
fn an_s3_url_names_what_is_wrong_and_never_shows_credentials() {
    for (url, says) in [
        (
            "s3://Bad_Bucket?endpoint=http://127.0.0.1:1",
            "is not an S3 bucket name",
        ),
        (
            "s3://bucket/a//b?endpoint=http://127.0.0.1:1",
            "empty segment",
        ),
        (
            "s3://bucket/.hidden?endpoint=http://127.0.0.1:1",
            "starting with '.'",
        ),
        (
            "s3://bucket?endpoint=ftp://h",
            "must be http(s)://host[:port]",
        ),
        (
            "s3://bucket?endpoint=http://key:secret@h",
            "may not hold credentials",
        ),
        ("s3://bucket?conditional=off", "the only value is unchecked"),
        ("s3://bucket?acl=public", "unknown parameter \"acl\""),
    ] {
        let e = url.parse::<StoreUrl>().unwrap_err().to_string();
        assert!(e.contains(says), "{url}: {e}");
        assert!(!e.contains("secret"), "{e}");
    }
    let u: StoreUrl = "s3://bucket/live/btc/?endpoint=http://127.0.0.1:9000/&region=eu-west-1"
        .parse()
        .unwrap();
    assert_eq!(
        u.to_string(),
        "s3://bucket/live/btc?endpoint=http://127.0.0.1:9000&region=eu-west-1"
    );
    // Nothing answers: the probe at open says so, as retryable.
    let port = persist_test_support::servers::free_port();
    persist_test_support::servers::s3_credentials();
    let e = open_url(
        &format!("s3://bucket?endpoint=http://127.0.0.1:{port}")
            .parse()
            .unwrap(),
        1024,
    )
    .err()
    .expect("no server");
    assert!(
        matches!(&e, StorageError::Unavailable(t) if t.contains(&format!("127.0.0.1:{port}"))),
        "{e:?}"
    );
}

#[test]
fn listings_page_through_more_than_one_answer_of_the_server() {
    // ListObjectsV2 answers at most 1,000 keys at a time.
    let s3 = S3Prefix::create();
    let b = open(&s3.url());
    let docs: Vec<(String, String, Vec<u8>)> = (0..2500)
        .map(|i| ("candles".to_string(), format!("{i:05}"), b"{}".to_vec()))
        .collect();
    b.write_many(&docs).unwrap();
    b.write("candles/nested", "x", b"{}").unwrap();
    let ids = b.list_ids("candles").unwrap();
    assert_eq!(ids.len(), 2500);
    assert_eq!(ids.first().map(String::as_str), Some("00000"));
    assert_eq!(ids.last().map(String::as_str), Some("02499"));
    assert_eq!(b.entities("").unwrap(), ["candles", "candles/nested"]);
    let read = b.read_many("candles", &ids[..20]).unwrap();
    assert!(read.iter().all(|d| d.as_deref() == Some(&b"{}"[..])));
}

#[test]
fn seaweedfs_killed_mid_loop_and_restarted_loses_no_acknowledged_write() {
    let mut server = SeaweedFs::start();
    let url = server.url("kill");
    let store = open(&url);
    // Documents of a few kilobytes, so that a torn object would show.
    let value = |n: u32| format!("{{\"n\":{n},\"pad\":\"{}\"}}", "x".repeat(4000)).into_bytes();
    let mut acked = Vec::new();
    let mut failed = Vec::new();
    let mut n = 0u32;
    let start = Instant::now();
    let mut restarted = false;
    let mut acked_after = 0;
    while acked_after < 100 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no recovery in 120 s"
        );
        n += 1;
        if n == 150 {
            server.kill();
        }
        match store.write("fills", &n.to_string(), &value(n)) {
            Ok(()) => {
                acked.push(n);
                if restarted {
                    acked_after += 1;
                }
            }
            Err(StorageError::Unavailable(_)) => {
                failed.push(n);
                if !restarted {
                    server.restart();
                    restarted = true;
                }
            }
            Err(e) => panic!("write {n}: {e}"),
        }
    }
    assert!(!failed.is_empty(), "the kill was noticed");
    let after = open(&url);
    for n in &acked {
        assert_eq!(
            after.read("fills", &n.to_string()).unwrap(),
            Some(value(*n)),
            "acknowledged write {n}"
        );
    }
    // What was not acknowledged is absent or whole, never part of an object.
    for n in &failed {
        let got = after.read("fills", &n.to_string()).unwrap();
        assert!(
            got.is_none() || got == Some(value(*n)),
            "write {n}: {got:?}"
        );
    }
    let listed = after.list_ids("fills").unwrap();
    assert!(listed.len() >= acked.len(), "{} listed", listed.len());
    eprintln!(
        "SeaweedFS killed after write 150: {} acknowledged, {} unavailable, all acknowledged read back",
        acked.len(),
        failed.len()
    );
}
