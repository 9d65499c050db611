#!/usr/bin/env bash
# A typed signal write+read on the in-memory store through the same guest .wasm under the
# three hosts, in one run: Rust (wasmtime), Node.js (jco) and Python (wasmtime-py).
# Run from anywhere after `cargo build --release`, `npm ci` in bindings/js and the venv of
# bindings/python (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(realpath -m "${CARGO_TARGET_DIR:-target}")
echo "guest sha256 $(sha256sum "$target/guest/wasm32-wasip2/release/persist_guest.wasm" | cut -d' ' -f1)"
"$target/release/persist" bench --memory-ops 20000 --file-ops 20 --docs 100 --redis off --postgres off \
  | grep 'typed signal write+read' | sed 's/^/rust (wasmtime): /'
(cd bindings/js && node scripts/build.js >/dev/null && node scripts/bench.js)
(cd bindings/python && .venv/bin/python bench.py)
