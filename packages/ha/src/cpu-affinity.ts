import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Splits the machine's cores between the system under test and its client for a while, so the load
 * generator is not starved by the very servers it overloads (they would otherwise share every core).
 */
export interface CoreSplit {
  /** False when there is no taskset or a single core: nothing was pinned. */
  readonly applied: boolean;
  readonly description: string;
  /** Gives every pinned process all cores again. */
  restore(): Promise<void>;
}

async function pin(pid: number, cores: string): Promise<void> {
  // -a: every thread (libuv's pool, V8's GC helpers), not only the main one.
  await run('taskset', ['-a', '-p', '-c', cores, String(pid)]);
}

export async function splitCores(
  serverPids: readonly number[],
  clientPids: readonly number[],
): Promise<CoreSplit> {
  const cores = availableParallelism();
  const all = `0-${cores - 1}`;
  const unpinned = {
    applied: false,
    description: 'not pinned (one core or no taskset)',
    restore: async () => {},
  };
  if (cores < 2) return unpinned;
  const serverCores = cores === 2 ? '0' : `0-${Math.floor(cores / 2) - 1}`;
  const clientCores = cores === 2 ? '1' : `${Math.floor(cores / 2)}-${cores - 1}`;
  try {
    for (const pid of serverPids) await pin(pid, serverCores);
    for (const pid of clientPids) await pin(pid, clientCores);
  } catch {
    for (const pid of [...serverPids, ...clientPids]) await pin(pid, all).catch(() => undefined);
    return unpinned;
  }
  return {
    applied: true,
    description: `replicas and PostgreSQL on core ${serverCores}, load generator and HAProxy on core ${clientCores} (taskset)`,
    async restore() {
      for (const pid of [...serverPids, ...clientPids]) await pin(pid, all).catch(() => undefined);
    },
  };
}
