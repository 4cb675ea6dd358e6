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

async function startDatabase(): Promise<PostgresServer> {
  try {
    return await startPostgres({ directory: dataDir, logFile: join(dataDir, 'postgres.log') });
  } catch (error) {
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

function startService(database: PostgresServer): ChildProcess {
  const databaseUrl = `postgres://${database.user}@127.0.0.1:${database.port}/postgres`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: packageDir,
    stdio: 'inherit',
    env: {
      ...process.env,
      STORE: 'postgres',
      DATABASE_URL: databaseUrl,
      DATABASE_PASSWORD_FILE: database.passwordFile,
    },
  });
  child.once('exit', (code, signal) => {
    if (child === service && !stopping && !restartRequested) {
      say(`the service exited (${signal ?? `exit ${code}`}); fix the code and save to restart it`);
    }
  });
  return child;
}

const database = await startDatabase();
say(
  `PostgreSQL ${database.version} on 127.0.0.1:${database.port}, data in ${relative(process.cwd(), dataDir) || '.'}`,
);

let restartRequested = false;
let stopping = false;
let service: ChildProcess | undefined = startService(database);
let restarting: Promise<void> | undefined;

async function restart(reason: string): Promise<void> {
  if (stopping) return;
  say(`${reason}: restarting the service`);
  restartRequested = true;
  if (service) await stopProcess(service, 'SIGTERM', STOP_GRACE_MS);
  restartRequested = false;
  if (!stopping) service = startService(database);
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
