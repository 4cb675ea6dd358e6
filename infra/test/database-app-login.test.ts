import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import pg from 'pg';
import { type Postgres, startPostgres } from './support/postgres.js';

// The app's database login on AWS, against a real PostgreSQL: our bootstrap script (run with plain
// Node, as the Job runs it), the schema grants the migration must make, and the exact statements
// AWS's multi-user rotation function runs as the master user. The owner here is like the RDS master:
// CREATEROLE, not a superuser.
const SCRIPT = fileURLToPath(new URL('../database-app-login.mts', import.meta.url));
const INFRA_PACKAGE = fileURLToPath(new URL('../package.json', import.meta.url));
const OWNER = { user: 'hello', password: 'owner-password-1' };
const P1 = 'first-password-from-pulumi';
const P2 = 'second-password-from-rotation';
const P3 = 'third-password-from-rotation';

// What the schema migration must do for the app role (run as the owner, next to CREATE TABLE).
const MIGRATION = `
  CREATE TABLE users (username text COLLATE "C" PRIMARY KEY, date_of_birth date NOT NULL);
  DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hello_app') THEN CREATE ROLE hello_app NOLOGIN; END IF;
  END $$;
  GRANT USAGE ON SCHEMA public TO hello_app;
  GRANT SELECT, INSERT, UPDATE ON users TO hello_app;`;

let postgres: Postgres;
let files: string;

async function client(user: string, password: string): Promise<pg.Client> {
  const connection = new pg.Client({
    host: '127.0.0.1',
    port: postgres.port,
    database: 'hello',
    user,
    password,
  });
  await connection.connect();
  return connection;
}

async function sql(user: string, password: string, text: string, values?: unknown[]) {
  const connection = await client(user, password);
  try {
    return await connection.query(text, values);
  } finally {
    await connection.end();
  }
}

/** The SQLSTATE a statement (or the login) fails with, or 'ok'. */
async function outcome(user: string, password: string, text: string): Promise<string> {
  return sql(user, password, text).then(
    () => 'ok',
    (error: { code?: string }) => error.code ?? 'no code',
  );
}

async function runScript(app: { user: string; password: string } | undefined) {
  await writeFile(join(files, 'owner-user'), OWNER.user);
  await writeFile(join(files, 'owner-password'), OWNER.password);
  if (app) {
    await writeFile(join(files, 'app-user'), app.user);
    await writeFile(join(files, 'app-password'), app.password);
  } else {
    await rm(join(files, 'app-password'), { force: true });
  }
  const env = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: `postgres://127.0.0.1:${postgres.port}/hello?sslmode=disable`,
    OWNER_USER_FILE: join(files, 'owner-user'),
    OWNER_PASSWORD_FILE: join(files, 'owner-password'),
    APP_USER_FILE: join(files, 'app-user'),
    APP_PASSWORD_FILE: join(files, 'app-password'),
    PG_RESOLVE_FROM: INFRA_PACKAGE,
  };
  return new Promise<{ code: number; lines: { msg: string }[] }>((resolve) => {
    execFile(process.execPath, [SCRIPT], { env, timeout: 30_000 }, (error, stdout) => {
      const lines = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { msg: string });
      resolve({ code: error ? Number(error.code ?? 1) : 0, lines });
    });
  });
}

/** The rotation function's setSecret as the master user: create the clone, or set the pending password. */
async function rotate(pending: { user: string; password: string }, current: string) {
  const master = await client(OWNER.user, OWNER.password);
  try {
    const quoted = (name: string) => master.escapeIdentifier(name);
    const exists = await master.query('SELECT 1 FROM pg_roles where rolname = $1', [pending.user]);
    if (exists.rows.length === 0) {
      await master.query(
        `CREATE ROLE ${quoted(pending.user)} WITH LOGIN PASSWORD ${master.escapeLiteral(pending.password)}`,
      );
      await master.query(`GRANT ${quoted(current)} TO ${quoted(pending.user)}`);
    } else {
      await master.query(
        `ALTER USER ${quoted(pending.user)} WITH PASSWORD ${master.escapeLiteral(pending.password)}`,
      );
    }
  } finally {
    await master.end();
  }
}

/** What a pod does with a credential: read and write its table. */
async function readWrite(user: string, password: string, name: string): Promise<string> {
  const connection = await client(user, password);
  try {
    await connection.query(
      `INSERT INTO users VALUES ($1, '2000-01-01')
       ON CONFLICT (username) DO UPDATE SET date_of_birth = excluded.date_of_birth`,
      [name],
    );
    const { rows } = await connection.query('SELECT date_of_birth FROM users WHERE username = $1', [name]);
    return rows.length === 1 ? 'ok' : 'row missing';
  } finally {
    await connection.end();
  }
}

