import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A CPU limit on a set of processes, like a Kubernetes `resources.limits.cpu` on the pods. */
export interface CpuQuota {
  /** False when no cgroup CPU controller is writable here: nothing was limited. */
  readonly applied: boolean;
  readonly description: string;
  /** Moves the processes back and removes the cgroup. */
  release(): Promise<void>;
}

const periodUs = 100_000;

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** cgroup v2 (cpu.max) or v1 (cpu.cfs_quota_us): where to create the group and how to set the limit. */
async function controller(): Promise<
  { root: string; limit: (dir: string, quotaUs: number) => Promise<void> } | undefined
> {
  const v2 = '/sys/fs/cgroup';
  const v2Controllers = await readFile(join(v2, 'cgroup.controllers'), 'utf8').catch(() => '');
  if (v2Controllers.split(/\s+/).includes('cpu')) {
    return { root: v2, limit: (dir, quotaUs) => writeFile(join(dir, 'cpu.max'), `${quotaUs} ${periodUs}`) };
  }
  const v1 = '/sys/fs/cgroup/cpu';
  if (await exists(join(v1, 'cpu.cfs_quota_us'))) {
    return {
      root: v1,
      limit: async (dir, quotaUs) => {
        await writeFile(join(dir, 'cpu.cfs_period_us'), String(periodUs));
        await writeFile(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
      },
    };
  }
  return undefined;
}

/**
 * Limits `pids` together to `cpus` CPUs (e.g. 0.5) with a cgroup, so they are the bottleneck of the
 * machine at a rate a single-process load generator can exceed threefold. Needs root and a cgroup
 * CPU controller; otherwise does nothing and says so.
 */
export async function limitCpu(pids: readonly number[], cpus: number): Promise<CpuQuota> {
  const none = (why: string) => ({
    applied: false,
    description: `no CPU limit (${why})`,
    release: async () => {},
  });
  const found = await controller();
  if (!found) return none('no cgroup CPU controller');
  const dir = join(found.root, `ha-drill-${process.pid}`);
  const moveBack = async () => {
    for (const pid of pids)
      await writeFile(join(found.root, 'cgroup.procs'), String(pid)).catch(() => undefined);
  };
  try {
    await mkdir(dir, { recursive: true });
    await found.limit(dir, Math.round(cpus * periodUs));
    for (const pid of pids) await writeFile(join(dir, 'cgroup.procs'), String(pid));
  } catch (error) {
    await moveBack();
    await rmdir(dir).catch(() => undefined);
    return none(error instanceof Error ? error.message : String(error));
  }
  return {
    applied: true,
    description: `replicas limited to ${cpus} CPU in total (cgroup)`,
    async release() {
      await moveBack();
      await rmdir(dir).catch(() => undefined);
    },
  };
}
