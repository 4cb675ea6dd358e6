import { execFile } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How to run HAProxy: the binary and the extra environment its libraries need. */
export interface HaproxyBinary {
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

function unpackedBinary(root: string): HaproxyBinary {
  return {
    path: join(root, 'usr/sbin/haproxy'),
    env: {
      LD_LIBRARY_PATH: [join(root, 'usr/lib/x86_64-linux-gnu'), join(root, 'lib/x86_64-linux-gnu')].join(':'),
    },
    origin: `Debian package unpacked in ${root}`,
  };
}

async function runs(binary: HaproxyBinary): Promise<boolean> {
  return run(binary.path, ['-v'], { env: { ...process.env, ...binary.env } }).then(
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

/**
 * Downloads haproxy's .deb and every library package it depends on that this machine lacks, and unpacks
 * them with `dpkg -x` (nothing is installed, no service is registered).
 */
async function fetchIntoCache(cacheDir: string): Promise<HaproxyBinary> {
  await mkdir(cacheDir, { recursive: true });
  const workDir = await mkdtemp(join(cacheDir, 'fetch-'));
  const root = join(workDir, 'root');
  const debs = join(workDir, 'debs');
  await mkdir(debs, { recursive: true });
  const seen = new Set<string>();
  const pending = ['haproxy'];
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
  return unpackedBinary(finalRoot);
}

/**
 * HAProxy from the PATH, else from the cache, else fetched from Debian's archive into the cache.
 * Throws an error that says what was tried when none works.
 */
export async function locateHaproxy(cacheDir: string): Promise<HaproxyBinary> {
  const fromPath = await onPath('haproxy');
  if (fromPath) return { path: fromPath, env: {}, origin: fromPath };
  const cached = unpackedBinary(join(cacheDir, 'root'));
  if ((await isExecutable(cached.path)) && (await runs(cached))) return cached;
  let fetched: HaproxyBinary;
  try {
    fetched = await fetchIntoCache(cacheDir);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `HAProxy is not on the PATH and could not be fetched from Debian (apt-get download haproxy + dpkg -x into ${cacheDir}; needs apt and root): ${reason}`,
    );
  }
  if (!(await runs(fetched))) {
    const { stdout } = await run('ldd', [fetched.path], { env: { ...process.env, ...fetched.env } }).catch(
      () => ({ stdout: '' }),
    );
    const missing = stdout.split('\n').filter((line) => line.includes('not found'));
    throw new Error(`HAProxy unpacked in ${cacheDir} does not run; missing libraries: ${missing.join('; ')}`);
  }
  return fetched;
}
