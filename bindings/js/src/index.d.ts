// Types of @backtest-kit/persist (src/index.js). Records are backtest-kit's plain objects;
// `Json` is any JSON-able value.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Row = Record<string, any>;
export type Bytes = Uint8Array;

/** What the guest's storage import needs; every method returns its result (never a Promise). */
export interface Store {
  read(entity: string, id: string): Bytes | undefined;
  write(entity: string, id: string, value: Bytes): void;
  writeIfAbsent(entity: string, id: string, value: Bytes): boolean;
  remove(entity: string, id: string): void;
  listIds(entity: string): string[];
  entities(prefix: string): string[];
  quarantine(entity: string, id: string, judged: Bytes, reason: string): boolean;
  /** Batches: without them a store is called once per document (each durable, the batch not
   *  atomic). */
  readMany?(entity: string, ids: string[]): (Bytes | undefined)[];
  writeMany?(documents: [entity: string, id: string, value: Bytes][]): void;
  removeMany?(keys: [entity: string, id: string][]): void;
  readVersioned?(entity: string, id: string): Versioned | undefined;
  /** Compare-and-swap; the risk profile's `putPosition` needs it. `expected` null or
   *  undefined: only if absent. */
  writeIfVersion?(entity: string, id: string, expected: string | null | undefined, value: Bytes): SwapOutcome;
}

/** A document's bytes and version (`versionOf` of the bytes). */
export interface Versioned { value: Bytes; version: string; }
/** What a compare-and-swap did: stored (the new version), or not (the document as it is now). */
export type SwapOutcome = { tag: 'swapped'; val: string } | { tag: 'stale'; val: Versioned | undefined };
/** A document's version: the SHA-256 of its bytes as 64 lowercase hex digits. */
export function versionOf(bytes: Bytes): string;

/** A storage failure as the guest receives it (`storage-error`). */
export class StorageError extends Error {
  constructor(tag: 'invalid-key' | 'too-large' | 'unavailable' | 'io', message: string);
  readonly payload: { tag: string; val: string | bigint };
}
/** An error of the guest. */
export class PersistError extends Error {
  readonly kind: 'not-found' | 'invalid-input' | 'invalid-key' | 'corrupt' | 'storage';
  /** A storage error that may pass (the server is down): the same call may succeed later. */
  readonly retryable: boolean;
}

/** Documents in a Map; gone with the process. */
export class MemoryStore {}
export interface MemoryStore extends Store {}
export class FileStore extends MemoryStore { constructor(root: string); readonly root: string; }
/** `redis://[user:pass@]host:port[/db][?prefix=P&ttl=S]`, keys as the Rust host's. */
export class RedisStore extends MemoryStore { constructor(url: string); }
/** `postgres://user[:pass]@host:port/db[?table=T]`, rows as the Rust host's. */
export class PostgresStore extends MemoryStore { constructor(url: string); }
/** The store a URL names: `file:PATH`, `memory:`, `redis://…`, `postgres://…`. */
export function openStore(url: string): Store;
/** Closes the Redis and PostgreSQL connections of this process. */
export function closeNetworkStores(): Promise<void>;

/** The buckets the guest opens. */
export const BUCKETS: readonly string[];
export type Bucket = 'base' | 'signal' | 'schedule' | 'strategy' | 'risk' | 'partial' | 'breakeven' | 'candle'
  | 'storage' | 'notification' | 'log' | 'measure' | 'interval' | 'memory' | 'recent' | 'state' | 'session';

export interface OpenOptions {
  /** Buckets served by another store than the default. */
  routes?: Partial<Record<Bucket, Store | string>>;
  /** Receives each warning of the guest; by default written to stderr. */
  onWarning?: (message: string) => void;
}

export interface CheckReport {
  checked: number;
  valid: number;
  findings: { bucket: string; entity: string; id: string; reason: string; quarantined: boolean }[];
}

