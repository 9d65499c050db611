//! The strategy plugins of this workspace as components, built for wasm32-wasip2 by this
//! crate's build script: every package under `plugins/` and `tests/plugins/` (but this one).
//! Each is copied to `<target>/plugins/<name>.wasm`, the path the README uses, and has two
//! constants here: `<NAME>` (that path) and `<NAME>_WASM` (its bytes), e.g. [`MA_CROSSOVER`].

include!(concat!(env!("OUT_DIR"), "/plugins.rs"));
