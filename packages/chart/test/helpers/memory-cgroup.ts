// Runs a command inside a fresh memory cgroup with a given limit, as a container runtime would, so a
// test can see what Node does under the memory limit the chart renders. Needs root (as CI and the
// development machines run) and a writable cgroup v1 memory hierarchy or cgroup v2.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Bytes in a Kubernetes memory quantity (binary and decimal suffixes, or plain bytes). */
export function quantityBytes(quantity: string | number): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(quantity));
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  const factors: Record<string, number> = {
    '': 1,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Math.round(Number(match[1]) * (factors[match[2] ?? ''] as number));
}

/** Where a child memory cgroup can be made, and the file that sets its limit. */
function memoryHierarchy(): { parent: string; limitFile: string } {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  const v1 = lines
    .map((line) => line.split(':'))
    .find(([, controllers]) => controllers?.split(',').includes('memory'));
  if (v1 && existsSync('/sys/fs/cgroup/memory'))
    return { parent: path.join('/sys/fs/cgroup/memory', v1[2] ?? '/'), limitFile: 'memory.limit_in_bytes' };
  const v2 = lines.find((line) => line.startsWith('0::'));
  if (v2 && existsSync('/sys/fs/cgroup/cgroup.controllers'))
    return { parent: path.join('/sys/fs/cgroup', v2.slice(3)), limitFile: 'memory.max' };
  throw new Error('no cgroup memory controller found in /proc/self/cgroup');
}

/** Runs `file args` with `env` in a new memory cgroup of `limitBytes`; resolves with its stdout. */
export async function runInMemoryCgroup(
  limitBytes: number,
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const { parent, limitFile } = memoryHierarchy();
  const cgroup = path.join(parent, `chart-test-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    await mkdir(cgroup);
    await writeFile(path.join(cgroup, limitFile), String(limitBytes));
  } catch (error) {
    throw new Error(
      `cannot create a memory cgroup under ${parent} (${(error as Error).message}): this test needs root and a writable cgroup hierarchy, as CI has`,
    );
  }
  try {
    // The shell moves itself into the cgroup, then becomes the command (exec keeps the pid).
    const { stdout } = await run(
      '/bin/sh',
      ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, file, ...args],
      { env, timeout: 30_000 },
    );
    return stdout;
  } finally {
    await rmdir(cgroup).catch(() => undefined);
  }
}
