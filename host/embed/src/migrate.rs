//! `persist migrate`: copies every document from one store to another, bucket by bucket, in
//! batches of up to 1,000 documents of one entity, so memory stays bounded. Each batch is read
//! from the source, validated through the guest (on a second thread, while the batch before
//! it is written), and its valid documents written into the target by `write_many_changed`:
//! one statement on PostgreSQL, one MULTI/EXEC on Redis, one round of fsyncs on files. An
//! invalid document is reported and not copied. A document the target holds with the same
//! bytes counts as unchanged (on files and PostgreSQL it is not written at all), so a second
//! run changes nothing. With `verify`, nothing is copied: source and target are compared
//! document by document.

use crate::bindings::Finding;
use crate::error::Error;
use crate::runtime::Runtime;
use crate::storage::memory::MemoryStore;
use crate::storage::routes::bucket_names;
use crate::storage::{Backend, Document, Routes, StorageError};
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
        // Validation through the guest, changing nothing.
        let check = runtime
            .open_routed(Routes::single(from.clone()))?
            .check(true)?;
        let invalid: HashSet<(String, String)> = check
            .findings
            .iter()
            .map(|f| (f.entity.clone(), f.id.clone()))
            .collect();
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
    // In batches of one entity's documents: each read from the source, validated through
    // the guest on a second thread while the batch before it is written to the target.
    let mut bounds = Vec::new();
    let mut start = 0;
    while start < work.len() {
        let entity = &work[start].1;
        let end = (start..work.len())
            .take(BATCH)
            .take_while(|&i| work[i].1 == *entity)
            .last()
            .map_or(start + 1, |i| i + 1);
        bounds.push((start, end));
        start = end;
    }
    std::thread::scope(|scope| -> Result<(), Error> {
        let (to_check, checking) = std::sync::mpsc::sync_channel::<Vec<Document>>(1);
        let (checked_tx, checked) = std::sync::mpsc::sync_channel::<Checked>(1);
        scope.spawn(move || {
            // One guest instance for every batch, on a memory store that holds one at a time.
            let window = Arc::new(MemoryStore::default());
            let mut guest = match runtime.open(window.clone()) {
                Ok(guest) => guest,
                Err(e) => {
                    let _ = checked_tx.send(Err(e));
                    return;
                }
            };
            for batch in checking {
                let result =
                    validate(&mut guest, &window, &batch).map(|findings| (batch, findings));
                if checked_tx.send(result).is_err() {
                    break;
                }
            }
        });
        let mut in_flight = 0;
        for &(start, end) in &bounds {
            let entity = &work[start].1;
            let ids: Vec<String> = work[start..end].iter().map(|w| w.2.clone()).collect();
            let mut batch = Vec::with_capacity(ids.len());
            let read = read_source(&from, entity, &work[start..end], &mut report)?;
            for (id, bytes) in ids.into_iter().zip(read) {
                // Removed since it was listed, or unreadable: skipped.
                match bytes {
                    Some(bytes) => batch.push((entity.clone(), id, bytes)),
                    None => progress(Progress::Done),
                }
            }
            if to_check.send(batch).is_err() {
                break;
            }
            in_flight += 1;
            if in_flight == 2 {
                write_checked(&to, &checked, &mut report, progress)?;
                in_flight -= 1;
            }
        }
        drop(to_check);
        for _ in 0..in_flight {
            write_checked(&to, &checked, &mut report, progress)?;
        }
        Ok(())
    })?;
    Ok(report)
}

/// The source's documents of one batch (one entity): `None` for one removed since it was
/// listed. One the store cannot read (a name it refuses, a file that is not a document) is
/// reported as invalid and skipped (`None`), as the check reports it.
fn read_source(
    from: &Arc<dyn Backend>,
    entity: &str,
    work: &[(&str, String, String)],
    report: &mut MigrateReport,
) -> Result<Vec<Option<Vec<u8>>>, Error> {
    let ids: Vec<String> = work.iter().map(|w| w.2.clone()).collect();
    match from.read_many(entity, &ids) {
        Ok(values) => Ok(values),
        Err(e @ StorageError::Unavailable(_)) => Err(e.into()),
        Err(_) => ids
            .iter()
            .map(|id| match from.read(entity, id) {
                Ok(bytes) => Ok(bytes),
                Err(e @ StorageError::Unavailable(_)) => Err(e.into()),
                Err(e) => {
                    report.invalid.push((
                        unescape_entity(entity),
                        unescape(id),
                        format!("cannot be read: {e}; left in place"),
                    ));
                    Ok(None)
                }
            })
            .collect(),
    }
}

/// A batch as validated: its documents and the guest's findings among them.
type Checked = Result<(Vec<Document>, Vec<Finding>), Error>;

/// Validates a batch through the guest, changing nothing: its findings. `window` is the
/// guest's store, empty before and after.
fn validate(
    guest: &mut crate::session::Persist,
    window: &MemoryStore,
    batch: &[Document],
) -> Result<Vec<Finding>, Error> {
    window.write_many(batch)?;
    let findings = guest.check(true).map(|report| report.findings);
    let keys: Vec<(String, String)> = batch
        .iter()
        .map(|(e, id, _)| (e.clone(), id.clone()))
        .collect();
    window.remove_many(&keys)?;
    findings
}

/// Writes the next validated batch: its valid documents that differ in the target.
fn write_checked(
    to: &Arc<dyn Backend>,
    checked: &std::sync::mpsc::Receiver<Checked>,
    report: &mut MigrateReport,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
    let (batch, findings) = checked
        .recv()
        .map_err(|_| Error::Guest("the validation of a batch stopped".into()))??;
    let mut valid = Vec::with_capacity(batch.len());
    for doc in batch {
        let shown = (unescape_entity(&doc.0), unescape(&doc.1));
        match findings
            .iter()
            .find(|f| f.entity == shown.0 && f.id == shown.1)
        {
            Some(f) => {
                report.invalid.push((shown.0, shown.1, f.reason.clone()));
                progress(Progress::Done);
            }
            None => valid.push(doc),
        }
    }
    for written in to.write_many_changed(&valid)? {
        if written {
            report.copied += 1;
        } else {
            report.unchanged += 1;
        }
        progress(Progress::Done);
    }
    Ok(())
}

/// What `migrate` reports as it goes.
pub enum Progress {
    /// How many documents there are to copy or compare.
    Total(u64),
    /// One more document done.
    Done,
}
