//! `redis://` and `redis+cluster://`: one key per document, `<prefix>:<entity>:<id>` on one
//! server and `<prefix>:{<entity>}:<id>` in a cluster (the entity is the key's hash tag, so an
//! entity's documents share a slot and its listings, batches and quarantine stay on one master).
//! In the entity part `%` and `:` are written `%25` and `%3A` (and `{`, `}` as `%7B`, `%7D` in a
//! cluster), so that the first `:` after the prefix ends it.
//! Write = SET (with EX when the URL sets a ttl), write-if-absent = SET NX, remove = DEL,
//! batches = one MULTI/EXEC (all or nothing, reads of many too; in a cluster one per entity),
//! compare-and-swap = WATCH, GET, then MULTI/SET/EXEC (retried when another client changed the
//! key in between), listings = SCAN MATCH on every master (never KEYS), quarantine = RENAME
//! under `<prefix>:.quarantine:` with the reason in a key beside it. With `replicas=N` every
//! write is followed by `WAIT N` on the same connection and counts as done only when N replicas
//! have it. Connections are opened on first use and again after any failure, so a restarted
//! server is picked up by the next call; see [`nodes`] for the cluster's routing.

mod nodes;

use super::url::RedisUrl;
use super::{Backend, Document, Quarantined, StorageError, SwapOutcome, Versioned, version_of};
use nodes::{Cluster, Failure, Node, Nodes};
use std::collections::BTreeSet;
use std::time::Duration;

/// How long to wait for the server to answer, beyond a replica WAIT.
const TIMEOUT: Duration = Duration::from_secs(3);
/// The namespace of quarantined documents (no entity path starts with a dot).
const QUARANTINE: &str = ".quarantine";

/// `redis://` or `redis+cluster://`: one key per document.
pub struct RedisStore {
    nodes: Nodes,
    url: RedisUrl,
}

impl RedisStore {
    /// The store of `url`; nothing is connected until the first call.
    pub fn open(url: &RedisUrl) -> Result<RedisStore, StorageError> {
        let bad =
            |e: &dyn std::fmt::Display| StorageError::Io(format!("{}: {e}", url.shown_server()));
        let read_timeout = TIMEOUT + Duration::from_millis(url.wait_ms);
        let nodes = if url.cluster {
            // The seeds share the user and password of the URL; the address is each node's.
            let (userinfo, seeds) = url.cluster_seeds().map_err(|e| bad(&e))?;
            let first = match userinfo {
                Some(userinfo) => format!("redis://{userinfo}@{}", seeds[0]),
                None => format!("redis://{}", seeds[0]),
            };
            let mut template =
                redis::IntoConnectionInfo::into_connection_info(first).map_err(|e| bad(&e))?;
            if template.redis.password.is_none() {
                template.redis.password = std::env::var("PERSIST_REDIS_PASSWORD").ok();
            }
            Nodes::Cluster(Cluster::new(seeds, template, read_timeout))
        } else {
            let mut info = redis::IntoConnectionInfo::into_connection_info(url.server.as_str())
                .map_err(|e| bad(&e))?;
            if info.redis.password.is_none() {
                info.redis.password = std::env::var("PERSIST_REDIS_PASSWORD").ok();
            }
            Nodes::Single(Node::open(url.shown_server(), info, read_timeout).map_err(|e| bad(&e))?)
        };
        Ok(RedisStore {
            nodes,
            url: url.clone(),
        })
    }

