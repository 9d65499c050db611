// The backtest-kit-shaped classes: method names of IPersist<X>Instance, plain objects in and out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Persist, PersistError, MemoryStore, FileStore } from '../src/index.js';

const signal = JSON.parse(JSON.parse(readFileSync(new URL('../../../tests/behaviour/cases.json', import.meta.url), 'utf8')).signal);

test('signal and schedule: round trip, null, Infinity restored', () => {
  const p = Persist.open(new MemoryStore());
  const s = p.signal('BTCUSDT', 'my-strategy', 'binance');
  s.waitForInit(true);
  assert.equal(s.readSignalData(), null);
  s.writeSignalData({ ...signal, minuteEstimatedTime: Infinity });
  const back = s.readSignalData();
  assert.equal(back.minuteEstimatedTime, Infinity);
  assert.equal(back.priceOpen, 42000.5);
  s.writeSignalData(null);
  assert.equal(s.readSignalData(), null);

  const sch = p.schedule('BTCUSDT', 'my-strategy', 'binance');
  sch.writeScheduleData({ ...signal, _isScheduled: true });
  assert.equal(sch.readScheduleData()._isScheduled, true);
});

test('risk positions as [key, position] pairs', () => {
  const p = Persist.open(new MemoryStore());
  const r = p.risk('my-risk', 'binance');
  assert.deepEqual(r.readPositionData(), []);
  const position = {
    strategyName: 'my-strategy', exchangeName: 'binance', frameName: '', symbol: 'BTCUSDT', position: 'long',
    priceOpen: 42000, priceStopLoss: 41000, priceTakeProfit: 43000, minuteEstimatedTime: 60, openTimestamp: 1704067200000,
  };
  r.writePositionData([['my-strategy_binance_BTCUSDT', position]]);
  assert.deepEqual(r.readPositionData(), [['my-strategy_binance_BTCUSDT', position]]);
});

test('bad input is a PersistError naming the field, and nothing is written', () => {
  const p = Persist.open(new MemoryStore());
  const s = p.signal('BTCUSDT', 'my-strategy', 'binance');
  assert.throws(() => s.writeSignalData({ ...signal, priceOpen: 'abc' }), (e) => {
    assert.ok(e instanceof PersistError);
    assert.equal(e.kind, 'invalid-input');
    assert.match(e.message, /priceOpen: expected a number, got "abc"/);
    return true;
  });
  assert.equal(s.readSignalData(), null);
});

test('storage rows and the generic base', () => {
  const p = Persist.open(new MemoryStore());
  const live = p.storage(false);
  const row = { ...signal, status: 'opened', createdAt: 1, updatedAt: 2, priority: 2, currentPrice: 42000 };
  live.writeStorageData([row]);
  assert.deepEqual(live.readStorageData().map((r) => [r.id, r.status]), [['s1', 'opened']]);

  const b = p.base('orders');
  b.writeValue('a', { n: 1 });
  assert.equal(b.hasValue('a'), true);
  assert.deepEqual(b.keys(), ['a']);
  b.removeValue('a');
  assert.throws(() => b.readValue('a'), (e) => e.kind === 'not-found');
});

test('every domain has its IPersist<X>Instance methods, plain objects in and out', () => {
  const p = Persist.open(new MemoryStore());
  const st = p.strategy('BTCUSDT', 'my-strategy', 'binance');
  assert.equal(st.readStrategyData(), null);
  const data = {
    pendingSignalId: 's1', lastPendingId: 's1', createdSignal: null, commitQueue: [],
    closedSignal: { ...signal, minuteEstimatedTime: Infinity }, cancelledSignal: null, activatedSignal: null,
    takeProfitSignal: null, stopLossSignal: null, retryOpenSignal: null, retryOpenCount: 0, retryCloseCount: 0, isPaused: false,
  };
  st.writeStrategyData(data);
  const back = st.readStrategyData();
  assert.equal(back.pendingSignalId, 's1');
  assert.equal(back.closedSignal.minuteEstimatedTime, Infinity);

  const partial = p.partial('BTCUSDT', 'my-strategy', 'binance');
  partial.writePartialData({ s1: { profitLevels: [10, 20], lossLevels: [] } }, 's1');
  assert.deepEqual(partial.readPartialData('s1'), { s1: { profitLevels: [10, 20], lossLevels: [] } });
  const be = p.breakeven('BTCUSDT', 'my-strategy', 'binance');
  be.writeBreakevenData({ s1: { reached: true } }, 's1');
  assert.deepEqual(be.readBreakevenData('s1'), { s1: { reached: true } });

  const candle = p.candle('BTCUSDT', '1m', 'binance');
  const c = { timestamp: 1704067200000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 };
  assert.equal(candle.writeCandlesData([c]).written, 1);
  assert.deepEqual(candle.readCandlesData(1, 1704067200000), [c]);
  assert.equal(candle.readCandlesData(2, 1704067200000), null);

  const m = p.measure('sma_1h_0');
  m.writeMeasureData({ id: 'k', data: { v: 1 }, removed: false }, 'k');
  assert.deepEqual(m.listMeasureData(), ['k']);
  m.removeMeasureData('k');
  assert.equal(m.readMeasureData('k'), null);

  const mem = p.memory('s1', 'notes');
  mem.writeMemoryData({ priority: 1, data: { a: 1 }, removed: false, index: 'a', when: 1 }, 'm1');
  assert.deepEqual(mem.listMemoryData().map((x) => x.memoryId), ['m1']);
  assert.equal(mem.hasMemoryData('m1'), true);

  const state = p.state('s1', 'bucket');
  state.writeStateData({ id: 's1_bucket', data: { x: 1 }, when: 1 });
  assert.deepEqual(state.readStateData().data, { x: 1 });

  const session = p.session('my-strategy', 'binance', '', 'BTCUSDT', false);
  session.writeSessionData({ id: 'BTCUSDT:my-strategy:binance:live', data: { y: 2 }, when: 1 });
  assert.deepEqual(session.readSessionData().data, { y: 2 });

  const recent = p.recent('BTCUSDT', 'my-strategy', 'binance', '', false);
  recent.writeRecentData(signal);
  assert.equal(recent.readRecentData().id, 's1');

  const log = p.log();
  log.writeLogData([{ id: 'l1', type: 'info', priority: 1, createdAt: '2024-01-01T00:00:00.000Z', timestamp: 1,
    methodContext: null, executionContext: null, topic: 't', args: [] }]);
  assert.deepEqual(log.readLogData().map((e) => e.id), ['l1']);
});

