"""The persist guest component under wasmtime-py, with storage written in Python."""

import hashlib
import json
import math
import os
from typing import Any, Callable, List, Optional

from wasmtime import Engine, Store, WasiConfig
from wasmtime.component import Component, Linker, ResourceHost, ResourceType, Variant
from wasmtime.component import _types

from .stores import StorageError

VERSION = "0.1.0"
_HERE = os.path.dirname(os.path.abspath(__file__))
# cargo's target folder: $CARGO_TARGET_DIR (relative to the repository) or target/.
TARGET_DIR = os.path.join(
    os.path.abspath(os.path.join(_HERE, "..", "..", "..")), os.environ.get("CARGO_TARGET_DIR") or "target"
)
# The guest cargo built in this repository, unless PERSIST_GUEST_WASM names another file.
DEFAULT_WASM = os.environ.get("PERSIST_GUEST_WASM") or os.path.join(
    TARGET_DIR, "guest", "wasm32-wasip2", "release", "persist_guest.wasm"
)
_BUCKET = 1
_ERROR_KINDS = {"not-found", "invalid-input", "invalid-key", "corrupt", "storage"}


def _fix_option_lowering() -> None:
    # wasmtime-py 50 counts an option's `none` case as `object`, so a `result<option<T>, E>`
    # returned by a host function can never lower its error (every value "is" an object).
    # `none` is `None`; with that, the storage import can fail a read as the WIT says.
    original = _types.VariantLikeType.add_classes

    def add_classes(self, s):  # type: ignore[no-untyped-def]
        if isinstance(self, _types.OptionType):
            s.add(type(None))
            self.payload.add_classes(s)
        else:
            original(self, s)

    _types.VariantLikeType.add_classes = add_classes  # type: ignore[method-assign]


_fix_option_lowering()


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


def _compiled(wasm: str):  # type: ignore[no-untyped-def]
    """The engine and compiled component for `wasm`, compiled once per process."""
    if wasm not in _COMPILED:
        engine = Engine()
        _COMPILED[wasm] = (engine, Component.from_file(engine, wasm))
    return _COMPILED[wasm]


def guest_sha256(wasm: str = DEFAULT_WASM) -> str:
    with open(wasm, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Persist:
    """One guest instance on `store` (a MemoryStore, FileStore, SqliteStore or any object
    with their seven methods)."""

    def __init__(self, store: Any, wasm: str = DEFAULT_WASM):
        self.wasm = os.path.abspath(wasm)
        self.warnings: List[str] = []
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

        with linker.root() as root:
            with root.add_instance(f"backtest:persist/storage@{VERSION}") as st:
                st.add_resource("bucket", ResourceType.host(_BUCKET), lambda ctx, rep: None)
                st.add_func("open", lambda ctx, name: ResourceHost.own(0, _BUCKET))
                st.add_func("[method]bucket.read", method(store.read))
                st.add_func("[method]bucket.write", method(lambda e, i, v: store.write(e, i, bytes(v))))
                st.add_func(
                    "[method]bucket.write-if-absent", method(lambda e, i, v: store.write_if_absent(e, i, bytes(v)))
                )
                st.add_func("[method]bucket.remove", method(store.remove))
                st.add_func("[method]bucket.list-ids", method(store.list_ids))
                st.add_func("[method]bucket.entities", method(store.entities))
                st.add_func("[method]bucket.quarantine", method(store.quarantine))
            with root.add_instance(f"backtest:persist/diagnostics@{VERSION}") as d:
                d.add_func("warn", lambda ctx, message: self.warnings.append(message))
        self._instance = linker.instantiate(self._store, component)
        self._bases: dict = {}
        self._funcs: dict = {}

    def call(self, interface: str, function: str, *args: Any) -> Any:
        """Calls an export of the guest (`signal`, `read-signal-data`, …); a `persist-error`
        is raised as a PersistError."""
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

    def domain(self, name: str) -> "Domain":
        """A domain's operations by their Python names: `persist.domain("risk").read_position_data(
        "my-risk", "binance", 0.0)`. Records come and go as the guest's WIT records."""
        return Domain(self, name)

    # backtest-kit's PersistBase for an entity of your own (JSON text in and out).

    def _base(self, entity: str):  # type: ignore[no-untyped-def]
        if entity not in self._bases:
            self._bases[entity] = self.call("base", "[constructor]persist-base", entity)
        return self._bases[entity]

    def wait_for_init(self, entity: str) -> Any:
        base = self.call("base", "[constructor]persist-base", entity)
        self._bases[entity] = base
        return self.call("base", "[method]persist-base.wait-for-init", base, True)

    def read_value(self, entity: str, id: str) -> str:
        return self.call("base", "[method]persist-base.read-value", self._base(entity), id)

    def has_value(self, entity: str, id: str) -> bool:
        return self.call("base", "[method]persist-base.has-value", self._base(entity), id)

    def write_value(self, entity: str, id: str, json_text: str) -> None:
        self.call("base", "[method]persist-base.write-value", self._base(entity), id, json_text)

    def keys(self, entity: str) -> List[str]:
        return self.call("base", "[method]persist-base.keys", self._base(entity))

    def remove_value(self, entity: str, id: str) -> None:
        self.call("base", "[method]persist-base.remove-value", self._base(entity), id)

    def check(self, dry_run: bool = False) -> Any:
        """Validates every document; invalid ones are quarantined unless `dry_run`."""
        return self.call("admin", "check", dry_run)

    # The signal domain with backtest-kit's JSON (plain dicts) in and out.

    def read_signal_data(self, symbol: str, strategy_name: str, exchange_name: str) -> Optional[dict]:
        row = self.call("signal", "read-signal-data", symbol, strategy_name, exchange_name)
        if row is None:
            return None
        data = json.loads(self.call("records", "signal-row-to-json", row))
        if data.get("minuteEstimatedTime") is None:
            data["minuteEstimatedTime"] = math.inf
        return data

    def write_signal_data(self, row: Optional[dict], symbol: str, strategy_name: str, exchange_name: str) -> None:
        record = None if row is None else self.call("records", "signal-row-from-json", json.dumps(row))
        self.call("signal", "write-signal-data", record, symbol, strategy_name, exchange_name)


class Domain:
    """The exports of one domain interface, called with snake_case names."""

    def __init__(self, persist: Persist, interface: str):
        self._persist = persist
        self._interface = interface

    def __getattr__(self, name: str) -> Callable:
        def call(*args: Any) -> Any:
            return self._persist.call(self._interface, name.replace("_", "-"), *args)

        return call
