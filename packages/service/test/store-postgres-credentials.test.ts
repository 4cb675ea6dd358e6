/**
 * Credentials as files, rotated the way production rotates them (alternating users: the previous
 * user stays valid for a whole rotation period), against a real PostgreSQL, under load.
 */
import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTestDatabase,
  type PostgresServer,
  startPostgres,
  type TestDatabase,
} from '@high-available-server/testkit/postgres';
import { runCommand } from '@high-available-server/testkit/process';
import test, { type ExecutionContext } from 'ava';
import pg from 'pg';
import { pino } from 'pino';
import { migrateStore, openStore } from '../src/store/open-store.js';
import { StoreUnavailableError, type UserRepository } from '../src/store/repository.js';
import { putBirthday, send, startTestApp, type TestApp } from './helpers/http-app.js';
import { startServiceProcess } from './helpers/service-process.js';

const silent = pino({ level: 'silent' });

let server: PostgresServer | undefined;

test.before(async () => {
  server = await startPostgres();
});
test.after.always(async () => {
  await server?.destroy();
});

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A Secret volume as the kubelet writes it: the files are symlinks into `..data`, which is swapped
 * atomically to a new timestamped directory on each update.
 */
async function projectSecret(dir: string, values: { username: string; password: string }): Promise<void> {
  const version = join(dir, `..${Date.now()}_${Math.random().toString(36).slice(2)}`);
  await mkdir(version);
  await writeFile(join(version, 'username'), values.username);
  await writeFile(join(version, 'password'), `${values.password}\n`);
  await symlink(version, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const name of ['username', 'password']) {
    await symlink(join('..data', name), join(dir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}

interface AppDatabase {
  readonly database: TestDatabase;
  readonly secretDir: string;
  /** DATABASE_URL without user or password. */
  readonly url: string;
  readonly ownerUrl: string;
}

/** A migrated database (by its owner, as the migration Job does) and two app roles with read/write on users only. */
async function appDatabase(t: ExecutionContext): Promise<AppDatabase> {
  if (!server) throw new Error('no PostgreSQL server');
  const database = await createTestDatabase(server.url);
  await migrateStore({ store: 'postgres', databaseUrl: database.url }, silent);
  const suffix = database.name.slice(-6);
  await admin(database.url, async (client) => {
    for (const role of [`app_a_${suffix}`, `app_b_${suffix}`]) {
      await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${role}-1'`);
      await client.query(`GRANT SELECT, INSERT, UPDATE ON users TO ${role}`);
    }
  });
  const secretDir = await mkdtemp(join(tmpdir(), 'hasrv-secret-'));
  await projectSecret(secretDir, { username: `app_a_${suffix}`, password: `app_a_${suffix}-1` });
  t.teardown(async () => {
    await rm(secretDir, { recursive: true, force: true });
    await database.drop();
  });
  const url = new URL(database.url);
  url.username = '';
  url.password = '';
  return { database, secretDir, url: url.toString(), ownerUrl: database.url };
}

function openWithFiles(app: AppDatabase, migrateOnStart = false): Promise<UserRepository> {
  return openStore(
    {
      store: 'postgres',
      databaseUrl: app.url,
      databaseUserFile: join(app.secretDir, 'username'),
      databasePasswordFile: join(app.secretDir, 'password'),
      migrateOnStart,
    },
    silent,
  );
}

async function terminateSessionsOf(ownerUrl: string, user: string): Promise<number> {
  return admin(ownerUrl, async (client) => {
    const result = await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()',
      [user],
    );
    return result.rowCount ?? 0;
  });
}

/** Sends PUT + GET pairs from `workers` loops until `stop()`; counts every answer that is not a success. */
function load(app: TestApp, workers: number) {
  let running = true;
  const failures: string[] = [];
  let requests = 0;
  const loops = Array.from({ length: workers }, async (_, worker) => {
    for (let round = 0; running; round++) {
      // Letters only (the username rule): worker a–z, then one of 20 users per worker.
      const username = `load${String.fromCharCode(97 + worker)}${String.fromCharCode(97 + (round % 20))}`;
      const put = await putBirthday(app, username, '1990-01-02');
      const get = await send(app, 'GET', `/hello/${username}`);
      requests += 2;
      if (put.status !== 204) failures.push(`PUT ${put.status} ${put.text}`);
      if (get.status !== 200) failures.push(`GET ${get.status} ${get.text}`);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { requests, failures };
    },
  };
}

test.serial(
  'credentials rotate (alternating users) and sessions are terminated under load: 0 failed requests',
  async (t) => {
    const app = await appDatabase(t);
    const suffix = app.database.name.slice(-6);
    const [userA, userB] = [`app_a_${suffix}`, `app_b_${suffix}`];
    const repository = await openWithFiles(app);
    const http = await startTestApp({ repository });
    try {
      const traffic = load(http, 8);
      await sleep(400);
      // Rotation 1: the secret now names user B; A stays valid. Then A's sessions are cut (failover, idle reaping).
      await projectSecret(app.secretDir, { username: userB, password: `${userB}-1` });
      await sleep(300);
      const terminatedA = await terminateSessionsOf(app.ownerUrl, userA);
      await sleep(400);
      // Rotation 2: A gets a new password while unused, the secret flips back to A; B's sessions are cut.
      await admin(app.ownerUrl, (client) => client.query(`ALTER ROLE ${userA} PASSWORD '${userA}-2'`));
      await projectSecret(app.secretDir, { username: userA, password: `${userA}-2` });
      await sleep(300);
      const terminatedB = await terminateSessionsOf(app.ownerUrl, userB);
      await sleep(400);
      const { requests, failures } = await traffic.stop();
      t.log(`${requests} requests; terminated ${terminatedA} session(s) of A, ${terminatedB} of B`);
      t.true(terminatedA > 0 && terminatedB > 0, 'sessions were cut while in use');
      t.deepEqual(failures, []);
      t.true(requests > 50, `${requests} requests`);
      // The service follows the files without a restart: its sessions now belong to user A again.
      const users = await admin(app.ownerUrl, (client) =>
        client.query<{ usename: string }>(
          'SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() AND usename LIKE $1',
          [`app_%_${suffix}`],
        ),
      );
      t.deepEqual(
        users.rows.map((row) => row.usename),
        [userA],
      );
    } finally {
      await http.close();
      await repository.close();
    }
  },
);

test.serial(
  'an unreadable credential file later is a 503 with Retry-After, and service resumes when it is back',
  async (t) => {
    const app = await appDatabase(t);
    const suffix = app.database.name.slice(-6);
    const repository = await openWithFiles(app);
    const http = await startTestApp({ repository });
    try {
      t.is((await putBirthday(http, 'kept', '1985-05-05')).status, 204);
      await unlink(join(app.secretDir, '..data'));
      await terminateSessionsOf(app.ownerUrl, `app_a_${suffix}`);
      const during = await send(http, 'GET', '/hello/kept');
      t.is(during.status, 503, during.text);
      t.truthy(during.headers['retry-after']);
      await t.throwsAsync(repository.findDateOfBirth('kept'), {
        instanceOf: StoreUnavailableError,
        message: /cannot read DATABASE_(USER|PASSWORD)_FILE .* \(ENOENT\)/,
      });
      await projectSecret(app.secretDir, { username: `app_a_${suffix}`, password: `app_a_${suffix}-1` });
      t.is((await send(http, 'GET', '/hello/kept')).status, 200);
    } finally {
      await http.close();
      await repository.close();
    }
  },
);

test.serial(
  'a statement whose session is terminated while it waits is retried once and succeeds',
  async (t) => {
    const app = await appDatabase(t);
    const suffix = app.database.name.slice(-6);
    const repository = await openWithFiles(app);
    const holder = new pg.Client({ connectionString: app.ownerUrl });
    await holder.connect();
    try {
      await repository.save({ username: 'contended', dateOfBirth: '1970-01-01' });
      await holder.query('BEGIN');
      await holder.query("SELECT 1 FROM users WHERE username = 'contended' FOR UPDATE");
      const saving = repository.save({ username: 'contended', dateOfBirth: '1971-02-03' });
      // Wait until the app's UPSERT waits on the row lock, then end its session under it.
      let terminated = 0;
      for (let tries = 0; terminated === 0 && tries < 100; tries++) {
        await sleep(20);
        const waiting = await holder.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND wait_event_type = 'Lock'",
          [`app_a_${suffix}`],
        );
        terminated = waiting.rowCount ?? 0;
      }
      t.is(terminated, 1, 'the waiting session was terminated');
      await sleep(100);
      await holder.query('COMMIT');
      await t.notThrowsAsync(saving);
      t.is(await repository.findDateOfBirth('contended'), '1971-02-03');
    } finally {
      await holder.end();
      await repository.close();
    }
  },
);

test.serial('a statement timeout (57014) is not retried: one attempt, then 503', async (t) => {
  const app = await appDatabase(t);
  const repository = await openWithFiles(app);
  const holder = new pg.Client({ connectionString: app.ownerUrl });
  await holder.connect();
  try {
    await repository.save({ username: 'locked', dateOfBirth: '1970-01-01' });
    await holder.query('BEGIN');
    await holder.query("SELECT 1 FROM users WHERE username = 'locked' FOR UPDATE");
    const started = performance.now();
    await t.throwsAsync(repository.save({ username: 'locked', dateOfBirth: '1999-09-09' }), {
      instanceOf: StoreUnavailableError,
      message: /statement timeout/,
    });
    const elapsedMs = performance.now() - started;
    t.log(`rejected after ${Math.round(elapsedMs)} ms (statement_timeout 2000 ms)`);
    t.true(elapsedMs < 3500, 'one 2 s attempt, not two');
  } finally {
    await holder.query('ROLLBACK');
    await holder.end();
    await repository.close();
  }
});

/**
 * A password "file" that answers each read with the next value (a FIFO fed by this process): the
 * first connection reads a stale password, so the 28P01 path (re-read, retry once) is taken for sure.
 */
async function passwordSequence(t: ExecutionContext, values: readonly string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'hasrv-fifo-'));
  const fifo = join(dir, 'password');
  await runCommand('mkfifo', [fifo]);
  let reads = 0;
  let serving = true;
  const served = (async () => {
    while (serving) {
      // Opening a FIFO for writing waits for the next reader: one value per read.
      await writeFile(fifo, `${values[Math.min(reads, values.length - 1)]}\n`);
      reads++;
      // Let that reader reach end-of-file before the next open, or two values would run together.
      await sleep(50);
    }
  })();
  t.teardown(async () => {
    serving = false;
    // Releases a writer waiting for a reader, without waiting for a writer that is not there.
    await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK).then((handle) => handle.close());
    await served;
    await rm(dir, { recursive: true, force: true });
  });
  return { file: fifo, reads: () => reads };
}

