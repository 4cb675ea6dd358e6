import { readdir } from 'node:fs/promises';
import {
  acquireTestPostgres,
  createTestDatabase,
  type TestPostgresServer,
} from '@high-available-server/testkit/postgres';
import test from 'ava';
import pg from 'pg';
import { migrateStore, openStore } from '../src/store/open-store.js';
import { captureLogger } from './helpers/postgres-logger.js';

let server: TestPostgresServer | undefined;

test.before(async () => {
  server = await acquireTestPostgres();
});
test.after.always(async () => {
  await server?.release();
});

async function freshDatabase() {
  if (!server) throw new Error('no PostgreSQL server');
  return createTestDatabase(server.url);
}

const postgresConfig = (databaseUrl: string) => ({ store: 'postgres' as const, databaseUrl });

async function migrationFileCount(): Promise<number> {
  const files = await readdir(new URL('../migrations/', import.meta.url));
  return files.filter((file) => /^\d+\.do\..+\.sql$/.test(file)).length;
}

async function appliedVersions(databaseUrl: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ version: string }>(
      'SELECT version FROM schemaversion WHERE version > 0 ORDER BY version',
    );
    return result.rows.map((row) => Number(row.version));
  } finally {
    await client.end();
  }
}

test('migrating an up-to-date database applies nothing', async (t) => {
  const database = await freshDatabase();
  try {
    const { logger } = captureLogger();
    const first = await migrateStore(postgresConfig(database.url), logger);
    t.is(first.length, await migrationFileCount());
    t.deepEqual(await migrateStore(postgresConfig(database.url), logger), []);
    t.deepEqual(await migrateStore(postgresConfig(database.url), logger), []);
  } finally {
    await database.drop();
  }
});

test('three migrate runs racing on a fresh database all succeed and apply each migration once', async (t) => {
  const database = await freshDatabase();
  try {
    const { logger } = captureLogger();
    const runs = await Promise.all([1, 2, 3].map(() => migrateStore(postgresConfig(database.url), logger)));
    const expected = await migrationFileCount();
    t.is(runs.flat().length, expected, 'one run applied everything, the others found nothing to do');
    t.is((await appliedVersions(database.url)).length, expected);
  } finally {
    await database.drop();
  }
});

test('three replicas opening the store at once on a fresh database all start and work', async (t) => {
  const database = await freshDatabase();
  const { logger, lines } = captureLogger();
  const replicas = await Promise.all([1, 2, 3].map(() => openStore(postgresConfig(database.url), logger)));
  try {
    await replicas[0]?.save({ username: 'shared', dateOfBirth: '1988-08-08' });
    for (const replica of replicas) t.is(await replica.findDateOfBirth('shared'), '1988-08-08');
    const applying = lines.filter((line) => line.msg === 'applying migration');
    t.is(applying.length, await migrationFileCount(), 'each migration was applied by one replica only');
  } finally {
    await Promise.all(replicas.map((replica) => replica.close()));
    await database.drop();
  }
});
