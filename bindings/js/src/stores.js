// Storage for the persist guest, in JavaScript: the `backtest:persist/storage` import.
// jco imports are synchronous, so the file store uses Node's synchronous fs calls.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';

/** A storage failure the guest receives as `storage-error` (tag: invalid-key, too-large, unavailable, io). */
export class StorageError extends Error {
  constructor(tag, message) {
    super(message);
    // jco turns an error's own `payload` into the `err` of the import's result.
    Object.defineProperty(this, 'payload', { value: { tag, val: tag === 'too-large' ? BigInt(message) : message } });
  }
}

const MAX_NAME_BYTES = 255;
const MAX_DOCUMENT_BYTES = 16 << 20;

/** Refuses names that could leave the store, whatever the guest sends (as the Rust host does). */
export function checkName(kind, name, allowSlash) {
  const parts = allowSlash ? name.split('/') : [name];
  for (const part of parts) {
    const bad = part === '' || part === '.' || part === '..' || part.includes('\\') || part.includes('\0')
      || (!allowSlash && part.includes('/')) || Buffer.byteLength(part) > MAX_NAME_BYTES;
    if (bad) throw new StorageError('invalid-key', `${kind} ${JSON.stringify(name)} cannot be stored`);
  }
}

export function checkKey(entity, id) {
  checkName('entity', entity, true);
  checkName('id', id, false);
}

export function checkSize(value) {
  if (value.length > MAX_DOCUMENT_BYTES) throw new StorageError('too-large', String(value.length));
}

/** A document's version: the SHA-256 of its bytes as 64 lowercase hex digits, as every store
 *  of the Rust host and persist-py computes it. */
