//! `redis+cluster://`: the key layout (one hash tag, one slot, per entity), writes that wait
//! for replicas, and what a master killed in the middle of a write loop costs with and without
//! `replicas=1`. The shared store suite (backends.rs, batches.rs) runs on the cluster too.

use persist_storage::{Backend, DEFAULT_MAX_DOCUMENT_BYTES, StorageError, open_url};
use persist_test_support::servers::{CLUSTER_NODE_TIMEOUT_MS, RedisCluster};
use persist_test_support::services::ClusterPrefix;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn open(url: &str) -> Arc<dyn Backend> {
    open_url(&url.parse().expect("store URL"), DEFAULT_MAX_DOCUMENT_BYTES).expect("store opens")
}

#[test]
fn an_entity_is_one_hash_tag_so_its_documents_and_quarantine_share_a_slot() {
    let cluster = ClusterPrefix::create();
    let b = open(&cluster.url());
    b.write("data/signal/BTC:USDT_{s}_e", "BTC:USDT", b"null")
        .unwrap();
    b.write("data/signal/BTC", "x", b"1").unwrap();
    b.write("data/signal/BTC", "y", b"2").unwrap();
    let p = &cluster.prefix;
    assert_eq!(
        cluster.keys(),
        [
            format!("{p}:{{data/signal/BTC%3AUSDT_%7Bs%7D_e}}:BTC:USDT"),
            format!("{p}:{{data/signal/BTC}}:x"),
            format!("{p}:{{data/signal/BTC}}:y"),
        ]
    );
    assert_eq!(
        b.list_ids("data/signal/BTC:USDT_{s}_e").unwrap(),
        ["BTC:USDT"]
    );
    assert!(b.quarantine("data/signal/BTC", "x", b"1", "bad").unwrap());
    let keys = cluster.keys();
    assert!(
        keys.iter()
            .any(|k| k.starts_with(&format!("{p}:.quarantine:{{data/signal/BTC}}:x:"))),
        "{keys:?}"
    );
    assert_eq!(b.list_ids("data/signal/BTC").unwrap(), ["y"]);
    let q = b.quarantine_list().unwrap();
    assert_eq!(
        (q[0].entity.as_str(), q[0].id.as_str()),
        ("data/signal/BTC", "x")
    );
    assert_eq!(q[0].reason, "bad");
}

#[test]
fn a_write_waits_for_the_replicas_asked_for_and_says_when_they_do_not_answer() {
    let cluster = ClusterPrefix::create();
    let one = open(&format!("{}&replicas=1", cluster.url()));
    one.write("orders", "1", b"acknowledged by a replica")
        .unwrap();
    one.write_many(&[
        ("orders".into(), "2".into(), b"two".to_vec()),
        ("fills".into(), "a".into(), b"fill".to_vec()),
    ])
    .unwrap();
    assert_eq!(
        one.read("fills", "a").unwrap().as_deref(),
        Some(&b"fill"[..])
    );

    // Each master has one replica: two never acknowledge.
    let two = open(&format!("{}&replicas=2&timeout-ms=200", cluster.url()));
    let e = two.write("orders", "3", b"x").unwrap_err();
    let StorageError::Unavailable(text) = &e else {
        panic!("{e:?}");
    };
    for says in [
        "only 1 of the 2 replica(s)",
        "replicas=2",
        "within 200 ms",
        "outcome is unknown",
        "Retry",
    ] {
        assert!(text.contains(says), "{says:?} in {text}");
    }
    assert!(
        !matches!(
            two.write_if_version("orders", "4", None, b"x"),
            Ok(persist_storage::SwapOutcome::Swapped(_))
        ),
        "a compare-and-swap is not reported done without its replicas"
    );
}

#[test]
fn a_cluster_url_names_what_is_wrong_and_an_unreachable_cluster_is_unavailable() {
    for (url, says) in [
        ("redis+cluster://?prefix=a", "at least one node"),
        ("redis+cluster://127.0.0.1", "is not host:port"),
        (
            "redis+cluster://127.0.0.1:1?prefix=a{b}",
            "may not contain '{'",
        ),
        ("redis+cluster://127.0.0.1:1?replicas=0", "replicas=\"0\""),
        (
            "redis+cluster://127.0.0.1:1?timeout-ms=x",
            "timeout-ms=\"x\"",
        ),
        (
            "redis+cluster://127.0.0.1:1?wait=1",
            "unknown parameter \"wait\"",
        ),
    ] {
        let e = url
            .parse::<persist_storage::StoreUrl>()
            .unwrap_err()
            .to_string();
        assert!(e.contains(says), "{url}: {e}");
    }
    let shown = "redis+cluster://u:hunter2@127.0.0.1:1,127.0.0.1:2?prefix=p"
        .parse::<persist_storage::StoreUrl>()
        .unwrap()
        .to_string();
    assert_eq!(
        shown,
        "redis+cluster://u:***@127.0.0.1:1,127.0.0.1:2?prefix=p"
    );
    let port = persist_test_support::servers::free_port();
    let b = open(&format!("redis+cluster://127.0.0.1:{port}"));
    let e = b.read("e", "1").unwrap_err();
    assert!(
        matches!(&e, StorageError::Unavailable(t) if t.contains("nothing was sent")),
        "{e:?}"
    );
}

