import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PostgresServer, startPostgres } from '@high-available-server/testkit/postgres';
import test from 'ava';
import pg from 'pg';

// The app's database login on AWS, against a real PostgreSQL 17 (RDS runs 17): our bootstrap script
// (run with plain Node, as the Job runs it), the service's own schema migration (run as the
// migration Job runs it, with the owner's credential files), and the exact statements AWS's
// multi-user rotation function runs as the master user. The owner here is like the RDS master:
// CREATEROLE, not a superuser. The bootstrap must work whichever of it and the migration runs first.
const SCRIPT = fileURLToPath(new URL('../database-app-login.mts', import.meta.url));
const INFRA_DIR = fileURLToPath(new URL('..', import.meta.url));
const INFRA_PACKAGE = join(INFRA_DIR, 'package.json');
// The service's migration entry point (`pnpm --filter @high-available-server/service migrate` runs
// its build); its source through tsx, so no build is needed here.
const MIGRATE = join(
  dirname(createRequire(import.meta.url).resolve('@high-available-server/service/package.json')),
  'src/migrate.ts',
);
const OWNER = { user: 'hello', password: 'owner-password-1' };
const P1 = 'first-password-from-pulumi';
const P2 = 'second-password-from-rotation';
const P3 = 'third-password-from-rotation';
/** Database of a first deploy: the bootstrap runs before the first migration. */
const FIRST_DEPLOY = 'hello';
/** A database migrated before the bootstrap ever ran (another role pair, so nothing is shared). */
const MIGRATED_FIRST = 'hello_migrated';
const OTHER = { role: 'other_app', login: 'other_app_login', password: 'other-password' };

let postgres: PostgresServer;
let files: string;

async function client(user: string, password: string, database = FIRST_DEPLOY): Promise<pg.Client> {
  const connection = new pg.Client({ host: '127.0.0.1', port: postgres.port, database, user, password });
  await connection.connect();
  return connection;
}

async function sql(user: string, password: string, text: string, database = FIRST_DEPLOY) {
  const connection = await client(user, password, database);
  try {
    return await connection.query(text);
  } finally {
    await connection.end();
  }
}

/** The SQLSTATE a statement (or the login) fails with, or 'ok'. */
async function outcome(
  user: string,
  password: string,
  text: string,
  database = FIRST_DEPLOY,
): Promise<string> {
  return sql(user, password, text, database).then(
    () => 'ok',
    (error: { code?: string }) => error.code ?? 'no code',
  );
}

function runNode(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      args,
      { env: { PATH: process.env.PATH ?? '', ...env }, cwd: INFRA_DIR, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function ownerFiles() {
  await writeFile(join(files, 'owner-user'), OWNER.user);
  await writeFile(join(files, 'owner-password'), OWNER.password);
  return { user: join(files, 'owner-user'), password: join(files, 'owner-password') };
}

/** The bootstrap Job: our script with the owner's and the app's credential files. */
async function bootstrap(
  app: { user: string; password: string } | undefined,
  options: { database?: string; role?: string } = {},
) {
  const owner = await ownerFiles();
  if (app) {
    await writeFile(join(files, 'app-user'), app.user);
    await writeFile(join(files, 'app-password'), app.password);
  } else {
    await rm(join(files, 'app-password'), { force: true });
  }
  const result = await runNode([SCRIPT], {
    DATABASE_URL: `postgres://127.0.0.1:${postgres.port}/${options.database ?? FIRST_DEPLOY}?sslmode=disable`,
    OWNER_USER_FILE: owner.user,
    OWNER_PASSWORD_FILE: owner.password,
    APP_USER_FILE: join(files, 'app-user'),
    APP_PASSWORD_FILE: join(files, 'app-password'),
    ...(options.role ? { APP_ROLE: options.role } : {}),
    PG_RESOLVE_FROM: INFRA_PACKAGE,
  });
  const lines = result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg: string });
  return { code: result.code, lines, messages: lines.map((line) => line.msg) };
}

