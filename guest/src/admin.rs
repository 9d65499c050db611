//! The whole-store check: every document of every entity, domain by domain, then the
//! caller's own `persist-base` entities.

use crate::Component;
use crate::backtest::persist::storage::Bucket;
use crate::buckets::{self, bucket};
use crate::errors::storage_failure;
use crate::exports::backtest::persist::admin::Guest;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use crate::scan::{empty_report, scan_entity};
use persist_core::domain::Domain;

fn entities(b: &Bucket, name: &str, prefix: &str) -> Result<Vec<String>, PersistError> {
    let mut entities = b
        .entities(prefix)
        .map_err(|e| storage_failure(format!("Failed to list the entities of bucket {name}"), e))?;
    entities.sort();
    Ok(entities)
}

impl Guest for Component {
    fn check(dry_run: bool) -> Result<CheckReport, PersistError> {
        let mut report = empty_report();
        for domain in Domain::ALL {
            let name = domain.name();
            let b = bucket(name)?;
            for entity in entities(&b, name, domain.folder())? {
                scan_entity(&b, name, &entity, dry_run, &mut report)?;
            }
        }
        // The base bucket: entities outside every domain (those inside were checked above).
        let b = bucket(buckets::BASE)?;
        for entity in entities(&b, buckets::BASE, "")? {
            if Domain::of(&entity).is_none() {
                scan_entity(&b, buckets::BASE, &entity, dry_run, &mut report)?;
            }
        }
        Ok(report)
    }
}
