#!/usr/bin/env bash
# A signal write+read through the same guest .wasm under the three hosts, in one run: Rust
# (wasmtime), Node.js (jco) and Python (wasmtime-py) on the in-memory store; then through
# backtest-kit 19.5.0's own PersistSignalAdapter, with its file adapter and with persist on
# files, Redis and PostgreSQL (private servers).
# Run from anywhere after `cargo build --release`, `npm ci` in bindings/js and the venv of
# bindings/python (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(realpath -m "${CARGO_TARGET_DIR:-target}")
echo "guest sha256 $(sha256sum "$target/guest/wasm32-wasip2/release/persist_guest.wasm" | cut -d' ' -f1)"
"$target/release/persist" bench --memory-ops 20000 --file-ops 20 --docs 100 --redis off --postgres off \
  | grep 'typed signal write+read' | sed 's/^/rust (wasmtime): /'
(cd bindings/js && node scripts/build.js >/dev/null && node scripts/bench.js && node scripts/bench-backtest-kit.js)
(cd bindings/python && .venv/bin/python bench.py)
