// The persist guest component in Node.js: backtest-kit's persistence adapters, run from the
// same .wasm cargo builds, on storage written in JavaScript (src/stores.js).
//
//   import { Persist } from '@backtest-kit/persist';
//   const persist = Persist.open('file:./dump');     // or redis://…, postgres://…
//   const signal = persist.signal('BTCUSDT', 'my-strategy', 'binance');  // one context
//   signal.waitForInit(true);
//   signal.writeSignalData({ id: 's1', position: 'long', ... });

import { readFileSync } from 'node:fs';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { instantiate } from '../generated/persist.js';
import { StorageError, versioned } from './stores.js';
import { openStore } from './network_stores.js';

/** The buckets the guest opens: `base` (PersistBase entities of your own) and one per domain
 *  (`storage` is the signals store). */
export const BUCKETS = ['base', 'signal', 'schedule', 'strategy', 'risk', 'partial', 'breakeven', 'candle',
  'storage', 'notification', 'log', 'measure', 'interval', 'memory', 'recent', 'state', 'session'];
const MAX_WARNINGS = 1000;

function defaultWarning(message) {
  process.stderr.write(`persist: warning: ${message}\n`);
}

/** bucket name ('' for the default) -> store object, each URL opened once. */
function routedStores(store, routes) {
  const opened = new Map();
  const resolve = (s) => {
    if (typeof s !== 'string') return s;
    if (!opened.has(s)) opened.set(s, openStore(s));
    return opened.get(s);
  };
  const stores = new Map([['', resolve(store)]]);
  for (const [bucket, s] of Object.entries(routes)) {
    if (!BUCKETS.includes(bucket)) {
      throw new TypeError(`no bucket ${JSON.stringify(bucket)} to route: the buckets are ${BUCKETS.join(', ')}`);
    }
    stores.set(bucket, resolve(s));
  }
  return stores;
}