/** The chart's migration Job: the service's migration with the owner's credential files. */
async function migrate(database: string) {
  const owner = await ownerFiles();
  const result = await runNode(['--import', 'tsx', MIGRATE], {
    STORE: 'postgres',
    DATABASE_URL: `postgres://127.0.0.1:${postgres.port}/${database}`,
    DATABASE_USER_FILE: owner.user,
    DATABASE_PASSWORD_FILE: owner.password,
    LOG_LEVEL: 'warn',
  });
  if (result.code !== 0)
    throw new Error(`migration failed (exit ${result.code}):\n${result.stdout}${result.stderr}`);
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
async function readWrite(
  user: string,
  password: string,
  name: string,
  database = FIRST_DEPLOY,
): Promise<string> {
  const connection = await client(user, password, database);
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

/** What the app role must never do: change the schema, empty or delete, make roles, touch the bookkeeping. */
async function forbidden(user: string, password: string, database = FIRST_DEPLOY) {
  const statements = [
    'CREATE TABLE other (id int)',
    'DROP TABLE users',
    'TRUNCATE users',
    'DELETE FROM users',
    'ALTER TABLE users ADD COLUMN extra text',
    'CREATE ROLE sneaky',
    "INSERT INTO schemaversion (version, name, md5, run_at) VALUES (999, 'fake', 'x', now())",
    'DELETE FROM schemaversion',
  ];
  const outcomes: Record<string, string> = {};
  for (const statement of statements)
    outcomes[statement] = await outcome(user, password, statement, database);
  return outcomes;
}
const ALL_REFUSED = (
  t: { deepEqual(a: unknown, b: unknown, m?: string): void },
  outcomes: Record<string, string>,
) =>
  t.deepEqual(
    Object.entries(outcomes).filter(([, code]) => code !== '42501'),
    [],
    'each statement refused with insufficient_privilege (42501)',
  );

test.before(async () => {
  postgres = await startPostgres();
  files = await mkdtemp(join(tmpdir(), 'hasrv-app-login-'));
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE ROLE ${OWNER.user} LOGIN CREATEROLE PASSWORD '${OWNER.password}'`);
  await admin.query(`CREATE DATABASE ${FIRST_DEPLOY} OWNER ${OWNER.user}`);
  await admin.query(`CREATE DATABASE ${MIGRATED_FIRST} OWNER ${OWNER.user}`);
  await admin.end();
});

test.after.always(async () => {
  await postgres?.destroy();
  if (files) await rm(files, { recursive: true, force: true });
});

test.serial(
  'first deploy: the bootstrap runs before the migration; the login then reads and writes users, nothing more',
  async (t) => {
    t.is(postgres.version.split('.')[0], '17');
    const first = await bootstrap({ user: 'hello_app_login', password: P1 });
    t.is(first.code, 0, JSON.stringify(first.lines));
    t.deepEqual(first.messages, [
      'created the app role',
      'the app role may read and write the tables the owner creates, now and later',
      'created the app login',
      'the app login accepts its current password',
    ]);
    await migrate(FIRST_DEPLOY);

    t.is(await readWrite('hello_app_login', P1, 'alice'), 'ok');
    const refused = await forbidden('hello_app_login', P1);
    // Default privileges cannot leave the bookkeeping table out: the next bootstrap takes it back.
    t.is(
      refused["INSERT INTO schemaversion (version, name, md5, run_at) VALUES (999, 'fake', 'x', now())"],
      'ok',
    );
    await sql(OWNER.user, OWNER.password, 'DELETE FROM schemaversion WHERE version = 999');

    const next = await bootstrap({ user: 'hello_app_login', password: P1 });
    t.is(next.code, 0, JSON.stringify(next.lines));
    ALL_REFUSED(t, await forbidden('hello_app_login', P1));
    t.is(await readWrite('hello_app_login', P1, 'alice'), 'ok');
  },
);

test.serial(
  'a database migrated before the bootstrap ever ran: the same login, the same limits',
  async (t) => {
    await migrate(MIGRATED_FIRST);
    const run = await bootstrap(
      { user: OTHER.login, password: OTHER.password },
      { database: MIGRATED_FIRST, role: OTHER.role },
    );
    t.is(run.code, 0, JSON.stringify(run.lines));
    t.deepEqual(run.messages, [
      'created the app role',
      'the app role may read and write the tables the owner creates, now and later',
      'created the app login',
      'the app login accepts its current password',
    ]);
    t.is(await readWrite(OTHER.login, OTHER.password, 'bob', MIGRATED_FIRST), 'ok');
    ALL_REFUSED(t, await forbidden(OTHER.login, OTHER.password, MIGRATED_FIRST));
    // A table a later migration adds is the role's too (default privileges), without another bootstrap.
    await sql(
      OWNER.user,
      OWNER.password,
      'CREATE TABLE later (id serial PRIMARY KEY, note text)',
      MIGRATED_FIRST,
    );
    t.is(
      await outcome(OTHER.login, OTHER.password, "INSERT INTO later (note) VALUES ('x')", MIGRATED_FIRST),
      'ok',
    );
    t.is(await outcome(OTHER.login, OTHER.password, 'DELETE FROM later', MIGRATED_FIRST), '42501');
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
    ALL_REFUSED(t, await forbidden('hello_app_login_clone', P2));

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

test.serial(
  'run with files one rotation behind (the refresh lag), the script changes no login',
  async (t) => {
    const stale = await bootstrap({ user: 'hello_app_login_clone', password: P2 });
    t.is(stale.code, 0, JSON.stringify(stale.lines));
    t.deepEqual(stale.messages, [
      'the app role may read and write the tables the owner creates, now and later',
      'the app login accepts its current password',
    ]);
    t.is(await readWrite('hello_app_login', P3, 'frank'), 'ok');
    t.is(await readWrite('hello_app_login_clone', P2, 'grace'), 'ok');
  },
);

test.serial(
  'a login whose password the database refuses gets the secret password again (e.g. after a restore)',
  async (t) => {
    await sql(
      OWNER.user,
      OWNER.password,
      "ALTER ROLE hello_app_login PASSWORD 'restored-from-an-old-snapshot'",
    );
    const repaired = await bootstrap({ user: 'hello_app_login', password: P3 });
    t.is(repaired.code, 0, JSON.stringify(repaired.lines));
    t.is(repaired.messages.at(-1), 'the app login refused the secret password: set it from the secret');
    t.is(await readWrite('hello_app_login', P3, 'heidi'), 'ok');
  },
);

test.serial('a missing credential file is one clear line and exit 1', async (t) => {
  const missing = await bootstrap(undefined);
  t.is(missing.code, 1);
  t.is(missing.lines.length, 1);
  t.regex(missing.messages[0] ?? '', /^database app login not ensured: APP_PASSWORD_FILE: cannot read /);
});
