//! `redis://`: one key per document, `<prefix>:<entity>:<id>`, where `%` and `:` in the
//! entity path are written `%25` and `%3A` so that the first `:` after the prefix ends it.
//! Write = SET (with EX when the URL sets a ttl), write-if-absent = SET NX, remove = DEL,
//! batches = one MULTI/EXEC (all or nothing, reads of many too), compare-and-swap =
//! WATCH, GET, then MULTI/SET/EXEC (retried when another client changed the key in between),
//! listings = SCAN MATCH (never KEYS), quarantine = RENAME under `<prefix>:.quarantine:`
//! with the reason in a key beside it. The connection is opened on first use and again after
//! any failure, so a restarted server is picked up by the next call.

use super::url::{RedisUrl, redacted};
use super::{Backend, Document, Quarantined, StorageError, SwapOutcome, Versioned, version_of};
use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// How long to wait for the server to accept a connection or answer.
const TIMEOUT: Duration = Duration::from_secs(3);
/// The namespace of quarantined documents (no entity path starts with a dot).
const QUARANTINE: &str = ".quarantine";

/// `redis://`: one key per document, connected on first use and again after a failure.
pub struct RedisStore {
    client: redis::Client,
    url: RedisUrl,
    conn: Mutex<Option<redis::Connection>>,
}

impl RedisStore {
    /// The store of `url`; nothing is connected until the first call.
    pub fn open(url: &RedisUrl) -> Result<RedisStore, StorageError> {
        let mut info = redis::IntoConnectionInfo::into_connection_info(url.server.as_str())
            .map_err(|e| StorageError::Io(format!("{}: {e}", redacted(&url.server))))?;
        if info.redis.password.is_none() {
            info.redis.password = std::env::var("PERSIST_REDIS_PASSWORD").ok();
        }
        let client = redis::Client::open(info)
            .map_err(|e| StorageError::Io(format!("{}: {e}", redacted(&url.server))))?;
        Ok(RedisStore {
            client,
            url: url.clone(),
            conn: Mutex::new(None),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Option<redis::Connection>> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the connection, connecting first if needed; a failure that may have
    /// broken the connection drops it.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, StorageError> {
        let mut slot = self.lock();
        if slot.is_none() {
            let conn = self
                .client
                .get_connection_with_timeout(TIMEOUT)
                .and_then(|c| {
                    c.set_read_timeout(Some(TIMEOUT))?;
                    c.set_write_timeout(Some(TIMEOUT))?;
                    Ok(c)
                })
                .map_err(|e| self.error(&e))?;
            *slot = Some(conn);
        }
        let conn = slot
            .as_mut()
            .ok_or_else(|| StorageError::Io("no connection".into()))?;
        f(conn).map_err(|e| {
            if e.is_io_error()
                || e.is_connection_dropped()
                || e.is_timeout()
                || e.is_unrecoverable_error()
            {
                *slot = None;
            }
            self.error(&e)
        })
    }

    fn error(&self, e: &redis::RedisError) -> StorageError {
        let at = redacted(&self.url.server);
        if e.is_io_error()
            || e.is_connection_refusal()
            || e.is_connection_dropped()
            || e.is_timeout()
        {
            StorageError::Unavailable(format!(
                "redis at {at}: {e}; check that the server is running and reachable"
            ))
        } else {
            StorageError::Io(format!("redis at {at}: {e}"))
        }
    }

    fn entity_part(entity: &str) -> String {
        entity.replace('%', "%25").replace(':', "%3A")
    }

    fn key(&self, entity: &str, id: &str) -> String {
        format!("{}:{}:{id}", self.url.prefix, Self::entity_part(entity))
    }

    /// `text` with SCAN's glob characters escaped.
    fn glob(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        out
    }

    /// Every key matching the pattern, by SCAN. Keys that are not UTF-8 cannot be a document
    /// this store wrote: they are skipped, with a warning, and never fail the listing.
    fn scan(&self, pattern: &str) -> Result<Vec<String>, StorageError> {
        self.with(|conn| {
            let mut keys = Vec::new();
            let mut skipped = 0;
            let mut cursor: u64 = 0;
            loop {
                let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(pattern)
                    .arg("COUNT")
                    .arg(1000)
                    .query(conn)?;
                for key in batch {
                    match String::from_utf8(key) {
                        Ok(key) => keys.push(key),
                        Err(_) => skipped += 1,
                    }
                }
                if next == 0 {
                    if skipped > 0 {
                        tracing::warn!(
                            "redis at {}: skipped {skipped} key(s) matching {pattern} that are \
                             not UTF-8 (not documents of this store)",
                            redacted(&self.url.server)
                        );
                    }
                    return Ok(keys);
                }
                cursor = next;
            }
        })
    }

    /// (entity, id) of a document key, or None for any other key.
    fn parse<'k>(&self, key: &'k str) -> Option<(String, &'k str)> {
        let rest = key.strip_prefix(&self.url.prefix)?.strip_prefix(':')?;
        let (entity, id) = rest.split_once(':')?;
        if entity.starts_with('.') {
            return None;
        }
        Some((entity.replace("%3A", ":").replace("%25", "%"), id))
    }
}

impl Backend for RedisStore {
    fn url(&self) -> String {
        super::StoreUrl::Redis(self.url.clone()).to_string()
    }

