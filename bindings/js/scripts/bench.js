// Per-op cost of a typed signal write+read through jco on the in-memory store:
//   npm run bench   (compare with `persist bench`'s "typed signal write+read round trip")

import { readFileSync } from 'node:fs';
import { Persist, MemoryStore } from '../src/index.js';

const signal = JSON.parse(JSON.parse(readFileSync(new URL('../../../tests/behaviour/cases.json', import.meta.url), 'utf8')).signal);
const p = Persist.open(new MemoryStore());
const s = p.signal('BTCUSDT', 'my-strategy', 'binance');
s.waitForInit(true);
const N = 20000;
function measure(what, roundTrip) {
  const best = [];
  for (let batch = 0; batch < 5; batch++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) roundTrip();
    best.push(Number(process.hrtime.bigint() - t) / 1000 / N);
  }
  console.log(`node (jco), memory store, ${what}: ${Math.min(...best).toFixed(2)} µs/op (best of 5 batches of ${N})`);
}
// The same calls as the Rust host's measurement: the WIT record in, the WIT record out.
const g = p.exports;
const row = g.records.signalRowFromJson(JSON.stringify(signal));
const handle = new g.signal.SignalInstance('BTCUSDT', 'my-strategy', 'binance');
measure('typed signal write+read round trip', () => {
  handle.writeSignalData(row);
  handle.readSignalData();
});
// The class API: a plain backtest-kit object in and out (through the guest's JSON conversions).
measure('signal write+read round trip with plain objects', () => {
  s.writeSignalData(signal);
  s.readSignalData();
});
