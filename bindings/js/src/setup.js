// backtest-kit on persist in two lines:
//
//   import { setup } from '@backtest-kit/persist';
//   await setup({ store: 'redis://127.0.0.1:6379', routes: { candle: 'file:./dump' } });
//
// registers, for each of backtest-kit's 16 adapters, a constructor whose instances are the
// guest's domain contexts on the chosen store (`Persist<X>Adapter.usePersist<X>Adapter(Ctor)`,
// as @backtest-kit/mongo does). One guest instance serves every context of the process.

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Persist } from './index.js';
import { closeNetworkStores } from './network_stores.js';

/** backtest-kit's adapter name (`Persist<X>Adapter`) -> the Persist method that makes a context. */
export const ADAPTERS = {
  Signal: 'signal', Risk: 'risk', Schedule: 'schedule', Strategy: 'strategy', Partial: 'partial',
  Breakeven: 'breakeven', Candle: 'candle', Storage: 'storage', Notification: 'notification', Log: 'log',
  Measure: 'measure', Interval: 'interval', Memory: 'memory', Recent: 'recent', State: 'state', Session: 'session',
};

let current = null; // { persist, backtestKit }

/** The application's own backtest-kit, resolved from the working directory. */
async function applicationsBacktestKit() {
  let resolved;
  try {
    resolved = createRequire(join(process.cwd(), 'package.json')).resolve('backtest-kit');
  } catch {
    throw new TypeError(`backtest-kit was not found from ${process.cwd()}: install it (npm install backtest-kit) or pass it: setup({ backtestKit: await import('backtest-kit') })`);
  }
  return import(pathToFileURL(resolved).href);
}

/** A constructor for backtest-kit: `new Ctor(...context)` is the guest's context, with the
 *  `IPersist<X>Instance` methods (asynchronous, as backtest-kit awaits them; the list methods
 *  are async generators). */
function instanceClass(persist, factory) {
  return class {
    constructor(...context) {
      const handle = persist[factory](...context);
      for (const [name, method] of Object.entries(handle)) {
        this[name] = name.startsWith('list')
          ? async function* list(...args) { yield* method(...args); }
          : async (...args) => method(...args);
      }
    }
  };
}

/** Installs persist under all 16 of backtest-kit's adapters and returns the Persist they
 *  share. `store` and `routes` take the CLI's URLs (`file:./dump`, `memory:`, `redis://…`,
 *  `postgres://…`) or store objects; `backtestKit` is the module to install into (by default
 *  the application's `backtest-kit`); `onWarning` receives the guest's warnings. A second
 *  setup replaces the first. */
export async function setup({ store = 'file:./dump', routes = {}, backtestKit, onWarning } = {}) {
  const bk = backtestKit ?? await applicationsBacktestKit();
  const missing = Object.keys(ADAPTERS).filter((x) => typeof bk[`Persist${x}Adapter`]?.[`usePersist${x}Adapter`] !== 'function');
  if (missing.length) {
    throw new TypeError(`this backtest-kit has no ${missing.map((x) => `Persist${x}Adapter.usePersist${x}Adapter`).join(', ')}: persist needs backtest-kit 19.5 or newer`);
  }
  const persist = Persist.open(store, { routes, ...(onWarning ? { onWarning } : {}) });
  for (const [x, factory] of Object.entries(ADAPTERS)) {
    bk[`Persist${x}Adapter`][`usePersist${x}Adapter`](instanceClass(persist, factory));
  }
  current = { persist, backtestKit: bk };
  return persist;
}

/** Puts backtest-kit's own file adapters back (`useJson()` of all 16). */
export function useJson() {
  if (!current) return;
  for (const x of Object.keys(ADAPTERS)) current.backtestKit[`Persist${x}Adapter`].useJson();
  current = null;
}

/** `useJson()`, then closes the Redis and PostgreSQL connections persist opened. */
export async function teardown() {
  useJson();
  await closeNetworkStores();
}

/** The Persist that setup() installed, or null. */
export function sharedPersist() {
  return current ? current.persist : null;
}
