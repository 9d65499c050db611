// The worker thread behind bridge.js: owns one client per store URL and runs each call the
// main thread posts, answering on the port and counting the answer in the shared array.

import { workerData } from 'node:worker_threads';
import { RedisStore } from './redis.js';
import { PostgresStore } from './postgres.js';

const { port, answers } = workerData;
const stores = new Map();

function storeFor(url) {
  const key = JSON.stringify(url);
  let store = stores.get(key);
  if (!store) {
    store = url.kind === 'redis' ? new RedisStore(url) : new PostgresStore(url);
    stores.set(key, store);
  }
  return store;
}

port.on('message', async ({ id, url, op, args }) => {
  let answer;
  try {
    answer = { id, ok: await storeFor(url)[op](...args) };
  } catch (e) {
    answer = { id, error: { tag: e.tag ?? 'io', message: e.message ?? String(e) } };
  }
  port.postMessage(answer);
  Atomics.add(answers, 0, 1);
  Atomics.notify(answers, 0);
});
