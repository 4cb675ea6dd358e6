import { performance } from 'node:perf_hooks';
import { sleep } from '@high-available-server/testkit/process';
import type { Agent } from 'undici';
import type { AcknowledgedWrites } from '../acknowledged-writes.js';
import type { Cluster } from '../cluster.js';
import type { Haproxy } from '../haproxy.js';
import { type LoadRun, runLoad, type Sample } from '../load-generator.js';
import type { Prometheus } from '../prometheus.js';
import type { Replica } from '../replica.js';
import type { Cell, ScenarioReport, Verdict } from '../report.js';
import { summarize } from '../stats.js';
import type { ScenarioTimeline } from '../timeline.js';
import type { UserFactory } from '../users.js';
import { verifyAcknowledgedWrites, type WriteCheck } from '../verify.js';

export interface ScenarioContext {
  readonly cluster: Cluster;
  /** The load balancer this scenario sends its load through (see `Scenario.loadBalancer`). */
  readonly lb: Haproxy;
  /** The session's Prometheus, scraping every replica. */
  readonly prometheus: Prometheus;
  readonly dispatcher: Agent;
  readonly users: UserFactory;
  /** Steady load of the drill (requests per second). */
  readonly rps: number;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  /** This scenario's record: every sample of `steadyLoad` lands here; scenarios mark their faults on it. */
  readonly timeline: ScenarioTimeline;
  /**
   * How long the replicas' metrics need after the load to hold its last requests (two scrapes): the
   * read-back of acknowledged writes waits that long, so its GETs stay out of the scenario's SLI window.
   */
  readonly metricsSettleMs: number;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /**
   * `alb` (default): the ALB's own health check, as configured in infra. `scaled`: the same x the time
   * scale, for a scenario whose whole timeline is scaled (the rolling restart).
   */
  readonly loadBalancer?: 'alb' | 'scaled';
  run(context: ScenarioContext): Promise<ScenarioReport>;
}

/** Steady mixed load through the load balancer, with its own record of acknowledged writes. */
export function steadyLoad(
  context: ScenarioContext,
  acknowledged: AcknowledgedWrites,
  options: { rps?: number; durationMs?: number; onSample?: (sample: Sample) => void } = {},
): LoadRun {
  return runLoad({
    baseUrl: context.lb.url,
    rps: options.rps ?? context.rps,
    // Scenarios stop the load themselves once their steps are done; this is only a safety bound.
    durationMs: options.durationMs ?? 60_000,
    writeRatio: 0.5,
    timeoutMs: context.timeoutMs,
    users: context.users,
    acknowledged,
    dispatcher: context.dispatcher,
    onSample: (sample) => {
      context.timeline.record(sample);
      options.onSample?.(sample);
    },
  });
}

export async function verifyWrites(
  context: ScenarioContext,
  acknowledged: AcknowledgedWrites,
): Promise<WriteCheck> {
  const settleUntil = context.timeline.loadEndedAt + context.metricsSettleMs + 100;
  await sleep(Math.max(0, settleUntil - performance.now()));
  return verifyAcknowledgedWrites({
    baseUrl: context.lb.url,
    dispatcher: context.dispatcher,
    acknowledged,
  });
}

/** What a scenario's load left: every sample, those not answered as expected, the writes read back. */
export interface LoadOutcome {
  readonly samples: readonly Sample[];
  readonly failures: readonly Sample[];
  readonly written: WriteCheck;
}

/** Waits for the (stopped) load's last answers, then reads every acknowledged write back. */
export async function finishLoad(
  context: ScenarioContext,
  load: LoadRun,
  acknowledged: AcknowledgedWrites,
): Promise<LoadOutcome> {
  const samples = await load.finished;
  const written = await verifyWrites(context, acknowledged);
  return { samples, written, failures: samples.filter((s) => s.outcome !== 'ok') };
}

/** The words of the service's overload refusal (the shed 503's problem `detail`). */
const OVERLOAD_WORDING = 'overloaded';

/**
 * The service's own overload refusal: a 503 problem+json with Retry-After saying it is overloaded,
 * answered by a replica (the load balancer named it). Not the LB's page, not a store-down 503.
 */
export function isOverloadRefusal(sample: Sample): boolean {
  return (
    sample.outcome === 'unavailable' &&
    sample.server !== undefined &&
    sample.retryAfterMs !== undefined &&
    (sample.contentType ?? '').startsWith('application/problem+json') &&
    (sample.detail ?? '').includes(OVERLOAD_WORDING)
  );
}

/**
 * Overload refusals a scenario whose property is not about overload tolerates: 1 % of its requests. Its
 * load is at most a third of the capacity measured when the session opened (`steadyRate`), so a replica
 * that sheds more did so without cause (a cold replica taking its share at once, a shedding bug); a few
 * are a machine shared with other jobs starving a replica for a moment, which the service answers as
 * designed (503 + Retry-After), not a failure of the restart, rotation… being tested.
 */
