"""The persist guest component under wasmtime-py, with storage written in Python."""

import hashlib
import json
import math
import os
from typing import Any, Callable, List, Optional

from wasmtime import Engine, Store, WasiConfig
from wasmtime import _ffi as wasmtime_ffi
from wasmtime.component import Component, Linker, Record, ResourceHost, ResourceType, Variant

from . import domains as d
from . import wasmtime_patches  # applied on import
from .stores import StorageError

VERSION = "0.4.0"
_HERE = os.path.dirname(os.path.abspath(__file__))
# cargo's target folder: $CARGO_TARGET_DIR (relative to the repository) or target/.
TARGET_DIR = os.path.join(
    os.path.abspath(os.path.join(_HERE, "..", "..", "..")), os.environ.get("CARGO_TARGET_DIR") or "target"
)
# The guest: $PERSIST_GUEST_WASM, else the one packaged with this module (an installed
# package), else the one cargo built in this repository.
_PACKAGED_WASM = os.path.join(_HERE, "persist_guest.wasm")
DEFAULT_WASM = os.environ.get("PERSIST_GUEST_WASM") or (
    _PACKAGED_WASM
    if os.path.isfile(_PACKAGED_WASM)
    else os.path.join(TARGET_DIR, "guest", "wasm32-wasip2", "release", "persist_guest.wasm")
)
_BUCKET = 1
_DOMAINS = ("signal", "schedule", "strategy", "risk", "partial", "breakeven", "candle", "storage", "notification",
            "log", "measure", "interval", "memory", "recent", "state", "session")
_INTERFACES = {"storage-signals" if name == "storage" else name for name in _DOMAINS}
_ERROR_KINDS = {"not-found", "invalid-input", "invalid-key", "corrupt", "storage"}




def _log_warning(message: str) -> None:
    """The default for the guest's warnings: the `persist_py` logger, at WARNING (imported only
    when there is something to say: `logging` costs a start-up tens of milliseconds)."""
    import logging

    logging.getLogger("persist_py").warning(message)


def _versioned(v: Any) -> Any:
    """A store's Versioned (or None) as the WIT record `versioned` wasmtime-py lowers."""
    if v is None:
        return None
    record = Record()
    record.value, record.version = bytes(v.value), v.version
    return record


def _swap_outcome(tag: str, payload: Any) -> Any:
    """A store's ("swapped", version) or ("stale", Versioned or None) as wasmtime-py lowers the
    WIT `swap-outcome`."""
    return payload if tag == "swapped" else _versioned(payload)


class PersistError(Exception):
    """An error of the guest: `kind` is not-found, invalid-input, invalid-key, corrupt or storage."""

    def __init__(self, kind: str, payload: Any):
        if kind == "invalid-input":
            message = f"{payload.path}: {payload.reason}"
        elif kind == "storage":
            message = payload.message
        else:
            message = str(payload)
        super().__init__(message)
        self.kind = kind
        self.message = message


_COMPILED: dict = {}


def _cache_dir() -> Optional[str]:
    """Where compiled guests are kept, as the Rust host decides it: $PERSIST_CACHE_DIR (`off`
    for none), else $XDG_CACHE_HOME/persist, else ~/.cache/persist."""
    chosen = os.environ.get("PERSIST_CACHE_DIR")
    if chosen == "off":
        return None
    if chosen:
        return chosen
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return os.path.join(xdg, "persist")
    home = os.environ.get("HOME")
    return os.path.join(home, ".cache", "persist") if home else None


def _compiled(wasm: str):  # type: ignore[no-untyped-def]
    """The engine and compiled component for `wasm`, once per process, and from the disk cache
    across processes: compiling takes about half a second, loading the compiled form a few
    milliseconds. The cache can make a start faster, never fail it: a file that does not load
    (another wasmtime, a torn write) is compiled again and replaced."""
    if wasm in _COMPILED:
        return _COMPILED[wasm]
    engine = Engine()
    with open(wasm, "rb") as f:
        code = f.read()
    component = None
    cache = _cache_dir()
    path = None
    if cache:
        # Which wasmtime: its library's size and time (importlib.metadata costs 50 ms to load).
        library = os.stat(wasmtime_ffi.dll._name)
        engine_id = f"{library.st_size:x}{library.st_mtime_ns:x}"
        name = f"{hashlib.sha256(code).hexdigest()}-wasmtime-py-{engine_id}-{os.uname().machine}.cwasm"
        path = os.path.join(cache, name)
        if os.path.isfile(path):
            try:
                # Written below by Component.serialize for this component and this wasmtime;
                # wasmtime checks the header and refuses a file of another version.
                component = Component.deserialize_file(engine, path)
            except Exception:  # noqa: BLE001  any failure means: compile instead
                component = None
    if component is None:
        component = Component.from_file(engine, wasm)
        if path:
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                tmp = f"{path}.{os.getpid()}.tmp"
                with open(tmp, "wb") as f:
                    f.write(component.serialize())
                os.replace(tmp, path)
            except OSError:
                pass
    _COMPILED[wasm] = (engine, component)
    return _COMPILED[wasm]


