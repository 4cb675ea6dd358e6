import { execFile } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How to run a program unpacked from Debian: the binary and the extra environment its libraries need. */
export interface DebianBinary {
  readonly path: string;
  readonly env: Readonly<Record<string, string>>;
  /** Where it came from, for the drill's header line. */
  readonly origin: string;
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, name)))) return join(dir, name);
  }
  return undefined;
}

/** HAProxy's binary, as the drill's load balancer runs it. */
export type HaproxyBinary = DebianBinary;

function unpackedBinary(root: string, binaryPath: string): DebianBinary {
  return {
    path: join(root, binaryPath),
    env: {
      LD_LIBRARY_PATH: [join(root, 'usr/lib/x86_64-linux-gnu'), join(root, 'lib/x86_64-linux-gnu')].join(':'),
    },
    origin: `Debian package unpacked in ${root}`,
  };
}

async function runs(binary: DebianBinary, versionFlag: string): Promise<boolean> {
  return run(binary.path, [versionFlag], { env: { ...process.env, ...binary.env } }).then(
    () => true,
    () => false,
  );
}

async function isInstalled(debianPackage: string): Promise<boolean> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax.
  return run('dpkg-query', ['-W', '-f', '${Status}', debianPackage]).then(
    ({ stdout }) => stdout.includes('install ok installed'),
    () => false,
  );
}

/** First alternative of each `Depends:` entry, without version constraints or arch qualifiers. */
function dependencyNames(dependsField: string): string[] {
  return dependsField
    .split(',')
    .map(
      (entry) =>
        entry
          .split('|')[0]
          ?.trim()
          .split(/[\s:(]/)[0] ?? '',
    )
    .filter((name) => name.length > 0);
}

async function download(debianPackage: string, dir: string): Promise<string> {
  const before = new Set(await readdir(dir));
  try {
    await run('apt-get', ['download', debianPackage], { cwd: dir });
  } catch {
    // A fresh machine has no package lists yet; refresh once, then try again.
    await run('apt-get', ['update'], { cwd: dir });
    await run('apt-get', ['download', debianPackage], { cwd: dir });
  }
  const fetched = (await readdir(dir)).find((file) => !before.has(file) && file.endsWith('.deb'));
  if (!fetched) throw new Error(`apt-get download ${debianPackage} produced no .deb`);
  return join(dir, fetched);
}

/** What to fetch from Debian and how to tell it runs. */
export interface DebianProgram {
  readonly debianPackage: string;
  /** Path of the program inside the package (e.g. usr/sbin/haproxy). */
  readonly binaryPath: string;
  /** Argument that makes it print its version and exit 0. */
  readonly versionFlag: string;
}

/**
 * Downloads the program's .deb and every library package it depends on that this machine lacks, and
 * unpacks them with `dpkg -x` (nothing is installed, no service is registered).
 */
async function fetchIntoCache(cacheDir: string, program: DebianProgram): Promise<DebianBinary> {
  await mkdir(cacheDir, { recursive: true });
  const workDir = await mkdtemp(join(cacheDir, 'fetch-'));
  const root = join(workDir, 'root');
  const debs = join(workDir, 'debs');
  await mkdir(debs, { recursive: true });
  const seen = new Set<string>();
  const pending = [program.debianPackage];
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const deb = await download(name, debs);
    await run('dpkg', ['-x', deb, root]);
    const { stdout } = await run('dpkg-deb', ['-f', deb, 'Depends']);
    for (const dependency of dependencyNames(stdout)) {
      // Only shared libraries matter for running the binary; the rest (adduser, lsb-base) is packaging.
      if (dependency.startsWith('lib') && !seen.has(dependency) && !(await isInstalled(dependency))) {
        pending.push(dependency);
      }
    }
  }
  const finalRoot = join(cacheDir, 'root');
  await rm(finalRoot, { recursive: true, force: true });
  await rename(root, finalRoot);
  await rm(workDir, { recursive: true, force: true });
  return unpackedBinary(finalRoot, program.binaryPath);
}

/**
 * The program from the PATH, else from the cache, else fetched from Debian's archive into the cache.
 * Throws an error that says what was tried when none works.
 */
export async function locateDebianProgram(cacheDir: string, program: DebianProgram): Promise<DebianBinary> {
  const name = program.binaryPath.split('/').at(-1) as string;
  const fromPath = await onPath(name);
  if (fromPath) return { path: fromPath, env: {}, origin: fromPath };
  const cached = unpackedBinary(join(cacheDir, 'root'), program.binaryPath);
  if ((await isExecutable(cached.path)) && (await runs(cached, program.versionFlag))) return cached;
  let fetched: DebianBinary;
  try {
    fetched = await fetchIntoCache(cacheDir, program);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${name} is not on the PATH and could not be fetched from Debian (apt-get download ${program.debianPackage} + dpkg -x into ${cacheDir}; needs apt and root): ${reason}`,
    );
  }
  if (!(await runs(fetched, program.versionFlag))) {
    const { stdout } = await run('ldd', [fetched.path], { env: { ...process.env, ...fetched.env } }).catch(
      () => ({ stdout: '' }),
    );
    const missing = stdout.split('\n').filter((line) => line.includes('not found'));
    throw new Error(`${name} unpacked in ${cacheDir} does not run; missing libraries: ${missing.join('; ')}`);
  }
  return fetched;
}

/** HAProxy (a C program: its libraries come along when this machine lacks them). */
export function locateHaproxy(cacheDir: string): Promise<HaproxyBinary> {
  return locateDebianProgram(cacheDir, {
    debianPackage: 'haproxy',
    binaryPath: 'usr/sbin/haproxy',
    versionFlag: '-v',
  });
}
