"""Per-op cost of a signal write+read through wasmtime-py on the in-memory store, two ways:
the Python API (`persist.signal(…).write_signal_data(row)`, one `json-calls` crossing per
operation) and the typed WIT record through `persist.call`, as the Rust host passes it.
    .venv/bin/python bench.py   (compare with `persist bench` and `npm run bench`)"""

import json
import os
import time

from persist_py import MemoryStore, Persist

REPO = os.path.join(os.path.dirname(__file__), "..", "..")
with open(os.path.join(REPO, "tests", "behaviour", "cases.json")) as f:
    SIGNAL = json.load(f)["signal"]
CONTEXT = ("BTCUSDT", "my-strategy", "binance")
N = int(os.environ.get("BENCH_N", 2000))


def best_of_5(op) -> float:
    best = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(N):
            op()
        best.append((time.perf_counter() - t) / N * 1e6)
    return min(best)


p = Persist(MemoryStore())
signal, row = p.signal(*CONTEXT), json.loads(SIGNAL)
api = best_of_5(lambda: (signal.write_signal_data(row), signal.read_signal_data()))
print(f"python (wasmtime-py), memory store, signal write+read round trip: {api:.1f} µs/op (best of 5 batches of {N})")

record = p.call("records", "signal-row-from-json", SIGNAL)
handle = p.call("signal", "[constructor]signal-instance", *CONTEXT)
write, read = "[method]signal-instance.write-signal-data", "[method]signal-instance.read-signal-data"
typed = best_of_5(lambda: (p.call("signal", write, handle, record), p.call("signal", read, handle)))
print(f"python (wasmtime-py), memory store, typed WIT record write+read: {typed:.1f} µs/op")
