// A child process of batches.test.js: increments one counter document 500 times through the
// store's writeIfVersion, retrying on stale, and prints how many answers were stale.

import { openStore, closeNetworkStores } from '../../src/index.js';

const store = openStore(process.argv[2]);
const enc = new TextEncoder();
const dec = new TextDecoder();
let stale = 0;
for (let i = 0; i < 500; i++) {
  let current = store.readVersioned('cas', 'counter');
  for (;;) {
    const n = current === undefined ? 0 : Number(dec.decode(current.value));
    const out = store.writeIfVersion('cas', 'counter', current?.version ?? null, enc.encode(String(n + 1)));
    if (out.tag === 'swapped') break;
    stale++;
    current = out.val;
  }
}
await closeNetworkStores();
console.log(`stale ${stale}`);
