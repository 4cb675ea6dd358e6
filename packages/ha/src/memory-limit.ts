import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A memory limit per replica, like a pod's `resources.limits.memory`, set *before* the process starts:
 * Node sizes V8's heap from the memory it may use when it starts (in a 256 MiB container a young generation
 * of a few MiB; on this 24 GiB machine up to 64 MiB on Node 24, 32 MiB on Node 20), so a replica started
 * unconstrained and moved into a cgroup later would still run with the heap of a big machine.
 */
export interface MemoryLimit {
  /** False when no writable memory cgroup (v1) was found: replicas run unconstrained. */
  readonly applied: boolean;
  readonly description: string;
  /** `command` wrapped so the process enters replica slot `slot`'s cgroup, then execs (same pid). */
  wrap(slot: string, command: readonly string[]): string[];
  /** Removes the cgroups (once their processes have exited). */
  release(): Promise<void>;
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

/** The memory hierarchy (cgroup v1) and this process's own group in it: children are made below it. */
async function ownMemoryCgroup(): Promise<string | undefined> {
  const self = await readFile('/proc/self/cgroup', 'utf8').catch(() => '');
  for (const line of self.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path !== undefined && controllers?.split(',').includes('memory'))
      return join('/sys/fs/cgroup/memory', path);
  }
  return undefined;
}

/**
 * One cgroup per replica slot with `limitBytes`, made below the drill's own memory cgroup (cgroup v1, as on
 * this project's machines and CI). Elsewhere (cgroup v2, no root) nothing is limited and the description
 * says so.
 */
export async function limitReplicaMemory(
  slots: readonly string[],
  limitBytes: number | undefined,
): Promise<MemoryLimit> {
  const none = (why: string): MemoryLimit => ({
    applied: false,
    description: `no memory limit (${why})`,
    wrap: (_slot, command) => [...command],
    release: async () => {},
  });
  if (limitBytes === undefined) return none('the chart sets no resources.limits.memory');
  const parent = await ownMemoryCgroup();
  if (!parent) return none('no cgroup v1 memory controller');
  const root = join(parent, `ha-drill-${process.pid}`);
  const dirs = new Map(slots.map((slot) => [slot, join(root, slot)]));
  const release = async () => {
    for (const dir of dirs.values()) await rmdir(dir).catch(() => undefined);
    await rmdir(root).catch(() => undefined);
  };
  try {
    for (const dir of dirs.values()) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'memory.limit_in_bytes'), String(limitBytes));
    }
  } catch (error) {
    await release();
    return none(error instanceof Error ? error.message : String(error));
  }
  return {
    applied: true,
    description: `each limited to ${mib(limitBytes)} of memory like a pod (a cgroup each; the chart's resources.limits.memory)`,
    wrap(slot, command) {
      const dir = dirs.get(slot);
      if (!dir) throw new Error(`no memory cgroup for replica slot ${slot}`);
      // The shell joins the cgroup, then execs the command: the replica's pid is the shell's.
      return ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', join(dir, 'cgroup.procs'), ...command];
    },
    release,
  };
}
