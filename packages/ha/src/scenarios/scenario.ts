import { performance } from 'node:perf_hooks';
import { sleep } from '@high-available-server/testkit/process';
import type { Agent } from 'undici';
import type { AcknowledgedWrites } from '../acknowledged-writes.js';
import type { Cluster } from '../cluster.js';
import { type LoadRun, runLoad, type Sample } from '../load-generator.js';
import type { Cell, ScenarioReport } from '../report.js';
import { summarize } from '../stats.js';
import type { ScenarioTimeline } from '../timeline.js';
import type { UserFactory } from '../users.js';
import { verifyAcknowledgedWrites, type WriteCheck } from '../verify.js';

export interface ScenarioContext {
  readonly cluster: Cluster;
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
  run(context: ScenarioContext): Promise<ScenarioReport>;
}

/** Steady mixed load through the load balancer, with its own record of acknowledged writes. */
export function steadyLoad(
  context: ScenarioContext,
  acknowledged: AcknowledgedWrites,
  options: { rps?: number; durationMs?: number; onSample?: (sample: Sample) => void } = {},
): LoadRun {
  return runLoad({
    baseUrl: context.cluster.lb.url,
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
    baseUrl: context.cluster.lb.url,
    dispatcher: context.dispatcher,
    acknowledged,
  });
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

/** Every replica is running and UP behind the load balancer (a scenario starts from a healthy cluster). */
export async function assertHealthy(cluster: Cluster): Promise<void> {
  const stats = await cluster.lb.serverStats();
  for (const replica of cluster.replicas) {
    if (!replica.isRunning()) throw new Error(`${replica.name} is not running (see ${replica.logFile})`);
    const status = stats.find((s) => s.name === replica.name)?.status;
    if (status !== 'UP') await cluster.lb.waitForStatus(replica.name, 'UP', 10_000);
  }
}
