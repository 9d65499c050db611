//! `s3://bucket[/prefix]?endpoint=URL&region=R`: one object per document, `<prefix>/<entity>/<id>.json`,
//! the file store's layout, so that a synced `./dump` folder and the bucket mirror each other.
//! Credentials come from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`)
//! and are never shown.
//!
//! - write = PUT: S3 replaces an object whole, durable when the server answers.
//! - write-if-absent = PUT with `If-None-Match: *`; compare-and-swap = GET, compare the
//!   version, PUT with `If-Match: <the ETag read>`. Both rely on the server refusing a
//!   conditional PUT with 412, so the store checks at open that it does (some S3 servers
//!   accept the headers and ignore them) and refuses a server that does not, unless the URL
//!   says `conditional=unchecked`. It checks a conditional DELETE too: quarantine relies on it.
//! - listings = ListObjectsV2 by prefix, page by page; hidden names (a leading `.`) are not
//!   documents.
//! - quarantine = PUT a copy to `<prefix>/.quarantine/<entity>/<id>.<stamp>.json` with
//!   `<id>.<stamp>.reason.json` beside it, then DELETE the live object with `If-Match` of the
//!   judged version: a document replaced since is left alone (and the copy removed).
//! - batches: the requests of a batch run 8 at a time; each document is atomic, all are
//!   durable on `Ok`, not all or nothing (as on files).

use super::url::S3Url;
use super::{Backend, Document, Quarantined, StorageError, SwapOutcome, Versioned, version_of};
use rusty_s3::actions::ListObjectsV2;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use std::time::Duration;

/// How long a signed request stays valid.
const SIGNED_FOR: Duration = Duration::from_secs(300);
/// Requests of a batch in flight at once.
const PARALLEL: usize = 8;
/// The largest object read (documents are capped far below this by the host).
const READ_LIMIT: u64 = 1 << 30;
/// How often a conditional write answered with 409 (another conditional write of the same
/// object in progress) is tried again.
const CONFLICT_RETRIES: u32 = 20;
/// Where quarantined documents go, under the prefix.
const QUARANTINE: &str = ".quarantine";

/// An object's bytes and ETag.
struct Object {
    bytes: Vec<u8>,
    etag: String,
}

/// The credentials of the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, for
/// temporary ones, `AWS_SESSION_TOKEN`.
pub fn credentials(url: &S3Url) -> Result<Credentials, StorageError> {
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    let (Some(key), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) else {
        return Err(StorageError::Io(format!(
            "{url}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for \
             temporary credentials) to the bucket's credentials"
        )));
    };
    Ok(match var("AWS_SESSION_TOKEN") {
        Some(token) => Credentials::new_with_token(key, secret, token),
        None => Credentials::new(key, secret),
    })
}

/// The bucket of `url`, whose requests rusty-s3 signs: path-style requests to a given
/// endpoint, virtual-host style to AWS S3.
pub fn bucket(url: &S3Url) -> Result<Bucket, StorageError> {
    let endpoint: url::Url = url
        .endpoint()
        .parse()
        .map_err(|e| StorageError::Io(format!("{url}: endpoint: {e}")))?;
    let style = if url.endpoint.is_some() {
        UrlStyle::Path
    } else {
        UrlStyle::VirtualHost
    };
    Bucket::new(endpoint, style, url.bucket.clone(), url.region.clone())
        .map_err(|e| StorageError::Io(format!("{url}: {e:?}")))
}

/// `s3://`: one object per document.
pub struct S3Store {
    url: S3Url,
    bucket: Bucket,
    credentials: Credentials,
    agent: ureq::Agent,
}

/// What a request's answer was, as far as the store cares.
struct Answer {
    status: u16,
    etag: Option<String>,
    body: Vec<u8>,
}

