//! Hostile entity names and ids through the guest: each is either stored safely inside the
//! store root (and read back equal) or refused with `invalid-key`, and nothing is ever
//! written outside the root.

use persist_embed::Error;
use persist_test_support::*;

#[test]
fn hostile_ids_are_stored_inside_the_root_or_refused() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("store");
    let mut p = open(file_backend(&root));
    let long = "x".repeat(10_000);
    let stored = [
        "../x",
        "/etc/passwd",
        "a\0b",
        "..",
        ".",
        ".tmp-x",
        ".quarantine",
        "ünïcødé 日本 🚀",
        "100%",
        "a\\b",
        "tab\t",
        "C:\\Windows",
    ];
    for (n, id) in stored.iter().enumerate() {
        let doc = format!(r#"{{"n":{n}}}"#);
        p.base("hostile")
            .write_value(id, &doc)
            .unwrap_or_else(|e| panic!("{id:?}: {e}"));
        assert_eq!(
            p.base("hostile").read_value(id).unwrap(),
            doc,
            "{id:?} reads back equal"
        );
        assert!(p.base("hostile").has_value(id).unwrap());
    }
    let mut keys = p.base("hostile").keys().unwrap();
    keys.sort();
    let mut expected: Vec<String> = stored.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(
        keys, expected,
        "keys come back unescaped, none lost, no extra"
    );

    for id in [long.as_str(), ""] {
        assert!(
            matches!(
                p.base("hostile").write_value(id, "1"),
                Err(Error::InvalidKey(_))
            ),
            "{:.20?}",
            id
        );
        assert!(matches!(
            p.base("hostile").read_value(id),
            Err(Error::InvalidKey(_))
        ));
    }
    match p.base("hostile").write_value(&long, "1") {
        Err(Error::InvalidKey(m)) => assert!(
            m.contains("cannot be stored: it is 10000 bytes long; at most 200"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }

    // Nothing outside the root: the folder around it holds only the root.
    assert_eq!(std::fs::read_dir(outer.path()).unwrap().count(), 1);
    let files = files_under(&root);
    assert_eq!(files.len(), stored.len(), "{files:?}");
    assert!(
        files.iter().all(|f| f.starts_with("hostile/")
            && f.ends_with(".json")
            && f.matches('/').count() == 1),
        "{files:?}"
    );
    assert!(
        files
            .iter()
            .all(|f| !f["hostile/".len()..].starts_with('.')),
        "no hidden file: {files:?}"
    );
}

#[test]
fn hostile_entity_names_are_escaped_per_segment_or_refused() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("store");
    let mut p = open(file_backend(&root));
    for (n, entity) in [
        "../x",
        "..",
        "a/../../b",
        ".quarantine",
        ".tmp-x/y",
        "a\0b",
        "日本/市場",
    ]
    .iter()
    .enumerate()
    {
        p.base(entity)
            .write_value("id", &n.to_string())
            .unwrap_or_else(|e| panic!("{entity:?}: {e}"));
        assert_eq!(
            p.base(entity).read_value("id").unwrap(),
            n.to_string(),
            "{entity:?}"
        );
        assert_eq!(p.base(entity).keys().unwrap(), ["id"]);
    }
    for entity in ["/etc/passwd", "a//b", "trailing/", "", &"e/".repeat(20)] {
        assert!(
            matches!(
                p.base(entity).write_value("id", "1"),
                Err(Error::InvalidKey(_))
            ),
            "{entity:?}"
        );
    }
    assert_eq!(
        std::fs::read_dir(outer.path()).unwrap().count(),
        1,
        "nothing beside the root"
    );
    assert!(
        !root.join(".quarantine").exists(),
        "a caller cannot write into the quarantine"
    );
    let report = open(file_backend(&root)).check(true).unwrap();
    assert_eq!((report.checked, report.findings.len()), (7, 0));
}
