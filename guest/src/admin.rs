//! The whole-store check: every document of every entity, domain by domain, then the
//! caller's own `persist-base` entities.

use crate::Component;
use crate::backtest::persist::storage::{Bucket, StorageError};
use crate::buckets::{self, bucket};
use crate::errors::storage_failure;
use crate::exports::backtest::persist::admin::Guest;
use crate::exports::backtest::persist::types::{CheckReport, Finding, PersistError};
use crate::scan::{empty_report, scan_entity};
use persist_core::domain::Domain;
use persist_core::keys::unescape_entity;

fn entities(b: &Bucket, name: &str, prefix: &str) -> Result<Vec<String>, PersistError> {
    let mut entities = b
        .entities(prefix)
        .map_err(|e| storage_failure(format!("Failed to list the entities of bucket {name}"), e))?;
    entities.sort();
    Ok(entities)
}

/// Checks one entity. One that cannot be listed (a name the store refuses, a folder it cannot
/// read) is a finding and the check goes on; only an unavailable store stops it.
fn check_entity(
    b: &Bucket,
    name: &str,
    entity: &str,
    dry_run: bool,
    report: &mut CheckReport,
) -> Result<(), PersistError> {
    match scan_entity(b, name, entity, dry_run, report) {
        Ok(()) => Ok(()),
        Err(PersistError::Storage(f)) if matches!(f.error, StorageError::Unavailable(_)) => {
            Err(PersistError::Storage(f))
        }
        Err(e) => {
            let why = match e {
                PersistError::NotFound(m)
                | PersistError::InvalidKey(m)
                | PersistError::Corrupt(m) => m,
                PersistError::InvalidInput(f) => format!("{}: {}", f.path, f.reason),
                PersistError::Storage(f) => f.message,
            };
            report.findings.push(Finding {
                bucket: name.to_string(),
                entity: unescape_entity(entity),
                id: String::new(),
                reason: format!("the entity cannot be listed: {why}; left in place"),
                quarantined: false,
            });
            Ok(())
        }
    }
}

impl Guest for Component {
    fn check(dry_run: bool) -> Result<CheckReport, PersistError> {
        let mut report = empty_report();
        for domain in Domain::ALL {
            let name = domain.name();
            let b = bucket(name)?;
            for entity in entities(&b, name, domain.folder())? {
                check_entity(&b, name, &entity, dry_run, &mut report)?;
            }
        }
        // The base bucket: entities outside every domain (those inside were checked above).
        let b = bucket(buckets::BASE)?;
        for entity in entities(&b, buckets::BASE, "")? {
            if Domain::of(&entity).is_none() {
                check_entity(&b, buckets::BASE, &entity, dry_run, &mut report)?;
            }
        }
        Ok(report)
    }
}
