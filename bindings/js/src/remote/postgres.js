// `postgres://` from Node, row for row the Rust host's store (host/storage/src/postgres.rs):
// a table with primary key (entity, id), the bytes stored exactly in `value`, `updated_at`;
// `<table>_quarantine` for quarantined rows with their reason, and the view `<table>_json`.
// The tables are made when missing, under the same advisory lock. Runs in the worker thread
// (see bridge.js).

import { createHash } from 'node:crypto';
import pg from 'pg';
import { redacted } from '../store_url.js';

const TIMEOUT_MS = 3_000;

function failure(tag, message) {
  return Object.assign(new Error(message), { tag });
}

/** The tables' quoted names and the advisory lock key, as the Rust store computes them. */
function names(table) {
  const base = table.toLowerCase();
  let lock = 0x5045_5253_4953_5400n;
  for (const b of Buffer.from(base)) lock = BigInt.asIntN(64, lock * 31n + BigInt(b));
  return { t: `"${base}"`, q: `"${base}_quarantine"`, v: `"${base}_json"`, lock: lock.toString() };
}

export class PostgresStore {
  #client = null;

  constructor(url) {
    this.url = url;
    this.at = redacted(url.server);
    this.n = names(url.table);
  }

  async #conn() {
    if (this.#client) return this.#client;
    const client = new pg.Client({ connectionString: this.url.server, connectionTimeoutMillis: TIMEOUT_MS });
    client.on('error', () => {}); // a broken connection fails the next query, which says so
    try {
      await client.connect();
      await this.#schema(client);
    } catch (e) {
      client.end().catch(() => {});
      throw this.#error(e);
    }
    this.#client = client;
    return client;
  }

  /** Made only when missing, so a role that may only read can still read. */
  async #schema(client) {
    const { t, q, v, lock } = this.n;
    const missing = await client.query(
      'SELECT to_regclass($1) IS NULL OR to_regclass($2) IS NULL OR to_regclass($3) IS NULL AS missing',
      [t, q, v],
    );
    if (!missing.rows[0].missing) return;
    await client.query('SELECT pg_advisory_lock($1)', [lock]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS ${t} (
          entity text NOT NULL,
          id text NOT NULL,
          value bytea NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (entity, id));
       CREATE TABLE IF NOT EXISTS ${q} (
          entity text NOT NULL,
          id text NOT NULL,
          value bytea NOT NULL,
          reason text NOT NULL,
          quarantined_at timestamptz NOT NULL DEFAULT now());
       CREATE OR REPLACE VIEW ${v} AS
          SELECT entity, id, convert_from(value, 'UTF8')::json AS document, updated_at
          FROM ${t};`);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [lock]);
    }
  }

  #error(e) {
    const message = e && e.message ? e.message : String(e);
    // A server's answer carries an SQLSTATE and stays the same until someone changes it.
    if (e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
      return failure('io', `postgres at ${this.at}: ${message}`);
    }
    return failure('unavailable', `postgres at ${this.at}: ${message}; check that the server is running and reachable`);
  }

  async #query(text, values) {
    const client = await this.#conn();
    try {
      return await client.query({ text, values, query_timeout: TIMEOUT_MS * 10 });
    } catch (e) {
      const err = this.#error(e);
      if (err.tag === 'unavailable') {
        this.#client = null;
        client.end().catch(() => {});
      }
      throw err;
    }
  }

  async read(entity, id) {
    const r = await this.#query(`SELECT value FROM ${this.n.t} WHERE entity = $1 AND id = $2`, [entity, id]);
    return r.rows.length ? new Uint8Array(r.rows[0].value) : undefined;
  }

  async write(entity, id, value) {
    await this.#query(`INSERT INTO ${this.n.t} (entity, id, value) VALUES ($1, $2, $3)
       ON CONFLICT (entity, id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`, [entity, id, Buffer.from(value)]);
  }

  async writeIfAbsent(entity, id, value) {
    const r = await this.#query(`INSERT INTO ${this.n.t} (entity, id, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [entity, id, Buffer.from(value)]);
    return r.rowCount === 1;
  }

  async remove(entity, id) {
    await this.#query(`DELETE FROM ${this.n.t} WHERE entity = $1 AND id = $2`, [entity, id]);
  }

  async listIds(entity) {
    const r = await this.#query(`SELECT id FROM ${this.n.t} WHERE entity = $1 ORDER BY id`, [entity]);
    return r.rows.map((row) => row.id);
  }

  async entities(prefix) {
    const r = await this.#query(`SELECT DISTINCT entity FROM ${this.n.t} WHERE starts_with(entity, $1) ORDER BY entity`, [prefix]);
    return r.rows.map((row) => row.entity);
  }

  async readMany(entity, ids) {
    if (!ids.length) return [];
    const r = await this.#query(`SELECT id, value FROM ${this.n.t} WHERE entity = $1 AND id = ANY($2)`, [entity, ids]);
    const found = new Map(r.rows.map((row) => [row.id, new Uint8Array(row.value)]));
    return ids.map((id) => found.get(id));
  }

  /** One statement: all or nothing; the last item for a document wins. */
  async writeMany(documents) {
    if (!documents.length) return;
    const last = new Map();
    documents.forEach(([entity, id], i) => last.set(`${entity}\0${id}`, i));
    const kept = documents.filter(([entity, id], i) => last.get(`${entity}\0${id}`) === i);
    await this.#query(`INSERT INTO ${this.n.t} (entity, id, value)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])
       ON CONFLICT (entity, id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [kept.map((d) => d[0]), kept.map((d) => d[1]), kept.map((d) => Buffer.from(d[2]))]);
  }

  async removeMany(keys) {
    if (!keys.length) return;
    await this.#query(`DELETE FROM ${this.n.t} WHERE (entity, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [keys.map((k) => k[0]), keys.map((k) => k[1])]);
  }

  /** Compare-and-swap in one statement: an UPDATE re-checks its WHERE on the newest row. */
  async writeIfVersion(entity, id, expected, value) {
    const bytes = Buffer.from(value);
    for (;;) {
      const r = expected === null
        ? await this.#query(`INSERT INTO ${this.n.t} (entity, id, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [entity, id, bytes])
        : /^[0-9a-f]{64}$/.test(expected)
          ? await this.#query(`UPDATE ${this.n.t} SET value = $3, updated_at = now()
               WHERE entity = $1 AND id = $2 AND sha256(value) = decode($4, 'hex')`, [entity, id, bytes, expected])
          : { rowCount: 0 };
      if (r.rowCount === 1) return { tag: 'swapped', val: createHash('sha256').update(bytes).digest('hex') };
      const current = await this.read(entity, id);
      const version = current === undefined ? null : createHash('sha256').update(current).digest('hex');
      if (version !== expected) return { tag: 'stale', val: current === undefined ? undefined : { value: current, version } };
    }
  }

  async quarantine(entity, id, judged, reason) {
    const r = await this.#query(`WITH moved AS (DELETE FROM ${this.n.t} WHERE entity = $1 AND id = $2 AND value = $3
                        RETURNING entity, id, value)
         INSERT INTO ${this.n.q} (entity, id, value, reason)
         SELECT entity, id, value, $4 FROM moved`, [entity, id, Buffer.from(judged), reason]);
    return r.rowCount === 1;
  }
}
