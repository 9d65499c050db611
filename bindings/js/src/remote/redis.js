// `redis://` from Node, key for key the Rust host's store (host/storage/src/redis.rs): one key
// per document, `<prefix>:<entity>:<id>` with `%` and `:` in the entity written `%25` and
// `%3A`; SET (EX with ttl=), SET NX, DEL, SCAN MATCH; the quarantine renames the key under
// `<prefix>:.quarantine:<entity>:<id>:<ms>` with the reason in `…:reason`, only while it holds
// the judged bytes. Runs in the worker thread (see bridge.js).

import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { redacted } from '../store_url.js';

const TIMEOUT_MS = 3_000;
const QUARANTINE = '.quarantine';
const MOVE_IF_JUDGED = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('SET', KEYS[3], ARGV[2])
return 1`;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const entityPart = (entity) => entity.replaceAll('%', '%25').replaceAll(':', '%3A');
const entityOf = (part) => part.replaceAll('%3A', ':').replaceAll('%25', '%');
const glob = (text) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

function failure(tag, message) {
  return Object.assign(new Error(message), { tag });
}

export class RedisStore {
  #client = null;

  constructor(url) {
    this.url = url;
    this.at = redacted(url.server);
  }

  /** The connection, opened on first use and again after any failure. */
  async #conn() {
    if (this.#client) return this.#client;
    const u = new URL(this.url.server);
    const client = new Redis(this.url.server, {
      lazyConnect: true,
      connectTimeout: TIMEOUT_MS,
      commandTimeout: TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
      password: u.password ? undefined : process.env.PERSIST_REDIS_PASSWORD,
    });
    client.on('error', () => {}); // each command reports its own failure
    try {
      await client.connect();
    } catch (e) {
      client.disconnect();
      throw this.#error(e);
    }
    this.#client = client;
    return client;
  }

  #error(e) {
    const message = e && e.message ? e.message : String(e);
    // An answer of the server (a wrong password, a script error) stays until someone changes
    // something; anything else is the connection.
    const answered = e && (e.name === 'ReplyError' || /^(WRONGPASS|NOAUTH|NOPERM|ERR )/.test(message));
    if (answered) return failure('io', `redis at ${this.at}: ${message}`);
    return failure('unavailable', `redis at ${this.at}: ${message}; check that the server is running and reachable`);
  }

  async #with(f) {
    const client = await this.#conn();
    try {
      return await f(client);
    } catch (e) {
      const err = this.#error(e);
      if (err.tag === 'unavailable') {
        this.#client = null;
        client.disconnect();
      }
      throw err;
    }
  }

  #key(entity, id) {
    return `${this.url.prefix}:${entityPart(entity)}:${id}`;
  }

  #ttl() {
    return this.url.ttl ? ['EX', this.url.ttl] : [];
  }

  async read(entity, id) {
    const value = await this.#with((c) => c.getBuffer(this.#key(entity, id)));
    return value === null ? undefined : new Uint8Array(value);
  }

  async write(entity, id, value) {
    await this.#with((c) => c.set(this.#key(entity, id), Buffer.from(value), ...this.#ttl()));
  }

  async writeIfAbsent(entity, id, value) {
    const set = await this.#with((c) => c.set(this.#key(entity, id), Buffer.from(value), 'NX', ...this.#ttl()));
    return set !== null;
  }

  async remove(entity, id) {
    await this.#with((c) => c.del(this.#key(entity, id)));
  }

  /** Every key matching the glob; keys that are not UTF-8 are not documents of this store. */
  async #scan(pattern) {
    return this.#with(async (c) => {
      const keys = [];
      let cursor = '0';
      do {
        const [next, batch] = await c.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next.toString();
        for (const key of batch) {
          try {
            keys.push(utf8.decode(key));
          } catch {
            // skipped, as the Rust store does
          }
        }
      } while (cursor !== '0');
      return keys;
    });
  }

  #parse(key) {
    const head = `${this.url.prefix}:`;
    if (!key.startsWith(head)) return null;
    const rest = key.slice(head.length);
    const colon = rest.indexOf(':');
    if (colon < 0) return null;
    const part = rest.slice(0, colon);
    if (part.startsWith('.')) return null;
    return [entityOf(part), rest.slice(colon + 1)];
  }

  async listIds(entity) {
    const keys = await this.#scan(`${glob(this.url.prefix)}:${glob(entityPart(entity))}:*`);
    const ids = new Set();
    for (const key of keys) {
      const parsed = this.#parse(key);
      if (parsed && parsed[0] === entity) ids.add(parsed[1]);
    }
    return [...ids].sort();
  }

  async entities(prefix) {
    const keys = await this.#scan(`${glob(this.url.prefix)}:${glob(entityPart(prefix))}*`);
    const found = new Set();
    for (const key of keys) {
      const parsed = this.#parse(key);
      if (parsed && parsed[0].startsWith(prefix)) found.add(parsed[0]);
    }
    return [...found].sort();
  }

  async readMany(entity, ids) {
    if (!ids.length) return [];
    // GETs in one MULTI/EXEC rather than MGET: MGET reads a key of another type as absent.
    const values = await this.#with(async (c) => {
      const tx = c.multi();
      for (const id of ids) tx.getBuffer(this.#key(entity, id));
      const done = await tx.exec();
      return done.map(([err, v]) => {
        if (err) throw err;
        return v;
      });
    });
    return values.map((v) => (v === null ? undefined : new Uint8Array(v)));
  }

  /** One MULTI/EXEC: all or nothing. */
  async writeMany(documents) {
    if (!documents.length) return;
    await this.#with(async (c) => {
      const tx = c.multi();
      for (const [entity, id, value] of documents) tx.set(this.#key(entity, id), Buffer.from(value), ...this.#ttl());
      const done = await tx.exec();
      for (const [err] of done ?? []) if (err) throw err;
    });
  }

  async removeMany(keys) {
    if (!keys.length) return;
    await this.#with((c) => c.del(...keys.map(([entity, id]) => this.#key(entity, id))));
  }

  /** WATCH, GET, compare, then MULTI/SET/EXEC, again when another client changed the key in
   *  between (EXEC answers nil). */
  async writeIfVersion(entity, id, expected, value) {
    const key = this.#key(entity, id);
    return this.#with(async (c) => {
      for (;;) {
        await c.watch(key);
        const current = await c.getBuffer(key);
        const version = current === null ? null : createHash('sha256').update(current).digest('hex');
        if (version !== expected) {
          await c.unwatch();
          return { tag: 'stale', val: current === null ? undefined : { value: new Uint8Array(current), version } };
        }
        const done = await c.multi().set(key, Buffer.from(value), ...this.#ttl()).exec();
        if (done !== null) return { tag: 'swapped', val: createHash('sha256').update(value).digest('hex') };
      }
    });
  }

  async quarantine(entity, id, judged, reason) {
    const moved = `${this.url.prefix}:${QUARANTINE}:${entityPart(entity)}:${id}:${Date.now()}`;
    const n = await this.#with((c) => c.eval(MOVE_IF_JUDGED, 3, this.#key(entity, id), moved, `${moved}:reason`, Buffer.from(judged), reason));
    return Number(n) === 1;
  }
}
