"""The persist guest component in Python (wasmtime-py): backtest-kit's persistence adapters
from the same .wasm cargo builds, on storage written in Python.

    from persist_py import Persist, FileStore
    persist = Persist(FileStore("./dump"))
    persist.base("orders").write_value("42", {"qty": 1})
    signal = persist.signal("BTCUSDT", "my-strategy", "binance")  # one context
    signal.wait_for_init(True)
    signal.read_signal_data()
"""

from .host import Persist, PersistError, guest_sha256
from .stores import FileStore, MemoryStore, SqliteStore, StorageError

__all__ = ["Persist", "PersistError", "guest_sha256", "FileStore", "MemoryStore", "SqliteStore", "StorageError"]