def guest_sha256(wasm: str = DEFAULT_WASM) -> str:
    with open(wasm, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Persist:
    """One guest instance on `store` (a MemoryStore, FileStore, SqliteStore or any object
    with their seven methods). The guest's warnings (a document an init moved to the
    quarantine, a skipped candle) go to `on_warning(message)`, by default the `persist_py`
    logger at WARNING, and the last 1000 stay in `warnings`."""

    def __init__(self, store: Any, wasm: str = DEFAULT_WASM,
                 on_warning: Optional[Callable[[str], None]] = None):
        self.wasm = os.path.abspath(wasm)
        self.warnings: List[str] = []
        warn = on_warning or _log_warning

        def warned(ctx, message):  # type: ignore[no-untyped-def]
            self.warnings.append(message)
            del self.warnings[:-1000]
            warn(message)

        engine, component = _compiled(self.wasm)
        self._store = Store(engine)
        self._store.set_wasi(WasiConfig())  # empty: no files, environment or arguments
        linker = Linker(engine)
        linker.add_wasip2()

        def method(f: Callable) -> Callable:
            def call(ctx, this, *args):  # type: ignore[no-untyped-def]
                try:
                    return f(*args)
                except StorageError as e:
                    value = int(e.message) if e.kind == "too-large" else e.message
                    return Variant(e.kind, value)
                finally:
                    this.drop(ctx)

            return call

        def bucket_method(f: Callable, with_value: bool) -> Callable:
            """`f(entity, id[, value])` as a bucket method, its arguments taken from the C values
            directly (the hot path: every read and write)."""

            take_string, take_bytes = wasmtime_patches.take_string, wasmtime_patches.take_bytes
            end_borrow = wasmtime_patches.end_borrow

            def run(ctx, args, result_ty, results):  # type: ignore[no-untyped-def]
                try:
                    entity, id_ = take_string(args[1]), take_string(args[2])
                    try:
                        value = f(entity, id_, take_bytes(args[3])) if with_value else f(entity, id_)
                    except StorageError as e:
                        value = Variant(e.kind, int(e.message) if e.kind == "too-large" else e.message)
                finally:
                    end_borrow(ctx, args[0])
                result_ty.convert_to_c(ctx, value, results)

            return wasmtime_patches.raw_host_function(run)

        with linker.root() as root:
            with root.add_instance(f"backtest:persist/storage@{VERSION}") as st:
                st.add_resource("bucket", ResourceType.host(_BUCKET), lambda ctx, rep: None)
                st.add_func("open", lambda ctx, name: ResourceHost.own(0, _BUCKET))
                st.add_func("[method]bucket.read", bucket_method(store.read, False))
                st.add_func("[method]bucket.write", bucket_method(store.write, True))
                st.add_func("[method]bucket.write-if-absent", bucket_method(store.write_if_absent, True))
                st.add_func("[method]bucket.remove", method(store.remove))
                st.add_func("[method]bucket.list-ids", method(store.list_ids))
                st.add_func("[method]bucket.entities", method(store.entities))
                st.add_func(
                    "[method]bucket.quarantine", method(lambda e, i, judged, r: store.quarantine(e, i, bytes(judged), r))
                )
                st.add_func("[method]bucket.read-many", method(store.read_many))
                st.add_func(
                    "[method]bucket.write-many",
                    method(lambda docs: store.write_many([(e, i, bytes(v)) for e, i, v in docs])),
                )
                st.add_func("[method]bucket.remove-many", method(lambda keys: store.remove_many([tuple(k) for k in keys])))
                st.add_func(
                    "[method]bucket.read-versioned", method(lambda e, i: _versioned(store.read_versioned(e, i)))
                )
                # swap-outcome's cases hold different Python types, so wasmtime-py takes it
                # untagged: the version (a str) when swapped, the current document (a record,
                # or None) when stale.
                st.add_func(
                    "[method]bucket.write-if-version",
                    method(lambda e, i, x, v: _swap_outcome(*store.write_if_version(e, i, x, bytes(v)))),
                )
            with root.add_instance(f"backtest:persist/diagnostics@{VERSION}") as d:
                d.add_func("warn", warned)
        self._instance = linker.instantiate(self._store, component)
        self._funcs: dict = {}

    def call_json(self, domain: str, context: str, operation: str, args: str) -> str:
        """`json-calls.call`: one domain operation with backtest-kit's JSON in and out (the
        domain classes below are built on it); a `persist-error` is raised as a PersistError."""
        func = self._funcs.get(("json-calls", "call"))
        if func is None:
            iface = self._instance.get_export_index(self._store, f"backtest:persist/json-calls@{VERSION}")
            if iface is None:
                raise ValueError(f"the guest {self.wasm} exports no json-calls: build it from this version")
            index = self._instance.get_export_index(self._store, "call", iface)
            func = self._funcs[("json-calls", "call")] = self._instance.get_func(self._store, index)
        ok, value = wasmtime_patches.call_with_strings(func, self._store, (domain, context, operation, args))
        if ok:
            return value
        raise PersistError(value.tag, value.payload)

    def call(self, interface: str, function: str, *args: Any) -> Any:
        """Calls an export of the guest by its WIT names (`signal`,
        `[method]signal-instance.read-signal-data`, …), with the guest's own values (WIT records,
        resource handles); a `persist-error` is raised as a PersistError. The methods below are
        built on it."""
        s = self._store
        func = self._funcs.get((interface, function))
        if func is None:
            iface = self._instance.get_export_index(s, f"backtest:persist/{interface}@{VERSION}")
            if iface is None:
                raise ValueError(f"the guest exports no interface {interface}")
            index = self._instance.get_export_index(s, function, iface)
            if index is None:
                raise ValueError(f"the guest's {interface} has no function {function}")
            func = self._funcs[(interface, function)] = self._instance.get_func(s, index)
        result = func(s, *args)
        if isinstance(result, Variant) and result.tag in _ERROR_KINDS:
            raise PersistError(result.tag, result.payload)
        return result

    def check(self, dry_run: bool = False) -> Any:
        """Validates every document; invalid ones are quarantined unless `dry_run`."""
        return self.call("admin", "check", dry_run)

    def clear(self, domain: str) -> None:
        """Drops a domain's memo of contexts ("signal", "storage", …): the next call through any
        handle re-reads and re-validates."""
        interface = "storage-signals" if domain == "storage" else domain
        if interface not in _INTERFACES:
            raise ValueError(f"no domain {domain!r}: expected one of {', '.join(_DOMAINS)}")
        self.call(interface, "clear")

    # backtest-kit's PersistBase for an entity of your own, and its 16 Persist<X>Instance.

    def base(self, entity_name: str) -> d.PersistBase:
        return d.PersistBase(self, entity_name)

    def signal(self, symbol: str, strategy_name: str, exchange_name: str) -> d.SignalInstance:
        return d.SignalInstance(self, symbol, strategy_name, exchange_name)

    def schedule(self, symbol: str, strategy_name: str, exchange_name: str) -> d.ScheduleInstance:
        return d.ScheduleInstance(self, symbol, strategy_name, exchange_name)

    def strategy(self, symbol: str, strategy_name: str, exchange_name: str) -> d.StrategyInstance:
        return d.StrategyInstance(self, symbol, strategy_name, exchange_name)

    def risk(self, risk_name: str, exchange_name: str) -> d.RiskInstance:
        return d.RiskInstance(self, risk_name, exchange_name)

    def partial(self, symbol: str, strategy_name: str, exchange_name: str) -> d.PartialInstance:
        return d.PartialInstance(self, symbol, strategy_name, exchange_name)

    def breakeven(self, symbol: str, strategy_name: str, exchange_name: str) -> d.BreakevenInstance:
        return d.BreakevenInstance(self, symbol, strategy_name, exchange_name)

    def candle(self, symbol: str, interval: str, exchange_name: str) -> d.CandleInstance:
        return d.CandleInstance(self, symbol, interval, exchange_name)

    def storage(self, backtest: bool) -> d.StorageInstance:
        return d.StorageInstance(self, backtest)

    def notification(self, backtest: bool) -> d.NotificationInstance:
        return d.NotificationInstance(self, backtest)

    def log(self) -> d.LogInstance:
        return d.LogInstance(self)

    def measure(self, bucket: str) -> d.MeasureInstance:
        return d.MeasureInstance(self, bucket)

    def interval(self, bucket: str) -> d.IntervalInstance:
        return d.IntervalInstance(self, bucket)

    def memory(self, signal_id: str, bucket_name: str) -> d.MemoryInstance:
        return d.MemoryInstance(self, signal_id, bucket_name)

    def recent(
        self, symbol: str, strategy_name: str, exchange_name: str, frame_name: str, backtest: bool
    ) -> d.RecentInstance:
        return d.RecentInstance(self, symbol, strategy_name, exchange_name, frame_name, backtest)

    def state(self, signal_id: str, bucket_name: str) -> d.StateInstance:
        return d.StateInstance(self, signal_id, bucket_name)

    def session(
        self, strategy_name: str, exchange_name: str, frame_name: str, symbol: str, backtest: bool
    ) -> d.SessionInstance:
        return d.SessionInstance(self, strategy_name, exchange_name, frame_name, symbol, backtest)
