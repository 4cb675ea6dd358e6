/**
 * `pnpm dev`: a local PostgreSQL 17 (the testkit's, from npm) with its data in `DEV_DATA_DIR`
 * (default `.data/postgres`, kept across restarts), and the service from source on top of it,
 * restarted when a file under src/ or migrations/ changes. PostgreSQL keeps running across those
 * restarts and stops with this process (it dies with it even when this process is killed).
 *
 * The service is configured like any deployment (`DATABASE_URL` without a password,
 * `DATABASE_PASSWORD_FILE`); everything else in the environment is passed through.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type FSWatcher, watch } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  DirectoryInUseError,
  type PostgresServer,
  startPostgres,
} from '@high-available-server/testkit/postgres';
import { stopProcess } from '@high-available-server/testkit/process';

const packageDir = resolve(import.meta.dirname, '..');
const dataDir = resolve(packageDir, process.env.DEV_DATA_DIR || '.data/postgres');
const WATCHED = ['src', 'migrations'];
const RESTART_DEBOUNCE_MS = 100;
/** The service drains within its SHUTDOWN_TIMEOUT_MS (10 s by default); past that it is killed. */
const STOP_GRACE_MS = 15_000;

/** One line on stderr, in the words a developer needs; never a stack. */
function say(message: string): void {
  process.stderr.write(`pnpm dev: ${message}\n`);
}

/** The service from source, pointed at the local database (configured as a deployment would be). */
function startService(port: number, passwordFile: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: packageDir,
    stdio: 'inherit',
    env: {
      ...process.env,
      STORE: 'postgres',
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres`,
      DATABASE_PASSWORD_FILE: passwordFile,
    },
  });
  child.once('exit', (code, signal) => {
    if (child === service && !stopping && !restartRequested) {
      say(`the service exited (${signal ?? `exit ${code}`}); fix the code and save to restart it`);
    }
  });
  return child;
}

let restartRequested = false;
let stopping = false;
let service: ChildProcess | undefined;

/**
 * Starts PostgreSQL, and the service as soon as the data directory is claimed: the service's own
 * start-up (loading and compiling its modules) overlaps initdb on a first start, and its start-up
 * retry covers the moment until PostgreSQL accepts connections.
 */
async function startDatabaseAndService(): Promise<PostgresServer> {
  try {
    return await startPostgres({
      directory: dataDir,
      logFile: join(dataDir, 'postgres.log'),
      onPrepared: ({ port, passwordFile }) => {
        service = startService(port, passwordFile);
      },
    });
  } catch (error) {
    service?.kill('SIGKILL');
    const message = error instanceof Error ? error.message : String(error);
    const firstLine = message.split('\n')[0] ?? message;
    say(
      error instanceof DirectoryInUseError
        ? firstLine
        : `PostgreSQL did not start: ${firstLine} (its log: ${join(dataDir, 'postgres.log')})`,
    );
    process.exit(1);
  }
}

const database = await startDatabaseAndService();
say(
  `PostgreSQL ${database.version} on 127.0.0.1:${database.port}, data in ${relative(process.cwd(), dataDir) || '.'}`,
);

let restarting: Promise<void> | undefined;

async function restart(reason: string): Promise<void> {
  if (stopping) return;
  say(`${reason}: restarting the service`);
  restartRequested = true;
  if (service) await stopProcess(service, 'SIGTERM', STOP_GRACE_MS);
  restartRequested = false;
  if (!stopping) service = startService(database.port, database.passwordFile);
}

let timer: NodeJS.Timeout | undefined;
const watchers: FSWatcher[] = WATCHED.map((dir) =>
  watch(join(packageDir, dir), { recursive: true }, (_event, file) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      restarting = (restarting ?? Promise.resolve()).then(() =>
        restart(`${join(dir, String(file))} changed`),
      );
    }, RESTART_DEBOUNCE_MS);
  }),
);

async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearTimeout(timer);
  for (const watcher of watchers) watcher.close();
  await restarting;
  // The terminal's Ctrl-C reaches the whole process group; stopProcess only makes sure.
  if (service) await stopProcess(service, signal, STOP_GRACE_MS);
  await database.stop();
  process.exit(0);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(signal));
