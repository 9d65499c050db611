//! The validation pass over an entity's documents, shared by `wait-for-init` and the
//! whole-store check: read each document, validate it, and quarantine the bad ones.

use crate::backtest::persist::storage::{Bucket, StorageError};
use crate::errors::{describe, storage_failure};
use crate::exports::backtest::persist::types::{CheckReport, Finding, PersistError};
use persist_core::document::validate;
use persist_core::keys::{unescape, unescape_entity};

/// Tells the host, through `diagnostics.warn`, of each document an init found invalid, so
/// that a quarantine is never silent: one line each, `invalid document <entity>:<id> moved to
/// the quarantine: <reason>` (or `left in place`).
pub fn warn_findings(report: &CheckReport) {
    for f in &report.findings {
        let action = if f.quarantined {
            "moved to the quarantine"
        } else {
            "left in place"
        };
        crate::backtest::persist::diagnostics::warn(&format!(
            "invalid document {}:{} {action}: {}",
            f.entity, f.id, f.reason
        ));
    }
}

pub fn empty_report() -> CheckReport {
    CheckReport {
        checked: 0,
        valid: 0,
        findings: Vec::new(),
    }
}

/// Validates every document of `entity` (an escaped entity path) into `report`.
/// `dry_run` reports without quarantining. Fails only when storage fails.
pub fn scan_entity(
    bucket: &Bucket,
    bucket_name: &str,
    entity: &str,
    dry_run: bool,
    report: &mut CheckReport,
) -> Result<(), PersistError> {
    let shown_entity = unescape_entity(entity);
    let ids = bucket
        .list_ids(entity)
        .map_err(|e| storage_failure(format!("Failed to read keys for {shown_entity}"), e))?;
    for chunk in ids.chunks(SCAN_BATCH) {
        let found: Vec<Result<Option<Vec<u8>>, StorageError>> =
            match bucket.read_many(entity, chunk) {
                Ok(values) => values.into_iter().map(Ok).collect(),
                Err(e @ StorageError::Unavailable(_)) => {
                    return Err(storage_failure(
                        format!("Failed to read entities of {shown_entity}"),
                        e,
                    ));
                }
                // One document the store cannot read fails the whole read: read them one by one
                // to tell which, and check the others.
                Err(_) => chunk.iter().map(|id| bucket.read(entity, id)).collect(),
            };
        for (id, read) in chunk.iter().zip(found) {
            scan_document(bucket, bucket_name, entity, id, read, dry_run, report)?;
        }
    }
    Ok(())
}

/// Documents read in one storage call during a scan.
const SCAN_BATCH: usize = 256;

/// Checks one document of a scan, given what reading it gave.
fn scan_document(
    bucket: &Bucket,
    bucket_name: &str,
    entity: &str,
    id: &str,
    read: Result<Option<Vec<u8>>, StorageError>,
    dry_run: bool,
    report: &mut CheckReport,
) -> Result<(), PersistError> {
    let shown_entity = unescape_entity(entity);
    let shown_id = unescape(id);
    {
        let bytes = match read {
            Ok(Some(bytes)) => bytes,
            // Removed since it was listed: nothing to check.
            Ok(None) => return Ok(()),
            // The cap is this process's setting, not a fault of the document: report it,
            // never move it.
            Err(StorageError::TooLarge(cap)) => {
                report.checked += 1;
                report.findings.push(Finding {
                    bucket: bucket_name.to_string(),
                    entity: shown_entity.clone(),
                    id: shown_id,
                    reason: format!(
                        "larger than this process's cap of {cap} bytes, so not validated; left \
                         in place (raise --max-document-bytes to check it)"
                    ),
                    quarantined: false,
                });
                return Ok(());
            }
            // The store is down: nothing more can be checked now.
            Err(e @ StorageError::Unavailable(_)) => {
                return Err(storage_failure(
                    format!("Failed to read entity {shown_entity}:{shown_id}"),
                    e,
                ));
            }
            // One entry this store cannot read (a name it refuses, a file that is not a
            // document, no permission) is a finding; the others are still checked.
            Err(e) => {
                report.checked += 1;
                report.findings.push(Finding {
                    bucket: bucket_name.to_string(),
                    entity: shown_entity.clone(),
                    id: shown_id,
                    reason: format!("cannot be read: {}; left in place", describe(&e)),
                    quarantined: false,
                });
                return Ok(());
            }
        };
        report.checked += 1;
        match validate(entity, &bytes) {
            Ok(()) => report.valid += 1,
            Err(reason) => report.findings.push(quarantine(
                bucket,
                bucket_name,
                entity,
                id,
                &bytes,
                reason,
                dry_run,
            )),
        }
    }
    Ok(())
}

/// Moves the judged bytes to the quarantine; a document a writer replaced since stays.
fn quarantine(
    bucket: &Bucket,
    bucket_name: &str,
    entity: &str,
    id: &str,
    judged: &[u8],
    reason: String,
    dry_run: bool,
) -> Finding {
    let mut finding = Finding {
        bucket: bucket_name.to_string(),
        entity: unescape_entity(entity),
        id: unescape(id),
        reason,
        quarantined: false,
    };
    if !dry_run {
        match bucket.quarantine(entity, id, judged, &finding.reason) {
            Ok(true) => finding.quarantined = true,
            Ok(false) => {
                finding.reason = format!(
                    "{}; it changed while being checked, so it was left in place (check again)",
                    finding.reason
                )
            }
            Err(e) => {
                finding.reason = format!(
                    "{}; moving it to the quarantine failed: {}",
                    finding.reason,
                    describe(&e)
                )
            }
        }
    }
    finding
}
