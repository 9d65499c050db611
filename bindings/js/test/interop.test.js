// Files written by the Node file store are read by the Rust CLI, and the other way round; both
// run the guest .wasm cargo built (the CLI is given that very file with --guest).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Persist, FileStore, guestSha256 } from '../src/index.js';
import { persistCli, repo, wasm } from './support/cli.js';

const signal = JSON.parse(readFileSync(join(repo, 'tests/behaviour/cases.json'), 'utf8')).signal;
const persist = (store, ...args) => persistCli(store, args);

test('the bindings were made from the .wasm cargo built, byte for byte', () => {
  const sha = createHash('sha256').update(readFileSync(wasm)).digest('hex');
  console.log(`guest sha256 ${sha}`);
  assert.equal(guestSha256(), sha);
});

test('files the Node file store wrote are read by the Rust CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'persist-js-'));
  const p = Persist.open(new FileStore(dir));
  const orders = p.base('orders');
  orders.waitForInit(true);
  orders.writeValue('42', { qty: 1, price: 42000.5 });
  const s = p.signal('BTCUSDT', 'my-strategy', 'binance');
  s.waitForInit(true);
  s.writeSignalData(JSON.parse(signal));

  const check = persist(dir, 'check');
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /checked 2 documents: 2 valid, 0 invalid/);
  assert.equal(persist(dir, 'get', 'orders', '42').stdout, '{"qty":1,"price":42000.5}\n');
  const read = persist(dir, 'signal', 'read', '--symbol', 'BTCUSDT', '--strategy', 'my-strategy', '--exchange', 'binance');
  assert.equal(read.code, 0, read.stderr);
  assert.deepEqual(JSON.parse(read.stdout), JSON.parse(signal));
  assert.equal(readFileSync(join(dir, 'data/signal/BTCUSDT_my-strategy_binance/BTCUSDT.json'), 'utf8'), signal);
});

test('files the Rust CLI wrote are read by the Node file store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'persist-js-'));
  assert.equal(persist(dir, 'put', 'orders', '7', '{"qty": 2}').code, 0);
  const w = persistCli(dir, ['signal', 'write', '--symbol', 'BTCUSDT', '--strategy', 'my-strategy', '--exchange', 'binance'], signal);
  assert.equal(w.code, 0, w.stderr);

  const p = Persist.open(new FileStore(dir));
  assert.deepEqual(p.base('orders').readValue('7'), { qty: 2 });
  const row = p.signal('BTCUSDT', 'my-strategy', 'binance').readSignalData();
  assert.equal(row.id, 's1');
  assert.equal(row.priceOpen, 42000.5);
  assert.deepEqual(p.check(true).findings, []);
});
