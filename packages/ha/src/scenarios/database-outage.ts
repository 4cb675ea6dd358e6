import { open, stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { sleep } from '@high-available-server/testkit/process';
import { AcknowledgedWrites } from '../acknowledged-writes.js';
import type { DrillTimings } from '../drill-timings.js';
import type { Sample } from '../load-generator.js';
import { DRILL_JOB } from '../prometheus.js';
import { lowest, percentile, topDetails } from '../stats.js';
import { ScenarioTimeline } from '../timeline.js';
import {
  assertHealthy,
  lostWriteNotes,
  ms,
  noLostWrites,
  phaseRow,
  type Scenario,
  steadyLoad,
  verifyWrites,
} from './scenario.js';

/** An RDS Multi-AZ failover takes 60–120 s: the outage at production scale. */
const failoverMs = 60_000;
/** Store-backed requests must succeed again this soon after the database is back. */
const recoveryLimitMs = 1000;
/** The service's database connect timeout: a refusal that took this long waited for it instead of failing fast. */
const storeConnectTimeoutMs = 2000;
const probeEveryMs = 250;

/**
 * Long enough for the ALB's health check to take every target out if readiness followed the database
 * (unhealthyThreshold checks in a row, one interval apart), and a failover's length at production scale.
 */
export function outageMs(timings: DrillTimings): number {
  const check = timings.albHealthCheck;
  return Math.max(failoverMs * timings.timeScale, check.unhealthyThreshold * check.intervalMs + 2000);
}

/** What the probes saw: every /readyz answer and the load balancer's view, sampled through the scenario. */
interface Watch {
  probes: number;
  /** Any /readyz answer other than 200, or a replica the LB did not have UP. */
  readonly notReady: string[];
  /** Per replica, the `store` values /readyz reported while the database was down. */
  readonly storeWhileDown: Map<string, Set<string>>;
  /** Per replica, the `store` values /readyz reported once the database was back (and reconnected). */
  readonly storeAfter: Map<string, Set<string>>;
}

/** Bytes in each replica's log so far: the scenario's own lines come after. */
async function logSizes(files: readonly string[]): Promise<number[]> {
  return Promise.all(files.map((file) => stat(file).then((s) => s.size)));
}

/** The `store` field of the JSON log lines a replica wrote after `offset` that report a state change. */
async function storeChanges(file: string, offset: number): Promise<string[]> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer
      .toString('utf8')
      .split('\n')
      .flatMap((line) => {
        try {
          const store = (JSON.parse(line) as { store?: unknown }).store;
          return store === 'up' || store === 'down' ? [store] : [];
        } catch {
          return [];
        }
      });
  } finally {
    await handle.close();
  }
}

/**
 * PostgreSQL stopped (fast shutdown: sessions cut) under load, behind the ALB's own health check, for
 * longer than that check needs to take a target out; then started again. Readiness must hold (it says
 * whether this process can serve, not whether the database is up), store-backed requests get a fast 503 +
 * Retry-After, the store's state shows in /readyz's body, the `store_up` gauge and one log line per change,
 * and requests succeed within a second of the database's return: no health check stands in the way.
 */
