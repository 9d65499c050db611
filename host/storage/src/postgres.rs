//! `postgres://`: one row per document in a table with primary key (entity, id), the bytes
//! stored exactly, and `updated_at`. Write = `INSERT … ON CONFLICT DO UPDATE`, batches = one
//! such statement over `unnest` of arrays (all or nothing), compare-and-swap = `UPDATE …
//! WHERE sha256(value) = expected`,
//! write-if-absent = `ON CONFLICT DO NOTHING` and the row count, quarantine = the row moved to
//! `<table>_quarantine` with its reason in one statement, only while it holds the judged bytes. A view `<table>_json` shows the
//! documents as jsonb for SQL queries. The tables are created when missing; the connection is
//! opened on first use and again after any failure.

use super::url::{PostgresUrl, redacted};
use super::{Backend, Document, Quarantined, StorageError, SwapOutcome, version_of};
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(3);

/// The quoted names of a store's table, quarantine and view, and its advisory lock key.
struct Names {
    t: String,
    q: String,
    v: String,
    lock: i64,
}

/// `postgres://`: one row per document, connected on first use and again after a failure.
pub struct PostgresStore {
    config: postgres::Config,
    url: PostgresUrl,
    conn: Mutex<Option<Conn>>,
}

/// A connection with its statements prepared once, so that each call is one round trip.
struct Conn {
    client: postgres::Client,
    read: postgres::Statement,
    write: postgres::Statement,
    write_if_absent: postgres::Statement,
    remove: postgres::Statement,
    list_ids: postgres::Statement,
    entities: postgres::Statement,
    quarantine: postgres::Statement,
    read_many: postgres::Statement,
    write_many: postgres::Statement,
    remove_many: postgres::Statement,
    write_many_changed: postgres::Statement,
    swap: postgres::Statement,
}

