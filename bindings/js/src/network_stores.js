// Redis and PostgreSQL stores for the guest, synchronous as its imports are: each call runs on
// the worker thread's client (remote/bridge.js) and returns when the server has answered, so
// `ok` means what it means in the Rust host. Keys, tables and the quarantine are the Rust
// host's: `persist check`, `persist migrate` and `persist signal read` work on what Node wrote.

import { call, closeAll } from './remote/bridge.js';
import { FileStore, MemoryStore, checkBatch, checkKey, checkName, checkSize, versioned } from './stores.js';
import { parseStoreUrl, redacted } from './store_url.js';

class NetworkStore {
  #url;

  constructor(url, kind) {
    const parsed = typeof url === 'string' ? parseStoreUrl(url) : url;
    if (parsed.kind !== kind) throw new TypeError(`a ${kind} store needs a ${kind}:// URL`);
    this.#url = { ...parsed, shown: redacted(parsed.server) };
  }

  read(entity, id) {
    checkKey(entity, id);
    return call(this.#url, 'read', [entity, id]);
  }

  write(entity, id, value) {
    checkKey(entity, id);
    checkSize(value);
    call(this.#url, 'write', [entity, id, value]);
  }

  writeIfAbsent(entity, id, value) {
    checkKey(entity, id);
    checkSize(value);
    return call(this.#url, 'writeIfAbsent', [entity, id, value]);
  }

  remove(entity, id) {
    checkKey(entity, id);
    call(this.#url, 'remove', [entity, id]);
  }

  listIds(entity) {
    checkName('entity', entity, true);
    return call(this.#url, 'listIds', [entity]);
  }

  entities(prefix) {
    return call(this.#url, 'entities', [prefix]);
  }

  quarantine(entity, id, judged, reason) {
    checkKey(entity, id);
    return call(this.#url, 'quarantine', [entity, id, judged, reason]);
  }

  readMany(entity, ids) {
    for (const id of ids) checkKey(entity, id);
    return call(this.#url, 'readMany', [entity, ids]);
  }

  /** All or nothing: one MULTI/EXEC on Redis, one statement on PostgreSQL. */
  writeMany(documents) {
    checkBatch(documents, true);
    call(this.#url, 'writeMany', [documents]);
  }

  removeMany(keys) {
    checkBatch(keys, false);
    call(this.#url, 'removeMany', [keys]);
  }

  readVersioned(entity, id) {
    return versioned(this.read(entity, id));
  }

  /** Compare-and-swap between processes: WATCH/MULTI/EXEC on Redis, `UPDATE … WHERE
   *  sha256(value) = …` on PostgreSQL. */
  writeIfVersion(entity, id, expected, value) {
    checkKey(entity, id);
    checkSize(value);
    return call(this.#url, 'writeIfVersion', [entity, id, expected ?? null, value]);
  }
}

/** `redis://[user:pass@]host:port[/db][?prefix=P&ttl=S]`: keys `<prefix>:<entity>:<id>`. */
export class RedisStore extends NetworkStore {
  constructor(url) {
    super(url, 'redis');
  }
}

/** `postgres://user[:pass]@host:port/db[?table=T]`: rows of `<table>` by (entity, id). */
export class PostgresStore extends NetworkStore {
  constructor(url) {
    super(url, 'postgres');
  }
}

/** The store a URL names, as the CLI's `--store` opens it. */
export function openStore(text) {
  const url = parseStoreUrl(text);
  switch (url.kind) {
    case 'file': return new FileStore(url.path);
    case 'memory': return new MemoryStore();
    case 'redis': return new RedisStore(url);
    default: return new PostgresStore(url);
  }
}

/** Closes the Redis and PostgreSQL connections of this process. */
export const closeNetworkStores = closeAll;
