import { performance } from 'node:perf_hooks';
import { sleep, waitUntil } from '@high-available-server/testkit/process';
import { AcknowledgedWrites } from '../acknowledged-writes.js';
import type { Sample } from '../load-generator.js';
import { failureWindow, topDetails } from '../stats.js';
import { assertHealthy, ms, phaseRow, type Scenario, steadyLoad, verifyWrites } from './scenario.js';

const outageMs = 4000;
const recoveryLimitMs = 5000;

/** Stop PostgreSQL for a few seconds under load, then start it again. */
export const databaseOutage: Scenario = {
  id: 'database-outage',
  title: `3. Database outage (PostgreSQL stopped for ${outageMs / 1000} s under load)`,
  async run(context) {
    const { cluster } = context;
    await assertHealthy(cluster);
    const pids = cluster.replicas.map((r) => r.pid);
    const acknowledged = new AcknowledgedWrites();
    const load = steadyLoad(context, acknowledged);
    let stoppedAt = Number.POSITIVE_INFINITY;
    let backAt = Number.POSITIVE_INFINITY;
    let greenAfterMs = Number.NaN;
    const saw503 = new Set<string>();
    const probeReadiness = async (until: () => boolean) => {
      while (!until()) {
        const statuses = await Promise.all(cluster.replicas.map((r) => r.readyStatus()));
        statuses.forEach((status, i) => {
          if (status === 503) saw503.add(cluster.replicas[i]?.name ?? '');
        });
        await sleep(100);
      }
    };
    try {
      await sleep(1500);
      stoppedAt = performance.now();
      context.timeline.mark('database stop', 'fault', stoppedAt);
      await cluster.postgres.stop();
      let outageOver = false;
      const probing = probeReadiness(() => outageOver);
      await sleep(outageMs);
      outageOver = true;
      await probing;
      await cluster.postgres.start();
      backAt = performance.now();
      context.timeline.mark('database start', 'recovery', backAt);
      context.log(`  PostgreSQL stopped for ${ms(backAt - stoppedAt)}`);
      try {
        await waitUntil(
          async () => {
            const ready = await Promise.all(cluster.replicas.map((r) => r.readyStatus()));
            const stats = await cluster.lb.serverStats();
            return (
              ready.every((status) => status === 200) &&
              cluster.replicas.every((r) => stats.find((s) => s.name === r.name)?.status === 'UP')
            );
          },
          {
            timeoutMs: 15_000,
            intervalMs: 50,
            message: 'replicas did not turn ready after the database came back',
          },
        );
        greenAfterMs = performance.now() - backAt;
      } catch {
        // Reported as a failed verdict below.
      }
      await sleep(2500);
    } finally {
      load.stop();
    }
    const samples = await load.finished;
    const written = await verifyWrites(context, acknowledged);
    // A 503 is the honest answer from the moment the database goes until 5 s after it is back.
    const excused = (s: Sample) =>
      s.outcome === 'unavailable' && s.endedAt >= stoppedAt && s.scheduledAt <= backAt + recoveryLimitMs;
    const failures = samples.filter((s) => s.outcome !== 'ok' && !excused(s));
    const refusedWrites = samples.filter((s) => s.kind === 'put' && excused(s));
    const fromLb = samples.filter(
      (s) => excused(s) && !s.contentType?.startsWith('application/problem+json'),
    );
    const lastRefusal = Math.max(backAt, ...samples.filter((s) => s.outcome !== 'ok').map((s) => s.endedAt));
    const stayedUp = cluster.replicas.every((r, i) => r.isRunning() && r.pid === pids[i]);
    const during = samples.filter((s) => s.endedAt >= stoppedAt && s.scheduledAt <= backAt);
    return {
      title: this.title,
      rows: [
        phaseRow(
          'before',
          samples.filter((s) => s.endedAt < stoppedAt),
          { failed: failures.filter((s) => s.endedAt < stoppedAt).length },
        ),
        phaseRow('outage', during, { failed: failures.filter((s) => during.includes(s)).length }),
        phaseRow(
          'after',
          samples.filter((s) => s.scheduledAt > backAt),
          {
            failed: failures.filter((s) => s.scheduledAt > backAt).length,
            recovery: `green ${ms(greenAfterMs)}, last 503 ${ms(lastRefusal - backAt)}`,
          },
        ),
        phaseRow('whole run', samples, { failed: failures.length, lost: written.lost.length }),
      ],
      verdicts: [
        {
          name: 'replicas stay up',
          ok: stayedUp,
          detail: stayedUp
            ? 'same 3 processes before and after'
            : 'a replica exited or was replaced (see its log)',
        },
        {
          name: '/readyz is 503 while the store is down',
          ok: saw503.size === cluster.replicas.length,
          detail: `seen on ${[...saw503].sort().join(', ') || 'none'} of ${cluster.replicas.length} replicas`,
        },
        {
          name: 'writes fail with 503 (not 500, not a hang)',
          ok: refusedWrites.length > 0 && failures.length === 0,
          detail: `${refusedWrites.length} PUTs refused with 503 (${fromLb.length} 503s not problem+json); ${failures.length} other failures (500s, timeouts, 503 outside the outage)`,
        },
        {
          name: `green within ${recoveryLimitMs / 1000} s of the database's return`,
          ok: greenAfterMs <= recoveryLimitMs && lastRefusal - backAt <= recoveryLimitMs,
          detail: `all /readyz 200 and UP after ${ms(greenAfterMs)}; last refused request ${ms(lastRefusal - backAt)} after`,
        },
        {
          name: '0 lost acknowledged writes',
          ok: written.lost.length === 0,
          detail: `${written.lost.length} of ${written.checked} acknowledged PUTs missing`,
        },
      ],
      notes: [
        ...topDetails(failures),
        ...failureWindow(failures, stoppedAt, 'database stop'),
        ...written.lost.slice(0, 3).map((l) => `lost ${l.username}: ${l.answer}`),
      ],
    };
  },
};