type When = number | Date;
interface Init { waitForInit(initial: boolean): CheckReport; }
export interface SignalInstance extends Init { readSignalData(): Row | null; writeSignalData(row: Row | null): void; }
export interface ScheduleInstance extends Init { readScheduleData(): Row | null; writeScheduleData(row: Row | null): void; }
export interface StrategyInstance extends Init { readStrategyData(): Row | null; writeStrategyData(data: Row | null): void; }
export interface RiskInstance extends Init {
  readPositionData(when?: When): [string, Row][];
  writePositionData(pairs: [string, Row][], when?: When): void;
  /** One key's position (null: removed) by compare-and-swap, the other keys left as stored;
   *  false when `maxPositions` others hold one already (nothing written). */
  putPosition(key: string, position: Row | null, maxPositions?: number): boolean;
}
export interface PartialInstance extends Init {
  readPartialData(signalId: string, when?: When): Record<string, Row>;
  writePartialData(data: Record<string, Row>, signalId: string, when?: When): void;
}
export interface BreakevenInstance extends Init {
  readBreakevenData(signalId: string, when?: When): Record<string, Row>;
  writeBreakevenData(data: Record<string, Row>, signalId: string, when?: When): void;
}
export interface CandleInstance extends Init {
  readCandlesData(limit: number, sinceTimestamp: number, untilTimestamp?: number): Row[] | null;
  writeCandlesData(candles: Row[]): { written: number; existing: number; unclosed: number };
}
export interface StorageInstance extends Init { readStorageData(): Row[]; writeStorageData(rows: Row[]): void; }
export interface NotificationInstance extends Init { readNotificationData(): Row[]; writeNotificationData(rows: Row[]): void; }
export interface LogInstance extends Init { readLogData(): Row[]; writeLogData(entries: Row[]): number; }
export interface MeasureInstance extends Init {
  readMeasureData(key: string): Json; writeMeasureData(data: Json, key: string, when?: When): void;
  removeMeasureData(key: string): void; listMeasureData(): string[];
}
export interface IntervalInstance extends Init {
  readIntervalData(key: string): Json; writeIntervalData(data: Json, key: string, when?: When): void;
  removeIntervalData(key: string): void; listIntervalData(): string[];
}
export interface MemoryInstance extends Init {
  readMemoryData(memoryId: string): Json; hasMemoryData(memoryId: string): boolean;
  writeMemoryData(data: Json, memoryId: string, when?: When): void; removeMemoryData(memoryId: string): void;
  listMemoryData(): { memoryId: string; data: Json }[]; dispose(): void;
}
export interface RecentInstance extends Init { readRecentData(): Row | null; writeRecentData(row: Row | null, when?: When): void; }
export interface StateInstance extends Init { readStateData(): Json; writeStateData(data: Json, when?: When): void; dispose(): void; }
export interface SessionInstance extends Init { readSessionData(): Json; writeSessionData(data: Json, when?: When): void; dispose(): void; }
export interface PersistBase {
  waitForInit(initial: boolean): CheckReport;
  readValue(id: string): Json; hasValue(id: string): boolean; writeValue(id: string, value: Json): void;
  removeValue(id: string): void; keys(): string[];
  /** The values of `ids` in their order (undefined where absent), in one storage call. */
  readMany(ids: string[]): (Json | undefined)[];
  /** One storage batch, durable on return; an invalid value writes nothing. */
  writeMany(entries: [id: string, value: Json][]): void;
}

/** One guest instance on a store (or routed stores). */
export class Persist {
  static open(store: Store | string, options?: OpenOptions): Persist;
  readonly exports: any;
  takeWarnings(): string[];
  base(entityName: string): PersistBase;
  signal(symbol: string, strategyName: string, exchangeName: string): SignalInstance;
  schedule(symbol: string, strategyName: string, exchangeName: string): ScheduleInstance;
  strategy(symbol: string, strategyName: string, exchangeName: string): StrategyInstance;
  risk(riskName: string, exchangeName: string): RiskInstance;
  partial(symbol: string, strategyName: string, exchangeName: string): PartialInstance;
  breakeven(symbol: string, strategyName: string, exchangeName: string): BreakevenInstance;
  candle(symbol: string, interval: string, exchangeName: string): CandleInstance;
  storage(backtest: boolean): StorageInstance;
  notification(backtest: boolean): NotificationInstance;
  log(): LogInstance;
  measure(bucket: string): MeasureInstance;
  interval(bucket: string): IntervalInstance;
  memory(signalId: string, bucketName: string): MemoryInstance;
  recent(symbol: string, strategyName: string, exchangeName: string, frameName: string, backtest: boolean): RecentInstance;
  state(signalId: string, bucketName: string): StateInstance;
  session(strategyName: string, exchangeName: string, frameName: string, symbol: string, backtest: boolean): SessionInstance;
  clear(domain: Exclude<Bucket, 'base'>): void;
  check(dryRun?: boolean): CheckReport;
}
export function guestSha256(): string;

export interface SetupOptions extends OpenOptions {
  /** The default store: a URL (`file:./dump`, `memory:`, `redis://…`, `postgres://…`) or a Store. */
  store?: Store | string;
  /** The backtest-kit module to install into; by default the application's own. */
  backtestKit?: any;
}
/** Installs persist under backtest-kit's 16 adapters; returns the one Persist they share. */
export function setup(options?: SetupOptions): Promise<Persist>;
/** backtest-kit's own file adapters again. */
export function useJson(): void;
/** useJson(), then closes persist's Redis and PostgreSQL connections. */
export function teardown(): Promise<void>;
/** The Persist setup() installed, or null. */
export function sharedPersist(): Persist | null;
