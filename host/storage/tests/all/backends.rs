//! The host's storage backends called directly, as any guest could call them: the same
//! behaviour on every store, and the host's own refusals.

use persist_storage::{Backend, StorageError, StoreUrl, open_url};
use persist_test_support::*;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The same behaviour on every kind of store: file, memory, Redis and PostgreSQL.
fn each_backend(test: impl Fn(Arc<dyn Backend>, &str)) {
    services::each_store_kind(|fresh, b| test(b, fresh.name()));
}

#[test]
fn read_write_remove_and_listings() {
    each_backend(|b, s| {
        assert_eq!(b.read("e", "a").unwrap(), None, "{s}");
        b.write("e", "a", b"1").unwrap();
        b.write("e", "a", b"2").unwrap();
        b.write("e/nested", "b", b"3").unwrap();
        b.write("other", "c", b"4").unwrap();
        assert_eq!(b.read("e", "a").unwrap().as_deref(), Some(&b"2"[..]), "{s}");
        assert_eq!(b.list_ids("e").unwrap(), ["a"], "{s}");
        assert!(b.list_ids("never").unwrap().is_empty(), "{s}");
        let mut all = b.entities("").unwrap();
        all.sort();
        assert_eq!(all, ["e", "e/nested", "other"], "{s}");
        let mut under_e = b.entities("e").unwrap();
        under_e.sort();
        assert_eq!(under_e, ["e", "e/nested"], "{s}");
        b.remove("e", "a").unwrap();
        b.remove("e", "a").unwrap();
        b.remove("never", "x").unwrap();
        assert_eq!(b.read("e", "a").unwrap(), None, "{s}");
    });
}

#[test]
fn write_if_absent_keeps_the_first_write() {
    each_backend(|b, s| {
        assert!(b.write_if_absent("c", "1", b"first").unwrap(), "{s}");
        assert!(!b.write_if_absent("c", "1", b"second").unwrap(), "{s}");
        assert_eq!(
            b.read("c", "1").unwrap().as_deref(),
            Some(&b"first"[..]),
            "{s}"
        );
    });
}

