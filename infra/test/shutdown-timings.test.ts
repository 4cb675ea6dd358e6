import test from 'ava';
import { DEFAULT_SHUTDOWN, shutdownTimings } from '../shutdown.js';

test('the ALB keeps draining a target exactly as long as the pod can still be serving', (t) => {
  const timings = shutdownTimings();
  t.is(timings.deregistrationDelaySeconds, 10 + 5 + 20);
  t.is(
    timings.terminationGracePeriodSeconds,
    timings.deregistrationDelaySeconds + DEFAULT_SHUTDOWN.marginSeconds,
  );
});

test('sub-second timings round up, never down', (t) => {
  const timings = shutdownTimings({ preStopSleepSeconds: 5, delayMs: 1, timeoutMs: 1000, marginSeconds: 5 });
  t.is(timings.deregistrationDelaySeconds, 7);
  t.is(timings.terminationGracePeriodSeconds, 12);
});

test('the grace period satisfies the chart rule preStop + ceil((delay + timeout) / 1000) + 5', (t) => {
  const { preStopSleepSeconds, delayMs, timeoutMs, terminationGracePeriodSeconds } = shutdownTimings();
  t.true(terminationGracePeriodSeconds >= preStopSleepSeconds + Math.ceil((delayMs + timeoutMs) / 1000) + 5);
});
