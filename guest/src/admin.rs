//! The whole-store check: every document of every entity of every bucket.

use crate::Component;
use crate::buckets::{self, bucket};
use crate::errors::storage_failure;
use crate::exports::backtest::persist::admin::Guest;
use crate::exports::backtest::persist::types::{CheckReport, PersistError};
use crate::scan::{empty_report, scan_entity};

impl Guest for Component {
    fn check(dry_run: bool) -> Result<CheckReport, PersistError> {
        let mut report = empty_report();
        for &name in buckets::ALL {
            let b = bucket(name)?;
            let mut entities = b.entities("").map_err(|e| {
                storage_failure(format!("Failed to list the entities of bucket {name}"), e)
            })?;
            entities.sort();
            for entity in entities {
                scan_entity(&b, name, &entity, dry_run, &mut report)?;
            }
        }
        Ok(report)
    }
}
