//! Where the bytes live. A [`Backend`] per kind of store, chosen at run time from a URL by
//! [`open_url`]; every backend is wrapped in [`checked::Checked`], which refuses unsafe names
//! and oversized documents whatever the guest sends.
//!
//! - [`file`](mod@file): `file:PATH`, atomic files under a cap-std directory capability.
//! - [`memory`]: `memory:`, a map in this process.
//! - `redis`: `redis://` and `redis+cluster://`, one key per document (cargo feature `redis`,
//!   on by default).
//! - `postgres`: `postgres://`, one row per document (cargo feature `postgres`, on by default).
//! - `s3`: `s3://bucket/prefix`, one object per document in the file store's layout (cargo
//!   feature `s3`, on by default).
//! - [`url`]: parsing store URLs.
//! - [`routes`]: which store serves which bucket.

pub mod checked;
pub mod file;
pub mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "redis")]
pub mod redis;
pub mod routes;
#[cfg(feature = "s3")]
pub mod s3;
pub mod url;

use std::sync::Arc;

pub use routes::Routes;
pub use url::StoreUrl;

/// Documents over this many bytes are refused unless configured otherwise.
pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = 16 * 1024 * 1024;

/// Why a backend could not do what was asked. The same kinds as the WIT `storage-error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The entity path or id is not a safe name; nothing was read or written.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// The document is over the cap (the cap in bytes); nothing was written.
    #[error("document larger than the store's cap of {0} bytes")]
    TooLarge(u64),
    /// The backend is down or timed out; retry later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Anything else, in the backend's words.
    #[error("{0}")]
    Io(String),
}

/// One kind of store. Entity paths and ids reaching a backend through [`open_url`] have
/// passed `persist_core::keys` checks; a backend must still never touch anything outside
/// its own store.
///
/// The guarantees are those of the WIT `storage` interface: `write` is an atomic replace,
/// durable when it returns `Ok`; `write_if_absent` is an atomic create; `remove` is
/// idempotent; listings never show temp files or the quarantine; `quarantine` moves,
/// never deletes.
pub trait Backend: Send + Sync {
    /// The store's URL, for messages.
    fn url(&self) -> String;
    /// The document's bytes, or `None` when the id does not exist.
    fn read(&self, entity: &str, id: &str) -> Result<Option<Vec<u8>>, StorageError>;
    /// Replaces the document atomically (old bytes or new, never a mix); durable on `Ok`.
    fn write(&self, entity: &str, id: &str, value: &[u8]) -> Result<(), StorageError>;
    /// Creates the document only if the id does not exist: `true` when this call created it,
    /// `false` when it existed (and is left as it was). Durable on `Ok(true)`.
    fn write_if_absent(&self, entity: &str, id: &str, value: &[u8]) -> Result<bool, StorageError>;
    /// Removes the document; removing an absent one is not an error.
    fn remove(&self, entity: &str, id: &str) -> Result<(), StorageError>;
    /// The ids stored under the entity, in no particular order (none when it has none).
    fn list_ids(&self, entity: &str) -> Result<Vec<String>, StorageError>;
    /// Every entity path that holds documents and starts with `prefix` (`""` for all).
    fn entities(&self, prefix: &str) -> Result<Vec<String>, StorageError>;
    /// The documents of one entity, in the order of `ids` (`None` where absent).
    fn read_many(&self, entity: &str, ids: &[String])
    -> Result<Vec<Option<Vec<u8>>>, StorageError>;
    /// Writes every document, durable on `Ok`; a later item for the same document wins. All
    /// or nothing where the store can (memory, Redis, PostgreSQL); on files each document is
    /// atomic and all are durable on `Ok` (see the WIT `write-many`).
    fn write_many(&self, documents: &[Document]) -> Result<(), StorageError>;
    /// [`Backend::write_many`] of only the documents whose stored bytes differ (or that are
    /// absent): `true` for each item written, `false` for each left as it was. For copying a
    /// store (`persist migrate`) without reading back what the target holds: Redis compares
    /// in one script and PostgreSQL in the upsert itself, both all or nothing.
    fn write_many_changed(&self, documents: &[Document]) -> Result<Vec<bool>, StorageError> {
        let mut changed = Vec::with_capacity(documents.len());
        let mut by_entity: Vec<(&str, Vec<usize>)> = Vec::new();
        for (i, (entity, _, _)) in documents.iter().enumerate() {
            match by_entity.iter_mut().find(|(e, _)| e == entity) {
                Some((_, items)) => items.push(i),
                None => by_entity.push((entity.as_str(), vec![i])),
            }
        }
        changed.resize(documents.len(), false);
        for (entity, items) in by_entity {
            let ids: Vec<String> = items.iter().map(|&i| documents[i].1.clone()).collect();
            let stored = self.read_many(entity, &ids)?;
            for (&i, stored) in items.iter().zip(stored) {
                changed[i] = stored.as_deref() != Some(documents[i].2.as_slice());
            }
        }
        let writes: Vec<Document> = documents
            .iter()
            .zip(&changed)
            .filter(|(_, c)| **c)
            .map(|(d, _)| d.clone())
            .collect();
        self.write_many(&writes)?;
        Ok(changed)
    }
    /// Removes every (entity, id); idempotent, durable on `Ok`, atomic as `write_many`.
    fn remove_many(&self, keys: &[(String, String)]) -> Result<(), StorageError>;
    /// The document with its version, or `None` when absent.
    fn read_versioned(&self, entity: &str, id: &str) -> Result<Option<Versioned>, StorageError> {
        Ok(self.read(entity, id)?.map(Versioned::of))
    }
    /// Compare-and-swap: writes `value` only if the document's version is `expected` now
    /// (`None`: only if it does not exist), atomically with respect to every other write of
    /// this store, between processes too. Durable on `Swapped`.
    fn write_if_version(
        &self,
        entity: &str,
        id: &str,
        expected: Option<&str>,
        value: &[u8],
    ) -> Result<SwapOutcome, StorageError>;
    /// Moves the document out of the live store into the quarantine, with `reason` beside
    /// it, only if it still holds `judged` (the bytes found invalid), atomically with respect
    /// to writers: a document replaced since is left alone. True when moved; false when the
    /// document changed or is gone. Never deletes.
    fn quarantine(
        &self,
        entity: &str,
        id: &str,
        judged: &[u8],
        reason: &str,
    ) -> Result<bool, StorageError>;
    /// Every document in the quarantine, in no particular order.
    fn quarantine_list(&self) -> Result<Vec<Quarantined>, StorageError>;
    /// The bytes of a quarantined document as they were moved; `None` when it is gone.
    fn quarantine_read(&self, q: &Quarantined) -> Result<Option<Vec<u8>>, StorageError>;
    /// Puts a quarantined document back under its entity and id and takes it out of the
    /// quarantine. Unless `replace`, only when no live document has that id: `false` then,
    /// and nothing changes. `false` too when it is no longer in the quarantine.
    fn quarantine_restore(&self, q: &Quarantined, replace: bool) -> Result<bool, StorageError>;
    /// Deletes a quarantined document and its reason for good.
    fn quarantine_purge(&self, q: &Quarantined) -> Result<(), StorageError>;
}

