import { performance } from 'node:perf_hooks';
import {
  createTestDatabase,
  type PostgresServer,
  startPostgres,
} from '@high-available-server/testkit/postgres';
import test from 'ava';
import { openStore } from '../src/store/open-store.js';
import { StoreUnavailableError, type UserRepository } from '../src/store/repository.js';
import { captureLogger } from './helpers/postgres-logger.js';
import { type FreezableProxy, startFreezableProxy } from './helpers/postgres-proxy.js';

// Always an embedded server, even with TEST_DATABASE_URL: these tests stop and freeze the database.
let server: PostgresServer | undefined;
let proxy: FreezableProxy | undefined;

test.before(async () => {
  server = await startPostgres();
  proxy = await startFreezableProxy(server.port);
});
test.after.always(async () => {
  await proxy?.close();
  await server?.destroy();
});

/** Runs `operation`, expecting a StoreUnavailableError; returns how long the rejection took. */
async function timeUnavailable(t: import('ava').ExecutionContext, operation: () => Promise<unknown>) {
  const started = performance.now();
  await t.throwsAsync(operation(), { instanceOf: StoreUnavailableError });
  return performance.now() - started;
}

async function exerciseWhileDown(
  t: import('ava').ExecutionContext,
  repository: UserRepository,
  limitMs: number,
) {
  const operations = {
    save: () => repository.save({ username: 'during-outage', dateOfBirth: '2000-01-01' }),
    findDateOfBirth: () => repository.findDateOfBirth('before-outage'),
    ping: () => repository.ping(),
  };
  for (const [name, operation] of Object.entries(operations)) {
    const elapsedMs = await timeUnavailable(t, operation);
    t.log(`${name} rejected after ${Math.round(elapsedMs)} ms`);
    t.true(elapsedMs < limitMs, `${name} took ${Math.round(elapsedMs)} ms`);
  }
}

test.serial(
  'a stopped database fails calls fast; the same repository recovers when it is back',
  async (t) => {
    if (!server) throw new Error('no server');
    const database = await createTestDatabase(server.url);
    const { logger, lines } = captureLogger();
    const repository = await openStore({ store: 'postgres', databaseUrl: database.url }, logger);
    try {
      await repository.save({ username: 'before-outage', dateOfBirth: '1999-12-31' });
      // Several idle pooled connections, so the shutdown also kills connections nobody is using.
      await Promise.all(Array.from({ length: 5 }, () => repository.ping()));

      await server.stop();
      await exerciseWhileDown(t, repository, 3000);

      await server.start();
      await repository.ping();
      t.is(await repository.findDateOfBirth('before-outage'), '1999-12-31');
      await repository.save({ username: 'after-outage', dateOfBirth: '2001-02-03' });
      t.is(await repository.findDateOfBirth('after-outage'), '2001-02-03');
      t.log(
        `${lines.filter((line) => line.level === 40).length} warning(s) logged for dropped idle connections`,
      );
    } finally {
      await repository.close();
    }
  },
);

test.serial(
  'a database that stops answering (network partition) fails calls within ~3 s, then recovers',
  async (t) => {
    if (!server || !proxy) throw new Error('no server');
    const database = await createTestDatabase(server.url);
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    const { logger } = captureLogger();
    const repository = await openStore({ store: 'postgres', databaseUrl: viaProxy.toString() }, logger);
    try {
      await repository.save({ username: 'before-outage', dateOfBirth: '1999-12-31' });
      await Promise.all(Array.from({ length: 3 }, () => repository.ping()));

      proxy.freeze();
      // An idle pooled connection now hangs: only the client-side query timeout (2.5 s) can end the call.
      await exerciseWhileDown(t, repository, 3500);

      proxy.thaw();
      await repository.ping();
      t.is(await repository.findDateOfBirth('before-outage'), '1999-12-31');
    } finally {
      proxy.thaw();
      await repository.close();
    }
  },
);