#[test]
fn write_if_absent_has_one_winner_under_a_race() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..20 {
        let id = format!("r{round}");
        let winners: Vec<bool> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    // Separate store objects, as separate processes would have.
                    let b = file_backend(dir.path());
                    let id = id.clone();
                    scope.spawn(move || {
                        b.write_if_absent("race", &id, format!("writer {t}").as_bytes())
                            .unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(
            winners.iter().filter(|w| **w).count(),
            1,
            "round {round}: {winners:?}"
        );
        let stored =
            String::from_utf8(file_backend(dir.path()).read("race", &id).unwrap().unwrap())
                .unwrap();
        let winner = winners.iter().position(|w| *w).unwrap();
        assert_eq!(stored, format!("writer {winner}"));
    }
    assert!(
        files_under(dir.path()).iter().all(|f| !f.contains(".tmp-")),
        "no temp file is left behind"
    );
}

#[test]
fn the_host_refuses_hostile_keys_itself() {
    each_backend(|b, s| {
        let long = "x".repeat(10_000);
        let bad_ids = [
            "../x",
            "/etc/passwd",
            "a\0b",
            long.as_str(),
            "..",
            ".",
            ".tmp-x",
            "",
            "a/b",
            "a\\b",
            "new\nline",
        ];
        for id in bad_ids {
            for result in [
                b.write("e", id, b"1").map(|_| ()),
                b.write_if_absent("e", id, b"1").map(|_| ()),
                b.read("e", id).map(|_| ()),
                b.remove("e", id),
                b.quarantine("e", id, b"1", "r").map(drop),
            ] {
                assert!(
                    matches!(result, Err(StorageError::InvalidKey(_))),
                    "{s}: id {id:?}: {result:?}"
                );
            }
        }
        let deep = vec!["a"; 17].join("/");
        let bad_entities = [
            "../x",
            "/etc",
            "a/../b",
            "a//b",
            "",
            "a/",
            ".quarantine/e",
            "e\0",
            deep.as_str(),
            long.as_str(),
        ];
        for entity in bad_entities {
            assert!(
                matches!(b.write(entity, "a", b"1"), Err(StorageError::InvalidKey(_))),
                "{s}: entity {entity:?}"
            );
            assert!(
                matches!(b.list_ids(entity), Err(StorageError::InvalidKey(_))),
                "{s}: entity {entity:?}"
            );
        }
        assert!(
            b.entities("").unwrap().is_empty(),
            "{s}: nothing was written"
        );
    });
}

#[test]
fn refusal_messages_say_what_is_wrong() {
    let b = memory_backend();
    let msg = |r: Result<(), StorageError>| r.unwrap_err().to_string();
    assert_eq!(
        msg(b.write("e", "..", b"1")),
        r#"invalid key: id ".." contains the segment "..", which is not allowed"#
    );
    assert!(
        msg(b.write("e", &"x".repeat(300), b"1"))
            .contains("is 300 bytes long; at most 200 are allowed")
    );
    assert!(msg(b.write("a//b", "x", b"1")).contains("empty segment"));
}

#[test]
fn documents_over_the_cap_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let stores = services::Fresh::all();
    let mut urls = vec![StoreUrl::File(dir.path().to_path_buf())];
    urls.extend(
        stores
            .iter()
            .skip(1)
            .map(|s| s.url().parse::<StoreUrl>().unwrap()),
    );
    for url in urls {
        let b = open_url(&url, 1024).unwrap();
        assert_eq!(
            b.write("e", "a", &[b'1'; 1025]),
            Err(StorageError::TooLarge(1024)),
            "{url}"
        );
        assert_eq!(
            b.write_if_absent("e", "a", &[b'1'; 1025]),
            Err(StorageError::TooLarge(1024)),
            "{url}"
        );
        b.write("e", "a", &[b'1'; 1024]).unwrap();
        assert_eq!(
            b.read("e", "a").unwrap().map(|v| v.len()),
            Some(1024),
            "{url}"
        );
    }
    // A larger document put there by someone else is refused on read too.
    std::fs::write(dir.path().join("e/big.json"), vec![b'1'; 4096]).unwrap();
    assert_eq!(
        open_url(&StoreUrl::File(dir.path().to_path_buf()), 1024)
            .unwrap()
            .read("e", "big"),
        Err(StorageError::TooLarge(1024))
    );
}

/// A writer that replaced a document after it was judged keeps its document: quarantine moves
/// only the bytes that were judged, on every store.
#[test]
fn quarantine_moves_only_the_judged_bytes_never_a_newer_write() {
    services::each_store_kind(|fresh, b| {
        let s = fresh.name();
        b.write("q/e", "doc", b"{oops").unwrap();
        // A writer replaces the bad document with a valid one after check read it.
        b.write("q/e", "doc", b"{\"ok\":true}").unwrap();
        assert!(
            !b.quarantine("q/e", "doc", b"{oops", "not valid JSON")
                .unwrap(),
            "{s}: the newer document was moved"
        );
        assert_eq!(
            b.read("q/e", "doc").unwrap().as_deref(),
            Some(&b"{\"ok\":true}"[..]),
            "{s}"
        );
        assert_eq!(b.list_ids("q/e").unwrap(), ["doc"], "{s}");
        // The bytes that were judged move.
        assert!(
            b.quarantine("q/e", "doc", b"{\"ok\":true}", "r").unwrap(),
            "{s}"
        );
        assert_eq!(b.read("q/e", "doc").unwrap(), None, "{s}");
    });
}

