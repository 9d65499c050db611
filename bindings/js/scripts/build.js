// Transpiles the guest component cargo built (<target>/guest/wasm32-wasip2/release/persist_guest.wasm,
// where <target> is $CARGO_TARGET_DIR (relative to the repository) or target/; or
// $PERSIST_GUEST_WASM) into generated/ with jco, and records its SHA-256 beside it.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const target = resolve(here('../../../'), process.env.CARGO_TARGET_DIR ?? 'target');
const wasm = process.env.PERSIST_GUEST_WASM ?? join(target, 'guest/wasm32-wasip2/release/persist_guest.wasm');
if (!existsSync(wasm)) {
  console.error(`no guest component at ${wasm}: run \`cargo build\` in the repository first (or set PERSIST_GUEST_WASM)`);
  process.exit(1);
}
const out = here('../generated');
mkdirSync(out, { recursive: true });
const sha256 = createHash('sha256').update(readFileSync(wasm)).digest('hex');
const stamp = `${out}/guest.sha256`;
if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== sha256) {
  execFileSync(here('../node_modules/.bin/jco'),
    ['transpile', wasm, '-o', out, '--instantiation', 'sync', '--name', 'persist', '--quiet'],
    { stdio: 'inherit' });
  writeFileSync(stamp, `${sha256}\n`);
}
console.log(`guest ${wasm} sha256 ${sha256}`);
