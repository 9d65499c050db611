"""The Python host beyond the shared cases: backtest-kit-shaped signal data, storage failures
reaching the caller, and files shared with the Rust CLI."""

import hashlib
import json
import math
import os
import subprocess

import pytest

from persist_py import FileStore, MemoryStore, Persist, PersistError, SqliteStore, StorageError, guest_sha256
from persist_py.host import DEFAULT_WASM, TARGET_DIR

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CLI = os.environ.get("PERSIST_BIN", os.path.join(TARGET_DIR, "debug", "persist"))
with open(os.path.join(REPO, "tests", "behaviour", "cases.json")) as f:
    SIGNAL = json.loads(json.load(f)["signal"])


def cli(store_dir, *args, stdin=None):
    assert os.path.exists(CLI), f"the Rust CLI {CLI} is missing: run `cargo build` (or set PERSIST_BIN)"
    return subprocess.run(
        [CLI, "--guest", DEFAULT_WASM, "--store", f"file:{store_dir}", *args],
        input=stdin, capture_output=True, text=True, env={**os.environ, "PERSIST_CACHE_DIR": "off"},
    )


def test_the_host_runs_the_wasm_cargo_built_byte_for_byte():
    with open(DEFAULT_WASM, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    print(f"guest sha256 {sha}")
    assert guest_sha256() == sha
    assert Persist(MemoryStore()).wasm == os.path.abspath(DEFAULT_WASM)


def test_signal_data_round_trip_with_infinity_restored():
    p = Persist(SqliteStore(":memory:"))
    assert p.read_signal_data("BTCUSDT", "my-strategy", "binance") is None
    p.write_signal_data({**SIGNAL, "minuteEstimatedTime": None}, "BTCUSDT", "my-strategy", "binance")
    row = p.read_signal_data("BTCUSDT", "my-strategy", "binance")
    assert row["minuteEstimatedTime"] == math.inf
    assert row["priceOpen"] == 42000.5
    with pytest.raises(PersistError) as e:
        p.write_signal_data({**SIGNAL, "priceOpen": "abc"}, "BTCUSDT", "my-strategy", "binance")
    assert e.value.kind == "invalid-input"
    assert 'priceOpen: expected a number, got "abc"' in str(e.value)


def test_every_domain_by_its_python_names():
    p = Persist(MemoryStore())
    risk = p.domain("risk")
    entries = p.call("records", "risk-from-json", json.dumps([["k", {
        "strategyName": "s", "exchangeName": "e", "frameName": "", "symbol": "BTCUSDT", "position": "short",
        "priceOpen": 2.0, "priceStopLoss": 3.0, "priceTakeProfit": 1.0, "minuteEstimatedTime": 5, "openTimestamp": 1}]]))
    risk.write_position_data(entries, "my-risk", "binance", 0.0)
    back = risk.read_position_data("my-risk", "binance", 0.0)
    assert [e.key for e in back] == ["k"]
    state = p.domain("state")
    state.write_state_data('{"id":"s1_b","data":{"x":1},"when":1}', "s1", "b", 0.0)
    assert json.loads(state.read_state_data("s1", "b"))["data"] == {"x": 1}
    with pytest.raises(PersistError) as e:
        state.write_state_data('{"id":1}', "s1", "b", 0.0)
    assert e.value.kind == "invalid-input"


class DownStore(MemoryStore):
    def read(self, entity, id):
        raise StorageError("unavailable", "connection refused; check that the server runs")


def test_a_storage_failure_reaches_the_caller_with_its_words():
    p = Persist(DownStore())
    with pytest.raises(PersistError) as e:
        p.read_value("orders", "1")
    assert e.value.kind == "storage"
    assert "connection refused; check that the server runs" in str(e.value)


def test_files_the_python_file_store_wrote_are_read_by_the_rust_cli(tmp_path):
    p = Persist(FileStore(str(tmp_path)))
    p.write_value("orders", "42", '{"qty": 1, "price": 42000.5}')
    p.write_signal_data(SIGNAL, "BTCUSDT", "my-strategy", "binance")
    check = cli(tmp_path, "check")
    assert check.returncode == 0, check.stderr
    assert "checked 2 documents: 2 valid, 0 invalid" in check.stdout
    assert cli(tmp_path, "get", "orders", "42").stdout == '{"qty":1,"price":42000.5}\n'
    read = cli(tmp_path, "signal", "read", "--symbol", "BTCUSDT", "--strategy", "my-strategy", "--exchange", "binance")
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout) == SIGNAL


def test_files_the_rust_cli_wrote_are_read_by_the_python_file_store(tmp_path):
    assert cli(tmp_path, "put", "orders", "7", '{"qty": 2}').returncode == 0
    w = cli(tmp_path, "signal", "write", "--symbol", "BTCUSDT", "--strategy", "my-strategy", "--exchange", "binance",
            stdin=json.dumps(SIGNAL))
    assert w.returncode == 0, w.stderr
    p = Persist(FileStore(str(tmp_path)))
    assert json.loads(p.read_value("orders", "7")) == {"qty": 2}
    assert p.read_signal_data("BTCUSDT", "my-strategy", "binance")["id"] == "s1"
    assert p.check(True).findings == []
