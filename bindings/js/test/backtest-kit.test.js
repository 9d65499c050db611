// backtest-kit 19.5.0's own persistence code (test/support/backtest-kit.js) with persist
// installed by setup(), on files, Redis and PostgreSQL: every adapter's reads, lists, has,
// removes and disposes give what backtest-kit's own file adapters give; a process killed
// with SIGKILL right after a signal opened is restored by the next one, and persist's CLI
// reads the same.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBacktestKit } from './support/backtest-kit.js';
import { startPostgres, startRedis } from './support/servers.js';
import { exercise, signalRow } from './support/scenario.js';
import { persistCli } from './support/cli.js';
import { Persist, setup, sharedPersist, teardown, useJson } from '../src/index.js';
import { ADAPTERS } from '../src/setup.js';

const bk = await loadBacktestKit();
const crashChild = fileURLToPath(new URL('./support/crash-child.js', import.meta.url));
let redis;
let postgres;
let n = 0;

before(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
});

after(async () => {
  await teardown();
  await Promise.all([redis?.stop(), postgres?.stop()]);
});

/** A fresh store of each kind: its own folder, key prefix or table. */
const STORES = {
  files: () => `file:${mkdtempSync(join(tmpdir(), 'persist-bk-'))}/dump`,
  redis: () => `${redis.url}?prefix=bk-${++n}`,
  postgres: () => `${postgres.url}?table=bk_${++n}`,
};

function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (!e.name.startsWith('.tmp-')) out.push(relative(dir, join(d, e.name)));
    }
  };
  walk(dir);
  return out.sort();
}

/** The scenario on backtest-kit's own file adapters, in a folder of its own (they write
 *  under ./dump of the working directory). */
async function onOwnFileAdapters(scenario) {
  useJson();
  const cwd = process.cwd();
  const dir = mkdtempSync(join(tmpdir(), 'persist-bk-own-'));
  process.chdir(dir);
  try {
    for (const x of Object.keys(ADAPTERS)) bk[`Persist${x}Adapter`].useJson();
    return { result: await scenario(bk), dump: join(dir, 'dump') };
  } finally {
    process.chdir(cwd);
  }
}

for (const [name, store] of Object.entries(STORES)) {
  test(`every adapter of backtest-kit on persist (${name}) reads what its own file adapters read`, async () => {
    const own = await onOwnFileAdapters(exercise);
    const url = store();
    const persist = await setup({ store: url, backtestKit: bk });
    assert.equal(sharedPersist(), persist, 'one guest instance serves every adapter');
    const got = await exercise(bk);
    useJson();
    assert.deepEqual(got, own.result);
    // The 19.5.0 reads: a row without them gets multiplier 1 and isolated true.
    assert.equal(got.signal.multiplier, 1);
    assert.equal(got.signal.isolated, true);
    assert.equal(got.signal.minuteEstimatedTime, Infinity);
    assert.equal(got.strategy.retryOpenSignal.minuteEstimatedTime, Infinity);
    assert.equal(got.storage[0].minuteEstimatedTime, Infinity);
    assert.equal(got.notification[0].minuteEstimatedTime, Infinity);
    assert.equal(got.notification[0].multiplier, 1);
    assert.equal('multiplier' in got.notification[1], false, 'a notification without a cost gets none');
    if (name === 'files') {
      // The same files, where backtest-kit would have written them.
      assert.deepEqual(filesUnder(url.slice('file:'.length)), filesUnder(own.dump));
    }
  });
}

for (const [name, store] of Object.entries(STORES)) {
  test(`a process killed with SIGKILL after a signal opened (${name}) is restored by the next, and the CLI reads the same`, async () => {
    const url = store();
    const child = spawn(process.execPath, [crashChild, 'open', url], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    let out = '';
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('written\n')) resolve();
      });
      exited.then(([code]) => reject(new Error(`the writer exited (${code}) before writing`)));
    });
    child.kill('SIGKILL');
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');

    const restored = JSON.parse(execFileSync(process.execPath, [crashChild, 'restore', url], { encoding: 'utf8' }));
    assert.equal(restored.signal.id, 'sig-1');
    assert.equal(restored.signal.minuteEstimatedTime, 'Infinity');
    assert.equal(restored.risk.length, 1);
    assert.deepEqual(restored.partial, { 'sig-1': { profitLevels: [10, 20], lossLevels: [] } });
    assert.equal(restored.strategy.pendingSignalId, 'sig-1');

    const ctx = ['--symbol', 'BTCUSDT', '--strategy', 'my-strategy', '--exchange', 'binance'];
    const read = (...args) => {
      const o = persistCli(url, args);
      assert.equal(o.code, 0, o.stderr);
      return JSON.parse(o.stdout);
    };
    const asJson = (v) => JSON.parse(JSON.stringify(v, (k, x) => (x === 'Infinity' ? null : x)));
    assert.deepEqual(read('signal', 'read', ...ctx), asJson(restored.signal));
    assert.deepEqual(read('risk', 'read', '--risk', 'my-risk', '--exchange', 'binance'), asJson(restored.risk));
    assert.deepEqual(read('partial', 'read', ...ctx, '--signal-id', 'sig-1'), asJson(restored.partial));
    assert.deepEqual(read('strategy', 'read', ...ctx), asJson(restored.strategy));
  });
}