impl PostgresStore {
    /// The store of `url`; nothing is connected until the first call.
    pub fn open(url: &PostgresUrl) -> Result<PostgresStore, StorageError> {
        let mut config = postgres::Config::from_str(&url.server)
            .map_err(|e| StorageError::Io(format!("{}: {e}", redacted(&url.server))))?;
        if config.get_password().is_none()
            && let Ok(password) = std::env::var("PGPASSWORD")
        {
            config.password(password);
        }
        config.connect_timeout(TIMEOUT);
        Ok(PostgresStore {
            config,
            url: url.clone(),
            conn: Mutex::new(None),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Option<Conn>> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn connect(&self) -> Result<Conn, postgres::Error> {
        let mut client = self.config.connect(postgres::NoTls)?;
        let Names { t, q, v, lock } = self.names();
        // The schema is made only when missing, so a role that may only read can still read,
        // and under an advisory lock, so writers starting together do not race to create it.
        let missing: bool = client
            .query_one(
                "SELECT to_regclass($1) IS NULL OR to_regclass($2) IS NULL OR to_regclass($3) IS NULL",
                &[&t, &q, &v],
            )?
            .get(0);
        if missing {
            client.execute("SELECT pg_advisory_lock($1)", &[&lock])?;
            let made = client.batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {t} (
                    entity text NOT NULL,
                    id text NOT NULL,
                    value bytea NOT NULL,
                    updated_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (entity, id));
                 CREATE TABLE IF NOT EXISTS {q} (
                    entity text NOT NULL,
                    id text NOT NULL,
                    value bytea NOT NULL,
                    reason text NOT NULL,
                    quarantined_at timestamptz NOT NULL DEFAULT now());
                 CREATE OR REPLACE VIEW {v} AS
                    SELECT entity, id, convert_from(value, 'UTF8')::json AS document, updated_at
                    FROM {t};"
            ));
            client.execute("SELECT pg_advisory_unlock($1)", &[&lock])?;
            made?;
        }
        // Views made by 0.1 show documents as jsonb, which a stored \u0000 breaks for every
        // SELECT: they become json. A role that may not change the view keeps reading the table.
        let old_view: bool = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1)
                   AND attname = 'document' AND atttypid = 'jsonb'::regtype)",
                &[&v],
            )?
            .get(0);
        if old_view {
            client.execute("SELECT pg_advisory_lock($1)", &[&lock])?;
            let replaced = client.batch_execute(&format!(
                "BEGIN;
                 DROP VIEW IF EXISTS {v};
                 CREATE VIEW {v} AS
                    SELECT entity, id, convert_from(value, 'UTF8')::json AS document, updated_at
                    FROM {t};
                 COMMIT;"
            ));
            if let Err(e) = replaced {
                let _ = client.batch_execute("ROLLBACK");
                tracing::warn!(
                    "postgres table {t}: the view {v} still shows jsonb, which a stored \\u0000 \
                     breaks ({}); a role that may change it will on its next connection",
                    self.error(&e, false)
                );
            }
            client.execute("SELECT pg_advisory_unlock($1)", &[&lock])?;
        }
        Ok(Conn {
            read: client.prepare(&format!(
                "SELECT value FROM {t} WHERE entity = $1 AND id = $2"
            ))?,
            write: client.prepare(&format!(
                "INSERT INTO {t} (entity, id, value) VALUES ($1, $2, $3)
                 ON CONFLICT (entity, id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()"
            ))?,
            write_if_absent: client.prepare(&format!(
                "INSERT INTO {t} (entity, id, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
            ))?,
            remove: client.prepare(&format!("DELETE FROM {t} WHERE entity = $1 AND id = $2"))?,
            list_ids: client
                .prepare(&format!("SELECT id FROM {t} WHERE entity = $1 ORDER BY id"))?,
            entities: client.prepare(&format!(
                "SELECT DISTINCT entity FROM {t} WHERE starts_with(entity, $1) ORDER BY entity"
            ))?,
            quarantine: client.prepare(&format!(
                "WITH moved AS (DELETE FROM {t} WHERE entity = $1 AND id = $2 AND value = $3
                                RETURNING entity, id, value)
                 INSERT INTO {q} (entity, id, value, reason)
                 SELECT entity, id, value, $4 FROM moved"
            ))?,
            read_many: client.prepare(&format!(
                "SELECT id, value FROM {t} WHERE entity = $1 AND id = ANY($2)"
            ))?,
            write_many: client.prepare(&format!(
                "INSERT INTO {t} (entity, id, value)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])
                 ON CONFLICT (entity, id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()"
            ))?,
            // The upsert skips rows that already hold the bytes; RETURNING names the others.
            write_many_changed: client.prepare(&format!(
                "INSERT INTO {t} AS t (entity, id, value)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])
                 ON CONFLICT (entity, id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
                 WHERE t.value IS DISTINCT FROM EXCLUDED.value
                 RETURNING entity, id"
            ))?,
            remove_many: client.prepare(&format!(
                "DELETE FROM {t} WHERE (entity, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))"
            ))?,
            // Under READ COMMITTED an UPDATE re-checks its WHERE on the newest version of a
            // row another transaction changed meanwhile, so two swaps from one version
            // cannot both succeed.
            swap: client.prepare(&format!(
                "UPDATE {t} SET value = $3, updated_at = now()
                 WHERE entity = $1 AND id = $2 AND sha256(value) = $4"
            ))?,
            client,
        })
    }

    /// The table, its quarantine and its view as quoted SQL identifiers (a table named `user`
    /// or `order` works), and the advisory lock that guards their creation.
    fn names(&self) -> Names {
        // Unquoted names were folded to lower case: quoting the lower-case name keeps using
        // the tables that earlier versions created.
        let base = self.url.table.to_lowercase();
        let lock = base.bytes().fold(0x5045_5253_4953_5400_i64, |h, b| {
            h.wrapping_mul(31).wrapping_add(i64::from(b))
        });
        Names {
            t: format!("\"{base}\""),
            q: format!("\"{base}_quarantine\""),
            v: format!("\"{base}_json\""),
            lock,
        }
    }

    /// Runs `f` on the connection, connecting first if needed; a failure on a broken
    /// connection drops it, so the next call reconnects.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, postgres::Error>,
    ) -> Result<T, StorageError> {
        let mut slot = self.lock();
        if slot.is_none() {
            // Only a failure to reach the server is worth retrying; an answer of the server
            // (authentication, permission, syntax) stays the same until someone changes it.
            *slot = Some(
                self.connect()
                    .map_err(|e| self.error(&e, e.as_db_error().is_none()))?,
            );
        }
        let conn = slot
            .as_mut()
            .ok_or_else(|| StorageError::Io("no connection".into()))?;
        match f(conn) {
            Ok(v) => Ok(v),
            Err(e) => {
                let broken = conn.client.is_closed() || e.as_db_error().is_none();
                if broken {
                    *slot = None;
                }
                Err(self.error(&e, broken))
            }
        }
    }

    fn error(&self, e: &postgres::Error, unavailable: bool) -> StorageError {
        let at = format!("{}?table={}", redacted(&self.url.server), self.url.table);
        let words = match e.as_db_error() {
            Some(db) => format!("{}: {}", db.severity(), db.message()),
            None => match std::error::Error::source(e) {
                Some(cause) => format!("{e}: {cause}"),
                None => e.to_string(),
            },
        };
        if unavailable {
            StorageError::Unavailable(format!(
                "postgres at {at}: {words}; check that the server is running and reachable"
            ))
        } else {
            StorageError::Io(format!("postgres at {at}: {words}"))
        }
    }
}

