//! The guest component loaded into wasmtime: compiled once per process (and cached on disk,
//! see [`crate::component_cache`]), then instantiated cheaply for each [`Persist`] session.

use crate::bindings;
use crate::component_cache;
use crate::error::Error;
use crate::host_storage::HostState;
use crate::session::Persist;
use crate::storage::{Backend, Routes};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, Store, StoreLimitsBuilder};
use wasmtime_wasi::{HostWallClock, WasiCtx};

/// The guest component built with this host (`guest/`, for wasm32-wasip2).
pub const EMBEDDED_GUEST: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/persist_guest.wasm"));

/// Where cargo built that guest, the file the Node.js and Python hosts load (unless
/// `PERSIST_GUEST_WASM` named a prebuilt guest at build time).
pub const BUILT_GUEST_PATH: &str = concat!(
    env!("PERSIST_TARGET_DIR"),
    "/guest/wasm32-wasip2/release/persist_guest.wasm"
);

/// Most linear memory a guest instance may use.
const GUEST_MEMORY_BYTES: usize = 1 << 30;

/// Which build of the guest to run. The storage never depends on it.
#[derive(Debug, Clone, Default)]
pub enum GuestSource {
    /// The component embedded in this binary.
    #[default]
    Embedded,
    /// Another build of the guest, from a `.wasm` file.
    File(PathBuf),
}

/// A compiled guest, ready to instantiate. Cheap to share: clone the `Arc`.
pub struct Runtime {
    engine: Engine,
    pre: bindings::PersistPre<HostState>,
    sha256: String,
}

impl Runtime {
    /// Compiles the guest (or loads it from the compiled-component cache) and links its
    /// imports; done once per process.
    pub fn new(source: &GuestSource) -> Result<Runtime, Error> {
        let wasm = match source {
            GuestSource::Embedded => EMBEDDED_GUEST.to_vec(),
            GuestSource::File(path) => std::fs::read(path).map_err(|e| {
                Error::Setup(format!(
                    "cannot read the guest component {}: {e}",
                    path.display()
                ))
            })?,
        };
        let sha256 = hex(&Sha256::digest(&wasm));
        let mut config = Config::new();
        config.max_wasm_stack(1 << 20);
        let engine = Engine::new(&config)
            .map_err(|e| Error::Setup(format!("cannot create the wasmtime engine: {e:#}")))?;
        let named = match source {
            GuestSource::Embedded => "the embedded guest component".to_string(),
            GuestSource::File(path) => format!("the guest component {}", path.display()),
        };
        if !wasm.starts_with(b"\0asm") {
            return Err(Error::Setup(format!(
                "{named} is not a WebAssembly file (it does not start with \\0asm); \
                 give the persist_guest.wasm cargo builds"
            )));
        }
        let component = component_cache::load_or_compile(&engine, &wasm, &sha256).map_err(|e| {
            // The parser's own words, without the byte dumps of its chain of causes.
            let words = e.to_string();
            let words = words.lines().next().unwrap_or_default();
            Error::Setup(format!("{named} is not a valid component: {words}"))
        })?;
        let mut linker: Linker<HostState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(Error::guest)?;
        bindings::Persist::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(Error::guest)?;
        let pre = linker.instantiate_pre(&component).map_err(|e| {
            Error::Setup(format!(
                "the guest component ({source:?}) does not fit the persist world: {e:#}"
            ))
        })?;
        let pre = bindings::PersistPre::new(pre).map_err(|e| {
            Error::Setup(format!(
                "the guest component ({source:?}) does not export the persist world: {e:#}"
            ))
        })?;
        Ok(Runtime {
            engine,
            pre,
            sha256,
        })
    }

    /// SHA-256 of the guest component, in hex.
    pub fn guest_sha256(&self) -> &str {
        &self.sha256
    }

    /// A new guest instance on `backend`, with its own memo of entities.
    pub fn open(&self, backend: Arc<dyn Backend>) -> Result<Persist, Error> {
        self.open_routed(Routes::single(backend))
    }

    /// A new guest instance whose buckets are served by `routes`.
    pub fn open_routed(&self, routes: Routes) -> Result<Persist, Error> {
        self.open_with(routes, WasiCtx::builder().build())
    }

    /// Like [`Runtime::open`], with the guest's wall clock stopped at `now` (which decides
    /// whether a candle is closed): for tests and replays.
    pub fn open_at(&self, backend: Arc<dyn Backend>, now: SystemTime) -> Result<Persist, Error> {
        let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        let mut wasi = WasiCtx::builder();
        wasi.wall_clock(FixedClock(since_epoch));
        self.open_with(Routes::single(backend), wasi.build())
    }

    fn open_with(&self, routes: Routes, wasi: WasiCtx) -> Result<Persist, Error> {
        let state = HostState {
            wasi,
            table: wasmtime::component::ResourceTable::new(),
            limits: StoreLimitsBuilder::new()
                .memory_size(GUEST_MEMORY_BYTES)
                .trap_on_grow_failure(true)
                .build(),
            routes,
            warnings: Vec::new(),
            pending: None,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        let guest = self.pre.instantiate(&mut store).map_err(Error::guest)?;
        Ok(Persist::new(store, guest))
    }
}

/// A wall clock that does not move.
struct FixedClock(Duration);

impl HostWallClock for FixedClock {
    fn resolution(&self) -> Duration {
        Duration::from_millis(1)
    }

    fn now(&self) -> Duration {
        self.0
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
