import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import pg from 'pg';
import { DirectoryInUseError, PostgresStartError, startPostgres } from '../src/postgres/index.js';
import { isAlive, onLines, stopProcess, waitUntil } from '../src/process.js';

const fixture = new URL('./fixtures/hold-postgres.ts', import.meta.url).pathname;

async function scratch(t: import('ava').ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'testkit-pgdir-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function count(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TABLE IF NOT EXISTS visits (at timestamptz DEFAULT now())');
    await client.query('INSERT INTO visits DEFAULT VALUES');
    return Number((await client.query('SELECT count(*) AS n FROM visits')).rows[0].n);
  } finally {
    await client.end();
  }
}

/** A child process holding a server on `directory`; resolves with what it printed. */
async function holdInChild(directory: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, directory], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const printed = await new Promise<{ postmaster: number; url: string }>((resolve, reject) => {
    onLines(child.stdout, (line) => resolve(JSON.parse(line)));
    child.once('exit', () => reject(new Error(`the holder exited: ${stderr}`)));
  });
  return { child, ...printed };
}

test('a kept directory is reused: same password, data kept across servers', async (t) => {
  const directory = join(await scratch(t), 'db');
  const first = await startPostgres({ directory });
  t.is(await count(first.url), 1);
  await first.destroy();
  const second = await startPostgres({ directory });
  try {
    t.is(second.password, first.password);
    t.is(await count(second.url), 2);
  } finally {
    await second.destroy();
  }
});

test('a second server on a directory in use is refused, naming the directory and the holder', async (t) => {
  const directory = join(await scratch(t), 'db');
  const holder = await holdInChild(directory);
  try {
    const error = await t.throwsAsync(startPostgres({ directory }), { instanceOf: DirectoryInUseError });
    t.is(error?.message.split('\n').length, 1, 'one line');
    t.true(
      error?.message.startsWith(`${directory} is in use by process ${holder.child.pid}`),
      error?.message,
    );
    t.regex(error?.message ?? '', new RegExp(`PostgreSQL \\(pid ${holder.postmaster}\\)`));
  } finally {
    await stopProcess(holder.child, 'SIGTERM', 5000);
  }
});

test('the server dies with the process that started it (no orphan holds the directory)', async (t) => {
  const directory = join(await scratch(t), 'db');
  const holder = await holdInChild(directory);
  t.true(isAlive(holder.postmaster));
  await stopProcess(holder.child, 'SIGKILL', 1000);
  await waitUntil(() => !isAlive(holder.postmaster), {
    timeoutMs: 10_000,
    message: 'postmaster still alive',
  });
  // The directory is free again, and the data survived the immediate shutdown.
  const next = await startPostgres({ directory });
  try {
    t.is(await count(next.url), 1);
  } finally {
    await next.destroy();
  }
});

test('an unusable directory fails with one line naming it', async (t) => {
  const error = await t.throwsAsync(startPostgres({ directory: '/proc/self/no-such-place' }), {
    instanceOf: PostgresStartError,
  });
  t.is(error?.message.split('\n').length, 1, error?.message);
  t.regex(error?.message ?? '', /^cannot prepare \/proc\/self\/no-such-place for PostgreSQL: /);
});

test('a cluster of another major version is refused with what to do', async (t) => {
  const directory = join(await scratch(t), 'db');
  await mkdir(join(directory, 'data'), { recursive: true });
  await writeFile(join(directory, 'data', 'PG_VERSION'), '16\n');
  await t.throwsAsync(startPostgres({ directory }), {
    instanceOf: PostgresStartError,
    message: /holds a PostgreSQL 16 cluster; this is PostgreSQL 17\.\d+: move it away/,
  });
});
