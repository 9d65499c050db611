//! What `persist run` can fail with.

/// A failure of a run: the store's or the guest's (as persist-embed reports it), or the
/// plugin's.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Reading or writing the store, the guest, the candle feed or setting up failed.
    #[error(transparent)]
    Persist(#[from] persist_embed::Error),
    /// A strategy plugin was refused at load, broke a limit, trapped, failed, or answered
    /// something the runner refuses. Nothing of the candle it was asked about was persisted.
    #[error("{0}")]
    Plugin(String),
}
