// A process that runs backtest-kit's adapters with persist installed on the store given as
// argv[2]: `open` writes what live mode writes when a signal opens and then waits to be
// killed; `restore` prints, as JSON, what a restart reads back.

import { loadBacktestKit } from './backtest-kit.js';
import { setup } from '../../src/index.js';
import { openSignal, restore } from './scenario.js';

const [, , what, store] = process.argv;
const bk = await loadBacktestKit();
await setup({ store, backtestKit: bk });
if (what === 'open') {
  await openSignal(bk);
  process.stdout.write('written\n');
  setInterval(() => {}, 1000); // until SIGKILL
} else {
  const restored = await restore(bk);
  // Infinity does not survive JSON: mark it.
  process.stdout.write(JSON.stringify(restored, (k, v) => (v === Infinity ? 'Infinity' : v)));
  process.exit(0);
}
