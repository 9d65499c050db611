"""The shared behaviour suite (tests/behaviour/cases.json) on the Python host, on the memory,
file and SQLite stores: the same cases the Rust and Node hosts run."""

import json
import math
import os

import pytest

from persist_py import FileStore, MemoryStore, Persist, PersistError, SqliteStore

REPO = os.path.join(os.path.dirname(__file__), "..", "..", "..")
with open(os.path.join(REPO, "tests", "behaviour", "cases.json")) as f:
    CASES = json.load(f)
CONTEXT = ("BTCUSDT", "my-strategy", "binance")


def fill(text):
    return CASES["signal"] if text == "$signal" else text


def step(p: Persist, store, s: dict):
    entity, id = fill(s.get("entity", "")), fill(s.get("id", ""))
    op = s["op"]
    if op == "base-write":
        return p.write_value(entity, id, fill(s["json"]))
    if op == "base-read":
        return p.read_value(entity, id)
    if op == "base-has":
        return "true" if p.has_value(entity, id) else "false"
    if op == "base-keys":
        return json.dumps(p.keys(entity), separators=(",", ":"), ensure_ascii=False)
    if op == "base-remove":
        return p.remove_value(entity, id)
    if op == "base-init":
        return f"{len(p.wait_for_init(entity).findings)} invalid"
    if op == "signal-write":
        text = fill(s["json"])
        row = None if text == "null" else p.call("records", "signal-row-from-json", text)
        return p.call("signal", "write-signal-data", row, *CONTEXT)
    if op == "signal-read":
        row = p.call("signal", "read-signal-data", *CONTEXT)
        return "null" if row is None else p.call("records", "signal-row-to-json", row)
    if op == "signal-minutes":
        row = p.call("signal", "read-signal-data", *CONTEXT)
        m = getattr(row, "minute-estimated-time")
        return "Infinity" if math.isinf(m) else str(m)
    if op == "check":
        return f"{len(p.check(False).findings)} invalid"
    if op == "call":

        def arg(a):
            if isinstance(a, dict):
                if "f64" in a:
                    return float(a["f64"])
                if "u32" in a:
                    return int(a["u32"])
                return p.call("records", a["record"], a["json"])
            return a

        result = p.call(s["interface"], s["function"], *[arg(a) for a in s["args"]])
        if result is None:
            return None
        if "to-json" in s:
            return p.call("records", s["to-json"], result)
        if isinstance(result, list):
            return json.dumps(result, separators=(",", ":"), ensure_ascii=False)
        if isinstance(result, bool):
            return "true" if result else "false"
        return result if isinstance(result, str) else str(result)
    if op == "raw-put":
        return store.write(entity, id, fill(s["bytes"]).encode())
    if op == "raw-get":
        value = store.read(entity, id)
        return None if value is None else value.decode()
    raise ValueError(f"unknown op {op}")


STORES = {
    "memory": lambda tmp: MemoryStore(),
    "file": lambda tmp: FileStore(str(tmp / "files")),
    "sqlite": lambda tmp: SqliteStore(str(tmp / "persist.db")),
}


@pytest.mark.parametrize("store_name", STORES)
@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_shared_case(store_name, case, tmp_path):
    store = STORES[store_name](tmp_path)
    p = Persist(store)
    for i, s in enumerate(case["steps"]):
        at = f"{case['name']}, step {i + 1}: {s}"
        if "error" in s:
            with pytest.raises(PersistError) as e:
                step(p, store, s)
            assert e.value.kind == s["error"], at
            assert s["contains"] in str(e.value), f"{at}: {e.value}"
        else:
            got = step(p, store, s)
            if "expect" in s:
                expected = s["expect"]
                assert got == (None if expected is None else fill(expected)), at