impl S3Store {
    /// The store of `url`: credentials from the environment, then the probe of conditional
    /// writes (which needs the server to answer).
    pub fn open(url: &S3Url) -> Result<S3Store, StorageError> {
        let credentials = credentials(url)?;
        let bucket = bucket(url)?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(3)))
            .timeout_global(Some(Duration::from_secs(30)))
            .max_idle_connections_per_host(PARALLEL * 2)
            .build()
            .into();
        let store = S3Store {
            url: url.clone(),
            bucket,
            credentials,
            agent,
        };
        if !url.unchecked {
            store.probe_conditional_writes()?;
        }
        Ok(store)
    }

    /// Checks that the server refuses a conditional PUT whose condition fails, on an object
    /// of its own under the prefix (hidden, so never listed), removed afterwards.
    fn probe_conditional_writes(&self) -> Result<(), StorageError> {
        let probe = format!(
            "{}.persist-probe/{:016x}.json",
            self.url.key_prefix(),
            rand::random::<u64>()
        );
        let first = self.put(&probe, b"probe", None)?;
        if !matches!(first.status, 200 | 201) {
            return Err(self.failed("PUT", &probe, &first));
        }
        let absent = self.put(&probe, b"overwritten", Some(("if-none-match", "*")))?;
        let stale = self.put(&probe, b"overwritten", Some(("if-match", "\"0000\"")))?;
        let stale_delete = self.delete(&probe, Some("\"0000\""))?;
        let after = self.get(&probe)?;
        let _ = self.delete(&probe, None);
        let kept = after.is_some_and(|o| o.bytes == b"probe");
        let ignored: Vec<&str> = [
            (
                absent.status != 412,
                "If-None-Match: * on an existing object",
            ),
            (stale.status != 412, "If-Match with a stale ETag"),
            (stale_delete, "a DELETE with If-Match of a stale ETag"),
        ]
        .iter()
        .filter(|(bad, _)| *bad)
        .map(|(_, what)| *what)
        .collect();
        if ignored.is_empty() && kept {
            return Ok(());
        }
        let said = format!(
            "answered {} and {} to the PUTs{}{}",
            absent.status,
            stale.status,
            if stale_delete {
                ", deleted despite the DELETE's condition"
            } else {
                ""
            },
            if kept { "" } else { ", and changed the object" }
        );
        Err(StorageError::Io(format!(
            "{}: this S3 server ignores conditional writes ({}: {said} where S3 answers 412), so \
             write-if-absent, compare-and-swap and quarantine could overwrite or remove another \
             writer's document; \
             use a server that honours them, or add conditional=unchecked to the URL if only \
             one process ever writes to this prefix",
            self.url,
            if ignored.is_empty() {
                "the condition was not enforced".to_string()
            } else {
                ignored.join("; ")
            },
        )))
    }

    fn object(&self, entity: &str, id: &str) -> String {
        format!("{}{entity}/{id}.json", self.url.key_prefix())
    }

    fn unavailable(&self, what: &str, key: &str, e: impl std::fmt::Display) -> StorageError {
        StorageError::Unavailable(format!(
            "{} ({what} {key}): {e}; check that the server is running and reachable (a write's \
             outcome is unknown), then retry",
            self.url
        ))
    }

    /// The error of an answer the store did not expect.
    fn failed(&self, what: &str, key: &str, answer: &Answer) -> StorageError {
        let body = String::from_utf8_lossy(&answer.body);
        let tag = |name: &str| {
            let open = format!("<{name}>");
            let start = body.find(&open)? + open.len();
            let end = body[start..].find('<')? + start;
            Some(body[start..end].to_string())
        };
        let code = tag("Code").unwrap_or_default();
        let message = tag("Message").unwrap_or_default();
        let hint = match (answer.status, code.as_str()) {
            (_, "NoSuchBucket") => format!("; create the bucket {:?} first", self.url.bucket),
            (403, _) | (_, "InvalidAccessKeyId" | "SignatureDoesNotMatch" | "AccessDenied") => {
                "; check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and region=".to_string()
            }
            _ => String::new(),
        };
        let text = format!(
            "{} ({what} {key}): HTTP {} {code} {message}{hint}",
            self.url, answer.status
        );
        if answer.status >= 500 || answer.status == 429 {
            StorageError::Unavailable(format!("{text}; retry"))
        } else {
            StorageError::Io(text)
        }
    }

    fn answer(
        &self,
        what: &str,
        key: &str,
        sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Answer, StorageError> {
        let mut response = sent.map_err(|e| self.unavailable(what, key, e))?;
        let status = response.status().as_u16();
        let etag = response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .body_mut()
            .with_config()
            .limit(READ_LIMIT)
            .read_to_vec()
            .map_err(|e| self.unavailable(what, key, e))?;
        Ok(Answer { status, etag, body })
    }

    fn get(&self, key: &str) -> Result<Option<Object>, StorageError> {
        let url = self
            .bucket
            .get_object(Some(&self.credentials), key)
            .sign(SIGNED_FOR);
        let answer = self.answer("GET", key, self.agent.get(url.as_str()).call())?;
        match answer.status {
            200 => Ok(Some(Object {
                bytes: answer.body,
                etag: answer.etag.unwrap_or_default(),
            })),
            404 if !answer.body_says("NoSuchBucket") => Ok(None),
            _ => Err(self.failed("GET", key, &answer)),
        }
    }

    /// PUT, with one condition header (`if-none-match` or `if-match`) when given.
    fn put(
        &self,
        key: &str,
        bytes: &[u8],
        condition: Option<(&str, &str)>,
    ) -> Result<Answer, StorageError> {
        let mut action = self.bucket.put_object(Some(&self.credentials), key);
        if let Some((name, value)) = condition {
            action
                .headers_mut()
                .insert(name.to_string(), value.to_string());
        }
        let url = action.sign(SIGNED_FOR);
        let mut tries = 0;
        loop {
            let mut request = self.agent.put(url.as_str());
            if let Some((name, value)) = condition {
                request = request.header(name, value);
            }
            let answer = self.answer("PUT", key, request.send(bytes))?;
            // 409: another conditional write of this object is in progress; S3 asks to retry.
            if answer.status == 409 && condition.is_some() && tries < CONFLICT_RETRIES {
                tries += 1;
                std::thread::sleep(Duration::from_millis(5 * u64::from(tries)));
                continue;
            }
            return Ok(answer);
        }
    }

    /// PUT that must succeed.
    fn put_ok(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        let answer = self.put(key, bytes, None)?;
        match answer.status {
            200 | 201 => Ok(()),
            _ => Err(self.failed("PUT", key, &answer)),
        }
    }

    /// DELETE, only if the ETag is still `if_match` when given: true unless that failed.
    fn delete(&self, key: &str, if_match: Option<&str>) -> Result<bool, StorageError> {
        let mut action = self.bucket.delete_object(Some(&self.credentials), key);
        if let Some(etag) = if_match {
            action
                .headers_mut()
                .insert("if-match".to_string(), etag.to_string());
        }
        let url = action.sign(SIGNED_FOR);
        let mut request = self.agent.delete(url.as_str());
        if let Some(etag) = if_match {
            request = request.header("if-match", etag);
        }
        let answer = self.answer("DELETE", key, request.call())?;
        match answer.status {
            200 | 204 => Ok(true),
            404 if !answer.body_says("NoSuchBucket") => Ok(true),
            412 => Ok(false),
            _ => Err(self.failed("DELETE", key, &answer)),
        }
    }

    /// Every object key under `prefix` (with `/` as delimiter: only those directly in it),
    /// with its size, page by page.
    fn list(&self, prefix: &str, direct: bool) -> Result<Vec<(String, u64)>, StorageError> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut action = ListObjectsV2::new(&self.bucket, Some(&self.credentials));
            action.with_prefix(prefix.to_string());
            if direct {
                action.with_delimiter("/");
            }
            if let Some(t) = &token {
                action.with_continuation_token(t.clone());
            }
            let url = action.sign(SIGNED_FOR);
            let answer = self.answer("LIST", prefix, self.agent.get(url.as_str()).call())?;
            if answer.status != 200 {
                return Err(self.failed("LIST", prefix, &answer));
            }
            let text = String::from_utf8_lossy(&answer.body);
            let page = ListObjectsV2::parse_response(&text).map_err(|e| {
                StorageError::Io(format!(
                    "{} (LIST {prefix}): unreadable answer: {e}",
                    self.url
                ))
            })?;
            keys.extend(
                page.contents
                    .into_iter()
                    .map(|c| (c.key, c.size.unwrap_or(0))),
            );
            match page.next_continuation_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(keys),
            }
        }
    }

    /// Runs `f` on every item, `PARALLEL` at a time, results in the items' order.
    fn parallel<I: Sync, T: Send>(
        items: &[I],
        f: impl Fn(&I) -> Result<T, StorageError> + Sync,
    ) -> Result<Vec<T>, StorageError> {
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(PARALLEL) {
            let results: Vec<Result<T, StorageError>> = std::thread::scope(|s| {
                let handles: Vec<_> = chunk.iter().map(|item| s.spawn(|| f(item))).collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(StorageError::Io("an S3 request thread panicked".into()))
                        })
                    })
                    .collect()
            });
            for r in results {
                out.push(r?);
            }
        }
        Ok(out)
    }

    /// The key under the quarantine of a (stored) entity path and id with its stamp.
    fn quarantine_key(&self, rel: &str) -> String {
        format!("{}{QUARANTINE}/{rel}", self.url.key_prefix())
    }
}

