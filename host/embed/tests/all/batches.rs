//! Batches through the library: `PersistBase::write_many` / `read_many`, `Persist::batch`
//! around any adapter's writes, and what bad input gets.

use persist_embed::{Error, Persist};
use persist_test_support::services::each_store_kind;
use persist_test_support::*;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn ids(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn base_write_many_and_read_many_on_every_store() {
    each_store_kind(|fresh, backend| {
        let s = fresh.name();
        let mut p = open(backend.clone());
        p.base("orders")
            .write_many(&pairs(&[
                ("1", r#"{ "qty": 1.0 }"#),
                ("a/b", r#"{"qty":2}"#),
                ("1", r#"{"qty":3}"#),
            ]))
            .unwrap();
        assert_eq!(
            p.base("orders")
                .read_many(&ids(&["1", "missing", "a/b"]))
                .unwrap(),
            [
                Some(r#"{"qty":3}"#.to_string()),
                None,
                Some(r#"{"qty":2}"#.to_string())
            ],
            "{s}"
        );
        // The same documents as write_value makes: compact, the id escaped.
        assert_eq!(
            p.base("orders").read_value("a/b").unwrap(),
            r#"{"qty":2}"#,
            "{s}"
        );
        assert_eq!(
            backend.read("orders", "a%2Fb").unwrap().as_deref(),
            Some(&br#"{"qty":2}"#[..]),
            "{s}"
        );
        p.base("orders").write_many(&[]).unwrap();
        assert!(p.base("orders").read_many(&[]).unwrap().is_empty(), "{s}");
    });
}

#[test]
fn a_bad_value_or_id_in_write_many_names_its_item_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = open(file_backend(dir.path()));
    p.base("orders").write_value("1", r#"{"qty":1}"#).unwrap();
    let err = p
        .base("orders")
        .write_many(&pairs(&[("1", r#"{"qty":9}"#), ("2", "{not json")]))
        .unwrap_err();
    let Error::InvalidInput { path, reason } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(path, "values[1]");
    assert!(reason.contains("JSON"), "{reason}");
    let err = p
        .base("orders")
        .write_many(&pairs(&[("1", r#"{"qty":9}"#), ("", "{}")]))
        .unwrap_err();
    let Error::InvalidKey(message) = &err else {
        panic!("{err:?}");
    };
    assert!(message.starts_with("values[1]"), "{message}");
    // A domain's folder takes only the domain's records.
    let err = p
        .base("data/signal/BTCUSDT_s_binance")
        .write_many(&pairs(&[("BTCUSDT", r#"{"id":"x"}"#)]))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert_eq!(p.base("orders").read_value("1").unwrap(), r#"{"qty":1}"#);
    assert_eq!(p.base("orders").keys().unwrap(), ["1"]);
}

#[test]
fn a_batch_holds_every_adapters_writes_until_it_returns() {
    each_store_kind(|fresh, backend| {
        let s = fresh.name();
        let mut p = open(backend.clone());
        p.base("orders").write_value("gone", "1").unwrap();
        let seen = p
            .batch(|p: &mut Persist| -> Result<_, Error> {
                p.base("orders").write_value("1", r#"{"n":1}"#)?;
                p.base("orders").remove_value("gone")?;
                p.notification(false)
                    .write_notification_data(&[r#"{"id":"n1","type":"signal.opened","timestamp":1,"backtest":false,"symbol":"BTCUSDT"}"#.to_string()])?;
                // Nothing is in the store yet; reads through the guest see the batch.
                assert_eq!(backend.read("orders", "1").unwrap(), None, "{s}");
                assert!(backend.read("orders", "gone").unwrap().is_some(), "{s}");
                Ok((
                    p.base("orders").read_value("1")?,
                    p.base("orders").has_value("gone")?,
                    p.base("orders").keys()?,
                ))
            })
            .unwrap();
        assert_eq!(
            seen,
            (r#"{"n":1}"#.to_string(), false, vec!["1".to_string()]),
            "{s}"
        );
        assert!(backend.read("orders", "1").unwrap().is_some(), "{s}");
        assert_eq!(backend.read("orders", "gone").unwrap(), None, "{s}");
        assert_eq!(
            backend.list_ids("data/notification/live").unwrap(),
            ["n1"],
            "{s}"
        );
    });
}

#[test]
fn a_batch_whose_closure_fails_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = open(file_backend(dir.path()));
    let err = p
        .batch(|p: &mut Persist| -> Result<(), Error> {
            p.base("orders").write_value("1", "{}")?;
            p.base("orders").write_value("2", "{not json")?;
            Ok(())
        })
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(
        files_under(dir.path()).is_empty(),
        "{:?}",
        files_under(dir.path())
    );
    // The next batch starts empty.
    p.batch(|p: &mut Persist| p.base("orders").write_value("3", "{}"))
        .unwrap();
    assert_eq!(p.base("orders").keys().unwrap(), ["3"]);
}