test.before(async () => {
  postgres = await startPostgres();
  files = await mkdtemp(join(tmpdir(), 'hasrv-app-login-'));
  const { user, password } = postgres.superuser;
  const admin = new pg.Client({
    host: '127.0.0.1',
    port: postgres.port,
    database: 'postgres',
    user,
    password,
  });
  await admin.connect();
  await admin.query(`CREATE ROLE hello LOGIN CREATEROLE PASSWORD '${OWNER.password}'`);
  await admin.query('CREATE DATABASE hello OWNER hello');
  await admin.end();
});

test.after.always(async () => {
  await postgres?.stop();
  if (files) await rm(files, { recursive: true, force: true });
});

test.serial(
  'before the first release the script creates the login; after the migration it reads and writes its table only',
  async (t) => {
    const first = await runScript({ user: 'hello_app_login', password: P1 });
    t.is(first.code, 0, JSON.stringify(first.lines));
    t.deepEqual(
      first.lines.map((line) => line.msg),
      [
        'created the app role (privileges come from the schema migration)',
        'created the app login',
        'the app login accepts its current password',
      ],
    );
    await sql(OWNER.user, OWNER.password, MIGRATION);

    t.is(await readWrite('hello_app_login', P1, 'alice'), 'ok');
    t.is(await outcome('hello_app_login', P1, 'CREATE TABLE other (id int)'), '42501');
    t.is(await outcome('hello_app_login', P1, 'DROP TABLE users'), '42501');
    t.is(await outcome('hello_app_login', P1, 'TRUNCATE users'), '42501');
    t.is(await outcome('hello_app_login', P1, 'DELETE FROM users'), '42501');
    t.is(await outcome('hello_app_login', P1, 'CREATE ROLE sneaky'), '42501');
  },
);

test.serial(
  'rotation by alternating users: the clone gets the same access and the previous login keeps working',
  async (t) => {
    // First rotation: AWSCURRENT hello_app_login/P1 -> AWSPENDING hello_app_login_clone/P2.
    await rotate({ user: 'hello_app_login_clone', password: P2 }, 'hello_app_login');
    // A pod whose files still hold the previous version and a pod with the new one both work.
    t.deepEqual(
      await Promise.all([
        readWrite('hello_app_login', P1, 'bob'),
        readWrite('hello_app_login_clone', P2, 'carol'),
      ]),
      ['ok', 'ok'],
    );
    t.is(await outcome('hello_app_login_clone', P2, 'CREATE TABLE other (id int)'), '42501');

    // Second rotation: AWSCURRENT clone/P2 -> AWSPENDING hello_app_login/P3. P2 stays valid.
    await rotate({ user: 'hello_app_login', password: P3 }, 'hello_app_login_clone');
    t.deepEqual(
      await Promise.all([
        readWrite('hello_app_login_clone', P2, 'dave'),
        readWrite('hello_app_login', P3, 'erin'),
      ]),
      ['ok', 'ok'],
    );
    // Only a credential two rotations old (a whole rotation period) is refused.
    t.is(await outcome('hello_app_login', P1, 'SELECT 1'), '28P01');
  },
);

test.serial('run with files one rotation behind (the refresh lag), the script changes nothing', async (t) => {
  const stale = await runScript({ user: 'hello_app_login_clone', password: P2 });
  t.is(stale.code, 0, JSON.stringify(stale.lines));
  t.deepEqual(
    stale.lines.map((line) => line.msg),
    ['the app login accepts its current password'],
  );
  t.is(await readWrite('hello_app_login', P3, 'frank'), 'ok');
  t.is(await readWrite('hello_app_login_clone', P2, 'grace'), 'ok');
});

test.serial(
  'a login whose password the database refuses gets the secret password again (e.g. after a restore)',
  async (t) => {
    await sql(
      OWNER.user,
      OWNER.password,
      "ALTER ROLE hello_app_login PASSWORD 'restored-from-an-old-snapshot'",
    );
    const repaired = await runScript({ user: 'hello_app_login', password: P3 });
    t.is(repaired.code, 0, JSON.stringify(repaired.lines));
    t.deepEqual(
      repaired.lines.map((line) => line.msg),
      ['the app login refused the secret password: set it from the secret'],
    );
    t.is(await readWrite('hello_app_login', P3, 'heidi'), 'ok');
  },
);

test.serial('a missing credential file is one clear line and exit 1', async (t) => {
  const missing = await runScript(undefined);
  t.is(missing.code, 1);
  t.is(missing.lines.length, 1);
  t.regex(missing.lines[0]?.msg ?? '', /^database app login not ensured: APP_PASSWORD_FILE: cannot read /);
});