impl Answer {
    fn body_says(&self, code: &str) -> bool {
        String::from_utf8_lossy(&self.body).contains(&format!("<Code>{code}</Code>"))
    }
}

impl Backend for S3Store {
    fn url(&self) -> String {
        self.url.to_string()
    }

    fn read(&self, entity: &str, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.get(&self.object(entity, id))?.map(|o| o.bytes))
    }

    fn write(&self, entity: &str, id: &str, value: &[u8]) -> Result<(), StorageError> {
        self.put_ok(&self.object(entity, id), value)
    }

    fn write_if_absent(&self, entity: &str, id: &str, value: &[u8]) -> Result<bool, StorageError> {
        let key = self.object(entity, id);
        let answer = self.put(&key, value, Some(("if-none-match", "*")))?;
        match answer.status {
            200 | 201 => Ok(true),
            412 => Ok(false),
            _ => Err(self.failed("PUT", &key, &answer)),
        }
    }

    fn remove(&self, entity: &str, id: &str) -> Result<(), StorageError> {
        self.delete(&self.object(entity, id), None).map(drop)
    }

    fn list_ids(&self, entity: &str) -> Result<Vec<String>, StorageError> {
        let folder = format!("{}{entity}/", self.url.key_prefix());
        let mut ids: Vec<String> = self
            .list(&folder, true)?
            .into_iter()
            .filter_map(|(key, _)| {
                let name = key.strip_prefix(&folder)?;
                if name.starts_with('.') || name.contains('/') {
                    return None;
                }
                name.strip_suffix(".json")
                    .filter(|id| !id.is_empty())
                    .map(str::to_string)
            })
            .collect();
        ids.sort();
        Ok(ids)
    }

    fn entities(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let root = self.url.key_prefix();
        let mut entities: Vec<String> = self
            .list(&format!("{root}{prefix}"), false)?
            .into_iter()
            .filter_map(|(key, _)| {
                let rel = key.strip_prefix(&root)?;
                let (entity, name) = rel.rsplit_once('/')?;
                let hidden = entity
                    .split('/')
                    .any(|s| s.starts_with('.') || s.is_empty())
                    || name.starts_with('.')
                    || !name.ends_with(".json");
                (!hidden && entity.starts_with(prefix)).then(|| entity.to_string())
            })
            .collect();
        entities.sort();
        entities.dedup();
        Ok(entities)
    }

    fn read_many(
        &self,
        entity: &str,
        ids: &[String],
    ) -> Result<Vec<Option<Vec<u8>>>, StorageError> {
        Self::parallel(ids, |id| self.read(entity, id))
    }

    fn write_many(&self, documents: &[Document]) -> Result<(), StorageError> {
        // A later item for the same document wins: only the last of each is sent.
        let mut seen = std::collections::HashSet::with_capacity(documents.len());
        let mut last: Vec<&Document> = documents
            .iter()
            .rev()
            .filter(|(entity, id, _)| seen.insert((entity.as_str(), id.as_str())))
            .collect();
        last.reverse();
        Self::parallel(&last, |(entity, id, value)| self.write(entity, id, value)).map(drop)
    }

    fn remove_many(&self, keys: &[(String, String)]) -> Result<(), StorageError> {
        Self::parallel(keys, |(entity, id)| self.remove(entity, id)).map(drop)
    }

    fn write_if_version(
        &self,
        entity: &str,
        id: &str,
        expected: Option<&str>,
        value: &[u8],
    ) -> Result<SwapOutcome, StorageError> {
        let key = self.object(entity, id);
        loop {
            let current = self.get(&key)?;
            let version = current.as_ref().map(|o| version_of(&o.bytes));
            if version.as_deref() != expected {
                return Ok(SwapOutcome::Stale(current.map(|o| Versioned::of(o.bytes))));
            }
            let condition = match &current {
                Some(o) => ("if-match", o.etag.as_str()),
                None => ("if-none-match", "*"),
            };
            let answer = self.put(&key, value, Some(condition))?;
            match answer.status {
                200 | 201 => return Ok(SwapOutcome::Swapped(version_of(value))),
                // Changed since the read (perhaps to the same bytes): read and compare again.
                412 => continue,
                _ => return Err(self.failed("PUT", &key, &answer)),
            }
        }
    }

    fn quarantine(
        &self,
        entity: &str,
        id: &str,
        judged: &[u8],
        reason: &str,
    ) -> Result<bool, StorageError> {
        let key = self.object(entity, id);
        let Some(live) = self.get(&key)? else {
            return Ok(false);
        };
        if live.bytes != judged {
            return Ok(false);
        }
        let now = super::now_ms();
        let stamp = format!("{now}-{:08x}", rand::random::<u32>());
        let copy = self.quarantine_key(&format!("{entity}/{id}.{stamp}.json"));
        let note_key = self.quarantine_key(&format!("{entity}/{id}.{stamp}.reason.json"));
        let note = serde_json::json!({
            "entity": entity,
            "id": id,
            "reason": reason,
            "quarantinedAtMs": now,
            "from": key,
        });
        self.put_ok(&copy, judged)?;
        self.put_ok(&note_key, note.to_string().as_bytes())?;
        if self.delete(&key, Some(&live.etag))? {
            return Ok(true);
        }
        // Replaced since it was judged: the newer document stays live, the copy goes.
        self.delete(&copy, None)?;
        self.delete(&note_key, None)?;
        Ok(false)
    }

    fn quarantine_list(&self) -> Result<Vec<Quarantined>, StorageError> {
        let head = self.quarantine_key("");
        let mut found = Vec::new();
        for (key, size) in self.list(&head, false)? {
            let Some(rel) = key.strip_prefix(&head) else {
                continue;
            };
            let Some(stem) = rel.strip_suffix(".json") else {
                continue;
            };
            if stem.ends_with(".reason") {
                continue;
            }
            let Some((entity, name)) = stem.rsplit_once('/') else {
                continue;
            };
            // `<id>.<ms>-<hex>`: the id may hold dots, the stamp does not.
            let Some((id, stamp)) = name.rsplit_once('.') else {
                continue;
            };
            let at_ms = stamp
                .split_once('-')
                .and_then(|(ms, _)| ms.parse().ok())
                .unwrap_or(0);
            let reason = self
                .get(&format!("{head}{entity}/{name}.reason.json"))?
                .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.bytes).ok())
                .and_then(|v| v.get("reason").and_then(|r| r.as_str()).map(str::to_string))
                .unwrap_or_else(|| "(no reason recorded)".into());
            found.push(Quarantined {
                entity: entity.to_string(),
                id: id.to_string(),
                at_ms,
                reason,
                size,
                key: rel.to_string(),
            });
        }
        Ok(found)
    }

    fn quarantine_read(&self, q: &Quarantined) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.get(&self.quarantine_key(&q.key))?.map(|o| o.bytes))
    }

    fn quarantine_restore(&self, q: &Quarantined, replace: bool) -> Result<bool, StorageError> {
        let Some(bytes) = self.quarantine_read(q)? else {
            return Ok(false);
        };
        let live = self.object(&q.entity, &q.id);
        if replace {
            self.put_ok(&live, &bytes)?;
        } else {
            let answer = self.put(&live, &bytes, Some(("if-none-match", "*")))?;
            match answer.status {
                200 | 201 => {}
                412 => return Ok(false),
                _ => return Err(self.failed("PUT", &live, &answer)),
            }
        }
        self.quarantine_purge(q)?;
        Ok(true)
    }

    fn quarantine_purge(&self, q: &Quarantined) -> Result<(), StorageError> {
        let copy = self.quarantine_key(&q.key);
        let note = match copy.strip_suffix(".json") {
            Some(stem) => format!("{stem}.reason.json"),
            None => format!("{copy}.reason.json"),
        };
        self.delete(&copy, None)?;
        self.delete(&note, None)?;
        Ok(())
    }
}
