// The Rust CLI the tests compare with, running the guest .wasm cargo built (given with --guest).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../../../../', import.meta.url));
// cargo's target folder: $CARGO_TARGET_DIR (relative to the repository) or target/.
const target = resolve(repo, process.env.CARGO_TARGET_DIR ?? 'target');
export const cli = process.env.PERSIST_BIN ?? join(target, 'debug/persist');
export const wasm = process.env.PERSIST_GUEST_WASM ?? join(target, 'guest/wasm32-wasip2/release/persist_guest.wasm');

/** `persist --store <store> <args…>` (a store URL, or a folder for a file store); `input` is
 *  its stdin. */
export function persistCli(store, args, input) {
  assert.ok(existsSync(cli), `the Rust CLI ${cli} is missing: run \`cargo build\` (or set PERSIST_BIN)`);
  const url = /^[a-z]+:/.test(store) ? store : `file:${store}`;
  const out = spawnSync(cli, ['--guest', wasm, '--store', url, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, PERSIST_CACHE_DIR: 'off' },
  });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}
