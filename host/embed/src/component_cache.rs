//! Compiling a component (the guest, a plugin) takes most of a CLI call's start-up, so the compiled form is kept on
//! disk, keyed by the SHA-256 of the component and by wasmtime's compatibility hash of the
//! engine, and reused by later processes.
//!
//! The folder is `$PERSIST_CACHE_DIR`, else `$XDG_CACHE_HOME/persist`, else
//! `~/.cache/persist`; `PERSIST_CACHE_DIR=off` turns the cache off. Any failure to read or
//! write the cache falls back to compiling: the cache can make a call faster, never fail it.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use wasmtime::Engine;
use wasmtime::component::Component;

fn cache_dir() -> Option<PathBuf> {
    match std::env::var_os("PERSIST_CACHE_DIR") {
        Some(v) if v == "off" => None,
        Some(v) if !v.is_empty() => Some(PathBuf::from(v)),
        _ => std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(|v| PathBuf::from(v).join("persist"))
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/persist"))),
    }
}

/// The compiled component for `wasm` (whose SHA-256 is `sha256`), from the cache when it holds it.
pub fn load_or_compile(engine: &Engine, wasm: &[u8], sha256: &str) -> wasmtime::Result<Component> {
    let Some(dir) = cache_dir() else {
        return Component::new(engine, wasm);
    };
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let path = dir.join(format!("{sha256}-{:016x}.cwasm", hasher.finish()));
    if path.is_file() {
        // SAFETY: the file was written by `Component::serialize` below for this exact
        // component and engine configuration (both are in its name); wasmtime checks its
        // header and refuses a file from another version or configuration.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => return Ok(component),
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "ignoring an unusable compiled-guest cache file")
            }
        }
    }
    let component = Component::new(engine, wasm)?;
    if let Err(e) = store(&dir, &path, &component) {
        tracing::debug!(file = %path.display(), error = %e, "could not cache the compiled guest");
    }
    Ok(component)
}

fn store(
    dir: &std::path::Path,
    path: &std::path::Path,
    component: &Component,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let bytes = component.serialize().map_err(|e| anyhow::anyhow!("{e}"))?;
    let tmp = dir.join(format!(
        ".tmp-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(())
}