#[test]
fn quarantine_moves_never_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let b = file_backend(dir.path());
    b.write("q/e", "bad", b"{oops").unwrap();
    assert!(
        b.quarantine("q/e", "bad", b"{oops", "not valid JSON")
            .unwrap()
    );
    assert!(!b.quarantine("q/e", "bad", b"{oops", "again").unwrap()); // absent now: nothing to do
    assert_eq!(b.read("q/e", "bad").unwrap(), None);
    assert!(b.list_ids("q/e").unwrap().is_empty());
    assert!(
        b.entities("").unwrap().is_empty(),
        "the quarantine is not an entity"
    );
    let files = files_under(&dir.path().join(".quarantine/q/e"));
    assert_eq!(files.len(), 2, "{files:?}");
    let doc = files.iter().find(|f| !f.contains(".reason.")).unwrap();
    let note = files.iter().find(|f| f.contains(".reason.")).unwrap();
    assert!(doc.starts_with("bad.") && doc.ends_with(".json"));
    assert_eq!(
        std::fs::read(dir.path().join(".quarantine/q/e").join(doc)).unwrap(),
        b"{oops"
    );
    let note: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join(".quarantine/q/e").join(note)).unwrap(),
    )
    .unwrap();
    assert_eq!(note["reason"], "not valid JSON");
    assert_eq!(note["from"], "q/e/bad.json");
}

#[test]
fn redis_and_postgres_quarantine_moves_the_document_aside_with_its_reason() {
    let redis = services::RedisPrefix::create();
    let b = open_url(&redis.url().parse().unwrap(), 1 << 20).unwrap();
    b.write("q/e", "bad", b"{oops").unwrap();
    assert!(
        b.quarantine("q/e", "bad", b"{oops", "not valid JSON")
            .unwrap()
    );
    assert!(!b.quarantine("q/e", "bad", b"{oops", "again").unwrap());
    assert_eq!(b.read("q/e", "bad").unwrap(), None);
    assert!(
        b.entities("").unwrap().is_empty(),
        "the quarantine is not an entity"
    );
    let keys = redis.keys();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let prefix = format!("{}:.quarantine:q/e:bad:", redis.prefix);
    assert!(keys.iter().all(|k| k.starts_with(&prefix)), "{keys:?}");

    let pg = services::PostgresTable::create();
    let b = open_url(&pg.url().parse().unwrap(), 1 << 20).unwrap();
    b.write("q/e", "bad", b"{oops").unwrap();
    b.write("q/e", "good", b"1").unwrap();
    assert!(
        b.quarantine("q/e", "bad", b"{oops", "not valid JSON")
            .unwrap()
    );
    assert!(!b.quarantine("q/e", "bad", b"{oops", "again").unwrap());
    assert_eq!(b.list_ids("q/e").unwrap(), ["good"]);
    let rows = pg.query(&format!(
        "SELECT entity, id, value, reason FROM {}_quarantine",
        pg.table
    ));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, String>(1), "bad");
    assert_eq!(rows[0].get::<_, Vec<u8>>(2), b"{oops");
    assert_eq!(rows[0].get::<_, String>(3), "not valid JSON");
}

