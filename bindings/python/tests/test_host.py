"""The Python host beyond the shared cases: backtest-kit-shaped signal data, storage failures
reaching the caller, and files shared with the Rust CLI."""

import hashlib
import json
import math
import os
import subprocess
import sys

import shutil

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
    signal = p.signal("BTCUSDT", "my-strategy", "binance")
    assert signal.read_signal_data() is None
    signal.write_signal_data({**SIGNAL, "minuteEstimatedTime": math.inf})
    row = p.signal("BTCUSDT", "my-strategy", "binance").read_signal_data()
    assert row["minuteEstimatedTime"] == math.inf
    assert row["priceOpen"] == 42000.5
    with pytest.raises(PersistError) as e:
        signal.write_signal_data({**SIGNAL, "priceOpen": "abc"})
    assert e.value.kind == "invalid-input"
    assert 'priceOpen: expected a number, got "abc"' in str(e.value)
    assert p.signal("BTCUSDT", "my-strategy", "binance").read_signal_data() == row


POSITION = {"strategyName": "s", "exchangeName": "e", "frameName": "", "symbol": "BTCUSDT", "position": "short",
            "priceOpen": 2.0, "priceStopLoss": 3.0, "priceTakeProfit": 1.0, "minuteEstimatedTime": math.inf,
            "openTimestamp": 1}


def test_every_domain_has_its_instance_methods_with_plain_values(tmp_path):
    p = Persist(FileStore(str(tmp_path)))
    risk = p.risk("my-risk", "binance")
    risk.write_position_data([["k", POSITION]], 0)
    assert risk.read_position_data() == [["k", POSITION]]
    strategy = p.strategy("BTCUSDT", "my-strategy", "binance")
    strategy.write_strategy_data({"pendingSignalId": None, "lastPendingId": None, "createdSignal": None,
                                  "commitQueue": [], "closedSignal": {**SIGNAL, "minuteEstimatedTime": math.inf},
                                  "retryOpenCount": 0, "retryCloseCount": 0, "isPaused": False})
    assert strategy.read_strategy_data()["closedSignal"]["minuteEstimatedTime"] == math.inf
    p.schedule("BTCUSDT", "my-strategy", "binance").write_schedule_data(SIGNAL)
    assert p.schedule("BTCUSDT", "my-strategy", "binance").read_schedule_data() == SIGNAL
    p.recent("BTCUSDT", "my-strategy", "binance", "", False).write_recent_data(SIGNAL, 1)
    assert p.recent("BTCUSDT", "my-strategy", "binance", "", False).read_recent_data() == SIGNAL
    partial = p.partial("BTCUSDT", "my-strategy", "binance")
    partial.write_partial_data({"s1": {"profitLevels": [10, 20], "lossLevels": []}}, "s1")
    assert partial.read_partial_data("s1") == {"s1": {"profitLevels": [10, 20], "lossLevels": []}}
    breakeven = p.breakeven("BTCUSDT", "my-strategy", "binance")
    breakeven.write_breakeven_data({"s1": {"reached": True}}, "s1")
    assert breakeven.read_breakeven_data("s1") == {"s1": {"reached": True}}
    candle = p.candle("BTCUSDT", "1m", "binance")
    one = {"timestamp": 1704067200000, "open": 1, "high": 2, "low": 0.5, "close": 1.5, "volume": 10}
    assert candle.write_candles_data([one]) == {"written": 1, "existing": 0, "unclosed": 0}
    assert candle.read_candles_data(1, 1704067200000) == [one]
    assert candle.read_candles_data(2, 1704067200000) is None
    storage = p.storage(False)
    storage.write_storage_data([{**SIGNAL, "status": "opened", "priority": 1, "createdAt": 1, "updatedAt": 1,
                                "currentPrice": 42000}])
    assert [r["id"] for r in storage.read_storage_data()] == ["s1"]
    notification = p.notification(True)
    notification.write_notification_data([{"id": "n1", "type": "signal.opened", "timestamp": 1, "backtest": True}])
    assert notification.read_notification_data()[0]["id"] == "n1"
    log = p.log()
    entry = {"id": "l1", "type": "info", "priority": 1, "createdAt": "2024-01-01T00:00:00.000Z", "timestamp": 1,
             "methodContext": None, "executionContext": None, "topic": "t", "args": []}
    assert log.write_log_data([entry]) == 1
    assert log.write_log_data([entry]) == 0
    assert log.read_log_data() == [entry]
    for keyed, name in ((p.measure("sma_1h_0"), "Measure"), (p.interval("b"), "Interval")):
        record = {"id": "k", "data": {"v": 1}, "removed": False}
        if name == "Interval":
            record["when"] = "2024-01-01T00:00:00.000Z"
        getattr(keyed, f"write_{name.lower()}_data")(record, "k")
        assert getattr(keyed, f"read_{name.lower()}_data")("k") == record
        assert getattr(keyed, f"list_{name.lower()}_data")() == ["k"]
        getattr(keyed, f"remove_{name.lower()}_data")("k")
        assert getattr(keyed, f"read_{name.lower()}_data")("k") is None
    memory = p.memory("s1", "notes")
    item = {"priority": 1, "data": {"a": 1}, "removed": False, "index": "a", "when": 1}
    memory.write_memory_data(item, "m1")
    assert memory.read_memory_data("m1") == item
    assert memory.list_memory_data() == [{"memoryId": "m1", "data": item}]
    memory.remove_memory_data("m1")
    assert memory.read_memory_data("m1") is None and memory.has_memory_data("m1")
    memory.dispose()
    state = p.state("s1", "bucket")
    state.write_state_data({"id": "s1_bucket", "data": {"x": 1}, "when": 1})
    assert state.read_state_data()["data"] == {"x": 1}
    with pytest.raises(PersistError) as e:
        state.write_state_data({"id": 1})
    assert e.value.kind == "invalid-input"
    session = p.session("my-strategy", "binance", "", "BTCUSDT", False)
    session.write_session_data({"id": "BTCUSDT:my-strategy:binance:live", "data": {"y": 2}, "when": 1})
    assert session.read_session_data()["data"] == {"y": 2}
    assert (tmp_path / "session" / "my-strategy" / "binance" / "BTCUSDT_live.json").exists()


