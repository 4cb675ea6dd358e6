import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chartValues } from '@high-available-server/chart';
import test from 'ava';
import { LAG_MARGIN_SECONDS, ShutdownTimingsError, shutdownTimings } from '../shutdown.js';

async function valuesFile(t: { teardown(fn: () => Promise<void>): void }, yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'infra-shutdown-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'values.yaml');
  await writeFile(file, yaml);
  return file;
}

test('the timings are the chart values of the EKS release, not numbers of the program', (t) => {
  const { shutdown } = chartValues(['values-eks.yaml']) as { shutdown: Record<string, number> };
  t.like(shutdownTimings(), shutdown);
});

test('the ALB keeps draining a target exactly as long as the pod can still be serving', (t) => {
  const timings = shutdownTimings();
  t.is(
    timings.deregistrationDelaySeconds,
    timings.preStopSleepSeconds + Math.ceil((timings.delayMs + timings.timeoutMs) / 1000),
  );
  t.true(timings.terminationGracePeriodSeconds > timings.deregistrationDelaySeconds);
});

test('sub-second timings round up, never down', async (t) => {
  const file = await valuesFile(t, 'shutdown:\n  preStopSleepSeconds: 5\n  delayMs: 1\n  timeoutMs: 1000\n');
  t.is(shutdownTimings({ valuesFiles: [file] }).deregistrationDelaySeconds, 7);
});

test('timings that stop accepting before the load balancer lag plus the margin are refused', async (t) => {
  const { preStopSleepSeconds, delayMs } = shutdownTimings();
  const accepting = preStopSleepSeconds + delayMs / 1000;
  t.notThrows(() => shutdownTimings({ loadBalancerLagSeconds: accepting - LAG_MARGIN_SECONDS }));
  const error = t.throws(
    () => shutdownTimings({ loadBalancerLagSeconds: accepting - LAG_MARGIN_SECONDS + 1 }),
    {
      instanceOf: ShutdownTimingsError,
    },
  );
  t.regex(error.message, new RegExp(`raise preStopSleepSeconds to at least ${preStopSleepSeconds + 1} `));
});
