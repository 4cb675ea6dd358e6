import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../paths.js';
import type { StackRun } from './run-stack.js';
import type { StackName } from './stack-config.js';

// Running the program under mocks costs seconds of CPU (loading the provider SDKs). Every test
// file needs one of a few runs, so each run happens once per change of its inputs: in a child
// process (fresh module state), cached in infra/.cache keyed by a hash of the program, the test
// support code and the stack file. A lock file keeps concurrent ava workers from duplicating it.

const INFRA = join(REPO_ROOT, 'infra');
const CHART = join(REPO_ROOT, 'packages', 'chart');
const CACHE = join(INFRA, '.cache', 'mock-runs');
const DUMP = fileURLToPath(new URL('./dump-stack.ts', import.meta.url));
const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesOf(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

function cacheKey(stack: StackName, overrides: Record<string, string>): string {
  const hash = createHash('sha256').update(JSON.stringify({ stack, overrides }));
  const inputs = [
    ...sourcesOf(INFRA),
    // The program reads the chart's values files (replica count, drain timings).
    ...readdirSync(CHART)
      .filter((name) => /^values.*\.yaml$/.test(name))
      .map((name) => join(CHART, name)),
    join(REPO_ROOT, `Pulumi.${stack}.yaml`),
    join(REPO_ROOT, 'pnpm-lock.yaml'),
  ].sort();
  for (const path of inputs) hash.update(relative(REPO_ROOT, path)).update(readFileSync(path));
  return `${stack}-${hash.digest('hex').slice(0, 20)}`;
}

async function produce(stack: StackName, overrides: Record<string, string>, file: string): Promise<void> {
  const partial = `${file}.${process.pid}.partial`;
  try {
    await execFileAsync(
      process.execPath,
      ['--import', 'tsx', DUMP, stack, partial, JSON.stringify(overrides)],
      {
        cwd: INFRA,
        timeout: 150_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`running the ${stack} stack under Pulumi mocks failed:\n${stderr || String(error)}`);
  }
  renameSync(partial, file);
}

/** The registrations and outputs of one stack run under mocks (cached; see above). */
export async function stackRun(stack: StackName, overrides: Record<string, string> = {}): Promise<StackRun> {
  mkdirSync(CACHE, { recursive: true });
  const key = cacheKey(stack, overrides);
  const file = join(CACHE, `${key}.json`);
  const lock = join(CACHE, `${key}.lock`);
  const deadline = Date.now() + 180_000;
  while (!existsSync(file)) {
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      // Another worker is producing it; a lock older than a run can take is left over from a crash.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 160_000) rmSync(lock, { force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the ${stack} mock run (${lock})`);
      await sleep(250);
      continue;
    }
    try {
      await produce(stack, overrides, file);
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
  return JSON.parse(readFileSync(file, 'utf8')) as StackRun;
}
