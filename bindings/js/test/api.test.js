// The backtest-kit-shaped classes: method names of IPersist<X>Instance, plain objects in and out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Persist, PersistError, MemoryStore } from '../src/index.js';

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
