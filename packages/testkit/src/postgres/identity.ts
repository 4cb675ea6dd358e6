/**
 * Who runs initdb and postgres. PostgreSQL refuses to run as root, and the classic answer (run it
 * as a `postgres` OS user) fails when the checkout, and so the binaries and the data directory,
 * sit below a directory only root may enter (a `mktemp -d` folder, root's home): that user cannot
 * traverse it. So, as root:
 *
 * - `user-namespace` (preferred): run the binaries in a new user namespace where root appears as
 *   `nobody`. PostgreSQL sees an unprivileged user, while the kernel still checks file access as
 *   root's: it reaches any directory root can, and its files belong to root like the rest of the
 *   checkout. Needs `unshare` (util-linux) and user namespaces (off in some containers).
 * - `postgres-user` (fallback): run as a `postgres` OS user (created if missing) from a copy of the
 *   binaries in a directory that user can reach, cached per version; the data directory must then be
 *   reachable by that user too.
 *
 * Not root: `current-user`, nothing to do. On Linux, `setpriv --pdeathsig` makes the server die with
 * the process that started it, so a killed test or `pnpm dev` leaves no server behind.
 */
import { createHash } from 'node:crypto';
import { chmod, chown, cp, lstat, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { platform, tmpdir, userInfo } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { hasCommand, runCommand } from '../process.js';
import type { PostgresBinaries } from './binaries.js';

export type Identity = 'current-user' | 'user-namespace' | 'postgres-user';

export interface Launcher {
  readonly identity: Identity;
  /** The binaries this launcher runs (a reachable copy for `postgres-user`). */
  readonly binaries: PostgresBinaries;
  /** The OS user that must own the data directory, when it is not the current one. */
  readonly owner: { readonly uid: number; readonly gid: number } | undefined;
  /** The command line that runs `binary args` as that identity (`uid`/`gid`: spawn options, when set). */
  command(
    binary: 'initdb' | 'postgres',
    args: readonly string[],
  ): { file: string; args: string[]; uid?: number; gid?: number };
}

// `nobody` exists on every Linux distribution; inside the namespace it only has to be non-zero and known.
const NOBODY = 65_534;

// Probes cost a process each; their answers do not change while this process runs.
let userNamespaceProbe: Promise<boolean> | undefined;
let setprivProbe: Promise<boolean> | undefined;

function userNamespacesWork(): Promise<boolean> {
  userNamespaceProbe ??= runCommand('unshare', [
    '--user',
    `--map-user=${NOBODY}`,
    `--map-group=${NOBODY}`,
    '--',
    'true',
  ]).then(
    (result) => result.code === 0,
    () => false,
  );
  return userNamespaceProbe;
}

function setprivWorks(): Promise<boolean> {
  setprivProbe ??= platform() === 'linux' ? hasCommand('setpriv') : Promise.resolve(false);
  return setprivProbe;
}

export async function chooseLauncher(binaries: PostgresBinaries, wanted?: Identity): Promise<Launcher> {
  const isRoot = userInfo().uid === 0;
  const dieWithParent = (await setprivWorks()) ? ['setpriv', '--pdeathsig', 'SIGQUIT', '--'] : [];
  const identity: Identity =
    wanted ?? (!isRoot ? 'current-user' : (await userNamespacesWork()) ? 'user-namespace' : 'postgres-user');
  if (identity !== 'current-user' && !isRoot) throw new Error(`identity ${identity} needs root`);
  const wrap =
    (prefix: string[], binariesUsed: PostgresBinaries) =>
    (binary: 'initdb' | 'postgres', args: readonly string[]) => {
      const [file = binariesUsed.bin(binary), ...rest] = [...prefix, binariesUsed.bin(binary), ...args];
      return { file, args: rest };
    };
  switch (identity) {
    case 'current-user':
      return { identity, binaries, owner: undefined, command: wrap(dieWithParent, binaries) };
    case 'user-namespace': {
      if (!(await userNamespacesWork()))
        throw new Error('user namespaces are not available (unshare --user failed)');
      const prefix = [
        'unshare',
        '--user',
        `--map-user=${NOBODY}`,
        `--map-group=${NOBODY}`,
        '--',
        ...dieWithParent,
      ];
      return { identity, binaries, owner: undefined, command: wrap(prefix, binaries) };
    }
    case 'postgres-user': {
      const owner = await ensurePostgresUser();
      const reachable = await stageBinaries(binaries);
      const switchUser =
        dieWithParent.length > 0
          ? [
              'setpriv',
              `--reuid=${owner.uid}`,
              `--regid=${owner.gid}`,
              '--clear-groups',
              '--pdeathsig',
              'SIGQUIT',
              '--',
            ]
          : [];
      const command = wrap(switchUser, reachable);
      // Without setpriv, Node switches the user itself (and the server cannot die with its parent).
      const commandAsOwner: Launcher['command'] =
        switchUser.length > 0 ? command : (binary, args) => ({ ...command(binary, args), ...owner });
      return { identity, binaries: reachable, owner, command: commandAsOwner };
    }
  }
}

async function idOf(flag: '-u' | '-g'): Promise<number | undefined> {
  const result = await runCommand('id', [flag, 'postgres']);
  return result.code === 0 ? Number(result.stdout.trim()) : undefined;
}

/** The `postgres` OS user's ids, creating the user when missing (several test files may race here). */
async function ensurePostgresUser(): Promise<{ uid: number; gid: number }> {
  if ((await idOf('-u')) === undefined) {
    await runCommand('groupadd', ['-f', '--system', 'postgres']).catch(() => undefined);
    await runCommand('useradd', [
      '--system',
      '-g',
      'postgres',
      '-M',
      '-s',
      '/usr/sbin/nologin',
      'postgres',
    ]).catch(() => undefined);
  }
  const [uid, gid] = [await idOf('-u'), await idOf('-g')];
  if (uid === undefined || gid === undefined) {
    throw new Error(
      'PostgreSQL cannot run as root, and the "postgres" OS user is missing and could not be created',
    );
  }
  return { uid, gid };
}

/** A directory only we may change (a planted cache in the shared temp dir must not be trusted). */
async function isOurs(path: string): Promise<boolean> {
  const stat = await lstat(path).catch(() => undefined);
  return stat?.isDirectory() === true && stat.uid === userInfo().uid && (stat.mode & 0o022) === 0;
}

/**
 * A copy of the binaries in the shared temp directory (mode 0755, so any user can run them), made
 * once per version and machine: copied to a fresh directory, then renamed into place atomically.
 */
async function stageBinaries(binaries: PostgresBinaries): Promise<PostgresBinaries> {
  const source = createHash('sha256').update(binaries.root).digest('hex').slice(0, 8);
  const cached = join(
    tmpdir(),
    `high-available-server-postgres-${binaries.version}-${source}-uid${userInfo().uid}`,
  );
  const complete = join(cached, '.complete');
  const ready = async () =>
    (await isOurs(cached)) &&
    (await lstat(complete).then(
      () => true,
      () => false,
    ));
  if (!(await ready())) {
    const staging = await mkdtemp(join(tmpdir(), 'high-available-server-postgres-staging-'));
    try {
      await cp(binaries.root, join(staging, 'native'), {
        recursive: true,
        // Static libraries and headers are for building extensions, not for running a server.
        filter: (source) => !source.endsWith('.a') && !source.includes(`${sep}include${sep}`),
      });
      await writeFile(join(staging, '.complete'), binaries.version);
      await chmod(staging, 0o755);
      await rm(cached, { recursive: true, force: true }).catch(() => undefined);
      await rename(staging, cached);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      // Lost a race to another process that staged the same version: use its copy.
      if (!(await ready())) throw error;
    }
  }
  const root = join(cached, 'native');
  return { ...binaries, root, bin: (name) => join(root, 'bin', name) };
}

/**
 * Throws a one-line reason unless `uid`/`gid` can traverse every directory above `path` (the
 * `postgres-user` identity cannot use a data directory below a private one).
 */
export async function assertReachable(path: string, owner: { uid: number; gid: number }): Promise<void> {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const stat = await lstat(dir).catch(() => undefined);
    if (stat) {
      const bit = stat.uid === owner.uid ? 0o100 : stat.gid === owner.gid ? 0o010 : 0o001;
      if ((stat.mode & bit) === 0) {
        throw new Error(
          `the postgres OS user cannot reach ${path}: ${dir} is closed to it (mode ${(stat.mode & 0o777).toString(8)}); choose a directory it can reach`,
        );
      }
    }
    if (dirname(dir) === dir) return;
  }
}

/**
 * `mkdir -p`, one level at a time: Node's own `mkdir(path, { recursive: true })` never returns on
 * a path below /proc (it retries ENOENT forever, at full CPU), so an unusable path must fail here.
 */
async function makeDirectories(path: string): Promise<void> {
  try {
    await mkdir(path);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await stat(path)).isDirectory()) return;
      throw new Error(`${path} exists and is not a directory`);
    }
    if (code !== 'ENOENT' || dirname(path) === path) throw error;
  }
  await makeDirectories(dirname(path));
  await mkdir(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
}

/** Creates `path` (and its parents); the directory itself belongs to `owner` when one is given. */
export async function makeDirectory(path: string, owner: Launcher['owner']): Promise<void> {
  await makeDirectories(path);
  if (owner) await chown(path, owner.uid, owner.gid);
}