    fn read(&self, entity: &str, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let key = self.key(entity, id);
        self.with(|conn| redis::cmd("GET").arg(&key).query(conn))
    }

    fn write(&self, entity: &str, id: &str, value: &[u8]) -> Result<(), StorageError> {
        let key = self.key(entity, id);
        self.with(|conn| {
            let mut cmd = redis::cmd("SET");
            cmd.arg(&key).arg(value);
            if let Some(ttl) = self.url.ttl {
                cmd.arg("EX").arg(ttl);
            }
            cmd.query::<()>(conn)
        })
    }

    fn write_if_absent(&self, entity: &str, id: &str, value: &[u8]) -> Result<bool, StorageError> {
        let key = self.key(entity, id);
        self.with(|conn| {
            let mut cmd = redis::cmd("SET");
            cmd.arg(&key).arg(value).arg("NX");
            if let Some(ttl) = self.url.ttl {
                cmd.arg("EX").arg(ttl);
            }
            cmd.query::<Option<String>>(conn).map(|set| set.is_some())
        })
    }

    fn remove(&self, entity: &str, id: &str) -> Result<(), StorageError> {
        let key = self.key(entity, id);
        self.with(|conn| redis::cmd("DEL").arg(&key).query::<()>(conn))
    }

    fn read_many(
        &self,
        entity: &str,
        ids: &[String],
    ) -> Result<Vec<Option<Vec<u8>>>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // GETs in one MULTI/EXEC rather than MGET: MGET reads a key of another type (not a
        // document of this store) as absent, GET says what it is.
        let mut pipe = redis::pipe();
        pipe.atomic();
        for id in ids {
            pipe.cmd("GET").arg(self.key(entity, id));
        }
        self.with(|conn| pipe.query(conn))
    }

    fn write_many(&self, documents: &[Document]) -> Result<(), StorageError> {
        if documents.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (entity, id, value) in documents {
            let cmd = pipe.cmd("SET").arg(self.key(entity, id)).arg(value);
            if let Some(ttl) = self.url.ttl {
                cmd.arg("EX").arg(ttl);
            }
            cmd.ignore();
        }
        self.with(|conn| pipe.query::<()>(conn))
    }

    fn write_many_changed(&self, documents: &[Document]) -> Result<Vec<bool>, StorageError> {
        if documents.is_empty() {
            return Ok(Vec::new());
        }
        // One MULTI/EXEC of `SET … GET`: all or nothing, as cheap as the plain SETs, and the
        // previous values tell which documents changed. A document that was the same is
        // written again with the same bytes (its ttl, if any, starts again).
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (entity, id, value) in documents {
            let cmd = pipe.cmd("SET").arg(self.key(entity, id)).arg(value);
            if let Some(ttl) = self.url.ttl {
                cmd.arg("EX").arg(ttl);
            }
            cmd.arg("GET");
        }
        let before: Vec<Option<Vec<u8>>> = self.with(|conn| pipe.query(conn))?;
        Ok(documents
            .iter()
            .zip(before)
            .map(|((_, _, value), before)| before.as_deref() != Some(value.as_slice()))
            .collect())
    }

    fn remove_many(&self, keys: &[(String, String)]) -> Result<(), StorageError> {
        if keys.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = keys.iter().map(|(e, id)| self.key(e, id)).collect();
        // One DEL: Redis runs a command whole, so the removal is all or nothing.
        self.with(|conn| redis::cmd("DEL").arg(&keys).query::<()>(conn))
    }

    fn write_if_version(
        &self,
        entity: &str,
        id: &str,
        expected: Option<&str>,
        value: &[u8],
    ) -> Result<SwapOutcome, StorageError> {
        let key = self.key(entity, id);
        // WATCH makes the EXEC fail if any client changes the key after it; the helper then
        // watches and compares again.
        self.with(|conn| {
            redis::transaction(conn, &[&key], |conn, pipe| {
                let current: Option<Vec<u8>> = redis::cmd("GET").arg(&key).query(conn)?;
                let current = current.map(Versioned::of);
                if current.as_ref().map(|c| c.version.as_str()) != expected {
                    return Ok(Some(SwapOutcome::Stale(current)));
                }
                let cmd = pipe.cmd("SET").arg(&key).arg(value);
                if let Some(ttl) = self.url.ttl {
                    cmd.arg("EX").arg(ttl);
                }
                let done: Option<redis::Value> = pipe.query(conn)?;
                Ok(done.map(|_| SwapOutcome::Swapped(version_of(value))))
            })
        })
    }