#[test]
fn redis_keys_and_postgres_rows_are_the_documented_layout() {
    let redis = services::RedisPrefix::create();
    let b = open_url(&redis.url().parse().unwrap(), 1 << 20).unwrap();
    b.write("data/signal/BTC:USDT_s_e", "BTC:USDT", b"null")
        .unwrap();
    b.write("data/signal/BTC", "x", b"1").unwrap();
    assert_eq!(
        redis.keys(),
        [
            format!("{}:data/signal/BTC%3AUSDT_s_e:BTC:USDT", redis.prefix),
            format!("{}:data/signal/BTC:x", redis.prefix),
        ]
    );
    assert_eq!(
        b.list_ids("data/signal/BTC").unwrap(),
        ["x"],
        "a ':' in an entity never mixes entities"
    );
    assert_eq!(
        b.list_ids("data/signal/BTC:USDT_s_e").unwrap(),
        ["BTC:USDT"]
    );

    let pg = services::PostgresTable::create();
    let b = open_url(&pg.url().parse().unwrap(), 1 << 20).unwrap();
    b.write("orders", "42", br#"{"qty":1}"#).unwrap();
    let rows = pg.query(&format!("SELECT document->>'qty' FROM {}_json", pg.table));
    assert_eq!(
        rows[0].get::<_, String>(0),
        "1",
        "the JSON view answers SQL"
    );
}

#[test]
fn stale_temp_files_are_swept_at_open_and_fresh_ones_kept_and_neither_listed() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("tmp-sweep");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("real.json"), "\"real\"").unwrap();
    let stale = folder.join(".tmp-a1b2c3d4e5f6-ghost.json");
    let fresh = folder.join(".tmp-d4e5f6a1b2c3-inflight.json");
    std::fs::write(&stale, "{\"half").unwrap();
    std::fs::write(&fresh, "{\"in flight").unwrap();
    let ten_minutes_ago = SystemTime::now() - Duration::from_secs(600);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(ten_minutes_ago)
        .unwrap();

    let b = file_backend(dir.path());
    assert_eq!(b.list_ids("tmp-sweep").unwrap(), ["real"]);
    assert!(!stale.exists(), "the stale temp file is swept");
    assert!(
        fresh.exists(),
        "a young temp file may be another process's write and is kept"
    );

    let mut p = open(file_backend(dir.path()));
    assert_eq!(p.base("tmp-sweep").keys().unwrap(), ["real"]);
    let report = p.base("tmp-sweep").wait_for_init(true).unwrap();
    assert_eq!(
        (report.checked, report.valid, report.findings.len()),
        (1, 1, 0)
    );
    assert!(fresh.exists());
}

#[test]
fn a_folder_where_a_file_should_be_is_a_storage_error_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blocked"), "a file").unwrap();
    let b = file_backend(dir.path());
    match b.write("blocked", "a", b"1") {
        Err(StorageError::Io(m)) => assert!(m.contains("blocked"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("blocked")).unwrap(),
        "a file"
    );
}

/// The way back from the quarantine, on every store: list it with its reason and size, read
/// the bytes as they were, restore it (never over a live document unless asked), purge it.
#[test]
fn the_quarantine_lists_reads_restores_and_purges_on_every_store() {
    services::each_store_kind(|fresh, b| {
        let s = fresh.name();
        assert!(b.quarantine_list().unwrap().is_empty(), "{s}");
        b.write("data/signal/x_y_z", "BTC:USDT", b"{oops").unwrap();
        assert!(
            b.quarantine("data/signal/x_y_z", "BTC:USDT", b"{oops", "not JSON")
                .unwrap()
        );
        let listed = b.quarantine_list().unwrap();
        assert_eq!(listed.len(), 1, "{s}: {listed:?}");
        let q = &listed[0];
        assert_eq!(
            (q.entity.as_str(), q.id.as_str(), q.reason.as_str(), q.size),
            ("data/signal/x_y_z", "BTC:USDT", "not JSON", 5),
            "{s}"
        );
        assert!(q.at_ms > 1_700_000_000_000, "{s}: {}", q.at_ms);
        assert_eq!(
            b.quarantine_read(q).unwrap().as_deref(),
            Some(&b"{oops"[..]),
            "{s}"
        );

        // A newer live document is never replaced unless asked.
        b.write("data/signal/x_y_z", "BTC:USDT", b"{\"new\":1}")
            .unwrap();
        assert!(!b.quarantine_restore(q, false).unwrap(), "{s}");
        assert_eq!(
            b.read("data/signal/x_y_z", "BTC:USDT").unwrap().as_deref(),
            Some(&b"{\"new\":1}"[..]),
            "{s}"
        );
        assert_eq!(b.quarantine_list().unwrap().len(), 1, "{s}");
        assert!(b.quarantine_restore(q, true).unwrap(), "{s}");
        assert_eq!(
            b.read("data/signal/x_y_z", "BTC:USDT").unwrap().as_deref(),
            Some(&b"{oops"[..]),
            "{s}"
        );
        assert!(b.quarantine_list().unwrap().is_empty(), "{s}");
        assert!(
            !b.quarantine_restore(q, true).unwrap(),
            "{s}: restored twice"
        );

        assert!(
            b.quarantine("data/signal/x_y_z", "BTC:USDT", b"{oops", "again")
                .unwrap()
        );
        let listed = b.quarantine_list().unwrap();
        b.quarantine_purge(&listed[0]).unwrap();
        assert!(b.quarantine_list().unwrap().is_empty(), "{s}");
        assert_eq!(b.quarantine_read(&listed[0]).unwrap(), None, "{s}");
        assert_eq!(
            b.read("data/signal/x_y_z", "BTC:USDT").unwrap(),
            None,
            "{s}"
        );
    });
}