test.serial(
  'a refused credential (28P01) is re-read from the file and the statement retried once',
  async (t) => {
    const app = await appDatabase(t);
    const suffix = app.database.name.slice(-6);
    const user = `app_a_${suffix}`;
    await admin(app.ownerUrl, (client) => client.query(`ALTER ROLE ${user} PASSWORD 'rotated'`));
    // Read 1: the start-up check; read 2: the first connection (stale, refused); read 3 on: the new one.
    const password = await passwordSequence(t, ['stale', 'stale', 'rotated']);
    const url = new URL(app.url);
    url.username = user;
    const repository = await openStore(
      {
        store: 'postgres',
        databaseUrl: url.toString(),
        databasePasswordFile: password.file,
        migrateOnStart: false,
      },
      silent,
    );
    try {
      await repository.save({ username: 'rotated', dateOfBirth: '2001-01-01' });
      t.is(await repository.findDateOfBirth('rotated'), '2001-01-01');
      t.true(password.reads() >= 3, `${password.reads()} reads`);
    } finally {
      await repository.close();
    }
  },
);

test('a missing credential file at start: one line naming it, exit 1', async (t) => {
  const service = startServiceProcess({
    STORE: 'postgres',
    DATABASE_URL: 'postgres://app@127.0.0.1:1/app',
    DATABASE_PASSWORD_FILE: '/nonexistent/database/password',
  });
  t.teardown(() => service.kill());
  t.is(await service.exited, 1);
  const fatal = service.logs.filter((line) => line.level === 'fatal' || line.level === 60);
  t.is(fatal.length, 1, JSON.stringify(service.logs));
  t.is(
    fatal[0]?.msg,
    'start-up failed: cannot read DATABASE_PASSWORD_FILE /nonexistent/database/password (ENOENT)',
  );
  t.notRegex(JSON.stringify(service.logs) + service.stderr(), /\n\s+at /);
});
