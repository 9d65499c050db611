// Synchronous calls to the Redis and PostgreSQL clients, which are asynchronous: jco's imports
// are synchronous, so each storage call is posted to one worker thread that owns the clients,
// and this thread blocks in Atomics.wait until the answer is there. The worker counts its
// answers in a shared Int32Array and notifies; the answer itself is read with
// receiveMessageOnPort. `ok` from here means the server acknowledged the command.

import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { StorageError } from '../stores.js';

/** How long one storage call may take before it fails as unavailable. */
const CALL_TIMEOUT_MS = 30_000;

let bridge = null;

function start() {
  const { port1, port2 } = new MessageChannel();
  const answers = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./worker.js', import.meta.url), {
    workerData: { port: port2, answers },
    transferList: [port2],
  });
  // Neither keeps the process alive: a program that is done exits without a teardown.
  worker.unref();
  port1.unref();
  let failed = null;
  worker.on('error', (e) => { failed = e; });
  worker.on('exit', () => { if (bridge && bridge.worker === worker) bridge = null; });
  return { worker, port: port1, answers, next: 1, failed: () => failed };
}

/** Runs `op(...args)` on the store of `url` (a parsed redis or postgres URL) in the worker
 *  and returns its result; a failure is a StorageError with the worker's tag and message. */
export function call(url, op, args) {
  if (!bridge) bridge = start();
  const b = bridge;
  const id = b.next++;
  b.port.postMessage({ id, url, op, args });
  const deadline = Date.now() + CALL_TIMEOUT_MS;
  for (;;) {
    const seen = Atomics.load(b.answers, 0);
    const got = receiveMessageOnPort(b.port);
    if (got) {
      const { message } = got;
      // An answer to a call that timed out earlier: nobody waits for it any more.
      if (message.id !== id) continue;
      if (message.error) throw new StorageError(message.error.tag, message.error.message);
      return message.ok;
    }
    const left = deadline - Date.now();
    if (b.failed()) throw new StorageError('io', `the storage worker failed: ${b.failed().message}`);
    if (left <= 0 || Atomics.wait(b.answers, 0, seen, left) === 'timed-out') {
      throw new StorageError('unavailable', `${describe(url)}: no answer in ${CALL_TIMEOUT_MS / 1000} s; check that the server is running and reachable`);
    }
  }
}

function describe(url) {
  return url.kind === 'redis' ? `redis at ${url.shown}` : `postgres at ${url.shown}`;
}

/** Closes every client and stops the worker (the next call starts a new one). */
export async function closeAll() {
  const b = bridge;
  bridge = null;
  if (b) await b.worker.terminate();
}
