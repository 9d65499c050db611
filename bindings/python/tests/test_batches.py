"""Batches and compare-and-swap from Python: the store calls the guest makes on every store of
persist_py, PersistBase.read_many/write_many and the risk profile's put_position, and four
processes incrementing one counter in a folder the Rust file store shares."""

import os
import subprocess
import sys

import pytest

from persist_py import FileStore, MemoryStore, Persist, PersistError, SqliteStore, StorageError
from persist_py.stores import version_of

POSITION = {
    "strategyName": "s", "exchangeName": "binance", "frameName": "", "symbol": "BTCUSDT", "position": "long",
    "priceOpen": 42000, "priceStopLoss": 41000, "priceTakeProfit": 43000, "minuteEstimatedTime": 60,
    "openTimestamp": 1704067200000,
}


def make(kind, tmp_path):
    if kind == "memory":
        return MemoryStore()
    if kind == "file":
        return FileStore(str(tmp_path / "store"))
    return SqliteStore(str(tmp_path / "store.db"))


@pytest.mark.parametrize("kind", ["memory", "file", "sqlite"])
def test_a_batch_writes_reads_and_removes_and_a_bad_item_writes_nothing(kind, tmp_path):
    s = make(kind, tmp_path)
    s.write("orders", "kept", b"old")
    s.write_many([("orders", "1", b"one"), ("orders", "2", b"two"), ("orders", "1", b"one again")])
    assert s.read_many("orders", ["1", "missing", "2", "kept"]) == [b"one again", None, b"two", b"old"]
    with pytest.raises(StorageError) as e:
        s.write_many([("orders", "1", b"x"), ("orders", "..", b"y")])
    assert e.value.kind == "invalid-key" and "batch item 1" in e.value.message and "nothing was written" in e.value.message
    assert s.read("orders", "1") == b"one again"
    s.remove_many([("orders", "1"), ("orders", "never")])
    assert s.read_many("orders", ["1", "2"]) == [None, b"two"]


@pytest.mark.parametrize("kind", ["memory", "file", "sqlite"])
def test_write_if_version_swaps_only_from_the_version_read(kind, tmp_path):
    s = make(kind, tmp_path)
    assert s.write_if_version("c", "n", None, b"1") == ("swapped", version_of(b"1"))
    tag, current = s.write_if_version("c", "n", None, b"x")
    assert tag == "stale" and current.value == b"1" and current.version == version_of(b"1")
    assert s.write_if_version("c", "n", version_of(b"1"), b"2")[0] == "swapped"
    assert s.write_if_version("c", "n", version_of(b"1"), b"3")[1].value == b"2"
    assert s.write_if_version("c", "absent", version_of(b"1"), b"4") == ("stale", None)
    assert s.read("c", "absent") is None


@pytest.mark.parametrize("kind", ["memory", "file", "sqlite"])
def test_base_batches_and_put_position_through_the_guest(kind, tmp_path):
    p = Persist(make(kind, tmp_path))
    b = p.base("orders")
    b.write_many([("1", {"qty": 1}), ("2", {"qty": 2})])
    assert b.read_many(["2", "missing", "1"]) == [{"qty": 2}, None, {"qty": 1}]
    with pytest.raises(PersistError) as e:
        p.base("data/signal/BTCUSDT_s_binance").write_many([("BTCUSDT", {"id": "x"})])
    assert e.value.kind == "invalid-input" and e.value.message.startswith("values[0]: ")
    r = p.risk("shared", "binance")
    assert r.put_position("a", POSITION, 1) is True
    assert r.put_position("b", {**POSITION, "symbol": "ETHUSDT"}, 1) is False
    assert [k for k, _ in r.read_position_data()] == ["a"]
    assert r.put_position("a", None) is True
    assert r.put_position("b", {**POSITION, "symbol": "ETHUSDT"}, 1) is True
    assert [k for k, _ in r.read_position_data()] == ["b"]


CHILD = """
import sys
from persist_py import FileStore
s = FileStore(sys.argv[1])
for _ in range(500):
    current = s.read_versioned("cas", "counter")
    while True:
        n = 0 if current is None else int(current.value)
        tag, got = s.write_if_version("cas", "counter", current.version if current else None, str(n + 1).encode())
        if tag == "swapped":
            break
        current = got
"""


def test_four_processes_incrementing_one_counter_on_files_lose_no_update(tmp_path):
    root = str(tmp_path / "store")
    children = [subprocess.Popen([sys.executable, "-c", CHILD, root]) for _ in range(4)]
    assert [c.wait() for c in children] == [0, 0, 0, 0]
    assert FileStore(root).read("cas", "counter") == b"2000"
