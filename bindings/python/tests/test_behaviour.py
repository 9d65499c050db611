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


def resource(interface: str) -> str:
    """The interface's context resource: `signal-instance`, …, `storage-instance`."""
    return "storage-instance" if interface == "storage-signals" else f"{interface}-instance"


def step(p: Persist, store, bases: dict, s: dict):
    entity, id = fill(s.get("entity", "")), fill(s.get("id", ""))
    op = s["op"]

    def base(method, *args):
        if entity not in bases:
            bases[entity] = p.call("base", "[constructor]persist-base", entity)
            p.call("base", "[method]persist-base.wait-for-init", bases[entity], True)
        return p.call("base", f"[method]persist-base.{method}", bases[entity], *args)

    def signal(method, *args):
        handle = p.call("signal", "[constructor]signal-instance", *CONTEXT)
        return p.call("signal", f"[method]signal-instance.{method}", handle, *args)

    if op == "base-write":
        return base("write-value", id, fill(s["json"]))
    if op == "base-read":
        return base("read-value", id)
    if op == "base-has":
        return "true" if base("has-value", id) else "false"
    if op == "base-keys":
        return json.dumps(base("keys"), separators=(",", ":"), ensure_ascii=False)
    if op == "base-remove":
        return base("remove-value", id)
    if op == "base-init":
        bases[entity] = p.call("base", "[constructor]persist-base", entity)
        return f"{len(base('wait-for-init', True).findings)} invalid"
    if op == "signal-write":
        text = fill(s["json"])
        row = None if text == "null" else p.call("records", "signal-row-from-json", text)
        return signal("write-signal-data", row)
    if op == "signal-read":
        row = signal("read-signal-data")
        return "null" if row is None else p.call("records", "signal-row-to-json", row)
    if op == "signal-minutes":
        row = signal("read-signal-data")
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

        name = resource(s["interface"])
        handle = p.call(s["interface"], f"[constructor]{name}", *s["context"])
        result = p.call(s["interface"], f"[method]{name}.{s['function']}", handle, *[arg(a) for a in s["args"]])
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
    bases: dict = {}
    for i, s in enumerate(case["steps"]):
        at = f"{case['name']}, step {i + 1}: {s}"
        if "error" in s:
            with pytest.raises(PersistError) as e:
                step(p, store, bases, s)
            assert e.value.kind == s["error"], at
            assert s["contains"] in str(e.value), f"{at}: {e.value}"
        else:
            got = step(p, store, bases, s)
            if "expect" in s:
                expected = s["expect"]
                assert got == (None if expected is None else fill(expected)), at
