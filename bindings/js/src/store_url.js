// Store URLs, with the same words and rules as the Rust CLI's `--store` and `--route`:
// file:PATH, memory:, redis://[user:pass@]host:port[/db][?prefix=P&ttl=S] and
// postgres://user[:pass]@host:port/db[?table=T]. Passwords are never shown.

const DEFAULT_PREFIX = 'backtest-kit';
const DEFAULT_TABLE = 'persist_documents';

/** A URL as a message may show it: the password replaced by `***`. */
export function redacted(text) {
  try {
    const u = new URL(text);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not shown: it may hold a password)';
  }
}

function bad(text, why) {
  let shown = JSON.stringify(text);
  try {
    if (new URL(text).password) shown = JSON.stringify(redacted(text));
  } catch {
    // not a URL: nothing to hide
  }
  return new TypeError(`unsupported store URL ${shown}: ${why}; use file:PATH (for example file:./dump), memory:, redis://host:port or postgres://user@host:port/db`);
}

/** `{ kind: 'file', path }`, `{ kind: 'memory' }`, `{ kind: 'redis', server, prefix, ttl }` or
 *  `{ kind: 'postgres', server, table }`; a TypeError saying what is wrong otherwise. */
export function parseStoreUrl(text) {
  if (typeof text !== 'string') throw bad(String(text), 'a store URL is a string');
  if (text.startsWith('file:')) {
    const rest = text.slice('file:'.length);
    const path = rest.startsWith('//') ? rest.slice(2) : rest;
    if (!path) throw bad(text, 'the path is empty');
    return { kind: 'file', path };
  }
  if (text === 'memory:' || text === 'memory://') return { kind: 'memory' };
  if (text.startsWith('redis://') || text.startsWith('postgres://') || text.startsWith('postgresql://')) {
    let u;
    try {
      u = new URL(text);
    } catch (e) {
      throw bad(text, `not a URL: ${e.message}`);
    }
    const params = [...u.searchParams];
    u.search = '';
    if (text.startsWith('redis://')) {
      const url = { kind: 'redis', server: u.toString(), prefix: DEFAULT_PREFIX, ttl: null };
      for (const [k, v] of params) {
        if (k === 'prefix') {
          if (!v) throw bad(text, 'prefix= is empty: name a prefix, or leave prefix= out for backtest-kit');
          if (v.includes(':') || /[\u0000-\u001f\u007f]/.test(v)) {
            throw bad(text, `prefix=${JSON.stringify(v)} may not contain ':' or control characters (its keys would overlap another prefix's); use '-' or '_' instead`);
          }
          url.prefix = v;
        } else if (k === 'ttl') {
          if (!/^[0-9]+$/.test(v) || Number(v) <= 0) throw bad(text, `ttl=${JSON.stringify(v)} is not a positive number of seconds`);
          url.ttl = Number(v);
        } else {
          throw bad(text, `unknown parameter ${JSON.stringify(k)} (redis URLs take prefix= and ttl=)`);
        }
      }
      return url;
    }
    const url = { kind: 'postgres', server: u.toString(), table: DEFAULT_TABLE };
    for (const [k, v] of params) {
      if (k !== 'table') throw bad(text, `unknown parameter ${JSON.stringify(k)} (postgres URLs take table=)`);
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,49}$/.test(v)) {
        throw bad(text, `table=${JSON.stringify(v)} is not a plain SQL name (letters, digits, _; at most 50)`);
      }
      url.table = v;
    }
    return url;
  }
  const colon = text.indexOf(':');
  throw bad(text, colon > 0 ? `unknown scheme ${JSON.stringify(text.slice(0, colon))}` : 'no scheme');
}

/** The URL as the Rust CLI shows it, password hidden. */
export function describeStoreUrl(url) {
  switch (url.kind) {
    case 'file': return `file:${url.path}`;
    case 'memory': return 'memory:';
    case 'redis': return `${redacted(url.server)}?prefix=${url.prefix}${url.ttl ? `&ttl=${url.ttl}` : ''}`;
    default: return `${redacted(url.server)}?table=${url.table}`;
  }
}
