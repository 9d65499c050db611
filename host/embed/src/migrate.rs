//! `persist migrate`: copies every document from one store to another, bucket by bucket.
//! Each document is validated through the guest first (a whole-store check that changes
//! nothing); an invalid one is reported and not copied. A document already in the target
//! with the same bytes is left alone, so a second run changes nothing. Documents are copied
//! in batches of up to 1,000 of one entity: one read of each store and one `write_many` per
//! batch (one transaction on PostgreSQL, one MULTI/EXEC on Redis, one round of fsyncs on
//! files), so memory stays bounded. With `verify`,
//! nothing is copied: source and target are compared document by document.

use crate::error::Error;
use crate::runtime::Runtime;
use crate::storage::routes::bucket_names;
use crate::storage::{Backend, Routes, StorageError};
use persist_core::domain::Domain;
use persist_core::keys::{unescape, unescape_entity};
use std::collections::HashSet;
use std::sync::Arc;

/// Most documents read and written as one batch.
pub const BATCH: usize = 1000;

/// What a migration did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MigrateReport {
    /// Written to the target.
    pub copied: u64,
    /// Already in the target with the same bytes.
    pub unchanged: u64,
    /// Invalid in the source: (entity, id, reason), not copied.
    pub invalid: Vec<(String, String, String)>,
    /// With verify: (entity, id, what differs).
    pub differences: Vec<(String, String, String)>,
}

/// The entity paths of a bucket in a store: a domain's folder, or for `base` everything
/// outside the domains' folders.
fn entities(store: &Arc<dyn Backend>, bucket: &str) -> Result<Vec<String>, StorageError> {
    let mut found = match Domain::ALL.iter().find(|d| d.name() == bucket) {
        Some(domain) => store.entities(domain.folder())?,
        None => store
            .entities("")?
            .into_iter()
            .filter(|e| Domain::of(e).is_none())
            .collect(),
    };
    found.sort();
    Ok(found)
}

/// Copies `buckets` (all when empty) from `from` to `to`; `progress` is told the number of
/// documents first, then each one done.
pub fn migrate(
    runtime: &Runtime,
    from: Arc<dyn Backend>,
    to: Arc<dyn Backend>,
    buckets: &[String],
    verify: bool,
    progress: &mut dyn FnMut(Progress),
) -> Result<MigrateReport, Error> {
    let all = bucket_names();
    for b in buckets {
        if !all.contains(&b.as_str()) {
            return Err(Error::Usage(format!(
                "unknown bucket {b:?}; the buckets are {}",
                all.join(", ")
            )));
        }
    }
    let chosen: Vec<&str> = if buckets.is_empty() {
        all
    } else {
        all.into_iter()
            .filter(|b| buckets.iter().any(|x| x == b))
            .collect()
    };

    // Validation through the guest, changing nothing.
    let check = runtime
        .open_routed(Routes::single(from.clone()))?
        .check(true)?;
    let invalid: HashSet<(String, String)> = check
        .findings
        .iter()
        .map(|f| (f.entity.clone(), f.id.clone()))
        .collect();

    let mut work = Vec::new();
    for bucket in chosen {
        for entity in entities(&from, bucket)? {
            for id in from.list_ids(&entity)? {
                work.push((bucket, entity.clone(), id));
            }
        }
    }
    progress(Progress::Total(work.len() as u64));
    let mut report = MigrateReport::default();
    if verify {
        for (_bucket, entity, id) in &work {
            let shown = (unescape_entity(entity), unescape(id));
            progress(Progress::Done);
            if invalid.contains(&shown) {
                if let Some(f) = check
                    .findings
                    .iter()
                    .find(|f| f.entity == shown.0 && f.id == shown.1)
                {
                    report.invalid.push((shown.0, shown.1, f.reason.clone()));
                }
                continue;
            }
            let source = from.read(entity, id)?;
            let target = to.read(entity, id)?;
            let what = match (&source, &target) {
                (Some(a), Some(b)) if a == b => {
                    report.unchanged += 1;
                    continue;
                }
                (None, _) => continue,
                (Some(_), None) => "missing in the target",
                (Some(_), Some(_)) => "different bytes in the target",
            };
            report
                .differences
                .push((shown.0, shown.1, what.to_string()));
        }
        return Ok(report);
    }
    // In batches of one entity's documents: one read of each side and one write per batch,
    // so memory stays bounded and each batch is one transaction / pipeline on the target.
    let mut start = 0;
    while start < work.len() {
        let entity = &work[start].1;
        let end = (start..work.len())
            .take(BATCH)
            .take_while(|&i| work[i].1 == *entity)
            .last()
            .map_or(start + 1, |i| i + 1);
        let mut ids = Vec::with_capacity(end - start);
        for (_bucket, _entity, id) in &work[start..end] {
            let shown = (unescape_entity(entity), unescape(id));
            if invalid.contains(&shown)
                && let Some(f) = check
                    .findings
                    .iter()
                    .find(|f| f.entity == shown.0 && f.id == shown.1)
            {
                report
                    .invalid
                    .push((shown.0.clone(), shown.1.clone(), f.reason.clone()));
                progress(Progress::Done);
                continue;
            }
            ids.push(id.clone());
        }
        let valid = ids.len();
        let source = from.read_many(entity, &ids)?;
        let target = to.read_many(entity, &ids)?;
        let mut batch = Vec::new();
        for ((id, source), target) in ids.into_iter().zip(source).zip(target) {
            match source {
                // Removed since it was listed.
                None => {}
                Some(bytes) if target.as_deref() == Some(bytes.as_slice()) => report.unchanged += 1,
                Some(bytes) => batch.push((entity.clone(), id, bytes)),
            }
        }
        to.write_many(&batch)?;
        report.copied += batch.len() as u64;
        for _ in 0..valid {
            progress(Progress::Done);
        }
        start = end;
    }
    Ok(report)
}

/// What `migrate` reports as it goes.
pub enum Progress {
    /// How many documents there are to copy or compare.
    Total(u64),
    /// One more document done.
    Done,
}
