// Private Redis and PostgreSQL servers for the Node tests, on free loopback ports, in a
// temporary folder, stopped when the test file ends. A running server can be named instead
// with PERSIST_TEST_REDIS / PERSIST_TEST_POSTGRES (its URL), as for the Rust tests.

import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function missing(program, pkg) {
  return `${program} is not installed: apt-get install -y ${pkg} (or name a running server with PERSIST_TEST_REDIS / PERSIST_TEST_POSTGRES)`;
}

/** Waits until `port` answers `probe` (a line to send) with a line starting with `expect`. */
async function waitForRedis(port) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.on('error', () => resolve(false));
      c.on('connect', () => c.write('PING\r\n'));
      c.on('data', (d) => { c.destroy(); resolve(d.toString().startsWith('+PONG')); });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the private redis-server on port ${port} did not answer in 20 s`);
}

/** `{ url, stop() }` of a redis-server of its own (nothing kept on disk). */
export async function startRedis() {
  if (process.env.PERSIST_TEST_REDIS) return { url: process.env.PERSIST_TEST_REDIS, stop: async () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'persist-js-redis-'));
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--dir', dir, '--logfile', join(dir, 'log')], { stdio: 'ignore' });
  await new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`${missing('redis-server', 'redis-server')}: ${e.message}`)));
    child.on('spawn', resolve);
  });
  await waitForRedis(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBin(program) {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^[0-9]+$/.test(v)).sort((a, b) => a - b) : [];
  const bin = versions.length ? join(base, versions.at(-1), 'bin', program) : program;
  return bin;
}

/** Runs a PostgreSQL program as the postgres user when this process is root. */
function asPostgres(program, args) {
  const bin = postgresBin(program);
  const root = process.getuid && process.getuid() === 0;
  const [cmd, argv] = root ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  try {
    return execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (e.code === 'ENOENT') throw new Error(missing(program, 'postgresql'));
    throw new Error(`${program} ${args.join(' ')} failed: ${e.stderr}`);
  }
}

/** `{ url, stop() }` of a PostgreSQL cluster of its own (trust authentication). */
export async function startPostgres() {
  if (process.env.PERSIST_TEST_POSTGRES) return { url: process.env.PERSIST_TEST_POSTGRES, stop: async () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'persist-js-postgres-'));
  if (process.getuid && process.getuid() === 0) {
    const ids = execFileSync('id', ['-u', 'postgres']).toString().trim();
    const gid = execFileSync('id', ['-g', 'postgres']).toString().trim();
    chownSync(dir, Number(ids), Number(gid));
  }
  const data = join(dir, 'data');
  asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  asPostgres('pg_ctl', ['-D', data, '-w', '-s', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir}`,
    '-l', join(dir, 'log'), 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      try {
        asPostgres('pg_ctl', ['-D', data, '-w', '-s', '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
