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

/** JSON text from the guest, or null for nothing stored. */
const parsed = (text) => (text === undefined ? null : JSON.parse(text));

/** The same for a StrategyData: its deferred rows get Infinity back too. */
function strategyWithInfinity(data) {
  if (data) {
    for (const key of ['closedSignal', 'cancelledSignal', 'activatedSignal', 'takeProfitSignal', 'stopLossSignal', 'retryOpenSignal']) {
      withInfinity(data[key]);
    }
  }
  return data;
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

  /** `IPersistStrategyInstance` of (symbol, strategyName, exchangeName). */
  strategy(symbol, strategyName, exchangeName) {
    const s = this.#root.strategy;
    const records = this.#root.records;
    return {
      waitForInit: (initial) => guest(() => s.waitForInit(symbol, strategyName, exchangeName, initial)),
      readStrategyData: () =>
        guest(() => {
          const data = s.readStrategyData(symbol, strategyName, exchangeName);
          return data === undefined ? null : strategyWithInfinity(JSON.parse(records.strategyDataToJson(data)));
        }),
      writeStrategyData: (data) =>
        guest(() => s.writeStrategyData(
          data == null ? undefined : records.strategyDataFromJson(JSON.stringify(data)),
          symbol, strategyName, exchangeName)),
    };
  }

  /** `IPersistPartialInstance` of (symbol, strategyName, exchangeName): `Record<signalId, IPartialData>`. */
  partial(symbol, strategyName, exchangeName) {
    const p = this.#root.partial;
    const records = this.#root.records;
    return {
      waitForInit: (initial) => guest(() => p.waitForInit(symbol, strategyName, exchangeName, initial)),
      readPartialData: (signalId, when = 0) =>
        guest(() => JSON.parse(records.partialToJson(p.readPartialData(symbol, strategyName, signalId, exchangeName, +when)))),
      writePartialData: (data, signalId, when = 0) =>
        guest(() => p.writePartialData(records.partialFromJson(JSON.stringify(data)), symbol, strategyName, signalId, exchangeName, +when)),
    };
  }

  /** `IPersistBreakevenInstance` of (symbol, strategyName, exchangeName): `Record<signalId, IBreakevenData>`. */
  breakeven(symbol, strategyName, exchangeName) {
    const b = this.#root.breakeven;
    const records = this.#root.records;
    return {
      waitForInit: (initial) => guest(() => b.waitForInit(symbol, strategyName, exchangeName, initial)),
      readBreakevenData: (signalId, when = 0) =>
        guest(() => JSON.parse(records.breakevenToJson(b.readBreakevenData(symbol, strategyName, signalId, exchangeName, +when)))),
      writeBreakevenData: (data, signalId, when = 0) =>
        guest(() => b.writeBreakevenData(records.breakevenFromJson(JSON.stringify(data)), symbol, strategyName, signalId, exchangeName, +when)),
    };
  }

  /** `IPersistCandleInstance` of (symbol, interval, exchangeName): one document per candle. */
  candle(symbol, interval, exchangeName) {
    const c = this.#root.candle;
    const records = this.#root.records;
    return {
      waitForInit: (initial) => guest(() => c.waitForInit(symbol, interval, exchangeName, initial)),
      /** The `limit` candles from `sinceTimestamp`, or null if one is missing (a cache miss). */
      readCandlesData: (limit, sinceTimestamp, untilTimestamp = 0) =>
        guest(() => {
          const candles = c.readCandlesData(symbol, interval, exchangeName, limit, +sinceTimestamp, +untilTimestamp);
          return candles === undefined ? null : JSON.parse(records.candlesToJson(candles));
        }),
      /** Writes closed candles not yet stored (first write wins); says how many of each. */
      writeCandlesData: (candles) =>
        guest(() => c.writeCandlesData(records.candlesFromJson(JSON.stringify(candles)), symbol, interval, exchangeName)),
    };
  }

  /** `IPersistNotificationInstance` (backtest or live): notifications by id. */
  notification(backtest) {
    const n = this.#root.notification;
    return {
      waitForInit: (initial) => guest(() => n.waitForInit(backtest, initial)),
      readNotificationData: () => guest(() => n.readNotificationData(backtest).map((t) => withInfinity(JSON.parse(t)))),
      writeNotificationData: (rows) => guest(() => n.writeNotificationData(rows.map((r) => JSON.stringify(r)), backtest)),
    };
  }

  /** `IPersistLogInstance`: append-only entries by id. */
  log() {
    const l = this.#root.log;
    return {
      waitForInit: (initial) => guest(() => l.waitForInit(initial)),
      readLogData: () => guest(() => l.readLogData().map((t) => JSON.parse(t))),
      writeLogData: (entries) => guest(() => l.writeLogData(entries.map((e) => JSON.stringify(e)))),
    };
  }

  #softDeleted(api, name, bucket) {
    return {
      waitForInit: (initial) => guest(() => api.waitForInit(bucket, initial)),
      [`read${name}Data`]: (key) => guest(() => parsed(api[`read${name}Data`](bucket, key))),
      [`write${name}Data`]: (data, key, when = 0) => guest(() => api[`write${name}Data`](JSON.stringify(data), bucket, key, +when)),
      [`remove${name}Data`]: (key) => guest(() => api[`remove${name}Data`](bucket, key)),
      [`list${name}Data`]: () => guest(() => api[`list${name}Data`](bucket)),
    };
  }

  /** `IPersistMeasureInstance` of a bucket (`Cache.file`): soft-deleted records by key. */
  measure(bucket) {
    return this.#softDeleted(this.#root.measure, 'Measure', bucket);
  }

  /** `IPersistIntervalInstance` of a bucket (`Interval.file`): soft-deleted records by key. */
  interval(bucket) {
    return this.#softDeleted(this.#root.interval, 'Interval', bucket);
  }

  /** `IPersistMemoryInstance` of (signalId, bucketName). */
  memory(signalId, bucketName) {
    const m = this.#root.memory;
    return {
      waitForInit: (initial) => guest(() => m.waitForInit(signalId, bucketName, initial)),
      readMemoryData: (memoryId) => guest(() => parsed(m.readMemoryData(signalId, bucketName, memoryId))),
      hasMemoryData: (memoryId) => guest(() => m.hasMemoryData(signalId, bucketName, memoryId)),
      writeMemoryData: (data, memoryId, when = 0) =>
        guest(() => m.writeMemoryData(JSON.stringify(data), signalId, bucketName, memoryId, +when)),
      removeMemoryData: (memoryId) => guest(() => m.removeMemoryData(signalId, bucketName, memoryId)),
      listMemoryData: () =>
        guest(() => m.listMemoryData(signalId, bucketName).map(({ memoryId, data }) => ({ memoryId, data: JSON.parse(data) }))),
      dispose: () => guest(() => m.dispose(signalId, bucketName)),
    };
  }

  /** `IPersistRecentInstance` of (symbol, strategyName, exchangeName, frameName, backtest). */
  recent(symbol, strategyName, exchangeName, frameName, backtest) {
    const r = this.#root.recent;
    const ctx = [symbol, strategyName, exchangeName, frameName, backtest];
    return {
      waitForInit: (initial) => guest(() => r.waitForInit(...ctx, initial)),
      readRecentData: () => guest(() => this.#rowToObject(r.readRecentData(...ctx))),
      writeRecentData: (row, when = 0) => guest(() => r.writeRecentData(this.#rowFromObject(row), ...ctx, +when)),
    };
  }

  /** `IPersistStateInstance` of (signalId, bucketName). */
  state(signalId, bucketName) {
    const st = this.#root.state;
    return {
      waitForInit: (initial) => guest(() => st.waitForInit(signalId, bucketName, initial)),
      readStateData: () => guest(() => parsed(st.readStateData(signalId, bucketName))),
      writeStateData: (data, when = 0) => guest(() => st.writeStateData(JSON.stringify(data), signalId, bucketName, +when)),
      dispose: () => guest(() => st.dispose(signalId, bucketName)),
    };
  }

  /** `IPersistSessionInstance` of (strategyName, exchangeName, frameName, symbol, backtest). */
  session(strategyName, exchangeName, frameName, symbol, backtest) {
    const se = this.#root.session;
    return {
      waitForInit: (initial) => guest(() => se.waitForInit(strategyName, exchangeName, frameName, initial, symbol, backtest)),
      readSessionData: () => guest(() => parsed(se.readSessionData(strategyName, exchangeName, frameName, symbol, backtest))),
      writeSessionData: (data, when = 0) =>
        guest(() => se.writeSessionData(JSON.stringify(data), strategyName, exchangeName, frameName, +when, symbol, backtest)),
      dispose: () => guest(() => se.dispose(strategyName, exchangeName, frameName, symbol, backtest)),
    };
  }

  /** Validates every document of the store; invalid ones are quarantined unless `dryRun`. */
  check(dryRun = false) {
    return guest(() => this.#root.admin.check(dryRun));
  }
}
