// The worker thread behind bridge.js: owns one client per store URL and runs each call the
// main thread posts, answering on the port and counting the answer in the shared array. The
// clients' modules are loaded when first needed, so that a missing one is an answer naming it
// (the main thread, blocked in Atomics.wait, would never see the worker fail to start).

import { workerData } from 'node:worker_threads';

const { port, answers } = workerData;
const stores = new Map();
const CLIENTS = {
  redis: ['Redis client (ioredis)', async () => (await import('./redis.js')).RedisStore],
  postgres: ['PostgreSQL client (pg)', async () => (await import('./postgres.js')).PostgresStore],
};

async function storeFor(url) {
  const key = JSON.stringify(url);
  let store = stores.get(key);
  if (!store) {
    const [what, load] = CLIENTS[url.kind];
    let Store;
    try {
      Store = await load();
    } catch (e) {
      throw Object.assign(new Error(`cannot load the ${what}: ${e.message}; reinstall @backtest-kit/persist's dependencies (npm install)`), { tag: 'io' });
    }
    store = new Store(url);
    stores.set(key, store);
  }
  return store;
}

port.on('message', async ({ id, url, op, args }) => {
  let answer;
  try {
    answer = { id, ok: await (await storeFor(url))[op](...args) };
  } catch (e) {
    answer = { id, error: { tag: e.tag ?? 'io', message: e.message ?? String(e) } };
  }
  port.postMessage(answer);
  Atomics.add(answers, 0, 1);
  Atomics.notify(answers, 0);
});
