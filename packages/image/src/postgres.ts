import { spawn } from 'node:child_process';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@high-available-server/testkit/free-port';
import { mustRun, runCommand } from '@high-available-server/testkit/process';
import { ensureAptPackages, isRoot } from './apt.js';

export interface ThrowawayPostgres {
  /** postgres://… on 127.0.0.1, database `hasrv`. */
  url: string;
  port: number;
  /** Runs one SQL statement with psql and returns its unaligned output. */
  query(sql: string): Promise<string>;
  stop(): Promise<void>;
}

async function postgresBinDir(log: (line: string) => void) {
  const find = async () => {
    const versions = (await readdir('/usr/lib/postgresql').catch(() => [] as string[]))
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    return versions[0] === undefined ? undefined : join('/usr/lib/postgresql', versions[0], 'bin');
  };
  const found = await find();
  if (found) return found;
  await ensureAptPackages(
    [{ command: '/usr/lib/postgresql/15/bin/postgres', aptPackage: 'postgresql-15' }],
    log,
  );
  const installed = await find();
  if (!installed) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
  return installed;
}

async function postgresUser() {
  const uid = await runCommand('id', ['-u', 'postgres']);
  const gid = await runCommand('id', ['-g', 'postgres']);
  if (uid.code !== 0 || gid.code !== 0) throw new Error('initdb refuses root and no `postgres` user exists');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Debian's PostgreSQL in a temporary cluster on 127.0.0.1 (trust auth, fsync off: it lives for
 * one test run). As root it runs as the `postgres` system user, since initdb refuses root.
 */
export async function startThrowawayPostgres(log: (line: string) => void): Promise<ThrowawayPostgres> {
  const bin = await postgresBinDir(log);
  const owner = isRoot() ? await postgresUser() : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'hasrv-image-pg-'));
  if (owner) await chown(dir, owner.uid, owner.gid);
  const dataDir = join(dir, 'data');
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  await mustRun(
    join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'],
    {
      ...asOwner,
      timeoutMs: 120_000,
    },
  );
  const port = await freePort();
  const server = spawn(
    join(bin, 'postgres'),
    ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    { ...asOwner, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let serverLog = '';
  server.stderr.on('data', (chunk: Buffer) => {
    serverLog = (serverLog + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGINT'); // fast shutdown
      const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await runCommand(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]);
      if (ready.code === 0) break;
      if (server.exitCode !== null || Date.now() > deadline) {
        throw new Error(`PostgreSQL did not start:\n${serverLog}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await mustRun(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'hasrv'], {
      timeoutMs: 30_000,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  log(`postgres: ${bin} on 127.0.0.1:${port}, data in ${dir}`);
  const query = async (sql: string) => {
    const args = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'hasrv', '-Atc', sql];
    return (await mustRun(join(bin, 'psql'), args, { timeoutMs: 30_000 })).stdout.trim();
  };
  return { url: `postgres://postgres@127.0.0.1:${port}/hasrv`, port, query, stop };
}