impl Backend for PostgresStore {
    fn url(&self) -> String {
        super::StoreUrl::Postgres(self.url.clone()).to_string()
    }

    fn read(&self, entity: &str, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        self.with(|c| {
            Ok(c.client
                .query_opt(&c.read, &[&entity, &id])?
                .map(|row| row.get(0)))
        })
    }

    fn write(&self, entity: &str, id: &str, value: &[u8]) -> Result<(), StorageError> {
        self.with(|c| {
            c.client
                .execute(&c.write, &[&entity, &id, &value])
                .map(drop)
        })
    }

    fn write_if_absent(&self, entity: &str, id: &str, value: &[u8]) -> Result<bool, StorageError> {
        self.with(|c| {
            c.client
                .execute(&c.write_if_absent, &[&entity, &id, &value])
                .map(|n| n == 1)
        })
    }

    fn remove(&self, entity: &str, id: &str) -> Result<(), StorageError> {
        self.with(|c| c.client.execute(&c.remove, &[&entity, &id]).map(drop))
    }

    fn read_many(
        &self,
        entity: &str,
        ids: &[String],
    ) -> Result<Vec<Option<Vec<u8>>>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self.with(|c| c.client.query(&c.read_many, &[&entity, &ids]))?;
        let found: std::collections::HashMap<String, Vec<u8>> = rows
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, Vec<u8>>(1)))
            .collect();
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
    }

    fn write_many(&self, documents: &[Document]) -> Result<(), StorageError> {
        if documents.is_empty() {
            return Ok(());
        }
        // One statement may not change a row twice: the last item for a document wins, as
        // if the batch were written in order.
        let mut last = std::collections::HashMap::with_capacity(documents.len());
        for (i, (entity, id, _)) in documents.iter().enumerate() {
            last.insert((entity.as_str(), id.as_str()), i);
        }
        let (mut entities, mut ids, mut values) = (Vec::new(), Vec::new(), Vec::new());
        for (i, (entity, id, value)) in documents.iter().enumerate() {
            if last.get(&(entity.as_str(), id.as_str())) == Some(&i) {
                entities.push(entity.as_str());
                ids.push(id.as_str());
                values.push(value.as_slice());
            }
        }
        self.with(|c| {
            c.client
                .execute(&c.write_many, &[&entities, &ids, &values])
                .map(drop)
        })
    }

    fn write_many_changed(&self, documents: &[Document]) -> Result<Vec<bool>, StorageError> {
        if documents.is_empty() {
            return Ok(Vec::new());
        }
        // One statement may not change a row twice: the last item for a document is the one
        // written, an earlier one counts as not written.
        let mut last = std::collections::HashMap::with_capacity(documents.len());
        for (i, (entity, id, _)) in documents.iter().enumerate() {
            last.insert((entity.as_str(), id.as_str()), i);
        }
        let kept: Vec<&Document> = documents
            .iter()
            .enumerate()
            .filter(|(i, (e, id, _))| last.get(&(e.as_str(), id.as_str())) == Some(i))
            .map(|(_, d)| d)
            .collect();
        let entities: Vec<&str> = kept.iter().map(|(e, _, _)| e.as_str()).collect();
        let ids: Vec<&str> = kept.iter().map(|(_, id, _)| id.as_str()).collect();
        let values: Vec<&[u8]> = kept.iter().map(|(_, _, v)| v.as_slice()).collect();
        let rows = self.with(|c| {
            c.client
                .query(&c.write_many_changed, &[&entities, &ids, &values])
        })?;
        let written: std::collections::HashSet<(String, String)> = rows
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1)))
            .collect();
        Ok(documents
            .iter()
            .enumerate()
            .map(|(i, (e, id, _))| {
                last.get(&(e.as_str(), id.as_str())) == Some(&i)
                    && written.contains(&(e.clone(), id.clone()))
            })
            .collect())
    }

    fn remove_many(&self, keys: &[(String, String)]) -> Result<(), StorageError> {
        if keys.is_empty() {
            return Ok(());
        }
        let entities: Vec<&str> = keys.iter().map(|(e, _)| e.as_str()).collect();
        let ids: Vec<&str> = keys.iter().map(|(_, id)| id.as_str()).collect();
        self.with(|c| {
            c.client
                .execute(&c.remove_many, &[&entities, &ids])
                .map(drop)
        })
    }

    fn write_if_version(
        &self,
        entity: &str,
        id: &str,
        expected: Option<&str>,
        value: &[u8],
    ) -> Result<SwapOutcome, StorageError> {
        loop {
            let changed = match expected {
                Some(version) => {
                    // A version that is not 64 hex digits matches no document.
                    let Some(digest) = hex_digest(version) else {
                        return Ok(SwapOutcome::Stale(self.read_versioned(entity, id)?));
                    };
                    self.with(|c| c.client.execute(&c.swap, &[&entity, &id, &value, &digest]))?
                }
                None => self.with(|c| {
                    c.client
                        .execute(&c.write_if_absent, &[&entity, &id, &value])
                })?,
            };
            if changed == 1 {
                return Ok(SwapOutcome::Swapped(version_of(value)));
            }
            let current = self.read_versioned(entity, id)?;
            // Changed back to the expected version since the UPDATE looked: compare again.
            if current.as_ref().map(|c| c.version.as_str()) != expected {
                return Ok(SwapOutcome::Stale(current));
            }
        }
    }

    fn list_ids(&self, entity: &str) -> Result<Vec<String>, StorageError> {
        self.with(|c| {
            Ok(c.client
                .query(&c.list_ids, &[&entity])?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
    }

    fn entities(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        self.with(|c| {
            Ok(c.client
                .query(&c.entities, &[&prefix])?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
    }

    fn quarantine(
        &self,
        entity: &str,
        id: &str,
        judged: &[u8],
        reason: &str,
    ) -> Result<bool, StorageError> {
        // The row moves only while it still holds the judged bytes, in one statement.
        self.with(|c| {
            c.client
                .execute(&c.quarantine, &[&entity, &id, &judged, &reason])
                .map(|moved| moved == 1)
        })
    }

    fn quarantine_list(&self) -> Result<Vec<Quarantined>, StorageError> {
        let Names { q: qt, .. } = self.names();
        self.with(|c| {
            let rows = c.client.query(
                &format!(
                    "SELECT entity, id, length(value)::bigint, reason,
                            (extract(epoch FROM quarantined_at) * 1000)::bigint, ctid::text
                     FROM {qt}"
                ),
                &[],
            )?;
            Ok(rows
                .iter()
                .map(|r| Quarantined {
                    entity: r.get(0),
                    id: r.get(1),
                    size: r.get::<_, i64>(2).max(0) as u64,
                    reason: r.get(3),
                    at_ms: r.get::<_, i64>(4).max(0) as u64,
                    key: r.get(5),
                })
                .collect())
        })
    }

    fn quarantine_read(&self, q: &Quarantined) -> Result<Option<Vec<u8>>, StorageError> {
        let Names { q: qt, .. } = self.names();
        self.with(|c| {
            let row = c.client.query_opt(
                &format!("SELECT value FROM {qt} WHERE ctid = $1::text::tid"),
                &[&q.key],
            )?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    fn quarantine_restore(&self, q: &Quarantined, replace: bool) -> Result<bool, StorageError> {
        let Names { t, q: qt, .. } = self.names();
        self.with(|c| {
            let mut tx = c.client.transaction()?;
            let Some(row) = tx.query_opt(
                &format!("DELETE FROM {qt} WHERE ctid = $1::text::tid RETURNING value"),
                &[&q.key],
            )?
            else {
                return Ok(false);
            };
            let value: Vec<u8> = row.get(0);
            let put = if replace {
                format!(
                    "INSERT INTO {t} (entity, id, value) VALUES ($1, $2, $3)
                     ON CONFLICT (entity, id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()"
                )
            } else {
                format!("INSERT INTO {t} (entity, id, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            };
            if tx.execute(&put, &[&q.entity, &q.id, &value])? == 0 {
                // A live document holds the id: leave both as they were.
                return Ok(false);
            }
            tx.commit()?;
            Ok(true)
        })
    }

    fn quarantine_purge(&self, q: &Quarantined) -> Result<(), StorageError> {
        let Names { q: qt, .. } = self.names();
        self.with(|c| {
            c.client
                .execute(
                    &format!("DELETE FROM {qt} WHERE ctid = $1::text::tid"),
                    &[&q.key],
                )
                .map(drop)
        })
    }
}

/// The 32 bytes of a SHA-256 written as 64 hex digits; `None` for anything else.
fn hex_digest(version: &str) -> Option<Vec<u8>> {
    let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    if version.len() != 64 || !version.bytes().all(lower_hex) {
        return None;
    }
    (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(&version[i..i + 2], 16).ok())
        .collect()
}
