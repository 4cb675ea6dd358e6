import test from 'ava';
import { cgroupThrottledTime } from '../src/overload/cpu-throttling.js';

/** A fake file system: path -> contents; any other path throws like a missing file. */
function files(contents: Record<string, string>) {
  return (path: string) => {
    const text = contents[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
}

const v1Stat = (ns: number) =>
  `nr_periods 10\nnr_throttled 4\nthrottled_time ${ns}\nnr_bursts 0\nburst_time 0\n`;
const v2Stat = (us: number) =>
  `usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 10\nnr_throttled 4\nthrottled_usec ${us}\n`;

test('cgroup v2 (a Kubernetes pod): throttled_usec of the cgroup in /proc/self/cgroup, in ms', (t) => {
  const read = cgroupThrottledTime(
    files({
      '/proc/self/cgroup': '0::/kubepods/burstable/pod1/abc\n',
      '/sys/fs/cgroup/kubepods/burstable/pod1/abc/cpu.stat': v2Stat(2_500),
    }),
  );
  t.is(read(), 2.5);
});

test('cgroup v2 in a container with its own cgroup namespace: the mount root', (t) => {
  const read = cgroupThrottledTime(
    files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.stat': v2Stat(7_000) }),
  );
  t.is(read(), 7);
});

test('cgroup v1: throttled_time (ns) of the cpu hierarchy, found again after the process is moved', (t) => {
  const fs: Record<string, string> = {
    '/proc/self/cgroup': '9:name=systemd:/\n2:cpuacct:/\n1:cpu:/\n',
    '/sys/fs/cgroup/cpu/cpu.stat': v1Stat(0),
  };
  const read = cgroupThrottledTime(files(fs));
  t.is(read(), 0);
  // Moved into a limited group (what the HA drill does with its replicas).
  fs['/proc/self/cgroup'] = '9:name=systemd:/\n2:cpuacct:/\n1:cpu:/ha-drill-42\n';
  fs['/sys/fs/cgroup/cpu/ha-drill-42/cpu.stat'] = v1Stat(3_000_000);
  t.is(read(), 3);
});

test('cgroup v1 with cpu and cpuacct mounted together', (t) => {
  const read = cgroupThrottledTime(
    files({
      '/proc/self/cgroup': '4:cpu,cpuacct:/docker/abc\n',
      '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.stat': v1Stat(1_000_000),
    }),
  );
  t.is(read(), 1);
});

test('no readable counter (no cgroup CPU controller, not Linux): undefined, never an exception', (t) => {
  t.is(cgroupThrottledTime(files({}))(), undefined);
  t.is(cgroupThrottledTime(files({ '/proc/self/cgroup': '0::/\n' }))(), undefined);
  t.is(
    cgroupThrottledTime(
      files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.stat': 'usage_usec 5\n' }),
    )(),
    undefined,
  );
});

test('on this machine the reader answers a number or undefined without throwing', (t) => {
  const value = cgroupThrottledTime()();
  t.true(value === undefined || (Number.isFinite(value) && value >= 0));
});

test('the cpu.stat file is found once per cgroup, then read alone each window', (t) => {
  const reads: string[] = [];
  const fs: Record<string, string> = {
    '/proc/self/cgroup': '2:cpuacct:/\n1:cpu:/ha-drill-7\n',
    '/sys/fs/cgroup/cpu/ha-drill-7/cpu.stat': v1Stat(1_000_000),
  };
  const read = cgroupThrottledTime((path) => {
    reads.push(path);
    return files(fs)(path);
  });
  t.is(read(), 1);
  reads.length = 0;
  fs['/sys/fs/cgroup/cpu/ha-drill-7/cpu.stat'] = v1Stat(2_000_000);
  t.is(read(), 2);
  t.deepEqual(reads, ['/proc/self/cgroup', '/sys/fs/cgroup/cpu/ha-drill-7/cpu.stat']);
});
