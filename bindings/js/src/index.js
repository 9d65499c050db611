// The persist guest component in Node.js: backtest-kit's persistence adapters, run from the
// same .wasm cargo builds, on storage written in JavaScript (src/stores.js).
//
//   import { Persist, FileStore } from '@backtest-kit/persist';
//   const persist = Persist.open(new FileStore('./dump'));
//   const signal = persist.signal('BTCUSDT', 'my-strategy', 'binance');
//   signal.waitForInit(true);
//   signal.writeSignalData({ id: 's1', position: 'long', ... });

import { readFileSync } from 'node:fs';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { instantiate } from '../generated/persist.js';

export { MemoryStore, FileStore, StorageError } from './stores.js';

const generated = new URL('../generated/', import.meta.url);
const modules = new Map();
function getCoreModule(name) {
  if (!modules.has(name)) modules.set(name, new WebAssembly.Module(readFileSync(new URL(name, generated))));
  return modules.get(name);
}

/** An error of the guest: `kind` is not-found, invalid-input, invalid-key, corrupt or storage. */
export class PersistError extends Error {
  constructor(payload) {
    const { tag, val } = payload;
    const message = tag === 'invalid-input' ? `${val.path}: ${val.reason}` : tag === 'storage' ? val.message : val;
    super(message);
    this.kind = tag;
    this.retryable = tag === 'storage' && val.error.tag === 'unavailable';
  }
}

function guest(f) {
  try {
    return f();
  } catch (e) {
    if (e && e.payload && typeof e.payload.tag === 'string') throw new PersistError(e.payload);
    throw e;
  }
}

/** backtest-kit restores `minuteEstimatedTime: null` (Infinity written as JSON) to Infinity. */
function withInfinity(row) {
  if (row && row.minuteEstimatedTime == null) row.minuteEstimatedTime = Infinity;
  return row;
}

/** The SHA-256 of the guest component the bindings were made from. */
export function guestSha256() {
  return readFileSync(new URL('guest.sha256', generated), 'utf8').trim();
}

export class Persist {
  #root;
  #warnings;

  constructor(root, warnings) {
    this.#root = root;
    this.#warnings = warnings;
  }

  /** A guest instance on `store` (a MemoryStore, a FileStore, or any object with their methods). */
  static open(store) {
    const warnings = [];
    class Bucket {
      read(entity, id) { return store.read(entity, id); }
      write(entity, id, value) { store.write(entity, id, value); }
      writeIfAbsent(entity, id, value) { return store.writeIfAbsent(entity, id, value); }
      remove(entity, id) { store.remove(entity, id); }
      listIds(entity) { return store.listIds(entity); }
      entities(prefix) { return store.entities(prefix); }
      quarantine(entity, id, reason) { store.quarantine(entity, id, reason); }
    }
    const wasi = new WASIShim({ sandbox: { preopens: {}, env: {}, args: [], enableNetwork: false } });
    const root = instantiate(getCoreModule, {
      ...wasi.getImportObject(),
      'backtest:persist/storage': { Bucket, open: () => new Bucket() },
      'backtest:persist/diagnostics': { warn: (message) => warnings.push(message) },
    });
    return new Persist(root, warnings);
  }

  /** The guest's exports as jco made them (records as objects, JSON as text), for what the
   *  classes below do not cover. */
  get exports() {
    return this.#root;
  }

  /** Warnings the guest reported (quarantined documents, ignored records), oldest first. */
  takeWarnings() {
    return this.#warnings.splice(0);
  }

  /** backtest-kit's `PersistBase` for an entity of your own; values are JSON-able objects. */
  base(entityName) {
    const b = guest(() => new this.#root.base.PersistBase(entityName));
    return {
      waitForInit: (initial) => guest(() => b.waitForInit(initial)),
      readValue: (id) => JSON.parse(guest(() => b.readValue(id))),
      hasValue: (id) => guest(() => b.hasValue(id)),
      writeValue: (id, value) => guest(() => b.writeValue(id, JSON.stringify(value))),
      removeValue: (id) => guest(() => b.removeValue(id)),
      keys: () => guest(() => b.keys()),
    };
  }

  #rowToObject(row) {
    return row === undefined ? null : withInfinity(JSON.parse(this.#root.records.signalRowToJson(row)));
  }

  #rowFromObject(row) {
    return row == null ? undefined : this.#root.records.signalRowFromJson(JSON.stringify(row));
  }

  /** `IPersistSignalInstance` of (symbol, strategyName, exchangeName). */
  signal(symbol, strategyName, exchangeName) {
    const s = this.#root.signal;
    return {
      waitForInit: (initial) => guest(() => s.waitForInit(symbol, strategyName, exchangeName, initial)),
      readSignalData: () => guest(() => this.#rowToObject(s.readSignalData(symbol, strategyName, exchangeName))),
      writeSignalData: (row) =>
        guest(() => s.writeSignalData(this.#rowFromObject(row), symbol, strategyName, exchangeName)),
    };
  }

  /** `IPersistScheduleInstance` of (symbol, strategyName, exchangeName). */
  schedule(symbol, strategyName, exchangeName) {
    const s = this.#root.schedule;
    return {
      waitForInit: (initial) => guest(() => s.waitForInit(symbol, strategyName, exchangeName, initial)),
      readScheduleData: () =>
        guest(() => this.#rowToObject(s.readScheduleData(symbol, strategyName, exchangeName))),
      writeScheduleData: (row) =>
        guest(() => s.writeScheduleData(this.#rowFromObject(row), symbol, strategyName, exchangeName)),
    };
  }

  /** `IPersistRiskInstance` of (riskName, exchangeName): positions as `[key, position]` pairs. */
  risk(riskName, exchangeName) {
    const r = this.#root.risk;
    const records = this.#root.records;
    return {
      waitForInit: (initial) => guest(() => r.waitForInit(riskName, exchangeName, initial)),
      readPositionData: (when = 0) =>
        guest(() => {
          const pairs = JSON.parse(records.riskToJson(r.readPositionData(riskName, exchangeName, +when)));
          for (const [, position] of pairs) withInfinity(position);
          return pairs;
        }),
      writePositionData: (pairs, when = 0) =>
        guest(() => r.writePositionData(records.riskFromJson(JSON.stringify(pairs)), riskName, exchangeName, +when)),
    };
  }

  /** `IPersistStorageInstance` (backtest or live): signal rows by id. */
  storage(backtest) {
    const s = this.#root.storageSignals;
    return {
      waitForInit: (initial) => guest(() => s.waitForInit(backtest, initial)),
      readStorageData: () => guest(() => s.readStorageData(backtest).map((t) => withInfinity(JSON.parse(t)))),
      writeStorageData: (rows) => guest(() => s.writeStorageData(rows.map((r) => JSON.stringify(r)), backtest)),
    };
  }

  /** Validates every document of the store; invalid ones are quarantined unless `dryRun`. */
  check(dryRun = false) {
    return guest(() => this.#root.admin.check(dryRun));
  }
}