export function versionOf(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `{ value, version }` of stored bytes, or undefined. */
export function versioned(value) {
  return value === undefined ? undefined : { value, version: versionOf(value) };
}

/** Checks every item of a batch before anything is written: a bad one fails the whole batch. */
export function checkBatch(items, withValue) {
  items.forEach((item, i) => {
    try {
      checkKey(item[0], item[1]);
      if (withValue) checkSize(item[2]);
    } catch (e) {
      if (e instanceof StorageError && e.payload.tag === 'invalid-key') {
        throw new StorageError('invalid-key', `batch item ${i}: ${e.message}; nothing was written`);
      }
      throw e;
    }
  });
}

/** Documents in a Map; gone with the process. */
export class MemoryStore {
  #docs = new Map(); // "entity\0id" -> Uint8Array

  read(entity, id) {
    checkKey(entity, id);
    return this.#docs.get(`${entity}\0${id}`);
  }

  write(entity, id, value) {
    checkKey(entity, id);
    checkSize(value);
    this.#docs.set(`${entity}\0${id}`, Uint8Array.from(value));
  }

  writeIfAbsent(entity, id, value) {
    if (this.read(entity, id) !== undefined) return false;
    this.write(entity, id, value);
    return true;
  }

  remove(entity, id) {
    checkKey(entity, id);
    this.#docs.delete(`${entity}\0${id}`);
  }

  listIds(entity) {
    checkName('entity', entity, true);
    const ids = [];
    for (const key of this.#docs.keys()) {
      const [e, id] = key.split('\0');
      if (e === entity) ids.push(id);
    }
    return ids;
  }

  entities(prefix) {
    const found = new Set();
    for (const key of this.#docs.keys()) {
      const e = key.split('\0')[0];
      if (e.startsWith(prefix)) found.add(e);
    }
    return [...found];
  }

  readMany(entity, ids) {
    return ids.map((id) => this.read(entity, id));
  }

  /** All or nothing: every item is checked before any is written. */
  writeMany(documents) {
    checkBatch(documents, true);
    for (const [entity, id, value] of documents) this.write(entity, id, value);
  }

  removeMany(keys) {
    checkBatch(keys, false);
    for (const [entity, id] of keys) this.remove(entity, id);
  }

  readVersioned(entity, id) {
    return versioned(this.read(entity, id));
  }

  /** Compare-and-swap: `{ tag: 'swapped', val: version }` or `{ tag: 'stale', val: current }`. */
  writeIfVersion(entity, id, expected, value) {
    checkSize(value);
    const current = this.readVersioned(entity, id);
    if ((current?.version ?? null) !== (expected ?? null)) return { tag: 'stale', val: current };
    this.write(entity, id, value);
    return { tag: 'swapped', val: versionOf(value) };
  }

  /** Moves the document to the quarantine only if it still holds `judged`; true when moved. */
  quarantine(entity, id, judged, reason) {
    const value = this.read(entity, id);
    if (value === undefined || !Buffer.from(value).equals(Buffer.from(judged))) return false;
    this.#docs.delete(`${entity}\0${id}`);
    this.quarantined = this.quarantined ?? [];
    this.quarantined.push({ entity, id, reason, value });
    return true;
  }
}

const SUFFIX = '.json';
const QUARANTINE = '.quarantine';

function fsyncDir(dir) {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Files laid out as the Rust file store and backtest-kit's ./dump: `<root>/<entity>/<id>.json`. */
export class FileStore {
  constructor(root) {
    this.root = path.resolve(root);
    fs.mkdirSync(this.root, { recursive: true });
  }

  #io(what, where, e) {
    return new StorageError('io', `file store ${this.root}: ${what} ${where}: ${e.message}`);
  }

  read(entity, id) {
    checkKey(entity, id);
    const file = path.join(this.root, entity, id + SUFFIX);
    try {
      return new Uint8Array(fs.readFileSync(file));
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
      throw this.#io('cannot read', `${entity}/${id}${SUFFIX}`, e);
    }
  }

  /** A complete, fsynced temp file in the entity's folder, for a rename or a link. */
  #writeTemp(entity, id, value) {
    const dir = path.join(this.root, entity);
    fs.mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `.tmp-${randomBytes(6).toString('hex')}-${id}${SUFFIX}`);
    const fd = fs.openSync(tmp, 'wx');
    try {
      fs.writeSync(fd, value);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return { dir, tmp };
  }

  /** Atomic replace: temp file, write, fsync, rename, fsync of the folder. */
  write(entity, id, value) {
    checkKey(entity, id);
    checkSize(value);
    try {
      const { dir, tmp } = this.#writeTemp(entity, id, value);
      fs.renameSync(tmp, path.join(dir, id + SUFFIX));
      fsyncDir(dir);
    } catch (e) {
      throw this.#io('cannot write', `${entity}/${id}${SUFFIX}`, e);
    }
  }

  /** Atomic create: a hard link of a complete temp file fails if the id exists. */
  writeIfAbsent(entity, id, value) {
    checkKey(entity, id);
    checkSize(value);
    try {
      const { dir, tmp } = this.#writeTemp(entity, id, value);
      try {
        fs.linkSync(tmp, path.join(dir, id + SUFFIX));
      } catch (e) {
        if (e.code === 'EEXIST') return false;
        throw e;
      } finally {
        fs.rmSync(tmp, { force: true });
      }
      fsyncDir(dir);
      return true;
    } catch (e) {
      throw this.#io('cannot write', `${entity}/${id}${SUFFIX}`, e);
    }
  }

  remove(entity, id) {
    checkKey(entity, id);
    const dir = path.join(this.root, entity);
    try {
      fs.rmSync(path.join(dir, id + SUFFIX), { force: true });
      if (fs.existsSync(dir)) fsyncDir(dir);
    } catch (e) {
      throw this.#io('cannot remove', `${entity}/${id}${SUFFIX}`, e);
    }
  }

  readMany(entity, ids) {
    return ids.map((id) => this.read(entity, id));
  }

  /** Every temp file written and fsynced, then the renames, then one fsync per folder: each
   *  document atomic, all durable on return. A bad item fails the batch before any write. */
  writeMany(documents) {
    checkBatch(documents, true);
    const temps = [];
    try {
      for (const [entity, id, value] of documents) temps.push({ ...this.#writeTemp(entity, id, value), id, entity });
    } catch (e) {
      for (const t of temps) fs.rmSync(t.tmp, { force: true });
      throw this.#io('cannot write', 'a batch', e);
    }
    const dirs = new Set();
    for (const t of temps) {
      try {
        fs.renameSync(t.tmp, path.join(t.dir, t.id + SUFFIX));
        dirs.add(t.dir);
      } catch (e) {
        for (const left of temps.slice(temps.indexOf(t))) fs.rmSync(left.tmp, { force: true });
        for (const dir of dirs) fsyncDir(dir);
        throw this.#io('cannot write', `${t.entity}/${t.id}${SUFFIX}`, e);
      }
    }
    for (const dir of dirs) fsyncDir(dir);
  }

  removeMany(keys) {
    checkBatch(keys, false);
    const dirs = new Set();
    for (const [entity, id] of keys) {
      const dir = path.join(this.root, entity);
      try {
        fs.rmSync(path.join(dir, id + SUFFIX), { force: true });
        if (fs.existsSync(dir)) dirs.add(dir);
      } catch (e) {
        throw this.#io('cannot remove', `${entity}/${id}${SUFFIX}`, e);
      }
    }
    for (const dir of dirs) fsyncDir(dir);
  }

  readVersioned(entity, id) {
    return versioned(this.read(entity, id));
  }

  /** Compare-and-swap within this process: Node's calls are synchronous, so nothing of this
   *  process comes between the comparison and the rename. Node cannot take the folder lock
   *  (`flock`) that the Rust host and persist-py take, so another process writing the same
   *  document may come in between: share a file store for compare-and-swap through one
   *  process, or use Redis or PostgreSQL. */
  writeIfVersion(entity, id, expected, value) {
    checkKey(entity, id);
    checkSize(value);
    const current = this.readVersioned(entity, id);
    if ((current?.version ?? null) !== (expected ?? null)) return { tag: 'stale', val: current };
    this.write(entity, id, value);
    return { tag: 'swapped', val: versionOf(value) };
  }

  listIds(entity) {
    checkName('entity', entity, true);
    let names;
    try {
      names = fs.readdirSync(path.join(this.root, entity), { withFileTypes: true });
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [];
      throw this.#io('cannot list', entity, e);
    }
    return names
      .filter((d) => d.isFile() && !d.name.startsWith('.') && d.name.endsWith(SUFFIX) && d.name.length > SUFFIX.length)
      .map((d) => d.name.slice(0, -SUFFIX.length));
  }

  entities(prefix) {
    const found = [];
    const pending = [''];
    while (pending.length) {
      const rel = pending.pop();
      let entries;
      try {
        entries = fs.readdirSync(path.join(this.root, rel), { withFileTypes: true });
      } catch (e) {
        throw this.#io('cannot list', rel || '.', e);
      }
      let holdsDocuments = false;
      for (const d of entries) {
        if (d.isFile() && !d.name.startsWith('.') && d.name.endsWith(SUFFIX)) holdsDocuments = true;
        else if (d.isDirectory() && !d.name.startsWith('.')) pending.push(rel ? `${rel}/${d.name}` : d.name);
      }
      if (holdsDocuments && rel && rel.startsWith(prefix)) found.push(rel);
    }
    return found;
  }

  /** Moves the document to `.quarantine/<entity>/<id>.<stamp>.json` with its reason beside it,
   *  only if it still holds `judged` (a writer's newer document stays); true when moved. */
  quarantine(entity, id, judged, reason) {
    checkKey(entity, id);
    const rel = `${entity}/${id}${SUFFIX}`;
    const from = path.join(this.root, entity, id + SUFFIX);
    let judgedIno;
    try {
      const fd = fs.openSync(from, 'r');
      try {
        const stat = fs.fstatSync(fd, { bigint: true });
        if (!fs.readFileSync(fd).equals(Buffer.from(judged))) return false;
        judgedIno = [stat.dev, stat.ino];
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      if (e.code === 'ENOENT') return false;
      throw this.#io('cannot read', rel, e);
    }
    const qdir = path.join(this.root, QUARANTINE, entity);
    const now = Date.now();
    const stamp = `${now}-${randomBytes(3).toString('hex')}`;
    const moved = path.join(qdir, `${id}.${stamp}${SUFFIX}`);
    try {
      fs.mkdirSync(qdir, { recursive: true });
      fs.renameSync(from, moved);
      // A writer may have replaced the file between the comparison and the move: then link
      // the writer's file back, unless an even newer one is there already.
      const stat = fs.statSync(moved, { bigint: true });
      if (stat.dev !== judgedIno[0] || stat.ino !== judgedIno[1]) {
        try {
          fs.linkSync(moved, from);
          fs.unlinkSync(moved);
          fsyncDir(path.dirname(from));
        } catch (e) {
          if (e.code !== 'EEXIST') throw e;
        }
        return false;
      }
      const note = JSON.stringify({ entity, id, reason, quarantinedAtMs: now, from: rel });
      fs.writeFileSync(path.join(qdir, `${id}.${stamp}.reason${SUFFIX}`), note, { flag: 'wx' });
      fsyncDir(qdir);
      fsyncDir(path.dirname(from));
      return true;
    } catch (e) {
      throw this.#io('cannot move to the quarantine', rel, e);
    }
  }
}
