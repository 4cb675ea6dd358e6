import { readFileSync } from 'node:fs';

/**
 * Cumulative time, in ms, that the CPU limit of this process's cgroup has held it back (CFS bandwidth
 * throttling), or undefined where no such counter can be read (no cgroup CPU controller, not Linux).
 */
export type ThrottledTimeReader = () => number | undefined;

type ReadText = (path: string) => string;

const CGROUP_ROOT = '/sys/fs/cgroup';

/** A cpu.stat file, the throttled-time field in it, and that field's units per ms. */
type Counter = { path: string; field: string; perMs: number };

function counterValue(stat: string, name: string): number | undefined {
  const line = stat.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** cpu.stat files that may hold this process's counters, most specific first, with the field and its unit. */
function candidates(procSelfCgroup: string): Counter[] {
  const found: Counter[] = [];
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
 * Reads the throttled-time counter of the cgroup this process is in now: /proc/self/cgroup is read on
 * every call (a process can be moved, as the HA drill does), the cpu.stat file it names is found once per
 * cgroup and then read alone. Meant for once per load-monitor window, never per request.
 */
export function cgroupThrottledTime(
  readText: ReadText = (path) => readFileSync(path, 'utf8'),
): ThrottledTimeReader {
  const read = (counter: Counter): number | undefined => {
    let stat: string;
    try {
      stat = readText(counter.path);
    } catch {
      return undefined;
    }
    const value = counterValue(stat, counter.field);
    return value !== undefined && Number.isFinite(value) ? value / counter.perMs : undefined;
  };
  let resolvedFor: string | undefined;
  let resolved: Counter | undefined;
  return () => {
    let procSelfCgroup: string;
    try {
      procSelfCgroup = readText('/proc/self/cgroup');
    } catch {
      return undefined;
    }
    if (procSelfCgroup === resolvedFor && resolved !== undefined) {
      const value = read(resolved);
      if (value !== undefined) return value;
    }
    resolvedFor = procSelfCgroup;
    resolved = undefined;
    for (const counter of candidates(procSelfCgroup)) {
      const value = read(counter);
      if (value === undefined) continue;
      resolved = counter;
      return value;
    }
    return undefined;
  };
}
