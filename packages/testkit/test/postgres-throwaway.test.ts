import { access } from 'node:fs/promises';
import test from 'ava';
import pg from 'pg';
import { PostgresStartError, startPostgres } from '../src/postgres/index.js';

async function query(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

test('a throwaway server runs PostgreSQL 17, keeps its data across stop/start, and leaves nothing behind', async (t) => {
  const server = await startPostgres();
  try {
    t.log(`PostgreSQL ${server.version} as ${server.identity} on port ${server.port}`);
    const [row] = await query(server.url, 'SHOW server_version_num');
    t.is(String(row?.server_version_num).slice(0, 2), '17');
    await query(server.url, 'CREATE TABLE kept (value text); INSERT INTO kept VALUES ($$yes$$)');
    const pids = await server.pids();
    t.true(pids.length > 1, 'the postmaster and its background processes');

    await server.stop();
    await t.throwsAsync(query(server.url, 'SELECT 1'), { message: /ECONNREFUSED|connect/ });
    await server.start();
    t.deepEqual(await query(server.url, 'SELECT value FROM kept'), [{ value: 'yes' }]);
  } finally {
    await server.destroy();
    await server.destroy();
  }
  await t.throwsAsync(access(server.directory), { code: 'ENOENT' });
});

test('password authentication: the superuser password is required', async (t) => {
  const server = await startPostgres();
  try {
    const wrong = new URL(server.url);
    wrong.password = 'not-the-password';
    const error = await t.throwsAsync(query(wrong.toString(), 'SELECT 1'));
    t.is((error as { code?: string }).code, '28P01');
  } finally {
    await server.destroy();
  }
});

test('a server that cannot start rejects with the reason (never an uncaught exception)', async (t) => {
  await t.throwsAsync(startPostgres({ binaries: '/nonexistent/postgresql' }), {
    instanceOf: PostgresStartError,
    message: /no PostgreSQL binaries: \/nonexistent\/postgresql\/bin\/postgres cannot run/,
  });
  const blocker = await startPostgres();
  try {
    // The port is taken: postgres exits during start-up, and its own log line says why.
    await t.throwsAsync(startPostgres({ port: blocker.port }), {
      instanceOf: PostgresStartError,
      message: /exited during start-up[\s\S]*could not (bind|create listen socket)/,
    });
  } finally {
    await blocker.destroy();
  }
});
