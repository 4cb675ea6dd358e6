import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Pin } from './bench-processes.js';
import { parseWrkOutput, type WrkResult } from './wrk-output.js';

const run = promisify(execFile);

async function wrkVersion(): Promise<string | undefined> {
  // `wrk -v` prints its version and exits 1.
  return run('wrk', ['-v']).then(
    ({ stdout }) => stdout.split('\n')[0],
    (error: { stdout?: string; code?: number | string }) =>
      error.code === 'ENOENT' ? undefined : (error.stdout ?? '').split('\n')[0],
  );
}

/** wrk from the PATH, else installed from Debian with apt-get (root; `apt-get update` when the lists are stale). */
export async function ensureWrk(log: (line: string) => void): Promise<string> {
  const found = await wrkVersion();
  if (found) return found;
  log('wrk is not installed: apt-get install -y wrk');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'wrk'], { env });
  } catch {
    await run('apt-get', ['update'], { env });
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'wrk'], { env });
  }
  const installed = await wrkVersion();
  if (!installed)
    throw new Error('wrk could not be installed with apt-get (needs root and the Debian archive)');
  return installed;
}

/** The request mix of one wrk run: GETs of known users, or PUTs cycling over a bounded set of users. */
export interface WrkWorkload {
  readonly op: 'get' | 'put';
  /** Letters-only prefix of the usernames (the service accepts letters only). */
  readonly prefix: string;
  /** Usernames cycled through: GETs read users written beforehand; PUTs upsert the same set again and again. */
  readonly population: number;
  readonly dateOfBirth: string;
}

/** A wrk Lua script for `workload`: one request per call, usernames `prefix` + the counter in letters. */
export function wrkScript(workload: WrkWorkload): string {
  const put = workload.op === 'put';
  return [
    'local counter = 0',
    'local function letters(n)',
    "  local text = ''",
    '  repeat',
    '    text = string.char(97 + n % 26) .. text',
    '    n = math.floor(n / 26)',
    '  until n == 0',
    '  return text',
    'end',
    put ? `wrk.method = "PUT"` : `wrk.method = "GET"`,
    put ? `wrk.headers["Content-Type"] = "application/json"` : '',
    put ? `wrk.body = '{"dateOfBirth":"${workload.dateOfBirth}"}'` : '',
    'request = function()',
    `  counter = (counter + 1) % ${workload.population}`,
    `  return wrk.format(nil, "/hello/${workload.prefix}" .. letters(counter))`,
    'end',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

export interface WrkRun {
  readonly url: string;
  readonly workload: WrkWorkload;
  readonly connections: number;
  readonly durationS: number;
  /** Where the Lua script is written. */
  readonly workDir: string;
}

/** One wrk run (one thread) on core 1, its output parsed. */
export async function runWrk(options: WrkRun, pin: Pin): Promise<WrkResult> {
  const script = join(options.workDir, `wrk-${options.workload.op}-${options.workload.prefix}.lua`);
  await writeFile(script, wrkScript(options.workload));
  const [file, ...args] = pin(1, [
    'wrk',
    '-t1',
    `-c${options.connections}`,
    `-d${options.durationS}s`,
    '--timeout',
    '5s',
    '--latency',
    '-s',
    script,
    options.url,
  ]);
  const { stdout } = await run(file as string, args, { timeout: (options.durationS + 30) * 1000 });
  return parseWrkOutput(stdout);
}
