//! Which store serves which bucket: one store for everything, with per-bucket overrides
//! (`--route signal=redis://…`), so that signals can live in Redis and candles on files
//! without touching the guest.

use super::{Backend, StorageError, StoreUrl, open_url_with};
use persist_core::domain::Domain;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The bucket of the caller's own `persist-base` entities.
pub const BASE_BUCKET: &str = "base";

/// Every bucket name the guest opens: `base` and the 16 domains.
pub fn bucket_names() -> Vec<&'static str> {
    std::iter::once(BASE_BUCKET)
        .chain(Domain::ALL.iter().map(|d| d.name()))
        .collect()
}

/// Which store serves each bucket: a default, and the buckets routed elsewhere.
#[derive(Clone)]
pub struct Routes {
    default: Arc<dyn Backend>,
    by_bucket: BTreeMap<String, Arc<dyn Backend>>,
}

impl Routes {
    /// Every bucket on one store.
    pub fn single(default: Arc<dyn Backend>) -> Routes {
        Routes {
            default,
            by_bucket: BTreeMap::new(),
        }
    }

    /// Opens the default store and each routed one (a URL routed twice is opened once).
    pub fn open(
        default: &StoreUrl,
        routes: &[(String, StoreUrl)],
        max_document_bytes: u64,
    ) -> Result<Routes, RouteError> {
        Routes::open_with(default, routes, max_document_bytes, true)
    }

    /// [`Routes::open`], with or without the file stores' housekeeping (see
    /// [`crate::open_url_with`]).
    pub fn open_with(
        default: &StoreUrl,
        routes: &[(String, StoreUrl)],
        max_document_bytes: u64,
        housekeeping: bool,
    ) -> Result<Routes, RouteError> {
        let open = |url: &StoreUrl| {
            open_url_with(url, max_document_bytes, housekeeping).map_err(|e| RouteError::Open {
                url: url.to_string(),
                error: e,
            })
        };
        let mut opened: BTreeMap<String, Arc<dyn Backend>> = BTreeMap::new();
        let default_backend = open(default)?;
        opened.insert(default.to_string(), default_backend.clone());
        let mut by_bucket = BTreeMap::new();
        for (bucket, url) in routes {
            if !bucket_names().contains(&bucket.as_str()) {
                return Err(RouteError::UnknownBucket(bucket.clone()));
            }
            let backend = match opened.get(&url.to_string()) {
                Some(b) => b.clone(),
                None => {
                    let b = open(url)?;
                    opened.insert(url.to_string(), b.clone());
                    b
                }
            };
            by_bucket.insert(bucket.clone(), backend);
        }
        Ok(Routes {
            default: default_backend,
            by_bucket,
        })
    }

    /// Every store, each once: the default, then the routed ones.
    pub fn stores(&self) -> Vec<Arc<dyn Backend>> {
        let mut seen = std::collections::BTreeSet::new();
        std::iter::once(&self.default)
            .chain(self.by_bucket.values())
            .filter(|b| seen.insert(b.url()))
            .cloned()
            .collect()
    }

    /// The store serving `bucket`.
    pub fn for_bucket(&self, bucket: &str) -> &Arc<dyn Backend> {
        self.by_bucket.get(bucket).unwrap_or(&self.default)
    }

    /// The stores, as a message shows them: `URL` or `URL (signal → URL, …)`.
    pub fn describe(&self) -> String {
        let mut text = self.default.url();
        if !self.by_bucket.is_empty() {
            let routes: Vec<String> = self
                .by_bucket
                .iter()
                .map(|(b, s)| format!("{b} → {}", s.url()))
                .collect();
            text.push_str(&format!(" ({})", routes.join(", ")));
        }
        text
    }
}

/// Why routes could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    /// A route names no bucket (`base` or one of the 16 domains).
    #[error("unknown bucket {0:?} in a route; the buckets are {names}", names = bucket_names().join(", "))]
    UnknownBucket(String),
    /// A store of the routes could not be opened.
    #[error("cannot open store {url}: {error}")]
    Open {
        /// The store's URL (its password hidden).
        url: String,
        /// Why it could not be opened.
        error: StorageError,
    },
}

/// `BUCKET=URL`, as `--route` takes it.
pub fn parse_route(text: &str) -> Result<(String, StoreUrl), String> {
    let (bucket, url) = text.split_once('=').ok_or_else(|| {
        format!("{text:?} is not BUCKET=URL (for example signal=redis://127.0.0.1:6379)")
    })?;
    let url = url.parse::<StoreUrl>().map_err(|e| e.to_string())?;
    Ok((bucket.trim().to_string(), url))
}
