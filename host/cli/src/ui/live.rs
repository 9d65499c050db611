//! The change watcher: while a page listens, reads the live state every poll interval and
//! tells every open page (through `/api/events`) when it changed, when the store stopped
//! answering and when it answers again.

use super::data;
use persist_embed::storage::Routes;
use std::hash::{Hash, Hasher};
use std::time::Duration;
use tokio::sync::broadcast;

/// What the pages are told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The live state changed: fetch it again.
    Changed,
    /// The store does not answer (its error).
    StoreError(String),
    /// The store answers again.
    StoreOk,
}

/// A fingerprint of the live state, or the store's error.
fn look(routes: &Routes) -> Result<u64, String> {
    let now = data::now(routes)?;
    let text = serde_json::to_string(&now).map_err(|e| e.to_string())?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    Ok(h.finish())
}

/// Watches until the process ends.
pub async fn watch(routes: Routes, every: Duration, changes: broadcast::Sender<Change>) {
    let mut last: Option<Result<u64, String>> = None;
    loop {
        tokio::time::sleep(every).await;
        // No page open: nothing to tell, and the store is not read.
        if changes.receiver_count() == 0 {
            last = None;
            continue;
        }
        let r = routes.clone();
        let Ok(seen) = tokio::task::spawn_blocking(move || look(&r)).await else {
            continue;
        };
        let news = match (&last, &seen) {
            (Some(Ok(a)), Ok(b)) if a == b => None,
            (Some(Err(a)), Err(b)) if a == b => None,
            (Some(Err(_)), Ok(_)) => {
                let _ = changes.send(Change::StoreOk);
                Some(Change::Changed)
            }
            (_, Ok(_)) => Some(Change::Changed),
            (_, Err(e)) => Some(Change::StoreError(e.clone())),
        };
        if last.is_some()
            && let Some(news) = news
        {
            // No page listening is not an error.
            let _ = changes.send(news);
        }
        last = Some(seen);
    }
}
