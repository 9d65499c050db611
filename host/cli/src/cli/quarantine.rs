//! `persist quarantine ls|show|restore|purge`: the way back from the quarantine, on every
//! store the command is routed to. Entities and ids are given and shown as in `get` and `ls`.

use super::exit::OK;
use crate::cli::error::CliError;
use clap::Subcommand;
use persist_core::keys::{escape_entity, escape_id, printable, unescape, unescape_entity};
use persist_embed::error::Error;
use persist_embed::storage::{Backend, Quarantined, Routes};
use std::io::Write;
use std::sync::Arc;

/// What to do with the quarantine.
#[derive(Subcommand, Debug, Clone)]
pub enum QuarantineOp {
    /// List the quarantined documents: entity, id, when, size and why, oldest first.
    Ls {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a quarantined document's bytes as they were (stdout) and why it was moved
    /// (stderr); the newest when it was quarantined more than once.
    Show { entity: String, id: String },
    /// Put a quarantined document back, only if it now validates for its domain and no live
    /// document has its id; `--force` puts it back anyway.
    Restore {
        entity: String,
        id: String,
        #[arg(long)]
        force: bool,
    },
    /// Delete the quarantined documents older than DAYS for good.
    Purge {
        #[arg(long, value_name = "DAYS")]
        older_than: f64,
    },
}

/// A quarantined document and the store holding it.
pub struct Entry {
    /// The store holding it.
    pub store: Arc<dyn Backend>,
    /// The document, as the store lists it.
    pub doc: Quarantined,
}

impl Entry {
    /// The bytes as they were quarantined.
    fn bytes(&self) -> Result<Vec<u8>, Error> {
        self.store.quarantine_read(&self.doc)?.ok_or_else(|| {
            Error::NotFound(format!("{} left the quarantine meanwhile", self.name()))
        })
    }

    /// `entity:id` as the user knows them (unescaped).
    pub fn name(&self) -> String {
        format!(
            "{}:{}",
            unescape_entity(&self.doc.entity),
            unescape(&self.doc.id)
        )
    }
}

/// Every quarantined document of every store, oldest first.
pub fn entries(routes: &Routes) -> Result<Vec<Entry>, Error> {
    let mut all = Vec::new();
    for store in routes.stores() {
        for doc in store.quarantine_list()? {
            all.push(Entry {
                store: store.clone(),
                doc,
            });
        }
    }
    all.sort_by(|a, b| {
        (a.doc.at_ms, &a.doc.entity, &a.doc.id).cmp(&(b.doc.at_ms, &b.doc.entity, &b.doc.id))
    });
    Ok(all)
}

/// The newest quarantined version of ENTITY:ID.
fn newest(routes: &Routes, entity: &str, id: &str) -> Result<Entry, Error> {
    let bad = |e: persist_core::keys::KeyError| Error::InvalidKey(format!("{entity}:{id}: it {e}"));
    let (entity_key, id_key) = (
        escape_entity(entity).map_err(bad)?,
        escape_id(id).map_err(bad)?,
    );
    entries(routes)?
        .into_iter()
        .rfind(|e| e.doc.entity == entity_key && e.doc.id == id_key)
        .ok_or_else(|| {
            Error::NotFound(format!(
                "nothing of {}:{} is in the quarantine (`persist quarantine ls` lists it)",
                printable(entity),
                printable(id)
            ))
        })
}

/// Puts the newest quarantined version of ENTITY:ID back, only if it now validates for its
/// domain and no live document has its id (`force`: anyway). Says what was restored where.
pub fn restore(routes: &Routes, entity: &str, id: &str, force: bool) -> Result<String, Error> {
    let e = newest(routes, entity, id)?;
    let bytes = e.bytes()?;
    if !force && let Err(reason) = persist_core::document::validate(&e.doc.entity, &bytes) {
        return Err(Error::InvalidInput {
            path: printable(&e.name()),
            reason: format!(
                "still invalid ({reason}); fix it (`persist quarantine show` prints it, \
                 `persist put` stores the fix) or restore it as it is with --force"
            ),
        });
    }
    if !e.store.quarantine_restore(&e.doc, force)? {
        return Err(Error::InvalidInput {
            path: printable(&e.name()),
            reason: "a live document holds this id (or the quarantined one was taken \
                     meanwhile); --force replaces the live document"
                .into(),
        });
    }
    Ok(format!(
        "restored {} on {}",
        printable(&e.name()),
        e.store.url()
    ))
}

/// Runs `persist quarantine OP`; `Ok` carries the exit status.
pub fn run(routes: &Routes, op: &QuarantineOp, out: &mut impl Write) -> Result<u8, CliError> {
    match op {
        QuarantineOp::Ls { json } => {
            let all = entries(routes)?;
            if *json {
                let list: Vec<serde_json::Value> = all
                    .iter()
                    .map(|e| {
                        serde_json::json!({
                            "store": e.store.url(),
                            "entity": unescape_entity(&e.doc.entity),
                            "id": unescape(&e.doc.id),
                            "quarantinedAt": utc(e.doc.at_ms),
                            "size": e.doc.size,
                            "reason": e.doc.reason,
                        })
                    })
                    .collect();
                let text = serde_json::to_string_pretty(&list)
                    .map_err(|e| Error::Setup(format!("quarantine list JSON: {e}")))?;
                writeln!(out, "{text}")?;
            } else {
                for e in &all {
                    let line = format!(
                        "{}  {}  {} bytes  {}",
                        utc(e.doc.at_ms),
                        e.name(),
                        e.doc.size,
                        e.doc.reason
                    );
                    writeln!(out, "{}", printable(&line))?;
                }
            }
            Ok(OK)
        }
        QuarantineOp::Show { entity, id } => {
            let e = newest(routes, entity, id)?;
            let bytes = e.bytes()?;
            eprintln!(
                "{}",
                printable(&format!(
                    "{} on {}, quarantined {} ({} bytes): {}",
                    e.name(),
                    e.store.url(),
                    utc(e.doc.at_ms),
                    e.doc.size,
                    e.doc.reason
                ))
            );
            out.write_all(&bytes)?;
            Ok(OK)
        }
        QuarantineOp::Restore { entity, id, force } => {
            writeln!(out, "{}", restore(routes, entity, id, *force)?)?;
            Ok(OK)
        }
        QuarantineOp::Purge { older_than } => {
            if !older_than.is_finite() || *older_than < 0.0 {
                return Err(Error::Usage(format!(
                    "--older-than {older_than}: give a number of days, 0 or more"
                ))
                .into());
            }
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            let cutoff = now.saturating_sub((older_than * 86_400_000.0) as u64);
            let mut purged = 0;
            for e in entries(routes)?.iter().filter(|e| e.doc.at_ms < cutoff) {
                e.store.quarantine_purge(&e.doc).map_err(Error::from)?;
                purged += 1;
            }
            writeln!(
                out,
                "purged {purged} quarantined document(s) older than {older_than} day(s)"
            )?;
            Ok(OK)
        }
    }
}

/// Milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn utc(ms: u64) -> String {
    persist_core::time::UtcTime::from_ms(i64::try_from(ms).unwrap_or(i64::MAX)).iso()
}
