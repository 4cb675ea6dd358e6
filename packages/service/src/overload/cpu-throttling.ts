import { readFileSync } from 'node:fs';

/**
 * Cumulative time, in ms, that the CPU limit of this process's cgroup has held it back (CFS bandwidth
 * throttling), or undefined where there is no such limit or no counter can be read (no cgroup CPU
 * controller, not Linux).
 */
export type ThrottledTimeReader = () => number | undefined;

type ReadText = (path: string) => string;

const CGROUP_ROOT = '/sys/fs/cgroup';

/** How often (at most) the cgroup of the process and its limit are looked up again: a process can be moved. */
const RESOLVE_EVERY_MS = 5_000;

/** A cgroup directory that may hold this process's counters, with its version's file and field names. */
type Candidate = { dir: string; version: 1 | 2 };

/** Where the throttled-time counter is read, for a cgroup that has a CPU limit. */
type Counter = { path: string; field: string; perMs: number };

function counterValue(stat: string, name: string): number | undefined {
  const line = stat.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** cgroup directories that may hold this process's CPU controller, most specific first. */
function candidates(procSelfCgroup: string): Candidate[] {
  const found: Candidate[] = [];
  for (const line of procSelfCgroup.split('\n')) {
    const [id, controllers, path] = line.split(':');
    if (path === undefined) continue;
    if (id === '0' && controllers === '') {
      // cgroup v2: one hierarchy. In a container with its own cgroup namespace the path is `/`.
      found.push({ dir: `${CGROUP_ROOT}${path}`, version: 2 });
      found.push({ dir: CGROUP_ROOT, version: 2 });
    } else if (controllers?.split(',').includes('cpu')) {
      // cgroup v1: the cpu controller's hierarchy (mounted as cpu or cpu,cpuacct); in a container without a
      // cgroup namespace the path names the host's view: fall back to the mount root.
      for (const mount of [controllers, 'cpu']) {
        found.push({ dir: `${CGROUP_ROOT}/${mount}${path}`, version: 1 });
        found.push({ dir: `${CGROUP_ROOT}/${mount}`, version: 1 });
      }
    }
  }
  return found;
}

/** Whether the cgroup in `dir` has a CPU limit (`cpu.max` other than `max`; v1 `cpu.cfs_quota_us` other than -1). */
function limitOf(readText: ReadText, { dir, version }: Candidate): 'limited' | 'unlimited' | undefined {
  try {
    if (version === 2) return readText(`${dir}/cpu.max`).trim().startsWith('max') ? 'unlimited' : 'limited';
    return Number(readText(`${dir}/cpu.cfs_quota_us`).trim()) < 0 ? 'unlimited' : 'limited';
  } catch {
    return undefined;
  }
}

function counterOf({ dir, version }: Candidate): Counter {
  return version === 2
    ? { path: `${dir}/cpu.stat`, field: 'throttled_usec', perMs: 1_000 }
    : { path: `${dir}/cpu.stat`, field: 'throttled_time', perMs: 1e6 };
}

/**
 * Reads the throttled-time counter of the cgroup this process is in. The cgroup (/proc/self/cgroup) and
 * whether it has a CPU limit are looked up at most every 5 s (a process can be moved, as the HA drill
 * does); without a limit nothing else is read. Meant for the load monitor's window tick, which runs only
 * while requests arrive: an idle process reads nothing.
 */
export function cgroupThrottledTime(
  readText: ReadText = (path) => readFileSync(path, 'utf8'),
  now: () => number = () => performance.now(),
): ThrottledTimeReader {
  let resolvedAt = Number.NEGATIVE_INFINITY;
  let counter: Counter | undefined;
  const resolve = () => {
    resolvedAt = now();
    counter = undefined;
    let procSelfCgroup: string;
    try {
      procSelfCgroup = readText('/proc/self/cgroup');
    } catch {
      return;
    }
    for (const candidate of candidates(procSelfCgroup)) {
      const limit = limitOf(readText, candidate);
      if (limit === undefined) continue;
      if (limit === 'limited') counter = counterOf(candidate);
      return;
    }
  };
  return () => {
    if (now() - resolvedAt >= RESOLVE_EVERY_MS) resolve();
    if (counter === undefined) return undefined;
    let stat: string;
    try {
      stat = readText(counter.path);
    } catch {
      resolvedAt = Number.NEGATIVE_INFINITY;
      return undefined;
    }
    const value = counterValue(stat, counter.field);
    return value !== undefined && Number.isFinite(value) ? value / counter.perMs : undefined;
  };
}
