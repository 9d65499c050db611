// Batches and compare-and-swap from Node: the store calls the guest makes (readMany,
// writeMany, removeMany, readVersioned, writeIfVersion) on every store of the package,
// PersistBase's readMany/writeMany, the risk profile's putPosition, and four processes
// incrementing one counter on Redis and PostgreSQL without losing an update.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startPostgres, startRedis } from './support/servers.js';
import { MemoryStore, Persist, StorageError, closeNetworkStores, openStore, versionOf } from '../src/index.js';

const casChild = fileURLToPath(new URL('./support/cas-child.js', import.meta.url));
const enc = new TextEncoder();
const text = (v) => (v === undefined ? undefined : new TextDecoder().decode(v));

let redis;
let postgres;
let n = 0;

before(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
});

after(async () => {
  await closeNetworkStores();
  await Promise.all([redis?.stop(), postgres?.stop()]);
});

const STORES = {
  memory: () => 'memory:',
  files: () => `file:${mkdtempSync(join(tmpdir(), 'persist-batch-'))}`,
  redis: () => `${redis.url}?prefix=batch-${++n}`,
  postgres: () => `${postgres.url}?table=batch_${++n}`,
};

for (const [name, url] of Object.entries(STORES)) {
  test(`${name}: a batch writes, reads and removes many documents; a bad item writes nothing`, () => {
    const s = openStore(url());
    s.write('orders', 'kept', enc.encode('old'));
    s.writeMany([['orders', '1', enc.encode('one')], ['orders', '2', enc.encode('two')], ['orders', '1', enc.encode('one again')]]);
    assert.deepEqual(s.readMany('orders', ['1', 'missing', '2', 'kept']).map(text), ['one again', undefined, 'two', 'old']);
    assert.throws(() => s.writeMany([['orders', '1', enc.encode('x')], ['orders', '..', enc.encode('y')]]), (e) => {
      assert.ok(e instanceof StorageError);
      assert.equal(e.payload.tag, 'invalid-key');
      assert.match(e.message, /batch item 1: .*nothing was written/);
      return true;
    });
    assert.equal(text(s.read('orders', '1')), 'one again');
    s.removeMany([['orders', '1'], ['orders', 'never']]);
    assert.deepEqual(s.readMany('orders', ['1', '2']).map(text), [undefined, 'two']);
  });

  test(`${name}: writeIfVersion swaps only from the version read`, () => {
    const s = openStore(url());
    const first = s.writeIfVersion('c', 'n', null, enc.encode('1'));
    assert.deepEqual(first, { tag: 'swapped', val: versionOf(enc.encode('1')) });
    const stale = s.writeIfVersion('c', 'n', null, enc.encode('x'));
    assert.equal(stale.tag, 'stale');
    assert.equal(text(stale.val.value), '1');
    assert.equal(stale.val.version, first.val);
    assert.equal(s.writeIfVersion('c', 'n', first.val, enc.encode('2')).tag, 'swapped');
    assert.equal(text(s.writeIfVersion('c', 'n', first.val, enc.encode('3')).val.value), '2');
    assert.deepEqual(s.writeIfVersion('c', 'absent', first.val, enc.encode('4')), { tag: 'stale', val: undefined });
    assert.equal(s.read('c', 'absent'), undefined);
    assert.equal(s.readVersioned('c', 'n').version, versionOf(enc.encode('2')));
  });

  test(`${name}: PersistBase readMany/writeMany and the risk profile's putPosition through the guest`, () => {
    const p = Persist.open(url());
    const b = p.base('orders');
    b.writeMany([['1', { qty: 1 }], ['2', { qty: 2 }]]);
    assert.deepEqual(b.readMany(['2', 'missing', '1']), [{ qty: 2 }, undefined, { qty: 1 }]);
    assert.throws(() => b.writeMany([['3', { ok: true }], ['4', 1n]]), TypeError); // not JSON-able
    assert.deepEqual(b.keys(), ['1', '2']);

    const r = p.risk('shared', 'binance');
    const position = {
      strategyName: 's', exchangeName: 'binance', frameName: '', symbol: 'BTCUSDT', position: 'long',
      priceOpen: 42000, priceStopLoss: 41000, priceTakeProfit: 43000, minuteEstimatedTime: 60, openTimestamp: 1704067200000,
    };
    assert.equal(r.putPosition('a', position, 1), true);
    assert.equal(r.putPosition('b', { ...position, symbol: 'ETHUSDT' }, 1), false);
    assert.deepEqual(r.readPositionData().map(([k]) => k), ['a']);
    assert.equal(r.putPosition('a', null), true);
    assert.equal(r.putPosition('b', { ...position, symbol: 'ETHUSDT' }, 1), true);
    assert.deepEqual(r.readPositionData().map(([k]) => k), ['b']);
  });
}

for (const name of ['redis', 'postgres']) {
  test(`${name}: four processes incrementing one counter by writeIfVersion lose no update`, async () => {
    const url = STORES[name]();
    const runs = await Promise.all([0, 1, 2, 3].map(() => promisify(execFile)(process.execPath, [casChild, url])));
    const stale = runs.reduce((sum, r) => sum + Number(/stale (\d+)/.exec(r.stdout)[1]), 0);
    assert.equal(text(openStore(url).read('cas', 'counter')), '2000', `${stale} stale answers retried`);
  });
}

test('a store of your own without writeIfVersion is refused by name when the guest needs it', () => {
  const plain = new MemoryStore();
  const own = {
    read: (e, i) => plain.read(e, i),
    write: (e, i, v) => plain.write(e, i, v),
    writeIfAbsent: (e, i, v) => plain.writeIfAbsent(e, i, v),
    remove: (e, i) => plain.remove(e, i),
    listIds: (e) => plain.listIds(e),
    entities: (p) => plain.entities(p),
    quarantine: (e, i, j, r) => plain.quarantine(e, i, j, r),
  };
  const p = Persist.open(own);
  // Batches fall back to one call per document.
  p.base('orders').writeMany([['1', { a: 1 }]]);
  assert.deepEqual(p.base('orders').readMany(['1']), [{ a: 1 }]);
  assert.throws(() => p.risk('r', 'binance').putPosition('k', null), (e) => e.kind === 'storage' && /no writeIfVersion/.test(e.message));
});
