// The shared behaviour suite (tests/behaviour/cases.json) on the Node host, on the memory and
// file stores: the same cases the Rust host runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Persist, PersistError, MemoryStore, FileStore } from '../src/index.js';

const cases = JSON.parse(readFileSync(new URL('../../../tests/behaviour/cases.json', import.meta.url), 'utf8'));
const fill = (t) => (t === '$signal' ? cases.signal : t);
const CONTEXT = ['BTCUSDT', 'my-strategy', 'binance'];
const text = (bytes) => (bytes === undefined ? null : Buffer.from(bytes).toString('utf8'));

function runner(store) {
  const persist = Persist.open(store);
  const g = persist.exports;
  const bases = new Map();
  const base = (entity) => {
    if (!bases.has(entity)) {
      const b = new g.base.PersistBase(entity);
      b.waitForInit(true);
      bases.set(entity, b);
    }
    return bases.get(entity);
  };
  const call = (f) => {
    try {
      return f();
    } catch (e) {
      if (e && e.payload && typeof e.payload.tag === 'string') throw new PersistError(e.payload);
      throw e;
    }
  };
  return (s) => call(() => {
    const entity = fill(s.entity ?? '');
    const id = fill(s.id ?? '');
    switch (s.op) {
      case 'base-write': base(entity).writeValue(id, fill(s.json)); return undefined;
      case 'base-read': return base(entity).readValue(id);
      case 'base-has': return String(base(entity).hasValue(id));
      case 'base-keys': return JSON.stringify(base(entity).keys());
      case 'base-remove': base(entity).removeValue(id); return undefined;
      case 'base-init': {
        const b = new g.base.PersistBase(entity);
        bases.set(entity, b);
        return `${b.waitForInit(true).findings.length} invalid`;
      }
      case 'signal-write': {
        const json = fill(s.json);
        const row = json === 'null' ? undefined : g.records.signalRowFromJson(json);
        new g.signal.SignalInstance(...CONTEXT).writeSignalData(row);
        return undefined;
      }
      case 'signal-read': {
        const row = new g.signal.SignalInstance(...CONTEXT).readSignalData();
        return row === undefined ? 'null' : g.records.signalRowToJson(row);
      }
      case 'signal-minutes': {
        const row = new g.signal.SignalInstance(...CONTEXT).readSignalData();
        return row === undefined ? null : String(row.minuteEstimatedTime);
      }
      case 'check': return `${g.admin.check(false).findings.length} invalid`;
      case 'call': {
        const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
        const arg = (a) => {
          if (a === null) return undefined;
          if (typeof a !== 'object' || Array.isArray(a)) return a;
          if ('f64' in a) return a.f64;
          if ('u32' in a) return a.u32;
          return g.records[camel(a.record)](a.json);
        };
        const iface = g[camel(s.interface)];
        const Resource = iface[Object.keys(iface).find((k) => k.endsWith('Instance'))];
        const result = new Resource(...s.context)[camel(s.function)](...s.args.map(arg));
        if (result === undefined) return null;
        if (s['to-json']) return g.records[camel(s['to-json'])](result);
        if (Array.isArray(result)) return JSON.stringify(result);
        return typeof result === 'object' ? result : String(result);
      }
      case 'raw-put': store.write(entity, id, Buffer.from(fill(s.bytes), 'utf8')); return undefined;
      case 'raw-get': return text(store.read(entity, id));
      default: throw new Error(`unknown op ${s.op}`);
    }
  });
}

for (const [storeName, newStore] of [
  ['memory', () => new MemoryStore()],
  ['file', () => new FileStore(mkdtempSync(join(tmpdir(), 'persist-js-')))],
]) {
  for (const c of cases.cases) {
    test(`${storeName}: ${c.name}`, () => {
      const step = runner(newStore());
      c.steps.forEach((s, i) => {
        const at = `${c.name}, step ${i + 1}: ${JSON.stringify(s)}`;
        if (s.error) {
          assert.throws(() => step(s), (e) => {
            assert.ok(e instanceof PersistError, `${at}: ${e}`);
            assert.equal(e.kind, s.error, `${at}: ${e.message}`);
            assert.ok(e.message.includes(s.contains), `${at}: ${e.message}`);
            return true;
          });
        } else {
          const got = step(s);
          if ('expect' in s) assert.equal(got ?? null, s.expect === null ? null : fill(s.expect), at);
        }
      });
    });
  }
}