export { MemoryStore, FileStore, StorageError, versionOf } from './stores.js';
export { RedisStore, PostgresStore, openStore, closeNetworkStores } from './network_stores.js';
export { setup, teardown, useJson, sharedPersist } from './setup.js';

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

  /** A guest instance on `store`: a MemoryStore, a FileStore, a RedisStore, a PostgresStore,
   *  a store URL as the CLI takes it (`file:./dump`, `memory:`, `redis://…`, `postgres://…`),
   *  or any object with their methods. Options:
   *  - `routes`: `{ bucket: store or URL }`, the buckets served by another store (`signal`,
   *    `candle`, … `base`), as the CLI's `--route`;
   *  - `onWarning(message)`: called for each warning of the guest (a document an init moved to
   *    the quarantine, a skipped candle); by default each is written to stderr.
   *  An instance costs a few hundred milliseconds to make: open one per process and share it. */
  static open(store, { routes = {}, onWarning = defaultWarning } = {}) {
    const warnings = [];
    const stores = routedStores(store, routes);
    // The guest's imports are synchronous. A store method that returns a Promise would be read
    // as "nothing stored" (and a good document then quarantined) or as a write that succeeded
    // before it happened: refuse it as a storage error instead.
    const sync = (method, result) => {
      if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
        result.then(undefined, () => {}); // its outcome no longer matters to anyone
        throw new StorageError('io', `the store's ${method} returned a Promise; persist's storage calls are synchronous (give a store whose methods return their result)`);
      }
      return result;
    };
    class Bucket {
      constructor(s) { this.s = s; }
      read(entity, id) { return sync('read', this.s.read(entity, id)); }
      write(entity, id, value) { sync('write', this.s.write(entity, id, value)); }
      writeIfAbsent(entity, id, value) { return sync('writeIfAbsent', this.s.writeIfAbsent(entity, id, value)); }
      remove(entity, id) { sync('remove', this.s.remove(entity, id)); }
      listIds(entity) { return sync('listIds', this.s.listIds(entity)); }
      entities(prefix) { return sync('entities', this.s.entities(prefix)); }
      quarantine(entity, id, judged, reason) { return sync('quarantine', this.s.quarantine(entity, id, judged, reason)); }
      // A store of your own without the batch methods gets them one document at a time (each
      // durable, the batch not atomic); compare-and-swap it must provide itself.
      readMany(entity, ids) {
        if (this.s.readMany) return sync('readMany', this.s.readMany(entity, ids));
        return ids.map((id) => sync('read', this.s.read(entity, id)));
      }
      writeMany(documents) {
        if (this.s.writeMany) return void sync('writeMany', this.s.writeMany(documents));
        for (const [entity, id, value] of documents) sync('write', this.s.write(entity, id, value));
      }
      removeMany(keys) {
        if (this.s.removeMany) return void sync('removeMany', this.s.removeMany(keys));
        for (const [entity, id] of keys) sync('remove', this.s.remove(entity, id));
      }
      readVersioned(entity, id) {
        if (this.s.readVersioned) return sync('readVersioned', this.s.readVersioned(entity, id));
        return versioned(sync('read', this.s.read(entity, id)));
      }
      writeIfVersion(entity, id, expected, value) {
        if (!this.s.writeIfVersion) {
          throw new StorageError('io', 'this store has no writeIfVersion (compare-and-swap), which the risk profile\'s positions need; give it one, or use a store of @backtest-kit/persist');
        }
        return sync('writeIfVersion', this.s.writeIfVersion(entity, id, expected, value));
      }
    }
    const wasi = new WASIShim({ sandbox: { preopens: {}, env: {}, args: [], enableNetwork: false } });
    const root = instantiate(getCoreModule, {
      ...wasi.getImportObject(),
      'backtest:persist/storage': { Bucket, open: (name) => new Bucket(stores.get(name) ?? stores.get('')) },
      'backtest:persist/diagnostics': {
        warn: (message) => {
          warnings.push(message);
          if (warnings.length > MAX_WARNINGS) warnings.shift();
          onWarning(message);
        },
      },
    });
    return new Persist(root, warnings);
  }

  /** The guest's exports as jco made them (records as objects, JSON as text), for what the
   *  classes below do not cover. */
  get exports() {
    return this.#root;
  }

  /** Warnings the guest reported since the last call (quarantined documents, ignored
   *  records), oldest first; the last 1000 are kept. */
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
      /** The values of `ids` in their order (undefined where absent), in one storage call. */
      readMany: (ids) => guest(() => b.readMany(ids).map((t) => (t === undefined ? undefined : JSON.parse(t)))),
      /** `[[id, value], …]` as one storage batch, durable on return; an invalid value writes nothing. */
      writeMany: (entries) => guest(() => b.writeMany(entries.map(([id, value]) => [id, JSON.stringify(value)]))),
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
    const s = guest(() => new this.#root.signal.SignalInstance(symbol, strategyName, exchangeName));
    return {
      waitForInit: (initial) => guest(() => s.waitForInit(initial)),
      readSignalData: () => guest(() => this.#rowToObject(s.readSignalData())),
      writeSignalData: (row) => guest(() => s.writeSignalData(this.#rowFromObject(row))),
    };
  }

  /** `IPersistScheduleInstance` of (symbol, strategyName, exchangeName). */
  schedule(symbol, strategyName, exchangeName) {
    const s = guest(() => new this.#root.schedule.ScheduleInstance(symbol, strategyName, exchangeName));
    return {
      waitForInit: (initial) => guest(() => s.waitForInit(initial)),
      readScheduleData: () => guest(() => this.#rowToObject(s.readScheduleData())),
      writeScheduleData: (row) => guest(() => s.writeScheduleData(this.#rowFromObject(row))),
    };
  }

  /** `IPersistRiskInstance` of (riskName, exchangeName): positions as `[key, position]` pairs. */
  risk(riskName, exchangeName) {
    const r = guest(() => new this.#root.risk.RiskInstance(riskName, exchangeName));
    const records = this.#root.records;
    return {
      waitForInit: (initial) => guest(() => r.waitForInit(initial)),
      readPositionData: (when = 0) =>
        guest(() => {
          const pairs = JSON.parse(records.riskToJson(r.readPositionData(+when)));
          for (const [, position] of pairs) withInfinity(position);
          return pairs;
        }),
      writePositionData: (pairs, when = 0) =>
        guest(() => r.writePositionData(records.riskFromJson(JSON.stringify(pairs)), +when)),
      /** Sets one key's position (null removes it) by compare-and-swap, leaving the other keys
       *  as stored; with `maxPositions`, a new key gets a slot only while fewer than that many
       *  others hold one. False when the profile is full (nothing written). */
      putPosition: (key, position, maxPositions) =>
        guest(() => {
          const entry = position == null ? undefined : records.riskFromJson(JSON.stringify([[key, position]]))[0].position;
          return r.putPosition(key, entry, maxPositions ?? undefined);
        }),
    };
  }

  /** `IPersistStorageInstance` (backtest or live): signal rows by id. */
  storage(backtest) {
    const s = guest(() => new this.#root.storageSignals.StorageInstance(backtest));
    return {
      waitForInit: (initial) => guest(() => s.waitForInit(initial)),
      readStorageData: () => guest(() => s.readStorageData().map((t) => withInfinity(JSON.parse(t)))),
      writeStorageData: (rows) => guest(() => s.writeStorageData(rows.map((r) => JSON.stringify(r)))),
    };
  }

  /** `IPersistStrategyInstance` of (symbol, strategyName, exchangeName). */
  strategy(symbol, strategyName, exchangeName) {
    const s = guest(() => new this.#root.strategy.StrategyInstance(symbol, strategyName, exchangeName));
    const records = this.#root.records;
    return {
      waitForInit: (initial) => guest(() => s.waitForInit(initial)),
      readStrategyData: () =>
        guest(() => {
          const data = s.readStrategyData();
          return data === undefined ? null : strategyWithInfinity(JSON.parse(records.strategyDataToJson(data)));
        }),
      writeStrategyData: (data) =>
        guest(() => s.writeStrategyData(data == null ? undefined : records.strategyDataFromJson(JSON.stringify(data)))),
    };
  }

  /** `IPersistPartialInstance` of (symbol, strategyName, exchangeName): `Record<signalId, IPartialData>`. */
  partial(symbol, strategyName, exchangeName) {
    const p = guest(() => new this.#root.partial.PartialInstance(symbol, strategyName, exchangeName));
    const records = this.#root.records;
    return {
      waitForInit: (initial) => guest(() => p.waitForInit(initial)),
      readPartialData: (signalId, when = 0) =>
        guest(() => JSON.parse(records.partialToJson(p.readPartialData(signalId, +when)))),
      writePartialData: (data, signalId, when = 0) =>
        guest(() => p.writePartialData(records.partialFromJson(JSON.stringify(data)), signalId, +when)),
    };
  }

  /** `IPersistBreakevenInstance` of (symbol, strategyName, exchangeName): `Record<signalId, IBreakevenData>`. */
  breakeven(symbol, strategyName, exchangeName) {
    const b = guest(() => new this.#root.breakeven.BreakevenInstance(symbol, strategyName, exchangeName));
    const records = this.#root.records;
    return {
      waitForInit: (initial) => guest(() => b.waitForInit(initial)),
      readBreakevenData: (signalId, when = 0) =>
        guest(() => JSON.parse(records.breakevenToJson(b.readBreakevenData(signalId, +when)))),
      writeBreakevenData: (data, signalId, when = 0) =>
        guest(() => b.writeBreakevenData(records.breakevenFromJson(JSON.stringify(data)), signalId, +when)),
    };
  }

  /** `IPersistCandleInstance` of (symbol, interval, exchangeName): one document per candle. */
  candle(symbol, interval, exchangeName) {
    const c = guest(() => new this.#root.candle.CandleInstance(symbol, interval, exchangeName));
    const records = this.#root.records;
    return {
      waitForInit: (initial) => guest(() => c.waitForInit(initial)),
      /** The `limit` candles from `sinceTimestamp`, or null if one is missing (a cache miss). */
      readCandlesData: (limit, sinceTimestamp, untilTimestamp = 0) =>
        guest(() => {
          const candles = c.readCandlesData(limit, +sinceTimestamp, +untilTimestamp);
          return candles === undefined ? null : JSON.parse(records.candlesToJson(candles));
        }),
      /** Writes closed candles not yet stored (first write wins); says how many of each. */
      writeCandlesData: (candles) => guest(() => c.writeCandlesData(records.candlesFromJson(JSON.stringify(candles)))),
    };
  }

  /** `IPersistNotificationInstance` (backtest or live): notifications by id. */
  notification(backtest) {
    const n = guest(() => new this.#root.notification.NotificationInstance(backtest));
    return {
      waitForInit: (initial) => guest(() => n.waitForInit(initial)),
      // As backtest-kit's reader: Infinity back only where the notification has the field.
      readNotificationData: () => guest(() => n.readNotificationData().map((t) => {
        const row = JSON.parse(t);
        return 'minuteEstimatedTime' in row ? withInfinity(row) : row;
      })),
      writeNotificationData: (rows) => guest(() => n.writeNotificationData(rows.map((r) => JSON.stringify(r)))),
    };
  }

  /** `IPersistLogInstance`: append-only entries by id. */
  log() {
    const l = guest(() => new this.#root.log.LogInstance());
    return {
      waitForInit: (initial) => guest(() => l.waitForInit(initial)),
      readLogData: () => guest(() => l.readLogData().map((t) => JSON.parse(t))),
      writeLogData: (entries) => guest(() => l.writeLogData(entries.map((e) => JSON.stringify(e)))),
    };
  }

  /** `IPersistMeasureInstance` of a bucket (`Cache.file`): soft-deleted records by key. */
  measure(bucket) {
    const m = guest(() => new this.#root.measure.MeasureInstance(bucket));
    return {
      waitForInit: (initial) => guest(() => m.waitForInit(initial)),
      readMeasureData: (key) => guest(() => parsed(m.readMeasureData(key))),
      writeMeasureData: (data, key, when = 0) => guest(() => m.writeMeasureData(JSON.stringify(data), key, +when)),
      removeMeasureData: (key) => guest(() => m.removeMeasureData(key)),
      listMeasureData: () => guest(() => m.listMeasureData()),
    };
  }

  /** `IPersistIntervalInstance` of a bucket (`Interval.file`): soft-deleted records by key. */
  interval(bucket) {
    const i = guest(() => new this.#root.interval.IntervalInstance(bucket));
    return {
      waitForInit: (initial) => guest(() => i.waitForInit(initial)),
      readIntervalData: (key) => guest(() => parsed(i.readIntervalData(key))),
      writeIntervalData: (data, key, when = 0) => guest(() => i.writeIntervalData(JSON.stringify(data), key, +when)),
      removeIntervalData: (key) => guest(() => i.removeIntervalData(key)),
      listIntervalData: () => guest(() => i.listIntervalData()),
    };
  }

  /** `IPersistMemoryInstance` of (signalId, bucketName). */
  memory(signalId, bucketName) {
    const m = guest(() => new this.#root.memory.MemoryInstance(signalId, bucketName));
    return {
      waitForInit: (initial) => guest(() => m.waitForInit(initial)),
      readMemoryData: (memoryId) => guest(() => parsed(m.readMemoryData(memoryId))),
      hasMemoryData: (memoryId) => guest(() => m.hasMemoryData(memoryId)),
      writeMemoryData: (data, memoryId, when = 0) => guest(() => m.writeMemoryData(JSON.stringify(data), memoryId, +when)),
      removeMemoryData: (memoryId) => guest(() => m.removeMemoryData(memoryId)),
      listMemoryData: () =>
        guest(() => m.listMemoryData().map(({ memoryId, data }) => ({ memoryId, data: JSON.parse(data) }))),
      dispose: () => guest(() => m.dispose()),
    };
  }

  /** `IPersistRecentInstance` of (symbol, strategyName, exchangeName, frameName, backtest). */
  recent(symbol, strategyName, exchangeName, frameName, backtest) {
    const r = guest(() => new this.#root.recent.RecentInstance(symbol, strategyName, exchangeName, frameName, backtest));
    return {
      waitForInit: (initial) => guest(() => r.waitForInit(initial)),
      readRecentData: () => guest(() => this.#rowToObject(r.readRecentData())),
      writeRecentData: (row, when = 0) => guest(() => r.writeRecentData(this.#rowFromObject(row), +when)),
    };
  }

  /** `IPersistStateInstance` of (signalId, bucketName). */
  state(signalId, bucketName) {
    const st = guest(() => new this.#root.state.StateInstance(signalId, bucketName));
    return {
      waitForInit: (initial) => guest(() => st.waitForInit(initial)),
      readStateData: () => guest(() => parsed(st.readStateData())),
      writeStateData: (data, when = 0) => guest(() => st.writeStateData(JSON.stringify(data), +when)),
      dispose: () => guest(() => st.dispose()),
    };
  }

  /** `IPersistSessionInstance` of (strategyName, exchangeName, frameName, symbol, backtest). */
  session(strategyName, exchangeName, frameName, symbol, backtest) {
    const se = guest(() => new this.#root.session.SessionInstance(strategyName, exchangeName, frameName, symbol, backtest));
    return {
      waitForInit: (initial) => guest(() => se.waitForInit(initial)),
      readSessionData: () => guest(() => parsed(se.readSessionData())),
      writeSessionData: (data, when = 0) => guest(() => se.writeSessionData(JSON.stringify(data), +when)),
      dispose: () => guest(() => se.dispose()),
    };
  }

  /** Drops a domain's memo of contexts (`'signal'`, `'storage'`, …): the next call through any
   *  handle re-reads and re-validates. */
  clear(domain) {
    const iface = domain === 'storage' ? 'storageSignals' : domain;
    if (!this.#root[iface] || typeof this.#root[iface].clear !== 'function') {
      throw new TypeError(`no domain ${JSON.stringify(domain)}: expected one of signal, schedule, strategy, risk, partial, breakeven, candle, storage, notification, log, measure, interval, memory, recent, state, session`);
    }
    this.#root[iface].clear();
  }

  /** Validates every document of the store; invalid ones are quarantined unless `dryRun`. */
  check(dryRun = false) {
    return guest(() => this.#root.admin.check(dryRun));
  }
}