test('rows backtest-kit wrote itself, with a lone surrogate, read through persist without a quarantine', async () => {
  const own = await onOwnFileAdapters(async (b) => {
    const row = { ...signalRow, note: 'cut \ud83d' };
    await b.PersistSignalAdapter.writeSignalData(row, 'BTCUSDT', 'my-strategy', 'binance');
    await b.PersistStorageAdapter.writeStorageData([{ ...row, status: 'opened', createdAt: 1, updatedAt: 2, priority: 2, currentPrice: 1 }], false);
  });
  const warnings = [];
  await setup({ store: `file:${own.dump}`, backtestKit: bk, onWarning: (w) => warnings.push(w) });
  const signal = await bk.PersistSignalAdapter.readSignalData('BTCUSDT', 'my-strategy', 'binance');
  const [stored] = await bk.PersistStorageAdapter.readStorageData(false);
  useJson();
  assert.deepEqual(warnings, []);
  // Where persist decodes a string it is Unicode: the half character reads as U+FFFD.
  assert.equal(signal.note, 'cut \ufffd');
  assert.equal(stored.note, 'cut \ufffd');
  assert.equal(stored.multiplier, 1);
});

test('a document an adapter init quarantines reaches onWarning', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'persist-bk-'));
  const entity = join(dir, 'data/signal/BTCUSDT_my-strategy_binance');
  mkdirSync(entity, { recursive: true });
  writeFileSync(join(entity, 'BTCUSDT.json'), '{"id":');
  const warnings = [];
  await setup({ store: `file:${dir}`, backtestKit: bk, onWarning: (w) => warnings.push(w) });
  assert.equal(await bk.PersistSignalAdapter.readSignalData('BTCUSDT', 'my-strategy', 'binance'), null);
  useJson();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^invalid document data\/signal\/BTCUSDT_my-strategy_binance:BTCUSDT moved to the quarantine: not valid JSON/);
});

test('setup names what is wrong: no backtest-kit, an old one, an unknown bucket, a bad URL', async () => {
  const cwd = process.cwd();
  process.chdir(mkdtempSync(join(tmpdir(), 'persist-bk-none-')));
  try {
    await assert.rejects(setup({ store: 'memory:' }), /backtest-kit was not found from .*: install it \(npm install backtest-kit\) or pass it/);
  } finally {
    process.chdir(cwd);
  }
  await assert.rejects(setup({ store: 'memory:', backtestKit: { PersistSignalAdapter: {} } }), /persist needs backtest-kit 19\.5 or newer/);
  await assert.rejects(setup({ store: 'memory:', routes: { signals: 'memory:' }, backtestKit: bk }), /no bucket "signals" to route: the buckets are base, signal/);
  await assert.rejects(setup({ store: 'redis://127.0.0.1:1?prefix=a:b', backtestKit: bk }), /prefix="a:b" may not contain ':'/);
  await assert.rejects(setup({ store: 'ftp://x', backtestKit: bk }), /unsupported store URL "ftp:\/\/x": unknown scheme "ftp"/);
});

test('routes send a bucket to another store, as the CLI\'s --route does', async () => {
  const files = mkdtempSync(join(tmpdir(), 'persist-bk-'));
  const url = STORES.redis();
  await setup({ store: url, routes: { candle: `file:${files}` }, backtestKit: bk });
  const t = Math.floor(Date.now() / 60_000) * 60_000 - 600_000;
  await bk.PersistCandleAdapter.writeCandlesData([{ timestamp: t, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3 }], 'BTCUSDT', '1m', 'binance');
  await bk.PersistSignalAdapter.writeSignalData(signalRow, 'BTCUSDT', 'my-strategy', 'binance');
  useJson();
  assert.deepEqual(filesUnder(files), [`data/candle/binance/BTCUSDT/1m/${t}.json`]);
  const o = persistCli(url, ['signal', 'read', '--symbol', 'BTCUSDT', '--strategy', 'my-strategy', '--exchange', 'binance']);
  assert.equal(o.code, 0, o.stderr);
  assert.equal(JSON.parse(o.stdout).id, 'sig-1');
});

test('a server that is down is a retryable storage error naming it', async () => {
  const p = Persist.open('redis://127.0.0.1:1', { onWarning: () => {} });
  const s = p.signal('BTCUSDT', 'my-strategy', 'binance');
  assert.throws(() => s.readSignalData(), (e) => {
    assert.equal(e.kind, 'storage');
    assert.equal(e.retryable, true);
    assert.match(e.message, /redis at redis:\/\/127\.0\.0\.1:1: .*check that the server is running and reachable/);
    return true;
  });
  const pg = Persist.open('postgres://postgres@127.0.0.1:1/postgres');
  assert.throws(() => pg.base('orders').keys(), (e) => e.kind === 'storage' && e.retryable && /postgres at postgres:\/\/postgres@127\.0\.0\.1:1\/postgres/.test(e.message));
});