/// PostgreSQL's schema: writers starting together on a new table all succeed, it is made only
/// when missing (so a role that may only read can read), a reserved word is a table name like
/// any other, and a stored `\u0000` never breaks the `_json` view.
#[test]
fn postgres_makes_its_schema_once_only_when_missing_and_quoted() {
    let pg = services::PostgresTable::create();
    let url: StoreUrl = pg.url().parse().unwrap();
    let writers: Vec<_> = (0..8)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || open_url(&url, 1 << 20)?.write("e", &i.to_string(), b"1"))
        })
        .collect();
    for w in writers {
        w.join().unwrap().unwrap();
    }
    let b = open_url(&url, 1 << 20).unwrap();
    assert_eq!(b.list_ids("e").unwrap().len(), 8);

    // A view as 0.1 made it (jsonb) is made json by the next connection.
    pg.batch(&format!(
        "DROP VIEW {t}_json; CREATE VIEW {t}_json AS SELECT entity, id,
           convert_from(value, 'UTF8')::jsonb AS document, updated_at FROM {t}",
        t = pg.table
    ));
    let b = open_url(&url, 1 << 20).unwrap();
    b.write("e", "nul", br#"{"a":"\u0000"}"#).unwrap();
    let rows = pg.query(&format!("SELECT count(document) FROM {}_json", pg.table));
    assert_eq!(rows[0].get::<_, i64>(0), 9);

    let role = services::unique("ro");
    pg.batch(&format!(
        "CREATE ROLE {role} LOGIN; GRANT SELECT ON {t}, {t}_quarantine, {t}_json TO {role}",
        t = pg.table
    ));
    let read_only: StoreUrl = pg
        .url()
        .replacen("postgres://postgres@", &format!("postgres://{role}@"), 1)
        .parse()
        .unwrap();
    let reader = open_url(&read_only, 1 << 20).unwrap();
    let got = reader.read("e", "3");
    let refused = reader.write("e", "3", b"2");
    pg.batch(&format!("DROP OWNED BY {role}; DROP ROLE {role}"));
    assert_eq!(got.unwrap().as_deref(), Some(&b"1"[..]));
    match refused {
        Err(StorageError::Io(m)) => assert!(m.contains("permission denied"), "{m}"),
        other => panic!("a refused write must be a permanent error, not {other:?}"),
    }

    let reserved: StoreUrl = format!("{}?table=user", pg.server).parse().unwrap();
    let b = open_url(&reserved, 1 << 20).unwrap();
    let wrote = b.write("e", "1", b"{}");
    let read = b.read("e", "1");
    pg.batch(r#"DROP VIEW IF EXISTS "user_json"; DROP TABLE IF EXISTS "user", "user_quarantine""#);
    wrote.unwrap();
    assert_eq!(read.unwrap().as_deref(), Some(&b"{}"[..]));
}