    fn list_ids(&self, entity: &str) -> Result<Vec<String>, StorageError> {
        let pattern = format!(
            "{}:{}:*",
            Self::glob(&self.url.prefix),
            Self::glob(&Self::entity_part(entity))
        );
        let mut ids: Vec<String> = self
            .scan(&pattern)?
            .iter()
            .filter_map(|k| self.parse(k))
            .filter(|(e, _)| e == entity)
            .map(|(_, id)| id.to_string())
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    fn entities(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let pattern = format!(
            "{}:{}*",
            Self::glob(&self.url.prefix),
            Self::glob(&Self::entity_part(prefix))
        );
        let entities: BTreeSet<String> = self
            .scan(&pattern)?
            .iter()
            .filter_map(|k| self.parse(k))
            .map(|(e, _)| e)
            .filter(|e| e.starts_with(prefix))
            .collect();
        Ok(entities.into_iter().collect())
    }

    fn quarantine(
        &self,
        entity: &str,
        id: &str,
        judged: &[u8],
        reason: &str,
    ) -> Result<bool, StorageError> {
        let key = self.key(entity, id);
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let moved = format!(
            "{}:{QUARANTINE}:{}:{id}:{stamp}",
            self.url.prefix,
            Self::entity_part(entity)
        );
        // Compare and move in one script: Redis runs it with no other command in between, so
        // a writer's newer value is never moved.
        let script = redis::Script::new(
            "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
             redis.call('RENAME', KEYS[1], KEYS[2])
             redis.call('SET', KEYS[3], ARGV[2])
             return 1",
        );
        self.with(|conn| {
            script
                .key(&key)
                .key(&moved)
                .key(format!("{moved}:reason"))
                .arg(judged)
                .arg(reason)
                .invoke::<i64>(conn)
                .map(|n| n == 1)
        })
    }

    fn quarantine_list(&self) -> Result<Vec<Quarantined>, StorageError> {
        let head = format!("{}:{QUARANTINE}:", self.url.prefix);
        let keys = self.scan(&format!("{}*", Self::glob(&head)))?;
        let mut found = Vec::new();
        for key in keys {
            // `<prefix>:.quarantine:<entity>:<id>:<ms>` beside `…:<ms>:reason`.
            let Some(rest) = key.strip_prefix(&head) else {
                continue;
            };
            if rest.ends_with(":reason") {
                continue;
            }
            let Some((entity, rest)) = rest.split_once(':') else {
                continue;
            };
            let Some((id, stamp)) = rest.rsplit_once(':') else {
                continue;
            };
            let (size, reason): (u64, Option<String>) = self.with(|conn| {
                let size = redis::cmd("STRLEN").arg(&key).query(conn)?;
                let reason = redis::cmd("GET").arg(format!("{key}:reason")).query(conn)?;
                Ok((size, reason))
            })?;
            found.push(Quarantined {
                entity: entity.replace("%3A", ":").replace("%25", "%"),
                id: id.to_string(),
                at_ms: stamp.parse().unwrap_or(0),
                reason: reason.unwrap_or_else(|| "(no reason recorded)".into()),
                size,
                key: key.clone(),
            });
        }
        Ok(found)
    }

    fn quarantine_read(&self, q: &Quarantined) -> Result<Option<Vec<u8>>, StorageError> {
        self.with(|conn| redis::cmd("GET").arg(&q.key).query(conn))
    }

    fn quarantine_restore(&self, q: &Quarantined, replace: bool) -> Result<bool, StorageError> {
        // In one script: no writer can slip in between the check for a live document and
        // the move back.
        let script = redis::Script::new(
            "local v = redis.call('GET', KEYS[1])
             if not v then return 0 end
             if ARGV[1] == '0' and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
             if ARGV[2] == '' then redis.call('SET', KEYS[2], v)
             else redis.call('SET', KEYS[2], v, 'EX', ARGV[2]) end
             redis.call('DEL', KEYS[1], KEYS[3])
             return 1",
        );
        let ttl = self.url.ttl.map(|t| t.to_string()).unwrap_or_default();
        self.with(|conn| {
            script
                .key(&q.key)
                .key(self.key(&q.entity, &q.id))
                .key(format!("{}:reason", q.key))
                .arg(if replace { "1" } else { "0" })
                .arg(&ttl)
                .invoke::<i64>(conn)
                .map(|n| n == 1)
        })
    }

    fn quarantine_purge(&self, q: &Quarantined) -> Result<(), StorageError> {
        self.with(|conn| {
            redis::cmd("DEL")
                .arg(&q.key)
                .arg(format!("{}:reason", q.key))
                .query::<()>(conn)
        })
    }
}