    /// Runs `f` on the connection to the node that holds `entity`'s documents.
    fn with<T>(
        &self,
        entity: &str,
        f: impl FnMut(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, StorageError> {
        self.nodes
            .on(&self.entity_part(entity), f)
            .map_err(|e| self.error(&e))
    }

    /// [`RedisStore::with`] for a command that writes: with `replicas=N`, followed by
    /// `WAIT N` on the same connection; fewer acknowledgements in time are an `unavailable`
    /// error that says the write's outcome is unknown.
    fn written<T>(
        &self,
        entity: &str,
        mut f: impl FnMut(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, StorageError> {
        let Some(wanted) = self.url.replicas else {
            return self.with(entity, f);
        };
        let (value, acked) = self.with(entity, |conn| {
            let value = f(conn)?;
            let acked: i64 = redis::cmd("WAIT")
                .arg(wanted)
                .arg(self.url.wait_ms)
                .query(conn)?;
            Ok((value, acked))
        })?;
        if acked < i64::from(wanted) {
            return Err(StorageError::Unavailable(format!(
                "redis at {}: the write to {entity:?} reached the master but only {acked} of \
                 the {wanted} replica(s) asked for (replicas={wanted}) acknowledged it within \
                 {} ms, so its outcome is unknown: it is lost if the master fails now. Retry it; \
                 check that the replicas are up",
                self.url.shown_server(),
                self.url.wait_ms
            )));
        }
        Ok(value)
    }

    fn error(&self, failure: &Failure) -> StorageError {
        let at = self.url.shown_server();
        let e = failure.error();
        let cluster_busy = matches!(
            e.kind(),
            redis::ErrorKind::Moved
                | redis::ErrorKind::Ask
                | redis::ErrorKind::TryAgain
                | redis::ErrorKind::ClusterDown
                | redis::ErrorKind::ReadOnly
        );
        match failure {
            Failure::Connect(_) => StorageError::Unavailable(format!(
                "redis at {at}: {e}; nothing was sent; check that the server is running and \
                 reachable"
            )),
            Failure::Command(_) if cluster_busy => StorageError::Unavailable(format!(
                "redis at {at}: {e}; the cluster is moving slots or failing over and did not \
                 run the command; retry"
            )),
            Failure::Command(_)
                if e.is_io_error()
                    || e.is_connection_refusal()
                    || e.is_connection_dropped()
                    || e.is_timeout() =>
            {
                StorageError::Unavailable(format!(
                    "redis at {at}: {e}; the connection failed after the command was sent, so \
                     a write's outcome is unknown; check that the server is running and \
                     reachable, then retry"
                ))
            }
            Failure::Command(_) => StorageError::Io(format!("redis at {at}: {e}")),
        }
    }

    /// The entity path as it appears in keys (and, in a cluster, as the hash tag).
    fn entity_part(&self, entity: &str) -> String {
        let part = entity.replace('%', "%25").replace(':', "%3A");
        if self.url.cluster {
            part.replace('{', "%7B").replace('}', "%7D")
        } else {
            part
        }
    }

    fn entity_of(&self, part: &str) -> String {
        part.replace("%7B", "{")
            .replace("%7D", "}")
            .replace("%3A", ":")
            .replace("%25", "%")
    }

    /// The entity part as keys hold it: `{part}` in a cluster.
    fn tagged(&self, part: &str) -> String {
        if self.url.cluster {
            format!("{{{part}}}")
        } else {
            part.to_string()
        }
    }

    fn key(&self, entity: &str, id: &str) -> String {
        format!(
            "{}:{}:{id}",
            self.url.prefix,
            self.tagged(&self.entity_part(entity))
        )
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

    /// Every key matching the pattern, by SCAN, on the node of `entity` (or on every master
    /// when `None`). Keys that are not UTF-8 cannot be a document this store wrote: they are
    /// skipped, with a warning, and never fail the listing.
    fn scan(&self, entity: Option<&str>, pattern: &str) -> Result<Vec<String>, StorageError> {
        let scan_node = |conn: &mut redis::Connection| {
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
                    return Ok((keys, skipped));
                }
                cursor = next;
            }
        };
        let per_node: Vec<(Vec<String>, u32)> = match entity {
            Some(entity) => vec![self.with(entity, scan_node)?],
            None => self.nodes.each(scan_node).map_err(|e| self.error(&e))?,
        };
        let mut keys = Vec::new();
        let mut skipped = 0;
        for (k, s) in per_node {
            keys.extend(k);
            skipped += s;
        }
        if skipped > 0 {
            tracing::warn!(
                "redis at {}: skipped {skipped} key(s) matching {pattern} that are not UTF-8 \
                 (not documents of this store)",
                self.url.shown_server()
            );
        }
        Ok(keys)
    }

    /// The entity part of a key's `<entity>:<rest>`, without the cluster's braces, and the
    /// rest.
    fn split_entity<'k>(&self, rest: &'k str) -> Option<(&'k str, &'k str)> {
        if self.url.cluster {
            let inner = rest.strip_prefix('{')?;
            let (part, rest) = inner.split_once('}')?;
            Some((part, rest.strip_prefix(':')?))
        } else {
            rest.split_once(':')
        }
    }

    /// (entity, id) of a document key, or None for any other key.
    fn parse<'k>(&self, key: &'k str) -> Option<(String, &'k str)> {
        let rest = key.strip_prefix(&self.url.prefix)?.strip_prefix(':')?;
        let (entity, id) = self.split_entity(rest)?;
        if entity.starts_with('.') {
            return None;
        }
        Some((self.entity_of(entity), id))
    }

    /// The batch's items (by index) in groups that each go to one node in one MULTI/EXEC:
    /// all of them on one server, one group per entity (a slot) in a cluster; batch order
    /// within a group. Each group comes with an entity of it, for routing.
    fn groups<'d>(&self, entities: impl Iterator<Item = &'d str>) -> Vec<(&'d str, Vec<usize>)> {
        let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
        for (i, e) in entities.enumerate() {
            match groups
                .iter_mut()
                .find(|(g, _)| !self.url.cluster || *g == e)
            {
                Some((_, members)) => members.push(i),
                None => groups.push((e, vec![i])),
            }
        }
        groups
    }
}

