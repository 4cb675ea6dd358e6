/**
 * The app's role on AWS (docs/infra.md, "Database credentials"): the migration, run by the owner (the
 * RDS master: CREATEROLE, not a superuser), gives the NOLOGIN role `hello_app` read/write on the table;
 * the logins the service connects with are members of it. Against a server of its own, so the
 * server-wide role starts absent.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PostgresServer, startPostgres } from '@high-available-server/testkit/postgres';
import test from 'ava';
import pg from 'pg';
import { pino } from 'pino';
import { migrateStore, openStore } from '../src/store/open-store.js';

let server: PostgresServer | undefined;
test.before('a PostgreSQL of its own', async () => {
  server = await startPostgres();
});
test.after.always('stop it', () => server?.destroy());

const logger = pino({ level: 'silent' });

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(text).finally(() => client.end());
}

function urlOf(database: string, user?: { name: string; password: string }): string {
  if (!server) throw new Error('no PostgreSQL server');
  const url = new URL(server.url);
  url.pathname = `/${database}`;
  url.username = user?.name ?? '';
  url.password = user?.password ?? '';
  return url.toString();
}

/** A database owned by `owner`, a role with CREATEROLE or not, as a managed database's master user. */
async function databaseOwnedBy(name: string, createRole: boolean): Promise<string> {
  if (!server) throw new Error('no PostgreSQL server');
  const owner = { name: `${name}_owner`, password: `${name}-owner-password` };
  await sql(
    server.url,
    `CREATE ROLE ${owner.name} LOGIN ${createRole ? 'CREATEROLE' : ''} PASSWORD '${owner.password}'`,
  );
  await sql(server.url, `CREATE DATABASE ${name} OWNER ${owner.name}`);
  return urlOf(name, owner);
}

// First: the role does not exist yet on this server, so the migration must cope without making it.
test.serial('a database user that may not create roles still migrates and serves as the owner', async (t) => {
  const ownerUrl = await databaseOwnedBy('plain', false);
  t.deepEqual(
    (await migrateStore({ store: 'postgres', databaseUrl: ownerUrl }, logger)).map((m) => m.version),
    [1, 2],
  );
  const repository = await openStore(
    { store: 'postgres', databaseUrl: ownerUrl, migrateOnStart: false },
    logger,
  );
  try {
    await repository.save({ username: 'bob', dateOfBirth: '1980-01-01' });
    t.is(await repository.findDateOfBirth('bob'), '1980-01-01');
  } finally {
    await repository.close();
  }
});

test.serial(
  'migrated by a CREATEROLE owner, a login in hello_app serves reads and writes and nothing more',
  async (t) => {
    if (!server) throw new Error('no PostgreSQL server');
    const ownerUrl = await databaseOwnedBy('managed', true);
    await migrateStore({ store: 'postgres', databaseUrl: ownerUrl }, logger);
    await sql(ownerUrl, "CREATE ROLE managed_login LOGIN PASSWORD 'login-password' IN ROLE hello_app");

    const files = await mkdtemp(join(tmpdir(), 'hasrv-app-role-'));
    t.teardown(() => rm(files, { recursive: true, force: true }));
    await writeFile(join(files, 'username'), 'managed_login');
    await writeFile(join(files, 'password'), 'login-password');
    const repository = await openStore(
      {
        store: 'postgres',
        databaseUrl: urlOf('managed'),
        databaseUserFile: join(files, 'username'),
        databasePasswordFile: join(files, 'password'),
        migrateOnStart: false,
      },
      logger,
    );
    try {
      await repository.save({ username: 'alice', dateOfBirth: '1990-04-05' });
      await repository.save({ username: 'alice', dateOfBirth: '1991-04-05' });
      t.is(await repository.findDateOfBirth('alice'), '1991-04-05');
    } finally {
      await repository.close();
    }
    const login = urlOf('managed', { name: 'managed_login', password: 'login-password' });
    for (const statement of ['DELETE FROM users', 'DROP TABLE users', 'CREATE TABLE other (id int)']) {
      const error = await t.throwsAsync(sql(login, statement));
      t.is((error as { code?: string }).code, '42501', statement);
    }
  },
);
