import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTestDatabase,
  type PostgresServer,
  startPostgres,
} from '@high-available-server/testkit/postgres';
import test from 'ava';
import { openStore } from '../src/store/open-store.js';
import { StoreUnavailableError } from '../src/store/repository.js';
import { captureLogger } from './helpers/postgres-logger.js';
import { startFreezableProxy } from './helpers/postgres-proxy.js';

// Always an embedded server, even with TEST_DATABASE_URL: these tests stop the database.
let server: PostgresServer | undefined;

test.before(async () => {
  server = await startPostgres();
});
test.after.always(async () => {
  await server?.destroy();
});

const postgresConfig = (databaseUrl: string) => ({ store: 'postgres' as const, databaseUrl });

test.serial('start-up waits for a database that comes up a little later', async (t) => {
  if (!server) throw new Error('no server');
  const database = await createTestDatabase(server.url);
  await server.stop();
  const { logger, lines } = captureLogger();
  const opening = openStore(postgresConfig(database.url), logger, { startupTimeoutMs: 20_000 });
  await sleep(1500);
  await server.start();
  const repository = await opening;
  try {
    await repository.save({ username: 'late', dateOfBirth: '2002-02-02' });
    t.is(await repository.findDateOfBirth('late'), '2002-02-02');
    t.true(
      lines.some((line) => String(line.msg).includes('retrying')),
      'the retries are logged',
    );
  } finally {
    await repository.close();
  }
});

test.serial('start-up gives up with StoreUnavailableError once startupTimeoutMs has passed', async (t) => {
  if (!server) throw new Error('no server');
  const database = await createTestDatabase(server.url);
  await server.stop();
  try {
    const started = performance.now();
    await t.throwsAsync(
      openStore(postgresConfig(database.url), captureLogger().logger, { startupTimeoutMs: 1500 }),
      {
        instanceOf: StoreUnavailableError,
      },
    );
    const elapsedMs = performance.now() - started;
    t.true(elapsedMs >= 1400 && elapsedMs < 5000, `gave up after ${Math.round(elapsedMs)} ms`);
  } finally {
    await server.start();
  }
});

test.serial('a database that accepts connections but never answers cannot hang start-up', async (t) => {
  if (!server) throw new Error('no server');
  const proxy = await startFreezableProxy(server.port);
  proxy.freeze();
  try {
    const database = await createTestDatabase(server.url);
    const url = new URL(database.url);
    url.port = String(proxy.port);
    const started = performance.now();
    await t.throwsAsync(
      openStore(postgresConfig(url.toString()), captureLogger().logger, { startupTimeoutMs: 1000 }),
      {
        instanceOf: StoreUnavailableError,
      },
    );
    const elapsedMs = performance.now() - started;
    t.true(elapsedMs < 5000, `gave up after ${Math.round(elapsedMs)} ms`);
  } finally {
    await proxy.close();
  }
});

test.serial('a wrong password fails start-up at once instead of being retried', async (t) => {
  if (!server) throw new Error('no server');
  const database = await createTestDatabase(server.url);
  const url = new URL(database.url);
  url.password = 'not-the-password';
  const started = performance.now();
  const error = await t.throwsAsync(openStore(postgresConfig(url.toString()), captureLogger().logger));
  t.false(error instanceof StoreUnavailableError);
  t.regex(error?.message ?? '', /password authentication failed/);
  t.true(performance.now() - started < 2000);
});

test.serial('MIGRATE_ON_START=false: start-up neither migrates nor waits for the database', async (t) => {
  if (!server) throw new Error('no server');
  const database = await createTestDatabase(server.url);
  await server.stop();
  try {
    const started = performance.now();
    const repository = await openStore(
      { ...postgresConfig(database.url), migrateOnStart: false },
      captureLogger().logger,
    );
    try {
      t.true(performance.now() - started < 1000, 'no wait for the database');
      await t.throwsAsync(repository.findDateOfBirth('anyone'), { instanceOf: StoreUnavailableError });
      await server.start();
      // Up, but nobody migrated it: the table does not exist (the migration Job's work, not ours).
      const error = await t.throwsAsync(repository.findDateOfBirth('anyone'));
      t.is((error as { code?: string }).code, '42P01');
    } finally {
      await repository.close();
    }
  } finally {
    await server.start();
  }
});
