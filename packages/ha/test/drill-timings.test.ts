import { acceptsNewRequestsSeconds, shutdownSettings } from '@high-available-server/chart';
import {
  ALB_DEREGISTRATION_LAG_SECONDS,
  ALB_HEALTH_CHECK,
} from '@high-available-server/infra/load-balancer-health';
import test from 'ava';
import {
  ALB_RELEASE_VALUES,
  acceptsNewRequestsMs,
  drillTimings,
  PRODUCTION_CREDENTIAL_LAG_SECONDS,
} from '../src/drill-timings.js';
import { outageMs } from '../src/scenarios/database-outage.js';

const chart = shutdownSettings(ALB_RELEASE_VALUES);

test("at time scale 1 the drill runs production's timings: the chart's drain, the ALB's lag and health check", (t) => {
  const timings = drillTimings(1);
  t.deepEqual(timings.drain, {
    preStopMs: chart.preStopSleepSeconds * 1000,
    delayMs: chart.delayMs,
    timeoutMs: chart.timeoutMs,
    graceMs: chart.terminationGracePeriodSeconds * 1000,
  });
  t.is(timings.deregistrationLagMs, ALB_DEREGISTRATION_LAG_SECONDS * 1000);
  t.deepEqual(timings.scaledHealthCheck, timings.albHealthCheck);
  t.is(timings.albHealthCheck.intervalMs, ALB_HEALTH_CHECK.intervalSeconds * 1000);
  t.is(timings.credentialLagMs, PRODUCTION_CREDENTIAL_LAG_SECONDS * 1000);
  t.is(acceptsNewRequestsMs(timings.drain), acceptsNewRequestsSeconds(chart) * 1000);
});

test('a time scale shrinks every duration by the same factor, so the lag stays shorter than the time a pod accepts', (t) => {
  for (const scale of [1, 0.2, 0.05, 0.01]) {
    const timings = drillTimings(scale);
    t.is(timings.drain.preStopMs, Math.round(chart.preStopSleepSeconds * 1000 * scale));
    t.is(timings.deregistrationLagMs, Math.round(ALB_DEREGISTRATION_LAG_SECONDS * 1000 * scale));
    t.is(timings.scaledHealthCheck.intervalMs, Math.round(ALB_HEALTH_CHECK.intervalSeconds * 1000 * scale));
    // Counts are not durations.
    t.is(timings.scaledHealthCheck.healthyThreshold, ALB_HEALTH_CHECK.healthyThreshold);
    t.true(timings.deregistrationLagMs < acceptsNewRequestsMs(timings.drain), `scale ${scale}`);
    // The ALB's own health check is never scaled: the database scenarios run behind it.
    t.is(timings.albHealthCheck.intervalMs, ALB_HEALTH_CHECK.intervalSeconds * 1000);
  }
});

test('the credential lag is production’s x the scale unless given; bad scales are refused', (t) => {
  t.is(drillTimings(0.01).credentialLagMs, PRODUCTION_CREDENTIAL_LAG_SECONDS * 10);
  t.is(drillTimings(0.05, { credentialLagSeconds: 3 }).credentialLagMs, 3000);
  for (const scale of [0, -1, 2, Number.NaN]) t.throws(() => drillTimings(scale), { message: /time scale/ });
});

test("the database outage lasts long enough for the ALB's health check to act, and a failover at full scale", (t) => {
  const check = ALB_HEALTH_CHECK.unhealthyThreshold * ALB_HEALTH_CHECK.intervalSeconds * 1000;
  t.true(outageMs(drillTimings(0.05)) > check);
  t.true(outageMs(drillTimings(1)) >= 60_000);
});