export const databaseOutage: Scenario = {
  id: 'database-outage',
  title: '3. Database outage (PostgreSQL stopped under load, behind the ALB health check)',
  async run(context) {
    const { cluster, lb, prometheus } = context;
    const lengthMs = outageMs(cluster.timings);
    await assertHealthy(cluster, lb);
    const replicas = [...cluster.replicas];
    const pids = replicas.map((r) => r.pid);
    const acknowledged = new AcknowledgedWrites();
    const load = steadyLoad(context, acknowledged, { durationMs: lengthMs + 60_000 });
    let stoppedAt = Number.POSITIVE_INFINITY;
    let backAt = Number.POSITIVE_INFINITY;
    const watch: Watch = { probes: 0, notReady: [], storeWhileDown: new Map(), storeAfter: new Map() };
    let watching = true;
    const probing = (async () => {
      while (watching) {
        const at = performance.now();
        const [answers, stats] = await Promise.all([
          Promise.all(
            replicas.map(async (r) => [await r.readiness('api'), await r.readiness('management')] as const),
          ),
          lb.serverStats(),
        ]);
        const down = at >= stoppedAt && performance.now() <= backAt;
        const after = at >= backAt + recoveryLimitMs;
        answers.forEach(([api, management], i) => {
          const name = replicas[i]?.name ?? '';
          watch.probes++;
          if (api.status !== 200) watch.notReady.push(`${name} /readyz ${api.status} (API port)`);
          if (management.status !== 200)
            watch.notReady.push(`${name} /readyz ${management.status} (management port)`);
          const lbStatus = stats.find((s) => s.name === name)?.status;
          if (lbStatus !== 'UP') watch.notReady.push(`${name} ${lbStatus} at the LB`);
          if (api.store) {
            if (after) watch.storeAfter.set(name, (watch.storeAfter.get(name) ?? new Set()).add(api.store));
            if (down)
              watch.storeWhileDown.set(name, (watch.storeWhileDown.get(name) ?? new Set()).add(api.store));
          }
        });
        await sleep(probeEveryMs);
      }
    })();
    const logOffsets = await logSizes(replicas.map((r) => r.logFile));
    try {
      await sleep(1500);
      stoppedAt = performance.now();
      context.timeline.mark('database stop', 'fault', stoppedAt);
      await cluster.postgres.stop();
      await sleep(Math.max(0, stoppedAt + lengthMs - performance.now()));
      await cluster.postgres.start();
      backAt = performance.now();
      context.timeline.mark('database start', 'recovery', backAt);
      context.log(`  PostgreSQL stopped for ${ms(backAt - stoppedAt)}`);
      await sleep(3000);
    } finally {
      load.stop();
      watching = false;
      await probing;
    }
    const samples = await load.finished;
    const written = await verifyWrites(context, acknowledged);

    // The store's state as the replicas exported it: 0 on every replica during the outage, 1 after.
    const storeUp = async (expr: string, atMs: number) =>
      new Map(
        (await prometheus.query(expr, atMs).catch(() => [])).map((series) => [
          series.metric.replica ?? '?',
          series.value,
        ]),
      );
    const selector = `{job="${DRILL_JOB}"}`;
    const lowestWhileDown = await storeUp(
      `min by (replica) (min_over_time(store_up${selector}[${Math.round(backAt - stoppedAt)}ms]))`,
      ScenarioTimeline.epochMs(backAt),
    );
    // Up again at some scrape after the return (a replica starved of CPU may miss one ping: see below).
    const afterwards = await storeUp(
      `max by (replica) (max_over_time(store_up${selector}[${Math.round(context.timeline.loadEndedAt - backAt - recoveryLimitMs)}ms]))`,
      ScenarioTimeline.epochMs(context.timeline.loadEndedAt),
    );
    const gaugeOk = replicas.every((r) => lowestWhileDown.get(r.name) === 0 && afterwards.get(r.name) === 1);
    const changes = await Promise.all(replicas.map((r, i) => storeChanges(r.logFile, logOffsets[i] ?? 0)));
    // One line per change: down, up, alternating, ending up. More than one pair is a flap the service
    // really saw (a ping slower than its timeout on a replica starved of CPU counts as down), still one
    // line per change; a line per request would not alternate.
    const oneLinePerChange = changes.every(
      (lines) =>
        lines.length >= 2 &&
        lines.length % 2 === 0 &&
        lines.every((line, i) => line === (i % 2 === 0 ? 'down' : 'up')),
    );
    const bodyOk = replicas.every(
      (r) => watch.storeWhileDown.get(r.name)?.has('down') && watch.storeAfter.get(r.name)?.has('up'),
    );

    // A 503 is the honest answer from the moment the database goes until it is back (and 1 s to reconnect).
    const excused = (s: Sample) =>
      s.outcome === 'unavailable' && s.endedAt >= stoppedAt && s.scheduledAt < backAt + recoveryLimitMs;
    const refusals = samples.filter(excused);
    const failures = samples.filter((s) => s.outcome !== 'ok' && !excused(s));
    const notFromService = refusals.filter(
      (s) => s.retryAfterMs === undefined || !s.contentType?.startsWith('application/problem+json'),
    );
    const refusalLatencies = refusals.map((s) => s.latencyMs).sort((a, b) => a - b);
    const slowestRefusal = refusalLatencies.at(-1) ?? 0;
    const afterBack = samples.filter((s) => s.scheduledAt >= backAt);
    const firstSuccess = lowest(afterBack.filter((s) => s.outcome === 'ok').map((s) => s.endedAt - backAt));
    const lateFailures = afterBack.filter(
      (s) => s.scheduledAt >= backAt + recoveryLimitMs && s.outcome !== 'ok',
    );
    const stayedUp = cluster.replicas.every((r, i) => r.isRunning() && r.pid === pids[i]);
    const during = samples.filter((s) => s.endedAt >= stoppedAt && s.scheduledAt <= backAt);
    const figures = (values: ReadonlyMap<string, number>) =>
      replicas.map((r) => `${r.name}=${values.get(r.name) ?? 'none'}`).join(' ');
    return {
      title: this.title,
      rows: [
        phaseRow(
          'before',
          samples.filter((s) => s.endedAt < stoppedAt),
          { failed: failures.filter((s) => s.endedAt < stoppedAt).length },
        ),
        phaseRow(`outage (${ms(backAt - stoppedAt)})`, during, {
          failed: failures.filter((s) => during.includes(s)).length,
        }),
        phaseRow('after', afterBack, {
          failed: failures.filter((s) => s.scheduledAt >= backAt).length,
          recovery: `first success ${ms(firstSuccess)} after the return`,
        }),
        phaseRow('whole run', samples, { failed: failures.length, lost: written.lost.length }),
      ],
      verdicts: [
        {
          name: 'readiness held on every replica throughout',
          ok: watch.notReady.length === 0 && watch.probes > 0,
          detail:
            watch.notReady.length === 0
              ? `${watch.probes} probes of /readyz on the API and management ports every ${probeEveryMs} ms, all 200; every replica UP at the LB (ALB health check: every ${ms(lb.healthCheck.intervalMs)}, out after ${lb.healthCheck.unhealthyThreshold} failures)`
              : `${watch.notReady.length} times not ready, e.g. ${watch.notReady.slice(0, 3).join('; ')}`,
        },
        {
          name: "the store's state shows: /readyz body, store_up, one log line per change",
          ok: bodyOk && gaugeOk && oneLinePerChange,
          detail: `/readyz "store" during the outage: ${replicas.map((r) => `${r.name}=${[...(watch.storeWhileDown.get(r.name) ?? [])].join('/') || 'none'}`).join(' ')}, after the return: ${replicas.map((r) => `${r.name}=${[...(watch.storeAfter.get(r.name) ?? [])].join('/') || 'none'}`).join(' ')}; store_up lowest during the outage ${figures(lowestWhileDown)}, after ${figures(afterwards)}; log lines with a store state: ${replicas.map((r, i) => `${r.name}=${changes[i]?.join(',') || 'none'}`).join(' ')}`,
        },
        {
          name: 'store-backed requests got a fast 503 + Retry-After during the outage, nothing else failed',
          ok:
            refusals.length > 0 &&
            notFromService.length === 0 &&
            slowestRefusal < storeConnectTimeoutMs &&
            failures.length === 0,
          detail: `${refusals.length} refused (${refusals.filter((s) => s.kind === 'put').length} PUTs), ${notFromService.length} without Retry-After or problem+json; p99 ${percentile(refusalLatencies, 0.99).toFixed(0)} ms, slowest ${slowestRefusal.toFixed(0)} ms (limit: the store's ${storeConnectTimeoutMs} ms connect timeout); ${failures.length} other failures (500s, timeouts, 503s outside the outage)`,
        },
        {
          name: `requests succeed within ${recoveryLimitMs / 1000} s of the database's return`,
          ok: firstSuccess <= recoveryLimitMs && lateFailures.length === 0,
          detail: `first success ${ms(firstSuccess)} after PostgreSQL was back; ${lateFailures.length} of ${afterBack.filter((s) => s.scheduledAt >= backAt + recoveryLimitMs).length} requests due later than ${ms(recoveryLimitMs)} after it did not succeed`,
        },
        {
          name: 'replicas stay up',
          ok: stayedUp,
          detail: stayedUp
            ? 'same 3 processes before and after'
            : 'a replica exited or was replaced (see its log)',
        },
        noLostWrites(written),
      ],
      notes: [
        ...topDetails(failures),
        ...notFromService
          .slice(0, 3)
          .map((s) => `refusal not from the service: ${s.status} ${s.contentType ?? ''} ${s.detail ?? ''}`),
        ...lostWriteNotes(written),
      ],
    };
  },
};
