import test from 'ava';
import { cgroupThrottledTime } from '../src/overload/cpu-throttling.js';

/** A fake file system: path -> contents; any other path throws like a missing file. Records every read. */
function files(contents: Record<string, string>, reads: string[] = []) {
  return (path: string) => {
    reads.push(path);
    const text = contents[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
}

/** A clock the test moves by hand. */
function manualClock() {
  let ms = 0;
  return {
    now: () => ms,
    advance(by: number) {
      ms += by;
    },
  };
}

const v1Stat = (ns: number) =>
  `nr_periods 10\nnr_throttled 4\nthrottled_time ${ns}\nnr_bursts 0\nburst_time 0\n`;
const v2Stat = (us: number) =>
  `usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 10\nnr_throttled 4\nthrottled_usec ${us}\n`;

test('cgroup v2 (a Kubernetes pod with a CPU limit): throttled_usec of the cgroup in /proc/self/cgroup, in ms', (t) => {
  const read = cgroupThrottledTime(
    files({
      '/proc/self/cgroup': '0::/kubepods/burstable/pod1/abc\n',
      '/sys/fs/cgroup/kubepods/burstable/pod1/abc/cpu.max': '25000 100000\n',
      '/sys/fs/cgroup/kubepods/burstable/pod1/abc/cpu.stat': v2Stat(2_500),
    }),
  );
  t.is(read(), 2.5);
});

test('cgroup v2 in a container with its own cgroup namespace: the mount root', (t) => {
  const read = cgroupThrottledTime(
    files({
      '/proc/self/cgroup': '0::/\n',
      '/sys/fs/cgroup/cpu.max': '50000 100000\n',
      '/sys/fs/cgroup/cpu.stat': v2Stat(7_000),
    }),
  );
  t.is(read(), 7);
});

test('no CPU limit: the counter is never read (v2 cpu.max "max", v1 quota -1)', (t) => {
  const reads: string[] = [];
  const v2 = cgroupThrottledTime(
    files(
      {
        '/proc/self/cgroup': '0::/user.slice\n',
        '/sys/fs/cgroup/user.slice/cpu.max': 'max 100000\n',
        '/sys/fs/cgroup/user.slice/cpu.stat': v2Stat(5),
      },
      reads,
    ),
  );
  t.is(v2(), undefined);
  const v1 = cgroupThrottledTime(
    files(
      {
        '/proc/self/cgroup': '2:cpuacct:/\n1:cpu:/\n',
        '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n',
        '/sys/fs/cgroup/cpu/cpu.stat': v1Stat(5),
      },
      reads,
    ),
  );
  t.is(v1(), undefined);
  t.false(
    reads.some((path) => path.endsWith('cpu.stat')),
    reads.join(', '),
  );
});

test('cgroup v1: throttled_time (ns) of the cpu hierarchy, found again (within 5 s) after the process is moved', (t) => {
  const clock = manualClock();
  const fs: Record<string, string> = {
    '/proc/self/cgroup': '9:name=systemd:/\n2:cpuacct:/\n1:cpu:/\n',
    '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n',
    '/sys/fs/cgroup/cpu/cpu.stat': v1Stat(0),
  };
  const read = cgroupThrottledTime(files(fs), clock.now);
  t.is(read(), undefined, 'no limit yet');
  // Moved into a limited group (what the HA drill does with its replicas).
  fs['/proc/self/cgroup'] = '9:name=systemd:/\n2:cpuacct:/\n1:cpu:/ha-drill-42\n';
  fs['/sys/fs/cgroup/cpu/ha-drill-42/cpu.cfs_quota_us'] = '50000\n';
  fs['/sys/fs/cgroup/cpu/ha-drill-42/cpu.stat'] = v1Stat(3_000_000);
  clock.advance(5_000);
  t.is(read(), 3);
});

test('cgroup v1 with cpu and cpuacct mounted together', (t) => {
  const read = cgroupThrottledTime(
    files({
      '/proc/self/cgroup': '4:cpu,cpuacct:/docker/abc\n',
      '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '100000\n',
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
      files({
        '/proc/self/cgroup': '0::/\n',
        '/sys/fs/cgroup/cpu.max': '1000 100000\n',
        '/sys/fs/cgroup/cpu.stat': 'usage_usec 5\n',
      }),
    )(),
    undefined,
  );
});

test('on this machine the reader answers a number or undefined without throwing', (t) => {
  const value = cgroupThrottledTime()();
  t.true(value === undefined || (Number.isFinite(value) && value >= 0));
});

test('the cgroup and its limit are looked up at most every 5 s; in between only cpu.stat is read', (t) => {
  const clock = manualClock();
  const reads: string[] = [];
  const fs: Record<string, string> = {
    '/proc/self/cgroup': '2:cpuacct:/\n1:cpu:/ha-drill-7\n',
    '/sys/fs/cgroup/cpu/ha-drill-7/cpu.cfs_quota_us': '50000\n',
    '/sys/fs/cgroup/cpu/ha-drill-7/cpu.stat': v1Stat(1_000_000),
  };
  const read = cgroupThrottledTime(files(fs, reads), clock.now);
  t.is(read(), 1);
  reads.length = 0;
  fs['/sys/fs/cgroup/cpu/ha-drill-7/cpu.stat'] = v1Stat(2_000_000);
  clock.advance(250);
  t.is(read(), 2);
  t.deepEqual(reads, ['/sys/fs/cgroup/cpu/ha-drill-7/cpu.stat']);
  reads.length = 0;
  clock.advance(5_000);
  t.is(read(), 2);
  t.deepEqual(reads, [
    '/proc/self/cgroup',
    '/sys/fs/cgroup/cpu/ha-drill-7/cpu.cfs_quota_us',
    '/sys/fs/cgroup/cpu/ha-drill-7/cpu.stat',
  ]);
});
