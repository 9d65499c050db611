"""The persist guest component in Python (wasmtime-py): backtest-kit's persistence adapters
from the same .wasm cargo builds, on storage written in Python.

    from persist_py import Persist, FileStore
    persist = Persist(FileStore("./dump"))
    persist.write_value("orders", "42", '{"qty": 1}')
    persist.read_signal_data("BTCUSDT", "my-strategy", "binance")
"""

from .host import Persist, PersistError, guest_sha256
from .stores import FileStore, MemoryStore, SqliteStore, StorageError

__all__ = ["Persist", "PersistError", "guest_sha256", "FileStore", "MemoryStore", "SqliteStore", "StorageError"]