def test_handles_of_one_context_share_init_and_clear_revalidates():
    store = MemoryStore()
    p = Persist(store)
    first = p.signal("BTCUSDT", "my-strategy", "binance")
    assert first.wait_for_init().findings == []
    store.write("data/signal/BTCUSDT_my-strategy_binance", "BTCUSDT", b"{broken")
    second = p.signal("BTCUSDT", "my-strategy", "binance")
    assert second.wait_for_init().findings == [], "the context was validated once already"
    p.clear("signal")
    findings = second.wait_for_init().findings
    assert [f.id for f in findings] == ["BTCUSDT"]
    assert second.read_signal_data() is None
    with pytest.raises(ValueError) as e:
        p.clear("signals")
    assert "no domain 'signals'" in str(e.value)


def test_a_closed_handle_says_so_and_the_store_is_untouched():
    p = Persist(MemoryStore())
    with p.signal("BTCUSDT", "my-strategy", "binance") as signal:
        signal.write_signal_data(SIGNAL)
    with pytest.raises(ValueError) as e:
        signal.read_signal_data()
    assert "this signal handle was closed; make a new one" in str(e.value)
    assert p.signal("BTCUSDT", "my-strategy", "binance").read_signal_data() == SIGNAL


class DownStore(MemoryStore):
    def read(self, entity, id):
        raise StorageError("unavailable", "connection refused; check that the server runs")


def test_a_storage_failure_reaches_the_caller_with_its_words():
    p = Persist(DownStore())
    with pytest.raises(PersistError) as e:
        p.base("orders").read_value("1")
    assert e.value.kind == "storage"
    assert "connection refused; check that the server runs" in str(e.value)


def test_files_the_python_file_store_wrote_are_read_by_the_rust_cli(tmp_path):
    p = Persist(FileStore(str(tmp_path)))
    p.base("orders").write_value("42", {"qty": 1, "price": 42000.5})
    p.signal("BTCUSDT", "my-strategy", "binance").write_signal_data(SIGNAL)
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
    assert p.base("orders").read_value("7") == {"qty": 2}
    assert p.signal("BTCUSDT", "my-strategy", "binance").read_signal_data()["id"] == "s1"
    assert p.check(True).findings == []


@pytest.mark.parametrize("kind", ["memory", "file", "sqlite"])
def test_a_store_quarantines_only_the_bytes_that_were_judged(kind, tmp_path):
    store = {"memory": MemoryStore, "file": lambda: FileStore(str(tmp_path)),
             "sqlite": lambda: SqliteStore(str(tmp_path / "q.db"))}[kind]()
    store.write("q/e", "doc", b"{oops")
    store.write("q/e", "doc", b'{"ok":true}')
    assert store.quarantine("q/e", "doc", b"{oops", "not valid JSON") is False
    assert store.read("q/e", "doc") == b'{"ok":true}'
    assert store.quarantine("q/e", "doc", b'{"ok":true}', "r") is True
    assert store.read("q/e", "doc") is None


class FlakyStore(MemoryStore):
    """Fails the next read when told to, as a store whose server restarts does."""

    fail_next = False

    def read(self, entity, id):
        if self.fail_next:
            self.fail_next = False
            raise StorageError("unavailable", "connection reset; the server is restarting")
        return super().read(entity, id)


