// A signal write+read through backtest-kit 19.5.0's own PersistSignalAdapter: with its default
// file adapter, and with persist installed by setup() on files, Redis and PostgreSQL, in one
// run (private servers, as the tests start them, unless PERSIST_TEST_REDIS /
// PERSIST_TEST_POSTGRES name running ones).
//   node scripts/build.js && node scripts/bench-backtest-kit.js

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBacktestKit, VERSION } from '../test/support/backtest-kit.js';
import { startPostgres, startRedis } from '../test/support/servers.js';
import { signalRow } from '../test/support/scenario.js';
import { setup, teardown, useJson } from '../src/index.js';

const N = Number(process.env.BENCH_N ?? 500);
const CTX = ['BTCUSDT', 'my-strategy', 'binance'];
const bk = await loadBacktestKit();

async function roundTrip() {
  const best = [];
  for (let batch = 0; batch < 5; batch++) {
    const t = performance.now();
    for (let i = 0; i < N; i++) {
      await bk.PersistSignalAdapter.writeSignalData(signalRow, ...CTX);
      await bk.PersistSignalAdapter.readSignalData(...CTX);
    }
    best.push(((performance.now() - t) / N) * 1000);
  }
  return Math.min(...best);
}

const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
try {
  const line = (what, us) => console.log(`backtest-kit ${VERSION} PersistSignalAdapter write+read, ${what}: ${us.toFixed(1)} µs/op (best of 5 batches of ${N})`);
  const cwd = process.cwd();
  process.chdir(mkdtempSync(join(tmpdir(), 'persist-bench-own-')));
  useJson();
  bk.PersistSignalAdapter.useJson();
  line('its own file adapter (./dump)', await roundTrip());
  process.chdir(cwd);
  for (const [what, store] of [
    ['persist on files', `file:${mkdtempSync(join(tmpdir(), 'persist-bench-'))}/dump`],
    ['persist on Redis', `${redis.url}?prefix=bench-${process.pid}`],
    ['persist on PostgreSQL', `${postgres.url}?table=bench_${process.pid}`],
  ]) {
    await setup({ store, backtestKit: bk });
    line(what, await roundTrip());
    useJson();
  }
} finally {
  await teardown();
  await Promise.all([redis.stop(), postgres.stop()]);
}
