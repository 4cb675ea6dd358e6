import { readFileSync } from 'node:fs';

/**
 * Cumulative time, in ms, that the CPU limit of this process's cgroup has held it back (CFS bandwidth
 * throttling), or undefined where no such counter can be read (no cgroup CPU controller, not Linux).
 */
export type ThrottledTimeReader = () => number | undefined;

type ReadText = (path: string) => string;

const CGROUP_ROOT = '/sys/fs/cgroup';

function counter(stat: string, name: string): number | undefined {
  const line = stat.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** cpu.stat files that may hold this process's counters, most specific first, with the field and its unit. */
function candidates(procSelfCgroup: string): { path: string; field: string; perMs: number }[] {
  const found: { path: string; field: string; perMs: number }[] = [];
  for (const line of procSelfCgroup.split('\n')) {
    const [id, controllers, path] = line.split(':');
    if (path === undefined) continue;
    if (id === '0' && controllers === '') {
      // cgroup v2: one hierarchy; `throttled_usec`.
      found.push({ path: `${CGROUP_ROOT}${path}/cpu.stat`, field: 'throttled_usec', perMs: 1_000 });
      found.push({ path: `${CGROUP_ROOT}/cpu.stat`, field: 'throttled_usec', perMs: 1_000 });
    } else if (controllers?.split(',').includes('cpu')) {
      // cgroup v1: the cpu controller's hierarchy (mounted as cpu or cpu,cpuacct); `throttled_time` in ns.
      // In a container without a cgroup namespace the path names the host's view: fall back to the mount root.
      for (const mount of [controllers, 'cpu']) {
        found.push({ path: `${CGROUP_ROOT}/${mount}${path}/cpu.stat`, field: 'throttled_time', perMs: 1e6 });
        found.push({ path: `${CGROUP_ROOT}/${mount}/cpu.stat`, field: 'throttled_time', perMs: 1e6 });
      }
    }
  }
  return found;
}

/**
 * Reads the throttled-time counter of the cgroup this process is in now (it is looked up on every call:
 * a process can be moved, as the HA drill does). A few small reads of kernel files, meant for once per
 * load-monitor window, never per request.
 */
export function cgroupThrottledTime(
  readText: ReadText = (path) => readFileSync(path, 'utf8'),
): ThrottledTimeReader {
  return () => {
    let procSelfCgroup: string;
    try {
      procSelfCgroup = readText('/proc/self/cgroup');
    } catch {
      return undefined;
    }
    for (const { path, field, perMs } of candidates(procSelfCgroup)) {
      let stat: string;
      try {
        stat = readText(path);
      } catch {
        continue;
      }
      const value = counter(stat, field);
      if (value !== undefined && Number.isFinite(value)) return value / perMs;
    }
    return undefined;
  };
}