test('handles of one context share one init; clear makes the next call re-validate', () => {
  const store = new MemoryStore();
  const p = Persist.open(store);
  assert.deepEqual(p.signal('BTCUSDT', 'my-strategy', 'binance').waitForInit(true).findings, []);
  store.write('data/signal/BTCUSDT_my-strategy_binance', 'BTCUSDT', Buffer.from('{broken'));
  const second = p.signal('BTCUSDT', 'my-strategy', 'binance');
  assert.deepEqual(second.waitForInit(true).findings, [], 'the context was validated once already');
  p.clear('signal');
  assert.deepEqual(second.waitForInit(true).findings.map((f) => f.id), ['BTCUSDT']);
  assert.equal(second.readSignalData(), null);
  assert.throws(() => p.clear('signals'), /no domain "signals": expected one of signal, schedule/);
});

test('a store quarantines only the bytes that were judged, never a newer write', () => {
  for (const store of [new MemoryStore(), new FileStore(mkdtempSync(join(tmpdir(), 'persist-js-q-')))]) {
    store.write('q/e', 'doc', Buffer.from('{oops'));
    store.write('q/e', 'doc', Buffer.from('{"ok":true}'));
    assert.equal(store.quarantine('q/e', 'doc', Buffer.from('{oops'), 'not valid JSON'), false);
    assert.equal(Buffer.from(store.read('q/e', 'doc')).toString(), '{"ok":true}');
    assert.equal(store.quarantine('q/e', 'doc', Buffer.from('{"ok":true}'), 'r'), true);
    assert.equal(store.read('q/e', 'doc'), undefined);
  }
});

test('a store whose methods return Promises is refused loudly, and nothing good is quarantined', () => {
  const files = new FileStore(mkdtempSync(join(tmpdir(), 'persist-js-async-')));
  const p = Persist.open(files);
  p.signal('BTCUSDT', 'my-strategy', 'binance').writeSignalData(signal);
  const asyncStore = {
    read: async (e, i) => files.read(e, i),
    write: async (e, i, v) => files.write(e, i, v),
    writeIfAbsent: async (e, i, v) => files.writeIfAbsent(e, i, v),
    remove: async (e, i) => files.remove(e, i),
    listIds: (e) => files.listIds(e),
    entities: (prefix) => files.entities(prefix),
    quarantine: (e, i, j, r) => files.quarantine(e, i, j, r),
  };
  const q = Persist.open(asyncStore);
  assert.throws(() => q.signal('BTCUSDT', 'my-strategy', 'binance').readSignalData(), (e) => {
    assert.ok(e instanceof PersistError, String(e));
    assert.equal(e.kind, 'storage');
    assert.match(e.message, /the store's read returned a Promise; persist's storage calls are synchronous/);
    return true;
  });
  // The write fails for the caller: whatever the store's Promise does later was never
  // acknowledged as durable.
  assert.throws(() => q.base('orders').writeValue('1', { qty: 1 }), /the store's write returned a Promise/);
  assert.equal(p.signal('BTCUSDT', 'my-strategy', 'binance').readSignalData().id, signal.id, 'the good document was not quarantined');
});

test('the package exports what index.d.ts declares, under its own name', async () => {
  const pkg = await import('@backtest-kit/persist');
  const declared = readFileSync(new URL('../src/index.d.ts', import.meta.url), 'utf8');
  for (const name of Object.keys(pkg)) {
    assert.match(declared, new RegExp(`export (declare )?(class|function|const) ${name}\\b`), `${name} has no type`);
  }
  assert.equal(typeof pkg.setup, 'function');
});