/// One document of a batch: (entity path, id, bytes).
pub type Document = (String, String, Vec<u8>);

/// A document's version: the SHA-256 of its bytes as 64 lowercase hex digits (the WIT
/// `version`). The same bytes have the same version on every store.
pub fn version_of(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// A document's bytes with their version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned {
    /// The bytes, as stored.
    pub value: Vec<u8>,
    /// [`version_of`] the bytes.
    pub version: String,
}

impl Versioned {
    /// The bytes with their version computed.
    pub fn of(value: Vec<u8>) -> Versioned {
        let version = version_of(&value);
        Versioned { value, version }
    }
}

/// What [`Backend::write_if_version`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwapOutcome {
    /// The new value is stored, durable; its version.
    Swapped(String),
    /// Nothing was written: the document as it is now (`None` when absent).
    Stale(Option<Versioned>),
}

/// Now, in milliseconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A document in a store's quarantine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    /// The entity path it was moved from, as stored (escaped).
    pub entity: String,
    /// Its id, as stored (escaped).
    pub id: String,
    /// When it was moved, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Why it was moved.
    pub reason: String,
    /// Its size in bytes.
    pub size: u64,
    /// Where the store keeps it: a path under `.quarantine/`, a Redis key, a row.
    pub key: String,
}

/// Opens the store a URL names, with the host's checks in front of it.
pub fn open_url(url: &StoreUrl, max_document_bytes: u64) -> Result<Arc<dyn Backend>, StorageError> {
    open_url_with(url, max_document_bytes, true)
}

/// [`open_url`]; without `housekeeping` a file store creates no folder and sweeps no stale
/// temp files on its own (see [`file::FileStore::open_with`]).
pub fn open_url_with(
    url: &StoreUrl,
    max_document_bytes: u64,
    housekeeping: bool,
) -> Result<Arc<dyn Backend>, StorageError> {
    let inner: Box<dyn Backend> = match url {
        StoreUrl::File(path) => Box::new(file::FileStore::open_with(
            path,
            max_document_bytes,
            housekeeping,
        )?),
        StoreUrl::Memory => Box::new(memory::MemoryStore::default()),
        #[cfg(feature = "redis")]
        StoreUrl::Redis(r) => Box::new(redis::RedisStore::open(r)?),
        #[cfg(feature = "postgres")]
        StoreUrl::Postgres(p) => Box::new(postgres::PostgresStore::open(p)?),
        #[cfg(feature = "s3")]
        StoreUrl::S3(u) => Box::new(s3::S3Store::open(u)?),
        #[cfg(not(all(feature = "redis", feature = "postgres", feature = "s3")))]
        other => {
            return Err(StorageError::Io(format!(
                "{other} needs a build of persist with the cargo feature for that store \
                 (persist-storage's `redis` / `postgres` / `s3`, on by default)"
            )));
        }
    };
    Ok(Arc::new(checked::Checked::new(inner, max_document_bytes)))
}