impl Backend for RedisStore {
    fn url(&self) -> String {
        super::StoreUrl::Redis(self.url.clone()).to_string()
    }

    fn read(&self, entity: &str, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let key = self.key(entity, id);
        self.with(entity, |conn| redis::cmd("GET").arg(&key).query(conn))
    }

    fn write(&self, entity: &str, id: &str, value: &[u8]) -> Result<(), StorageError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(entity, id)).arg(value);
        if let Some(ttl) = self.url.ttl {
            cmd.arg("EX").arg(ttl);
        }
        self.written(entity, |conn| cmd.query::<()>(conn))
    }

    fn write_if_absent(&self, entity: &str, id: &str, value: &[u8]) -> Result<bool, StorageError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(entity, id)).arg(value).arg("NX");
        if let Some(ttl) = self.url.ttl {
            cmd.arg("EX").arg(ttl);
        }
        self.written(entity, |conn| {
            cmd.query::<Option<String>>(conn).map(|set| set.is_some())
        })
    }

    fn remove(&self, entity: &str, id: &str) -> Result<(), StorageError> {
        let key = self.key(entity, id);
        self.written(entity, |conn| redis::cmd("DEL").arg(&key).query::<()>(conn))
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
        self.with(entity, |conn| pipe.query(conn))
    }

    fn write_many(&self, documents: &[Document]) -> Result<(), StorageError> {
        for (entity, group) in self.groups(documents.iter().map(|d| d.0.as_str())) {
            let mut pipe = redis::pipe();
            pipe.atomic();
            for (entity, id, value) in group.iter().map(|&i| &documents[i]) {
                let cmd = pipe.cmd("SET").arg(self.key(entity, id)).arg(value);
                if let Some(ttl) = self.url.ttl {
                    cmd.arg("EX").arg(ttl);
                }
                cmd.ignore();
            }
            self.written(entity, |conn| pipe.query::<()>(conn))?;
        }
        Ok(())
    }

    fn write_many_changed(&self, documents: &[Document]) -> Result<Vec<bool>, StorageError> {
        // One MULTI/EXEC of `SET … GET` per group: all or nothing, as cheap as the plain SETs,
        // and the previous values tell which documents changed. A document that was the same
        // is written again with the same bytes (its ttl, if any, starts again).
        let mut changed = vec![false; documents.len()];
        for (entity, group) in self.groups(documents.iter().map(|d| d.0.as_str())) {
            let mut pipe = redis::pipe();
            pipe.atomic();
            for (entity, id, value) in group.iter().map(|&i| &documents[i]) {
                let cmd = pipe.cmd("SET").arg(self.key(entity, id)).arg(value);
                if let Some(ttl) = self.url.ttl {
                    cmd.arg("EX").arg(ttl);
                }
                cmd.arg("GET");
            }
            let before: Vec<Option<Vec<u8>>> = self.written(entity, |conn| pipe.query(conn))?;
            for (&i, before) in group.iter().zip(before) {
                changed[i] = before.as_deref() != Some(documents[i].2.as_slice());
            }
        }
        Ok(changed)
    }

    fn remove_many(&self, keys: &[(String, String)]) -> Result<(), StorageError> {
        for (entity, group) in self.groups(keys.iter().map(|k| k.0.as_str())) {
            let doomed: Vec<String> = group
                .iter()
                .map(|&i| self.key(&keys[i].0, &keys[i].1))
                .collect();
            // One DEL: Redis runs a command whole, so the removal is all or nothing.
            self.written(entity, |conn| {
                redis::cmd("DEL").arg(&doomed).query::<()>(conn)
            })?;
        }
        Ok(())
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
        self.written(entity, |conn| {
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
            Self::glob(&self.tagged(&self.entity_part(entity)))
        );
        let mut ids: Vec<String> = self
            .scan(Some(entity), &pattern)?
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
        let open_brace = if self.url.cluster { "\\{" } else { "" };
        let pattern = format!(
            "{}:{open_brace}{}*",
            Self::glob(&self.url.prefix),
            Self::glob(&self.entity_part(prefix))
        );
        let entities: BTreeSet<String> = self
            .scan(None, &pattern)?
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
            self.tagged(&self.entity_part(entity))
        );
        // Compare and move in one script: Redis runs it with no other command in between, so
        // a writer's newer value is never moved. In a cluster its keys share the entity's slot.
        let script = redis::Script::new(
            "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
             redis.call('RENAME', KEYS[1], KEYS[2])
             redis.call('SET', KEYS[3], ARGV[2])
             return 1",
        );
        self.written(entity, |conn| {
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
        let keys = self.scan(None, &format!("{}*", Self::glob(&head)))?;
        let mut found = Vec::new();
        for key in keys {
            // `<prefix>:.quarantine:<entity>:<id>:<ms>` beside `…:<ms>:reason`.
            let Some(rest) = key.strip_prefix(&head) else {
                continue;
            };
            if rest.ends_with(":reason") {
                continue;
            }
            let Some((part, rest)) = self.split_entity(rest) else {
                continue;
            };
            let Some((id, stamp)) = rest.rsplit_once(':') else {
                continue;
            };
            let entity = self.entity_of(part);
            let (size, reason): (u64, Option<String>) = self.with(&entity, |conn| {
                let size = redis::cmd("STRLEN").arg(&key).query(conn)?;
                let reason = redis::cmd("GET").arg(format!("{key}:reason")).query(conn)?;
                Ok((size, reason))
            })?;
            found.push(Quarantined {
                entity,
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
        self.with(&q.entity, |conn| redis::cmd("GET").arg(&q.key).query(conn))
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
        self.written(&q.entity, |conn| {
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
        self.written(&q.entity, |conn| {
            redis::cmd("DEL")
                .arg(&q.key)
                .arg(format!("{}:reason", q.key))
                .query::<()>(conn)
        })
    }
}