export const OVERLOAD_REFUSAL_ALLOWANCE = 0.01;

export function fewOverloadRefusals(samples: readonly Sample[], refusals: readonly Sample[]): Verdict {
  const limit = Math.floor(samples.length * OVERLOAD_REFUSAL_ALLOWANCE);
  const byReplica = new Map<string, number>();
  for (const s of refusals) byReplica.set(s.server ?? '?', (byReplica.get(s.server ?? '?') ?? 0) + 1);
  return {
    name: `overload refusals (503 + Retry-After from a serving replica) <= ${OVERLOAD_REFUSAL_ALLOWANCE * 100} % of requests`,
    ok: refusals.length <= limit,
    detail: `${refusals.length} of ${samples.length} (limit ${limit})${byReplica.size > 0 ? `: ${[...byReplica].map(([name, n]) => `${name}=${n}`).join(' ')}` : ''}`,
  };
}

/**
 * Every request answered as expected, except (`tolerated`) overload refusals judged separately by
 * `fewOverloadRefusals`. Any other 503 (the LB's, a store-down one), 5xx, wrong answer or timeout fails.
 */
export function noFailedRequests(
  { samples, failures }: LoadOutcome,
  tolerated: readonly Sample[] = [],
): Verdict {
  const counted = failures.filter((s) => !tolerated.includes(s));
  return {
    name: '0 failed requests',
    ok: counted.length === 0,
    detail: `${counted.length} of ${samples.length} (any non-expected answer, 503 included${tolerated.length > 0 ? `; ${tolerated.length} overload refusals judged apart` : ''})`,
  };
}

export function noLostWrites(written: WriteCheck): Verdict {
  return {
    name: '0 lost acknowledged writes',
    ok: written.lost.length === 0,
    detail: `${written.lost.length} of ${written.checked} acknowledged PUTs missing`,
  };
}

export function lostWriteNotes(written: WriteCheck): string[] {
  return written.lost.slice(0, 3).map((l) => `lost ${l.username}: ${l.answer}`);
}

/** One table row: the columns every scenario reports. `failed` is what the scenario counts as failed. */
export function phaseRow(
  phase: string,
  samples: readonly Sample[],
  figures: { failed: number; lost?: number | string; recovery?: string },
): Record<string, Cell> {
  const summary = summarize(samples);
  return {
    phase,
    requests: summary.requests,
    rps: summary.rps,
    failed: figures.failed,
    refused: summary.unavailable,
    lost: figures.lost ?? '-',
    'p50 ms': summary.p50Ms,
    'p99 ms': summary.p99Ms,
    recovery: figures.recovery ?? '-',
  };
}

export function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

/** How long `lb` may take to see a healthy server UP: its thresholds x interval, plus a margin. */
export function upTimeoutMs(lb: Haproxy): number {
  const check = lb.healthCheck;
  return check.healthyThreshold * check.intervalMs + check.timeoutMs + 10_000;
}

/** Every replica is running and UP behind the load balancer (a scenario starts from a healthy cluster). */
export async function assertHealthy(cluster: Cluster, lb: Haproxy): Promise<void> {
  const stats = await lb.serverStats();
  for (const replica of cluster.replicas) {
    if (!replica.isRunning()) throw new Error(`${replica.name} is not running (see ${replica.logFile})`);
    const status = stats.find((s) => s.name === replica.name)?.status;
    if (status !== 'UP') await lb.waitForStatus(replica.name, 'UP', upTimeoutMs(lb));
  }
}

/** A replica slot's new process, and when it answered /readyz and when the load balancer had it UP. */
export interface Replacement {
  readonly replica: Replica;
  readonly readyAt: number;
  readonly upAt: number;
}

/**
 * Starts a new process in replica slot `index` (same port: a restarted container, or a new pod behind the
 * same target slot) and waits until it answers /readyz 200 and the scenario's load balancer has it UP.
 * With `register`, the slot is first put back into rotation (it was deregistered): a new pod's target is
 * registered and then passes the ALB's health check.
 */
export async function startReplacement(
  context: ScenarioContext,
  index: number,
  options: { register: boolean },
): Promise<Replacement> {
  const replica = context.cluster.startReplica(index);
  await replica.waitReady(20_000);
  const readyAt = performance.now();
  if (options.register) await context.lb.setServerState(replica.name, 'ready');
  await context.lb.waitForStatus(replica.name, 'UP', upTimeoutMs(context.lb));
  const upAt = performance.now();
  context.timeline.mark(`new ${replica.name} UP`, 'recovery', upAt);
  return { replica, readyAt, upAt };
}

/** Sleeps until `performance.now()` reaches `at` (at once if it has). */
export function sleepUntil(at: number): Promise<void> {
  return sleep(Math.max(0, at - performance.now()));
}