def test_the_instance_keeps_working_after_a_storage_error():
    store = FlakyStore()
    p = Persist(store)
    signal = p.signal("BTCUSDT", "my-strategy", "binance")
    signal.write_signal_data(SIGNAL)
    store.fail_next = True
    with pytest.raises(PersistError) as e:
        signal.read_signal_data()
    assert e.value.kind == "storage"
    assert "connection reset; the server is restarting" in str(e.value)
    # The same instance, the same handle: the next call reads the row.
    assert signal.read_signal_data() == SIGNAL
    orders = p.base("orders")
    store.fail_next = True
    with pytest.raises(PersistError):
        orders.read_value("1")
    orders.write_value("1", {"qty": 1})
    assert orders.read_value("1") == {"qty": 1}


def _start(cache_dir: str) -> str:
    """A new process that opens the guest with the given cache folder; prints its warnings."""
    code = (
        "from persist_py import MemoryStore, Persist; "
        "p = Persist(MemoryStore()); p.signal('BTCUSDT', 's', 'e').read_signal_data(); print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PERSIST_CACHE_DIR": cache_dir},
                         cwd=os.path.dirname(os.path.dirname(__file__)), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_compiled_guest_is_kept_and_a_damaged_copy_is_compiled_again(tmp_path):
    cache = str(tmp_path / "cache")
    assert _start(cache) == "ok\n"
    [name] = os.listdir(cache)
    assert name.startswith(guest_sha256() + "-wasmtime-py-") and name.endswith(".cwasm")
    compiled = (tmp_path / "cache" / name).read_bytes()
    assert _start(cache) == "ok\n", "started from the kept copy"
    (tmp_path / "cache" / name).write_bytes(b"not a compiled component")
    assert _start(cache) == "ok\n", "a damaged copy never fails a start"
    assert (tmp_path / "cache" / name).read_bytes() == compiled, "and it is replaced"
    assert _start("off") == "ok\n"


def test_the_package_builds_installs_and_runs_its_packaged_guest(tmp_path):
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    source = tmp_path / "source"
    shutil.copytree(here, source, ignore=shutil.ignore_patterns(".venv", "__pycache__", ".pytest_cache", "tests"))
    shutil.copy(DEFAULT_WASM, source / "persist_py" / "persist_guest.wasm")
    pip = [sys.executable, "-m", "pip", "-q"]
    run = lambda *a, **k: subprocess.run(a, capture_output=True, text=True, **k)  # noqa: E731
    built = run(*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), str(source))
    assert built.returncode == 0, built.stderr
    [wheel] = os.listdir(tmp_path / "dist")
    assert wheel.startswith("persist_py-0.4.0-")
    installed = run(*pip, "install", "--no-deps", "--target", str(tmp_path / "site"), str(tmp_path / "dist" / wheel))
    assert installed.returncode == 0, installed.stderr
    code = ("import persist_py.host as h, persist_py as p; print(h.DEFAULT_WASM); "
            "s = p.Persist(p.MemoryStore()).signal('A', 's', 'e'); print(s.read_signal_data())")
    env = {k: v for k, v in os.environ.items() if k != "PERSIST_GUEST_WASM"}
    out = run(sys.executable, "-c", code, cwd=str(tmp_path), env={**env, "PYTHONPATH": str(tmp_path / "site"),
                                                                 "PERSIST_CACHE_DIR": "off"})
    assert out.returncode == 0, out.stderr
    wasm, result = out.stdout.splitlines()
    assert wasm == str(tmp_path / "site" / "persist_py" / "persist_guest.wasm")
    assert result == "None"


def test_a_document_an_init_quarantines_reaches_on_warning(tmp_path):
    folder = tmp_path / "data" / "signal" / "BTCUSDT_my-strategy_binance"
    folder.mkdir(parents=True)
    (folder / "BTCUSDT.json").write_text('{"id":')
    said = []
    p = Persist(FileStore(str(tmp_path)), on_warning=said.append)
    assert p.signal("BTCUSDT", "my-strategy", "binance").read_signal_data() is None
    assert len(said) == 1
    assert said[0].startswith("invalid document data/signal/BTCUSDT_my-strategy_binance:BTCUSDT moved to the "
                              "quarantine: not valid JSON")
    assert p.warnings == said


def test_without_on_warning_a_quarantine_is_logged_by_the_persist_py_logger(tmp_path, caplog):
    folder = tmp_path / "data" / "signal" / "BTCUSDT_my-strategy_binance"
    folder.mkdir(parents=True)
    (folder / "BTCUSDT.json").write_text("[1]")
    p = Persist(FileStore(str(tmp_path)))
    with caplog.at_level("WARNING", logger="persist_py"):
        assert p.signal("BTCUSDT", "my-strategy", "binance").read_signal_data() is None
    [record] = [r for r in caplog.records if r.name == "persist_py"]
    assert record.levelname == "WARNING"
    assert "BTCUSDT_my-strategy_binance:BTCUSDT moved to the quarantine" in record.getMessage()
