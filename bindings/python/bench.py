"""Per-op cost of a typed signal write+read through wasmtime-py on the in-memory store:
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

p = Persist(MemoryStore())
row = p.call("records", "signal-row-from-json", SIGNAL)
handle = p.call("signal", "[constructor]signal-instance", *CONTEXT)
best = []
for _ in range(5):
    t = time.perf_counter()
    for _ in range(N):
        p.call("signal", "[method]signal-instance.write-signal-data", handle, row)
        p.call("signal", "[method]signal-instance.read-signal-data", handle)
    best.append((time.perf_counter() - t) / N * 1e6)
print(f"python (wasmtime-py), memory store, typed signal write+read round trip: {min(best):.1f} µs/op (best of 5 batches of {N})")
