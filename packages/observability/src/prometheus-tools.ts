import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's `prometheus` package: it ships both binaries, statically linked (Go), so no library is needed. */
const DEBIAN_PACKAGE = 'prometheus';

export interface PrometheusTools {
  /** `promtool`: checks and unit-tests rule files. */
  readonly promtool: string;
  /** The `prometheus` server, for a real scrape-and-evaluate run (the HA drill). */
  readonly prometheus: string;
  /** Where they came from, for reports. */
  readonly origin: string;
}

/** Git-ignored cache of the unpacked package, under this package (override for another cache). */
export const defaultCacheDir = fileURLToPath(new URL('../.cache/prometheus', import.meta.url));

function unpacked(root: string): PrometheusTools {
  return {
    promtool: join(root, 'usr/bin/promtool'),
    prometheus: join(root, 'usr/bin/prometheus'),
    origin: `Debian package ${DEBIAN_PACKAGE} unpacked in ${root}`,
  };
}

async function works(tools: PrometheusTools): Promise<boolean> {
  try {
    await run(tools.promtool, ['--version']);
    await run(tools.prometheus, ['--version']);
    return true;
  } catch {
    return false;
  }
}

async function downloadDeb(dir: string): Promise<string> {
  try {
    await run('apt-get', ['download', DEBIAN_PACKAGE], { cwd: dir });
  } catch {
    // A fresh machine has no package lists yet: refresh them once, then try again.
    await run('apt-get', ['update'], { cwd: dir });
    await run('apt-get', ['download', DEBIAN_PACKAGE], { cwd: dir });
  }
  const deb = (await readdir(dir)).find((file) => file.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${DEBIAN_PACKAGE} produced no .deb`);
  return join(dir, deb);
}

/** Downloads the .deb and unpacks it with `dpkg -x`: nothing is installed, no service is registered. */
async function fetchIntoCache(cacheDir: string): Promise<PrometheusTools> {
  await mkdir(cacheDir, { recursive: true });
  // Each caller unpacks in its own directory and renames into place, so parallel test files do not collide.
  const work = await mkdtemp(join(cacheDir, 'fetch-'));
  try {
    const deb = await downloadDeb(work);
    await run('dpkg', ['-x', deb, join(work, 'root')]);
    const root = join(cacheDir, 'root');
    await rename(join(work, 'root'), root).catch(async (error: NodeJS.ErrnoException) => {
      // Another caller got there first: use theirs.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
    return unpacked(root);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * promtool and prometheus from the PATH (e.g. `apt-get install prometheus`), else from the cache, else fetched
 * from Debian's archive into the cache (`apt-get download prometheus` + `dpkg -x`; needs apt, and root on a
 * machine without package lists). Throws an error saying what was tried when none works.
 */
export async function locatePrometheusTools(cacheDir: string = defaultCacheDir): Promise<PrometheusTools> {
  // Bare names: the PATH is searched when they run (e.g. after `apt-get install prometheus`).
  const installed: PrometheusTools = { promtool: 'promtool', prometheus: 'prometheus', origin: 'the PATH' };
  if (await works(installed)) return installed;
  const cached = unpacked(join(cacheDir, 'root'));
  if (await works(cached)) return cached;
  let fetched: PrometheusTools;
  try {
    fetched = await fetchIntoCache(cacheDir);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `promtool is not on the PATH and could not be fetched from Debian (apt-get download ${DEBIAN_PACKAGE} + dpkg -x into ${cacheDir}; needs apt, and root for apt-get update): ${reason}`,
    );
  }
  if (!(await works(fetched))) throw new Error(`${fetched.promtool} was unpacked but does not run`);
  return fetched;
}