/// Writes `entity/<n>` in a loop while the master of the entity's slot is SIGKILLed, until
/// `after` writes are acknowledged after the kill; restarts the killed node once the cluster
/// has failed over (so that it rejoins as a replica). Returns the acknowledged ids.
fn write_through_a_failover(
    cluster: &mut RedisCluster,
    url: &str,
    entity: &str,
    after: usize,
) -> Vec<u32> {
    let store = open(url);
    let prefix = url
        .split("prefix=")
        .nth(1)
        .and_then(|p| p.split('&').next())
        .unwrap();
    let victim = cluster.master_of(&format!("{prefix}:{{{entity}}}:0"));
    let killer_go = AtomicBool::new(false);
    let mut acked = Vec::new();
    let mut unavailable = 0u32;
    let mut last_unavailable: Option<Instant> = None;
    std::thread::scope(|scope| {
        let nodes = &mut cluster.nodes;
        let killer = scope.spawn(|| {
            while !killer_go.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
            // At a moment of its own, while the loop writes.
            std::thread::sleep(Duration::from_millis(7));
            nodes[victim].kill();
            let killed = Instant::now();
            // The replica takes over after the node timeout; then the old master comes
            // back (empty) and becomes the new master's replica.
            std::thread::sleep(Duration::from_millis(CLUSTER_NODE_TIMEOUT_MS * 4));
            nodes[victim].restart();
            killed
        });
        let start = Instant::now();
        let mut n = 0u32;
        let mut acked_after = 0;
        while acked_after < after {
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "the store did not recover within 90 s of the kill ({unavailable} unavailable)"
            );
            n += 1;
            if n == 200 {
                killer_go.store(true, Ordering::SeqCst);
            }
            match store.write(entity, &n.to_string(), format!("value {n}").as_bytes()) {
                Ok(()) => {
                    acked.push(n);
                    if killer.is_finished() {
                        acked_after += 1;
                    }
                }
                Err(StorageError::Unavailable(_)) => {
                    unavailable += 1;
                    last_unavailable = Some(Instant::now());
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("write {n} failed with an error that is not unavailable: {e}"),
            }
        }
        let killed = killer.join().expect("the killer thread");
        let window = last_unavailable.map_or(0.0, |t| t.duration_since(killed).as_secs_f64());
        eprintln!(
            "{url}: {} writes acknowledged, {unavailable} failed as unavailable, the last \
             {window:.1} s after the kill (the killed node restarted after {:.1} s)",
            acked.len(),
            (CLUSTER_NODE_TIMEOUT_MS * 4) as f64 / 1000.0
        );
    });
    cluster.wait_healthy();
    acked
}

#[test]
fn a_master_killed_mid_loop_loses_no_write_acknowledged_by_a_replica() {
    let mut cluster = RedisCluster::start();

    // replicas=1: a write counts only once the replica has it, so the replica that takes
    // over has every acknowledged write.
    let url = format!("{}?prefix=acked&replicas=1&timeout-ms=500", cluster.url());
    let acked = write_through_a_failover(&mut cluster, &url, "signals/live", 100);
    let store = open(&url);
    let lost: Vec<u32> = acked
        .iter()
        .copied()
        .filter(|n| {
            store.read("signals/live", &n.to_string()).unwrap()
                != Some(format!("value {n}").into_bytes())
        })
        .collect();
    assert!(
        lost.is_empty(),
        "replicas=1 lost {} acknowledged writes: {lost:?}",
        lost.len()
    );

    // Without replicas=: a write counts once the master has it; the figure for the README.
    let url = format!("{}?prefix=async", cluster.url());
    let acked = write_through_a_failover(&mut cluster, &url, "signals/live", 100);
    let store = open(&url);
    let lost = acked
        .iter()
        .filter(|n| {
            store.read("signals/live", &n.to_string()).unwrap()
                != Some(format!("value {n}").into_bytes())
        })
        .count();
    eprintln!(
        "without replicas=: {lost} of {} acknowledged writes lost when their master was killed",
        acked.len()
    );
}
